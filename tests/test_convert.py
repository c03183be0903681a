"""`perflint convert`: canonical JSON, one file per document, with the same findings as the workbook."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perflint.api import check_paths
from perflint.convert import convert_files
from perflint.template import write_template, write_workbook
from tests.fixturelib import base_document

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_BOOKS = sorted(p for p in (ROOT / "samples" / "xlsx").iterdir() if p.suffix in (".xlsx", ".xlsm")) + \
    sorted((ROOT / "samples" / "xls").glob("*.xls"))
WORKBOOK_ONLY = {"F008", "F009", "F012"}  # notes on how a workbook was read: skipped sheets, spare rows, hidden cells


def _convert(files, out_dir):
    out, err = io.StringIO(), io.StringIO()
    code = convert_files([str(f) for f in files], out_dir, "national", stdout=out, stderr=err)
    return code, [Path(line) for line in out.getvalue().splitlines()], err.getvalue()


def _by_document(path: Path) -> list[list[tuple]]:
    (result,) = check_paths([str(path)])
    return [sorted((f.code, f.location.pointer, f.waived) for f in doc.findings if f.code not in WORKBOOK_ONLY)
            for doc in result.documents]


@pytest.mark.parametrize("book", SAMPLE_BOOKS, ids=lambda p: p.name)
def test_converted_sample_checks_like_the_workbook(book, tmp_path):
    code, written, err = _convert([book], tmp_path)
    assert code == 0, err
    # JSON has no formulas: a formula without a computed value is kept as its text, an F004 at the same place
    from_workbook = [sorted(("F004" if code == "F005" else code, ptr, waived) for code, ptr, waived in doc)
                     for doc in _by_document(book)]
    assert len(written) == len(from_workbook)
    from_json = [found for path in written for found in _by_document(path)]
    assert from_json == from_workbook


def test_one_file_per_document_named_by_sheet(tmp_path):
    book = tmp_path / "卫健局.xlsx"
    write_workbook(book, [(base_document("project_target"), "reference"), (base_document("dept_target"), "reference")],
                   sheet_names=["项目 目标", "部门目标"])
    code, written, _ = _convert([book], tmp_path / "out")
    assert code == 0
    assert [p.name for p in written] == ["卫健局.项目_目标.json", "卫健局.部门目标.json"]
    forms = [json.loads(p.read_text(encoding="utf-8"))["form"] for p in written]
    assert forms == ["project_target", "dept_target"]


def test_output_is_canonical_and_stable(tmp_path):
    book = tmp_path / "a.xlsx"
    doc = base_document("project_selfeval")
    write_template("project_selfeval", book, doc, "national")
    _, (first,), _ = _convert([book], tmp_path / "one")
    _, (second,), _ = _convert([book], tmp_path / "two")
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert "受益学生人数" in text and text.endswith("\n"), "readable Chinese, one trailing newline"
    data = json.loads(text)
    assert data["indicators"][0]["target"] == 32000 and data["indicators"][0]["operator"] == "≥"
    assert data["funds"]["total"]["adjusted"] == 1250


def test_beside_the_input_by_default_and_never_over_it(tmp_path):
    book = tmp_path / "营养改善.xlsx"
    write_template("project_target", book, base_document("project_target"))
    code, written, _ = _convert([book], None)
    assert code == 0 and written == [tmp_path / "营养改善.json"]
    source = tmp_path / "营养改善.json"
    before = source.read_bytes()
    code, written, _ = _convert([source], None)
    assert code == 0 and written == [tmp_path / "营养改善.canonical.json"]
    assert source.read_bytes() == before


def test_same_stem_in_two_formats_keeps_both(tmp_path):
    for suffix in (".xlsx", ".xls"):
        write_template("dept_target", tmp_path / f"部门{suffix}", base_document("dept_target"))
    code, written, _ = _convert([tmp_path / "部门.xlsx", tmp_path / "部门.xls"], tmp_path / "out")
    assert code == 0 and len(set(written)) == 2 and all(p.exists() for p in written)


def test_unreadable_and_missing_files_are_reported(tmp_path):
    broken = tmp_path / "损坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    good = tmp_path / "好.xlsx"
    write_template("dept_selfeval", good, base_document("dept_selfeval"))
    code, written, err = _convert([broken, tmp_path / "没有.xlsx", good], tmp_path / "out")
    assert code == 1
    assert "损坏.xlsx" in err and "F001" in err and "没有.xlsx" in err
    assert [p.name for p in written] == ["好.json"], "the readable file is still converted"


def test_unparseable_number_survives_conversion(tmp_path):
    doc = base_document("project_target")
    doc["funds"]["annual"]["total"] = "约1300"
    book = tmp_path / "约数.xlsx"
    write_template("project_target", book, doc)
    _, (out,), _ = _convert([book], tmp_path / "out")
    assert json.loads(out.read_text(encoding="utf-8"))["funds"]["annual"]["total"] == "约1300"
    assert ("F004", "/funds/annual/total", False) in _by_document(book)[0]
    assert _by_document(out) == _by_document(book)


def test_cell_waiver_becomes_a_pointer(tmp_path):
    doc = base_document("project_target")
    doc["funds"]["annual"]["total"] = 1310.0
    doc["waivers"] = [{"rule": "A201", "where": "/funds/annual/total", "reason": "年中追加10万元，已报财政局备案"}]
    book = tmp_path / "豁免.xlsx"
    write_template("project_target", book, doc)
    _, (out,), _ = _convert([book], tmp_path / "out")
    waivers = json.loads(out.read_text(encoding="utf-8"))["waivers"]
    assert [w["where"] for w in waivers] == ["/funds/annual/total"]
    assert ("A201", "/funds/annual/total", True) in _by_document(book)[0]
    assert _by_document(out) == _by_document(book)


def test_cli_convert(tmp_path):
    book = tmp_path / "自评.xls"
    write_template("project_selfeval", book, base_document("project_selfeval"), "provincial")
    run = subprocess.run([sys.executable, "-m", "perflint", "convert", str(book), "--to", "json", "-d", str(tmp_path / "out")],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "自评.json").exists()
    bad = subprocess.run([sys.executable, "-m", "perflint", "convert", str(book), "--to", "csv"],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2


def test_samples_folder_is_unchanged_by_conversion(tmp_path):
    copy = tmp_path / "samples"
    shutil.copytree(ROOT / "samples" / "xls", copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    code, _, _ = _convert(sorted(copy.iterdir()), None)
    assert code == 0
    assert {p.name: p.read_bytes() for p in copy.iterdir() if p.suffix == ".xls"} == before


def test_formula_without_value_is_said_not_hidden(tmp_path):
    import openpyxl

    book = tmp_path / "公式.xlsx"
    write_template("project_target", book, base_document("project_target"))
    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == 1300)
    cell.value = f"={cell.offset(row=1).coordinate}+{cell.offset(row=2).coordinate}"
    wb.save(book)
    code, (out,), err = _convert([book], tmp_path / "out")
    assert code == 0
    assert f"{ws.title}!{cell.coordinate}: F005" in err
    assert json.loads(out.read_text(encoding="utf-8"))["funds"]["annual"]["total"] == cell.value
    assert ("F005", "/funds/annual/total", False) in _by_document(book)[0]
    assert ("F004", "/funds/annual/total", False) in _by_document(out)[0], "still an error at the same place"


def test_another_input_beside_the_workbook_is_not_overwritten(tmp_path):
    doc = base_document("project_target")
    book, sibling = tmp_path / "营养改善.xlsx", tmp_path / "营养改善.json"
    write_template("project_target", book, doc)
    sibling.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = sibling.read_bytes()
    code, written, _ = _convert([book, sibling], None)
    assert code == 0 and sibling.read_bytes() == before
    assert sorted(p.name for p in written) == ["营养改善.canonical.json", "营养改善.xlsx.json"]


def test_convert_reads_labels_through_the_profile_aliases(tmp_path):
    import openpyxl

    profile = tmp_path / "myprovince.toml"
    profile.write_text('extends = "national"\n\n[aliases.labels]\n"调整后预算" = "全年预算数"\n', encoding="utf-8")
    book = tmp_path / "自评.xlsx"
    write_template("project_selfeval", book, base_document("project_selfeval"))
    wb = openpyxl.load_workbook(book)
    next(c for row in wb.worksheets[0].iter_rows() for c in row if c.value == "全年预算数").value = "调整后预算"
    wb.save(book)
    out, err = io.StringIO(), io.StringIO()
    assert convert_files([str(book)], tmp_path / "out", str(profile), stdout=out, stderr=err) == 0, err.getvalue()
    data = json.loads((tmp_path / "out" / "自评.json").read_text(encoding="utf-8"))
    assert data["funds"]["total"]["adjusted"] == 1250
