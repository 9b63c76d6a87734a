"""数据质量: rows in, accepted and quarantined, per file and per run, and the quarantine by reason."""

from __future__ import annotations

import html

import duckdb
import plotly.graph_objects as go

from .layout import chart, page, table

SQL = """SELECT run_id, file, registry, rows_in, rows_accepted, rows_quarantined, status, message
FROM audit.input_files WHERE run_id = '<运行编号>';
SELECT registry, field, reason, count(DISTINCT file || source_row) AS rows FROM audit.quarantine
WHERE run_id = '<运行编号>' GROUP BY ALL ORDER BY rows DESC;"""


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    rid = run["run_id"]
    files = conn.execute("""SELECT file, registry, encoding, rows_in, rows_accepted, rows_quarantined, status,
                                   COALESCE(message, ''), sha256 FROM audit.input_files WHERE run_id = ?
                            ORDER BY registry, file""", [rid]).fetchall()
    file_rows = [f"<tr><td class='text'>{html.escape(f)}</td><td class='text'>{html.escape(r)}</td>"
                 f"<td class='text'>{html.escape(e or '')}</td>"
                 f"<td data-testid='rows-in-{html.escape(f)}'>{n or 0:,}</td>"
                 f"<td>{a or 0:,}</td><td>{q or 0:,}</td><td class='text'>{html.escape(s)} {html.escape(m)}</td>"
                 f"<td class='text'><code>{html.escape((h or '')[:12])}</code></td></tr>"
                 for f, r, e, n, a, q, s, m, h in files]
    reasons = conn.execute("""SELECT registry, field, reason, count(DISTINCT file || '#' || source_row) AS n
                              FROM audit.quarantine WHERE run_id = ? GROUP BY ALL ORDER BY n DESC""", [rid]).fetchall()
    fig = go.Figure(go.Bar(y=[f"{r}.{f}：{why}" for r, f, why, _ in reasons][::-1], x=[n for *_, n in reasons][::-1],
                           orientation="h", marker_color="#8b1e1e",
                           hovertemplate="%{y}<br>%{x:,} 行<extra></extra>"))
    fig.update_layout(xaxis_title="隔离行数", margin={"l": 420})
    reason_rows = [f"<tr><td class='text'>{html.escape(r)}</td><td class='text'>{html.escape(f)}</td>"
                   f"<td class='reason'>{html.escape(why)}</td><td>{n:,}</td></tr>" for r, f, why, n in reasons]
    runs = conn.execute("""SELECT i.run_id, any_value(r.finished_at), any_value(r.status), count(*),
                                  sum(rows_in), sum(rows_accepted), sum(rows_quarantined)
                           FROM audit.input_files AS i LEFT JOIN audit.runs AS r USING (run_id)
                           GROUP BY i.run_id ORDER BY 2 DESC NULLS LAST LIMIT 30""").fetchall()
    run_rows = [f"<tr><td class='text'><code>{html.escape(r[:8])}</code></td><td class='text'>"
                f"{html.escape(str(t or ''))[:19]}</td>"
                f"<td class='text'>{html.escape((s or '本次运行（进行中）')[:60])}</td>"
                f"<td>{k}</td><td>{n or 0:,}</td><td>{a or 0:,}</td><td>{q or 0:,}</td></tr>"
                for r, t, s, k, n, a, q in runs]
    body = f"""<div class="card"><h2>本次运行的输入文件</h2>
{table(["文件", "登记库", "编码", "输入行", "接受", "隔离", "状态", "SHA-256"], file_rows, "files-table")}
<p>每个文件：输入行 = 接受 + 隔离；被整体拒收的文件写明原因。</p></div>
{chart(fig, "quarantine-reasons", "本次运行隔离行按原因（行数）", 120 + 28 * max(len(reasons), 1))}
<div class="card">{table(["登记库", "字段", "原因", "行数"], reason_rows, "reasons-table")}</div>
<div class="card"><h2>历次运行</h2>
{table(["运行", "完成时间", "状态", "文件数", "输入行", "接受", "隔离"], run_rows, "runs-table")}</div>"""
    return page("quality.html", body, run, SQL)
