"""What the history pre-pass read, kept on disk for the check that follows, so each file is parsed once.

A batch needs every document of the run indexed before any H rule can judge one of them, so the
run's files are read twice: once to index them, once to check them. Parsing a workbook is most of
perflint's cost, so the first read leaves its outcome here (pickled, one file each, in a temporary
folder) and the check takes it back instead of parsing again. Nothing stays in memory, so a batch
of any size costs the same per file; the folder is removed when the run ends.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile

from .data import write_atomically
from .model import Cell, Document, Hit, thaw
from .readers import ReadOutcome

_folder: str | None = None


def open_spool() -> None:
    global _folder
    close_spool()
    try:
        _folder = tempfile.mkdtemp(prefix="perflint-spool-")
    except OSError:
        _folder = None  # no temporary space: files are simply parsed twice


def close_spool() -> None:
    global _folder
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)
    _folder = None


def _entry(path: str) -> str | None:
    if _folder is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    # the pre-pass and the check name a file by the same string: no need to resolve it
    key = f"{path}\0{st.st_size}\0{st.st_mtime_ns}"
    return os.path.join(_folder, hashlib.sha1(key.encode()).hexdigest() + ".pickle")


def _plain_hit(hit: Hit) -> tuple:
    return hit.pointer, dict(hit.args), hit.related, hit.variant


def _hit(plain: tuple) -> Hit:
    pointer, args, related, variant = plain
    return Hit.at(pointer, related=related, variant=variant, **args)


def keep(path: str, outcome: ReadOutcome) -> None:
    """Leave a read's outcome for the check (a no-op when no spool is open)."""
    entry = _entry(path)
    if entry is None:
        return
    docs = [(d.kind, thaw(d.data), d.path, d.sheet, {p: (c.sheet, c.cell) for p, c in d.locations.items()},
             [(code, _plain_hit(h)) for code, h in d.reader_hits]) for d in outcome.documents]
    hits = [(code, _plain_hit(h)) for code, h in outcome.hits]
    try:
        write_atomically(entry, pickle.dumps((docs, hits), protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError, TypeError, ValueError):
        pass  # the check will parse the file itself


def take(path: str) -> ReadOutcome | None:
    """The outcome the pre-pass left for this file, or None (then the file is read as usual)."""
    entry = _entry(path)
    if entry is None:
        return None
    try:
        with open(entry, "rb") as fh:
            docs, hits = pickle.load(fh)
        os.unlink(entry)  # a province's batch need not sit in the temporary folder until the end
    except Exception:  # absent, or unreadable: read the file itself
        return None
    outcome = ReadOutcome()
    for kind, data, dpath, sheet, locations, reader_hits in docs:
        outcome.documents.append(Document.build(
            kind, data, path=dpath, sheet=sheet, locations={p: Cell(s, c) for p, (s, c) in locations.items()},
            reader_hits=[(code, _hit(h)) for code, h in reader_hits]))
    outcome.hits = [(code, _hit(h)) for code, h in hits]
    return outcome
