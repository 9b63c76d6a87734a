"""分地区: drill-down region → city → banner of what the policies pay for beneficiaries there, and per banner what
the banner pays itself and what higher levels pay for it."""

from __future__ import annotations

import html

import duckdb
import plotly.graph_objects as go
import polars as pl

from .layout import LEVEL_ORDER, LEVEL_ZH, SPENDING, chart, money_td, page, table

SQL = """-- per beneficiary region: what each level pays (ledger, every payment year, budget spending)
SELECT l.beneficiary_region_code, g.name_zh, l.paying_level, sum(l.amount_yuan) AS amount_yuan
FROM ledger.liabilities AS l JOIN ref.regions AS g ON g.region_code = l.beneficiary_region_code
WHERE l.kind IN ('spending', 'programme') GROUP BY ALL ORDER BY ALL;"""


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    data = conn.execute(f"""
        SELECT l.beneficiary_region_code AS code, g.name_zh AS name, g.level, g.parent_code,
               p.name_zh AS parent_name, l.paying_level, sum(l.amount_yuan) AS amount_yuan
        FROM ledger.liabilities AS l JOIN ref.regions AS g ON g.region_code = l.beneficiary_region_code
        LEFT JOIN ref.regions AS p ON p.region_code = g.parent_code
        WHERE {SPENDING} GROUP BY ALL""").pl()
    regions = conn.execute("SELECT region_code, name_zh, level, parent_code FROM ref.regions").pl()
    title = "按受益地区：自治区 → 盟市 → 旗区（万元，台账全部支付年度）"
    body = f"""{chart(_sunburst(data, regions), "regions-sunburst", title, 640)}
<div class="card"><h2>各旗区（园区）：本级承担与上级承担（万元）</h2>{_banner_table(data)}
<p>受益企业、项目或人才所在旗区（园区）的政策兑现资金，按承担层级拆分。市级园区的旗区份额由园区承担；
按盟市整体安排的专项资金记在盟市本级；图中各环的空白部分是该级本级（如全区性专项资金）。</p></div>"""
    return page("regions.html", body, run, SQL)


def _sunburst(data: pl.DataFrame, regions: pl.DataFrame) -> go.Figure:
    own = data.group_by("code").agg(pl.col("amount_yuan").sum())
    amounts = {c: float(a) for c, a in own.iter_rows()}
    nodes = regions.filter(pl.col("level").is_in(["region", "city", "banner", "park"]))
    keep = set(amounts)
    parent = dict(nodes.select("region_code", "parent_code").iter_rows())
    for code in list(keep):  # every ancestor of a region with an amount is shown
        while parent.get(code):
            code = parent[code]
            keep.add(code)
    shown = nodes.filter(pl.col("region_code").is_in(keep))
    ids = shown["region_code"].to_list()
    values = [amounts.get(c, 0.0) / 10000 for c in ids]
    fig = go.Figure(go.Sunburst(
        ids=ids, labels=shown["name_zh"].to_list(), values=values, branchvalues="remainder",
        parents=[p if p in keep else "" for p in shown["parent_code"].fill_null("").to_list()],
        hovertemplate="%{label}：%{value:,.2f} 万元（含下级）<extra></extra>", maxdepth=3))
    return fig


def _banner_table(data: pl.DataFrame) -> str:
    local = data.filter(pl.col("level").is_in(["banner", "park"]))
    wide = local.pivot(on="paying_level", index=["code", "name", "parent_name"], values="amount_yuan").fill_null(0)
    for level in LEVEL_ZH:
        if level not in wide.columns:
            wide = wide.with_columns(pl.lit(0).alias(level))
    wide = wide.with_columns(total=pl.sum_horizontal(list(LEVEL_ZH))).sort("total", descending=True)
    rows = [f"<tr><td class='text'>{html.escape(r['parent_name'] or '')} · {html.escape(r['name'])}</td>"
            + "".join(money_td(r[lvl], f"banner-own-{r['code']}" if lvl == "banner" else None) for lvl in LEVEL_ORDER)
            + money_td(r["total"]) + "</tr>" for r in wide.iter_rows(named=True)]
    head = [f"{LEVEL_ZH[lvl]}承担" if lvl != "banner" else "旗区本级承担" for lvl in LEVEL_ORDER]  # fiscal order
    return table(["旗区（园区）", *head, "合计"], rows, "banner-table")
