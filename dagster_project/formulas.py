"""Catalogue expressions -> safe DuckDB SQL.

A formula or eligibility test is parsed with sqlglot and accepted only if every node is on a short
whitelist (numbers, strings, the rule's own field names, arithmetic, comparisons, AND/OR/NOT, CASE,
LEAST/GREATEST/COALESCE/ABS/FLOOR). The SQL that reaches DuckDB is regenerated from the parsed tree, never
copied from the catalogue, so a catalogue entry can never run arbitrary SQL. Division is refused: it would
turn exact decimals into floating point; write rates as decimals (0.1, not /10).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Neg,
    exp.Add, exp.Sub, exp.Mul,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In, exp.Is,
    exp.And, exp.Or, exp.Not, exp.Case, exp.If,
    exp.Least, exp.Greatest, exp.Coalesce, exp.Abs, exp.Floor,
)


class FormulaError(ValueError):
    pass


def compile_expression(text: str | int | float, names: set[str]) -> str:
    """Whitelisted DuckDB SQL for `text`; raises FormulaError saying what is not allowed."""
    source = str(text).strip()
    if not source:
        raise FormulaError("empty expression")
    try:
        tree = sqlglot.parse_one(source, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise FormulaError(f"cannot parse {source!r}: {exc.errors[0]['description'] if exc.errors else exc}") from exc
    for node in tree.walk():
        if not isinstance(node, ALLOWED_NODES):
            raise FormulaError(f"{type(node).__name__} is not allowed in a formula ({source!r}); allowed are "
                               "numbers, strings, field names, + - *, comparisons, AND/OR/NOT, CASE, "
                               "LEAST, GREATEST, COALESCE, ABS, FLOOR")
        if isinstance(node, exp.Column) and (node.table or node.name not in names):
            raise FormulaError(f"unknown field {node.sql()!r} in {source!r}; known: {sorted(names)}")
    return tree.sql(dialect="duckdb", identify=True)


def referenced_names(text: str) -> set[str]:
    return {c.name for c in sqlglot.parse_one(str(text), read="duckdb").find_all(exp.Column)}


def sql_literal(value: object) -> str:
    """A Python value as a SQL literal, produced by sqlglot (quotes escaped)."""
    if value is None:
        return "NULL"
    return exp.convert(value).sql(dialect="duckdb")
