"""Dashboard pages built from small hand-made tables: the figures and labels a leader reads, checked by hand.

Each page function is given only the tables it reads; the HTML is read back by its data-testid cells and table ids.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from dagster_project.dashboards import forecast_page, policies, quality, regions, scenarios_page
from dagster_project.dashboards.layout import LEVEL_ZH, yi_rounded
from tests.conftest import enterprise

RUN = {"run_id": "run-now-0000", "generated_at": "2026-11-27 02:00:00", "catalogue_version": "0" * 16,
       "as_of": "2026-11-27"}
FISCAL = ["中央", "自治区", "盟市", "旗区"]
A, B, C, D = "91150622AAAAAAAAA1", "91150622BBBBBBBBB2", "91150622CCCCCCCCC3", "91150622DDDDDDDDD4"


def cell(page: str, test_id: str) -> str:
    found = re.search(rf"data-testid=['\"]{re.escape(test_id)}['\"][^>]*>(.*?)</", page, re.S)
    assert found, f"no cell {test_id}"
    return found.group(1)


def rows_of(page: str, table_id: str) -> list[list[str]]:
    """The body rows of a table as the text of their cells (tags removed)."""
    body = re.search(rf"<table id='{table_id}'>(.*?)</table>", page, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S) if "<td" in tr]


def tables(conn: duckdb.DuckDBPyConnection, **frames: dict) -> duckdb.DuckDBPyConnection:
    """Tables `schema__name` from column dicts (Decimal money, as the warehouse holds it)."""
    for name, columns in frames.items():
        schema, table = name.split("__")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        frame = pl.DataFrame(columns)  # noqa: F841 - read by DuckDB's replacement scan
        conn.execute(f"CREATE OR REPLACE TABLE {schema}.{table} AS FROM frame")
    return conn


def trade(uscc: str, year: int, trade_yuan: str, fees: str) -> list[dict]:
    return [{"uscc": uscc, "year": year, "metric": "import_export_value_yuan", "value": trade_yuan, "unit": "元"},
            {"uscc": uscc, "year": year, "metric": "port_fees_yuan", "value": fees, "unit": "元"}]


# --- 1. 受益对象数 of the top-20 table ------------------------------------------------------------------------


def test_top_rules_count_each_beneficiary_once_over_regions_and_years(ledger_from, catalogue_of):
    # ORD-FTRADE-07 (港务费 50%, paid the next year, city and banner 1:1): A is paid in 2025 by banner 150622 and
    # the city; B in 2026 by 150622 and the city; D in 2026 by its park and the city. The mart's busiest cell
    # (2026, city) holds 2 of them; by hand the rule has 3 beneficiaries: A, B and D.
    park = "1506P1"
    conn = ledger_from({
        "enterprises": [enterprise(A, industry="51", registered="2024-03-01"),
                        enterprise(B, industry="51", registered="2024-03-01"),
                        enterprise(D, region=park, industry="51", registered="2025-01-10")],
        "enterprise_metrics": [*trade(A, 2024, "100000000", "1000000"), *trade(B, 2025, "800000000", "4000002"),
                               *trade(D, 2025, "150000000", "300000.01")],
    }, catalogue_of("ORD-FTRADE.yaml"))  # the budget programmes of the other documents would fill the top 20
    spread = conn.execute("""SELECT count(DISTINCT payment_year), count(DISTINCT paying_region_code)
                             FROM ledger.liabilities WHERE rule_id = 'ORD-FTRADE-07'""").fetchone()
    assert spread == (2, 3)  # the beneficiaries are spread over years and regions, as the test means them to be
    old = conn.execute("""SELECT max(beneficiaries) FROM marts.liabilities_by_year_level_region_rule
                          WHERE rule_id = 'ORD-FTRADE-07'""").fetchone()[0]
    assert old == 2  # what the page used to show
    page = policies.build(conn, RUN)
    assert cell(page, "beneficiaries-ORD-FTRADE-07") == "3"
    assert Decimal(re.search(r"data-yuan=\"([\d.]+)\" data-testid=\"rule-ORD-FTRADE-07\"", page).group(1)) == (
        Decimal("500000.00") + Decimal("2000000.00") + Decimal("150000.01"))  # B capped at 200万 a year


# --- 2. levels in the fiscal order -------------------------------------------------------------------------------

LEVELS = ["banner", "central", "city", "region"]  # alphabetical: the order a plain ORDER BY gives


# the overview's tables: tests/test_page_overview.py


def test_scenarios_table_lists_levels_in_fiscal_order():
    conn = tables(duckdb.connect(), scenarios__definitions={
        "scenario": ["s1"], "title": ["测试情景"], "description": ["说明"], "file": ["s1.yaml"], "status": ["ok"],
        "message": [""]}, scenarios__by_year_level={
        "scenario": ["s1"] * 8, "payment_year": [2026] * 4 + [2027] * 4, "paying_level": LEVELS * 2,
        "baseline_yuan": [Decimal("10.00")] * 8, "scenario_yuan": [Decimal("12.00")] * 8,
        "delta_yuan": [Decimal("2.00")] * 8})
    rows = rows_of(scenarios_page.build(conn, RUN), "scenario-table-0")
    assert [r[1] for r in rows] == FISCAL * 2


def test_forecast_backtest_and_coverage_tables_list_levels_in_fiscal_order():
    levels = ["all", *LEVELS]
    conn = tables(duckdb.connect(), forecast__backtest_summary={
        "level": levels, "method": ["driver_forecast"] * 5, "mae_yuan": [Decimal("1.00")] * 5, "mape": [0.1] * 5,
        "fitted_on": ["2019–2023"] * 5, "held_out": ["2024–2025"] * 5},
        forecast__backtest_coverage={
        "nominal": [0.8] * 5 + [0.95] * 5, "level": levels * 2, "covered": [1] * 10, "points": [2] * 10,
        "coverage": [0.5] * 10, "interval_score_yuan": [Decimal("1.00")] * 10})
    assert [r[0] for r in rows_of(forecast_page._backtest(conn), "backtest-table")] == ["合计", *FISCAL]
    assert [r[1] for r in rows_of(forecast_page._coverage(conn), "coverage-table")] == ["合计", *FISCAL] * 2


def test_forecast_stacked_bars_put_levels_in_fiscal_order_in_the_legend():
    frame = pl.DataFrame({"payment_year": [2026] * 4, "paying_level": LEVELS, "committed_yuan": [1.0] * 4,
                          "forecast_p50_yuan": [1.0] * 4})
    fig = forecast_page._by_level(frame)
    # the legend lists traces in reverse (layout.legend.traceorder), so the last trace added is read first
    assert fig.layout.legend.traceorder == "reversed"
    names = [t.name.split("·")[0] for t in fig.data][::-1]
    assert list(dict.fromkeys(names)) == FISCAL


def test_regions_banner_table_columns_in_fiscal_order():
    data = pl.DataFrame({"code": ["150622"] * 4, "name": ["准格尔旗"] * 4, "level": ["banner"] * 4,
                         "parent_code": ["150600"] * 4, "parent_name": ["鄂尔多斯市"] * 4, "paying_level": LEVELS,
                         "amount_yuan": [Decimal("4.00"), Decimal("1.00"), Decimal("3.00"), Decimal("2.00")]})
    html_table = regions._banner_table(data)
    head = re.findall(r"<th>(.*?)</th>", html_table)
    assert head == ["旗区（园区）", "中央承担", "自治区承担", "盟市承担", "旗区本级承担", "合计"]
    assert [c for c in rows_of(html_table, "banner-table")[0][1:]] == ["0.00", "0.00", "0.00", "0.00", "0.00"]
    yuan = re.findall(r'data-yuan="([\d.]+)"', html_table)
    assert yuan == ["1.00", "2.00", "3.00", "4.00", "10.00"]  # central, region, city, banner, total
    assert 'data-yuan="4.00" data-testid="banner-own-150622"' in html_table


# --- 3. 数据质量 ---------------------------------------------------------------------------------------------------


def _quality_conn() -> duckdb.DuckDBPyConnection:
    rid, t = RUN["run_id"], datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
    conn = tables(duckdb.connect(), audit__input_files={
        "run_id": [rid, rid, "run-old-1111"], "file": ["enterprises.csv", "projects.xlsx", "enterprises.csv"],
        "registry": ["enterprises", "projects", "enterprises"], "encoding": ["utf-8", "xlsx", "utf-8"],
        "sheets": ["", "项目", ""], "skipped_sheets": ["", "", ""], "rows_in": [10, 5, 10],
        "rows_accepted": [8, 4, 10], "rows_quarantined": [2, 1, 0], "blank_rows": [0, 0, 0],
        "status": ["read", "read", "read"], "message": ["", "", ""], "sha256": ["a" * 64] * 3},
        audit__registry_arrivals={
        "run_id": [rid], "registry": ["enterprises"], "files_read": [1], "rows_accepted": [8],
        "previous_run_id": ["run-old-1111"], "previous_rows_accepted": [10], "drop_share": [0.2], "status": ["ok"]},
        audit__quarantine={  # row 3 of enterprises.csv fails two checks; row 7 one; projects row 4 (sheet 项目) one
        "run_id": [rid] * 4, "registry": ["enterprises", "enterprises", "enterprises", "projects"],
        "file": ["enterprises.csv", "enterprises.csv", "enterprises.csv", "projects.xlsx"],
        "sheet": [None, None, None, "项目"], "source_row": [3, 3, 7, 4],
        "field": ["uscc", "registered_on", "uscc", "uscc+project_id"],
        "reason": ["统一社会信用代码无效（格式或校验位错误）", "日期无效", "统一社会信用代码无效（格式或校验位错误）",
                   "主键重复"]},
        audit__runs={
        "run_id": [rid, "run-old-1111", "run-fail-222", "run-kill-333", "run-part-444"],
        "started_at": [t, t.replace(day=25), t.replace(day=24), t.replace(day=23), t.replace(day=22)],
        "finished_at": [None, t.replace(day=25), t.replace(day=24), t.replace(day=23), t.replace(day=22)],
        "status": ["started", "published", "failed at ledger_asset: ValueError: boom", "interrupted", "unpublished"]})
    return conn


def test_quality_chart_and_table_count_quarantined_rows_not_reasons():
    conn = _quality_conn()
    page = quality.build(conn, {**RUN})
    assert cell(page, "quarantined-rows") == "3"  # rows 3 and 7 of the CSV, row 4 of the sheet: the files' 2 + 1
    rows = rows_of(page, "reasons-table")
    assert rows == [["企业名录", "统一社会信用代码", "统一社会信用代码无效（格式或校验位错误）", "2"],
                    ["企业名录", "成立日期", "日期无效", "1"],
                    ["项目库", "建设单位统一社会信用代码＋项目编号", "主键重复", "1"]]
    bars = re.search(r'"x":\[([\d,]+)\]', page).group(1)
    assert sorted(int(x) for x in bars.split(",")) == [1, 1, 2]  # the chart shows the table's row counts
    text = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), page)  # the figure's JSON escapes
    assert "本次运行被隔离的行数，按原因" in text and "隔离行数（按文件、工作表和行号计，每行只计一次）" in text
    labels = re.search(r'"y":\[(.*?)\]', text).group(1)
    assert "项目库·建设单位统一社会信用代码＋项目编号：主键重复" in labels and not re.search(r"[a-z_]{3,}", labels)


def test_quality_runs_table_shows_each_runs_final_status_in_chinese():
    page = quality.build(_quality_conn(), {**RUN})
    rows = {r[0]: r[2] for r in rows_of(page, "runs-table")}
    assert rows == {"run-now-": "已发布（本页数据所属运行）", "run-old-": "已发布",
                    "run-fail": "失败（步骤 ledger_asset）", "run-kill": "已中断（进程意外终止，由下一次运行记录）",
                    "run-part": "已结束，未发布（只运行了部分资产或盟市组合）"}
    assert rows_of(page, "runs-table")[0][0] == "run-now-"  # this run first
    assert "进行中" not in page and "title='ValueError: boom'" in page


def test_a_run_still_started_that_is_not_this_one_is_not_called_published():
    assert quality.run_status_zh("started", current=False) == "未记录结束（可能仍在运行）"
    assert quality.run_status_zh("failed at run start: OSError: disk", current=False) == (
        "<span title='OSError: disk'>失败（运行开始时）</span>")
    assert quality.run_status_zh("failed at x: y", current=True).endswith("失败（步骤 <code>x</code>）</span>")


@pytest.mark.parametrize(("registry", "field", "zh"), [
    ("talents", "arrival_date", "引进日期"),
    ("enterprise_metrics", "uscc+year+metric", "统一社会信用代码＋年度＋指标代码"),
    ("projects", "(row)", "整行（跨列检查或列数不符）"), ("enterprises", "名称冲突", "名称冲突")])
def test_quality_field_names_are_the_contracts_chinese_headers(registry, field, zh):
    assert quality.field_zh(registry, field) == zh


# --- 4. 亿元 at the precision of the interval (the overview's headlines: tests/test_page_overview.py) -------


@pytest.mark.parametrize(("yuan", "low", "high", "shown"), [
    (6_960_000_000, 6_200_000_000, 8_400_000_000, ("69.6", "62", "84")),  # a 22 亿 band: 0.1 亿 and whole 亿
    (6_543_000_000, 6_480_000_000, 6_610_000_000, ("65.43", "64.8", "66.1")),  # a 1.3 亿 band: one digit finer
    (500_000_000, 500_000_000, 500_000_000, ("5.00", "5.00", "5.00"))])  # no band (all committed): two decimals
def test_yi_rounded(yuan, low, high, shown):
    assert yi_rounded(yuan, low, high) == shown


def test_level_names_cover_the_fiscal_order():
    assert list(LEVEL_ZH.values()) == FISCAL
