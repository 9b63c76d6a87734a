"""Ordos City's planning documents with few or no amounts, against the text's own numbers (written out by hand,
never computed by the code):

- ORD-COALBOX    鄂府发〔2022〕56号 推动煤炭集装箱运输实施方案 (lines 4920-5253)
- ORD-COMMERCE14 商务和口岸发展"十四五"规划 (lines 5591-8116)
- ORD-WOOD       鄂府发〔2022〕57号 推进木材加工产业发展三年行动方案 (lines 8117-8622)
- ORD-NEWENERGY  鄂府发〔2024〕5号 新能源发展行动方案（2024—2025年） (lines 8623-9634)

Only one clause of the four names public money the ledger can carry: ORD-WOOD item 2.2, 市人民政府设立10亿元木材
加工产业发展引导基金 (equity, one city programme line). Every other fiscal clause is catalogued as not costable
and must book nothing. Those ledger amounts (the fund's line, nothing booked by the other clauses) are cases in
tests/cases/ORD-WOOD/, ORD-COALBOX/, ORD-COMMERCE14/ and ORD-NEWENERGY/ (run by tests/test_cases.py); here the
catalogue's kinds, links, reasons and coverage. The documents' quantitative targets are in
seeds/reference/targets.csv; a few are checked here against the text.
"""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from dagster_project import catalogue
from dagster_project.settings import SEEDS_DIR, SOURCE_TEXT

FILES = ("ORD-COALBOX.yaml", "ORD-COMMERCE14.yaml", "ORD-WOOD.yaml", "ORD-NEWENERGY.yaml")
DOCS = ("ORD-COALBOX", "ORD-COMMERCE14", "ORD-WOOD", "ORD-NEWENERGY")
TARGETS = SEEDS_DIR / "reference" / "targets.csv"


@pytest.fixture
def plans(catalogue_of):
    return catalogue_of(*FILES)


# ------------------------------------------------------------------------------------ the one costed entry


def test_the_fund_amount_is_the_texts_own_number(plans):
    # The cited lines print "市人民政府设立 10 亿元木材加 工产业发展引导基金"; 10 亿元 is ten times 1亿 (100,000,000).
    if not SOURCE_TEXT.exists():
        pytest.skip("../shared/seeds is not beside the checkout")
    text = SOURCE_TEXT.read_text(encoding="utf-8").splitlines()
    cited = "".join(text[8258 - 1:8269]).replace(" ", "")
    assert "市人民政府设立10亿元木材加工产业发展引导基金" in cited
    rule = catalogue.load(plans).rule("ORD-WOOD-2-02B")
    assert rule.programme[0]["amount"] == Decimal("1000000000")
    assert rule.shares == {"city": Decimal("1")} and rule.basis == "upper_bound" and rule.kind == "equity"


# ------------------------------------------------------------------------------------ nothing else is costed


def test_revenue_side_and_equity_items_carry_their_kind(plans):
    cat = catalogue.load(plans)
    # 4.4: 受端地区按照 0.05 元/千瓦时标准对送端给予相应生态补偿 — revenue side, an inflow; not costed.
    eco = cat.rule("ORD-NEWENERGY-4-04A")
    assert (eco.kind, eco.status) == ("revenue_inflow", "not_costable")
    assert "0.05元/千瓦时" in eco.citation["quote"].replace(" ", "")
    # 4.4: 风光资源税 0.005—0.050 元/千瓦时 or 2%—10%; 绿证 60/40; 3.4.3: 暂不征收系统备用费和政策性交叉补贴.
    for rid in ("ORD-NEWENERGY-4-04B", "ORD-NEWENERGY-4-04C"):  # a levy and shared certificates: inflows
        assert cat.rule(rid).kind == "revenue_inflow", rid
    for rid in ("ORD-NEWENERGY-3-1-01B", "ORD-NEWENERGY-3-3-1-03C", "ORD-COMMERCE14-3-01B", "ORD-COMMERCE14-13-02B"):
        assert cat.rule(rid).kind == "revenue_forgone", rid
    # Paid through electricity markets or bills, not a budget: the grid-fee exemption and market compensations.
    for rid in ("ORD-NEWENERGY-3-4-03", "ORD-NEWENERGY-3-1-03", "ORD-NEWENERGY-3-2-03", "ORD-NEWENERGY-3-3-1-02",
                "ORD-NEWENERGY-3-3-1-03A"):
        assert cat.rule(rid).kind == "non_budget", rid
    # Funds and company shares are equity, not grants.
    for rid in ("ORD-WOOD-2-02B", "ORD-WOOD-1-2-02", "ORD-WOOD-4-03A", "ORD-COALBOX-4-03B",
                "ORD-NEWENERGY-3-1-5-02"):
        assert cat.rule(rid).kind == "equity", rid
    # The mutton promotion fund (专栏1.4) finances marketing: a programme, not equity.
    assert cat.rule("ORD-COMMERCE14-C01-04").kind == "programme"
    # Storage: 财政补贴或税收优惠 are alternatives: one stacking group.
    assert {cat.rule(r).stacking_group for r in ("ORD-NEWENERGY-3-3-1-03B", "ORD-NEWENERGY-3-3-1-03C")} == {
        "new-energy-storage-support"}


def test_restatements_of_the_wood_fund_are_linked_and_never_costed(plans):
    cat = catalogue.load(plans)
    assert cat.rule("ORD-WOOD-1-2-02").links == {"restates": "ORD-WOOD-2-02B"}
    assert cat.rule("ORD-WOOD-4-03A").links == {"restates": "ORD-WOOD-2-02B"}
    assert cat.rule("ORD-WOOD-4-03B").links == {"restates": "ORD-WOOD-2-02A"}
    assert cat.rule("ORD-WOOD-4-03C").links == {"restates": "ORD-WOOD-2-02C"}
    for r in cat.rules:
        if "restates" in r.links:
            assert r.status == "not_costable" and r.links["restates"] in r.reason, r.id


def test_every_not_costable_reason_is_one_plain_chinese_sentence(plans):
    # Issue 16: a bureau leader reads the reason; the English detail moved to `reading`. One sentence: one full
    # stop, at the end; no Latin letters apart from the rule id a restatement names.
    cat = catalogue.load(plans)
    for r in cat.rules:
        if r.status != "not_costable":
            continue
        text = r.reason.replace(r.links.get("restates", "") or "\0", "")
        assert text.endswith("。") and text.count("。") == 1, r.id
        assert not any("a" <= c.lower() <= "z" for c in text), r.id
        assert r.reading and r.reading.startswith("Not costable: "), r.id


def test_every_item_is_accounted_for(ledger_from, plans):
    # Counted by hand from the four files: clauses, costed, not costable, by kind, items with a fiscal clause.
    conn = ledger_from({}, plans)
    rows = conn.execute("""SELECT document, level, clauses, costed, not_costable, spending, revenue_forgone, equity,
                                  programme, items_with_fiscal_clauses
                           FROM catalogue.coverage ORDER BY document""").fetchall()
    assert rows == [
        ("ORD-COALBOX", "city", 3, 0, 3, 1, 0, 1, 1, 2),
        ("ORD-COMMERCE14", "city", 16, 0, 16, 10, 2, 0, 4, 12),
        ("ORD-NEWENERGY", "city", 14, 0, 14, 3, 2, 1, 0, 9),  # + 3 revenue_inflow, 5 non_budget
        ("ORD-WOOD", "city", 10, 1, 9, 6, 0, 3, 1, 6),
    ]
    without = dict(conn.execute("SELECT document, items_without_fiscal_clause FROM catalogue.coverage").fetchall())
    assert without["ORD-COALBOX"] == "1.1, 1.2, 2.3, 3, 4.1, 4.2, 4.4, 5.1, 5.3, 5.4"
    docs = conn.execute("""SELECT document, issued, line_first, line_last FROM catalogue.documents
                           ORDER BY line_first""").fetchall()
    assert docs == [("ORD-COALBOX", "2022-04-23", 4920, 5253), ("ORD-COMMERCE14", "2022-03-22", 5591, 8116),
                    ("ORD-WOOD", "2022-04-24", 8117, 8622), ("ORD-NEWENERGY", "2024-02-01", 8623, 9634)]


def test_no_item_is_both_with_and_without_a_fiscal_clause(plans):
    cat = catalogue.load(plans)
    for doc in cat.documents:
        with_clause = {str(r.citation["item"]) for r in cat.rules if r.document == doc["document"]}
        assert not with_clause & set(doc["items_without_fiscal_clause"]), doc["document"]


# ------------------------------------------------------------------------------------ targets


def read_targets() -> list[dict]:
    with TARGETS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def target(document: str, indicator: str, year: str) -> tuple[str, str]:
    [row] = [r for r in read_targets() if (r["document"], r["indicator"], r["year"]) == (document, indicator, year)]
    return row["value"], row["unit"]


def test_targets_file_has_the_agreed_columns_and_one_row_per_indicator_and_year():
    rows = read_targets()
    assert list(rows[0]) == ["document", "indicator", "indicator_zh", "year", "value", "unit", "line_first",
                             "line_last", "quote"]
    keys = [(r["document"], r["indicator"], r["year"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {r["document"] for r in rows} == set(DOCS)
    for r in rows:
        Decimal(r["value"])  # a plain number
        assert r["unit"] and r["indicator_zh"] and r["quote"], r
        assert r["year"] == "" or 2020 <= int(r["year"]) <= 2035, r


@pytest.mark.parametrize("document, indicator, year, value, unit", [
    # 二、行动目标: 2024 年并网总规模超 2400 万千瓦，建成储能 200 万千瓦、绿氢产能规模 11.8 万吨。
    ("ORD-NEWENERGY", "grid_connected_capacity", "2024", "2400", "万千瓦"),
    ("ORD-NEWENERGY", "storage_capacity", "2024", "200", "万千瓦"),
    ("ORD-NEWENERGY", "green_hydrogen_capacity", "2024", "11.8", "万吨"),
    # 2025 年并网总规模超过 5000 万千瓦，建成储能 600 万千瓦、绿氢产能规模 20 万吨。
    ("ORD-NEWENERGY", "grid_connected_capacity", "2025", "5000", "万千瓦"),
    ("ORD-NEWENERGY", "storage_capacity", "2025", "600", "万千瓦"),
    ("ORD-NEWENERGY", "green_hydrogen_capacity", "2025", "20", "万吨"),
    # （3）氢交通: 建成加氢站 60 座，推广氢燃料电池汽车 3000 辆.
    ("ORD-NEWENERGY", "hydrogen_refuelling_stations", "2025", "60", "座"),
    ("ORD-NEWENERGY", "fuel_cell_vehicles", "2025", "3000", "辆"),
    # 抽水蓄能: 到 2030 年，全市建成抽水蓄能规模 170 万千瓦以上.
    ("ORD-NEWENERGY", "pumped_storage_capacity", "2030", "170", "万千瓦"),
    # 表 2-1 / 发展目标: 对外贸易进出口总额达到 150 亿元; 加工贸易额力争突破 50 亿元.
    ("ORD-COMMERCE14", "import_export_total", "2025", "150", "亿元"),
    ("ORD-COMMERCE14", "processing_trade_value", "2025", "50", "亿元"),
    ("ORD-COMMERCE14", "outward_fdi_cumulative", "2025", "40", "亿美元"),
    # 发展目标: 进口原木不少于 50 万立方米，木材及家具产值累计达到 20 亿元以上 (to 2024).
    ("ORD-WOOD", "imported_logs", "2024", "50", "万立方米"),
    ("ORD-WOOD", "wood_furniture_output_cumulative", "2024", "20", "亿元"),
    ("ORD-WOOD", "wood_park_area_min", "2024", "300", "亩"),
    ("ORD-WOOD", "wood_park_area_max", "2024", "500", "亩"),
    # 四（一）: 形成 8 亿吨以上的铁路货物外运能力 (no year in the text).
    ("ORD-COALBOX", "rail_freight_export_capacity", "", "8", "亿吨"),
])
def test_selected_targets_match_the_text(document, indicator, year, value, unit):
    assert target(document, indicator, year) == (value, unit)


def test_every_target_quote_is_in_its_lines_and_holds_its_value():
    if not SOURCE_TEXT.exists():
        pytest.skip("../shared/seeds is not beside the checkout")
    text = SOURCE_TEXT.read_text(encoding="utf-8").splitlines()
    spans = {"ORD-COALBOX": (4920, 5253), "ORD-COMMERCE14": (5591, 8116), "ORD-WOOD": (8117, 8622),
             "ORD-NEWENERGY": (8623, 9634)}
    for r in read_targets():
        first, last = int(r["line_first"]), int(r["line_last"])
        lo, hi = spans[r["document"]]
        assert lo <= first <= last <= hi, r
        cited = "".join(text[first - 1:last]).replace(" ", "")
        assert r["quote"].replace(" ", "") in cited, r
        assert r["value"] in r["quote"], r
