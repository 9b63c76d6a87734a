"""Catalogue expressions -> safe DuckDB SQL.

A formula or eligibility test is parsed with sqlglot and accepted only if every node is on a short
whitelist (numbers, strings, the rule's own field names, arithmetic, comparisons, AND/OR/NOT, CASE,
LEAST/GREATEST/COALESCE/ABS/FLOOR). The SQL that reaches DuckDB is regenerated from the parsed tree, never
copied from the catalogue, so a catalogue entry can never run arbitrary SQL. Division is refused: it would
turn exact decimals into floating point; write rates as decimals (0.1, not /10).

An expression is also bounded before it is accepted, so that what loads also runs: its length, node count and
nesting; every number (plain decimal notation, at most LITERAL_MAX and LITERAL_DECIMALS decimals); and, by a
worst-case walk over the tree with every field at the largest value its column can hold, every integer
product or sum must stay inside DuckDB's INTEGER/BIGINT and every decimal inside DECIMAL(38). Arithmetic on
text or dates and a comparison of a number with non-numeric text are refused, as DuckDB would fail on them
only at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlglot
from sqlglot import exp

ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Neg,
    exp.Add, exp.Sub, exp.Mul,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In, exp.Is,
    exp.And, exp.Or, exp.Not, exp.Case, exp.If,
    exp.Least, exp.Greatest, exp.Coalesce, exp.Abs, exp.Floor,
)
TEXT_MAX = 4000  # characters of one expression (the longest in the catalogue: 1,139)
NODES_MAX = 1000  # parsed nodes (catalogue: 227)
DEPTH_MAX = 40  # nesting of the parsed tree and of parentheses (catalogue: 12)
LITERAL_MAX = Decimal(10) ** 12  # any number written in a formula, e.g. 1万亿元
LITERAL_DECIMALS = 10  # the candidate amount is DECIMAL(38,10)
AMOUNT_MAX = Decimal(10) ** 28  # what CAST(amount AS DECIMAL(38, 10)) can hold
# Field kinds and the interval each can hold: registry decimals are validated non-negative DECIMAL(20,4) (at most
# 16 integer digits, 4 decimals); integer fields are years and ages.
FIELD_BOUNDS = {"decimal": (Decimal(0), Decimal(10) ** 16, 4), "integer": (-Decimal(10) ** 4, Decimal(10) ** 4, 0)}
INT_MAX = {32: Decimal(2**31 - 1), 64: Decimal(2**63 - 1)}
ARITHMETIC = (exp.Add, exp.Sub, exp.Mul)
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


class FormulaError(ValueError):
    pass


@dataclass(frozen=True)
class Kind:
    """What an expression yields: kind (integer, decimal, null, boolean, text, date) and, for numbers, the
    interval [lo, hi] it stays in at worst, its decimal scale and, for integers, DuckDB's width (32/64 bits)."""
    kind: str
    lo: Decimal = Decimal(0)
    hi: Decimal = Decimal(0)
    scale: int = 0
    width: int = 32

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "decimal", "null")

    @property
    def bound(self) -> Decimal:
        return max(abs(self.lo), abs(self.hi))


def compile_expression(text: str | int | float, fields: Mapping[str, str], role: str = "value",
                       substitute: Mapping[str, exp.Expression] | None = None) -> str:
    """Whitelisted, bounded DuckDB SQL for `text`; raises FormulaError (Chinese) saying what is not allowed.

    `fields` maps each usable name to its kind (decimal, integer, text, date). `role`: condition (true/false),
    amount (a number that fits DECIMAL(38,10)), number, or value (anything but true/false). `substitute` maps a
    catalogue parameter's name to the expression of its value (a literal, or a CASE over the award's date); the
    substituted tree is checked like any other."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise FormulaError(f"应为公式文本或数字，而不是 {type(text).__name__}")
    source = str(text).strip()
    if not source:
        raise FormulaError("公式为空")
    if len(source) > TEXT_MAX:
        raise FormulaError(f"公式长 {len(source):,} 个字符，超过上限 {TEXT_MAX:,}")
    if _paren_depth(source) > DEPTH_MAX:
        raise FormulaError(f"括号嵌套超过 {DEPTH_MAX} 层")
    tree = _parse(source)
    if substitute:
        tree = _substituted(tree, substitute)
    _check_shape(tree, source, fields)
    kind = _kind(tree, fields)
    _check_role(kind, role, source)
    return tree.sql(dialect="duckdb", identify=True)


def _substituted(tree: exp.Expression, substitute: Mapping[str, exp.Expression]) -> exp.Expression:
    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in substitute:
            return substitute[node.name].copy()
        return node
    return tree.transform(swap)


def _parse(source: str) -> exp.Expression:
    try:
        return sqlglot.parse_one(source, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        detail = exc.errors[0]["description"] if exc.errors else str(exc)
        raise FormulaError(f"无法解析 {source[:200]!r}：{detail}") from exc
    except (sqlglot.errors.SqlglotError, RecursionError) as exc:
        raise FormulaError(f"无法解析 {source[:200]!r}（嵌套过深或格式错误）") from exc


def _paren_depth(source: str) -> int:
    """Deepest nesting of parentheses outside quotes (checked before parsing: the parser recurses)."""
    depth = deepest = 0
    quote = None
    for ch in source:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    return deepest


def _check_shape(tree: exp.Expression, source: str, fields: Mapping[str, str]) -> None:
    """Whitelisted nodes and known names only; node count and tree depth bounded (walked without recursion)."""
    count, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > NODES_MAX:
            raise FormulaError(f"公式超过 {NODES_MAX} 个语法节点；请拆分或简化")
        if depth > DEPTH_MAX:
            raise FormulaError(f"公式嵌套超过 {DEPTH_MAX} 层；请简化")
        if not isinstance(node, ALLOWED_NODES):
            raise FormulaError(f"公式中不允许使用 {type(node).__name__}（{source[:200]!r}）；允许的有：数字、字符串、"
                               "字段名、+ - *、比较、AND/OR/NOT、CASE、LEAST、GREATEST、COALESCE、ABS、FLOOR")
        if isinstance(node, exp.Column) and (node.table or node.name not in fields):
            raise FormulaError(f"未知字段 {node.sql()!r}（{source[:200]!r}）；可用字段：{sorted(fields)}")
        stack.extend((child, depth + 1) for child in node.iter_expressions())


def _kind(node: exp.Expression, fields: Mapping[str, str]) -> Kind:  # noqa: C901 - one branch per node type
    """The worst case of `node`; raises FormulaError where DuckDB could overflow or fail on the types."""
    if isinstance(node, exp.Paren):
        return _kind(node.this, fields)
    if isinstance(node, exp.Literal):
        return _literal(node)
    if isinstance(node, exp.Null):
        return Kind("null")
    if isinstance(node, exp.Boolean):
        return Kind("boolean")
    if isinstance(node, exp.Column):
        return _field(fields[node.name])
    if isinstance(node, exp.Neg | exp.Abs | exp.Floor):
        return _unary(node, _numeric(_kind(node.this, fields), node))
    if isinstance(node, ARITHMETIC):
        return _arithmetic(node, _kind(node.left, fields), _kind(node.right, fields))
    if isinstance(node, COMPARISONS):
        _comparable(node, [_kind(node.left, fields), _kind(node.right, fields)], [node.left, node.right])
        return Kind("boolean")
    if isinstance(node, exp.Between | exp.In):
        operands = [node.this, *([node.args["low"], node.args["high"]] if isinstance(node, exp.Between)
                                 else node.expressions)]
        _comparable(node, [_kind(o, fields) for o in operands], operands)
        return Kind("boolean")
    if isinstance(node, exp.Is | exp.And | exp.Or | exp.Not):
        for child in node.iter_expressions():
            _kind(child, fields)
        return Kind("boolean")
    if isinstance(node, exp.Case | exp.If):
        return _branches(node, fields)
    if isinstance(node, exp.Least | exp.Greatest | exp.Coalesce):
        kinds = [_kind(a, fields) for a in [node.this, *node.expressions]]
        return _join(node, kinds, {exp.Least: min, exp.Greatest: max}.get(type(node)))
    raise FormulaError(f"公式中不允许使用 {type(node).__name__}")


def _literal(node: exp.Literal) -> Kind:
    if node.is_string:
        return Kind("text")
    text = node.this
    if "e" in text.lower():
        raise FormulaError(f"数字 {text} 不要用科学计数法（DuckDB 会当作浮点数）；请写成 {_plain(text)}")
    value = Decimal(text)
    decimals = max(0, -value.as_tuple().exponent)
    if abs(value) > LITERAL_MAX:
        raise FormulaError(f"数字 {text} 超过上限 {LITERAL_MAX:,}")
    if decimals > LITERAL_DECIMALS:
        raise FormulaError(f"数字 {text} 有 {decimals} 位小数，最多 {LITERAL_DECIMALS} 位")
    if "." in text:
        return Kind("decimal", value, value, decimals)
    return Kind("integer", value, value, 0, 32 if value <= INT_MAX[32] else 64)


def _src(node: exp.Expression) -> str:
    """The part of a formula a message is about, as DuckDB would read it (at most 200 characters)."""
    return repr(node.sql(dialect="duckdb")[:200])


def _plain(text: str) -> str:
    try:
        return format(Decimal(text), "f")
    except InvalidOperation:
        return text


def _field(kind: str) -> Kind:
    if kind in FIELD_BOUNDS:
        lo, hi, scale = FIELD_BOUNDS[kind]
        return Kind(kind, lo, hi, scale)
    return Kind(kind)


def _numeric(k: Kind, node: exp.Expression) -> Kind:
    if not k.numeric:
        raise FormulaError(f"{_src(node)}：只能对数值做算术运算（这里是 {_ZH.get(k.kind, k.kind)}）")
    return k


def _unary(node: exp.Expression, k: Kind) -> Kind:
    if isinstance(node, exp.Neg):
        return Kind(k.kind, -k.hi, -k.lo, k.scale, k.width)
    if isinstance(node, exp.Abs):
        low = Decimal(0) if k.lo <= 0 <= k.hi else min(abs(k.lo), abs(k.hi))
        return Kind(k.kind, low, k.bound, k.scale, k.width)
    return Kind(k.kind, k.lo - 1, k.hi, k.scale, k.width)  # FLOOR


def _arithmetic(node: exp.Expression, a: Kind, b: Kind) -> Kind:
    _numeric(a, node), _numeric(b, node)
    if isinstance(node, exp.Mul):
        products = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        lo, hi, scale = min(products), max(products), a.scale + b.scale
    elif isinstance(node, exp.Add):
        lo, hi, scale = a.lo + b.lo, a.hi + b.hi, max(a.scale, b.scale)
    else:
        lo, hi, scale = a.lo - b.hi, a.hi - b.lo, max(a.scale, b.scale)
    bound = max(abs(lo), abs(hi))
    if a.kind in ("integer", "null") and b.kind in ("integer", "null"):
        width = max(a.width, b.width)
        if bound > INT_MAX[width]:
            engine = "INTEGER" if width == 32 else "BIGINT"
            raise FormulaError(f"{_src(node)}：整数运算最坏可达 {bound:,}，超出 DuckDB {engine} 的范围；"
                               "请把其中一个数写成小数（如 100000.0）")
        return Kind("integer", lo, hi, 0, width)
    if bound >= Decimal(10) ** (38 - scale):
        raise FormulaError(f"{_src(node)}：最坏可达 {bound:.3E}（小数 {scale} 位），超出 "
                           "DECIMAL(38) 的范围；请减小常数或避免字段相乘")
    return Kind("decimal", lo, hi, scale)


def _comparable(node: exp.Expression, kinds: list[Kind], operands: list[exp.Expression]) -> None:
    """A number compared with text that is not a number, or a date with text that is not a date, fails in DuckDB
    only when the row is read: refused here."""
    wanted = {k.kind for k in kinds} & {"integer", "decimal", "date"}
    for k, operand in zip(kinds, operands, strict=True):
        if k.kind == "boolean" and wanted:
            raise FormulaError(f"{_src(node)}：不能把真/假值与数值或日期比较")
        if not (isinstance(operand, exp.Literal) and operand.is_string):
            continue
        if wanted & {"integer", "decimal"} and not _is_number(operand.this):
            raise FormulaError(f"{_src(node)}：数值不能与文本 {operand.this!r} 比较")
        if "date" in wanted and not _is_date(operand.this):
            raise FormulaError(f"{_src(node)}：日期要写成 'YYYY-MM-DD'，而不是 "
                               f"{operand.this!r}")


def _is_number(text: str) -> bool:
    try:
        return Decimal(text.strip()).is_finite() and "e" not in text.lower()
    except InvalidOperation:
        return False


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
        return True
    except ValueError:
        return False


def _branches(node: exp.Expression, fields: Mapping[str, str]) -> Kind:
    """CASE / IF: every condition is checked; the result is the join of the values."""
    if isinstance(node, exp.If):
        _kind(node.this, fields)
        values = [node.args.get("true"), node.args.get("false")]
    else:
        if node.this is not None:  # CASE x WHEN …: a simple CASE compares x with each WHEN value
            _kind(node.this, fields)
        for when in node.args.get("ifs") or []:
            _kind(when.this, fields)
        values = [w.args.get("true") for w in node.args.get("ifs") or []] + [node.args.get("default")]
    return _join(node, [_kind(v, fields) for v in values if v is not None])


def _join(node: exp.Expression, kinds: list[Kind], pick=None) -> Kind:
    """The kind of LEAST/GREATEST (`pick` = min/max: NULLs are skipped) or COALESCE, or of a CASE's values:
    numbers with numbers, the worst case."""
    real = [k for k in kinds if k.kind != "null"]
    if not real:
        return Kind("null")
    if all(k.numeric for k in real):
        decimal = any(k.kind == "decimal" for k in real)
        lo, hi = (pick(k.lo for k in real), pick(k.hi for k in real)) if pick else (
            min(k.lo for k in real), max(k.hi for k in real))
        return Kind("decimal" if decimal else "integer", lo, hi, max(k.scale for k in real),
                    max(k.width for k in real))
    if len({k.kind for k in real}) > 1:
        raise FormulaError(f"{_src(node)}：各个取值的类型不一致（"
                           + "、".join(sorted({_ZH.get(k.kind, k.kind) for k in real})) + "）")
    return real[0]


_ZH = {"integer": "整数", "decimal": "小数", "text": "文本", "date": "日期", "boolean": "真/假值", "null": "空值"}


def _check_role(k: Kind, role: str, source: str) -> None:
    if role == "condition" and k.kind not in ("boolean", "null"):
        raise FormulaError(f"条件 {source[:200]!r} 应为真/假表达式（比较、AND/OR …），而不是{_ZH.get(k.kind, k.kind)}")
    if role in ("amount", "number") and not k.numeric:
        raise FormulaError(f"{source[:200]!r} 应为数值，而不是{_ZH.get(k.kind, k.kind)}")
    if role == "value" and k.kind == "boolean":
        raise FormulaError(f"{source[:200]!r} 应为数值或文本，而不是真/假值")
    if role == "amount" and k.bound >= AMOUNT_MAX:
        raise FormulaError(f"金额 {source[:200]!r} 最坏可达 {k.bound:.3E} 元，超出 DECIMAL(38,10) 的范围（上限 1E+28）")


def referenced_names(text: str) -> set[str]:
    return {c.name for c in sqlglot.parse_one(str(text), read="duckdb").find_all(exp.Column)}


def equality_tested_names(text: str) -> set[str]:
    """Fields compared for equality with a number (`x = 1`, `x IN (1, 2)`): for event counts that is a trap."""
    tree = sqlglot.parse_one(str(text), read="duckdb")
    out: set[str] = set()
    for node in [*tree.find_all(exp.EQ), *tree.find_all(exp.In)]:
        values = [node.expression] if isinstance(node, exp.EQ) else node.expressions
        sides = [node.this, *values]
        if any(isinstance(v, exp.Literal) and v.is_number for v in sides):
            out |= {c.name for c in sides if isinstance(c, exp.Column)}
    return out


def sql_literal(value: object) -> str:
    """A Python value as a SQL literal, produced by sqlglot (quotes escaped)."""
    if value is None:
        return "NULL"
    return exp.convert(value).sql(dialect="duckdb")


def sql_identifier(name: str) -> str:
    """A name as a quoted SQL identifier, produced by sqlglot (double quotes escaped)."""
    return exp.to_identifier(name, quoted=True).sql(dialect="duckdb")
