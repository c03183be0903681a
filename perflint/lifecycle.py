"""How perflint starts a second process, and why none outlives what started it.

Every child process (the batch's workers and its second-pass helper, the server's workers) is
started by `start_child`: fed over its own pipe, ending with its parent however the parent ends,
and leaving Ctrl-C to the parent.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any, Callable, Iterator

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a worker: end when the parent ends, however it ends (even SIGKILL), and leave Ctrl-C to it.

    On Linux the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG); elsewhere, or
    when that is not available, a thread watches the parent's pid. A parent that died before either
    was in place is caught by the check of getppid after it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            armed = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:
        os._exit(0)
    if not armed:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)

        threading.Thread(target=watch, name="perflint-parent-watch", daemon=True).start()


def requests(conn: Any) -> Iterator[Any]:
    """In a child started by `start_child`: what its parent sends over the pipe, until the parent
    sends None or is gone."""
    while True:
        try:
            todo = conn.recv()
        except EOFError:
            return
        if todo is None:
            return
        yield todo


def _context(how: str | None):
    # imported only when a second process is wanted: a one-file check never pays for it
    import multiprocessing

    # Linux: fork. Workers start in milliseconds with the engine's modules already imported, and the
    # caller's __main__ is not run again (forkserver and spawn re-import it from its path, which
    # breaks for `python -` and costs time). A batch runs no threads while its pool is up (the
    # progress bar refreshes from the main thread), so forking is safe. Elsewhere: spawn, for which
    # everything a batch's worker is given pickles.
    if how is None:
        how = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(how)


def _child_main(target: Callable, parent: int, args: tuple) -> None:
    die_with_parent(parent)
    target(*args)


def start_child(target: Callable, args: tuple, name: str, *, duplex: bool = True, how: str | None = None):
    """(process, the parent's end of its pipe): `target(child's end, *args)` runs in a new process
    that ends when this one does. `how`: "fork" for a child that must share this process's memory as
    it is now (on every platform that has fork); "spawn" for a fresh interpreter, the one safe start
    from a process running threads (a server's event loop); None: fork on Linux, spawn elsewhere.
    Raises OSError when no process can be had.

    On Linux the child ends when the thread that started it ends (PR_SET_PDEATHSIG follows the
    thread): start children from a thread that lives as long as they should."""
    ctx = _context(how)
    parent_end, child_end = ctx.Pipe(duplex=duplex)
    process = ctx.Process(target=_child_main, args=(target, os.getpid(), (child_end, *args)), daemon=True,
                          name=name)
    try:
        process.start()
    except BaseException:
        parent_end.close()
        raise
    finally:
        child_end.close()
    return process, parent_end
