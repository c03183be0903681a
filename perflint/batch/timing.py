"""One file under the time limit, and the findings of a file that ran out of time or crashed.

Inside a process a timer signal stops an over-long check, so the usual timeout costs no process;
what a signal cannot interrupt (C code) is the pool's to kill (`pool.py`).
"""
from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING, Any, Callable

from ..engine import finish_file
from ..model import FileResult, Hit

if TYPE_CHECKING:
    from ..engine import Engine
    from ..readers import ReaderOptions

# what a process does with one file: (engine, path, reader options) -> its answer (see tasks.py)
Task = Callable[["Engine", str, "ReaderOptions"], Any]


class FileTimeout(BaseException):
    """Raised inside a check by the timer; BaseException so that rule-level `except Exception` cannot swallow it."""


def timeout_result(engine: Engine, path: str, seconds: float, limit: float) -> FileResult:
    finding = _stamp(engine, "F010", Hit.at("", seconds=limit), path)
    return finish_file(path, (), [finding] if finding else [], seconds)


def crash_result(engine: Engine, path: str, reason: str, seconds: float = 0.0, variant: str | None = None) -> FileResult:
    finding = _stamp(engine, "F011", Hit.at("", reason=reason, variant=variant), path)
    return finish_file(path, (), [finding] if finding else [], seconds)


def _stamp(engine: Engine, code: str, hit: Hit, path: str):
    # a file that was never checked has no documents, so it is returned even if its code is deselected
    return engine.stamp(code, hit, None, path) if engine.wanted(code, path) else None


def describe_exit(code: int | None) -> str:
    """How a worker process ended, as the F011 finding names it."""
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _alarm(signum, frame):  # pragma: no cover - runs inside the signal
    raise FileTimeout()


def _timer_usable() -> bool:
    import threading

    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def check_one(engine: Engine, path: str, options: ReaderOptions, timeout: float | None, task: Task) -> Any:
    """`task` on a file under the time limit; an unexpected error is this file's F011, not the run's end."""
    started = time.perf_counter()
    timed = bool(timeout) and _timer_usable()
    previous = signal.signal(signal.SIGALRM, _alarm) if timed else None
    try:
        try:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, timeout)
            return task(engine, path, options)
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except FileTimeout:  # also when the timer fires just as the check returns: the file was at the limit
        return timeout_result(engine, path, time.perf_counter() - started, timeout or 0.0)
    except Exception as exc:  # readers and rules contain their own errors; this is the last net
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        reason = f"{type(exc).__name__}: {exc} ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
        return crash_result(engine, path, reason, time.perf_counter() - started, variant="exception")
    finally:
        if timed:
            signal.signal(signal.SIGALRM, previous)
