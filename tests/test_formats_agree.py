"""The same content as JSON, reference xlsx, national and provincial xlsx, and xls gives the same
findings: the same codes at the same logical locations (JSON pointers), and on workbooks each
finding about a filled-in value names the cell the value was written to."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from perflint.api import check_paths
from perflint.model import KINDS
from perflint.template import LAYOUTS, build_sheet, write_template
from tests.fixturelib import base_document

ROOT = Path(__file__).resolve().parent.parent
# what only a workbook can say: a sheet that is no form, a spare template row
WORKBOOK_ONLY = {"F008", "F009"}


def _faulty() -> dict:
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "samples" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FAULTY


FAULTY = _faulty()
VARIANTS = [(layout, suffix) for layout in LAYOUTS for suffix in (".xlsx", ".xls")]


def _findings(path: Path):
    # each file on its own: checked together, copies of one form would be duplicates of each other
    (result,) = check_paths([str(path)])
    assert result.documents, [(f.code, f.message) for f in result.all_findings()]
    (doc,) = result.documents
    return [f for f in doc.findings if f.code not in WORKBOOK_ONLY]


def _write_all(doc: dict, tmp_path: Path) -> tuple[Path, dict[tuple[str, str], Path]]:
    source = tmp_path / "doc.json"
    source.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    books = {}
    for layout, suffix in VARIANTS:
        books[(layout, suffix)] = tmp_path / f"{layout}{suffix}"
        write_template(doc["form"], books[(layout, suffix)], doc, layout)
    return source, books


def _check_agreement(doc: dict, tmp_path: Path) -> tuple[list, int]:
    source, books = _write_all(doc, tmp_path)
    cells = 0
    expected = sorted((f.code, f.location.pointer) for f in _findings(source))
    for (layout, suffix), path in books.items():
        found = _findings(path)
        assert sorted((f.code, f.location.pointer) for f in found) == expected, f"{layout}{suffix}"
        sheet = build_sheet(doc["form"], doc, layout)
        for f in found:
            assert f.location.sheet == sheet.name, (layout, suffix, f.code)
            ptr = f.location.pointer
            written = sheet.locations.get(ptr)
            if written is None or _value(doc, ptr) is None:
                continue
            r, c = written
            assert f.location.cell == f"{get_column_letter(c)}{r}", (layout, suffix, f.code, ptr)
            cells += 1
    return expected, cells


def _value(doc, ptr: str):
    node = doc
    for token in ptr.split("/")[1:]:
        if isinstance(node, list):
            node = node[int(token)] if token.isdigit() and int(token) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(token)
        if node is None:
            return None
    return node


@pytest.mark.parametrize("kind", KINDS)
def test_clean_document_agrees_across_formats(kind, tmp_path):
    expected, _ = _check_agreement(base_document(kind), tmp_path)
    assert not [code for code, _ in expected if code[0] in "ABIS"], "the clean base documents stay clean"


@pytest.mark.parametrize("kind", KINDS)
def test_faulty_document_agrees_across_formats(kind, tmp_path):
    doc, codes = FAULTY[kind]
    expected, cells = _check_agreement(doc, tmp_path)
    assert codes <= {code for code, _ in expected}
    assert cells >= len(VARIANTS), "every workbook names the cell of at least one faulty value"
