"""An enterprise rule's tests of the firm alone run before its metrics are pivoted (issue 21): the candidates
must be exactly those of the reference path, which applies the whole eligibility after the pivot."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from dagster_project import catalogue, ledger


@pytest.mark.parametrize(("eligibility", "variables", "expected"), [
    ("\"city_code\" = '150600' AND \"sales\" > 0", {"sales"}, "(\"city_code\" = '150600')"),
    ("(\"industry_code\" IN ('13', '14') AND \"registered_on\" < '2024-02-25') AND \"x\" >= 1", {"x"},
     "(\"industry_code\" IN ('13', '14')) AND (\"registered_on\" < '2024-02-25')"),
    # an OR that mixes a firm test with a metric cannot be split
    ("\"city_code\" = '150600' OR \"sales\" > 0", {"sales"}, None),
    # the award year and the metrics are not the firm's
    ("\"award_year\" >= 2024 AND \"banner_code\" = '150602'", set(), "(\"banner_code\" = '150602')"),
    ("\"sales\" > 0", {"sales"}, None),
    ("TRUE", set(), None),
    # a variable named like a register column is the variable
    ("\"industry_code\" > 10 AND \"region_code\" = '150602'", {"industry_code"}, "(\"region_code\" = '150602')"),
])
def test_the_firm_conditions_are_the_conjuncts_on_the_firm_alone(eligibility, variables, expected):
    assert ledger.firm_conditions(eligibility, frozenset(variables)) == expected


def test_every_enterprise_rule_gives_the_reference_candidates(nightly_site, tmp_path):
    """On the shared night's registry (2,000 enterprises), for each costed enterprise rule (116 of them test the
    firm alone, mostly city_code = '150600'): the same candidate rows, to the fen, as the reference query."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(nightly_site[1], copy)
    copy.chmod(0o644)
    cat = catalogue.load()
    rules = [r for r in cat.costed() if r.beneficiary == "enterprise"]
    pushed = [r for r in rules if ledger.firm_conditions(r.eligibility_sql, frozenset(r.variables))]
    assert len(pushed) >= 100
    with duckdb.connect(str(copy)) as conn:
        both = {}
        for firm_first in (True, False):
            sql = " UNION ALL ".join(f"({ledger.candidates_sql(r, firm_first=firm_first)})" for r in rules)
            both[firm_first] = conn.execute(f"SELECT * FROM ({sql}) ORDER BY ALL").fetchall()
    assert len(both[True]) > 1000
    assert {row[0] for row in both[True]} & {r.id for r in pushed}  # the pushed rules do book candidates
    assert both[True] == both[False]
