"""数据质量: rows in, accepted and quarantined, per file and per run, and the quarantine by reason.

Everything shown is Chinese: registries, fields and statuses by their Chinese names; the reasons and messages the
readers wrote keep their meaning with developer paths and file-format words put in Chinese (reason_zh); what the
staff must type or find as written (file and sheet names, encodings, settings) is shown as code."""

from __future__ import annotations

import html
import re

import duckdb
import plotly.graph_objects as go

from ..contract import REGISTRIES
from ..display import safe_text
from ..stages import INTERRUPTED, PUBLISHED, STARTED, UNPUBLISHED
from .layout import chart, page, table

SQL = """SELECT run_id, file, registry, rows_in, rows_accepted, rows_quarantined, status, message
FROM audit.input_files WHERE run_id = '<运行编号>';
SELECT registry, field, reason, count(DISTINCT (file, sheet, source_row)) AS rows FROM audit.quarantine
WHERE run_id = '<运行编号>' GROUP BY ALL ORDER BY rows DESC;
SELECT run_id, started_at, finished_at, status FROM audit.runs ORDER BY finished_at DESC;"""


STATUS = {"read": "已读取", "refused": "已拒收（阻止发布）"}
FORMAT_ZH = {"xlsx": "电子表格工作簿", "parquet": "列式数据文件"}  # audit.input_files.encoding of files without text
# reference tables of seeds/reference/ by the names the bureau knows them by
REFERENCE_ZH = {"regions": "区划代码表", "industries": "行业代码表", "metrics": "指标代码表",
                "project_types": "项目类型代码表", "targets": "规划目标表"}
# developer paths and file-format words in reasons and messages, in Chinese (longest first)
WORDING = [(re.compile(r"\s?(?:seeds/reference/)?(" + "|".join(REFERENCE_ZH) + r")\.csv\s?"),
            lambda m: REFERENCE_ZH[m.group(1)]),
           (re.compile(r"\s?YYYY-MM-DD"), lambda m: "年-月-日，如 2024-05-01"),
           (re.compile(r"见 value 列"), lambda m: "见隔离记录中的原值"),
           (re.compile(r"\s?Excel (错误值|日期序列号)"), lambda m: f"表格{m.group(1)}"),
           (re.compile(r"\s?(?:Excel/WPS|Excel)\s?"), lambda m: "电子表格软件"),
           (re.compile(r"深度隐藏工作表（veryHidden）"), lambda m: "深度隐藏工作表")]
# written as the staff type or find them: file names, encodings, formats, settings; shown as code
LITERAL = re.compile(r"[\w.~$-]+\.(?:csv|tsv|txt|xlsx|xls|parquet)\b|\.xlsx?\b|\bNMG_[A-Z_]+\b|"
                     r"\b(?:UTF-8|UTF-16|GBK|GB18030|CSV|XML|xlsx)\b")


def reason_zh(text: str | None) -> str:
    """A reason or message in Chinese: developer paths and format words replaced (WORDING); plain text."""
    out = safe_text(text)
    for pattern, repl in WORDING:
        out = pattern.sub(repl, out)
    return out


def prose(text: str | None) -> str:
    """reason_zh as HTML, with file names, encodings and settings as <code> (written as the staff find them)."""
    return LITERAL.sub(lambda m: f"<code>{m.group(0)}</code>", html.escape(reason_zh(text)))


def _code(text: str | None) -> str:
    return f"<code>{html.escape(safe_text(text))}</code>" if text else ""


def format_zh(encoding: str | None) -> str:
    """audit.input_files.encoding: a workbook or data file by its kind; a text file's encoding as written."""
    if not encoding:
        return "—"
    return FORMAT_ZH.get(encoding) or f"文本，编码 <code>{html.escape(encoding)}</code>"
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
    rows = [f"<tr><td class='text'>{_code(f)}</td><td class='text'>{_zh(r)}</td>"
            f"<td class='text'>{format_zh(e)}</td>"
            f"<td class='text'>{_code(sh)}{_skipped(sk)}</td>"
            f"<td data-testid='rows-in-{html.escape(safe_text(f))}'>{n or 0:,}</td>"
            f"<td>{a or 0:,}</td><td>{q or 0:,}</td><td>{b:,}</td>"
            f"<td class='text'>{STATUS.get(s, s)} {prose(m)}</td>"
            f"<td class='text'><code>{html.escape((h or '')[:12])}</code></td></tr>"
            for f, r, e, sh, sk, n, a, q, b, s, m, h in files]
    head = ["文件", "登记库", "格式（编码）", "工作表", "记录数", "接受", "隔离", "空行", "状态", "校验值（前12位）"]
    return f"""<div class="card"><h2>本次运行的输入文件</h2>
{table(head, rows, "files-table")}
<p>记录数按文件字节（或工作表中有内容的行）独立清点，不依赖解析器；每个文件：记录数 = 接受 + 隔离。空行不是记录，
单列计数。被整体拒收的文件写明原因，并阻止本次发布。</p></div>
"""


def _skipped(sheets: str) -> str:
    return f"<br>未读：{_code(sheets)}" if sheets else ""


def _not_read_card(conn: duckdb.DuckDBPyConnection, rid: str) -> str:
    """Files of the landing folder that were not read: temporary/lock/backup files, and names of no registry."""
    rows = conn.execute("""SELECT file, status, message FROM audit.input_files WHERE run_id = ?
                           AND status IN ('skipped', 'unknown') ORDER BY status, file""", [rid]).fetchall()
    kind = {"skipped": "临时、锁定或备份文件：已跳过", "unknown": "未识别的文件：不属于任何登记库，未读取"}
    cells = [f"<tr><td class='text'>{_code(f)}</td><td class='text'>{kind.get(s, s)}</td>"
             f"<td class='reason'>{prose(m)}</td></tr>" for f, s, m in rows]
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
<p>数据约定中的每个登记库都必须到达，否则本次不发布。接受行数较上次发布下降超过设定比例（设置项
<code>NMG_MAX_ROW_DROP_SHARE</code>）时，本次暂不发布，待人工核实后设置 <code>NMG_CONFIRM_DROP</code>
重新运行。{since}</p></div>
"""


def field_zh(registry: str | None, field: str | None) -> str:
    """A quarantined field by the Chinese header of the contract (its first Chinese alias); a composite key as its
    parts joined by ＋; `(row)` (a cross-column check or a ragged line) as 整行."""
    if not field or field == "(row)":
        return "整行（跨列检查或列数不符）"
    spec = REGISTRIES.get(registry or "")
    names = {c.name: next((a for a in c.aliases if not a.isascii()), c.name) for c in spec.columns} if spec else {}
    return "＋".join(names.get(part, part) for part in field.split("+"))


def run_status_zh(status: str | None, current: bool) -> str:
    """audit.runs' status in Chinese (docs/warehouse.md). These pages go live only when their run publishes, so the
    run that built them, still `started` while they are built, is the published run by the time anyone reads them."""
    if current and status in (None, STARTED, PUBLISHED):
        return "已发布（本页数据所属运行）"
    if status in (PUBLISHED, "succeeded"):
        return "已发布"
    if status == UNPUBLISHED:
        return "已结束，未发布（只运行了部分资产或盟市组合）"
    if status == INTERRUPTED:
        return "已中断（进程意外终止，由下一次运行记录）"
    if status == STARTED:
        return "未记录结束（可能仍在运行）"
    if status and status.startswith("failed at "):
        step, _, error = status.removeprefix("failed at ").partition(":")
        where = "运行开始时" if step == "run start" else f"步骤 <code>{html.escape(step)}</code>"
        return f"<span title='{html.escape(error.strip())}'>失败（{where}）</span>"
    return "未记录" if status is None else html.escape(status[:60])


# quarantined rows are counted as audit.input_files counts them: a row is its file, sheet and source row
QUARANTINE_ROWS = """SELECT registry, field, reason, count(DISTINCT (file, sheet, source_row)) AS n
FROM audit.quarantine WHERE run_id = ? GROUP BY ALL ORDER BY n DESC, registry, field, reason"""


def _quarantine_card(conn: duckdb.DuckDBPyConnection, rid: str) -> str:
    reasons = conn.execute(QUARANTINE_ROWS, [rid]).fetchall()
    total = conn.execute("SELECT count(DISTINCT (file, sheet, source_row)) FROM audit.quarantine WHERE run_id = ?",
                         [rid]).fetchone()[0]
    labels = [f"{_zh(r)}·{field_zh(r, f)}：{reason_zh(why)}" for r, f, why, _ in reasons]
    fig = go.Figure(go.Bar(y=labels[::-1], x=[n for *_, n in reasons][::-1], orientation="h", marker_color="#8b1e1e",
                           hovertemplate="%{y}<br>%{x:,} 行<extra></extra>"))
    fig.update_layout(xaxis_title="隔离行数（按文件、工作表和行号计，每行只计一次）", margin={"l": 420})
    rows = [f"<tr><td class='text'>{_zh(r)}</td><td class='text'>{html.escape(field_zh(r, f))}</td>"
            f"<td class='reason'>{html.escape(reason_zh(why))}</td><td>{n:,}</td></tr>" for r, f, why, n in reasons]
    title = "本次运行被隔离的行数，按原因（一行有多个原因时计入每个原因）"
    return f"""{chart(fig, "quarantine-reasons", title, 220 + 32 * max(len(reasons), 1))}
<div class="card"><p>本次运行共隔离 <span data-testid="quarantined-rows">{total:,}</span> 行
（等于上表各文件“隔离”列之和）。一行可能因多个字段或原因被隔离，因此下表各原因的行数之和可能大于隔离行数。</p>
{table(["登记库", "字段", "原因", "行数"], rows, "reasons-table", filters={"登记库": None}, search=True)}</div>
"""


def _runs_card(conn: duckdb.DuckDBPyConnection, rid: str) -> str:
    """The last 30 runs of audit.runs (a run that failed before reading any file included), this run first."""
    runs = conn.execute("""SELECT r.run_id, r.finished_at, r.status, count(i.file), sum(i.rows_in),
                                  sum(i.rows_accepted), sum(i.rows_quarantined)
                           FROM audit.runs AS r LEFT JOIN audit.input_files AS i USING (run_id)
                           GROUP BY r.run_id, r.started_at, r.finished_at, r.status
                           ORDER BY r.run_id = ? DESC, COALESCE(r.finished_at, r.started_at) DESC NULLS LAST, r.run_id
                           LIMIT 30""", [rid]).fetchall()
    rows = [f"<tr data-testid='run-{html.escape(r[:8])}'><td class='text'><code>{html.escape(r[:8])}</code></td>"
            f"<td class='text'>{'发布时' if r == rid else html.escape(str(t or '—'))[:19]}</td>"
            f"<td class='text'>{run_status_zh(s, r == rid)}</td>"
            f"<td>{k}</td><td>{n or 0:,}</td><td>{a or 0:,}</td><td>{q or 0:,}</td></tr>"
            for r, t, s, k, n, a, q in runs]
    return f"""<div class="card"><h2>历次运行</h2>
{table(["运行", "完成时间", "状态", "文件数", "输入行", "接受", "隔离"], rows, "runs-table")}
<p>状态取自运行记录：已发布、失败（注明失败的步骤，鼠标停留显示错误）、已结束未发布、已中断。</p></div>"""


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    rid = run["run_id"]
    body = f"""{_arrivals_card(conn, rid)}{_files_card(conn, rid)}{_not_read_card(conn, rid)}
{_quarantine_card(conn, rid)}{_runs_card(conn, rid)}"""
    return page("quality.html", body, run, SQL)
