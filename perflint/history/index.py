"""The cross-document index: records keyed by (kind, project code, year), with a name fallback."""
from __future__ import annotations

import os
from collections import defaultdict
from typing import Any, Iterable

from ..model import DEPT_KINDS
from .records import Record, code_key, norm_text, record_from_document, share_strings


RUN, HISTORY, REGISTRY = 0, 1, 2  # the sources of records, in the order queries answer them

class HistoryIndex:
    """Every record the run can compare with: the run's own documents, history files, registry rows.

    Built whole (by `perflint.history.IndexBuilder`) and unchanging from then on. Plain data only
    (records and dicts of positions), so it pickles to worker processes.
    `configured` says whether any history source (--history, config `history`, --registry) was given;
    `sources` names them, for findings that must say where perflint looked; `wanted`: the H codes
    the run selected (None: all); `unreadable`: history files that yielded no document, and why;
    `fingerprint`: what the result cache keys on (the sources' content).
    """

    def __init__(self, ranked: Iterable[tuple[Record, tuple]] = (), *, configured: bool = False,
                 sources: tuple[str, ...] = (), wanted: frozenset[str] | None = None,
                 unreadable: Iterable[tuple[str, str]] = (), fingerprint: str = "",
                 cache_hits: int = 0, cache_misses: int = 0) -> None:
        self.configured = configured
        self.fingerprint = fingerprint
        self.cache_hits, self.cache_misses = cache_hits, cache_misses
        self.wanted = wanted
        self.unreadable = tuple(unreadable)
        self.sources = tuple(sources)
        self.records: list[Record] = []
        # where each record stands among the sources: (RUN | HISTORY | REGISTRY, position
        # of its file, of the document in it). Queries answer in this order, whatever order the
        # records arrived in (a pool reads files in any order; a cached file is indexed before the rest)
        self._ranks: list[tuple] = []
        self._at: dict[tuple, int] = {}  # a file's document (or a registry row) -> its record
        self._ident: dict[tuple, int] = {}
        self._by_code: dict[tuple, list[int]] = defaultdict(list)
        self._by_name: dict[tuple, list[int]] = defaultdict(list)
        self._by_dept: dict[tuple, list[int]] = defaultdict(list)  # project targets by (dept key, year)
        self._years: dict[str, set[int]] = defaultdict(set)
        for rec, rank in ranked:
            self._add(rec, rank)
        self._complete = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_complete"):
            raise AttributeError(f"the index is complete and does not change ({name})")
        object.__setattr__(self, name, value)

    def _add(self, rec: Record, rank: tuple) -> None:
        """`rank`: (RUN | HISTORY | REGISTRY, the place of its file among that source's, of the
        document within the file)."""
        ident = rec.ident[:2] if not rec.from_registry else rec.ident
        at = self._at.get(ident)
        if at is not None:  # the same file reached as a run file and as history: one document,
            if rank < self._ranks[at]:  # counted where it ranks first
                self.records[at], self._ranks[at] = share_strings(rec), rank
                self._ident[rec.ident] = at
            return
        share_strings(rec)
        i = len(self.records)
        self._at[ident] = i
        self._ident[rec.ident] = i
        self.records.append(rec)
        self._ranks.append(rank)
        if rec.year is not None:
            self._years[rec.kind].add(rec.year)
        if rec.code_key:
            self._by_code[(rec.kind, rec.code_key, rec.year)].append(i)
        if rec.name_key:
            self._by_name[(rec.kind, rec.name_key, rec.year)].append(i)
        if rec.kind == "project_target":
            if code_key(rec.department_code):
                self._by_dept[("code", code_key(rec.department_code), rec.year)].append(i)
            if norm_text(rec.department):
                self._by_dept[("name", norm_text(rec.department), rec.year)].append(i)

    def __len__(self) -> int:
        return len(self.records)

    # ---- queries ------------------------------------------------------------------------------
    def covers(self, kind: str, year: int | None) -> bool:
        """Whether any source holds documents (or registry rows) of this kind and year: only then
        is a missing document evidence of absence rather than a gap in the archive."""
        return year is not None and year in self._years.get(kind, ())

    def match(self, kind: str, year: int | None, me: Record, *, documents_only: bool = False) -> tuple[list[Record], bool]:
        """Records of `kind` and `year` for the same project (or department) as `me`, and whether
        they matched by (department, name) rather than by code.

        By code first; where `me` has no code, or the code finds nothing (codes are often
        re-issued each year), by normalised department and project name.
        """
        mine = me.ident[:2]
        out: list[Record] = []
        if me.code_key:
            out = self._ranked(self._by_code.get((kind, me.code_key, year), ()))
            out = [r for r in out if r.ident[:2] != mine and not (documents_only and r.from_registry)]
            if out:
                return out, False
        if me.name_key:
            found = self._ranked(self._by_name.get((kind, me.name_key, year), ()))
            found = [r for r in found if r.ident[:2] != mine and not (documents_only and r.from_registry)]
            # a record with a different code of its own is another project of the same name
            # only within one year; across years codes are re-issued, so names decide there
            if kind == me.kind and year == me.year and me.code_key:
                found = [r for r in found if not r.code_key]
            return found, bool(found)
        return [], False

    def department_projects(self, year: int | None, dept: Record) -> tuple[list[Record], bool]:
        """Project targets of the department `dept` (a dept record) in `year`: by code, else by name."""
        key = code_key(dept.code)
        if key:
            found = self._ranked(self._by_dept.get(("code", key, year), ()))
            if found:
                return found, False
        name = norm_text(dept.name)
        if name:
            found = self._ranked(self._by_dept.get(("name", name, year), ()))
            return found, bool(found)
        return [], False

    def _ranked(self, positions) -> list[Record]:
        if len(positions) > 1:
            positions = sorted(positions, key=self._ranks.__getitem__)
        return [self.records[i] for i in positions]

    def by_ident(self, real: str, sheet: str | None, ordinal: int) -> Record | None:
        i = self._ident.get((real, sheet, ordinal))
        return self.records[i] if i is not None else None

    def record_of(self, doc) -> Record:
        """The record of a document being checked: its draft carries it; a bare Document gets one built."""
        rec = getattr(doc, "record", None)
        if rec is None:
            rec = record_from_document(doc, 0, os.path.realpath(doc.path) if doc.path else "")
        return rec


EMPTY = HistoryIndex()


def owner_is_dept(kind: str) -> bool:
    return kind in DEPT_KINDS
