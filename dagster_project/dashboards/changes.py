"""与上次发布的运行相比: the overview's change panel. The same snapshot is read from this run's database and from the
previous published warehouse (the file this run replaces), and each change is tagged by what differs between the
two runs: 登记数据 (the input files' sha256), 政策目录 (the catalogue, per rule its own rows), 模型 (the code version
or the forecast's recorded settings)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ..contract import REGISTRIES
from .layout import LEVEL_ORDER, doc_name, level_name, money_td, table

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATA, CATALOGUE, MODEL = "登记数据", "政策目录", "模型"
TOP_RULES = 10
# the tables a comparison reads, and what each is needed for (named in the message when an older warehouse lacks it)
NEEDED = {"forecast.bands": "按层级比较", "forecast.liabilities": "按政策比较", "catalogue.rules": "按政策比较"}
TABLE_ZH = {"forecast.bands": "预测区间表", "forecast.liabilities": "预测支出明细表", "catalogue.rules": "政策条款表",
            "audit.runs": "运行记录表", "audit.input_files": "输入文件记录表"}
# a rule's own catalogue rows besides catalogue.rules: a change of its split, tiers, instalments or budget lines
RULE_CHILDREN = ("catalogue.rule_shares", "catalogue.rule_tiers", "catalogue.rule_instalments",
                 "catalogue.programme_lines")


@dataclass
class Snapshot:
    """What one run's warehouse says about next year and the horizon, and what the run was made from."""

    run_id: str | None = None
    finished_at: datetime | None = None
    code_version: str | None = None
    catalogue_version: str | None = None
    inputs: frozenset[tuple[str, str, str | None]] | None = None  # (file, sha256, registry) of the files read
    settings: tuple[str, ...] | None = None  # the forecast's settings, as forecast.assumptions states them
    totals: dict[int, Decimal] | None = None  # forecast.bands: total median per payment year (with renewal)
    levels: dict[tuple[int, str], Decimal] | None = None  # (year, level) -> median
    rules: dict[tuple[str, str, int], Decimal] | None = None  # (rule, level, year) -> sum of the lines' medians
    rule_docs: dict[str, tuple[str, str]] = field(default_factory=dict)  # rule -> (document, title)
    rule_defs: dict[str, dict[str, str]] | None = None  # rule -> column (or child table) -> text
    missing: list[str] = field(default_factory=list)  # tables this warehouse lacks (an older format)
    error: str | None = None  # the file could not be read at all


def _has(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    schema, table_name = name.split(".")
    return conn.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                        [schema, table_name]).fetchone()[0] > 0


def _columns(conn: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    schema, table_name = name.split(".")
    return [c for (c,) in conn.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND "
                                       "table_name = ? ORDER BY column_index", [schema, table_name]).fetchall()]


def snapshot(conn: duckdb.DuckDBPyConnection, run_id: str | None = None) -> Snapshot:
    """Read a warehouse; `run_id` None = the newest published run it records (the previous warehouse)."""
    snap = Snapshot(missing=[t for t in [*NEEDED, "audit.runs", "audit.input_files"] if not _has(conn, t)])
    _read_run(conn, snap, run_id)
    if "audit.input_files" not in snap.missing:
        snap.inputs = frozenset(conn.execute(  # the build database keeps every run's files: this run's only;
            """SELECT file, sha256, registry FROM audit.input_files  -- and those read (not a skipped lock file)
               WHERE status = 'read' AND (run_id = ? OR ? IS NULL)""", [snap.run_id, snap.run_id]).fetchall())
    snap.settings = _settings(conn)
    if "forecast.bands" not in snap.missing:
        rows = conn.execute("""SELECT scope, payment_year, paying_level, total_p50_yuan FROM forecast.bands
                               WHERE variant = 'with_renewal' AND scope IN ('total', 'level')""").fetchall()
        snap.totals = {int(y): v for s, y, _, v in rows if s == "total"}
        snap.levels = {(int(y), lvl): v for s, y, lvl, v in rows if s == "level"}
    if "forecast.liabilities" not in snap.missing:
        snap.rules = {(r, lvl, int(y)): v for r, lvl, y, v in conn.execute(
            """SELECT rule_id, paying_level, payment_year, sum(amount_p50) FROM forecast.liabilities
               WHERE kind IN ('spending', 'programme') GROUP BY ALL""").fetchall()}
    if "catalogue.rules" not in snap.missing:
        snap.rule_docs = {r: (d, t) for r, d, t in conn.execute(
            "SELECT rule_id, document, title FROM catalogue.rules").fetchall()}
        snap.rule_defs = _rule_defs(conn)
    return snap


def _read_run(conn: duckdb.DuckDBPyConnection, snap: Snapshot, run_id: str | None) -> None:
    """The run's id, finish time, code and catalogue version from audit.runs (catalogue.version as a fallback)."""
    row = None
    if "audit.runs" not in snap.missing:
        if run_id is None:
            row = conn.execute("""SELECT run_id, finished_at, code_version, catalogue_version FROM audit.runs
                                  WHERE status = 'published' ORDER BY finished_at DESC LIMIT 1""").fetchone()
        else:
            row = conn.execute("SELECT run_id, finished_at, code_version, catalogue_version FROM audit.runs "
                               "WHERE run_id = ?", [run_id]).fetchone()
    snap.run_id, snap.finished_at, snap.code_version, snap.catalogue_version = row or (run_id, None, None, None)
    if _has(conn, "catalogue.version"):  # the catalogue this warehouse's rules come from
        version = conn.execute("SELECT catalogue_version, run_id FROM catalogue.version").fetchone()
        if version:
            snap.catalogue_version = version[0]
            snap.run_id = snap.run_id or version[1]


def _settings(conn: duckdb.DuckDBPyConnection) -> tuple[str, ...] | None:
    """The forecast's settings as the warehouse records them (forecast.assumptions: window, driver models and their
    combination, intervals, which documents are assumed renewed). Not the fitted weights or each driver's chosen
    model: those follow the night's data."""
    if not _has(conn, "forecast.assumptions"):
        return None
    return tuple(sorted(f"{t}|{s}|{a}" for t, s, a in conn.execute(
        "SELECT topic, subject, assumption FROM forecast.assumptions").fetchall()))


def _rule_defs(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Every rule's own catalogue rows as text: its catalogue.rules columns and its rows of the child tables."""
    cols = _columns(conn, "catalogue.rules")
    select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
    defs = {row[0]: dict(zip(cols, row, strict=True)) for row in conn.execute(
        f"SELECT {select} FROM catalogue.rules").fetchall()}
    for child in RULE_CHILDREN:
        if not _has(conn, child):
            continue
        for rule in defs:  # a rule without rows in the table: compared as empty (it may gain some)
            defs[rule][child] = ""
        others = [c for c in _columns(conn, child) if c != "rule_id"]
        text = " || '|' || ".join(f"""coalesce(CAST("{c}" AS VARCHAR), '∅')""" for c in others)
        for rule, rows in conn.execute(f"""SELECT rule_id, string_agg({text}, ';' ORDER BY {text})
                                           FROM {child} GROUP BY rule_id""").fetchall():
            if rule in defs:
                defs[rule][child] = rows
    return defs


def read_published(path: Path | None) -> Snapshot | None:
    """The previous published warehouse; None when no run was ever published (nothing to compare with)."""
    if path is None or not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as prev:
            return snapshot(prev)
    except duckdb.Error as exc:
        return Snapshot(error=f"上次发布的仓库无法读取（{type(exc).__name__}），本次不作比较")


# --- what changed between the two runs -------------------------------------------------------------------------


def run_tags(now: Snapshot, prev: Snapshot) -> dict[str, str]:
    """Tag -> what differs, for each of 登记数据 / 政策目录 / 模型 that changed between the two runs."""
    tags = {}
    if now.inputs is not None and prev.inputs is not None and now.inputs != prev.inputs:
        changed = {f: REGISTRIES[r].zh if r in REGISTRIES else f for f, _, r in now.inputs ^ prev.inputs}
        tags[DATA] = (f"登记文件有变化：{len(changed)} 个文件新增、删除或内容不同（"
                      f"{html.escape('、'.join(sorted(set(changed.values()))))}）")
    if now.catalogue_version != prev.catalogue_version:
        tags[CATALOGUE] = f"政策目录版本 {_code(prev.catalogue_version)} → {_code(now.catalogue_version)}"
    model = []
    if now.code_version and prev.code_version and now.code_version != prev.code_version:
        model.append(f"程序版本 {_code(prev.code_version)} → {_code(now.code_version)}")
    if now.settings is not None and prev.settings is not None and now.settings != prev.settings:
        model.append("预测设定有变化（预测页所列的预测期、驱动因素模型、区间或续发假定）")
    if model:
        tags[MODEL] = "；".join(model)
    return tags


def _code(identifier: str | None) -> str:
    """A version or id as code (not prose), escaped; 未记录 when the warehouse has none."""
    return f"<code>{html.escape(identifier)}</code>" if identifier else "未记录"


def rule_changed(rule: str, now: Snapshot, prev: Snapshot) -> bool:
    """A rule's own catalogue rows differ, over the columns both warehouses have, or it is new or removed."""
    a, b = (now.rule_defs or {}).get(rule), (prev.rule_defs or {}).get(rule)
    if a is None or b is None:
        return a is not b
    return any(a[k] != b[k] for k in a.keys() & b.keys())


def rule_tags(rule: str, now: Snapshot, prev: Snapshot, tags: dict[str, str]) -> list[str]:
    """政策目录 when the rule's own catalogue rows changed; otherwise what changed between the runs (data and/or
    model; the catalogue when only other parts of it changed); 未识别 when the runs differ in nothing recorded."""
    if rule_changed(rule, now, prev):
        return [CATALOGUE]
    return [t for t in (DATA, MODEL) if t in tags] or [t for t in (CATALOGUE,) if t in tags] or ["未识别"]


@dataclass
class Row:
    key: str
    label: str
    prev_next: Decimal
    now_next: Decimal
    prev_span: Decimal
    now_span: Decimal
    tags: list[str]


def _sum(values: dict, keys) -> Decimal:
    return sum((values.get(k, Decimal(0)) for k in keys), Decimal(0))


def _by_rule(rules: dict[tuple[str, str, int], Decimal], level: str | None = None) -> dict[tuple[str, int], Decimal]:
    """(rule, year) -> amount, over every level or at one level."""
    out: dict[tuple[str, int], Decimal] = {}
    for (rule, lvl, year), amount in rules.items():
        if level is None or lvl == level:
            out[rule, year] = out.get((rule, year), Decimal(0)) + amount
    return out


def _changed_rules(now: Snapshot, prev: Snapshot, years: list[int], level: str | None = None) -> list[Row]:
    """Every rule whose next-year or horizon amount (at `level`, or in all) changed, with its tags."""
    a, b = _by_rule(now.rules, level), _by_rule(prev.rules, level)
    tags = run_tags(now, prev)
    rows = []
    for rule in sorted({r for r, _ in a} | {r for r, _ in b}):
        keys = [(rule, y) for y in years]
        row = Row(rule, rule, b.get(keys[0], Decimal(0)), a.get(keys[0], Decimal(0)), _sum(b, keys), _sum(a, keys),
                  rule_tags(rule, now, prev, tags))
        if row.now_next != row.prev_next or row.now_span != row.prev_span:
            rows.append(row)
    return rows


def rule_rows(now: Snapshot, prev: Snapshot, years: list[int]) -> list[Row]:
    """Every rule whose next-year or horizon amount changed, largest next-year change first (then horizon)."""
    rows = _changed_rules(now, prev, years)
    return sorted(rows, key=lambda r: (-abs(r.now_next - r.prev_next), -abs(r.now_span - r.prev_span), r.key))


def level_rows(now: Snapshot, prev: Snapshot, years: list[int], by_rule: bool = True) -> list[Row]:
    """The total, then each level in the fiscal order: next year and the horizon, before and now. A changed level is
    tagged as the rules whose amounts at that level changed (the total: every changed rule); when none did, or the
    previous warehouse has no rules to compare (an older format), by what changed between the runs."""
    run = [t for t in (CATALOGUE, DATA, MODEL) if t in run_tags(now, prev)] or ["未识别"]

    def row(key: str, label: str, before: dict, after: dict, keys: list) -> Row:
        r = Row(key, label, before.get(keys[0], Decimal(0)), after.get(keys[0], Decimal(0)), _sum(before, keys),
                _sum(after, keys), [])
        if by_rule and (r.prev_next != r.now_next or r.prev_span != r.now_span):
            found = {t for c in _changed_rules(now, prev, years, None if key == "all" else key) for t in c.tags}
            r.tags = [t for t in (CATALOGUE, DATA, MODEL, "未识别") if t in found] or run
        elif r.prev_next != r.now_next or r.prev_span != r.now_span:
            r.tags = run
        return r

    return [row("all", "合计", prev.totals, now.totals, years),
            *(row(lvl, level_name(lvl), prev.levels, now.levels, [(y, lvl) for y in years]) for lvl in LEVEL_ORDER)]


# --- the panel -------------------------------------------------------------------------------------------------


def finished_text(at: datetime | None) -> str:
    if at is None:
        return "时间未记录"
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M（北京时间）")


def signed_wan(yuan: Decimal) -> str:
    return f"{float(yuan) / 10000:+,.2f}" if yuan else "0.00"


def percent(prev: Decimal, now: Decimal) -> str:
    if prev == now:
        return "0.0%" if prev else "—"
    if prev == 0:
        return "新增"
    return f"{float((now - prev) / prev):+.1%}"


def _delta_cells(prev: Decimal, now: Decimal, test_id: str) -> str:
    return (f"{money_td(prev)}{money_td(now)}"
            f'<td data-yuan="{now - prev}" data-testid="{html.escape(test_id)}">{signed_wan(now - prev)}</td>'
            f"<td>{percent(prev, now)}</td>")


def panel(now: Snapshot, prev: Snapshot | None, years: list[int]) -> str:
    """The card 与上次发布的运行相比 (HTML); `prev` None = this is the first run ever published. `years`: the forecast
    years, 'next year' (the one compared on its own) first."""
    if prev is None or prev.error:
        said = "首次运行，无上次数据可比。" if prev is None else prev.error
        return _card(f'<p data-testid="previous-run">{html.escape(said)}</p>')
    tags = run_tags(now, prev)
    intro = (f'<p data-testid="previous-run">上次发布的运行：<span data-testid="previous-run-date">'
             f"{finished_text(prev.finished_at)}</span>，运行编号 <code data-testid='previous-run-id'>"
             f"{html.escape(prev.run_id or '未记录')}</code>。</p>")
    span = f"{min(years)}–{max(years)}年" if len(years) > 1 else f"{years[0]}年"
    body = [intro, _tag_list(tags), _missing(prev)]
    comparable = not {"forecast.liabilities", "catalogue.rules"} & {*prev.missing, *now.missing}
    if "forecast.bands" not in prev.missing:
        absent = [str(y) for y in years if y not in prev.totals]
        if absent:
            body.append(f"<p>上次发布的运行无 {'、'.join(absent)} 年的预测数据（下表按 0 计）。</p>")
        body.append(_level_table(level_rows(now, prev, years) if comparable else
                                 level_rows(now, prev, years, by_rule=False), years[0], span))
    if comparable:
        names = {r: (doc_name(d), t or "") for r, (d, t) in {**prev.rule_docs, **now.rule_docs}.items()}
        body.append(_rule_table(rule_rows(now, prev, years), names, years[0], span))
    return _card("".join(body))


def _card(inner: str) -> str:
    return f'<div class="card" id="changes"><h2>与上次发布的运行相比</h2>{inner}</div>'


def _tag_list(tags: dict[str, str]) -> str:
    if not tags:
        return "<p>两次运行的登记数据、政策目录和模型均未变化。</p>"
    items = "".join(f'<li data-testid="change-tag">【{t}】{text}</li>' for t, text in tags.items())
    return f"<p>两次运行之间的变化（变化原因按此标注）：</p><ul>{items}</ul>"


def _missing(prev: Snapshot) -> str:
    if not prev.missing:
        return ""
    lost = sorted({NEEDED[t] for t in prev.missing if t in NEEDED})
    what = f"，无法{'和'.join(lost)}" if lost else ""
    tables = "、".join(TABLE_ZH.get(t, t) for t in prev.missing)
    return (f"<p data-testid='previous-missing'>上次发布的仓库是旧版格式，缺少{tables}{what}；"
            "本次发布后，下次运行即可比较。</p>")


def _level_table(rows: list[Row], year: int, span: str) -> str:
    cells = [f"<tr><td>{r.label}</td><td class='text' data-testid='change-level-{r.key}-tags'>"
             f"{'、'.join(r.tags) or '—'}</td>{_delta_cells(r.prev_next, r.now_next, f'change-level-{r.key}-next')}"
             f"{_delta_cells(r.prev_span, r.now_span, f'change-level-{r.key}-span')}</tr>" for r in rows]
    head = ["承担层级", "变化原因", f"{year}年上次", f"{year}年本次", f"{year}年变化", f"{year}年变化率",
            f"{span}上次", f"{span}本次", f"{span}变化", f"{span}变化率"]
    return f"<h3>按承担层级（万元，中位数）</h3>{table(head, cells, 'change-levels')}"


def _rule_table(rows: list[Row], names: dict[str, tuple[str, str]], year: int, span: str) -> str:
    if not rows:
        return "<h3>按政策</h3><p>没有政策的测算金额发生变化。</p>"
    cells = []
    for r in rows[:TOP_RULES]:
        document, title = names.get(r.key, ("", ""))
        cells.append(f"<tr><td>{html.escape(r.key)}</td><td class='text'>{html.escape(title)}</td>"
                     f"<td class='text'>{html.escape(document)}</td>"
                     f"<td class='text' data-testid='change-rule-{html.escape(r.key)}-tags'>{'、'.join(r.tags)}</td>"
                     f"{_delta_cells(r.prev_next, r.now_next, f'change-rule-{r.key}-next')}"
                     f"<td data-yuan='{r.now_span - r.prev_span}' data-testid='change-rule-{html.escape(r.key)}-span'>"
                     f"{signed_wan(r.now_span - r.prev_span)}</td><td>{percent(r.prev_span, r.now_span)}</td></tr>")
    head = ["条款", "政策", "文件", "变化原因", f"{year}年上次", f"{year}年本次", f"{year}年变化", f"{year}年变化率",
            f"{span}变化", f"{span}变化率"]
    shown = f"变化最大的 {TOP_RULES} 条" if len(rows) > TOP_RULES else "全部"
    return (f"<h3>按政策（万元，各行中位数之和）：{len(rows)} 条政策的测算有变化，列出{shown}</h3>"
            f"{table(head, cells, 'change-rules')}")
