"""The command line: perflint check | rules | rule | template | convert | cache."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .data import DataError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="perflint: 预算绩效管理申报材料合规检查 / compliance linter for budget performance submissions.")

EXIT_PASS, EXIT_RETURN, EXIT_USAGE = 0, 1, 2


def _fail(message: str) -> typer.Exit:
    sys.stderr.write(f"perflint: {message}\n")
    return typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"perflint {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    pass


def _split_outputs(outputs: list[str]) -> list[tuple[str, str]]:
    from .formatters import FORMATS

    pairs = []
    for item in outputs:
        fmt, sep, path = item.partition(":")
        if not sep or not path:
            raise _fail(f"-o expects FORMAT:PATH, got {item!r}")
        if fmt not in FORMATS or fmt == "rich" and False:
            raise _fail(f"unknown output format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
        pairs.append((fmt, path))
    return pairs


def _default_format() -> str:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return "rich" if sys.stdout.isatty() else "text"


@app.command()
def check(
    paths: List[str] = typer.Argument(None, help="Files and folders (.xlsx .xlsm .xls .json); folders are searched recursively."),
    select: List[str] = typer.Option([], "--select", help="Only these rules: codes, prefixes (H, S40) or slugs; repeatable or comma-separated."),
    ignore: List[str] = typer.Option([], "--ignore", help="Skip these rules: codes, prefixes or slugs."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Profile name (national, national-2015, national-2021, …) or path to a .toml profile."),
    config: Optional[Path] = typer.Option(None, "--config", help="Config file (perflint.toml or pyproject.toml)."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore every config file."),
    fmt: Optional[str] = typer.Option(None, "--format", help="rich | text | json | sarif | junit | github (default: rich on a terminal, text otherwise, github under GitHub Actions)."),
    output: List[str] = typer.Option([], "-o", "--output", help="Also write FORMAT:PATH (repeatable), e.g. -o json:report.json -o sarif:perflint.sarif."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Message language: zh (default) or en."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only show returned files."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="error (default) | warning | never."),
    no_waivers: bool = typer.Option(False, "--no-waivers", help="Ignore every waiver in the submissions."),
    history: List[str] = typer.Option([], "--history", help="Folder, file or glob of earlier submissions for cross-document checks (repeatable)."),
    registry: List[str] = typer.Option([], "--registry", help="Registry table (CSV or xlsx) exported from the budget system (repeatable)."),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", help="Worker processes (0 = all cores)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds allowed per file before it gets a finding."),
    report: Optional[str] = typer.Option(None, "--report", help="Write the 审核意见 workbook (.xlsx) to send back."),
    report_split: Optional[str] = typer.Option(None, "--report-split", help="department: one report workbook per department."),
    ledger: Optional[str] = typer.Option(None, "--ledger", help="Write the batch ledger (.csv, .xlsx or .parquet)."),
    baseline: Optional[str] = typer.Option(None, "--baseline", help="Report only findings not recorded in this baseline file."),
    write_baseline: Optional[str] = typer.Option(None, "--write-baseline", help="Record today's findings as the baseline."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the result cache."),
) -> None:
    """Check submissions and give each a verdict: 通过 (pass) or 退回 (return)."""
    from .config import find_config, read_config
    from .run import RunSettings, collect_files, load_policy

    paths = list(paths or [])
    if not paths:
        raise _fail("no paths given: perflint check FILE_OR_FOLDER…")
    for p in paths:
        if not os.path.exists(p):
            raise _fail(f"no such file or folder: {p}")
    for name, value, allowed in (("--lang", lang, ("zh", "en")), ("--fail-on", fail_on, ("error", "warning", "never")),
                                 ("--report-split", report_split, ("department",))):
        if value is not None and value not in allowed:
            raise _fail(f"{name} must be one of {', '.join(allowed)}")
    try:
        if isolated:
            from .config import Config
            cfg = Config()
        elif config is not None:
            cfg = read_config(config)
        else:
            cfg = find_config(Path(paths[0]))
        settings = RunSettings.resolve(paths, cfg, {
            "profile": profile, "select": select, "ignore": ignore, "lang": lang, "fail_on": fail_on,
            "history": history, "registry": registry, "jobs": jobs, "timeout": timeout,
            "cache": False if no_cache else None, "waivers": False if no_waivers else None,
        })
        catalogue, prof = load_policy(settings)
        from .run import build_engine
        engine_args = (settings, catalogue, prof)
        build_engine(*engine_args)  # validate selection, registry and profile before any file is read
    except DataError as exc:
        raise _fail(str(exc))
    fmt = fmt or cfg.get("format") or _default_format()
    from .formatters import FORMATS
    if fmt not in FORMATS or fmt == "xlsx":
        raise _fail(f"unknown format {fmt!r}")
    extra_outputs = _split_outputs(output)
    if report:
        extra_outputs.append(("xlsx", report))
    files = collect_files(paths, settings.include, settings.exclude, cfg.root)
    from .checking import run_check
    code = run_check(settings, catalogue, prof, files, fmt, extra_outputs, quiet=quiet, report_split=report_split,
                     ledger=ledger, baseline=baseline, write_baseline=write_baseline)
    raise typer.Exit(code)


@app.command("rules")
def rules_cmd(
    family: Optional[str] = typer.Argument(None, help="Only this family or prefix: F, B, A, I, S, H, W."),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    fmt: str = typer.Option("table", "--format", help="table | json | markdown."),
) -> None:
    """The rule catalogue as a table."""
    from .explain import list_rules

    try:
        list_rules(family, lang, fmt)
    except DataError as exc:
        raise _fail(str(exc))


@app.command("rule")
def rule_cmd(
    code: str = typer.Argument(..., help="A rule code (A201) or slug (annual-funds-unbalanced)."),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    profile: str = typer.Option("national", "--profile", help="Show parameter values of this profile."),
) -> None:
    """Explain one rule: what it checks, why, its policy source, parameters and examples."""
    from .explain import explain_rule

    try:
        found = explain_rule(code, lang, profile)
    except DataError as exc:
        raise _fail(str(exc))
    if not found:
        raise _fail(f"unknown rule {code!r}: see `perflint rules`")


@app.command()
def template(
    kind: str = typer.Argument(..., help="project_target | dept_target | project_selfeval | dept_selfeval"),
    out: Optional[Path] = typer.Option(None, "-o", "--output", help="Where to write the workbook (default: KIND.xlsx)."),
) -> None:
    """Write the reference workbook of a form, with dropdowns and a 填报说明 sheet."""
    from .model import KINDS

    if kind not in KINDS:
        raise _fail(f"unknown form kind {kind!r} (one of {', '.join(KINDS)})")
    from .template import write_template

    path = out or Path(f"{kind}.xlsx")
    write_template(kind, path)
    sys.stdout.write(f"{path}\n")


@app.command()
def convert(
    files: List[str] = typer.Argument(..., help="Workbooks or JSON files to convert."),
    to: str = typer.Option("json", "--to", help="Target format: json."),
    out_dir: Optional[Path] = typer.Option(None, "-d", "--out-dir", help="Folder for the output (default: beside each input)."),
    profile: str = typer.Option("national", "--profile", help="Profile whose label aliases to use."),
) -> None:
    """Write each document of each file as canonical JSON (one file per document)."""
    if to != "json":
        raise _fail("--to supports json")
    from .convert import convert_files

    try:
        code = convert_files(files, out_dir, profile)
    except DataError as exc:
        raise _fail(str(exc))
    raise typer.Exit(code)


cache_app = typer.Typer(help="The result and history caches.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("clean")
def cache_clean() -> None:
    """Remove perflint's caches."""
    import shutil

    from .schema import cache_dir

    folder = cache_dir()
    shutil.rmtree(folder, ignore_errors=True)
    sys.stdout.write(f"removed {folder}\n")


def main() -> None:
    app()
