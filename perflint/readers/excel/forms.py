"""Which form a sheet holds, and its canonical document, found by labels rather than addresses."""
from __future__ import annotations

import re
from typing import Any

from ...layouts import reader_hints
from ...model import Cell, Hit, pointer
from ...values import NotANumber, halfwidth, parse_number, split_inline
from ...vocabulary import checked_choice
from .grid import Grid, a1, title_year

_TITLE_ROWS = 8
_DEPT_CODE = re.compile(r"^\s*[\[【(（]?\s*(\d{6,})\s*[\]】)）]?\s*[-－—_:：、]?\s*(.*)$", re.S)
_PERIOD = re.compile(r"((?:19|20)\d{2})[^-－—–~～至到]{0,6}?(?:-|－|—|–|~|～|至|到)\D{0,3}?((?:19|20)\d{2})")
_ONE_YEAR = re.compile(r"^((?:19|20)\d{2})年?$")
# 单位：元, 金额单位：元, （单位：元）, 资金单位:人民币元, also at the end of a line holding other notes
_YUAN = re.compile(r"(?:^|[(,，;；\s]|金额|资金)单位[:]?(?:人民币)?元(?:\)|$|[,，;；\s])")

# which header labels name which indicator column, which labels make a sheet a form and which mark a
# self-evaluation: rules/layouts.toml, the layouts perflint template writes (reader_hints())


# ---- detection ---------------------------------------------------------------------------------
def find_title(grid: Grid) -> tuple[tuple[int, int] | None, str | None]:
    """The title cell and the kind its text names, if any."""
    rows = grid.rows()[:_TITLE_ROWS]
    for r in rows:
        for c in grid.row_cols(r):
            value = grid.cells[(r, c)]
            if not isinstance(value, str) or len(value) > 80:
                continue
            kind = _TITLE_KINDS.get(value, _UNSEEN)
            if kind is _UNSEEN:  # the same titles and notes head a bureau's returns: each read once
                kind = kind_of_title(re.sub(r"\s+", "", halfwidth(value)))
                if len(_TITLE_KINDS) >= 20_000:
                    _TITLE_KINDS.clear()
                _TITLE_KINDS[value] = kind
            if kind:
                return (r, c), kind
    return None, None


_TITLE_KINDS: dict[str, str | None] = {}
_UNSEEN = object()


def kind_of_title(t: str) -> str | None:
    if "绩效" not in t or "表" not in t or "说明" in t or "汇总" in t or "清单" in t:
        return None
    if "自评" in t or "评价" in t:
        stage = "selfeval"
    elif "目标" in t or "申报" in t:
        stage = "target"
    else:
        return None
    dept = "整体" in t or ("部门" in t and "项目" not in t)
    return f"{'dept' if dept else 'project'}_{stage}"


def indicator_header(grid: Grid) -> int | None:
    """The header row of the indicator table: 一级指标 with 三级指标 (or 指标名称) in one row; else,
    for a form whose levels are missing, 三级指标 with another indicator column (二级指标, 指标值…)."""
    for key in grid.by_label.get("一级指标", ()):
        r = key[0]
        if any(grid.labels.get((r, c)) == "三级指标" for c in grid.row_cols(r)):
            return r
    for key in grid.by_label.get("三级指标", ()):
        r = key[0]
        others = {grid.labels.get((r, c)) for c in grid.row_cols(r)} & _HEADER_PARTNERS
        if others:
            return r
    return None


_HEADER_PARTNERS = frozenset({"一级指标", "二级指标", "指标性质", "年度指标值", "度量单位", "实际完成值", "中长期指标值"})


def detect(grid: Grid) -> tuple[str | None, tuple[int, int] | None]:
    """(kind, title cell) of a sheet, or (None, None) when it is none of the four forms.

    A sheet that is plainly a performance form (a title or label saying 绩效目标 / 绩效自评, and an
    indicator table) is read as one even when its identity labels or levels are missing or
    misspelt: the rules then say what is missing, rather than F002."""
    title, kind = find_title(grid)
    header = indicator_header(grid)
    hints = reader_hints()
    identity = sum(1 for lab in hints.identity if lab in grid.by_label)
    if kind:
        blocks = identity >= 1 and any(lab in grid.by_label for lab in hints.blocks)
        return (kind, title) if header is not None or identity >= 2 or blocks else (None, None)
    if header is None:
        return None, None
    words = _form_words(grid)
    if identity == 0 and words is None:
        return None, None
    dept = "项目名称" not in grid.by_label and ("部门名称" in grid.by_label or bool(words and words[1]))
    selfeval = any(lab in grid.by_label for lab in hints.selfeval_marks) or bool(words and words[0])
    return f"{'dept' if dept else 'project'}_{'selfeval' if selfeval else 'target'}", None


def later_titles(grid: Grid) -> list[int]:
    """Rows where another form may start on the same sheet: a title naming one of the four forms,
    on a row of its own, below the first label that names the submission (项目名称, 部门名称…) (a
    county that puts a project's target sheet and its self-evaluation one under the other)."""
    named = [key[0] for label in reader_hints().identity for key in grid.by_label.get(label, ())]
    if not named:
        return []
    first = min(named)
    rows = {key[0] for key, norm in grid.texts.items()
            if key[0] > first and key not in grid.labels and kind_of_title(norm)}
    # not the value of a label (项目名称 | …绩效自评表)
    return sorted(r for r in rows if not any((r, c) in grid.labels for c in grid.row_cols(r)))


def _form_words(grid: Grid) -> tuple[bool, bool] | None:
    """(self-evaluation, department) when a title-like cell says 绩效目标/绩效自评/…, else None."""
    words = grid.book.voc.layout_of("form_words")
    for r in grid.rows()[:_TITLE_ROWS]:
        for c in grid.row_cols(r):
            value = grid.cells[(r, c)]
            if isinstance(value, str) and len(value) <= 80:
                t = re.sub(r"\s+", "", halfwidth(value))
                if any(w in t for w in words) and "说明" not in t:
                    return ("自评" in t or "评价" in t), ("整体" in t or ("部门" in t and "项目" not in t))
    return None


def sheet_in_yuan(grid: Grid) -> bool:
    """A sheet-wide 单位：元 note (alone, or in brackets after the title: …申报表（单位：元）), or a funds
    heading or total in 元 (项目资金（元）, 资金总额（元）)."""
    for key in grid.texts:
        text = grid.cells[key]  # not the normalised text, which sets a trailing （单位：元） aside
        if "元" in text and "单位" in text and _YUAN.search(halfwidth(text).replace(" ", "")):
            return True
    for key, note in grid.notes.items():
        if note in ("元", "单位:元", "单位：元") and (grid.labels.get(key) in ("中期资金总额", "年度资金总额")
                                                 or grid.labels.get(key) in grid.book.headings):
            return True
    return False


# ---- extraction --------------------------------------------------------------------------------
class SheetForm:
    """Builds one document's raw data (before the shared Normaliser) and its locations."""

    def __init__(self, grid: Grid, kind: str, title: tuple[int, int] | None, percent: set, *,
                 guess_percent: bool = True) -> None:
        self.g = grid
        self.voc = grid.book.voc
        self.kind = kind
        self.title = title
        self.percent = percent
        self.yuan = sheet_in_yuan(grid)
        self.locations: dict[str, Cell] = {}
        self.hits: list[tuple[str, Hit]] = []
        self.used: dict[tuple[int, int], str] = {}  # cell → pointer, for findings on cells (F005)
        self.guess_percent = guess_percent
        self.selfeval = kind.endswith("selfeval")
        self.sources: dict[str, tuple[int, int]] = {}  # pointer → the label cell that led to its value
        self.missing: dict[str, str] = {}  # pointer → the canonical label that was nowhere on the sheet
        self.table: tuple[int, int] | None = None  # first and last row of the indicator table

    # -- helpers
    def at(self, ptr: str, key: tuple[int, int] | None) -> None:
        if key is not None:
            self.locations[ptr] = self.g.cell(key)
            self.used.setdefault(key, ptr)

    def raw(self, key: tuple[int, int] | None) -> Any:
        return self.g.value(key)

    def text(self, key: tuple[int, int] | None) -> str | None:
        v = self.raw(key)
        if v is None:
            return None
        if isinstance(v, bool):
            return "是" if v else "否"
        return v.strip() if isinstance(v, str) else str(v)

    def amount(self, key: tuple[int, int] | None, yuan: bool | None = None) -> Any:
        v = self.raw(key)
        if isinstance(v, str):
            try:
                v = parse_number(v)
            except NotANumber:
                return v  # the Normaliser reports it (F004) with this cell
        if isinstance(v, (int, float)) and not isinstance(v, bool) and (self.yuan if yuan is None else yuan):
            v = round(v / 10000, 6)
        return v

    def measure(self, key: tuple[int, int] | None) -> Any:
        """An indicator value or a rate: a percent-formatted 0.96 is 96."""
        v = self.raw(key)
        if key in self.percent and isinstance(v, (int, float)) and not isinstance(v, bool):
            return percent_of(v)
        return v

    def field(self, canon: str, ptr: str) -> tuple[bool, tuple[int, int] | None, tuple[int, int] | None]:
        """(label found, label cell, value cell) and the location of the value (or of its blank cell)."""
        label, value = self.g.find(canon)
        if label is None:
            self.missing.setdefault(ptr, canon)
            return False, None, None
        self.sources[ptr] = label
        self.at(ptr, value if value is not None else self.g.blank_target(label))
        # the enclosing block (/project, /funds/annual…) is where its first label stands, so that a
        # finding on a missing sibling still points into the form
        parent = ptr.rsplit("/", 1)[0]
        while parent and parent not in self.locations:
            self.locations[parent] = self.g.cell(label)
            parent = parent.rsplit("/", 1)[0]
        return True, label, value

    # A blank field is left out, as JSON leaves it out; its location still points at the blank cell.
    def set_text(self, out: dict, key: str, canon: str, ptr: str) -> None:
        found, _, cell = self.field(canon, ptr)
        if found and cell is not None:
            out[key] = self.text(cell)

    def set_amount(self, out: dict, key: str, canon: str, ptr: str, required: bool = False) -> None:
        """A blank optional amount is left out; a required one whose label is there but whose cell
        is blank is None, so that it is reported blank at its cell rather than missing."""
        found, label, cell = self.field(canon, ptr)
        if found and (cell is not None or required):
            out[key] = self.amount(cell, self._yuan_for(label))

    def _yuan_for(self, label: tuple[int, int] | None) -> bool:
        note = self.g.notes.get(label) if label is not None else None
        if note == "元":
            return True
        if note == "万元":
            return False
        return self.yuan

    # -- the document
    def build(self) -> dict:
        data: dict[str, Any] = {"form": self.kind}
        self.fiscal_year(data)
        if self.kind.startswith("project"):
            data["project"] = self.project()
        else:
            data["department"] = self.department()
        data["funds"] = {
            "project_target": self.funds_project_target,
            "dept_target": self.funds_dept_target,
            "project_selfeval": self.funds_project_selfeval,
            "dept_selfeval": self.funds_dept_selfeval,
        }[self.kind]()
        if self.kind == "dept_target":
            data["tasks"] = self.tasks()
        data["goals"] = self.goals()
        indicators, total_row, score_col = self.indicators()
        data["indicators"] = indicators
        if self.selfeval:
            self.totals(data, total_row, score_col)
        return data

    def fiscal_year(self, data: dict) -> None:
        """From the title's （2025年度）, else a 年度 label, else a year line next to the title (not a
        project name further down that happens to hold a year)."""
        if self.title is not None:
            year = title_year(halfwidth(str(self.g.cells[self.title])))
            if year:
                data["fiscal_year"] = year
                self.at("/fiscal_year", self.title)
                return
        found, _, cell = self.field("年度", "/fiscal_year")
        if found and cell is not None:
            v = self.raw(cell)
            if isinstance(v, str):
                m = _ONE_YEAR.match(re.sub(r"\s+", "", halfwidth(v)).replace("年度", "年"))
                v = int(m.group(1)) if m else v
            data["fiscal_year"] = v
            return
        rows = self.g.rows()
        start = rows.index(self.title[0]) if self.title is not None else 0
        for r in rows[start:start + 3]:
            for c in self.g.row_cols(r):
                v = self.g.cells[(r, c)]
                if isinstance(v, str) and len(v) <= 80 and (r, c) not in self.g.labels:
                    year = title_year(halfwidth(v))
                    if year:
                        data["fiscal_year"] = year
                        self.at("/fiscal_year", (r, c))
                        return

    def owner_code_name(self, out: dict, canon: str, ptr: str) -> None:
        found, _, cell = self.field(canon, ptr + "/name")
        if not found:
            return
        self.at(ptr, cell)
        text = self.text(cell)
        code, name = split_code(text)
        if code is not None:
            out["code"] = code
            self.at(ptr + "/code", cell)
        out["name"] = name

    def project(self) -> dict:
        p: dict[str, Any] = {}
        self.set_text(p, "code", "项目编码", "/project/code")
        self.set_text(p, "name", "项目名称", "/project/name")
        # a project form without 主管部门 may name its 预算单位/部门名称 instead
        owner = "主管部门" if "主管部门" in self.g.by_label or "部门名称" not in self.g.by_label else "部门名称"
        found, _, cell = self.field(owner, "/project/department")
        if found:
            code, name = split_code(self.text(cell))
            p["department"] = {"code": code, "name": name}
            self.at("/project/department/code", cell)
            self.at("/project/department/name", cell)
        self.set_text(p, "implementing_unit", "实施单位", "/project/implementing_unit")
        if self.kind == "project_target" or "项目属性" in self.g.by_label:
            self.set_text(p, "attribute", "项目属性", "/project/attribute")
            if "attribute" in p:  # 新增项目 □ 延续项目 ☑: the ticked box, or blank when none is
                p["attribute"] = checked_choice(p["attribute"])
                if p["attribute"] is None:
                    del p["attribute"]
        found, _, cell = self.field("项目期", "/project/period")
        if cell is not None:
            p["period"] = parse_period(self.raw(cell))
        if self.kind == "project_target":
            self.set_amount(p, "prior_year_budget", "上年预算数", "/project/prior_year_budget")
            found, _, cell = self.field("事前绩效评估", "/project/ex_ante_assessment")
            if cell is not None:
                p["ex_ante_assessment"] = ex_ante(checked_choice(self.text(cell)))
        return p

    def department(self) -> dict:
        d: dict[str, Any] = {}
        self.owner_code_name(d, "部门名称", "/department")
        found, _, cell = self.field("部门编码", "/department/code")
        if found and self.raw(cell) is not None:
            d["code"] = self.text(cell)
        if d:
            d.setdefault("code", None)
        return d

    # -- funds
    def pair_block(self, head: str, ptr: str) -> dict:
        """中期/年度资金总额 with the 其中：财政拨款 / 其他资金 rows that belong to it by position."""
        g = self.g
        heads = g.by_label.get(head)
        if not heads:
            return {}
        h = heads[0]
        out: dict[str, Any] = {}
        yuan = self._yuan_for(h)
        self.at(ptr, h)
        self.sources[ptr + "/total"] = h
        near = [k for canon in ("当年财政拨款", "其他资金") for k in g.by_label.get(canon, ())
                if h[0] < k[0] <= h[0] + 4]
        # pair layout: the 其中 rows sit under the head, in its column; otherwise the heads run
        # across with row labels down the left, and values sit where they meet
        grid_mode = bool(near) and not any(k[1] == h[1] for k in near) and g.right_of(h)[0] is None
        under = None
        if grid_mode:
            total_cell = self._meet("年度资金总额", h, exclude=h) or self._meet_total_row(h)
        else:
            total_cell = g.right_of(h)[0]
            under = self._under_heads(h) if total_cell is None else None
        if under is not None:
            total_cell, out["total"] = self._column_amount(under, yuan)
            self.at(ptr + "/total", total_cell)
        else:
            out["total"] = self.amount(self._filled(total_cell), yuan)
            self.at(ptr + "/total", total_cell or g.blank_target(h))
        for key, canon in (("fiscal", "当年财政拨款"), ("other", "其他资金")):
            if grid_mode:
                cell = self._meet(canon, h)
                sub = cell
            else:
                # under the head (vertical blocks side by side), or along its row (one line per block)
                subs = [k for k in g.by_label.get(canon, ())
                        if h[0] < k[0] <= h[0] + 4 or (k[0] == h[0] and k[1] > h[1])]
                if not subs:
                    continue
                sub = min(subs, key=lambda k: (abs(k[1] - h[1]), k[0]))
                cell = g.right_of(sub)[0]
                under = self._under_heads(sub, in_row=True) if cell is None and under is not None \
                    and sub[0] == h[0] else None
                if under is not None:
                    cell, value = self._column_amount(under, yuan)
                    self.at(f"{ptr}/{key}", cell)
                    self.sources[f"{ptr}/{key}"] = sub
                    if value is not None or key != "other":
                        out[key] = value
                    continue
            if sub is None:
                continue
            self.at(f"{ptr}/{key}", cell or g.blank_target(sub))
            if not grid_mode:
                self.sources[f"{ptr}/{key}"] = sub
            cell = self._filled(cell)
            if cell is None and key == "other":
                continue  # a blank optional amount is simply absent
            out[key] = self.amount(cell, yuan)
        return out

    _FUND_HEADS = frozenset({"中期资金总额", "年度资金总额", "当年财政拨款", "上年结转资金", "其他资金"})

    def _under_heads(self, head: tuple[int, int], in_row: bool = False) -> tuple[int, list[int], bool] | None:
        """A head in a row of heads (本年度预计投入 | 财政资金 | 其他) whose amount is in the row
        below it: (that row, the head's columns, whether a row of sub-heads stands between, as
        中央 | 省级 | 市级 | 本级 under a merged 财政资金). None when the head has a value area of its
        own, or a label stands below it. `in_row`: the row is known to be a row of fund heads."""
        g = self.g
        nxt = (head[0], g.span_end_col(head) + 1)
        if not in_row and g.labels.get(nxt) not in self._FUND_HEADS:
            return None
        cols = list(range(head[1], g.span_end_col(head) + 1))
        r = g.span_end_row(head) + 1
        row = [(r, c) for c in cols if (r, c) in g.cells]
        if any(k in g.labels for k in row):
            return None
        split = len(cols) > 1 and bool(row) and all(isinstance(g.cells[k], str) and not _is_amount(g.cells[k])
                                                     for k in row)
        if split:
            r += 1
            if any((r, c) in g.labels for c in cols):
                return None
        return r, cols, split

    def _column_amount(self, under: tuple[int, list[int], bool], yuan: bool) -> tuple[tuple[int, int], Any]:
        """(the cell, the amount) under a head: split columns add up to the head's amount."""
        r, cols, split = under
        cells = [(r, c) for c in cols if (r, c) in self.g.cells]
        if not split or not cells:
            cell = (r, cols[0])
            return cell, self.amount(cell if cell in self.g.cells else None, yuan)
        parts = [self.amount(k, yuan) for k in cells]
        for k, v in zip(cells, parts):
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                return k, v  # the Normaliser names the part that is no number
        return cells[0], round(sum(parts), 6)

    def _meet(self, row_label: str, head: tuple[int, int], exclude=None) -> tuple[int, int] | None:
        """Where the row of a row label under the grid meets the head's column, blank or not: a
        blank 财政拨款 there is reported at that cell. None when no such row."""
        for k in self.g.by_label.get(row_label, ()):
            if k != exclude and k[0] > head[0] and k[1] < head[1]:
                cell = (k[0], head[1])
                return None if cell in self.g.labels else self.g.covered.get(cell, cell)
        return None

    def _meet_total_row(self, head: tuple[int, int]) -> tuple[int, int] | None:
        """A grid whose total row says only 合计 (大庆's 合计 | 上年度预算安排 | … | 本年度申请金额):
        the first such row under the head."""
        g = self.g
        totals = self.voc.layout_of("funds_total_rows")
        rows = [k[0] for k, t in g.texts.items() if t in totals and k[0] > head[0] and k[1] < head[1]]
        if not rows:
            return None
        cell = (min(rows), head[1])
        return None if cell in g.labels else g.covered.get(cell, cell)

    def _filled(self, cell: tuple[int, int] | None) -> tuple[int, int] | None:
        return cell if cell is not None and cell in self.g.cells else None

    def funds_project_target(self) -> dict:
        funds: dict[str, Any] = {}
        for key, head in (("medium_term", "中期资金总额"), ("annual", "年度资金总额")):
            block = self.pair_block(head, f"/funds/{key}")
            if block or head in self.g.by_label:
                funds[key] = block
        return funds

    def funds_dept_target(self) -> dict:
        funds: dict[str, Any] = {}
        for key, canon in (("total", "年度资金总额"), ("fiscal", "当年财政拨款"), ("other", "其他资金"),
                           ("basic", "基本支出"), ("project", "项目支出")):
            self.set_amount(funds, key, canon, f"/funds/{key}", required=key in ("total", "fiscal"))
        return funds

    _GRID_COLUMNS = (("initial", "年初预算数"), ("adjusted", "全年预算数"), ("executed", "全年执行数"),
                     ("weight", "分值"), ("execution_rate", "执行率"), ("score", "得分"))
    _GRID_ROWS = (("total", "年度资金总额"), ("fiscal_current", "当年财政拨款"), ("carryover", "上年结转资金"),
                  ("other", "其他资金"))

    def _funds_grid(self) -> tuple[int, dict[str, int]] | None:
        g = self.g
        for key in g.by_label.get("全年预算数", ()):
            r = key[0]
            cols: dict[str, int] = {}
            for c in g.row_cols(r):
                canon = g.labels.get((r, c))
                for name, label in self._GRID_COLUMNS:
                    if canon == label and name not in cols:
                        cols[name] = c
            if "initial" in cols or "executed" in cols:
                self.at("/funds", key)
                return r, cols
        return None

    def _grid_rows(self, header: int, first_col: int) -> dict[str, int]:
        rows: dict[str, int] = {}
        end = header + 8
        for name, canon in self._GRID_ROWS:
            for k in self.g.by_label.get(canon, ()):
                if header < k[0] <= end and k[1] < first_col:
                    rows[name] = k[0]
                    break
        return rows

    def _grid_value(self, r: int, c: int, key: str, ptr: str, out: dict, yuan: bool) -> None:
        cell = (r, c)
        if cell not in self.g.cells and cell in self.g.covered:
            cell = self.g.covered[cell]
        if key in ("weight", "score"):
            out[key] = self.raw(cell) if cell in self.g.cells else None
        elif key == "execution_rate":
            out[key] = self.measure(cell) if cell in self.g.cells else None
        else:
            out[key] = self.amount(cell if cell in self.g.cells else None, yuan)
        self.at(ptr, cell)

    def funds_project_selfeval(self) -> dict:
        found = self._funds_grid()
        if found is None:
            return {}
        header, cols = found
        rows = self._grid_rows(header, min(cols.values()))
        if "total" not in rows:
            rows["total"] = self._next_row(header)
        funds: dict[str, Any] = {}
        for name, r in rows.items():
            if r is None:
                continue
            block: dict[str, Any] = {}
            for key in ("initial", "adjusted", "executed"):
                if key in cols:
                    self._grid_value(r, cols[key], key, f"/funds/{name}/{key}", block, self.yuan)
            funds[name] = block
            self.at(f"/funds/{name}", (r, min(cols.values())))
        total_row = rows.get("total")
        for key in ("weight", "execution_rate", "score"):
            if key in cols and total_row is not None:
                self._grid_value(total_row, cols[key], key, f"/funds/{key}", funds, self.yuan)
        self._rate_fraction(funds, funds.get("total") or {})
        return funds

    def funds_dept_selfeval(self) -> dict:
        found = self._funds_grid()
        if found is None:
            return {}
        header, cols = found
        adjusted = (header, cols.get("adjusted", -1))
        if adjusted in self.g.cells and self.g.right_of(adjusted)[0] is not None:
            return self._funds_pairs()  # 年初预算数 | 5000 | 全年预算数 | 5200 | …: label and value pairs
        rows = self._grid_rows(header, min(cols.values()))
        r = rows.get("total") or self._next_row(header)
        funds: dict[str, Any] = {}
        if r is None:
            return funds
        for key, _ in self._GRID_COLUMNS:
            if key in cols:
                self._grid_value(r, cols[key], key, f"/funds/{key}", funds, self.yuan)
        self._rate_fraction(funds, funds)
        return funds

    def _funds_pairs(self) -> dict:
        funds: dict[str, Any] = {}
        for key, canon in self._GRID_COLUMNS:
            found, label, cell = self.field(canon, f"/funds/{key}")
            if found and (cell is not None or key in ("initial", "adjusted", "executed")):
                if key == "execution_rate":
                    funds[key] = self.measure(cell)
                elif key in ("weight", "score"):
                    funds[key] = self.raw(cell)
                else:
                    funds[key] = self.amount(cell, self._yuan_for(label))
        self._rate_fraction(funds, funds)
        return funds

    def _next_row(self, header: int) -> int | None:
        for r in self.g.rows():
            if r > header:
                return r
        return None

    def _rate_fraction(self, funds: dict, amounts: dict) -> None:
        """An execution rate typed as a fraction (0.96 without a percent format) when the amounts agree."""
        rate, adjusted, executed = funds.get("execution_rate"), amounts.get("adjusted"), amounts.get("executed")
        if not self.guess_percent or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                             for x in (rate, adjusted, executed)):
            return
        if 0 < rate <= 1.5 and adjusted > 0 and abs(executed / adjusted - rate) <= 0.005:
            funds["execution_rate"] = percent_of(rate)

    # -- tasks and goals
    def tasks(self) -> list:
        g = self.g
        heads = g.by_label.get("任务名称")
        if not heads:
            return []
        h = heads[0]
        r0 = h[0]
        cols = {"name": h[1]}
        for c in g.row_cols(r0):
            canon = g.labels.get((r0, c))
            if canon == "主要内容":
                cols.setdefault("description", c)
            elif canon == "预算金额":
                cols.setdefault("amount", c)
        self.at("/tasks", h)
        tasks = []
        r = g.span_end_row(h) + 1
        first = r
        while r <= g.last_row:
            cells = {k: (r, c) for k, c in cols.items() if (r, c) in g.cells}
            if r == first and cells and all(k in g.labels for k in cells.values()):
                r += 1  # a second header row (预算金额 split into 总额 / 财政拨款 / 其他资金)
                first = r
                continue
            if not cells or self._ends_tasks(r, cols):
                break
            i = len(tasks)
            task = {"name": self.text(cells.get("name")), "description": self.text(cells.get("description")),
                    "amount": self.amount(cells.get("amount"))}
            for k, c in cols.items():
                self.at(pointer("tasks", i, k), (r, c))
            self.at(pointer("tasks", i), (r, cols["name"]))
            tasks.append(task)
            r += 1
        return tasks

    def _ends_tasks(self, r: int, cols: dict[str, int]) -> bool:
        """A label in the row is the next block, unless the row is plainly a task whose text
        happens to be a label's (支出项目名称 基本支出 beside a task name and its amount)."""
        g = self.g
        if not any((r, c) in g.labels for c in g.row_cols(r)):
            return False
        name, amount = (r, cols["name"]), (r, cols.get("amount", -1))
        task = name in g.cells and name not in g.labels and amount in g.cells and amount not in g.labels
        return not task or any((r, c) in g.labels for c in g.row_cols(r) if c not in cols.values())

    def goals(self) -> dict:
        goals: dict[str, Any] = {}
        pairs = (("expected", "预期目标"), ("actual", "实际完成情况")) if self.selfeval else \
            (("medium_term", "中期目标"), ("annual", "年度目标"))
        if self.kind == "dept_target":
            pairs = (("annual", "年度目标"),)
        for key, canon in pairs:
            if key == "expected" and canon not in self.g.by_label and "年度目标" in self.g.by_label:
                canon = "年度目标"  # a self-evaluation that calls the expected goal 项目年度目标
            if key == "annual" and canon not in self.g.by_label and self._one_goal():
                canon = "中期目标"  # a form with one goal only, headed 总体目标: it is the year's goal
            self.set_text(goals, key, canon, f"/goals/{key}")
        return goals

    def _one_goal(self) -> bool:
        heads = self.g.by_label.get("中期目标", ())
        return len(heads) == 1 and self.g.texts.get(heads[0]) in self.voc.layout_of("one_goal") \
            and "中期目标" not in self.g.texts.values()

    # -- indicators
    def indicators(self) -> tuple[list, int | None, int | None]:
        g = self.g
        header = indicator_header(g)
        if header is None:
            return [], None, None
        columns = reader_hints().columns
        cols: dict[str, int] = {}
        last_header = header
        for c in g.row_cols(header):
            name = columns.get(g.labels.get((header, c), ""))
            if name and name not in cols:
                cols[name] = c
            if name:  # a 绩效指标 cell merged down the whole table is no header
                last_header = max(last_header, g.span_end_row((header, c)))
        # a header merged down from the row above (指标值 over two header rows) counts for its column
        for (r, c), top in g.covered.items():
            if r == header and top[1] == c:
                name = columns.get(g.labels.get(top, ""))
                if name and name not in cols:
                    cols[name] = c
        # a second header row (指标值 split into 指标性质/指标值/度量单位) refines the first
        nxt = header + 1
        sub = {columns.get(g.labels.get((nxt, c), "")): c for c in g.row_cols(nxt)}
        sub.pop(None, None)
        if sub and len(sub) * 2 >= len(g.row_cols(nxt)):
            cols.update(sub)
            last_header = max(last_header, nxt)
        self._filled_candidate(cols, header, last_header)
        self._level_columns(cols, header, last_header)
        self._region_value_column(cols, header, last_header)
        if self.selfeval and "value" in cols:
            cols["target"] = cols.pop("value")
        first = g.cell((header, cols.get("level1", min(cols.values(), default=0))))
        self.locations["/indicators"] = first
        cmin, cmax = min(cols.values()), max(cols.values())
        keys = ("operator", "target", "actual", "unit", "weight", "score", "deviation") if self.selfeval \
            else ("operator", "value", "unit")
        out: list[dict] = []
        l1 = l2 = None  # (value, cell) carried down merged or blank 一级/二级 cells
        c1, c2, cn = cols.get("level1"), cols.get("level2"), cols.get("name")
        name_col = cn if cn is not None else cmin
        total_row = None
        self.table = (header, last_header)
        numbers = [cols[k] for k in ("value", "target", "actual", "weight", "score") if k in cols]
        value_key = "target" if self.selfeval else "value"
        value_col = cols.get(value_key)
        ends_table = self._table_end_test()
        for r in range(last_header + 1, g.last_row + 1):
            self.table = (header, r)
            in_row = g.row_cols(r)
            row = [c for c in in_row if cmin <= c <= cmax]
            if any(ends_table((r, c)) for c in in_row if c <= name_col):
                total_row = r
                break
            if not row:
                if cn is not None and (r, cn) in g.covered:
                    continue  # the lower half of an indicator whose cells are merged over two rows
                if (c1 is not None and (r, c1) in g.covered) or (c2 is not None and (r, c2) in g.covered):
                    self.skip_row(r, cn if cn is not None else cmin, "")
                    continue
                break
            if cn is not None and g.labels.get((r, cn)) == "三级指标":
                continue  # the header repeated on a new page
            if c1 is not None and (r, c1) in g.cells and self._ends_levels((r, c1), numbers, l1):
                break
            if c1 is not None and (r, c1) in g.cells:
                l1, l2 = ((r, c1), self.text((r, c1))), None
            elif c1 is not None and (r, c1) in g.covered:
                top = g.covered[(r, c1)]
                if top in g.cells:
                    l1 = (top, self.text(top))
            if c2 is not None and (r, c2) in g.cells:
                l2 = ((r, c2), self.text((r, c2)))
            elif c2 is not None and (r, c2) in g.covered:
                top = g.covered[(r, c2)]
                if top in g.cells:
                    l2 = (top, self.text(top))
            name_cell = (r, cn) if cn is not None else None
            name = self.text(name_cell)
            if (name is None or self.voc.is_placeholder_name(name)) and \
                    not any((r, c) in g.cells for c in numbers):
                self.skip_row(r, cn if cn is not None else row[0], name or "")
                continue
            i = len(out)
            ind: dict[str, Any] = {
                "level1": _squash(l1[1]) if l1 else None,
                "level2": _squash(l2[1]) if l2 else None,
                "name": name,
            }
            base = pointer("indicators", i)
            self.locations[base] = g.cell(name_cell if name_cell is not None else (r, row[0]))
            if l1:
                self.at(base + "/level1", l1[0])
            if l2:
                self.at(base + "/level2", l2[0])
            if name_cell is not None:
                self.at(base + "/name", name_cell)
            for key in keys:
                c = cols.get(key)
                cell = (r, c) if c is not None else None
                if key in ("value", "target", "actual"):
                    value = self.measure(cell)
                    if cell in self.percent and isinstance(value, (int, float)) and c is not None \
                            and not self.text((r, cols["unit"]) if "unit" in cols else None):
                        ind.setdefault("unit", "%")
                elif key in ("operator", "unit", "deviation"):
                    value = self.text(cell)
                else:
                    value = self.raw(cell)
                if key == "unit" and value is None and ind.get("unit"):
                    continue
                ind[key] = value
                if cell is not None:
                    self.at(f"{base}/{key}", cell)
            value_cell = (r, value_col) if value_col is not None else None
            for key in ("operator", "unit"):
                if key not in cols and value_cell is not None:  # written inline: ≥32000人
                    self.at(f"{base}/{key}", value_cell)
            if "operator" not in cols:
                # no 指标性质 column: text that carries no operator and is no number is qualitative
                op, v, _ = split_inline(ind.get(value_key), self.voc)
                if op is None and isinstance(v, str):
                    ind["operator"] = "定性"
            out.append(ind)
        return out, total_row, cols.get("score")

    def _body(self, c: int, last_header: int) -> list[str]:
        """The texts of column c under the header, down to the next blank stretch (no further than
        the table can reach)."""
        g = self.g
        out = []
        for r in g.rows():
            if last_header < r <= last_header + 200 and (r, c) in g.cells:
                v = g.cells[(r, c)]
                out.append(v if isinstance(v, str) else "")
        return out

    def _level_columns(self, cols: dict[str, int], header: int, last_header: int) -> None:
        """Forms without 一级/二级 headers: a 指标类型 column whose cells are 一级 names is the 一级
        column; a 指标名称 column whose cells are 二级 names (数量指标, 社会效益指标…) is the 二级
        column, and no row then names a 三级 indicator."""
        g = self.g
        voc = self.voc

        def holds_level1(c: int) -> bool:  # most of its cells are 一级 names
            body = [voc.level_name(t) for t in self._body(c, last_header)]
            return bool(body) and sum(t in voc.level1 for t in body) * 2 > len(body)

        c1 = cols.get("level1")
        if c1 is not None and g.span_end_col((header, c1)) > c1:
            # 一级指标 merged over two columns, the first holding a section label (绩效指标) merged
            # down the table: the 一级 is the column whose cells are level names
            for c in range(c1, g.span_end_col((header, c1)) + 1):
                if holds_level1(c):
                    cols["level1"] = c
                    break
        if "level1" not in cols:
            for c in g.row_cols(header):
                if g.labels.get((header, c)) != "指标类型":
                    continue
                if holds_level1(c):
                    cols["level1"] = c
                break
        if "level2" in cols or "name" not in cols or "level1" not in cols:
            return
        body = [voc.level_name(t) for t in self._body(cols["name"], last_header)]
        body = [t for t in body if t and not voc.is_placeholder_name(t)]
        levels = [t for t in body if t.endswith("指标")]
        known = [t for t in levels if t in voc.level2]
        # the table's last rows may be notes below it (评价情况): most, not all, cells are level names
        if known and len(levels) * 4 >= len(body) * 3 and len(known) * 2 >= len(levels):
            cols["level2"] = cols.pop("name")

    def _region_value_column(self, cols: dict[str, int], header: int, last_header: int) -> None:
        """A target sheet for a transfer payment gives one value column per receiving town or county
        (笏石街道办 | 埭头镇) and no 指标值 header: the first such column right of the indicator
        columns, holding values rather than explanations, is the value."""
        g = self.g
        if "value" in cols or "name" not in cols:
            return
        right = max(cols.values())
        for c in g.row_cols(header):
            if c <= right or (header, c) in g.labels:
                continue
            body = self._body(c, last_header)
            short = [v for v in body if len(v.strip()) <= 10]  # a number is "" here: short
            if body and len(short) * 2 > len(body):
                cols["value"] = c
            return

    def _ends_levels(self, key: tuple[int, int], numbers: list[int], current) -> bool:
        """A new 一级 cell that is no level name, on a row with no value, is the form's next block
        (最近年度绩效评价情况 under the table), not an indicator. The 一级 above repeated on a spare
        row (forms that fill every row rather than merge) and a bare weight ((50分), a level whose
        name was left out) belong to the table."""
        text = self.g.texts.get(key)
        if not text:
            return False
        if current is not None and self.text(key) == current[1]:
            return False
        name = self.voc.level_name(text)
        if not name or "指标" in name or any(n[:2] == name[:2] for n in self.voc.level_names):
            return False
        return not any((key[0], c) in self.g.cells for c in numbers)

    def _filled_candidate(self, cols: dict[str, int], header: int, last_header: int) -> None:
        """Two columns of the same meaning (two 指标值 columns, a split header): an all-blank one
        never wins over a filled one."""
        g = self.g
        columns = reader_hints().columns
        seen: dict[str, list[int]] = {}
        for r in range(header, last_header + 1):
            for c in g.row_cols(r):
                name = columns.get(g.labels.get((r, c), ""))
                if name and c not in seen.setdefault(name, []):
                    seen[name].append(c)
        rows = [r for r in g.rows() if last_header < r <= last_header + 200]
        for name, candidates in seen.items():
            if len(candidates) < 2 or name not in cols:
                continue
            if any((r, cols[name]) in g.cells for r in rows):
                continue
            filled = [c for c in candidates if any((r, c) in g.cells for r in rows)]
            if filled:
                cols[name] = filled[0]

    def _table_end_test(self):
        """Whether a cell closes the indicator table: 总分 / 合计 / 评价结论 in the columns up to the
        indicator names. The sheet's tables and the vocabulary's words are looked up once: it is
        asked of every such cell, row after row."""
        texts, labels = self.g.texts, self.g.labels
        ends, prefixes = self.voc.layout_of("table_ends"), self.voc.layout_of("table_ends_prefix")

        def ends_table(key: tuple[int, int]) -> bool:
            text = texts.get(key)
            if text is None:
                return False
            return text in ends or labels.get(key) == "总分" or text.startswith(prefixes)

        return ends_table

    def skip_row(self, r: int, col: int, name: str) -> None:
        ref = a1(r, col)
        self.hits.append(("F009", Hit.at("", row=r + 1, name=name or "（空）").on(self.g.name, ref)))

    def totals(self, data: dict, total_row: int | None, score_col: int | None) -> None:
        g = self.g
        cell = None
        heads = g.by_label.get("总分", [])
        rows = [k[0] for k in heads]
        if total_row is not None and total_row not in rows:
            rows.append(total_row)
        for r in rows:
            if score_col is not None and (r, score_col) in g.cells:
                cell = (r, score_col)
                break
        if cell is None and heads:
            cell = g.value_cell(heads[0])
        if cell is not None or heads or total_row is not None:
            data["total_score"] = self.raw(cell)
            if cell is not None:
                self.at("/total_score", cell)
            elif heads:
                self.at("/total_score", g.blank_target(heads[0]))
        self.set_text(data, "grade", "评价等级", "/grade")


def percent_of(fraction: int | float) -> int | float:
    """0.86 as the percentage it shows: a whole percent is written as typed, 86 like the text "86%"
    (so its rounding is that of a whole figure), not 86.0."""
    v = round(fraction * 100, 10)
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _is_amount(text: str) -> bool:
    try:
        parse_number(text)
    except NotANumber:
        return False
    return True


def _squash(text: str | None) -> str | None:
    # str.split() and re's \s take the same characters for whitespace
    return "".join(text.split()) if isinstance(text, str) else text


def split_code(text: str | None) -> tuple[str | None, str | None]:
    """`[511703101]示例区教育局` or `511703101 示例区教育局` → (code, name); a bare name → (None, name)."""
    if text is None:
        return None, None
    m = _DEPT_CODE.match(halfwidth(text))
    if not m:
        return None, text.strip()
    name = m.group(2).strip()
    return m.group(1), (text.strip()[len(text.strip()) - len(name):] if name else None)


def parse_period(value: Any) -> dict:
    """项目期 `2022-2026`, `2022年-2026年`, `2022年至2026年` → {start, end}; unreadable text is kept
    in `start` so that the Normaliser names it (F004)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"start": int(value), "end": int(value)}
    if not isinstance(value, str):
        return {"start": None, "end": None}
    text = re.sub(r"\s+", "", halfwidth(value))
    m = _PERIOD.search(text)
    if m:
        return {"start": int(m.group(1)), "end": int(m.group(2))}
    m = _ONE_YEAR.match(text) or _MONTHS_OF_A_YEAR.match(text)
    if m:
        return {"start": int(m.group(1)), "end": int(m.group(1))}
    return {"start": value.strip(), "end": None}


# months of one year: 2023年1月至12月, 2023年1-12月, 2023.1-2023.12 is caught by _PERIOD
_MONTHS_OF_A_YEAR = re.compile(r"^((?:19|20)\d{2})年\d{1,2}月?(?:-|－|—|–|~|～|至|到)\d{1,2}月(?:底|末)?$")


def ex_ante(text: str | None) -> str | None:
    if text is None:
        return None
    t = re.sub(r"\s+", "", text)
    if t in ("是", "已开展", "开展", "已完成", "有"):
        return "已开展"
    if t in ("否", "未开展", "无", "没有"):
        return "未开展"
    return t
