"""Issue 21: validation evaluates the pandera schema's checks in one lazy pass (validate.fused_failure_cases) and
sends only the cells not already in their one spelling through the rewrites of normalise_values. Pandera stays the
schema of record: on frames where every check of every registry fails at least once, the fused pass gives
pandera's failure cases, and validate() the same accepted rows and the same quarantine as pandera's own
validation after every rewrite on every row (reference=True). The faster parent-key lookup, USCC check digits and
reading of a validation part are compared with the plain ones."""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl
import pytest
from stdnum.cn import ric, uscc

from dagster_project import stages, validate
from dagster_project.checkdigits import uscc_is_valid
from dagster_project.contract import LOAD_ORDER, REGISTRIES, Registry
from dagster_project.warehouse import query

TODAY = date(2026, 11, 27)


def firm(i: int) -> str:
    body = f"91150622MA{i:07d}"
    return body + uscc.calc_check_digit(body)


def person(i: int) -> str:
    body = f"110105198001{1 + i // 1000:02d}{i % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the 18th character


PARENTS = pl.Series([firm(i) for i in range(3000)])
UNKNOWN_FIRM = firm(5000)  # a valid code with no accepted enterprise
LONG = "长" * 501

# Every hostile value goes into every column of every registry, one row each: most fail some check of the column,
# a few fail a check across columns, and several are accepted after normalisation.
HOSTILE = [
    None, "", " ", "#N/A", "#DIV/0!", "abc", LONG,
    "-1", "-0", "0", "1.23456", "1,234.5", "1e3", "12345678901234567", "1,00", "约100", "+5", ".5",
    "2024-02-30", "2024-01-05 10:30", "2015-03-01 (估计)", "45000", "45000.5", "1900-01-01", "2999-01-01",
    "2000-01-01", "2024/5/1", "2024年5月1日", "2024-05-01 00:00:00",
    "150600", "999999", "150622000000", "150622.0", "1", "6", "0101", "99", "2024年", "1989", "2024.0",
    "民营", "护照", "A", "Z", "full_time", "科技创新", "yes", "maybe", "passport", "吨", "USD",
    firm(1)[:-1] + ("0" if firm(1)[-1] != "0" else "1"), firm(2).lower(), UNKNOWN_FIRM,
    "11010519491231002X", "11010519491231002x", "110105194902300021", "E1234567", "E1",
]


def base(name: str, i: int) -> dict[str, str | None]:
    """A row every check accepts, its key made unique by `i`."""
    if name == "enterprises":
        return {"uscc": firm(i), "name": "甲公司", "region_code": "150622", "industry_code": "14",
                "registered_on": "2015-03-01", "ownership": "private"}
    if name == "enterprise_metrics":
        return {"uscc": firm(i), "year": "2024", "metric": "raw_milk_processed_t", "value": "12.5", "unit": "吨"}
    if name == "projects":
        return {"project_id": f"XM{i}", "uscc": firm(i), "project_name": "节水改造", "project_type":
                "water_saving_retrofit", "region_code": "150622", "start_date": "2020-01-01", "completion_date":
                "2021-06-30", "equipment_investment_yuan": "1000", "total_investment_yuan": "2000", "area_mu": None,
                "quantity": "10", "quantity_unit": "吨"}
    row = {c.name: None for c in REGISTRIES[name].columns}
    return row | {"talent_id": f"RC{i}", "name": "王小明", "id_number": person(i), "category": "B",
                  "field": "science", "employer_uscc": firm(i), "region_code": "150622", "arrival_date": "2024-05-01",
                  "employment": "full_time", "degree": "doctorate", "title": "senior", "annual_salary_yuan": "900000",
                  "scheme": "high_level", "contract_years": "3", "key_enterprise": "no"}


# Failures that need two cells together (a document's type and number) or two rows (a key given twice).
COMBINATIONS = {
    "talents": [{"id_type": "passport", "id_number": "E1"}, {"id_type": "护照", "id_number": "e123 45"},
                {"id_type": "hk_macau_taiwan", "id_number": "H1234567"}, {"id_type": "passport"}],
    "projects": [{"quantity": None, "quantity_unit": "头"}, {"start_date": "2021-07-01"}],
}
DUPLICATED = {"enterprises": 3, "enterprise_metrics": 3, "projects": 3, "talents": 3}  # rows given twice


def hostile_frame(name: str) -> pl.DataFrame:
    spec = REGISTRIES[name]
    changes = [{}] * 5 + [{col.name: value} for col in spec.columns for value in HOSTILE] + COMBINATIONS.get(name, [])
    rows = [base(name, i) | cells for i, cells in enumerate(changes)]
    rows += rows[5:5 + DUPLICATED[name]]
    cols = [c.name for c in spec.columns]
    frame = pl.DataFrame([{c: r.get(c) for c in cols} for r in rows], schema={c: pl.String for c in cols})
    return frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("_row"),
                              pl.lit(f"{name}.csv").alias("_file"))


def context(spec: Registry) -> validate.Context:
    return validate.Context.build(TODAY, PARENTS if spec.parent else None)


@pytest.mark.parametrize("name", LOAD_ORDER)
def test_every_check_fails_somewhere_and_the_fused_pass_gives_pandera_failure_cases(name):
    spec = REGISTRIES[name]
    _, frame = validate.prepare(hostile_frame(name), spec)
    schema = validate.schema_for(spec, context(spec))
    plan = validate._plan(schema, frame.columns)
    assert plan is not None, "every check of the schema is one the fused pass evaluates"
    fused = validate.fused_failure_cases(frame, schema)
    assert fused is not None
    failed = set(fused.select("column", "check", "check_number").iter_rows())
    never = [(p.column, p.check, p.number) for p in plan if (p.column, p.check, p.number) not in failed]
    assert not never, f"checks that never fail in the test frame: {never}"
    assert len(plan) == sum(len(c.checks) + (not c.nullable) + c.unique for c in schema.columns.values()) + len(
        schema.checks) + bool(schema.unique)  # the plan is every check pandera runs
    reference = validate.pandera_failure_cases(frame, schema)
    # A check across columns: pandera's failure case is the whole row as JSON, which no one reads (_failures).
    reference = reference.with_columns(pl.when(pl.col("schema_context") == "Column").then(pl.col("failure_case")))
    assert fused.equals(reference)


@pytest.mark.parametrize("name", LOAD_ORDER)
def test_fused_and_pandera_validation_accept_and_quarantine_the_same_rows(name):
    spec = REGISTRIES[name]
    frame = hostile_frame(name)
    accepted, quarantine = validate.validate(frame, spec, context(spec))
    accepted_ref, quarantine_ref = validate.validate(frame, spec, context(spec), reference=True)
    assert accepted.equals(accepted_ref) and quarantine.equals(quarantine_ref)
    assert 0 < accepted.height < frame.height and quarantine.height > frame.height // 2
    assert accepted.height + quarantine["_row"].n_unique() == frame.height


def test_without_parent_keys_and_optional_columns_the_same_rows():
    """The parent check is absent without parent keys; optional columns the file lacks are added empty."""
    spec = REGISTRIES["talents"]
    frame = hostile_frame("talents").drop("scheme", "contract_years", "id_type")
    ctx = validate.Context.build(TODAY)
    got, want = validate.validate(frame, spec, ctx), validate.validate(frame, spec, ctx, reference=True)
    assert got[0].equals(want[0]) and got[1].equals(want[1])


def test_a_frame_or_schema_the_fused_pass_does_not_cover_is_left_to_pandera():
    spec = REGISTRIES["enterprises"]
    _, frame = validate.prepare(hostile_frame("enterprises"), spec)
    schema = validate.schema_for(spec, context(spec))
    assert validate.fused_failure_cases(frame.with_columns(pl.lit(1).alias("name")), schema) is None  # not text
    assert validate.fused_failure_cases(frame.drop("name"), schema) is None  # a required column missing
    other = schema.update_column("name", checks=[pa.Check.str_length(max_value=3)])  # a check not built by _check
    assert validate.fused_failure_cases(frame, other) is None
    coerced = pa.DataFrameSchema(schema.columns, checks=schema.checks, unique=schema.unique, coerce=True,
                                 name=schema.name)  # pandera would cast the columns first
    assert validate.fused_failure_cases(frame, coerced) is None
    assert validate.fused_failure_cases(frame, schema) is not None


def test_cells_already_in_their_spelling_skip_the_rewrites_with_the_same_result():
    """normalise_values leaves cells in their one spelling as they are (a number loses its trailing decimal zeros)
    and sends only the other rows through the rewrites: the same frame as every row through every rewrite."""
    rnd = random.Random(21)
    forms = ["0", "0.0", "0.50", "00.5", "007", "10", "10.000", "1.", ".5", "+5", "-0", "-0.00", "-12.50", "1,234.50",
             "1e3", "1.2E-2", "2024", "2024.0", "2024年", "6", "06", "6.0", "150622", "150622.0", "150622000000",
             "1506p1", "2024-01-05", "2024/1/5", "2024-01-05 00:00:00", "2024-1-5 10:30", "45000", "#N/A", "", None]

    def cell() -> str | None:
        if rnd.random() < 0.5:
            return rnd.choice(forms)
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 8)))
        return digits + rnd.choice(["", ".", "." + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 6)))])

    for name in LOAD_ORDER:
        spec = REGISTRIES[name]
        frame = pl.DataFrame({c.name: [cell() for _ in range(3000)] for c in spec.columns},
                             schema={c.name: pl.String for c in spec.columns})
        for rows in (frame, frame.head(0), frame.filter(pl.int_range(pl.len()) % 7 == 0)):
            assert validate.normalise_values(rows, spec).equals(validate.normalise_values(rows, spec,
                                                                                          settled_first=False))


HOSTILE_CODES = [None, "", firm(7), firm(7).lower(), firm(8), firm(8)[:-1] + "ﬀ", firm(9)[:16] + "ﬀ", "é" * 9,
                 firm(7) + " ", " " + firm(7)[1:], firm(7)[:17], "ａ" * 18, firm(7)[:17] + "\n"]


def test_parent_keys_looked_up_as_numbers_give_what_is_in_gives():
    values = pl.DataFrame({"c": HOSTILE_CODES * 3 + [firm(i) for i in range(2990, 3010)]})
    for keys in (PARENTS, pl.Series([firm(7), firm(8)]), pl.Series([firm(7), "é" * 9]), pl.Series([firm(7), None]),
                 pl.Series([], dtype=pl.String)):
        ctx = validate.Context.build(TODAY, keys)
        packable = keys.null_count() == 0 and keys.str.contains(r"^[\x00-\x7f]{18}$").all()
        assert (ctx.packed_parent_keys is not None) == packable
        got = values.select(validate._parent_key(ctx)("c")).to_series()
        assert got.equals(values.select(pl.col("c").is_in(keys.implode())).to_series())


def test_uscc_check_digits_on_text_that_upper_cases_into_another_length():
    """The check upper-cases first (Unicode: the ligature ﬀ becomes FF), then reads 18 ASCII bytes."""
    def reference(code: str | None) -> bool:
        up = code.upper() if code is not None else None
        return bool(up and re.fullmatch(r"[0-9]{8}[0-9A-HJ-NP-RTUWXY]{10}", up) and uscc.is_valid(up))

    body = "91150622MA00000F"  # 16 characters: with ﬀ, 18 once upper-cased
    codes = [*HOSTILE_CODES, body + "ﬀ"] + [body[:-1] + c + "ﬀ" for c in "0123456789ABCDEFGH"]
    codes += [f"91150622MA{i:05d}F" + "ﬀ" for i in range(200)]  # one in 31 has check character F: valid
    got = pl.DataFrame({"c": codes}, schema={"c": pl.String}).select(uscc_is_valid("c")).to_series().to_list()
    assert got == [reference(c) for c in codes] and sum(got) > 3


def test_a_part_read_by_polars_is_the_part_duckdb_gave(tmp_path):
    """stages._read_part: a part's folder read and sorted by polars, in DuckDB's order (nulls last)."""
    rows = [(f"f{i % 3}.xlsx" if i % 2 else "a.csv", f"S{i % 4}" if i % 2 else None, i % 50, str(i))
            for i in range(400)]
    frame = pl.DataFrame(rows, schema={"_file": pl.String, "_sheet": pl.String, "_row": pl.Int64,
                                       "project_id": pl.String}, orient="row").unique(["_file", "_sheet", "_row"])
    frame.sample(fraction=1, shuffle=True, seed=4).write_parquet(tmp_path / "projects.parquet")
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA staging")
    conn.execute(f"CREATE VIEW staging.projects AS FROM read_parquet('{tmp_path / 'projects.parquet'}')")
    parts = stages._chunks(conn, "projects", REGISTRIES["projects"], 40, tmp_path / "parts")
    assert any(isinstance(p, Path) for p in parts)
    for i, part in enumerate(parts):
        plain = query(conn, f"FROM read_parquet('{tmp_path / 'parts' / f'_part={i}' / '*.parquet'}', "
                            "hive_partitioning = false) ORDER BY _file, _sheet, _row") if isinstance(part, Path) \
            else query(conn, f"{part} ORDER BY _file, _sheet, _row")
        assert stages._read_part(conn, part).equals(plain)
