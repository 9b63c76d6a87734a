"""Static dashboard pages (Plotly, Simplified Chinese labels) that open offline from disk.

Every page loads one shared static/plotly.min.js (from the pinned plotly package) instead of a CDN or an
inlined copy, and says which run produced it and how to get the same figures from the warehouse.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

from .settings import STATIC_DIR

LEVEL_ZH = {"central": "中央", "region": "自治区", "city": "盟市", "banner": "旗区"}
LEVEL_COLOUR = {"central": "#6b4c9a", "region": "#c0392b", "city": "#2471a3", "banner": "#229954"}
PAGE_SQL = """SELECT payment_year, paying_level, CAST(sum(amount_yuan) AS DECIMAL(18,2)) AS amount_yuan
FROM ledger.liabilities WHERE kind IN ('spending', 'programme') GROUP BY ALL ORDER BY ALL"""
DISCRETIONARY_SQL = """SELECT a.rule_id, r.title, r.basis, any_value(r.expected_share) AS expected_share,
  count(*) AS awards, CAST(sum(a.ceiling_yuan) AS DECIMAL(18,2)) AS ceiling_yuan,
  CAST(sum(a.paid_fen) / 100 AS DECIMAL(18,2)) AS booked_yuan
FROM ledger.awards AS a JOIN catalogue.rules AS r USING (rule_id)
WHERE r.basis <> 'exact' GROUP BY ALL ORDER BY ceiling_yuan DESC"""
BASIS_ZH = {"expected_value": "按预期比例", "upper_bound": "按上限（最高）", "lower_bound": "按下限（不低于）"}
BREAKDOWN_SQL = """SELECT kind, split_specified, CAST(sum(amount_yuan) AS DECIMAL(18,2)) AS amount_yuan
FROM ledger.liabilities GROUP BY ALL ORDER BY ALL"""
KIND_ZH = {"spending": "财政支出（补贴、奖励）", "programme": "专项资金安排",
           "revenue_forgone": "减收（税费减免、让渡）", "equity": "股权投入（基金）",
           "revenue_inflow": "增收（生态补偿、资源税等）", "non_budget": "预算外（市场化补偿、电网费用）"}


def write_static(out: Path) -> None:
    static = out / "static"
    static.mkdir(parents=True, exist_ok=True)
    js = static / "plotly.min.js"
    if not js.exists() or js.stat().st_size < 1000:
        js.write_text(get_plotlyjs(), encoding="utf-8")
    for f in STATIC_DIR.glob("*.css"):
        shutil.copy2(f, static / f.name)


def wan(yuan) -> str:
    return f"{float(yuan) / 10000:,.2f}"


def liabilities_page(conn: duckdb.DuckDBPyConnection, out: Path, run: dict) -> Path:
    data = conn.execute(PAGE_SQL).pl()
    fig = go.Figure()
    for level in LEVEL_ZH:
        part = data.filter(pl.col("paying_level") == level)
        if part.is_empty():
            continue
        fig.add_bar(
            x=part["payment_year"].to_list(), y=[float(v) / 10000 for v in part["amount_yuan"]], name=LEVEL_ZH[level],
            marker_color=LEVEL_COLOUR[level], customdata=[f"{float(v):,.2f}" for v in part["amount_yuan"]],
            hovertemplate="%{x}年 " + LEVEL_ZH[level] + "：%{y:,.2f} 万元（%{customdata} 元）<extra></extra>",
        )
    fig.update_layout(barmode="stack", title="政策兑现资金按支付年度和承担层级（万元）", xaxis_title="支付年度",
                      yaxis_title="金额（万元）", legend_title="承担层级", font={"size": 15},
                      xaxis={"dtick": 1}, yaxis={"tickformat": ",.0f"},  # 1,200,000 万元, not "1.2M"
                      template="plotly_white", height=520)
    table = _table(data)
    body = f"""
<p><a href="forecast.html">预测与情景 →</a></p>
<div class="card">{fig.to_html(full_html=False, include_plotlyjs=False, div_id="liabilities-by-year-level")}</div>
<div class="card"><h2>明细表（万元）</h2>{table}</div>
<div class="card"><h2>按性质和分担比例（万元）</h2>{_breakdown(conn.execute(BREAKDOWN_SQL).pl())}
<p>“分担比例未明确”：政策原文未写明各级承担比例，按 seeds/catalogue/defaults.yaml 的默认比例记账，需另行确认。
减收和股权投入不计入上方支出图表。</p></div>
<div class="card"><h2>非确定金额条款：记账金额与原文上限（万元，按奖励年度口径）</h2>
{_discretionary(conn.execute(DISCRETIONARY_SQL).pl())}
<p>“择优给予最高X”类条款按目录中的预期比例记账（可在 seeds/catalogue 中调整）；上限为原文金额。</p></div>"""
    path = out / "index.html"
    path.write_text(_page("政策成本总览：按年度和层级", body, run, PAGE_SQL), encoding="utf-8")
    return path


def _discretionary(data: pl.DataFrame) -> str:
    rows = []
    for r in data.iter_rows(named=True):
        basis = BASIS_ZH.get(r["basis"], r["basis"])
        if r["expected_share"] is not None:
            basis += f"（{float(r['expected_share']):.0%}）"
        rows.append(f"<tr><td>{html.escape(r['rule_id'])} {html.escape(r['title'])}</td><td>{basis}</td>"
                    f"<td>{r['awards']}</td><td>{wan(r['booked_yuan'])}</td><td>{wan(r['ceiling_yuan'])}</td></tr>")
    return ("<table id='discretionary-table'><tr><th>条款</th><th>记账口径</th><th>笔数</th><th>记账金额</th>"
            f"<th>原文上限</th></tr>{''.join(rows)}</table>")


def _breakdown(data: pl.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>{KIND_ZH.get(r['kind'], r['kind'])}</td>"
        f"<td>{'明确' if r['split_specified'] else '分担比例未明确'}</td>"
        f"<td>{wan(r['amount_yuan'])}</td></tr>" for r in data.iter_rows(named=True))
    return f"<table id='breakdown-table'><tr><th>性质</th><th>分担比例</th><th>金额</th></tr>{rows}</table>"


def _table(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "<p>本次运行没有负债记录。</p>"
    wide = data.pivot(on="paying_level", index="payment_year", values="amount_yuan").sort("payment_year")
    levels = [lvl for lvl in LEVEL_ZH if lvl in wide.columns]
    head = "".join(f"<th>{LEVEL_ZH[lvl]}</th>" for lvl in levels)
    rows = []
    for r in wide.iter_rows(named=True):
        total = sum(float(r[lvl] or 0) for lvl in levels)
        cells = "".join(f"<td>{wan(r[lvl] or 0)}</td>" for lvl in levels)
        rows.append(f"<tr><td>{r['payment_year']}年</td>{cells}<td>{wan(total)}</td></tr>")
    return f"<table id='liabilities-table'><tr><th>支付年度</th>{head}<th>合计</th></tr>{''.join(rows)}</table>"


def _page(title: str, body: str, run: dict, sql: str) -> str:
    meta = (f"运行编号 {html.escape(run['run_id'])} · 生成时间 {html.escape(run['generated_at'])} · "
            f"政策目录版本 {html.escape(run['catalogue_version'])}")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="static/style.css"><script src="static/plotly.min.js"></script></head>
<body><header><h1>{html.escape(title)}</h1><div>{meta}</div></header>
<main>{body}</main>
<footer>数据为合成示例数据（非真实登记数据）。同样的数字可在数据仓库中查询（只读打开 warehouse.duckdb）：
<pre><code>{html.escape(sql)}</code></pre></footer></body></html>"""


FORECAST_SQL = """SELECT payment_year, sum(committed_yuan) AS committed_yuan, sum(forecast_p50_yuan) AS forecast_yuan,
  sum(total_p025_yuan) AS p025, sum(total_p10_yuan) AS p10, sum(total_p50_yuan) AS p50, sum(total_p90_yuan) AS p90,
  sum(total_p975_yuan) AS p975 FROM forecast.by_year_level GROUP BY ALL ORDER BY ALL"""
METHOD_ZH = {"driver_forecast": "驱动因素预测（本系统）", "naive_last_value": "朴素法：沿用上年值",
             "naive_drift": "朴素法：线性外推"}


def forecast_page(conn: duckdb.DuckDBPyConnection, out: Path, run: dict) -> Path:
    """Fan chart (80%/95% intervals), committed vs forecast by level, backtest, scenarios, assumptions."""
    data = conn.execute(FORECAST_SQL).pl()
    years = data["payment_year"].to_list()
    w = {c: [float(v) / 10000 for v in data[c]] for c in ("p025", "p10", "p50", "p90", "p975")}
    fan = go.Figure()
    fan.add_scatter(x=years + years[::-1], y=w["p975"] + w["p025"][::-1], fill="toself", name="95% 区间",
                    fillcolor="rgba(36,113,163,0.15)", line={"width": 0}, hoverinfo="skip")
    fan.add_scatter(x=years + years[::-1], y=w["p90"] + w["p10"][::-1], fill="toself", name="80% 区间",
                    fillcolor="rgba(36,113,163,0.30)", line={"width": 0}, hoverinfo="skip")
    fan.add_scatter(x=years, y=w["p50"], name="预测中位数", mode="lines+markers", line={"color": "#2471a3"},
                    customdata=[[a, b, c, d] for a, b, c, d in zip(w["p10"], w["p90"], w["p025"], w["p975"],
                                                                   strict=True)],
                    hovertemplate="%{x}年 中位数 %{y:,.2f} 万元<br>80%：%{customdata[0]:,.2f}–%{customdata[1]:,.2f}"
                                  "<br>95%：%{customdata[2]:,.2f}–%{customdata[3]:,.2f}<extra></extra>")
    fan.update_layout(title="财政支出预测（已承诺＋新增兑现，万元）", xaxis={"dtick": 1, "title": "支付年度"},
                      yaxis={"tickformat": ",.0f", "title": "金额（万元）"}, template="plotly_white", height=480,
                      font={"size": 15})
    levels = conn.execute("SELECT * FROM forecast.by_year_level ORDER BY ALL").pl()
    split = go.Figure()
    for level in LEVEL_ZH:
        part = levels.filter(pl.col("paying_level") == level)
        for col, label, opacity in (("committed_yuan", "已承诺", 1.0), ("forecast_p50_yuan", "新增（预测）", 0.5)):
            split.add_bar(x=part["payment_year"].to_list(), y=[float(v or 0) / 10000 for v in part[col]],
                          name=f"{LEVEL_ZH[level]}·{label}", marker_color=LEVEL_COLOUR[level], opacity=opacity,
                          hovertemplate="%{x}年 " + f"{LEVEL_ZH[level]}{label}" + "：%{y:,.2f} 万元<extra></extra>")
    split.update_layout(barmode="stack", title="按承担层级：已承诺与新增预测（万元，中位数）", template="plotly_white",
                        xaxis={"dtick": 1, "title": "支付年度"}, yaxis={"tickformat": ",.0f"}, height=480,
                        font={"size": 15})
    body = f"""
<p><a href="index.html">← 返回总览</a></p>
<div class="card">{fan.to_html(full_html=False, include_plotlyjs=False, div_id="forecast-fan")}</div>
<div class="card">{split.to_html(full_html=False, include_plotlyjs=False, div_id="forecast-by-level")}</div>
<div class="card"><h2>预测明细（万元）</h2>{_forecast_table(data)}</div>
<div class="card"><h2>回测：预留最近年度，与朴素方法比较</h2>{_backtest(conn)}</div>
<div class="card"><h2>情景分析（与基准相比，万元）</h2>{_scenarios(conn)}</div>
<div class="card"><h2>预测假设</h2>{_assumptions(conn)}</div>"""
    path = out / "forecast.html"
    path.write_text(_page("政策成本预测与情景", body, run, FORECAST_SQL), encoding="utf-8")
    return path


def _forecast_table(data: pl.DataFrame) -> str:
    rows = "".join(f"<tr><td>{r['payment_year']}年</td><td>{wan(r['committed_yuan'] or 0)}</td>"
                   f"<td>{wan(r['forecast_yuan'] or 0)}</td><td>{wan(r['p50'])}</td>"
                   f"<td>{wan(r['p10'])}–{wan(r['p90'])}</td><td>{wan(r['p025'])}–{wan(r['p975'])}</td></tr>"
                   for r in data.iter_rows(named=True))
    return ("<table id='forecast-table'><tr><th>支付年度</th><th>已承诺</th><th>新增（中位数）</th><th>合计</th>"
            f"<th>80% 区间</th><th>95% 区间</th></tr>{rows}</table>")


def _backtest(conn: duckdb.DuckDBPyConnection) -> str:
    data = conn.execute("SELECT * FROM forecast.backtest_summary ORDER BY level = 'all' DESC, level, method").pl()
    if data.is_empty():
        return "<p>无回测结果。</p>"
    rows = "".join(f"<tr><td>{'合计' if r['level'] == 'all' else LEVEL_ZH.get(r['level'], r['level'])}</td>"
                   f"<td>{METHOD_ZH.get(r['method'], r['method'])}</td><td>{wan(r['mae_yuan'])}</td>"
                   f"<td>{(r['mape'] or 0):.1%}</td></tr>" for r in data.iter_rows(named=True))
    first = data.row(0, named=True)
    return (f"<p>以 {first['fitted_on']} 年数据拟合，预测 {first['held_out']} 年（现行条款按全部年度有效计算）。</p>"
            "<table id='backtest-table'><tr><th>层级</th><th>方法</th><th>平均绝对误差（万元）</th>"
            f"<th>平均绝对百分比误差</th></tr>{rows}</table>")


def _scenarios(conn: duckdb.DuckDBPyConnection) -> str:
    defs = conn.execute("SELECT scenario, title FROM scenarios.definitions ORDER BY scenario").fetchall()
    parts = []
    for name, title in defs:
        data = conn.execute("SELECT payment_year, paying_level, baseline_yuan, scenario_yuan, delta_yuan "
                            "FROM scenarios.by_year_level WHERE scenario = ? ORDER BY ALL", [name]).pl()
        rows = "".join(f"<tr><td>{r['payment_year']}年</td><td>{LEVEL_ZH.get(r['paying_level'], r['paying_level'])}"
                       f"</td><td>{wan(r['baseline_yuan'])}</td><td>{wan(r['scenario_yuan'])}</td>"
                       f"<td>{wan(r['delta_yuan'])}</td></tr>" for r in data.iter_rows(named=True))
        parts.append(f"<h3>{html.escape(title)}（{html.escape(name)}）</h3><table class='scenario-table'><tr>"
                     f"<th>支付年度</th><th>层级</th><th>基准</th><th>情景</th><th>差额</th></tr>{rows}</table>")
    return "".join(parts) or "<p>没有情景文件（seeds/scenarios/*.yaml）。</p>"


def _assumptions(conn: duckdb.DuckDBPyConnection) -> str:
    found = conn.execute("SELECT subject, assumption FROM forecast.assumptions").fetchall()
    rows = "".join(f"<li>{html.escape(s + '：' if s else '')}{html.escape(a)}</li>" for s, a in found)
    return f"<ul id='forecast-assumptions'>{rows}</ul>"


def build_site(conn: duckdb.DuckDBPyConnection, out: Path, run: dict) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    write_static(out)
    return [liabilities_page(conn, out, run), forecast_page(conn, out, run)]
