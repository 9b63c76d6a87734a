"""Candidate talent category from the annex's criteria (鄂尔多斯市高层次人才分类目录, seeds/reference/
talent_criteria.yaml): who may qualify, kept apart from the certified category in the talent registry.

Each criterion is cited (lines, quote) and either evaluable — a boolean expression over registry fields,
whitelisted by formulas.py like any catalogue formula — or not evaluable with the reason (most criteria name
honours and posts no registry holds). The candidate category is the highest (A before F) whose criterion holds.
A criterion under a field heading (科技创新, 教育卫生, 企业经营管理) screens people of that field only; （四）其他
screens everyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from . import safe_yaml, yaml_format
from .formulas import FormulaError, compile_expression, sql_literal
from .settings import SEEDS_DIR
from .warehouse import run_sql, write_table

CRITERIA_FILE = SEEDS_DIR / "reference" / "talent_criteria.yaml"
FIELDS = {"degree": "text", "title": "text", "field": "text", "age": "integer", "annual_salary_yuan": "decimal",
          "employer_revenue_yuan": "decimal", "employment": "text"}  # the `base` CTE of sql/talent_candidates.sql
CRITERION_ID = re.compile(r"[A-F]-[0-9]{2}[A-Za-z0-9]*")
CRITERION_KEYS = {"id", "category", "field", "lines", "quote", "status", "reason", "expression"}
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
    """The criteria, checked: safe YAML, known keys, unique ids, cited lines, whitelisted expressions."""
    try:
        data = safe_yaml.load(path, path.name)
    except safe_yaml.YamlRefused as exc:
        raise CriteriaError(str(exc)) from exc
    if not isinstance(data, dict) or set(data) - {"source_lines", "criteria"} or not isinstance(
            data.get("criteria"), list):
        raise CriteriaError(f"{path.name}：应有 source_lines 和 criteria（标准列表）两个键")
    out, seen = [], set()
    for raw in data["criteria"]:
        out.append(_criterion(raw, path.name, seen))
    yaml_format.check("talent_criteria", data, path.name, CriteriaError)  # and the declared format (docs/schema/)
    return out


def _criterion(raw: object, where: str, seen: set[str]) -> Criterion:
    if not isinstance(raw, dict):
        raise CriteriaError(f"{where}：criteria 中的每一项应为键值对")
    at = f"{where}：标准 {str(raw.get('id', '(无 id)'))[:40]}"
    if set(raw) - CRITERION_KEYS:
        raise CriteriaError(f"{at}：未知字段 {sorted(map(str, set(raw) - CRITERION_KEYS))}")
    if not isinstance(raw.get("id"), str) or not CRITERION_ID.fullmatch(raw["id"]) or raw["id"] in seen \
            or raw.get("category") not in CATEGORIES or raw.get("field") not in ANNEX_FIELDS:
        raise CriteriaError(f"{at}：需要唯一的 id（如 A-01）、类别 A–F 和领域 {ANNEX_FIELDS} 之一")
    seen.add(raw["id"])
    lines = raw.get("lines")
    if not (isinstance(lines, list) and len(lines) == 2 and all(type(x) is int for x in lines)
            and 0 < lines[0] <= lines[1]) or not isinstance(raw.get("quote", ""), str):
        raise CriteriaError(f"{at}：字段 'lines' 应为 [起, 止] 两个行号，'quote' 应为原文")
    if raw.get("status") not in ("evaluable", "not_evaluable"):
        raise CriteriaError(f"{at}：字段 'status' 应为 evaluable 或 not_evaluable")
    if not isinstance(raw.get("reason") or "", str):
        raise CriteriaError(f"{at}：字段 'reason' 应为文本")
    expression = None
    if raw["status"] == "evaluable":
        try:
            expression = compile_expression(raw.get("expression") or "", FIELDS, "condition")
        except FormulaError as exc:
            raise CriteriaError(f"{at}：字段 'expression'：{exc}") from exc
    elif not raw.get("reason"):
        raise CriteriaError(f"{at}：不可评估的标准必须写明 'reason'")
    return Criterion(raw["id"], raw["category"], raw["field"], (lines[0], lines[1]), raw.get("quote", ""),
                     raw["status"], raw.get("reason") or "", expression)


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
