"""The published dashboard site in a real browser (Debian's headless Chromium, driven by Playwright) with the
network off: no console errors, every chart rendered, the figures shown equal the warehouse's, the links work,
and it works from disk and from a plain web server; every page is in Chinese (a handful of ASCII words at most
outside code blocks and rule ids), fits a 390 px phone without sideways scrolling and lists levels in the fiscal
order 中央 → 自治区 → 盟市 → 旗区; the tables filter, sort, search and export. Screenshots of every page at desktop
(1366×768) and phone (390×844) size are kept as test artefacts (NMG_TEST_ARTIFACTS, default
test-artifacts/screenshots/<page>-desktop.png and <page>-phone.png)."""

from __future__ import annotations

import csv
import functools
import http.server
import importlib.util
import io
import os
import re
import shutil
import threading
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.dashboards.documents import page_name
from dagster_project.dashboards.layout import DOCUMENTS_PAGE, PAGES
from dagster_project.settings import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("NMG_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts" / "screenshots"))
DESKTOP, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}
MAX_ASCII_WORDS = 5  # "a handful": a stray label, never a reason, a description or a field name in English
FILE_FORMATS = {"CSV", "Excel"}  # the names of the files the site hands out (下载Excel, 导出CSV), not English prose
RULE_ID = re.compile(r"[A-Z][A-Z0-9-]*-\d+[A-Z0-9]*")  # NMG2024-11A, ORD-FTRADE-07: identifiers, like code
HEX_ID = re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b|\b[0-9a-f]{16,64}\b")  # run ids, hashes
ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def site(nightly_site):
    """The session's shared nightly run (tests/conftest.py): its site folder and published warehouse, read only."""
    return nightly_site


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():  # make test installs it when it may (scripts/browser-deps.sh); CI requires it
        why = "Debian's chromium is not installed: `apt-get install chromium fonts-noto-cjk` (scripts/browser-deps.sh)"
        pytest.fail(why) if os.environ.get("NMG_REQUIRE_BROWSER") == "1" else pytest.skip(why)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, url: str, allowed_prefix: str, viewport: dict = DESKTOP):
    """A page with every request outside `allowed_prefix` refused (no network), and its errors collected."""
    ctx = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
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


def charts_drawn(page) -> None:
    """Wait until every Plotly chart of the page has drawn its plot area."""
    page.wait_for_function("() => [...document.querySelectorAll('.plotly-graph-div')]"
                           ".every(d => d.querySelector('.main-svg'))")


# The page's text as a reader meets it: tables (every row, also those a filter hides or a folded section holds),
# headings, notes and the charts' own text (axes, legends); not the SQL and code blocks, the run stamp's
# identifiers, the options of the tables' selectors (copies of cell texts), scripts and styles.
READER_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('script, style, pre, code, select, noscript, template, #run-id, #catalogue-version')
      .forEach(e => e.remove());
  const walk = document.createTreeWalker(body, NodeFilter.SHOW_TEXT), parts = [];
  while (walk.nextNode()) parts.push(walk.currentNode.nodeValue);
  return parts.join(' ');  // one text node's words never run into the next cell's
}"""


def ascii_words(text: str) -> list[str]:
    text = HEX_ID.sub(" ", RULE_ID.sub(" ", text))
    return [w for w in ASCII_WORD.findall(text) if w not in FILE_FORMATS]


# Every place that lists levels, read in the order a reader meets them, with what is out of the fiscal order:
# table headers (each run of adjacent headers starting with a level's name, after the first column, which names
# the rows: 旗区（园区）, 盟市), the rows of a level column (one whose header names
# 层级, or whose cells are all level names) within each group of equal cells to its left, the items of every
# chart legend (top to bottom, left to right) and any element marked data-level-order.
LEVEL_ORDER_PROBLEMS = """() => {
  const LV = ['中央', '自治区', '盟市', '旗区'];
  const starts = t => LV.findIndex(l => t.trim().startsWith(l));
  const exact = t => LV.indexOf(t.trim());
  const sorted = seq => seq.every((v, i) => i === 0 || v >= seq[i - 1]);
  const problems = [];
  document.querySelectorAll('table').forEach(tab => {
    const heads = [...(tab.tHead ? tab.tHead.rows[0].cells : tab.rows[0].cells)].map(c => c.textContent.trim());
    let run = [];
    heads.slice(1).concat(['']).forEach(h => {
      if (starts(h) >= 0) { run.push(h); return; }
      if (!sorted(run.map(starts))) problems.push(`表 ${tab.id} 的表头：${run.join('、')}`);
      run = [];
    });
    const rows = [...tab.tBodies].flatMap(b => [...b.rows]);
    heads.forEach((h, col) => {
      const cells = rows.map(r => r.cells[col]).filter(c => c && c.textContent.trim());
      const levelCells = cells.filter(c => exact(c.textContent) >= 0);
      const isLevelColumn = /层级/.test(h) || (levelCells.length === cells.length &&
                            new Set(levelCells.map(c => c.textContent.trim())).size >= 2);
      if (!isLevelColumn) return;
      const groups = new Map();
      rows.forEach(r => {
        if (!r.cells[col] || exact(r.cells[col].textContent) < 0) return;
        const key = [...r.cells].slice(0, col).map(c => c.textContent.trim()).join('|');
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(r.cells[col].textContent.trim());
      });
      groups.forEach((seq, key) => {
        if (!sorted(seq.map(exact))) problems.push(`表 ${tab.id} 的「${h}」列（${key || '全表'}）：${seq.join('、')}`);
      });
    });
  });
  document.querySelectorAll('.js-plotly-plot').forEach(gd => {
    const items = [...gd.querySelectorAll('.legend .traces')].map(t => {
      const r = t.getBoundingClientRect();
      return {top: Math.round(r.top), left: r.left, text: t.textContent.trim()};
    }).sort((a, b) => a.top - b.top || a.left - b.left);
    const named = items.filter(i => starts(i.text) >= 0);
    if (!sorted(named.map(i => starts(i.text))))
      problems.push(`图 ${gd.id} 的图例：${named.map(i => i.text).join('、')}`);
  });
  document.querySelectorAll('[data-level-order]').forEach(e => {
    const seq = e.textContent.match(/中央|自治区|盟市|旗区/g) || [];
    if (!sorted(seq.map(exact))) problems.push(`${e.tagName} ${e.id}：${seq.join('、')}`);
  });
  return problems;
}"""


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
    page.screenshot(path=str(ARTIFACTS / f"{name.removesuffix('.html')}-desktop.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_is_in_chinese(site, browser, name):
    out, _ = site
    page = open_page(browser, (out / name).as_uri(), "file://")
    charts_drawn(page)
    words = ascii_words(page.evaluate(READER_TEXT))
    page.context.close()
    assert len(words) <= MAX_ASCII_WORDS, f"{name}：{len(words)} 个英文词：{' '.join(words[:200])}"


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_a_phone(site, browser, name):
    out, _ = site
    page = open_page(browser, (out / name).as_uri(), "file://", PHONE)
    charts_drawn(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name.removesuffix('.html')}-phone.png"), full_page=True)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap, pre'))
        .slice(0, 8).map(e => `${e.tagName}.${e.getAttribute('class') || ''} ${(e.textContent || '').slice(0, 30)}`)""")
    assert page.errors == []
    page.context.close()
    assert width <= inner, f"{name} 在 {inner} px 宽的手机上横向溢出到 {width} px：{wide}"


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_lists_levels_in_fiscal_order(site, browser, name):
    out, _ = site
    page = open_page(browser, (out / name).as_uri(), "file://")
    charts_drawn(page)
    problems = page.evaluate(LEVEL_ORDER_PROBLEMS)
    page.context.close()
    assert problems == [], f"{name} 的层级不按 中央、自治区、盟市、旗区 排列：{problems}"


def _document_pages() -> list[str]:
    """The 政策原文 index and one page per source document of seeds/catalogue (found by the files' `document:` line,
    so collecting the tests loads no catalogue)."""
    found = {m.group(1) for path in (REPO_ROOT / "seeds" / "catalogue").glob("*.yaml")
             if (m := re.search(r"^document:\s*(\S+)", path.read_text(encoding="utf-8"), re.M))}
    return [DOCUMENTS_PAGE] + [page_name(d) for d in sorted(found)]


@pytest.mark.parametrize("name", _document_pages())
def test_every_document_page_loads_and_fits_a_phone(site, browser, name):
    """政策原文 pages: no console error, nothing wider than a 390 px phone (long lines wrap), levels in the fiscal
    order, and the anchors work both ways: a line's entry link lands on the entry, the entry's line link on the line."""
    out, _ = site
    page = open_page(browser, (out / name).as_uri(), "file://", PHONE)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name.removesuffix('.html')}-phone.png"))
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap, pre'))
        .slice(0, 8).map(e => `${e.tagName}.${e.getAttribute('class') || ''} ${(e.textContent || '').slice(0, 30)}`)""")
    problems = page.evaluate(LEVEL_ORDER_PROBLEMS)
    assert page.errors == [] and page.refused == []
    assert width <= inner, f"{name} 在 {inner} px 宽的手机上横向溢出到 {width} px：{wide}"
    assert problems == [], f"{name} 的层级不按 中央、自治区、盟市、旗区 排列：{problems}"
    link = page.locator(".l.c a.r").first
    if name != DOCUMENTS_PAGE and link.count():
        rule = link.get_attribute("href")
        link.click()
        assert page.evaluate("location.hash") == rule and page.locator(f"[id='{rule[1:]}']").is_visible()
        back = page.locator(f"[id='{rule[1:]}'] a.lines-link")
        target = back.get_attribute("href")
        back.click()
        assert page.evaluate("location.hash") == target and page.locator(f"[id='{target[1:]}']").is_visible()
    page.context.close()


def test_the_document_index_links_every_document_and_the_text_outside_them(site, browser):
    out, db = site
    with duckdb.connect(str(db), read_only=True) as conn:
        docs = [d for (d,) in conn.execute("SELECT document FROM catalogue.documents ORDER BY line_first").fetchall()]
    page = open_page(browser, (out / DOCUMENTS_PAGE).as_uri(), "file://")
    hrefs = page.locator("#documents a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    outside = page.locator("main li a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    page.context.close()
    assert hrefs == [page_name(d) for d in docs] and len(docs) == len(_document_pages()) - 1
    assert outside and {p.name for p in out.glob("text-*.html")} == set(outside)
    for name in outside:  # the text outside every document (the talent annex) loads and fits a phone too
        page = open_page(browser, (out / name).as_uri(), "file://", PHONE)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert page.errors == [] and width <= inner, name
        page.context.close()


def rows_shown(block) -> tuple[int, int]:
    shown, total = re.fullmatch(r"显示 (\d+) / (\d+) 行", block.locator(".row-count").inner_text()).groups()
    assert int(shown) == block.locator("tbody tr:visible").count()
    return int(shown), int(total)


def test_a_table_filters_sorts_searches_and_exports(site, browser):
    """On the first table with a year selector: the year filters the rows, a header click sorts them (again:
    the other way), the search box narrows them, and 导出CSV downloads the rows shown, with a BOM and the header."""
    out, _ = site
    for name in PAGES:
        page = open_page(browser, (out / name).as_uri(), "file://")
        year = page.locator(".table-tools select[data-column$='年度']")
        if year.count():
            break
        page.context.close()
    else:
        pytest.fail("没有一个表格有年度选择（layout.table(..., filters={'支付年度': ...})）")
    year = year.first
    block = page.locator(".table-block").filter(has=year).first
    column = year.get_attribute("data-column")
    heads = block.locator("thead th").all_inner_texts()
    col = heads.index(column)
    year.select_option("")
    shown, total = rows_shown(block)
    assert shown == total > 0
    years = [v for v in year.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
    assert len(years) >= 2, f"{name} 的{column}只有 {years}"
    year.select_option(years[-1])
    shown, _ = rows_shown(block)
    cells = block.locator(f"tbody tr:visible td:nth-child({col + 1})").all_inner_texts()
    assert 0 < shown < total and set(cells) == {years[-1]}

    money = next(i for i in range(len(heads)) if block.locator(f"tbody tr:visible td:nth-child({i + 1})[data-yuan]")
                 .count() == shown)
    header = block.locator(f"thead th:nth-child({money + 1})")

    def amounts() -> list[Decimal]:
        rows = block.locator("tbody tr:visible").evaluate_all(
            f"rs => rs.filter(r => ![...r.cells].some(c => /(合计|小计)$/.test(c.textContent.trim())))"
            f".map(r => r.cells[{money}].getAttribute('data-yuan'))")
        return [Decimal(v) for v in rows]
    before = amounts()
    header.click()
    assert amounts() == sorted(before) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert amounts() == sorted(before, reverse=True) and header.get_attribute("aria-sort") == "descending"

    search = block.locator("input[type=search]")
    if search.count():
        word = block.locator("tbody tr:visible td").nth(1).inner_text()[:2]
        search.fill(word)
        narrowed, _ = rows_shown(block)
        assert 0 < narrowed <= shown
        assert all(word in t for t in block.locator("tbody tr:visible").all_inner_texts())
        shown = narrowed

    shown_yuan = [Decimal(v) for v in block.locator(f"tbody tr:visible td:nth-child({money + 1})")
                  .evaluate_all("cs => cs.map(c => c.getAttribute('data-yuan'))")]
    with page.expect_download() as download:
        block.locator("button.csv-export").click()
    data = Path(download.value.path()).read_bytes().decode("utf-8")
    page.context.close()
    assert data.startswith("\ufeff"), "导出的CSV没有BOM，Excel会把中文读成乱码"
    lines = list(csv.reader(io.StringIO(data.removeprefix("\ufeff"))))
    assert all(any(h.startswith(name) for h in lines[0]) for name in heads) and len(lines) == shown + 1
    exact = lines[0].index(heads[money].replace("万元", "元") if "万元" in heads[money] else f"{heads[money]}（元）")
    assert [r[col] for r in lines[1:]] == [years[-1]] * shown
    assert [Decimal(r[exact]) for r in lines[1:]] == shown_yuan  # exact 元, in the order shown


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
        # 'next year' of a run dated 2026-11-27 is 2027: its total and each level (the median path), and its
        # costliest policy (committed + forecast median)
        levels = dict(conn.execute("""SELECT paying_level, total_p50_yuan FROM forecast.bands WHERE scope = 'level'
                                      AND variant = 'with_renewal' AND payment_year = 2027""").fetchall())
        rule, rule_yuan = conn.execute("""SELECT rule_id, sum(amount_p50) FROM forecast.liabilities
                                          WHERE kind IN ('spending', 'programme') AND payment_year = 2027
                                          GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""").fetchone()
    page = open_page(browser, (out / "index.html").as_uri(), "file://")
    for year, total in totals.items():
        assert Decimal(page.get_by_test_id(f"headline-{year}").locator(".value").get_attribute("data-yuan")) == total
    assert yuan(page, "next-total") == totals[2027] == sum(levels.values())
    assert {lvl: yuan(page, f"next-level-{lvl}") for lvl in levels} == levels and len(levels) == 4
    page.context.close()
    page = open_page(browser, (out / "policies.html").as_uri(), "file://")
    assert yuan(page, f"next-rule-{rule}") == rule_yuan
    assert yuan(page, "policies-year-total") == totals[2027]
    page.context.close()
    page = open_page(browser, (out / "regions.html").as_uri(), "file://")
    assert yuan(page, "year-total-2027") == totals[2027]
    page.context.close()
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


def test_pages_stay_light(site, browser):
    """bench/page_weights.py keeps working, and no page loads more than 2 MB (the full plotly.min.js was 4.8)."""
    spec = importlib.util.spec_from_file_location("page_weights", REPO_ROOT / "bench" / "page_weights.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out, _ = site
    rows = bench.measure(out, runs=1, browser=browser)
    assert [r["page"] for r in rows[:len(PAGES)]] == list(PAGES)
    for r in rows[:len(PAGES)]:
        assert {"static/plotly-basic.min.js", "static/plotly-locale-zh-cn.js", "static/tables.js"} <= set(r["files"])
        assert "static/plotly.min.js" not in r["files"] and r["bytes"] < 2_000_000 and r["median_s"] > 0
    texts = rows[len(PAGES):]  # 政策原文: plain HTML, no charts, the longest text about 2,500 lines
    assert {r["page"] for r in texts} == {p.name for p in out.glob("*.html")} - set(PAGES)
    assert len(texts) >= len(_document_pages())
    for r in texts:
        assert not any("plotly" in f for f in r["files"]) and r["bytes"] < 1_000_000, r["page"]
    assert "| index.html |" in bench.markdown(rows, out)
