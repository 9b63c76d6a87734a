"""Page weights and load times of a dashboard site: `python bench/page_weights.py <site-dir> [runs]`.

For every page (*.html) of the folder: the bytes the browser loads (the page and every file it requests: scripts,
styles), and the load time in headless Chromium from disk with the network off, from navigation until the `load`
event has fired and every Plotly chart (.plotly-graph-div) has drawn; the median of `runs` (default 3) cold loads,
each in a new browser context (no browser cache; the operating system's file cache stays warm). Prints a Markdown
table. Timings depend on the machine and its load: compare sites measured on the same machine at the same time.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ORDER = ["index.html", "regions.html", "policies.html", "forecast.html", "scenarios.html", "quality.html"]
CHARTS_DRAWN = ("() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('.main-svg'))")


def pages(site: Path) -> list[Path]:
    found = {p.name: p for p in site.glob("*.html")}
    return [found[n] for n in ORDER if n in found] + [p for n, p in sorted(found.items()) if n not in ORDER]


def load_once(browser, page_path: Path) -> tuple[float, dict[str, int]]:
    """One cold load: seconds until loaded and drawn, and the size of every file the page requested."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = ctx.new_page()
    files: dict[str, int] = {}

    def route(r):
        url = r.request.url
        if not url.startswith("file://"):
            return r.abort()  # network off: a page that needs it shows up as a failed chart, not a quick load
        path = Path(unquote(urlparse(url).path))
        files[path.name if path.parent.name != "static" else f"static/{path.name}"] = path.stat().st_size
        return r.continue_()

    page.route("**/*", route)
    start = time.perf_counter()
    page.goto(page_path.absolute().as_uri(), wait_until="load")
    page.wait_for_function(CHARTS_DRAWN, timeout=120_000)
    seconds = time.perf_counter() - start
    ctx.close()
    return seconds, files


def measure(site: Path, runs: int = 3, browser=None) -> list[dict]:
    """Every page's bytes and median load time; `browser`: an open Playwright browser to reuse (a test's), else
    one is launched here (Playwright's sync API allows one per thread)."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            own = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                return measure(site, runs, own)
            finally:
                own.close()
    rows = []
    for page_path in pages(site):
        times, files = [], {}
        for _ in range(runs):
            seconds, files = load_once(browser, page_path)
            times.append(seconds)
        rows.append({"page": page_path.name, "bytes": sum(files.values()), "files": files,
                     "median_s": statistics.median(times), "times": times})
    return rows


def markdown(rows: list[dict], site: Path) -> str:
    out = [f"Site `{site}` ({len(rows)} pages, median of {len(rows[0]['times']) if rows else 0} cold loads)", "",
           "| Page | Bytes loaded | Largest file | Load time, median (s) | Loads (s) |", "|---|---:|---|---:|---|"]
    for r in rows:
        name, size = max(r["files"].items(), key=lambda kv: kv[1])
        out.append(f"| {r['page']} | {r['bytes']:,} | {name} ({size:,}) | {r['median_s']:.2f} | "
                   + ", ".join(f"{t:.2f}" for t in r["times"]) + " |")
    if rows:
        out.append(f"| all pages | {sum(r['bytes'] for r in rows):,} | | "
                   f"{sum(r['median_s'] for r in rows):.2f} (sum) | |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not Path(argv[1]).is_dir():
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    site = Path(argv[1])
    print(markdown(measure(site, int(argv[2]) if len(argv) > 2 else 3), site))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
