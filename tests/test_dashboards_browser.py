"""The published dashboard site in a real browser (Debian's headless Chromium, driven by Playwright) with the
network off: no console errors, every chart rendered, the figures shown equal the warehouse's, the links work,
and it works from disk and from a plain web server. Screenshots of every page are kept as test artefacts
(NMG_TEST_ARTIFACTS, default test-artifacts/screenshots/)."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.dashboards.layout import PAGES
from dagster_project.settings import REPO_ROOT, get_settings
from tests.conftest import run_nightly

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("NMG_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts" / "screenshots"))


@pytest.fixture(scope="module")
def site(tmp_path_factory, fit_cache):
    """One nightly run (2,000 enterprises) whose site and published warehouse the tests read."""
    base = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {"NMG_DATA_DIR": base / "data", "NMG_DASHBOARDS_DIR": base / "dashboards",
                           "NMG_ENTERPRISES": 2000, "NMG_AS_OF": "2026-11-27", "NMG_CACHE_DIR": fit_cache,
                           "NMG_FORECAST_WORKERS": 1}.items():
            mp.setenv(key, str(value))
        assert run_nightly().success
        settings = get_settings()
        yield settings.dashboards_dir, settings.published_db


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `apt-get install chromium fonts-noto-cjk` (.ci/run does it)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, url: str, allowed_prefix: str):
    """A page with every request outside `allowed_prefix` refused (no network), and its errors collected."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = ctx.new_page()
    page.errors, page.refused = [], []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(allowed_prefix):
            return r.continue_()
        page.refused.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def yuan(page, test_id: str) -> Decimal:
    return Decimal(page.get_by_test_id(test_id).get_attribute("data-yuan"))


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_offline_without_errors(site, browser, name):
    out, _ = site
    page = open_page(browser, (out / name).as_uri(), "file://")
    charts = page.locator(".plotly-graph-div")
    assert charts.count() >= 1
    page.wait_for_function("n => document.querySelectorAll('.plotly-graph-div .main-svg').length >= n",
                           arg=charts.count())
    for i in range(charts.count()):  # every chart drew its plot area
        assert charts.nth(i).locator(".main-svg").count() >= 1
    assert page.errors == [] and page.refused == []
    assert page.locator("header h1").inner_text() == PAGES[name]
    stamp = page.locator("header .stamp").inner_text()
    assert re.search(r"运行编号 \S+ · 生成时间 .+ · 政策目录版本 [0-9a-f]{16}", stamp)
    assert "SELECT" in page.locator("footer pre").inner_text()  # how to reach the same figures
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name.removesuffix('.html')}.png"), full_page=True)
    page.context.close()


def test_figures_shown_equal_the_warehouse(site, browser):
    out, db = site
    with duckdb.connect(str(db), read_only=True) as conn:
        totals = dict(conn.execute("SELECT payment_year, sum(total_p50_yuan) FROM forecast.by_year_level "
                                   "GROUP BY 1").fetchall())
        banner, own = conn.execute("""SELECT l.beneficiary_region_code, sum(l.amount_yuan) FROM ledger.liabilities AS l
                                      JOIN ref.regions AS g ON g.region_code = l.beneficiary_region_code
                                      WHERE l.kind IN ('spending', 'programme') AND l.paying_level = 'banner'
                                        AND g.level IN ('banner', 'park')
                                      GROUP BY 1 ORDER BY 2 DESC LIMIT 1""").fetchone()
        doc = dict(conn.execute("SELECT document, sum(amount_yuan) FROM ledger.liabilities WHERE kind IN "
                                "('spending', 'programme') GROUP BY 1").fetchall())
        delta = conn.execute("""SELECT scenario, payment_year, paying_level, delta_yuan FROM scenarios.by_year_level
                                WHERE delta_yuan <> 0 ORDER BY abs(delta_yuan) DESC LIMIT 1""").fetchone()
        files = dict(conn.execute("""SELECT file, rows_in FROM audit.input_files
                                     WHERE run_id = (SELECT max_by(run_id, finished_at) FROM audit.runs)""").fetchall())
    page = open_page(browser, (out / "index.html").as_uri(), "file://")
    for year, total in totals.items():
        assert Decimal(page.get_by_test_id(f"headline-{year}").locator(".value").get_attribute("data-yuan")) == total
    page = open_page(browser, (out / "forecast.html").as_uri(), "file://")
    assert {y: yuan(page, f"fc-total-{y}") for y in totals} == totals
    page = open_page(browser, (out / "regions.html").as_uri(), "file://")
    assert yuan(page, f"banner-own-{banner}") == own
    page = open_page(browser, (out / "policies.html").as_uri(), "file://")
    assert yuan(page, "document-NMG2024") == doc["NMG2024"] and yuan(page, "document-ORD-TALENT") == doc["ORD-TALENT"]
    page = open_page(browser, (out / "scenarios.html").as_uri(), "file://")
    assert yuan(page, f"delta-{delta[0]}-{delta[1]}-{delta[2]}") == delta[3]
    page = open_page(browser, (out / "quality.html").as_uri(), "file://")
    assert {f: int(page.get_by_test_id(f"rows-in-{f}").inner_text().replace(",", "")) for f in files} == files


def test_links_between_pages_work(site, browser):
    out, _ = site
    page = open_page(browser, (out / "index.html").as_uri(), "file://")
    for name, title in PAGES.items():
        page.locator(f"header nav a[href='{name}']").click()
        page.wait_for_load_state("load")
        assert page.url.endswith(name) and page.locator("header h1").inner_text() == title
    for html_file in out.glob("*.html"):  # no link points to a page that does not exist
        for href in re.findall(r'href="([^"#:]+)"', html_file.read_text(encoding="utf-8")):
            assert (out / href).exists(), f"{html_file.name} links to missing {href}"


def test_the_site_works_from_a_plain_web_server(site, browser):
    out, _ = site
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        page = open_page(browser, base + "forecast.html", base)
        page.wait_for_selector("#forecast-fan .main-svg")
        assert page.errors == [] and page.refused == []
    finally:
        server.shutdown()
