"""How a sheet was read: each field with its cell and the label that led there, the labels the
reader could not place, and, for a field it could not find, the labels it saw that might be it.

`perflint convert --explain` prints the first two; the third becomes part of the finding on the
missing field (its location and a hint naming the alias line to add).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .grid import Grid, a1
from .labels import normalise_label

if TYPE_CHECKING:
    from .forms import SheetForm

_MAX_LABEL = 16  # longer text is content or a sentence, not a label someone would alias
_MAX_SEEN = 6


def _label_like(text: str) -> bool:
    t = text.strip().rstrip(":：")
    return 1 < len(t) <= _MAX_LABEL and not any(ch.isdigit() for ch in t) and not t.startswith(("[", "【")) \
        and ":" not in t and "：" not in t


def unplaced(form: SheetForm) -> list[tuple[tuple[int, int], str]]:
    """Short texts the reader neither read as a value nor used as a label (nor are they inside the
    indicator table or the title), in reading order."""
    g: Grid = form.g
    used_labels = set(form.sources.values())
    table = form.table
    out = []
    for key in sorted(g.texts, key=lambda k: (k[0], k[1])):
        if key in form.used or key in used_labels or key == form.title:
            continue
        if table is not None and table[0] < key[0] <= table[1]:
            continue
        if table is not None and key[0] == table[0] and key in g.labels:
            continue  # the table's own header
        if key in g.labels and (g.labels[key] in g.book.headings or g.labels[key] in _QUIET):
            continue
        text = str(g.cells[key]).strip()
        if _label_like(text):
            out.append((key, text))
    return out


# labels that are read as part of a block (their own cell is never a value's source)
_QUIET = frozenset({"一级指标", "二级指标", "三级指标", "指标性质", "年度指标值", "度量单位", "实际完成值", "分值", "得分",
                    "偏差原因分析及改进措施", "中长期指标值", "年初预算数", "全年预算数", "全年执行数", "执行率",
                    "当年财政拨款", "上年结转资金", "其他资金", "年度资金总额", "年度主要任务", "任务名称", "主要内容",
                    "预算金额"})


def _similar(text: str, canon: str, spellings: tuple[str, ...]) -> int:
    """How many characters a seen label shares with the field's spellings (项目承担单位 ~ 实施单位)."""
    t = set(text) - set("项目的及其")
    return max((len(t & set(s)) for s in (canon,) + spellings), default=0)


def missing_hints(form: SheetForm) -> dict[str, dict]:
    """{pointer: hint} for each field whose label is nowhere on the sheet: the labels seen that
    might be it (most alike first), and the alias line that would teach it to perflint. Where one
    of them is alike, the field's location becomes that cell rather than an unrelated one."""
    if not form.missing:
        return {}
    from ...vocabulary import alias_line, vocabulary

    labels = vocabulary().labels
    seen_all = unplaced(form)
    spots = {key for key, _ in seen_all}
    candidates = [(key, text) for key, text in seen_all
                  if key not in form.g.labels and not _in_value_position(form.g, key, spots)]
    hints: dict[str, dict] = {}
    for ptr, canon in form.missing.items():
        ranked = sorted(((_similar(text, canon, labels.get(canon, ())), i, key, text)
                         for i, (key, text) in enumerate(candidates)), key=lambda x: (-x[0], x[1]))
        seen = [(key, text) for score, _, key, text in ranked][:_MAX_SEEN]
        best = next(((key, text) for score, _, key, text in ranked if score >= 2), None)
        hint = {"label": canon, "seen": [f"{text}（{a1(*key)}）" for key, text in seen]}
        if best is not None:
            hint["line"] = alias_line(normalise_label(best[1])[0], canon)
            hint["cell"] = a1(*best[0])
            if ptr not in form.locations:
                form.locations[ptr] = form.g.cell(best[0])
        elif ptr not in form.locations:
            from ...model import Cell

            form.locations[ptr] = Cell(form.g.name, "")  # the sheet: no cell of the form is its place
        hints[ptr] = hint
    return hints


def _in_value_position(g: Grid, key: tuple[int, int], spots: set) -> bool:
    """A text right after a label (known or not) is that label's value, not a label itself."""
    r, c = key
    left = [cc for cc in g.row_cols(r) if cc < c]
    return bool(left) and ((r, left[-1]) in g.labels or (r, left[-1]) in spots)


def explain(form: SheetForm) -> dict:
    """Each located value with its cell and the labels that led there; the labels not placed."""
    g: Grid = form.g
    by_ref = {a1(*k): k for k in form.used}
    fields = []
    for ptr, cell in form.locations.items():
        if not cell.cell or ptr.startswith("/waivers"):
            continue
        label = form.sources.get(ptr)
        keys = [label] if label is not None else _position_labels(g, by_ref.get(cell.cell), form)
        if ptr == "/fiscal_year" and form.title is not None:
            keys = [form.title]
        fields.append({"pointer": ptr, "cell": cell.cell,
                       "labels": [{"cell": a1(*k), "text": str(g.cells[k]).strip()} for k in keys]})
    return {"sheet": g.name, "fields": fields,
            "unplaced": [{"cell": a1(*key), "text": text} for key, text in unplaced(form)],
            "missing": dict(form.missing)}


def _position_labels(g: Grid, key: tuple[int, int] | None, form: SheetForm) -> list[tuple[int, int]]:
    """A value found by position: its column header (in a table or a grid) and its row label."""
    if key is None:
        return []
    r, c = key
    header = max((k for k in g.labels if k[1] == c and k[0] < r), default=None)
    if form.table is not None and form.table[0] <= r <= form.table[1]:
        return [header] if header is not None else []
    left = max((k for k in g.labels if k[0] == r and k[1] < c), default=None)
    return [k for k in (header, left) if k is not None]


def skipped_sheet(grid: Grid) -> dict:
    """A sheet read as none of the four forms: the labels on it, so that a user sees why."""
    seen = [{"cell": a1(*key), "text": str(grid.cells[key]).strip()}
            for key in sorted(grid.texts) if _label_like(str(grid.cells[key]))]
    return {"sheet": grid.name, "kind": None, "fields": [], "unplaced": seen[:60], "missing": {}}
