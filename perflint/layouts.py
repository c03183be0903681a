"""The layouts of the four forms (rules/layouts.toml), loaded and checked once: what the template
writer renders, and the hints the workbook reader reads forms with. Nothing is loaded until first
asked for."""
from __future__ import annotations

from functools import lru_cache, partial
from typing import Any, Mapping

from .model import KINDS

_FLAGS = {"inline_values": bool, "merge_levels": bool, "spare_rows": bool, "full_marks": bool, "yuan": bool,
          "rate": str, "dept_cell": str, "period": str, "sheet_name": str}
_RATES = ("number", "percent", "text")
_LAYOUT_KEYS = {"heading", "target_columns", "selfeval_columns", "labels", "headers", "titles", *_FLAGS}
_TABLES = ("reader", "columns", "labels", "blank", "layouts")


class ReaderHints:
    """What the workbook reader takes from the layouts (a plain class: the reader's path defines no
    dataclass it does not need)."""

    __slots__ = ("columns", "identity", "selfeval_marks", "blocks")

    def __init__(self, columns: Mapping[str, str], identity: tuple[str, ...], selfeval_marks: tuple[str, ...],
                 blocks: tuple[str, ...] = ()) -> None:
        self.columns = columns                  # canonical header label → indicator field
        self.identity = identity                # labels that name a submission
        self.selfeval_marks = selfeval_marks    # labels only a self-evaluation carries
        self.blocks = blocks                    # labels of a form's funds and goals blocks


class Layouts:
    """The loaded file: each layout as the keyword arguments of the writer's Layout, the columns'
    widths, the blank template's rows, and the reader's hints."""

    __slots__ = ("layouts", "widths", "blank", "hints")

    def __init__(self, layouts: Mapping[str, dict], widths: Mapping[str, float],
                 blank: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]], hints: ReaderHints) -> None:
        self.layouts = layouts
        self.widths = widths
        self.blank = blank
        self.hints = hints


def _path():
    from .data import data_dir

    return data_dir("rules") / "layouts.toml"


@lru_cache(maxsize=1)
def layouts() -> Layouts:
    """The shipped layouts; a broken rules/layouts.toml is a DataError naming the file and key."""
    from .data import DataError, load_tables, string_list, table

    path = _path()
    raw = load_tables(path, _TABLES)

    def fail(key: str, problem: str):
        raise DataError(path, key, problem)

    table, strings = partial(table, path), partial(string_list, path)

    def text(where: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            fail(where, "must be non-empty text")
        return value

    def texts(where: str, value: Any, known: Any = None) -> dict[str, str]:
        out = table(where, value)
        for key, item in out.items():
            if known is not None and key not in known:
                fail(f"{where}.{key}", f"unknown key (known: {', '.join(known)})")
            text(f"{where}.{key}", item)
        return out

    columns = table("columns", raw.get("columns"))
    headers, widths, fields = {}, {}, {}
    for key, spec in columns.items():
        spec = table(f"columns.{key}", spec)
        extra = set(spec) - {"label", "field", "header", "width"}
        if extra:
            fail(f"columns.{key}.{sorted(extra)[0]}", "unknown key (known: label, field, header, width)")
        headers[key] = text(f"columns.{key}.header", spec.get("header"))
        width = spec.get("width", 12)
        if isinstance(width, bool) or not isinstance(width, (int, float)) or width <= 0:
            fail(f"columns.{key}.width", "must be a positive number")
        widths[key] = width
        if "label" in spec:
            fields.setdefault(text(f"columns.{key}.label", spec["label"]), str(spec.get("field", key)))
    labels = texts("labels", raw.get("labels"))
    blank = {}
    for stage, tree in table("blank", raw.get("blank")).items():
        blank[stage] = tuple((l1, strings(f"blank.{stage}.{l1}", l2s)) for l1, l2s in table(f"blank.{stage}", tree).items())
    if set(blank) != {"target", "selfeval"}:
        fail("blank", "must have the tables target and selfeval")

    found: dict[str, dict] = {}
    for name, spec in table("layouts", raw.get("layouts")).items():
        where = f"layouts.{name}"
        spec = table(where, spec)
        extra = set(spec) - _LAYOUT_KEYS
        if extra:
            fail(f"{where}.{sorted(extra)[0]}", f"unknown key (known: {', '.join(sorted(_LAYOUT_KEYS))})")
        cols = {}
        for key in ("target_columns", "selfeval_columns"):
            cols[key] = strings(f"{where}.{key}", spec.get(key))
            for col in cols[key]:
                if col not in columns:
                    fail(f"{where}.{key}", f"unknown column {col!r} (known: {', '.join(columns)})")
        flags = {}
        for key, kind in _FLAGS.items():
            if key in spec:
                if not isinstance(spec[key], kind):
                    fail(f"{where}.{key}", f"must be {'true or false' if kind is bool else 'text'}")
                flags[key] = spec[key]
        if flags.get("rate", "number") not in _RATES:
            fail(f"{where}.rate", f"must be one of {', '.join(_RATES)}")
        heading = strings(f"{where}.heading", spec.get("heading"))
        if sum("{title}" in line for line in heading) != 1 or sum("{year}" in line for line in heading) != 1:
            fail(f"{where}.heading", "must write {title} once and {year} once")
        titles = texts(f"{where}.titles", spec.get("titles"), KINDS)
        if set(titles) != set(KINDS):
            fail(f"{where}.titles", f"must name a title for each of {', '.join(KINDS)}")
        found[name] = dict(
            name=name, labels={**labels, **texts(f"{where}.labels", spec.get("labels", {}), labels)},
            target_columns=cols["target_columns"], selfeval_columns=cols["selfeval_columns"],
            headers={**headers, **texts(f"{where}.headers", spec.get("headers", {}), headers)},
            heading=heading, titles=titles, **flags)
    reader = table("reader", raw.get("reader"))
    hints = ReaderHints(fields, strings("reader.identity", reader.get("identity")),
                        strings("reader.selfeval_marks", reader.get("selfeval_marks")),
                        strings("reader.blocks", reader.get("blocks", [])))
    return Layouts(found, widths, blank, hints)


def reader_hints() -> ReaderHints:
    return layouts().hints
