"""分政策: cost per document and rule, the biggest rules, "split unspecified" apart, and the clauses that could
not be costed, with the reason."""

from __future__ import annotations

import html

import duckdb
import plotly.graph_objects as go

from .layout import SPENDING, chart, money_td, page, table

SQL = """-- cost per document and rule (ledger, every payment year, budget spending)
SELECT document, rule_id, rule_title, sum(amount_yuan) AS amount_yuan FROM marts.liabilities_by_year_level_region_rule
WHERE kind IN ('spending', 'programme') GROUP BY ALL ORDER BY amount_yuan DESC;
-- clauses without an amount in the text
SELECT document, item, rule_id, title, reason FROM catalogue.rules WHERE status = 'not_costable';"""


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    docs = conn.execute(f"""SELECT d.document, d.title, COALESCE(sum(l.amount_yuan), 0) AS amount_yuan,
                                   COALESCE(sum(l.amount_yuan) FILTER (WHERE NOT l.split_specified), 0) AS unspecified
                            FROM catalogue.documents AS d LEFT JOIN ledger.liabilities AS l
                              ON l.document = d.document AND l.{SPENDING}
                            GROUP BY ALL ORDER BY amount_yuan DESC""").fetchall()
    fig = go.Figure(go.Bar(x=[d[0] for d in docs], y=[float(d[2]) / 10000 for d in docs], marker_color="#8b1e1e",
                           customdata=[d[1] for d in docs],
                           hovertemplate="%{x} %{customdata}<br>%{y:,.2f} 万元<extra></extra>"))
    fig.update_layout(xaxis_title="文件", yaxis={"tickformat": ",.0f", "title": "金额（万元）"})
    doc_rows = [f"<tr><td class='text'>{html.escape(d)} {html.escape(t)}</td>{money_td(a, f'document-{d}')}"
                f"{money_td(a - u)}{money_td(u)}</tr>" for d, t, a, u in docs]
    top = conn.execute(f"""SELECT rule_id, any_value(rule_title), any_value(document), sum(amount_yuan) AS a,
                                  max(beneficiaries) FROM marts.liabilities_by_year_level_region_rule
                           WHERE {SPENDING} GROUP BY rule_id ORDER BY a DESC LIMIT 20""").fetchall()
    top_rows = [f"<tr><td class='text'>{html.escape(r)} {html.escape(t)}</td><td class='text'>{html.escape(d)}</td>"
                f"{money_td(a, f'rule-{r}')}<td>{n:,}</td></tr>" for r, t, d, a, n in top]
    cov = conn.execute("""SELECT document, clauses, costed, not_costable, costed_split_unspecified
                          FROM catalogue.coverage ORDER BY document""").fetchall()
    cov_rows = [f"<tr><td class='text'>{html.escape(d)}</td><td>{c}</td><td>{k}</td><td>{n}</td><td>{u}</td></tr>"
                for d, c, k, n, u in cov]
    nc = conn.execute("""SELECT document, item, rule_id, title, reason FROM catalogue.rules
                         WHERE status = 'not_costable' ORDER BY document, line_first, rule_id""").fetchall()
    nc_rows = [f"<tr><td class='text'>{html.escape(d)} 第{html.escape(i)}项</td><td class='text'>{html.escape(r)} "
               f"{html.escape(t)}</td><td class='reason'>{html.escape(why or '')}</td></tr>" for d, i, r, t, why in nc]
    body = f"""{chart(fig, "policies-by-document", "各文件政策兑现资金（万元，台账全部支付年度）")}
<div class="card"><h2>按文件：分担比例明确与未明确（万元）</h2>
{table(["文件", "合计", "分担比例明确", "分担比例未明确"], doc_rows, "document-table")}
<p>“分担比例未明确”：原文未写明各级承担比例，按 seeds/catalogue/defaults.yaml 的默认比例记账，需另行确认。</p></div>
<div class="card"><h2>金额最大的 20 条条款（万元）</h2>
{table(["条款", "文件", "金额", "受益对象数"], top_rows, "top-rules")}</div>
<div class="card"><h2>条款覆盖情况</h2>
{table(["文件", "财政条款", "已测算", "无法测算", "比例未明确"], cov_rows, "coverage-table")}</div>
<div class="card"><h2>无法测算的条款及原因（{len(nc)} 条）</h2>
{table(["文件与条目", "条款", "原因"], nc_rows, "not-costable")}</div>"""
    return page("policies.html", body, run, SQL)
