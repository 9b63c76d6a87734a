"""The candidate classifier: highest category whose evaluable criterion holds, apart from the certified one."""

from __future__ import annotations

import duckdb
import yaml

from dagster_project import stages, talent_classifier
from dagster_project.warehouse import write_table
from tests.conftest import enterprise, talent, typed_frame

A = "91150602AAAAAAAAA1"


def test_candidate_is_the_highest_category_met_and_kept_apart(tmp_path):
    # Two made-up criteria in the annex's shape: E for a doctorate with a senior title aged 45 or less; F for a
    # master's degree with pay of 200,000 or more. Hand-worked: T1 (doctorate, senior, 40) -> E although
    # certified F ("may qualify higher"); T2 (master, 250,000) -> F, certified F ("consistent"); T3 (bachelor)
    # meets nothing.
    path = tmp_path / "criteria.yaml"
    path.write_text(yaml.safe_dump({"source_lines": [2847, 3319], "criteria": [
        {"id": "E-01", "category": "E", "field": "science", "lines": [3104, 3105], "quote": "q",
         "status": "evaluable", "expression": "degree = 'doctorate' AND title = 'senior' AND age <= 45"},
        {"id": "F-01", "category": "F", "field": "any", "lines": [3234, 3235], "quote": "q",
         "status": "evaluable", "expression": "degree = 'master' AND annual_salary_yuan >= 200000"},
        {"id": "B-01", "category": "B", "field": "any", "lines": [2870, 2871], "quote": "q",
         "status": "not_evaluable", "reason": "honour 国家杰出青年科学基金: no honours field"},
    ]}, allow_unicode=True), encoding="utf-8")
    people = [
        {**talent("T1", "F", "2024-01-01"), "birth_year": 1985},
        {**talent("T2", "F", "2024-01-01"), "degree": "master", "annual_salary_yuan": "250000"},
        {**talent("T3", "F", "2024-01-01"), "degree": "bachelor", "title": "none"},
    ]
    with duckdb.connect() as conn:
        stages.load_reference(conn)
        write_table(conn, "registry.talents", typed_frame("talents", people))
        write_table(conn, "registry.enterprises", typed_frame("enterprises", [enterprise(A)]))
        write_table(conn, "registry.enterprise_metrics", typed_frame("enterprise_metrics", []))
        talent_classifier.classify(conn, 2025, talent_classifier.load(path))
        got = conn.execute("""SELECT talent_id, certified_category, candidate_category, candidate_criterion,
                                     assessment FROM registry.talent_candidates ORDER BY 1""").fetchall()
        assert got == [("T1", "F", "E", "E-01", "may qualify higher"), ("T2", "F", "F", "F-01", "consistent"),
                       ("T3", "F", None, None, "no evaluable criterion met")]
        # the certified category in the registry is untouched
        assert conn.execute("SELECT category FROM registry.talents ORDER BY talent_id").fetchall() == [("F",)] * 3
        statuses = conn.execute("SELECT status, count(*) FROM catalogue.talent_criteria GROUP BY 1 ORDER BY 1")
        assert statuses.fetchall() == [("evaluable", 2), ("not_evaluable", 1)]


def test_the_annex_screen_for_young_doctorates():
    # Annex F (四)5 (lines 3299-3315): 45周岁以下 … 博士. Screened on age and degree: a 45-year-old doctorate is a
    # candidate F, a 46-year-old is not; the institution condition is left for a person to verify.
    criteria = talent_classifier.load()
    assert next(c for c in criteria if c.id == "F-14").status == "evaluable"
    assert sum(c.status == "not_evaluable" for c in criteria) == 84 and len(criteria) == 88
    people = [{**talent("T1", "F", "2024-01-01"), "birth_year": 1980, "title": "none"},
              {**talent("T2", "F", "2024-01-01"), "birth_year": 1979, "title": "none"}]
    with duckdb.connect() as conn:
        stages.load_reference(conn)
        write_table(conn, "registry.talents", typed_frame("talents", people))
        write_table(conn, "registry.enterprise_metrics", typed_frame("enterprise_metrics", []))
        talent_classifier.classify(conn, 2025, criteria)
        got = conn.execute("SELECT talent_id, candidate_category, candidate_criterion FROM registry.talent_candidates "
                           "ORDER BY 1").fetchall()
    assert got == [("T1", "F", "F-14"), ("T2", None, None)]
