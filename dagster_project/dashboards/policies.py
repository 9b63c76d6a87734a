"""分政策: the costliest policies of each payment year (next year first), cost per document by year with the part on
a default split apart, and, folded away, the 20 costliest clauses, coverage, assumptions and the clauses that could
not be costed.

The years shown are those the overview shows: the ledger for the years before the forecast, committed + forecast
median (forecast.liabilities) for the forecast years. regions.py reads the same lines (`yearly_lines`)."""

from __future__ import annotations

import html
from decimal import Decimal

import duckdb
import plotly.graph_objects as go

from .layout import SPENDING, chart, collapsible, doc_name, focus_year, has_table, money_td, page, table, year_word, yi

ASSUMED = "基于假设"
UNSPLIT = "分担比例未明确"
LEDGER, FORECAST = "台账", "预测"
TOP_N = 10
# the 20 costliest rules over every payment year, each with its distinct beneficiaries over the same ledger lines
# (a rule's beneficiaries spread over regions and years: the mart's per-cell counts cannot be added or maxed)
TOP_RULES = f"""SELECT l.rule_id, any_value(r.title), any_value(l.document), sum(l.amount_yuan) AS amount_yuan,
       count(DISTINCT l.beneficiary_id) AS beneficiaries, any_value(r.assumption) IS NOT NULL AS on_assumption
FROM ledger.liabilities AS l JOIN catalogue.rules AS r USING (rule_id)
WHERE l.{SPENDING} GROUP BY l.rule_id ORDER BY amount_yuan DESC, l.rule_id LIMIT 20"""

SQL = """-- the 10 costliest rules of one forecast year (committed + forecast median, budget spending)
SELECT rule_id, any_value(document) AS document, sum(amount_p50) AS amount_yuan,
       sum(amount_p50) / sum(sum(amount_p50)) OVER () AS share_of_year
FROM forecast.liabilities WHERE kind IN ('spending', 'programme') AND payment_year = {year}
GROUP BY rule_id ORDER BY amount_yuan DESC, rule_id LIMIT 10;
-- a year before the forecast: the same from the ledger
SELECT rule_id, sum(amount_yuan) FROM ledger.liabilities WHERE kind IN ('spending', 'programme')
  AND payment_year = {past} GROUP BY rule_id ORDER BY 2 DESC, rule_id LIMIT 10;
-- the 20 costliest clauses of the ledger and their distinct beneficiaries
{top};
-- clauses without an amount in the text
SELECT document, item, rule_id, title, reason FROM catalogue.rules WHERE status = 'not_costable';"""


def first_forecast_year(conn: duckdb.DuckDBPyConnection) -> int | None:
    """'Next year' of the pages: the first forecast year (the overview's first headline); None without a forecast."""
    if not has_table(conn, "forecast", "by_year_level"):
        return None
    return conn.execute("SELECT min(payment_year) FROM forecast.by_year_level").fetchone()[0]


def yearly_lines(conn: duckdb.DuckDBPyConnection) -> str:
    """SQL of budget spending per payment year as every page shows it: the ledger before the first forecast year
    (basis 台账), committed + forecast median of forecast.liabilities in the forecast years (basis 预测)."""
    ledger = ("SELECT payment_year, '{b}' AS basis, paying_level, paying_region_code, rule_id, document, "
              f"split_specified, amount_yuan FROM ledger.liabilities WHERE {SPENDING}")
    first = first_forecast_year(conn)
    if first is None or not has_table(conn, "forecast", "liabilities"):
        return ledger.format(b=LEDGER)
    return (f"{ledger.format(b=LEDGER)} AND payment_year < {int(first)} UNION ALL "
            f"SELECT payment_year, '{FORECAST}', paying_level, paying_region_code, rule_id, document, split_specified,"
            f" amount_p50 FROM forecast.liabilities WHERE {SPENDING}")


def pct(part: Decimal, whole: Decimal) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "—"


def wrap(label: str, width: int = 9) -> str:
    """A chart label broken into lines of `width` characters, so a long Chinese name leaves the bars room on a
    phone (Plotly draws <br> as a line break)."""
    return "<br>".join(label[i:i + width] for i in range(0, len(label), width)) if len(label) > width else label


def year_menu(labels: list[str], active: int, restyles: list[dict]) -> list[dict]:
    """A plotly dropdown (updatemenus, in the basic bundle) that swaps the traces' data to one year's."""
    return [{"type": "dropdown", "active": active, "x": 1, "y": 1.02, "xanchor": "right", "yanchor": "bottom",
             "showactive": True, "buttons": [{"label": lab, "method": "restyle", "args": [args]}
                                             for lab, args in zip(labels, restyles, strict=True)]}]


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    lines = yearly_lines(conn)
    focus = focus_year(conn, run)  # 'next year': the budget year after the data date
    word = year_word(focus, run)
    top, year_totals = _top_by_year(conn, lines)
    by_doc = conn.execute(f"""SELECT payment_year, any_value(basis), document, sum(amount_yuan),
                                     COALESCE(sum(amount_yuan) FILTER (WHERE NOT split_specified), 0)
                              FROM ({lines}) GROUP BY payment_year, document
                              ORDER BY payment_year, 4 DESC, document""").fetchall()
    ledger_docs = conn.execute(f"""SELECT d.document, COALESCE(sum(l.amount_yuan), 0),
                                   COALESCE(sum(l.amount_yuan) FILTER (WHERE NOT l.split_specified), 0)
                                   FROM catalogue.documents AS d LEFT JOIN ledger.liabilities AS l
                                     ON l.document = d.document AND l.{SPENDING}
                                   GROUP BY ALL ORDER BY 2 DESC, 1""").fetchall()
    past = min((y for y in year_totals if focus is None or y < focus), default=focus or 0)
    body = f"""<div class="card"><h2>{word}成本最高的{TOP_N}项政策（万元；可选其他年度）</h2>
{_headline(top, year_totals, focus, word)}
{_top_table(top, year_totals, focus)}
<p>以前年度为台账（已登记、已到期的兑现）；预测年度为已承诺加新增兑现的中位数，区间见“预测”页。
占比为占当年全部政策财政支出的比重。{ASSUMED}：金额依据目录所列假设测算，不是原文和登记数据直接给出的数；
{UNSPLIT}：原文未写明各级承担比例，按目录默认比例分到各级，需另行确认。</p></div>
{_document_chart(by_doc, focus)}
<div class="card"><h2>按文件：分担比例明确与未明确（万元）</h2>
{_document_table(by_doc, ledger_docs, focus)}
<p>“分担比例未明确”：原文未写明各级承担比例，按目录默认比例记账，需另行确认。“台账全部年度”为已登记奖补在
全部支付年度的兑现（含以后年度已承诺的分期），与预测年度口径不同，不能相加。</p>
{_reconciliation(conn, year_totals, focus)}</div>
{_folded(conn)}"""
    return page("policies.html", body, run, SQL.format(year=focus or past, past=past, top=TOP_RULES))


def _top_by_year(conn: duckdb.DuckDBPyConnection, lines: str) -> tuple[list[tuple], dict[int, Decimal]]:
    """The TOP_N costliest rules of every payment year, with the year totals they are a share of."""
    rows = conn.execute(f"""WITH by_rule AS (
            SELECT payment_year, any_value(basis) AS basis, rule_id, any_value(document) AS document,
                   sum(amount_yuan) AS amount, bool_and(split_specified) AS specified
            FROM ({lines}) GROUP BY payment_year, rule_id),
          ranked AS (SELECT *, row_number() OVER (PARTITION BY payment_year ORDER BY amount DESC, rule_id) AS rank
                     FROM by_rule)
        SELECT k.payment_year, k.basis, k.rank, k.rule_id, r.title, k.document, k.amount,
               r.assumption IS NOT NULL, k.specified
        FROM ranked AS k LEFT JOIN catalogue.rules AS r USING (rule_id)
        WHERE k.rank <= {TOP_N} ORDER BY k.payment_year, k.rank""").fetchall()
    totals = dict(conn.execute(f"SELECT payment_year, sum(amount_yuan) FROM ({lines}) GROUP BY 1").fetchall())
    return rows, totals


def _headline(top: list[tuple], totals: dict[int, Decimal], focus: int | None, word: str) -> str:
    """The year's total in 亿元 and what its ten costliest policies make of it (exact 元 in data-yuan)."""
    if focus is None or focus not in totals:
        return ""
    ten = sum((r[6] for r in top if r[0] == focus), Decimal(0))
    return (f"<p class='lead'>{word}全部政策财政支出预计 <b data-yuan='{totals[focus]}' "
            f"data-testid='policies-year-total'>{yi(totals[focus])} 亿元</b>（预测中位数）；成本最高的{TOP_N}项合计 "
            f"<b data-yuan='{ten}' data-testid='top-ten-sum'>{yi(ten)} 亿元</b>，占 {pct(ten, totals[focus])}。</p>")


def _top_table(top: list[tuple], totals: dict[int, Decimal], focus: int | None) -> str:
    rows = []
    for year, basis, rank, rule, title, document, amount, on_assumption, specified in top:
        flags = "；".join(f for f, on in ((ASSUMED, on_assumption), (UNSPLIT, not specified)) if on)
        test_id = f"next-rule-{rule}" if year == focus else f"top-{year}-{rule}"
        rows.append(f"<tr><td>{year}年</td><td>{basis}</td><td>{rank}</td>"
                    f"<td class='text'>{html.escape(rule)} {html.escape(title or '')}</td>"
                    f"<td class='text'>{html.escape(doc_name(document))}</td>{money_td(amount, test_id)}"
                    f"<td>{pct(amount, totals[year])}</td><td class='text'>{flags}</td></tr>")
    head = ["支付年度", "口径", "排名", "政策条款", "文件", "金额", "占当年比重", "提示"]
    return table(head, rows, "top-by-year", filters={"支付年度": f"{focus}年" if focus else None})


def _document_chart(by_doc: list[tuple], focus: int | None) -> str:
    """Cost per document, split specified or on the default split, one year at a time (a dropdown, the first
    forecast year shown first); horizontal, so the documents' Chinese names stay readable on a phone."""
    years = sorted({r[0] for r in by_doc})
    if not years:
        return ""
    parts = (("分担比例明确", "#8b1e1e", lambda a, u: a - u), (UNSPLIT + "（按默认比例）", "#e59866", lambda a, u: u))
    styles = []
    for y in years:
        rows = [r for r in by_doc if r[0] == y]  # already by amount, largest first
        styles.append({"y": [[wrap(doc_name(r[2])) for r in rows] for _ in parts],
                       "x": [[float(part(r[3], r[4])) / 10000 for r in rows] for _, _, part in parts],
                       "customdata": [[f"{part(r[3], r[4]):,.2f}" for r in rows] for _, _, part in parts]})
    active = years.index(focus) if focus in years else len(years) - 1
    fig = go.Figure()
    for i, (name, colour, _) in enumerate(parts):
        fig.add_bar(orientation="h", name=name, marker_color=colour, y=styles[active]["y"][i],
                    x=styles[active]["x"][i], customdata=styles[active]["customdata"][i],
                    hovertemplate=f"%{{y}} · {name}：%{{x:,.2f}} 万元（%{{customdata}} 元）<extra></extra>")
    fig.update_layout(barmode="stack", yaxis={"autorange": "reversed", "automargin": True},
                      xaxis={"tickformat": ",.0f", "nticks": 5}, margin={"t": 56},
                      legend={"orientation": "h", "y": -0.06, "yanchor": "top", "traceorder": "normal"},
                      updatemenus=year_menu([f"{y}年" for y in years], active, styles))
    count = max(len([r for r in by_doc if r[0] == y]) for y in years)
    return chart(fig, "policies-by-document", "各文件政策兑现资金（万元；右上角选择年度，预测年度为中位数）",
                 max(380, 160 + 46 * count))


def _document_table(by_doc: list[tuple], ledger_docs: list[tuple], focus: int | None) -> str:
    totals: dict[int, Decimal] = {}
    for y, _, _, amount, _ in by_doc:
        totals[y] = totals.get(y, Decimal(0)) + amount
    rows = [f"<tr><td>{y}年</td><td>{b}</td><td class='text'>{html.escape(doc_name(d))}</td>{money_td(a)}"
            f"{money_td(a - u)}{money_td(u)}<td>{pct(u, a)}</td></tr>" for y, b, d, a, u in by_doc]
    rows += [f"<tr><td>台账全部年度</td><td>{LEDGER}</td><td class='text'>{html.escape(doc_name(d))}</td>"
             f"{money_td(a, f'document-{d}')}{money_td(a - u)}{money_td(u)}<td>{pct(u, a)}</td></tr>"
             for d, a, u in ledger_docs]
    head = ["支付年度", "口径", "文件", "合计", "分担比例明确", "分担比例未明确", "未明确占比"]
    return table(head, rows, "document-table", filters={"支付年度": f"{focus}年" if focus else None, "文件": None})


def _reconciliation(conn: duckdb.DuckDBPyConnection, totals: dict[int, Decimal], focus: int | None) -> str:
    """One line on why this page's totals equal the region page's by paying region and differ from its table by
    beneficiary region: programme budgets are booked to a level, not to a beneficiary's banner."""
    booked = conn.execute(f"""SELECT COALESCE(sum(l.amount_yuan), 0) FROM ledger.liabilities AS l
                              LEFT JOIN ref.regions AS g ON g.region_code = l.beneficiary_region_code
                              WHERE l.{SPENDING} AND g.level IS DISTINCT FROM 'banner'
                                AND g.level IS DISTINCT FROM 'park'""").fetchone()[0] \
        if has_table(conn, "ref", "regions") else Decimal(0)
    year = f"{focus}年各政策合计 {yi(totals[focus])} 亿元，" if focus in totals else ""
    return (f"<p>{year}与“分地区”页按承担地区的合计相同（两页读同一批台账和预测记录）。“分地区”页按受益地区的旗区表"
            f"只含落到旗区（园区）的资金，比本页台账全部年度合计少 <span data-testid='booked-to-level' "
            f"data-yuan='{booked}'>{yi(booked)} 亿元</span>：这是按自治区、盟市本级安排的专项资金，没有受益旗区。</p>")


def _folded(conn: duckdb.DuckDBPyConnection) -> str:
    """The long tables, folded: top 20 of the ledger, coverage, assumptions, clauses not costable."""
    top = conn.execute(TOP_RULES).fetchall()
    top_rows = [f"<tr><td class='text'>{html.escape(r)} {html.escape(t or '')}{f'（{ASSUMED}）' if assumed else ''}"
                f"</td><td class='text'>{html.escape(doc_name(d))}</td>{money_td(a, f'rule-{r}')}"
                f"<td data-testid='beneficiaries-{html.escape(r)}'>{n:,}</td></tr>"
                for r, t, d, a, n, assumed in top]
    cov = conn.execute("""SELECT document, clauses, costed, costed_on_assumption, not_costable, costed_split_unspecified
                          FROM catalogue.coverage ORDER BY document""").fetchall()
    cov_rows = [f"<tr><td class='text'>{html.escape(doc_name(d))}</td><td>{c}</td><td>{k}</td><td>{a}</td>"
                f"<td>{n}</td><td>{u}</td></tr>" for d, c, k, a, n, u in cov]
    assumed = conn.execute("""SELECT r.document, r.rule_id, r.title, r.assumption, COALESCE(sum(l.amount_yuan), 0)
                              FROM catalogue.rules AS r LEFT JOIN ledger.liabilities AS l USING (rule_id)
                              WHERE r.assumption IS NOT NULL GROUP BY ALL ORDER BY 5 DESC, 2""").fetchall()
    assumed_rows = [f"<tr><td class='text'>{html.escape(doc_name(d))}</td><td class='text'>{html.escape(r)} "
                    f"{html.escape(t or '')}</td><td class='reason'>{html.escape(why)}</td>{money_td(a)}</tr>"
                    for d, r, t, why, a in assumed]
    nc = conn.execute("""SELECT document, item, rule_id, title, reason FROM catalogue.rules
                         WHERE status = 'not_costable' ORDER BY document, line_first, rule_id""").fetchall()
    nc_rows = [f"<tr><td class='text'>{html.escape(doc_name(d))}</td><td class='text'>第{html.escape(i or '')}项</td>"
               f"<td class='text'>{html.escape(r)} {html.escape(t or '')}</td>"
               f"<td class='reason'>{html.escape(why or '')}</td></tr>" for d, i, r, t, why in nc]
    note = ("<p>受益对象数：该条款在全部支付年度中不同的受益企业、人才或用人单位个数（跨地区、跨年度去重；"
            "专项资金计为 1）。</p>")
    parts = [
        ("台账全部支付年度金额最大的 20 条条款（万元）",
         table(["条款", "文件", "金额", "受益对象数"], top_rows, "top-rules", filters={"文件": None}, search=True)
         + note),
        ("各文件条款覆盖情况",
         table(["文件", "财政条款", "已测算", "其中基于假设", "无法测算", "比例未明确"], cov_rows, "coverage-table")),
        (f"基于假设测算的条款（{len(assumed)} 条，台账金额，万元）",
         table(["文件", "条款", "假设", "台账金额"], assumed_rows, "assumption-based", filters={"文件": None},
               search=True)),
        (f"无法测算的条款及原因（{len(nc)} 条）",
         table(["文件", "条目", "条款", "原因"], nc_rows, "not-costable", filters={"文件": None}, search=True)),
    ]
    return "".join(f'<div class="card">{collapsible(summary, inner)}</div>' for summary, inner in parts)
