"""Just enough of the compound file format (OLE2: legacy .xls, WPS .et, encrypted OOXML) to list
its streams and read one, hardened against files built to loop or exhaust memory: sector chains
are bounded and may not revisit a sector. The sniffer uses it to decide what a file is, the .xls
reader to find the percent formats calamine does not report."""
from __future__ import annotations

import struct

_ENDOFCHAIN = 0xFFFFFFFE
_MAX_CHAIN = 1 << 20


class CompoundFileError(Exception):
    """The file is no well-formed compound file."""


class CompoundFile:
    """Just enough of the compound file format to list streams and read one."""

    def __init__(self, fh) -> None:
        self.fh = fh
        header = fh.read(512)
        if len(header) < 512:
            raise CompoundFileError("truncated header")
        shift = struct.unpack_from("<H", header, 0x1E)[0]
        if shift not in (9, 12):
            raise CompoundFileError("bad sector size")
        self.size = size = 1 << shift
        self.mini_cutoff = struct.unpack_from("<I", header, 0x38)[0]
        first_dir = struct.unpack_from("<I", header, 0x30)[0]
        self.first_minifat = struct.unpack_from("<I", header, 0x3C)[0]
        first_difat, n_difat = struct.unpack_from("<II", header, 0x44)
        fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s < _ENDOFCHAIN]
        per_sector = size // 4
        seen: set[int] = set()
        sect = first_difat
        for _ in range(min(n_difat, _MAX_CHAIN)):
            if sect >= _ENDOFCHAIN or sect in seen:
                break
            seen.add(sect)
            entries = struct.unpack(f"<{per_sector}I", self._sector(sect))
            fat_sectors.extend(s for s in entries[:-1] if s < _ENDOFCHAIN)
            sect = entries[-1]
        self.fat: list[int] = []
        for s in fat_sectors:
            self.fat.extend(struct.unpack(f"<{per_sector}I", self._sector(s)))
        directory = b"".join(self._sector(s) for s in self._chain(first_dir, self.fat))
        self.streams: dict[str, tuple[int, int]] = {}
        self.root: tuple[int, int] | None = None
        for off in range(0, len(directory) - 127, 128):
            name_len = struct.unpack_from("<H", directory, off + 64)[0]
            kind = directory[off + 66]
            if kind not in (1, 2, 5) or not 2 <= name_len <= 64:
                continue
            name = directory[off:off + name_len - 2].decode("utf-16-le", "replace")
            start, length = struct.unpack_from("<IQ", directory, off + 116)
            if kind == 5 and self.root is None:
                self.root = (start, length)
            elif kind == 2:
                self.streams.setdefault(name.lower(), (start, length))
        if self.root is None:
            raise CompoundFileError("no root entry")

    def _sector(self, sect: int) -> bytes:
        self.fh.seek((sect + 1) * self.size)
        block = self.fh.read(self.size)
        if len(block) < self.size:
            raise CompoundFileError("truncated file")
        return block

    @staticmethod
    def _chain(start: int, table: list[int]) -> list[int]:
        out: list[int] = []
        visited: set[int] = set()
        while start < _ENDOFCHAIN:
            if start in visited or start >= len(table) or len(out) > _MAX_CHAIN:
                raise CompoundFileError("broken sector chain")
            visited.add(start)
            out.append(start)
            start = table[start]
        return out

    def read(self, name: str) -> bytes:
        start, length = self.streams[name]
        if length >= self.mini_cutoff:
            data = b"".join(self._sector(s) for s in self._chain(start, self.fat))
            return data[:length]
        # a small stream lives in 64-byte mini sectors inside the root entry's stream
        minifat: list[int] = []
        for s in self._chain(self.first_minifat, self.fat):
            minifat.extend(struct.unpack(f"<{self.size // 4}I", self._sector(s)))
        container = b"".join(self._sector(s) for s in self._chain(self.root[0], self.fat))
        data = b"".join(container[m * 64:(m + 1) * 64] for m in self._chain(start, minifat))
        return data[:length]
