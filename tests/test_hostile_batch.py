"""A file that kills the process checking it costs that file a finding; the batch goes on."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "hostile"))

from make_corpus import BY_NAME, make_corpus  # noqa: E402

from batchlib import check_files  # noqa: E402


def kill_on_marker(engine, path, options):
    """A check that dies the hardest way on one file: SIGKILL, no exception, no cleanup."""
    if os.path.basename(path).startswith("kills_worker"):
        os.kill(os.getpid(), signal.SIGKILL)
    return engine.check_file(path, options)


def without_extent_guard(engine, path, options):
    """The check as it would run without the sniffer's sheet-extent guard, in a worker whose
    address space is capped: python-calamine then really aborts the process on far_cell.xlsx."""
    import faulthandler
    import resource

    import perflint.readers.sniff as sniff_mod

    faulthandler.disable()  # the abort is expected: no dump of the worker's stack into the test output

    cap = 4 << 30
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    real = sniff_mod._sheet_extent
    sniff_mod._sheet_extent = lambda *args: None
    try:
        return engine.check_file(path, options)
    finally:
        sniff_mod._sheet_extent = real


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("batch-corpus")
    make_corpus(folder)
    return folder


def _run(files, check):
    return check_files([str(f) for f in files], jobs=2, check=check, pool=True)


def test_a_killed_worker_is_F011_for_its_file_and_the_batch_goes_on(corpus, tmp_path):
    killer = tmp_path / "kills_worker.json"
    killer.write_text('{"form": "project_target"}', encoding="utf-8")
    files = sorted(corpus.iterdir())
    order = files[:10] + [killer] + files[10:]
    results = _run(order, kill_on_marker)
    assert [r.path for r in results] == [str(f) for f in order], "every file reported, in order"
    by_path = {Path(r.path).name: r for r in results}
    dead = [f.code for f in by_path["kills_worker.json"].all_findings()]
    assert dead == ["F011"] and by_path["kills_worker.json"].verdict == "return"
    for case_file in files:  # every other file got its own finding, as in a run without the crash
        codes = {f.code for f in by_path[case_file.name].all_findings()}
        assert BY_NAME[case_file.name].code in codes, (case_file.name, codes)
        assert "F011" not in codes


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS semantics")
def test_a_real_parser_abort_in_a_worker_is_F011(corpus):
    far = corpus / "far_cell.xlsx"
    others = [corpus / "csv_renamed.xlsx", corpus / "encrypted.xlsx", corpus / "nan.json"]
    results = _run([others[0], far, *others[1:]], without_extent_guard)
    by_path = {Path(r.path).name: r for r in results}
    assert [f.code for f in by_path["far_cell.xlsx"].all_findings()] == ["F011"]
    assert [r.verdict for r in results] == ["return"] * 4
    for other in others:
        assert BY_NAME[other.name].code in {f.code for f in by_path[other.name].all_findings()}
