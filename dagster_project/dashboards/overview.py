"""总览: this year's and the next years' budget spending by level, committed vs forecast, headline figures with
the change since the previous published run."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go
import polars as pl

from .layout import LEVEL_COLOUR, LEVEL_ORDER, LEVEL_ZH, SPENDING, chart, level_sql, money_td, page, table, yi_rounded

SQL = """-- budget spending by payment year and level: the forecast years (committed + forecast median)
SELECT payment_year, paying_level, committed_yuan, forecast_p50_yuan, total_p50_yuan
FROM forecast.by_year_level ORDER BY payment_year, {level_order};
-- the total's 80% interval (joint sample paths) and the total without the renewal of the 2024 lists
SELECT w.payment_year, w.total_p50_yuan, w.band_p10_yuan, w.band_p90_yuan, n.total_p50_yuan AS without_renewal
FROM forecast.bands AS w JOIN forecast.bands AS n USING (scope, payment_year)
WHERE w.scope = 'total' AND w.variant = 'with_renewal' AND n.variant = 'without_renewal';
-- the years before, from the ledger
SELECT payment_year, paying_level, sum(amount_yuan) FROM ledger.liabilities
WHERE kind IN ('spending', 'programme') AND payment_year < {first} GROUP BY ALL ORDER BY payment_year, {level_order};"""


def build(conn: duckdb.DuckDBPyConnection, run: dict, previous: dict[int, float] | None) -> str:
    """`previous`: the last published run's total per year; None when no run was ever published."""
    fc = conn.execute(f"SELECT * FROM forecast.by_year_level ORDER BY payment_year, {level_sql()}").pl()
    first = int(fc["payment_year"].min())
    past = conn.execute(f"""SELECT payment_year, paying_level, sum(amount_yuan) AS amount_yuan FROM ledger.liabilities
                            WHERE {SPENDING} AND payment_year < ? GROUP BY ALL ORDER BY ALL""", [first]).pl()
    totals = conn.execute("""SELECT w.payment_year, w.total_p50_yuan, w.band_p10_yuan, w.band_p90_yuan,
                                    n.total_p50_yuan AS without_renewal
                             FROM forecast.bands AS w JOIN forecast.bands AS n USING (scope, payment_year)
                             WHERE w.scope = 'total' AND w.variant = 'with_renewal'
                               AND n.variant = 'without_renewal' ORDER BY w.payment_year""").pl()
    cards = "".join(_card(r, previous) for r in totals.iter_rows(named=True))
    title = "财政支出按支付年度和承担层级（万元）：以前年度为台账，预测年度分已承诺与新增"
    body = f"""<div class="headlines">{cards}</div>
{chart(_figure(past, fc), "overview-by-year-level", title)}
<div class="card"><h2>预测年度明细（万元）</h2>{_table(fc)}
<p>已承诺：已登记奖补的后续分期、多年期补贴和文件按年度安排的专项资金；新增：按驱动因素预测的新增兑现（中位数）。
区间与方法见“预测”页。减收、股权投入等非支出性质不计入本页。</p></div>"""
    return page("index.html", body, run, SQL.format(first=first, level_order=level_sql()))


def _card(r: dict, previous: dict[int, float] | None) -> str:
    """A year's headline in 亿元 at the precision its 80% interval allows; the exact 元 stay in data-yuan."""
    year, total = r["payment_year"], float(r["total_p50_yuan"])
    median, low, high = yi_rounded(total, r["band_p10_yuan"], r["band_p90_yuan"])
    interval = f"{low}–{high}"
    change = _change(total, previous, year, len(median.partition(".")[2]))
    renewal = (f"其中 {(total - float(r['without_renewal'])) / total:.0%} 依赖2024年政策清单续发的假定"
               if total > 0 else "")
    return (f'<div class="headline" data-testid="headline-{year}">'
            f'<div class="label">{year}年预计财政支出（中位数）</div>'
            f'<div class="value" data-yuan="{r["total_p50_yuan"]}">{median} 亿元</div>'
            f'<div class="change">80% 区间 {interval} 亿元 · {change}</div>'
            f'<div class="change">{renewal}</div></div>')


def _change(total: float, previous: dict[int, float] | None, year: int, decimals: int) -> str:
    if previous is None:
        return "首次运行，无上次数据可比"
    if year not in previous:
        return "上次发布的运行无此年度数据"
    return f"较上次发布的运行 {(total - previous[year]) / 1e8:+,.{decimals}f} 亿元"


def _figure(past: pl.DataFrame, fc: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    for level in reversed(LEVEL_ORDER):  # 旗区 at the bottom of the stack, 中央 on top; the legend lists 中央 first
        name = LEVEL_ZH[level]
        p = past.filter(pl.col("paying_level") == level)
        f = fc.filter(pl.col("paying_level") == level)
        for x, y, label, opacity in ((p["payment_year"], p["amount_yuan"], "台账", 1.0),
                                     (f["payment_year"], f["committed_yuan"], "已承诺", 1.0),
                                     (f["payment_year"], f["forecast_p50_yuan"], "新增（预测）", 0.45)):
            if len(x) == 0:
                continue
            yuan = [float(v or 0) for v in y]
            fig.add_bar(x=x.to_list(), y=[v / 10000 for v in yuan], name=f"{name}·{label}", opacity=opacity,
                        marker_color=LEVEL_COLOUR[level], customdata=[f"{v:,.2f}" for v in yuan],
                        hovertemplate=f"%{{x}}年 {name}{label}：%{{y:,.2f}} 万元（%{{customdata}} 元）<extra></extra>")
    fig.update_layout(barmode="stack", xaxis={"dtick": 1, "title": "支付年度"},
                      yaxis={"tickformat": ",.0f", "title": "金额（万元）"}, legend_title="承担层级·口径",
                      legend_traceorder="reversed")
    return fig


def _table(fc: pl.DataFrame) -> str:
    rows = []
    for r in fc.iter_rows(named=True):
        year, level = r["payment_year"], r["paying_level"]
        rows.append(f"<tr><td>{year}年</td><td>{LEVEL_ZH[level]}</td>{money_td(r['committed_yuan'])}"
                    f"{money_td(r['forecast_p50_yuan'])}{money_td(r['total_p50_yuan'], f'total-{year}-{level}')}</tr>")
    return table(["支付年度", "承担层级", "已承诺", "新增（中位数）", "合计"], rows, "overview-table")
