"""预测: the fan chart joined to the ledger's recorded years (and why the first forecast year steps up or down from
the last recorded one), committed vs forecast by level, why 已承诺 differs from the ledger's payments of the same
year, the backtest against naive baselines, the assumptions, and the documents' own quantitative targets."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import duckdb
import plotly.graph_objects as go
import polars as pl

from ..forecast import MODEL_ZH
from .layout import (
    LEVEL_COLOUR,
    LEVEL_ORDER,
    LEVEL_ZH,
    SPENDING,
    chart,
    collapsible,
    doc_name,
    level_name,
    level_rank,
    money_td,
    page,
    table,
    wan,
)

# the totals' intervals from joint sample paths (forecast.bands), with the renewal assumption and without it
FAN_SQL = """SELECT w.payment_year, w.committed_yuan, w.forecast_p50_yuan AS forecast_yuan, w.band_p025_yuan AS p025,
       w.band_p10_yuan AS p10, w.total_p50_yuan AS p50, w.band_p90_yuan AS p90, w.band_p975_yuan AS p975,
       n.total_p50_yuan AS without_renewal, n.band_p10_yuan AS without_p10, n.band_p90_yuan AS without_p90
FROM forecast.bands AS w JOIN forecast.bands AS n USING (scope, payment_year)
WHERE w.scope = 'total' AND w.variant = 'with_renewal' AND n.variant = 'without_renewal'
ORDER BY w.payment_year"""
# the recorded years: the ledger's budget spending (kinds spending and programme) paid before the first forecast year
HISTORY_SQL = f"""SELECT payment_year, CAST(sum(amount_yuan) AS DECIMAL(18, 2)) AS spent_yuan FROM ledger.liabilities
WHERE {SPENDING} AND payment_year < ? GROUP BY payment_year ORDER BY payment_year"""
# the ledger's payments of one year, split as forecast_liabilities.sql splits them: programme budgets and awards of
# earlier years are 已承诺; the year's own awards recorded so far are replaced by the forecast's new take-up
LEDGER_YEAR_SQL = f"""SELECT
  CAST(COALESCE(sum(amount_yuan) FILTER (WHERE beneficiary_kind = 'programme'), 0) AS DECIMAL(18, 2)) AS programme,
  CAST(COALESCE(sum(amount_yuan) FILTER (WHERE beneficiary_kind <> 'programme' AND award_year < payment_year), 0)
       AS DECIMAL(18, 2)) AS earlier_awards,
  CAST(COALESCE(sum(amount_yuan) FILTER (WHERE beneficiary_kind <> 'programme' AND award_year >= payment_year), 0)
       AS DECIMAL(18, 2)) AS this_years_awards,
  count(DISTINCT object_id) FILTER (WHERE beneficiary_kind <> 'programme' AND award_year >= payment_year) AS cases,
  CAST(COALESCE(sum(amount_yuan), 0) AS DECIMAL(18, 2)) AS paid
FROM ledger.liabilities WHERE {SPENDING} AND payment_year = ?"""
# the documents the forecast assumes reissued every year (forecast.assumptions) and their awards (programme budgets
# aside: those are not projected) in the last two recorded award years of the ledger, which counts them only within
# their catalogued validity
RENEWED = "SELECT subject FROM forecast.assumptions WHERE topic = 'validity' AND assumption LIKE '%续发%'"
RENEWED_SQL = f"""SELECT award_year, CAST(sum(amount_yuan) AS DECIMAL(18, 2)) FROM ledger.liabilities
WHERE {SPENDING} AND beneficiary_kind <> 'programme' AND award_year BETWEEN ? - 2 AND ? - 1
  AND document IN ({RENEWED}) GROUP BY award_year ORDER BY award_year"""
SQL = (FAN_SQL + ";\n-- 已记录年度（账本，预测首年之前）\n" + HISTORY_SQL.replace("?", "<预测首年>")
       + ";\n-- 预测首年账本支付的构成（已承诺 = 专项资金 + 以前年度奖补）\n"
       + LEDGER_YEAR_SQL.replace("?", "<预测首年>")
       + ";\nSELECT * FROM forecast.backtest_summary;\nSELECT * FROM forecast.backtest_coverage;")
METHOD_ZH = {"driver_forecast": "驱动因素预测（本系统）", "naive_last_value": "朴素法：沿用上年值",
             "naive_drift": "朴素法：线性外推"}
BAND_95, BAND_80 = "rgba(36,113,163,0.15)", "rgba(36,113,163,0.32)"  # explicit: no Plotly default colour anywhere
MEDIAN, HISTORY, WITHOUT = "#1f5f8b", "#2c3e50", "#7f8c8d"


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    data = conn.execute(FAN_SQL).pl()
    first = int(data["payment_year"].min()) if data.height else None
    history = conn.execute(HISTORY_SQL, [first if first is not None else 10_000]).pl()
    levels = conn.execute("SELECT * FROM forecast.by_year_level ORDER BY ALL").pl()
    fan = chart(_fan(data, history), "forecast-fan", "财政支出：已记录年度与预测（亿元）——中位数与 80%、95% 区间")
    body = f"""{fan}
<div class="card">{_step(conn, data, history)}{_committed_vs_ledger(conn, data)}</div>
{chart(_by_level(levels), "forecast-by-level", "按承担层级：已承诺与新增预测（亿元，中位数）")}
<div class="card"><h2>预测明细（万元）</h2>{_table(data)}</div>
<div class="card"><h2>回测：预留最近年度，与朴素方法比较</h2>{_backtest(conn)}{_coverage(conn)}</div>
<div class="card"><h2>预测假设</h2>{_assumptions(conn)}</div>
<div class="card"><h2>文件中的量化目标</h2>{_targets(conn)}</div>"""
    return page("forecast.html", body, run, SQL)


def _exact(yuan: object) -> str:
    """Exact 元 with thousands separators, from the Decimal (never through a float)."""
    return f"{Decimal(str(yuan or 0)):,.2f}"


def amount_zh(yuan: object) -> str:
    """An amount in a sentence: 亿元 from 1 亿 up, else 万元, else 元 (two decimals)."""
    v = Decimal(str(yuan or 0))
    if abs(v) >= Decimal(100_000_000):
        return f"{v / Decimal(100_000_000):,.2f} 亿元"
    return f"{v / Decimal(10_000):,.2f} 万元" if abs(v) >= Decimal(10_000) else f"{v:,.2f} 元"


def _yi(values: pl.Series) -> list[float]:
    return [float(v or 0) / 1e8 for v in values]


def _fan(data: pl.DataFrame, history: pl.DataFrame) -> go.Figure:
    """The ledger's recorded years as a solid line, then the forecast median and its bands (亿元 on the axis; the
    hover gives 万元 and exact 元). A dotted segment joins the last recorded year to the first forecast year."""
    years, fig = data["payment_year"].to_list(), go.Figure()
    w = {c: _yi(data[c]) for c in ("p025", "p10", "p50", "p90", "p975", "without_renewal")}
    fig.add_scatter(x=years + years[::-1], y=w["p975"] + w["p025"][::-1], fill="toself", name="95% 区间",
                    mode="lines", fillcolor=BAND_95, line={"width": 0, "color": BAND_95}, hoverinfo="skip")
    fig.add_scatter(x=years + years[::-1], y=w["p90"] + w["p10"][::-1], fill="toself", name="80% 区间",
                    mode="lines", fillcolor=BAND_80, line={"width": 0, "color": BAND_80}, hoverinfo="skip")
    if history.height:
        fig.add_scatter(x=history["payment_year"].to_list(), y=_yi(history["spent_yuan"]),
                        name="账本记录（已支付年度）", mode="lines+markers", line={"color": HISTORY, "width": 3},
                        marker={"color": HISTORY},
                        customdata=[[wan(v), _exact(v)] for v in history["spent_yuan"]],
                        hovertemplate="%{x}年 账本记录：%{y:,.2f} 亿元<br>%{customdata[0]} 万元"
                                      "（%{customdata[1]} 元）<extra></extra>")
        if years:
            fig.add_scatter(x=[history["payment_year"][-1], years[0]], y=[_yi(history["spent_yuan"])[-1], w["p50"][0]],
                            mode="lines", line={"color": MEDIAN, "dash": "dot"}, hoverinfo="skip", showlegend=False)
    fig.add_scatter(x=years, y=w["without_renewal"], name="不续发时（中位数）", mode="lines+markers",
                    line={"color": WITHOUT, "dash": "dash"}, marker={"color": WITHOUT},
                    customdata=[[wan(v), _exact(v)] for v in data["without_renewal"]],
                    hovertemplate="%{x}年 假定2024年政策清单不再续发：%{y:,.2f} 亿元<br>%{customdata[0]} 万元"
                                  "（%{customdata[1]} 元）<extra></extra>")
    fig.add_scatter(x=years, y=w["p50"], name="预测中位数", mode="lines+markers", line={"color": MEDIAN, "width": 3},
                    marker={"color": MEDIAN}, customdata=[
                        [wan(r["p50"]), _exact(r["p50"]), wan(r["p10"]), wan(r["p90"]), wan(r["p025"]), wan(r["p975"])]
                        for r in data.iter_rows(named=True)],
                    hovertemplate="%{x}年 预测中位数：%{y:,.2f} 亿元<br>%{customdata[0]} 万元（%{customdata[1]} 元）"
                                  "<br>80% 区间：%{customdata[2]}–%{customdata[3]} 万元"
                                  "<br>95% 区间：%{customdata[4]}–%{customdata[5]} 万元<extra></extra>")
    fig.update_layout(xaxis={"dtick": 1, "title": "支付年度"},
                      yaxis={"title": "金额（亿元）", "rangemode": "tozero", "tickformat": ",.1~f"},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def _fig(test_id: str, yuan: object, exact: bool = False) -> str:
    """A figure in a sentence that carries its exact 元 (data-yuan) for checking."""
    shown = f"{_exact(yuan)} 元" if exact else amount_zh(yuan)
    return f"<span data-testid='{test_id}' data-yuan='{yuan}'>{shown}</span>"


def _step(conn: duckdb.DuckDBPyConnection, data: pl.DataFrame, history: pl.DataFrame) -> str:
    """One sentence, from the data, on the step from the last recorded year to the first forecast year: what of
    the first year is already committed (later instalments and multi-year payments of earlier awards, programme
    budgets), what is new take-up, and how much of that rests on the renewal assumption."""
    if not data.height or not history.height:
        return ""
    f = data.row(0, named=True)
    year, last, recorded = f["payment_year"], history["payment_year"][-1], history["spent_yuan"][-1]
    programme, earlier, *_ = conn.execute(LEDGER_YEAR_SQL, [year]).fetchone()
    diff = f["p50"] - recorded
    move = f"多 {amount_zh(diff)}" if diff > 0 else f"少 {amount_zh(-diff)}" if diff < 0 else "持平"
    docs = "、".join(doc_name(d) for (d,) in conn.execute(RENEWED + " ORDER BY subject").fetchall()) or "2024年政策清单"
    text = (f"{year}年预测中位数 {_fig('step-first', f['p50'])}，比{last}年账本记录的 {_fig('step-last', recorded)}"
            f"{move}：其中已承诺 {_fig('step-committed', f['committed_yuan'])}（{last}年及以前已发生奖补在{year}年的"
            f"后续分期、多年支付和次年兑现 {_fig('step-earlier', earlier)}，专项资金安排 "
            f"{_fig('step-programme', programme)}），其余 {_fig('step-new', f['forecast_yuan'])}为新增兑现的预测，"
            f"其中 {_fig('step-renewal', f['p50'] - f['without_renewal'])}取决于{html.escape(docs)}此后每年续发的"
            f"假定（不续发时{year}年合计 {amount_zh(f['without_renewal'])}）。")
    renewed = conn.execute(RENEWED_SQL, [year, year]).fetchall()
    if renewed:
        by_year = "、".join(f"{y}年为 {amount_zh(v)}" for y, v in renewed)
        text += (f"账本按目录所列有效期计算这些清单，其奖补（专项资金以外）按奖补年度{by_year}；"
                 "预测则假定它们每年按同样条款续发。")
    return f"<p id='forecast-step'>{text}</p>"


def _committed_vs_ledger(conn: duckdb.DuckDBPyConnection, data: pl.DataFrame) -> str:
    """Why 已承诺 of the first forecast year is not the ledger's payments of that year (forecast_liabilities.sql):
    已承诺 keeps programme budgets and the payments of awards made before that year; the year's own awards the
    registries already show are left to the forecast's new take-up, which projects the whole year."""
    if not data.height:
        return ""
    year, committed = data["payment_year"][0], data["committed_yuan"][0]
    programme, earlier, own, cases, paid = conn.execute(LEDGER_YEAR_SQL, [year]).fetchone()
    rest = paid - committed - own  # zero when the two tables agree line by line
    text = (f"账本中{year}年的财政支出为 {_fig('ledger-first-year', paid, True)}，已承诺为 "
            f"{_fig('committed-first-year', committed, True)}，相差 {_exact(paid - committed)} 元。原因：已承诺只含"
            f"专项资金安排（{_exact(programme)} 元）和{year}年以前已发生奖补在该年的支付（{_exact(earlier)} 元）；"
            f"登记库中已出现的{year}年新奖补（{cases} 个对象，{_fig('ledger-own-awards', own, True)}）只是该年的"
            "一部分，预测把该年的新奖补整体计入“新增（预测）”，不再计入已承诺，以免重复。")
    if rest:
        text += f"其余 {_exact(rest)} 元的差异未能由以上两项解释，请核对账本与预测表。"
    return f"<p id='committed-vs-ledger'>{text}</p>"


def _by_level(levels: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    for level in reversed(LEVEL_ORDER):  # 旗区 at the bottom of the stack, 中央 on top; the legend lists 中央 first
        name = LEVEL_ZH[level]
        part = levels.filter(pl.col("paying_level") == level)
        for col, label, opacity in (("committed_yuan", "已承诺", 1.0), ("forecast_p50_yuan", "新增（预测）", 0.45)):
            fig.add_bar(x=part["payment_year"].to_list(), y=_yi(part[col]), name=f"{name}·{label}",
                        marker_color=LEVEL_COLOUR[level], opacity=opacity,
                        customdata=[[wan(v), _exact(v)] for v in part[col]],
                        hovertemplate="%{x}年 " + f"{name}{label}" + "：%{y:,.2f} 亿元<br>%{customdata[0]} 万元"
                                      "（%{customdata[1]} 元）<extra></extra>")
    fig.update_layout(barmode="stack", xaxis={"dtick": 1, "title": "支付年度"},
                      yaxis={"title": "金额（亿元）", "rangemode": "tozero", "tickformat": ",.1~f"},
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
            + table(["层级", "方法", "平均绝对误差（万元）", "平均绝对百分比误差"], rows, "backtest-table",
                    filters={"层级": None}))


def _fiscal(data: pl.DataFrame, first: str | None) -> pl.DataFrame:
    """Rows with a `level` column in the fiscal order (合计 first), keeping the query's order otherwise."""
    rank = pl.col("level").map_elements(level_rank, return_dtype=pl.Int64)
    return data.with_row_index("_at").sort([*([first] if first else []), rank, "_at"]).drop("_at")


def models_zh(text: str) -> str:
    """Model identifiers in an assumption (ets_damped, combination(theta 0.30, …)) by their Chinese names
    (forecast.MODEL_ZH): older warehouses wrote the identifiers, newer ones write the names."""
    text = re.sub(r"combination\((.*?)\)", lambda m: f"组合（{m.group(1)}）", text)
    for code, zh in sorted(MODEL_ZH.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"(?<![A-Za-z_]){code}(?![A-Za-z_])", zh, text)
    names = "|".join(map(re.escape, MODEL_ZH.values()))
    text = re.sub(rf"((?:{names})(?: [\d.]+)?), (?={names})", r"\1、", text)  # "a, b" -> "a、b"
    return text.replace(" 的加权组合", "的加权组合")


def _assumptions(conn: duckdb.DuckDBPyConnection) -> str:
    found = conn.execute("SELECT subject, assumption FROM forecast.assumptions").fetchall()
    rows = "".join(f"<li>{html.escape(doc_name(s) + '：' if s else '')}{html.escape(models_zh(a))}</li>"
                   for s, a in found)
    return f"<ul id='forecast-assumptions'>{rows}</ul>"


def target_year(year: object, titles: tuple[str, ...]) -> str:
    """A target's year as 2025年; with no year, the document's own period (2024—2025年) when its title gives one."""
    if year not in (None, "", "None"):
        return f"{year}年"
    for title in titles:
        period = re.search(r"(\d{4})\s*[—–-]\s*(\d{4})\s*年", title or "")
        if period:
            return f"{period.group(1)}—{period.group(2)}年（文件期内）"
    return "未注明"


def _targets(conn: duckdb.DuckDBPyConnection) -> str:
    found = conn.execute("""SELECT t.document, t.indicator_zh, t.year, t.value, t.unit, t.line_first, d.title
                            FROM ref.targets AS t LEFT JOIN catalogue.documents AS d USING (document)
                            ORDER BY t.document, t.year NULLS LAST, t.indicator_zh""").fetchall()
    rows = [f"<tr><td class='text'>{html.escape(doc_name(d))}</td><td class='text'>{html.escape(i)}</td>"
            f"<td>{html.escape(target_year(y, (doc_name(d), title or '')))}</td>"
            f"<td>{html.escape(str(v))} {html.escape(u or '')}</td>"
            f"<td>{'—' if ln in (None, '') else f'第{html.escape(str(ln))}行'}</td></tr>"
            for d, i, y, v, u, ln, title in found]
    inner = table(["文件", "指标", "目标年度", "目标值", "原文位置"], rows, "targets-table",
                  filters={"文件": None}, search=True)
    return ("<p>政策文件中的规划目标（不进入金额测算，供对照）；原文位置为政策原文汇编中的行号。</p>"
            + collapsible(f"展开 {len(rows)} 项规划目标", inner))
