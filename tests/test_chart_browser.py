"""The served chart in headless Chromium: token, dashboard → client → note, search, no other host."""

from __future__ import annotations

import re
import shutil
import signal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.test_chart_helpers import make_practice
from tests.test_chart_server import start_serve

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

import playwright.sync_api as playwright  # noqa: E402  (a test extra: missing means a broken setup)


@pytest.fixture(autouse=True)
def _chromium_installed() -> None:
    """The browser test never skips: CI installs Debian's chromium (`make system-deps`)."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make system-deps`"


def test_browse_follow_search_and_stay_local(tmp_path: Path) -> None:
    root = tmp_path / "p"
    made = make_practice(root)
    proc, private, url = start_serve(root)
    shots = tmp_path / "shots"
    shots.mkdir()
    port = urlsplit(url).port
    requests: list[str] = []
    errors: list[str] = []
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            page.goto(url)
            assert "token=" not in page.url  # exchanged for a cookie
            page.wait_for_selector("text=Active caseload")
            page.screenshot(path=str(shots / "dashboard.png"))
            shutil.copy(shots / "dashboard.png", "/tmp/chart-dashboard.png")

            page.click("table a:text('C0001')")
            page.wait_for_selector("text=Face sheet")
            assert page.locator("svg.ck-trend").count() >= 1
            page.screenshot(path=str(shots / "client.png"), full_page=True)

            note = made["broken"]
            page.click(f"table.ck-timeline a[href$='{Path(note).stem}/']")
            page.wait_for_selector("#problems")
            assert "CK202" in page.inner_text("#problems")
            page.screenshot(path=str(shots / "note.png"), full_page=True)

            page.click("a[data-bs-target='#mkdocs_search_modal']")
            page.wait_for_selector("#mkdocs-search-query", state="visible")
            page.locator("#mkdocs-search-query").press_sequentially("homework", delay=20)
            page.wait_for_selector("#mkdocs-search-results article a", timeout=20000)
            hits = page.locator("#mkdocs-search-results article").count()
            assert hits > 0
            page.screenshot(path=str(shots / "search.png"))
            page.locator("#mkdocs-search-results article a").first.click()
            page.wait_for_load_state()
            assert "/notes/" in page.url

            base = url.split("?", 1)[0]
            page.goto(base + "clients/C0001/print/")
            records = page.locator("section.ck-print-record").count()
            pdf = page.pdf(path=str(shots / "C0001-chart.pdf"))  # print media: one record a page
            assert records >= 3
            assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= records + 1
            browser.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    hosts = {urlsplit(u).netloc for u in requests if not u.startswith(("data:", "about:"))}
    assert hosts == {f"127.0.0.1:{port}"}, hosts
    csp = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
    assert not csp, csp
    assert not private.exists()
    assert all((shots / n).stat().st_size > 1000 for n in ("dashboard.png", "note.png", "search.png"))
