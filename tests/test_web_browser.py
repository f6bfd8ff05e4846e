"""The desk in a real browser: Playwright (pinned in ``pyproject.toml``) driving Debian's headless
Chromium by its executable path, ``/usr/bin/chromium`` (nothing is downloaded: never
``playwright install``), against ``sohoa serve`` on a real archive.

A person logs in, searches a name typed without diacritics, opens the document and its page
image, corrects a field and accepts the card with "save and next", uploads a file and watches it
finish, and opens the dashboard and the audit trail. Screenshots of every page go to
``test-output/screenshots/`` (git-ignored) for a person to look at. A missing Chromium is a
failure, never a skip: ``bash scripts/run.sh test`` installs it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SAMPLES
from tests.desk_support import PASSWORD, Desk, make_desk

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "screenshots"
#: The first page and the upload's end wait on the server (an ingest under load): generous.
SLOW_MS = 180_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(home: Path) -> tuple[subprocess.Popen[str], str]:
    """``sohoa serve`` on ``home`` on a free port, once it accepts connections."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "SOHOA_USER"}
    server = subprocess.Popen(
        [sys.executable, "-m", "sohoa.cli", "--home", str(home), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            assert server.poll() is None, server.stderr.read() if server.stderr else "sohoa serve exited"
            time.sleep(0.2)
    server.kill()
    pytest.fail("sohoa serve did not accept connections within 30 s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Desk]]:
    desk = make_desk(tmp_path_factory.mktemp("browser") / "home")
    server, base = _serve(desk.home)
    yield base, desk
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (bash scripts/run.sh test installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    # headless Chromium sends Accept-Language en-US whatever --lang says, and the desk follows that
    # header (cookie first): the context asks for Vietnamese so the pages are the clerks' language
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _log_in(page: Any, base: str, name: str, then: str = "/search") -> None:
    page.goto(base + then)
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(re.escape(then) + r"$"))


def test_smoke_the_login_page_renders_in_chromium(tmp_path: Path, page: Any) -> None:
    """Fast (an empty archive, no ingest): Chromium starts, the desk answers, the login page is
    Vietnamese and keyboard-first."""
    server, base = _serve(tmp_path / "home")
    try:
        page.goto(base + "/search")
        assert "Đăng nhập" in page.title()
        assert page.get_attribute("html", "lang") == "vi"
        assert page.locator("a.skip").get_attribute("href") == "#noi-dung"  # the skip link, first in the body
        assert page.evaluate("document.activeElement.id") == "name"  # the cursor waits in the name field
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_log_in_search_correct_accept_upload_dashboard_and_audit(served: tuple[str, Desk], page: Any) -> None:
    base, desk = served
    page.goto(base + "/search")
    _shot(page, "01-dang-nhap")
    _log_in(page, base, "root")
    assert page.locator("h1").inner_text() == "Tra cứu kết quả"

    page.fill("#q", "nguyen tien luong")
    page.press("#q", "Enter")
    page.wait_for_selector("text=1 kết quả")
    marks = page.locator("ol.hits mark").all_inner_texts()
    assert any("LƯỢNG" in m.upper() for m in marks), marks
    _shot(page, "02-tra-cuu")

    page.click(f'a[href="/documents/{desk.lien_bao_doc}"]')
    page.wait_for_selector("text=Nguyễn Tiến Lượng")
    assert "19/10/2017" in page.content()
    image = page.locator(".pages-col img").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=image.element_handle())
    _shot(page, "03-van-ban")

    page.goto(f"{base}/review/{desk.lien_bao_doc}")
    page.fill("#f_summary", "Trích lục khai sinh (bản sao)")
    _shot(page, "04-kiem-tra")
    page.click('button[value="next"]')  # "save, accept and next": the queue's next card, or its end
    page.wait_for_url(re.compile(r"/review(/\d+|\?done=1)$"))
    _shot(page, "05-phieu-tiep")
    page.goto(f"{base}/documents/{desk.lien_bao_doc}")
    assert "Trích lục khai sinh (bản sao)" in page.content()

    page.goto(base + "/upload")
    page.fill("#unit", "")
    page.type("#unit", "lien b")  # type-ahead: the list narrows to the units matching, no diacritics needed
    page.wait_for_function(
        "() => [...document.querySelectorAll('#unit-choices option')].map(o => o.value).join('|')"
        " === 'Phường Liên Bảo'"
    )
    page.fill("#unit", "lien bao")  # a typed name works as well as a picked one (resolved on the server)
    page.set_input_files("#files", str(SAMPLES / "xn-0001.pdf-text.pdf"))
    _shot(page, "06-tai-len")
    page.click("form.card button[type=submit]")
    # With scripts on, the <noscript> refresh is inert: only desk.js polling /api/jobs (read from the
    # database) and reloading at the job's end brings the outcome in.
    page.wait_for_selector("text=Xong (lô", timeout=SLOW_MS)
    assert "1 đã lưu" in page.content()
    _shot(page, "07-cac-lo")

    page.goto(base + "/dashboard")
    page.wait_for_selector("h1:has-text('Tiến độ số hóa')")
    assert page.locator("meter").count() > 0
    assert page.locator("#theo-tuan").is_visible() and page.locator("table.trend tbody tr").count() > 0
    _shot(page, "08-tien-do")

    page.goto(f"{base}/audit?document={desk.lien_bao_doc}")
    page.wait_for_selector("h1:has-text('Nhật ký truy cập')")
    rows = page.locator("table.list tbody tr").all_inner_texts()
    assert any("root" in r and "sửa trường" in r for r in rows), rows  # the correction, by its author
    _shot(page, "09-nhat-ky")
