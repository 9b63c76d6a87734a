"""情景分析: each scenario against the baseline: a headline (the difference over the forecast years and next year,
in 亿元/万元 and as a share of the baseline), then by year and level in the fiscal order."""

from __future__ import annotations

import html
from decimal import Decimal

import duckdb
import plotly.graph_objects as go

from .layout import LEVEL_COLOUR, LEVEL_ORDER, LEVEL_ZH, chart, level_sql, money_td, page, table, wan

SQL = """SELECT scenario, payment_year, paying_level, baseline_yuan, scenario_yuan, delta_yuan
FROM scenarios.by_year_level ORDER BY ALL;
-- each scenario's headline: the difference over the forecast years and in the first forecast year (下年)
SELECT scenario, sum(delta_yuan) AS delta_yuan, sum(baseline_yuan) AS baseline_yuan,
       sum(delta_yuan) FILTER (WHERE payment_year = (SELECT min(payment_year) FROM scenarios.by_year_level))
         AS next_year_delta_yuan
FROM scenarios.by_year_level GROUP BY scenario;"""
# the headline: over the years of the table, and next year (the first forecast year, as the overview's 下年)
HEADLINE_SQL = """SELECT min(payment_year), max(payment_year), sum(delta_yuan), sum(baseline_yuan),
       sum(delta_yuan) FILTER (WHERE payment_year = (SELECT min(payment_year) FROM scenarios.by_year_level)),
       sum(baseline_yuan) FILTER (WHERE payment_year = (SELECT min(payment_year) FROM scenarios.by_year_level)),
       (SELECT min(payment_year) FROM scenarios.by_year_level)
FROM scenarios.by_year_level WHERE scenario = ?"""


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    parts = []
    defs = conn.execute("SELECT scenario, title, description, file, status, message FROM scenarios.definitions "
                        "ORDER BY status = 'failed', scenario, file").fetchall()
    for n, (name, title, description, file, status, message) in enumerate(defs):
        if status == "failed":  # a broken what-if fails alone: said here, with the reason, and nothing is charted
            parts.append(_failed(name, title, file, message))
        else:
            parts.append(_scenario(conn, n, name, title, description, file))
    body = ("<div class='card'><p>基准 = 已承诺 + 新增预测（中位数）。情景只改变预测年度的新增兑现；已承诺的支付不变。"
            "差额为负表示比基准少支出。</p></div>"
            + ("".join(parts) or "<div class='card'><p>没有情景定义（情景文件目录为空）。</p></div>"))
    return page("scenarios.html", body, run, SQL)


def _failed(name: str, title: str, file: str, message: str) -> str:
    """A scenario that failed: its title (or, when it has none, its file), the message, no figures."""
    label = title if title and title != name else f"情景文件 {file}"
    return (f'<div class="card" data-testid="scenario-failed-{html.escape(file)}">'
            f"<h2>{html.escape(label)}：计算失败，未计入</h2><p>{html.escape(message or '')}</p></div>")


def signed_amount(yuan: Decimal) -> str:
    """A difference in words: 减少/增加 in 亿元 from 1 亿 up, else in 万元; 不变 when zero."""
    if not yuan:
        return "不变"
    size = abs(yuan)
    shown = f"{size / Decimal(100_000_000):,.2f} 亿元" if size >= Decimal(100_000_000) else f"{wan(size)} 万元"
    return f"{'减少' if yuan < 0 else '增加'} {shown}"


def share(delta: Decimal | None, baseline: Decimal | None) -> str:
    """The difference as a share of the baseline (−2.2%); two decimals when it is below 0.1% but not zero."""
    if not baseline or delta is None:
        return "—"
    if not delta:
        return "0%"
    ratio = delta / baseline
    return f"{ratio:+.2%}" if abs(ratio) < Decimal("0.001") else f"{ratio:+.1%}"


def _headline(conn: duckdb.DuckDBPyConnection, name: str) -> str:
    first, last, delta, baseline, next_delta, next_base, next_year = conn.execute(HEADLINE_SQL, [name]).fetchone()
    if first is None:
        return "<p>该情景没有计算结果。</p>"
    next_delta, delta = next_delta or Decimal(0), delta or Decimal(0)
    return (f'<div class="headline scenario"><p>预测期 {first}–{last} 年合计比基准'
            f'<b data-testid="scenario-total-{html.escape(name)}" data-yuan="{delta}">{signed_amount(delta)}</b>'
            f"（占基准 {share(delta, baseline)}）；下年（{next_year}年）"
            f'<b data-testid="scenario-next-{html.escape(name)}" data-yuan="{next_delta}">{signed_amount(next_delta)}'
            f"</b>（占基准 {share(next_delta, next_base)}）。</p></div>")


def _scenario(conn: duckdb.DuckDBPyConnection, n: int, name: str, title: str, description: str, file: str) -> str:
    rows = conn.execute(f"""SELECT payment_year, paying_level, baseline_yuan, scenario_yuan, delta_yuan
                            FROM scenarios.by_year_level WHERE scenario = ?
                            ORDER BY payment_year, {level_sql()}""", [name]).fetchall()
    fig = go.Figure()
    for level in LEVEL_ORDER:  # grouped bars and their legend in the fiscal order, 中央 first
        zh, mine = LEVEL_ZH[level], [r for r in rows if r[1] == level]
        fig.add_bar(x=[r[0] for r in mine], y=[float(r[4]) / 10000 for r in mine], name=zh,
                    marker_color=LEVEL_COLOUR[level], customdata=[[f"{r[4]:,.2f}"] for r in mine],
                    hovertemplate="%{x}年 " + zh + " 差额：%{y:,.2f} 万元（%{customdata[0]} 元）<extra></extra>")
    fig.update_layout(barmode="group", xaxis={"dtick": 1, "title": "支付年度"}, legend_traceorder="normal",
                      yaxis={"tickformat": ",.0f", "title": "与基准差额（万元）"})
    trs = [f"<tr><td>{y}年</td><td>{LEVEL_ZH.get(lv, lv)}</td>{money_td(b)}{money_td(s)}"
           f"{money_td(d, f'delta-{name}-{y}-{lv}')}<td>{share(d, b)}</td></tr>" for y, lv, b, s, d in rows]
    tip = f' title="情景文件 {html.escape(file)}"' if file else ""  # where to change it, on hover only
    title = title if title and title != name else "未命名情景"  # the file gave no title: not its name either
    return f"""<div class="card"><h2{tip}>{html.escape(title)}</h2>{_headline(conn, name)}
<p>{html.escape(description)}</p></div>
{chart(fig, f"scenario-{n}", f"{title}：与基准差额，按年度和承担层级（万元）", 420)}
<div class="card">{table(["支付年度", "层级", "基准", "情景", "差额", "差额占基准"], trs, f"scenario-table-{n}",
                          filters={"支付年度": None, "层级": None})}</div>"""
