"""What a person reads: the terminal at 80 columns, --min-severity, the lines naming written reports,
and the formatted ledger."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from perflint.api import check_paths
from perflint.check_cli import main as check_main
from perflint.formatters.labels import finding_message
from perflint.formatters.rich_console import RichFormatter
from perflint.report import ReportMeta, Summary

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _message_cells(text: str) -> list[str]:
    """The 说明 column of every findings table, each row's folded lines joined again."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        cells = line.split("│")
        if len(cells) != 6:
            inside = False
            continue
        code, message = cells[1].strip(), cells[4].strip()
        if re.fullmatch(r"[A-Z]\d{3}", code):
            out.append(message)
            inside = True
        elif inside and not code:
            out[-1] += message
        else:
            inside = False
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rich_output_at_80_columns_folds_messages_and_cuts_none(lang):
    results = check_paths([str(SAMPLES / "returns"), str(SAMPLES / "xlsx")], lang=lang)
    buf = io.StringIO()
    fmt = RichFormatter(None, None, ReportMeta("0", "national", lang), console=Console(file=buf, width=80,
                                                                                       color_system=None))
    summary = Summary()
    for r in results:
        summary.add(r)
        fmt.file(r)
    fmt.close(summary)
    text = buf.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80 * 2  # CJK: two columns a character
    shown = [m.replace(" ", "") for m in _message_cells(text)]
    messages = [finding_message(f, lang) for r in results for f in r.all_findings()]
    assert len(shown) == len(messages) > 20
    for want, got in zip(messages, shown):
        assert want.replace(" ", "") == got, (want, got)  # every character there: nothing cut with …
    assert ("文件级问题" if lang == "zh" else "file-level findings") in text
    for line in text.splitlines():  # every table column has a header: no empty header cell
        if line.startswith("┃"):
            assert all(c.strip() for c in line.strip("┃").split("┃")), line


def test_rules_listing_folds_at_80_columns(monkeypatch, capsys):
    from perflint import explain

    monkeypatch.setattr(explain.sys.stdout, "isatty", lambda: True, raising=False)
    import rich.console

    real = rich.console.Console
    monkeypatch.setattr(rich.console, "Console", lambda **kw: real(width=80, color_system=None, **kw))
    explain.list_rules(None, "zh", "table")
    text = capsys.readouterr().out
    from perflint.catalogue import default_catalogue

    joined = "".join(text.split())
    for meta in default_catalogue().rules.values():
        assert meta.code in joined
    assert "…" not in text.replace("（……）", "").replace("“……”", "").replace("“…", "").replace("…”", "")


def test_min_severity_hides_below_it_and_the_summary_still_counts_all(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = check_main([str(SAMPLES / "returns"), "--no-cache", "--format", "text", "--min-severity", "error",
                       "-o", f"json:{out}"])
    assert code == 1
    text = capsys.readouterr().out
    assert " 错误 " in text and " 提醒 " not in text and " 信息 " not in text
    report = json.loads(out.read_text(encoding="utf-8"))
    findings = [f for file in report["files"] for d in file["documents"] for f in d["findings"]]
    findings += [f for file in report["files"] for f in file["findings"]]
    assert findings and {f["severity"] for f in findings} == {"error"}
    assert report["summary"]["by_severity"].get("warning"), "the summary counts what is hidden"


def test_one_line_per_report_written(tmp_path, capsys):
    paths = {"json": tmp_path / "r.json", "html": tmp_path / "r.html"}
    check_main([str(SAMPLES / "returns"), "--no-cache", "--format", "text", "-q", "-o", f"json:{paths['json']}",
                "-o", f"html:{paths['html']}", "--report", str(tmp_path / "审核意见.xlsx"),
                "--ledger", str(tmp_path / "台账.xlsx")])
    err = capsys.readouterr().err.splitlines()
    written = [line for line in err if "已写出" in line]
    assert len(written) == 4
    for p in (paths["json"], paths["html"], tmp_path / "审核意见.xlsx", tmp_path / "台账.xlsx"):
        assert sum(str(p) in line for line in written) == 1


def test_the_ledger_workbook_is_formatted(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "台账.xlsx"
    check_main([str(SAMPLES / "returns"), "--no-cache", "--format", "text", "-q", "--ledger", str(path)])
    ws = load_workbook(path).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions
    head = [c.value for c in ws[1]]
    col = {name: i for i, name in enumerate(head)}
    rows = list(ws.iter_rows(min_row=2))
    assert {r[col["表类型"]].value for r in rows} >= {"项目支出绩效目标表", "项目支出绩效自评表"}
    assert {r[col["审核结论"]].value for r in rows} == {"通过", "退回"}
    rates = [r[col["执行率"]] for r in rows if isinstance(r[col["执行率"]].value, (int, float))]
    amounts = [r[col["全年预算数"]] for r in rows if isinstance(r[col["全年预算数"]].value, (int, float))]
    assert rates and all(c.number_format == '0.00"%"' for c in rates)
    assert amounts and all(c.number_format == "0.00" for c in amounts)
    for letter, dim in ws.column_dimensions.items():
        assert dim.width and dim.width >= 6
    assert ws.column_dimensions["A"].width >= 30  # file names are long


def test_the_ledger_in_english_keeps_codes(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "ledger.xlsx"
    check_main([str(SAMPLES / "returns"), "--no-cache", "--format", "text", "-q", "--lang", "en", "--ledger", str(path)])
    ws = load_workbook(path).active
    head = [c.value for c in ws[1]]
    assert head[:3] == ["path", "sheet", "kind"]
    assert {r[head.index("verdict")] for r in ws.iter_rows(min_row=2, values_only=True)} == {"pass", "return"}
