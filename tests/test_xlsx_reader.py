"""The XLSX reader (issue 14, class 4): every visible data sheet read, hidden ones skipped and listed, error cells
and uncached formulas kept as text, exact spreadsheet row numbers, rows counted from the XML independently of
the frame, and every failure a ValueError naming the file."""

from __future__ import annotations

import random
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import polars as pl
import pytest

from dagster_project import xlsx_reader
from dagster_project.contract import PROJECTS, header_map
from dagster_project.xlsx_reader import ERROR_CODES, NO_CACHED_VALUE, SheetRead, read_workbook

CORPUS = Path(__file__).parent / "bad_inputs"
KNOWN = {"项目编号": "project_id", "project_id": "project_id", "金额(元)": "amount", "amount": "amount",
         "竣工日期": "completion_date", "completion_date": "completion_date"}
REQUIRED = {"project_id", "amount"}
HEADER = ["项目编号", "金额(元)", "竣工日期"]


def write_book(path: Path, sheets: list[tuple[str, dict[int, list], str]]) -> Path:
    """openpyxl workbook: per sheet (name, {spreadsheet row: cells}, state)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows, state in sheets:
        ws = wb.create_sheet(name)
        ws.sheet_state = state
        for r, cells in rows.items():
            for c, value in enumerate(cells, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str) and value in ERROR_CODES:
                    cell.data_type = "e"  # openpyxl knows only the seven classic codes; the newer ones too
    wb.save(path)
    return path


def raw_book(path: Path, bodies: list[str], strings: tuple[str, ...] = (), prefix: str = "") -> Path:
    """A workbook written by hand, for cells openpyxl cannot write (cached formula values, ISO dates, x: prefix)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    if prefix:
        ns = ns.replace("xmlns=", f"xmlns:{prefix.rstrip(':')}=")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        sheets = "".join(f'<{prefix}sheet name="S{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                         for i in range(len(bodies)))
        z.writestr("xl/workbook.xml", f'<{prefix}workbook {ns} xmlns:r="{rel}"><{prefix}sheets>{sheets}'
                   f'</{prefix}sheets></{prefix}workbook>')
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{rel}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                       for i in range(len(bodies)))
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   f'2006/relationships">{rels}<Relationship Id="rIdS" Type="{rel}/sharedStrings" '
                   'Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
        for i, body in enumerate(bodies):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", f'<{prefix}worksheet {ns}><{prefix}sheetData>{body}'
                       f'</{prefix}sheetData></{prefix}worksheet>')
    return path


def xml_used_rows(path: Path, member: str) -> list[int]:
    """A third count, by ElementTree: rows holding a cell with a value (<v> text, inline text or a formula)."""
    used = []
    for row in ElementTree.fromstring(zipfile.ZipFile(path).read(member)).iter():
        if not row.tag.endswith("}row"):
            continue
        if any(el.tag.rsplit("}", 1)[-1] in ("f", "is") or (el.tag.endswith("}v") and el.text) for el in row.iter()):
            used.append(int(row.get("r")))
    return used


def consistent(sheet: SheetRead) -> SheetRead:
    """What must hold for every sheet read: the XML count is the frame's height, rows exact and below the header."""
    assert sheet.records == sheet.frame.height
    rows = sheet.frame["_row"].to_list()
    assert rows == sorted(set(rows)) and all(r > sheet.header_row for r in rows)
    assert sheet.frame.schema["_row"] == pl.Int64
    assert all(t == pl.String for c, t in sheet.frame.schema.items() if c != "_row")
    return sheet


def read(path: Path, known: dict[str, str] = KNOWN, required: set[str] = REQUIRED):
    book = read_workbook(path, known, required)
    for sheet in book.sheets:
        consistent(sheet)
    return book


def test_an_export_split_over_two_sheets_is_read_whole_with_exact_rows(tmp_path):
    path = write_book(tmp_path / "projects.xlsx", [
        ("第一部分", {1: HEADER, 2: ["P1", 100, None], 3: ["P2", 200, None]}, "visible"),
        ("第二部分", {1: ["标题"], 3: HEADER, 4: ["P3", 300, None], 7: ["P4", 400, None]}, "visible"),
    ])
    book = read(path)
    assert [s.name for s in book.sheets] == ["第一部分", "第二部分"] and book.skipped == []
    first, second = book.sheets
    assert first.frame.select("项目编号", "_row").rows() == [("P1", 2), ("P2", 3)]
    assert (second.header_row, second.records, second.blank_rows) == (3, 2, 2)
    assert second.frame.select("项目编号", "金额(元)", "_row").rows() == [("P3", "300", 4), ("P4", "400", 7)]
    assert xml_used_rows(path, "xl/worksheets/sheet2.xml") == [1, 3, 4, 7]


def test_a_hidden_stale_sheet_is_skipped_and_listed(tmp_path):
    path = write_book(tmp_path / "projects.xlsx", [
        ("旧版", {1: HEADER, 2: ["OLD", 1, None]}, "hidden"),
        ("当前", {1: HEADER, 2: ["NEW", 2, None]}, "visible"),
        ("备份", {1: HEADER, 2: ["BAK", 3, None]}, "veryHidden"),
    ])
    book = read(path)
    assert [s.name for s in book.sheets] == ["当前"]
    assert book.sheets[0].frame["项目编号"].to_list() == ["NEW"]
    assert book.skipped == [("旧版", "隐藏工作表，未读取"), ("备份", "深度隐藏工作表（veryHidden），未读取")]


def test_error_cells_keep_their_error_text(tmp_path):
    codes = sorted(ERROR_CODES)  # calamine itself refuses a sheet holding #SPILL!, #CALC! and the newer codes
    path = write_book(tmp_path / "projects.xlsx", [
        ("数据", {1: HEADER, **{i + 2: [f"P{i}", 1, code] for i, code in enumerate(codes)}}, "visible")])
    assert b't="e"><v>#SPILL!</v>' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    (sheet,) = read(path).sheets
    assert sheet.frame["竣工日期"].to_list() == codes
    assert sheet.frame["_row"].to_list() == list(range(2, len(codes) + 2))


def test_a_completion_date_of_na_is_not_read_as_empty(tmp_path):
    path = write_book(tmp_path / "projects.xlsx", [("数据", {1: HEADER, 2: ["P1", 1, "#N/A"]}, "visible")])
    (sheet,) = read(path).sheets
    assert sheet.frame.row(0) == ("P1", "1", "#N/A", 2)


def test_formulas_give_their_cached_value_or_the_no_cached_value_mark(tmp_path):
    # openpyxl writes formulas without a cached value; Excel saves one: <f>…</f><v>…</v>.
    path = write_book(tmp_path / "uncached.xlsx", [("数据", {1: HEADER, 2: ["P1", "=1+1", "=A2"]}, "visible")])
    (sheet,) = read(path).sheets
    assert sheet.frame.row(0) == ("P1", NO_CACHED_VALUE, NO_CACHED_VALUE, 2)
    body = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="str"><f>"P"&amp;1</f><v>P1</v></c><c r="B2"><f>1+1</f><v>123456789.12</v></c>'
            '</row>'
            '<row r="3"><c r="A3" t="str"><f>"P"&amp;2</f><v>P2</v></c><c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v>'
            '</c></row><row r="4"><c r="A4" t="s"><v>2</v></c><c r="B4"><f>SUM(B2:B3)</f></c></row>'
            '<row r="6"><c r="D6"><f>B4*2</f></c></row>'  # beyond every value calamine sees: the frame grows
            '<row r="7"><c r="A7" t="s"><v>2</v></c><c r="B7"><f t="shared" ref="B7:B8" si="0">B2*2</f>'
            '<v>246913578.24</v></c></row><row r="8"><c r="A8" t="s"><v>2</v></c><c r="B8"><f t="shared" si="0"/>'
            '<v>98765432.1</v></c></row>')
    path = raw_book(tmp_path / "cached.xlsx", [body], ("项目编号", "金额(元)", "P3"))
    (sheet,) = read(path).sheets
    assert sheet.frame.columns == ["项目编号", "金额(元)", "列4", "_row"]
    assert sheet.frame.rows() == [("P1", "123456789.12", None, 2), ("P2", "#DIV/0!", None, 3),
                                  ("P3", NO_CACHED_VALUE, None, 4),
                                  (None, None, NO_CACHED_VALUE, 6), ("P3", "246913578.24", None, 7),
                                  ("P3", "98765432.1", None, 8)]
    assert (sheet.records, sheet.blank_rows) == (6, 1)


def test_blank_rows_are_skipped_counted_and_later_rows_keep_their_numbers(tmp_path):
    path = write_book(tmp_path / "projects.xlsx", [
        ("数据", {1: HEADER, 2: ["P1", 1, None], 5: ["P2", 2, None], 6: [None, None, "#REF!"], 9: ["P3", 3, None]},
         "visible")])
    (sheet,) = read(path).sheets
    assert sheet.frame["_row"].to_list() == [2, 5, 6, 9]
    assert (sheet.records, sheet.blank_rows) == (4, 4)  # rows 3, 4, 7, 8
    assert sheet.frame.row(2) == (None, None, "#REF!", 6)


def test_styled_but_empty_rows_are_blank_rows(tmp_path):
    body = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" s="1"/><c r="B2" s="1"><v></v></c></row><row r="3" ht="20"/>'
            '<row r="4"><c r="A4" t="s"><v>2</v></c><c r="B4"><v>7</v></c></row>'
            '<row r="5"><c r="A5" s="1"/></row>')
    path = raw_book(tmp_path / "projects.xlsx", [body], ("项目编号", "金额(元)", "P1"))
    (sheet,) = read(path).sheets
    assert (sheet.frame.rows(), sheet.records, sheet.blank_rows) == ([("P1", "7", 4)], 1, 2)


def test_a_title_block_of_eight_rows_is_skipped(tmp_path):
    title = {r: [f"标题第{r}行"] for r in range(1, 9)} | {4: ["制表单位：某旗发改委", None, "单位：元"]}
    path = write_book(tmp_path / "projects.xlsx", [
        ("数据", title | {9: HEADER, 10: ["P1", 1, None], 11: ["P2", 2, date(2024, 5, 1)]}, "visible")])
    (sheet,) = read(path).sheets
    assert sheet.header_row == 9
    assert sheet.frame.rows() == [("P1", "1", None, 10), ("P2", "2", "2024-05-01", 11)]


def test_notes_and_empty_sheets_are_skipped_with_the_reason(tmp_path):
    path = write_book(tmp_path / "projects.xlsx", [
        ("说明", {1: ["填表说明"], 2: ["金额以元为单位"]}, "visible"),
        ("数据", {1: HEADER, 2: ["P1", 1, None]}, "visible"),
        ("空表", {}, "visible"),
        ("缺列", {1: ["竣工日期"], 2: [None]}, "visible"),
    ])
    book = read(path)
    assert [s.name for s in book.sheets] == ["数据"]
    reasons = dict(book.skipped)
    assert reasons["说明"].startswith("没有该名录的表头（缺少必填列") and reasons["说明"].endswith("），未读取")
    assert reasons["空表"] == "空工作表，未读取"
    assert reasons["缺列"] == "没有该名录的表头（缺少必填列 project_id（项目编号）、amount（金额(元)）），未读取"


def test_a_sheet_with_most_of_the_header_but_a_required_column_missing_refuses_the_file(tmp_path):
    """Naming half the required columns or more, the sheet holds the registry's rows: skipping it would lose them."""
    path = write_book(tmp_path / "projects.xlsx", [
        ("数据", {1: HEADER, 2: ["P1", 1, None]}, "visible"),
        ("缺列", {1: ["项目编号", "竣工日期"], 2: ["P9", None]}, "visible"),
    ])
    with pytest.raises(ValueError, match=r"projects.xlsx: 工作表「缺列」有该登记库的表头，但缺少必填列 amount"):
        read(path)


def test_cells_read_as_the_text_excel_shows(tmp_path):
    path = write_book(tmp_path / "projects.xlsx", [("数据", {1: ["项目编号", "金额(元)", "a", "b", "c", "d", "e"], 2: [
        "  P 1 ", 150622, 1e20, 0.1, date(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5), True],
        3: ["P2", 150622.0, -0.0, 1.234567890123457e17, datetime(2024, 1, 2), "2024-01-02 00:00:00", False]},
        "visible")])
    (sheet,) = read(path).sheets
    assert sheet.frame.rows() == [
        ("  P 1 ", "150622", "100000000000000000000", "0.1", "2024-01-02", "2024-01-02 03:04:05", "TRUE", 2),
        ("P2", "150622", "0", "123456789012345700", "2024-01-02", "2024-01-02", "FALSE", 3)]


def test_numbers_as_excel_stores_them_get_their_shortest_digits(tmp_path):
    # calamine prints integers' exact binary value and rounds other numbers to 9 decimals (123456789.12 as
    # 123456789.120000005, 1/3 as 0.333333333); Excel writes up to 17 digits (0.33333333333333331).
    values = ["1.2345678901234567E+19", "12345678901234567890", "1E+20", "-0", "1E-7", "0.30000000000000004", "3",
              "123456789.12", "0.33333333333333331", "1.5E-300", "2.675"]
    cells = "".join(f'<c r="{chr(66 + i)}2"><v>{v}</v></c>' for i, v in enumerate(values))
    heads = "".join(f'<c r="{chr(66 + i)}1" t="inlineStr"><is><t>n{i}</t></is></c>' for i in range(len(values)))
    body = (f'<row r="1"><c r="A1" t="s"><v>0</v></c>{heads}<c r="{chr(66 + len(values))}1" t="s"><v>1</v></c>'
            f'</row><row r="2"><c r="A2" t="s"><v>2</v></c>{cells}</row>')
    (sheet,) = read(raw_book(tmp_path / "projects.xlsx", [body], ("项目编号", "金额(元)", "P1"))).sheets
    assert sheet.frame.row(0)[1:-2] == (
        "12345678901234567000", "12345678901234567000", "100000000000000000000", "0", "0.0000001",
        "0.30000000000000004", "3", "123456789.12", "0.3333333333333333", "0." + "0" * 299 + "15", "2.675")


def test_blank_and_repeated_header_cells_keep_their_columns(tmp_path):
    path = write_book(tmp_path / "projects.xlsx", [
        ("数据", {1: [None, "项目编号", "金额(元)", None, "项目编号"], 2: ["a", "P1", 1, "d", "P1-dup"]}, "visible")])
    (sheet,) = read(path).sheets
    assert sheet.frame.columns == ["列1", "项目编号", "金额(元)", "列4", "项目编号（列5）", "_row"]
    assert sheet.frame.row(0) == ("a", "P1", "1", "d", "P1-dup", 2)


def test_a_sheet_starting_right_of_column_a_names_columns_by_their_letter(tmp_path):
    path = write_book(tmp_path / "projects.xlsx", [
        ("数据", {3: [None, None, "项目编号", "金额(元)", None], 4: [None, None, "P1", 5, "备注"]}, "visible")])
    (sheet,) = read(path).sheets
    assert (sheet.header_row, sheet.frame.columns) == (3, ["项目编号", "金额(元)", "列5", "_row"])
    assert sheet.frame.row(0) == ("P1", "5", "备注", 4)


def test_strict_iso_dates_prefixed_xml_and_rows_without_numbers(tmp_path):
    body = ('<x:row><x:c t="inlineStr"><x:is><x:t>项目编号</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>金额(元)'
            '</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>竣工日期</x:t></x:is></x:c></x:row>'
            '<x:row><x:c t="inlineStr"><x:is><x:t>P1</x:t></x:is></x:c><x:c t="b"><x:v>1</x:v></x:c>'
            '<x:c t="d"><x:v>2024-03-05T00:00:00</x:v></x:c></x:row>'
            '<x:row r="5"><x:c r="A5" t="inlineStr"><x:is><x:t>P2</x:t></x:is></x:c><x:c r="B5" t="e"><x:v>#N/A</x:v>'
            '</x:c><x:c r="C5" t="d"><x:v>2024-03-05T10:30:00</x:v></x:c></x:row>'
            '<x:row><x:c t="inlineStr"><x:is><x:t>P3</x:t></x:is></x:c><x:c><x:v>4</x:v></x:c></x:row>'
            '<x:row><x:c t="inlineStr"><x:is><x:t>P4</x:t></x:is></x:c><x:c><x:v>123456789.12</x:v></x:c></x:row>')
    (sheet,) = read(raw_book(tmp_path / "projects.xlsx", [body], prefix="x:")).sheets
    assert sheet.frame.rows() == [("P1", "TRUE", "2024-03-05", 2), ("P2", "#N/A", "2024-03-05 10:30:00", 5),
                                  ("P3", "4", None, 6), ("P4", "123456789.12", None, 7)]
    assert (sheet.records, sheet.blank_rows) == (4, 2)


def test_the_corpus_workbook_with_a_merged_title_reads_with_the_real_contract():
    required = {c.name for c in PROJECTS.columns if c.required}
    book = read(CORPUS / "projects_merged_header.xlsx", header_map(PROJECTS), required)
    (sheet,) = book.sheets
    assert (sheet.header_row, sheet.records, sheet.frame["_row"].to_list()) == (3, 2, [4, 5])


@pytest.mark.parametrize(("content", "says"), [
    (b"PK\x03\x04 truncated", "不是有效的 xlsx 文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "旧版 .xls 格式或设置了打开密码"),
    ("项目编号,金额\nP1,1\n".encode(), "不是有效的 xlsx 文件"),
])
def test_a_file_that_is_not_a_workbook_is_refused_naming_the_file(tmp_path, content, says):
    path = tmp_path / "projects.xlsx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"^projects\.xlsx: .*{re.escape(says)}.*(重新导出|重新放入)"):
        read_workbook(path, KNOWN, REQUIRED)


def test_a_workbook_cut_short_is_refused_naming_the_file(tmp_path):
    good = write_book(tmp_path / "good.xlsx", [("数据", {1: HEADER, **{r: [f"P{r}", r, None]
                                                                    for r in range(2, 400)}}, "visible")])
    cut = tmp_path / "projects.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    with pytest.raises(ValueError, match=r"^projects\.xlsx: "):
        read_workbook(cut, KNOWN, REQUIRED)


def test_damaged_sheet_data_is_refused_naming_file_and_sheet(tmp_path):
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2"'
    path = raw_book(tmp_path / "projects.xlsx", [body], ("项目编号", "金额(元)"))
    with pytest.raises(ValueError, match=r"^projects\.xlsx: 工作表「S1」无法读取.*请用 Excel 打开后另存为"):
        read_workbook(path, KNOWN, REQUIRED)


def random_book(rng: random.Random, path: Path) -> tuple[Path, dict[str, list[tuple[int, str]]], set[str]]:
    """A workbook as exports go wrong: extra hidden and notes sheets, title blocks, blank rows, error cells,
    uncached formulas. Returns it with, per data sheet, the expected (row, project id) and the skipped names."""
    sheets, expected, skipped = [], {}, set()
    for i in range(rng.randint(1, 4)):
        kind = rng.choice(["data", "data", "data", "hidden", "notes", "empty"])
        name = f"表{i}"
        if kind == "notes":
            sheets.append((name, {1: ["说明"], rng.randint(2, 40): ["第二行"]}, "visible"))
        elif kind == "empty":
            sheets.append((name, {}, "visible"))
        else:
            title = rng.randint(0, 12)
            rows = {r: [f"标题{r}"] for r in range(1, title + 1)} | {title + 1: HEADER}
            r, got = title + 1, []
            for k in range(rng.randint(0, 25)):
                r += 1 + (rng.randint(1, 3) if rng.random() < 0.2 else 0)
                amount = rng.choice([k, "#N/A", "#DIV/0!", "#SPILL!", "=1/0", 1e20, None, "  ", 123456789.12,
                                     datetime(2024, 1, 2, 3, 4, 5), True])
                rows[r] = [f"{name}-P{k}", amount, rng.choice([None, "#REF!", date(2024, 1, 2)])]
                got.append((r, f"{name}-P{k}"))
            if kind == "hidden":
                sheets.append((name, rows, rng.choice(["hidden", "veryHidden"])))
            else:
                sheets.append((name, rows, "visible"))
                expected[name] = got
        if kind != "data":
            skipped.add(name)
    if all(state != "visible" for *_, state in sheets):  # a workbook shows at least one sheet
        sheets.append(("备注", {1: ["备注"]}, "visible"))
        skipped.add("备注")
    return write_book(path, sheets), expected, skipped


def test_randomly_damaged_workbooks_lose_no_row_and_raise_nothing(tmp_path):
    rng = random.Random(20261127)
    for n in range(30):
        path, expected, skipped = random_book(rng, tmp_path / f"projects_{n}.xlsx")
        book = read(path)
        assert {s.name: list(zip(s.frame["_row"], s.frame["项目编号"], strict=True)) for s in book.sheets} == expected
        assert {name for name, _ in book.skipped} == skipped
        order = openpyxl.load_workbook(path, read_only=True).sheetnames  # openpyxl writes sheet<k>.xml in order
        for s in book.sheets:
            used = xml_used_rows(path, f"xl/worksheets/sheet{order.index(s.name) + 1}.xml")
            assert s.records == len([r for r in used if r > s.header_row]) == s.frame.height
            # openpyxl writes "  " without xml:space="preserve", so the XML holds no text: it reads as ""
            assert set(s.frame["金额(元)"].drop_nulls()) <= {str(k) for k in range(25)} | {
                "#N/A", "#DIV/0!", "#SPILL!", NO_CACHED_VALUE, "100000000000000000000", "", "123456789.12",
                "2024-01-02 03:04:05", "TRUE"}


def test_the_fast_path_leaves_an_ordinary_export_untouched(tmp_path):
    path = write_book(tmp_path / "projects.xlsx", [("数据", {1: HEADER, 2: ["P1", 1, date(2024, 1, 2)]}, "visible")])
    data = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    scan = xlsx_reader._scan(data, 30)
    assert (scan.fixes.height, scan.patched, scan.used_total, scan.last_used) == (0, None, 2, 2)
