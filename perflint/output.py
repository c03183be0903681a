"""Every file perflint writes is written whole or not at all.

A report, a ledger, a baseline or a cache entry is written to a fresh, uniquely named temporary
file in its target folder (created exclusively and never through a symlink, so a file planted at a
predictable name is never written through) and renamed over the target only once complete. An
interrupt, a full disk or a closed pipe therefore leaves the old file as it was and no partial file
beside it. Only the standard library is imported here: a one-file check loads this module.
"""
from __future__ import annotations

import io
import os
from typing import IO, Any

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_BINARY", 0)
_PENDING: "set[AtomicFile]" = set()  # open temporary files, discarded on an interrupt
_fdopen = os.fdopen  # the tests put a full disk here


def _token() -> str:
    """48 random bits for a temporary name (what secrets.token_hex(6) gives, without importing it)."""
    return os.urandom(6).hex()


class OutputError(OSError):
    """A file could not be written: `path` is the target (never the temporary file)."""


class AtomicFile:
    """A file object for `path` that appears there only on `close()` (or the end of a `with`).

    `discard()` (or an exception inside the `with`) removes the temporary file and leaves `path`
    untouched. Text mode writes UTF-8; a character UTF-8 cannot carry (a lone surrogate from a file
    name that is not UTF-8) is written as a backslash escape rather than failing the whole file.
    """

    def __init__(self, path: str | os.PathLike, binary: bool = False, *, make_parents: bool = False,
                 durable: bool = True) -> None:
        self.path = os.fspath(path)
        self.durable = durable  # flushed to the disk before the rename (reports); a cache entry need not be
        folder = os.path.dirname(os.path.abspath(self.path))
        if make_parents:
            os.makedirs(folder, exist_ok=True)
        self.tmp = ""
        # the target's name, cut to 120 bytes so that the temporary name fits where the target does
        stem = os.fsencode(os.path.basename(self.path))[:120].decode("utf-8", "ignore") or "out"
        for _ in range(100):
            tmp = os.path.join(folder, f".{stem}.{_token()}.tmp")
            try:
                fd = os.open(tmp, _FLAGS, 0o666)  # the umask applies, as for any file the user writes
            except FileExistsError:
                continue
            self.tmp = tmp
            break
        else:  # pragma: no cover - a hundred collisions of 48 random bits
            raise OutputError(17, "no free temporary name", self.path)
        raw = _fdopen(fd, "wb")
        self.fh: Any = raw if binary else io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace",
                                                           newline="")
        self.closed = False
        self.discarded = False  # given up: the temporary file is gone, the target untouched
        self.error: OutputError | None = None
        _PENDING.add(self)

    # the file-object surface the writers use; a failed write (a full disk) drops the file at once.
    # Once dropped (the failure already raised to the writer, and raised again by close) the writer's own
    # clean-up (a ZipFile finishing its directory as it is collected) is let through quietly, not
    # printed as "Exception ignored … seek of closed file".
    def write(self, data: Any) -> int:
        if self.discarded:  # a sink from now on, keeping count, so the writer's clean-up adds up
            self._sink += len(data)
            return len(data)
        try:
            return self.fh.write(data)
        except OSError as exc:
            self._failed(exc)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.discarded:
            return
        try:
            self.fh.flush()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        self.discard()
        self.error = OutputError(exc.errno, exc.strerror or str(exc), self.path)
        raise self.error from None

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.discarded:
            self._sink = offset if whence == 0 else self._sink + offset
            return self._sink
        return self.fh.seek(offset, whence)

    def tell(self) -> int:
        if self.discarded:
            return self._sink
        return self.fh.tell()

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self.fh.fileno()

    @property
    def name(self) -> str:
        return self.path

    def close(self) -> None:
        """Complete the file: flush it to disk and rename it into place. On failure nothing changes at
        `path` and the temporary file is removed; the error names `path`."""
        if self.error is not None:  # a write failed earlier, and someone went on regardless
            raise self.error
        if self.closed:
            return
        try:
            self.fh.flush()
            if self.durable:
                os.fsync(self.fh.fileno())
            self.fh.close()
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise OutputError(exc.errno, exc.strerror or str(exc), self.path) from None
        self.closed = True
        _PENDING.discard(self)

    def discard(self) -> None:
        """Give up: remove the temporary file; the target keeps its old content (or stays absent)."""
        if self.closed:
            return
        try:
            self._sink = self.fh.tell()
        except (OSError, ValueError):
            self._sink = 0
        self.closed = self.discarded = True
        _PENDING.discard(self)
        try:
            self.fh.close()
        except (OSError, ValueError):
            pass
        try:
            os.unlink(self.tmp)
        except OSError:
            pass

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if exc is None:
            self.close()
        else:
            self.discard()

    def __del__(self) -> None:  # an abandoned writer never publishes half a file
        if not getattr(self, "closed", True):
            self.discard()


def open_output(path: str | os.PathLike, binary: bool = False, *, make_parents: bool = False) -> IO[Any]:
    """The one way perflint opens a file to write: atomic, exclusive, never through a symlink."""
    try:
        return AtomicFile(path, binary, make_parents=make_parents)  # type: ignore[return-value]
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(exc.errno, exc.strerror or str(exc), os.fspath(path)) from None


def write_file(path: str | os.PathLike, data: bytes | str, *, make_parents: bool = False,
               durable: bool = True) -> None:
    """Write `data` (bytes, or text as UTF-8) to `path` whole or not at all."""
    try:
        fh = AtomicFile(path, isinstance(data, bytes), make_parents=make_parents, durable=durable)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(exc.errno, exc.strerror or str(exc), os.fspath(path)) from None
    with fh:
        fh.write(data)


def discard_pending() -> None:
    """After an interrupt or a fatal error: remove every temporary file still open, so nothing partial
    is left behind (the targets keep their old content)."""
    for f in list(_PENDING):
        f.discard()


def describe(exc: OSError) -> str:
    """`path: reason` for a failed write, naming the file the user asked for."""
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason
