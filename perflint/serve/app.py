"""The web app of `perflint serve`: the page, and the HTTP API it uses.

Checks run in worker processes (spawned, each holding the catalogue and profile), so the event loop
only moves bytes. Every upload lives in a private folder (0700) removed when its response
is done; the record cache never sees it. The API answers with the JSON report of
`perflint check --format json` (schemas/report.schema.json).
"""
from __future__ import annotations

import asyncio
import errno
import hmac
import json
import shutil
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..readers import Limits
from .uploads import Folder, RequestLimits, UploadRefused
from .work import ServeSettings, annotate_upload, check_upload, serve_worker

if TYPE_CHECKING:
    from ..catalogue import RuleMeta

STATIC = Path(__file__).parent / "static"
TOKEN_ENV = "PERFLINT_SERVE_TOKEN"
TOKEN_HEADER = "x-perflint-token"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# the page's own files only: no inline script or style, nothing from another origin
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")
# the framework's API explorer loads Swagger UI from its CDN: only there, and only for it
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
_OPEN = ("/", "/api/config", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/favicon.ico")


@dataclass
class AppConfig:
    settings: ServeSettings = field(default_factory=ServeSettings)
    token: str | None = None  # required on every API call when set
    workers: int = 2
    request: RequestLimits = field(default_factory=RequestLimits)
    check_timeout: float = 900.0  # seconds for one upload's whole check, past the per-file limit
    upload_root: str | None = None  # where each upload's private folder is made (default: the system's temp)
    host: str = "127.0.0.1"  # the address listened on: on this machine only, the Host header is checked
    # a bigger batch gets no sheets in its answer (drawing them would double a bureau's wait and the
    # answer's size): the page asks for one file's sheets when it shows that file (POST /api/view)
    inline_views: int = 20

    @property
    def limits(self) -> Limits:
        return self.settings.limits or Limits()


class _TooLarge(Exception):
    pass


class Checker:
    """The server's worker processes: each started by `lifecycle.start_child` (spawned: a process
    running an event loop and threads is never forked), holding the catalogue and profile from its
    start, and doing one request at a time over its own pipe, on which it also reports progress.

    A request waits for an idle worker; one that dies (out of memory, killed) or runs past
    `check_timeout` takes only its request with it: it is killed and replaced."""

    def __init__(self, config: AppConfig) -> None:
        self.config = config
        self._listeners: dict[str, Callable[[tuple], None]] = {}
        # started, replaced and closed on the event loop's thread: a worker ends with the thread that
        # started it (lifecycle.start_child)
        self._loop = asyncio.get_running_loop()
        self._idle: asyncio.Queue = asyncio.Queue()
        self._workers: set[_Worker] = set()
        self._closed = False
        for _ in range(config.workers):
            self._start()

    def _start(self) -> None:
        from ..lifecycle import start_child

        process, conn = start_child(serve_worker, (self.config.settings,), "perflint-serve-worker", how="spawn")
        worker = _Worker(process, conn)
        self._workers.add(worker)
        self._idle.put_nowait(worker)

    def _replace(self, worker: _Worker) -> None:
        self._workers.discard(worker)
        worker.stop()
        if not self._closed:
            self._start()

    def warm(self) -> None:
        """Wait until every worker has loaded the rules, so that the first upload does not (run in a thread)."""
        for worker in list(self._workers):
            worker.wait_ready()

    async def run(self, fn: Callable, *args: Any) -> Any:
        """`fn(*args)` in a worker; asyncio.TimeoutError past `check_timeout`, waiting included."""
        deadline = time.monotonic() + self.config.check_timeout
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.config.check_timeout)
        except asyncio.TimeoutError:
            raise asyncio.TimeoutError() from None
        return await self._loop.run_in_executor(None, self._ask, worker, fn, args, deadline)

    def _ask(self, worker: _Worker, fn: Callable, args: tuple, deadline: float) -> Any:
        # in a thread of the loop's executor; the worker goes back to the idle ones (or is replaced)
        # here, so that a request whose client went away still frees it
        healthy = False
        try:
            worker.conn.send((fn, args))
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not worker.conn.poll(left):
                    raise asyncio.TimeoutError()
                kind, payload = worker.conn.recv()
                if kind == "progress":
                    listener = self._listeners.get(payload[0])
                    if listener is not None:
                        listener(payload)
                elif kind == "done":
                    healthy = True
                    return payload
                elif kind == "failed":
                    healthy = True
                    raise payload
        except asyncio.TimeoutError:  # an OSError too
            raise
        except (EOFError, OSError) as exc:
            raise RuntimeError(f"the worker ended ({worker.process.exitcode})") from exc
        finally:
            try:
                if healthy:
                    self._loop.call_soon_threadsafe(self._idle.put_nowait, worker)
                else:
                    self._loop.call_soon_threadsafe(self._replace, worker)
            except RuntimeError:  # the server has stopped: close() ended every worker
                pass

    def listen(self, job: str, callback: Callable[[tuple], None]) -> None:
        self._listeners[job] = callback

    def forget(self, job: str) -> None:
        self._listeners.pop(job, None)

    def close(self) -> None:
        self._closed = True
        for worker in list(self._workers):
            worker.stop(grace=2.0)
        self._workers.clear()


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Any

    def wait_ready(self) -> None:
        while True:
            kind, _ = self.conn.recv()  # EOFError: it failed to start
            if kind == "ready":
                return

    def stop(self, grace: float = 0.0) -> None:
        """Ask it to end (a busy one cannot hear it), then kill it if it has not."""
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=grace)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


def _error(status: int, zh: str, en: str) -> JSONResponse:
    return JSONResponse({"error": {"zh": zh, "en": en}}, status_code=status)


def _not_one_item(folder: Folder, item: int, zh: str, en: str) -> Response | None:
    """The refusal of an upload that is not one file (or one archive) with a file number `item`."""
    if folder.uploads != 1:
        return _error(400, f"请只上传一个{zh}（或一个压缩包）", f"upload exactly one {en} (or one archive)")
    if item >= len(folder.names):
        return _error(404, f"上传内容中没有第 {item + 1} 个文件", f"the upload has no file number {item + 1}")
    return None


def _attachment(name: str) -> str:
    ascii_name = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def create_app(config: AppConfig | None = None) -> FastAPI:
    config = config or AppConfig()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        checker = Checker(config)
        state["checker"] = checker
        await asyncio.get_running_loop().run_in_executor(None, checker.warm)
        try:
            yield
        finally:
            checker.close()

    app = FastAPI(title="perflint", version=__version__, lifespan=lifespan,
                  description="预算绩效申报材料合规检查 · compliance checks for budget performance submissions. "
                              "POST /api/check returns the JSON report of `perflint check --format json`.")
    app.add_middleware(_Guard, config=config)

    from ..catalogue import default_catalogue

    catalogue = default_catalogue()

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return Response((STATIC / "index.html").read_bytes(), media_type="text/html; charset=utf-8")

    @app.get("/api/config", summary="What the page needs to know: token, limits, policy")
    async def api_config() -> dict:
        limits = config.limits
        s = config.settings
        return {"perflint": __version__, "profile": s.profile, "token_required": bool(config.token),
                "history": bool(s.history or s.registry), "annotate": _annotator() is not None,
                "limits": {"max_file_bytes": limits.max_file_bytes, "max_request_bytes": config.request.max_request_bytes,
                           "max_files": config.request.max_files, "timeout_seconds": s.timeout}}

    @app.get("/api/rules", summary="The rule catalogue")
    async def api_rules() -> list[dict]:
        return [_rule_json(m) for m in catalogue.rules.values()]

    @app.get("/api/rules/{code}", summary="One rule, by code (A201) or slug")
    async def api_rule(code: str) -> Response:
        found = catalogue.resolve(code.strip())
        found = found.upper() if found.upper() in catalogue.rules else found
        meta = catalogue.rules.get(found)
        if meta is None:
            return _error(404, f"未知规则：{code[:40]}", f"unknown rule: {code[:40]}")
        return JSONResponse(_rule_json(meta))

    @app.post("/api/check", summary="Check uploaded submissions (multipart field `files`, repeatable)",
              openapi_extra=_UPLOAD_SCHEMA)
    async def api_check(request: Request, lang: str = Query("zh", pattern="^(zh|en)$"),
                        view: bool = Query(False, description="add by-department counts and each workbook's "
                                                              "sheets as the page draws them: "
                                                              "{report, departments, grids}"),
                        stream: bool = Query(False, description="answer as server-sent events: progress, "
                                                                "then the result")) -> Response:
        folder, refused = await _receive(request, config)
        if refused is not None:
            return refused
        checker: Checker = state["checker"]
        job = uuid.uuid4().hex
        draw = len(folder.names) <= config.inline_views
        if stream:
            return _RemovingStream(folder.path, _events(checker, job, folder, lang, view, draw),
                                   media_type="text/event-stream",
                                   headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        try:
            answer = await checker.run(check_upload, job, folder.path, folder.names, lang, view, False, draw)
        except Exception as exc:  # noqa: BLE001 - a failed check is an answer, not a dropped connection
            return _failed(exc)
        finally:
            shutil.rmtree(folder.path, ignore_errors=True)
        if not view:
            return Response(answer["report"], media_type="application/json")
        return JSONResponse(_view(answer, folder, draw))

    @app.post("/api/view", summary="One file's sheets as the page draws them (for a batch too big to draw at once)",
              openapi_extra=_UPLOAD_SCHEMA)
    async def api_view(request: Request, item: int = Query(0, ge=0, description="which of the upload's files "
                                                                               "(a zip's members in order)")) -> Response:
        folder, refused = await _receive(request, config)
        if refused is not None:
            return refused
        try:
            refused = _not_one_item(folder, item, "文件", "file")
            if refused is not None:
                return refused
            name = folder.names[item]
            answer = await state["checker"].run(check_upload, "", folder.path, [name], "zh", True, False, True)
        except Exception as exc:  # noqa: BLE001
            return _failed(exc)
        finally:
            shutil.rmtree(folder.path, ignore_errors=True)
        return JSONResponse({"path": name, "sheets": answer["grids"].get(name)})

    @app.post("/api/report", summary="The 审核意见 workbook of uploaded submissions", openapi_extra=_UPLOAD_SCHEMA,
              response_class=Response)
    async def api_report(request: Request, lang: str = Query("zh", pattern="^(zh|en)$")) -> Response:
        folder, refused = await _receive(request, config)
        if refused is not None:
            return refused
        try:
            answer = await state["checker"].run(check_upload, "", folder.path, folder.names, lang, False, True)
        except Exception as exc:  # noqa: BLE001
            return _failed(exc)
        finally:
            shutil.rmtree(folder.path, ignore_errors=True)
        name = "审核意见.xlsx" if lang == "zh" else "review.xlsx"
        return Response(answer["xlsx"], headers={"Content-Disposition": _attachment(name)},
                        media_type=XLSX_TYPE)

    @app.post("/api/annotate", summary="The marked-up copy of one uploaded workbook (as `--annotate` writes it)",
              openapi_extra=_UPLOAD_SCHEMA, response_class=Response)
    async def api_annotate(request: Request, lang: str = Query("zh", pattern="^(zh|en)$"),
                           item: int = Query(0, ge=0, description="which of the upload's files (a zip's members "
                                                                  "in order)")) -> Response:
        if _annotator() is None:
            return _error(501, "此版本的 perflint 不能生成批注版工作簿", "this perflint cannot mark up workbooks")
        folder, refused = await _receive(request, config)
        if refused is not None:
            return refused
        try:
            refused = _not_one_item(folder, item, "工作簿", "workbook")
            if refused is not None:
                return refused
            answer = await state["checker"].run(annotate_upload, folder.path, folder.names[item], lang)
        except Exception as exc:  # noqa: BLE001
            return _failed(exc)
        finally:
            shutil.rmtree(folder.path, ignore_errors=True)
        if "error" in answer:
            return _error(422, answer["error"]["zh"], answer["error"]["en"])
        return Response(answer["data"], headers={"Content-Disposition": _attachment(answer["filename"])},
                        media_type=XLSX_TYPE)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


_UPLOAD_SCHEMA = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"},
                             "description": "workbooks (.xlsx .xlsm .xls), JSON files, or zip archives of folders"}}}}}}}


def _annotator() -> Any:
    try:
        from .. import annotate
    except ImportError:
        return None
    return annotate


def _rule_json(meta: RuleMeta) -> dict:
    from ..formatters.labels import advice

    return {"code": meta.code, "slug": meta.slug, "severity": meta.severity, "family": meta.family,
            "kinds": list(meta.kinds), "summary": dict(meta.summary), "rationale": dict(meta.rationale),
            "source": meta.source, "advice": {"zh": advice(meta, "zh"), "en": advice(meta, "en")},
            "parameters": list(meta.params)}


async def _receive(request: Request, config: AppConfig) -> tuple[Folder | None, Response | None]:
    """The request's files in a new private folder, or the answer that refuses them."""
    folder = Folder(tempfile.mkdtemp(prefix="perflint-serve-", dir=config.upload_root), config.limits, config.request)
    form = None
    try:
        try:
            form = await request.form(max_files=config.request.max_files, max_fields=20)
        except _TooLarge:
            raise _oversize(config)
        except Exception as exc:  # the multipart parser's own refusals (too many files, a broken body)
            if isinstance(exc.__cause__, _TooLarge) or isinstance(exc.__context__, _TooLarge):
                raise _oversize(config)
            raise UploadRefused(400, f"无法读取上传内容：{getattr(exc, 'detail', exc)}",
                                f"cannot read the upload: {getattr(exc, 'detail', exc)}")
        uploads = [f for f in form.getlist("files") if hasattr(f, "read")]
        if not uploads:
            raise UploadRefused(400, "没有收到文件：请在字段 files 中上传工作簿、JSON 或 zip",
                                "no files: upload workbooks, JSON files or zip archives in the field `files`")
        for up in uploads:
            data = await up.read(config.limits.max_file_bytes + 1 if not (up.filename or "").lower().endswith(".zip")
                                 else config.request.max_request_bytes + 1)
            # unpacking a zip is work: done beside the event loop, which goes on answering the others
            await asyncio.to_thread(folder.add, up.filename or "未命名", data)
        return folder, None
    except UploadRefused as exc:
        shutil.rmtree(folder.path, ignore_errors=True)
        return None, _error(exc.status, exc.zh, exc.en)
    except OSError as exc:  # a name or a folder depth the file system refuses, a full disk
        shutil.rmtree(folder.path, ignore_errors=True)
        reason = exc.strerror or type(exc).__name__
        return None, _error(400 if exc.errno in (errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ) else 507,
                            f"无法保存上传的文件：{reason}", f"cannot store the upload: {reason}")
    except BaseException:
        shutil.rmtree(folder.path, ignore_errors=True)
        raise
    finally:
        if form is not None:
            await form.close()


def _oversize(config: AppConfig) -> UploadRefused:
    mb = config.request.max_request_bytes / 1024 / 1024
    return UploadRefused(413, f"上传内容超过 {mb:.0f} MB 上限，请分批检查", f"the upload exceeds {mb:.0f} MB: check it in batches")


def _failed(exc: BaseException) -> Response:
    if isinstance(exc, asyncio.TimeoutError):
        return _error(504, "检查超时，请减少一次上传的文件", "the check took too long: upload fewer files at once")
    return _error(500, f"检查未能完成：{type(exc).__name__}", f"the check could not finish: {type(exc).__name__}")


def _view(answer: dict, folder: Folder, drawn: bool) -> dict:
    """The page's answer. `sources` says for each workbook that may be opened (drawn, marked up) which
    upload holds it and where: [upload, item] for /api/view?item= or /api/annotate?item= with that upload
    alone. Without the sheets (`lazy`), the page asks /api/view for them."""
    origin = dict(zip(folder.names, folder.origins))
    return {"report": json.loads(answer["report"]), "departments": answer["departments"], "advice": answer["advice"],
            "grids": answer.get("grids") or {}, "lazy": not drawn,
            "sources": {name: list(origin[name]) for name in answer["drawable"] if name in origin}}


class _RemovingStream(StreamingResponse):
    """A streamed answer that removes its upload's folder however it ends; the events leave it to this,
    since they may never run at all: a generator whose client leaves before the first event is never
    started, and has no `finally` to run."""

    def __init__(self, folder: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = folder

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


async def _events(checker: Checker, job: str, folder: Folder, lang: str, view: bool, draw: bool):
    """Progress while the workers check, then the result, as server-sent events over the POST's answer."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    checker.listen(job, lambda item: loop.call_soon_threadsafe(queue.put_nowait, item))
    try:
        yield _sse("start", {"files": len(folder.names)})
        task = asyncio.ensure_future(checker.run(check_upload, job, folder.path, folder.names, lang, view, False, draw))
        while not task.done():
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield _progress(getter.result())
            else:
                getter.cancel()
        try:
            answer = task.result()
        except Exception as exc:  # noqa: BLE001
            body = json.loads(_failed(exc).body)
            yield _sse("error", body)
            return
        # the worker's progress comes over its pipe before its answer, and is queued here before the
        # answer is: what the loop above had no turn to send is all waiting
        while not queue.empty():
            yield _progress(queue.get_nowait())
        yield _sse("result", _view(answer, folder, draw) if view else json.loads(answer["report"]))
    finally:
        checker.forget(job)


def _progress(item: tuple) -> bytes:
    _, phase, n, total, verdict = item
    return _sse("progress", {"phase": phase, "done": n, "files": total, "verdict": verdict})


def _host_name(header: str) -> str:
    """The name in a Host header, without its port: [::1]:8765 -> ::1, localhost:8765 -> localhost."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class _Guard:
    """Every answer: security headers, no caching of results; the API: the access token, the size limit."""

    def __init__(self, app: Any, config: AppConfig) -> None:
        from . import LOOPBACK, is_loopback

        self.app = app
        self.config = config
        # A server on this machine alone takes no token, so a web page elsewhere must not reach it through
        # a name of its own that it re-points at 127.0.0.1 (DNS rebinding): only this machine's names pass.
        # Listening beyond it, the access token guards the API instead.
        self.hosts = {*LOOPBACK, config.host.strip("[]").lower()} if is_loopback(config.host) else None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        csp = DOCS_CSP if path.startswith("/docs") else PAGE_CSP

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", csp.encode()), (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                         (b"cross-origin-opener-policy", b"same-origin"),
                         (b"cross-origin-resource-policy", b"same-origin")]
                if path.startswith("/api/"):
                    extra.append((b"cache-control", b"no-store"))
                elif not any(k.lower() == b"cache-control" for k, _ in message.get("headers", [])):
                    extra.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if self.hosts is not None and _host_name(headers.get("host", "")) not in self.hosts:
            await _error(400, "请求的主机名不是本机：请用 http://127.0.0.1 访问", "the request's Host is not this "
                         "machine: open the page at http://127.0.0.1")(scope, receive, send_with_headers)
            return
        if self.config.token and path.startswith("/api/") and path not in _OPEN:
            given = headers.get(TOKEN_HEADER) or ""
            auth = headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                given = auth[7:].strip()
            if not hmac.compare_digest(given.encode(), self.config.token.encode()):
                await _error(401, "需要访问令牌：请输入服务器管理员提供的令牌", "an access token is needed: "
                             "enter the one the server's administrator gave you")(scope, receive, send_with_headers)
                return
        if scope.get("method") == "POST":
            allowed = self.config.request.max_request_bytes + 1024 * 1024  # multipart framing
            declared = headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > allowed:
                mb = self.config.request.max_request_bytes / 1024 / 1024
                await _error(413, f"上传内容超过 {mb:.0f} MB 上限，请分批检查",
                             f"the upload exceeds {mb:.0f} MB: check it in batches")(scope, receive, send_with_headers)
                return
            seen = [0]

            async def counted() -> dict:
                message = await receive()
                if message["type"] == "http.request":
                    seen[0] += len(message.get("body", b""))
                    if seen[0] > allowed:
                        raise _TooLarge()
                return message

            await self._answer(scope, counted, send_with_headers)
            return
        await self._answer(scope, receive, send_with_headers)

    async def _answer(self, scope: dict, receive: Callable, send: Callable) -> None:
        """The app's answer; an error nobody caught is still a 500 with the security headers (the
        framework's own 500 is made outside this middleware, without them), then logged as before."""
        started = [False]

        async def tracked(message: dict) -> None:
            started[0] = started[0] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if not started[0]:
                await _error(500, "服务器内部错误", "internal server error")(scope, receive, send)
            raise
