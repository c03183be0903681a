"""Labels as forms write them, brought to one canonical spelling.

`normalise_label` removes what never distinguishes two labels (width, spaces, a trailing colon,
a leading 其中：) and sets a trailing parenthetical aside as a note (（万元）, （A）, （2025年-2027年）).
`LabelBook` maps the normalised text to a canonical label through rules/aliases.toml and the
profile's `[aliases.labels]` table; block headings (rules/aliases.toml [headings]) are labels
that name no field, so that they are never read as a value.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping, Sequence

from ...values import halfwidth

_SPACE = re.compile(r"\s+")
_TRAILING_NOTE = re.compile(r"^(.+?)\(([^()]*)\)$")
_LEADING = re.compile(r"^(?:[*★☆※]+|其中[:：]?|[0-9]+[.、]|[一二三四五六七八九十]+、|[(][0-9一二三四五六七八九十]+[)])")
_COLONS = ":："
_MAX_LABEL_CHARS = 40  # longer text is content (a goal, an explanation), never a label
_INLINE = re.compile(r"^\s*([^:：\n]{1,20}?)\s*[:：]\s*(\S.*)$", re.S)
_NOT_APPLICABLE = re.compile(r"^[\s\-－—–_/／\\]+$")
_CACHED_CHARS = _MAX_LABEL_CHARS * 2
_CACHE_SIZE = 20_000  # a few MB at most; names that never repeat clear it now and then


def normalise_label(text: object) -> tuple[str, str | None]:
    """(normalised label, note) of a cell's text; note is the trailing parenthetical, if any."""
    if not isinstance(text, str):
        return "", None
    return _normalise(text)


@lru_cache(maxsize=16384)  # a bureau's workbooks repeat the same few hundred label texts endlessly
def _normalise(text: str) -> tuple[str, str | None]:
    s = _SPACE.sub("", halfwidth(text)).rstrip(_COLONS)
    note = None
    m = _TRAILING_NOTE.match(s)
    if m:
        s, note = m.group(1).rstrip(_COLONS), m.group(2)
    m = _LEADING.match(s)
    if m and len(s) > m.end():
        s = s[m.end():]
    return s, note


class AliasError(ValueError):
    pass


class LabelBook:
    """Canonical label of a normalised cell text, or None if the text is no label."""

    def __init__(self, table: Mapping[str, Sequence[str]], extra: Mapping[str, str] | None = None, *,
                 headings: Sequence[str] = (), below: Sequence[str] = (), never_inline: Sequence[str] = (),
                 no_field: Sequence[str] = ()) -> None:
        self.canonical = frozenset(normalise_label(k)[0] for k in table)
        # block headings are labels (never a value) that name no field
        self.headings = frozenset(normalise_label(h)[0] for h in headings) - self.canonical
        self.below = frozenset(below)  # labels whose text is written under them
        self.never_inline = frozenset(never_inline)  # 单位：元 is the sheet's unit note, not a 度量单位 value
        self._map: dict[str, str] = {h: h for h in self.headings}
        # 项目负责人, 联系电话: labels too (so never a value), though no field is read from them
        for label in no_field:
            key = normalise_label(label)[0]
            self._map.setdefault(key, key)
        for canon, spellings in table.items():
            key = normalise_label(canon)[0]
            self._map[key] = key
            for spelling in spellings:
                self._map[normalise_label(spelling)[0]] = key
        self.problems: list[str] = []
        for alias, canon in (extra or {}).items():
            target = normalise_label(str(canon))[0]
            target = self._map.get(target, target)
            if target not in self.canonical:
                self.problems.append(f"{alias} → {canon}")
                continue
            self._map[normalise_label(str(alias))[0]] = target
        self._seen: dict[str, tuple | None] = {}

    def classify(self, value: str) -> tuple[str | None, str | None, str | None, str | None] | None:
        """What a string cell is: None for blank or not applicable (a lone dash or slash), else
        (normalised text if short enough to be a label, canonical label, its note, the value a label
        cell holds after its colon: 项目名称：义务教育学生营养改善计划). Every sheet of a bureau's
        returns repeats the same labels and phrases, so short texts are answered once."""
        if len(value) > _CACHED_CHARS:
            return self._classify(value)
        try:
            return self._seen[value]
        except KeyError:
            pass
        if len(self._seen) >= _CACHE_SIZE:
            self._seen.clear()
        out = self._seen[value] = self._classify(value)
        return out

    def _classify(self, value: str) -> tuple[str | None, str | None, str | None, str | None] | None:
        if not value.strip() or _NOT_APPLICABLE.match(value):
            return None
        text = canon = note = None
        if len(value) <= _CACHED_CHARS:
            norm, note = _normalise(value)
            if len(norm) <= _MAX_LABEL_CHARS:
                text = norm
                canon = self._map.get(norm)
        if canon is None and ("：" in value[:24] or ":" in value[:24]):
            m = _INLINE.match(value)
            if m:
                head, head_note = _normalise(m.group(1))
                found = self._map.get(head)
                if found is not None and found not in self.never_inline and found not in self.headings:
                    return text, found, head_note, m.group(2).strip()
        return text, canon, (note if canon is not None else None), None

    def __call__(self, text: object) -> tuple[str | None, str | None]:
        """(canonical label or None, note) for a cell value."""
        key, note = normalise_label(text)
        return self._map.get(key), note


_BOOKS: dict[tuple, LabelBook] = {}


def label_book(profile_aliases: Mapping[str, Mapping[str, str]] | None = None) -> LabelBook:
    """The shipped aliases extended by a profile's `[aliases.labels]` (alias = canonical); the book
    carries the vocabulary the profile extends (`book.voc`: operators, levels, placeholders, hints)."""
    from ...vocabulary import vocabulary_for

    voc = vocabulary_for(profile_aliases)
    extra = dict((profile_aliases or {}).get("labels") or {})
    key = (voc, tuple(sorted(extra.items())))  # the vocabulary itself: an id could be reused
    book = _BOOKS.get(key)
    if book is None:
        book = _BOOKS[key] = LabelBook(voc.labels, extra, headings=voc.headings, below=voc.layout_of("below"),
                                       never_inline=voc.layout_of("never_inline"), no_field=voc.layout_of("no_field"))
        book.voc = voc
    return book
