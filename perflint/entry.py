"""The `perflint` command. `check` is the hot path (a pre-commit hook runs it on every commit), so it
parses its own arguments with argparse and never imports typer, whose per-parameter adapters cost
more than checking a file; every other command goes through the typer app."""
from __future__ import annotations

import os
import sys

from .exits import EXIT_INTERRUPTED, EXIT_PIPE


def _run() -> None:
    from . import codecache

    codecache.install()
    if len(sys.argv) > 1 and sys.argv[1] == "check":
        from .check_cli import main as check_main

        _exit_now(check_main(sys.argv[2:]))
    from .cli import app

    app(prog_name="perflint")


def _exit_now(code: int | None) -> None:
    """End the process without tearing the interpreter down. Every report is closed and every cache
    saved by now; the standard streams are flushed here. Freeing a province's index and caches object
    by object at exit costs as long as checking dozens of workbooks (mypy ends the same way)."""
    from . import codecache

    codecache.save()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0)


def main() -> None:
    from .output import discard_pending

    try:
        _run()
    except BrokenPipeError:
        # `perflint check … | head`: the reader left. Say nothing more, leave no partial file, and end
        # as a command ended by SIGPIPE does (141), not with 1, which would mean a returned submission
        discard_pending()
        _quit(EXIT_PIPE)
    except KeyboardInterrupt:
        discard_pending()  # the reports being written are dropped; the old ones stay as they were
        try:
            sys.stderr.write("perflint: interrupted\n")
        except OSError:
            pass
        _quit(EXIT_INTERRUPTED)


def _quit(code: int) -> None:
    """End at once: no interpreter teardown, so no "Exception ignored" noise from half-closed streams."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # whatever is still buffered goes nowhere
    except (OSError, ValueError):
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)
