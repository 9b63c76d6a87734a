"""Exports as people really send them, corrupted at random: no exception escapes the readers, and every record
counted independently of the reader that splits it is accepted, quarantined or in a refused file (issue 14)."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project import csv_reader, ingest, validate
from dagster_project.contract import REGISTRIES

TODAY = date(2026, 11, 27)
HEADER = "统一社会信用代码,企业名称,所在地区划代码,行业代码,成立日期,所有制"
ROWS = ["91150622MA00000010,鄂尔多斯甲乳业有限公司,150622,14,2015-03-01,私营",
        "91150602MA00000024,鄂尔多斯乙能源有限公司,150602,44,2018-06-01,国有",
        "91150603MA0000003M,鄂尔多斯丙商贸有限公司,150603,51,2020-01-15,民营",
        '91150622MA00000010,"鄂尔多斯丁,有限公司",150622,14,2015-03-01,私营']


def csv_oracle(text: str) -> list[tuple[int, int, bool]]:
    """(line the record starts on, fields, blank) per record as Python's csv module splits the text."""
    lines: list[str] = []

    def remember(f):
        for line in f:
            lines.append(line)
            yield line

    reader = csv.reader(remember(io.StringIO(text, newline="")), strict=False)
    out, last = [], 0
    for cells in reader:
        blank = not any(c.strip(" \t\r\n") for c in cells)
        out.append((last + 1, 0 if blank else len(cells), blank))
        last = reader.line_num
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=['a', '吨', ',', '"', '\n', '\r', ' ', '1'], max_size=60),
       window=st.sampled_from([1, 2, 3, 5, 8, 1 << 20]))
def test_the_byte_count_agrees_with_the_csv_module(tmp_path, monkeypatch, text, window):
    """The record count is made from the bytes alone, in windows of any size; Python's csv module is the oracle."""
    try:
        want = csv_oracle(text)
    except csv.Error:  # the csv module itself gives up (a quote open at the end): the count must say so
        want = None
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    monkeypatch.setattr(csv_reader, "WINDOW", window)
    got = csv_reader.count_records(path, ",")
    if want is None:
        assert got.open_quote
        return
    assert [(int(a), 0 if z else int(b), bool(z)) for a, b, z in zip(got.lines, got.fields, got.blank,
                                                                        strict=True)] == want


CORRUPTIONS = st.lists(st.tuples(st.sampled_from(["cut", "separator", "cr", "crlf", "blank", "delimiters", "quote",
                                                  "bom", "error", "spaces"]),
                                 st.integers(0, 10_000)), max_size=6)


def corrupt(text: str, how: list[tuple[str, int]]) -> str:
    for kind, at in how:
        pos = at % (len(text) + 1)
        if kind == "cut":  # the export stops mid-row
            text = text[:pos]
        elif kind == "separator":  # a stray delimiter (an unquoted thousands separator)
            text = text[:pos] + "," + text[pos:]
        elif kind == "cr":  # a line ending turned into a lone CR
            text = text.replace("\n", "\r", 1 + at % 3)
        elif kind == "crlf":
            text = text.replace("\n", "\r\n")
        elif kind == "blank":
            text = text[:pos] + "\n\n" + text[pos:]
        elif kind == "delimiters":
            text = text[:pos] + "\n,,,,,\n" + text[pos:]
        elif kind == "quote":
            text = text[:pos] + '"' + text[pos:]
        elif kind == "bom":
            text = "\ufeff" + text.lstrip("\ufeff")
        elif kind == "error":
            text = text.replace("2015-03-01", "#N/A", 1)
        else:
            text = text[:pos] + "\u3000 " + text[pos:]
    return text


def accounted(lf: ingest.LandingFile, tmp_path: Path) -> tuple[int, int, int]:
    """(records counted, accepted, quarantined) of one file through the readers and validation; a refused file
    keeps its count as the rows it holds back."""
    try:
        frame, rejects = ingest.read_text(lf, tmp_path / "scratch")
    except ingest.FileRefused as exc:
        assert str(exc).startswith(f"{lf.path.name}: ")
        assert "独立计数" not in str(exc)  # the readers never disagree with the byte count
        return lf.rows_in, 0, lf.rows_in
    spec = REGISTRIES[lf.registry]
    accepted, quarantine = validate.validate(frame, spec, validate.Context.build(TODAY))
    bad = pl.concat([rejects.select("_sheet", "_row"), quarantine.select("_sheet", "_row")]).unique().height
    return lf.rows_in, accepted.height, bad


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(how=CORRUPTIONS, encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_a_corrupted_csv_loses_no_record(tmp_path, how, encoding):
    text = corrupt("\n".join([HEADER, *ROWS]) + "\n", how)
    for old in tmp_path.glob("enterprises*"):
        old.unlink()
    path = tmp_path / "enterprises.csv"
    path.write_bytes(text.encode(encoding))
    (lf,) = ingest.discover(tmp_path)
    rows_in, accepted, quarantined = accounted(lf, tmp_path)
    assert rows_in == accepted + quarantined
    assert not list((tmp_path / "scratch").glob("*")) if (tmp_path / "scratch").exists() else True


def workbook(path: Path, sheets: list[tuple[str, list[list], str]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows, state in sheets:
        ws = book.create_sheet(name)
        ws.sheet_state = state
        for row in rows:
            ws.append(row)
    book.save(path)


PROJECT_HEADER = ["项目编号", "建设单位统一社会信用代码", "项目名称", "项目类型", "建设地点区划代码", "开工日期",
                  "竣工日期", "设备投资(元)", "总投资(元)", "面积(亩)"]


def project_row(i: int) -> list:
    return [f"XM2024{i:05d}", "91150622MA00000010", f"项目{i}", "cheese", "150622", "2024-01-01", "2024-09-30",
            1_000_000 + i, 5_000_000, None]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(0, 12), blanks=st.lists(st.integers(0, 12), max_size=3), title=st.integers(0, 9),
       errors=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 9)), max_size=3),
       extra=st.sampled_from(["none", "second", "hidden", "notes"]))
def test_a_corrupted_workbook_loses_no_record(tmp_path, rows, blanks, title, errors, extra):
    body = [project_row(i) for i in range(rows)]
    for r, c in errors:
        if r < len(body):
            body[r][c] = "#N/A"
    for b in sorted(blanks, reverse=True):
        body.insert(min(b, len(body)), [None] * len(PROJECT_HEADER))
    first = [[f"标题{i}"] for i in range(title)] + [PROJECT_HEADER] + body
    sheets = [("项目", first, "visible")]
    if extra == "second":
        sheets.append(("项目2", [PROJECT_HEADER, project_row(99)], "visible"))
    elif extra == "hidden":
        sheets.append(("旧", [PROJECT_HEADER, project_row(98)], "hidden"))
    elif extra == "notes":
        sheets.append(("说明", [["本表由系统导出"]], "visible"))
    for old in tmp_path.glob("projects*"):
        old.unlink()
    workbook(tmp_path / "projects.xlsx", sheets)
    (lf,) = ingest.discover(tmp_path)
    rows_in, accepted, quarantined = accounted(lf, tmp_path)
    assert rows_in == accepted + quarantined == rows + (extra == "second")
    assert lf.header_row == title + 1


def test_lock_temporary_and_unknown_files_are_listed_apart(tmp_path):
    """At 02:00 someone has the export open: its lock file, a backup copy and an unrelated export are listed, not
    read and not refused; a registry's own unreadable file is still refused (its data would be missing)."""
    for name in ("~$projects.xlsx", "projects.xlsx.bak", "enterprises.csv~", ".~lock.talents.csv#", "Thumbs.db"):
        (tmp_path / name).write_bytes(b"\x00lock")
    (tmp_path / "工资表.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "enterprises.csv").write_text("\n".join([HEADER, *ROWS[:2]]) + "\n", encoding="utf-8")
    files = {lf.path.name: lf for lf in ingest.discover(tmp_path)}
    status = {name: lf.status for name, lf in files.items()}
    assert status == {"~$projects.xlsx": "skipped", "projects.xlsx.bak": "skipped", "enterprises.csv~": "skipped",
                      ".~lock.talents.csv#": "skipped", "Thumbs.db": "skipped", "工资表.csv": "unknown",
                      "enterprises.csv": "pending"}
    assert "临时、锁定或备份文件" in files["~$projects.xlsx"].message
    assert "不属于任何登记库" in files["工资表.csv"].message
    frame, _ = ingest.read_text(files["enterprises.csv"], tmp_path / "scratch")
    assert frame.height == 2


@pytest.mark.parametrize("seed", range(3))
def test_a_gbk_export_leaves_no_clear_copy_behind(tmp_path, seed):
    rng = random.Random(seed)
    rows = rng.sample(ROWS[:3], k=2)
    (tmp_path / "enterprises_gbk.csv").write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gbk"))
    (lf,) = ingest.discover(tmp_path)
    frame, _ = ingest.read_text(lf, tmp_path / "scratch")
    assert frame.height == 2 and lf.encoding == "gb18030"
    assert not list((tmp_path / "scratch").iterdir())


def test_the_file_log_lists_skipped_and_unknown_files_apart_from_refused_ones(tmp_path):
    import dataclasses

    import duckdb

    from dagster_project import stages
    from dagster_project.settings import Settings

    settings = dataclasses.replace(Settings(), data_dir=tmp_path, use_landing_as_is=True)
    settings.landing_dir.mkdir(parents=True)
    (settings.landing_dir / "enterprises.csv").write_text("\n".join([HEADER, *ROWS[:3]]) + "\n", encoding="utf-8")
    (settings.landing_dir / "~$projects.xlsx").write_bytes(b"\x00")
    (settings.landing_dir / "工资表.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (settings.landing_dir / "talents.csv").write_text("人才编号,姓名\nRC1,张三\n", encoding="utf-8")
    with duckdb.connect() as conn:
        log = stages.ingest_landing(conn, settings, "run", log=lambda _: None)
    got = {r["file"]: (r["status"], r["rows_in"]) for r in log.to_dicts()}
    assert got == {"enterprises.csv": ("read", 3), "~$projects.xlsx": ("skipped", 0), "工资表.csv": ("unknown", 0),
                   "talents.csv": ("refused", 1)}  # a refused file keeps the records it holds back
    assert "缺少人才库的必填列" in log.filter(pl.col("file") == "talents.csv")["message"][0]


def test_a_data_sheet_missing_a_required_column_refuses_the_file(tmp_path):
    """A second sheet with the projects header but without 竣工日期 holds projects: skipping it as a notes sheet
    would lose its rows without a word, so the file is refused naming the sheet and the column."""
    short = [h for h in PROJECT_HEADER if h != "竣工日期"]
    workbook(tmp_path / "projects.xlsx", [("项目", [PROJECT_HEADER, project_row(1)], "visible"),
                                          ("补充", [short, project_row(2)[:6] + project_row(2)[7:]], "visible")])
    (lf,) = ingest.discover(tmp_path)
    with pytest.raises(ingest.FileRefused, match=r"projects.xlsx: 工作表「补充」有该登记库的表头，但缺少必填列 "
                                                 r"completion_date（竣工日期）"):
        ingest.read_text(lf, tmp_path / "scratch")
