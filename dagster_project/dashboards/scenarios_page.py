"""情景分析: each scenario against the baseline by year and level."""

from __future__ import annotations

import html

import duckdb
import plotly.graph_objects as go

from .layout import LEVEL_COLOUR, LEVEL_ZH, chart, level_sql, money_td, page, table

SQL = """SELECT scenario, payment_year, paying_level, baseline_yuan, scenario_yuan, delta_yuan
FROM scenarios.by_year_level ORDER BY ALL;"""


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    parts = []
    defs = conn.execute("SELECT scenario, title, description, file, status, message FROM scenarios.definitions "
                        "ORDER BY status = 'failed', scenario, file").fetchall()
    for n, (name, title, description, file, status, message) in enumerate(defs):
        if status == "failed":  # a broken what-if fails alone: said here, with the reason, and nothing is charted
            parts.append(f"""<div class="card" data-testid="scenario-failed-{html.escape(file)}">
<h2>{html.escape(title)}（{html.escape(name)}）：计算失败，未计入</h2>
<p>情景文件 seeds/scenarios/{html.escape(file)}：{html.escape(message)}</p></div>""")
            continue
        rows = conn.execute(f"""SELECT payment_year, paying_level, baseline_yuan, scenario_yuan, delta_yuan
                                FROM scenarios.by_year_level WHERE scenario = ?
                                ORDER BY payment_year, {level_sql()}""", [name]).fetchall()
        fig = go.Figure()
        for level, zh in LEVEL_ZH.items():
            mine = [r for r in rows if r[1] == level]
            fig.add_bar(x=[r[0] for r in mine], y=[float(r[4]) / 10000 for r in mine], name=zh,
                        marker_color=LEVEL_COLOUR[level],
                        hovertemplate="%{x}年 " + zh + " 差额：%{y:,.2f} 万元<extra></extra>")
        fig.update_layout(barmode="group", xaxis={"dtick": 1, "title": "支付年度"},
                          yaxis={"tickformat": ",.0f", "title": "与基准差额（万元）"})
        trs = [f"<tr><td>{y}年</td><td>{LEVEL_ZH.get(lv, lv)}</td>{money_td(b)}{money_td(s)}"
               f"{money_td(d, f'delta-{name}-{y}-{lv}')}</tr>" for y, lv, b, s, d in rows]
        parts.append(f"""{chart(fig, f"scenario-{n}", f"{title}（{name}）：与基准差额（万元）", 420)}
<div class="card"><p>{html.escape(description)}（情景文件 seeds/scenarios/{html.escape(file)}）</p>
{table(["支付年度", "层级", "基准", "情景", "差额"], trs, f"scenario-table-{n}")}</div>""")
    body = ("<div class='card'><p>基准 = 已承诺 + 新增预测（中位数）。"
            "情景只改变预测年度的新增兑现；已承诺的支付不变。</p></div>"
            + ("".join(parts) or "<div class='card'><p>没有情景文件（seeds/scenarios/*.yaml）。</p></div>"))
    return page("scenarios.html", body, run, SQL)
