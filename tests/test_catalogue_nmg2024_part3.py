"""NMG2024 items 76-110 (seeds/catalogue/NMG2024.part3.yaml): every item accounted for, and what the entries state.

The hand-worked amounts of this file's costed entries are YAML cases, run by tests/test_cases.py:
tests/cases/NMG2024/part3_finance_tax_talent.yaml (issue 20); every costed entry of the file must have one.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dagster_project import catalogue

PART = "NMG2024.part3.yaml"
CASES = Path(__file__).parent / "cases" / "NMG2024"


def test_catalogue_part3_loads_and_accounts_for_every_item(catalogue_of):
    cat = catalogue.load(catalogue_of(PART))
    assert len(cat.rules) == 26 and len(cat.costed()) == 13
    doc = next(d for d in cat.documents if d["document"] == "NMG2024")
    with_entry = {int(r.citation["item"]) for r in cat.rules}
    without = {int(i) for i in doc["items_without_fiscal_clause"]}
    assert with_entry | without == set(range(76, 111)) and not with_entry & without
    cased = {rule for path in CASES.glob("*.yaml")  # the C loader: the case files are large for the pure-Python one
             for case in yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["cases"]
             for rule in case["rules"]}
    costed = {r.id for r in cat.costed()}
    assert costed <= cased, sorted(costed - cased)


def test_item98a_assumes_a_5_percent_tax_and_a_40_percent_local_share(catalogue_of):
    # 免征企业所得税地方分享部分: assumed 5% tax (25% of the income at 20%) x 40% local share = 2% of the taxable
    # income, the rate the case in part3_finance_tax_talent.yaml books.
    rule = next(r for r in catalogue.load(catalogue_of(PART)).rules if r.id == "NMG2024-98A")
    assert "40%" in rule.assumption and "5%" in rule.assumption
