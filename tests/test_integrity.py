"""Outputs never overwrite inputs or each other, are written whole or not at all, and what cannot
run says so (exit 2) instead of passing, crashing or blaming a submission."""
from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixturelib import CLEAN, FAULTY, apply_patch, write
from perflint.check_cli import main as check

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "in" / "clean.json", CLEAN)
    write(tmp_path / "in" / "faulty.json", FAULTY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def run(argv, capsys) -> tuple[int, str, str]:
    code = check(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


def env_here() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT), GITHUB_ACTIONS="")


# ---- outputs never overwrite inputs ---------------------------------------------------------------

@pytest.mark.parametrize("option", [["-o", "json:in/faulty.json"], ["--report", "in/book.xlsx"],
                                    ["--write-baseline", "in/faulty.json"], ["--ledger", "in/book.xlsx"]])
def test_an_output_naming_an_input_is_refused_before_anything_is_read(repo, capsys, option):
    import shutil

    shutil.copy(ROOT / "samples" / "returns" / "2025_中小学校舍维修改造_项目目标表.xlsx", repo / "in" / "book.xlsx")
    before = {p.name: p.read_bytes() for p in (repo / "in").iterdir()}
    code, out, err = run(["in", "--format", "json", *option], capsys)
    assert code == 2, err
    assert option[1].split(":")[-1] in err and "overwrite" in err
    assert out == ""  # nothing checked
    assert {p.name: p.read_bytes() for p in (repo / "in").iterdir()} == before


def test_a_baseline_may_be_rewritten_where_it_lies(repo, capsys):
    code, _, err = run(["in", "--format", "json", "--write-baseline", "in/baseline.json"], capsys)
    assert code == 0, err
    code, _, err = run(["in", "--format", "json", "--write-baseline", "in/baseline.json"], capsys)
    assert code == 0, err  # the old baseline is perflint's file, not a submission


def test_two_outputs_at_one_path_are_refused(repo, capsys):
    code, out, err = run(["in", "--format", "json", "-o", "json:r.json", "-o", "sarif:./r.json"], capsys)
    assert code == 2 and "r.json" in err and out == ""
    assert not (repo / "r.json").exists()


def test_template_and_convert_never_overwrite_without_force(repo):
    from typer.testing import CliRunner

    from perflint.cli import app

    runner = CliRunner()
    target = repo / "t.xlsx"
    target.write_bytes(b"mine")
    result = runner.invoke(app, ["template", "project_target", "-o", str(target)])
    assert result.exit_code == 2 and "--force" in result.output and target.read_bytes() == b"mine"
    result = runner.invoke(app, ["template", "project_target", "-o", str(target), "--force"])
    assert result.exit_code == 0 and target.read_bytes()[:2] == b"PK"

    out = repo / "conv"
    assert runner.invoke(app, ["convert", "in/faulty.json", "-d", str(out)]).exit_code == 0
    written = next(out.glob("*.json"))
    written.write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["convert", "in/faulty.json", "-d", str(out)])
    assert result.exit_code == 2 and "--force" in result.output and written.read_text(encoding="utf-8") == "mine"
    assert runner.invoke(app, ["convert", "in/faulty.json", "-d", str(out), "--force"]).exit_code == 0
    assert json.loads(written.read_text(encoding="utf-8"))["form"] == "project_target"


# ---- atomic writes --------------------------------------------------------------------------------

def test_a_planted_symlink_at_a_temporary_name_is_never_written_through(repo, capsys, monkeypatch):
    import perflint.output as output

    victim = repo / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    # the names a writer could predict: fixed ones (NAME.tmp, .NAME.PID.tmp) and the next random one
    for name in ("base.json.tmp", f".base.json.{os.getpid()}.tmp", ".base.json.aaaaaaaaaaaa.tmp"):
        (repo / name).symlink_to(victim)
    tokens = ["bbbbbbbbbbbb", "aaaaaaaaaaaa"]
    real = output._token
    monkeypatch.setattr(output, "_token", lambda: tokens.pop() if tokens else real())
    code, _, err = run(["in", "--format", "json", "--write-baseline", "base.json"], capsys)
    assert code == 0, err
    assert victim.read_text(encoding="utf-8") == "keep"
    assert json.loads((repo / "base.json").read_text(encoding="utf-8"))["baseline_version"] == 1
    assert not (repo / ".base.json.bbbbbbbbbbbb.tmp").exists()


class _FullDisk(io.RawIOBase):
    """A file on a disk that fills up after a few bytes."""

    def __init__(self, fd: int, room: int = 64) -> None:
        self.fd, self.room = fd, room

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return os.write(self.fd, data)

    def seekable(self) -> bool:
        return True

    def seek(self, *args) -> int:
        return os.lseek(self.fd, *args)

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


def full_disk(fd, mode="wb"):
    return io.BufferedWriter(_FullDisk(fd))


@pytest.mark.parametrize("option, name", [(["-o", "json:old.json"], "old.json"), (["-o", "html:old.html"], "old.html"),
                                          (["--report", "old.xlsx"], "old.xlsx"),
                                          (["--write-baseline", "old.base"], "old.base")])
def test_a_full_disk_leaves_the_old_file_and_no_partial_one(repo, capsys, monkeypatch, option, name):
    import perflint.output as output

    old = repo / name
    old.write_bytes(b"the complete report of an earlier run" * 1000)
    monkeypatch.setattr(output, "_fdopen", full_disk)
    code, _, err = run(["in", "--format", "json", *option], capsys)
    assert code == 2
    assert name in err and "No space left on device" in err
    assert old.read_bytes() == b"the complete report of an earlier run" * 1000
    assert leftovers(repo) == []


@pytest.mark.skipif(os.geteuid() != 0 or not sys.platform.startswith("linux"), reason="mounting needs root on Linux")
@pytest.mark.parametrize("name, option", [("r.json", ["-o", "json:{}"]),
                                          ("r.xlsx", ["--report", "{}", "--report-split", "department"]),
                                          ("r.xlsx", ["--ledger", "{}"])], ids=["json", "report", "ledger"])
def test_a_real_full_tmpfs(repo, tmp_path, name, option):
    if "--ledger" in option:
        pytest.importorskip("pandas")
    disk = tmp_path / "small"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (disk / name).write_text("old", encoding="utf-8")
        (disk / "fill").write_bytes(b"x" * 8192)  # what is left is less than any of the reports
        big = repo / "big"
        for i in range(40):  # a report far larger than 16 kB
            write(big / f"f{i:02}.json", apply_patch(FAULTY, [{"set": "/project/code", "value": f"5117032500{i:02}"},
                                                             {"set": "/project/department/name", "value": f"部门{i}"}]))
        proc = subprocess.run([sys.executable, "-m", "perflint", "check", "big", "--format", "text", "--no-cache",
                               *[o.format(disk / name) for o in option]], capture_output=True, text=True, cwd=repo,
                              env=env_here(), timeout=120)
        assert proc.returncode == 2, proc.stderr
        assert str(disk / name) in proc.stderr
        # a workbook's zip left unfinished by the full disk is not tidied up in public as it is collected
        assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
        assert (disk / name).read_text(encoding="utf-8") == "old"
        assert name in [p.name for p in disk.iterdir()] and not [p for p in disk.iterdir() if p.name.startswith(".")]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_an_interrupt_while_reports_are_written_leaves_no_partial_output(repo, capsys, monkeypatch):
    from perflint.formatters import xlsx_report

    (repo / "r.json").write_text("old json", encoding="utf-8")
    (repo / "r.xlsx").write_bytes(b"old workbook")
    real_save = xlsx_report._Book.close

    def interrupted(self, catalogue):
        import openpyxl.workbook.workbook as wb

        def save_half(book, fh):
            fh.write(b"PK half a workbook")
            raise KeyboardInterrupt

        monkeypatch.setattr(wb.Workbook, "save", save_half)
        return real_save(self, catalogue)

    monkeypatch.setattr(xlsx_report._Book, "close", interrupted)
    with pytest.raises(KeyboardInterrupt):
        check(["in", "--format", "text", "--report", "r.xlsx", "-o", "json:r.json", "-o", "html:r.html"])
    assert (repo / "r.xlsx").read_bytes() == b"old workbook"
    assert (repo / "r.json").read_text(encoding="utf-8") in ("old json",) or \
        json.loads((repo / "r.json").read_text(encoding="utf-8"))["summary"]["files"] == 2  # whole, if written
    assert not (repo / "r.html").exists() or (repo / "r.html").read_text(encoding="utf-8").endswith("</html>\n")
    assert leftovers(repo) == []


def _slow_run_script(args: list[str], delay: float) -> str:
    """perflint check in a subprocess with every file taking `delay` seconds."""
    return ("import sys, time\n"
            "from perflint.engine import Engine\n"
            "def slow(real):\n"
            f"    return lambda *a, **k: (time.sleep({delay}), real(*a, **k))[1]\n"
            "Engine.prepare_file = slow(Engine.prepare_file)\n"
            "Engine.check_file = slow(Engine.check_file)\n"
            f"sys.argv = ['perflint', 'check', *{args!r}]\n"
            "from perflint.entry import main\n"
            "main()\n")


def _many(repo: Path, n: int) -> None:
    for i in range(n):
        write(repo / "many" / f"f{i:02}.json", apply_patch(CLEAN, [{"set": "/project/code", "value": f"5117032500{i:02}"}]))


def test_ctrl_c_leaves_no_partial_output_and_no_traceback(repo):
    _many(repo, 8)
    (repo / "r.json").write_text("old", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", _slow_run_script(
        ["many", "-j", "2", "--format", "text", "-o", "json:r.json", "--report", "r.xlsx"], 3.0)],
        cwd=repo, env=env_here(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    # interrupt in the middle of the run, however fast the machine: once both workers are busy
    deadline = time.monotonic() + 30
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert (repo / "r.json").read_text(encoding="utf-8") == "old"
    assert not (repo / "r.xlsx").exists()
    assert leftovers(repo) == []


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text()
        out.extend(int(x) for x in text.split())
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_workers_die_within_two_seconds_of_their_parent(repo):
    _many(repo, 8)
    proc = subprocess.Popen([sys.executable, "-c", _slow_run_script(["many", "-j", "2", "--format", "text"], 30)],
                            cwd=repo, env=env_here(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = _children(proc.pid)
        assert len(workers) >= 2, "the workers did not start"
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 2
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers), "orphan workers"
    finally:
        for w in _children(proc.pid) if proc.poll() is None else []:
            os.kill(w, signal.SIGKILL)


def test_a_closed_stdout_is_not_a_returned_submission(repo):
    for args, outputs in ((["in", "--format", "text"], False), (["in", "--format", "text", "-o", "json:r.json"], True)):
        proc = subprocess.Popen([sys.executable, "-m", "perflint", "check", *args], cwd=repo, env=env_here(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()  # `| head -0`: the reader is gone before the first line
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
        assert proc.returncode == 141, err
        assert "Traceback" not in err and "Exception ignored" not in err
        if outputs:  # the files asked for are still written, whole
            assert json.loads((repo / "r.json").read_text(encoding="utf-8"))["summary"]["files"] == 2
        assert leftovers(repo) == []


# ---- department reports ---------------------------------------------------------------------------

def test_department_reports_never_collide(repo, capsys):
    long_a = "示例区" + "教育" * 150 + "甲"
    long_b = "示例区" + "教育" * 150 + "乙"
    names = ["教育局", "教育局?", long_a, long_b, "卫生/健康:局"]
    for i, name in enumerate(names):
        write(repo / "deps" / f"d{i}.json", apply_patch(FAULTY, [
            {"set": "/project/department/name", "value": name},
            {"set": "/project/code", "value": f"5117032500{i:02}"}]))
    (repo / "out").mkdir()
    code, _, err = run(["deps", "--format", "text", "--report", "out/r.xlsx", "--report-split", "department"], capsys)
    assert code == 1, err
    books = sorted((repo / "out").glob("r_*.xlsx"))
    assert len(books) == len(names), [b.name for b in books]
    assert all(len(b.name.encode()) <= 255 for b in books)
    from openpyxl import load_workbook

    seen = set()
    for book in books:
        deps = {row[1] for row in load_workbook(book).worksheets[2].iter_rows(min_row=2, values_only=True)}
        assert len(deps) == 1
        seen |= deps
    assert seen == set(names)


def test_one_department_workbook_failing_never_stops_the_others(repo, capsys, monkeypatch):
    from perflint.formatters import xlsx_report

    for i, name in enumerate(["甲局", "乙局", "丙局"]):
        write(repo / "deps" / f"d{i}.json", apply_patch(FAULTY, [
            {"set": "/project/department/name", "value": name}, {"set": "/project/code", "value": f"5117032500{i:02}"}]))
    real = xlsx_report._Book.close

    def close(self, catalogue):
        if "乙局" in self.path:
            raise OSError(errno.ENAMETOOLONG, "File name too long", self.path)
        return real(self, catalogue)

    monkeypatch.setattr(xlsx_report._Book, "close", close)
    code, _, err = run(["deps", "--format", "text", "--report", "r.xlsx", "--report-split", "department"], capsys)
    assert code == 2
    assert "r_乙局.xlsx: File name too long" in err and "r.xlsx:" not in err.replace("r_乙局.xlsx", "")
    assert sorted(p.name for p in repo.glob("r*.xlsx")) == ["r.xlsx", "r_丙局.xlsx", "r_甲局.xlsx"]


# ---- configuration and options --------------------------------------------------------------------

def test_a_file_named_like_a_builtin_profile_is_not_the_builtin(repo, capsys):
    (repo / "national").write_text('name = "national"\ndisabled = ["A201"]\n[tree]\n"产出指标" = ["数量指标"]\n',
                                    encoding="utf-8")
    code, out, err = run(["in/faulty.json", "--profile", "national", "--format", "json"], capsys)
    assert code == 1, err
    assert json.loads(out)["files"][0]["verdict"] == "return"
    code, _, err = run(["in/faulty.json", "--profile", "./national", "--format", "json"], capsys)
    assert code in (0, 1) and "Traceback" not in err  # as a path, the local file is used


BAD_PROFILES = [
    ('extends = "national"\nparameters = 5\n', "parameters"),
    ('extends = "national"\nseverity = ["A201"]\n', "severity"),
    ('extends = "national"\n[aliases.labels]\nx = 1\n', "aliases.labels.x"),
    ('extends = "national"\n[weights]\nlevel1 = [1]\n', "weights.level1"),
    ('extends = "national"\n[weights.count_with]\n"产出指标" = 3\n', "weights.count_with"),
]


@pytest.mark.parametrize("text, key", BAD_PROFILES, ids=[k for _, k in BAD_PROFILES])
def test_a_profile_of_wrong_types_names_file_and_key(repo, capsys, text, key):
    (repo / "p.toml").write_text(text, encoding="utf-8")
    code, out, err = run(["in/faulty.json", "--profile", "p.toml"], capsys)
    assert code == 2 and "p.toml" in err and key in err and out == ""


@pytest.mark.parametrize("option", ["--config", "--profile"])
def test_a_folder_or_non_utf8_file_as_config_or_profile(repo, capsys, option):
    (repo / "conf.toml").mkdir()
    code, _, err = run(["in/faulty.json", option, "conf.toml"], capsys)
    assert code == 2 and "conf.toml" in err and "folder" in err
    (repo / "bad.toml").write_bytes(b'profile = "\xff\xfe"\n')
    code, _, err = run(["in/faulty.json", option, "bad.toml"], capsys)
    assert code == 2 and "bad.toml" in err and "UTF-8" in err


@pytest.mark.parametrize("text, key", [('exclude = ["[z-a]"]\n', "exclude"), ('include = ["a[]"]\n', "include"),
                                       ("timeout = nan\n", "timeout"), ("timeout = -1\n", "timeout"),
                                       ("timeout = inf\n", "timeout")])
def test_bad_config_values_name_file_and_key(repo, capsys, text, key):
    (repo / "perflint.toml").write_text(text, encoding="utf-8")
    code, out, err = run(["in/faulty.json"], capsys)
    assert code == 2 and "perflint.toml" in err and key in err and out == ""


@pytest.mark.parametrize("option", [["--timeout", "-1"], ["--timeout", "nan"], ["--timeout", "1e400"], ["-j", "-3"]])
def test_bad_option_values_are_refused_naming_the_option(repo, capsys, option):
    code, out, err = run(["in/faulty.json", *option], capsys)
    assert code == 2 and option[0] in err and out == ""


def test_timeout_zero_means_no_limit_in_the_config_as_on_the_command_line(repo, capsys, monkeypatch):
    import perflint.batch.passes as passes

    limits = []
    real = passes.check_one
    monkeypatch.setattr(passes, "check_one", lambda e, p, o, t, c: (limits.append(t), real(e, p, o, t, c))[1])
    assert run(["in/faulty.json", "--timeout", "0", "--format", "json"], capsys)[0] == 1
    (repo / "perflint.toml").write_text("timeout = 0\n", encoding="utf-8")
    assert run(["in/faulty.json", "--format", "json"], capsys)[0] == 1
    assert limits == [None, None]


def test_jobs_are_capped_at_the_number_of_files(repo, capsys, monkeypatch):
    import perflint.batch.pool as pool_module

    sizes = []
    real = pool_module.Pool.__init__

    def pool(self, plan, size):
        sizes.append(size)
        real(self, plan, size)

    monkeypatch.setattr(pool_module.Pool, "__init__", pool)
    assert run(["in", "-j", "64", "--format", "json", "--no-cache"], capsys)[0] == 1
    assert sizes == [2]


def test_ledger_without_pandas_is_caught_before_checking(repo, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pandas" else real(name, *a))
    code, out, err = run(["in", "--ledger", "l.csv", "--format", "json"], capsys)
    assert code == 2 and "perflint-cn[ledger]" in err and "pandas" in err and out == ""  # the distribution


# ---- nothing passes silently ----------------------------------------------------------------------

def test_a_folder_named_like_a_workbook_and_an_empty_folder_are_named(repo, capsys):
    (repo / "x.xlsx").mkdir()
    code, out, err = run(["x.xlsx"], capsys)
    assert code == 2 and "x.xlsx" in err and out == ""
    (repo / "empty").mkdir()
    (repo / "empty" / "notes.txt").write_text("no submission", encoding="utf-8")
    code, out, err = run(["empty", "in/clean.json", "--format", "json"], capsys)
    assert code == 0 and "empty" in err  # named loudly; the rest is checked
    assert [f["path"] for f in json.loads(out)["files"]] == ["in/clean.json"]


def test_an_unreadable_folder_is_named(repo, capsys, monkeypatch):
    import perflint.run as run_module

    (repo / "in" / "locked").mkdir()
    real_walk = os.walk

    def walk(top, onerror=None, **kw):  # what os.walk does with a folder it may not list (even as root)
        for folder, dirs, files in real_walk(top, **kw):
            if "locked" in dirs:
                dirs.remove("locked")
                onerror(PermissionError(errno.EACCES, "Permission denied", os.path.join(folder, "locked")))
            yield folder, dirs, files

    monkeypatch.setattr(run_module.os, "walk", walk)
    code, out, err = run(["in", "--format", "json"], capsys)
    assert code == 1
    assert "locked" in err and "Permission denied" in err


def test_a_file_name_that_is_not_utf8_is_checked_and_the_run_goes_on(repo, capsys):
    bad = os.fsencode(str(repo / "in")) + b"/\xff\xfe.json"
    with open(bad, "wb") as fh:
        fh.write(json.dumps(FAULTY).encode())
    (repo / "o").mkdir()
    code, out, err = run(["in", "--format", "text", "-o", "json:o/r.json", "-o", "html:o/r.html",
                          "--report", "o/r.xlsx", "--ledger", "o/l.csv"], capsys)
    assert code == 1, err
    assert "in/\\xff\\xfe.json: 退回" in out
    report = json.loads((repo / "o" / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["files"] == 3
    assert "\ufffd" in (repo / "o" / "r.html").read_text(encoding="utf-8")


# ---- the cache ------------------------------------------------------------------------------------

def test_a_same_size_edit_with_its_mtime_restored_is_never_served_stale(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(ROOT / "samples" / "archive", tmp_path / "archive")
    shutil.copytree(ROOT / "samples" / "returns", tmp_path / "returns")
    (tmp_path / ".git").mkdir()
    cmd = [sys.executable, "-m", "perflint", "check", "returns", "--history", "archive", "--format", "json"]
    env = dict(env_here(), PERFLINT_CACHE_DIR=str(tmp_path / "cache"))

    def report(*extra: str) -> dict:
        proc = subprocess.run(cmd + list(extra), capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
        assert proc.returncode in (0, 1), proc.stderr
        return json.loads(proc.stdout)

    first = report()
    archived = tmp_path / "archive" / "2024" / "2024_基本公共卫生服务_项目自评表.json"
    info = archived.stat()
    text = archived.read_text(encoding="utf-8")
    assert '"fiscal_year": 2024' in text
    archived.write_text(text.replace('"fiscal_year": 2024', '"fiscal_year": 2023'), encoding="utf-8")
    os.utime(archived, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert archived.stat().st_size == info.st_size and archived.stat().st_mtime_ns == info.st_mtime_ns
    cached, fresh = report(), report("--no-cache")
    assert cached == fresh
    assert cached != first  # the edit matters (H501 for the project whose 2024 self-evaluation is gone)


def test_a_cache_folder_others_can_write_is_not_used(repo, capsys, monkeypatch):
    import perflint.diskcache as diskcache

    shared = repo / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(shared))
    monkeypatch.setattr(diskcache, "_TRUSTED", {})
    code, out, err = run(["in", "--format", "json"], capsys)
    assert code == 1
    assert err.count("running without the cache") == 1 and str(shared) in err
    assert list(shared.iterdir()) == []  # nothing read from it, nothing written to it
    code, out2, err = run(["in", "--format", "json"], capsys)
    assert out2 == out


def test_an_empty_history_folder_is_named(repo, capsys):
    (repo / "archive").mkdir()
    code, out, err = run(["in/faulty.json", "--history", "archive", "--format", "json"], capsys)
    assert code == 1 and "--history archive" in err and "no submission" in err


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_an_earlier_report_in_the_checked_folder_is_replaced_not_checked(repo, capsys, fmt):
    for _ in range(2):
        code, out, err = run(["in", "--format", "json", "-o", f"{fmt}:in/report.{fmt}"], capsys)
        assert code == 1, err
        assert sorted(f["path"] for f in json.loads(out)["files"]) == ["in/clean.json", "in/faulty.json"]


def test_a_department_workbook_never_lands_on_a_submission_of_the_run(repo, capsys):
    # the report r.xlsx splits by department into r_<department>.xlsx beside it; here a submission of
    # the run already has that name (a JSON document named like a workbook is still read by content)
    folder = repo / "mixed"
    write(folder / "d0.json", apply_patch(FAULTY, [{"set": "/project/department/name", "value": "甲局"}]))
    shutil_copy = (folder / "d0.json").read_bytes()
    (folder / "r_甲局.xlsx").write_bytes(shutil_copy)
    before = (folder / "r_甲局.xlsx").read_bytes()
    code, _, err = run(["mixed", "--format", "text", "--report", "mixed/r.xlsx", "--report-split", "department"],
                       capsys)
    assert code == 1, err
    assert (folder / "r_甲局.xlsx").read_bytes() == before
    assert (folder / "r_甲局_2.xlsx").exists()
    assert "已写出：mixed/r_甲局_2.xlsx" in err


def test_each_written_file_is_named_on_one_line_whatever_the_department_is_called(repo, capsys):
    write(repo / "deps" / "d0.json", apply_patch(FAULTY, [{"set": "/project/department/name", "value": "甲局\n::add-mask::x"}]))
    code, _, err = run(["deps", "--format", "text", "--report", "r.xlsx", "--report-split", "department"], capsys)
    assert code == 1, err
    lines = err.splitlines()
    assert not any(line.startswith("::") for line in lines)
    written = [line for line in lines if line.startswith("perflint: 已写出")]
    assert len(written) == 2, err


def test_a_toml_file_is_parsed_once_per_content(tmp_path, monkeypatch):
    import perflint.data as data
    import perflint.diskcache as diskcache

    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(diskcache, "_TRUSTED", {})
    path = tmp_path / "perflint.toml"
    path.write_text("lang = 'en'\n", encoding="utf-8")
    assert data.load_toml(path) == {"lang": "en"}
    parsed: list = []
    monkeypatch.setattr(data, "_parse_toml", lambda p, raw: parsed.append(raw) or {"lang": "parsed"})
    assert data.load_toml(path) == {"lang": "en"} and parsed == []  # the same bytes: from the cache
    info = path.stat()
    path.write_text("lang = 'zh'\n", encoding="utf-8")  # same size, mtime put back: still read again
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert data.load_toml(path) == {"lang": "parsed"} and parsed == [b"lang = 'zh'\n"]
    monkeypatch.undo()
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "cache"))
    path.write_text("lang = \n", encoding="utf-8")
    for _ in range(2):  # a broken file is reported every time, never kept
        with pytest.raises(data.DataError, match="not valid TOML"):
            data.load_toml(path)


@pytest.mark.parametrize("option", [["--ledger", "ro/l.csv"], ["--ledger", "ro/new/l.csv"],
                                    ["--write-baseline", "ro/b.json"], ["--report", "ro/r.xlsx"],
                                    ["-o", "json:ro/r.json"]])
def test_a_folder_that_cannot_take_an_output_is_said_before_anything_is_checked(repo, capsys, monkeypatch, option):
    (repo / "ro").mkdir()
    if os.geteuid() != 0:
        (repo / "ro").chmod(0o555)
    else:  # root writes anywhere but on a read-only file system: the check asks the system, as it would
        import perflint.check_cli as cli

        real_access = os.access
        monkeypatch.setattr(cli.os, "access", lambda p, mode, **k: False if str(p).endswith("/ro") and mode == os.W_OK
                            else real_access(p, mode, **k))
    import perflint.checking as checking

    monkeypatch.setattr(checking, "run_check", lambda *a, **k: pytest.fail("the run started"))
    code, _, err = run(["in", "--format", "text", *option], capsys)
    assert code == 2 and "ro" in err and option[1].split(":")[-1] in err
