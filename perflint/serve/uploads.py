"""Uploads into a private folder: safe names, and zip archives of a folder opened with the same care
the sniffer takes with workbooks (sizes from the central directory, ratio and count limits, no path
leaving the folder). Nothing here keeps anything: the caller removes the folder."""
from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass

from ..readers import SUFFIXES, Limits
from ..readers.sniff import RATIO_FLOOR_BYTES

ARCHIVE_SUFFIXES = (".zip",)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]+')
_MAX_NAME_BYTES = 180  # of a file name's 255 bytes: room for " (2)" and the marked-up copy's ".审核.xlsx"


class UploadRefused(Exception):
    """An upload over a limit or malformed: the request is answered with this (413 or 400), in both languages."""

    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.status = status
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class RequestLimits:
    max_request_bytes: int = 200 * 1024 * 1024  # one upload's size, archives unpacked
    max_files: int = 1000  # submissions in one upload, archives unpacked


def safe_part(part: str) -> str:
    """One path component fit for the private folder (never '..', never a device name's tricks)."""
    part = _UNSAFE.sub("_", part).strip().strip(".")
    if len(part.encode("utf-8", "surrogatepass")) <= _MAX_NAME_BYTES:
        return part
    # a long name (300 Chinese characters are 900 bytes, past any file system's limit) is cut in its
    # stem, by bytes: its type (.xlsx) stays, so that it is still read as what it is
    stem, ext = os.path.splitext(part)
    if len(ext.encode("utf-8", "surrogatepass")) > 16:
        stem, ext = part, ""
    room = _MAX_NAME_BYTES - len(ext.encode("utf-8", "surrogatepass"))
    return stem.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore").rstrip(" .") + ext


def safe_relative(name: str) -> str | None:
    """An uploaded file's name (or an archive member's path) as a relative path with '/' between
    folders; None for a name that would leave the folder or has nothing left."""
    parts = [p for p in re.split(r"[\\/]+", name) if p not in ("", ".")]
    if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
        parts = parts[1:]  # C:\Users\… from an old browser, or an archive made on Windows
    if any(p == ".." for p in parts):
        return None
    cleaned = [c for c in (safe_part(p) for p in parts) if c]
    return "/".join(cleaned) if cleaned else None


class Folder:
    """The private folder of one request and the submissions written to it, in upload order."""

    def __init__(self, path: str, limits: Limits, request: RequestLimits) -> None:
        self.path = path
        self.limits = limits
        self.request = request
        self.names: list[str] = []
        # (which upload, which of its files) for each name: the page can send that one upload back to see
        # a file's sheets, and the same upload alone gives the same files in the same order
        self.origins: list[tuple[int, int]] = []
        self.uploads = 0
        self._in_upload = 0
        self.total = 0

    def _claim(self, rel: str) -> str:
        """A name not yet used in the folder: a second 表.xlsx becomes 表 (2).xlsx."""
        stem, ext = os.path.splitext(rel)
        candidate, n = rel, 1
        taken = set(self.names)
        while candidate in taken or os.path.exists(os.path.join(self.path, candidate)):
            n += 1
            candidate = f"{stem} ({n}){ext}"
        return candidate

    def _count(self, size: int, label: str) -> None:
        if len(self.names) >= self.request.max_files:
            raise UploadRefused(413, f"一次最多上传 {self.request.max_files} 个文件，请分批检查",
                                f"at most {self.request.max_files} files per upload: check them in batches")
        if size > self.limits.max_file_bytes:
            mb = self.limits.max_file_bytes / 1024 / 1024
            raise UploadRefused(413, f"文件“{label}”超过单个文件大小上限 {mb:.0f} MB",
                                f"{label!r} is larger than the per-file limit of {mb:.0f} MB")
        self.total += size
        if self.total > self.request.max_request_bytes:
            mb = self.request.max_request_bytes / 1024 / 1024
            raise UploadRefused(413, f"上传内容（含解压后）超过 {mb:.0f} MB 上限，请分批检查",
                                f"the upload (archives unpacked) exceeds {mb:.0f} MB: check it in batches")

    def add(self, name: str, data: bytes) -> None:
        """One uploaded file: a submission, or a zip archive of a folder of them."""
        rel = safe_relative(os.path.basename(name.replace("\\", "/"))) or "未命名"
        self.uploads += 1
        self._in_upload = 0
        if rel.lower().endswith(ARCHIVE_SUFFIXES):
            self.add_archive(rel, data)
            return
        self._count(len(data), rel)
        self._write(self._claim(rel), data)

    def _write(self, rel: str, data: bytes) -> None:
        full = os.path.join(self.path, *rel.split("/"))
        os.makedirs(os.path.dirname(full), mode=0o700, exist_ok=True)
        fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        self.origins.append((self.uploads - 1, self._in_upload))
        self._in_upload += 1
        self.names.append(rel)

    def add_archive(self, rel: str, data: bytes) -> None:
        """A zip of a folder: its submissions (hidden files, lock files and other types skipped, as
        a folder walk skips them), sorted by path, under the archive's name."""
        import io

        label = rel
        base = safe_part(os.path.splitext(os.path.basename(rel))[0]) or "archive"
        # a central directory of a million empty members takes seconds and gigabytes to parse: its
        # declared size is read first (a real folder's zip holds its submissions and a few attachments)
        most = max(_MIN_ENTRIES, _ENTRIES_PER_FILE * self.request.max_files)
        if _declared_entries(data) > most:
            raise UploadRefused(413, f"压缩包“{label}”中的文件超过 {most} 个，请分批检查",
                                f"the archive {label!r} holds more than {most} entries: check it in batches")
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            members = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
            raise UploadRefused(400, f"压缩包“{label}”无法打开：{exc}", f"cannot open the archive {label!r}: {exc}")
        chosen: list[tuple[str, zipfile.ZipInfo]] = []
        for info in members:
            if info.is_dir():
                continue
            name = _member_name(info)
            inner = safe_relative(name)
            if inner is None:
                raise UploadRefused(400, f"压缩包“{label}”中的路径不安全：{name[:100]}",
                                    f"the archive {label!r} holds an unsafe path: {name[:100]}")
            raw_parts = [p for p in re.split(r"[\\/]+", name) if p]
            if any(p.startswith((".", "__MACOSX")) for p in raw_parts) or raw_parts[-1].startswith("~$"):
                continue  # as a folder walk skips them
            leaf = inner.rsplit("/", 1)[-1]
            if os.path.splitext(leaf)[1].lower() not in SUFFIXES:
                continue
            chosen.append((inner, info))
        if not chosen:  # nothing passes silently: an archive with nothing to check is named
            raise UploadRefused(400, f"压缩包“{label}”中没有可检查的材料（.xlsx .xlsm .xls .json）",
                                f"the archive {label!r} holds no submission (.xlsx .xlsm .xls .json)")
        chosen.sort(key=lambda item: item[0])
        for inner, info in chosen:
            # sizes and ratio from the central directory, before anything is inflated
            self._count(info.file_size, f"{label}/{inner}")
            if info.file_size > RATIO_FLOOR_BYTES and info.compress_size and \
                    info.file_size / info.compress_size > self.limits.max_compression_ratio:
                raise UploadRefused(413, f"压缩包“{label}”中的“{inner}”压缩比异常（疑似压缩炸弹）",
                                    f"{label}/{inner} has an abnormal compression ratio (a zip bomb?)")
            if info.flag_bits & 0x1:
                raise UploadRefused(400, f"压缩包“{label}”已加密，请上传未加密的压缩包",
                                    f"the archive {label!r} is encrypted: upload it unencrypted")
            try:
                with zf.open(info) as fh:
                    body = fh.read(info.file_size + 1)  # the declared size bounds what is read
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, EOFError,
                    OSError) as exc:
                raise UploadRefused(400, f"压缩包“{label}”中的“{inner}”无法解压：{exc}",
                                    f"cannot unpack {label}/{inner}: {exc}")
            if len(body) != info.file_size:
                raise UploadRefused(400, f"压缩包“{label}”中的“{inner}”大小与目录不符",
                                    f"{label}/{inner} is not the size its archive declares")
            self._write(self._claim(f"{base}/{inner}"), body)


_MIN_ENTRIES = 10_000
_ENTRIES_PER_FILE = 10  # members an archive may hold per submission an upload may hold


_CD_ENTRY_BYTES = 46  # the fixed part of a central directory entry


def _declared_entries(data: bytes) -> int:
    """How many members a zip's end-of-central-directory record (or its ZIP64 record) declares, or
    its central directory's declared size can hold, whichever is more (zipfile parses the directory
    by its size, whatever count it claims); 0 when there is no such record (zipfile says what is wrong)."""
    import struct

    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if at < 0 or at + 22 > len(data):
        return 0
    entries, size = struct.unpack_from("<HI", data, at + 10)
    locator = at - 20
    if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        record = struct.unpack_from("<Q", data, locator + 8)[0]
        if record + 56 <= len(data) and data[record:record + 4] == b"PK\x06\x06":
            entries64, size64 = struct.unpack_from("<QQ", data, record + 32)
            entries, size = max(entries, entries64), max(size, size64)
    return max(entries, size // _CD_ENTRY_BYTES)


def _member_name(info: zipfile.ZipInfo) -> str:
    """Windows' zip tools write Chinese names in GBK without the UTF-8 flag; zipfile reads them as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            return name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return name
    return name
