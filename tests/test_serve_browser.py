"""The page in a real browser: headless Chromium (Debian's chromium + chromium-driver) through
Selenium. It uploads a sample workbook through the file input and must show 退回, the highlighted
cell and the finding's message; it records every request the page makes (all to the server) and
saves a screenshot as a test artifact (test-artifacts/, or $PERFLINT_TEST_ARTIFACTS)."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKBOOK = ROOT / "samples" / "xlsx" / "2024_城镇老旧小区改造_项目支出绩效自评表.xlsx"
ARTIFACTS = Path(os.environ.get("PERFLINT_TEST_ARTIFACTS") or ROOT / "test-artifacts")


def _browser() -> tuple[str, str]:
    chrome = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    driver = shutil.which("chromedriver")
    if not chrome or not driver:
        pytest.skip("no headless browser: install Debian's chromium and chromium-driver (.ci/run does)")
    return chrome, driver


pytest.importorskip("fastapi", reason="perflint-cn[serve] is not installed")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "perflint", "serve", "--port", str(port), "--workers", "1",
                             "--history", "samples/archive"],  # as a user names it (shown in H500's note)
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/api/config", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"perflint serve did not start: {out[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    chrome, driver_path = _browser()
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--lang=zh-CN", "--no-first-run", "--disable-background-networking", "--disable-component-update"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    try:
        d = webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as exc:  # a browser that is installed but cannot start here
        pytest.skip(f"chromium could not start: {str(exc).splitlines()[0][:200]}")
    yield d
    d.quit()


def _requests(d) -> list[str]:
    urls = []
    for entry in d.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


# the cell is inside the window and the topmost thing at its middle: not scrolled off in the page or in
# the sheet's own box, not under its sticky headers
IN_VIEW = """
const td = arguments[0]; const r = td.getBoundingClientRect();
if (!r.width || r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
return !!hit && (hit === td || td.contains(hit));
"""
# what the status line said while the check ran, recorded as it changed
WATCH_STATUS = """
window.__statusSeen = [];
new MutationObserver(() => window.__statusSeen.push(document.getElementById("status-text").textContent))
  .observe(document.getElementById("status-text"), { childList: true, characterData: true, subtree: true });
"""


def _cell(d, ref: str):
    from selenium.webdriver.common.by import By

    return d.find_element(By.CSS_SELECTOR, f'#sheet-holder td[data-ref="{ref}"]')


def _reduced_motion(d, on: bool) -> None:
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-reduced-motion", "value": "reduce" if on else "no-preference"}]})


def _open(d, server: str):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    d.get(server + "/")
    # the page draws a result again when it changes (the language, a re-check): an element found a
    # moment before may be gone, and the next poll looks again
    wait = WebDriverWait(d, 60, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda d: d.find_element(By.ID, "policy").text)
    return wait


def test_upload_a_workbook_and_see_its_findings(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    from perflint.api import check_paths
    from perflint.catalogue import default_catalogue
    from perflint.formatters.labels import advice

    history = [str(ROOT / "samples" / "archive")]
    result = check_paths([str(WORKBOOK)], history=history)[0]
    a204 = next(f for f in result.all_findings() if f.code == "A204")
    s408 = next(f for f in result.all_findings() if f.code == "S408" and f.location.cell == "J19")
    a204_en = next(f for f in check_paths([str(WORKBOOK)], history=history, lang="en")[0].all_findings()
                   if f.code == "A204")
    catalogue = default_catalogue()
    d = browser
    _reduced_motion(d, False)
    wait = _open(d, server)
    d.find_element(By.ID, "file-input").send_keys(str(WORKBOOK))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".detail .badge.big"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "td.advice") and
               all(td.text for td in d.find_elements(By.CSS_SELECTOR, "td.advice")))

    # the verdict, the grade (the file's, its document's), the finding's message and its own 整改建议
    assert d.find_element(By.CSS_SELECTOR, ".detail .badge.big").text == "退回"
    assert result.documents[0].grade == "中"
    assert d.find_element(By.CSS_SELECTOR, ".detail-head .file-grade b").text == "中"
    assert d.find_element(By.CSS_SELECTOR, ".doc h3 .grade b").text == "中"
    assert a204.message in d.find_element(By.ID, "detail").text
    row = d.find_element(By.CSS_SELECTOR, f'tr.finding[data-cell="{a204.location.cell}"]')
    assert row.find_element(By.CSS_SELECTOR, "td.code").text == "A204"
    assert row.find_element(By.CSS_SELECTOR, "td.loc").text == f"附件2!{a204.location.cell}"
    assert row.find_element(By.CSS_SELECTOR, "td.advice").text == advice(catalogue.rules["A204"], "zh", a204)
    assert "2900.00" in row.find_element(By.CSS_SELECTOR, "td.advice").text  # worked out for this finding

    # the sheet as Excel shows it: the number format, merged cells merged, the finding's cell highlighted
    cell = _cell(d, a204.location.cell)
    assert "hit" in cell.get_attribute("class").split()
    assert cell.text == "28,000,000.00"  # #,##0.00
    merged = d.find_element(By.XPATH, "//div[@id='sheet-holder']//td[normalize-space()='项目资金']")
    assert merged.get_attribute("rowspan") == "5"  # A8:A12
    assert not d.find_elements(By.CSS_SELECTOR, '#sheet-holder td[data-ref="A9"]'), "a covered cell is not drawn"

    # a click on the finding scrolls its cell into sight (smooth scrolling: wait for it to settle) and flashes it
    d.execute_script("window.scrollTo(0, 0)")
    row.click()
    wait.until(lambda d: "flash" in _cell(d, a204.location.cell).get_attribute("class").split())
    wait.until(lambda d: d.execute_script(IN_VIEW, _cell(d, a204.location.cell)))
    assert "active" in row.get_attribute("class").split()

    # with reduced motion the page jumps: the cell is in sight as soon as the click is handled, even one
    # the sheet's own box had scrolled away from
    _reduced_motion(d, True)
    d.execute_script("window.scrollTo(0, 0); const w = document.querySelector('.sheet-wrap'); "
                     "w.scrollTop = 0; w.scrollLeft = w.scrollWidth;")
    far = d.find_element(By.CSS_SELECTOR, f'tr.finding[data-cell="{s408.location.cell}"]')
    d.execute_script("arguments[0].click()", far)
    assert d.execute_script(IN_VIEW, _cell(d, s408.location.cell))
    assert "flash" in _cell(d, s408.location.cell).get_attribute("class").split()

    # hovering over a cell lists its findings; the screenshot is the page from its top in a tall window
    # (the README's picture is this one)
    size = d.get_window_size()
    d.set_window_size(1360, 1400)
    d.execute_script("window.scrollTo(0, 0); document.querySelector('.sheet-wrap').scrollTo(0, 0)")
    cell = _cell(d, a204.location.cell)
    assert d.execute_script(IN_VIEW, cell)
    ActionChains(d).move_to_element(cell).perform()
    tip = d.find_element(By.ID, "tip")
    wait.until(lambda d: tip.is_displayed())
    assert "A204" in tip.text and a204.message in tip.text

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "serve_page.png"
    d.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    ActionChains(d).move_to_element(d.find_element(By.ID, "drop")).perform()
    wait.until(lambda d: not tip.is_displayed())
    d.set_window_size(size["width"], size["height"])

    d.find_element(By.ID, "lang-toggle").click()  # English: the page, and the messages after a re-check
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".detail .badge.big").text == "RETURN")
    wait.until(lambda d: a204_en.message in d.find_element(By.ID, "detail").text)
    advice_en = d.find_element(By.CSS_SELECTOR, f'tr.finding[data-cell="{a204.location.cell}"] td.advice').text
    assert advice_en == advice(catalogue.rules["A204"], "en", a204_en)
    assert d.find_element(By.CSS_SELECTOR, ".detail-head .file-grade b").text == "fair"
    d.find_element(By.ID, "lang-toggle").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".detail .badge.big").text == "退回")
    _reduced_motion(d, False)


def test_a_batch_shows_progress_and_a_summary_by_department(server, browser, tmp_path):
    """A zip of more workbooks than the answer draws: the progress as the files are checked, the table by
    department, and each file's sheets fetched when it is shown."""
    from selenium.webdriver.common.by import By

    from perflint.api import check_paths
    from perflint.report import Summary

    samples = sorted((ROOT / "samples" / "xlsx").glob("*.xls*")) + sorted((ROOT / "samples" / "returns").iterdir())
    batch = tmp_path / "各部门材料.zip"
    with zipfile.ZipFile(batch, "w") as zf:
        for i in range(3):  # 3 × 19: past the 20 files an answer draws
            for p in samples:
                zf.write(p, f"第{i + 1}批/{p.name}")
    files = 3 * len(samples)
    assert files > 20
    unpacked = tmp_path / "各部门材料"
    with zipfile.ZipFile(batch) as zf:
        zf.extractall(unpacked)
    # the same files checked as one run, with the server's history: copies of one submission are
    # returned as duplicates, so every count is worked out, not assumed
    summary = Summary()
    for r in check_paths([str(unpacked)], history=[str(ROOT / "samples" / "archive")]):
        summary.add(r)
    by_department = {name: [c["pass"] + c["return"], c["pass"], c["return"]] for name, c in summary.by_department.items()}
    assert len(by_department) > 3

    d = browser
    wait = _open(d, server)
    d.execute_script(WATCH_STATUS)
    d.find_element(By.ID, "file-input").send_keys(str(batch))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#file-list li")) == files)

    seen = d.execute_script("return window.__statusSeen")
    counted = [int(m.group(1)) for m in map(re.compile(rf"^正在检查 (\d+) / {files}$").match, seen) if m]
    assert counted and counted[0] == 0 and counted == sorted(counted), seen
    assert any(0 < n < files for n in counted), seen  # counted up as files were done, not only at the end
    assert d.find_element(By.ID, "status").get_attribute("hidden") is not None  # and put away with the result

    table = d.find_element(By.ID, "departments")
    assert table.is_displayed()
    shown = {}
    for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
        cells = [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        shown[cells[0]] = [int(cells[1]), int(cells[2]), int(cells[3])]
    assert shown == by_department

    # the sheets were not in the answer: the page asks for them as it shows a workbook, and not for a JSON file
    items = d.find_elements(By.CSS_SELECTOR, "#file-list li")
    names = [li.find_element(By.CSS_SELECTOR, ".fname").text for li in items]
    workbook = names.index(f"各部门材料/第2批/{WORKBOOK.name}")
    items[workbook].click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '#sheet-holder td[data-ref="F9"].hit'))
    assert _cell(d, "F9").text == "28,000,000.00"
    # its marked-up copy: the zip goes back with which of its files
    button = d.find_element(By.CSS_SELECTOR, ".detail-head .extra-download")
    assert button.text == "下载批注版工作簿"
    button.click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".detail-head .extra-download").is_enabled())
    assert not d.find_element(By.ID, "alert").is_displayed()
    json_file = next(i for i, n in enumerate(names) if n.endswith(".json"))
    d.find_elements(By.CSS_SELECTOR, "#file-list li")[json_file].click()
    wait.until(lambda d: "JSON" in d.find_element(By.CSS_SELECTOR, "#detail .sheet-note").text)
    requests = _requests(d)
    item = sorted(p.name for p in samples).index(WORKBOOK.name)  # the zip's members in order
    assert [u for u in requests if "/api/view" in u] == [f"{server}/api/view?item={len(samples) + item}"]
    assert [u for u in requests if "/api/annotate" in u] == [f"{server}/api/annotate?item={len(samples) + item}&lang=zh"]


def test_the_page_makes_no_request_outside_the_server(server, browser, tmp_path):
    """Every request the page makes goes to the server, with a submission whose text is markup pointing
    elsewhere among the files: that text is shown as text, and nothing it names is fetched or run."""
    from selenium.webdriver.common.by import By

    document = json.loads((ROOT / "samples" / "json" / "2025_校舍维修改造_项目目标表_资金不平衡.json").read_text(encoding="utf-8"))
    name = '<img src="http://evil.example/p.png" onerror="window.__pwned = 1">'
    department = "<script>window.__pwned = 2</script><style>@import url(http://evil.example/s.css)</style>"
    document["project"]["name"] = name
    document["project"]["department"]["name"] = department
    hostile = tmp_path / "marked'up&amp;x.json"  # shown as markup, it would read "&"
    hostile.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    d = browser
    _requests(d)  # what earlier tests left in the log
    wait = _open(d, server)
    d.find_element(By.ID, "file-input").send_keys(f"{WORKBOOK}\n{hostile}")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#file-list li")) == 2)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sheet-holder td.hit"))
    d.find_element(By.ID, "dl-xlsx").click()  # the downloads are asked of the server too
    wait.until(lambda d: d.find_element(By.ID, "dl-xlsx").is_enabled())

    items = d.find_elements(By.CSS_SELECTOR, "#file-list li")
    next(li for li in items if "marked" in li.text).click()
    wait.until(lambda d: name in d.find_element(By.ID, "detail").text)
    assert department in d.find_element(By.ID, "detail").text
    assert department in d.find_element(By.ID, "dept-body").text
    assert "marked'up&amp;x.json" in d.find_element(By.ID, "file-list").text
    assert not d.find_elements(By.CSS_SELECTOR, "main img, main script, main style")
    assert d.execute_script("return window.__pwned") is None

    requests = _requests(d)
    resources = d.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
    for expected in ("/", "/static/app.js", "/static/style.css", "/api/config", "/api/rules",
                     "/api/check?view=1&stream=1&lang=zh", "/api/report?lang=zh"):
        assert server + expected in requests, (expected, requests)
    outside = [u for u in [*requests, *resources] if not u.startswith(server + "/") and not u.startswith(("data:", "blob:"))]
    assert not outside, f"the page asked for something outside the server: {outside}"
    problems = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]]
    assert not problems, problems
