"""`perflint serve`: the HTTP API through the framework's test client, the upload limits, the token,
the page's own files, and that a one-file check never imports the web framework."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="perflint-cn[serve] is not installed")
pytest.importorskip("python_multipart", reason="perflint-cn[serve] is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from fixturelib import report_through  # noqa: E402
from perflint.api import check_paths  # noqa: E402
from perflint.readers import Limits  # noqa: E402
from perflint.serve.app import STATIC, AppConfig, create_app  # noqa: E402
from perflint.serve.uploads import RequestLimits, safe_relative  # noqa: E402
from perflint.serve.work import ServeSettings  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent / "hostile"))
from make_corpus import CASES, make_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ARCHIVE = str(SAMPLES / "archive")
RETURNED_XLSX = SAMPLES / "xlsx" / "2024_城镇老旧小区改造_项目支出绩效自评表.xlsx"
BUDGET_REQUEST = SAMPLES / "xlsx" / "2025_义务教育学生营养改善计划_绩效目标表.xlsx"
XLS = SAMPLES / "xls" / "2024_示例县卫生健康局_部门整体支出绩效自评表.xls"
JSON_FILE = SAMPLES / "json" / "2025_校舍维修改造_项目目标表_资金不平衡.json"


LOCAL = "http://127.0.0.1:8765"  # as a browser on this machine names the server


def upload(*paths: Path, names: list[str] | None = None) -> list:
    return [("files", ((names[i] if names else p.name), p.read_bytes())) for i, p in enumerate(paths)]


@pytest.fixture(scope="module")
def uploads_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def client(uploads_root):
    config = AppConfig(settings=ServeSettings(history=(ARCHIVE,)), workers=2, upload_root=str(uploads_root))
    with TestClient(create_app(config), base_url=LOCAL) as c:
        yield c


def cli_report(path: Path, history: str | None = ARCHIVE) -> dict:
    """What `perflint check PATH --format json` reports for one file (its paths as given)."""
    from perflint.formatters.json_report import JsonFormatter
    from perflint.report import ReportMeta

    out = io.StringIO()
    report_through(JsonFormatter(out, None, ReportMeta("x", "national")),
                   check_paths([str(path)], history=[history] if history else []))
    return json.loads(out.getvalue())


def without_paths(report: dict) -> dict:
    # the server shows its archive by its own name (archive/2024/…), never the folder it lies in
    report = json.loads(json.dumps(report, ensure_ascii=False).replace(json.dumps(str(SAMPLES) + os.sep)[1:-1], ""))
    report.pop("perflint", None)
    for f in report["files"]:
        f.pop("path")
    return report


# ---- the JSON report contract -------------------------------------------------------------

@pytest.mark.parametrize("path", [RETURNED_XLSX, BUDGET_REQUEST, XLS, JSON_FILE], ids=["xlsx", "xlsx-h501", "xls", "json"])
def test_check_answers_the_cli_json_report(client, path):
    r = client.post("/api/check", files=upload(path))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["cache-control"] == "no-store"
    got = r.json()
    assert got["report_version"] == 1 and got["profile"] == "national"
    assert [f["path"] for f in got["files"]] == [path.name]  # the name as uploaded, never the private folder
    assert without_paths(got) == without_paths(cli_report(path))
    assert "perflint-serve-" not in r.text


def test_budget_request_sees_h501_from_the_servers_history(client):
    report = client.post("/api/check", files=upload(BUDGET_REQUEST)).json()
    codes = [f["code"] for d in report["files"][0]["documents"] for f in d["findings"]]
    assert "H501" in codes
    assert report["files"][0]["verdict"] == "return"


def test_a_department_never_sees_where_the_servers_archive_lies(client):
    r = client.post("/api/check?view=1", files=upload(BUDGET_REQUEST))
    assert r.status_code == 200, r.text
    report = r.json()["report"]
    compared = [x for d in report["files"][0]["documents"] for f in d["findings"] for x in f.get("related", [])]
    assert compared and all(x["path"].startswith("archive") for x in compared), compared
    assert str(SAMPLES) not in r.text and str(ROOT) not in r.text


def test_the_servers_registry_is_used_for_the_h_rules(uploads_root, tmp_path):
    """--registry: last year's self-evaluation on the bureau's register answers H501, and its poor grade
    is H506 for this year's request, as `perflint check --registry` says."""
    code = check_paths([str(BUDGET_REQUEST)])[0].documents[0].project_code
    registry = tmp_path / "项目库.csv"
    registry.write_text(f"年度,项目编码,表类型,总分,等级,执行率\n2024,{code},项目支出绩效自评表,58,差,90%\n", encoding="utf-8")
    config = AppConfig(settings=ServeSettings(registry=(str(registry),)), workers=1, upload_root=str(uploads_root))
    with TestClient(create_app(config), base_url=LOCAL) as c:
        assert c.get("/api/config").json()["history"] is True
        report = c.post("/api/check", files=upload(BUDGET_REQUEST)).json()
    codes = [f["code"] for d in report["files"][0]["documents"] for f in d["findings"]]
    assert "H506" in codes and "H501" not in codes
    expected = check_paths([str(BUDGET_REQUEST)], registry=[str(registry)])[0]
    assert codes == [f.code for d in expected.documents for f in d.findings]


def test_returned_workbook_has_its_findings_located(client):
    report = client.post("/api/check?lang=en", files=upload(RETURNED_XLSX)).json()
    file = report["files"][0]
    assert file["verdict"] == "return"
    found = {(f["code"], f["location"].get("cell")) for d in file["documents"] for f in d["findings"]}
    assert ("A204", "F9") in found
    assert any("≠" in f["message"] and f["code"] == "A204" for d in file["documents"] for f in d["findings"])


def test_view_adds_departments_and_sheets_as_excel_shows_them(client):
    r = client.post("/api/check?view=1", files=upload(RETURNED_XLSX, XLS))
    body = r.json()
    assert set(body) == {"report", "departments", "advice", "grids", "lazy", "sources"}
    assert body["lazy"] is False
    assert body["sources"] == {RETURNED_XLSX.name: [0, 0], XLS.name: [1, 0]}  # for /api/view and /api/annotate
    assert body["report"]["summary"]["files"] == 2
    deps = {d["department"]: d for d in body["departments"]}
    assert sum(d["documents"] for d in deps.values()) == body["report"]["summary"]["documents"]
    sheets = body["grids"][RETURNED_XLSX.name]
    first = sheets[0]
    cells = {(r_, c): text for r_, c, text, _ in first["cells"]}
    assert cells[(8, 4)] == "30,000,000.00"  # E9 with its #,##0.00 format
    assert [7, 0, 11, 0] in first["merges"]  # 项目资金 spans A8:A12
    assert body["grids"][XLS.name][0]["cells"], "a legacy workbook is drawn too"


def test_view_gives_each_finding_its_own_advice(client):
    """整改建议 worked out from the finding's values, as the 审核意见 workbook has it, in the report's order."""
    from perflint.catalogue import default_catalogue
    from perflint.formatters.labels import advice

    catalogue = default_catalogue()
    for lang in ("zh", "en"):
        body = client.post(f"/api/check?view=1&lang={lang}", files=upload(RETURNED_XLSX, JSON_FILE)).json()
        for path, file in zip((RETURNED_XLSX, JSON_FILE), body["report"]["files"]):
            given = body["advice"][file["path"]]
            result = check_paths([str(path)], history=[ARCHIVE], lang=lang)[0]
            assert given["file"] == [advice(catalogue.rules[f.code], lang, f) for f in result.findings]
            assert given["documents"] == [[advice(catalogue.rules[f.code], lang, f) for f in d.findings]
                                          for d in result.documents]
            assert [len(x) for x in given["documents"]] == [len(d["findings"]) for d in file["documents"]]
        a204 = [a for doc, advised in zip(body["report"]["files"][0]["documents"], body["advice"][RETURNED_XLSX.name]["documents"])
                for f, a in zip(doc["findings"], advised) if f["code"] == "A204"]
        assert len(a204) == 1 and "2900.00" in a204[0]  # the figure perflint computed, not the rule's summary
        if lang == "zh":
            assert a204 == ["F9 应为 2900.00（= 2600.00 + 100.00 + 200.00），或更正 F10/F11/F12"]


def test_a_big_batch_gets_its_sheets_one_file_at_a_time(uploads_root):
    """Past `inline_views` files the answer draws no sheet; the page sends the one upload holding a file
    back to /api/view when it shows that file, and gets the sheets a small batch would have had."""
    config = AppConfig(settings=ServeSettings(history=(ARCHIVE,)), workers=1, upload_root=str(uploads_root),
                       inline_views=2)
    zipped = zip_of({"a/营养.xlsx": BUDGET_REQUEST.read_bytes(), "a/说明.txt": b"x", "a/b/旧小区.xlsx": RETURNED_XLSX.read_bytes(),
                     "a/c.json": JSON_FILE.read_bytes()})
    files = [*upload(XLS), ("files", ("批次.zip", zipped)), *upload(JSON_FILE), *upload(RETURNED_XLSX)]
    with TestClient(create_app(config), base_url=LOCAL) as c:
        small = c.post("/api/check?view=1", files=upload(RETURNED_XLSX, XLS)).json()
        assert small["lazy"] is False and set(small["grids"]) == {RETURNED_XLSX.name, XLS.name}
        body = c.post("/api/check?view=1", files=files).json()
        paths = [f["path"] for f in body["report"]["files"]]
        assert paths == [XLS.name, "批次/a/b/旧小区.xlsx", "批次/a/c.json", "批次/a/营养.xlsx", JSON_FILE.name,
                         RETURNED_XLSX.name]
        assert body["lazy"] is True and body["grids"] == {}
        # workbooks only: a JSON file has no sheets
        assert body["sources"] == {XLS.name: [0, 0], "批次/a/b/旧小区.xlsx": [1, 0], "批次/a/营养.xlsx": [1, 2],
                                   RETURNED_XLSX.name: [3, 0]}
        alone = {**small["grids"], BUDGET_REQUEST.name: c.post("/api/check?view=1", files=upload(BUDGET_REQUEST))
                 .json()["grids"][BUDGET_REQUEST.name]}
        same = {XLS.name: XLS.name, "批次/a/b/旧小区.xlsx": RETURNED_XLSX.name, "批次/a/营养.xlsx": BUDGET_REQUEST.name,
                RETURNED_XLSX.name: RETURNED_XLSX.name}
        for path, (index, item) in body["sources"].items():
            r = c.post(f"/api/view?item={item}", files=[files[index]])
            assert r.status_code == 200, r.text
            assert r.json()["path"] == path
            assert r.json()["sheets"] == alone[same[path]], path
        assert c.post("/api/view?item=7", files=[files[1]]).status_code == 404
        assert c.post("/api/view", files=files[:2]).status_code == 400
        refused = c.post("/api/view", files=[("files", ("empty.xlsx", b""))]).json()
        assert refused["sheets"] is None  # what the sniffer refuses is never opened to be drawn
    assert not list(uploads_root.iterdir())


def test_json_and_unreadable_files_get_no_sheet_view(client, tmp_path):
    bad = tmp_path / "empty.xlsx"
    bad.write_bytes(b"")
    body = client.post("/api/check?view=1", files=upload(JSON_FILE, bad)).json()
    assert body["grids"] == {}
    assert body["report"]["files"][1]["findings"][0]["code"] == "F001"


def test_progress_as_server_sent_events(client):
    r = client.post("/api/check?stream=1&view=1", files=upload(RETURNED_XLSX, JSON_FILE, XLS))
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [(m.group(1), json.loads(m.group(2))) for m in re.finditer(r"event: (\w+)\ndata: (.*)\n\n", r.text)]
    names = [e for e, _ in events]
    assert names[0] == "start" and names[-1] == "result"
    progress = [d for e, d in events if e == "progress"]
    assert all(p["files"] == 3 for p in progress)
    # the files read and indexed one by one (the H rules compare them), then judged together
    assert [(p["phase"], p["done"]) for p in progress] == [("read", 1), ("read", 2), ("read", 3),
                                                           ("check", 1), ("check", 2), ("check", 3)]
    assert [p["verdict"] for p in progress if p["phase"] == "check"] == ["return"] * 3
    assert events[-1][1]["report"]["summary"]["files"] == 3


# ---- many files, zip archives of folders -----------------------------------------------------

def zip_of(entries: dict[str, bytes], *, utf8: bool = True) -> bytes:
    buf = io.BytesIO()
    renames = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, (name, data) in enumerate(entries.items()):
            if not utf8:  # as Windows' own zip tool writes Chinese names: GBK bytes, no UTF-8 flag
                raw = name.encode("gbk")
                stand_in = f"{n:03d}".ljust(len(raw), "_").encode()
                renames.append((stand_in, raw))
                name = stand_in.decode()
            zf.writestr(name, data)
    blob = buf.getvalue()
    for stand_in, raw in renames:  # same length: the headers' name fields stay right
        blob = blob.replace(stand_in, raw)
    return blob


def test_a_zip_of_a_folder_is_checked_like_the_folder(client):
    folder = SAMPLES / "returns"
    entries = {f"returns/{p.name}": p.read_bytes() for p in sorted(folder.iterdir())}
    entries["returns/.hidden.json"] = b"{}"
    entries["returns/~$lock.xlsx"] = b"x"
    entries["returns/说明.txt"] = "不是申报材料".encode()
    entries["__MACOSX/returns/._a.json"] = b"x"
    r = client.post("/api/check", files=[("files", ("returns.zip", zip_of(entries)))])
    assert r.status_code == 200, r.text
    report = r.json()
    expected = sorted(p.name for p in folder.iterdir() if p.suffix in (".json", ".xlsx"))
    assert [f["path"] for f in report["files"]] == [f"returns/returns/{n}" for n in expected]
    cli = cli_report(folder)
    assert [f["verdict"] for f in report["files"]] == [f["verdict"] for f in cli["files"]]
    assert report["summary"] == cli["summary"]  # the run's own files compared with each other (H rules) too


def test_gbk_names_in_a_windows_zip_are_read(client):
    data = JSON_FILE.read_bytes()
    r = client.post("/api/check", files=[("files", ("材料.zip", zip_of({"教育局/营养改善.json": data}, utf8=False)))])
    assert [f["path"] for f in r.json()["files"]] == ["材料/教育局/营养改善.json"]


@pytest.mark.parametrize("name", ["../../evil.json", "/etc/evil.json", "a/../../evil.json", "C:\\..\\evil.json"])
def test_a_zip_whose_paths_leave_the_folder_is_refused(client, uploads_root, name):
    r = client.post("/api/check", files=[("files", ("x.zip", zip_of({name: b"{}"})))])
    if name.startswith("/"):  # an absolute name is read relative to the archive, inside the folder
        assert r.status_code == 200 and r.json()["files"][0]["path"] == "x/etc/evil.json"
    else:
        assert r.status_code == 400
        assert "不安全" in r.json()["error"]["zh"]
    assert not list(uploads_root.iterdir())
    assert not (uploads_root.parent / "evil.json").exists()


def test_zip_bomb_is_refused_before_it_is_inflated(client):
    bomb = zip_of({"a/bomb.json": b"0" * (30 * 1024 * 1024)})
    assert len(bomb) < 100_000
    r = client.post("/api/check", files=[("files", ("bomb.zip", bomb))])
    assert r.status_code == 413
    assert "压缩炸弹" in r.json()["error"]["zh"] and "zip bomb" in r.json()["error"]["en"]


def test_safe_names():
    assert safe_relative("a/b.json") == "a/b.json"
    assert safe_relative("..\\x.json") is None
    assert safe_relative("C:\\Users\\me\\表.xlsx") == "Users/me/表.xlsx"
    assert safe_relative("a\x00b<c>.xlsx") == "a_b_c_.xlsx"
    assert safe_relative("./") is None


def test_same_name_twice_is_kept_apart(client):
    r = client.post("/api/check", files=upload(JSON_FILE, JSON_FILE))
    assert [f["path"] for f in r.json()["files"]] == [JSON_FILE.name, JSON_FILE.stem + " (2).json"]


# ---- hostile files, limits --------------------------------------------------------------------

def test_hostile_files_get_their_findings(client, tmp_path):
    folder = tmp_path / "hostile"
    make_corpus(folder)
    files = [("files", (c.name, (folder / c.name).read_bytes())) for c in CASES]
    r = client.post("/api/check?view=1", files=files)
    assert r.status_code == 200, r.text
    body = r.json()
    by_name = {f["path"]: f for f in body["report"]["files"]}
    for case in CASES:
        file = by_name[case.name]
        codes = [f["code"] for f in file["findings"]] + [f["code"] for d in file["documents"] for f in d["findings"]]
        assert file["verdict"] == "return", case.name
        assert case.code in codes, (case.name, codes)
        assert "F006" not in codes and "F011" not in codes
    # a file the sniffer refused is never opened again to be drawn
    refused = {f["path"] for f in body["report"]["files"] if any(x["code"] in ("F001", "F007") for x in f["findings"])}
    assert refused and not refused & set(body["grids"])


@pytest.fixture(scope="module")
def small_client(uploads_root):
    config = AppConfig(settings=ServeSettings(limits=Limits(max_file_bytes=200_000)), workers=1,
                       request=RequestLimits(max_request_bytes=1_000_000, max_files=3), upload_root=str(uploads_root))
    with TestClient(create_app(config), base_url=LOCAL) as c:
        yield c


def test_oversize_upload_is_refused_with_a_clear_error(small_client, uploads_root):
    r = small_client.post("/api/check", files=[("files", ("big.json", b" " * 2_000_000))])
    assert r.status_code == 413
    assert "上限" in r.json()["error"]["zh"] and "MB" in r.json()["error"]["en"]
    assert not list(uploads_root.iterdir())


def test_a_file_over_the_per_file_limit_is_named(small_client):
    r = small_client.post("/api/check", files=[("files", ("大.json", b" " * 300_000))])
    assert r.status_code == 413
    assert "大.json" in r.json()["error"]["zh"]


def test_too_many_files_in_one_upload(small_client):
    r = small_client.post("/api/check", files=upload(JSON_FILE, JSON_FILE, JSON_FILE, JSON_FILE))
    assert r.status_code in (400, 413)
    assert r.json()["error"]["zh"]


def test_no_files_is_a_clear_error(client):
    r = client.post("/api/check", data={"x": "1"})
    assert r.status_code == 400 and "files" in r.json()["error"]["en"]


def test_twenty_concurrent_uploads(client):
    paths = [RETURNED_XLSX, JSON_FILE, XLS, BUDGET_REQUEST] * 5

    def one(path: Path):
        return path, client.post("/api/check", files=upload(path))

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(one, paths))
    expected = {p: cli_report(p)["files"][0]["verdict"] for p in set(paths)}
    for path, r in answers:
        assert r.status_code == 200, r.text
        assert r.json()["files"][0]["path"] == path.name
        assert r.json()["files"][0]["verdict"] == expected[path]


def test_nothing_of_an_upload_is_kept(client, uploads_root):
    zipped = zip_of({f"r/{p.name}": p.read_bytes() for p in sorted((SAMPLES / "returns").iterdir())})
    assert client.post("/api/check", files=[("files", ("r.zip", zipped))]).status_code == 200
    assert client.post("/api/check?stream=1", files=upload(RETURNED_XLSX)).status_code == 200
    assert client.post("/api/check?view=1", files=upload(RETURNED_XLSX, XLS)).status_code == 200
    assert client.post("/api/report", files=upload(RETURNED_XLSX, JSON_FILE)).status_code == 200
    assert client.post("/api/annotate", files=upload(RETURNED_XLSX)).status_code in (200, 501)
    assert client.post("/api/annotate", files=upload(RETURNED_XLSX, XLS)).status_code in (400, 501)
    assert client.post("/api/view", files=upload(RETURNED_XLSX)).status_code == 200
    assert client.post("/api/view?item=3", files=upload(RETURNED_XLSX)).status_code == 404
    assert client.post("/api/check", files=[("files", ("x.zip", b"not a zip"))]).status_code == 400
    assert not list(uploads_root.iterdir())
    cache = Path(os.environ.get("PERFLINT_CACHE_DIR") or ROOT / ".perflint-cache")
    for shard in (cache / "history").glob("*.pickle") if (cache / "history").exists() else []:
        assert b"perflint-serve-" not in shard.read_bytes() and str(uploads_root).encode() not in shard.read_bytes()


def _batch(n: int) -> list:
    workbooks = sorted((SAMPLES / "xlsx").glob("*.xls*"))
    return [("files", ("大批量.zip", zip_of({f"d/{i:04d}_{workbooks[i % len(workbooks)].name}":
                                             workbooks[i % len(workbooks)].read_bytes() for i in range(n)})))]


def test_a_large_upload_does_not_hold_up_the_others(client, uploads_root):
    """While one worker checks a big batch, the server still answers the page, and another user's
    check runs in the other worker and is answered first. The batch sits in a private folder meanwhile."""
    import threading
    import time

    large = _batch(300)
    answer: dict = {}

    def post_large() -> None:
        answer["r"] = client.post("/api/check?view=1", files=large)

    thread = threading.Thread(target=post_large)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not list(uploads_root.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.01)
        folders = list(uploads_root.iterdir())
        assert len(folders) == 1 and folders[0].name.startswith("perflint-serve-")
        assert folders[0].stat().st_mode & 0o777 == 0o700
        time.sleep(0.2)  # the batch is in its worker now
        assert client.get("/").status_code == 200
        small = client.post("/api/check", files=upload(JSON_FILE))
        assert small.status_code == 200 and small.json()["files"][0]["path"] == JSON_FILE.name
        assert thread.is_alive() and "r" not in answer, "the big batch finished first: make it bigger"
    finally:
        thread.join(120)
    assert answer["r"].status_code == 200 and answer["r"].json()["report"]["summary"]["files"] == 300
    assert not list(uploads_root.iterdir())


def test_each_file_has_the_per_file_time_limit(uploads_root):
    """--timeout bounds each file's check as in `perflint check`: past it, the file gets F010 (and is
    not opened again to be drawn); the other files of the upload are still answered."""
    config = AppConfig(settings=ServeSettings(timeout=1e-6), workers=1, upload_root=str(uploads_root))
    with TestClient(create_app(config), base_url=LOCAL) as c:
        r = c.post("/api/check?view=1", files=upload(RETURNED_XLSX, JSON_FILE))
        assert r.status_code == 200, r.text
        body = r.json()
        for file in body["report"]["files"]:
            assert file["verdict"] == "return"
            assert [f["code"] for f in file["findings"]] == ["F010"], file
        assert body["grids"] == {}
        assert c.get("/api/config").json()["limits"]["timeout_seconds"] == 1e-6
    assert not list(uploads_root.iterdir())


def test_an_upload_past_the_check_limit_is_answered_and_removed(uploads_root):
    # 120 workbooks cannot be read in 10 ms however fast the machine (nor served from a cache: the
    # server keeps none), so the limit is certainly passed
    config = AppConfig(workers=1, upload_root=str(uploads_root), check_timeout=0.01)
    with TestClient(create_app(config), base_url=LOCAL) as c:
        r = c.post("/api/check", files=_batch(120))
        assert r.status_code == 504
        assert "检查超时" in r.json()["error"]["zh"] and "too long" in r.json()["error"]["en"]
        assert not list(uploads_root.iterdir())
        events = c.post("/api/check?stream=1", files=_batch(120)).text
        assert "event: error" in events and "检查超时" in events and "event: result" not in events
        assert not list(uploads_root.iterdir())


def test_a_worker_past_the_limit_or_dead_takes_only_its_request(uploads_root):
    """The server's workers are the program's own children (lifecycle.start_child, spawned): one
    that runs past the check limit is killed rather than left working for no one, one that dies is
    replaced, and the next request is answered by the replacement."""
    import asyncio
    import signal
    import time

    from perflint.serve.app import Checker

    async def scenario() -> None:
        config = AppConfig(workers=1, upload_root=str(uploads_root), check_timeout=0.5)
        checker = Checker(config)
        try:
            await asyncio.get_running_loop().run_in_executor(None, checker.warm)
            first = await checker.run(os.getpid)
            with pytest.raises(asyncio.TimeoutError):
                await checker.run(time.sleep, 30)
            config.check_timeout = 60.0
            second = await checker.run(os.getpid)
            assert second != first
            with pytest.raises(OSError):
                os.kill(first, 0)  # killed, not still sleeping
            os.kill(second, signal.SIGKILL)
            with pytest.raises(RuntimeError, match="worker ended"):
                await checker.run(time.sleep, 30)
            third = await checker.run(os.getpid)
            assert third not in (first, second)
        finally:
            checker.close()

    asyncio.run(scenario())


# ---- the token --------------------------------------------------------------------------------

def test_token_guards_the_api_but_not_the_page(uploads_root):
    config = AppConfig(token="s3cret-token", workers=1, upload_root=str(uploads_root))
    with TestClient(create_app(config), base_url=LOCAL) as c:
        assert c.get("/").status_code == 200
        assert c.get("/api/config").json()["token_required"] is True
        assert c.get("/api/rules").status_code == 401
        r = c.post("/api/check", files=upload(JSON_FILE))
        assert r.status_code == 401 and "令牌" in r.json()["error"]["zh"]
        assert c.post("/api/check", files=upload(JSON_FILE), headers={"X-Perflint-Token": "wrong"}).status_code == 401
        assert c.post("/api/check", files=upload(JSON_FILE), headers={"X-Perflint-Token": "s3cret-token"}).status_code == 200
        assert c.get("/api/rules", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "127.0.0.1", "LOCALHOST"])
def test_this_machines_names_reach_a_server_on_this_machine(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 200
    assert client.post("/api/check", files=upload(JSON_FILE), headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["attacker.example:8765", "attacker.example", "127.0.0.1.attacker.example",
                                  "localhost.attacker.example:8765", "192.168.1.5:8765", "", "[::2]:8765"])
def test_another_name_for_this_machine_is_refused(client, uploads_root, host):
    """A page elsewhere that re-points its own name at 127.0.0.1 (DNS rebinding) reaches neither the page
    nor the API of a server that listens on this machine alone and so takes no token."""
    for method, path in (("GET", "/"), ("GET", "/api/config"), ("GET", "/api/rules"), ("GET", "/static/app.js")):
        r = client.request(method, path, headers={"Host": host})
        assert r.status_code == 400, (path, r.status_code)
        assert "127.0.0.1" in r.json()["error"]["en"] and r.json()["error"]["zh"]
    r = client.post("/api/check", files=upload(JSON_FILE), headers={"Host": host})
    assert r.status_code == 400 and "report_version" not in r.text
    assert not list(uploads_root.iterdir())


def test_the_host_check_follows_the_address_listened_on(uploads_root):
    from perflint.serve import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    # listening on a loopback address of its own: that address is this machine's name too
    with TestClient(create_app(AppConfig(workers=1, host="127.0.0.2", upload_root=str(uploads_root))),
                    base_url="http://127.0.0.2:8765") as c:
        assert c.get("/").status_code == 200
        assert c.get("/", headers={"Host": "evil.example"}).status_code == 400
    # listening beyond this machine, the departments use the bureau's own name for it; the token guards the API
    config = AppConfig(workers=1, host="0.0.0.0", token="t0ken", upload_root=str(uploads_root))
    with TestClient(create_app(config), base_url="http://perflint.bureau.example:8765") as c:
        assert c.get("/").status_code == 200
        assert c.get("/api/rules").status_code == 401
        assert c.get("/api/rules", headers={"X-Perflint-Token": "t0ken"}).status_code == 200


def test_binding_beyond_loopback_warns_and_requires_a_token(monkeypatch, capsys):
    import uvicorn

    from perflint.serve import serve

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.delenv("PERFLINT_SERVE_TOKEN", raising=False)
    assert serve(host="0.0.0.0", port=9999) == 0
    err = capsys.readouterr().err
    assert "WARNING" in err and "token" in err
    token = re.search(r"access token for this run[^:]*: (\S+)", err).group(1)
    assert seen["host"] == "0.0.0.0"
    monkeypatch.setenv("PERFLINT_SERVE_TOKEN", "from-env")
    assert serve(host="192.168.1.5", port=9999) == 0
    assert "from-env" not in capsys.readouterr().err  # a token the operator chose is not echoed
    assert token
    assert serve(host="127.0.0.1", port=9999) == 0
    assert "WARNING" not in capsys.readouterr().err


def test_missing_extra_names_what_to_install(monkeypatch, capsys):
    import importlib.util

    from perflint import serve as serve_pkg

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fastapi" else real(name, *a))
    assert serve_pkg.serve() == 2
    assert "pip install 'perflint-cn[serve]'" in capsys.readouterr().err


def test_perflint_serve_without_the_extra_says_what_to_install():
    """The command itself, in an environment without the web framework: the hint, exit 2, no traceback."""
    code = ("import sys\nfor m in ('fastapi', 'uvicorn', 'python_multipart'):\n    sys.modules[m] = None\n"
            "from perflint.entry import main\nsys.argv = ['perflint', 'serve', '--port', '1']\nmain()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "pip install 'perflint-cn[serve]'" in r.stderr and "缺少依赖 fastapi, uvicorn, python-multipart" in r.stderr
    assert "Traceback" not in r.stderr and not r.stdout


def test_a_broken_profile_stops_the_start(capsys):
    from perflint.serve import serve

    assert serve(profile="no-such-profile") == 2
    assert "no-such-profile" in capsys.readouterr().err


# ---- rules, docs, headers, the page's files ---------------------------------------------------

def test_rules(client):
    rules = client.get("/api/rules").json()
    a201 = next(r for r in rules if r["code"] == "A201")
    assert a201["advice"]["zh"] and a201["summary"]["en"]
    assert client.get("/api/rules/annual-funds-unbalanced").json()["code"] == "A201"
    assert client.get("/api/rules/a201").json()["code"] == "A201"
    r = client.get("/api/rules/Z999")
    assert r.status_code == 404 and "Z999" in r.json()["error"]["en"]


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/check", "/api/rules", "/api/rules/{code}", "/api/report"} <= set(spec["paths"])
    body = spec["paths"]["/api/check"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"]["files"]["type"] == "array"


def test_security_headers(client):
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    script = re.search(r"script-src ([^;]+)", csp).group(1)
    assert script.strip() == "'self'"  # no inline script, nothing from elsewhere
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    for path in ("/static/app.js", "/static/style.css", "/api/config"):
        assert client.get(path).headers["x-content-type-options"] == "nosniff"
    assert client.get("/api/config").headers["cache-control"] == "no-store"


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def _undated(rows: list[tuple]) -> list[tuple]:
    """A sheet's rows without the moment it was written (the letter's date, the summary's 生成 line)."""
    stamp = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?)$")
    return [tuple(None if isinstance(v, str) and stamp.match(v) else v for v in row) for row in rows]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_review_workbook_download(client, tmp_path, lang, capsys):
    """POST /api/report answers the 审核意见 workbook `perflint check --report` writes for the same files."""
    from perflint.check_cli import main

    r = client.post(f"/api/report?lang={lang}", files=upload(RETURNED_XLSX, JSON_FILE))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment")
    assert ("%E5%AE%A1%E6%A0%B8%E6%84%8F%E8%A7%81.xlsx" if lang == "zh" else "review.xlsx") in disposition
    got = _sheets(r.content)

    written = tmp_path / "cli.xlsx"
    assert main([str(RETURNED_XLSX), str(JSON_FILE), "--history", ARCHIVE, "--report", str(written), "--lang", lang,
                 "--isolated", "--no-cache", "--format", "json"]) == 1
    capsys.readouterr()
    expected = _sheets(written.read_bytes())
    assert list(got) == list(expected)
    for title in expected:
        assert _undated(got[title]) == _undated(expected[title]), title

    # and what a bureau sends: a letter for the run, one per department, the summary, the lists
    departments = ["示例区教育局", "示例县住房和城乡建设局"]
    if lang == "zh":
        assert list(got) == ["审核意见", *(f"意见·{d}" for d in departments), "汇总", "问题清单", "审核结论"]
        letter = [row[0] for row in got["审核意见"] if row[0]]
        assert "经审核，本次报送的 2 份材料中 2 份需退回修改" in letter[2]
        assert any("A204" in line for line in letter) and any("H501" in line for line in letter)
        assert got["意见·示例区教育局"][1][0] == "示例区教育局："
        assert not any("A204" in (row[0] or "") for row in got["意见·示例区教育局"])  # another department's problem
        findings = got["问题清单"]
        assert findings[0] == ("文件", "部门", "项目", "表类型", "审核结论", "规则", "级别", "位置", "说明", "整改建议")
        a204 = next(row for row in findings if row[5] == "A204")
        assert a204[0] == RETURNED_XLSX.name and a204[7] == "附件2!F9" and a204[4] == "退回"
        assert a204[9].startswith("F9 应为 2900.00")  # the advice with the figure perflint computed
        h501 = next(row for row in findings if row[5] == "H501")
        assert h501[0] == JSON_FILE.name  # the server's history was used, under the name as uploaded
        verdicts = {row[0]: row for row in got["审核结论"][1:]}
        assert {name: row[6] for name, row in verdicts.items()} == {RETURNED_XLSX.name: "退回", JSON_FILE.name: "退回"}
        summary = {row[0]: row[1:4] for row in got["汇总"] if row[0] in departments}
        assert summary == {"示例区教育局": (1, 0, 1), "示例县住房和城乡建设局": (1, 0, 1)}  # documents, 通过, 退回
    else:
        assert list(got) == ["Review letter", *(f"Letter·{d}" for d in departments), "Summary", "Findings", "Verdicts"]
    text = "\n".join(str(v) for rows in got.values() for row in rows for v in row if v is not None)
    assert "perflint-serve-" not in text and str(SAMPLES) not in text  # neither the private folder nor a path


def _shipped() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in STATIC.iterdir() if p.suffix in (".html", ".js", ".css", ".svg")}


def test_the_page_loads_nothing_from_outside_the_server():
    shipped = _shipped()
    assert {"index.html", "app.js", "style.css"} <= set(shipped)
    for name, text in shipped.items():
        refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", text)
        refs += re.findall(r"""url\(\s*["']?([^"')]*)""", text)
        refs += re.findall(r"""fetch\(\s*[`"']([^`"']*)""", text)
        for ref in refs:
            assert not re.match(r"^(?:[a-z]+:)?//", ref, re.I) or ref.startswith("http://www.w3.org/2000/svg"), (name, ref)
        for m in re.finditer(r"https?://[^\s\"'`)]+", text):
            assert m.group().startswith("http://www.w3.org/"), (name, m.group())  # XML namespaces only
    assert "<script>" not in shipped["index.html"] and " on" not in re.sub(r"<[^>]*>", lambda m: m.group().split(">")[0].replace(" onclick", "§"), "")  # no inline handlers below
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", shipped["index.html"]), "no inline event handlers (CSP)"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", shipped["index.html"]), "no inline script (CSP)"


def test_the_page_never_parses_data_as_markup():
    js = _shipped()["app.js"]
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert unsafe not in js, unsafe


def test_the_static_files_ship_in_the_wheel():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["perflint"]' in pyproject  # hatch packs every file below perflint/, static ones too
    assert (STATIC / "index.html").exists() and (STATIC / "app.js").exists()


# ---- start-up cost -------------------------------------------------------------------------

def test_a_one_file_check_never_imports_the_web_framework(tmp_path):
    code = ("import sys\nfrom perflint.check_cli import main\nrc = main([sys.argv[1], '--format', 'json', '--no-cache'])\n"
            "bad = [m for m in ('fastapi', 'starlette', 'uvicorn', 'perflint.serve') if m in sys.modules]\n"
            "sys.stderr.write(repr(bad))\nsys.exit(3 if bad else 0)\n")
    r = subprocess.run([sys.executable, "-c", code, str(JSON_FILE)], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert r.returncode == 0, r.stderr


def test_marked_up_workbook_download(client, tmp_path, capsys):
    try:
        import perflint.annotate  # noqa: F401
    except ImportError:  # this perflint has no annotator: the page offers no such download
        assert client.get("/api/config").json()["annotate"] is False
        assert client.post("/api/annotate", files=upload(RETURNED_XLSX)).status_code == 501
        return
    assert client.get("/api/config").json()["annotate"] is True
    r = client.post("/api/annotate", files=upload(RETURNED_XLSX))
    assert r.status_code == 200, r.text
    assert ".审核.xlsx" in r.headers["content-disposition"] or "%E5%AE%A1%E6%A0%B8.xlsx" in r.headers["content-disposition"]
    # the same copy `perflint check --annotate DIR` writes: every sheet's values, fills and notes
    from perflint.check_cli import main

    assert main([str(RETURNED_XLSX), "--history", ARCHIVE, "--annotate", str(tmp_path), "--isolated", "--no-cache",
                 "--format", "json"]) == 1
    capsys.readouterr()
    (written,) = tmp_path.glob("*.xlsx")
    got, expected = _marked(r.content), _marked(written.read_bytes())
    assert got == expected and got, "the download differs from --annotate"
    assert any("A204" in (note or "") for sheet in got.values() for _, _, note, _ in sheet if note)
    # a workbook inside a zip: the upload alone, and which of its files
    zipped = [("files", ("材料.zip", zip_of({"a/说明.json": JSON_FILE.read_bytes(), "a/旧小区.xlsx": RETURNED_XLSX.read_bytes()})))]
    member = client.post("/api/annotate?item=0", files=zipped)  # a/旧小区.xlsx sorts before a/说明.json
    assert member.status_code == 200
    renamed = {title: [(ref, "旧小区.xlsx" if value == RETURNED_XLSX.name else value, note, fill)
                       for ref, value, note, fill in cells] for title, cells in expected.items()}
    assert _marked(member.content) == renamed  # under its own name
    assert client.post("/api/annotate?item=1", files=zipped).status_code == 422  # JSON: nothing to mark up
    assert client.post("/api/annotate?item=2", files=zipped).status_code == 404
    assert client.post("/api/annotate", files=upload(RETURNED_XLSX, XLS)).status_code == 400


def _marked(data: bytes) -> dict:
    """Each sheet's cells: (ref, value, note, fill colour), what a marked-up copy adds to the original."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [(c.coordinate, c.value, c.comment.text if c.comment else None,
                        c.fill.fgColor.rgb if c.fill and c.fill.fill_type else None)
                       for row in ws.iter_rows() for c in row if c.value is not None or c.comment]
            for ws in wb.worksheets}


# ---- hostile uploads: names, archives, errors ----------------------------------------------------

def test_a_300_character_name_is_shortened_and_keeps_its_type(client, uploads_root):
    name = "长" * 300 + ".xlsx"
    r = client.post("/api/check", files=[("files", (name, RETURNED_XLSX.read_bytes()))])
    assert r.status_code == 200, r.text
    path = r.json()["files"][0]["path"]
    assert path.endswith(".xlsx") and path.startswith("长") and len(path.encode()) <= 200
    assert r.json()["files"][0]["documents"]  # still read as the workbook it is
    r = client.post("/api/annotate", files=[("files", (name, RETURNED_XLSX.read_bytes()))])
    assert r.status_code == 200 and r.content[:2] == b"PK"
    member = zip_of({"d/" + "长" * 200 + ".json": JSON_FILE.read_bytes()})
    r = client.post("/api/check", files=[("files", ("a.zip", member))])
    assert r.status_code == 200 and r.json()["files"][0]["path"].endswith(".json")
    assert not list(uploads_root.iterdir())


def test_a_name_the_file_system_refuses_is_a_clear_error_with_the_headers(client, uploads_root):
    deep = "/".join(["层" * 50] * 40) + "/a.json"  # each part fits, the whole path is past PATH_MAX
    r = client.post("/api/check", files=[("files", ("deep.zip", zip_of({deep: b"{}"})))])
    assert r.status_code == 400 and "cannot store" in r.json()["error"]["en"]
    assert r.headers["content-security-policy"] and r.headers["x-content-type-options"] == "nosniff"
    assert not list(uploads_root.iterdir())


def test_security_headers_on_every_error_answer(uploads_root, monkeypatch):
    import perflint.serve.app as app_module

    config = AppConfig(workers=1, upload_root=str(uploads_root))
    with TestClient(create_app(config), base_url=LOCAL, raise_server_exceptions=False) as c:
        answers = {"404": c.get("/no-such-page"), "405": c.put("/api/check"),
                   "422": c.post("/api/check?lang=xx", files=upload(JSON_FILE)),
                   "400 host": c.get("/", headers={"Host": "evil.example"})}

        def broken(*_a, **_k):
            raise RuntimeError("a bug")

        monkeypatch.setattr(app_module, "_view", broken)
        answers["500"] = c.post("/api/check?view=1", files=upload(JSON_FILE))
    assert answers["500"].status_code == 500
    for what, r in answers.items():
        assert "default-src 'self'" in r.headers.get("content-security-policy", ""), what
        assert r.headers.get("x-content-type-options") == "nosniff", what
        assert r.headers.get("x-frame-options") == "DENY", what


def test_an_archive_of_ten_thousand_files_is_refused_before_it_is_parsed(client, uploads_root):
    many = zip_of({f"d/{i}.json": b"{}" for i in range(2000)})
    r = client.post("/api/check", files=[("files", ("many.zip", many))])
    assert r.status_code == 413 and "1000" in r.json()["error"]["zh"]
    junk = zip_of({f"{i}.txt": b"" for i in range(12_000)})
    r = client.post("/api/check", files=[("files", ("junk.zip", junk))])
    assert r.status_code == 413 and "10000" in r.json()["error"]["en"]
    # the end record may lie about the count: the directory's size tells how many it can hold
    lying = bytearray(junk)
    at = lying.rfind(b"PK\x05\x06")
    lying[at + 8:at + 12] = b"\x01\x00\x01\x00"
    r = client.post("/api/check", files=[("files", ("lying.zip", bytes(lying)))])
    assert r.status_code == 413
    assert not list(uploads_root.iterdir())


def test_an_archive_with_nothing_to_check_is_named(client):
    r = client.post("/api/check", files=[("files", ("附件.zip", zip_of({"说明.txt": b"x", ".hidden.json": b"{}"})))])
    assert r.status_code == 400 and "附件.zip" in r.json()["error"]["zh"] and "no submission" in r.json()["error"]["en"]


def test_a_file_named_to_climb_out_stays_in_its_folder(client, uploads_root):
    r = client.post("/api/check", files=[("files", ("../../x.json", JSON_FILE.read_bytes()))])
    assert r.status_code == 200 and r.json()["files"][0]["path"] == "x.json"
    assert not (uploads_root.parent / "x.json").exists() and not (uploads_root.parent.parent / "x.json").exists()


def test_safe_part_cuts_by_bytes():
    from perflint.serve.uploads import safe_part

    assert safe_part("长" * 300 + ".xlsx").endswith("长.xlsx")
    assert len(safe_part("长" * 300 + ".xlsx").encode()) <= 180
    assert safe_part("a" * 300) == "a" * 180
    assert safe_part("短.json") == "短.json"


@pytest.mark.parametrize("token", ["令牌令牌令牌令牌", "has space", "tab\there"])
def test_a_token_no_browser_can_send_stops_the_start(token, monkeypatch, capsys):
    from perflint.serve import serve

    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("the server started"))
    assert serve(host="0.0.0.0", token=token) == 2
    assert "ASCII" in capsys.readouterr().err


def test_a_stream_whose_client_leaves_before_the_first_event_leaves_no_upload(tmp_path):
    import asyncio

    from perflint.serve.app import _RemovingStream

    folder = tmp_path / "perflint-serve-x"
    folder.mkdir()
    (folder / "a.json").write_bytes(b"{}")

    async def events():
        yield b"event: start\n\n"

    async def gone(message):
        raise OSError("the client left")

    async def nothing():
        return {"type": "http.disconnect"}

    response = _RemovingStream(str(folder), events(), media_type="text/event-stream")
    with pytest.raises(Exception):  # the framework names it ClientDisconnect
        asyncio.run(response({"type": "http", "asgi": {"spec_version": "2.4"}}, nothing, gone))
    assert not folder.exists()
