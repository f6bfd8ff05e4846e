"""The desk in a real browser: Debian's headless Chromium driven by Selenium through
``/usr/bin/chromedriver`` (nothing is downloaded), against ``sohoa serve`` on a real archive.

A person logs in, searches a name typed without diacritics, opens the document, corrects a
field and accepts the card, uploads a file and watches it finish, and opens the dashboard.
Screenshots of every page go to ``test-output/screenshots/`` (git-ignored) for a person to look
at. A missing Chromium is a failure, never a skip: ``bash scripts/run.sh test`` installs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES
from tests.desk_support import PASSWORD, Desk, make_desk

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = ROOT / "test-output" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Desk]]:
    desk = make_desk(tmp_path_factory.mktemp("browser") / "home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "SOHOA_USER"}
    server = subprocess.Popen(
        [sys.executable, "-m", "sohoa.cli", "--home", str(desk.home), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert server.poll() is None, server.stderr.read() if server.stderr else "sohoa serve exited"
            time.sleep(0.2)
    yield base, desk
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    for program in (CHROMIUM, CHROMEDRIVER):
        if not program.exists():
            pytest.fail(
                f"{program} is missing: apt-get install chromium chromium-driver "
                "(bash scripts/run.sh test installs them)"
            )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1280,1000",
        "--lang=vi",
    ):
        options.add_argument(flag)  # fmt: skip
    # headless Chromium ignores --lang for Accept-Language; the desk follows that header (issue 11)
    options.add_experimental_option("prefs", {"intl.accept_languages": "vi-VN,vi"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def _shot(driver: object, name: str) -> None:
    driver.save_screenshot(str(SHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def _wait_for(driver: object, text: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while text not in driver.page_source:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, f"'{text}' never appeared"
        time.sleep(0.5)


def test_log_in_search_without_diacritics_correct_accept_upload_and_dashboard(
    served: tuple[str, Desk], browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, desk = served
    d = browser
    d.get(base + "/search")  # type: ignore[attr-defined]
    assert "Đăng nhập" in d.title  # type: ignore[attr-defined]
    _shot(d, "01-dang-nhap")
    d.find_element(By.ID, "name").send_keys("root")  # type: ignore[attr-defined]
    d.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)  # type: ignore[attr-defined]
    _wait_for(d, "Tra cứu kết quả")

    box = d.find_element(By.ID, "q")  # type: ignore[attr-defined]
    box.send_keys("nguyen tien luong" + Keys.ENTER)
    _wait_for(d, "1 kết quả")
    marks = [m.text for m in d.find_elements(By.TAG_NAME, "mark")]  # type: ignore[attr-defined]
    assert any("LƯỢNG" in m.upper() for m in marks), marks
    _shot(d, "02-tra-cuu")

    link = f'a[href="/documents/{desk.lien_bao_doc}"]'
    d.find_element(By.CSS_SELECTOR, link).click()  # type: ignore[attr-defined]
    _wait_for(d, "Nguyễn Tiến Lượng")
    assert "19/10/2017" in d.page_source  # type: ignore[attr-defined]
    image = d.find_element(By.CSS_SELECTOR, ".pages-col img")  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while not d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the page image never loaded"
        time.sleep(0.3)
    assert d.execute_script("return arguments[0].naturalWidth", image) > 100  # type: ignore[attr-defined]
    _shot(d, "03-van-ban")

    d.get(f"{base}/review/{desk.lien_bao_doc}")  # type: ignore[attr-defined]
    summary = d.find_element(By.ID, "f_summary")  # type: ignore[attr-defined]
    summary.clear()
    summary.send_keys("Trích lục khai sinh (bản sao)")
    _shot(d, "04-kiem-tra")
    d.find_element(By.CSS_SELECTOR, 'button[value="accept"]').click()  # type: ignore[attr-defined]
    _wait_for(d, "Đã lưu")
    saved = d.find_element(By.ID, "f_summary").get_attribute("value")  # type: ignore[attr-defined]
    assert saved == "Trích lục khai sinh (bản sao)"

    d.get(base + "/upload")  # type: ignore[attr-defined]
    d.find_element(By.ID, "files").send_keys(str(SAMPLES / "xn-0001.pdf-text.pdf"))  # type: ignore[attr-defined]
    _shot(d, "05-tai-len")
    d.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()  # type: ignore[attr-defined]
    _wait_for(d, "Xong (lô", seconds=180)  # the page refreshes itself until the batch ends
    assert "1 đã lưu" in d.page_source  # type: ignore[attr-defined]
    _shot(d, "06-cac-lo")

    d.get(base + "/dashboard")  # type: ignore[attr-defined]
    _wait_for(d, "Tiến độ số hóa")
    assert d.find_elements(By.TAG_NAME, "meter")  # type: ignore[attr-defined]
    _shot(d, "07-tien-do")
    d.get(base + "/audit")  # type: ignore[attr-defined]
    _wait_for(d, "Nhật ký truy cập")
    _shot(d, "08-nhat-ky")
