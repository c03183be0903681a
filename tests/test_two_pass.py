"""A batch whose H rules compare its own files reads each file once, in two passes: every file
read and judged alone (its records indexed, its draft kept), then the drafts finished in order.
The results must be those of reading every file into the index first and checking each after."""
from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

import perflint.batch.passes
import perflint.batch.tasks
import perflint.readers
from perflint.api import check_paths
from perflint.catalogue import default_catalogue
from perflint.config import Config
from perflint.files import collect_files
from perflint.profiles import load_profile
from perflint.run import Run, RunSettings, open_batch
from batchlib import index_read_first
from test_batch import make_batch

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def _summary(results):
    return [(r.path, r.verdict, [(f.code, f.severity, f.location, f.message, f.related) for f in r.all_findings()],
             [(d.verdict, d.grade) for d in r.documents]) for r in results]


def _one_pass(files):
    """The reference: every run file read into the index first, then each file checked."""
    run = _run(files)
    index = index_read_first(files, run.options, use_cache=False)
    assert len(index) > 0
    engine = run.engine(index)
    return [engine.check_file(path, run.options) for path in files]


def _run(files, **settings):
    catalogue = default_catalogue()
    return Run(RunSettings(paths=list(files), config=Config(), **settings), catalogue,
               load_profile("national", catalogue))


def _two_pass(files, jobs, cache=False):
    batch = open_batch(_run(files, jobs=jobs, cache=cache), files, results=False)
    pending = len(batch.pending.pending) if batch.pending is not None else 0
    seen: list[tuple[int, int]] = []
    results = list(batch.run(reading=lambda done, total: seen.append((done, total))))
    assert batch.pending is None and len(batch.index) > 0  # every file indexed before any H rule ran
    return results, pending, seen


@pytest.mark.parametrize("jobs", [1, 2])
def test_samples_judged_as_if_every_file_were_indexed_first(jobs):
    files = collect_files([str(SAMPLES)])
    expected = _summary(_one_pass(files))
    assert any(code.startswith("H") for _, _, found, _ in expected for code, *_ in found)  # H rules do fire here
    results, pending, seen = _two_pass(files, jobs)
    assert pending == len(files)
    assert seen[-1] == (len(files), len(files)) and len(seen) == len(files)
    assert _summary(results) == expected


def test_each_file_is_parsed_once(tmp_path, monkeypatch):
    folder = make_batch(tmp_path)
    reads: list[str] = []
    real = perflint.readers.read_path

    def counting(path, options=None):
        reads.append(os.path.basename(path))
        return real(path, options)

    monkeypatch.setattr(perflint.readers, "read_path", counting)
    results = check_paths([str(folder)])
    files = collect_files([str(folder)])
    assert sorted(reads) == sorted(os.path.basename(f) for f in files)
    monkeypatch.setattr(perflint.readers, "read_path", real)
    assert _summary(results) == _summary(_one_pass(files))


def test_warm_record_cache_skips_the_first_pass(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "cache"))
    folder = make_batch(tmp_path)
    files = collect_files([str(folder)])
    first, pending, _ = _two_pass(files, 1, cache=True)
    assert pending == len(files)
    again, pending, seen = _two_pass(files, 1, cache=True)
    assert pending == 0 and seen == []  # records from the cache: one pass, each file read by its check
    assert _summary(again) == _summary(first)
    (folder / "00_首页.json").write_text((folder / "zz_末尾.json").read_text(encoding="utf-8"), encoding="utf-8")
    changed, pending, _ = _two_pass(files, 1, cache=True)
    assert pending == 1
    assert _summary(changed) == _summary(_one_pass(files))


def _crash_prepare_on_marked(engine, path, options):
    if "不平衡" in os.path.basename(path):
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_prepare(engine, path, options)


_real_prepare = perflint.batch.tasks.prepare


def test_a_worker_dying_in_the_first_pass_costs_its_file_only(tmp_path, monkeypatch):
    folder = make_batch(tmp_path)
    files = collect_files([str(folder)])
    monkeypatch.setattr(perflint.batch.tasks, "prepare", _crash_prepare_on_marked)
    results, _, _ = _two_pass(files, 2)
    marked = [r for r in results if "不平衡" in os.path.basename(r.path)]
    assert len(marked) == 2
    assert all([f.code for f in r.all_findings()] == ["F011"] for r in marked)
    others = [r for r in results if r not in marked]
    assert not any(f.code in ("F010", "F011") for r in others for f in r.all_findings())
    assert [r.path for r in results] == files


def _slow_prepare_first(engine, path, options):
    if os.path.basename(path).startswith("00_"):
        time.sleep(0.3)
    return _real_prepare(engine, path, options)


def test_the_index_follows_the_order_of_the_files_not_of_their_reading(tmp_path, monkeypatch):
    folder = make_batch(tmp_path)
    files = collect_files([str(folder)])
    assert os.path.basename(files[0]).startswith("00_")  # read last of all by the pool below
    expected = _summary(_one_pass(files))
    assert any(f[4] for _, _, found, _ in expected for f in found)  # findings that list other documents
    monkeypatch.setattr(perflint.batch.tasks, "prepare", _slow_prepare_first)
    results, _, _ = _two_pass(files, 2)
    assert _summary(results) == expected


def test_drafts_leave_nothing_in_the_temporary_folder(tmp_path):
    folder = make_batch(tmp_path)
    before = set(os.listdir(tempfile.gettempdir()))
    results, pending, _ = _two_pass(collect_files([str(folder)]), 2)
    assert pending and results
    assert {n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith("perflint-")} == set()


def test_a_draft_comes_back_from_the_temporary_file_as_it_was_prepared():
    """Drafts cross as their fields, records apart: each comes back equal to the engine's draft."""
    from dataclasses import replace

    from perflint.batch.wire import Drafts, prepare

    files = collect_files([str(SAMPLES)])
    run = _run(files)
    options = run.options
    engine = run.engine(keep_records=True)
    drafts = Drafts()
    try:
        for i, path in enumerate(files):
            prepared = prepare(engine, path, options)
            drafts.put(i, prepared.draft, prepared.records)
        with_records = 0
        for i, path in enumerate(files):
            expected = engine.prepare_file(path, options)
            got = drafts.take(i)
            assert replace(got, seconds=0.0) == replace(expected, seconds=0.0), path
            with_records += sum(1 for d in got.documents if d.record is not None)
        assert with_records > 0
    finally:
        drafts.close()


# ---- the second pass shared with a helper process --------------------------------------------------

@pytest.fixture
def shared(monkeypatch):
    """Share the second pass from the first draft on (a real run waits for a few hundred), and count
    the results that came from the helper."""
    monkeypatch.setattr(perflint.batch.passes, "_SHARE_FROM", 1)
    received: list[int] = []
    take = perflint.batch.passes._SharedFinish.take

    def counting(self, index):
        theirs = index in self.theirs
        got = take(self, index)
        if theirs and self.theirs and isinstance(got, perflint.batch.passes.FileResult):
            received.append(index)
        return got

    monkeypatch.setattr(perflint.batch.passes._SharedFinish, "take", counting)
    return received


def test_a_helper_finishing_two_files_in_three_changes_no_result(shared):
    files = collect_files([str(SAMPLES)])
    expected = _summary(_one_pass(files))
    results, _, _ = _two_pass(files, 2)
    assert _summary(results) == expected
    assert len(shared) >= len(files) // 2  # the helper did finish its share


def test_a_helper_that_dies_leaves_the_rest_to_the_main_process(shared, monkeypatch):
    files = collect_files([str(SAMPLES)])
    expected = _summary(_one_pass(files))
    finish = perflint.batch.passes._finish_part

    def dying(conn, engine, drafts, indexes):
        finish(conn, engine, drafts, indexes[:5])  # five results, then the process is gone
        os._exit(1)

    monkeypatch.setattr(perflint.batch.passes, "_finish_part", dying)
    results, _, _ = _two_pass(files, 2)
    assert _summary(results) == expected
    assert 0 < len(shared) <= 5


def test_a_helper_out_of_step_is_not_trusted(shared, monkeypatch):
    files = collect_files([str(SAMPLES)])
    expected = _summary(_one_pass(files))
    finish = perflint.batch.passes._finish_part

    def skipping(conn, engine, drafts, indexes):
        finish(conn, engine, drafts, indexes[:3] + indexes[4:])  # one result missing: the next is out of step

    monkeypatch.setattr(perflint.batch.passes, "_finish_part", skipping)
    results, _, _ = _two_pass(files, 2)
    assert _summary(results) == expected
    assert len(shared) == 3


def test_a_run_stopped_early_leaves_no_helper_and_says_nothing(shared, capfd):
    import multiprocessing

    files = collect_files([str(SAMPLES)])
    results = open_batch(_run(files, jobs=2, cache=False), files, results=False).run()
    first = [next(results) for _ in range(3)]
    results.close()
    assert len(first) == 3
    assert multiprocessing.active_children() == []
    assert capfd.readouterr().err == ""


# ---- the index: one way in, unchanging once built ------------------------------------------------

def test_a_one_file_run_is_a_two_pass_run_of_one_file(tmp_path, monkeypatch):
    folder = make_batch(tmp_path)
    path = str(folder / "00_首页.json")
    reads: list[str] = []
    real = perflint.readers.read_path
    monkeypatch.setattr(perflint.readers, "read_path", lambda p, options=None: (reads.append(p), real(p, options))[1])
    batch = open_batch(_run([path]), [path], results=False)
    assert batch.index is None and list(batch.pending.pending) == [path]  # not looked up in the record cache
    seen: list[tuple[int, int]] = []
    (result,) = batch.run(reading=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 1)] and reads == [path]  # read once, by its own check
    assert batch.pending is None and len(batch.index) == 1
    monkeypatch.setattr(perflint.readers, "read_path", real)
    assert _summary([result]) == _summary(_one_pass([path]))


def test_the_index_does_not_change_once_built(tmp_path):
    folder = make_batch(tmp_path)
    index = index_read_first(collect_files([str(folder)]), use_cache=False)
    for name, value in [("wanted", frozenset()), ("fingerprint", "x"), ("cache_hits", 9), ("records", [])]:
        with pytest.raises(AttributeError):
            setattr(index, name, value)
    assert index.wanted is None and index.fingerprint and len(index) > 0


@pytest.mark.parametrize("cache", [False, None])
def test_a_batch_without_caches_reads_its_files_only_to_check_them(tmp_path, monkeypatch, cache):
    """The content stamps of the run's files key the record and result caches; with both off
    (--no-cache) no file is read for its stamp, and the results are the same."""
    import perflint.history

    files = collect_files([str(make_batch(tmp_path))])
    stamped: list[str] = []
    real = perflint.history.content_stamp
    monkeypatch.setattr(perflint.history, "content_stamp", lambda path, stat: stamped.append(path) or real(path, stat))
    batch = open_batch(_run(files, cache=cache), files)
    results = list(batch.run())
    assert len(stamped) == (0 if cache is False else len(files))
    assert _summary(results) == _summary(_one_pass(files))
