"""What every dashboard page shares: the navigation, the run stamp, the level colours, money in 万元/亿元.

Pages load one shared, vendored plotly basic bundle (static/plotly-basic.min.js, scatter/bar/pie only, with its
zh-CN locale) instead of a CDN or an inlined copy, and end with the SQL that gives the same figures in the warehouse.
"""

from __future__ import annotations

import html
import json
import math
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import plotly.graph_objects as go

from ..settings import STATIC_DIR

LEVEL_ZH = {"central": "中央", "region": "自治区", "city": "盟市", "banner": "旗区"}
LEVEL_ORDER = tuple(LEVEL_ZH)  # the fiscal order every table, legend and stack follows: 中央 → 自治区 → 盟市 → 旗区
LEVEL_COLOUR = {"central": "#6b4c9a", "region": "#c0392b", "city": "#2471a3", "banner": "#229954"}  # every page
PAGES = {"index.html": "总览", "regions.html": "分地区", "policies.html": "分政策", "forecast.html": "预测",
         "scenarios.html": "情景分析", "quality.html": "数据质量"}
DOCUMENTS_PAGE = "documents.html"  # 政策原文 (documents.py): the index of the source documents, one text page each
NAV = {**PAGES, DOCUMENTS_PAGE: "政策原文"}  # the header's links; the chart pages are PAGES
KIND_ZH = {"spending": "财政支出（补贴、奖励）", "programme": "专项资金安排",
           "revenue_forgone": "减收（税费减免、让渡）", "equity": "股权投入（基金）",
           "revenue_inflow": "增收（生态补偿、资源税等）", "non_budget": "预算外（市场化补偿、电网费用）"}
SPENDING = "kind IN ('spending', 'programme')"  # budget spending: what the charts add up
WAREHOUSE_HINT = ("只读打开 data/warehouse/warehouse.duckdb，或本次运行的快照 "
                  "data/warehouse/snapshots/warehouse-{run_id}.duckdb")  # the footer's SQL block, not its prose
WORKBOOK_STABLE = "政策兑现测算.xlsx"  # the nightly workbook (workbook.py) beside the pages, under a fixed name too


_DOC_NAMES: dict[str, str] = {}  # document code -> short Chinese name, from catalogue.documents (load_doc_names)


def load_doc_names(conn: duckdb.DuckDBPyConnection) -> None:
    """Read every document's short name (catalogue.documents.short_title) once, before the pages are built."""
    _DOC_NAMES.clear()
    try:
        rows = conn.execute("SELECT document, short_title FROM catalogue.documents WHERE short_title <> ''").fetchall()
    except duckdb.Error:  # a warehouse written before short titles existed: the codes are shown
        return
    _DOC_NAMES.update(dict(rows))


def doc_name(code: str) -> str:
    """The name a leader recognises (自治区2024年产业政策清单) for a document code (NMG2024); the code if none."""
    return _DOC_NAMES.get(code, code)


def workbook_file(run: dict) -> str:
    """This run's workbook, 政策兑现测算_<data date>.xlsx, in the same site folder as the pages."""
    return f"政策兑现测算_{run['as_of']}.xlsx"


def write_static(out: Path) -> None:
    """static/: the style, tables.js and the vendored plotly basic bundle with its zh-CN locale (assets/vendor/,
    see assets/README.md); the full plotly.min.js an earlier version wrote is removed, no page refers to it."""
    static = out / "static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "plotly.min.js").unlink(missing_ok=True)
    for f in [*STATIC_DIR.glob("*.css"), *STATIC_DIR.glob("*.js"), *(STATIC_DIR / "vendor").glob("*.js")]:
        shutil.copy2(f, static / f.name)


def has_table(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                        [schema, name]).fetchone()[0] > 0


def focus_year(conn: duckdb.DuckDBPyConnection, run: dict) -> int | None:
    """'Next year' on every page: the budget year after the data date (in December 2026 the bureau plans 2027)
    when the forecast covers it, else the first forecast year; None without a forecast."""
    if not has_table(conn, "forecast", "by_year_level"):
        return None
    found = conn.execute("SELECT DISTINCT payment_year FROM forecast.by_year_level ORDER BY 1").fetchall()
    years = [y for (y,) in found]
    following = date.fromisoformat(str(run["as_of"])[:10]).year + 1
    return following if following in years else (years[0] if years else None)


def year_word(year: int | None, run: dict) -> str:
    """'明年（2027年）' or '今年（2026年）' against the run's data date, else '2028年'."""
    if year is None:
        return "全部年度"
    this = date.fromisoformat(str(run["as_of"])[:10]).year
    return {this: f"今年（{year}年）", this + 1: f"明年（{year}年）"}.get(year, f"{year}年")


def wan(yuan) -> str:
    """元 → 万元 with thousands separators, as the bureau's budget tables show money."""
    return f"{float(yuan or 0) / 10000:,.2f}"


def yi(yuan) -> str:
    return f"{float(yuan or 0) / 1e8:,.2f}"


def money_td(yuan, test_id: str | None = None) -> str:
    """A table cell in 万元 that carries the exact amount in 元 (data-yuan) for hover-free checking."""
    tid = f' data-testid="{html.escape(test_id)}"' if test_id else ""
    return f'<td data-yuan="{yuan or 0}"{tid} title="{exact_yuan(yuan)} 元">{wan(yuan)}</td>'


def exact_yuan(yuan) -> str:
    """The exact amount in 元 with thousands separators (Decimal, never through a float: 0.1 stays 0.10)."""
    return f"{Decimal(str(yuan or 0)):,.2f}"


def level_name(level: str) -> str:
    return "合计" if level == "all" else LEVEL_ZH.get(level, level)


def level_rank(level: str | None) -> int:
    """Sort key of a level in the fiscal order; the total ('all') first, anything unknown last."""
    return -1 if level == "all" else LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def level_sql(column: str = "paying_level") -> str:
    """ORDER BY term for the fiscal order (alphabetical order would put 旗区 first): as level_rank, in SQL."""
    cases = " ".join(f"WHEN '{lvl}' THEN {i}" for i, lvl in enumerate(LEVEL_ORDER))
    return f"CASE {column} WHEN 'all' THEN -1 {cases} ELSE {len(LEVEL_ORDER)} END"


def yi_rounded(yuan, low, high) -> tuple[str, str, str]:
    """A headline in 亿元 as precise as its interval allows: the bounds to about a tenth of the interval's width,
    the median one digit finer (a band of 62–84 亿 gives 69.6 and 62–84); two decimals when there is no width."""
    width = (float(high or 0) - float(low or 0)) / 1e8
    bounds = min(max(-math.floor(math.log10(width / 10)), 0), 3) if width > 0 else 2
    median = min(bounds + 1, 3) if width > 0 else 2
    return (f"{float(yuan or 0) / 1e8:,.{median}f}", f"{float(low or 0) / 1e8:,.{bounds}f}",
            f"{float(high or 0) / 1e8:,.{bounds}f}")


PLOTLY_SCRIPTS = ('<script src="static/plotly-basic.min.js"></script>'
                  '<script src="static/plotly-locale-zh-cn.js"></script>')
# Chinese tool tips, no logo, redrawn when the window changes; no "Share chart" (it uploads) or lasso tools.
PLOTLY_CONFIG = {"locale": "zh-CN", "displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["sendChartToCloud", "select2d", "lasso2d"]}


def chart(fig: go.Figure, div_id: str, title: str, height: int = 480) -> str:
    """A chart card as wide as its card (autosize, no fixed width, so it fits a phone) and `height` px tall;
    numbers as the bureau writes them (1,234.5: '.' decimal, ',' thousands). The title is a heading above the
    chart, not Plotly's, so a long title wraps on a narrow screen instead of running off it."""
    fig.update_layout(title=None, template="plotly_white", height=height, width=None, autosize=True,
                      font={"size": 15}, separators=".,", hoverlabel={"font_size": 15})
    if fig.layout.margin.t is None and not fig.layout.updatemenus:  # no Plotly title above the plot any more
        fig.update_layout(margin={"t": 36})
    div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG,
                      default_width="100%")
    heading = html.escape(title).replace("&lt;br&gt;", "<br>")
    return f'<div class="card chart"><h3 class="chart-title">{heading}</h3>{div}</div>'


def table(head: list[str], rows: list[str], table_id: str, *, filters: dict[str, str | None] | None = None,
          search: bool = False) -> str:
    """A table static/tables.js makes sortable (every header), exportable (导出CSV) and, when asked, filterable:
    `filters` maps a header to the value preselected in its <select> (None = 全部), `search` adds a search box.
    Without JavaScript it stays a plain table; the wrapper scrolls sideways on a phone instead of the page."""
    unknown = set(filters or {}) - set(head)
    if unknown:
        raise ValueError(f"表格 {table_id} 的筛选列 {sorted(unknown)} 不在表头 {head} 中")
    heads = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    attrs = f' data-filters="{html.escape(json.dumps(filters, ensure_ascii=False))}"' if filters else ""
    attrs += ' data-search="1"' if search else ""
    return (f'<div class="table-block" data-table="{html.escape(table_id)}"{attrs}><div class="table-wrap">'
            f"<table id='{table_id}'><thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</div></div>")


def collapsible(summary: str, inner_html: str, open_: bool = False) -> str:
    """A long table or note folded under a one-line summary (a <details>, so it needs no JavaScript)."""
    return (f'<details class="collapsible"{" open" if open_ else ""}><summary>{html.escape(summary)}</summary>'
            f"{inner_html}</details>")


def page(name: str, body: str, run: dict, sql: str, *, section: str | None = None, heading: str | None = None,
         charts: bool = True, css: tuple[str, ...] = ()) -> str:
    """A whole page. `section`: the header link it belongs to (default `name`; a document's text page: the 政策原文
    index), `heading`: its h1 (default that link's name); charts=False leaves out the Plotly scripts (text pages);
    `css`: further style sheets in static/ after style.css."""
    section = section or name
    heading = heading or NAV[section]
    title = f"{heading} · 政策成本测算"
    nav = "".join(f'<a href="{f}"{" class=current" if f == section else ""}>{html.escape(t)}</a>'
                  for f, t in NAV.items())
    nav += f'<a href="{html.escape(workbook_file(run))}" download id="workbook-link">下载Excel</a>'
    stamp = (f"运行编号 <span id='run-id'>{html.escape(run['run_id'])}</span> · 生成时间 "
             f"{html.escape(run['generated_at'])} · 政策目录版本 <span id='catalogue-version'>"
             f"{html.escape(run['catalogue_version'])}</span> · 数据截至 {html.escape(run['as_of'])}")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="static/style.css">{"".join(f'<link rel="stylesheet" href="static/{c}">' for c in css)}
{PLOTLY_SCRIPTS if charts else ""}<script src="static/tables.js" defer></script></head>
<body><header><h1>{html.escape(heading)}</h1><nav>{nav}</nav><div class="stamp">{stamp}</div></header>
<main>{body}</main>
<footer><p>金额单位：万元（鼠标停在表格金额上显示精确到元的金额；导出的表格另有一列元）。</p>
<p>本页数据为合成示例数据，不是真实登记数据。本页的数字可在只读发布的数据仓库（或本次运行的快照）中用下面的查询核对：</p>
<pre><code>-- {html.escape(WAREHOUSE_HINT.format(run_id=run['run_id']))}
{html.escape(sql)}</code></pre></footer></body></html>"""
