"""分政策: cost per document and rule, the biggest rules, "split unspecified" apart, and the clauses that could
not be costed, with the reason."""

from __future__ import annotations

import html

import duckdb
import plotly.graph_objects as go

from .layout import SPENDING, chart, money_td, page, table

ASSUMED = "（基于假设）"
# the 20 costliest rules over every payment year, each with its distinct beneficiaries over the same ledger lines
# (a rule's beneficiaries spread over regions and years: the mart's per-cell counts cannot be added or maxed)
TOP_RULES = f"""SELECT l.rule_id, any_value(r.title), any_value(l.document), sum(l.amount_yuan) AS amount_yuan,
       count(DISTINCT l.beneficiary_id) AS beneficiaries, any_value(r.assumption) IS NOT NULL AS on_assumption
FROM ledger.liabilities AS l JOIN catalogue.rules AS r USING (rule_id)
WHERE l.{SPENDING} GROUP BY l.rule_id ORDER BY amount_yuan DESC, l.rule_id LIMIT 20"""

SQL = """-- cost per document and rule (ledger, every payment year, budget spending)
SELECT document, rule_id, rule_title, sum(amount_yuan) AS amount_yuan FROM marts.liabilities_by_year_level_region_rule
WHERE kind IN ('spending', 'programme') GROUP BY ALL ORDER BY amount_yuan DESC;
-- the 20 costliest clauses and their distinct beneficiaries (enterprises, people, employers; a programme counts 1)
{top};
-- clauses costed on a stated assumption, and their cost
SELECT r.rule_id, r.title, r.assumption, sum(l.amount_yuan) AS amount_yuan FROM catalogue.rules AS r
LEFT JOIN ledger.liabilities AS l USING (rule_id) WHERE r.assumption IS NOT NULL GROUP BY ALL;
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
    top = conn.execute(TOP_RULES).fetchall()
    top_rows = [f"<tr><td class='text'>{html.escape(r)} {html.escape(t)}{ASSUMED if on_assumption else ''}</td>"
                f"<td class='text'>{html.escape(d)}</td>{money_td(a, f'rule-{r}')}"
                f"<td data-testid='beneficiaries-{html.escape(r)}'>{n:,}</td></tr>"
                for r, t, d, a, n, on_assumption in top]
    cov = conn.execute("""SELECT document, clauses, costed, costed_on_assumption, not_costable, costed_split_unspecified
                          FROM catalogue.coverage ORDER BY document""").fetchall()
    cov_rows = [f"<tr><td class='text'>{html.escape(d)}</td><td>{c}</td><td>{k}</td><td>{a}</td><td>{n}</td>"
                f"<td>{u}</td></tr>" for d, c, k, a, n, u in cov]
    assumed = conn.execute("""SELECT r.rule_id, r.title, r.assumption, COALESCE(sum(l.amount_yuan), 0)
                              FROM catalogue.rules AS r LEFT JOIN ledger.liabilities AS l USING (rule_id)
                              WHERE r.assumption IS NOT NULL GROUP BY ALL ORDER BY 4 DESC, 1""").fetchall()
    assumed_rows = [f"<tr><td class='text'>{html.escape(r)} {html.escape(t)}</td><td class='reason'>"
                    f"{html.escape(why)}</td>{money_td(a)}</tr>" for r, t, why, a in assumed]
    nc = conn.execute("""SELECT document, item, rule_id, title, reason FROM catalogue.rules
                         WHERE status = 'not_costable' ORDER BY document, line_first, rule_id""").fetchall()
    nc_rows = [f"<tr><td class='text'>{html.escape(d)} 第{html.escape(i)}项</td><td class='text'>{html.escape(r)} "
               f"{html.escape(t)}</td><td class='reason'>{html.escape(why or '')}</td></tr>" for d, i, r, t, why in nc]
    body = f"""{chart(fig, "policies-by-document", "各文件政策兑现资金（万元，台账全部支付年度）")}
<div class="card"><h2>按文件：分担比例明确与未明确（万元）</h2>
{table(["文件", "合计", "分担比例明确", "分担比例未明确"], doc_rows, "document-table")}
<p>“分担比例未明确”：原文未写明各级承担比例，按 seeds/catalogue/defaults.yaml 的默认比例记账，需另行确认。</p></div>
<div class="card"><h2>金额最大的 20 条条款（万元）</h2>
{table(["条款", "文件", "金额", "受益对象数"], top_rows, "top-rules")}
<p>受益对象数：该条款在全部支付年度中不同的受益企业、人才或用人单位个数（跨地区、跨年度去重；专项资金计为 1）。
{ASSUMED}：金额依据所列假设测算（见下表），不是原文和登记数据直接给出的数。</p></div>
<div class="card"><h2>条款覆盖情况</h2>
{table(["文件", "财政条款", "已测算", "其中基于假设", "无法测算", "比例未明确"], cov_rows, "coverage-table")}</div>
<div class="card"><h2>基于假设测算的条款（{len(assumed)} 条，万元）</h2>
{table(["条款", "假设", "台账金额"], assumed_rows, "assumption-based")}</div>
<div class="card"><h2>无法测算的条款及原因（{len(nc)} 条）</h2>
{table(["文件与条目", "条款", "原因"], nc_rows, "not-costable")}</div>"""
    return page("policies.html", body, run, SQL.format(top=TOP_RULES))
