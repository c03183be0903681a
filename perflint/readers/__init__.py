"""Readers: a file in, canonical documents (with source cells) and file-level hits out.

Readers know formats, not rules. Every failure to read is a hit (F001, F002, F007…), never an
exception that leaves this module.
"""
from __future__ import annotations

import os
import stat

from .base import Limits, ReaderOptions, ReadOutcome, read_bytes  # noqa: F401 - the readers' public face

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".json")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def read_path(path: str, options: ReaderOptions | None = None) -> ReadOutcome:
    options = options or ReaderOptions()
    suffix = os.path.splitext(path)[1].lower()
    try:
        st = os.stat(path)
    except OSError as exc:
        return ReadOutcome().fail("F001", variant="io", error=exc.strerror or str(exc))
    if not stat.S_ISREG(st.st_mode):  # a pipe or device named .json would block or never end
        return ReadOutcome().fail("F001", variant="not_regular")
    size = st.st_size
    if size > options.limits.max_file_bytes:
        return ReadOutcome().fail("F007", variant="max_file_bytes", limit="max_file_bytes", value=size,
                                  maximum=options.limits.max_file_bytes)
    if suffix not in SUFFIXES:
        return ReadOutcome().fail("F001", variant="suffix", suffix=suffix or "（无）")
    outcome = ReadOutcome()
    data = read_bytes(path, options, outcome)  # read once: the sniffer and its chosen reader share the bytes
    if data is None:
        return outcome
    if len(data) > options.limits.max_file_bytes:  # grown since it was measured
        return ReadOutcome().fail("F007", variant="max_file_bytes", limit="max_file_bytes", value=len(data),
                                  maximum=options.limits.max_file_bytes)
    try:
        # what the bytes really are decides the reader, not the name: renamed, encrypted and hostile
        # files stop here with a finding before any parser sees them
        from .sniff import sniff

        sniffed = sniff(path, suffix, options.limits, data)
        if sniffed.hits:
            return ReadOutcome(hits=sniffed.hits)
        if sniffed.read_as == "json":
            from .json_reader import read_json

            return read_json(path, options, data)
        if sniffed.read_as == "html":
            from .html_table import read_html

            return read_html(path, options, sniffed.encoding, suffix, data)
        from .excel import read_workbook

        return read_workbook(path, options, data, sniffed)
    except Exception as exc:  # a reader bug is reported on the file, never a crashed run
        return ReadOutcome().fail("F001", variant="internal", error=f"{type(exc).__name__}: {exc}")
    except BaseException as exc:
        # a Rust panic inside python-calamine arrives as pyo3's PanicException, a BaseException;
        # anything else of that kind (the batch's per-file timeout, Ctrl-C) must go on up
        if type(exc).__name__ != "PanicException":
            raise
        return ReadOutcome().fail("F001", variant="workbook", error=f"文件结构损坏，解析库无法处理（{str(exc)[:120]}）")
