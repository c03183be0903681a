"""A small bureau batch for the batch and report tests: two departments, a nested folder, a broken
file, returned and passed submissions, a waiver."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from fixturelib import apply_patch, base_document

ROOT = Path(__file__).resolve().parent.parent


def _write(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def make_batch(folder: Path) -> Path:
    """returns/ with 12 files; the report tests count on what each holds."""
    root = folder / "returns"
    unbalanced = [{"set": "/funds/annual/other", "value": 40}]
    health = [{"set": "/project/department/name", "value": "示例区卫生健康局"},
              {"set": "/project/code", "value": "511703250099"}, {"set": "/project/name", "value": "基本公共卫生服务"}]
    _write(root / "教育局" / "01_营养改善计划.json", base_document("project_target"))
    _write(root / "教育局" / "02_营养改善计划_不平衡.json", apply_patch(base_document("project_target"), unbalanced))
    _write(root / "教育局" / "03_豁免.json", apply_patch(base_document("project_target"), unbalanced + [
        {"set": "/waivers", "value": [{"rule": "A201", "where": "/funds/annual", "reason": "年中追加，已报财政批准"}]}]))
    _write(root / "教育局" / "04_部门自评.json", base_document("dept_selfeval"))
    _write(root / "教育局" / "05_部门目标.json", base_document("dept_target"))
    _write(root / "卫健委" / "10_公卫.json", apply_patch(base_document("project_target"), health))
    _write(root / "卫健委" / "11_公卫_不平衡.json", apply_patch(base_document("project_target"), health + unbalanced))
    _write(root / "卫健委" / "sub" / "12_自评.json", base_document("project_selfeval"))
    (root / "卫健委" / "13_损坏.json").write_text('{"form": "project_target", ', encoding="utf-8")
    _write(root / "00_首页.json", base_document("project_target"))
    _write(root / "zz_末尾.json", apply_patch(base_document("project_target"), unbalanced))
    shutil.copy(ROOT / "samples" / "json" / "project_target_clean.json", root / "教育局" / "06_样例.json")
    (root / "~$锁文件.json").write_text("{}", encoding="utf-8")  # Excel's lock file: skipped
    (root / ".hidden.json").write_text("{}", encoding="utf-8")
    return root


# ---- the tests ------------------------------------------------------------------------------

import os
import signal
import time

import pytest

from batchlib import batch_of, check_files, checking_with, plain_run
from perflint.batch import BatchPlan, resolve_jobs
from perflint.batch.cache import ResultCache
from perflint.check_cli import main as check_main
from perflint.config import Config
from perflint.files import collect_files
from perflint.run import RunSettings


def _hang_on_marked(engine, path, options):
    if "不平衡" in os.path.basename(path):
        time.sleep(30)
    return engine.check_file(path, options)


def _crash_on_marked(engine, path, options):
    if "不平衡" in os.path.basename(path):
        os.kill(os.getpid(), signal.SIGKILL)
    return engine.check_file(path, options)


def _stuck_on_marked(engine, path, options):
    if "不平衡" in os.path.basename(path):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(30)
    return engine.check_file(path, options)


def _raise_on_marked(engine, path, options):
    if "不平衡" in os.path.basename(path):
        raise RuntimeError("reader fell over")
    return engine.check_file(path, options)


def _slow_first(engine, path, options):
    if os.path.basename(path).startswith("00_"):
        time.sleep(0.5)
    return engine.check_file(path, options)


@pytest.fixture()
def batch(tmp_path):
    return make_batch(tmp_path)


def _json_report(args, tmp_path, name):
    out = tmp_path / name
    code = check_main([*args, "--format", "text", "-q", "-o", f"json:{out}", "--isolated"])
    return code, out.read_text(encoding="utf-8")


def test_report_identical_for_any_number_of_jobs(batch, tmp_path, capsys):
    code1, one = _json_report([str(batch), "-j", "1", "--no-cache"], tmp_path, "j1.json")
    code2, two = _json_report([str(batch), "-j", "2", "--no-cache"], tmp_path, "j2.json")
    assert code1 == code2 == 1
    assert one == two
    report = json.loads(two)
    paths = [f["path"] for f in report["files"]]
    assert paths == sorted(paths) and len(paths) == 12  # folders sorted by path; lock and hidden files skipped
    assert report["summary"]["return"] >= 4


def test_files_keep_the_order_given_then_folders_sorted(batch):
    last = str(batch / "zz_末尾.json")
    files = collect_files([last, str(batch / "卫健委")])
    results = list(check_files(files, jobs=2))
    assert [r.path for r in results] == files
    assert files[0] == last and files[1:] == sorted(files[1:])


def test_pool_output_order_does_not_follow_finishing_order(batch):
    files = collect_files([str(batch)])  # 00_首页 first, and it is the slowest
    results = list(check_files(files, jobs=2, check=_slow_first))
    assert [r.path for r in results] == files
    plain = list(check_files(files, jobs=1))
    assert [r.to_json() for r in results] == [r.to_json() for r in plain]


def _batch_of(files, **options):
    """A two-worker Batch over `files` with the national profile."""
    return batch_of(files, jobs=2, timeout=30, **options)


def test_small_window_still_streams_in_order(batch):
    files = collect_files([str(batch)])
    b = _batch_of(files, window=3, chunk=1)
    seen = []
    with checking_with(_slow_first):
        results = list(b.run(seen.append))
    assert [r.path for r in results] == files == [r.path for r in seen]


@pytest.mark.parametrize("jobs", [1, 2])
def test_timeout_gives_f010_and_the_run_goes_on(batch, jobs):
    files = collect_files([str(batch)])
    started = time.monotonic()
    results = list(check_files(files, jobs=jobs, timeout=0.5, check=_hang_on_marked))
    assert time.monotonic() - started < 15
    assert [r.path for r in results] == files
    for r in results:
        codes = [f.code for f in r.all_findings()]
        if "不平衡" in r.path:
            assert codes == ["F010"] and r.verdict == "return" and not r.documents
        else:
            assert "F010" not in codes
    assert sum(1 for r in results if r.documents) == len(files) - 3  # the broken file has none either


def test_a_worker_stuck_past_its_timer_is_killed(batch):
    files = collect_files([str(batch / "卫健委")])
    results = list(check_files(files, jobs=2, timeout=0.3, check=_stuck_on_marked))
    stuck = [r for r in results if "不平衡" in r.path]
    assert [f.code for f in stuck[0].all_findings()] == ["F010"]
    assert all(r.documents or "损坏" in r.path for r in results if "不平衡" not in r.path)


def test_a_dead_worker_is_f011_for_its_file_and_the_batch_goes_on(batch):
    files = collect_files([str(batch)])
    results = list(check_files(files, jobs=2, check=_crash_on_marked))
    assert [r.path for r in results] == files
    crashed = [r for r in results if "不平衡" in r.path]
    assert len(crashed) == 2
    for r in crashed:
        (f,) = r.findings
        assert f.code == "F011" and "SIGKILL" in f.message and r.verdict == "return"
    others = [r for r in results if "不平衡" not in r.path and "损坏" not in r.path]
    assert all(r.documents for r in others)


def test_a_crash_inside_a_chunk_requeues_the_rest(batch):
    files = collect_files([str(batch)])
    b = _batch_of(files, chunk=4)
    with checking_with(_crash_on_marked):
        results = list(b.run())
    expected = [r.to_json() for r in check_files(files, jobs=1)]
    for got, want in zip(results, expected):
        if "不平衡" in got.path:
            assert [f.code for f in got.findings] == ["F011"]
        else:
            assert got.to_json() == want


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_unexpected_error_is_contained(batch, jobs):
    files = collect_files([str(batch / "教育局")])
    results = list(check_files(files, jobs=jobs, check=_raise_on_marked))
    bad = [r for r in results if "不平衡" in r.path][0]
    (f,) = bad.findings
    assert f.code == "F011" and "RuntimeError: reader fell over" in f.message
    assert len(results) == len(files)


def test_jobs_zero_means_every_core():
    assert resolve_jobs(0) >= 1 and resolve_jobs(0) == len(os.sched_getaffinity(0))
    assert resolve_jobs(None) == 1 and resolve_jobs(3) == 3


# ---- the cache ------------------------------------------------------------------------------

def _cache(settings, profile, folder):
    c = ResultCache.open(settings, profile)
    c.folder = folder
    return c


def _setup(files):
    from perflint.catalogue import default_catalogue
    from perflint.profiles import load_profile

    settings = RunSettings(paths=files, config=Config())
    return settings, load_profile("national", default_catalogue())


@pytest.mark.parametrize("jobs", [1, 2])
def test_cache_hit_and_invalidation(batch, tmp_path, jobs):
    files = collect_files([str(batch)])
    settings, profile = _setup(files)
    store = tmp_path / "cache"
    first = _cache(settings, profile, store)
    cold = [r.to_json() for r in check_files(files, settings, profile=profile, cache=first, jobs=jobs)]
    assert first.hits == 0 and first.misses == len(files)

    warm_cache = _cache(settings, profile, store)
    warm = [r.to_json() for r in check_files(files, settings, profile=profile, cache=warm_cache, jobs=jobs)]
    assert warm == cold and warm_cache.hits == len(files)

    # a changed file is checked again; the others still come from the cache
    target = batch / "教育局" / "01_营养改善计划.json"
    doc = json.loads(target.read_text(encoding="utf-8"))
    doc["funds"]["annual"]["other"] = 40
    target.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    third = _cache(settings, profile, store)
    results = list(check_files(files, settings, profile=profile, cache=third, jobs=jobs))
    assert third.misses == 1 and third.hits == len(files) - 1
    changed = [r for r in results if r.path == str(target)][0]
    assert "A201" in [f.code for f in changed.all_findings()]

    # a changed profile (a parameter) invalidates every entry
    import dataclasses

    other = dataclasses.replace(profile, parameters={**profile.parameters, "amount_tolerance": 100.0})
    fourth = _cache(settings, other, store)
    assert fourth.fingerprint != third.fingerprint
    results = list(check_files(files, settings, profile=other, cache=fourth, jobs=jobs))
    assert fourth.hits == 0
    changed = [r for r in results if r.path == str(target)][0]
    assert "A201" not in [f.code for f in changed.all_findings()]  # 10 off is within the new tolerance


def test_selection_language_and_waivers_are_part_of_the_key(batch):
    files = collect_files([str(batch)])
    settings, profile = _setup(files)
    base = ResultCache.open(settings, profile).fingerprint
    for change in ({"select": ["A"]}, {"ignore": ["A201"]}, {"lang": "en"}, {"use_waivers": False}):
        import dataclasses

        assert ResultCache.open(dataclasses.replace(settings, **change), profile).fingerprint != base, change
    assert ResultCache.open(settings, profile, history="x").fingerprint != base


def test_a_broken_cache_never_stops_a_run(batch, tmp_path):
    files = collect_files([str(batch)])
    settings, profile = _setup(files)
    store = tmp_path / "cache"
    list(check_files(files, settings, profile=profile, cache=_cache(settings, profile, store)))
    for entry in store.rglob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    damaged = _cache(settings, profile, store)
    expected = [r.to_json() for r in check_files(files, settings, profile=profile)]
    assert [r.to_json() for r in check_files(files, settings, profile=profile, cache=damaged)] == expected
    assert damaged.hits == 0

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    unwritable = _cache(settings, profile, blocked / "results")
    assert [r.to_json() for r in check_files(files, settings, profile=profile, cache=unwritable, jobs=2)] == expected


def test_cli_cache_on_for_folders_and_no_cache(batch, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "pc"))
    check_main([str(batch), "--isolated", "--format", "json"])
    assert list((tmp_path / "pc" / "results").rglob("*.pickle"))
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "none"))
    check_main([str(batch), "--isolated", "--format", "json", "--no-cache"])
    check_main([str(batch / "00_首页.json"), "--isolated", "--format", "json"])  # a single file: off
    assert not (tmp_path / "none" / "results").exists()
    capsys.readouterr()


def test_cache_clean(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from perflint.cli import app

    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "pc"))
    (tmp_path / "pc" / "results" / "ab").mkdir(parents=True)
    (tmp_path / "pc" / "results" / "ab" / "x.pickle").write_bytes(b"x")
    result = CliRunner().invoke(app, ["cache", "clean"])
    assert result.exit_code == 0 and not (tmp_path / "pc").exists()


# ---- the progress bar -----------------------------------------------------------------------

def test_no_progress_bar_when_piped_or_under_ci(monkeypatch):
    from perflint import checking

    class Tty:
        def isatty(self):
            return True

    monkeypatch.setattr(checking.sys, "stdout", Tty())
    monkeypatch.setattr(checking.sys, "stderr", Tty())
    monkeypatch.delenv("CI", raising=False)
    assert checking.show_progress()
    monkeypatch.setenv("CI", "true")
    assert not checking.show_progress()
    monkeypatch.delenv("CI")
    monkeypatch.setattr(checking.sys, "stdout", open(os.devnull, "w"))
    assert not checking.show_progress()


def test_progress_bar_counts_on_a_terminal(batch, tmp_path, monkeypatch):
    import io

    from perflint import checking

    class Term(io.StringIO):
        def isatty(self):
            return True

    term = Term()
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(checking, "show_progress", lambda: True)
    monkeypatch.setattr(checking.sys, "stdout", term)
    seen = []
    with checking._progress(3, "zh") as advance:
        assert advance is not None
        from perflint.model import FileResult

        advance.reading(3, 3)  # the first pass of a two-pass run
        assert "读取并建立索引 3/3" in term.getvalue()
        for verdict in ("pass", "return", "pass"):
            advance(FileResult("x.json", (), (), verdict))
            seen.append(verdict)
    assert "通过 2 · 退回 1" in term.getvalue() and "3/3" in term.getvalue()


def test_the_worker_plan_pickles_for_spawned_workers(batch):
    """Where workers are spawned rather than forked, everything they get travels pickled, once each."""
    import pickle

    files = collect_files([str(batch)])
    settings = RunSettings(paths=files, config=Config(), per_path_ignores={"*.json": ["B1"]})
    plan = BatchPlan(plain_run(files, settings), {"index": [1, 2]}, 5.0, "prepare")
    back = pickle.loads(pickle.dumps(plan))
    assert back.run == plan.run and back.run.options == plan.run.options and back.task == "prepare"
    result = list(check_files(files[:1]))[0]
    assert pickle.loads(pickle.dumps(result)) == result


def test_a_pipe_in_a_cached_folder_is_refused_not_waited_on(tmp_path):
    """The result cache hashes files before reading them: it must not block on a pipe."""
    import os
    import subprocess
    import sys

    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes")
    shutil.copy(ROOT / "samples" / "json" / "project_target_clean.json", tmp_path / "a.json")
    os.mkfifo(tmp_path / "b.json")
    proc = subprocess.run([sys.executable, "-m", "perflint", "check", str(tmp_path), "--format", "json"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "PERFLINT_CACHE_DIR": str(tmp_path / ".cache")})
    assert proc.returncode == 1, proc.stderr
    files = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(proc.stdout)["files"]}
    assert [f["code"] for f in files["b.json"]["findings"]] == ["F001"]
    assert files["a.json"]["verdict"] == "pass"
