"""Candidate talent category from the annex's criteria (鄂尔多斯市高层次人才分类目录, seeds/reference/
talent_criteria.yaml): who may qualify, kept apart from the certified category in the talent registry.

Each criterion is cited (lines, quote) and either evaluable — a boolean expression over registry fields,
whitelisted by formulas.py like any catalogue formula — or not evaluable with the reason (most criteria name
honours and posts no registry holds). The candidate category is the highest (A before F) whose criterion holds.
A criterion under a field heading (科技创新, 教育卫生, 企业经营管理) screens people of that field only; （四）其他
screens everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import yaml

from .formulas import FormulaError, compile_expression, sql_literal
from .settings import SEEDS_DIR
from .warehouse import run_sql, write_table

CRITERIA_FILE = SEEDS_DIR / "reference" / "talent_criteria.yaml"
FIELDS = {"degree", "title", "field", "age", "annual_salary_yuan", "employer_revenue_yuan", "employment"}
CATEGORIES = ("A", "B", "C", "D", "E", "F")
ANNEX_FIELDS = ("any", "science", "education_health", "management", "other")


class CriteriaError(ValueError):
    pass


@dataclass(frozen=True)
class Criterion:
    id: str
    category: str
    field: str
    lines: tuple[int, int]
    quote: str
    status: str
    reason: str
    expression_sql: str | None


def load(path: Path = CRITERIA_FILE) -> list[Criterion]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out, seen = [], set()
    for raw in data.get("criteria") or []:
        at = f"{path.name}: criterion {raw.get('id', '(no id)')}"
        if raw.get("id") in seen or raw.get("category") not in CATEGORIES or raw.get("field") not in ANNEX_FIELDS:
            raise CriteriaError(f"{at}: needs a unique id, category A-F and field among {ANNEX_FIELDS}")
        seen.add(raw["id"])
        if raw.get("status") not in ("evaluable", "not_evaluable"):
            raise CriteriaError(f"{at}: field 'status' must be evaluable or not_evaluable")
        expression = None
        if raw["status"] == "evaluable":
            try:
                expression = compile_expression(raw.get("expression") or "", FIELDS)
            except FormulaError as exc:
                raise CriteriaError(f"{at}: field 'expression': {exc}") from exc
        elif not raw.get("reason"):
            raise CriteriaError(f"{at}: field 'reason' is required when not evaluable")
        out.append(Criterion(raw["id"], raw["category"], raw["field"], tuple(raw["lines"]), raw.get("quote", ""),
                             raw["status"], raw.get("reason") or "", expression))
    return out


def matches_sql(criteria: list[Criterion]) -> str:
    """One SELECT per evaluable criterion, over the `base` CTE of sql/talent_candidates.sql."""
    parts = []
    for c in criteria:
        if c.expression_sql is None:
            continue
        # （四）其他 holds cross-cutting criteria (e.g. young doctorates), so it screens people of every field.
        field = "TRUE" if c.field in ("any", "other") else f"field = {sql_literal(c.field)}"
        parts.append(f"SELECT talent_id, {sql_literal(c.id)} AS criterion_id, {sql_literal(c.category)} AS category "
                     f"FROM base WHERE {field} AND ({c.expression_sql})")
    return "\nUNION ALL\n".join(parts) or "SELECT NULL AS talent_id, NULL AS criterion_id, NULL AS category WHERE FALSE"


def classify(conn: duckdb.DuckDBPyConnection, as_of_year: int, criteria: list[Criterion] | None = None) -> None:
    """catalogue.talent_criteria and registry.talent_candidates (candidate apart from certified category)."""
    criteria = load() if criteria is None else criteria
    write_table(conn, "catalogue.talent_criteria", pl.DataFrame(
        [{"criterion_id": c.id, "category": c.category, "field": c.field, "line_first": c.lines[0],
          "line_last": c.lines[1], "quote": c.quote, "status": c.status, "reason": c.reason,
          "expression_sql": c.expression_sql} for c in criteria],
        schema={"criterion_id": pl.String, "category": pl.String, "field": pl.String, "line_first": pl.Int64,
                "line_last": pl.Int64, "quote": pl.String, "status": pl.String, "reason": pl.String,
                "expression_sql": pl.String}))
    run_sql(conn, "talent_candidates", as_of_year=str(as_of_year), matches=matches_sql(criteria))
