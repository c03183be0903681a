"""The batch ledger (`--ledger PATH`): one row per document of the run, as .csv, .xlsx or .parquet.

Rows are collected as the results stream in (plain dicts); pandas and pandera are imported only
when the ledger is written, at the end of a run that asked for one.

The findings and the ledger agree by construction, not by coupling: H505 and H508 are decided by
the history index for every run, with or without a ledger, so `--ledger` never changes a verdict.
The ledger's pandera schema re-states the same two table-wide checks over the batch's own rows
(duplicates by kind/year/code-or-name; Σ project targets against each department's 项目支出)
and records which rows fail them in the `table_checks` column. Over the batch alone the two
agree row for row; the findings can say more, since they also see the history sources.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

from .history.records import code_key, name_key

if TYPE_CHECKING:
    from .report import Summary
    from .history import HistoryIndex
    from .model import FileResult
    from .profiles import Profile

COLUMNS = ("path", "sheet", "kind", "year", "code", "name", "department", "department_code",
           "budget", "adjusted", "executed", "project_funds", "execution_rate", "total_score",
           "selfeval_grade", "review_grade", "verdict", "errors", "warnings", "findings")
LABELS_ZH = {"path": "文件", "sheet": "工作表", "kind": "表类型", "year": "年度", "code": "编码", "name": "名称",
             "department": "主管部门", "department_code": "部门编码", "budget": "年度资金总额/年初预算数",
             "adjusted": "全年预算数", "executed": "全年执行数", "project_funds": "项目支出", "execution_rate": "执行率",
             "total_score": "自评总分", "selfeval_grade": "自评等级", "review_grade": "审核等级", "verdict": "审核结论",
             "errors": "错误数", "warnings": "提醒数", "findings": "问题代码", "table_checks": "批次核对"}
AMOUNTS = ("budget", "adjusted", "executed", "project_funds", "execution_rate", "total_score")
CHECK_DUPLICATES = "H505 duplicate-submission"
CHECK_DEPT_TOTALS = "H508 dept-projects-exceed"


class LedgerWriter:
    """A formatter-shaped collector: `file(result)` per file, `close(summary)` writes the table."""

    def __init__(self, path: str, index_of: Callable[[], HistoryIndex | None] = lambda: None,
                 profile: Profile | None = None, lang: str = "zh") -> None:
        """`index_of`: the run's index, complete by the time the first result comes."""
        suffix = os.path.splitext(path)[1].lower()
        if suffix not in (".csv", ".xlsx", ".parquet"):
            from .data import DataError

            raise DataError("--ledger", path, "the ledger is written as .csv, .xlsx or .parquet")
        self.path = path
        self.lang = lang
        self.index_of = index_of
        self.tolerance = profile.parameters.get("amount_tolerance", 0.01) if profile is not None else 0.01
        self.rows: list[dict[str, Any]] = []

    def file(self, result: FileResult) -> None:
        self.rows.extend(rows_of(result, self.index_of()))

    def close(self, summary: Summary | None = None) -> None:
        write_ledger(self.rows, self.path, self.tolerance, self.lang)


def rows_of(result: FileResult, history: HistoryIndex | None = None) -> list[dict[str, Any]]:
    real = os.path.realpath(result.path)
    out = []
    for i, doc in enumerate(result.documents):
        rec = history.by_ident(real, doc.sheet, i) if history is not None else None
        live = [f for f in doc.findings if not f.waived]
        row = {
            "path": result.path, "sheet": doc.sheet, "kind": doc.kind,
            "year": doc.fiscal_year if isinstance(doc.fiscal_year, int) and not isinstance(doc.fiscal_year, bool) else None,
            "code": doc.project_code, "name": doc.name, "department": doc.department,
            "department_code": rec.department_code if rec else None,
            "budget": rec.budget if rec else None, "adjusted": rec.adjusted if rec else None,
            "executed": rec.executed if rec else None, "project_funds": rec.project_funds if rec else None,
            "execution_rate": rec.execution_rate if rec else None, "total_score": rec.total_score if rec else None,
            "selfeval_grade": rec.grade if rec else None, "review_grade": doc.grade, "verdict": doc.verdict,
            "errors": sum(f.severity == "error" for f in live), "warnings": sum(f.severity == "warning" for f in live),
            "findings": " ".join(sorted({f.code for f in live})),
        }
        out.append(row)
    if not result.documents:  # an unreadable file is listed too: a reviewer must see every return
        codes = sorted({f.code for f in result.findings})
        out.append({**{c: None for c in COLUMNS}, "path": result.path, "review_grade": "差", "verdict": result.verdict,
                    "errors": sum(f.severity == "error" for f in result.findings),
                    "warnings": sum(f.severity == "warning" for f in result.findings), "findings": " ".join(codes)})
    return out


# ---- the table-wide checks, as pandera sees them ---------------------------------------------------
def duplicate_rows(df) -> "Any":
    """True where a row is one of two or more documents of one kind, year and project (department):
    the same code, or, where one of them has no code, the same department and project name."""
    import pandas as pd

    flags = pd.Series(False, index=df.index)
    keyed = df[df["year"].notna() & df["kind"].notna()]
    codes = keyed["code"].map(code_key)
    with_code = keyed[codes.notna()]
    dup = with_code.assign(_k=codes[codes.notna()]).duplicated(subset=["kind", "year", "_k"], keep=False)
    flags.loc[dup[dup].index] = True
    names = keyed.apply(lambda r: name_key(r["kind"], r["department"], r["name"]), axis=1) if len(keyed) else keyed["kind"]
    for _, group in keyed.assign(_n=names, _c=codes).dropna(subset=["_n"]).groupby(["kind", "year", "_n"]):
        if len(group) >= 2 and group["_c"].isna().any():
            flags.loc[group.index] = True
    return ~flags


def department_rows(df, tolerance: float = 0.01) -> "Any":
    """False on a dept_target row whose department's project targets (one per project) total more
    than its 项目支出; departments are matched by code, else by name."""
    import pandas as pd

    from .history.records import norm_text

    ok = pd.Series(True, index=df.index)
    projects = df[(df["kind"] == "project_target") & df["budget"].notna()]
    for i, dept in df[(df["kind"] == "dept_target") & df["project_funds"].notna()].iterrows():
        same_year = projects[projects["year"] == dept["year"]]
        mine = same_year[same_year["department_code"].map(code_key) == code_key(dept["code"])] if code_key(dept["code"]) else same_year.iloc[0:0]
        if mine.empty and norm_text(dept["name"]):
            mine = same_year[same_year["department"].map(norm_text) == norm_text(dept["name"])]
        if mine.empty:
            continue
        keys = [code_key(c) or name_key("project_target", d, n) for c, d, n in zip(mine["code"], mine["department"], mine["name"])]
        total = mine.assign(_k=[str(k) for k in keys]).sort_values(["path"]).drop_duplicates("_k")["budget"].sum()
        if total > dept["project_funds"] + tolerance + 1e-9:
            ok.loc[i] = False
    return ok


def ledger_schema(tolerance: float = 0.01):
    import pandera.pandas as pa

    from .model import KINDS
    from .vocabulary import GRADES

    number = {c: pa.Column(float, nullable=True, coerce=True) for c in AMOUNTS}
    return pa.DataFrameSchema(
        {
            "path": pa.Column(str),
            "sheet": pa.Column(str, nullable=True, coerce=True),
            "kind": pa.Column(str, pa.Check.isin(KINDS), nullable=True, coerce=True),
            "year": pa.Column("Int64", nullable=True, coerce=True),
            "code": pa.Column(str, nullable=True, coerce=True),
            **number,
            "review_grade": pa.Column(str, pa.Check.isin(list(GRADES))),
            "verdict": pa.Column(str, pa.Check.isin(["pass", "return"])),
            "errors": pa.Column(int, pa.Check.ge(0), coerce=True),
            "warnings": pa.Column(int, pa.Check.ge(0), coerce=True),
        },
        checks=[pa.Check(duplicate_rows, name=CHECK_DUPLICATES),
                pa.Check(lambda df: department_rows(df, tolerance), name=CHECK_DEPT_TOTALS)],
        strict=False,
    )


def build_table(rows: list[dict[str, Any]], tolerance: float = 0.01):
    """The validated ledger: dtypes coerced, and `table_checks` naming the table-wide checks each row fails."""
    import pandas as pd
    import pandera.errors as pe

    df = pd.DataFrame(rows, columns=list(COLUMNS))
    schema = ledger_schema(tolerance)
    failed: dict[int, list[str]] = {}
    try:
        df = schema.validate(df, lazy=True)
    except pe.SchemaErrors as errs:
        cases = errs.failure_cases
        for _, case in cases.iterrows():
            if case["check"] in (CHECK_DUPLICATES, CHECK_DEPT_TOTALS) and pd.notna(case["index"]):
                failed.setdefault(int(case["index"]), []).append(str(case["check"]).split(" ")[0])
            elif case["schema_context"] != "DataFrameSchema":
                raise ValueError(f"ledger column {case['column']}: {case['check']} failed on {case['failure_case']!r}")
        for col in AMOUNTS:
            df[col] = pd.to_numeric(df[col], errors="coerce")
        df["year"] = df["year"].astype("Int64")
    df["table_checks"] = [" ".join(sorted(set(failed.get(i, [])))) for i in range(len(df))]
    return df


VERDICT_ZH = {"pass": "通过", "return": "退回"}
# how a ledger column shows in Excel: amounts (万元) and scores to two decimals, the execution rate
# (written as 86.21, a percentage already) with its % sign
NUMBER_FORMATS = {"budget": "0.00", "adjusted": "0.00", "executed": "0.00", "project_funds": "0.00",
                  "total_score": "0.00", "execution_rate": '0.00"%"', "year": "0", "errors": "0", "warnings": "0"}
_WIDTH_CAP = {"path": 48, "name": 36, "findings": 30, "table_checks": 20}


def format_sheet(ws: Any, columns: list[str]) -> None:
    """Widths that fit the values (CJK counted twice, capped), a frozen header row, a filter and
    number formats."""
    import unicodedata

    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    def width(value: Any) -> int:
        text = value if isinstance(value, str) else ("" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value))
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for i, name in enumerate(columns, 1):
        letter = get_column_letter(i)
        cells = ws[letter]
        widest = max((width(c.value) for c in cells), default=6)
        ws.column_dimensions[letter].width = min(max(widest + 2, 6), _WIDTH_CAP.get(name, 24))
        fmt = NUMBER_FORMATS.get(name)
        for c in cells[1:]:
            if fmt and isinstance(c.value, (int, float)):
                c.number_format = fmt
        head = cells[0]
        head.font, head.fill = head_font, head_fill
        head.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def write_ledger(rows: list[dict[str, Any]], path: str, tolerance: float = 0.01, lang: str = "zh") -> None:
    from .data import DataError

    from .formatters.safe import cell_text, csv_cell, neutralise_formulas
    from .output import open_output

    # a control character or a non-UTF-8 file name's byte cannot go into any of the three formats
    rows = [{k: cell_text(v) for k, v in row.items()} for row in rows]
    df = build_table(rows, tolerance)
    suffix = os.path.splitext(path)[1].lower()
    import pandas as pd

    text = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    try:
        # written whole or not at all (see perflint.output)
        with open_output(path, binary=True, make_parents=True) as fh:
            if suffix == ".csv":
                # text from submissions never starts a formula when a spreadsheet opens the file (OWASP)
                df[text] = df[text].map(csv_cell)
                # with BOM: Excel and WPS read UTF-8; CRLF (RFC 4180), so that a CR inside a cell is quoted
                fh.write(df.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
            elif suffix == ".xlsx":
                df[text] = df[text].map(cell_text)
                if lang == "zh":  # a table for people: the form and the verdict in their words
                    from .model import KIND_NAMES_ZH

                    df["kind"] = df["kind"].map(lambda k: KIND_NAMES_ZH.get(k, k) if isinstance(k, str) else k)
                    df["verdict"] = df["verdict"].map(lambda v: VERDICT_ZH.get(v, v) if isinstance(v, str) else v)
                with pd.ExcelWriter(fh, engine="openpyxl") as writer:
                    df.rename(columns=LABELS_ZH if lang == "zh" else {}).to_excel(
                        writer, index=False, sheet_name="台账" if lang == "zh" else "ledger")
                    for ws in writer.book.worksheets:
                        neutralise_formulas(ws)  # a department named "=HYPERLINK(…)" stays text
                        format_sheet(ws, list(df.columns))
            else:
                df.to_parquet(fh, index=False)
    except OSError as exc:
        raise DataError("--ledger", path, f"cannot write the ledger: {exc.strerror or exc}") from None
