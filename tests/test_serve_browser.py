"""The page in a real browser: headless Chromium (Debian's chromium + chromium-driver) through
Selenium. It uploads a sample workbook through the file input and must show 退回, the highlighted
cell and the finding's message; it records every request the page makes (all to the server) and
saves a screenshot as a test artifact (test-artifacts/, or $PERFLINT_TEST_ARTIFACTS)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
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
                             "--history", str(ROOT / "samples" / "archive")],
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


def test_upload_a_workbook_and_see_its_findings(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from perflint.api import check_paths

    history = [str(ROOT / "samples" / "archive")]
    a204 = next(f for f in check_paths([str(WORKBOOK)], history=history)[0].all_findings() if f.code == "A204")
    a204_en = next(f for f in check_paths([str(WORKBOOK)], history=history, lang="en")[0].all_findings()
                   if f.code == "A204")
    d = browser
    d.get(server + "/")
    wait = WebDriverWait(d, 60)
    wait.until(lambda d: d.find_element(By.ID, "policy").text)
    d.find_element(By.ID, "file-input").send_keys(str(WORKBOOK))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".detail .badge.big"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "td.advice") and
               all(td.text for td in d.find_elements(By.CSS_SELECTOR, "td.advice")))

    assert d.find_element(By.CSS_SELECTOR, ".detail .badge.big").text == "退回"
    assert a204.message in d.find_element(By.ID, "detail").text
    cell = d.find_element(By.CSS_SELECTOR, f'#sheet-holder td[data-ref="{a204.location.cell}"]')
    assert "hit" in cell.get_attribute("class").split()
    assert cell.text == "28,000,000.00"  # as Excel shows it (#,##0.00)
    assert d.find_elements(By.CSS_SELECTOR, "#sheet-holder td[rowspan], #sheet-holder td[colspan]"), "merged cells"

    row = d.find_element(By.CSS_SELECTOR, f'tr.finding[data-cell="{a204.location.cell}"]')
    advice = row.find_element(By.CSS_SELECTOR, "td.advice").text
    assert advice, "整改建议 shown beside the finding"
    row.click()
    wait.until(lambda d: "flash" in d.find_element(
        By.CSS_SELECTOR, f'#sheet-holder td[data-ref="{a204.location.cell}"]').get_attribute("class"))
    cell = d.find_element(By.CSS_SELECTOR, f'#sheet-holder td[data-ref="{a204.location.cell}"]')
    assert d.execute_script("const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight;", cell)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "serve_page.png"
    d.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000

    ActionChains(d).move_to_element(cell).perform()
    tip = d.find_element(By.ID, "tip")
    wait.until(lambda d: tip.is_displayed())
    assert "A204" in tip.text and a204.message in tip.text

    d.find_element(By.ID, "lang-toggle").click()  # English: the page, and the messages after a re-check
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".detail .badge.big").text == "RETURN")
    wait.until(lambda d: a204_en.message in d.find_element(By.ID, "detail").text)
    d.find_element(By.ID, "lang-toggle").click()

    requests = _requests(d)
    assert any(u.endswith("/api/check?view=1&stream=1&lang=zh") for u in requests)
    outside = [u for u in requests if not u.startswith(server + "/") and not u.startswith(("data:", "blob:"))]
    assert not outside, f"the page asked for something outside the server: {outside}"
    problems = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]]
    assert not problems, problems
