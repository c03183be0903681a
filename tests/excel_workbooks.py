"""Small workbooks in the layouts real returns use, built from canonical documents, for reader tests.

Three layouts, as the reader meets them:
- `reference`: title row with （2025年度）, label/value pairs, 中期/年度 funds side by side, the
  self-evaluation funds grid, merged 一级 cells, an operator column;
- `national`: the national self-evaluation form: no operator or unit column, values inline
  (≥32000人), the title's year on its own row, 一级 and 二级 merged;
- `provincial`: 指标性质/指标值/度量单位/完成值/权重/未完成原因分析 columns and the aliases
  调整后预算数, 预算执行数, 项目代码, 自评等级, amounts in 元.

Run `python tests/excel_workbooks.py` to rewrite the F005/F008/F009/F012 fixtures, which carry such
workbooks as `raw_b64` (`python tests/excel_workbooks.py F012` rewrites only those of F012).
"""
from __future__ import annotations

import base64
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

_OPS_PROVINCIAL = {"≥": "正向", "≤": "反向", "=": "等于", ">": "大于", "<": "小于", "定性": "定性"}


class Layout:
    """Cells and merges, written to .xlsx (openpyxl) or .xls (xlwt)."""

    def __init__(self, sheet: str = "Sheet1") -> None:
        self.sheet = sheet
        self.cells: dict[tuple[int, int], Any] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.percent: set[tuple[int, int]] = set()
        self.formulas: dict[tuple[int, int], str] = {}
        self.hidden_rows: set[int] = set()
        self.hidden_columns: set[int] = set()
        self.row = 0

    def put(self, r: int, c: int, value: Any) -> None:
        if value is not None:
            self.cells[(r, c)] = value

    def line(self, *values: Any) -> int:
        r = self.row
        for c, v in enumerate(values):
            self.put(r, c, v)
        self.row += 1
        return r

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))


def save(layouts: list[Layout], path: Path) -> Path:
    if path.suffix == ".xls":
        import xlwt

        wb = xlwt.Workbook(encoding="utf-8")
        pct = xlwt.easyxf(num_format_str="0.00%")
        for lay in layouts:
            ws = wb.add_sheet(lay.sheet)
            merged_cells = set()
            for r1, c1, r2, c2 in lay.merges:
                ws.write_merge(r1, r2, c1, c2, lay.cells.get((r1, c1), ""))
                merged_cells.add((r1, c1))
            for (r, c), v in lay.cells.items():
                if (r, c) not in merged_cells:
                    ws.write(r, c, v, pct) if (r, c) in lay.percent else ws.write(r, c, v)
            for r in lay.hidden_rows:
                ws.row(r).hidden = True
            for c in lay.hidden_columns:
                ws.col(c).hidden = True
        wb.save(str(path))
        return path
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for lay in layouts:
        ws = wb.create_sheet(lay.sheet)
        for (r, c), v in lay.cells.items():
            cell = ws.cell(row=r + 1, column=c + 1)
            cell.value = v
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # an inline ＝100 is text, not a formula
            if (r, c) in lay.percent:
                cell.number_format = "0.00%"
        for (r, c), f in lay.formulas.items():
            ws.cell(row=r + 1, column=c + 1).value = f  # openpyxl stores no cached value
        for r1, c1, r2, c2 in lay.merges:
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        for r in lay.hidden_rows:
            ws.row_dimensions[r + 1].hidden = True
        for c in lay.hidden_columns:
            ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].hidden = True
    wb.save(str(path))
    return path


def shrink_lines(path: Path, sheet: int, rows: set[int], columns: set[int], zero_default: bool = False) -> None:
    """Rewrite an openpyxl-written xlsx so `rows` and `columns` (0-based) of its `sheet`-th sheet are
    hidden only by their size: width 0, ht 0 (or, with `zero_default`, a sheet whose rows are zero high
    unless given a height, and those rows given none)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = f"xl/worksheets/sheet{sheet}.xml"
    xml = parts[name].decode()
    cols = "".join(f'<col min="{c + 1}" max="{c + 1}" width="0" customWidth="1"/>' for c in sorted(columns))
    if "</cols>" in xml:
        xml = xml.replace("</cols>", cols + "</cols>")
    elif cols:
        xml = xml.replace("<sheetData>", f"<cols>{cols}</cols><sheetData>")

    def row(m):
        r = int(m.group(1)) - 1
        if zero_default:
            return m.group(0) if r in rows else f'<row r="{r + 1}" ht="15" customHeight="1"'
        return f'<row r="{r + 1}" ht="0" customHeight="1"' if r in rows else m.group(0)

    xml = re.sub(r'<row r="(\d+)"', row, xml)
    if zero_default:
        xml = re.sub(r"<sheetFormatPr\b", '<sheetFormatPr zeroHeight="1"', xml)
    parts[name] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)


def _merge_runs(lay: Layout, rows: list[int], col: int, values: list[Any]) -> None:
    """Merge runs of equal 一级/二级 values down a column, value in the top-left only."""
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or values[i] != values[start]:
            lay.put(rows[start], col, values[start])
            for j in range(start + 1, i):
                lay.cells.pop((rows[j], col), None)
            lay.merge(rows[start], col, rows[i - 1], col)
            start = i


def _fmt(value: Any) -> Any:
    return "" if value is None else value


def inline(op: str | None, value: Any, unit: str | None) -> Any:
    """`≥32000人`, `≤2025年8月底前`; qualitative text as it is."""
    if op in (None, "定性"):
        return value
    return f"{op}{value}{unit or ''}" if isinstance(value, (int, float)) else f"{op}{value}"


# ---- project_target ------------------------------------------------------------------------
def project_target(doc: dict, layout: str = "reference", spare_rows: int = 0) -> Layout:
    lay = Layout()
    p, f = doc["project"], doc["funds"]
    lay.line(f"项目支出绩效目标表（{doc['fiscal_year']}年度）")
    lay.merge(0, 0, 0, 5)
    lay.line(None, None, None, None, None, "单位：万元")
    dep = p["department"]
    dep_text = f"[{dep['code']}]{dep['name']}" if layout == "reference" else f"{dep['code']} {dep['name']}"
    code_label = "项目编码" if layout == "reference" else "项目代码"
    r = lay.line("项目名称", p["name"], None, code_label, p["code"])
    lay.merge(r, 1, r, 2)
    lay.line("主管部门", dep_text, None, "实施单位", p["implementing_unit"])
    period = p["period"]
    period_text = f"{period['start']}-{period['end']}" if layout == "reference" else \
        f"{period['start']}年至{period['end']}年"
    lay.line("项目属性", p["attribute"], None, "项目期", period_text)
    lay.line("上年预算数", p.get("prior_year_budget"), None, "事前绩效评估", p.get("ex_ante_assessment"))
    mt, an = f["medium_term"], f["annual"]
    r = lay.line("项目资金（万元）", "中期资金总额", mt["total"], "年度资金总额", an["total"])
    lay.line(None, "其中：财政拨款", mt["fiscal"], "其中：财政拨款", an["fiscal"])
    lay.line(None, "其他资金", mt["other"], "其他资金", an["other"])
    lay.merge(r, 0, r + 2, 0)
    r = lay.line("总体目标", f"中期目标（{period['start']}年-{period['end']}年）", None, "年度目标")
    lay.line(None, doc["goals"]["medium_term"], None, doc["goals"]["annual"])
    lay.merge(r, 0, r + 1, 0)
    lay.line("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    _target_rows(lay, doc["indicators"], spare_rows)
    return lay


def _target_rows(lay: Layout, indicators: list[dict], spare_rows: int) -> None:
    rows, l1, l2 = [], [], []
    for ind in indicators:
        r = lay.line(None, None, ind["name"], ind["operator"], ind["value"], ind["unit"])
        rows.append(r)
        l1.append(ind["level1"])
        l2.append(ind["level2"])
    for i in range(spare_rows):  # the template's spare rows, kept under the last 一级
        r = lay.line(None, None, "指标2" if i % 2 == 0 else "……")
        rows.append(r)
        l1.append(l1[-1])
        l2.append(l2[-1])
    _merge_runs(lay, rows, 0, l1)
    _merge_runs(lay, rows, 1, l2)


# ---- project_selfeval ----------------------------------------------------------------------
def project_selfeval(doc: dict, layout: str = "national") -> Layout:
    lay = Layout("附件2" if layout == "provincial" else "Sheet1")
    p, f = doc["project"], doc["funds"]
    provincial = layout == "provincial"
    yuan = 10000 if provincial else 1
    lay.line("项目支出绩效自评表")
    lay.merge(0, 0, 0, 8)
    lay.line(f"（{doc['fiscal_year']}年度）")
    lay.merge(1, 0, 1, 8)
    if provincial:
        lay.line(None, None, None, None, None, None, None, "金额单位：元")
    code_label = "项目代码" if provincial else "项目编码"
    lay.line("项目名称", p["name"], None, None, code_label, p["code"])
    dep = p["department"]
    lay.line("主管部门", f"[{dep['code']}]{dep['name']}", None, None, "实施单位", p["implementing_unit"])
    head = ["项目资金" + ("（元）" if provincial else "（万元）"), None, "年初预算数",
            "调整后预算数" if provincial else "全年预算数（A）",
            "预算执行数" if provincial else "全年执行数（B）", "分值", "执行率（B/A）", "得分"]
    r0 = lay.line(*head)
    names = (("total", "年度资金总额"), ("fiscal_current", "其中：当年财政拨款"), ("carryover", "上年结转资金"),
             ("other", "其他资金"))
    for i, (key, label) in enumerate(names):
        row = f[key]
        vals = [None, label, row["initial"] * yuan, row["adjusted"] * yuan, row["executed"] * yuan]
        if i == 0:
            rate = f["execution_rate"] / 100 if not provincial else f"{f['execution_rate']}%"
            vals += [f["weight"], rate, f["score"]]
        r = lay.line(*vals)
        if i == 0 and not provincial:
            lay.percent.add((r, 6))
    lay.merge(r0, 0, r0 + 4, 0)
    r = lay.line("年度总体目标", "预期目标", None, None, None, "实际完成情况")
    lay.line(None, doc["goals"]["expected"], None, None, None, doc["goals"]["actual"])
    lay.merge(r, 0, r + 1, 0)
    if provincial:
        lay.line("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
                 "未完成原因分析")
    else:
        lay.line("一级指标", "二级指标", "三级指标", "年度指标值（A）", "实际完成值（B）", "分值", "得分",
                 "偏差原因分析及改进措施")
    rows, l1, l2 = [], [], []
    for ind in doc["indicators"]:
        if provincial:
            r = lay.line(None, None, ind["name"], _OPS_PROVINCIAL[ind["operator"]], ind["target"],
                         ind["unit"], ind["actual"], ind["weight"], ind["score"], ind["deviation"])
        else:
            unit = ind["unit"] if ind["unit"] else ""
            target = inline(ind["operator"], ind["target"], unit)
            actual = f"{ind['actual']}{unit}" if isinstance(ind["actual"], (int, float)) else ind["actual"]
            r = lay.line(None, None, ind["name"], target, actual, ind["weight"], ind["score"], ind["deviation"])
        rows.append(r)
        l1.append(ind["level1"])
        l2.append(ind["level2"])
    _merge_runs(lay, rows, 0, l1)
    _merge_runs(lay, rows, 1, l2)
    if provincial:
        lay.line("总分", None, None, None, None, None, None, 100, doc["total_score"])
        lay.line("自评等级", doc["grade"])
    else:
        lay.line("总分", None, None, None, None, 100, doc["total_score"])
        lay.line("评价等级", doc["grade"])
    return lay


# ---- department forms ----------------------------------------------------------------------
def dept_target(doc: dict) -> Layout:
    lay = Layout("部门整体支出绩效目标表")
    d, f = doc["department"], doc["funds"]
    lay.line(f"{doc['fiscal_year']}年度部门整体支出绩效目标表")
    lay.line("部门名称", f"{d['code']} {d['name']}")
    lay.line("资金总额", f["total"], "财政拨款", f["fiscal"], "其他资金", f["other"])
    lay.line("基本支出", f["basic"], "项目支出", f["project"])
    r = lay.line("年度主要任务", "任务名称", "主要内容", "预算金额")
    for t in doc["tasks"]:
        lay.line(None, t["name"], t["description"], t["amount"])
    lay.merge(r, 0, r + len(doc["tasks"]), 0)
    lay.line("年度绩效目标", doc["goals"]["annual"])
    lay.line("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    _target_rows(lay, doc["indicators"], 0)
    return lay


def dept_selfeval(doc: dict) -> Layout:
    lay = Layout("部门整体支出绩效自评表")
    d, f = doc["department"], doc["funds"]
    lay.line("部门整体支出绩效自评表（%d年度）" % doc["fiscal_year"])
    lay.line("部门名称", d["name"], None, "部门编码", d["code"])
    lay.line(None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    lay.line("年度资金总额", f["initial"], f["adjusted"], f["executed"], f["weight"], f"{f['execution_rate']}%", f["score"])
    lay.line("预期目标", doc["goals"]["expected"])
    lay.line("实际完成情况", doc["goals"]["actual"])
    lay.line("一级指标", "二级指标", "三级指标", "指标性质", "年度指标值", "度量单位", "实际完成值", "分值", "得分",
             "偏差原因分析及改进措施")
    rows, l1, l2 = [], [], []
    for ind in doc["indicators"]:
        r = lay.line(None, None, ind["name"], ind["operator"], ind["target"], ind["unit"], ind["actual"],
                     ind["weight"], ind["score"], ind["deviation"])
        rows.append(r)
        l1.append(ind["level1"])
        l2.append(ind["level2"])
    _merge_runs(lay, rows, 0, l1)
    _merge_runs(lay, rows, 1, l2)
    lay.line("总分", None, None, None, None, None, None, 100, doc["total_score"])
    lay.line("评价等级", doc["grade"])
    return lay


def instructions() -> Layout:
    lay = Layout("填报说明")
    lay.line("填报说明")
    lay.line("1. 本表由项目单位填报，金额单位为万元；项目支出绩效目标表须与预算同步申报。")
    return lay


def waivers(rows: list[tuple[str, str, str]], sheet: str = "审核豁免") -> Layout:
    lay = Layout(sheet)
    lay.line("规则", "位置", "理由")
    for row in rows:
        lay.line(*row)
    return lay


HELPER_LISTS = ("产出指标", "效益指标", "满意度指标", "≥", "≤", "定性", "个", "%", "人")


def with_hidden_lists(lay: Layout, column: bool = True, row: bool = True) -> Layout:
    """A dropdown's source lists kept in a hidden column beside the form (from its first row) and in
    a hidden row under it, as county templates keep them."""
    if column:
        right = max(c for _, c in lay.cells) + 2
        for r, value in enumerate(HELPER_LISTS):
            lay.put(r, right, value)
        lay.hidden_columns.add(right)
    if row:
        below = max(r for r, _ in lay.cells) + 1
        for c, value in enumerate(HELPER_LISTS[:6]):
            lay.put(below, c, value)
        lay.hidden_rows.add(below)
    return lay


# ---- fixtures ------------------------------------------------------------------------------
def _base(kind: str) -> dict:
    return json.loads((HERE / "fixtures" / "_base" / f"{kind}.json").read_text(encoding="utf-8"))


def _fixture(folder: str, name: str, description: str, layouts: list[Layout], expect: list, suffix=".xlsx"):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = save(layouts, Path(tmp) / f"input{suffix}")
        raw = base64.b64encode(path.read_bytes()).decode()
    spec = {"description": description, "suffix": suffix, "expect": expect, "raw_b64": raw}
    out = HERE / "fixtures" / folder / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(spec, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


def write_fixtures() -> list[Path]:
    target = _base("project_target")
    out = []
    out.append(_fixture("F008", "fail_instructions_sheet",
                        "a 填报说明 sheet next to the form is skipped and said",
                        [project_target(target), instructions()], [["F008", ""]]))
    out.append(_fixture("F008", "pass_form_only", "a workbook holding only its form",
                        [project_target(target)], []))
    lay = project_target(target, spare_rows=2)
    spare = [r for (r, c), v in lay.cells.items() if c == 2 and v in ("指标2", "……")]
    out.append(_fixture("F009", "fail_spare_rows", "two spare template rows (指标2, ……) under the last 一级",
                        [lay], [["F009", f"Sheet1!C{r + 1}"] for r in sorted(spare)]))
    out.append(_fixture("F009", "pass_all_rows_filled", "every indicator row filled in",
                        [project_target(target)], []))
    lay = project_target(target)
    total = next((r, c + 1) for (r, c), v in lay.cells.items() if v == "年度资金总额")
    lay.cells.pop(total)
    lay.formulas[total] = f"=E{total[0] + 2}+E{total[0] + 3}"
    out.append(_fixture("F005", "fail_formula_no_cached_value",
                        "年度资金总额 is =E9+E10 saved without its computed value (not read as 0)",
                        [lay], [["F005", f"Sheet1!E{total[0] + 1}"]], ))
    out.append(_fixture("F005", "pass_values_only", "the same workbook with values typed in",
                        [project_target(target)], []))
    out.extend(hidden_fixtures())
    return out


def hidden_fixtures() -> list[Path]:
    dept = _base("dept_target")
    lay = with_hidden_lists(dept_target(dept))
    right = max(lay.hidden_columns)
    out = [_fixture("F012", "fail_lists_in_hidden_column_and_row",
                    "a dropdown's lists in a hidden column beside the form and a hidden row under it: not read, said once",
                    [lay], [["F012", f"{lay.sheet}!{_letters(right)}1"]])]
    for suffix, name in ((".xlsx", "pass_hidden_lines_empty"), (".xls", "pass_hidden_lines_empty_xls")):
        lay = dept_target(dept)
        lay.hidden_columns.add(max(c for _, c in lay.cells) + 2)  # hidden, but holding nothing
        lay.hidden_rows.add(max(r for r, _ in lay.cells) + 1)
        out.append(_fixture("F012", name, "hidden rows and columns that hold nothing: nothing to say",
                            [lay], [], suffix=suffix))
    lay = with_hidden_lists(dept_target(dept), row=False)
    out.append(_fixture("F012", "fail_lists_in_hidden_column_xls", "the lists in a hidden column of a legacy .xls",
                        [lay], [["F012", f"{lay.sheet}!{_letters(max(lay.hidden_columns))}1"]], suffix=".xls"))
    return out


def _letters(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    for p in (hidden_fixtures() if sys.argv[1:] == ["F012"] else write_fixtures()):
        print(p.relative_to(HERE.parent))
