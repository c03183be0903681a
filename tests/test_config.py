"""Config discovery and its settings: perflint.toml or [tool.perflint], nearest wins, stop at the git root."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixturelib import CLEAN, FAULTY, write
from perflint.check_cli import main as check
from perflint.config import Config, config_and_paths, find_config, glob_match, read_config
from perflint.data import DataError
from perflint.files import collect_files
from perflint.run import RunSettings


@pytest.fixture
def repo(tmp_path):
    (tmp_path / ".git").mkdir()  # enough for discovery to know the repository root
    return tmp_path


def run(argv, capsys) -> tuple[int, str, str]:
    code = check([*argv, "--format", "json"] if "--format" not in argv else list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- discovery ------------------------------------------------------------------------------

def test_nearest_config_wins(repo):
    write(repo / "perflint.toml", 'lang = "en"\n')
    write(repo / "returns" / "pyproject.toml", '[tool.perflint]\nlang = "zh"\n')
    write(repo / "archive" / "pyproject.toml", '[project]\nname = "not-perflint"\n')
    assert find_config(repo / "returns" / "a.json").path == (repo / "returns" / "pyproject.toml").resolve()
    assert find_config(repo / "returns" / "a.json").get("lang") == "zh"
    # a pyproject.toml without [tool.perflint] is passed over
    assert find_config(repo / "archive" / "x" / "a.json").path == (repo / "perflint.toml").resolve()


def test_perflint_toml_beats_pyproject_in_the_same_folder(repo):
    write(repo / "pyproject.toml", '[tool.perflint]\nlang = "zh"\n')
    write(repo / "perflint.toml", 'lang = "en"\n')
    assert find_config(repo).get("lang") == "en"


def test_discovery_stops_at_the_repository_root(tmp_path):
    write(tmp_path / "perflint.toml", 'lang = "en"\n')
    inner = tmp_path / "data"
    (inner / ".git").mkdir(parents=True)
    assert find_config(inner / "a.json").path is None
    write(inner / "perflint.toml", 'lang = "zh"\n')
    assert find_config(inner / "sub" / "a.json").path == (inner / "perflint.toml").resolve()


@pytest.mark.parametrize("text, key", [
    ('langs = "en"\n', "langs"),
    ('lang = "fr"\n', "lang"),
    ('include = "returns/**"\n', "include"),
    ('exclude = [1]\n', "exclude"),
    ('[per_path_ignores]\n"archive/**" = "H"\n', "per_path_ignores.'archive/**'"),
    ('[per_path_ignores]\n"archive/**" = []\n', "per_path_ignores.'archive/**'"),
    ('jobs = true\n', "jobs"),
    ('paths = "returns"\n', "paths"),
])
def test_config_errors_name_file_and_key(repo, text, key):
    path = write(repo / "perflint.toml", text)
    with pytest.raises(DataError) as err:
        read_config(path)
    assert err.value.source == str(path) and err.value.key == key


def test_pyproject_keys_are_named_as_written(repo):
    write(repo / "pyproject.toml", '[tool.perflint]\nfail_on = "sometimes"\n')
    with pytest.raises(DataError) as err:
        find_config(repo)
    assert err.value.key == "tool.perflint.fail_on"


def test_broken_toml_is_an_error_naming_the_file(repo):
    path = write(repo / "perflint.toml", "lang = \n")
    with pytest.raises(DataError, match="not valid TOML") as err:
        find_config(repo)
    assert err.value.source == str(path)


# ---- relative paths -------------------------------------------------------------------------

def test_history_and_profile_are_relative_to_the_config(repo, monkeypatch, tmp_path_factory):
    write(repo / "cfg" / "perflint.toml", 'history = ["../archive"]\nprofile = "policy/local.toml"\n')
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    cfg = read_config(repo / "cfg" / "perflint.toml")
    settings = RunSettings.resolve(["x.json"], cfg, {})
    assert Path(settings.history[0]).resolve() == (repo / "archive").resolve()
    assert Path(settings.profile).resolve() == (repo / "cfg" / "policy" / "local.toml").resolve()
    # the command line beats the config
    assert RunSettings.resolve(["x.json"], cfg, {"history": ["h"], "profile": "national"}).history == ["h"]


def test_no_paths_checks_the_configs_paths(repo, monkeypatch):
    write(repo / "perflint.toml", 'paths = ["returns", "extra/one.json"]\n')
    write(repo / "returns" / "a.json", CLEAN)
    write(repo / "extra" / "one.json", CLEAN)
    monkeypatch.chdir(repo / "returns")  # from a subfolder: discovery walks up
    cfg, paths = config_and_paths([])
    assert [Path(p).resolve() for p in paths] == [(repo / "returns").resolve(), (repo / "extra" / "one.json").resolve()]


def test_no_paths_defaults_to_the_repository_root(repo, monkeypatch):
    write(repo / "perflint.toml", 'lang = "en"\n')
    monkeypatch.chdir(repo)
    assert config_and_paths([])[1] == ["."]
    (repo / "perflint.toml").unlink()
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    assert Path(config_and_paths([])[1][0]).resolve() == repo.resolve()


def test_missing_configured_path_is_an_error(repo, monkeypatch):
    write(repo / "perflint.toml", 'paths = ["returns"]\n')
    monkeypatch.chdir(repo)
    with pytest.raises(DataError) as err:
        config_and_paths([])
    assert err.value.key == "paths" and "returns" in err.value.problem


# ---- include / exclude ----------------------------------------------------------------------

@pytest.mark.parametrize("rel, pattern, hit", [
    ("package.json", "package.json", True),
    ("web/package.json", "package.json", True),
    ("archive/2019/a.json", "archive/**", True),
    ("archive/a.json", "archive", True),
    ("archive2/a.json", "archive/**", False),
    ("returns/2025/a.json", "returns/**/*.json", True),
    ("returns/a.json", "returns/**/*.json", True),
    ("returns/b/a.json", "returns/*.json", False),
    ("returns/a.xlsx", "*.json", False),
    ("./returns/a.json", "returns/*.json", True),
])
def test_globs(rel, pattern, hit):
    assert glob_match(rel, pattern) is hit


def test_include_and_exclude_apply_to_folders_and_named_files(repo):
    for name in ("returns/a.json", "returns/b.xlsx", "package.json", "tools/tsconfig.json", "returns/old/c.json",
                 ".vscode/settings.json"):
        write(repo / name, "{}")
    found = collect_files([str(repo)], ["returns/**"], ["returns/old"], repo)
    assert [Path(f).relative_to(repo).as_posix() for f in found] == ["returns/a.json", "returns/b.xlsx"]
    # a hook names staged files one by one: the globs still decide
    named = [str(repo / "package.json"), str(repo / "returns" / "a.json")]
    assert collect_files(named, [], ["package.json"], repo) == [str(repo / "returns" / "a.json")]
    assert collect_files(named, ["returns/**"], [], repo) == [str(repo / "returns" / "a.json")]


# ---- through the command line ---------------------------------------------------------------

def test_check_without_paths_uses_config_and_skips_non_submissions(repo, monkeypatch, capsys):
    write(repo / "perflint.toml", 'paths = ["."]\nexclude = ["package.json", "tools/**"]\n')
    write(repo / "returns" / "a.json", CLEAN)
    write(repo / "package.json", '{"name": "x"}')
    write(repo / "tools" / "tsconfig.json", "{}")
    write(repo / ".vscode" / "settings.json", "{}")
    monkeypatch.chdir(repo)
    code, out, _ = run([], capsys)
    report = json.loads(out)
    assert code == 0
    assert [f["path"] for f in report["files"]] == ["returns/a.json"]


def test_per_path_ignores(repo, monkeypatch, capsys):
    write(repo / "perflint.toml", '[per_path_ignores]\n"archive/**" = ["A"]\n')
    write(repo / "archive" / "2019" / "old.json", FAULTY)
    write(repo / "returns" / "new.json", FAULTY)
    monkeypatch.chdir(repo)
    code, out, _ = run(["archive", "returns", "--ignore", "H500"], capsys)
    by_path = {f["path"]: f for f in json.loads(out)["files"]}
    assert by_path["archive/2019/old.json"]["verdict"] == "pass"
    new = by_path["returns/new.json"]
    assert new["verdict"] == "return"
    assert [f["code"] for f in new["documents"][0]["findings"]] == ["A201"]
    assert code == 1


def test_per_path_ignores_accept_slugs(repo, monkeypatch, capsys):
    write(repo / "perflint.toml", '[per_path_ignores]\n"*.json" = ["annual-funds-unbalanced"]\n')
    write(repo / "a.json", FAULTY)
    monkeypatch.chdir(repo)
    assert run(["a.json"], capsys)[0] == 0


@pytest.mark.parametrize("text, key", [
    ('select = ["A2O1"]\n', "select"),
    ('[per_path_ignores]\n"archive/**" = ["Q"]\n', "per_path_ignores.'archive/**'"),
    ('profile = "nowhere.toml"\n', "profile"),
    ('profile = "nationall"\n', "profile"),
    ('history = ["archive"]\n', "history"),
    ('baseline = "perflint-baseline.json"\n', "baseline"),
    ('lang = 3\n', "lang"),
])
def test_config_errors_exit_2_naming_file_and_key(repo, monkeypatch, capsys, text, key):
    write(repo / "perflint.toml", text)
    write(repo / "a.json", CLEAN)
    monkeypatch.chdir(repo)
    code, out, err = run(["a.json"], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"perflint: {repo.resolve() / 'perflint.toml'}: {key}: ")


def test_isolated_ignores_the_config(repo, monkeypatch, capsys):
    write(repo / "perflint.toml", 'ignore = ["A201"]\n')
    write(repo / "a.json", FAULTY)
    monkeypatch.chdir(repo)
    assert run(["a.json"], capsys)[0] == 0
    assert run(["a.json", "--isolated"], capsys)[0] == 1


def test_explicit_config_file(repo, monkeypatch, capsys, tmp_path_factory):
    other = tmp_path_factory.mktemp("cfg")
    write(other / "strict.toml", 'fail_on = "never"\n')
    write(repo / "a.json", FAULTY)
    monkeypatch.chdir(repo)
    assert run(["a.json", "--config", str(other / "strict.toml")], capsys)[0] == 0


def test_several_paths_share_the_config_of_their_common_folder(repo, monkeypatch, capsys):
    write(repo / "perflint.toml", 'ignore = ["A201"]\n')
    write(repo / "x" / "perflint.toml", 'lang = "en"\n')
    write(repo / "x" / "a.json", FAULTY)
    write(repo / "y" / "b.json", FAULTY)
    monkeypatch.chdir(repo)
    assert run(["x/a.json", "y/b.json"], capsys)[0] == 0  # the root config applies to both
    assert run(["x/a.json"], capsys)[0] == 1  # alone, x's own config is the nearest


def test_empty_config_is_the_default():
    assert Config().get("paths") is None and Config().root == Path.cwd()
