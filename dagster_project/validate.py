"""Validation with Pandera (polars backend): every row is accepted or quarantined with its reasons.

The schemas are built from the data contract; every check is a vectorised polars expression (no per-row
Python). Rows in = rows accepted + rows quarantined, asserted for every registry. Personal data of
talents is pseudonymised here, before anything is written to a table that can be published.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import pandera.polars as pa
import polars as pl

from . import reference
from .checkdigits import ric_is_valid, uscc_is_valid
from .contract import REGISTRIES, VALUE_ALIASES, Column, Registry

NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
MAX_DECIMALS = 4
EARLIEST = date(1949, 10, 1)
MONEY = pl.Decimal(20, MAX_DECIMALS)


@dataclass(frozen=True)
class Context:
    """What validation checks against: reference codes, accepted parent keys, today's date."""

    today: date
    regions: frozenset[str]
    parent_keys: pl.Series | None = None

    @classmethod
    def build(cls, today: date, parent_keys: pl.Series | None = None) -> Context:
        return cls(today, frozenset(reference.payer_regions()["region_code"]), parent_keys)


def _expr_check(expr_fn, error: str, nullable: bool) -> pa.Check:
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        ok = expr_fn(data.key)
        if nullable:
            ok = pl.col(data.key).is_null() | ok
        return data.lazyframe.select(ok.fill_null(False).alias(data.key))

    return pa.Check(check, error=error)


def _parse_date(col: str) -> pl.Expr:
    return pl.col(col).str.slice(0, 10).str.replace_all("/", "-").str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def _column_checks(col: Column, registry: Registry, ctx: Context) -> list[pa.Check]:
    n = col.nullable
    k = col.kind
    if k == "uscc":
        return [_expr_check(uscc_is_valid, "统一社会信用代码无效（格式或校验位错误）", n)]
    if k == "id_number":
        return [_expr_check(ric_is_valid, "身份证号码无效（格式、出生日期或校验位错误）", n)]
    if k == "region":
        codes = sorted(ctx.regions)
        return [_expr_check(lambda c: pl.col(c).is_in(codes),
                            "区划代码不在 seeds/reference/regions.csv 中（应为旗县区或园区代码）", n)]
    if k == "date":
        return [
            _expr_check(lambda c: _parse_date(c).is_not_null(), "不是有效日期（应为 YYYY-MM-DD）", n),
            _expr_check(lambda c: _parse_date(c).is_between(EARLIEST, ctx.today) | _parse_date(c).is_null(),
                        f"日期不在 {EARLIEST} 至 {ctx.today} 之间", n),
        ]
    if k == "year":
        return [_expr_check(lambda c: pl.col(c).cast(pl.Int32, strict=False).is_between(1990, ctx.today.year),
                            f"年度应为 1990 至 {ctx.today.year} 之间的整数", n)]
    if k in ("decimal", "integer"):
        return [
            _expr_check(lambda c: pl.col(c).str.contains(NUMBER), "不是数字", n),
            _expr_check(lambda c: ~pl.col(c).str.starts_with("-"), "负数", n),
            _expr_check(lambda c: ~pl.col(c).str.contains(rf"\.[0-9]{{{MAX_DECIMALS + 1},}}$"),
                        f"小数位超过 {MAX_DECIMALS} 位", n),
        ]
    if k == "category":
        return [_expr_check(lambda c: pl.col(c).is_in(col.choices),
                            f"不是可选值之一（可选：{'、'.join(col.choices)}）", n)]
    if k == "code":
        table = CODE_LISTS.get((registry.name, col.name))
        if table is not None:
            allowed = reference.load(table)[col.name].to_list()
            return [_expr_check(lambda c: pl.col(c).is_in(allowed),
                                f"代码不在 seeds/reference/{table}.csv 中（先在该表中添加）", n)]
    return []


# Code columns checked against a reference table of the same column name (seeds/reference/<table>.csv).
CODE_LISTS = {("enterprises", "industry_code"): "industries", ("enterprise_metrics", "metric"): "metrics",
              ("projects", "project_type"): "project_types"}


def _frame_checks(registry: Registry, ctx: Context) -> list[pa.Check]:
    """Checks across columns and across registries."""
    checks: list[pa.Check] = []

    def frame_check(expr: pl.Expr, error: str) -> pa.Check:
        return pa.Check(lambda d: d.lazyframe.select(expr.fill_null(True).alias("ok")), error=error)

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
            keys = ctx.parent_keys
            checks.append(_expr_check(lambda c, keys=keys: pl.col(c).is_in(keys.implode()),
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


def normalise_values(frame: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    """Chinese spellings of categorical values -> canonical codes; upper-case check characters."""
    exprs = []
    for col in registry.columns:
        if col.name in VALUE_ALIASES:
            exprs.append(pl.col(col.name).replace(VALUE_ALIASES[col.name]))
        elif col.kind in ("uscc", "id_number"):
            exprs.append(pl.col(col.name).str.to_uppercase())
    return frame.with_columns(exprs) if exprs else frame


def validate(frame: pl.DataFrame, registry: Registry, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a text frame into (accepted text rows, quarantine rows: one per failed check)."""
    missing = [c.name for c in registry.columns if c.name not in frame.columns and not c.required]
    frame = frame.with_columns([pl.lit(None, pl.String).alias(c) for c in missing])  # as ingest does for files
    frame = normalise_values(frame, registry).with_row_index("_idx")
    try:
        schema_for(registry, ctx).validate(frame, lazy=True)
        failures = pl.DataFrame(schema={"_idx": pl.UInt32, "field": pl.String, "reason": pl.String,
                                        "value": pl.String})
    except pa.errors.SchemaErrors as err:
        failures = _failures(err.failure_cases, registry, frame.height)
    bad = failures["_idx"].unique()
    accepted = frame.filter(~pl.col("_idx").is_in(bad.implode()))
    rejected = frame.filter(pl.col("_idx").is_in(bad.implode()))  # raw records only for these: a few per cent
    quarantine = failures.join(rejected.select("_idx", "_file", "_row"), on="_idx", how="left").join(
        _raw_records(rejected, registry), on="_idx", how="left")
    assert accepted.height + bad.len() == frame.height, "rows in != accepted + quarantined"
    return accepted.drop("_idx"), quarantine.select("_file", "_row", "field", "reason", "value", "raw_record")


def _failures(cases: pl.DataFrame, registry: Registry, n_rows: int) -> pl.DataFrame:
    """Pandera failure cases -> one row per (row, field, reason). A check pandera could not pin to a row
    (index null, e.g. a column of the wrong type) fails every row: nothing is silently kept."""
    personal = [c.name for c in registry.columns if c.personal]
    key = "+".join(registry.key)
    cases = cases.with_columns(
        pl.when(pl.col("check") == "multiple_fields_uniqueness").then(pl.lit(key))
        .when(pl.col("schema_context") == "DataFrameSchema").then(pl.lit("(row)"))
        .otherwise(pl.col("column")).fill_null("(row)").alias("field"),
        pl.col("check").replace(FRIENDLY).alias("reason"),
        # A check across columns reports the whole row as its failure case: the masked row is in raw_record.
        pl.when(pl.col("column").is_in(personal) | (pl.col("schema_context") == "DataFrameSchema"))
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("failure_case").cast(pl.String)).alias("value"),
    )
    pinned = cases.filter(pl.col("index").is_not_null()).select(
        pl.col("index").cast(pl.UInt32).alias("_idx"), "field", "reason", "value")
    unpinned = cases.filter(pl.col("index").is_null())
    if unpinned.height:
        everyone = pl.DataFrame({"_idx": pl.arange(0, n_rows, eager=True).cast(pl.UInt32)})
        pinned = pl.concat([pinned, everyone.join(unpinned.select("field", "reason", "value"), how="cross")])
    return pinned.unique(maintain_order=True)


def _raw_records(frame: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    masked = frame.with_columns([mask(pl.col(c.name), c.kind).alias(c.name) for c in registry.columns if c.personal])
    cols = [c.name for c in registry.columns]
    return masked.select("_idx", pl.struct(cols).struct.json_encode().alias("raw_record"))


def mask(expr: pl.Expr, kind: str) -> pl.Expr:
    """Display value for personal data: 张** / 1506************** (the birth place's city, nothing more:
    with birth year, last digits and the pseudonym published, a longer display would let the ID be rebuilt)."""
    if kind == "id_number":
        return expr.str.slice(0, 4) + pl.lit("*" * 14)
    return expr.str.slice(0, 1) + pl.lit("**")


def pseudonym(id_number: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{id_number}".encode()).hexdigest()[:16]


def typed(accepted: pl.DataFrame, registry: Registry, salt: str) -> pl.DataFrame:
    """Cast accepted text rows to their types; talents get a pseudonymous key instead of name and ID."""
    exprs = []
    for col in registry.columns:
        c = pl.col(col.name)
        if col.kind == "date":
            exprs.append(_parse_date(col.name).alias(col.name))
        elif col.kind == "year":
            exprs.append(c.cast(pl.Int32))
        elif col.kind in ("decimal", "integer"):
            exprs.append(c.cast(MONEY))
        elif col.personal:
            continue
        else:
            exprs.append(c)
    out = accepted.select(*exprs, "_file", "_row")
    if registry.name == "talents":
        # SHA-256 per person: talents are a few per cent of enterprises, so this stays well under a second.
        digest = accepted["id_number"].map_elements(lambda v: pseudonym(v, salt), return_dtype=pl.String)
        out = out.with_columns(
            person_key=digest,
            name_masked=accepted.select(mask(pl.col("name"), "text")).to_series(),
            id_masked=accepted.select(mask(pl.col("id_number"), "id_number")).to_series(),
            birth_year=accepted["id_number"].str.slice(6, 4).cast(pl.Int32),  # the year only: see mask()
        )
    return out

