"""The nightly Excel workbook: read back with openpyxl (a spreadsheet reader other than the writer), every view a
sheet with Chinese headers and the run stamp, the exact 元 equal to the ledger's sums to the fen, levels in the
fiscal order, no personal data, and every page linking it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from dagster_project import workbook
from dagster_project.dashboards.layout import page, workbook_file
from tests.conftest import enterprise

RUN = {"run_id": "test-run", "generated_at": "2026-11-27 02:10:00（北京时间）", "catalogue_version": "abc123",
       "as_of": "2026-11-27"}
SHEETS = {"按年度和层级": ["支付年度", "承担层级", "台账行数", "金额（万元）", "金额（元）"],
          "按支付地区": ["支付年度", "承担层级", "地区代码", "地区名称", "所属盟市", "金额（万元）", "金额（元）"],
          "按政策": ["文件", "文件名称", "规则编号", "规则名称", "支出类别", "支付年度", "受益对象数", "金额（万元）",
                   "金额（元）"],
          "预测区间": ["口径", "支付年度", "承担层级", "已承诺（万元）", "新增预测中位数（万元）", "合计中位数（万元）",
                   "合计中位数（元）", "80%区间下限（万元）", "80%区间上限（万元）", "95%区间下限（万元）",
                   "95%区间上限（万元）"],
          "情景分析": ["情景", "情景编号", "支付年度", "承担层级", "基线（万元）", "情景（万元）", "差额（万元）",
                   "差额（元）", "差额占基线", "说明"],
          "隔离记录": ["登记库", "文件", "工作表", "行号", "字段", "字段代码", "原因"]}
# programme budgets of both lists (region, city, banner) and a premium subsidy paid by central and region
FILES = ("NMG2024.yaml", "NMG2024.part1.yaml", "NMG2024.part2.yaml", "NMG2024.part3.yaml", "ORD2024.part1.yaml")
USCC = "91150622MA0000001X"
PERSON = "张秘密"


def _forecast_and_audit_tables(conn) -> None:
    """The tables the forecast, scenarios and validation stages write, with their published column types."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS forecast; CREATE SCHEMA IF NOT EXISTS scenarios; "
                 "CREATE SCHEMA IF NOT EXISTS audit")
    money = ", ".join(f"{c} DECIMAL(18,2)" for c in ("committed_yuan", "forecast_p50_yuan", "total_p50_yuan",
                                                     "band_p025_yuan", "band_p10_yuan", "band_p90_yuan",
                                                     "band_p975_yuan"))
    conn.execute(f"""CREATE TABLE forecast.bands (variant VARCHAR, scope VARCHAR, payment_year BIGINT,
                     paying_level VARCHAR, paying_region_code VARCHAR, {money}, run_id VARCHAR)""")
    for variant, scale in (("with_renewal", 1), ("without_renewal", Decimal("0.5"))):
        conn.execute("""INSERT INTO forecast.bands VALUES
            (?, 'total', 2027, NULL, NULL, 100.00, 900.50 * ?, 100 + 900.50 * ?, 500, 700, 1300, 1500, 'test-run'),
            (?, 'level', 2027, 'banner', NULL, 0, 400.25 * ?, 400.25 * ?, 200, 300, 500, 600, 'test-run'),
            (?, 'level', 2027, 'central', NULL, 100.00, 500.25 * ?, 100 + 500.25 * ?, 300, 400, 800, 900, 'test-run'),
            (?, 'region', 2027, 'banner', '150622', 0, 1, 1, 0, 0, 2, 3, 'test-run')""",
                     [variant, scale, scale] * 3 + [variant])
    conn.execute("""CREATE TABLE scenarios.definitions AS SELECT * FROM (VALUES
        ('cut', '补贴下调两成', '', 'cut.yaml', 'x', '{}', 'test-run', 'succeeded', ''),
        ('broken', '无法计算的情景', '', 'broken.yaml', 'y', '{}', 'test-run', 'failed', '规则 X 不存在'))
        AS t(scenario, title, description, file, sha256, changes, run_id, status, message)""")
    conn.execute("""CREATE TABLE scenarios.by_year_level AS SELECT scenario, payment_year::BIGINT AS payment_year,
                    paying_level, baseline_yuan::DECIMAL(18,2) AS baseline_yuan,
                    scenario_yuan::DECIMAL(18,2) AS scenario_yuan, delta_yuan::DECIMAL(18,2) AS delta_yuan
                    FROM (VALUES ('cut', 2027, 'city', 2000.00, 1500.00, -500.00),
                                 ('cut', 2027, 'region', 1000.00, 1000.00, 0.00))
                    AS t(scenario, payment_year, paying_level, baseline_yuan, scenario_yuan, delta_yuan)""")
    conn.execute("""CREATE TABLE audit.quarantine AS SELECT * FROM (VALUES
        ('test-run', 'enterprise_metrics', 'metrics.xlsx', '指标', 12::BIGINT, 'uscc+year+metric', '主键重复',
         NULL, '{}'),
        ('test-run', 'talents', 'talents.csv', NULL, 7::BIGINT, 'annual_salary_yuan', '负数', '-5',
         '{"name": "张**"}'),
        ('test-run', 'talents', '=HYPERLINK("x").csv', NULL, 9::BIGINT, '(row)', '离职日期早于引进日期', NULL,
         '{"name": "' || ? || '"}'),
        ('older-run', 'enterprises', 'old.csv', NULL, 3::BIGINT, 'uscc', '主键重复', ?, '{}'))
        AS t(run_id, registry, file, sheet, source_row, field, reason, value, raw_record)""", [PERSON, PERSON])


@pytest.fixture
def book(ledger_from, catalogue_of, tmp_path) -> tuple:
    metric = {"uscc": USCC, "year": 2024, "metric": "grain_full_cost_insurance_premium_yuan", "value": "123456.78",
              "unit": "元"}
    conn = ledger_from({"enterprises": [enterprise(USCC)], "enterprise_metrics": [metric]}, catalogue_of(*FILES))
    _forecast_and_audit_tables(conn)
    path = workbook.write_workbook(conn, tmp_path, RUN)
    return conn, path, openpyxl.load_workbook(path)


def _table(ws) -> tuple[list, list[tuple]]:
    """The header (row 4) and the data rows up to the first blank row."""
    rows = list(ws.iter_rows(min_row=workbook.HEADER_ROW + 1, values_only=True))
    data = []
    for row in rows[1:]:
        if row[0] is None:
            break
        data.append(row)
    return list(rows[0]), data


def _yuan(cell) -> Decimal:
    """An exact 元 cell: a number (the float a reader gets, read to the fen) or, for a huge amount, text."""
    return Decimal(str(cell)).quantize(workbook.FEN)


def test_every_view_is_a_sheet_with_chinese_headers_and_the_run_stamp(book):
    _, path, wb = book
    assert path.name == "政策兑现测算_2026-11-27.xlsx"
    assert (path.parent / "政策兑现测算.xlsx").samefile(path)  # the stable name is the same file
    assert path.stat().st_mode & 0o777 == 0o644
    assert wb.sheetnames == list(SHEETS)
    for name, headers in SHEETS.items():
        ws = wb[name]
        stamp = ws.cell(row=2, column=1).value
        assert "运行编号 test-run" in stamp and "政策目录版本 abc123" in stamp and "北京时间" in stamp, name
        assert _table(ws)[0] == headers, name
        assert ws.freeze_panes == f"A{workbook.HEADER_ROW + 2}", name
        assert ws.auto_filter.ref.startswith(f"A{workbook.HEADER_ROW + 1}:"), name
        assert ws.column_dimensions["A"].width > 8, name


def test_exact_yuan_equal_the_ledger_to_the_fen_in_the_fiscal_level_order(book):
    conn, _, wb = book
    expected = {(y, lvl): a for y, lvl, a in conn.execute(
        """SELECT payment_year, paying_level, sum(amount_yuan) FROM ledger.liabilities
           WHERE kind IN ('spending', 'programme') GROUP BY ALL""").fetchall()}
    assert {lvl for _, lvl in expected} == {"central", "region", "city", "banner"}
    assert conn.execute("SELECT count(*) FROM ledger.liabilities WHERE kind = 'equity'").fetchone()[0] > 0
    zh = {"central": "中央", "region": "自治区", "city": "盟市", "banner": "旗区"}
    ws = wb["按年度和层级"]
    _, rows = _table(ws)
    got = {(y, lvl): _yuan(exact) for y, lvl, _n, _wan, exact in rows}
    assert got == {(y, zh[lvl]): a for (y, lvl), a in expected.items()}
    for _y, _lvl, _n, wan, exact in rows:
        assert wan == pytest.approx(float(exact) / 10000, abs=1e-6)
    years = sorted({y for y, *_ in rows})
    for year in years:
        assert [lvl for y, lvl, *_ in rows if y == year] == [v for v in zh.values() if (year, v) in got]
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "合计（全部行）")
    assert _yuan(total[4]) == sum(expected.values())
    for sheet, col in (("按支付地区", 6), ("按政策", 8)):  # the other ledger views add up to the same total
        assert sum(_yuan(r[col]) for r in _table(wb[sheet])[1]) == sum(expected.values()), sheet
    regions = _table(wb["按支付地区"])[1]
    assert ("150000", "内蒙古自治区") in {(r[2], r[3]) for r in regions}
    assert [r[1] for r in regions if r[0] == 2024][:2] == ["中央", "自治区"]


def test_forecast_scenarios_and_quarantine(book):
    _, _, wb = book
    _, fc = _table(wb["预测区间"])
    assert [(r[0], r[2]) for r in fc] == [("含续发假设", "合计"), ("含续发假设", "中央"), ("含续发假设", "旗区"),
                                          ("不续发（到期即止）", "合计"), ("不续发（到期即止）", "中央"),
                                          ("不续发（到期即止）", "旗区")]  # no region scope, levels in fiscal order
    assert _yuan(fc[0][6]) == Decimal("1000.50") and fc[0][7] == pytest.approx(0.07)
    _, sc = _table(wb["情景分析"])
    assert [r[3] for r in sc if r[1] == "cut"] == ["自治区", "盟市", "合计"]
    total = next(r for r in sc if r[3] == "合计")
    assert _yuan(total[7]) == Decimal("-500.00") and total[8] == pytest.approx(-500 / 3000)
    assert any(r[1] == "broken" and "规则 X 不存在" in r[9] for r in sc)
    _, q = _table(wb["隔离记录"])
    assert len(q) == 3  # this run's rows only
    assert q[0][:6] == ("企业年度指标", "metrics.xlsx", "指标", 12, "统一社会信用代码+年度+指标代码",
                        "uscc+year+metric")
    assert any(r[1] == "'=HYPERLINK(\"x\").csv" for r in q)  # a file name a spreadsheet would run stays text
    text = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert not any(PERSON in t or "张**" in t for t in text)  # neither the value nor the raw row is exported


def test_an_amount_a_float_cannot_hold_is_written_as_text(tmp_path):
    huge, small = Decimal("12345678901234.56"), Decimal("9999999.99")
    assert not workbook.exact_as_number(huge) and workbook.exact_as_number(small)
    sheet = workbook.Sheet("表", "测试", "说明", [workbook.Col("金额（元）", "yuan")], [(huge,), (small,)])
    path = tmp_path / "t.xlsx"
    workbook.write_book(path, [sheet], "运行编号 r")
    cells = [r[0] for r in openpyxl.load_workbook(path)["表"].iter_rows(min_row=5, values_only=True)]
    assert cells[0] == "12345678901234.56" and isinstance(cells[1], float) and _yuan(cells[1]) == small


def test_every_page_links_the_workbook(book):
    _, path, _ = book
    html = page("index.html", "", RUN, "")
    assert f'<a href="{workbook_file(RUN)}" download id="workbook-link">下载Excel</a>' in html
    assert workbook_file(RUN) == path.name
    assert Path(path.parent / workbook_file(RUN)).exists()
