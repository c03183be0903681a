"""What a process does with one file of a batch, by name: `check` it whole, `prepare` it for the
second pass (the first pass of a run whose H rules compare its files; `draft` where the run has
one file), or read its `records` for the cross-document index (a --history file). Looked up by name when a process starts, so that a
test can put its own in place (a check that hangs, crashes or dies) before the workers fork."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .wire import prepare

if TYPE_CHECKING:
    from ..engine import Engine
    from ..model import FileDraft, FileResult
    from ..readers import ReaderOptions

__all__ = ["check", "draft", "prepare", "records", "task"]


def check(engine: Engine, path: str, options: ReaderOptions) -> FileResult:
    return engine.check_file(path, options)


def draft(engine: Engine, path: str, options: ReaderOptions) -> FileDraft:
    """The first pass on the one file of a run, in this process: nothing to send, nothing to pickle."""
    return engine.prepare_file(path, options)


def records(engine: Engine, path: str, options: ReaderOptions):
    from ..history import read_records

    return read_records(path, options)


def task(name: str):
    """The task called `name`, as this module holds it now."""
    return globals()[name]
