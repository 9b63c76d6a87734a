"""总览 (overview): next year first, the three assumptions it rests on, and the change panel against the previous
published run, on two small warehouse files written here. The "previous run" is a copy of this run's file changed
by SQL (one rule's amount, one rule's catalogue row, one input file's sha256 ...); every figure asserted is worked
out by hand from the rows below."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from dagster_project.dashboards import changes, overview
from dagster_project.dashboards.layout import load_doc_names

RUN = {"run_id": "run-now-0002", "generated_at": "2026-11-28 02:00:00", "catalogue_version": "b" * 16,
       "as_of": "2026-11-27"}
M = 1_000_000  # 元 per 百万元, to keep the rows readable

# (rule, document, title, basis, kind, split_specified, level, part, {year: 元})
LINES = [
    ("NMG2024-01", "NMG2024", "规上工业企业奖励", "exact", "spending", False, "region", "forecast",
     {2027: 300 * M, 2028: 320 * M}),
    ("NMG2024-01", "NMG2024", "规上工业企业奖励", "exact", "spending", False, "banner", "committed", {2027: 100 * M}),
    ("ORD2024-02", "ORD2024", "最高500万元的技改补助", "upper_bound", "spending", True, "city", "forecast",
     {2027: 150 * M, 2028: 160 * M}),
    ("NMG-AGPROC-03", "NMG-AGPROC", "龙头企业贷款贴息", "expected_value", "spending", True, "banner", "forecast",
     {2027: 40 * M, 2028: 40 * M}),
    ("ORD-BULK-04", "ORD-BULK", "大宗物流专项资金", "exact", "programme", False, "central", "committed",
     {2027: 10 * M}),
    ("ORD-FTRADE-05", "ORD-FTRADE", "港务费减免", "upper_bound", "revenue_forgone", True, "region", "forecast",
     {2027: 99 * M}),  # revenue forgone: not budget spending, in no figure of the page
]
SHORT = {"NMG2024": "自治区2024政策清单", "ORD2024": "鄂尔多斯2024政策清单", "NMG-AGPROC": "农畜产品精深加工措施",
         "ORD-BULK": "大宗商品物流措施", "ORD-FTRADE": "外贸措施"}
# forecast.bands, with renewal: next year 6 亿 (5–7.5), by level; without renewal 2 亿 (1.8–2.3)
TOTAL = {2027: 600 * M, 2028: 520 * M}
LEVELS = {2027: {"central": 10 * M, "region": 300 * M, "city": 150 * M, "banner": 140 * M},
          2028: {"region": 320 * M, "city": 160 * M, "banner": 40 * M}}
WITHOUT = {2027: 200 * M, 2028: 150 * M}
INPUTS = [("enterprises.csv", "enterprises", "e" * 64), ("projects.xlsx", "projects", "p" * 64)]
ASSUMPTIONS = [("models", "", "驱动因素模型：ets_damped, theta 的加权组合"),
               ("validity", "NMG2024", "自治区2024年政策清单，文本未规定有效期；假定此后每年续发同样条款"),
               ("validity", "ORD2024", "鄂尔多斯市2024年政策清单，文本未规定有效期；假定此后每年续发同样条款"),
               ("validity", "NMG-AGPROC", "按文本或目录所列有效期截止，期满后不再计入")]


def write_warehouse(path: Path) -> Path:
    """This run's warehouse: the tables the overview and the change panel read, with the rows above."""
    with duckdb.connect(str(path)) as c:
        for schema in ("forecast", "catalogue", "audit", "ledger"):
            c.execute(f"CREATE SCHEMA {schema}")
        c.execute("""CREATE TABLE forecast.liabilities (run_id VARCHAR, payment_year BIGINT, paying_level VARCHAR,
                     rule_id VARCHAR, document VARCHAR, kind VARCHAR, split_specified BOOLEAN, part VARCHAR,
                     amount_p50 DECIMAL(18,2))""")
        c.execute("""CREATE TABLE catalogue.rules (rule_id VARCHAR, document VARCHAR, title VARCHAR, basis VARCHAR,
                     kind VARCHAR, split_specified BOOLEAN, cap_per_award DECIMAL(18,2))""")
        for rule, doc, title, basis, kind, split, level, part, amounts in LINES:
            for year, yuan in amounts.items():
                c.execute("INSERT INTO forecast.liabilities VALUES ('run-now-0002', ?, ?, ?, ?, ?, ?, ?, ?)",
                          [year, level, rule, doc, kind, split, part, yuan])
            if not c.execute("SELECT 1 FROM catalogue.rules WHERE rule_id = ?", [rule]).fetchone():
                c.execute("INSERT INTO catalogue.rules VALUES (?, ?, ?, ?, ?, ?, 5000000)",
                          [rule, doc, title, basis, kind, split])
        c.execute("CREATE TABLE catalogue.rule_shares AS SELECT rule_id, 'region' AS level, 1.0 AS share "
                  "FROM catalogue.rules")
        c.execute("CREATE TABLE catalogue.documents (document VARCHAR, short_title VARCHAR)")
        c.executemany("INSERT INTO catalogue.documents VALUES (?, ?)", list(SHORT.items()))
        c.execute("CREATE TABLE catalogue.version AS SELECT ? AS catalogue_version, ? AS run_id",
                  [RUN["catalogue_version"], RUN["run_id"]])
        _bands(c)
        c.execute("""CREATE TABLE forecast.by_year_level AS SELECT payment_year, paying_level, committed_yuan,
                     forecast_p50_yuan, total_p50_yuan FROM forecast.bands
                     WHERE variant = 'with_renewal' AND scope = 'level'
                     ORDER BY paying_level, payment_year""")  # alphabetical: 旗区 first, as a plain ORDER BY gives
        c.execute("CREATE TABLE forecast.assumptions (topic VARCHAR, subject VARCHAR, assumption VARCHAR)")
        c.executemany("INSERT INTO forecast.assumptions VALUES (?, ?, ?)", ASSUMPTIONS)
        c.execute("""CREATE TABLE ledger.liabilities AS SELECT 2025 AS payment_year, 'region' AS paying_level,
                     'spending' AS kind, 1000.00::DECIMAL(18,2) AS amount_yuan""")
        c.execute("""CREATE TABLE audit.runs (run_id VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
                     status VARCHAR, code_version VARCHAR, catalogue_version VARCHAR, parameters JSON)""")
        c.execute("INSERT INTO audit.runs VALUES (?, TIMESTAMPTZ '2026-11-27 18:00:00+00', NULL, 'started', "
                  "'c0de001', ?, '{}')", [RUN["run_id"], RUN["catalogue_version"]])
        c.execute("""CREATE TABLE audit.input_files (run_id VARCHAR, file VARCHAR, registry VARCHAR, sha256 VARCHAR,
                     status VARCHAR)""")
        c.executemany("INSERT INTO audit.input_files VALUES (?, ?, ?, ?, 'read')",
                      [(RUN["run_id"], *f) for f in INPUTS])
    return path


def _bands(c: duckdb.DuckDBPyConnection) -> None:
    c.execute("""CREATE TABLE forecast.bands (variant VARCHAR, scope VARCHAR, payment_year BIGINT,
                 paying_level VARCHAR, committed_yuan DECIMAL(18,2), forecast_p50_yuan DECIMAL(18,2),
                 total_p50_yuan DECIMAL(18,2), band_p10_yuan DECIMAL(18,2), band_p90_yuan DECIMAL(18,2))""")
    rows = []
    for year, total in TOTAL.items():  # an interval of −1/6 and +1/4 around every median
        rows.append(("with_renewal", "total", year, None, 0, total, total, total * 5 // 6, total * 5 // 4))
        rows.append(("without_renewal", "total", year, None, 0, WITHOUT[year], WITHOUT[year],
                     WITHOUT[year] * 9 // 10, WITHOUT[year] * 23 // 20))
        for level, amount in LEVELS[year].items():
            rows.append(("with_renewal", "level", year, level, 0, amount, amount, amount * 9 // 10,
                         amount * 6 // 5))
    c.executemany("INSERT INTO forecast.bands VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


# the copy stands for a run published the day before (18:31 UTC = 02:31 in Beijing)
PUBLISHED = [
    "UPDATE audit.runs SET run_id = 'run-prev-0001', status = 'published', "
    "finished_at = TIMESTAMPTZ '2026-11-26 18:31:00+00'",
    "UPDATE audit.input_files SET run_id = 'run-prev-0001'",
    "UPDATE catalogue.version SET run_id = 'run-prev-0001'"]
# the previous published run: NMG-AGPROC-03 not yet in the catalogue, NMG2024-01 10 百万 lower in 2027 (its registry
# rows differed), ORD2024-02 10 百万 lower in 2027 with another cap in its catalogue row; the enterprise file
# differed; another catalogue version; the same code and forecast settings
PREVIOUS = [
    *PUBLISHED,
    "DELETE FROM catalogue.rules WHERE rule_id = 'NMG-AGPROC-03'",
    "DELETE FROM catalogue.rule_shares WHERE rule_id = 'NMG-AGPROC-03'",
    "DELETE FROM forecast.liabilities WHERE rule_id = 'NMG-AGPROC-03'",
    "UPDATE forecast.liabilities SET amount_p50 = 290000000 WHERE rule_id = 'NMG2024-01' AND paying_level = 'region' "
    "AND payment_year = 2027",
    "UPDATE forecast.liabilities SET amount_p50 = 140000000 WHERE rule_id = 'ORD2024-02' AND payment_year = 2027",
    "UPDATE catalogue.rules SET cap_per_award = 4000000 WHERE rule_id = 'ORD2024-02'",
    # the bands of those lines: 2027 region 290, city 140, banner 100 (total 540); 2028 banner 0 (total 480)
    "UPDATE forecast.bands SET total_p50_yuan = 540000000 WHERE scope = 'total' AND variant = 'with_renewal' "
    "AND payment_year = 2027",
    "UPDATE forecast.bands SET total_p50_yuan = 480000000 WHERE scope = 'total' AND variant = 'with_renewal' "
    "AND payment_year = 2028",
    "UPDATE forecast.bands SET total_p50_yuan = 290000000 WHERE scope = 'level' AND paying_level = 'region' "
    "AND payment_year = 2027",
    "UPDATE forecast.bands SET total_p50_yuan = 140000000 WHERE scope = 'level' AND paying_level = 'city' "
    "AND payment_year = 2027",
    "UPDATE forecast.bands SET total_p50_yuan = 100000000 WHERE scope = 'level' AND paying_level = 'banner' "
    "AND payment_year = 2027",
    "DELETE FROM forecast.bands WHERE scope = 'level' AND paying_level = 'banner' AND payment_year = 2028",
    "UPDATE audit.input_files SET sha256 = 'f' || substr(sha256, 2) WHERE file = 'enterprises.csv'",
    "UPDATE catalogue.version SET catalogue_version = 'aaaaaaaaaaaaaaaa'",
    "UPDATE audit.runs SET catalogue_version = 'aaaaaaaaaaaaaaaa'",
]


def previous_of(now: Path, path: Path, statements: list[str]) -> Path:
    shutil.copy(now, path)
    with duckdb.connect(str(path)) as c:
        for sql in statements:
            c.execute(sql)
    return path


@pytest.fixture
def now_db(tmp_path) -> Path:
    return write_warehouse(tmp_path / "now.duckdb")


def page_with(now: Path, previous: Path | None) -> str:
    with duckdb.connect(str(now), read_only=True) as conn:
        load_doc_names(conn)
        return overview.build(conn, RUN, changes.read_published(previous))


class _Find(HTMLParser):
    """The data-yuan and the text (tags removed) of the element with a given data-testid, nested tags included."""

    def __init__(self, test_id: str) -> None:
        super().__init__()
        self.test_id, self.depth, self.yuan, self.text, self.found = test_id, 0, "", [], False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if self.depth:
            self.depth += 1
        elif attrs.get("data-testid") == self.test_id:
            self.depth, self.yuan, self.found = 1, attrs.get("data-yuan", ""), True

    def handle_endtag(self, tag: str) -> None:
        self.depth = max(self.depth - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def by_testid(page: str, test_id: str) -> tuple[str, str]:
    """(data-yuan, text) of the element with that data-testid."""
    finder = _Find(test_id)
    finder.feed(page)
    assert finder.found, f"no element {test_id}"
    return finder.yuan, "".join(finder.text)


def rows_of(page: str, table_id: str) -> list[list[str]]:
    body = re.search(rf"<table id='{table_id}'>(.*?)</table>", page, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S) if "<td" in tr]


# --- next year first ------------------------------------------------------------------------------------------


def test_next_year_total_and_levels_in_yi_with_intervals_in_fiscal_order(now_db):
    page = page_with(now_db, None)
    assert by_testid(page, "next-total") == ("600000000.00", "6.00 亿元")  # a 2.5 亿 band: 0.1 亿 bounds, median finer
    assert "80% 区间 5.0–7.5 亿元" in page and "<h2>明年（2027年）财政支出</h2>" in page  # data as of 2026-11-27
    assert by_testid(page, "next-without-renewal") == ("200000000.00", "2.000 亿元")  # a 0.5 亿 band: 0.01 亿 bounds
    assert "（80% 区间 1.80–2.30 亿元）" in page
    levels = re.findall(r'data-testid="next-level-(\w+)" data-yuan="([^"]+)">([^<]+)<', page)
    assert levels == [("central", "10000000.00", "0.100 亿元"), ("region", "300000000.00", "3.000 亿元"),
                      ("city", "150000000.00", "1.500 亿元"), ("banner", "140000000.00", "1.400 亿元")]
    assert "80% 区间 2.70–3.60 亿元" in page  # 自治区: each level at the precision of its own band
    assert "80% 区间 0.090–0.120 亿元" in page  # 中央's own band (0.9–1.2 × its median)
    later = re.search(r'data-testid="headline-2028">.*?data-yuan="([^"]+)">([^<]+)<', page, re.S)
    assert later.groups() == ("520000000.00", "5.20 亿元")  # the later year stays a smaller card


def test_the_first_forecast_year_is_named_against_the_data_date():
    assert overview.year_word(2027, RUN) == "明年（2027年）"
    assert overview.year_word(2027, {**RUN, "as_of": "2027-01-04"}) == "今年（2027年）"  # forecast starts this year
    assert overview.year_word(2027, {**RUN, "as_of": "2025-06-30"}) == "2027年"


def test_later_years_and_the_table_keep_the_fiscal_level_order(now_db):
    page = page_with(now_db, None)
    card = by_testid(page, "headline-2028")[1]
    assert "5.20 亿元" in card and "80% 区间 4.3–6.5 亿元" in card and "首次运行，无上次数据可比" in card
    assert "万元" not in card
    rows = rows_of(page, "overview-table")
    assert [(r[0], r[1]) for r in rows] == [("2027年", "中央"), ("2027年", "自治区"), ("2027年", "盟市"),
                                            ("2027年", "旗区"), ("2028年", "自治区"), ("2028年", "盟市"),
                                            ("2028年", "旗区")]


def test_the_three_assumption_shares_equal_the_warehouse(now_db):
    page = page_with(now_db, None)
    with duckdb.connect(str(now_db), read_only=True) as c:  # the shares by hand, straight from the lines
        lines = dict(c.execute("""SELECT r.basis || '/' || l.split_specified, sum(l.amount_p50)
                                  FROM forecast.liabilities AS l JOIN catalogue.rules AS r USING (rule_id)
                                  WHERE l.payment_year = 2027 AND l.kind IN ('spending', 'programme')
                                  GROUP BY 1""").fetchall())
        with_, without = (v for (v,) in c.execute("""SELECT total_p50_yuan FROM forecast.bands WHERE scope = 'total'
                                                     AND payment_year = 2027 ORDER BY variant""").fetchall())
    assert sum(lines.values()) == 600 * M == with_  # the lines' medians add up to the total's
    assert by_testid(page, "share-renewal") == (str(with_ - without), "4.0 亿元（67%）")
    default_split = lines["exact/false"]  # NMG2024-01 and the programme ORD-BULK-04: 400 + 10
    assert by_testid(page, "share-default-split") == (str(default_split), "4.1 亿元（68%）")
    assert default_split == 410 * M
    # ORD2024-02 at its ceiling; ORD-FTRADE-05 is also a ceiling, but revenue forgone, not budget spending
    assert by_testid(page, "share-ceiling") == (str(lines["upper_bound/true"]), "1.5 亿元（25%）")
    assert by_testid(page, "share-expected") == (str(lines["expected_value/true"]), "0.4 亿元（7%）")
    assert "依赖自治区2024政策清单、鄂尔多斯2024政策清单此后每年原样续发的假定" in page
    assert 'href="forecast.html"' in page and "不续发" in page


def test_a_small_expected_value_part_is_not_named(now_db, tmp_path):
    small = previous_of(now_db, tmp_path / "small.duckdb", [
        "UPDATE forecast.liabilities SET amount_p50 = 5000000 WHERE rule_id = 'NMG-AGPROC-03'"])  # 0.05 of 5.65 亿
    assert "share-expected" not in page_with(small, None)


# --- the change panel ----------------------------------------------------------------------------------------


def test_first_run_says_so_and_nothing_else(now_db, tmp_path):
    page = page_with(now_db, tmp_path / "never-published.duckdb")
    assert by_testid(page, "previous-run")[1] == "首次运行，无上次数据可比。"
    assert "首次运行，无上次数据可比" in by_testid(page, "headline-2027")[1]
    assert "上次发布的运行无此年度数据" not in page
    assert "change-levels" not in page


def test_change_by_level_against_the_previous_run_with_its_date_and_tags(now_db, tmp_path):
    page = page_with(now_db, previous_of(now_db, tmp_path / "prev.duckdb", PREVIOUS))
    assert by_testid(page, "previous-run-date")[1] == "2026-11-27 02:31（北京时间）"  # 18:31 UTC the day before
    assert by_testid(page, "previous-run-id")[1] == "run-prev-0001"
    tags = re.findall(r'data-testid="change-tag">【(\S+?)】', page)
    assert tags == ["登记数据", "政策目录"]  # same code version and forecast settings: no 模型
    assert "企业名录" in page
    rows = rows_of(page, "change-levels")
    assert [r[0] for r in rows] == ["合计", "中央", "自治区", "盟市", "旗区"]
    # 2027: total 540 → 600, region 290 → 300, city 140 → 150, banner 100 → 140 (百万元); in 万元 below
    assert {r[0]: r[2:6] for r in rows} == {
        "合计": ["54,000.00", "60,000.00", "+6,000.00", "+11.1%"], "中央": ["1,000.00", "1,000.00", "0.00", "0.0%"],
        "自治区": ["29,000.00", "30,000.00", "+1,000.00", "+3.4%"],
        "盟市": ["14,000.00", "15,000.00", "+1,000.00", "+7.1%"],
        "旗区": ["10,000.00", "14,000.00", "+4,000.00", "+40.0%"]}
    assert Decimal(by_testid(page, "change-level-banner-span")[0]) == 80 * M  # 2027 and 2028: +40 each
    assert Decimal(by_testid(page, "change-level-all-span")[0]) == 100 * M  # 1020 → 1120 百万
    # a level is tagged as the rules that changed there: 自治区 by data, 盟市 by its rule's catalogue row
    assert {r[0]: r[1] for r in rows} == {"合计": "政策目录、登记数据", "中央": "—", "自治区": "登记数据",
                                          "盟市": "政策目录", "旗区": "政策目录"}


def test_change_by_policy_tagged_catalogue_for_its_own_row_else_by_what_changed(now_db, tmp_path):
    page = page_with(now_db, previous_of(now_db, tmp_path / "prev.duckdb", PREVIOUS))
    rows = rows_of(page, "change-rules")
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("NMG-AGPROC-03", "农畜产品精深加工措施", "政策目录"),  # new in the catalogue: +40, the largest
        ("NMG2024-01", "自治区2024政策清单", "登记数据"),  # its row unchanged: what changed between the runs
        ("ORD2024-02", "鄂尔多斯2024政策清单", "政策目录")]  # its cap changed in the catalogue
    assert [r[4:8] for r in rows] == [["0.00", "4,000.00", "+4,000.00", "新增"],
                                      ["39,000.00", "40,000.00", "+1,000.00", "+2.6%"],
                                      ["14,000.00", "15,000.00", "+1,000.00", "+7.1%"]]
    assert Decimal(by_testid(page, "change-rule-NMG-AGPROC-03-span")[0]) == 80 * M
    assert Decimal(by_testid(page, "change-rule-ORD2024-02-next")[0]) == 10 * M
    assert "ORD-BULK-04" not in str(rows) and "ORD-FTRADE-05" not in str(rows)  # unchanged; not spending
    assert "3 条政策的测算有变化" in page
    assert "较上次发布的运行 +0.60 亿元" in by_testid(page, "headline-2027")[1]  # 5.40 → 6.00


def test_only_ten_policies_largest_change_first(now_db, tmp_path):
    gone = [f"INSERT INTO forecast.liabilities VALUES ('p', 2027, 'city', 'ORD2024-{i:02d}X', 'ORD2024', 'spending', "
            f"true, 'forecast', {i * 1000})" for i in range(1, 13)]  # 12 lines of the previous run, none now
    page = page_with(now_db, previous_of(now_db, tmp_path / "prev.duckdb", [*PREVIOUS, *gone]))
    rules = [r[0] for r in rows_of(page, "change-rules")]
    assert rules == ["NMG-AGPROC-03", "NMG2024-01", "ORD2024-02",  # +40, +10, +10 百万元, then −12 000 元 …
                     *(f"ORD2024-{i:02d}X" for i in range(12, 5, -1))]
    assert "15 条政策的测算有变化，列出变化最大的 10 条" in page  # the 12, NMG-AGPROC-03, NMG2024-01, ORD2024-02


def test_a_new_code_version_or_forecast_setting_is_tagged_model(now_db, tmp_path):
    code = previous_of(now_db, tmp_path / "code.duckdb", [
        *PUBLISHED, "UPDATE audit.runs SET code_version = 'c0de000'",
        "UPDATE forecast.liabilities SET amount_p50 = 290000000 WHERE rule_id = 'NMG2024-01' "
        "AND paying_level = 'region' AND payment_year = 2027"])
    page = page_with(now_db, code)
    assert re.findall(r'data-testid="change-tag">【(\S+?)】', page) == ["模型"]
    assert by_testid(page, "change-tag")[1] == "【模型】程序版本 c0de000 → c0de001"
    assert rows_of(page, "change-rules")[0][:4] == ["NMG2024-01", "规上工业企业奖励", "自治区2024政策清单", "模型"]
    setting = previous_of(now_db, tmp_path / "setting.duckdb", [
        *PUBLISHED, "UPDATE forecast.assumptions SET assumption = '驱动因素模型：naive' WHERE topic = 'models'"])
    page = page_with(now_db, setting)
    assert re.findall(r'data-testid="change-tag">【(\S+?)】', page) == ["模型"] and "预测设定有变化" in page
    lock_file = "INSERT INTO audit.input_files VALUES ('run-prev-0001', '~$projects.xlsx', NULL, '', 'skipped')"
    same = page_with(now_db, previous_of(now_db, tmp_path / "same.duckdb", [*PUBLISHED, lock_file]))
    assert "两次运行的登记数据、政策目录和模型均未变化" in same and "没有政策的测算金额发生变化" in same


def test_a_rule_whose_level_split_changed_is_tagged_catalogue_at_the_levels_it_moved(now_db, tmp_path):
    # the previous run had NMG2024-01's forecast part paid by the city (its rule_shares row said so), not the region
    prev = previous_of(now_db, tmp_path / "prev.duckdb", [
        *PUBLISHED, "UPDATE catalogue.rule_shares SET level = 'city' WHERE rule_id = 'NMG2024-01'",
        "UPDATE forecast.liabilities SET paying_level = 'city' WHERE rule_id = 'NMG2024-01' AND part = 'forecast'",
        "UPDATE forecast.bands SET total_p50_yuan = 0 WHERE scope = 'level' AND paying_level = 'region'",
        "UPDATE forecast.bands SET total_p50_yuan = total_p50_yuan + CASE payment_year WHEN 2027 THEN 300000000 "
        "ELSE 320000000 END WHERE scope = 'level' AND paying_level = 'city'"])
    page = page_with(now_db, prev)
    levels = {r[0]: (r[1], r[4]) for r in rows_of(page, "change-levels")}
    assert levels == {"合计": ("—", "0.00"), "中央": ("—", "0.00"), "自治区": ("政策目录", "+30,000.00"),
                      "盟市": ("政策目录", "-30,000.00"), "旗区": ("—", "0.00")}
    assert "没有政策的测算金额发生变化" in page  # the rule's own total did not change


def test_an_older_previous_warehouse_without_a_table_is_named_not_fatal(now_db, tmp_path):
    old = previous_of(now_db, tmp_path / "old.duckdb", [*PREVIOUS, "DROP TABLE forecast.liabilities"])
    page = page_with(now_db, old)
    assert "上次发布的仓库是旧版格式，缺少预测支出明细表，无法按政策比较" in by_testid(page, "previous-missing")[1]
    assert "change-rules" not in page
    assert {r[0]: r[1] for r in rows_of(page, "change-levels")}["合计"] == "政策目录、登记数据"  # what changed
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a database" * 100)
    assert "上次发布的仓库无法读取" in by_testid(page_with(now_db, broken), "previous-run")[1]


def test_a_previous_run_without_next_year_says_so(now_db, tmp_path):
    prev = previous_of(now_db, tmp_path / "prev.duckdb",
                       [*PREVIOUS, "DELETE FROM forecast.bands WHERE payment_year = 2027"])
    page = page_with(now_db, prev)
    assert "上次发布的运行无此年度数据" in by_testid(page, "headline-2027")[1]
    assert "上次发布的运行无 2027 年的预测数据" in page
