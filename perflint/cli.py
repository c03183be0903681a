"""The command line: perflint check | rules | rule | profile test | template | convert | serve | cache."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .data import DataError
from .exits import fail

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="perflint: 预算绩效管理申报材料合规检查 / compliance linter for budget performance submissions.")

def _fail(message: str) -> typer.Exit:
    return typer.Exit(fail(message))


def _profile(given: Optional[str]) -> str:
    """--profile as given; else the profile of the nearest config (perflint.toml or pyproject.toml), as
    `perflint check` in this folder would use it; else the national one."""
    if given:
        return given
    from .config import find_config
    from .run import configured_profile

    try:
        return configured_profile(find_config(Path.cwd())) or "national"
    except DataError as exc:
        raise _fail(str(exc))


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"perflint {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    pass


@app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                              "help_option_names": []}, add_help_option=False)
def check(ctx: typer.Context) -> None:
    """Check submissions and give each a verdict: 通过 (pass) or 退回 (return). See `perflint check --help`."""
    from .check_cli import main as check_main

    raise typer.Exit(check_main(list(ctx.args)))


@app.command("rules")
def rules_cmd(
    family: Optional[str] = typer.Argument(None, help="Only this family or prefix: F, B, A, I, S, H, W."),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    fmt: str = typer.Option("table", "--format", help="table | json | markdown."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Also list this profile's own rules ([[rules]]), "
                                          "with its severities (default: the config's profile)."),
) -> None:
    """The rule catalogue as a table."""
    from .explain import list_rules

    try:
        list_rules(family, lang, fmt, _profile(profile))
    except DataError as exc:
        raise _fail(str(exc))


@app.command("rule")
def rule_cmd(
    code: str = typer.Argument(..., help="A rule code (A201) or slug (annual-funds-unbalanced)."),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Show parameter values of this profile, and its own "
                                          "rules (default: the config's profile, else national)."),
) -> None:
    """Explain one rule: what it checks, why, its policy source, parameters and examples."""
    from .explain import explain_rule

    try:
        found = explain_rule(code, lang, _profile(profile))
    except DataError as exc:
        raise _fail(str(exc))
    if not found:
        own = len(code) == 4 and code[1:].isdigit() and int(code[1:]) >= 950
        raise _fail(f"unknown rule {code!r}: see `perflint rules`"
                    + (" (codes 950–999 are a profile's own rules: give --profile PATH)" if own else ""))


@app.command()
def template(
    kind: str = typer.Argument(..., help="project_target | dept_target | project_selfeval | dept_selfeval"),
    out: Optional[Path] = typer.Option(None, "-o", "--output", help="Where to write the workbook (default: KIND.xlsx; a .xls name writes legacy Excel)."),
    layout: str = typer.Option("reference", "--layout", help="reference | national (values like ≥95% in one cell) | provincial."),
    force: bool = typer.Option(False, "--force", help="Overwrite the file if it exists."),
) -> None:
    """Write the reference workbook of a form, with dropdowns and a 填报说明 sheet."""
    from .model import KINDS

    if kind not in KINDS:
        raise _fail(f"unknown form kind {kind!r} (one of {', '.join(KINDS)})")
    from .template import LAYOUTS, write_template

    if layout not in LAYOUTS:
        raise _fail(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")
    path = out or Path(f"{kind}.xlsx")
    if os.path.isdir(path):
        raise _fail(f"{path}: is a folder")
    if os.path.lexists(path) and not force:
        raise _fail(f"{path}: exists; give --force to overwrite it")
    try:
        write_template(kind, path, layout=layout)
    except OSError as exc:
        raise _fail(f"{exc.filename or path}: cannot be written: {exc.strerror or exc}")
    sys.stdout.write(f"{path}\n")


@app.command()
def convert(
    files: List[str] = typer.Argument(..., help="Workbooks or JSON files to convert."),
    to: str = typer.Option("json", "--to", help="Target format: json."),
    out_dir: Optional[Path] = typer.Option(None, "-d", "--out-dir", help="Folder for the output (default: beside each input)."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Profile whose label aliases to use "
                                          "(default: the config's profile, else national)."),
    force: bool = typer.Option(False, "--force", help="Overwrite output files that exist."),
    explain: bool = typer.Option(False, "--explain", help="Print how each sheet was read (each field, its cell and "
                                 "label; the labels not placed) instead of writing JSON."),
) -> None:
    """Write each document of each file as canonical JSON (one file per document)."""
    if to != "json":
        raise _fail("--to supports json")
    from .convert import convert_files, explain_files

    try:
        chosen = _profile(profile)
        code = explain_files(files, chosen) if explain else convert_files(files, out_dir, chosen, force=force)
    except DataError as exc:
        raise _fail(str(exc))
    raise typer.Exit(code)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; any other than this machine needs a token."),
    port: int = typer.Option(8765, "--port", help="Port to listen on."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Profile name or path to a .toml profile "
                                          "(default: the config's profile, else national)."),
    history: List[str] = typer.Option([], "--history", help="Earlier submissions for the H rules (repeatable)."),
    registry: List[str] = typer.Option([], "--registry", help="Registry table (CSV or xlsx) for the H rules (repeatable)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in the browser."),
    token: Optional[str] = typer.Option(None, "--token", help="Access token (default: $PERFLINT_SERVE_TOKEN; "
                                        "made up and printed when listening beyond this machine)."),
    workers: int = typer.Option(2, "--workers", help="Worker processes that run the checks."),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds allowed per file before it gets a finding."),
) -> None:
    """The checks as a web page (拖入工作簿即可检查) and an HTTP API. Needs: pip install 'perflint-cn[serve]'."""
    from .serve import serve as run_server

    raise typer.Exit(run_server(host, port, _profile(profile), history, registry, open_browser, token, workers, timeout))


profile_app = typer.Typer(help="Profiles: the policy a check applies.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")


@profile_app.command("test")
def profile_test(
    profile: str = typer.Argument(..., help="A profile: a path to a .toml file, or a built-in name."),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
) -> None:
    """Run the examples of a profile's own rules ([[rules.examples]]): exit 0 when every one behaves, 1 when one does not."""
    from .rule_examples import report_examples

    try:
        code = report_examples(profile, lang)
    except DataError as exc:
        raise _fail(str(exc))
    raise typer.Exit(code)


cache_app = typer.Typer(help="The result and history caches.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("clean")
def cache_clean() -> None:
    """Remove perflint's caches."""
    import shutil

    from .diskcache import cache_dir

    folder = cache_dir()
    shutil.rmtree(folder, ignore_errors=True)
    sys.stdout.write(f"removed {folder}\n")

