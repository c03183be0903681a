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


def _screen(stream: str) -> list[str]:
    """What a terminal shows after `stream`: lines written, with the cursor moves and erasures a
    progress bar uses (CR, cursor up/down, erase line) applied."""
    lines, row, col, i = [""], 0, 0, 0
    while i < len(stream):
        m = re.match(r"\x1b\[([0-9;?]*)([A-Za-z])", stream[i:])
        if m:
            args, cmd = m.groups()
            n = int(args) if args.isdigit() else 1
            if cmd == "A":
                row = max(0, row - n)
            elif cmd == "B":
                row += n
            elif cmd == "K":
                lines[row] = "" if args == "2" else lines[row][:col]
            elif cmd == "G":
                col = n - 1
            i += m.end()
            lines += [""] * (row + 1 - len(lines))
            continue
        ch = stream[i]
        if ch == "\n":
            row, col = row + 1, 0
            lines += [""] * (row + 1 - len(lines))
        elif ch == "\r":
            col = 0
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + ch + line[col + 1:]
            col += 1
        i += 1
    return lines


def test_the_progress_bar_leaves_no_residue(monkeypatch):
    from perflint import checking

    class Term(io.StringIO):
        def isatty(self):
            return True

    term = Term()
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(checking, "show_progress", lambda: True)
    monkeypatch.setattr(checking.sys, "stdout", term)
    code = check_main([str(SAMPLES / "returns"), "--no-cache", "--isolated", "--format", "rich", "-j", "1"])
    assert code == 1
    raw = term.getvalue()
    bar = re.compile(r"通过 \d+ · 退回 \d+|个/秒|\b\d+/11\b")  # the bar's description, rate and count
    assert bar.search(raw), "the bar was drawn"
    screen = _screen(raw)
    assert not [line for line in screen if bar.search(line)]
    shown = "\n".join(screen)
    for path in sorted((SAMPLES / "returns").iterdir()):
        assert path.name in shown.replace("\n", "")  # every file's result stayed on the screen
    assert shown.rstrip().splitlines()[-1].strip(), "no blank line left at the end of the output"


def test_min_severity_hides_below_it_in_the_html_the_report_and_the_marked_up_copies(tmp_path, capsys):
    from openpyxl import load_workbook

    args = [str(SAMPLES / "xlsx"), "--no-cache", "--isolated", "--format", "text", "-q"]
    for level in ("info", "error"):
        out = tmp_path / level
        out.mkdir()
        check_main([*args, "--min-severity", level, "-o", f"html:{out / 'r.html'}", "--report", str(out / "r.xlsx"),
                    "--annotate", str(out / "marked"), "--report-detail", "full"])
    capsys.readouterr()
    pages = {level: (tmp_path / level / "r.html").read_text(encoding="utf-8") for level in ("info", "error")}
    cell = 'class="sev sev-{}"'.format
    assert cell("warning") in pages["info"] and cell("info") in pages["info"]
    assert cell("error") in pages["error"] and cell("warning") not in pages["error"] and cell("info") not in pages["error"]
    for level, shown in (("info", {"错误", "提醒", "信息"}), ("error", {"错误"})):
        rows = list(load_workbook(tmp_path / level / "r.xlsx")["问题清单"].iter_rows(min_row=2, values_only=True))
        assert {r[6] for r in rows} == shown
        marked = sorted((tmp_path / level / "marked").iterdir())
        assert marked
        kinds = set()
        for p in marked:
            kinds |= {r[1] for r in load_workbook(p)["审核意见"].iter_rows(values_only=True) if isinstance(r[0], int)}
        assert kinds == shown
