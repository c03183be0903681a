"""The README's install, pre-commit and CI snippets, tested as far as they can be here: the CI
examples' perflint commands run on a copy of the samples laid out as a data repository (under
GitHub Actions' environment for the GitHub one), and what they write is what the next steps read;
the install lines name the distribution; every `rev:` says what to pin; .ci/run runs the README's
test command."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

from perflint import DISTRIBUTION, REPOSITORY, __version__  # noqa: E402
from test_sarif import github_problems  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def _snippet(first_line: str) -> dict:
    (found,) = [b for b in _blocks("yaml") if b.startswith(first_line)]
    return yaml.safe_load(found)


def _install_line(command: str) -> None:
    from packaging.requirements import Requirement

    assert command.startswith("pip install ")
    req = Requirement(command[len("pip install "):].strip().strip('"'))
    assert req.name == DISTRIBUTION, "the distribution's name, not `perflint` (another project on PyPI)"
    assert req.url.startswith(f"git+{REPOSITORY}@") and re.fullmatch(r"[0-9a-f]{40}", req.url.rsplit("@", 1)[1])


@pytest.fixture
def data_repo(tmp_path):
    """A data repository as a CI job checks it out: the samples, in git."""
    repo = tmp_path / "data"
    shutil.copytree(ROOT / "samples", repo / "samples")
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def _run(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)  # where this checkout's `perflint` command is installed
    full = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "PERFLINT_CACHE_DIR": str(cwd.parent / "cache"), **env}
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        if name not in env:
            full.pop(name, None)
    assert shutil.which("perflint", path=full["PATH"]), "perflint is installed beside this Python"
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=full, capture_output=True, text=True, timeout=300)


def test_github_actions_example(data_repo):
    workflow = _snippet("# .github/workflows/perflint.yml")
    steps = workflow["jobs"]["perflint"]["steps"]
    assert workflow["permissions"]["security-events"] == "write"
    runs = [s["run"] for s in steps if "run" in s]
    _install_line(runs[0])
    summary = data_repo.parent / "summary.md"
    for command in runs[1:]:
        proc = _run(command, data_repo, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
        assert proc.returncode == 1, proc.stderr  # the samples hold returned submissions
        annotations = [ln for ln in proc.stdout.splitlines() if ln.startswith("::")]
        assert 0 < len(annotations) <= 20 and annotations[0].startswith("::error file=samples/")
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload["if"] == "always()"
    sarif = json.loads((data_repo / upload["with"]["sarif_file"]).read_text(encoding="utf-8"))
    assert github_problems(sarif) == []
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris and all(u.startswith("samples/") for u in uris), "paths from the repository's root"
    assert "退回的文件" in summary.read_text(encoding="utf-8")


def test_gitlab_ci_example(data_repo):
    job = _snippet("# .gitlab-ci.yml")["perflint"]
    assert job["image"] == "python:3.11"
    _install_line(job["script"][0])
    for command in job["script"][1:]:
        proc = _run(command, data_repo)
        assert proc.returncode == 1, proc.stderr
        assert "退回" in proc.stdout
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"
    root = ET.parse(data_repo / artifacts["reports"]["junit"]).getroot()
    assert int(root.get("tests")) > 0 and int(root.get("failures")) > 0
    for path in artifacts["paths"]:
        assert json.loads((data_repo / path).read_text(encoding="utf-8"))["report_version"] == 1


def test_pre_commit_snippets_name_real_hooks_and_say_what_to_pin():
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    configs = [b for b in _blocks("yaml") if b.startswith("# .pre-commit-config.yaml")]
    assert len(configs) == 2
    for block in configs:
        (repo,) = yaml.safe_load(block)["repos"]
        assert repo["repo"] == REPOSITORY
        assert {h["id"] for h in repo["hooks"]} <= hooks
        assert re.fullmatch(r"[0-9a-f]{40}", str(repo["rev"]))
        assert "pin a commit, or the tag of a release you publish" in block
    text = README.read_text(encoding="utf-8") + (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "v0.1.0" not in text, "no tag that was never published"


def test_quick_start_and_ci_run_agree():
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [b.strip() for b in re.findall(r"```sh\n(.*?)```", quick, re.S)]
    check, tests = commands[0], commands[1]
    assert check.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install .")
    assert check.endswith("perflint check samples/") and "exits with code 1 on purpose" in quick
    assert "pipx" in quick and DISTRIBUTION in quick
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"#   {tests}\n" in ci, "the comment names the README's test command"
    install, run = tests.rsplit(" && ", 1)
    assert f"\n{install} || exit 1\n{run}\n" in ci, ".ci/run runs exactly the README's test command"


def test_one_version_shown_by_the_command():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'name = "{DISTRIBUTION}"' in pyproject and 'dynamic = ["version"]' in pyproject
    assert not re.search(r'^version\s*=', pyproject, re.M), "the version is written in perflint/__init__.py only"
    assert 'path = "perflint/__init__.py"' in pyproject
    proc = subprocess.run([sys.executable, "-m", "perflint", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == f"perflint {__version__}\n"
    assert f"({__version__})" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    from importlib.metadata import PackageNotFoundError, version

    try:
        assert version(DISTRIBUTION) == __version__  # the installed metadata agrees
    except PackageNotFoundError:
        pytest.skip(f"{DISTRIBUTION} is not installed (run from a checkout without pip install)")
