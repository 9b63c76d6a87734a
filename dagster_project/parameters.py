"""Named, dated parameters: every amount, rate, threshold, cap, tier and share of the catalogue, with the date each
value took effect and the clause it comes from (docs/catalogue.md, "Parameters").

A value holds from its `from` date until the next value's; a `null` value ends the measure. A new year's policy list
is a new dated value (or a dated null) with its own citation, never a copied rule. Rules refer to a parameter by
name; the value used for an award is the one in force on the award's trigger date (enterprise metric-year awards:
the latest value in force during the award year), and a rule is in force where all its parameters have a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlglot import exp

NAME = re.compile(r"[a-z][a-z0-9_]*")
NAME_MAX, VALUES_MAX, TEXT_MAX = 64, 50, 200
VALUE_MAX, VALUE_DECIMALS = Decimal(10) ** 12, 10  # as any number written in a formula (formulas.LITERAL_*)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
PARAMETER_KEYS = {"title", "unit", "values"}
VALUE_KEYS = {"from", "value", "citation"}


class ParameterError(ValueError):
    """A parameter that breaks the format; the message names file, parameter and field (Chinese)."""


@dataclass(frozen=True)
class Value:
    start: date
    value: Decimal | None  # None: the measure ends on `start`
    citation: dict[str, Any]


@dataclass(frozen=True)
class Parameter:
    name: str
    title: str
    unit: str
    document: str
    source: str
    values: tuple[Value, ...]

    def spans(self) -> list[tuple[date, date | None, Decimal]]:
        """(first day, first day after, value) of each non-null value; the last one's end is None when open."""
        out = []
        for i, v in enumerate(self.values):
            if v.value is not None:
                end = self.values[i + 1].start if i + 1 < len(self.values) else None
                out.append((v.start, end, v.value))
        return out

    def replaced(self, value: Decimal) -> Parameter:
        """Every non-null value set to `value` (a scenario's what-if), dates and citations kept."""
        return Parameter(self.name, self.title, self.unit, self.document, self.source,
                         tuple(Value(v.start, None if v.value is None else value, v.citation) for v in self.values))

    def extended(self, values: list[Value]) -> Parameter:
        """Dated values added (a scenario's later value); a value on an existing date replaces it."""
        merged = {v.start: v for v in self.values} | {v.start: v for v in values}
        return Parameter(self.name, self.title, self.unit, self.document, self.source,
                         tuple(merged[d] for d in sorted(merged)))


def _error(where: str, name: str, fld: str, problem: str) -> ParameterError:
    return ParameterError(f"{where}：参数 {name}：字段 '{fld}'：{problem}")


def number(value: Any) -> Decimal | None:
    """A parameter value as Decimal, or None if it is not a plain non-negative number within the bounds."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not d.is_finite() or d < 0 or d > VALUE_MAX or max(0, -d.normalize().as_tuple().exponent) > VALUE_DECIMALS:
        return None
    return d


def parse(name: Any, raw: Any, doc: dict[str, Any], documents: dict[str, dict[str, Any]], where: str) -> Parameter:
    """One entry of a file's `parameters` mapping, checked; citations may name any document of the catalogue."""
    if not isinstance(name, str) or len(name) > NAME_MAX or not NAME.fullmatch(name):
        raise ParameterError(f"{where}：参数名 {str(name)[:80]!r} 不合法：小写字母开头，只用小写字母、数字和下划线，"
                             f"最多 {NAME_MAX} 个字符（如 nmg2024_11a_amount）")
    if not isinstance(raw, dict) or set(raw) - PARAMETER_KEYS or "values" not in raw or "title" not in raw:
        raise _error(where, name, "parameters", f"需要 title 和 values（unit 可选）；允许：{sorted(PARAMETER_KEYS)}")
    for key in ("title", "unit"):
        text = raw.get(key, "")
        if not isinstance(text, str) or len(text) > TEXT_MAX or (key == "title" and not text.strip()):
            raise _error(where, name, key, f"应为不超过 {TEXT_MAX} 个字符的文本")
    values = raw["values"]
    if not isinstance(values, list) or not 1 <= len(values) <= VALUES_MAX:
        raise _error(where, name, "values", f"应为 1 到 {VALUES_MAX} 个带日期的取值")
    parsed = [_value(v, i, name, documents, where) for i, v in enumerate(values)]
    if any(b.start <= a.start for a, b in zip(parsed, parsed[1:], strict=False)):
        raise _error(where, name, "values", "各取值的 from 日期应严格递增（每个新清单一个新日期）")
    if parsed[0].value is None:
        raise _error(where, name, "values[0].value", "第一个取值不能为空（null 表示措施自该日起终止）")
    return Parameter(name, raw["title"].strip(), str(raw.get("unit", "")), doc["document"], where, tuple(parsed))


def _value(raw: Any, i: int, name: str, documents: dict[str, dict[str, Any]], where: str) -> Value:
    fld = f"values[{i}]"
    if not isinstance(raw, dict) or set(raw) != VALUE_KEYS:
        raise _error(where, name, fld, "需要 from（日期）、value（数字，或 null 表示措施终止）和 citation")
    start = raw["from"]
    if not isinstance(start, date):
        try:
            start = date.fromisoformat(str(start))
        except ValueError:
            raise _error(where, name, f"{fld}.from", f"{str(raw['from'])[:40]!r} 不是日期（YYYY-MM-DD）") from None
    if not FIRST_DAY <= start <= LAST_DAY:
        raise _error(where, name, f"{fld}.from", f"{start} 应在 {FIRST_DAY} 到 {LAST_DAY} 之间")
    value = None if raw["value"] is None else number(raw["value"])
    if raw["value"] is not None and value is None:
        raise _error(where, name, f"{fld}.value", f"{str(raw['value'])[:40]!r} 应为 0 到 {VALUE_MAX:,} 之间、最多 "
                                                  f"{VALUE_DECIMALS} 位小数的数字，或 null（措施终止）")
    return Value(start, value, _citation(raw["citation"], name, fld, documents, where))


def _citation(cit: Any, name: str, fld: str, documents: dict[str, dict[str, Any]], where: str) -> dict[str, Any]:
    at = f"{fld}.citation"
    if not isinstance(cit, dict) or set(cit) != {"document", "item", "lines", "quote"}:
        raise _error(where, name, at, "需要 document、item、lines [起, 止] 和 quote")
    doc = documents.get(cit["document"]) if isinstance(cit["document"], str) else None
    if doc is None:
        raise _error(where, name, f"{at}.document", f"{str(cit['document'])[:64]!r} 不是目录中的文件编号")
    if isinstance(cit["item"], bool) or not isinstance(cit["item"], str | int) or not isinstance(cit["quote"], str) \
            or not cit["quote"].strip():
        raise _error(where, name, at, "item 应为条目编号（如 \"11\"），quote 应为原文")
    lines = cit["lines"]
    lo, hi = doc["source_lines"]
    if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(x, int) and not isinstance(x, bool)
                                                                for x in lines) and lo <= lines[0] <= lines[1] <= hi):
        raise _error(where, name, f"{at}.lines", f"应为 [起, 止] 两个行号，在文件 {cit['document']} 的 {lo}-{hi} 之内")
    return cit


# --- a rule's use of its parameters ---------------------------------------------------------------------------

Span = tuple[date, date | None]  # [first day, first day after); open when None


def in_force(params: list[Parameter]) -> list[Span]:
    """Where every one of `params` has a value."""
    spans: list[Span] = [(FIRST_DAY, None)]
    for p in params:
        spans = intersect(spans, [(a, b) for a, b, _ in p.spans()])
    return spans


def intersect(one: list[Span], other: list[Span]) -> list[Span]:
    return sorted((max(a, c), _earlier(b, d)) for a, b in one for c, d in other
                  if _earlier(b, d) is None or max(a, c) < _earlier(b, d))


def _earlier(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def last_day(end: date | None) -> date | None:
    return None if end is None else end - timedelta(days=1)


def value_expression(p: Parameter, when: str, yearly: bool, open_ended: bool) -> exp.Expression:
    """The SQL of `p`'s value for one award: a literal when one value is ever in force, else a CASE over the
    award's trigger column `when` (a date; `award_year` when `yearly`). Strict (the ledger): NULL where no value
    is in force, so a gap between two lists books nothing. Open (a forecast assuming renewal, a backtest): the
    last value before a gap carries on and the first one reaches back."""
    spans = p.spans()
    if len(spans) == 1:
        return exp.Literal.number(f"{spans[0][2]:f}")
    column = exp.column(when, quoted=True)
    ifs = []
    for i, (start, end, value) in reversed(list(enumerate(spans))):
        lower = exp.Literal.number(start.year) if yearly else exp.Literal.string(start.isoformat())
        cond: exp.Expression = exp.GTE(this=column.copy(), expression=lower)
        if i == 0:
            cond = exp.true()  # the earliest value also covers earlier cohorts (valid.cohorts_from)
        if not open_ended and end is not None and (i + 1 == len(spans) or spans[i + 1][0] > end):
            upper = exp.Literal.number(last_day(end).year) if yearly else exp.Literal.string(end.isoformat())
            below = exp.LTE(this=column.copy(), expression=upper) if yearly \
                else exp.LT(this=column.copy(), expression=upper)
            cond = below if i == 0 else exp.and_(cond, below)
        ifs.append(exp.If(this=cond, true=exp.Literal.number(f"{value:f}")))
    return exp.Paren(this=exp.Case(ifs=ifs))


def in_force_condition(spans: list[Span], when: str, yearly: bool) -> exp.Expression | None:
    """SQL that is true where the rule is in force, when its parameters leave a gap (a list that ended and the next
    one that began later); None when the rule's window (valid_from..valid_to) says it all. The first span has no
    lower bound: earlier cohorts are the window's business (valid.cohorts_from)."""
    if len(spans) < 2:
        return None
    column = exp.column(when, quoted=True)
    parts: list[exp.Expression] = []
    for i, (start, end) in enumerate(spans):
        bounds: list[exp.Expression] = []
        if i > 0:
            lower = exp.Literal.number(start.year) if yearly else exp.Literal.string(start.isoformat())
            bounds.append(exp.GTE(this=column.copy(), expression=lower))
        if end is not None:
            bounds.append(exp.LTE(this=column.copy(), expression=exp.Literal.number(last_day(end).year)) if yearly
                          else exp.LT(this=column.copy(), expression=exp.Literal.string(end.isoformat())))
        parts.append(exp.Paren(this=exp.and_(*bounds)) if bounds else exp.true())
    return exp.Paren(this=exp.or_(*parts))


def single_value(p: Parameter) -> Decimal | None:
    """The one value of a parameter whose every non-null value is the same (a renewed list that kept it)."""
    values = {v for _, _, v in p.spans()}
    return values.pop() if len(values) == 1 else None
