"""预测: fan chart with the 80%/95% intervals, committed vs forecast by level, the backtest against naive
baselines, the assumptions, and the documents' own quantitative targets."""

from __future__ import annotations

import html

import duckdb
import plotly.graph_objects as go
import polars as pl

from .layout import LEVEL_COLOUR, LEVEL_ORDER, LEVEL_ZH, chart, level_name, level_rank, money_td, page, table, wan

# the totals' intervals from joint sample paths (forecast.bands), with the renewal assumption and without it
FAN_SQL = """SELECT w.payment_year, w.committed_yuan, w.forecast_p50_yuan AS forecast_yuan, w.band_p025_yuan AS p025,
       w.band_p10_yuan AS p10, w.total_p50_yuan AS p50, w.band_p90_yuan AS p90, w.band_p975_yuan AS p975,
       n.total_p50_yuan AS without_renewal, n.band_p10_yuan AS without_p10, n.band_p90_yuan AS without_p90
FROM forecast.bands AS w JOIN forecast.bands AS n USING (scope, payment_year)
WHERE w.scope = 'total' AND w.variant = 'with_renewal' AND n.variant = 'without_renewal'
ORDER BY w.payment_year"""
SQL = FAN_SQL + ";\nSELECT * FROM forecast.backtest_summary;\nSELECT * FROM forecast.backtest_coverage;"
METHOD_ZH = {"driver_forecast": "驱动因素预测（本系统）", "naive_last_value": "朴素法：沿用上年值",
             "naive_drift": "朴素法：线性外推"}


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    data = conn.execute(FAN_SQL).pl()
    levels = conn.execute("SELECT * FROM forecast.by_year_level ORDER BY ALL").pl()
    body = f"""{chart(_fan(data), "forecast-fan", "财政支出预测（已承诺＋新增兑现，万元）：中位数与 80%、95% 区间")}
{chart(_by_level(levels), "forecast-by-level", "按承担层级：已承诺与新增预测（万元，中位数）")}
<div class="card"><h2>预测明细（万元）</h2>{_table(data)}</div>
<div class="card"><h2>回测：预留最近年度，与朴素方法比较</h2>{_backtest(conn)}{_coverage(conn)}</div>
<div class="card"><h2>预测假设</h2>{_assumptions(conn)}</div>
<div class="card"><h2>文件中的量化目标</h2>{_targets(conn)}</div>"""
    return page("forecast.html", body, run, SQL)


def _fan(data: pl.DataFrame) -> go.Figure:
    years = data["payment_year"].to_list()
    w = {c: [float(v) / 10000 for v in data[c]] for c in ("p025", "p10", "p50", "p90", "p975")}
    fig = go.Figure()
    fig.add_scatter(x=years + years[::-1], y=w["p975"] + w["p025"][::-1], fill="toself", name="95% 区间",
                    fillcolor="rgba(36,113,163,0.15)", line={"width": 0}, hoverinfo="skip")
    fig.add_scatter(x=years + years[::-1], y=w["p90"] + w["p10"][::-1], fill="toself", name="80% 区间",
                    fillcolor="rgba(36,113,163,0.30)", line={"width": 0}, hoverinfo="skip")
    fig.add_scatter(x=years, y=[float(v) / 10000 for v in data["without_renewal"]], name="不续发（中位数）",
                    mode="lines+markers", line={"color": "#7f8c8d", "dash": "dash"},
                    hovertemplate="%{x}年 假定2024年政策清单不再续发：%{y:,.2f} 万元<extra></extra>")
    fig.add_scatter(x=years, y=w["p50"], name="中位数", mode="lines+markers", line={"color": "#2471a3"},
                    customdata=list(zip(w["p10"], w["p90"], w["p025"], w["p975"], strict=True)),
                    hovertemplate="%{x}年 中位数 %{y:,.2f} 万元<br>80%：%{customdata[0]:,.2f}–%{customdata[1]:,.2f}"
                                  "<br>95%：%{customdata[2]:,.2f}–%{customdata[3]:,.2f}<extra></extra>")
    fig.update_layout(xaxis={"dtick": 1, "title": "支付年度"}, yaxis={"tickformat": ",.0f", "title": "金额（万元）"})
    return fig


def _by_level(levels: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    for level in reversed(LEVEL_ORDER):  # 旗区 at the bottom of the stack, 中央 on top; the legend lists 中央 first
        name = LEVEL_ZH[level]
        part = levels.filter(pl.col("paying_level") == level)
        for col, label, opacity in (("committed_yuan", "已承诺", 1.0), ("forecast_p50_yuan", "新增（预测）", 0.45)):
            fig.add_bar(x=part["payment_year"].to_list(), y=[float(v or 0) / 10000 for v in part[col]],
                        name=f"{name}·{label}", marker_color=LEVEL_COLOUR[level], opacity=opacity,
                        hovertemplate="%{x}年 " + f"{name}{label}" + "：%{y:,.2f} 万元<extra></extra>")
    fig.update_layout(barmode="stack", xaxis={"dtick": 1, "title": "支付年度"}, yaxis={"tickformat": ",.0f"},
                      legend_traceorder="reversed")
    return fig


def _table(data: pl.DataFrame) -> str:
    rows = []
    for r in data.iter_rows(named=True):
        year = r["payment_year"]
        rows.append(f"<tr><td>{year}年</td>{money_td(r['committed_yuan'])}{money_td(r['forecast_yuan'])}"
                    f"{money_td(r['p50'], f'fc-total-{year}')}<td>{wan(r['p10'])}–{wan(r['p90'])}</td>"
                    f"<td>{wan(r['p025'])}–{wan(r['p975'])}</td>{money_td(r['without_renewal'], f'fc-without-{year}')}"
                    f"<td>{_share(r['p50'], r['without_renewal'])}</td></tr>")
    return (table(["支付年度", "已承诺", "新增（中位数）", "合计", "80% 区间", "95% 区间", "不续发时合计",
                   "依赖续发的比重"], rows, "forecast-table")
            + "<p>区间为各驱动因素按历史相关性联合抽样（2000 条路径）得到的合计区间；“不续发”假定自治区和鄂尔多斯市"
              "2024年政策清单到期后不再续发同样条款。</p>")


def _share(total: object, without: object) -> str:
    t, w = float(total or 0), float(without or 0)
    return f"{(t - w) / t:.0%}" if t > 0 else "—"


def _coverage(conn: duckdb.DuckDBPyConnection) -> str:
    data = conn.execute("""SELECT * FROM forecast.backtest_coverage
                           ORDER BY nominal, level = 'all' DESC, level""").pl()
    if data.is_empty():
        return ""
    data = _fiscal(data, "nominal")
    rows = [f"<tr><td>{r['nominal']:.0%} 区间</td><td>{level_name(r['level'])}</td>"
            f"<td>{r['covered']}/{r['points']}</td><td>{r['coverage']:.0%}</td>{money_td(r['interval_score_yuan'])}</tr>"
            for r in data.iter_rows(named=True)]
    return ("<p>区间检验：预留年度的实际值落在预测区间内的次数（名义覆盖率 80%、95%）与区间得分（越低越好）。</p>"
            + table(["区间", "层级", "落入区间", "实际覆盖率", "区间得分（万元）"], rows, "coverage-table"))


def _backtest(conn: duckdb.DuckDBPyConnection) -> str:
    data = conn.execute("SELECT * FROM forecast.backtest_summary ORDER BY level = 'all' DESC, level, method").pl()
    if data.is_empty():
        return "<p>无回测结果。</p>"
    data = _fiscal(data, None)
    rows = [f"<tr><td>{level_name(r['level'])}</td><td class='text'>{METHOD_ZH.get(r['method'], r['method'])}</td>"
            f"{money_td(r['mae_yuan'])}<td>{(r['mape'] or 0):.1%}</td></tr>" for r in data.iter_rows(named=True)]
    first = data.row(0, named=True)
    return (f"<p>以 {first['fitted_on']} 年数据拟合，预测 {first['held_out']} 年，与实际比较"
            "（现行条款按全部年度有效计算，排除政策起止时间的影响）。</p>"
            + table(["层级", "方法", "平均绝对误差（万元）", "平均绝对百分比误差"], rows, "backtest-table"))


def _fiscal(data: pl.DataFrame, first: str | None) -> pl.DataFrame:
    """Rows with a `level` column in the fiscal order (合计 first), keeping the query's order otherwise."""
    rank = pl.col("level").map_elements(level_rank, return_dtype=pl.Int64)
    return data.with_row_index("_at").sort([*([first] if first else []), rank, "_at"]).drop("_at")


def _assumptions(conn: duckdb.DuckDBPyConnection) -> str:
    found = conn.execute("SELECT subject, assumption FROM forecast.assumptions").fetchall()
    rows = "".join(f"<li>{html.escape(s + '：' if s else '')}{html.escape(a)}</li>" for s, a in found)
    return f"<ul id='forecast-assumptions'>{rows}</ul>"


def _targets(conn: duckdb.DuckDBPyConnection) -> str:
    found = conn.execute("""SELECT document, indicator_zh, year, value, unit, line_first FROM ref.targets
                            ORDER BY document, year, indicator_zh""").fetchall()
    rows = [f"<tr><td class='text'>{html.escape(d)}（第{ln}行）</td><td class='text'>{html.escape(i)}</td>"
            f"<td>{y}</td><td>{html.escape(str(v))} {html.escape(u or '')}</td></tr>" for d, i, y, v, u, ln in found]
    return ("<p>政策文件中的规划目标（不进入金额测算，供对照）。</p>"
            + table(["文件", "指标", "目标年度", "目标值"], rows, "targets-table"))
