"""`perflint serve`: the checks as a web page and an HTTP API, for people who never open a terminal.

The web framework is an optional extra (`pip install 'perflint-cn[serve]'`), imported only here, only
when the server starts: a one-file check never pays for it.
"""
from __future__ import annotations

import importlib.util
import ipaddress
import os
import secrets
import sys

# module to import -> distribution to install
REQUIRED = {"fastapi": "fastapi", "uvicorn": "uvicorn", "python_multipart": "python-multipart"}
EXTRA_HINT = "pip install 'perflint-cn[serve]'"
CHECKOUT_HINT = "pip install '.[serve]'"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def missing_dependencies() -> list[str]:
    return [dist for module, dist in REQUIRED.items() if importlib.util.find_spec(module) is None]


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 8765, profile: str = "national", history: list[str] = (),
          registry: list[str] = (), open_browser: bool = False, token: str | None = None, workers: int = 2,
          timeout: float = 60.0) -> int:
    """Run the server until interrupted; EXIT_USAGE (2) when it cannot start (missing extra, bad policy)."""
    from ..exits import EXIT_USAGE

    missing = missing_dependencies()
    if missing:
        sys.stderr.write(f"perflint serve: needs {', '.join(missing)}: {EXTRA_HINT} (in a checkout: {CHECKOUT_HINT})\n"
                         f"perflint serve：缺少依赖 {', '.join(missing)}，请先安装：{EXTRA_HINT}（源码目录中：{CHECKOUT_HINT}）\n")
        return EXIT_USAGE
    from ..catalogue import default_catalogue
    from ..data import DataError
    from ..profiles import load_profile

    for path in [*history, *registry]:
        if not os.path.exists(path) and not any(c in path for c in "*?["):
            sys.stderr.write(f"perflint serve: no such file or folder: {path}\n")
            return EXIT_USAGE
    try:
        load_profile(profile, default_catalogue())  # a broken profile stops the start, not the first upload
    except DataError as exc:
        sys.stderr.write(f"perflint serve: {exc}\n")
        return EXIT_USAGE
    from .app import TOKEN_ENV, AppConfig, create_app
    from .work import ServeSettings

    token = token or os.environ.get(TOKEN_ENV) or None
    if token is not None and not (token.isascii() and token.isprintable() and " " not in token):
        # a browser sends no other header value (fetch refuses it), and a space is lost in "Bearer …"
        sys.stderr.write(f"perflint serve: --token / {TOKEN_ENV}: use letters, digits and ASCII punctuation only, "
                         f"without spaces. 访问令牌只能由英文字母、数字和英文标点组成，不含空格。\n")
        return EXIT_USAGE
    if not is_loopback(host):
        if not token:
            token = secrets.token_urlsafe(18)
            sys.stderr.write(f"perflint serve: access token for this run (set --token or {TOKEN_ENV} to choose one): "
                             f"{token}\n")
        sys.stderr.write(f"perflint serve: WARNING: listening on {host}, reachable from other machines; every API "
                         f"call needs the access token. 警告：服务对其他计算机开放，使用时须输入访问令牌。\n")
    settings = ServeSettings(profile=profile, history=tuple(history), registry=tuple(registry), timeout=timeout)
    app = create_app(AppConfig(settings=settings, token=token, workers=max(1, workers), host=host))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    sys.stderr.write(f"perflint serve: {url}  (Ctrl-C 停止 / to stop)\n")
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
    return 0
