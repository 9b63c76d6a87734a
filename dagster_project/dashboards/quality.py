"""数据质量: rows in, accepted and quarantined, per file and per run, and the quarantine by reason."""

from __future__ import annotations

import html

import duckdb
import plotly.graph_objects as go

from ..contract import REGISTRIES
from ..display import safe_text
from .layout import chart, page, table

SQL = """SELECT run_id, file, registry, rows_in, rows_accepted, rows_quarantined, status, message
FROM audit.input_files WHERE run_id = '<运行编号>';
SELECT registry, field, reason, count(DISTINCT file || source_row) AS rows FROM audit.quarantine
WHERE run_id = '<运行编号>' GROUP BY ALL ORDER BY rows DESC;"""


STATUS = {"read": "已读取", "refused": "已拒收（阻止发布）"}
ARRIVAL = {"ok": "正常", "missing": "未到（阻止发布）", "held": "较上次发布骤降，待人工确认（阻止发布）",
           "confirmed": "骤降，已人工确认"}


def _zh(registry: str | None) -> str:
    return REGISTRIES[registry].zh if registry in REGISTRIES else "—"


def _files_card(conn: duckdb.DuckDBPyConnection, rid: str) -> str:
    """The files read or refused; file names and messages come from the landing folder: shown neutralised."""
    files = conn.execute("""SELECT file, registry, encoding, COALESCE(sheets, ''), COALESCE(skipped_sheets, ''),
                                   rows_in, rows_accepted, rows_quarantined, COALESCE(blank_rows, 0), status,
                                   COALESCE(message, ''), sha256
                            FROM audit.input_files WHERE run_id = ? AND status IN ('read', 'refused')
                            ORDER BY registry, file""", [rid]).fetchall()
    rows = [f"<tr><td class='text'>{html.escape(safe_text(f))}</td><td class='text'>{_zh(r)}</td>"
            f"<td class='text'>{html.escape(e or '')}</td>"
            f"<td class='text'>{html.escape(safe_text(sh))}{_skipped(sk)}</td>"
            f"<td data-testid='rows-in-{html.escape(safe_text(f))}'>{n or 0:,}</td>"
            f"<td>{a or 0:,}</td><td>{q or 0:,}</td><td>{b:,}</td>"
            f"<td class='text'>{STATUS.get(s, s)} {html.escape(safe_text(m))}</td>"
            f"<td class='text'><code>{html.escape((h or '')[:12])}</code></td></tr>"
            for f, r, e, sh, sk, n, a, q, b, s, m, h in files]
    return f"""<div class="card"><h2>本次运行的输入文件</h2>
{table(["文件", "登记库", "编码", "工作表", "记录数", "接受", "隔离", "空行", "状态", "SHA-256"], rows, "files-table")}
<p>记录数按文件字节（或工作表中有内容的行）独立清点，不依赖解析器；每个文件：记录数 = 接受 + 隔离。空行不是记录，
单列计数。被整体拒收的文件写明原因，并阻止本次发布。</p></div>
"""


def _skipped(sheets: str) -> str:
    return f"<br>未读：{html.escape(safe_text(sheets))}" if sheets else ""


def _not_read_card(conn: duckdb.DuckDBPyConnection, rid: str) -> str:
    """Files of the landing folder that were not read: temporary/lock/backup files, and names of no registry."""
    rows = conn.execute("""SELECT file, status, message FROM audit.input_files WHERE run_id = ?
                           AND status IN ('skipped', 'unknown') ORDER BY status, file""", [rid]).fetchall()
    kind = {"skipped": "临时、锁定或备份文件：已跳过", "unknown": "未识别的文件：不属于任何登记库，未读取"}
    cells = [f"<tr><td class='text'>{html.escape(safe_text(f))}</td><td class='text'>{kind.get(s, s)}</td>"
             f"<td class='reason'>{html.escape(safe_text(m))}</td></tr>" for f, s, m in rows]
    return f"""<div class="card"><h2>接收目录中未读取的文件</h2>
{table(["文件", "类别", "说明"], cells, "not-read-table")}
<p>这些文件不阻止发布：它们不属于任何登记库的数据。若其中有登记库的导出，请按约定重命名后重新运行。</p></div>
"""


def _arrivals_card(conn: duckdb.DuckDBPyConnection, rid: str) -> str:
    """Every registry of the data contract: arrived or not, and its accepted rows against the last published run."""
    rows = conn.execute("""SELECT registry, files_read, rows_accepted, previous_run_id, previous_rows_accepted,
                                  drop_share, status FROM audit.registry_arrivals WHERE run_id = ?""", [rid]).fetchall()
    cells = [f"<tr data-testid='arrival-{r}'><td class='text'>{_zh(r)}</td><td>{k}</td><td>{a:,}</td>"
             f"<td>{'—' if p is None else f'{p:,}'}</td>"
             f"<td>{'—' if d is None else f'{-d:+.1%}'}</td><td class='text'>{ARRIVAL.get(s, s)}</td></tr>"
             for r, k, a, _, p, d, s in rows]
    previous = next((prev for _, _, _, prev, *_ in rows if prev), None)
    since = f"上次发布的运行：<code>{html.escape(previous[:8])}</code>" if previous else "此前没有已发布的运行。"
    return f"""<div class="card"><h2>各登记库到达情况</h2>
{table(["登记库", "读取文件数", "本次接受行数", "上次发布接受行数", "变化", "状态"], cells, "arrivals-table")}
<p>数据约定中的每个登记库都必须到达，否则本次不发布。接受行数较上次发布下降超过设定比例（NMG_MAX_ROW_DROP_SHARE）
时，本次暂不发布，待人工核实后设置 NMG_CONFIRM_DROP 重新运行。{since}</p></div>
"""


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    rid = run["run_id"]
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
                f"<td class='text'>{html.escape((s if s not in (None, 'started') else '本次运行（进行中）')[:60])}</td>"
                f"<td>{k}</td><td>{n or 0:,}</td><td>{a or 0:,}</td><td>{q or 0:,}</td></tr>"
                for r, t, s, k, n, a, q in runs]
    body = f"""{_arrivals_card(conn, rid)}{_files_card(conn, rid)}{_not_read_card(conn, rid)}
{chart(fig, "quarantine-reasons", "本次运行隔离行按原因（行数）", 120 + 28 * max(len(reasons), 1))}
<div class="card">{table(["登记库", "字段", "原因", "行数"], reason_rows, "reasons-table")}</div>
<div class="card"><h2>历次运行</h2>
{table(["运行", "完成时间", "状态", "文件数", "输入行", "接受", "隔离"], run_rows, "runs-table")}</div>"""
    return page("quality.html", body, run, SQL)
