"""What a file really is, decided from its bytes before any parser sees it.

Returns arrive renamed (.csv, .et, HTML saved as .xls), half-saved, encrypted or hostile (zip bombs,
XML entity bombs). Everything here reads headers and directories only: the zip central directory
(never a full decompression), the OLE2 directory, the first bytes of text. A file that cannot be
handed to a parser safely comes back as F001/F007 hits naming the problem and what to do.
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from ..model import Hit
from . import Limits

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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

    def fail(self, code: str, variant: str | None = None, ptr: str = "", **args) -> "Sniffed":
        self.hits.append((code, Hit.at(ptr, variant=variant, **args)))
        return self


def sniff(path: str, suffix: str, limits: Limits) -> Sniffed:
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
    except OSError as exc:
        return Sniffed().fail("F001", "io", error=exc.strerror or str(exc))
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return Sniffed().fail("F001", "empty")
    if suffix == ".json":
        return _sniff_json(head, suffix)
    if head.startswith(b"PK"):
        return _sniff_zip(path, suffix, limits)
    if head.startswith(OLE2_MAGIC):
        return _sniff_ole2(path, suffix)
    return _sniff_other(head, suffix)


# ---- JSON ------------------------------------------------------------------------------------
def _sniff_json(head: bytes, suffix: str) -> Sniffed:
    """A .json file is handed to the JSON reader unless it is plainly a binary format."""
    if head.startswith(b"PK\x03\x04") or head.startswith(OLE2_MAGIC):
        return Sniffed().fail("F001", "json_is_workbook", suffix=suffix)
    if head.startswith(b"%PDF"):
        return Sniffed().fail("F001", "is_pdf", suffix=suffix)
    return Sniffed("json")


# ---- zip (xlsx, xlsm; also ods, docx and bombs) ----------------------------------------------
def _sniff_zip(path: str, suffix: str, limits: Limits) -> Sniffed:
    out = Sniffed()
    try:
        zf = zipfile.ZipFile(path)
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
        what = _ooxml_kind(zf, names)
        if what != "xlsx":
            return out.fail("F001", what, suffix=suffix)
        for i in infos:
            if i.filename.lower().endswith((".xml", ".rels", ".vml")) and not i.is_dir():
                problem = _xml_prolog_problem(zf, i)
                if problem == "corrupt":
                    return out.fail("F001", "corrupt_zip", error=f"{i.filename} 无法解压 / cannot be decompressed")
                if problem:
                    return out.fail("F001", "xml_entities", part=i.filename)
    out.read_as = "xlsx"
    return out


def _zip_error(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "not a zip file" in text.lower() or "truncated" in text.lower():
        return "文件不完整或不是有效的压缩包 / the file is truncated or not a valid archive"
    return text


def _ooxml_kind(zf: zipfile.ZipFile, names: set[str]) -> str:
    """xlsx, or the F001 variant naming what else the archive is."""
    lowered = {n.lower() for n in names}
    types = ""
    if "[Content_Types].xml" in names:
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


def _xml_prolog_problem(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """'entities' if the part declares a DOCTYPE (the only way to declare entities), 'corrupt' if it
    cannot be read. Only the prolog is decompressed, at most _XML_PROLOG_MAX bytes of it."""
    try:
        with zf.open(info) as fh:
            raw = fh.read(_XML_PROLOG_MAX)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError):
        return "corrupt"
    if not raw:
        return None
    text = _decode_xml_head(raw)
    pos = 0
    while True:
        m = _PROLOG_SKIP.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    rest = text[pos:pos + 16].upper()
    if rest.startswith("<!"):
        return "entities"  # <!DOCTYPE …>, the door to entity expansion and external entities
    if rest.startswith("<"):
        return None
    if pos >= len(text) and len(raw) >= _XML_PROLOG_MAX:
        return "entities"  # a prolog padded past what we read is hiding something
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        return "entities"
    return None


def _decode_xml_head(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:2] in (b"<\x00", b"\x00<"):
        enc = "utf-16-be" if raw.startswith(b"\xfe\xff") or raw[:2] == b"\x00<" else "utf-16-le"
        return raw[: len(raw) // 2 * 2].decode(enc, "replace").lstrip("\ufeff")
    return raw.decode("utf-8", "replace").lstrip("\ufeff")


# ---- OLE2 (legacy .xls, WPS .et, encrypted OOXML) --------------------------------------------
_ENDOFCHAIN = 0xFFFFFFFE
_MAX_CHAIN = 1 << 20


class _Ole2Error(Exception):
    pass


def _sniff_ole2(path: str, suffix: str) -> Sniffed:
    out = Sniffed()
    try:
        streams = _ole2_streams(path)
    except (_Ole2Error, OSError, struct.error, IndexError, ValueError) as exc:
        return out.fail("F001", "corrupt_ole2", error=str(exc) or type(exc).__name__)
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        return out.fail("F001", "encrypted")
    book = streams.get("workbook") or streams.get("book")
    if book is not None:
        if book[:2] and _biff_filepass(book):
            return out.fail("F001", "encrypted")
        out.read_as = "xls"  # a legacy workbook (or WPS .et, which is BIFF8 inside) under any Excel name
        return out
    if "worddocument" in streams:
        return out.fail("F001", "is_word", suffix=suffix)
    if "powerpoint document" in streams:
        return out.fail("F001", "is_powerpoint", suffix=suffix)
    return out.fail("F001", "is_ole2_other", suffix=suffix)


def _biff_filepass(head: bytes) -> bool:
    """A FILEPASS record (0x002F) right after the first BOF: the .xls is password-encrypted."""
    if len(head) < 8:
        return False
    rtype, length = struct.unpack_from("<HH", head, 0)
    if rtype not in (0x0809, 0x0209, 0x0409, 0x0809):
        return False
    pos = 4 + length
    if len(head) < pos + 4:
        return False
    return struct.unpack_from("<H", head, pos)[0] == 0x002F


def _ole2_streams(path: str) -> dict[str, bytes]:
    """Stream names (lower case) of a compound file, each with the first bytes of its content."""
    with open(path, "rb") as fh:
        header = fh.read(512)
        if len(header) < 512:
            raise _Ole2Error("truncated header")
        shift = struct.unpack_from("<H", header, 0x1E)[0]
        if shift not in (9, 12):
            raise _Ole2Error("bad sector size")
        size = 1 << shift
        mini_cutoff = struct.unpack_from("<I", header, 0x38)[0]
        first_dir = struct.unpack_from("<I", header, 0x30)[0]
        first_minifat = struct.unpack_from("<I", header, 0x3C)[0]
        first_difat, n_difat = struct.unpack_from("<II", header, 0x44)
        fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s < _ENDOFCHAIN]
        per_sector = size // 4
        seen: set[int] = set()
        sect = first_difat
        for _ in range(min(n_difat, _MAX_CHAIN)):
            if sect >= _ENDOFCHAIN or sect in seen:
                break
            seen.add(sect)
            block = _read_sector(fh, sect, size)
            entries = struct.unpack(f"<{per_sector}I", block)
            fat_sectors.extend(s for s in entries[:-1] if s < _ENDOFCHAIN)
            sect = entries[-1]
        fat: list[int] = []
        for s in fat_sectors:
            fat.extend(struct.unpack(f"<{per_sector}I", _read_sector(fh, s, size)))

        def chain(start: int) -> list[int]:
            out: list[int] = []
            visited: set[int] = set()
            while start < _ENDOFCHAIN:
                if start in visited or start >= len(fat) or len(out) > _MAX_CHAIN:
                    raise _Ole2Error("broken sector chain")
                visited.add(start)
                out.append(start)
                start = fat[start]
            return out

        directory = b"".join(_read_sector(fh, s, size) for s in chain(first_dir))
        entries = []
        for off in range(0, len(directory) - 127, 128):
            name_len = struct.unpack_from("<H", directory, off + 64)[0]
            kind = directory[off + 66]
            if kind not in (1, 2, 5) or not 2 <= name_len <= 64:
                continue
            name = directory[off:off + name_len - 2].decode("utf-16-le", "replace")
            start = struct.unpack_from("<I", directory, off + 116)[0]
            length = struct.unpack_from("<Q", directory, off + 120)[0]
            entries.append((name, kind, start, length))
        if not entries or entries[0][1] != 5:
            raise _Ole2Error("no root entry")
        root_start = entries[0][2]
        streams: dict[str, bytes] = {}
        for name, kind, start, length in entries:
            if kind != 2:
                continue
            head = b""
            try:
                if length >= mini_cutoff:
                    head = _read_sector(fh, start, size)[: min(length, size)] if start < _ENDOFCHAIN else b""
                elif first_minifat < _ENDOFCHAIN and start < _ENDOFCHAIN:
                    # mini sectors are 64 bytes inside the root entry's stream
                    root = chain(root_start)
                    offset = start * 64
                    idx = offset // size
                    if idx < len(root):
                        block = _read_sector(fh, root[idx], size)
                        head = block[offset % size: offset % size + 64][: length]
            except (_Ole2Error, struct.error):
                head = b""
            streams[name.lower()] = head
        return streams


def _read_sector(fh, sect: int, size: int) -> bytes:
    fh.seek((sect + 1) * size)
    block = fh.read(size)
    if len(block) < size:
        raise _Ole2Error("truncated file")
    return block


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
