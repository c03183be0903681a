"""`perflint check`: its options, parsed with argparse so that a one-file check starts fast."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .data import DataError
from .formatters import OUTPUT_FORMATS
from .exits import EXIT_PASS, EXIT_RETURN, EXIT_USAGE, fail as _fail

_DESCRIPTION = """\
检查预算绩效申报材料，给出审核结论：通过 或 退回。
Check submissions (.xlsx .xlsm .xls .json; folders recursively) and give each a verdict: 通过 (pass) or 退回 (return).
Exit codes: 0 every submission passes, 1 at least one is returned, 2 perflint could not run."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit code is also 2; keep the perflint prefix
        self.exit(EXIT_USAGE, f"perflint check: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="perflint check", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = p.add_argument
    add("paths", nargs="*", metavar="PATH", help="files and folders; none: the config's `paths`")
    add("--select", action="append", default=[], metavar="CODES",
        help="only these rules: codes, prefixes (H, S40) or slugs; repeatable or comma-separated")
    add("--ignore", action="append", default=[], metavar="CODES", help="skip these rules: codes, prefixes or slugs")
    add("--profile", help="profile name (national, national-2015, national-2021, …) or path to a .toml profile")
    add("--config", type=Path, help="config file (perflint.toml or pyproject.toml)")
    add("--isolated", action="store_true", help="ignore every config file")
    add("--format", dest="fmt", metavar="FORMAT",
        help=f"{' | '.join(OUTPUT_FORMATS)} (default: rich on a terminal, text otherwise, "
             "github under GitHub Actions); the 审核意见 workbook is --report FILE.xlsx")
    add("-o", "--output", action="append", default=[], metavar="FORMAT:PATH",
        help="also write FORMAT:PATH (repeatable), e.g. -o json:report.json -o sarif:perflint.sarif")
    add("--sarif-info", action="store_true",
        help="also put info findings in SARIF reports (left out by default: code scanning makes every result an alert)")
    add("--lang", choices=("zh", "en"), help="message language (default zh)")
    add("-q", "--quiet", action="store_true", help="only show returned files")
    add("--fail-on", choices=("error", "warning", "never"), help="exit 1 on: error (default), warning, or never")
    add("--no-waivers", action="store_true", help="ignore every waiver in the submissions")
    add("--history", action="append", default=[], metavar="PATH",
        help="folder, file or glob of earlier submissions for cross-document checks (repeatable)")
    add("--registry", action="append", default=[], metavar="PATH",
        help="registry table (CSV or xlsx) exported from the budget system (repeatable)")
    add("-j", "--jobs", type=int, help="worker processes (0 = all cores; never more than files)")
    add("--timeout", type=float, help="seconds allowed per file before it gets a finding (0 = no limit)")
    add("--report", metavar="FILE.xlsx", help="write the 审核意见 workbook to send back")
    add("--report-split", choices=("department",), help="department: one report workbook per department")
    add("--report-detail", choices=("department", "full"),
        help="department (default): what a department is sent (file names, no info notes, no H500 or run notes);"
             " full: everything, for the bureau's own copy")
    add("--annotate", metavar="DIR", help="write a marked-up copy of every workbook checked into DIR (NAME.审核.xlsx)")
    add("--min-severity", choices=("info", "warning", "error"),
        help="hide findings below this severity (JSON and SARIF leave them out too; their summary counts all)")
    add("--ledger", metavar="PATH", help="write the batch ledger (.csv, .xlsx or .parquet)")
    add("--baseline", metavar="FILE", help="report only findings not recorded in this baseline")
    add("--write-baseline", metavar="FILE", help="record today's findings as the baseline")
    add("--no-cache", action="store_true", help="do not read or write the result cache")
    return p


def _default_format() -> str:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return "rich" if sys.stdout.isatty() else "text"


# the 审核意见 workbook has its own option (a workbook is no stream for stdout, and it may be split by
# department): --format xlsx and -o xlsx:PATH are both refused with this one message
_WORKBOOK = "the 审核意见 workbook is not a --format or -o format: write it with --report FILE.xlsx"


def _known_format(fmt: str) -> str | None:
    """None for a format --format and -o accept, else why not."""
    if fmt == "xlsx":
        return _WORKBOOK
    if fmt not in OUTPUT_FORMATS:
        return f"unknown format {fmt!r} (known: {', '.join(sorted(OUTPUT_FORMATS))})"
    return None


def _split_outputs(outputs: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for item in outputs:
        fmt, sep, path = item.partition(":")
        if not sep or not path:
            raise DataError("-o", item, "expects FORMAT:PATH")
        why = _known_format(fmt)
        if why:
            raise DataError("-o", item, why)
        pairs.append((fmt, path))
    return pairs


def _check_options(args: argparse.Namespace) -> str | None:
    """Option values that would otherwise turn every file into a finding, or be silently ignored."""
    import math

    if args.timeout is not None and (not math.isfinite(args.timeout) or args.timeout < 0):
        return f"--timeout {args.timeout}: must be a number of seconds ≥ 0 (0 = no limit)"
    if args.jobs is not None and args.jobs < 0:
        return f"-j/--jobs {args.jobs}: must be 0 (all cores) or more"
    if args.ledger:
        import importlib.util

        need = ["pandas", "pandera"] + (["pyarrow"] if args.ledger.lower().endswith(".parquet") else [])
        missing = [m for m in need if importlib.util.find_spec(m) is None]
        if missing:
            extra = "ledger,parquet" if "pyarrow" in missing else "ledger"
            return (f"--ledger needs {', '.join(missing)}: pip install 'perflint-cn[{extra}]' "
                    f"(nothing was checked)")
    return None


def _outputs_of(args: argparse.Namespace, outputs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(option, path) of every file the run will write."""
    named = [("-o" if fmt != "xlsx" else "--report", path) for fmt, path in outputs]
    if args.ledger:
        named.append(("--ledger", args.ledger))
    if args.write_baseline:
        named.append(("--write-baseline", args.write_baseline))
    return named


def _is_own(path: str) -> bool:
    """Is the file at `path` one perflint wrote earlier (a baseline, a JSON or SARIF report), which a
    run may replace and never checks as a submission?"""
    import json

    if not path.lower().endswith((".json", ".sarif")):
        return False
    try:
        with open(path, "rb") as fh:
            raw = json.loads(fh.read())
    except (OSError, ValueError):
        return False
    if not isinstance(raw, dict):
        return False
    if "baseline_version" in raw or ("report_version" in raw and "perflint" in raw):
        return True
    try:
        return raw["runs"][0]["tool"]["driver"]["name"] == "perflint"
    except (KeyError, IndexError, TypeError):
        return False


def _check_output_paths(named: list[tuple[str, str]], inputs: dict[str, str]) -> str | None:
    """Outputs never overwrite what the run reads, and two outputs never share a path."""
    seen: dict[str, str] = {}
    for option, path in named:
        real = os.path.realpath(path)
        if os.path.isdir(real):
            return f"{option} {path}: is a folder"
        if real in seen:
            return f"{option} {path}: {seen[real]} writes the same file"
        seen[real] = option
        if real in inputs:
            return f"{option} {path}: would overwrite {inputs[real]}, which this run reads (nothing was written)"
        # a folder that cannot take the file is said now, not after an afternoon's batch (the ledger and
        # the baseline are written at the end; a missing folder is made, so its nearest parent counts)
        folder = os.path.dirname(real)
        while folder and not os.path.exists(folder) and os.path.dirname(folder) != folder:
            folder = os.path.dirname(folder)
        if os.path.isdir(folder) and not os.access(folder, os.W_OK):
            return f"{option} {path}: cannot write into {folder} (read-only or not yours; nothing was checked)"
    return None


def _check_annotate_folder(folder: str, paths: list[str], history: list[str]) -> str | None:
    """The marked-up copies never go into a folder the run walks: a later run of the same command
    would check each copy as a submission of its own (and find it a duplicate of its original)."""
    real = os.path.realpath(folder)
    if os.path.exists(real) and not os.path.isdir(real):
        return f"--annotate {folder}: is a file, not a folder"
    for option, given in [("", p) for p in paths] + [("--history ", h) for h in history]:
        if not os.path.isdir(given):
            continue
        walked = os.path.realpath(given)
        if real == walked or real.startswith(walked.rstrip(os.sep) + os.sep):
            return (f"--annotate {folder}: lies in {option}{given}, which this run checks; the copies would be "
                    f"checked as submissions next time: choose a folder outside it (nothing was written)")
    return None


def _run_inputs(files: list[str], settings, cfg, profile, baseline: str | None) -> dict[str, str]:
    """Real path -> what it is, for every file the run reads."""
    from .files import expand_sources

    inputs: dict[str, str] = {}
    for f in files:
        inputs.setdefault(os.path.realpath(f), "a submission being checked")
    try:
        for f in expand_sources(settings.history, warn=False):
            inputs.setdefault(os.path.realpath(f), "a --history file")
    except DataError:
        pass  # reported when the history is built
    for f in settings.registry:
        inputs.setdefault(os.path.realpath(f), "a --registry table")
    for f in getattr(profile, "chain", ()):
        inputs.setdefault(os.path.realpath(f), "the profile")
    if cfg.path is not None:
        inputs.setdefault(os.path.realpath(cfg.path), "the config")
    if baseline:
        inputs.setdefault(os.path.realpath(baseline), "the baseline")
    return inputs


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:  # a file name that is not UTF-8 is shown escaped, never a crash halfway through the output
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    problem = _check_options(args)
    if problem:
        return _fail(problem)
    from .config import config_and_paths, from_config
    from .files import collect_files
    from .run import Run, RunSettings

    paths = list(args.paths)
    for p in paths:
        if not os.path.exists(p):
            return _fail(f"no such file or folder: {p}")
    if args.baseline and args.write_baseline:
        return _fail("--baseline and --write-baseline exclude each other: --write-baseline records every finding")
    baseline = args.baseline
    try:
        cfg, paths = config_and_paths(paths, args.config, args.isolated)
        if not args.write_baseline and not baseline and cfg.get("baseline"):
            baseline = cfg.relative(cfg.get("baseline"))
        if baseline:
            from .baseline import load_baseline

            with from_config(cfg, "baseline", applies=not args.baseline):
                load_baseline(baseline).suppressed = 0  # a missing or broken baseline stops the run here
        settings = RunSettings.resolve(paths, cfg, {
            "profile": args.profile, "select": args.select, "ignore": args.ignore, "lang": args.lang,
            "fail_on": args.fail_on, "history": args.history, "registry": args.registry, "jobs": args.jobs,
            "timeout": args.timeout, "cache": False if args.no_cache else None,
            "waivers": False if args.no_waivers else None,
        })
        with from_config(cfg, "profile", applies=not args.profile):
            run = Run.load(settings)
        cfg.check_codes(run.catalogue)
        run.engine()  # selection, registry and profile fail here, before any file
        fmt = args.fmt or cfg.get("format") or _default_format()
        why = _known_format(fmt)
        if why and not args.fmt and cfg.get("format"):
            raise DataError(cfg.source, cfg.key_name("format"), f"{fmt!r}: {why}")
        if why:
            return _fail(f"--format {fmt}: {why}")
        outputs = _split_outputs(args.output)
        if args.report:
            outputs.append(("xlsx", args.report))
    except DataError as exc:
        return _fail(str(exc))
    problems: list[tuple[str, str]] = []
    files = collect_files(paths, settings.include, settings.exclude, cfg.root, problems)
    own = {os.path.realpath(p) for p in (baseline,) if p}
    for _, path in _outputs_of(args, outputs):
        if _is_own(path):  # an earlier run's baseline or report where this one writes its own
            own.add(os.path.realpath(path))
    if own:  # perflint's own files are no submissions
        files = [f for f in files if os.path.realpath(f) not in own]
    from .formatters.safe import one_line

    for where, why in problems:  # nothing passes silently
        sys.stderr.write(f"perflint: {one_line(where)}: {why}\n")
    if not files:
        if not problems and paths and all(os.path.isfile(p) for p in paths):
            # every file named (by a pre-commit hook) is excluded by the config: nothing is asked of us
            sys.stderr.write("perflint: every file given is excluded by the config's include/exclude\n")
            return EXIT_PASS
        return _fail("no file was checked: " + ", ".join(paths))
    named = _outputs_of(args, outputs)
    if named:  # (the inputs are gathered only when there is something to protect them from)
        problem = _check_output_paths(named, _run_inputs(files, settings, cfg, run.profile, baseline))
        if problem:
            return _fail(problem)
    if args.annotate:
        problem = _check_annotate_folder(args.annotate, paths, list(settings.history))
        if problem:
            return _fail(problem)
    from .checking import run_check

    try:
        code = run_check(run, files, fmt, outputs, quiet=args.quiet,
                         report_split=args.report_split, ledger=args.ledger, baseline=baseline,
                         write_baseline=args.write_baseline, annotate=args.annotate,
                         report_detail=args.report_detail or cfg.get("report_detail") or "department",
                         min_severity=args.min_severity or cfg.get("min_severity") or "info",
                         bureau=cfg.get("bureau"), sarif_info=args.sarif_info)
    except DataError as exc:
        return _fail(str(exc))
    if args.write_baseline and code == EXIT_RETURN:
        code = EXIT_PASS  # today's findings are now the baseline: with it, this run passes
    if baseline and not args.quiet:
        from .baseline import load_baseline, suppressed_note

        known = load_baseline(baseline)
        if known.suppressed:
            sys.stderr.write(suppressed_note(known, settings.lang))
    return code
