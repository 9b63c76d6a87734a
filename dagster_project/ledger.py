"""Apply the catalogue to the registries: award candidates per rule, then the fixed transforms in sql/.

Python only fills the templates (sql/rule_candidates_*.sql) with expressions that formulas.py has
whitelisted, names catalogue.py has checked against strict patterns and sqlglot has quoted, and literals
sqlglot has quoted; caps, rounding, stacking, schedules and shares are plain SQL. The registry schema is a
parameter so a forecast can push projected registries through the same engine.

An engine error while a rule's candidates are computed, an award beyond catalogue.MONEY_MAX, or a failing
transform is raised as LedgerError naming the rule, its file and the field concerned (Chinese).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import duckdb
import polars as pl
import sqlglot
from sqlglot import exp

from .catalogue import MONEY_MAX, Catalogue, Rule, field_kinds, rule_record
from .formulas import sql_identifier, sql_literal
from .warehouse import run_sql, sql_text, write_table

OPEN_END = date(2099, 12, 31)
TRANSFORMS = ("awards", "payments", "liabilities", "mart_liabilities")


class LedgerError(RuntimeError):
    """The ledger could not be computed; the message names the rule, its file and the field (Chinese)."""


def amount_sql(rule: Rule) -> tuple[str, str]:
    """(amount expression, tier label expression) for a rule with a formula or tiers."""
    if not rule.tiers:
        return rule.amount_sql or "NULL", "NULL"
    amounts, labels = [], []
    for t in rule.tiers:
        if t.equals is not None:
            cond = f"({rule.tiers_by_sql}) = {sql_literal(t.equals)}"
        else:
            # plain notation: str(Decimal) may write 1E+5, which DuckDB would read as a DOUBLE
            parts = [f"({rule.tiers_by_sql}) >= {t.min:f}" if t.min is not None else "TRUE"]
            if t.max is not None:
                parts.append(f"({rule.tiers_by_sql}) < {t.max:f}")
            cond = " AND ".join(parts)
        amounts.append(f"WHEN {cond} THEN ({t.amount_sql})")
        labels.append(f"WHEN {cond} THEN {sql_literal(t.label)}")
    return f"(CASE {' '.join(amounts)} END)", f"(CASE {' '.join(labels)} END)"


def candidates_sql(rule: Rule, registry_schema: str = "registry", firm_first: bool = True) -> str:
    """One rule's candidate query. `firm_first=False` is the reference path (no firm test before the pivot) the
    tests compare the candidates with."""
    if rule.beneficiary == "programme":
        return sql_text("rule_candidates_programme", rule_id=sql_literal(rule.id))
    amount, tier = amount_sql(rule)
    # earlier cohorts of a multi-year measure qualify from cohorts_from; payments.sql keeps what falls due before
    # valid_from out of this policy's liabilities (or pays it then, with earlier_payments: catch_up)
    valid_from, valid_to = rule.cohorts_from or rule.valid_from, rule.valid_to or OPEN_END
    names = sorted(set(rule.variables) | set(rule.inputs))
    pairs = ", ".join(f"{sql_literal(n)}, {sql_identifier(n)}" for n in names)
    inputs = f"json_object({pairs})" if names else "NULL"
    params = dict(rule_id=sql_literal(rule.id), registry_schema=registry_schema, amount=amount, tier_label=tier,
                  eligibility=rule.eligibility_sql, inputs_json=inputs)
    if rule.beneficiary == "enterprise":
        metrics = sorted({v["metric"] for v in rule.variables.values()})
        offsets = [int(v.get("year_offset", 0)) for v in rule.variables.values()]
        columns = ", ".join(
            f"max(m.value) FILTER (WHERE m.metric = {sql_literal(v['metric'])} "
            f"AND m.year = y.award_year + {int(v.get('year_offset', 0))}) AS {sql_identifier(name)}"
            for name, v in rule.variables.items())
        firm = firm_conditions(rule.eligibility_sql, frozenset(rule.variables)) if firm_first else None
        return sql_text("rule_candidates_enterprise", **params, metrics=", ".join(map(sql_literal, metrics)),
                        first_year=str(valid_from.year), last_year=str(valid_to.year), variable_columns=columns,
                        min_offset=str(min(offsets)), max_offset=str(max(offsets)),
                        firm_filter=f"uscc IN (SELECT uscc FROM firms WHERE {firm})" if firm else "TRUE")
    extra = {"beneficiary_key": "employer_uscc" if rule.paid_to == "employer" else "person_key"} \
        if rule.beneficiary == "talent" else {}
    return sql_text(f"rule_candidates_{rule.beneficiary}", **params, **extra, trigger=rule.trigger,
                    valid_from=f"DATE '{valid_from}'", valid_to=f"DATE '{valid_to}'")


@cache
def firm_conditions(eligibility_sql: str, variables: frozenset[str]) -> str | None:
    """The conjuncts of an enterprise rule's eligibility that test the firm alone (its register columns, city,
    banner; no metric, no award year), or None. The candidate query applies them before it pivots the firm-years'
    metrics: a rule for Ordos firms then pivots Ordos firms only. The whole eligibility is still applied after the
    pivot, so the candidates are the same: a row these conjuncts exclude (false or unknown) it excludes too."""
    firm = set(field_kinds("enterprise", {})) - {"award_year"} - variables
    kept = [c for c in _conjuncts(sqlglot.parse_one(eligibility_sql, read="duckdb"))
            if (names := {col.name for col in c.find_all(exp.Column)}) and names <= firm]
    return " AND ".join(f"({c.sql(dialect='duckdb', identify=True)})" for c in kept) or None


def _conjuncts(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Paren):
        return _conjuncts(node.this)
    if isinstance(node, exp.And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def write_catalogue(conn: duckdb.DuckDBPyConnection, cat: Catalogue, run_id: str) -> None:
    """catalogue.* tables: documents, rules, shares, instalments, tiers and the version."""
    docs = pl.DataFrame([{**{k: d.get(k) for k in ("document", "title", "short_title", "level", "notes")},
                          "issued": str(d.get("issued") or ""),
                          "line_first": d["source_lines"][0], "line_last": d["source_lines"][1],
                          "items_without_fiscal_clause": ", ".join(d.get("items_without_fiscal_clause") or []),
                          "valid_from": _day((d.get("valid") or {}).get("from")),
                          "valid_to": _day((d.get("valid") or {}).get("to")), "continues": d.get("continues")}
                         for d in cat.documents], schema_overrides={"short_title": pl.String, "valid_from": pl.Date,
                                                                    "valid_to": pl.Date, "continues": pl.String})
    write_table(conn, "catalogue.documents", docs)
    rules = pl.DataFrame([rule_record(r) for r in cat.rules], infer_schema_length=None)
    rules = rules.with_columns(pl.col(pl.Null).cast(pl.String)).with_columns(  # an all-empty column is text
        pl.col("period_count", "lag_years", "step_fen").cast(pl.Int64),
        pl.col("expected_share").cast(pl.Decimal(9, 6)))
    write_table(conn, "catalogue.rules", rules.with_columns(
        pl.col("cap_per_award", "cap_per_beneficiary_year", "cap_per_beneficiary").cast(pl.Decimal(18, 2))))
    shares, rows_instalments, tiers = [], [], []
    level_order = {"central": 0, "region": 1, "city": 2, "banner": 3}
    for r in cat.costed():
        cum = 0
        instalments = () if r.period_unit else r.instalments  # periodic rules are spread by sql/payments.sql
        for lvl in sorted(r.shares, key=level_order.__getitem__):
            cum += r.shares[lvl]
            shares.append({"rule_id": r.id, "level": lvl, "share": r.shares[lvl], "cum_share": cum})
        total, running = sum(instalments), 0
        for i, w in enumerate(instalments):
            running += w
            rows_instalments.append({"rule_id": r.id, "instalment_no": i + 1, "instalment_count": len(instalments),
                                "year_offset": i, "weight": w, "cum_weight": running, "total_weight": total})
        tiers += [{"rule_id": r.id, "label": t.label, "min": t.min, "max": t.max, "equals": t.equals,
                   "amount_sql": t.amount_sql} for t in r.tiers]
    # the schema is given, not inferred: polars would take the scale of the first rows' decimals (0.5 -> scale 1)
    # and a later 0.45 would be cut to 0.4
    write_table(conn, "catalogue.rule_shares", pl.DataFrame(shares, schema={
        "rule_id": pl.String, "level": pl.String, "share": pl.Decimal(9, 6), "cum_share": pl.Decimal(9, 6)}))
    write_table(conn, "catalogue.rule_instalments", pl.DataFrame(rows_instalments, schema={
        "rule_id": pl.String, "instalment_no": pl.Int64, "instalment_count": pl.Int64, "year_offset": pl.Int64,
        "weight": pl.Int64, "cum_weight": pl.Int64, "total_weight": pl.Int64}))
    write_table(conn, "catalogue.programme_lines", pl.DataFrame(
        [{"rule_id": r.id, "line_no": ln["line_no"], "budget_year": ln["year"], "amount_yuan": ln["amount"],
          "region_code": ln["region"]} for r in cat.costed() for ln in r.programme],
        schema={"rule_id": pl.String, "line_no": pl.Int32, "budget_year": pl.Int32,
                "amount_yuan": pl.Decimal(18, 2), "region_code": pl.String}))
    write_table(conn, "catalogue.rule_tiers", pl.DataFrame(
        tiers, schema={"rule_id": pl.String, "label": pl.String, "min": pl.Decimal(20, 4), "max": pl.Decimal(20, 4),
                       "equals": pl.String, "amount_sql": pl.String}))
    write_parameters(conn, cat)
    run_sql(conn, "coverage")
    write_table(conn, "catalogue.version", pl.DataFrame({"catalogue_version": [cat.version], "run_id": [run_id],
                                                        "rules": [len(cat.rules)], "costed": [len(cat.costed())]}))


def _day(value: object) -> date | None:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))


def write_parameters(conn: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """catalogue.parameters, parameter_values (each dated value with its citation) and rule_parameters."""
    columns = ("name", "title", "unit", "document", "file")
    write_table(conn, "catalogue.parameters", pl.DataFrame(
        [{"name": p.name, "title": p.title, "unit": p.unit, "document": p.document, "file": p.source}
         for p in cat.parameters.values()], schema=dict.fromkeys(columns, pl.String)))
    values = []
    for p in cat.parameters.values():
        for i, v in enumerate(p.values):
            nxt = p.values[i + 1].start if i + 1 < len(p.values) else None
            cit = v.citation
            values.append({"name": p.name, "value_from": v.start, "value_to": nxt and nxt - timedelta(days=1),
                           "value": v.value, "document": cit["document"], "item": str(cit["item"]),
                           "line_first": cit["lines"][0], "line_last": cit["lines"][1], "quote": cit["quote"]})
    write_table(conn, "catalogue.parameter_values", pl.DataFrame(values, schema={
        "name": pl.String, "value_from": pl.Date, "value_to": pl.Date, "value": pl.Decimal(38, 10),
        "document": pl.String, "item": pl.String, "line_first": pl.Int64, "line_last": pl.Int64, "quote": pl.String}))
    write_table(conn, "catalogue.rule_parameters", pl.DataFrame(
        [{"rule_id": r.id, "name": name, "field": fld} for r in cat.rules for name, fld in r.parameters],
        schema={"rule_id": pl.String, "name": pl.String, "field": pl.String}))


def build_candidates(conn: duckdb.DuckDBPyConnection, cat: Catalogue, registry_schema: str = "registry") -> None:
    run_sql(conn, "award_candidates_table")
    for rule in cat.costed():
        try:
            conn.execute(f"INSERT INTO ledger.award_candidates BY NAME ({candidates_sql(rule, registry_schema)})")
        except duckdb.Error as exc:
            raise LedgerError(f"{_where(rule)}：计算候选金额时出错（字段 eligibility、amount/tiers 或 variables）："
                              f"{_engine(exc)}") from exc
    _check_award_bounds(conn, cat)


def _where(rule: Rule) -> str:
    return f"{rule.source or rule.document}：规则 {rule.id}"


def _engine(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]


def _check_award_bounds(conn: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """No award beyond MONEY_MAX: the transforms' integer fen and DECIMAL(18,2) then cannot overflow."""
    over = conn.execute("""SELECT rule_id, arg_max(object_id, abs(gross_yuan)), max(abs(gross_yuan))
                           FROM ledger.award_candidates WHERE abs(gross_yuan) > ? GROUP BY rule_id
                           ORDER BY rule_id LIMIT 1""", [MONEY_MAX]).fetchone()
    if over:
        rule = cat.rule(over[0])
        fld = "programme" if rule.programme else "tiers" if rule.tiers else "amount"
        raise LedgerError(f"{_where(rule)}：字段 '{fld}'：对象 {over[1]} 的金额 {over[2]:,.2f} 元超过单笔上限 "
                          f"{MONEY_MAX:,} 元；请检查公式与登记数据")


def build_ledger(conn: duckdb.DuckDBPyConnection, cat: Catalogue, run_id: str, as_of_year: int,
                 registry_schema: str = "registry") -> None:
    build_candidates(conn, cat, registry_schema)
    for name in TRANSFORMS:
        try:
            run_sql(conn, name, run_id=sql_literal(run_id), catalogue_version=sql_literal(cat.version),
                    as_of_year=str(as_of_year))
        except duckdb.Error as exc:
            raise LedgerError(f"账本步骤 sql/{name}.sql 出错：{_engine(exc)}；金额最大的规则："
                              f"{_largest(conn)}") from exc


def _largest(conn: duckdb.DuckDBPyConnection) -> str:
    row = conn.execute("""SELECT rule_id, sum(abs(gross_yuan)) AS total FROM ledger.award_candidates
                          GROUP BY rule_id ORDER BY total DESC LIMIT 1""").fetchone()
    return f"{row[0]}（候选金额合计 {row[1]:,} 元）" if row else "（无候选）"


def reconciliation_failures(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return conn.execute(sql_text("check_share_reconciliation")).pl()
