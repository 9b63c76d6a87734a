"""Issue 14, validation side: what each class of real-export cell now gets. Rows are hand-written and every
expected value is written out here (python-stdnum and hmac are the references for check digits and the keyed
hash), never computed with the code under test."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from dagster_project import validate
from dagster_project.contract import REGISTRIES
from dagster_project.display import safe_text, safe_text_expr

TODAY = date(2026, 11, 27)
FIRM = "91150622MA0000001" + uscc.calc_check_digit("91150622MA0000001")
PERSON = "11010519491231002X"  # a valid resident ID (stdnum's example)
OTHER = "15060219900101123" + ric.calc_check_digit("15060219900101123" + "0")  # stdnum ignores the 18th


def run(registry: str, rows: list[dict], **ctx) -> tuple[pl.DataFrame, pl.DataFrame]:
    spec = REGISTRIES[registry]
    cols = [c.name for c in spec.columns if c.required or any(c.name in r for r in rows)]
    frame = pl.DataFrame([{c: r.get(c) for c in cols} for r in rows], schema={c: pl.String for c in cols})
    frame = frame.with_columns(pl.int_range(2, len(rows) + 2, dtype=pl.Int64).alias("_row"),
                               pl.lit(f"{registry}.csv").alias("_file"))
    parents = pl.Series([FIRM]) if spec.parent else None
    return validate.validate(frame, spec, validate.Context.build(TODAY, parents, **ctx))


def reasons(q: pl.DataFrame) -> list[tuple[int, str, str]]:
    return sorted(zip(q["_row"], q["field"], q["reason"], strict=True))


def enterprise(**cells) -> dict:
    return {"uscc": FIRM, "name": "甲公司", "region_code": "150622", "industry_code": "14",
            "registered_on": "2015-03-01", "ownership": "private", **cells}


def metric(value: str, year: str = "2024") -> dict:
    return {"uscc": FIRM, "year": year, "metric": "raw_milk_processed_t", "value": value, "unit": "吨"}


def project(**cells) -> dict:
    return {"project_id": "XM1", "uscc": FIRM, "project_name": "奶酪项目", "project_type": "cheese",
            "region_code": "150622", "start_date": "2020-01-01", "completion_date": "2021-06-30",
            "equipment_investment_yuan": "1000", "total_investment_yuan": "2000", "area_mu": None, **cells}


def talent(tid: str = "RC1", number: str = PERSON, **cells) -> dict:
    return {"talent_id": tid, "name": "王小明", "id_number": number, "category": "B", "field": "science",
            "employer_uscc": FIRM, "region_code": "150622", "arrival_date": "2024-05-01", "departure_date": None,
            "employment": "full_time", "degree": "doctorate", "title": "senior", "annual_salary_yuan": "900000",
            **cells}


# --- class 1: one cell must not abort the night --------------------------------------------------------------

def test_a_number_too_large_for_the_column_is_quarantined_per_row_and_the_rest_typed():
    rows = [metric("12345678901234567"), metric("1234567890123456.5", "2023"), metric("1E+20", "2022"),
            metric("00000000000000000001", "2021")]
    accepted, q = run("enterprise_metrics", rows)
    too_large = "数值超出范围：整数部分超过 16 位"
    assert reasons(q) == [(2, "value", too_large), (4, "value", too_large)]
    assert q.filter(pl.col("_row") == 4)["value"].to_list() == ["1E+20"]  # the cell as it arrived
    typed = validate.typed(accepted, REGISTRIES["enterprise_metrics"], "s")
    assert typed["value"].to_list() == [Decimal("1234567890123456.5"), Decimal("1")]


NUMERIC = st.one_of(
    st.from_regex(r"\A[+-]?[0-9]{0,22}(\.[0-9]{0,12})?([eE][+-]?[0-9]{1,3})?\Z", fullmatch=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["-0", "-0.00", "1,000", "-1,234.5", "1,23", "12,345,678.12345", ".5", "5.", "0e0", "1e-999",
                     "9" * 40, "1E+999", "#N/A"]))
YEAR = st.one_of(st.text("0123456789.年+-", max_size=7), st.sampled_from(["2024", "2024.0", "2024年", "1989"]))


def exact(text: str) -> Decimal:
    """The number a cell writes, by Python's Decimal; commas are thousands separators only in groups of three."""
    if re.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", text):
        text = text.replace(",", "")
    return Decimal(text)


def refusable(text: str) -> bool:
    """What a number cell may be refused for: not a number, negative, more than 4 decimals, more than 16 integer
    digits."""
    try:
        d = exact(text)
    except InvalidOperation:
        return True
    with localcontext() as ctx:
        ctx.prec = 2000
        return d < 0 or d.normalize().as_tuple().exponent < -4 or (d != 0 and d.adjusted() >= 16)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(NUMERIC, min_size=1, max_size=37), years=st.lists(YEAR, max_size=30))
def test_random_numeric_strings_never_break_validation_or_typing(values, years):
    """Whatever text a number or year cell holds, validate() and typed() do not raise, every row is accounted for,
    an accepted number is exactly the decimal the text wrote and a refused one had a reason to be (Python's Decimal
    as the reference)."""
    rows = [metric(v, str(1990 + i)) for i, v in enumerate(values)]
    rows += [metric("1", y) | {"metric": "import_value_usd", "unit": "USD"} for y in years]
    accepted, q = run("enterprise_metrics", rows)
    typed = validate.typed(accepted, REGISTRIES["enterprise_metrics"], "s")
    assert accepted.height + q["_row"].n_unique() == len(rows) and typed.height == accepted.height
    arrived = {i + 2: v for i, v in enumerate(values)}
    for row, value in zip(typed["_row"], typed["value"], strict=True):
        if row in arrived:
            assert value == exact(arrived[row]) and not refusable(arrived[row]), arrived[row]
    for row in set(q["_row"]) & set(arrived):
        assert refusable(arrived[row]), arrived[row]


# --- class 8: what Parquet and Excel give, normalised where unambiguous -----------------------------------------

def test_trailing_zeros_float_codes_and_lost_leading_zeros_are_normalised():
    accepted, q = run("enterprises", [enterprise(region_code="150622.0", industry_code="6"),
                                      enterprise(uscc=None, region_code="150622000000", industry_code="14.0")])
    assert reasons(q) == [(3, "uscc", "统一社会信用代码无效（格式或校验位错误）"), (3, "uscc", "缺少必填值")]
    assert accepted.select("region_code", "industry_code").rows() == [("150622", "06")]
    _, q = run("enterprises", [enterprise(industry_code="6.0", region_code="1506p1")])
    assert q.is_empty()


def test_what_cannot_be_normalised_says_why():
    accepted, q = run("enterprises", [enterprise(industry_code="1411"), enterprise(region_code="150600"),
                                      enterprise(region_code="159999"), enterprise(industry_code="99")])
    assert reasons(q) == [
        (2, "industry_code", "行业代码应为 2 位数字（GB/T 4754 门类下的大类）；填了中类或小类代码的，取其前 2 位"),
        (2, "uscc", "主键重复"), (3, "region_code", "区划代码是盟市级或更高一级：所在地应填旗县区或园区代码"),
        (3, "uscc", "主键重复"),
        (4, "region_code", "区划代码不在 seeds/reference/regions.csv 中（应为旗县区或园区代码）"),
        (4, "uscc", "主键重复"), (5, "industry_code", "代码不在 seeds/reference/industries.csv 中（先在该表中添加）"),
        (5, "uscc", "主键重复")]
    _, q = run("enterprise_metrics", [metric("1.23456789E+02"), metric("1,23", "2023"), metric("1.234,5", "2022")])
    assert reasons(q) == [(2, "value", "小数位超过 4 位"), (3, "value", "不是数字"), (4, "value", "不是数字")]
    assert q.sort("_row")["value"].to_list() == ["1.23456789E+02", "1,23", "1.234,5"]


def test_the_exact_metric_values_parquet_gives():
    accepted, q = run("enterprise_metrics", [metric("1234.5000000000"), metric("1.2345E+05", "2023"),
                                             metric("+7", "2022"), metric(".5", "2021"), metric("6", "2020.0")])
    assert q.is_empty()
    typed = validate.typed(accepted, REGISTRIES["enterprise_metrics"], "s")
    assert sorted(zip(typed["year"], typed["value"], strict=True)) == [
        (2020, Decimal("6")), (2021, Decimal("0.5")), (2022, Decimal("7")), (2023, Decimal("123450")),
        (2024, Decimal("1234.5"))]


# --- class 12: negative zero, dates that are the whole cell ---------------------------------------------------

def test_negative_zero_is_zero():
    accepted, q = run("enterprise_metrics", [metric("-0"), metric("-0.00", "2023"), metric("-0.01", "2022")])
    assert reasons(q) == [(4, "value", "负数")]
    assert validate.typed(accepted, REGISTRIES["enterprise_metrics"], "s")["value"].to_list() == [Decimal(0)] * 2


def test_a_date_is_the_whole_cell():
    forms = ["2015-03-01", "2015/3/1", "2015年3月1日", "2015-03-01 00:00:00", "2015/3/1 0:00", "2015-3-1"]
    accepted, q = run("enterprises", [enterprise(uscc=FIRM if i == 0 else None, registered_on=d)
                                      for i, d in enumerate(forms)])
    assert {r for r in reasons(q) if r[1] != "uscc"} == set()
    typed = validate.typed(run("enterprises", [enterprise(registered_on="2015年3月1日")])[0], REGISTRIES["enterprises"],
                           "s")
    assert typed["registered_on"].to_list() == [date(2015, 3, 1)]
    bad = ["2015-03-01 (估计)", "2015-03-01 10:30", "42064", "2024-02-30", "20150301", "2015-03-01约"]
    _, q = run("enterprises", [enterprise(uscc=f"{i}", registered_on=d) for i, d in enumerate(bad)])
    got = [(r, why) for r, f, why in reasons(q) if f == "registered_on"]
    assert got == [(2, "日期后有多余文字：日期单元格只能填日期，说明请写在其他列"),
                   (3, "日期带有时刻（不是 0 点）：请只填日期"),
                   (4, "是数字而不是日期（可能是 Excel 日期序列号）：请把该列设为日期格式后重新导出"),
                   (5, "不是有效日期（应为 YYYY-MM-DD）"), (6, "不是有效日期（应为 YYYY-MM-DD）"),
                   (7, "日期后有多余文字：日期单元格只能填日期，说明请写在其他列")]


# --- Excel error values ----------------------------------------------------------------------------------------

def test_excel_error_values_are_quarantined_in_every_column_with_one_reason():
    rows = [project(completion_date="#N/A"), project(project_id="XM2", area_mu="#无缓存值"),
            project(project_id="XM3", total_investment_yuan="#DIV/0!"), project(project_id="XM4")]
    accepted, q = run("projects", rows)
    assert reasons(q) == [(2, "completion_date", "Excel 错误值 #N/A：请在源表中更正后重新导出"),
                          (3, "area_mu", "公式没有计算结果：请在 Excel 中重新计算并保存后再导出"),
                          (4, "total_investment_yuan", "Excel 错误值 #DIV/0!：请在源表中更正后重新导出")]
    assert q.sort("_row")["value"].to_list() == ["#N/A", "#无缓存值", "#DIV/0!"]
    assert accepted["project_id"].to_list() == ["XM4"]  # the #N/A project is not taken as "not completed"


# --- class 9: people and identity -------------------------------------------------------------------------------

def test_one_person_under_several_talent_ids_is_quarantined_everywhere():
    rows = [talent("RC1"), talent("RC2"), talent("RC3", OTHER)]
    accepted, q = run("talents", rows)
    assert reasons(q) == [(2, "talent_id", validate.SHARED_DOCUMENT), (3, "talent_id", validate.SHARED_DOCUMENT)]
    assert validate.SHARED_DOCUMENT.startswith("同一证件号码出现在多个人才编号下：请合并为一条记录")
    assert q["value"].to_list() == ["RC1、RC2", "RC1、RC2"] and accepted["talent_id"].to_list() == ["RC3"]


def test_shared_documents_are_found_across_validation_parts():
    """Validation runs in parts split by a hash of talent_id: the shared documents come from the whole registry."""
    part1, part2 = [talent("RC1")], [talent("RC9", PERSON.lower()), talent("RC3", OTHER)]
    everyone = pl.DataFrame([{k: r[k] for k in ("talent_id", "id_number")} | {"id_type": None}
                             for r in part1 + part2], schema={c: pl.String for c in ("talent_id", "id_number",
                                                                                     "id_type")})
    shared = validate.shared_documents(everyone)
    assert shared.rows() == [("resident_id", PERSON, "RC1、RC9")]
    for part, bad in ((part1, ["RC1"]), (part2, ["RC9"])):
        accepted, q = run("talents", part, shared_documents=shared)
        assert sorted(set(q["value"])) == ["RC1、RC9"] and set(q["_row"]) == {2}, bad
    alone, q = run("talents", part2)  # without the registry-wide list, part 2 alone sees no duplicate
    assert q.is_empty()


def test_a_resident_id_in_a_column_that_is_not_personal_is_refused_and_masked():
    _, q = run("talents", [talent(PERSON)])
    refused = "不得使用身份证号码（个人信息不得公开）：请改用其他编号或删除该号码"
    assert reasons(q) == [(2, "talent_id", "人才编号" + refused)]
    assert q["value"].to_list() == ["1101**************"]
    _, q = run("projects", [project(project_name=f"王小明{PERSON}养殖场")])
    assert reasons(q) == [(2, "project_name", "项目名称" + refused)]
    assert q["value"].to_list() == ["王小明1101**************养殖场"]
    _, q = run("enterprises", [enterprise(region_code=PERSON)])  # refused by its own check, still masked
    assert PERSON not in " ".join(str(v) for row in q.rows() for v in row)
    assert "1101**************" in q["raw_record"][0]
    accepted, q = run("projects", [project(project_id="110105194912310021")])  # 18 digits, not a valid ID
    assert q.is_empty()


def test_foreign_talents_register_with_a_passport():
    rows = [talent("RC1", "E12345678", id_type="护照"), talent("RC2", "e1234", id_type="passport"),
            talent("RC3", "E12", id_type="护照"), talent("RC4", PERSON, id_type="护照"),
            talent("RC5", OTHER, id_type=None), talent("RC6", "X1234567", id_type="驾驶证")]
    accepted, q = run("talents", rows)
    assert reasons(q) == [
        (4, "id_number", "证件号码格式无效（护照、港澳台及外国人永久居留证件应为 5–20 位字母或数字）"),
        (5, "id_number", "证件类型为护照，但号码是居民身份证号码：请把证件类型改为居民身份证"),
        (7, "id_type", "不是可选值之一（可选：resident_id（身份证、居民身份证）、passport（护照）、hk_macau_taiwan"
                       "（港澳台居民居住证/通行证、港澳居民来往内地通行证、台湾居民来往大陆通行证、港澳台居民居住证）、"
                       "foreign_permanent（外国人永久居留证、外国人永久居留身份证））")]
    typed = validate.typed(accepted, REGISTRIES["talents"], "the-salt")
    assert typed.select("talent_id", "id_type", "id_masked", "birth_year").rows() == [
        ("RC1", "passport", "E********", None), ("RC2", "passport", "E********", None),
        ("RC5", "resident_id", "1506**************", 1990)]
    want = [hmac.new(b"the-salt", doc.encode(), hashlib.sha256).hexdigest()[:16]
            for doc in ("passport:E12345678", "passport:E1234", f"resident_id:{OTHER}")]
    assert typed["person_key"].to_list() == want
    assert "id_number" not in typed.columns and "name" not in typed.columns


def test_old_exports_without_a_document_type_are_resident_ids():
    accepted, q = run("talents", [talent("RC1", PERSON.lower())])
    assert q.is_empty()
    typed = validate.typed(accepted, REGISTRIES["talents"], "k")
    assert typed.select("id_type", "birth_year", "person_key").rows() == [
        ("resident_id", 1949, hmac.new(b"k", f"resident_id:{PERSON}".encode(), hashlib.sha256).hexdigest()[:16])]


def test_quarantined_talents_show_no_document_in_clear():
    _, q = run("talents", [talent("RC1", "E12345678", id_type="护照", arrival_date="bad"),
                           talent("RC2", PERSON, arrival_date="bad")])
    text = " ".join(str(v) for row in q.rows() for v in row)
    assert "E12345678" not in text and PERSON not in text and "王小明" not in text
    records = [json.loads(r) for r in q["raw_record"]]
    assert [(r["id_number"], r["name"]) for r in records] == [("E********", "王**"), ("1101**************", "王**")]


# --- class 10: text that travels ----------------------------------------------------------------------------------

def test_over_long_cells_are_quarantined():
    accepted, q = run("enterprises", [enterprise(name="甲" * 501), enterprise(uscc=None, name="乙" * 500)])
    assert (2, "name", "单元格超过 500 个字符") in reasons(q)
    assert not any(r == 3 and f == "name" for r, f, _ in reasons(q))
    assert q.filter(pl.col("field") == "name")["value"].to_list() == ["甲" * 500 + "…"]


@pytest.mark.parametrize("raw, shown", [
    ("=HYPERLINK(\"http://x\",\"点此\")", "'=HYPERLINK(\"http://x\",\"点此\")"),
    ("+8613800000000", "'+8613800000000"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "' =1"), ("\r甲公司", "' 甲公司"), ("甲\u202e司公乙", "甲司公乙"), ("甲\u200b公\u2066司\u2069", "甲公司"),
    ("甲\x00公\x07司", "甲 公 司"), ("鄂尔多斯甲乳业有限公司", "鄂尔多斯甲乳业有限公司"), (None, ""),
])
def test_registry_text_is_neutralised_for_pages_and_exports(raw, shown):
    assert safe_text(raw) == shown
    twin = pl.DataFrame({"t": [raw]}, schema={"t": pl.String}).select(safe_text_expr(pl.col("t")))["t"][0]
    assert twin == (shown if raw is not None else None)


def test_the_registry_keeps_the_raw_text():
    accepted, q = run("enterprises", [enterprise(name="=1+1\u202e甲")])
    assert q.is_empty() and accepted["name"].to_list() == ["=1+1\u202e甲"]


def test_the_nightly_stage_finds_one_person_across_validation_parts(tmp_path):
    """stages.validate_registries splits talents into parts by a hash of talent_id (one row a part here): the
    two rows of one person, in two different parts, are both quarantined; the third person is accepted."""
    import dataclasses

    import duckdb

    from dagster_project import stages
    from dagster_project.settings import Settings

    with duckdb.connect() as probe:  # talent_ids that DuckDB's hash puts in different parts of 3
        part = {t: probe.execute("SELECT hash(?) % 3", [t]).fetchone()[0] for t in [f"RC{i}" for i in range(1, 40)]}
    first = "RC1"
    second = next(t for t in part if part[t] != part[first])
    folder = tmp_path / "synthetic"
    folder.mkdir()
    header = "uscc,name,region_code,industry_code,registered_on,ownership"
    (folder / "enterprises.csv").write_text(f"{header}\n{FIRM},甲公司,150622,14,2015-03-01,private\n")
    cols = list(talent())
    rows = [talent(first), talent(second, PERSON.lower()), talent("RC99", OTHER)]
    (folder / "talents.csv").write_text("\n".join([",".join(cols)] + [",".join(r[c] or "" for c in cols)
                                                                       for r in rows]) + "\n")
    settings = dataclasses.replace(Settings(), data_dir=tmp_path, validate_chunk_rows=1)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as conn:
        stages.ingest_landing(conn, settings, "run", log=lambda _: None)
        stages.validate_registries(conn, settings, "run", TODAY, log=lambda _: None)
        quarantined = conn.execute("""SELECT source_row, field, value FROM audit.quarantine
                                      WHERE registry = 'talents' ORDER BY source_row""").fetchall()
        accepted = conn.execute("SELECT talent_id FROM registry.talents").fetchall()
    pair = "、".join(sorted([first, second]))
    assert quarantined == [(2, "talent_id", pair), (3, "talent_id", pair)] and accepted == [("RC99",)]
