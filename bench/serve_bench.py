"""`perflint serve` speed: first byte of the page, and one workbook through POST /api/check against
the command line's one-file check of the same workbook.

    python bench/serve_bench.py                    # 30 page loads, 15 checks each way
    python bench/serve_bench.py --rounds 40 --out bench/serve_results.md

The server is started the way users start it (`perflint serve`, one worker) and warmed; each API
check is a fresh HTTP request with the workbook as a multipart upload, timed from the first byte
sent to the last byte of the JSON report received. The CLI time is `perflint check FILE --format
json --no-cache` as a whole process, the way a department's officer or a pre-commit hook runs it.
Checks alternate (API, CLI, page, API, CLI, page…) so that a slow moment of a shared machine falls on
all of them.
Targets: first byte < 200 ms; API check < 1.5 × the CLI's one-file time.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKBOOK = ROOT / "samples" / "xlsx" / "2024_城镇老旧小区改造_项目支出绩效自评表.xlsx"


def perflint_cmd() -> list[str]:
    script = Path(sys.executable).with_name("perflint")
    return [str(script)] if script.exists() else [sys.executable, "-m", "perflint"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# measured as installed: byte-code cached after the first run, whatever the shell's PYTHONDONTWRITEBYTECODE
_AS_INSTALLED = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([*perflint_cmd(), "serve", "--port", str(port), "--workers", "1"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/config", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("perflint serve did not start")


def first_byte(port: int) -> float:
    """Seconds from connecting to the first byte of GET / (a new connection, as a browser's first visit)."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        s.recv(1)
        took = time.perf_counter() - started
        while s.recv(65536):
            pass
    return took


def multipart(path: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''x.xlsx; "
            f"filename=\"{path.name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    return head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def api_check(port: int, body: bytes, content_type: str, query: str = "") -> float:
    started = time.perf_counter()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/check{query}", data=body, method="POST",
                                 headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=120) as r:
        data = r.read()
    took = time.perf_counter() - started
    assert b'"report_version":1' in data.replace(b" ", b""), data[:200]
    return took


def cli_check(path: Path) -> float:
    started = time.perf_counter()
    r = subprocess.run([*perflint_cmd(), "check", str(path), "--format", "json", "--no-cache"], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_AS_INSTALLED)
    took = time.perf_counter() - started
    assert r.returncode in (0, 1), r.returncode
    return took


def describe(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    return f"median {statistics.median(values) * 1000:.1f} ms (min {values[0] * 1000:.1f}, p90 {p90 * 1000:.1f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=15, help="checks each way (page loads: twice as many)")
    ap.add_argument("--workbook", type=Path, default=WORKBOOK)
    ap.add_argument("--out", type=Path, help="also write the results as Markdown here")
    args = ap.parse_args()
    if shutil.which("perflint") is None and not Path(sys.executable).with_name("perflint").exists():
        print("note: running perflint as `python -m perflint`", file=sys.stderr)
    load_before = os.getloadavg()
    port = free_port()
    proc = start_server(port)
    try:
        body, ctype = multipart(args.workbook)
        for _ in range(3):  # warm: the worker's first check, the connection path
            api_check(port, body, ctype)
            first_byte(port)
        pages = [first_byte(port) for _ in range(args.rounds * 2)]
        api, cli, page = [], [], []
        for _ in range(args.rounds):
            api.append(api_check(port, body, ctype))
            cli.append(cli_check(args.workbook))
            page.append(api_check(port, body, ctype, "?view=1&stream=1"))
    finally:
        proc.terminate()
        proc.wait(10)
    load_after = os.getloadavg()
    ratio = statistics.median(api) / statistics.median(cli)
    lines = [
        f"# perflint serve: measured {time.strftime('%Y-%m-%d %H:%M %Z')}",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}. "
        f"Workbook: {args.workbook.name} ({args.workbook.stat().st_size:,} bytes). Rounds: {args.rounds}.",
        "",
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)} (this run's own processes included).",
        "",
        "| what | result | target |",
        "|---|---|---|",
        f"| first byte of the page (GET /) | {describe(pages)} | < 200 ms: {'met' if statistics.median(pages) < 0.2 else 'MISSED'} |",
        f"| one workbook through POST /api/check | {describe(api)} | |",
        f"| the same workbook, `perflint check FILE` (whole process) | {describe(cli)} | |",
        f"| what the page asks: the same with `?view=1&stream=1` (sheets drawn, progress) | {describe(page)} | |",
        f"| API ÷ CLI (medians) | {ratio:.2f} × | < 1.5 ×: {'met' if ratio < 1.5 else 'MISSED'} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
