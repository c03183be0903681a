"""The `perflint` command keeps the compiled code of the dataclass methods between runs."""
from __future__ import annotations

import builtins
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perflint import codecache, diskcache

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """codecache as a new process finds it, with its own cache folder; dataclasses restored after."""
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(diskcache, "_TRUSTED", {})
    monkeypatch.setattr(dataclasses, "exec", builtins.exec, raising=False)  # removed again afterwards

    def restart():
        monkeypatch.setattr(codecache, "_code", {})
        monkeypatch.setattr(codecache, "_used", set())
        monkeypatch.setattr(codecache, "_changed", False)
        monkeypatch.setattr(codecache, "_path", None)
        monkeypatch.setattr(dataclasses, "exec", builtins.exec)

    restart()
    return restart


def _define():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Cell:
        sheet: str
        cell: str = "A1"

    return Cell


def test_a_second_run_compiles_nothing(fresh, monkeypatch):
    assert codecache.install()
    first = _define()
    assert codecache._changed and codecache._code
    codecache.save()
    fresh()  # the next process
    assert codecache.install()
    monkeypatch.setattr(codecache, "compile", lambda *a: pytest.fail("compiled again"), raising=False)
    second = _define()
    assert not codecache._changed
    for cls in (first, second):  # the same class either way
        a, b = cls("表1"), cls("表1", "B2")
        assert repr(a).endswith("Cell(sheet='表1', cell='A1')")
        assert a == cls("表1") and a != b and hash(a) == hash(cls("表1"))
        with pytest.raises(dataclasses.FrozenInstanceError):
            a.sheet = "x"


def test_a_damaged_cache_is_a_fresh_compile(fresh):
    assert codecache.install()
    _define()
    codecache.save()
    codecache._path.write_bytes(b"\x00 not marshal")
    fresh()
    assert codecache.install()
    _define()
    assert codecache._changed  # compiled again, and saved again
    codecache.save()
    fresh()
    assert codecache.install() and codecache._code


def test_a_cache_folder_others_can_write_is_not_used(fresh, tmp_path):
    shared = tmp_path / "cache"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert not codecache.install()
    assert dataclasses.exec is builtins.exec  # dataclasses left as they are
    _define()
    codecache.save()
    assert list(shared.iterdir()) == []


def test_the_command_gives_the_same_report_with_and_without_its_code_cache(tmp_path):
    env = {**os.environ, "PERFLINT_CACHE_DIR": str(tmp_path / "cache"), "CI": "1"}
    cmd = [sys.executable, "-m", "perflint", "check", "samples/", "--history", "samples/archive", "--format", "json"]
    runs = [subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True) for _ in range(2)]
    assert list((tmp_path / "cache").glob("dataclass-code-*.marshal"))
    plain = subprocess.run([sys.executable, "-c", "import sys; from perflint.check_cli import main; "
                            "sys.exit(main(sys.argv[1:]))", *cmd[4:]], cwd=ROOT, env=env, capture_output=True, text=True)
    assert runs[0].returncode == runs[1].returncode == plain.returncode == 1
    assert runs[0].stdout == runs[1].stdout == plain.stdout
