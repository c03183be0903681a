"""Checking many files: a process pool, a time limit per file, crash containment, ordered results.

- `passes.py`: the batch itself, in one pass or two, results in the order of the files;
- `pool.py`: the worker processes and their pipes (each started by `lifecycle.start_child`);
- `timing.py`: one file under the time limit, and the findings of a file that ran out of it or crashed;
- `tasks.py`: what a process does with one file (check it, prepare it, read its records);
- `wire.py`: what a worker is given (`BatchPlan`), and how drafts, results and records cross between
  processes and through the caches;
- `cache.py`: results of unchanged files, kept between runs.
"""
from __future__ import annotations

from .passes import Batch, records_reader, resolve_jobs
from .wire import BatchPlan

__all__ = ["Batch", "BatchPlan", "records_reader", "resolve_jobs"]
