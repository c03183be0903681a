"""perflint never writes to, renames, locks or leaves files beside the submissions it checks."""
from __future__ import annotations

import builtins
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "hostile"))

from make_corpus import make_corpus  # noqa: E402
from perflint.api import check_paths  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def snapshot(folders: list[Path]) -> dict[str, tuple]:
    """Every file under the folders: content hash, size, mtime and mode; and the folder listing."""
    out: dict[str, tuple] = {}
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            out[dirpath] = ("dir", tuple(sorted(filenames)), tuple(dirnames))
            for name in filenames:
                path = os.path.join(dirpath, name)
                st = os.stat(path)
                with open(path, "rb") as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
                out[path] = (digest, st.st_size, st.st_mtime_ns, st.st_mode)
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    corpus = tmp_path_factory.mktemp("corpus")
    make_corpus(corpus)
    folders = [corpus]
    if SAMPLES.is_dir():
        folders.append(SAMPLES)
    return folders


def test_checking_in_process_changes_nothing(inputs, monkeypatch):
    """Also watched from inside: no input is ever opened for writing, and no lock is ever taken."""
    before = snapshot(inputs)
    roots = [str(p.resolve()) for p in inputs]
    written: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def is_input(path) -> bool:
        try:
            full = os.path.realpath(os.fspath(path))
        except TypeError:
            return False  # a file descriptor
        return any(full.startswith(r + os.sep) or full == r for r in roots)

    def guarded_open(file, mode="r", *args, **kwargs):
        if is_input(file) and any(ch in mode for ch in "wax+"):
            written.append(f"open({file!r}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if is_input(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND):
            written.append(f"os.open({path!r}, {flags})")
        return real_os_open(path, flags, *args, **kwargs)

    def no_lock(*args, **kwargs):
        written.append(f"lock{args!r}")

    import fcntl

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    monkeypatch.setattr(fcntl, "flock", no_lock)
    monkeypatch.setattr(fcntl, "lockf", no_lock)
    results = check_paths([str(p) for p in inputs])
    monkeypatch.undo()
    assert results, "something was checked"
    assert written == []
    assert snapshot(inputs) == before


def test_checking_from_the_command_line_in_parallel_changes_nothing(inputs, tmp_path):
    before = snapshot(inputs)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    report = tmp_path / "report.json"
    # the corpus is also the history: earlier submissions are read, never touched, whatever they hold
    proc = subprocess.run([sys.executable, "-m", "perflint", "check", *map(str, inputs), "-j", "2",
                           "--history", str(inputs[0]), "--format", "text", "-o", f"json:{report}"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert report.exists(), "the report went where it was asked to, not beside the inputs"
    assert snapshot(inputs) == before
