"""`perflint check` from the outside: exit codes, the JSON report contract, selection, precedence."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixturelib import CLEAN, FAULTY, apply_patch, write
from perflint.check_cli import _default_format
from perflint.check_cli import main as check

ROOT = Path(__file__).resolve().parent.parent
# a waiver that matches nothing: W902, a warning and nothing worse
WARNED = apply_patch(CLEAN, [{"set": "/waivers", "value": [{"rule": "A201", "where": "/funds/annual/total",
                                                             "reason": "预留"}]}])


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "clean.json", CLEAN)
    write(tmp_path / "faulty.json", FAULTY)
    write(tmp_path / "warned.json", WARNED)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def run(argv, capsys, fmt: str | None = "json") -> tuple[int, str, str]:
    code = check([*argv, "--format", fmt] if fmt else list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def codes(report: dict) -> list[str]:
    return [x["code"] for f in report["files"] for d in f["documents"] for x in d["findings"]] + \
        [x["code"] for f in report["files"] for x in f["findings"]]


# ---- exit codes ---------------------------------------------------------------------------

def test_exit_0_when_every_submission_passes(repo, capsys):
    assert run(["clean.json"], capsys)[0] == 0


def test_exit_1_when_one_is_returned(repo, capsys):
    assert run(["clean.json", "faulty.json"], capsys)[0] == 1


def test_unreadable_submission_is_a_finding_not_a_crash(repo, capsys):
    write(repo / "broken.json", "{ not json")
    code, out, _ = run(["broken.json"], capsys)
    report = json.loads(out)
    assert code == 1
    assert report["files"][0]["verdict"] == "return" and report["files"][0]["documents"] == []
    assert [f["code"] for f in report["files"][0]["findings"]] == ["F001"]


@pytest.mark.parametrize("argv, says", [
    (["missing.json"], "missing.json"),
    (["clean.json", "--lang", "fr"], "--lang"),
    (["clean.json", "--fail-on", "sometimes"], "--fail-on"),
    (["clean.json", "--profile", "no-such-profile"], "no-such-profile"),
    (["clean.json", "--select", "Q999"], "Q999"),
    (["clean.json", "--bogus"], "--bogus"),
    (["clean.json", "-o", "nonsense"], "nonsense"),
])
def test_exit_2_when_perflint_cannot_run(repo, capsys, argv, says):
    try:
        code = check([*argv, "--format", "json"])
    except SystemExit as exc:  # argparse stops by itself on malformed options
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and says in err


def test_argparse_errors_exit_2(repo):
    proc = subprocess.run([sys.executable, "-m", "perflint", "check", "clean.json", "--fail-on", "sometimes"],
                          cwd=repo, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2 and "--fail-on" in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("files, code", [(["clean.json"], 0), (["faulty.json", "clean.json"], 1)])
def test_a_whole_process_writes_every_report_before_it_ends(repo, files, code):
    """The command ends without tearing the interpreter down: stdout, the reports and the exit code
    must all be complete by then, piped output included."""
    proc = subprocess.run([sys.executable, "-m", "perflint", "check", *files, "--format", "json", "-o",
                           "sarif:out.sarif", "-o", "text:out.txt", "--no-cache"],
                          cwd=repo, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == code, proc.stderr
    assert [f["path"] for f in json.loads(proc.stdout)["files"]] == files
    assert json.loads((repo / "out.sarif").read_text(encoding="utf-8"))["runs"]
    assert (repo / "out.txt").read_text(encoding="utf-8").rstrip().splitlines()[-1].startswith("汇总")


# ---- the JSON report ------------------------------------------------------------------------

def test_json_report_shape(repo, capsys):
    code, out, _ = run(["faulty.json", "clean.json"], capsys)
    report = json.loads(out)
    assert code == 1
    assert set(report) >= {"perflint", "report_version", "profile", "files", "summary"}
    assert report["report_version"] == 1 and report["profile"] == "national"
    assert [f["path"] for f in report["files"]] == ["faulty.json", "clean.json"]  # the order given
    faulty = report["files"][0]
    assert faulty["verdict"] == "return"
    doc = faulty["documents"][0]
    assert set(doc) >= {"form", "sheet", "fiscal_year", "project_code", "name", "department", "verdict", "grade",
                        "findings"}
    assert doc["form"] == "project_target" and doc["verdict"] == "return" and doc["grade"] == "中"
    a201 = next(f for f in doc["findings"] if f["code"] == "A201")
    assert a201 == {**a201, "slug": "annual-funds-unbalanced", "severity": "error", "waived": False,
                    "waiver_reason": None}
    assert a201["location"]["pointer"] == "/funds/annual/total"
    assert "1300.00" in a201["message"]
    summary = report["summary"]
    assert summary["files"] == 2 and summary["documents"] == 2
    assert summary["pass"] == 1 and summary["return"] == 1
    assert summary["by_rule"]["A201"] == 1 and summary["by_severity"]["error"] >= 1


def test_lang_en(repo, capsys):
    zh = json.loads(run(["faulty.json"], capsys)[1])
    en = json.loads(run(["faulty.json", "--lang", "en"], capsys)[1])
    zh_msg = zh["files"][0]["documents"][0]["findings"][0]["message"]
    en_msg = en["files"][0]["documents"][0]["findings"][0]["message"]
    assert zh_msg != en_msg
    assert has_cjk(zh_msg) and not has_cjk(en_msg)


def test_text_output_names_the_finding(repo, capsys):
    code, out, _ = run(["faulty.json"], capsys, fmt="text")
    assert code == 1 and "A201" in out and "/funds/annual/total" in out and "退回" in out


# ---- selection and --fail-on ----------------------------------------------------------------

def test_select_and_ignore(repo, capsys):
    assert run(["faulty.json", "--ignore", "A201"], capsys)[0] == 0
    assert run(["faulty.json", "--ignore", "A"], capsys)[0] == 0
    assert run(["faulty.json", "--ignore", "annual-funds-unbalanced"], capsys)[0] == 0
    code, out, _ = run(["faulty.json", "--select", "A201"], capsys)
    assert code == 1 and set(codes(json.loads(out))) == {"A201"}
    assert run(["faulty.json", "--select", "F,W"], capsys)[0] == 0


def test_fail_on(repo, capsys):
    assert run(["warned.json"], capsys)[0] == 0
    code, out, _ = run(["warned.json", "--fail-on", "warning"], capsys)
    assert code == 1 and "W902" in codes(json.loads(out))
    assert run(["faulty.json", "--fail-on", "never"], capsys)[0] == 0


# ---- precedence: command line, then config, then profile ------------------------------------

def test_cli_beats_config_beats_profile(repo, capsys):
    # the profile makes A201 a warning; the config fails on warnings; the command line says never
    write(repo / "policy" / "lenient.toml", 'name = "lenient"\nextends = "national"\n\n[severity]\nA201 = "warning"\n')
    assert run(["faulty.json", "--profile", "policy/lenient.toml"], capsys)[0] == 0
    write(repo / "perflint.toml", 'profile = "policy/lenient.toml"\nfail_on = "warning"\nlang = "en"\n')
    code, out, _ = run(["faulty.json"], capsys)
    report = json.loads(out)
    assert code == 1 and report["profile"] == "lenient"
    assert not has_cjk(report["files"][0]["documents"][0]["findings"][0]["message"])
    assert run(["faulty.json", "--fail-on", "never"], capsys)[0] == 0
    code, out, _ = run(["faulty.json", "--lang", "zh", "--profile", "national"], capsys)
    report = json.loads(out)
    assert code == 1 and report["profile"] == "national"
    assert has_cjk(report["files"][0]["documents"][0]["findings"][0]["message"])


def test_config_format_and_cli_format(repo, capsys):
    write(repo / "perflint.toml", 'format = "json"\n')
    code, out, _ = run(["clean.json"], capsys, fmt=None)
    assert json.loads(out)["summary"]["pass"] == 1
    code, out, _ = run(["clean.json"], capsys, fmt="text")
    assert "通过" in out and not out.lstrip().startswith("{")


# ---- GitHub Actions -------------------------------------------------------------------------

def test_github_format_under_github_actions(repo, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert _default_format() == "github"
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert _default_format() in ("rich", "text")


def test_github_annotations_are_chosen_automatically(repo, monkeypatch, capsys):
    pytest.importorskip("perflint.formatters.github")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(["faulty.json"], capsys, fmt=None)
    assert code == 1
    assert "::error" in out and "faulty.json" in out and "A201" in out


# ---- the one-file path stays light ----------------------------------------------------------

HEAVY = ("pandas", "pandera", "openpyxl", "jsonschema", "numpy", "pyarrow",
         "multiprocessing")  # not heavy, but 10 ms of start-up for a pool one file never starts
# perflint's own process machinery, which a one-file run never starts either
PROCESSES = ("perflint.batch.pool", "perflint.lifecycle")


def test_one_valid_json_file_imports_nothing_heavy(repo):
    probe = (
        "import os, sys, runpy\n"
        "os._exit = sys.exit  # the command ends the process at once; here it returns to the probe\n"
        "sys.argv = ['perflint', 'check', 'clean.json', '--no-cache']\n"
        "try:\n"
        "    runpy.run_module('perflint', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {PROCESSES!r})\n"
        "print('EXIT', code, 'HEAVY', ','.join(heavy) or '-')\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    last = proc.stdout.strip().splitlines()[-1]
    assert last == "EXIT 0 HEAVY -", proc.stdout + proc.stderr
