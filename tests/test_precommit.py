"""perflint through the real pre-commit framework, with this checkout as the hook repository.

pre-commit clones a hook repository at a commit, so the working tree (committed or not) is copied
into a scratch git repository and committed with fixed dates and author: an unchanged tree gives
the same commit, and pre-commit's environment, cached under .pytest_cache, is built only once.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixturelib import apply_patch, base_document

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".pytest_cache"
HOOK_SRC = CACHE / "perflint-hook-src"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
pre_commit = pytest.importorskip("pre_commit")

_FIXED = {"GIT_AUTHOR_NAME": "perflint", "GIT_AUTHOR_EMAIL": "perflint@example.org",
          "GIT_COMMITTER_NAME": "perflint", "GIT_COMMITTER_EMAIL": "perflint@example.org",
          "GIT_AUTHOR_DATE": "2025-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00+0000"}


def _git(cwd: Path, *args: str, env: dict | None = None) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **_FIXED, **(env or {})},
                         capture_output=True, text=True, check=True)
    return out.stdout


def _hook_repository() -> tuple[str, str]:
    """This checkout's tracked and untracked, not ignored files, committed in a scratch repository."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    shutil.rmtree(HOOK_SRC, ignore_errors=True)
    HOOK_SRC.mkdir(parents=True)
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():  # a tracked file deleted in the working tree is left out
            dest = HOOK_SRC / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    _git(HOOK_SRC, "init", "-q", "-b", "main")
    _git(HOOK_SRC, "add", "-A")
    _git(HOOK_SRC, "commit", "-q", "-m", "perflint under test")
    return str(HOOK_SRC), _git(HOOK_SRC, "rev-parse", "HEAD").strip()


def _write(path: Path, doc: dict | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def _pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **_FIXED, "PRE_COMMIT_HOME": str(CACHE / "pre-commit"), "PRE_COMMIT_COLOR": "never"}
    env.pop("GITHUB_ACTIONS", None)  # plain text output in the hook, whatever runs the tests
    env.pop("PERFLINT_CACHE_DIR", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture
def hook_repository():
    yield _hook_repository()
    # every changed tree is a new revision with its own environment: drop those no config uses any more
    _pre_commit(ROOT, "gc")


def test_hooks_pass_a_clean_file_and_stop_a_faulty_one(tmp_path, hook_repository):
    hook_repo, rev = hook_repository
    data = tmp_path / "data"
    data.mkdir()
    _git(data, "init", "-q", "-b", "main")
    (data / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: perflint\n      - id: perflint-all\n",
        encoding="utf-8")
    # a data repository: submissions under returns/, plus JSON that is no submission
    (data / "perflint.toml").write_text('paths = ["returns"]\nexclude = ["package.json"]\n', encoding="utf-8")
    clean = base_document("project_target")
    _write(data / "returns" / "教育局" / "营养改善计划.json", clean)
    _write(data / "package.json", '{"name": "budget-data", "private": true}')
    _write(data / ".vscode" / "settings.json", '{"editor.tabSize": 2}')
    _git(data, "add", "-A")

    first = _pre_commit(data, "run", "--files", "returns/教育局/营养改善计划.json", "package.json",
                        ".vscode/settings.json")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "perflint" in first.stdout and "Passed" in first.stdout

    faulty = apply_patch(clean, [{"set": "/funds/annual/other", "value": 40},  # A201, and another project
                                 {"set": "/project/code", "value": "511703250099"},
                                 {"set": "/project/name", "value": "政务平台建设"}])
    _write(data / "returns" / "财政局" / "平台建设.json", faulty)
    _git(data, "add", "-A")
    second = _pre_commit(data, "run", "--files", "returns/财政局/平台建设.json")
    assert second.returncode == 1, second.stdout + second.stderr
    out = second.stdout
    assert "Failed" in out
    assert "returns/财政局/平台建设.json" in out
    assert "A201" in out and "/funds/annual/total" in out
    # both hooks found it: the one given the staged file, and the one that checks the config's paths
    assert out.count("A201") >= 2
    assert "营养改善计划.json: 通过" in out  # perflint-all also checked the clean one


def test_hook_definitions():
    import re

    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    staged, whole = hooks["perflint"], hooks["perflint-all"]
    assert staged["entry"] == whole["entry"] == "perflint check"
    assert staged["language"] == whole["language"] == "python"
    files, exclude = re.compile(staged["files"]), re.compile(staged["exclude"])
    for name in ("returns/a.xlsx", "B.XLSM", "old/c.xls", "d.json"):
        assert files.search(name) and not exclude.search(name), name
    for name in ("a.csv", "a.json.bak", "notes.md"):
        assert not files.search(name), name
    for name in (".vscode/settings.json", "returns/~$a.xlsx", "x/.hidden.json"):
        assert exclude.search(name), name
    assert whole["pass_filenames"] is False and whole["always_run"] is True
