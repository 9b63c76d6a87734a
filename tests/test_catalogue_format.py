"""A catalogue entry that breaks the format is refused with the rule id and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dagster_project import catalogue
from dagster_project.catalogue import CATALOGUE_DIR, CatalogueError


def with_rule_changed(tmp_path: Path, rule_id: str, **changes) -> Path:
    """A copy of the real catalogue with one rule's fields replaced (None deletes a field)."""
    out = tmp_path / "seeds" / "catalogue"
    shutil.copytree(CATALOGUE_DIR, out)
    for path in out.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data.get("rules", []) if isinstance(data, dict) and "rules" in data else []:
            if rule["id"] == rule_id:
                for k, v in changes.items():
                    rule.pop(k, None) if v is None else rule.__setitem__(k, v)
                path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def test_the_real_catalogue_loads_with_a_stable_version():
    a, b = catalogue.load(), catalogue.load()
    assert a.version == b.version and len(a.version) == 16
    assert {"NMG2024-06", "NMG2024-10", "NMG2024-11A", "NMG2024-12A", "ORD-TALENT-02A", "ORD-FTRADE-07"} <= {
        r.id for r in a.rules}


@pytest.mark.parametrize("formula, complaint", [
    ("200 * milk_t; DROP TABLE ledger.awards", "不允许使用"),
    ("(SELECT sum(value) FROM registry.enterprise_metrics)", "不允许使用"),
    ("read_csv('/etc/passwd')", "不允许使用"),
    ("200 * milk_t / 3", "不允许使用 Div"),
    ("200 * salary_of_the_boss", "未知字段"),
    ("200 * e.milk_t", "未知字段"),
])
def test_forbidden_expression_is_refused_naming_rule_and_field(tmp_path, formula, complaint):
    broken = with_rule_changed(tmp_path, "NMG2024-11A", amount=formula)
    with pytest.raises(CatalogueError) as err:
        catalogue.load(broken)
    message = str(err.value)
    assert "NMG2024.yaml：规则 NMG2024-11A：字段 'amount'" in message and complaint in message


def test_shares_must_sum_to_exactly_one(tmp_path):
    broken = with_rule_changed(tmp_path, "NMG2024-11A", shares={"region": 0.5, "city": 0.4})
    with pytest.raises(CatalogueError, match=r"规则 NMG2024-11A：字段 'shares'：各级分担比例之和为 0.9"):
        catalogue.load(broken)


def test_overlapping_tiers_are_refused(tmp_path):
    tiers = {"by": "area_mu", "brackets": [{"min": 100000, "max": 300001, "amount": 5000000},
                                           {"min": 300000, "amount": 10000000}]}
    broken = with_rule_changed(tmp_path, "NMG2024-06", tiers=tiers)
    with pytest.raises(CatalogueError, match=r"规则 NMG2024-06：字段 'tiers'：分档重叠"):
        catalogue.load(broken)


def test_unknown_field_and_missing_reason_are_refused(tmp_path):
    with pytest.raises(CatalogueError, match=r"规则 NMG2024-10：未知字段 \['amout'\]"):
        catalogue.load(with_rule_changed(tmp_path / "a", "NMG2024-10", amout="1"))
    with pytest.raises(CatalogueError, match=r"规则 NMG2024-10：字段 'reason'：status 为 not_costable 时必填"):
        catalogue.load(with_rule_changed(tmp_path / "b", "NMG2024-10", status="not_costable"))


def test_unknown_metric_is_refused(tmp_path):
    variables = {"milk_t": {"metric": "raw_milk_procesed_t"}, "milk_prev_t": {"metric": "raw_milk_processed_t",
                                                                              "year_offset": -1}}
    with pytest.raises(CatalogueError, match=r"规则 NMG2024-11A：字段 'variables.milk_t'：未知指标"):
        catalogue.load(with_rule_changed(tmp_path, "NMG2024-11A", variables=variables))


def test_citation_lines_must_lie_inside_the_document(tmp_path):
    cit = {"item": "11", "lines": [5000, 5001], "quote": "x"}
    with pytest.raises(CatalogueError, match=r"规则 NMG2024-11A：字段 'citation.lines'.*超出文件 NMG2024"):
        catalogue.load(with_rule_changed(tmp_path, "NMG2024-11A", citation=cit))


def test_citations_quote_the_source_text():
    """Every quote's characters appear, in order, within the cited lines of the source (spaces ignored)."""
    from dagster_project.settings import SOURCE_TEXT

    if not SOURCE_TEXT.exists():
        pytest.skip("../shared/seeds is not beside the checkout")
    text = SOURCE_TEXT.read_text(encoding="utf-8").splitlines()
    for rule in catalogue.load().rules:
        first, last = rule.citation["lines"]
        cited = "".join(text[first - 1:last]).replace(" ", "")
        head = rule.citation["quote"].split("……")[0].replace(" ", "")[:30]
        assert head in cited, f"{rule.id}: quote not found in lines {first}-{last}"


def test_a_periodic_schedule_cannot_also_have_instalments(tmp_path):
    schedule = {"periodic": {"every": "month", "count": 24}, "instalments": [1, 1]}
    with pytest.raises(CatalogueError, match=r"规则 NMG2024-10：字段 'schedule.periodic'：需要 every"):
        catalogue.load(with_rule_changed(tmp_path, "NMG2024-10", schedule=schedule))


def test_a_restating_entry_cannot_be_costed_again(tmp_path):
    with pytest.raises(CatalogueError, match=r"规则 NMG2024-10：字段 'links.restates'.*not_costable"):
        catalogue.load(with_rule_changed(tmp_path, "NMG2024-10", links={"restates": "NMG2024-06"}))


def test_the_ledger_refuses_a_catalogue_other_than_the_one_in_the_warehouse(tmp_path):
    import duckdb

    from dagster_project import stages

    with duckdb.connect() as conn:
        stages.load_reference(conn)
        stages.load_catalogue(conn, "run-1")
        edited = catalogue.load(with_rule_changed(tmp_path, "NMG2024-11A", amount="300 * (milk_t - milk_prev_t)"))
        with pytest.raises(stages.CatalogueChanged, match="materialize policy_catalogue first"):
            stages.compute_ledger(conn, edited, "run-1", 2026)
