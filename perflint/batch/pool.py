"""The batch's worker processes and their pipes.

Each worker is a plain process fed over its own pipe. The parent always knows which file each
worker is on, so a worker that dies (segfault, out of memory, killed) costs that one file an F011
finding and is replaced, and a worker stuck past the time limit (e.g. inside C code that a signal
cannot interrupt) is killed and its file gets F010.

Every child (the pool's workers, the second pass's helper) is started by `lifecycle.start_child`:
forked on Linux, ending with its parent however the parent ends, leaving Ctrl-C to the parent.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..lifecycle import requests, start_child
from . import tasks
from .timing import check_one, crash_result, describe_exit, timeout_result

if TYPE_CHECKING:
    from ..engine import Engine
    from .wire import BatchPlan

_KILL_GRACE = 1.0  # seconds past the limit before a worker that ignores its timer is killed


def _worker_main(conn, plan: BatchPlan) -> None:
    prepare = plan.task == "prepare"
    engine = plan.run.engine(None if prepare else plan.history, keep_records=prepare)
    task = tasks.task(plan.task)
    options = plan.run.options
    conn.send(("ready", None, None))
    for todo in requests(conn):
        for index, path in todo:
            conn.send(("done", index, check_one(engine, path, options, plan.timeout, task)))


@dataclass
class _Worker:
    process: Any
    conn: Any
    queue: deque = field(default_factory=deque)  # (index, path) sent and not yet answered
    since: float = 0.0  # when the file at the head of the queue started
    ready: bool = False
    poller: Any = None  # a poll object for its pipe alone (see _Waiter.waiting)

    @property
    def busy(self) -> bool:
        return bool(self.queue)


class Pool:
    def __init__(self, plan: BatchPlan, size: int) -> None:
        self.plan = plan
        self.size = size
        self.workers: list[_Worker] = []
        for _ in range(size):
            self._start()

    def _start(self) -> _Worker:
        process, conn = start_child(_worker_main, (self.plan,), "perflint-worker")
        w = _Worker(process, conn)
        self.workers.append(w)
        return w

    def replace(self, w: _Worker) -> None:
        self._discard(w)
        self._start()

    def _discard(self, w: _Worker) -> None:
        try:
            w.conn.close()
        except OSError:
            pass
        if w.process.is_alive():
            w.process.kill()
        w.process.join(timeout=5)
        self.workers.remove(w)

    def close(self) -> None:
        for w in list(self.workers):
            try:
                if w.process.is_alive():
                    w.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        deadline = time.monotonic() + 2
        for w in list(self.workers):
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            self._discard(w)


# the parent wakes at most this often (seconds) and takes every result waiting: with as many workers
# as cores, each wake-up takes a core from a worker (bench/README.md has the measurement), and a
# worker's next chunk is sent while half of the last one is still to do
_COALESCE = 0.006


def chunk_size(n: int, jobs: int) -> int:
    # small chunks keep the load even and a crash cheap; larger ones save round trips on big batches
    return max(1, min(16, n // (jobs * 8)))


class _Waiter:
    """Which workers have a message or have ended. Where the system has poll(2), one poll object
    is kept across waits: multiprocessing's `wait` builds and fills a new selector on every call,
    which costs the parent more than receiving the file's result."""

    def __init__(self) -> None:
        import select

        self._new_poll = getattr(select, "poll", None)
        self._poll = self._new_poll() if self._new_poll is not None else None
        self._mask = select.POLLIN if self._poll is not None else 0  # not poll's default, which adds "ready to write"
        self._fds: dict[int, tuple[_Worker, bool]] = {}  # fd -> (worker, whether it is its sentinel)

    def ready(self, workers: list[_Worker], timeout: float | None) -> list[tuple[_Worker, bool]]:
        if self._poll is None:
            from multiprocessing.connection import wait

            ends = {w.process.sentinel: w for w in workers}
            conns = {w.conn: w for w in workers}
            return [(ends[o], True) if o in ends else (conns[o], False)
                    for o in wait([*conns, *ends], timeout)]
        wanted = {w.conn.fileno(): (w, False) for w in workers}
        wanted.update({w.process.sentinel: (w, True) for w in workers})
        if wanted != self._fds:
            for fd in self._fds.keys() - wanted.keys():
                self._poll.unregister(fd)
            for fd in wanted.keys() - self._fds.keys():
                self._poll.register(fd, self._mask)
            self._fds = wanted
        events = self._poll.poll(None if timeout is None else max(0, int(timeout * 1000 + 0.999)))
        got = [self._fds[fd] for fd, _ in events if fd in self._fds]
        return sorted(got, key=lambda wt: wt[1])  # messages first: a worker's last results before its end

    def waiting(self, w: _Worker) -> bool:
        """Whether another message from `w` can be received at once."""
        if self._poll is None:
            return w.conn.poll()
        if w.poller is None:
            w.poller = self._new_poll()
            w.poller.register(w.conn.fileno(), self._mask)
        return bool(w.poller.poll(0))


class Scheduler:
    """Hands files to the workers in chunks and collects (index, answer) pairs in any order."""

    def __init__(self, engine: Engine, plan: BatchPlan, jobs: int, chunk: int) -> None:
        self.engine = engine
        self.limit = plan.timeout
        self.chunk = chunk
        self.pending: deque = deque()
        self.plan = plan
        self.jobs = jobs
        self._pool: Pool | None = None
        self._waiter = _Waiter()
        self._woken = 0.0

    @property
    def pool(self) -> Pool:
        # started with the first file submitted: none at all when every file is cached or drafted
        if self._pool is None:
            self._pool = Pool(self.plan, self.jobs)
        return self._pool

    @property
    def outstanding(self) -> int:
        workers = self._pool.workers if self._pool is not None else ()
        return len(self.pending) + sum(len(w.queue) for w in workers)

    def submit(self, index: int, path: str) -> None:
        self.pending.append((index, path))

    def _dispatch(self) -> None:
        now = time.monotonic()
        for w in self.pool.workers:
            # the next chunk goes out while half of the last is still to do: a worker never waits
            # for the parent to notice it has finished
            if w.ready and len(w.queue) <= self.chunk // 2 and self.pending:
                # smaller chunks as the pass runs out, so that the workers finish together
                size = max(1, min(self.chunk, len(self.pending) // (2 * len(self.pool.workers))))
                todo = [self.pending.popleft() for _ in range(size)]
                try:
                    w.conn.send(todo)
                except OSError:
                    self.pending.extendleft(reversed(todo))  # its death shows on the sentinel
                    continue
                if not w.queue:
                    w.since = now
                w.queue.extend(todo)

    def _give_back(self, w: _Worker) -> None:
        self.pending.extendleft(reversed(w.queue))  # the rest of its chunk goes to another worker
        w.queue.clear()

    def poll(self) -> list[tuple[int, Any]]:
        """Wait until something happens; return the files it finished (crashes and timeouts included)."""
        pause = self._woken + _COALESCE - time.monotonic()
        if pause > 0 and len(self.pending) >= self.chunk * self.jobs and all(w.ready for w in self.pool.workers):
            time.sleep(pause)  # not near the end of a pass, where the last results are awaited
        self._dispatch()
        out: list[tuple[int, Any]] = []
        now = time.monotonic()
        timeout = None
        if self.limit:
            heads = [w.since + self.limit + _KILL_GRACE - now for w in self.pool.workers if w.busy]
            timeout = max(0.0, min(heads)) if heads else None
        dead: list[_Worker] = []
        for w, ended in self._waiter.ready(self.pool.workers, timeout):
            if w in dead:
                continue
            try:
                # every message waiting: all of them when the worker has ended, before it is replaced
                while True:
                    kind, index, result = w.conn.recv()
                    if kind == "ready":
                        w.ready = True
                    else:
                        if w.queue and w.queue[0][0] == index:
                            w.queue.popleft()
                        w.since = time.monotonic()
                        out.append((index, result))
                    if not self._waiter.waiting(w):
                        break
            except (EOFError, OSError):
                ended = ended or not w.process.is_alive()
            if ended:
                dead.append(w)
        for w in dead:
            w.process.join(timeout=1)
            if w.queue:
                index, path = w.queue.popleft()
                self._give_back(w)
                out.append((index, crash_result(self.engine, path, describe_exit(w.process.exitcode),
                                                time.monotonic() - w.since)))
            elif not w.ready:
                raise RuntimeError(f"a worker process failed to start ({describe_exit(w.process.exitcode)})")
            self.pool.replace(w)
        if self.limit:
            now = time.monotonic()
            for w in list(self.pool.workers):
                if w.busy and now - w.since > self.limit + _KILL_GRACE:
                    index, path = w.queue.popleft()
                    self._give_back(w)
                    seconds = now - w.since
                    self.pool.replace(w)  # stuck where the timer cannot reach (C code): kill it
                    out.append((index, timeout_result(self.engine, path, seconds, self.limit)))
        self._dispatch()
        self._woken = time.monotonic()
        return out

    def run(self, todo: list[tuple[int, str]]):
        """(index, answer) for every (index, path) of `todo`, in the order they finish."""
        try:
            for i, path in todo:
                self.submit(i, path)
            left = len(todo)
            while left:
                for got in self.poll():
                    left -= 1
                    yield got
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
