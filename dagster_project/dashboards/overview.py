"""总览: next year first (the total and each level in 亿元 with their 80% intervals, and the three assumptions
the figure rests on), the change since the previous published run (changes.py), then the later years and the
budget spending by year and level, committed vs forecast."""

from __future__ import annotations

import html
from decimal import Decimal

import duckdb
import plotly.graph_objects as go
import polars as pl

from . import changes
from .layout import (
    LEVEL_COLOUR,
    LEVEL_ORDER,
    LEVEL_ZH,
    SPENDING,
    chart,
    doc_name,
    focus_year,
    level_sql,
    money_td,
    page,
    table,
    year_word,
    yi_rounded,
)

SQL = """-- next year (the budget year after the data date): the total and each level, median, 80% interval; no renewal
SELECT variant, scope, payment_year, paying_level, total_p50_yuan, band_p10_yuan, band_p90_yuan
FROM forecast.bands WHERE scope IN ('total', 'level') AND payment_year = {focus} ORDER BY variant, {level_order};
-- what next year's median rests on (renewal = the total with renewal − without, from forecast.bands above)
{shares}
-- budget spending by payment year and level: the forecast years (committed + forecast median)
SELECT payment_year, paying_level, committed_yuan, forecast_p50_yuan, total_p50_yuan
FROM forecast.by_year_level ORDER BY payment_year, {level_order};
-- the years before, from the ledger
SELECT payment_year, paying_level, sum(amount_yuan) FROM ledger.liabilities
WHERE kind IN ('spending', 'programme') AND payment_year < {first} GROUP BY ALL ORDER BY payment_year, {level_order};"""

# next year's budget spending (sum of the lines' medians = the total's median) and the parts booked on a default
# level split (the documents name no split), at a ceiling (最高X taken as the cost) and at an expected value
SHARES_SQL = """SELECT sum(l.amount_p50) AS lines_yuan,
       coalesce(sum(l.amount_p50) FILTER (WHERE NOT l.split_specified), 0) AS default_split_yuan,
       coalesce(sum(l.amount_p50) FILTER (WHERE r.basis = 'upper_bound'), 0) AS ceiling_yuan,
       coalesce(sum(l.amount_p50) FILTER (WHERE r.basis = 'expected_value'), 0) AS expected_yuan
FROM forecast.liabilities AS l LEFT JOIN catalogue.rules AS r USING (rule_id)
WHERE l.kind IN ('spending', 'programme') AND l.payment_year = {first};"""
MATERIAL = Decimal("0.01")  # an expected-value part is named when it is at least 1% of next year's total


def build(conn: duckdb.DuckDBPyConnection, run: dict, previous: changes.Snapshot | None) -> str:
    """`previous`: the last published warehouse (changes.read_published); None when no run was ever published."""
    fc = conn.execute(f"SELECT * FROM forecast.by_year_level ORDER BY payment_year, {level_sql()}").pl()
    totals = conn.execute("""SELECT w.payment_year, w.total_p50_yuan, w.band_p10_yuan, w.band_p90_yuan,
                                    n.total_p50_yuan AS without_renewal, n.band_p10_yuan AS without_p10,
                                    n.band_p90_yuan AS without_p90
                             FROM forecast.bands AS w JOIN forecast.bands AS n USING (scope, payment_year)
                             WHERE w.scope = 'total' AND w.variant = 'with_renewal'
                               AND n.variant = 'without_renewal' ORDER BY w.payment_year""").pl()
    years = totals["payment_year"].to_list()
    first = years[0]
    past = conn.execute(f"""SELECT payment_year, paying_level, sum(amount_yuan) AS amount_yuan FROM ledger.liabilities
                            WHERE {SPENDING} AND payment_year < ? GROUP BY ALL ORDER BY ALL""", [first]).pl()
    rows = list(totals.iter_rows(named=True))
    focus = focus_year(conn, run)  # 'next year': the budget year after the data date
    main = next(r for r in rows if r["payment_year"] == focus)
    later = "".join(_card(r, previous) for r in rows if r is not main)  # the other years: smaller cards
    if later:
        later = f'<div class="card"><h2>预测期其他年度</h2><div class="headlines later">{later}</div></div>'
    title = "财政支出按支付年度和承担层级（万元）：以前年度为台账，预测年度分已承诺与新增"
    body = f"""{_next_year(conn, main, previous, run)}
{changes.panel(changes.snapshot(conn, run["run_id"]), previous, [focus, *(y for y in years if y != focus)])}
{later}
{chart(_figure(past, fc), "overview-by-year-level", title)}
<div class="card"><h2>预测年度明细（万元）</h2>{_table(fc)}
<p>已承诺：已登记奖补的后续分期、多年期补贴和文件按年度安排的专项资金；新增：按驱动因素预测的新增兑现（中位数）。
区间与方法见“预测”页。减收、股权投入等非支出性质不计入本页。</p></div>"""
    sql = SQL.format(first=first, focus=focus, level_order=level_sql(), shares=SHARES_SQL.format(first=focus))
    return page("index.html", body, run, sql)


def _next_year(conn: duckdb.DuckDBPyConnection, r: dict, previous: changes.Snapshot | None, run: dict) -> str:
    """The first forecast year's total and levels in 亿元 with their 80% intervals, and what the total rests on."""
    year, total = r["payment_year"], r["total_p50_yuan"]
    word = year_word(year, run)
    median, low, high = yi_rounded(total, r["band_p10_yuan"], r["band_p90_yuan"])
    n_median, n_low, n_high = yi_rounded(r["without_renewal"], r["without_p10"], r["without_p90"])
    change = _change(float(total), previous, year, len(median.partition(".")[2]))
    headline = (f'<div class="headline next-total" data-testid="headline-{year}">'
                f'<div class="label">{word}预计财政支出合计（中位数）</div>'
                f'<div class="value" data-testid="next-total" data-yuan="{total}">{median} 亿元</div>'
                f'<div class="change">80% 区间 {low}–{high} 亿元 · {change}</div>'
                f'<div class="change">不计续发假定：<span data-testid="next-without-renewal" '
                f'data-yuan="{r["without_renewal"]}">{n_median} 亿元</span>'
                f"（80% 区间 {n_low}–{n_high} 亿元）</div></div>")
    levels = conn.execute(f"""SELECT paying_level, total_p50_yuan, band_p10_yuan, band_p90_yuan FROM forecast.bands
                              WHERE variant = 'with_renewal' AND scope = 'level' AND payment_year = ?
                              ORDER BY {level_sql()}""", [year]).fetchall()
    cards = "".join(_level_card(*lv) for lv in levels)
    return (f'<div class="card" id="next-year"><h2>{word}财政支出</h2>'
            f'<div class="headlines">{headline}</div><div class="headlines levels" data-level-order>{cards}</div>'
            f"{_shares(conn, year, total, r['without_renewal'])}</div>")


def _level_card(level: str, total, low, high) -> str:
    median, lo, hi = yi_rounded(total, low, high)
    return (f'<div class="headline level"><div class="label">{LEVEL_ZH[level]}承担</div>'
            f'<div class="value" data-testid="next-level-{level}" data-yuan="{total}">{median} 亿元</div>'
            f'<div class="change">80% 区间 {lo}–{hi} 亿元</div></div>')


def _shares(conn: duckdb.DuckDBPyConnection, year: int, total: Decimal, without: Decimal) -> str:
    """The three assumptions next year's median rests on, each with its size in 亿元 and share (plain Chinese)."""
    lines, split, ceiling, expected = conn.execute(SHARES_SQL.format(first="?"), [year]).fetchone()
    renewed = [doc_name(d) for (d,) in conn.execute("""SELECT subject FROM forecast.assumptions
                                                       WHERE topic = 'validity' AND assumption LIKE '%续发%'
                                                       ORDER BY subject""").fetchall()]
    docs = "、".join(renewed) or "2024年政策清单"
    items = [(f"{_part(total - without, total, 'share-renewal')}依赖{html.escape(docs)}此后每年原样续发的假定；"
              f"若不续发，{year}年合计约 {_yi(without)} 亿元（见<a href=\"forecast.html\">预测页“不续发”测算</a>）。"),
             (f"{_part(split, lines, 'share-default-split')}按目录的默认层级分担比例计入：文件没有写明中央、自治区、"
              "盟市、旗区各担多少。合计不受影响，但各层级的数字取决于这一比例。"),
             (f"{_part(ceiling, lines, 'share-ceiling')}按“最高X”的上限计为成本（文件只写了上限，"
              "实际兑现可能更少）。")]
    if lines and expected / lines >= MATERIAL:
        items.append(f"另有{_part(expected, lines, 'share-expected')}按期望值（上限乘以估计的兑现比例）计入。")
    lis = "".join(f"<li>{i}</li>" for i in items)
    return f'<div class="shares"><h3>{year}年的数字依赖的三项假定</h3><ul id="assumption-shares">{lis}</ul></div>'


def _yi(yuan) -> str:
    return f"{float(yuan or 0) / 1e8:,.1f}"


def _part(part: Decimal, whole: Decimal, test_id: str) -> str:
    share = part / whole if whole else Decimal(0)
    return (f'<strong data-testid="{test_id}" data-yuan="{part}">{_yi(part)} 亿元（{share:.0%}）</strong>')


def _card(r: dict, previous: changes.Snapshot | None) -> str:
    """Another forecast year's headline in 亿元 at the precision its 80% interval allows; exact 元 in data-yuan."""
    year, total = r["payment_year"], float(r["total_p50_yuan"])
    median, low, high = yi_rounded(total, r["band_p10_yuan"], r["band_p90_yuan"])
    change = _change(total, previous, year, len(median.partition(".")[2]))
    renewal = (f"其中 {(total - float(r['without_renewal'])) / total:.0%} 依赖2024年政策清单续发的假定"
               if total > 0 else "")
    return (f'<div class="headline" data-testid="headline-{year}">'
            f'<div class="label">{year}年预计财政支出（中位数）</div>'
            f'<div class="value" data-yuan="{r["total_p50_yuan"]}">{median} 亿元</div>'
            f'<div class="change">80% 区间 {low}–{high} 亿元 · {change}</div>'
            f'<div class="change">{renewal}</div></div>')


def _change(total: float, previous: changes.Snapshot | None, year: int, decimals: int) -> str:
    if previous is None:
        return "首次运行，无上次数据可比"
    if previous.error or previous.totals is None:
        return "上次发布的仓库无可比的预测数据"
    if year not in previous.totals:
        return "上次发布的运行无此年度数据"
    return f"较上次发布的运行 {(total - float(previous.totals[year])) / 1e8:+,.{decimals}f} 亿元"


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
