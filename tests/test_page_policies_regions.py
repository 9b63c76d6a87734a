"""分政策 and 分地区 pages: next year first, by paying region with 盟市 subtotals, totals that reconcile.

Two sets: pages built from a few hand-made lines whose figures are worked out by hand below, and pages built from
a whole warehouse (the published one if there is one, else a nightly run of 2,000 enterprises) checked against SQL
written here."""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from dagster_project.dashboards import layout, policies, regions

RUN = {"run_id": "run-now-0000", "generated_at": "2025-12-01 02:00:00", "catalogue_version": "0" * 16,
       "as_of": "2025-12-01"}  # the first forecast year 2026 is then 明年
FISCAL_HEAD = ["中央承担", "自治区承担", "盟市承担", "旗区承担"]
D = Decimal


# --- reading the pages back ------------------------------------------------------------------------------------

def table_rows(page: str, table_id: str) -> list[list[tuple[str, str | None, str | None]]]:
    """Body rows of a table: per cell (text, data-yuan, data-testid)."""
    body = re.search(rf"<table id='{table_id}'>.*?<tbody>(.*?)</tbody>", page, re.S).group(1)
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = []
        for attrs, text in re.findall(r"<td([^>]*)>(.*?)</td>", tr, re.S):
            yuan = re.search(r'data-yuan="([^"]*)"', attrs)
            tid = re.search(r'data-testid="([^"]*)"', attrs)
            cells.append((html.unescape(re.sub(r"<[^>]+>", "", text)), yuan and yuan.group(1), tid and tid.group(1)))
        out.append(cells)
    return out


def head_of(page: str, table_id: str) -> list[str]:
    thead = re.search(rf"<table id='{table_id}'><thead>(.*?)</thead>", page, re.S).group(1)
    return re.findall(r"<th>(.*?)</th>", thead)


def filters_of(page: str, table_id: str) -> dict:
    attrs = re.search(rf'<div class="table-block" data-table="{table_id}"([^>]*)>', page).group(1)
    return json.loads(html.unescape(re.search(r'data-filters="([^"]*)"', attrs).group(1)))


def yuan_of(page: str, test_id: str) -> Decimal:
    tags = re.findall(rf"""<[^<>]*data-testid=["']{re.escape(test_id)}["'][^<>]*>""", page)
    assert len(tags) == 1, f"{test_id}: {len(tags)} elements"
    return Decimal(re.search(r"""data-yuan=["']([-\d.]+)["']""", tags[0]).group(1))


def figure(page: str, div_id: str) -> tuple[list[dict], dict]:
    """A chart's traces and layout, as the page hands them to Plotly.newPlot."""
    at = re.search(rf'Plotly.newPlot\(\s*"{div_id}",\s*', page).end()
    decoder = json.JSONDecoder()
    traces, end = decoder.raw_decode(page, at)
    fig_layout, _ = decoder.raw_decode(page, re.compile(r",\s*").match(page, end).end())
    return traces, fig_layout


def has_column(conn: duckdb.DuckDBPyConnection, schema: str, name: str, column: str) -> bool:
    return conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                        "AND column_name = ?", [schema, name, column]).fetchone()[0] > 0


def visible_text(page: str) -> str:
    """What a reader sees: no tags, no scripts, no footer code block (the SQL), no plotly JSON."""
    page = re.sub(r"<script.*?</script>|<pre>.*?</pre>|<style.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


# --- hand-made lines -------------------------------------------------------------------------------------------

def make(conn: duckdb.DuckDBPyConnection, name: str, columns: dict) -> None:
    schema = name.split(".")[0]
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    frame = pl.DataFrame(columns)  # noqa: F841 - read by DuckDB's replacement scan
    conn.execute(f"CREATE OR REPLACE TABLE {name} AS FROM frame")


REGIONS = [("100000", "中央", "central", None), ("150000", "内蒙古自治区", "region", None),
           ("150600", "鄂尔多斯市", "city", "150000"), ("150100", "呼和浩特市", "city", "150000"),
           ("150622", "准格尔旗", "banner", "150600"), ("1506P1", "测试园区", "park", "150600"),
           ("1506BP", "鄂尔多斯市各旗区（未分到旗区）", "banner_pool", "150600"),
           ("150102", "新城区", "banner", "150100")]
RULES = [f"NMG2024-{k:02d}" for k in range(1, 13)]


def line(year, level, region, rule, amount, kind="spending", beneficiary_region=None, specified=True) -> dict:
    return {"payment_year": year, "paying_level": level, "paying_region_code": region, "rule_id": rule,
            "document": "ORD2024" if rule.endswith(("02", "04", "06", "08", "10", "12")) else "NMG2024",
            "split_specified": specified, "kind": kind, "amount": D(amount),
            "beneficiary_region_code": beneficiary_region or region, "beneficiary_id": f"b-{rule}-{region}"}


def forecast_lines() -> list[dict]:
    """2026 (the first forecast year): NMG2024-01..10 paid by the region, k × 100,000 元; 12 across levels and
    places; 11 by 呼和浩特 and one of its banners; 05 also by the centre; a tax relief that is no spending."""
    out = [line(2026, "region", "150000", f"NMG2024-{k:02d}", f"{k * 100000}.00",
                specified=k != 4) for k in range(1, 11)]
    out += [line(2026, "region", "150000", "NMG2024-12", "1200000.00"),
            line(2026, "city", "150600", "NMG2024-12", "300000.50"),
            line(2026, "banner", "150622", "NMG2024-12", "200000.25"),
            line(2026, "banner", "1506P1", "NMG2024-12", "50000.00"),
            line(2026, "city", "150100", "NMG2024-11", "10000.00"),
            line(2026, "banner", "150102", "NMG2024-11", "5000.00"),
            line(2026, "central", "100000", "NMG2024-05", "7777.77"),
            line(2026, "region", "150000", "NMG2024-12", "99999999.00", kind="revenue_forgone"),
            line(2027, "banner", "1506BP", "NMG2024-12", "0.03", kind="programme"),
            line(2027, "city", "150600", "NMG2024-01", "12.34")]
    return out


def ledger_lines() -> list[dict]:
    """2025 (before the forecast) and a 2026 payment the forecast's committed part replaces; a programme budget
    booked to the region with no beneficiary banner."""
    return [line(2025, "region", "150000", "NMG2024-02", "40.00", beneficiary_region="150622"),
            line(2025, "city", "150600", "NMG2024-02", "30.00", beneficiary_region="150622"),
            line(2025, "banner", "150622", "NMG2024-02", "30.00"),
            line(2025, "region", "150000", "NMG2024-09", "500.00", kind="programme"),
            line(2026, "banner", "150622", "NMG2024-07", "888.88")]


@pytest.fixture
def hand() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    make(conn, "ref.regions", {k: [r[i] for r in REGIONS] for i, k in
                               enumerate(["region_code", "name_zh", "level", "parent_code"])})
    make(conn, "catalogue.documents", {"document": ["NMG2024", "ORD2024"], "title": ["自治区清单全称", "市清单全称"],
                                       "short_title": ["自治区2024政策清单", "鄂尔多斯2024政策清单"]})
    make(conn, "catalogue.rules", {
        "rule_id": [*RULES, "NMG2024-99"], "document": ["NMG2024"] * 13, "item": [str(k) for k in range(1, 14)],
        "line_first": list(range(13)), "title": [f"测试条款{k}" for k in range(1, 14)],
        "status": ["costed"] * 12 + ["not_costable"], "reason": [None] * 12 + ["文件未写金额，无法测算。"],
        "assumption": [None, None, "假定每年一个盟市入选", *[None] * 10]})
    make(conn, "catalogue.coverage", {"document": ["NMG2024"], "clauses": [13], "costed": [12], "not_costable": [1],
                                      "costed_on_assumption": [1], "costed_split_unspecified": [1]})
    fc = pl.DataFrame(forecast_lines()).rename({"amount": "amount_p50"}).with_columns(part=pl.lit("forecast"))
    make(conn, "forecast.liabilities", fc.to_dict(as_series=False))
    conn.execute("""CREATE TABLE forecast.by_year_level AS SELECT payment_year, paying_level,
                    sum(amount_p50) AS total_p50_yuan FROM forecast.liabilities
                    WHERE kind IN ('spending', 'programme') GROUP BY ALL""")
    make(conn, "ledger.liabilities", pl.DataFrame(ledger_lines()).rename({"amount": "amount_yuan"})
         .to_dict(as_series=False))
    layout.load_doc_names(conn)
    yield conn
    layout.load_doc_names(duckdb.connect())  # no short names left behind for other tests
    conn.close()


def test_next_years_ten_costliest_policies_by_hand(hand):
    page = policies.build(hand, RUN)
    assert "明年（2026年）成本最高的10项政策" in page
    assert filters_of(page, "top-by-year") == {"支付年度": "2026年"}
    rows = [r for r in table_rows(page, "top-by-year") if r[0][0] == "2026年"]
    # NMG2024-12: 1,200,000 + 300,000.50 + 200,000.25 + 50,000 (its tax relief is no spending); 05 adds 7,777.77
    expected = [("NMG2024-12", D("1750000.75")), ("NMG2024-10", D("1000000.00")), ("NMG2024-09", D("900000.00")),
                ("NMG2024-08", D("800000.00")), ("NMG2024-07", D("700000.00")), ("NMG2024-06", D("600000.00")),
                ("NMG2024-05", D("507777.77")), ("NMG2024-04", D("400000.00")), ("NMG2024-03", D("300000.00")),
                ("NMG2024-02", D("200000.00"))]  # 01 (100,000) and 11 (15,000) are 11th and 12th
    assert [(r[5][2].removeprefix("next-rule-"), D(r[5][1])) for r in rows] == expected
    assert [r[2][0] for r in rows] == [str(k) for k in range(1, 11)] and {r[1][0] for r in rows} == {"预测"}
    total = sum((D(f"{k * 100000}") for k in range(1, 11)), D("1750000.75") + D("15000.00") + D("7777.77"))
    assert total == D("7272778.52")
    assert rows[0][6][0] == f"{D('1750000.75') / total * 100:.1f}%" == "24.1%"
    assert rows[0][4][0] == "鄂尔多斯2024政策清单"  # the document by its short name, not ORD2024
    flags = {r[5][2].removeprefix("next-rule-"): r[7][0] for r in rows}
    assert flags["NMG2024-03"] == "基于假设" and flags["NMG2024-04"] == "分担比例未明确" and flags["NMG2024-10"] == ""
    assert yuan_of(page, "policies-year-total") == total
    # 2025 is a ledger year: its top rows are the ledger's, labelled 台账; 2026's ledger line is not added
    past = [r for r in table_rows(page, "top-by-year") if r[0][0] == "2025年"]
    assert [(r[1][0], r[5][2], D(r[5][1])) for r in past] == [("台账", "top-2025-NMG2024-09", D("500.00")),
                                                             ("台账", "top-2025-NMG2024-02", D("100.00"))]


def test_policy_documents_by_year_and_the_ledger_total(hand):
    page = policies.build(hand, RUN)
    rows = table_rows(page, "document-table")
    by = {(r[0][0], r[2][0]): D(r[3][1]) for r in rows}
    assert by[("2026年", "鄂尔多斯2024政策清单")] == D("1750000.75") + D("1000000") + D("800000") + D("600000") + D(
        "400000") + D("200000")
    assert by[("2027年", "自治区2024政策清单")] == D("12.34")
    assert yuan_of(page, "document-ORD2024") == D("100.00")  # the ledger, every payment year: NMG2024-02
    assert yuan_of(page, "document-NMG2024") == D("500.00") + D("888.88")
    unspecified = {(r[0][0], r[2][0]): D(r[5][1]) for r in rows}
    assert unspecified[("2026年", "鄂尔多斯2024政策清单")] == D("400000.00")  # NMG2024-04's default split
    assert filters_of(page, "document-table") == {"支付年度": "2026年", "文件": None}
    traces, fig_layout = figure(page, "policies-by-document")  # 2026 shown first: ORD2024's 04 on the default split
    assert traces[0]["y"] == ["鄂尔多斯2024政<br>策清单", "自治区2024政策<br>清单"]  # 9 characters a line
    assert traces[1]["x"][0] == pytest.approx(40.0) and traces[0]["x"][0] == pytest.approx(435.000075)
    menu = fig_layout["updatemenus"][0]
    assert [b["label"] for b in menu["buttons"]] == ["2025年", "2026年", "2027年"] and menu["active"] == 1
    # programme budgets booked to a level (no beneficiary banner): the region page's beneficiary table lacks them
    assert yuan_of(page, "booked-to-level") == D("500.00")


def test_policy_page_folds_the_long_tables_and_names_no_developer_paths(hand):
    page = policies.build(hand, RUN)
    text = visible_text(page)
    assert "seeds/" not in text and "defaults.yaml" not in text and "按目录默认比例" in text
    folded = re.findall(r"<details class=\"collapsible\"( open)?><summary>(.*?)</summary>", page)
    assert [s for _, s in folded] == ["台账全部支付年度金额最大的 20 条条款（万元）", "各文件条款覆盖情况",
                                      "基于假设测算的条款（1 条，台账金额，万元）", "无法测算的条款及原因（1 条）"]
    assert all(not opened for opened, _ in folded)  # closed by default
    assert filters_of(page, "not-costable") == {"文件": None} and 'data-table="not-costable" data-filters' in page
    assert table_rows(page, "not-costable")[0][0][0] == "自治区2024政策清单"


def test_region_table_subtotals_and_grand_total_by_hand(hand):
    page = regions.build(hand, RUN)
    assert head_of(page, "payer-table") == ["支付年度", "口径", "盟市", "承担地区", *FISCAL_HEAD, "合计"]
    assert filters_of(page, "payer-table") == {"支付年度": "2026年", "盟市": None}
    rows = [r for r in table_rows(page, "payer-table") if r[0][0] == "2026年"]
    got = [(r[2][0], r[3][0], [D(c[1]) for c in r[4:9]]) for r in rows]
    z = D(0)
    region = sum((D(f"{k * 100000}") for k in range(1, 11)), D("1200000.00"))
    assert got == [
        ("中央和自治区", "中央", [D("7777.77"), z, z, z, D("7777.77")]),
        ("中央和自治区", "自治区本级", [z, region, z, z, region]),
        ("鄂尔多斯市", "鄂尔多斯市本级", [z, z, D("300000.50"), z, D("300000.50")]),
        ("鄂尔多斯市", "准格尔旗", [z, z, z, D("200000.25"), D("200000.25")]),
        ("鄂尔多斯市", "测试园区", [z, z, z, D("50000.00"), D("50000.00")]),
        ("鄂尔多斯市", "鄂尔多斯市小计", [z, z, D("300000.50"), D("250000.25"), D("550000.75")]),
        ("呼和浩特市", "呼和浩特市本级", [z, z, D("10000.00"), z, D("10000.00")]),
        ("呼和浩特市", "新城区", [z, z, z, D("5000.00"), D("5000.00")]),
        ("呼和浩特市", "呼和浩特市小计", [z, z, D("10000.00"), D("5000.00"), D("15000.00")]),
        ("合计", "2026年合计", [D("7777.77"), region, D("310000.50"), D("255000.25"), D("7272778.52")])]
    assert yuan_of(page, "year-total-2026") == D("7272778.52") == hand.execute(
        "SELECT sum(total_p50_yuan) FROM forecast.by_year_level WHERE payment_year = 2026").fetchone()[0]
    assert "2026年本表合计 7,272,778.52 元" in page and "一致，到分" in page
    # 2025 from the ledger (basis 台账); 2027's pool of Ordos banners sits under 鄂尔多斯市
    ledger = {r[3][0]: (r[1][0], D(r[8][1])) for r in table_rows(page, "payer-table") if r[0][0] == "2025年"}
    assert ledger["2025年合计"] == ("台账", D("600.00")) and ledger["准格尔旗"] == ("台账", D("30.00"))
    pool = [r for r in table_rows(page, "payer-table") if r[0][0] == "2027年" and r[3][0].startswith("鄂尔多斯市各")]
    assert pool[0][2][0] == "鄂尔多斯市" and pool[0][7][1] == "0.03"


def test_region_charts_offer_every_year_with_next_year_first(hand):
    page = regions.build(hand, RUN)
    traces, fig_layout = figure(page, "regions-by-city")
    assert [t["name"] for t in traces] == FISCAL_HEAD and {t["type"] for t in traces} == {"bar"}
    menu = fig_layout["updatemenus"][0]
    labels = [b["label"] for b in menu["buttons"]]
    assert labels == ["2025年", "2026年", "2027年", "全部年度（2025–2027年）"] and labels[menu["active"]] == "2026年"
    assert traces[0]["y"] == ["中央", "自治区本级", "鄂尔多斯市", "呼和浩特市"]
    assert traces[3]["x"][2] == pytest.approx(25.000025)  # 鄂尔多斯市's banners, 万元
    every = menu["buttons"][3]["args"][0]
    ordos = every["y"][0].index("鄂尔多斯市")
    assert every["x"][3][ordos] == pytest.approx((250000.25 + 30 + 0.03) / 10000)  # 2025 + 2026 + 2027
    assert "sunburst" not in page


def test_region_beneficiary_table_keeps_each_banners_own_share(hand):
    page = regions.build(hand, RUN)
    assert yuan_of(page, "banner-own-150622") == D("30.00") + D("888.88")  # the ledger, every payment year
    assert yuan_of(page, "beneficiary-outside") == D("500.00")
    assert "<details class=\"collapsible\"><summary>按受益地区" in page


# --- a whole warehouse -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def warehouse(nightly_site):
    """The shared nightly run's published warehouse (read-only) and the two pages built from it."""
    conn = duckdb.connect(str(nightly_site[1]), read_only=True)
    layout.load_doc_names(conn)
    run = {**RUN, "as_of": "2026-11-27"}
    yield conn, policies.build(conn, run), regions.build(conn, run)
    conn.close()


SPEND = "kind IN ('spending', 'programme')"


def test_warehouse_next_years_top_ten_equal_sql(warehouse):
    conn, page, _ = warehouse
    year = 2027  # 'next year' of a run dated 2026-11-27: the budget year being planned, a forecast year
    assert conn.execute("SELECT count(*) FROM forecast.by_year_level WHERE payment_year = 2027").fetchone()[0] > 0
    expected = conn.execute(f"""SELECT rule_id, sum(amount_p50) AS a FROM forecast.liabilities
                                WHERE {SPEND} AND payment_year = ? GROUP BY rule_id ORDER BY a DESC, rule_id
                                LIMIT 10""", [year]).fetchall()
    rows = [r for r in table_rows(page, "top-by-year") if r[0][0] == f"{year}年"]
    assert [(r[5][2].removeprefix("next-rule-"), D(r[5][1])) for r in rows] == expected
    total = conn.execute(f"SELECT sum(total_p50_yuan) FROM forecast.by_year_level WHERE payment_year = {year}"
                         ).fetchone()[0]
    assert yuan_of(page, "policies-year-total") == total
    assert [r[6][0] for r in rows] == [f"{a / total * 100:.1f}%" for _, a in expected]
    docs = dict(conn.execute(f"SELECT document, sum(amount_yuan) FROM ledger.liabilities WHERE {SPEND} GROUP BY 1"
                             ).fetchall())
    assert all(yuan_of(page, f"document-{d}") == a for d, a in docs.items())


def test_warehouse_region_table_reconciles_to_the_cent(warehouse):
    conn, _, page = warehouse
    first = conn.execute("SELECT min(payment_year) FROM forecast.by_year_level").fetchone()[0]
    truth = {(y, lvl): a for y, lvl, a in conn.execute(f"""
        SELECT payment_year, paying_level, sum(amount_yuan) FROM ledger.liabilities
        WHERE {SPEND} AND payment_year < {first} GROUP BY ALL UNION ALL
        SELECT payment_year, paying_level, total_p50_yuan FROM forecast.by_year_level""").fetchall()}
    rows = table_rows(page, "payer-table")
    assert head_of(page, "payer-table")[4:8] == FISCAL_HEAD
    years = sorted({y for y, _ in truth})
    assert sorted({int(r[0][0][:-1]) for r in rows}) == years
    for year in years:
        mine = [r for r in rows if r[0][0] == f"{year}年"]
        plain = [r for r in mine if not r[3][0].endswith(("小计", "合计"))]
        for i, lvl in enumerate(layout.LEVEL_ORDER):  # every level column adds up to the level's total
            assert sum((D(r[4 + i][1]) for r in plain), D(0)) == truth.get((year, lvl), D(0)), (year, lvl)
        grand = sum((a for (y, _), a in truth.items() if y == year), D(0))
        assert yuan_of(page, f"year-total-{year}") == grand == sum((D(r[8][1]) for r in plain), D(0))
        for sub in (r for r in mine if r[3][0].endswith("小计")):  # a 盟市's subtotal is the sum of its rows
            city = [r for r in plain if r[2][0] == sub[2][0]]
            assert len(city) > 1 and [D(c[1]) for c in sub[4:9]] == [
                sum((D(r[k][1]) for r in city), D(0)) for k in range(4, 9)]
    banner, own = conn.execute(f"""SELECT l.beneficiary_region_code, sum(l.amount_yuan) FROM ledger.liabilities AS l
                                   JOIN ref.regions AS g ON g.region_code = l.beneficiary_region_code
                                   WHERE l.{SPEND} AND l.paying_level = 'banner' AND g.level IN ('banner', 'park')
                                   GROUP BY 1 ORDER BY 2 DESC LIMIT 1""").fetchone()
    assert yuan_of(page, f"banner-own-{banner}") == own


def test_warehouse_pages_name_no_paths_and_no_codes_in_charts(warehouse):
    conn, policies_page, regions_page = warehouse
    year = 2027  # 'next year' of a run dated 2026-11-27
    assert yuan_of(policies_page, "policies-year-total") == yuan_of(regions_page, f"year-total-{year}") == yuan_of(
        regions_page, "regions-year-total")  # the two pages add up to the same total, as the policy page says
    for page in (policies_page, regions_page):
        text = visible_text(page)
        assert "seeds/" not in text and "data/" not in text and "sunburst" not in page
    booked = conn.execute(f"""SELECT sum(l.amount_yuan), bool_and(l.kind = 'programme') FROM ledger.liabilities AS l
                              JOIN ref.regions AS g ON g.region_code = l.beneficiary_region_code
                              WHERE l.{SPEND} AND g.level NOT IN ('banner', 'park')""").fetchone()
    assert booked[1], "lines without a beneficiary banner are programme budgets, as the page says"
    assert yuan_of(policies_page, "booked-to-level") == booked[0] == yuan_of(regions_page, "beneficiary-outside")
    codes = [d for (d,) in conn.execute("SELECT document FROM catalogue.documents").fetchall()]
    names = {layout.doc_name(d) for d in codes}
    if has_column(conn, "catalogue", "documents", "short_title"):  # an older warehouse shows the codes
        assert not names & set(codes)
    labels = [y.replace("<br>", "") for y in figure(policies_page, "policies-by-document")[0][0]["y"]]
    assert labels and set(labels) <= names  # each document by its short Chinese name (NMG2024 → 自治区2024…)
