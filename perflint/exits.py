"""How perflint ends: its exit codes, and the one way a command refuses to run."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import Summary

EXIT_PASS = 0  # every submission passes
EXIT_RETURN = 1  # at least one submission is returned
EXIT_USAGE = 2  # perflint could not run: a bad option, config, profile or path
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a command whose reader went away


def exit_code(summary: Summary, fail_on: str) -> int:
    """A run's exit code: `fail_on` error (a returned submission), warning (also any warning) or never."""
    if fail_on == "never":
        return EXIT_PASS
    if summary.files_returned:  # a file's own error returns it even where its documents pass
        return EXIT_RETURN
    if fail_on == "warning" and summary.by_severity.get("warning"):
        return EXIT_RETURN
    return EXIT_PASS


def fail(message: str) -> int:
    """Say why perflint cannot run, on one line of stderr (paths in it may hold anything), and give
    the exit code for it."""
    from .formatters.safe import one_line

    sys.stderr.write(f"perflint: {one_line(message)}\n")
    return EXIT_USAGE
