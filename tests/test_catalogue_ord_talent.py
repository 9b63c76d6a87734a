"""ORD-TALENT (鄂尔多斯市人才新政2.0版): what is not a hand-worked amount. The amounts are cases in
tests/cases/ORD-TALENT/ (run by tests/test_cases.py); here the catalogue's wording and one engine mechanism.
"""

from __future__ import annotations

from datetime import date

from tests.conftest import enterprise, lines

A = "91150602MA0000000A"


def test_an_earlier_cohort_keeps_its_months_before_the_policy_in_payments_without_a_liability(ledger_from,
                                                                                              catalogue_of):
    # ORD-TALENT-22A (养老补贴, 5-year 管理期 assumed): a talent who arrived 2020-07 is paid from 2024 (the policy's
    # year) to 2025-06; the 2020-2023 months belong to the earlier policy: kept in ledger.payments (before_validity),
    # never booked as a liability line. The amounts are the case talent_22a_… in tests/cases/ORD-TALENT/people.yaml.
    person = {"talent_id": "P2", "person_key": "pk-P2", "name_masked": "张**", "id_masked": "1506**************",
              "category": "E", "field": "science", "employer_uscc": A, "region_code": "150602",
              "arrival_date": date(2020, 7, 15), "employment": "full_time", "degree": "doctorate", "title": "senior",
              "annual_salary_yuan": "500000", "birth_year": 1985, "scheme": "high_level", "parents_aged_70_plus": "1"}
    conn = ledger_from({"enterprises": [enterprise(A, region="150602")], "talents": [person]},
                       catalogue_of("ORD-TALENT.yaml"))
    forgone = conn.execute("SELECT count(*) FROM ledger.payments WHERE rule_id = 'ORD-TALENT-22A' "
                           "AND object_id = 'P2' AND before_validity").fetchone()[0]
    assert forgone > 0
    assert [ln[1] for ln in lines(conn, "ORD-TALENT-22A")] == [2024, 2025]


def test_not_costable_reasons_are_one_plain_chinese_sentence(catalogue_of):
    # Issue 16: the reason is for a bureau leader (one Chinese sentence); the English detail is in `reading`.
    from dagster_project import catalogue

    cat = catalogue.load(catalogue_of("ORD-TALENT.yaml"))
    left = [r for r in cat.rules if r.document == "ORD-TALENT" and r.status == "not_costable"]
    assert len(left) == 16 and len([r for r in cat.rules if r.document == "ORD-TALENT"]) == 58
    for r in left:
        assert r.reason.endswith("。") and r.reason.count("。") == 1, r.id
        assert not any("a" <= c.lower() <= "z" for c in r.reason), r.id
        assert r.reading.startswith("Not costable: "), r.id
