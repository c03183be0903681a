"""What a worker is given, and how drafts, results and records cross between processes and
through the disk caches.

The model stays plain dataclasses; what makes them cheap to send lives here. Drafts and results
cross by the thousand, and the generic state of a slotted dataclass looks its fields up on every
object, several times the cost of pickling the arguments of its constructor. Importing this module
registers that cheaper form (copyreg) for every value that travels; the batch imports it before any
process starts or any cache is written.
"""
from __future__ import annotations

import copyreg
import os
import pickle
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ..history.records import IndicatorRecord, Record, unreadable_reason
from ..model import (Cell, DocumentDraft, DocumentResult, FileDraft, FileResult, Finding, Hit, Location,
                     Related)

if TYPE_CHECKING:
    from ..engine import Engine
    from ..history import HistoryIndex
    from ..readers import ReaderOptions
    from ..run import Run


@dataclass
class BatchPlan:
    """What a worker needs to rebuild the engine; everything here pickles."""

    run: Run
    history: HistoryIndex | None = None
    timeout: float | None = None
    task: str = "check"  # the name of what a worker does with each file (tasks.py)


def _by_fields(cls: type):
    names = tuple(f.name for f in fields(cls))
    values = attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (cls, (values(obj),))
    return lambda obj: (cls, values(obj))


for _cls in (Cell, Location, Related, Hit, Finding, DocumentResult, FileResult, DocumentDraft, FileDraft,
             IndicatorRecord, Record):
    copyreg.pickle(_cls, _by_fields(_cls))


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


loads = pickle.loads


@dataclass(frozen=True)
class Prepared:
    """A first-pass file as a worker sends it: each document's record for the index, and the draft
    without them, still pickled (the parent stores the bytes as they come, unpickles them when the
    file's turn comes and gives the records back, so no record is pickled twice)."""

    records: list  # one per document of the draft, in order (None where it has none)
    unreadable: str | None
    draft: bytes


# a draft crosses as its fields, each document's without its record (the last field): the parent
# builds each document once, record included, when the file's turn comes
_UNRECORDED = attrgetter(*[f.name for f in fields(DocumentDraft) if f.name != "record"])


def unreadable(draft: FileDraft) -> str | None:
    """Why a first-pass file gave the index no record (None when it gave one)."""
    return None if draft.records else unreadable_reason(f.code for f in draft.findings)


def prepared(draft: FileDraft) -> Prepared:
    bare = (draft.path, [_UNRECORDED(d) for d in draft.documents], draft.findings, draft.seconds)
    return Prepared([d.record for d in draft.documents], unreadable(draft), dumps(bare))


def prepare(engine: Engine, path: str, options: ReaderOptions) -> Prepared:
    """The first pass on one file: read, judged alone, ready to cross."""
    return prepared(engine.prepare_file(path, options))


class Drafts:
    """First-pass drafts by file index, pickled in one anonymous temporary file (gone when closed).
    A run of one file keeps its one draft as it is: nothing to bound, nothing to pickle."""

    def __init__(self) -> None:
        self._file: Any = None
        self._slots: dict[int, tuple[int, int, list | None]] = {}
        self._held: dict[int, bytes] = {}  # blobs kept in memory when the temporary file cannot take them
        self._kept: dict[int, FileDraft | FileResult] = {}
        self._end = 0

    def __contains__(self, index: int) -> bool:
        return index in self._slots or index in self._kept

    def __len__(self) -> int:
        return len(self._slots) + len(self._kept)

    def keep(self, index: int, done: FileDraft | FileResult) -> None:
        self._kept[index] = done

    def put(self, index: int, blob: bytes, records: list | None = None) -> None:
        """`records`: the documents' records, kept out of the blob (the index holds them anyway)."""
        try:
            if self._file is None:
                import tempfile

                self._file = tempfile.TemporaryFile(prefix="perflint-", buffering=0)
            view, at = memoryview(blob), self._end
            while view:
                written = os.pwrite(self._file.fileno(), view, at)
                view, at = view[written:], at + written
        except OSError:  # no temporary space left: this one stays in memory
            self._held[index] = blob
            self._slots[index] = (-1, len(blob), records)
            return
        self._slots[index] = (self._end, len(blob), records)
        self._end += len(blob)

    def indexes(self) -> list[int]:
        return sorted([*self._slots, *self._kept])

    def discard(self, index: int) -> None:
        """Forget a draft finished elsewhere (its bytes stay in the file until it is closed)."""
        self._slots.pop(index, None)
        self._held.pop(index, None)
        self._kept.pop(index, None)

    def take(self, index: int) -> FileDraft | FileResult:
        if index in self._kept:
            return self._kept.pop(index)
        offset, size, records = self._slots.pop(index)
        blob = self._held.pop(index) if offset < 0 else os.pread(self._file.fileno(), size, offset)
        got = pickle.loads(blob)
        if type(got) is not tuple:
            return got  # a file's result already (a crash, a timeout)
        path, documents, findings, seconds = got
        records = records or [None] * len(documents)
        return FileDraft(path, tuple([DocumentDraft(*d, record=r) for d, r in zip(documents, records)]), findings, seconds)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._slots.clear()
        self._held.clear()
        self._kept.clear()
