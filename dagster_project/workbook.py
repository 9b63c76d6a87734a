"""The nightly Excel workbook for the bureau's staff (政策兑现测算_<date>.xlsx), one sheet per view of the build
warehouse: by payment year × level, by paying region, by policy, the forecast with its intervals, the scenarios and
the quarantined rows. It is written into the run's site folder beside the pages, so publication puts it live with
them (publish.py: one symlink switched after the warehouse's rename).

Every sheet starts with its title, the run stamp (run id, time in Beijing, catalogue version, data date) and what it
counts; then a header row (frozen, with an autofilter). Money is in 万元 (2 decimals, thousands separators) for
reading, and in exact 元: an xlsx cell holds a binary float, so an amount is written as a number only when the
number written into the file, rounded to the fen, gives the amount back and it has at most 15 significant digits
(all any spreadsheet shows) — every amount below 10 000 亿元; otherwise it is written as text ("123….45"), never as a
number that reads as another amount. Ledger sheets end with a total line (exact sums), below the filtered range.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .contract import REGISTRIES
from .dashboards.layout import KIND_ZH, LEVEL_ZH, WORKBOOK_STABLE, level_sql, workbook_file
from .display import safe_text

FEN = Decimal("0.01")
BUDGET = "kind IN ('spending', 'programme')"  # budget spending, as the pages add it up
# the fiscal order 中央 → 自治区 → 盟市 → 旗区, not alphabetical (ORDER BY it needs an explicit GROUP BY in DuckDB)
LEVEL_CASE = level_sql("paying_level")
HEADER_ROW = 3  # rows 0–2: title, run stamp, what the sheet counts
MAX_ROWS = 1_000_000  # an xlsx sheet holds 1,048,576 rows
VARIANT_ZH = {"with_renewal": "含续发假设", "without_renewal": "不续发（到期即止）"}


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text, int, wan (万元 from 元), yuan (exact 元), pct
    total: bool = False  # summed on the total line


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str
    note: str
    cols: Sequence[Col]
    rows: list[tuple]
    total_line: bool = False


def write_workbook(conn: duckdb.DuckDBPyConnection, out: Path, run: dict) -> Path:
    """Write 政策兑现测算_<as_of>.xlsx into `out` (and a second name without the date for a stable address)."""
    path = out / workbook_file(run)
    write_book(path, sheets(conn, run["run_id"]), _stamp(run))
    os.chmod(path, 0o644)
    stable = out / WORKBOOK_STABLE
    stable.unlink(missing_ok=True)
    os.link(path, stable)  # the same file under a name that does not change from night to night
    return path


def write_book(path: Path, views: Sequence[Sheet], stamp: str) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": "政策兑现测算", "comments": stamp})
    fmts = _formats(book)
    for sheet in views:
        _write_sheet(book, fmts, sheet, stamp)
    book.close()


def sheets(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[Sheet]:
    return [by_year_level(conn), by_region(conn), by_policy(conn), forecast(conn), scenarios(conn),
            quarantine(conn, run_id)]


def _stamp(run: dict) -> str:
    return (f"运行编号 {run['run_id']} · 生成时间 {run['generated_at']} · 政策目录版本 {run['catalogue_version']} · "
            f"数据截至 {run['as_of']}")


def _level(level: str | None) -> str:
    return "合计" if level in (None, "all") else LEVEL_ZH.get(level, level)


# --- the views -------------------------------------------------------------------------------------------------

LEDGER_NOTE = ("口径：台账（按登记数据计算的已发生和已承诺兑现）中的财政支出（补贴、奖励和专项资金安排），"
               "全部支付年度；不含预测。万元列便于阅读，元列为精确金额。")


def by_year_level(conn: duckdb.DuckDBPyConnection) -> Sheet:
    rows = conn.execute(f"""SELECT payment_year, paying_level, count(*), sum(amount_yuan), sum(amount_yuan)
                            FROM ledger.liabilities WHERE {BUDGET}
                            GROUP BY payment_year, paying_level ORDER BY payment_year, {LEVEL_CASE}""").fetchall()
    return Sheet("按年度和层级", "按支付年度和承担层级", LEDGER_NOTE,
                 [Col("支付年度", "int"), Col("承担层级"), Col("台账行数", "int"), Col("金额（万元）", "wan", True),
                  Col("金额（元）", "yuan", True)],
                 [(y, _level(lvl), n, a, b) for y, lvl, n, a, b in rows], total_line=True)


def by_region(conn: duckdb.DuckDBPyConnection) -> Sheet:
    rows = conn.execute(f"""
        SELECT l.payment_year, l.paying_level, l.paying_region_code, COALESCE(g.name_zh, l.paying_region_code),
               CASE WHEN g.level = 'city' THEN g.name_zh ELSE COALESCE(p.name_zh, '') END,
               sum(l.amount_yuan), sum(l.amount_yuan)
        FROM ledger.liabilities AS l LEFT JOIN ref.regions AS g ON g.region_code = l.paying_region_code
        LEFT JOIN ref.regions AS p ON p.region_code = g.parent_code AND p.level = 'city'
        WHERE l.{BUDGET}
        GROUP BY l.payment_year, l.paying_level, l.paying_region_code, g.name_zh, g.level, p.name_zh
        ORDER BY l.payment_year, {LEVEL_CASE}, l.paying_region_code""").fetchall()
    note = LEDGER_NOTE + ("按支付（承担）地区：中央、自治区、盟市本级、旗区（园区按旗区承担）；"
                          "「所属盟市」可用于筛选盟市小计。")
    return Sheet("按支付地区", "按支付地区", note,
                 [Col("支付年度", "int"), Col("承担层级"), Col("地区代码"), Col("地区名称"), Col("所属盟市"),
                  Col("金额（万元）", "wan", True), Col("金额（元）", "yuan", True)],
                 [(y, _level(lvl), *rest) for y, lvl, *rest in rows], total_line=True)


def by_policy(conn: duckdb.DuckDBPyConnection) -> Sheet:
    rows = conn.execute(f"""
        SELECT l.document, COALESCE(d.title, ''), l.rule_id, r.title, l.kind, l.payment_year,
               count(DISTINCT l.object_id), sum(l.amount_yuan), sum(l.amount_yuan)
        FROM ledger.liabilities AS l JOIN catalogue.rules AS r USING (rule_id)
        LEFT JOIN catalogue.documents AS d ON d.document = l.document
        WHERE l.{BUDGET} GROUP BY ALL ORDER BY l.document, l.rule_id, l.payment_year""").fetchall()
    note = LEDGER_NOTE + "受益对象数为该年度有兑现的项目、企业或人才记录数（不是去重后的企业或人数）。"
    return Sheet("按政策", "按政策条款", note,
                 [Col("文件"), Col("文件名称"), Col("规则编号"), Col("规则名称"), Col("支出类别"),
                  Col("支付年度", "int"), Col("受益对象数", "int"), Col("金额（万元）", "wan", True),
                  Col("金额（元）", "yuan", True)],
                 [(doc, title, rid, rt, KIND_ZH.get(k, k), *rest) for doc, title, rid, rt, k, *rest in rows],
                 total_line=True)


def forecast(conn: duckdb.DuckDBPyConnection) -> Sheet:
    rows = conn.execute(f"""
        SELECT variant, payment_year, paying_level, committed_yuan, forecast_p50_yuan, total_p50_yuan, total_p50_yuan,
               band_p10_yuan, band_p90_yuan, band_p025_yuan, band_p975_yuan
        FROM forecast.bands WHERE scope IN ('total', 'level')
        ORDER BY variant <> 'with_renewal', payment_year, scope <> 'total', {LEVEL_CASE}""").fetchall()
    note = ("财政支出预测 = 已承诺（台账中已获奖补的后续兑现和专项资金安排）+ 新增（预测中位数）。"
            "区间为各驱动因素按历史相关性联合抽样得到的该合计的区间，各层级的区间相加不等于合计的区间。"
            "「含续发假设」假定自治区和鄂尔多斯市2024年政策清单此后每年续发同样条款；「不续发」假定到期即止。")
    return Sheet("预测区间", "财政支出预测及区间", note,
                 [Col("口径"), Col("支付年度", "int"), Col("承担层级"), Col("已承诺（万元）", "wan"),
                  Col("新增预测中位数（万元）", "wan"), Col("合计中位数（万元）", "wan"),
                  Col("合计中位数（元）", "yuan"),
                  Col("80%区间下限（万元）", "wan"), Col("80%区间上限（万元）", "wan"),
                  Col("95%区间下限（万元）", "wan"), Col("95%区间上限（万元）", "wan")],
                 [(VARIANT_ZH.get(v, v), y, _level(lvl), *rest) for v, y, lvl, *rest in rows])


def scenarios(conn: duckdb.DuckDBPyConnection) -> Sheet:
    rows = conn.execute(f"""
        WITH s AS (SELECT scenario, payment_year, paying_level, baseline_yuan, scenario_yuan, delta_yuan
                   FROM scenarios.by_year_level
                   UNION ALL
                   SELECT scenario, payment_year, 'all', sum(baseline_yuan), sum(scenario_yuan), sum(delta_yuan)
                   FROM scenarios.by_year_level GROUP BY ALL)
        SELECT d.title, d.scenario, s.payment_year, s.paying_level, s.baseline_yuan, s.scenario_yuan, s.delta_yuan,
               s.delta_yuan, s.delta_yuan / NULLIF(s.baseline_yuan, 0), ''
        FROM s JOIN scenarios.definitions AS d ON d.scenario = s.scenario AND d.status = 'succeeded'
        ORDER BY d.scenario, s.payment_year, s.paying_level = 'all', {LEVEL_CASE}""").fetchall()
    failed = conn.execute("""SELECT title, scenario, message FROM scenarios.definitions WHERE status <> 'succeeded'
                             ORDER BY scenario""").fetchall()
    rows += [(t, s, None, None, None, None, None, None, None, f"计算失败，未计入：{m}") for t, s, m in failed]
    note = ("情景只改变预测年度的新增兑现（中位数路径），已承诺的兑现不变。基线 = 已承诺 + 新增预测中位数。"
            "承担层级为「合计」的行是四级之和，按列求和时请先筛除。")
    return Sheet("情景分析", "情景分析：与基线的差额", note,
                 [Col("情景"), Col("情景编号"), Col("支付年度", "int"), Col("承担层级"), Col("基线（万元）", "wan"),
                  Col("情景（万元）", "wan"), Col("差额（万元）", "wan"), Col("差额（元）", "yuan"),
                  Col("差额占基线", "pct"), Col("说明")],
                 [(t, s, y, None if lvl is None else _level(lvl), *rest) for t, s, y, lvl, *rest in rows])


def quarantine(conn: duckdb.DuckDBPyConnection, run_id: str) -> Sheet:
    """This run's quarantined rows: where to find each (file, sheet, row), the field and the reason. The failing
    value and the raw row are left out (they stay in the warehouse, masked): the workbook travels further."""
    rows = conn.execute("""SELECT registry, file, COALESCE(sheet, ''), source_row, field, reason
                           FROM audit.quarantine WHERE run_id = ?
                           ORDER BY registry, file, sheet NULLS FIRST, source_row, field""", [run_id]).fetchall()
    note = ("本次运行被隔离（未计入台账）的登记数据行：按文件、工作表和行号找到原始记录，依原因改正后重新报送。"
            "同一行有多个问题时列出多行。")
    return Sheet("隔离记录", "数据质量：隔离的登记数据行", note,
                 [Col("登记库"), Col("文件"), Col("工作表"), Col("行号", "int"), Col("字段"), Col("字段代码"),
                  Col("原因")],
                 [(_registry_zh(reg), safe_text(f), safe_text(sh), r, _field_zh(reg, fld), fld, reason)
                  for reg, f, sh, r, fld, reason in rows])


def _registry_zh(registry: str | None) -> str:
    return REGISTRIES[registry].zh if registry in REGISTRIES else safe_text(registry)


def _field_zh(registry: str | None, field: str) -> str:
    """The field's Chinese header as the exports name it (its first Chinese alias), for staff to find the column."""
    if field == "(row)":
        return "整行（跨字段检查或无法读取的行）"
    if "+" in field:  # a duplicated composite key, e.g. uscc+year+metric
        return "+".join(_field_zh(registry, part) for part in field.split("+"))
    spec = REGISTRIES.get(registry)
    col = next((c for c in spec.columns if c.name == field), None) if spec else None
    alias = next((a for a in col.aliases if any("\u4e00" <= ch <= "\u9fff" for ch in a)), None) if col else None
    return alias or field


# --- writing -----------------------------------------------------------------------------------------------------

def _formats(book: xlsxwriter.Workbook) -> dict:
    return {"title": book.add_format({"bold": True, "font_size": 14}),
            "stamp": book.add_format({"font_color": "#555555"}),
            "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                     "valign": "vcenter"}),
            "wan": book.add_format({"num_format": "#,##0.00"}), "yuan": book.add_format({"num_format": "0.00"}),
            "yuan_text": book.add_format({"align": "right"}), "pct": book.add_format({"num_format": "0.0%"}),
            "int": book.add_format({"num_format": "0"}), "text": None,
            "total": book.add_format({"bold": True, "top": 1})}


def exact_as_number(amount: Decimal) -> bool:
    """True if the number xlsxwriter writes for this amount (its float, to 16 significant digits) reads back as
    the amount to the fen, and a spreadsheet showing 15 significant digits shows it whole."""
    return len(amount.as_tuple().digits) <= 15 and Decimal(f"{float(amount):.16G}").quantize(FEN) == amount


def _write_value(ws: Worksheet, r: int, c: int, kind: str, value, fmts: dict) -> str:
    """Write one cell; returns the text a reader sees (for the column width)."""
    if value is None:
        ws.write_blank(r, c, None)
        return ""
    if kind == "wan":
        ws.write_number(r, c, float(value) / 10000, fmts["wan"])
        return f"{float(value) / 10000:,.2f}"
    if kind == "yuan":
        amount = Decimal(value).quantize(FEN)
        if exact_as_number(amount):
            ws.write_number(r, c, float(amount), fmts["yuan"])
        else:
            ws.write_string(r, c, f"{amount:.2f}", fmts["yuan_text"])
        return f"{amount:.2f}"
    if kind == "pct":
        ws.write_number(r, c, float(value), fmts["pct"])
        return f"{float(value):.1%}"
    if kind == "int":
        ws.write_number(r, c, int(value), fmts["int"])
        return str(value)
    ws.write_string(r, c, str(value))
    return str(value)


def _width(text: str) -> float:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _write_sheet(book: xlsxwriter.Workbook, fmts: dict, sheet: Sheet, stamp: str) -> None:
    ws = book.add_worksheet(sheet.name)
    ws.write_string(0, 0, f"政策兑现测算 · {sheet.title}", fmts["title"])
    ws.write_string(1, 0, stamp, fmts["stamp"])
    ws.write_string(2, 0, sheet.note, fmts["stamp"])
    widths = [_width(c.header) for c in sheet.cols]
    for c, col in enumerate(sheet.cols):
        ws.write_string(HEADER_ROW, c, col.header, fmts["head"])
    rows = sheet.rows[:MAX_ROWS]
    for i, row in enumerate(rows):
        for c, (col, value) in enumerate(zip(sheet.cols, row, strict=True)):
            widths[c] = max(widths[c], _width(_write_value(ws, HEADER_ROW + 1 + i, c, col.kind, value, fmts)))
    last = HEADER_ROW + len(rows)
    if not rows:
        ws.write_string(HEADER_ROW + 1, 0, "本次运行没有此类记录。")
    elif len(sheet.rows) > MAX_ROWS:
        ws.write_string(last + 2, 0, f"仅列出前 {MAX_ROWS:,} 行（共 {len(sheet.rows):,} 行），其余见数据仓库。")
    elif sheet.total_line:
        _total_line(ws, sheet, last + 2, fmts, widths)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.autofilter(HEADER_ROW, 0, max(last, HEADER_ROW + 1), len(sheet.cols) - 1)
    for c, w in enumerate(widths):
        ws.set_column(c, c, min(max(w, 6) + 2, 60))
    ws.set_row(HEADER_ROW, 30)


def _total_line(ws: Worksheet, sheet: Sheet, r: int, fmts: dict, widths: list[float]) -> None:
    """合计 below the filtered range (a blank row between), exact sums of the money columns."""
    ws.write_string(r, 0, "合计（全部行）", fmts["total"])
    for c, col in enumerate(sheet.cols):
        if col.total:
            amount = sum((Decimal(row[c] or 0) for row in sheet.rows), Decimal(0))
            shown = _write_value(ws, r, c, col.kind, amount, fmts)
            widths[c] = max(widths[c], _width(shown))

