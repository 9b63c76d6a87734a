"""Ingestion and validation: every row is accepted or quarantined with file, row, field and reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from stdnum.cn import uscc as stdnum_uscc

from dagster_project import ingest, synthetic, validate
from dagster_project.contract import ENTERPRISES, LOAD_ORDER, REGISTRIES

TODAY = date(2026, 11, 27)


def code(body17: str) -> str:
    return body17 + stdnum_uscc.calc_check_digit(body17)


GOOD = code("91150622MA0000001")
GOOD2 = code("91150602MA0000002")


def read(path: Path) -> tuple[ingest.LandingFile, pl.DataFrame]:
    lf = ingest.discover(path.parent)[0]
    return lf, ingest.read_text(lf, path.parent / "scratch")[0]


HEADER_ZH = "统一社会信用代码,企业名称,所在地区划代码,行业代码,成立日期,所有制"


def enterprises_csv(rows: list[str], header: str = HEADER_ZH) -> str:
    return "\n".join([header, *rows]) + "\n"


def test_generated_registry_every_row_accounted_for(tmp_path):
    synthetic.write_landing(tmp_path, seed=3, n_enterprises=600, bad_share=0.05)
    parent = None
    for lf in ingest.discover(tmp_path):
        assert lf.registry in REGISTRIES and len(lf.sha256) == 64
    frames = {lf.registry: ingest.read_text(lf, tmp_path / "scratch")[0] for lf in ingest.discover(tmp_path)}
    for name in LOAD_ORDER:
        spec = REGISTRIES[name]
        ctx = validate.Context.build(TODAY, parent if spec.parent else None)
        accepted, quarantine = validate.validate(frames[name], spec, ctx)
        quarantined_rows = quarantine.select("_file", "_row").unique().height
        assert accepted.height + quarantined_rows == frames[name].height
        assert quarantined_rows > 0, f"{name}: the injected bad rows were not caught"
        assert quarantine["reason"].null_count() == 0 and quarantine["_row"].null_count() == 0
        typed = validate.typed(accepted, spec, "salt")
        if name == "enterprises":
            parent = typed["uscc"]
    # Personal data never leaves validation in clear.
    assert "name" not in typed.columns and "id_number" not in typed.columns
    resident = typed.filter(pl.col("id_type") == "resident_id")
    assert resident["id_masked"].str.contains(r"^\d{4}\*{14}$").all() and "birth_date" not in typed.columns
    others = typed.filter(pl.col("id_type") != "resident_id")  # passports: 1 character shown, no birth year
    assert others["id_masked"].str.contains(r"^[A-Z]\*{8}$").all() and others["birth_year"].is_null().all()
    assert resident["birth_year"].is_between(1950, 2010).all()


def test_gbk_file_with_chinese_headers_and_bad_rows_names_file_row_field(tmp_path):
    rows = [
        f"{GOOD},甲公司,150622,14,2015-03-01,民营",
        f"{GOOD[:-1]}{'0' if GOOD[-1] != '0' else '1'},乙公司,150622,14,2015-03-01,民营",  # wrong check digit
        f"{GOOD2},丙公司,159999,14,2015-03-01,民营",  # unknown region
        f"{code('91150622MA0000003')},丁公司,150622,14,2024-02-30,民营",  # impossible date
        f"{GOOD},甲公司重复,150622,14,2015-03-01,民营",  # duplicated key
    ]
    path = tmp_path / "企业名录_2024.csv"
    path.write_bytes(enterprises_csv(rows).encode("gbk"))
    lf, frame = read(path)
    assert lf.encoding == "gb18030" and lf.registry == "enterprises"
    accepted, q = validate.validate(frame, ENTERPRISES, validate.Context.build(TODAY))
    got = sorted(zip(q["_row"], q["field"], q["reason"], strict=True))
    assert got == [
        (2, "uscc", "主键重复"),
        (3, "uscc", "统一社会信用代码无效（格式或校验位错误）"),
        (4, "region_code", "区划代码不在 seeds/reference/regions.csv 中（应为旗县区或园区代码）"),
        (5, "registered_on", "不是有效日期（应为 YYYY-MM-DD）"),
        (6, "uscc", "主键重复"),
    ]
    assert accepted.height == 0 and set(q["_file"]) == {"企业名录_2024.csv"}


def test_utf8_bom_and_semicolon_delimiter_are_read(tmp_path):
    header = "uscc;name;region_code;industry_code;registered_on;ownership"
    path = tmp_path / "enterprises.csv"
    path.write_bytes("\ufeff".encode() + f"{header}\n{GOOD};甲;150622;14;2015-03-01;private\n".encode())
    lf, frame = read(path)
    assert (lf.encoding, lf.delimiter) == ("utf-8-sig", ";")
    accepted, q = validate.validate(frame, ENTERPRISES, validate.Context.build(TODAY))
    assert accepted.height == 1 and q.is_empty()


def test_cross_column_failure_never_shows_personal_data():
    from dagster_project.contract import TALENTS

    row = {"talent_id": "RC1", "name": "王小明", "id_number": "11010519491231002X", "category": "B",
           "field": "science", "employer_uscc": GOOD, "region_code": "150622", "arrival_date": "2024-05-01",
           "departure_date": "2024-01-01", "employment": "full_time", "degree": "doctorate", "title": "senior",
           "annual_salary_yuan": "900000", "_row": 2, "_file": "talents.csv"}
    frame = pl.DataFrame([row])
    accepted, q = validate.validate(frame, TALENTS, validate.Context.build(TODAY, pl.Series([GOOD])))
    assert accepted.is_empty() and q["reason"].to_list() == ["离职日期早于引进日期"]
    published = " ".join(str(v) for v in q.row(0))
    assert "王小明" not in published and "11010519491231002X" not in published and "1101**" in published


def test_a_file_that_names_no_registry_is_refused(tmp_path):
    path = tmp_path / "random_export.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    lf = ingest.discover(tmp_path)[0]
    assert lf.registry is None
    with pytest.raises(ingest.FileRefused, match="random_export.csv: 文件名不属于任何登记库"):
        ingest.read_text(lf, tmp_path / "scratch")


@pytest.mark.parametrize("content, reason", [
    (b"", "文件为空"),
    ("统一社会信用代码,企业名称\n".encode(), "缺少企业名录的必填列 所在地区划代码（region_code）"),
])
def test_whole_file_refused_with_reason(tmp_path, content, reason):
    path = tmp_path / "enterprises.csv"
    path.write_bytes(content)
    lf = ingest.discover(tmp_path)[0]
    with pytest.raises(ingest.FileRefused) as err:
        ingest.read_text(lf, tmp_path / "scratch")
    assert "enterprises.csv" in str(err.value) and reason in str(err.value)


def test_xlsx_with_a_merged_title_row_above_the_header(tmp_path):
    import xlsxwriter

    path = tmp_path / "enterprises.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.merge_range(0, 0, 0, 5, "2024年企业名录（导出）")
    for c, h in enumerate(["统一社会信用代码", "企业名称", "所在地区划代码", "行业代码", "成立日期", "所有制"]):
        ws.write(1, c, h)
    for c, v in enumerate([GOOD, "甲", "150622", "14", "2015-03-01", "国有"]):
        ws.write_string(2, c, v)
    wb.close()
    lf, frame = read(path)
    assert lf.header_row == 2 and frame["_row"].to_list() == [3]
    accepted, q = validate.validate(frame, ENTERPRISES, validate.Context.build(TODAY))
    assert q.is_empty() and accepted["ownership"].to_list() == ["state"]


def test_negative_and_non_numeric_amounts_are_quarantined():
    frame = pl.DataFrame({"uscc": [GOOD] * 3, "year": ["2023", "2024", "2025"], "metric": ["raw_milk_processed_t"] * 3,
                          "value": ["100.5", "-3", "约100"], "unit": ["吨"] * 3, "_row": [2, 3, 4],
                          "_file": ["m.csv"] * 3})
    spec = REGISTRIES["enterprise_metrics"]
    ctx = validate.Context.build(TODAY, pl.Series([GOOD]))
    accepted, q = validate.validate(frame, spec, ctx)
    assert accepted["_row"].to_list() == [2]
    assert sorted(zip(q["_row"], q["reason"], strict=True)) == [(3, "负数"), (4, "不是数字")]


def test_validation_in_parts_gives_the_same_registries_and_quarantine(tmp_path):
    """Large registries are validated in parts split by a hash of the key (bounded memory at millions of rows):
    the parts must give exactly what one pass gives, duplicated keys included (they meet in one part)."""
    import dataclasses

    import duckdb

    from dagster_project import stages
    from dagster_project.settings import Settings

    synthetic.write_landing(tmp_path / "synthetic", seed=3, n_enterprises=600, bad_share=0.05)
    results = {}
    for chunk_rows in (10_000_000, 700):
        settings = dataclasses.replace(Settings(), data_dir=tmp_path, validate_chunk_rows=chunk_rows)
        with duckdb.connect(str(tmp_path / f"{chunk_rows}.duckdb")) as conn:
            stages.ingest_landing(conn, settings, "run", log=lambda _: None)
            accounting = stages.validate_registries(conn, settings, "run", TODAY, log=lambda _: None)
            tables = {name: conn.execute(f"SELECT * FROM registry.{name}").pl() for name in LOAD_ORDER}
            quarantine = conn.execute("SELECT * FROM audit.quarantine ORDER BY ALL").pl()
        results[chunk_rows] = (tables, quarantine, accounting.sort("registry", "file"))
    (one, q_one, acc_one), (parts, q_parts, acc_parts) = results.values()
    assert acc_one["rows_in"].sum() > 1400 * 2  # several parts per registry at 700 rows a part
    assert q_one.filter(pl.col("reason") == "主键重复").height > 0
    for name in LOAD_ORDER:
        assert one[name].equals(parts[name]), name
    assert q_one.equals(q_parts) and acc_one.equals(acc_parts)
    assert (acc_one["rows_in"] == acc_one["rows_accepted"] + acc_one["rows_quarantined"]).all()


def test_xlsx_beyond_a_sheet_is_written_as_several_files_read_back_whole(tmp_path, monkeypatch):
    """A sheet holds 1,048,576 rows: the generator splits larger XLSX exports into projects.xlsx,
    projects_2.xlsx, …, and ingestion reads each as the projects registry, nothing lost."""
    monkeypatch.setattr(synthetic, "XLSX_MAX_ROWS", 7)
    frame = synthetic._as_text(synthetic.projects(3, synthetic.enterprises(3, synthetic.Sizes(300))).head(20))
    paths = synthetic.write_frame(frame, tmp_path, "projects", "xlsx")
    assert [p.name for p in paths] == ["projects.xlsx", "projects_2.xlsx", "projects_3.xlsx"]
    files = ingest.discover(tmp_path)
    assert [f.registry for f in files] == ["projects"] * 3
    back = pl.concat([ingest.read_text(f, tmp_path / "scratch")[0] for f in files])
    assert back.height == 20 and sorted(back["project_id"]) == sorted(frame["project_id"])
