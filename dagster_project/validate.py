"""Validation with Pandera (polars backend): every row is accepted or quarantined with its reasons.

The schemas are built from the data contract; every check is a vectorised polars expression (no per-row
Python), and validate() evaluates a schema's checks in one pass (fused_failure_cases), pandera's own validation
being the reference it is tested against. Cells are first rewritten to one spelling where the form is
unambiguous (cells.py); what is ambiguous is quarantined with a reason that says why. Rows in = rows accepted +
rows quarantined, asserted for every registry. Personal data of talents is pseudonymised here, before anything is
written to a table that can be published, and masked in every quarantine record.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandera.polars as pa
import polars as pl
from pandera.config import ValidationDepth, config_context, get_config_context

from . import cells, reference
from .cells import MAX_CELL_CHARS, MAX_DECIMALS, MAX_INTEGER_DIGITS, NUMBER
from .checkdigits import ric_is_valid, uscc_is_valid
from .contract import ID_TYPES, REGISTRIES, VALUE_ALIASES, Column, Registry

EARLIEST = date(1949, 10, 1)
MONEY = pl.Decimal(MAX_INTEGER_DIGITS + MAX_DECIMALS, MAX_DECIMALS)
SERIAL = r"^[0-9]{5}(\.[0-9]+)?$"  # a date cell holding Excel's day number
OTHER_DOCUMENT = r"^[A-Z0-9]{5,20}$"  # passports, 港澳台 permits and permanent-residence cards
SHARED_DOCUMENT = "同一证件号码出现在多个人才编号下：请合并为一条记录（共用该证件的人才编号见 value 列）"
FAILURE_SCHEMA = {"_idx": pl.UInt32, "field": pl.String, "reason": pl.String, "value": pl.String}


@dataclass(frozen=True)
class Context:
    """What validation checks against: reference codes, accepted parent keys, today's date, and the identity
    documents that appear under more than one talent_id anywhere in the registry (validation runs in parts)."""

    today: date
    regions: frozenset[str]
    parent_keys: pl.Series | None = None
    shared_documents: pl.DataFrame | None = None
    packed_parent_keys: pl.Series | None = None  # the parent keys as pack18 gives them, when every key has a pack

    @classmethod
    def build(cls, today: date, parent_keys: pl.Series | None = None,
              shared_documents: pl.DataFrame | None = None) -> Context:
        packed = pack18(parent_keys) if parent_keys is not None else None
        return cls(today, frozenset(reference.payer_regions()["region_code"]), parent_keys, shared_documents,
                   packed if packed is not None and not packed.null_count() else None)


def pack18(texts: pl.Series) -> pl.Series:
    """Each text of 18 ASCII characters (a USCC) as one Int128, 7 bits a character: equal texts, equal numbers, and
    the other way round. Null for any other text. 1.8 M USCCs looked up among 1 M as numbers: 0.7 s of CPU, packing
    included; as text (18 bytes, beyond what polars keeps inline), 1.1 s."""
    fits = (texts.str.len_bytes() == 18).fill_null(False)
    chars = texts.filter(fits).cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, 18)).to_numpy()
    chars = chars.reshape(-1, 18)
    high, low = np.zeros(len(chars), np.int64), np.zeros(len(chars), np.int64)
    for i in range(9):
        high |= chars[:, i].astype(np.int64) << (7 * i)
        low |= chars[:, 9 + i].astype(np.int64) << (7 * i)
    ascii_ = np.bitwise_or.reduce(chars, axis=1) < 128 if len(chars) else np.zeros(0, bool)
    packed = pl.DataFrame({"high": high, "low": low, "ascii": ascii_}).select(
        pl.when("ascii").then(pl.col("high").cast(pl.Int128) * pl.lit(2 ** 63, pl.Int128)
                              + pl.col("low").cast(pl.Int128))).to_series()
    out = pl.repeat(None, texts.len(), dtype=pl.Int128, eager=True)
    return out.scatter(fits.arg_true(), packed) if len(chars) else out


def _parent_key(ctx: Context) -> Callable[[str], pl.Expr]:
    """`pl.col(c).is_in(parent keys)`: through pack18 when every key has a pack (a text without one is no key)."""
    keys, packed = ctx.parent_keys, ctx.packed_parent_keys
    if packed is None:
        return lambda c: pl.col(c).is_in(keys.implode())
    table = packed.implode()

    def is_in(texts: pl.Series) -> pl.Series:
        found = pl.DataFrame({"text": texts, "found": pack18(texts).is_in(table)})
        return found.select(pl.when(pl.col("text").is_not_null()).then(pl.col("found").fill_null(False))).to_series()

    return lambda c: pl.col(c).map_batches(is_in, return_dtype=pl.Boolean)  # one call: the table hashed once


def _check(ok: Callable[[str], pl.Expr], error: str, alias: str | None = None) -> pa.Check:
    """A pandera check whose outcome is one polars expression, `ok(column)`. The expression builder stays on the
    check function (`check._check_fn.ok`) so that validate() can evaluate every check of a schema in one pass."""
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(ok(data.key).alias(alias or data.key))

    check.ok = ok
    return pa.Check(check, error=error)


def _expr_check(expr_fn, error: str, nullable: bool) -> pa.Check:
    """A column check; an Excel error value passes it (the error is the row's one reason for that cell)."""
    def ok(key: str) -> pl.Expr:
        c = pl.col(key)
        passed = expr_fn(key) | cells.is_excel_error(c)
        if nullable:
            passed = c.is_null() | passed
        return passed.fill_null(False)

    return _check(ok, error)


def _parse_date(col: str) -> pl.Expr:
    return cells.parse_date(pl.col(col))


def _date_checks(ctx: Context, n: bool) -> list[pa.Check]:
    """On normalised cells (accepted forms are `YYYY-MM-DD` by now): one reason per cell."""
    def other_form(c: str) -> pl.Expr:
        col = pl.col(c)
        return cells.has_time_of_day(col) | cells.has_extra_text(col) | col.str.contains(SERIAL)

    return [
        _expr_check(lambda c: _parse_date(c).is_not_null() | other_form(c), "不是有效日期（应为 YYYY-MM-DD）", n),
        _expr_check(lambda c: ~cells.has_extra_text(pl.col(c)),
                    "日期后有多余文字：日期单元格只能填日期，说明请写在其他列", n),
        _expr_check(lambda c: ~cells.has_time_of_day(pl.col(c)), "日期带有时刻（不是 0 点）：请只填日期", n),
        _expr_check(lambda c: ~pl.col(c).str.contains(SERIAL),
                    "是数字而不是日期（可能是 Excel 日期序列号）：请把该列设为日期格式后重新导出", n),
        _expr_check(lambda c: _parse_date(c).is_between(EARLIEST, ctx.today) | _parse_date(c).is_null(),
                    f"日期不在 {EARLIEST} 至 {ctx.today} 之间", n),
    ]


def _number_checks(n: bool) -> list[pa.Check]:
    """One reason per cell: not a number, or (for numbers) negative, too many decimals, too many digits."""
    def is_number(c: str) -> pl.Expr:
        return pl.col(c).str.contains(NUMBER)

    def integer_digits(c: str) -> pl.Expr:
        """Of a number (ASCII): the place of its point, less its sign (cells.integer_digits' regular expression
        costs twice as much); null for an empty cell."""
        point = pl.coalesce(pl.col(c).str.find(".", literal=True), pl.col(c).str.len_bytes())
        return point.cast(pl.Int64) - pl.col(c).str.starts_with("-").cast(pl.Int64)

    return [
        _expr_check(is_number, "不是数字", n),
        _expr_check(lambda c: ~is_number(c) | ~pl.col(c).str.starts_with("-"), "负数", n),
        _expr_check(lambda c: ~is_number(c) | ~pl.col(c).str.contains(rf"\.[0-9]{{{MAX_DECIMALS + 1},}}$"),
                    f"小数位超过 {MAX_DECIMALS} 位", n),
        _expr_check(lambda c: ~is_number(c) | (integer_digits(c) <= MAX_INTEGER_DIGITS),
                    f"数值超出范围：整数部分超过 {MAX_INTEGER_DIGITS} 位", n),
    ]


def _region_checks(n: bool) -> list[pa.Check]:
    payers = reference.payer_regions()["region_code"].to_list()
    known = reference.load("regions")["region_code"].to_list()
    return [
        _expr_check(lambda c: pl.col(c).is_in(known),
                    "区划代码不在 seeds/reference/regions.csv 中（应为旗县区或园区代码）", n),
        _expr_check(lambda c: pl.col(c).is_in(payers) | ~pl.col(c).is_in(known),
                    "区划代码是盟市级或更高一级：所在地应填旗县区或园区代码", n),
    ]


def _document_checks() -> list[pa.Check]:
    """The number's form depends on the document type (id_type, resident_id where not given)."""
    kind = pl.col("id_type")
    return [
        _expr_check(lambda c: (kind != "resident_id") | ric_is_valid(c),
                    "身份证号码无效（格式、出生日期或校验位错误）", False),
        _expr_check(lambda c: ~kind.is_in(ID_TYPES[1:]) | pl.col(c).str.contains(OTHER_DOCUMENT),
                    "证件号码格式无效（护照、港澳台及外国人永久居留证件应为 5–20 位字母或数字）", False),
    ]


def _code_checks(col: Column, registry: Registry, n: bool) -> list[pa.Check]:
    table = CODE_LISTS.get((registry.name, col.name))
    if table is None:
        return []
    allowed = reference.load(table)[col.name].to_list()
    unknown = f"代码不在 seeds/reference/{table}.csv 中（先在该表中添加）"
    if col.name != "industry_code":
        return [_expr_check(lambda c: pl.col(c).is_in(allowed), unknown, n)]
    two_digits = r"^[0-9]{2}$"
    return [
        _expr_check(lambda c: pl.col(c).str.contains(two_digits),
                    "行业代码应为 2 位数字（GB/T 4754 门类下的大类）；填了中类或小类代码的，取其前 2 位", n),
        _expr_check(lambda c: pl.col(c).is_in(allowed) | ~pl.col(c).str.contains(two_digits), unknown, n),
    ]


def _column_checks(col: Column, registry: Registry, ctx: Context) -> list[pa.Check]:
    n = col.nullable
    k = col.kind
    if k == "uscc":
        return [_expr_check(uscc_is_valid, "统一社会信用代码无效（格式或校验位错误）", n)]
    if k == "id_number":
        return _document_checks()
    if k == "region":
        return _region_checks(n)
    if k == "date":
        return _date_checks(ctx, n)
    if k == "year":
        return [_expr_check(lambda c: pl.col(c).str.contains(r"^[0-9]{4}$") & pl.col(c).cast(
            pl.Int32, strict=False).is_between(1990, ctx.today.year),
            f"年度应为 1990 至 {ctx.today.year} 之间的整数", n)]
    if k in ("decimal", "integer"):
        return _number_checks(n)
    if k == "category":
        return [_expr_check(lambda c: pl.col(c).is_in(col.choices), f"不是可选值之一（可选：{_choices(col)}）", n)]
    if k == "code":
        return _code_checks(col, registry, n)
    return []


def _choices(col: Column) -> str:
    """`full_time（全职）、flexible（柔性）`: the codes with the Chinese spellings accepted for them."""
    spellings = VALUE_ALIASES.get(col.name, {})
    return "、".join(code + (f"（{'、'.join(zh for zh, c in spellings.items() if c == code)}）"
                            if code in spellings.values() else "") for code in col.choices)


# Code columns checked against a reference table of the same column name (seeds/reference/<table>.csv).
CODE_LISTS = {("enterprises", "industry_code"): "industries", ("enterprise_metrics", "metric"): "metrics",
              ("projects", "project_type"): "project_types"}


def _frame_checks(registry: Registry, ctx: Context) -> list[pa.Check]:
    """Checks across columns and across registries."""
    checks: list[pa.Check] = []

    def frame_check(expr: pl.Expr, error: str) -> pa.Check:
        return _check(lambda _key: expr.fill_null(True), error, alias="ok")

    if registry.name == "enterprise_metrics":
        units = reference.load("metrics").select("metric", "unit")
        unit_of = dict(units.iter_rows())
        checks.append(frame_check(pl.col("unit") == pl.col("metric").replace_strict(unit_of, default=None),
                                  "单位与 metrics.csv 中该指标的单位不一致"))
    if registry.name == "projects":
        checks.append(frame_check(_parse_date("completion_date") >= _parse_date("start_date"),
                                  "竣工日期早于开工日期"))
        unit_of = dict(reference.load("project_types").select("project_type", "quantity_unit").iter_rows())
        checks.append(frame_check(pl.col("quantity").is_null() | (pl.col("quantity_unit") == pl.col(
            "project_type").replace_strict(unit_of, default=None)),
            "数量单位与 project_types.csv 中该项目类型的数量单位不一致"))
    if registry.name == "talents":
        checks.append(frame_check(_parse_date("departure_date") >= _parse_date("arrival_date"),
                                  "离职日期早于引进日期"))
    return checks


def schema_for(registry: Registry, ctx: Context) -> pa.DataFrameSchema:
    columns = {}
    for col in registry.columns:
        checks = _column_checks(col, registry, ctx)
        if col.kind == "uscc" and registry.parent and ctx.parent_keys is not None:
            checks.append(_expr_check(_parent_key(ctx),
                                      f"{REGISTRIES[registry.parent].zh}中没有该统一社会信用代码的已接受记录",
                                      col.nullable))
        unique = len(registry.key) == 1 and registry.key[0] == col.name
        columns[col.name] = pa.Column(str, nullable=col.nullable, checks=checks, unique=unique)
    composite = list(registry.key) if len(registry.key) > 1 else None
    return pa.DataFrameSchema(columns, checks=_frame_checks(registry, ctx), unique=composite, strict=False,
                              name=registry.name)


FRIENDLY = {
    "not_nullable": "缺少必填值",
    "field_uniqueness": "主键重复",
    "multiple_fields_uniqueness": "主键重复",
}


def normalise_values(frame: pl.DataFrame, registry: Registry, *, settled_first: bool = True) -> pl.DataFrame:
    """One spelling per value where the form is unambiguous: Chinese spellings of categories -> codes, upper-case
    check characters, numbers, region and division codes, years (cells.py); an absent document type is a
    resident ID. Excel error values come through unchanged (no rewrite matches them).

    The rewrites of numbers, dates, years, region and division codes cost a second per million cells, and most
    cells are already in their one spelling (SETTLED): those are left as they are (a number loses its trailing
    decimal zeros), and only the rows with some other cell go through the rewrites. `settled_first=False`: every
    row through the rewrites (the reference the shortcut is tested against)."""
    settled = {col.name: SETTLED[_form(col)] for col in registry.columns if _form(col) in SETTLED}
    if not settled_first or not settled:
        return _normalised(frame, registry)
    out = _normalised(frame, registry, skip=set(settled))
    out = out.with_columns(rewrite(pl.col(c)).alias(c) for c, (_, rewrite) in settled.items())
    ok = pl.all_horizontal(pl.col(c).is_null() | pl.col(c).str.contains(form) for c, (form, _) in settled.items())
    rest = frame.select(ok.not_().arg_true()).to_series()
    if rest.len():
        fixed = _normalised(frame[rest], registry)
        out = out.with_columns(out[c].scatter(rest, fixed[c]) for c in settled)
    return out


def _form(col: Column) -> str:
    if col.name == "industry_code":
        return "division"
    return "number" if col.kind in ("decimal", "integer") else col.kind


# Per kind of cell: the form a cell already in its one spelling has, and what normalise_values makes of it.
SETTLED = {
    "number": (r"^(0|[1-9][0-9]*)(\.[0-9]+)?$", lambda c: pl.when(c.str.contains(".", literal=True)).then(
        c.str.strip_chars_end("0").str.strip_chars_end(".")).otherwise(c)),  # 7.50 -> 7.5, 7.00 -> 7
    "date": (cells.ISO_DATE, lambda c: c),
    "year": (r"^[0-9]{4}$", lambda c: c),
    "region": (r"^[0-9A-Z]{6}$", lambda c: c),
    "division": (r"^[0-9]{2}$", lambda c: c),
}


def _normalised(frame: pl.DataFrame, registry: Registry, skip: set[str] = frozenset()) -> pl.DataFrame:
    """Every rewrite of normalise_values on every row, but for the columns in `skip`."""
    exprs = []
    for col in registry.columns:
        c = pl.col(col.name)
        if col.name in skip:
            continue
        if col.name in VALUE_ALIASES:
            c = c.replace(VALUE_ALIASES[col.name])
        if col.name == "id_type":
            c = c.fill_null(ID_TYPES[0])
        elif col.kind in ("uscc", "id_number"):
            c = c.str.to_uppercase()
        elif col.kind == "region":
            c = cells.normalise_region(c)
        elif col.kind == "year":
            c = cells.normalise_year(c)
        elif col.name == "industry_code":
            c = cells.normalise_division(c)
        elif col.name not in VALUE_ALIASES:
            continue
        exprs.append(c.alias(col.name))
    numbers = [col.name for col in registry.columns if col.kind in ("decimal", "integer") and col.name not in skip]
    dates = [col.name for col in registry.columns if col.kind == "date" and col.name not in skip]
    return cells.normalise_dates(cells.normalise_numbers(frame.with_columns(exprs) if exprs else frame, numbers),
                                 dates)


def prepare(frame: pl.DataFrame, registry: Registry, *,
            settled_first: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the rows as they arrived, the rows normalised), both numbered in `_idx`: what the schema validates."""
    missing = [c.name for c in registry.columns if c.name not in frame.columns and not c.required]
    frame = frame.with_columns([pl.lit(None, pl.String).alias(c) for c in missing])  # as ingest does for files
    if "_sheet" not in frame.columns:  # the sheet of an XLSX record; empty for other files
        frame = frame.with_columns(pl.lit(None, pl.String).alias("_sheet"))
    original = frame.with_row_index("_idx")
    return original, normalise_values(original, registry, settled_first=settled_first)


def validate(frame: pl.DataFrame, registry: Registry, ctx: Context, *,
             reference: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a text frame into (accepted rows, normalised; quarantine rows: one per failed check, with the cell
    and the record as they arrived, personal data masked). The pandera schema (schema_for) decides; its checks are
    evaluated in one pass (fused_failure_cases), or by pandera itself whenever the schema or the frame is not
    what the fused pass covers: both give the same failure cases. `reference`: pandera itself, every row through
    every rewrite of normalise_values (the plain path the fast one is tested against)."""
    original, frame = prepare(frame, registry, settled_first=not reference)
    schema = schema_for(registry, ctx)
    cases = None if reference else fused_failure_cases(frame, schema)
    if cases is None:
        cases = pandera_failure_cases(frame, schema)
    failures = _failures(cases, registry, frame.height) if cases.height else pl.DataFrame(schema=FAILURE_SCHEMA)
    failures = pl.concat([failures, _cell_failures(frame, registry)])
    bad = failures["_idx"].unique()
    rejected = original.filter(pl.col("_idx").is_in(bad.implode()))  # a few per cent
    failures = pl.concat([_original_values(failures, rejected, registry),
                          _shared_document_failures(frame, registry, ctx)])
    bad = failures["_idx"].unique()
    accepted = frame.filter(~pl.col("_idx").is_in(bad.implode()))
    rejected = original.filter(pl.col("_idx").is_in(bad.implode()))
    types = frame.filter(pl.col("_idx").is_in(bad.implode()))["id_type"] if registry.name == "talents" else None
    quarantine = failures.join(rejected.select("_idx", "_file", "_sheet", "_row"), on="_idx", how="left").join(
        rejected.select("_idx", masked_record(registry, types).alias("raw_record")), on="_idx", how="left")
    assert accepted.height + bad.len() == frame.height, "rows in != accepted + quarantined"
    return accepted.drop("_idx"), quarantine.select("_file", "_sheet", "_row", "field", "reason", "value",
                                                         "raw_record")


CASES_SCHEMA = {"failure_case": pl.String, "schema_context": pl.String, "column": pl.String, "check": pl.String,
                "check_number": pl.Int32, "index": pl.Int32}


def pandera_failure_cases(frame: pl.DataFrame, schema: pa.DataFrameSchema) -> pl.DataFrame:
    """Pandera's own lazy validation: its failure cases (none when the frame passes), each check a collect of its
    own and its failing rows gathered (a check across columns turns each into a Python dict): the reference for
    fused_failure_cases."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        return err.failure_cases
    return pl.DataFrame(schema=CASES_SCHEMA)


@dataclass(frozen=True)
class _Planned:
    """One check of the schema as pandera runs it: what its failure cases are labelled with, and its outcome."""

    context: str  # DataFrameSchema or Column (pandera's schema_context)
    column: str  # the column, or the schema's name for a check across columns
    check: str  # pandera's check identifier: the check's error text, or not_nullable, field_uniqueness …
    number: int | None  # the check's place in its list (pandera's check_number; none for the built-in checks)
    ok: pl.Expr  # true where the row passes


def _simple(schema: pa.DataFrameSchema) -> bool:
    """The schema uses nothing fused_failure_cases does not reproduce (coercion, defaults, parsers, strict or
    ordered columns, dropped rows, regex columns, a frame-wide dtype)."""
    frame_ok = not (schema.coerce or schema.strict or schema.ordered or schema.add_missing_columns
                    or schema.drop_invalid_rows or schema.dtype is not None or getattr(schema, "parsers", None))
    return frame_ok and all(
        not (c.coerce or c.regex or c.drop_invalid_rows or c.default is not None or getattr(c, "parsers", None))
        and str(c.dtype) == "String" for c in schema.columns.values())


def _outcome(check: pa.Check, key: str) -> pl.Expr | None:
    """The check's outcome per row as pandera computes it (a null outcome passes when the check ignores nulls);
    None for a check not built by _check, or one pandera would treat otherwise (element-wise, a warning only,
    failure cases cut short, keyword arguments)."""
    ok = getattr(check._check_fn, "ok", None)
    if ok is None or check.element_wise or check.raise_warning or check.n_failure_cases is not None \
            or check.groupby is not None or check._check_kwargs:
        return None
    return ok(key).fill_null(check.ignore_na)  # pandera: `out | out.is_null()`, or a null fails


def _plan(schema: pa.DataFrameSchema, columns: list[str]) -> list[_Planned] | None:
    """Every data check pandera runs on a frame with these columns, in pandera's order (keys unique across
    columns; per column: not null, unique, its checks; then the checks across columns); None if some check is
    not one fused_failure_cases can evaluate."""
    if not _simple(schema):
        return None
    plan = []
    if schema.unique:
        key = [c for c in schema.unique if c in columns]
        plan.append(_Planned("DataFrameSchema", schema.name, "multiple_fields_uniqueness", None,
                             ~_duplicated(pl.struct(key))))
    for name, col in schema.columns.items():
        if name not in columns:
            continue  # an optional column the frame lacks: pandera skips it (a required one fails the schema check)
        c = pl.col(name)
        if not col.nullable:
            plan.append(_Planned("Column", name, "not_nullable", None, c.is_not_null()))
        if col.unique:
            plan.append(_Planned("Column", name, "field_uniqueness", None, ~_duplicated(c)))
        plan += [_Planned("Column", name, check.error, i, _outcome(check, name)) for i, check in
                 enumerate(col.checks)]
    plan += [_Planned("DataFrameSchema", schema.name, check.error, i, _outcome(check, "*")) for i, check in
             enumerate(schema.checks)]
    return None if any(p.ok is None or p.check is None for p in plan) else plan


def _duplicated(expr: pl.Expr) -> pl.Expr:
    """`expr.is_duplicated()` (nulls equal, as pandera's uniqueness checks count them), comparing 64-bit hashes
    first: only the rows whose hash repeats (the duplicates, and the odd collision) are compared in full."""
    def duplicated(values: pl.Series) -> pl.Series:
        hashes = values.struct.unnest().hash_rows() if values.dtype == pl.Struct else values.hash()
        maybe = hashes.is_duplicated()
        rows = maybe.arg_true()
        out = np.zeros(values.len(), dtype=bool)
        out[rows.to_numpy()] = values.gather(rows).is_duplicated().to_numpy()
        return pl.Series(values.name, out)

    return expr.map_batches(duplicated, return_dtype=pl.Boolean)


def fused_failure_cases(frame: pl.DataFrame, schema: pa.DataFrameSchema) -> pl.DataFrame | None:
    """Pandera's failure cases for `frame` (as pandera_failure_cases gives them, in the same order) with every data
    check evaluated in one lazy pass and the failing rows gathered once; the uniqueness checks compare hashes
    first (_duplicated). Pandera itself still checks the columns and their types (no data is read). None when
    pandera must do it all: the schema check fails, pandera is configured otherwise, or a check is not one this
    pass can evaluate or raises. A check across columns reports no failure case value (pandera's is the row as
    JSON, which _failures does not use)."""
    config = get_config_context()
    if not config.validation_enabled or config.validation_depth != ValidationDepth.SCHEMA_AND_DATA:
        return None
    plan = _plan(schema, frame.columns)
    if plan is None:
        return None
    try:
        with config_context(validation_depth=ValidationDepth.SCHEMA_ONLY):
            schema.validate(frame.head(0), lazy=True)
    except pa.errors.SchemaErrors:
        return None
    names = [f"\x00check{i}" for i in range(len(plan))]
    try:
        outcomes = frame.lazy().select(*[p.ok.alias(n) for p, n in zip(plan, names, strict=True)]).collect()
    except Exception:  # noqa: BLE001 - pandera reports a check that raises as a failure of every row: let it
        return None
    failing = outcomes.with_row_index("index").filter(~pl.all_horizontal(names))  # the few rows with a failure
    cases = []
    for p, n in zip(plan, names, strict=True):
        index = failing.filter(~pl.col(n))["index"]
        if index.len():
            value = frame[p.column].gather(index) if p.context == "Column" else pl.repeat(
                None, index.len(), dtype=pl.String, eager=True)
            cases.append(pl.DataFrame({"failure_case": value, "index": index}).select(
                "failure_case", pl.lit(p.context).alias("schema_context"), pl.lit(p.column).alias("column"),
                pl.lit(p.check).alias("check"), pl.lit(p.number, pl.Int32).alias("check_number"),
                pl.col("index").cast(pl.Int32)))
    return pl.concat([pl.DataFrame(schema=CASES_SCHEMA), *cases])


def _failures(cases: pl.DataFrame, registry: Registry, n_rows: int) -> pl.DataFrame:
    """Pandera failure cases -> one row per (row, field, reason). A check pandera could not pin to a row
    (index null, e.g. a column of the wrong type) fails every row: nothing is silently kept."""
    key = "+".join(registry.key)
    cases = cases.with_columns(
        pl.when(pl.col("check") == "multiple_fields_uniqueness").then(pl.lit(key))
        .when(pl.col("schema_context") == "DataFrameSchema").then(pl.lit("(row)"))
        .otherwise(pl.col("column")).fill_null("(row)").alias("field"),
        pl.col("check").replace(FRIENDLY).alias("reason"),
        # A check across columns reports the whole row as its failure case: the masked row is in raw_record.
        pl.when(pl.col("schema_context") == "DataFrameSchema").then(pl.lit(None, pl.String))
        .otherwise(pl.col("failure_case").cast(pl.String)).alias("value"),
    )
    pinned = cases.filter(pl.col("index").is_not_null()).select(
        pl.col("index").cast(pl.UInt32).alias("_idx"), "field", "reason", "value")
    unpinned = cases.filter(pl.col("index").is_null())
    if unpinned.height:
        everyone = pl.DataFrame({"_idx": pl.arange(0, n_rows, eager=True).cast(pl.UInt32)})
        pinned = pl.concat([pinned, everyone.join(unpinned.select("field", "reason", "value"), how="cross")])
    return pinned.unique(maintain_order=True)


def _free_columns(registry: Registry) -> list[Column]:
    """Non-personal columns whose values no check confines (names, identifiers without a code list)."""
    return [c for c in registry.columns if not c.personal and (c.kind == "text" or (
        c.kind == "code" and (registry.name, c.name) not in CODE_LISTS))]


def _cell_failures(frame: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    """Checks on every cell, nullable columns too: Excel error values, a formula saved without its value,
    over-long cells, and a resident ID number in a column that is not personal."""
    flags = []
    for col in registry.columns:
        c = pl.col(col.name)
        flags += [
            pl.when(c == cells.NO_CACHED_VALUE).then(pl.lit("公式没有计算结果：请在 Excel 中重新计算并保存后再导出"))
            .when(cells.is_excel_error(c)).then(pl.format("Excel 错误值 {}：请在源表中更正后重新导出", c))
            .alias(f"{col.name}\x00excel"),
            pl.when(c.str.len_chars() > MAX_CELL_CHARS).then(pl.lit(f"单元格超过 {MAX_CELL_CHARS} 个字符"))
            .alias(f"{col.name}\x00length"),
        ]
    flagged = frame.select("_idx", *flags).filter(pl.any_horizontal(pl.exclude("_idx").is_not_null()))
    long = flagged.unpivot(index="_idx", variable_name="_check", value_name="_reason")  # only the few flagged rows
    found = long.filter(pl.col("_reason").is_not_null()).select(
        "_idx", pl.col("_check").str.split("\x00").list.first().alias("field"), pl.col("_reason").alias("reason"),
        pl.lit(None, pl.String).alias("value"))
    return pl.concat([found, _resident_id_failures(frame, registry), _passport_failures(frame, registry)])


def _passport_failures(frame: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    """A passport whose number is a valid resident ID number: the person is a resident registered under the
    wrong type (and would escape the one-person check). Check digits computed for those few rows only."""
    if registry.name != "talents":
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    suspects = frame.filter((pl.col("id_type") == "passport") & pl.col("id_number").str.contains(r"^[0-9]{17}"))
    return suspects.filter(ric_is_valid("id_number")).select(
        "_idx", pl.lit("id_number").alias("field"),
        pl.lit("证件类型为护照，但号码是居民身份证号码：请把证件类型改为居民身份证").alias("reason"),
        pl.lit(None, pl.String).alias("value"))


def _resident_id_failures(frame: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    """A valid resident ID number in a free (non-personal) column; the check digits are computed only for the
    few cells that hold 18 digits at all."""
    free = _free_columns(registry)
    if not free:
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    digits = frame.filter(pl.any_horizontal(pl.col(c.name).str.contains(r"[0-9]{17}[0-9Xx]") for c in free))
    parts = [digits.filter(cells.holds_resident_id(pl.col(c.name))).select(
        "_idx", pl.lit(c.name).alias("field"), pl.lit(f"{c.aliases[0] if c.aliases else c.name}不得使用身份证号码"
                                                      "（个人信息不得公开）：请改用其他编号或删除该号码").alias("reason"),
        pl.lit(None, pl.String).alias("value")) for c in free]
    return pl.concat(parts)


def _original_values(failures: pl.DataFrame, rejected: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    """The value of a failed cell as it arrived (not normalised), ID numbers masked, personal cells left out."""
    cols = [c.name for c in registry.columns if not c.personal]
    cells_in = rejected.select("_idx", *cols).unpivot(index="_idx", variable_name="_field", value_name="_arrived")
    out = failures.join(cells_in, left_on=["_idx", "field"], right_on=["_idx", "_field"], how="left",
                        maintain_order="left")
    value = pl.when(pl.col("field").is_in(cols)).then(pl.col("_arrived")).otherwise(pl.col("value"))
    value = cells.mask_resident_ids(value)
    value = pl.when(value.str.len_chars() > MAX_CELL_CHARS).then(value.str.slice(0, MAX_CELL_CHARS) + "…") \
        .otherwise(value)
    personal = [c.name for c in registry.columns if c.personal]
    return out.select("_idx", "field", "reason", pl.when(pl.col("field").is_in(personal)).then(None)
                      .otherwise(value).cast(pl.String).alias("value"))


def _documents(frame: pl.DataFrame) -> pl.DataFrame:
    """(talent_id, id_type, id_number) with the document normalised as validation normalises it."""
    return frame.select(
        "talent_id",
        pl.col("id_type").cast(pl.String).replace(VALUE_ALIASES["id_type"]).fill_null(ID_TYPES[0]).alias("id_type"),
        pl.col("id_number").cast(pl.String).str.to_uppercase().alias("id_number"))


def shared_documents(people: pl.DataFrame) -> pl.DataFrame:
    """Documents (id_type, id_number) that appear under more than one talent_id, with those talent_ids
    (`RC1、RC2`, at most 10 listed): the same person registered several times would be paid several times."""
    ids = pl.col("talent_ids")
    return (_documents(people).drop_nulls().unique()
            .group_by("id_type", "id_number").agg(pl.col("talent_id").sort().alias("talent_ids"))
            .filter(ids.list.len() > 1)
            .select("id_type", "id_number", (ids.list.head(10).list.join("、") + pl.when(ids.list.len() > 10)
                    .then(pl.format(" 等 {} 个", ids.list.len())).otherwise(pl.lit(""))).alias("talent_ids")))


def _shared_document_failures(frame: pl.DataFrame, registry: Registry, ctx: Context) -> pl.DataFrame:
    if registry.name != "talents":
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    shared = ctx.shared_documents if ctx.shared_documents is not None else shared_documents(frame)
    return frame.select("_idx", "id_type", "id_number").join(shared, on=["id_type", "id_number"]).select(
        "_idx", pl.lit("talent_id").alias("field"), pl.lit(SHARED_DOCUMENT).alias("reason"),
        pl.col("talent_ids").alias("value"))


def masked_record(registry: Registry, id_types: pl.Series | None = None) -> pl.Expr:
    """The row as JSON (canonical column names, cells as given) with personal columns masked and any resident ID
    number elsewhere masked too. `id_types`: the rows' normalised document types (else read from the row)."""
    kind = pl.lit(id_types) if id_types is not None else pl.col("id_type") if registry.name == "talents" else None
    fields = []
    for c in registry.columns:
        if c.personal and c.kind == "id_number":
            fields.append(mask_document(pl.col(c.name), kind).alias(c.name))
        elif c.personal:
            fields.append(mask(pl.col(c.name), c.kind).alias(c.name))
        else:
            fields.append(cells.mask_resident_ids(pl.col(c.name)).alias(c.name))
    return pl.struct(fields).struct.json_encode()


def mask(expr: pl.Expr, kind: str) -> pl.Expr:
    """Display value for personal data: 张** / 1506************** (the birth place's city, nothing more:
    with birth year, last digits and the pseudonym published, a longer display would let the ID be rebuilt)."""
    if kind == "id_number":
        return expr.str.slice(0, 4) + pl.lit("*" * 14)
    return expr.str.slice(0, 1) + pl.lit("**")


def mask_document(number: pl.Expr, id_type: pl.Expr | None) -> pl.Expr:
    """A resident ID (or a number of unknown type) as mask() shows it; any other document as its first character
    and 8 asterisks, whatever its length (`E********`)."""
    if id_type is None:
        return mask(number, "id_number")
    resident = id_type.replace(VALUE_ALIASES["id_type"]).fill_null(ID_TYPES[0]) == ID_TYPES[0]
    return pl.when(resident | number.is_null()).then(mask(number, "id_number")) \
        .otherwise(number.str.slice(0, 1) + pl.lit("*" * 8))


def pseudonym(id_type: str, number: str, salt: str) -> str:
    """person_key: HMAC-SHA256 keyed with the salt over the whole document (type and number), 16 hex characters.
    A keyed hash: without the key, guessing ID numbers and hashing them tells nothing."""
    return pseudonyms([id_type], [number], salt)[0]


def pseudonyms(id_types: list[str], numbers: list[str], salt: str) -> list[str]:
    """pseudonym() for many documents (the keyed state is set up once and copied: twice as fast per row)."""
    keyed = hmac.new(salt.encode(), digestmod=hashlib.sha256)

    def one(doc: str) -> str:
        h = keyed.copy()
        h.update(doc.encode())
        return h.hexdigest()[:16]

    return [one(f"{t}:{n}") for t, n in zip(id_types, numbers, strict=True)]


def typed(accepted: pl.DataFrame, registry: Registry, salt: str) -> pl.DataFrame:
    """Cast accepted (validated, normalised) text rows to their types with the parsers validation used, so no
    cast can fail; talents get a pseudonymous key instead of name and document number."""
    exprs = []
    for col in registry.columns:
        c = pl.col(col.name)
        if col.kind == "date":
            exprs.append(_parse_date(col.name).alias(col.name))
        elif col.kind == "year":
            exprs.append(c.cast(pl.Int32, strict=False))
        elif col.kind in ("decimal", "integer"):
            exprs.append(c.cast(MONEY))
        elif col.personal:
            continue
        else:
            exprs.append(c)
    out = accepted.select(*exprs, "_file", "_sheet", "_row")
    if registry.name == "talents":
        # One HMAC per person: talents are a few per cent of enterprises, so this stays around a second.
        keys = pseudonyms(accepted["id_type"].to_list(), accepted["id_number"].to_list(), salt)
        resident = pl.col("id_type") == ID_TYPES[0]
        out = out.with_columns(
            person_key=pl.Series(keys, dtype=pl.String),
            name_masked=accepted.select(mask(pl.col("name"), "text")).to_series(),
            id_masked=accepted.select(mask_document(pl.col("id_number"), pl.col("id_type"))).to_series(),
            # the year only (see mask()); other documents carry no birth date
            birth_year=accepted.select(pl.when(resident).then(pl.col("id_number").str.slice(6, 4).cast(
                pl.Int32, strict=False))).to_series(),
        )
    return out
