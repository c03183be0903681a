"""A batch parses each file once: the history pre-pass leaves its outcome for the check."""
from __future__ import annotations

import json
import os
import tempfile

import perflint.readers
from fixturelib import apply_patch, base_document
from perflint.api import check_paths


def _batch(folder):
    folder.mkdir()
    docs = {
        "a.json": base_document("project_target"),
        "b.json": apply_patch(base_document("project_target"), [{"set": "/funds/annual/other", "value": 40},
                                                                {"set": "/project/code", "value": "511703250099"}]),
        "c.json": base_document("project_selfeval"),
    }
    for name, doc in docs.items():
        (folder / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder


def _summary(results):
    return [(os.path.basename(r.path), r.verdict, [(f.code, f.location.pointer, f.message) for f in r.all_findings()])
            for r in results]


def test_each_file_is_parsed_once_and_judged_the_same(tmp_path, monkeypatch):
    folder = _batch(tmp_path / "batch")
    reads: list[str] = []
    real = perflint.readers.read_path

    def counting(path, options=None):
        reads.append(os.path.basename(path))
        return real(path, options)

    monkeypatch.setattr(perflint.readers, "read_path", counting)
    spooled = check_paths([str(folder)])
    assert sorted(reads) == ["a.json", "b.json", "c.json"]
    reads.clear()
    unspooled = check_paths([str(folder)], ignore=["H"])  # no H rule: no pre-pass, no spool
    assert sorted(reads) == ["a.json", "b.json", "c.json"]
    keep = lambda rows: [(n, [f for f in fs if not f[0].startswith("H")]) for n, _, fs in rows]  # noqa: E731
    assert keep(_summary(spooled)) == keep(_summary(unspooled))
    assert [r.verdict for r in spooled] == ["pass", "return", "pass"]


def test_the_spool_is_removed_after_the_run(tmp_path):
    folder = _batch(tmp_path / "batch")
    before = {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("perflint-spool-")}
    check_paths([str(folder)])
    after = {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("perflint-spool-")}
    assert after <= before
