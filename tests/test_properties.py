"""Property tests: whatever a submission contains, no reader and no rule crashes on it.

A crash in a reader would surface as F001 'internal' (the reader's safety net), a crash in a rule as
F006; both mean a bug, so neither may appear, and nothing may escape as an exception.
"""
from __future__ import annotations

import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "hostile"))

from fixturelib import base_document  # noqa: E402
from make_corpus import legacy_xls, tiny_xlsx  # noqa: E402
from perflint.catalogue import default_catalogue  # noqa: E402
from perflint.model import KINDS  # noqa: E402
from perflint.profiles import load_profile  # noqa: E402
from perflint.readers import ReaderOptions, read_path  # noqa: E402
from perflint.run import Run, RunSettings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def engine():
    catalogue = default_catalogue()
    return Run(RunSettings(paths=[]), catalogue, load_profile("national", catalogue)).engine()


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="perflint-prop-") as d:
        yield Path(d)


def assert_no_crash(engine, path: Path) -> None:
    outcome = read_path(str(path), ReaderOptions())
    internal = [dict(h.args) for c, h in outcome.hits if h.variant == "internal"]
    assert not internal, f"a reader raised: {internal}"
    for doc in outcome.documents:
        crashed = [dict(f.args) for f in engine.check_document(doc).findings if f.code == "F006"]
        assert not crashed, f"a rule raised: {crashed}"
    result = engine.check_file(str(path), ReaderOptions())
    assert result.verdict in ("pass", "return")


# ---- JSON documents -----------------------------------------------------------------------------
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
    st.sampled_from(["约100", "1OO", "≥95%", "≤2025年12月底前", "", " ", "定性", "100%", "-0", "1e3", "１２３",
                     "１,２００万元", "N/A", "/", "——", "是", "否"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                          st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


def _pointers(node, prefix=""):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            # generated keys may hold "/" or "~": escaped as in a JSON Pointer, or the walk below loses its way
            yield from _pointers(v, f"{prefix}/{k.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _pointers(v, f"{prefix}/{i}")


def _set(doc, ptr, value, remove=False):
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in ptr.split("/")[1:]]
    node = doc
    for t in tokens[:-1]:
        node = node[int(t)] if isinstance(node, list) else node[t]
    last = tokens[-1]
    if isinstance(node, list):
        if remove:
            del node[int(last)]
        else:
            node[int(last)] = value
    elif remove:
        node.pop(last, None)
    else:
        node[last] = value


@st.composite
def mutated_documents(draw):
    doc = base_document(draw(st.sampled_from(KINDS)))
    for _ in range(draw(st.integers(1, 4))):
        ptrs = [p for p in _pointers(doc) if p and p != "/form"]
        if not ptrs:
            break
        ptr = draw(st.sampled_from(ptrs))
        _set(doc, ptr, draw(values), remove=draw(st.booleans()))
    return doc


@FAST
@given(doc=mutated_documents())
def test_mutated_documents_never_crash_a_rule(engine, workdir, doc):
    path = workdir / "doc.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert_no_crash(engine, path)


@FAST
@given(doc=st.dictionaries(st.sampled_from(["form", "fiscal_year", "project", "department", "funds", "indicators",
                                           "goals", "tasks", "total_score", "waivers", "self_evaluation"]),
                           values, max_size=8),
       kind=st.sampled_from(KINDS))
def test_random_documents_never_crash_a_rule(engine, workdir, doc, kind):
    doc["form"] = kind
    path = workdir / "random.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert_no_crash(engine, path)


@FAST
@given(raw=st.binary(max_size=300), suffix=st.sampled_from([".json", ".xlsx", ".xls", ".xlsm"]))
def test_random_bytes_never_crash_a_reader(engine, workdir, raw, suffix):
    path = workdir / f"bytes{suffix}"
    path.write_bytes(raw)
    assert_no_crash(engine, path)


# ---- workbooks ---------------------------------------------------------------------------------


def _form_workbook() -> bytes:
    samples = sorted((ROOT / "samples" / "xlsx").glob("*.xlsx")) if (ROOT / "samples" / "xlsx").is_dir() else []
    if samples:
        return samples[0].read_bytes()
    return tiny_xlsx([["项目支出绩效目标表"], ["项目名称", "营养改善计划"], ["年度资金总额", 1300]])


@FAST
@given(data=st.data())
def test_mutated_workbook_bytes_never_crash_a_reader(engine, workdir, data):
    blob = bytearray(data.draw(st.sampled_from([_form_workbook(), legacy_xls()])))
    for _ in range(data.draw(st.integers(1, 6))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = data.draw(st.integers(0, len(blob) - 1))
        if op == "flip":
            blob[pos] ^= data.draw(st.integers(1, 255))
        elif op == "cut":
            del blob[pos: pos + data.draw(st.integers(1, 64))]
        else:
            blob[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
        if not blob:
            break
    path = workdir / "mutated.xlsx"
    path.write_bytes(bytes(blob))
    assert_no_crash(engine, path)


cell_values = st.one_of(
    st.none(), st.integers(min_value=-10**12, max_value=10**12), st.floats(allow_nan=False, allow_infinity=False,
                                                                          width=32),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=15),
    st.sampled_from(["约100", "≥95%", "100%", "=1/0", "#DIV/0!", "#REF!", "合计", "一级指标", "产出指标", "数量指标",
                     "项目名称", "年度资金总额", "2025年12月底前", "定性", "明显改善", "√", "是"]),
    st.dates(),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.tuples(st.integers(1, 40), st.integers(1, 10), cell_values), min_size=1, max_size=25))
def test_random_cell_contents_never_crash_a_reader_or_rule(engine, workdir, cells):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(_form_workbook()))
    ws = wb.worksheets[0]
    for row, col, value in cells:
        try:
            ws.cell(row=row, column=col).value = value
        except (AttributeError, ValueError):  # merged cells are read-only; openpyxl refuses illegal characters
            continue
    path = workdir / "cells.xlsx"
    wb.save(path)
    assert_no_crash(engine, path)


def test_the_zip_mutations_start_from_a_readable_workbook():
    """The mutation tests mean something only if their starting point is a workbook perflint reads."""
    with zipfile.ZipFile(io.BytesIO(_form_workbook())) as zf:
        assert "xl/workbook.xml" in zf.namelist()


# ---- the sniffer's count of a sheet's extent agrees with calamine's ----------------------------------
@st.composite
def sparse_sheets(draw):
    """Sheet XML with cells placed by `r`, by position, or styled but empty (which calamine ignores)."""
    from make_corpus import _col

    rows, r = [], 0
    for _ in range(draw(st.integers(1, 6))):
        r += draw(st.integers(1, 40))
        cells, c = [], -1
        for _ in range(draw(st.integers(0, 5))):
            c += draw(st.integers(1, 30))
            how = draw(st.sampled_from(["ref", "positional", "styled-empty"]))
            if how == "ref":
                cells.append(f'<c r="{_col(c)}{r}"><v>{c}</v></c>')
            elif how == "positional":
                c_here = c
                cells.append(f"<c><v>{c_here}</v></c>")
            else:
                cells.append(f'<c r="{_col(c)}{r}" s="1"/>')
        explicit_row = draw(st.booleans())
        rows.append((f'<row r="{r}">' if explicit_row else "<row>") + "".join(cells) + "</row>")
        if not explicit_row:
            r = len(rows) if r < len(rows) else r
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{"".join(rows)}</sheetData></worksheet>')


@settings(max_examples=40, deadline=None)
@given(xml=sparse_sheets(), max_rows=st.integers(1, 120), max_columns=st.integers(1, 60))
def test_sheet_extent_matches_calamine(workdir, xml, max_rows, max_columns):
    import python_calamine

    from perflint.readers import Limits
    from perflint.readers.sniff import _sheet_extent

    path = workdir / "sparse.xlsx"
    path.write_bytes(tiny_xlsx(sheet=xml))
    try:
        sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception:
        return  # calamine refuses the layout itself: nothing to agree on
    height = sheet.height if sheet.to_python() else 0
    width = sheet.width if sheet.to_python() else 0
    limits = Limits(max_rows=max_rows, max_columns=max_columns)
    with zipfile.ZipFile(path) as zf:
        found = _sheet_extent(zf, zf.getinfo("xl/worksheets/sheet1.xml"), limits)
    if height > max_rows:  # the scan stops at the first limit it passes, whichever comes first
        assert found is not None and found[0] in ("max_rows", "max_columns")
    elif width > max_columns:
        assert found is not None and found[0] == "max_columns" and max_columns < found[1] <= width
    else:
        assert found is None


# ---- HTML tables saved as .xls --------------------------------------------------------------------
html_pieces = st.sampled_from([
    "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>", '<td colspan="3">', '<td rowspan="2">',
    '<td colspan="-1">', '<td rowspan="x">', '<td x:num="1300">', "<br>", "&nbsp;", "&#xD800;", "&amp;", "<script>",
    "</script>", "项目名称", "年度资金总额", "1300", "产出指标", "数量指标", "≥95%", "<title>", "</title>",
    '<meta charset="gb2312">', "<!--", "-->", "<", ">", "\x00",
])


@FAST
@given(pieces=st.lists(html_pieces, min_size=1, max_size=60), encoding=st.sampled_from(["utf-8", "gb18030"]))
def test_random_html_never_crashes_a_reader(engine, workdir, pieces, encoding):
    path = workdir / "export.xls"
    path.write_bytes(("<html><body>" + "".join(pieces)).encode(encoding))
    assert_no_crash(engine, path)
