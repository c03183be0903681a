"""Hostile and broken input: every file of the generated corpus gets a clear finding, never a crash."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "hostile"))

from make_corpus import CASES, HTML_TABLE, cfb, legacy_xls, make_corpus, sheet_xml, tiny_xlsx  # noqa: E402
from perflint.api import check_paths  # noqa: E402
from perflint.catalogue import default_catalogue  # noqa: E402
from perflint.data import DataError  # noqa: E402
from perflint.readers import Limits, ReaderOptions, read_path  # noqa: E402
from perflint.readers.html_table import TooLarge, decode_html, parse_tables  # noqa: E402
from perflint.readers.sniff import sniff  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BY_NAME = {c.name: c for c in CASES}


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout's perflint, from any folder
    return subprocess.run([sys.executable, "-m", "perflint", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    make_corpus(folder)
    return folder


@pytest.fixture(scope="module")
def corpus_results(corpus) -> dict[str, object]:
    results = check_paths([str(corpus)])
    return {os.path.basename(r.path): r for r in results}




@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_hostile_file_gets_its_finding(case, corpus_results):
    result = corpus_results[case.name]
    findings = list(result.all_findings())
    assert result.verdict == "return", f"{case.name} must never pass"
    matching = [f for f in findings if f.code == case.code]
    assert matching, f"{case.name}: expected {case.code}, got {[(f.code, f.message) for f in findings]}"
    assert all(f.code != "F006" for f in findings), "no rule may crash on what a reader let through"
    assert not any("读取文件时出错" in f.message for f in findings), "a reader bug surfaced as an internal error"
    if case.phrase:
        assert any(case.phrase in f.message for f in matching), [f.message for f in matching]


def test_corpus_covers_every_file_written(corpus, corpus_results):
    assert sorted(corpus_results) == sorted(p.name for p in corpus.iterdir())


def test_cli_over_the_corpus_exits_1_without_traceback(corpus):
    proc = run_cli("check", str(corpus), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    report = json.loads(proc.stdout)
    assert len(report["files"]) == len(CASES)
    assert all(f["verdict"] == "return" for f in report["files"])
    for f in report["files"]:
        messages = [x["message"] for x in f["findings"]] + [x["message"] for d in f["documents"] for x in d["findings"]]
        assert messages, f"{f['path']} returned without saying why"


def test_cli_text_output_names_the_problem(corpus):
    target = corpus / "encrypted.xlsx"
    proc = run_cli("check", str(target), "--format", "rich")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "文件已加密，请取消密码后重新提交" in proc.stdout


def test_english_messages_too(corpus):
    results = check_paths([str(corpus / "csv_renamed.xlsx"), str(corpus / "zip_bomb_ratio.xlsx")], lang="en")
    messages = [f.message for r in results for f in r.all_findings()]
    assert any("CSV" in m and "save it as .xlsx" in m for m in messages)
    assert any("max_compression_ratio" in m and "zip bomb" in m for m in messages)


# ---- limits --------------------------------------------------------------------------------
def test_limits_names_are_known_and_validated():
    assert Limits.from_mapping({"max_rows": 10}).max_rows == 10
    with pytest.raises(DataError, match="max_row"):
        Limits.from_mapping({"max_row": 10})
    with pytest.raises(DataError):
        Limits.from_mapping({"max_file_bytes": 0})
    with pytest.raises(DataError):
        Limits.from_mapping({"max_json_depth": True})


def test_every_limit_has_a_message_naming_it():
    variants = default_catalogue()["F007"].variants
    for name in Limits.__dataclass_fields__:
        assert name in variants and name in variants[name]["zh"] and name in variants[name]["en"]


def test_file_size_limit_from_perflint_toml(tmp_path):
    (tmp_path / "perflint.toml").write_text("[limits]\nmax_file_bytes = 100\n", encoding="utf-8")
    doc = tmp_path / "big.json"
    doc.write_text(json.dumps({"form": "project_target", "pad": "x" * 200}), encoding="utf-8")
    proc = run_cli("check", str(doc), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    findings = json.loads(proc.stdout)["files"][0]["findings"]
    assert [f["code"] for f in findings] == ["F007"] and "max_file_bytes" in findings[0]["message"]


def test_json_depth_limit_is_configurable(tmp_path):
    doc = tmp_path / "nested.json"
    doc.write_text('{"form": "project_target", "x": [[[[1]]]]}', encoding="utf-8")
    assert [c for c, _ in read_path(str(doc)).hits if c == "F007"] == []
    hits = read_path(str(doc), ReaderOptions(Limits(max_json_depth=3))).hits
    assert [(c, h.args["limit"]) for c, h in hits] == [("F007", "max_json_depth")]


def test_zip_limits_read_the_central_directory_only(tmp_path):
    """A declared 4 GB part is refused in milliseconds: nothing is decompressed to find out."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(BY_NAME["zip_bomb_declared.xlsx"].build())
    started = time.perf_counter()
    hits = read_path(str(path)).hits
    assert time.perf_counter() - started < 1.0
    assert [(c, h.args["limit"]) for c, h in hits] == [("F007", "max_decompressed_bytes")]


@pytest.mark.parametrize("limit,value", [("max_decompressed_bytes", 2000), ("max_part_bytes", 1000),
                                         ("max_compression_ratio", 2.0)])
def test_zip_limits_are_configurable(tmp_path, limit, value, monkeypatch):
    import perflint.readers.sniff as sniff_mod

    monkeypatch.setattr(sniff_mod, "RATIO_FLOOR_BYTES", 0)
    path = tmp_path / "book.xlsx"
    path.write_bytes(tiny_xlsx([["项目名称"] * 5 for _ in range(50)]))
    hits = read_path(str(path), ReaderOptions(Limits(**{limit: value}))).hits
    assert [(c, h.args["limit"]) for c, h in hits] == [("F007", limit)]


@pytest.mark.parametrize("limit,rows", [("max_rows", [["a"]] * 6), ("max_columns", [list(range(6))])])
def test_sheet_limits_are_enforced_by_the_workbook_reader(tmp_path, limit, rows):
    path = tmp_path / "book.xlsx"
    path.write_bytes(tiny_xlsx(rows))
    hits = read_path(str(path), ReaderOptions(Limits(**{limit: 5}))).hits
    assert ("F007", limit) in [(c, h.args.get("limit")) for c, h in hits]
    assert not [c for c, h in read_path(str(path), ReaderOptions(Limits(**{limit: 6}))).hits if c == "F007"]


# ---- XML entities ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["billion_laughs.xlsx", "xxe.xlsx", "padded_prolog.xlsx"])
def test_calamine_itself_refuses_entities(tmp_path, name):
    """Second line of defence: even past the sniffer, python-calamine never expands an entity."""
    import python_calamine

    path = tmp_path / name
    path.write_bytes(BY_NAME[name].build())
    with pytest.raises(Exception, match="entity"):
        python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


@pytest.mark.parametrize("name", ["billion_laughs.xlsx", "xxe.xlsx"])
def test_workbook_reader_never_expands_entities(tmp_path, name):
    """The workbook reader's own look at the XML (formulas, percent styles) expands nothing either."""
    from perflint.readers.excel import read_workbook

    path = tmp_path / name
    path.write_bytes(BY_NAME[name].build())
    started = time.perf_counter()
    outcome = read_workbook(str(path), ReaderOptions())
    assert time.perf_counter() - started < 2.0
    assert outcome.hits and not outcome.documents
    assert all("root:" not in str(dict(h.args)) and "lollol" not in str(dict(h.args)) for _, h in outcome.hits)


def test_doctype_in_any_part_is_refused(tmp_path):
    styles = b'<?xml version="1.0"?>\n<!DOCTYPE s [<!ENTITY a "b">]><styleSheet/>'
    path = tmp_path / "book.xlsx"
    path.write_bytes(tiny_xlsx(extra={"xl/styles.xml": styles}))
    hits = read_path(str(path)).hits
    assert [(c, h.variant, h.args["part"]) for c, h in hits] == [("F001", "xml_entities", "xl/styles.xml")]


def test_utf16_doctype_is_refused(tmp_path):
    styles = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE s [<!ENTITY a "b">]><styleSheet/>'.encode("utf-16")
    path = tmp_path / "book.xlsx"
    path.write_bytes(tiny_xlsx(extra={"xl/styles.xml": styles}))
    assert [h.variant for _, h in read_path(str(path)).hits] == ["xml_entities"]


def test_plain_workbook_passes_the_sniffer(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(tiny_xlsx())
    assert sniff(str(path), ".xlsx", Limits()).read_as == "xlsx"


# ---- what a file really is ---------------------------------------------------------------------
def test_legacy_xls_is_recognised_under_any_excel_name(tmp_path):
    for suffix in (".xls", ".xlsx", ".xlsm"):
        path = tmp_path / f"book{suffix}"
        path.write_bytes(legacy_xls())
        sniffed = sniff(str(path), suffix, Limits())
        assert (sniffed.read_as, sniffed.hits) == ("xls", [])


def test_ole2_with_encrypted_package_is_encrypted_whatever_its_streams_order(tmp_path):
    path = tmp_path / "enc.xlsx"
    path.write_bytes(cfb({"\x06DataSpaces": b"x" * 10, "EncryptedPackage": b"y" * 10, "EncryptionInfo": b"z"}))
    assert [(c, h.variant) for c, h in sniff(str(path), ".xlsx", Limits()).hits] == [("F001", "encrypted")]


def test_password_protected_zip_entries_are_encrypted(tmp_path):
    blob = bytearray(tiny_xlsx())
    pos = blob.find(b"PK\x01\x02")
    while pos != -1:  # set the "encrypted" flag in every central directory entry
        blob[pos + 8] |= 0x1
        pos = blob.find(b"PK\x01\x02", pos + 4)
    path = tmp_path / "locked.xlsx"
    path.write_bytes(bytes(blob))
    assert [h.variant for _, h in read_path(str(path)).hits] == ["encrypted"]


def test_unsupported_suffix_and_missing_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("x", encoding="utf-8")
    assert [h.variant for _, h in read_path(str(path)).hits] == ["suffix"]
    assert [h.variant for _, h in read_path(str(tmp_path / "gone.xlsx")).hits] == ["io"]
    assert [h.variant for _, h in read_path(str(tmp_path)).hits] == ["not_regular"]


def test_utf8_bom_json_is_simply_read(tmp_path):
    base = json.loads((ROOT / "tests/fixtures/_base/project_target.json").read_text(encoding="utf-8"))
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(base, ensure_ascii=False).encode("utf-8"))
    outcome = read_path(str(path))
    assert outcome.hits == [] and len(outcome.documents) == 1


# ---- HTML tables -------------------------------------------------------------------------------
def test_html_table_grid_follows_excel_layout():
    _title, tables = parse_tables(decode_html(HTML_TABLE.encode("gbk"), None), Limits())
    assert tables == [[["单位名称", None, "示例区教育局"], ["序号", "事项", 1300]]]


def test_html_rowspan_keeps_later_cells_in_their_columns():
    html = ("<table><tr><td rowspan=2>绩效指标</td><td>数量指标</td><td>≥95%</td></tr>"
            "<tr><td>质量指标</td><td>100%</td></tr></table>")
    _t, tables = parse_tables(html, Limits())
    assert tables == [[["绩效指标", "数量指标", "≥95%"], [None, "质量指标", "100%"]]]


def test_html_nested_tables_and_scripts():
    html = ("<table><tr><td>外<table><tr><td>内</td></tr></table></td><td>2</td></tr></table>"
            "<script>var t = '<table><tr><td>x</td></tr></table>';</script>")
    _t, tables = parse_tables(html, Limits())
    assert ["内"] in [row for t in tables for row in t]
    assert all("x" not in row for t in tables for row in t)


@pytest.mark.parametrize("html,limit", [
    ('<table><tr><td colspan="999999999">x</td></tr></table>', "max_columns"),
    ('<table><tr><td rowspan="999999999">x</td></tr></table>', "max_rows"),
    ("<table>" + "<tr><td>1</td></tr>" * 30 + "</table>", "max_rows"),
])
def test_html_spans_cannot_outgrow_the_limits(html, limit):
    with pytest.raises(TooLarge) as err:
        parse_tables(html, Limits(max_rows=20, max_columns=20))
    assert err.value.limit == limit


def test_html_declared_charset_wins():
    raw = '<meta charset="gbk"><table><tr><td>项目名称</td></tr></table>'.encode("gbk")
    assert parse_tables(decode_html(raw, "utf-8"), Limits())[1] == [[["项目名称"]]]


SAMPLE_XLSX = sorted((ROOT / "samples" / "xlsx").glob("*.xlsx")) if (ROOT / "samples" / "xlsx").is_dir() else []


def html_export(xlsx: Path, out: Path) -> str:
    """Write the first form sheet as an old system would: one GBK HTML table, merges as spans,
    percentages shown formatted with the number in x:num (as Excel's own HTML export does)."""
    import openpyxl

    wb = openpyxl.load_workbook(xlsx, data_only=True)
    ws = [w for w in wb.worksheets if w.sheet_state == "visible" and w.title != "填报说明"][0]
    spans, covered = {}, set()
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
        covered |= {(r, c) for r in range(rng.min_row, rng.max_row + 1) for c in range(rng.min_col, rng.max_col + 1)
                    if (r, c) != (rng.min_row, rng.min_col)}
    rows = []
    for r in range(1, ws.max_row + 1):
        cells = []
        for c in range(1, ws.max_column + 1):
            if (r, c) in covered:
                continue
            cell = ws.cell(r, c)
            attrs = ' rowspan="{}" colspan="{}"'.format(*spans[(r, c)]) if (r, c) in spans else ""
            if isinstance(cell.value, (int, float)) and "%" in cell.number_format:
                cells.append(f'<td{attrs} x:num="{cell.value}">{cell.value * 100:.2f}%</td>')
            else:
                cells.append(f"<td{attrs}>{'' if cell.value is None else cell.value}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    page = ('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="gb2312"></head>'
            f"<body><table border=1>{''.join(rows)}</table></body></html>")
    out.write_bytes(page.encode("gb18030"))
    return ws.title


@pytest.mark.skipif(not SAMPLE_XLSX, reason="no sample workbooks")
@pytest.mark.parametrize("sample", SAMPLE_XLSX, ids=[p.stem for p in SAMPLE_XLSX])
def test_html_table_of_a_form_reads_like_the_workbook(tmp_path, sample):
    """An old system's HTML export of a form (saved as .xls) gives the workbook's very document."""
    from perflint.model import thaw

    sheet = html_export(sample, tmp_path / "export.xls")
    from_html = read_path(str(tmp_path / "export.xls"))
    from_xlsx = [d for d in read_path(str(sample)).documents if d.sheet == sheet][0]
    assert len(from_html.documents) == 1, [(c, dict(h.args)) for c, h in from_html.hits]
    doc = from_html.documents[0]
    assert doc.kind == from_xlsx.kind
    # waivers live on a sheet of their own, which a one-table export does not carry
    expected = {k: v for k, v in thaw(from_xlsx.data).items() if k != "waivers"}
    assert thaw(doc.data) == expected
    cells = {p: c.cell for p, c in from_xlsx.locations.items() if not p.startswith("/waivers")}
    assert {p: c.cell for p, c in doc.locations.items()} == cells


# ---- rule crashes -------------------------------------------------------------------------------
def test_a_crashing_rule_is_F006_for_that_document_only(tmp_path, monkeypatch):
    import perflint.checks as checks_mod

    base = json.loads((ROOT / "tests/fixtures/_base/project_target.json").read_text(encoding="utf-8"))
    good, bad = dict(base), dict(base, fiscal_year=2024)
    (tmp_path / "a_bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "b_good.json").write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    real = checks_mod.load_rules

    def boom(doc, ctx):
        if doc.data.get("fiscal_year") == 2024:
            raise ZeroDivisionError("division by zero")
        return iter(())

    def patched(catalogue):
        rules = dict(real(catalogue))
        rules["A201"] = boom
        return rules

    monkeypatch.setattr(checks_mod, "load_rules", patched)
    results = {Path(r.path).name: r for r in check_paths([str(tmp_path)])}
    bad_codes = [f.code for f in results["a_bad.json"].all_findings()]
    assert bad_codes.count("F006") == 1
    f006 = next(f for f in results["a_bad.json"].all_findings() if f.code == "F006")
    assert "A201" in f006.message and "ZeroDivisionError" in f006.message
    assert results["a_bad.json"].verdict == "return"
    # alone in its run, the good document only hears what history could not verify (H500)
    assert [f.code for f in results["b_good.json"].all_findings() if f.code != "H500"] == []
    assert results["b_good.json"].verdict == "pass"


# ---- odd files and hand-edited JSON ----------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_named_like_a_submission_is_refused_not_waited_on(tmp_path):
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    proc = run_cli("check", str(pipe), "--format", "json")  # a regression would hang: run_cli has a timeout
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["files"][0]["findings"]
    assert [f["code"] for f in findings] == ["F001"] and "不是普通文件" in findings[0]["message"]


@pytest.mark.parametrize("text,phrase", [('{"a": 1,}', "多了逗号"), ('{"a" 1}', "冒号"), ('{"a": "x', "双引号"),
                                         ("{} x", "多余的字符")])
def test_json_syntax_errors_are_explained_in_chinese(tmp_path, text, phrase):
    path = tmp_path / "hand_edited.json"
    path.write_text(text, encoding="utf-8")
    results = check_paths([str(path)])
    messages = [f.message for r in results for f in r.all_findings()]
    assert len(messages) == 1 and phrase in messages[0] and "第 1 行" in messages[0]


@pytest.mark.parametrize("text,word", [("[1]", "数组"), ('"x"', "字符串"), ("null", "null")])
def test_json_top_level_type_is_named(tmp_path, text, word):
    path = tmp_path / "top.json"
    path.write_text(text, encoding="utf-8")
    messages = [f.message for r in check_paths([str(path)]) for f in r.all_findings()]
    assert [m for m in messages if word in m and "对象" in m]


def test_a_parser_panic_is_a_finding_but_other_base_exceptions_pass_through(tmp_path, monkeypatch):
    """pyo3 raises a Rust panic as PanicException (a BaseException): that is the file's problem. A
    per-file timeout or Ctrl-C is also a BaseException, and must stop the check, not become F001."""
    import perflint.readers.sniff as sniff_mod

    path = tmp_path / "panic.xls"
    path.write_bytes(BY_NAME["xls_short_bof.xls"].build())
    monkeypatch.setattr(sniff_mod, "_biff_scan", lambda *a: None)  # let it reach the parser
    hits = read_path(str(path)).hits
    assert [(c, h.variant) for c, h in hits] == [("F001", "workbook")] and "解析库" in hits[0][1].args["error"]

    class Stop(BaseException):
        pass

    def stop(*args, **kwargs):
        raise Stop()

    monkeypatch.setattr(sniff_mod, "sniff", stop)
    with pytest.raises(Stop):
        read_path(str(path))
    monkeypatch.setattr(sniff_mod, "sniff", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        read_path(str(path))


def test_lone_surrogate_is_refused_at_its_field(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"form": "project_target", "indicators": [{"name": "ok"}, {"name": "a\\udc80b"}]}',
                    encoding="utf-8")
    hits = read_path(str(path)).hits
    assert [(c, h.pointer, h.variant) for c, h in hits] == [("F001", "/indicators/1/name", "json_surrogate")]
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("rows", [
    "<row r='1'><c r='A1'><v>0</v></c><c r='XFD1048576'><v>1</v></c></row>",  # single quotes
    '<row r="1"><c foo=">" r="XFD1048576"><v>1</v></c><c r="A1"><v>0</v></c></row>',  # ">" inside a value
    '<row r="1"><c r="A1"><v>0</v></c><c r="B1"r="XFD1048576"><v>1</v></c></row>',  # a second r, no space
    '<row r="1"><c r="A1"><v>0</v></c><c r="A99999999999"><v>1</v></c></row>',  # wraps to row 1215752191
    '<row r="1"><c r="A1"><v>0</v></c></row><row r="500000"><c><v>1</v></c></row>',  # placed by its row
    '<row r="1"><c r="A1"><v>0</v></c><c r="c1048576"><v>1</v></c></row>',  # lower-case column
    '<row r="1"><c r="A1"><v>0</v></c></row><row r="1048576">'  # cells placed by position, with as
    + '<c t="inlineStr"><is><t>r="A1"</t></is></c>' * 300 + "</row>",  # many r= in text to balance them
    # the same tags with a namespace prefix (the sniffer finds unprefixed tags the quick way)
    '<x:row r="1"><x:c r="A1"><x:v>0</x:v></x:c></x:row><x:row r="1048576"><x:c r="A1048576"><x:v>1</x:v>'
    '</x:c></x:row>',
    '<row r="1"><c r="A1"><v>0</v></c></row><x:row r="1048576"><x:c><x:v>1</x:v></x:c></x:row>',
], ids=["single-quotes", "gt-in-value", "duplicate-r", "u32-wrap", "positional", "lower-case", "balanced-text",
        "prefixed", "prefixed-positional"])
def test_sheet_extent_tricks_are_seen_through(tmp_path, rows):
    """Each of these once reached python-calamine with a dense grid of billions of cells (an abort)."""
    xml = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
           f'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')
    path = tmp_path / "tricky.xlsx"
    path.write_bytes(tiny_xlsx(sheet=xml))
    hits = sniff(str(path), ".xlsx", Limits()).hits  # the sniffer alone: a regression fails, not aborts
    assert [(c, h.variant) for c, h in hits] == [("F007", "max_rows")]


def test_a_worksheet_under_another_extension_is_still_counted(tmp_path):
    """The parser follows the relationships, so a sheet stored as sheet1.dat is read all the same."""
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    src = zipfile.ZipFile(io.BytesIO(tiny_xlsx(sheet=sheet_xml([["项目名称"]]).replace("</sheetData>", far))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in src.namelist():
            data = src.read(name).replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.dat")
            zf.writestr(name.replace("sheet1.xml", "sheet1.dat"), data)
    path = tmp_path / "renamed_part.xlsx"
    path.write_bytes(out.getvalue())
    assert [(c, h.variant) for c, h in sniff(str(path), ".xlsx", Limits()).hits] == [("F007", "max_rows")]


def test_a_small_legacy_workbook_in_the_mini_stream_is_read(tmp_path):
    """Small streams live in 64-byte mini sectors; the sniffer follows them as the parser does."""
    from make_corpus import small_xls

    path = tmp_path / "small.xls"
    path.write_bytes(small_xls())
    assert sniff(str(path), ".xls", Limits()).read_as == "xls"
    hits = read_path(str(path)).hits
    assert [(c, h.variant, h.args.get("sheets")) for c, h in hits] == [("F002", "no_form", "说明")]


def _sniff_summary(sniffed):
    return sniffed.read_as, [(code, hit.variant, hit.pointer, dict(hit.args)) for code, hit in sniffed.hits]


def test_the_sniffer_judges_bytes_in_memory_as_it_judges_the_file(corpus):
    """`read_path` reads a file once and sniffs the bytes; the same file sniffed from disk agrees."""
    paths = sorted(p for p in corpus.iterdir() if p.is_file())
    paths += sorted(p for p in (ROOT / "samples").rglob("*") if p.suffix in (".xlsx", ".xls", ".json"))
    compared = 0
    for path in paths:
        suffix = path.suffix.lower()
        from_disk = sniff(str(path), suffix, Limits())
        in_memory = sniff(str(path), suffix, Limits(), path.read_bytes())
        assert _sniff_summary(in_memory) == _sniff_summary(from_disk), path.name
        if in_memory.read_as == "xlsx":  # what it decompressed whole is the part itself
            with zipfile.ZipFile(path) as zf:
                for name, data in in_memory.parts.items():
                    if data is not None:
                        assert data == zf.read(name), (path.name, name)
        compared += 1
    assert compared > len(CASES)


def _damaged_copies(tmp_path: Path) -> list[Path]:
    """A sample workbook damaged in the ways a part can be: a flipped CRC, a cut deflate stream,
    a local header naming another part, a stored (uncompressed) part."""
    src = min((ROOT / "samples" / "xlsx").glob("*.xlsx"))
    data = src.read_bytes()
    with zipfile.ZipFile(src) as zf:
        sheet = next(i for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    out = []

    def write(name: str, blob: bytes) -> None:
        path = tmp_path / name
        path.write_bytes(blob)
        out.append(path)

    # the CRC in the sheet's central directory entry (16 bytes into the record)
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        name_len = int.from_bytes(data[entry + 28:entry + 30], "little")
        if data[entry + 46:entry + 46 + name_len] == sheet.filename.encode():
            break
        entry = data.find(b"PK\x01\x02", entry + 4)
    assert entry != -1
    crc = bytearray(data)
    crc[entry + 16] ^= 0xFF
    write("bad_crc.xlsx", bytes(crc))
    # the deflate stream of the sheet cut short (zeroed), sizes unchanged
    at = sheet.header_offset + 30 + len(sheet.filename) + len(sheet.extra)
    cut = bytearray(data)
    cut[at + sheet.compress_size // 2: at + sheet.compress_size] = bytes(sheet.compress_size - sheet.compress_size // 2)
    write("cut_stream.xlsx", bytes(cut))
    # the local header names another part
    renamed = bytearray(data)
    renamed[sheet.header_offset + 30] = ord("Y")
    write("renamed_local.xlsx", bytes(renamed))
    # every part stored, not deflated
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    out.append(stored)
    return out


def test_damaged_parts_are_judged_alike_in_memory_and_from_disk(tmp_path):
    """The in-memory sniffer inflates parts itself; where a part is damaged it must fail as zipfile does."""
    verdicts = {}
    for path in _damaged_copies(tmp_path):
        from_disk = sniff(str(path), ".xlsx", Limits())
        in_memory = sniff(str(path), ".xlsx", Limits(), path.read_bytes())
        assert _sniff_summary(in_memory) == _sniff_summary(from_disk), path.name
        verdicts[path.name] = [(code, hit.variant) for code, hit in in_memory.hits]
    assert verdicts == {
        "bad_crc.xlsx": [("F001", "corrupt_zip")],
        "cut_stream.xlsx": [("F001", "corrupt_zip")],
        "renamed_local.xlsx": [("F001", "corrupt_zip")],
        "stored.xlsx": [],
    }


def test_a_damaged_copy_read_after_its_intact_original_is_still_damaged(tmp_path):
    """The sniffer keeps the verdicts of parts it has seen (template parts repeat across a batch):
    a part whose CRC or stream differs is judged afresh, never taken for the intact one."""
    src = min((ROOT / "samples" / "xlsx").glob("*.xlsx"))
    intact = src.read_bytes()
    for path in _damaged_copies(tmp_path):
        assert not sniff(str(src), ".xlsx", Limits(), intact).hits
        damaged = sniff(str(path), ".xlsx", Limits(), path.read_bytes())
        assert _sniff_summary(damaged) == _sniff_summary(sniff(str(path), ".xlsx", Limits())), path.name
        assert [code for code, _ in damaged.hits] == ([] if path.name == "stored.xlsx" else ["F001"]), path.name
