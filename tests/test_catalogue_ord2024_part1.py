"""ORD2024 (鄂府发〔2024〕29号) section 一、推进农牧业现代化 (lines 3363-3723): what seeds/catalogue/ORD2024.part1.yaml
holds. The hand-worked amounts of its clauses are cases in tests/cases/ORD2024/1_agriculture.yaml, run by
tests/test_cases.py (issue 20).
"""

from __future__ import annotations

from dagster_project import catalogue

PART = "ORD2024.part1.yaml"
# the region entries the city entries restate or top up (links must resolve)
FILES = (PART, "NMG2024.yaml", "NMG2024.part1.yaml")


def test_the_part_is_catalogued_completely():
    import yaml

    from dagster_project.catalogue import CATALOGUE_DIR

    data = yaml.safe_load((CATALOGUE_DIR / PART).read_text(encoding="utf-8"))
    rules = {r["id"]: r for r in data["rules"]}
    assert len(rules) == 56 and sum(r["status"] == "costed" for r in rules.values()) == 42
    assert data["items_without_fiscal_clause"] == ["1.2.2", "1.4.9"]
    assert rules["ORD2024-1-2-03A"]["links"] == {"restates": "NMG2024-06B"}
    assert rules["ORD2024-1-3-04C"]["links"] == {"restates": "NMG2024-10"}
    assert {rid: r["links"]["tops_up"] for rid, r in rules.items() if "tops_up" in (r.get("links") or {})} == {
        "ORD2024-1-1-04B": "NMG2024-02A", "ORD2024-1-3-02B": "NMG2024-11A", "ORD2024-1-3-02C": "NMG2024-11B",
        "ORD2024-1-3-03A": "NMG2024-08B", "ORD2024-1-3-03C": "NMG2024-08F", "ORD2024-1-3-03D": "NMG2024-08E"}
    # every registry-driven rule is restricted to Ordos
    for r in rules.values():
        if r["status"] == "costed" and r["beneficiary"] != "programme":
            assert "city_code = '150600'" in r["eligibility"], r["id"]


def test_assumed_amounts_say_what_they_rest_on(catalogue_of):
    cat = catalogue.load(catalogue_of(*FILES))
    # 进口良种母牛在自治区补贴3000元基础上: the region's 3000元 (ORD2024-1-3-03E) is taken from the city text
    assumption = cat.rule("ORD2024-1-3-03E").assumption
    assert "3000元" in assumption and "第3510—3512行" in assumption
    # 对农牧业总产值超过100亿元的旗区，给予2000万元资金奖励: the count of such banners is assumed
    assert "1个旗区" in cat.rule("ORD2024-1-4-03A").assumption
