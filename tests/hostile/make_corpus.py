"""Generate the hostile-input corpus: broken, renamed, encrypted and malicious submissions.

    python tests/hostile/make_corpus.py OUT_FOLDER

Every file is built here from scratch (nothing binary is committed). Each case says which finding
perflint must give and a phrase its Chinese message must contain, so a test can check the whole
folder in one run.
"""
from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Case:
    name: str
    code: str  # the finding perflint must report on this file
    phrase: str  # a phrase its zh message must contain (the problem named)
    build: Callable[[], bytes]
    note: str = ""


# ---- small builders -------------------------------------------------------------------------
def _col(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sheet_xml(rows: list[list[object]], prolog: str = "") -> str:
    body = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_col(c)}{r}"
            if value is None:
                continue
            if isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + prolog +
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(body)}</sheetData></worksheet>')


def tiny_xlsx(rows: list[list[object]] | None = None, sheet: str | None = None,
              extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal, valid xlsx written by hand (fast enough for 20 000-row sheets)."""
    rows = rows if rows is not None else [["说明"], ["这不是绩效目标表"]]
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet if sheet is not None else sheet_xml(rows),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8") if isinstance(text, str) else text)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def cfb(streams: dict[str, bytes], mini: bool = False) -> bytes:
    """A minimal OLE2 compound file with 512-byte sectors. Streams are padded past the 4096-byte
    cutoff into regular sectors, or with `mini`, those under it go to 64-byte mini sectors inside
    the root entry's stream, as Excel stores small streams."""
    ssize, end, free, fatsect = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    small = {n: d for n, d in streams.items() if mini and len(d) < 4096}
    big = {n: d + b"\x00" * max(0, 4096 - len(d)) for n, d in streams.items() if n not in small}
    fat = [fatsect, end, end if small else free]  # 0: the FAT, 1: the directory, 2: the mini FAT
    data = b"\x00" * ssize  # sector 2
    starts: dict[str, int] = {}

    def put(blob: bytes) -> int:
        nonlocal data
        blob += b"\x00" * (-len(blob) % ssize)
        n = len(blob) // ssize
        first = len(fat)
        fat.extend(list(range(first + 1, first + n)) + [end])
        data += blob
        return first

    minifat: list[int] = []
    container = b""
    for name, blob in small.items():
        blob += b"\x00" * (-len(blob) % 64)
        first = len(minifat)
        n = len(blob) // 64
        minifat.extend(list(range(first + 1, first + n)) + [end])
        starts[name] = first
        container += blob
    root_start = put(container) if container else end
    if small:
        data = struct.pack("<128I", *(minifat + [free] * (128 - len(minifat)))) + data[ssize:]
    for name, blob in big.items():
        starts[name] = put(blob)
    assert len(fat) <= 128 and len(minifat) <= 128 and len(streams) <= 3
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", free, right, child) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
                + struct.pack("<IQ", start, size))

    sizes = {**{n: len(d) for n, d in small.items()}, **{n: len(d) for n, d in big.items()}}
    names = list(streams)
    dirs = [entry("Root Entry", 5, 1 if names else free, free, root_start, len(container))]
    for i, name in enumerate(names, 1):
        dirs.append(entry(name, 2, free, i + 1 if i < len(names) else free, starts[name], sizes[name]))
    directory = b"".join(dirs).ljust(ssize, b"\x00")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 2 if small else end, 1 if small else 0, end, 0)
              + struct.pack("<109I", 0, *([free] * 108)))
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + data


def small_xls(workbook_stream: bytes | None = None) -> bytes:
    """legacy_xls() with its Workbook stream (without xlwt's zero padding) stored in the mini stream."""
    if workbook_stream is None:
        padded = legacy_xls()[512:512 + 4096]  # xlwt writes the stream from sector 0
        pos = 0
        while pos + 4 <= len(padded):  # the records end where the zero padding starts
            rtype, length = struct.unpack_from("<HH", padded, pos)
            if rtype == 0 and length == 0:
                break
            pos += 4 + length
        workbook_stream = padded[:pos]
    return cfb({"Workbook": workbook_stream}, mini=True)


def legacy_xls() -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("说明")
    sheet.write(0, 0, "这不是绩效目标表")
    sheet.write(1, 0, 1300)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _encrypted_ooxml() -> bytes:
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\"/>"
    return cfb({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 9000) + bytes(range(256)) * 20})


def _encrypted_xls() -> bytes:
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0)
    filepass = struct.pack("<HH", 0x002F, 54) + struct.pack("<HHH", 1, 1, 2) + b"\x11" * 48
    return cfb({"Workbook": bof + filepass + b"\x00" * 64})


def _zip(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _declare_sizes(blob: bytes, sizes: dict[str, int]) -> bytes:
    """Rewrite the uncompressed sizes the central directory declares (what a bomb's directory says)."""
    out = bytearray(blob)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, pos + 28)
        name = bytes(out[pos + 46: pos + 46 + name_len]).decode("utf-8")
        if name in sizes:
            struct.pack_into("<I", out, pos + 24, sizes[name])
        pos = out.find(b"PK\x01\x02", pos + 46 + name_len + extra_len + comment_len)
    return bytes(out)


def _truncated() -> bytes:
    blob = tiny_xlsx()
    return blob[: len(blob) // 2]


def _corrupt_member() -> bytes:
    blob = bytearray(tiny_xlsx([[f"第{i}行数据"] for i in range(400)]))
    info = zipfile.ZipFile(io.BytesIO(bytes(blob))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 20, start + 60):
        blob[k] ^= 0x5A
    return bytes(blob)


_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
           + "]>")


def _billion_laughs() -> bytes:
    return tiny_xlsx(sheet=sheet_xml([["&lol9;"]], prolog=_LAUGHS).replace("<t>&amp;lol9;</t>", "<t>&lol9;</t>"))


def _xxe() -> bytes:
    prolog = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return tiny_xlsx(sheet=sheet_xml([["&xxe;"]], prolog=prolog).replace("<t>&amp;xxe;</t>", "<t>&xxe;</t>"))


def _padded_prolog() -> bytes:
    prolog = "<!--" + "x" * (70 * 1024) + "-->" + '<!DOCTYPE x [<!ENTITY e "boom">]>'
    return tiny_xlsx(sheet=sheet_xml([["&e;"]], prolog=prolog).replace("<t>&amp;e;</t>", "<t>&e;</t>"))


def _far_cell() -> bytes:
    """Two cells, A1 and XFD1048576: a 1 KB file whose dense grid would be half a terabyte."""
    return tiny_xlsx(sheet=sheet_xml([["项目名称"]]).replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))


def _far_cell_xls() -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("绩效目标表")
    sheet.write(0, 0, "项目名称")
    sheet.write(65535, 255, 1)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _patched_xls(record: int, offset: int, fmt: str, value: int) -> bytes:
    """legacy_xls() with one field of its first `record` record overwritten (xlwt writes the
    Workbook stream from sector 0, so file offset 512 is the stream's start)."""
    blob = bytearray(legacy_xls())
    assert blob[512:514] == b"\x09\x08", "the Workbook stream starts with its BOF"
    pos = 512
    while pos + 4 <= len(blob):
        rtype, length = struct.unpack_from("<HH", blob, pos)
        if rtype == record:
            struct.pack_into(fmt, blob, pos + 4 + offset, value)
            return bytes(blob)
        pos += 4 + length
    raise ValueError(f"no record {record:#06x}")


def _small_xls_huge_dimensions() -> bytes:
    """The same DIMENSIONS lie in a workbook small enough to live in the OLE2 mini stream."""
    patched = _patched_xls(0x0200, 4, "<I", 4_000_000_000)
    padded = patched[512:512 + 4096]
    pos = 0
    while pos + 4 <= len(padded):
        rtype, length = struct.unpack_from("<HH", padded, pos)
        if rtype == 0 and length == 0:
            break
        pos += 4 + length
    return small_xls(padded[:pos])


def _short_bof() -> bytes:
    """A first BOF record of length 0: python-calamine panics (a Rust panic, not an exception)."""
    blob = bytearray(legacy_xls())
    struct.pack_into("<H", blob, 514, 0)
    return bytes(blob)


def _lying_shared_strings() -> bytes:
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           '2006/main" count="4000000000" uniqueCount="4000000000"><si><t>项目名称</t></si></sst>')
    sheet = sheet_xml([]).replace("<sheetData></sheetData>",
                                  '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>')
    return tiny_xlsx(sheet=sheet, extra={"xl/sharedStrings.xml": sst.encode("utf-8")})


def _ratio_bomb() -> bytes:
    return tiny_xlsx(extra={"xl/media/padding.bin": b"\x00" * (3 * 1024 * 1024)})


HTML_TABLE = """<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>导出</title></head><body>
<table border="1"><tr><td colspan="2">单位名称</td><td>示例区教育局</td></tr>
<tr><td>序号</td><td>事项</td><td x:num="1300">1,300.00</td></tr></table></body></html>"""

SPREADSHEETML = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Sheet1"><Table><Row><Cell><Data ss:Type="String">项目名称</Data></Cell></Row></Table></Worksheet>
</Workbook>"""

CASES: list[Case] = [
    # empty and damaged
    Case("empty.xlsx", "F001", "空", lambda: b""),
    Case("blank.json", "F001", "空", lambda: b"  \r\n\t "),
    Case("truncated.xlsx", "F001", "损坏或不完整", _truncated),
    Case("corrupt_member.xlsx", "F001", "", _corrupt_member, "a zip whose sheet data is damaged"),
    Case("random_bytes.xlsx", "F001", "不是可识别的 Excel 工作簿", lambda: bytes((i * 73 + 41) % 256 for i in range(4096))),
    Case("truncated_ole2.xls", "F001", "损坏", lambda: legacy_xls()[:1500]),
    # renamed and foreign formats
    Case("plain_text.xls", "F001", "纯文本", lambda: "这是一份说明文字，不是表格。\n请查收。\n".encode("utf-8")),
    Case("csv_renamed.xlsx", "F001", "CSV", lambda: "项目名称,年度资金总额\n营养改善计划,1300\n".encode("utf-8")),
    Case("csv_gbk.xls", "F001", "CSV", lambda: "项目名称\t年度资金总额\n营养改善计划\t1300\n".encode("gbk")),
    Case("html_no_table.xls", "F001", "网页", lambda: "<html><body><p>请见附件</p></body></html>".encode("utf-8")),
    Case("html_table.xls", "F002", "", lambda: HTML_TABLE.encode("gbk"), "an HTML table that is not one of the forms"),
    Case("spreadsheetml_2003.xls", "F001", "XML 电子表格 2003", lambda: SPREADSHEETML.encode("utf-8")),
    Case("json_renamed.xlsx", "F001", "JSON", lambda: b'{"form": "project_target"}'),
    Case("pdf_renamed.xlsx", "F001", "PDF", lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
    Case("docx_renamed.xlsx", "F001", "Word", lambda: _zip({"[Content_Types].xml": b'<Types><Override ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>', "word/document.xml": b"<w:document/>"})),
    Case("ods_renamed.xlsx", "F001", "OpenDocument", lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office:document-content/>"}, zipfile.ZIP_STORED)),
    Case("plain_zip.xlsx", "F001", "压缩包", lambda: _zip({"报表/说明.txt": "见附件".encode("utf-8")})),
    Case("word97.xlsx", "F001", "Word", lambda: cfb({"WordDocument": b"\xec\xa5" + b"\x00" * 100})),
    Case("unknown_ole2.xls", "F001", "不是 Excel 工作簿", lambda: cfb({"Contents": b"\x01" * 100})),
    Case("json_is_xlsx.json", "F001", "Excel 工作簿", tiny_xlsx),
    # legacy workbooks under a new name are read as what they are
    Case("legacy_as_xlsx.xlsx", "F002", "", legacy_xls, "a real .xls renamed .xlsx: read as .xls"),
    Case("wps_et_renamed.xlsx", "F002", "", legacy_xls, "WPS .et is BIFF8 inside: read as .xls"),
    # encrypted
    Case("encrypted.xlsx", "F001", "文件已加密", _encrypted_ooxml),
    Case("encrypted_as.xls", "F001", "文件已加密", _encrypted_ooxml),
    Case("encrypted_legacy.xls", "F001", "文件已加密", _encrypted_xls),
    # limits and hostile XML
    Case("zip_bomb_ratio.xlsx", "F007", "max_compression_ratio", _ratio_bomb),
    Case("zip_bomb_declared.xlsx", "F007", "max_decompressed_bytes",
         lambda: _declare_sizes(tiny_xlsx(), {"xl/worksheets/sheet1.xml": 0xFFFFFF00})),
    Case("zip_part_too_big.xlsx", "F007", "max_part_bytes",
         lambda: _declare_sizes(tiny_xlsx(), {"xl/worksheets/sheet1.xml": 150 * 1024 * 1024})),
    Case("billion_laughs.xlsx", "F001", "XML 实体", _billion_laughs),
    Case("xxe.xlsx", "F001", "XML 实体", _xxe),
    Case("padded_prolog.xlsx", "F001", "XML 实体", _padded_prolog),
    Case("too_many_rows.xlsx", "F007", "max_rows", lambda: tiny_xlsx([["项目名称"]] + [[i] for i in range(20_001)])),
    Case("too_many_columns.xlsx", "F007", "max_columns", lambda: tiny_xlsx([list(range(201))])),
    Case("far_cell.xlsx", "F007", "max_rows", _far_cell, "refused before calamine would allocate its dense grid"),
    Case("far_cell.xls", "F007", "max_rows", _far_cell_xls, "a legacy sheet spanning 65536 × 256 cells"),
    Case("lying_shared_strings.xlsx", "F001", "条目数", _lying_shared_strings,
         "uniqueCount=4e9: calamine would reserve 96 GB and abort"),
    Case("xls_huge_dimensions.xls", "F007", "max_rows", lambda: _patched_xls(0x0200, 4, "<I", 4_000_000_000),
         "DIMENSIONS claiming 4e9 rows: calamine reserves room for them first"),
    Case("small_xls_huge_dimensions.xls", "F007", "max_rows", _small_xls_huge_dimensions,
         "the workbook stream in 64-byte mini sectors"),
    Case("xls_bad_sheet_offset.xls", "F001", "损坏", lambda: _patched_xls(0x0085, 0, "<I", 0xFFFF),
         "BOUNDSHEET pointing past the stream: calamine panics"),
    Case("xls_short_bof.xls", "F001", "损坏", _short_bof, "a BOF of length 0: calamine would panic"),
    Case("wide_row.xlsx", "F007", "max_columns",
         lambda: tiny_xlsx(sheet=sheet_xml([["项目名称"]]).replace("<row r=\"1\">", "<row r=\"1\">" + "<c><v>1</v></c>" * 300))),
    # JSON
    Case("invalid.json", "F001", "JSON 格式错误", lambda: b'{"form": "project_target", '),
    Case("array.json", "F002", "顶层应为对象", lambda: b'[{"form": "project_target"}]'),
    Case("string.json", "F002", "顶层应为对象", lambda: b'"project_target"'),
    Case("deep.json", "F007", "max_json_depth", lambda: b'{"form": ' + b"[" * 500 + b"]" * 500 + b"}"),
    Case("very_deep.json", "F007", "max_json_depth", lambda: b"[" * 200_000),
    Case("nan.json", "F001", "NaN", lambda: b'{"form": "project_target", "fiscal_year": NaN}'),
    Case("infinity.json", "F001", "Infinity", lambda: b'{"form": "project_target", "funds": {"annual": {"total": -Infinity}}}'),
    Case("overflow_float.json", "F001", "超出可处理的范围", lambda: b'{"form": "project_target", "fiscal_year": 1e400}'),
    Case("huge_int.json", "F001", "超出可处理的范围", lambda: b'{"form": "project_target", "fiscal_year": 1' + b"0" * 5000 + b"}"),
    Case("big_int.json", "F001", "超出可处理的范围", lambda: b'{"form": "project_target", "fiscal_year": 1' + b"0" * 400 + b"}"),
    Case("lone_surrogate.json", "F001", "无效字符",
         lambda: b'{"form": "project_target", "project": {"name": "\\ud800\\u8425\\u517b"}}',
         "an escaped half of a surrogate pair: no report could print it"),
    Case("gbk.json", "F001", "GBK", lambda: '{"form": "project_target", "project": {"name": "营养改善计划"}}'.encode("gbk")),
    Case("utf16.json", "F001", "UTF-16", lambda: '{"form": "project_target"}'.encode("utf-16")),
    Case("unknown_form.json", "F002", "form", lambda: b'{"form": "budget_request"}'),
    Case("bom_wrong_form.json", "F002", "form", lambda: b'\xef\xbb\xbf{"form": "budget_request"}',
         "a UTF-8 BOM is simply read: the finding is about the content"),
]

BY_NAME = {c.name: c for c in CASES}


def make_corpus(folder: str | Path) -> list[Case]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        (folder / case.name).write_bytes(case.build())
    return CASES


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for c in make_corpus(sys.argv[1]):
        print(f"{c.name}\t{c.code}\t{c.phrase or c.note}")
    print(json.dumps({"files": len(CASES)}), file=sys.stderr)
