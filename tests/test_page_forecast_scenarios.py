"""预测, 情景分析 and 数据质量 as a bureau leader reads them: the fan chart joined to the ledger's recorded years, the
step to the first forecast year and the gap between 已承诺 and the ledger explained with figures, each scenario's
headline, levels in the fiscal order, and no English or developer paths in the visible text.

Two kinds of test: small warehouses written here with figures worked out by hand, and the pages built from the
published warehouse of the session's shared nightly run (tests/conftest.py nightly_site), checked against
hand-written SQL on the same file."""

from __future__ import annotations

import html as html_mod
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project import catalogue, forecast, scenarios
from dagster_project.dashboards import forecast_page, quality, scenarios_page
from dagster_project.dashboards.layout import LEVEL_ORDER, LEVEL_ZH, load_doc_names
from dagster_project.settings import SEEDS_DIR

RUN = {"run_id": "run-now-0018", "generated_at": "2026-11-28 02:00:00", "catalogue_version": "c" * 16,
       "as_of": "2026-11-27"}
FISCAL = [LEVEL_ZH[lvl] for lvl in LEVEL_ORDER]
M = Decimal(1_000_000)  # 元 per 百万元, to keep the hand-made rows readable
BUDGET = "kind IN ('spending', 'programme')"


# --- reading a page as a reader sees it ----------------------------------------------------------------------------

def figures(page: str) -> dict[str, tuple[list, dict]]:
    """Every chart of a page: its div id -> (traces, layout), read from the Plotly.newPlot call."""
    found, decoder = {}, json.JSONDecoder()
    for m in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', page):
        data, end = decoder.raw_decode(page, m.end())
        layout, _ = decoder.raw_decode(page[end:].lstrip().lstrip(",").lstrip())
        found[m.group(1)] = (data, layout)
    return found


def chart_texts(traces: list, layout: dict) -> list[str]:
    """The strings of a chart a reader can see: trace names, hover templates, titles, tick and text labels."""
    out: list[str] = []

    def walk(obj: object, key: str = "") -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, k)
        elif isinstance(obj, list):
            for v in obj:
                walk(v, key)
        elif isinstance(obj, str) and key in ("name", "text", "hovertemplate", "title", "ticktext", "texttemplate"):
            out.append(re.sub(r"%\{[^}]*\}", " ", obj))

    walk(traces)
    walk(layout)
    return out


def visible_text(page: str) -> str:
    """<main> without scripts, code and tags (the footer's SQL block is the one place for code), plus the charts'
    own labels."""
    main = re.search(r"<main>(.*)</main>", page, re.S).group(1)
    charts = [t for traces, layout in figures(main).values() for t in chart_texts(traces, layout)]
    main = re.sub(r"<script.*?</script>|<code>.*?</code>", " ", main, flags=re.S)
    text = " ".join([re.sub(r"<[^>]+>", " ", main), *charts])
    return html_mod.unescape(re.sub(r"<[^>]+>", " ", text))


def english_words(text: str, allowed: set[str]) -> list[str]:
    """Tokens with a run of 3+ ASCII letters that are not rule ids (NMG2024-11A is how a rule is cited)."""
    tokens = re.findall(r"[A-Za-z0-9][A-Za-z0-9_./-]*[A-Za-z0-9]|[A-Za-z]", text)
    return [t for t in tokens if re.search(r"[A-Za-z]{3,}", t) and t not in allowed]


def rows_of(page: str, table_id: str) -> list[list[str]]:
    body = re.search(rf"<table id='{table_id}'>(.*?)</table>", page, re.S).group(1)
    return [[html_mod.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S) if "<td" in tr]


def squash(text: str) -> str:
    """Text without white space: a tag removed leaves a space where the page shows none."""
    return re.sub(r"\s+", "", text)


def yuan(page: str, test_id: str) -> Decimal:
    found = re.search(rf"""data-testid=['"]{re.escape(test_id)}['"] data-yuan=['"]([-\d.]+)['"]""", page) or \
        re.search(rf"""data-yuan=['"]([-\d.]+)['"][^>]*data-testid=['"]{re.escape(test_id)}['"]""", page)
    assert found, f"no figure {test_id}"
    return Decimal(found.group(1))


# --- hand-made warehouses ------------------------------------------------------------------------------------------

def ledger_line(year: int, award_year: int, amount: Decimal, *, kind: str = "spending", who: str = "enterprise",
                doc: str = "NMG2024", obj: str = "e1") -> tuple:
    return (year, award_year, amount, kind, who, doc, obj, "region")


# 2024: an award of 2024 (100); 2025: a programme budget (30) and an award of 2025 (50); 2026: the programme (30),
# the second instalment of the 2025 award (20) and an award of 2026 the registry already shows (5); revenue forgone
# (7) is never budget spending. The 2024 list (NMG2024) is assumed renewed, ORD-BULK lapses.
LEDGER = [ledger_line(2024, 2024, 100 * M), ledger_line(2025, 2025, 30 * M, kind="programme", who="programme",
                                                          doc="ORD-BULK", obj="p1"),
          ledger_line(2025, 2025, 50 * M, obj="e2"), ledger_line(2026, 2026, 30 * M, kind="programme",
                                                                  who="programme", doc="ORD-BULK", obj="p1"),
          ledger_line(2026, 2025, 20 * M, obj="e2"), ledger_line(2026, 2026, 5 * M, who="talent", obj="t1"),
          ledger_line(2026, 2025, 7 * M, kind="revenue_forgone", obj="e3")]
# forecast.bands, total: 2026 committed 50 (20 + 30), new take-up 150, median 200 (80%: 160–260); without the
# renewal 80. 2027: 10 committed, 190 new.
BANDS = {2026: (50, 150, 200, 160, 260, 80), 2027: (10, 190, 200, 150, 280, 60)}


def forecast_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path))
    for schema in ("ledger", "forecast", "catalogue", "ref"):
        conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute("""CREATE TABLE ledger.liabilities (payment_year BIGINT, award_year BIGINT,
                    amount_yuan DECIMAL(18,2), kind VARCHAR, beneficiary_kind VARCHAR, document VARCHAR,
                    object_id VARCHAR, paying_level VARCHAR)""")
    conn.executemany("INSERT INTO ledger.liabilities VALUES (?, ?, ?, ?, ?, ?, ?, ?)", LEDGER)
    conn.execute("""CREATE TABLE forecast.bands (variant VARCHAR, scope VARCHAR, payment_year BIGINT,
                    committed_yuan DECIMAL(18,2), forecast_p50_yuan DECIMAL(18,2), total_p50_yuan DECIMAL(18,2),
                    band_p025_yuan DECIMAL(18,2), band_p10_yuan DECIMAL(18,2), band_p90_yuan DECIMAL(18,2),
                    band_p975_yuan DECIMAL(18,2))""")
    for year, (committed, new, p50, p10, p90, without) in BANDS.items():
        conn.execute("INSERT INTO forecast.bands VALUES ('with_renewal', 'total', ?, ?, ?, ?, ?, ?, ?, ?)",
                     [year, committed * M, new * M, p50 * M, (p10 - 20) * M, p10 * M, p90 * M, (p90 + 40) * M])
        conn.execute("INSERT INTO forecast.bands VALUES ('without_renewal', 'total', ?, ?, ?, ?, ?, ?, ?, ?)",
                     [year, committed * M, (without - committed) * M, without * M, 0, 0, without * M, without * M])
    conn.execute("""CREATE TABLE forecast.by_year_level AS SELECT payment_year, 'region' AS paying_level,
                    committed_yuan, forecast_p50_yuan, total_p50_yuan FROM forecast.bands
                    WHERE variant = 'with_renewal'""")
    conn.execute("CREATE TABLE forecast.assumptions (topic VARCHAR, subject VARCHAR, assumption VARCHAR)")
    conn.executemany("INSERT INTO forecast.assumptions VALUES (?, ?, ?)", [
        ("models", "", "驱动因素模型：ets_damped, drift_damped, theta, naive 的加权组合，权重为最近 3 个滚动起点"),
        ("validity", "NMG2024", "自治区2024年政策清单，文本未规定有效期；假定此后每年续发同样条款"),
        ("validity", "ORD-BULK", "按文本或目录所列有效期截止，期满后不再计入")])
    conn.execute("CREATE TABLE catalogue.documents (document VARCHAR, title VARCHAR, short_title VARCHAR)")
    conn.executemany("INSERT INTO catalogue.documents VALUES (?, ?, ?)", [
        ("NMG2024", "内蒙古自治区2024年政策清单", "自治区2024年产业政策清单"),
        ("ORD-BULK", "鄂尔多斯市支持大宗商品进出口贸易若干政策", "鄂尔多斯市大宗商品贸易政策"),
        ("ORD-NEWENERGY", "鄂尔多斯市新能源发展行动方案（2024—2025年）的通知", "鄂尔多斯市新能源行动方案")])
    conn.execute("""CREATE TABLE ref.targets (document VARCHAR, indicator_zh VARCHAR, year VARCHAR, value VARCHAR,
                    unit VARCHAR, line_first VARCHAR)""")
    conn.executemany("INSERT INTO ref.targets VALUES (?, ?, ?, ?, ?, ?)", [
        ("ORD-NEWENERGY", "建成储能", "2025", "600", "万千瓦", "8749"),
        ("ORD-NEWENERGY", "整县屋顶光伏建设任务", None, "24.3", "万千瓦", "9009"),
        ("ORD-BULK", "进出口额", None, "100", "亿元", None)])
    for name in ("backtest_summary", "backtest_coverage"):
        conn.execute(f"CREATE TABLE forecast.{name} (level VARCHAR, method VARCHAR, nominal DOUBLE)")
    load_doc_names(conn)
    return conn


@pytest.fixture
def forecast_conn(tmp_path):
    with forecast_warehouse(tmp_path / "w.duckdb") as conn:
        yield conn


def test_fan_joins_the_ledgers_recorded_years_to_the_forecast(forecast_conn):
    page = forecast_page.build(forecast_conn, RUN)
    traces, layout = figures(page)["forecast-fan"]
    history = next(t for t in traces if t.get("name") == "账本记录（已支付年度）")
    # budget spending by payment year before 2026: 2024 = 100; 2025 = 30 + 50 (revenue forgone never counted)
    assert history["x"] == [2024, 2025] and history["y"] == [1.0, 0.8]  # 亿元 on the axis
    assert [c[1] for c in history["customdata"]] == ["100,000,000.00", "80,000,000.00"]  # exact 元 on hover
    assert "万元" in history["hovertemplate"] and history["mode"] == "lines+markers" and "dash" not in history["line"]
    median = next(t for t in traces if t.get("name") == "预测中位数")
    assert median["x"] == [2026, 2027] and median["y"] == [2.0, 2.0]
    joint = next(t for t in traces if t.get("showlegend") is False)  # the last recorded year joined to the first
    assert joint["x"] == [2025, 2026] and joint["y"] == [0.8, 2.0]
    assert layout["yaxis"]["rangemode"] == "tozero" and "亿元" in layout["yaxis"]["title"]["text"]
    for t in traces:  # every colour set here, none left to Plotly's defaults
        assert t.get("fillcolor") or (t.get("line") or {}).get("color"), t.get("name", t)
        if t.get("fill"):
            assert t["line"]["color"] == t["fillcolor"]
        if "markers" in t.get("mode", ""):
            assert t["marker"]["color"]


def test_step_to_the_first_forecast_year_explained_with_figures(forecast_conn):
    page = forecast_page.build(forecast_conn, RUN)
    assert yuan(page, "step-last") == 80 * M and yuan(page, "step-first") == 200 * M
    assert yuan(page, "step-committed") == 50 * M
    assert yuan(page, "step-earlier") == 20 * M and yuan(page, "step-programme") == 30 * M  # 50 = 20 + 30
    assert yuan(page, "step-new") == 150 * M and yuan(page, "step-renewal") == 120 * M  # 200 − 80 without renewal
    step = squash(visible_text(re.search(r"<p id='forecast-step'>.*?</p>", page, re.S).group(0)
                               .join(["<main>", "</main>"])))
    assert squash("2026年预测中位数 2.00 亿元，比2025年账本记录的 8,000.00 万元多 1.20 亿元：其中已承诺 "
                  "5,000.00 万元") in step
    assert squash("其中 1.20 亿元取决于自治区2024年产业政策清单此后每年续发的假定（不续发时2026年合计 "
                  "8,000.00 万元）") in step
    # the renewed list's awards in the ledger by award year (programme budgets aside): 100 awarded in 2024; 50 + 20
    # awarded in 2025 (the second part paid in 2026)
    assert squash("按奖补年度2024年为 1.00 亿元、2025年为 7,000.00 万元") in step


def test_committed_differs_from_the_ledgers_payments_by_the_years_own_awards(forecast_conn):
    page = forecast_page.build(forecast_conn, RUN)
    # the ledger pays 30 + 20 + 5 = 55 in 2026 (budget kinds); 已承诺 is 50: the 5 of an award of 2026 itself
    assert yuan(page, "ledger-first-year") == 55 * M and yuan(page, "committed-first-year") == 50 * M
    assert yuan(page, "ledger-own-awards") == 5 * M
    text = re.search(r"<p id='committed-vs-ledger'>(.*?)</p>", page, re.S).group(1)
    assert "相差 5,000,000.00 元" in text and "1 个对象" in text and "未能由以上两项解释" not in text


def test_planning_targets_folded_filterable_and_without_none(forecast_conn):
    page = forecast_page.build(forecast_conn, RUN)
    folded = re.search(r'<details class="collapsible"><summary>展开 3 项规划目标</summary>(.*?)</details>', page, re.S)
    assert folded and "<table id='targets-table'>" in folded.group(1)  # closed: no `open`
    assert 'data-filters="{&quot;文件&quot;: null}"' in folded.group(1) and 'data-search="1"' in folded.group(1)
    rows = rows_of(page, "targets-table")
    assert [r[2] for r in rows] == ["未注明", "2025年", "2024—2025年（文件期内）"]  # the document's period when known
    assert rows[0][0] == "鄂尔多斯市大宗商品贸易政策" and rows[0][4] == "—" and rows[1][4] == "第8749行"
    assert "None" not in visible_text(page)


def test_assumptions_name_the_models_and_documents_in_chinese(forecast_conn):
    page = forecast_page.build(forecast_conn, RUN)
    items = re.findall(r"<li>(.*?)</li>", re.search(r"<ul id='forecast-assumptions'>(.*?)</ul>", page).group(1))
    assert items[0].startswith("驱动因素模型：阻尼趋势指数平滑、阻尼漂移、θ法、沿用上年值的加权组合")
    assert items[1].startswith("自治区2024年产业政策清单：")
    assert forecast_page.models_zh("combination(ets_damped 0.41, theta 0.59)") == (
        "组合（阻尼趋势指数平滑 0.41、θ法 0.59）")
    for models in (["theta"], list(forecast.MODELS)):  # what the nightly now writes: no identifiers
        text = forecast._models_text(forecast.ForecastConfig(models=models))
        assert english_words(text, set()) == [], text


def test_forecast_page_visible_text_is_chinese(forecast_conn):
    page = forecast_page.build(forecast_conn, RUN)
    assert english_words(visible_text(page), set()) == []
    assert "seeds/" not in visible_text(page)


# --- 情景分析 -------------------------------------------------------------------------------------------------------

def scenario_conn(rows: list[tuple], defs: list[tuple]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA scenarios")
    conn.execute("""CREATE TABLE scenarios.definitions (scenario VARCHAR, title VARCHAR, description VARCHAR,
                    file VARCHAR, status VARCHAR, message VARCHAR)""")
    conn.executemany("INSERT INTO scenarios.definitions VALUES (?, ?, ?, ?, ?, ?)", defs)
    conn.execute("""CREATE TABLE scenarios.by_year_level (scenario VARCHAR, payment_year BIGINT, paying_level VARCHAR,
                    baseline_yuan DECIMAL(38,2), scenario_yuan DECIMAL(38,2), delta_yuan DECIMAL(38,2))""")
    conn.executemany("INSERT INTO scenarios.by_year_level VALUES (?, ?, ?, ?, ?, ?)",
                     [(s, y, lvl, b, b + d, d) for s, y, lvl, b, d in rows])
    return conn


def test_scenario_headline_total_and_next_year_by_hand():
    # baseline 2026: 1,000 + 500 (百万元); 2027: 1,200 + 600. Deltas: 2026 −10 (region) + 0; 2027 −120.5 + −30
    rows = [("cut", 2026, "banner", 500 * M, Decimal(0)), ("cut", 2026, "region", 1000 * M, -10 * M),
            ("cut", 2027, "city", 600 * M, Decimal("-30000000.00")), ("cut", 2027, "region", 1200 * M,
                                                                       Decimal("-120500000.01"))]
    conn = scenario_conn(rows, [("cut", "奖补下调", "说明：NMG2024-11A 下调。", "cut.yaml", "succeeded", ""),
                                ("dup", "dup", "", "b_dup.yaml", "failed", "情景名称 dup 与 a_dup.yaml 重复")])
    page = scenarios_page.build(conn, RUN)
    total = Decimal("-160500000.01")  # −10 − 30 − 120.5 百万元 and a fen
    assert yuan(page, "scenario-total-cut") == total and yuan(page, "scenario-next-cut") == -10 * M
    head = squash(visible_text(re.search(r'<div class="headline scenario">.*?</div>', page, re.S).group(0)
                               .join(["<main>", "</main>"])))
    # 160.5 百万元 of 3,300 百万元 = 4.86%; 10 of 1,500 = 0.67%
    assert ("预测期2026–2027年合计比基准减少1.61亿元（占基准-4.9%）；"
            "下年（2026年）减少1,000.00万元（占基准-0.7%）") in head
    failed = re.search(r'<div class="card" data-testid="scenario-failed-b_dup.yaml">.*?</div>', page, re.S).group(0)
    assert "情景文件 b_dup.yaml：计算失败，未计入" in failed  # no title: its file, and the reader's message
    main = visible_text(page.replace(failed, ""))
    assert "cut" not in main and "seeds/" not in main and english_words(main, {"NMG2024-11A"}) == []
    assert [r[1] for r in rows_of(page, "scenario-table-0")] == ["自治区", "旗区", "自治区", "盟市"]
    assert [t["name"] for t in figures(page)["scenario-0"][0]] == FISCAL  # bars and legend: 中央 first


@pytest.mark.parametrize(("delta", "base", "shown"), [
    (Decimal("-2"), Decimal("100"), "-2.0%"), (Decimal("0"), Decimal("100"), "0%"),
    (Decimal("0.05"), Decimal("100"), "+0.05%"), (Decimal("1"), None, "—")])
def test_scenario_share_of_the_baseline(delta, base, shown):
    assert scenarios_page.share(delta, base) == shown


def test_scenario_files_describe_themselves_in_chinese():
    cat = catalogue.load()
    for path in sorted((SEEDS_DIR / "scenarios").glob("*.yaml")):
        sc = scenarios.load(path, cat)
        assert english_words(sc.title + " " + sc.description, {r.id for r in cat.rules}) == [], path.name


# --- 数据质量 -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("reason", "shown"), [
    ("区划代码不在 seeds/reference/regions.csv 中（应为旗县区或园区代码）",
     "区划代码不在区划代码表中（应为旗县区或园区代码）"),
    ("不是有效日期（应为 YYYY-MM-DD）", "不是有效日期（应为年-月-日，如 2024-05-01）"),
    ("公式没有计算结果：请在 Excel 中重新计算并保存后再导出",
     "公式没有计算结果：请在电子表格软件中重新计算并保存后再导出"),
    ("单位与 metrics.csv 中该指标的单位不一致", "单位与指标代码表中该指标的单位不一致"),
    ("同一证件号码出现在多个人才编号下：请合并为一条记录（共用该证件的人才编号见 value 列）",
     "同一证件号码出现在多个人才编号下：请合并为一条记录（共用该证件的人才编号见隔离记录中的原值）")])
def test_quality_reasons_in_chinese(reason, shown):
    assert quality.reason_zh(reason) == shown


def test_quality_messages_keep_file_names_and_encodings_as_code():
    shown = quality.prose("a.csv：请以 UTF-8 或 GBK 编码的 CSV 重新导出；请用 Excel 另存为 .xlsx")
    assert english_words(visible_text(f"<main>{shown}</main>"), set()) == []
    assert "<code>a.csv</code>" in shown and "<code>UTF-8</code>" in shown and "<code>.xlsx</code>" in shown
    assert quality.format_zh("xlsx") == "电子表格工作簿"
    assert quality.format_zh("gb18030") == "文本，编码 <code>gb18030</code>"


# --- the published warehouse ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def published(nightly_site):
    """(connection to the shared nightly run's published warehouse, the three pages built from it)."""
    conn = duckdb.connect(str(nightly_site[1]), read_only=True)
    load_doc_names(conn)
    pages = {"forecast": forecast_page.build(conn, RUN), "scenarios": scenarios_page.build(conn, RUN),
             "quality": quality.build(conn, {**RUN, "run_id": conn.execute(
                 "SELECT max_by(run_id, finished_at) FROM audit.runs").fetchone()[0]})}
    yield conn, pages
    conn.close()


def test_published_history_points_equal_the_ledger_by_year(published):
    conn, pages = published
    first = conn.execute("SELECT min(payment_year) FROM forecast.bands").fetchone()[0]
    by_hand = conn.execute(f"""SELECT payment_year, sum(amount_yuan) FROM ledger.liabilities
                               WHERE {BUDGET} AND payment_year < ? GROUP BY 1 ORDER BY 1""", [first]).fetchall()
    traces, _ = figures(pages["forecast"])["forecast-fan"]
    history = next(t for t in traces if t.get("name") == "账本记录（已支付年度）")
    assert history["x"] == [y for y, _ in by_hand]
    assert [Decimal(c[1].replace(",", "")) for c in history["customdata"]] == [v for _, v in by_hand]
    assert yuan(pages["forecast"], "step-last") == by_hand[-1][1]


def test_published_step_and_committed_gap_equal_the_warehouse(published):
    conn, pages = published
    page = pages["forecast"]
    first, p50, committed = conn.execute("""SELECT payment_year, total_p50_yuan, committed_yuan FROM forecast.bands
                                            WHERE scope = 'total' AND variant = 'with_renewal'
                                            ORDER BY payment_year LIMIT 1""").fetchone()
    assert yuan(page, "step-first") == p50 and yuan(page, "step-committed") == committed
    assert committed == conn.execute("SELECT sum(committed_yuan) FROM forecast.by_year_level WHERE payment_year = ?",
                                     [first]).fetchone()[0]
    paid, own = conn.execute(f"""SELECT sum(amount_yuan), sum(amount_yuan) FILTER (WHERE award_year >= payment_year
                                   AND beneficiary_kind <> 'programme')
                                 FROM ledger.liabilities WHERE {BUDGET} AND payment_year = ?""", [first]).fetchone()
    assert yuan(page, "ledger-first-year") == paid and yuan(page, "ledger-own-awards") == (own or 0)
    assert paid - committed == (own or 0)  # the whole gap is the year's own awards, as the page says
    assert yuan(page, "step-earlier") + yuan(page, "step-programme") == committed


def test_published_scenario_headlines_equal_the_sum_of_deltas(published):
    conn, pages = published
    found = conn.execute("""SELECT scenario, sum(delta_yuan),
                                   sum(delta_yuan) FILTER (WHERE payment_year = (SELECT min(payment_year)
                                                                                 FROM scenarios.by_year_level))
                            FROM scenarios.by_year_level GROUP BY scenario""").fetchall()
    assert found
    for name, total, next_year in found:
        assert yuan(pages["scenarios"], f"scenario-total-{name}") == total
        assert yuan(pages["scenarios"], f"scenario-next-{name}") == (next_year or 0)


@pytest.mark.parametrize("name", ["forecast", "scenarios", "quality"])
def test_published_pages_show_no_english_paths_or_none(published, name):
    conn, pages = published
    rules = {r for (r,) in conn.execute("SELECT rule_id FROM catalogue.rules").fetchall()}
    text = visible_text(pages[name])
    assert english_words(text, rules) == []
    assert "seeds/" not in text and "data/" not in text and "None" not in text


def test_published_levels_in_fiscal_order(published):
    _, pages = published
    page = pages["scenarios"]
    for n, (traces, _) in enumerate(v for k, v in figures(page).items() if k.startswith("scenario-")):
        assert [t["name"] for t in traces] == FISCAL
        rows = rows_of(page, f"scenario-table-{n}")
        for year in {r[0] for r in rows}:
            levels = [r[1] for r in rows if r[0] == year]
            assert levels == sorted(levels, key=FISCAL.index)
    traces, layout = figures(pages["forecast"])["forecast-by-level"]
    assert layout["legend"]["traceorder"] == "reversed"
    assert list(dict.fromkeys(t["name"].split("·")[0] for t in traces[::-1])) == FISCAL
