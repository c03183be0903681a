"""What a file really is, decided from its bytes before any parser sees it.

Returns arrive renamed (.csv, .et, HTML saved as .xls), half-saved, encrypted or hostile (zip bombs,
XML entity bombs, sheets built to exhaust the parser's memory). Sizes come from the zip central
directory, never from decompressing; each XML part's prolog is read for a DOCTYPE; worksheet XML
(bounded by the part limits) and a legacy workbook's records are streamed once to count how far
their cells reach, because python-calamine holds a sheet as a dense grid and reserves it up front.
A file that cannot be handed to a parser safely comes back as F001/F007 hits naming the problem and
what to do.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..model import Hit
from .base import OLE2_SIGNATURE, ZIP_SIGNATURE, Limits
from .cfb import CompoundFile, CompoundFileError
_HEAD = 64 * 1024
# A part must expand past this before its compression ratio counts: small, repetitive parts
# (styles, empty sheets) legitimately compress far better than the bomb threshold.
RATIO_FLOOR_BYTES = 1024 * 1024
# Bytes of an XML part read to find its root element; a prolog longer than this is refused.
_XML_PROLOG_MAX = 64 * 1024


@dataclass
class Sniffed:
    """`read_as` names the reader to use ("json", "xlsx", "xls", "html"), or `hits` says why none can."""

    read_as: str | None = None
    hits: list[tuple[str, Hit]] = field(default_factory=list)
    encoding: str | None = None  # for text formats, when known
    # what the readers need not read again: xlsx parts small enough to be decompressed whole here
    # (name -> bytes; None for a part that was not), and a legacy workbook's BIFF stream
    parts: dict[str, bytes | None] | None = None
    biff: bytes | None = None

    def fail(self, code: str, variant: str | None = None, ptr: str = "", *, on_sheet: str | None = None,
             **args) -> "Sniffed":
        hit = Hit.at(ptr, variant=variant, **args)
        self.hits.append((code, hit.on(on_sheet) if on_sheet else hit))
        return self


def sniff(path: str, suffix: str, limits: Limits, data: bytes | None = None) -> Sniffed:
    """`data`: the whole file, when the caller has read it already (it is then not opened again)."""
    if data is None:
        try:
            with open(path, "rb") as fh:
                head = fh.read(_HEAD)
        except OSError as exc:
            return Sniffed().fail("F001", "io", error=exc.strerror or str(exc))
    else:
        head = data[:_HEAD]
    if len(head) < _HEAD and not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return Sniffed().fail("F001", "empty")
    if suffix == ".json":
        return _sniff_json(head, suffix)
    source = path if data is None else io.BytesIO(data)
    if head.startswith(ZIP_SIGNATURE):
        return _sniff_zip(source, suffix, limits)
    if head.startswith(OLE2_SIGNATURE):
        return _sniff_ole2(source, suffix, limits)
    return _sniff_other(head, suffix)


# ---- JSON ------------------------------------------------------------------------------------
def _sniff_json(head: bytes, suffix: str) -> Sniffed:
    """A .json file is handed to the JSON reader unless it is plainly a binary format."""
    if head.startswith(b"PK\x03\x04") or head.startswith(OLE2_SIGNATURE):
        return Sniffed().fail("F001", "json_is_workbook", suffix=suffix)
    if head.startswith(b"%PDF"):
        return Sniffed().fail("F001", "is_pdf", suffix=suffix)
    return Sniffed("json")


# ---- zip (xlsx, xlsm; also ods, docx and bombs) ----------------------------------------------
def _sniff_zip(source, suffix: str, limits: Limits) -> Sniffed:
    out = Sniffed()
    whole = source.getvalue() if isinstance(source, io.BytesIO) else None
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error) as exc:
        return out.fail("F001", "corrupt_zip", error=_zip_error(exc))
    with zf:
        try:
            infos = zf.infolist()
        except Exception as exc:  # pragma: no cover - infolist is built when the zip is opened
            return out.fail("F001", "corrupt_zip", error=_zip_error(exc))
        if not infos:
            return out.fail("F001", "corrupt_zip", error="压缩包中没有任何内容 / the archive is empty")
        if any(i.flag_bits & 0x1 for i in infos):
            return out.fail("F001", "encrypted")
        total = sum(i.file_size for i in infos)
        if total > limits.max_decompressed_bytes:
            return out.fail("F007", "max_decompressed_bytes", limit="max_decompressed_bytes", value=total,
                            maximum=limits.max_decompressed_bytes)
        for i in infos:
            if i.file_size > limits.max_part_bytes:
                return out.fail("F007", "max_part_bytes", limit="max_part_bytes", value=i.file_size,
                                maximum=limits.max_part_bytes, part=i.filename)
            if i.file_size > RATIO_FLOOR_BYTES:
                ratio = i.file_size / max(i.compress_size, 1)
                if ratio > limits.max_compression_ratio:
                    return out.fail("F007", "max_compression_ratio", limit="max_compression_ratio",
                                    value=round(ratio, 1), maximum=limits.max_compression_ratio, part=i.filename)
        names = {i.filename for i in infos}
        what = _ooxml_kind(zf, names, whole)
        if what != "xlsx":
            return out.fail("F001", what, suffix=suffix)
        worksheets = []
        parts: dict[str, bytes | None] = {}
        for i in infos:
            # every part, whatever its name: the parser follows the relationships, not the extension
            if not i.is_dir():
                problem, root, head = _xml_prolog(zf, i, whole)
                parts[i.filename] = head if len(head) == i.file_size else None
                if problem == "corrupt":
                    return out.fail("F001", "corrupt_zip", error=f"{i.filename} 无法解压 / cannot be decompressed")
                if problem == "count":
                    return out.fail("F001", "corrupt_zip",
                                    error=f"{i.filename} 声明的条目数与内容不符 / declares more entries than it holds")
                if problem:
                    return out.fail("F001", "xml_entities", part=i.filename)
                if root == "worksheet":
                    worksheets.append(i)
        for i in worksheets:
            # calamine holds a sheet as a dense grid from its first to its last cell: one cell at
            # XFD1048576 would ask for half a terabyte and abort the process, so the extent is
            # counted from the XML first
            try:
                extent = _sheet_extent(zf, i, limits, parts.get(i.filename))
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
                    ValueError):
                return out.fail("F001", "corrupt_zip", error=f"{i.filename} 无法解压 / cannot be decompressed")
            if extent is not None:
                limit, value = extent
                sheet = _sheet_names(zf).get(i.filename)
                return out.fail("F007", limit, limit=limit, value=value, maximum=getattr(limits, limit),
                                on_sheet=sheet)
    out.read_as = "xlsx"
    out.parts = parts
    return out


_TOKEN = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(row|c)\b((?:[^>"']|"[^"]*"|'[^']*')*?)(/?)>""")
# also right after a quote: a malformed `<c r="A4"r="XFD1048576">` still reaches the parser
_R_ATTR = re.compile(rb"""(?<![\w:.-])r\s*=\s*(?:"([A-Za-z]*)([0-9]*)"|'([A-Za-z]*)([0-9]*)')""")


# every row and cell tag, with the reference it opens with ("", "" when it does not)
_TAG_REF = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(?:row|c)(?=[\s/>])(?:\s+r\s*=\s*["']([A-Za-z]*)([0-9]*)["'])?""")
_C_TAG_REF = re.compile(rb"""<c(?=[\s/>])(?:\s+r\s*=\s*["']([A-Za-z]*)([0-9]*)["'])?""")
_ROW_TAG_REF = re.compile(rb"""<row(?=[\s/>])(?:\s+r\s*=\s*["']([A-Za-z]*)([0-9]*)["'])?""")
# any r= attribute: (?<![\w:.-])r, written to look back only once an r is found (many times faster)
_ANY_REF = re.compile(rb"""r(?<![\w:.-]r)\s*=\s*["']""")


def _tag_blocks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, whole: bytes | None) -> Iterator[tuple[bytes, bool]]:
    """The part in blocks of about 1 MB that end where a tag starts (the rest is carried into the
    next block), each with whether the carry had to be dropped: a 4 MB tag is no cell. Read from
    `whole` when the part is already decompressed."""
    if whole is not None:
        chunks: Iterable[bytes] = (whole, b"")
    else:
        chunks = _read_chunks(zf, info)
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"<") if chunk else len(data)
        if cut <= 0 and chunk:
            cut = len(data)  # no tag start at all: nothing to carry
        block, carry = data[:cut], data[cut:]
        dropped = len(carry) > (4 << 20)
        if dropped:
            carry = b""
        yield block, dropped


def _read_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            yield chunk
            if not chunk:
                return


def _sheet_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits,
                  whole: bytes | None = None) -> tuple[str, int] | None:
    """('max_rows' | 'max_columns', how many) if the sheet's cells span more than the limits allow.

    A quick pass first: when every row and cell carries its reference (as Excel writes them), the
    span of all references, empty styled cells included, bounds what the parser will build; only if
    that bound passes a limit, or some element is placed by position, is the sheet walked exactly."""
    rmin = cmin = 1 << 40
    rmax = cmax = -1
    for block, dropped in _tag_blocks(zf, info, whole):
        # text cannot start a tag, so when every row and cell tag opens with its one reference
        # (and no r= appears anywhere else, as a second one would) the references are the layout
        if b":row" in block or b":c" in block:
            refs = _TAG_REF.findall(block)
        else:  # no tag can carry a prefix: the same matches, found from literal starts (faster)
            refs = _C_TAG_REF.findall(block) + _ROW_TAG_REF.findall(block)
        if len(refs) != len(_ANY_REF.findall(block)):
            return _sheet_extent_exact(zf, info, limits, whole)
        # only the span counts, so each distinct row number and column letters is converted once
        letters, digits = (set(part) for part in zip(*refs)) if refs else (set(), set())
        if b"" in digits or any(len(d) > 9 for d in digits):
            # a tag without its reference (or a huge one): place it exactly
            return _sheet_extent_exact(zf, info, limits, whole)
        rows = [int(d) for d in digits]
        letters.discard(b"")
        cols = [_col_index(a) for a in letters]
        if rows:
            rmin, rmax = min(rmin, min(rows)), max(rmax, max(rows))
        if cols:
            cmin, cmax = min(cmin, min(cols)), max(cmax, max(cols))
        if rmax - rmin + 1 > limits.max_rows or cmax - cmin + 1 > limits.max_columns or dropped:
            return _sheet_extent_exact(zf, info, limits, whole)
    return None


def _sheet_extent_exact(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits,
                        whole: bytes | None = None) -> tuple[str, int] | None:
    """The extent as the parser will build it.

    Streams the part once, counting only cells with content (calamine ignores empty styled cells),
    placed by their `r` attribute or, without one, by position as calamine does."""
    row, col = -1, -1
    rmin = cmin = 1 << 40
    rmax = cmax = -1
    for block, _ in _tag_blocks(zf, info, whole):
        for m in _TOKEN.finditer(block):
            refs = [(a or c, b or d) for a, b, c, d in _R_ATTR.findall(m.group(2))]
            if m.group(1) == b"row":
                nums = [_u32(d, 10) - 1 for letters, d in refs if d and not letters]
                row = max(nums) if nums else row + 1
                col = -1
                continue
            places = [(_u32(d, 10) - 1, _col_index(letters)) for letters, d in refs if letters and d]
            if places:  # placed by reference; the row count stays
                col = places[-1][1]
            else:
                col += 1
                places = [(row, col)]
            if m.group(3):  # <c …/>: a styled empty cell
                continue
            for at, c in places:  # with duplicate references, every one of them counts
                rmin, rmax, cmin, cmax = min(rmin, at), max(rmax, at), min(cmin, c), max(cmax, c)
            if rmax - rmin + 1 > limits.max_rows:
                return "max_rows", rmax - rmin + 1
            if cmax - cmin + 1 > limits.max_columns:
                return "max_columns", cmax - cmin + 1
    return None


_COLUMNS: dict[bytes, int] = {}


def _col_index(letters: bytes) -> int:
    n = _COLUMNS.get(letters)
    if n is None:
        n = 0
        for ch in letters.upper():
            n = (n * 26 + ch - 64) & 0xFFFFFFFF
        n -= 1
        if len(_COLUMNS) < 100_000:
            _COLUMNS[letters] = n
    return n


def _u32(digits: bytes, base: int) -> int:
    """A reference number as calamine reads it: into 32 bits, wrapping (A4294967297 is row 1)."""
    if len(digits) <= 9:
        return int(digits) & 0xFFFFFFFF  # the usual case, and far below the wrap
    n = 0
    for ch in digits:
        n = (n * base + ch - 48) & 0xFFFFFFFF
    return n


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name, to put a finding on the sheet; {} when it cannot be told."""
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except Exception:
        return {}
    targets = {}
    for raw in _REL_TAG.findall(rels):
        a = dict(_ATTR.findall(raw))
        target = a.get(b"Target", b"").decode("utf-8", "replace")
        targets[a.get(b"Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    out = {}
    for raw in _SHEET_TAG.findall(book):
        a = dict(_ATTR.findall(raw))
        name, rid = a.get(b"name"), a.get(b"r:id")
        if name is not None and rid in targets:
            out[targets[rid]] = name.decode("utf-8", "replace").replace("&amp;", "&")
    return out


def _zip_error(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "not a zip file" in text.lower() or "truncated" in text.lower():
        return "文件不完整或不是有效的压缩包 / the file is truncated or not a valid archive"
    return text


def _ooxml_kind(zf: zipfile.ZipFile, names: set[str], whole: bytes | None = None) -> str:
    """xlsx, or the F001 variant naming what else the archive is."""
    lowered = {n.lower() for n in names}
    types = ""
    if "[Content_Types].xml" in names:
        info = zf.getinfo("[Content_Types].xml")
        if whole is not None and info.file_size <= _XML_PROLOG_MAX and not info.is_dir():
            # read whole as its prolog is (and kept for that check): the same bytes, or corrupt
            problem, _, raw = _xml_prolog(zf, info, whole)
            types = "" if problem == "corrupt" else raw.decode("utf-8", "replace").lower()
        else:
            try:
                with zf.open("[Content_Types].xml") as fh:
                    types = fh.read(1024 * 1024).decode("utf-8", "replace").lower()
            except Exception:
                types = ""
    if "spreadsheetml.sheet.binary" in types or "xl/workbook.bin" in lowered:
        return "is_xlsb"
    if "spreadsheetml" in types or "sheet.macroenabled" in types or "xl/workbook.xml" in lowered:
        return "xlsx"
    if "mimetype" in lowered or "content.xml" in lowered:
        return "is_ods"
    if "wordprocessingml" in types or "word/document.xml" in lowered:
        return "is_word"
    if "presentationml" in types or "ppt/presentation.xml" in lowered:
        return "is_powerpoint"
    return "is_zip"


_PROLOG_SKIP = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)


_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def _xml_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo,
                whole: bytes | None = None) -> tuple[str | None, str | None, bytes]:
    """(problem, root element name, the bytes read). Problem: 'entities' if the part declares a
    DOCTYPE (the only way to declare entities), 'corrupt' if it cannot be read. Only the prolog is
    decompressed, at most _XML_PROLOG_MAX bytes of it (a small part is thus read whole).
    `whole`: the archive's bytes, when they are in memory."""
    raw = key = None
    if whole is not None:
        body = _part_body(whole, info)
        if body is not None:
            # workbooks made from one template carry the same theme, styles and relationships:
            # the same compressed bytes inflate to the same part and get the same verdict
            key = (body, info.file_size, info.CRC, info.compress_type)
            known = _KNOWN_PARTS.get(key)
            if known is not None:
                return known
            raw = _inflate_body(body, info)
    if raw is None:
        try:
            with zf.open(info) as fh:
                raw = fh.read(_XML_PROLOG_MAX)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError):
            return "corrupt", None, b""
    elif raw is _CORRUPT:
        return "corrupt", None, b""
    found = (*_prolog_verdict(raw, info), raw)
    if key is not None:
        global _KNOWN_BYTES
        if _KNOWN_BYTES + len(raw) > _KNOWN_MAX_BYTES:
            _KNOWN_PARTS.clear()
            _KNOWN_BYTES = 0
        _KNOWN_PARTS[key] = found
        _KNOWN_BYTES += len(raw) + len(key[0])
    return found


_KNOWN_PARTS: dict[tuple, tuple[str | None, str | None, bytes]] = {}
_KNOWN_BYTES = 0
_KNOWN_MAX_BYTES = 4 << 20
_CORRUPT = b"corrupt"
_LOCAL = struct.Struct("<4s22xHH")  # signature … name length, extra length


def _raw_name(info: zipfile.ZipInfo) -> bytes | None:
    try:
        return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
    except UnicodeEncodeError:
        return None


def _part_body(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The part's compressed bytes, where its local header is as the central directory says and
    it is stored or deflated without encryption; else None (zipfile reads it and says what is wrong)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
        return None
    at = info.header_offset
    if at < 0 or at + _LOCAL.size > len(data):
        return None
    magic, name_len, extra_len = _LOCAL.unpack_from(data, at)
    start = at + _LOCAL.size
    if magic != b"PK\x03\x04" or data[start:start + name_len] != _raw_name(info):
        return None  # zipfile tells what is wrong
    start += name_len + extra_len
    return data[start:start + info.compress_size]


def _inflate_body(body: bytes, info: zipfile.ZipInfo) -> bytes:
    """What `zf.open(info).read(_XML_PROLOG_MAX)` returns, inflated straight from the part's bytes
    (_part_body; zipfile's per-part file object costs more than inflating a small part). The same
    checks: the stream inflates, a part read whole has its declared size and CRC. _CORRUPT where
    zipfile would fail."""
    want = min(info.file_size, _XML_PROLOG_MAX)
    if info.compress_type == zipfile.ZIP_STORED:
        raw = body[:want]
    else:
        try:
            raw = zlib.decompressobj(-15).decompress(body, want) if want else b""
        except zlib.error:
            return _CORRUPT
    if len(raw) < want:
        return _CORRUPT  # the stream ends before its declared size: zipfile raises EOFError
    if want == info.file_size and zlib.crc32(raw) != info.CRC:
        return _CORRUPT
    return raw


def _prolog_verdict(raw: bytes, info: zipfile.ZipInfo) -> tuple[str | None, str | None]:
    if not raw:
        return None, None
    text = _decode_xml_head(raw)
    pos = 0
    while True:
        m = _PROLOG_SKIP.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    rest = text[pos:pos + 16].upper()
    if rest.startswith("<!"):
        return "entities", None  # <!DOCTYPE …>, the door to entity expansion and external entities
    if rest.startswith("<"):
        m = _ROOT.match(text, pos)
        root = m.group(1) if m else None
        if root == "sst":
            # calamine reserves room for uniqueCount strings up front: a 4e9 there aborts the
            # process. Each entry takes at least 5 bytes (<si/>), so a larger count is a lie.
            tag = text[pos: text.find(">", pos) + 1 or len(text)]
            count = re.search(r'\buniqueCount\s*=\s*"\s*([0-9]+)', tag)
            if count and int(count.group(1)) > info.file_size // 5 + 1:
                return "count", root
        return None, root
    if pos >= len(text) and len(raw) >= _XML_PROLOG_MAX:
        return "entities", None  # a prolog padded past what we read is hiding something
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        return "entities", None
    return None, None


def _decode_xml_head(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:2] in (b"<\x00", b"\x00<"):
        enc = "utf-16-be" if raw.startswith(b"\xfe\xff") or raw[:2] == b"\x00<" else "utf-16-le"
        return raw[: len(raw) // 2 * 2].decode(enc, "replace").lstrip("\ufeff")
    return raw.decode("utf-8", "replace").lstrip("\ufeff")


# ---- OLE2 (legacy .xls, WPS .et, encrypted OOXML) --------------------------------------------
def _sniff_ole2(source, suffix: str, limits: Limits) -> Sniffed:
    out = Sniffed()
    try:
        with (open(source, "rb") if isinstance(source, str) else source) as fh:
            cfb = CompoundFile(fh)
            names = set(cfb.streams)
            if "encryptedpackage" in names or "encryptioninfo" in names:
                return out.fail("F001", "encrypted")
            book = "workbook" if "workbook" in names else "book" if "book" in names else None
            if book is None:
                if "worddocument" in names:
                    return out.fail("F001", "is_word", suffix=suffix)
                if "powerpoint document" in names:
                    return out.fail("F001", "is_powerpoint", suffix=suffix)
                return out.fail("F001", "is_ole2_other", suffix=suffix)
            try:
                stream = cfb.read(book)
            except (CompoundFileError, struct.error, IndexError, ValueError):
                stream = b""  # calamine has the last word on a stream this reading cannot follow
    except (CompoundFileError, OSError, struct.error, IndexError, ValueError) as exc:
        return out.fail("F001", "corrupt_ole2", error=str(exc) or type(exc).__name__)
    verdict = _biff_scan(stream, limits)
    if verdict == "encrypted":
        return out.fail("F001", "encrypted")
    if verdict is not None and verdict[0] == "corrupt":
        return out.fail("F001", "corrupt_ole2", error=f"工作表“{verdict[2]}”的记录无效 / a record of sheet {verdict[2]} is invalid")
    if verdict is not None:
        limit, value, sheet = verdict
        return out.fail("F007", limit, limit=limit, value=value, maximum=getattr(limits, limit), on_sheet=sheet)
    out.read_as = "xls"  # a legacy workbook (or WPS .et, which is BIFF8 inside) under any Excel name
    out.biff = stream or None
    return out


# BIFF cell records that carry a value: calamine places each in its (dense) sheet grid
_BIFF_CELLS = {0x0203, 0x00FD, 0x027E, 0x0204, 0x0205, 0x0006, 0x00D6, 0x0003, 0x0004, 0x0002, 0x0005}
_MULRK = 0x00BD


def _biff_scan(stream: bytes, limits: Limits):
    """'encrypted', or (limit, value, sheet name) for a sheet whose cells span past the limits, or None.

    Walks the records once: BOUNDSHEET names the sheets by stream offset, each worksheet's cells give
    its extent. A FILEPASS record right after the first BOF means the workbook is password-encrypted.
    A record is sliced out only where its body is read (a workbook holds thousands of records)."""
    pos, n = 0, len(stream)
    names: dict[int, str] = {}
    first = True
    sheet: str | None = None
    rmin = cmin = 1 << 30
    rmax = cmax = -1
    max_rows, max_columns = limits.max_rows, limits.max_columns
    header = _U16_PAIR.unpack_from
    u16 = _U16.unpack_from
    cells = _BIFF_CELLS
    while pos + 4 <= n:
        rtype, length = header(stream, pos)
        body = pos + 4
        size = min(length, n - body)  # what a slice of the record would hold at the stream's end
        if sheet is not None and size >= 4 and (rtype in cells or rtype == _MULRK):
            row, col = header(stream, body)
            last = u16(stream, body + size - 2)[0] if rtype == _MULRK and size >= 6 else col
            if row < rmin:
                rmin = row
            if row > rmax:
                rmax = row
            if col < cmin:
                cmin = col
            if last > cmax:
                cmax = last
            if rmax - rmin + 1 > max_rows:
                return "max_rows", rmax - rmin + 1, sheet
            if cmax - cmin + 1 > max_columns:
                return "max_columns", cmax - cmin + 1, sheet
        elif rtype == 0x002F and first:
            return "encrypted"
        elif rtype in (0x0809, 0x0409, 0x0209, 0x0009):
            if length < 4:  # a BOF too short for its version and type: calamine panics on it
                return "corrupt", 0, names.get(pos, f"#{len(names)}") if not first else "Workbook"
            if not first:
                sheet = names.get(pos, f"#{len(names)}")
                rmin = cmin = 1 << 30
                rmax = cmax = -1
        elif rtype == 0x000A:  # EOF of a substream
            first = False
        elif rtype == 0x0085 and size >= 8:  # BOUNDSHEET
            data = stream[body: body + length]
            offset = struct.unpack_from("<I", data, 0)[0]
            if offset + 4 > n or struct.unpack_from("<H", stream, offset)[0] not in (0x0809, 0x0409, 0x0209, 0x0009):
                return "corrupt", 0, f"#{len(names) + 1}"  # a sheet said to start where no sheet is
            names[offset] = boundsheet_name(data, 0)
        elif rtype == 0x0200 and sheet is not None and size in (10, 14):
            # DIMENSIONS: calamine reserves room for the whole declared range before reading a cell
            fmt = "<IIHH" if size == 14 else "<HHHH"
            r0, r1, c0, c1 = struct.unpack_from(fmt, stream, body)
            if r1 < r0 or c1 < c0:
                return "corrupt", 0, sheet
            if r1 - r0 > max_rows:
                return "max_rows", r1 - r0, sheet
            if c1 - c0 > max_columns:
                return "max_columns", c1 - c0, sheet
        pos = body + length
    return None


def boundsheet_name(data: bytes, body: int) -> str:
    """A BOUNDSHEET record's sheet name: compressed Latin-1 or UTF-16, as its flags say."""
    cch, flags = data[body + 6], data[body + 7]
    raw = data[body + 8: body + 8 + (cch * 2 if flags & 1 else cch)]
    return raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")


_U16_PAIR = struct.Struct("<HH")
_U16 = struct.Struct("<H")


# ---- everything else: HTML, CSV, text, PDF ----------------------------------------------------
def _sniff_other(head: bytes, suffix: str) -> Sniffed:
    out = Sniffed()
    if head.startswith(b"%PDF"):
        return out.fail("F001", "is_pdf", suffix=suffix)
    text, encoding = _decode_head(head)
    if text is None:
        return out.fail("F001", "is_unknown", suffix=suffix)
    probe = text.lstrip("\ufeff \t\r\n").lower()
    start = probe[:4096]
    if "urn:schemas-microsoft-com:office:spreadsheet" in start and "<workbook" in start:
        return out.fail("F001", "is_spreadsheetml", suffix=suffix)
    if start.startswith("<") and re.search(r"<(html|table|body|head|meta|!doctype\s+html)\b", start) \
            or re.search(r"<table\b", probe):
        out.read_as = "html"
        out.encoding = encoding
        return out
    if start.startswith(("{", "[")):
        return out.fail("F001", "is_json", suffix=suffix)
    lines = [ln for ln in probe.splitlines()[:20] if ln.strip()]
    if lines and sum(1 for ln in lines if "," in ln or "\t" in ln or ";" in ln) >= max(1, len(lines) // 2):
        return out.fail("F001", "is_csv", suffix=suffix)
    return out.fail("F001", "is_text" if _mostly_printable(text) else "is_unknown", suffix=suffix)


def _decode_head(head: bytes) -> tuple[str | None, str | None]:
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:].decode("utf-8", "replace"), "utf-8"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
        return head[: len(head) // 2 * 2].decode(enc, "replace"), enc
    if b"\x00" in head[:1024]:
        return None, None
    for enc in ("utf-8", "gb18030"):
        try:
            return head.decode(enc), enc
        except UnicodeDecodeError as exc:
            if len(head) >= _HEAD and exc.start >= len(head) - 4:
                return head[: exc.start].decode(enc, "replace"), enc  # the head ended inside a character
    return None, None


def _mostly_printable(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    printable = sum(1 for ch in sample if ch.isprintable() or ch in "\r\n\t")
    return printable / len(sample) > 0.95
