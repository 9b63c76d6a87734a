"""XLSX workbook -> one text frame per data sheet, every cell as the text Excel shows, rows numbered as Excel does.

What is read (issue 14, class 4):

- **Sheets.** Every *visible* worksheet whose header row names all required columns of the registry is a data
  sheet and is read, in workbook order, so an export split over several sheets is read whole. Hidden and very
  hidden sheets are not read (a stale copy is often kept hidden) and are listed as skipped with the reason
  (「隐藏工作表，未读取」); so are visible sheets without this registry's header (notes, 说明) and empty sheets,
  and chart sheets.
- **Header.** The header is the row, among the first `max_header_scan` (30) of the sheet, that names the most
  known columns (canonical names or aliases, compared after `contract.normalise_header`; the first such row on
  a tie), so a title block of any height up to that is skipped. Columns keep the header cells as written; a
  blank header cell becomes 「列N」 (N the spreadsheet column number, A = 1) and a repeated one
  「<header>（列N）」, so no column is lost or merged. A column with no value anywhere in the sheet is not read.
- **Rows.** `_row` is the spreadsheet row number exactly as Excel shows it, whatever lies above (title block,
  blank rows). Blank rows (no cell with a value; formatting alone is not a value) are skipped and counted as
  `blank_rows` (up to the last record); they are not records.
  `records` — the rows below the header holding at least one value — is counted from the sheet's XML, not from
  the parser that builds the frame, so a parser that lost or invented rows would show as `records` differing
  from the frame's height.
- **Cells**, as text (never typed here):
  - Excel error cells (#N/A, #REF!, #DIV/0!, #VALUE! …, see `ERROR_CODES`) keep their error text, never empty,
    so validation can quarantine the row saying which error the cell holds (an #N/A completion date is not
    "not completed").
  - A formula cell gives its cached value (the value Excel last computed and saved). A formula never computed
    and saved (a file written by a program, not by Excel) has no value to give: its text is `NO_CACHED_VALUE`
    (「#无缓存值」), so the row is quarantined rather than read as empty; open the file in Excel and save it.
  - Date and date-time cells: `YYYY-MM-DD`, with ` HH:MM:SS` only when the time is not midnight (validation,
    which wants a date, then refuses it instead of dropping the time). A text cell spelled exactly
    `YYYY-MM-DD 00:00:00` reads as `YYYY-MM-DD` too (the same day).
  - Numbers in decimal notation with the shortest digits that give back the stored number (what Excel shows
    at full precision): integers without `.0` (`150622`), `0.1`, `123456789.12`, `1e20` as
    `100000000000000000000`; never an exponent. Booleans `TRUE` / `FALSE`. Text as stored (spaces kept;
    trimming is validation's), except that text of spaces only, written without `xml:space="preserve"` (as
    openpyxl does), is empty text under XML's rules.
- **Refusals.** A file that cannot be read raises `ValueError` naming the file (and sheet) and saying what to do:
  not a zip (truncated, unsaved), an old .xls or a password-protected workbook, damaged sheet data.

How: fastexcel (calamine, Rust) reads the cells in bulk, from row 1 so that frame index + 1 is the row number.
At the same time (calamine releases the GIL) a pass over each sheet's XML in the zip counts the used rows and
finds the cells calamine reads wrong: error cells (read as empty), formulas without a cached value (empty),
booleans ("true"), ISO dates (t="d", as written) and numbers whose text calamine changes (it rounds to 9
decimals, so 123456789.12 reads 123456789.120000005, and prints integers of 16+ digits by their binary value);
those cells are set to their text in the frame (a number's only where calamine printed a number: a date-time
cell holds a number too). Ordinary exports hold none of them, and the searches are skipped when a byte they
need (a letter, ".", "-") is absent from the sheet. An error code calamine does not know
(#SPILL!, #CALC! …) makes it refuse the whole sheet: such cells are rewritten as inline text in a scratch copy of
the workbook (deleted afterwards) and that sheet is read again.
"""

from __future__ import annotations

import bisect
import posixpath
import re
import shutil
import tempfile
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape, unescape

import fastexcel
import polars as pl

from .contract import normalise_header

# What Excel can store as a cell's error value (t="e").
ERROR_CODES: frozenset[str] = frozenset({
    "#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA",
    "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!",
})
NO_CACHED_VALUE = "#无缓存值"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected .xlsx are OLE compound files
_WORKSHEET = "/worksheet"  # relationship type suffix of a worksheet (chart and dialog sheets are not read)
_STATES = {"hidden": "隐藏工作表，未读取", "veryHidden": "深度隐藏工作表（veryHidden），未读取"}


@dataclass
class SheetRead:
    name: str
    frame: pl.DataFrame  # header cells as column names, every cell pl.String, plus _row (pl.Int64)
    header_row: int  # spreadsheet row number of the header
    records: int  # used rows below the header, counted from the sheet's XML
    blank_rows: int  # blank rows below the header (up to the last record), skipped


@dataclass
class WorkbookRead:
    sheets: list[SheetRead]
    skipped: list[tuple[str, str]]  # (sheet name, reason in Chinese)


@dataclass
class _Entry:
    """A sheet as workbook.xml lists it."""
    name: str
    state: str  # visible | hidden | veryHidden
    member: str | None  # its XML in the zip; None for chart and dialog sheets


# A cell calamine reads wrong, and the text it is read as instead: spreadsheet row (1-based), column (A = 0),
# text, and whether it is a number (applied only where calamine printed a number, not a date: a date-time is a
# number with many decimals).
_FIXES = {"row": pl.Int64, "col": pl.Int64, "text": pl.String, "number": pl.Boolean}


@dataclass
class _Scan:
    """What the sheet's XML says: its used rows, the cells calamine misreads, and, when calamine cannot read the
    sheet at all (error codes it does not know, such as #SPILL!), the XML with those cells as inline text."""
    used_top: list[int] = field(default_factory=list)  # used row numbers among the first rows (header search)
    used_total: int = 0
    last_used: int = 0
    fixes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_FIXES))
    patched: bytes | None = None


class _PartialHeader(Exception):
    """A visible sheet that names most of the registry's columns but not all required ones: its rows are the
    registry's, so skipping it would lose them without a word; the file is refused instead."""


def read_workbook(path: Path, known: dict[str, str], required: set[str], max_header_scan: int = 30) -> WorkbookRead:
    """Read every visible data sheet of `path` (see the module docstring for what is read and how)."""
    entries = _entries(path)
    wanted = [e for e in entries if e.state == "visible" and e.member]
    with ThreadPoolExecutor(1) as pool:  # the XML pass runs while calamine (which releases the GIL) reads
        pending = pool.submit(_scan_all, path, wanted, max_header_scan)
        raws, failures = _load(path, [e.name for e in wanted])
        scans = pending.result()
    for e in wanted:
        if e.name in failures and scans[e.name].patched is None:
            raise ValueError(f"{path.name}: 工作表「{e.name}」无法读取（{failures[e.name]}）；"
                             "请用 Excel 打开后另存为 .xlsx 再重新导出")
    redo = [e for e in wanted if scans[e.name].patched is not None]
    if redo:
        raws |= _load_patched(path, {e.member: scans[e.name].patched for e in redo}, [e.name for e in redo])
    sheets, skipped = [], []
    for e in entries:
        if e.state != "visible" or not e.member:
            skipped.append((e.name, _STATES.get(e.state, "不是数据工作表（图表或对话框工作表），未读取")))
            continue
        frame = _fixed(raws[e.name], scans[e.name].fixes)
        try:
            sheet = _sheet(e.name, frame, scans[e.name], known, required, max_header_scan)
        except _PartialHeader as exc:
            raise ValueError(f"{path.name}: {exc}") from None
        if isinstance(sheet, str):
            skipped.append((e.name, sheet))
        else:
            sheets.append(sheet)
    return WorkbookRead(sheets, skipped)


# --- the workbook's sheet list ------------------------------------------------------------------------------

def _entries(path: Path) -> list[_Entry]:
    with path.open("rb") as f:
        if f.read(8) == _OLE_MAGIC:
            raise ValueError(f"{path.name}: 是旧版 .xls 格式或设置了打开密码的工作簿，无法读取；"
                             "请用 Excel 另存为不加密的 .xlsx 后重新放入")
    try:
        with zipfile.ZipFile(path) as z:
            book = _workbook_member(z)
            root = ElementTree.fromstring(z.read(book))
            rels = ElementTree.fromstring(z.read(_rels_of(book)))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, zlib.error, EOFError, OSError) as exc:
        raise ValueError(f"{path.name}: 不是有效的 xlsx 文件（可能未完整保存或被截断：{_short(exc)}），"
                         "请用 Excel 打开确认后重新导出") from exc
    targets = {r.get("Id"): (r.get("Type") or "", r.get("Target") or "")
               for r in rels if _local(r.tag) == "Relationship"}
    out = []
    for el in root.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        kind, target = targets.get(rid, ("", ""))
        member = _resolve(book, target) if kind.endswith(_WORKSHEET) and target else None
        out.append(_Entry(el.get("name") or "", el.get("state") or "visible", member))
    return out


def _workbook_member(z: zipfile.ZipFile) -> str:
    """The workbook part, as the package's root relationships name it (xl/workbook.xml in practice)."""
    try:
        root = ElementTree.fromstring(z.read("_rels/.rels"))
    except KeyError:
        return "xl/workbook.xml"
    for r in root:
        if (r.get("Type") or "").endswith("/officeDocument") and r.get("Target"):
            return _resolve("", r.get("Target"))
    return "xl/workbook.xml"


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _short(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__)[:200]


# --- bulk read (calamine) -----------------------------------------------------------------------------------

def _load(path: Path, names: list[str]) -> tuple[dict[str, pl.DataFrame], dict[str, str]]:
    """Every named sheet read by calamine from row 1 (spreadsheet row i + 1 at index i, columns c<column index,
    A = 0); a sheet calamine refuses is returned in the failures."""
    raws: dict[str, pl.DataFrame] = {}
    failures: dict[str, str] = {}
    if not names:
        return raws, failures
    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # noqa: BLE001 - calamine's errors have no common base; the message says what
        raise ValueError(f"{path.name}: 无法打开工作簿（{_short(exc)}）；"
                         "请用 Excel 打开后另存为 .xlsx 再重新导出") from exc
    for name in names:
        try:
            raws[name] = _load_sheet(reader, name)
        except Exception as exc:  # noqa: BLE001 - e.g. an error code calamine does not know (#SPILL!): patched
            failures[name] = _short(exc)
    return raws, failures


def _load_sheet(reader: fastexcel.ExcelReader, name: str) -> pl.DataFrame:
    """header_row=None with skip_rows=0: the frame starts at spreadsheet row 1 even when the first rows are empty.
    Eager loading is the cheapest (a fifth less CPU than the lazy sheet); it gives error cells as null, which the
    XML pass replaces with their text. The column filter only records each column's letter."""
    letters: dict[str, str] = {}

    def record(column: fastexcel.ColumnInfoNoDtype) -> bool:
        letters[column.name] = f"c{column.absolute_index}"
        return True

    batch = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string", eager=True, use_columns=record)
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    return frame.rename(letters)


def _load_patched(path: Path, patched: dict[str, bytes], names: list[str]) -> dict[str, pl.DataFrame]:
    """Read the named sheets again from a scratch copy of the workbook holding the rewritten sheet XML."""
    scratch = Path(tempfile.mkdtemp(prefix="xlsx_reader_"))
    try:
        copy = scratch / "book.xlsx"
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, patched.get(info.filename) or src.read(info))
        raws, failures = _load(copy, names)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for name, why in failures.items():
        raise ValueError(f"{path.name}: 工作表「{name}」无法读取（{why}）；请用 Excel 打开后另存为 .xlsx 再重新导出")
    return raws


def _fixed(frame: pl.DataFrame, fixes: pl.DataFrame) -> pl.DataFrame:
    """calamine's frame with the misread cells set to their text (growing it where calamine saw no value)."""
    if fixes.height == 0:
        return frame
    height = max(frame.height, int(fixes["row"].max()))
    wanted = {f"c{c}" for c in fixes["col"].unique()}
    columns = sorted(set(frame.columns) | wanted, key=lambda c: int(c[1:]))
    frame = pl.DataFrame({c: frame[c] if c in frame.columns else [None] * frame.height for c in columns},
                         schema=dict.fromkeys(columns, pl.String))
    if height > frame.height:
        frame = pl.concat([frame, pl.DataFrame({c: [None] * (height - frame.height) for c in columns},
                                               schema=frame.schema)])
    for (col,), cells in fixes.group_by("col"):
        name = f"c{col}"
        at = (cells["row"] - 1).cast(pl.UInt32)
        printed_number = frame[name].gather(at).cast(pl.Float64, strict=False).is_not_null()
        keep = ~cells["number"] | printed_number
        if keep.any():
            frame = frame.with_columns(frame[name].scatter(at.filter(keep), cells["text"].filter(keep)))
    return frame


# --- one sheet's frame --------------------------------------------------------------------------------------

def _sheet(name: str, frame: pl.DataFrame, scan: _Scan, known: dict[str, str], required: set[str],
           max_header_scan: int) -> SheetRead | str:
    """The sheet read, or the reason it is skipped."""
    if frame.height == 0 and scan.used_total == 0:
        return "空工作表，未读取"
    found = [{known[h] for v in row if v is not None and (h := normalise_header(v)) in known}
             for row in frame.head(max_header_scan).iter_rows()]
    best = max(range(len(found)), key=lambda i: len(found[i]), default=0)
    named = found[best] if found else set()
    missing = [c for c in dict.fromkeys(known.values()) if c in required - named]  # in registry order
    if missing or not named:
        zh = _first_alias(known)
        listed = "、".join(f"{m}（{zh[m]}）" if m in zh else m for m in missing)
        if len(named & required) * 2 >= len(required):  # the registry's data with a column missing: not a notes
            raise _PartialHeader(f"工作表「{name}」有该登记库的表头，但缺少必填列 {listed}；请补齐该列后重新导出")
        return f"没有该名录的表头（缺少必填列 {listed}），未读取"
    header_row = best + 1
    names = _column_names(frame.row(best), frame.columns)
    data = (frame.slice(best + 1)
            .with_row_index("_row", offset=header_row + 1)
            .filter(pl.any_horizontal(pl.col(frame.columns).is_not_null())))
    data = _midnight_dates(data, frame.columns).select(
        *(pl.col(c).alias(names[c]) for c in frame.columns), pl.col("_row").cast(pl.Int64))
    records = scan.used_total - sum(r <= header_row for r in scan.used_top)
    blank = max(scan.last_used - header_row - records, 0)
    return SheetRead(name, data, header_row, records, blank)


def _midnight_dates(data: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """calamine gives every date cell as "YYYY-MM-DD HH:MM:SS"; a date at midnight is shown as the date.
    The pattern is tried only on columns that hold such a cell (a cheap test), as it is the costly part."""
    has = data.select(pl.col(c).str.ends_with(" 00:00:00").any() for c in columns).row(0)
    dated = [c for c, h in zip(columns, has, strict=True) if h]
    return data.with_columns(pl.col(dated).str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "${1}")) if dated else data


def _column_names(header: tuple, columns: list[str]) -> dict[str, str]:
    """Frame column -> header cell as written; blank cells 「列N」, repeats 「<header>（列N）」."""
    out: dict[str, str] = {}
    taken = {"_row"}
    for col, cell in zip(columns, header, strict=True):
        n = int(col[1:]) + 1
        text = cell if cell is not None and cell.strip() else f"列{n}"
        if text in taken:
            text = f"{text}（列{n}）"
        taken.add(text)
        out[col] = text
    return out


def _first_alias(known: dict[str, str]) -> dict[str, str]:
    """Canonical column -> its first other spelling (header_map lists the canonical name, then the aliases)."""
    out: dict[str, str] = {}
    for spelling, canon in known.items():
        if spelling != normalise_header(canon):
            out.setdefault(canon, spelling)
    return out


# --- the XML pass -------------------------------------------------------------------------------------------

def _scan_all(path: Path, entries: list[_Entry], top: int) -> dict[str, _Scan]:
    out = {}
    with zipfile.ZipFile(path) as z:
        for e in entries:
            try:
                data = z.read(e.member)
            except (KeyError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise ValueError(f"{path.name}: 工作表「{e.name}」的数据已损坏（{_short(exc)}），"
                                 "可能未完整保存或被截断；请重新导出") from exc
            try:
                out[e.name] = _scan(data, top)
            except (ValueError, IndexError) as exc:  # e.g. a row number that is not a number
                raise ValueError(f"{path.name}: 工作表「{e.name}」的 XML 结构无法识别（{_short(exc)}）；"
                                 "请用 Excel 打开后另存为 .xlsx 再重新导出") from exc
    return out


@dataclass(frozen=True)
class _Patterns:
    """The sheet's element names with its namespace prefix (usually none; some tools write `x:c`)."""
    row_open: bytes
    row_r: bytes
    cell_open: bytes
    cell_close: bytes
    typed: re.Pattern[bytes]
    typed_quoted: re.Pattern[bytes]
    uncached: re.Pattern[bytes]
    long_value: re.Pattern[bytes]
    exponent_marks: tuple[re.Pattern[bytes], ...]
    exponent: re.Pattern[bytes]
    minus_zero: re.Pattern[bytes]
    row: re.Pattern[bytes]
    row_suspect: re.Pattern[bytes]
    empty_row: re.Pattern[bytes]
    cell: re.Pattern[bytes]
    value: re.Pattern[bytes]
    formula: re.Pattern[bytes]


def _patterns(prefix: bytes) -> _Patterns:
    p = re.escape(prefix)
    # A cell calamine reads as empty: self-closing, no value, an empty <v/> or <is/>, or <v></v> unless a string.
    # Attribute values of <c> and <row> never hold "/", so [^>/]*+ reads a start tag without backtracking.
    empty_cell = (rb"<" + p + rb"c\b[^>/]*+(?:/>|>\s*(?:<" + p + rb"(?:v|is)\s*/>)?\s*</" + p + rb"c>)"
                  rb"|<" + p + rb"c\b(?![^>]*t=[\"']str)[^>/]*+><" + p + rb"v></" + p + rb"v></" + p + rb"c>")
    v = rb"<" + p + rb"v>"
    return _Patterns(
        row_open=b"<" + prefix + b"row", row_r=b"<" + prefix + b'row r="',
        cell_open=b"<" + prefix + b"c", cell_close=b"</" + prefix + b"c>",
        # cells calamine reads wrong or not at all: errors, booleans, ISO dates (each search starts with a literal,
        # which re finds fast), and formulas without a cached value
        typed=re.compile(rb' t="[ebd]"'),
        typed_quoted=re.compile(rb" t='[ebd]'"),
        uncached=re.compile(rb"<" + p + rb"f\b[^>]*?(?:/>|>[^<]*</" + p + rb"f>)\s*(?:<" + p + rb"v\s*/>|<" + p
                            + rb"v></" + p + rb"v>)?\s*</" + p + rb"c>"),
        # values calamine may print otherwise than with their shortest digits (it rounds to 9 decimals and prints
        # integers by their exact binary value): those of 9+ characters, exponents, -0. Simple searches, as an
        # alternation tried at each of a sheet's millions of <v> costs four times as much.
        long_value=re.compile(v + rb"(-?[\d.]{9}[^<]*)</" + p + rb"v>"),
        exponent_marks=(re.compile(rb"E[-+]\d"), re.compile(rb"e[-+]\d")),  # a literal first: a fast search
        exponent=re.compile(v + rb"(-?[\d.]+[eE][-+]?\d+)</" + p + rb"v>"),
        minus_zero=re.compile(v + rb"(-0(?:\.0*)?)</" + p + rb"v>"),
        row=re.compile(rb"<" + p + rb"row\b[^>]*?(?:/>|>.*?</" + p + rb"row>)", re.S),
        row_suspect=re.compile(rb"<" + p + rb"row\b[^>/]*+(?:/>|>\s*(?:</" + p + rb"row>|" + empty_cell + rb"))"),
        empty_row=re.compile(rb"<" + p + rb"row\b[^>/]*+(?:/>|>(?:\s|" + empty_cell + rb")*+</" + p + rb"row>)"),
        cell=re.compile(rb"<(" + p + rb")c\b([^>]*?)(/?)>"),
        value=re.compile(v + rb"(.*?)</" + p + rb"v>", re.S),
        formula=re.compile(rb"<" + p + rb"f[\s>/]"),
    )


_PATTERNS: dict[bytes, _Patterns] = {}
_TYPE = re.compile(rb"\st=[\"'](\w+)[\"']")
_REF = re.compile(rb"\sr=[\"']([A-Za-z]{1,3})(\d+)[\"']")
_ROW_NUMBER = re.compile(rb"\sr=[\"'](\d+)[\"']")
# The error codes calamine reads (as an error, which we give as its text); any other makes it refuse the sheet.
_CALAMINE_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})


def _bounds(data: bytes) -> tuple[_Patterns, int, int] | None:
    """The patterns for the sheet's namespace prefix, and where its sheetData content starts and ends."""
    m = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", data)
    if not m or m.group(2):
        return None
    prefix = m.group(1) or b""
    end = data.find(b"</" + prefix + b"sheetData>", m.end())
    return _PATTERNS.setdefault(prefix, _patterns(prefix)), m.end(), (end if end >= 0 else len(data))


def _scan(data: bytes, top: int) -> _Scan:
    found = _bounds(data)
    if found is None:
        return _Scan()
    pat, start, end = found
    scan = _rows(data, start, end, pat, top)
    cells = _suspects(data, start, end, pat, [
        ((b"e", b"b", b"d"), pat.typed), ((b"'",), pat.typed_quoted), ((b"f",), pat.uncached)])
    where = _Positions(data, start, end, pat)
    fixes, inline = _fixes(where, cells) if cells else ([], [])
    scan.fixes = pl.concat([_fix_frame(fixes), _number_fixes(where)])
    if inline:
        scan.patched = _inlined(data, inline, pat)
    return scan


def _number_fixes(where: _Positions) -> pl.DataFrame:
    """Fixes for the number cells whose text calamine changes. A money column of 8-digit amounts with fen can
    hold most of a sheet's cells, so they are read in bulk: a few searches, then column operations."""
    data, start, end, pat = where.data, where.start, where.end, where.pat
    found = _number_values(data, start, end, pat)
    if not found:
        return pl.DataFrame(schema=_FIXES)
    # the cell's start tag (and formula, if any) up to its <v>: the cell opens at the nearest "<c" before
    heads = [data[data.rfind(pat.cell_open, start, at):at] for at, _ in found]
    cells = pl.DataFrame({"attrs": b"\n".join(heads).decode("utf-8", "replace").split("\n"),
                          "raw": b"\n".join(v for _, v in found).decode("utf-8", "replace").split("\n")})
    cells = cells.with_columns(pl.col("attrs").str.extract(r"^([^>]*)"))  # the cell's tag, not its formula's
    cells = cells.with_columns(
        pl.col("attrs").str.extract(r"""\sr=["']([A-Za-z]{1,3})\d+["']""").str.to_uppercase().alias("letters"),
        pl.col("attrs").str.extract(r"""\sr=["'][A-Za-z]{1,3}(\d+)["']""").cast(pl.Int64).alias("row"),
        pl.col("attrs").str.extract(r"""\st=["'](\w+)["']""").alias("t"),
    ).filter(pl.col("t").is_null() | (pl.col("t") == "n"))
    if cells["row"].null_count():  # a cell without its reference: placed one by one
        return _number_fixes_by_position(where, found)
    # calamine prints these right: fewer than 16 digits, at most 9 decimals, no fraction from 2^23 on; not -0
    cells = cells.filter(~pl.col("raw").str.contains(r"^-?(?:\d{1,15}|[0-7]?\d{1,6}\.\d{1,9}|8[0-2]\d{5}\.\d{1,9})$")
                         | pl.col("raw").str.contains(r"^-0(?:\.0*)?$"))
    letters = cells["letters"].unique().to_list()
    # Text with at most 15 significant digits is its own shortest form once trailing zeros are dropped; the few
    # others (16+ digits, exponents, -0) are formatted one by one.
    plain = (pl.col("raw").str.contains(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?$") & ~pl.col("raw").str.contains(r"^-0(?:\.0*)?$")
             & (pl.col("raw").str.replace_all(r"[-.]", "").str.strip_chars_start("0").str.len_chars() <= 15))
    cells = cells.with_columns(
        pl.col("letters").replace_strict(letters, [_column_index(x) for x in letters], return_dtype=pl.Int64)
        .alias("col"),
        pl.when(plain & pl.col("raw").str.contains(r"\.")).then(pl.col("raw").str.replace(r"\.?0+$", ""))
        .when(plain).then(pl.col("raw")).alias("text"),
    )
    odd = cells.filter(pl.col("text").is_null())
    if odd.height:
        odd = odd.with_columns(text=pl.Series([_number_text(float(v)) if _is_float(v) else None for v in odd["raw"]],
                                              dtype=pl.String))
        cells = pl.concat([cells.filter(pl.col("text").is_not_null()), odd.filter(pl.col("text").is_not_null())])
    return cells.select("row", "col", "text", number=pl.lit(True))


def _number_values(data: bytes, start: int, end: int, pat: _Patterns) -> list[tuple[int, bytes]]:
    """(position, text) of the <v> values that may be numbers calamine prints otherwise."""
    found = [(m.start(), m.group(1)) for m in pat.long_value.finditer(data, start, end)]
    more = []
    signs = data.find(b"+", start, end) >= 0 or data.find(b"-", start, end) >= 0  # memchr-fast
    if signs and any(mark.search(data, start, end) for mark in pat.exponent_marks):
        more += [(m.start(), m.group(1)) for m in pat.exponent.finditer(data, start, end)]
    if data.find(b"-", start, end) >= 0:
        more += [(m.start(), m.group(1)) for m in pat.minus_zero.finditer(data, start, end)]
    return sorted(set(found + more)) if more else found


def _number_fixes_by_position(where: _Positions, found: list[tuple[int, bytes]]) -> pl.DataFrame:
    """The same, cell by cell, for sheets whose cells do not all carry their reference."""
    data, pat, rows = where.data, where.pat, []
    for at, value in found:
        a = _cell_start(data, at, pat)
        cell = pat.cell.match(data, a)
        if not cell or ((t := _TYPE.search(cell.group(2))) and t.group(1) != b"n"):
            continue  # a formula's cached text, not a number
        raw = value.decode("utf-8", "replace")
        if _is_float(raw):
            rows.append((*where(a, cell.group(2)), _number_text(float(raw)), True))
    return _fix_frame(rows)


def _fix_frame(rows: list[tuple[int, int, str, bool]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=_FIXES, orient="row") if rows else pl.DataFrame(schema=_FIXES)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _suspects(data: bytes, start: int, end: int, pat: _Patterns,
              searches: list[tuple[tuple[bytes, ...], re.Pattern[bytes]]]) -> list[tuple[int, int]]:
    """(start, end) of every cell a search finds. A search runs only if the sheet holds one of its bytes
    (memchr-fast): ordinary exports hold none of the letters, so the costly searches are skipped."""
    hits: list[int] = []
    for needed, pattern in searches:
        if not needed or any(data.find(ch, start, end) >= 0 for ch in needed):
            hits += [h.start() for h in pattern.finditer(data, start, end)]
    spans = []
    for cell_start in sorted({_cell_start(data, pos, pat) for pos in hits}):
        if cell_start >= (spans[-1][1] if spans else 0):
            spans.append((cell_start, _cell_end(data, cell_start, pat)))
    return spans


def _cell_start(data: bytes, pos: int, pat: _Patterns) -> int:
    """The start of the cell element holding `pos`: the nearest "<c" before it that opens a cell."""
    i = data.rfind(pat.cell_open, 0, pos + 1)
    while i >= 0 and data[i + len(pat.cell_open):i + len(pat.cell_open) + 1] not in (b" ", b">", b"\t", b"\n", b"\r"):
        i = data.rfind(pat.cell_open, 0, i)
    return i


def _cell_end(data: bytes, start: int, pat: _Patterns) -> int:
    tag_end = data.find(b">", start) + 1
    if data[tag_end - 2:tag_end] == b"/>":
        return tag_end
    close = data.find(pat.cell_close, tag_end)
    return close + len(pat.cell_close) if close >= 0 else tag_end


def _fixes(where: _Positions, cells: list[tuple[int, int]]
           ) -> tuple[list[tuple[int, int, str, bool]], list[tuple[int, int, str]]]:
    """The fixes for the suspect cells, and the cells to give calamine as inline text (errors it does not know)."""
    data, pat = where.data, where.pat
    fixes, inline = [], []
    for a, b in cells:
        cell = data[a:b]
        m = pat.cell.match(cell)
        if not m or m.group(3):  # self-closing: no value at all
            continue
        fix = _cell_fix(m.group(2), cell[m.end():], pat)
        if fix is None:
            continue
        fixes.append((*where(a, m.group(2)), fix, False))
        if (t := _TYPE.search(m.group(2))) and t.group(1) == b"e":
            inline.append((a, b, fix))
    if not any(text not in _CALAMINE_ERRORS for _, _, text in inline):
        inline = []
    return fixes, inline


def _cell_fix(attrs: bytes, inner: bytes, pat: _Patterns) -> str | None:
    """The text of a cell calamine misreads (numbers aside), None for one it reads right."""
    kind = (t.group(1) if (t := _TYPE.search(attrs)) else b"n").decode()
    v = pat.value.search(inner)
    raw = unescape(v.group(1).decode("utf-8", "replace")).strip() if v else None
    if kind == "e":
        return raw or "#UNKNOWN!"
    if pat.formula.search(inner) and not raw and not (kind == "str" and v):
        return NO_CACHED_VALUE  # a formula never computed and saved: nothing to read
    if kind == "b" and raw:
        return "FALSE" if raw == "0" else "TRUE"
    if kind == "d" and raw:
        return _iso_text(raw)
    return None  # numbers: _number_fixes


class _Positions:
    """(row, column) of cells, from their reference, else counted as Excel does: a row or cell without one
    follows the previous (the row numbers are worked out once, and only when a reference is missing)."""

    def __init__(self, data: bytes, start: int, end: int, pat: _Patterns) -> None:
        self.data, self.start, self.end, self.pat = data, start, end, pat
        self.rows: tuple[list[int], list[int]] | None = None

    def __call__(self, cell_start: int, attrs: bytes) -> tuple[int, int]:
        if ref := _REF.search(attrs):
            return int(ref.group(2)), _column_index(ref.group(1).upper().decode())
        data, pat = self.data, self.pat
        row_start = data.rfind(pat.row_open, self.start, cell_start)
        col = -1
        for c in pat.cell.finditer(data, row_start, data.find(b">", cell_start) + 1):  # the row's cells to here
            given = _REF.search(c.group(2))
            col = _column_index(given.group(1).upper().decode()) if given else col + 1
        return self._row_number(row_start), col

    def _row_number(self, row_start: int) -> int:
        if self.rows is None:
            starts, numbers, r = [], [], 0
            for m in self.pat.row.finditer(self.data, self.start, self.end):
                head = self.data[m.start():self.data.find(b">", m.start())]
                r = int(n.group(1)) if (n := _ROW_NUMBER.search(head)) else r + 1
                starts.append(m.start())
                numbers.append(r)
            self.rows = starts, numbers
        starts, numbers = self.rows
        return numbers[bisect.bisect_right(starts, row_start) - 1]


def _column_index(letters: str) -> int:
    """A = 0, B = 1, …, AA = 26."""
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col - 1


def _inlined(data: bytes, cells: list[tuple[int, int, str]], pat: _Patterns) -> bytes:
    """The sheet XML with the given cells as inline text cells (same reference and style)."""
    pieces, done = [], 0
    for a, b, text in cells:
        m = pat.cell.match(data, a, b)
        tag = m.group(1)
        attrs = _TYPE.sub(b"", m.group(2))
        pieces += [data[done:a], b"<" + tag + b"c" + attrs + b' t="inlineStr"><' + tag + b"is><" + tag + b"t>"
                   + escape(text).encode() + b"</" + tag + b"t></" + tag + b"is></" + tag + b"c>"]
        done = b
    return b"".join(pieces) + data[done:]


def _number_text(x: float) -> str:
    """A stored number as Excel shows it at full precision: shortest round-trip digits, decimal notation."""
    text = repr(x)
    if "e" in text:
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _iso_text(raw: str) -> str:
    """A strict-ISO date cell (t="d") as the other date cells read."""
    try:
        when = datetime.fromisoformat(raw.rstrip("Z"))
    except ValueError:
        return raw
    return when.strftime("%Y-%m-%d") if when.time() == datetime.min.time() else when.strftime("%Y-%m-%d %H:%M:%S")


def _rows(data: bytes, start: int, end: int, pat: _Patterns, top: int) -> _Scan:
    """Used rows (rows with a cell holding a value), counted on the XML. Row numbers are needed only at the top
    (rows above the header) and at the end (the last used row); when those rows do not say their number (r
    first, as Excel writes), every row is numbered in turn instead."""
    n_rows = data.count(pat.row_open, start, end)  # nothing else in sheetData starts with "<row"
    if n_rows == 0:
        return _Scan()
    last = _last_used(data, start, end, pat)
    if last is None:
        return _rows_slow(data, start, end, pat, top)
    # A row is empty only if its first child is an empty cell (or it has none): those few are checked whole.
    used_total = n_rows - sum(1 for m in pat.row_suspect.finditer(data, start, end)
                              if (row := pat.row.match(data, m.start(), end))
                              and pat.empty_row.fullmatch(data, row.start(), row.end()))
    used_top = []
    for m in pat.row.finditer(data, start, end):
        if not data.startswith(pat.row_r, m.start()):
            return _rows_slow(data, start, end, pat, top)
        r = int(data[m.start() + len(pat.row_r):data.find(b'"', m.start() + len(pat.row_r))])
        if r > top:
            break
        if not pat.empty_row.fullmatch(data, m.start(), m.end()):
            used_top.append(r)
    return _Scan(used_top, used_total, last)


def _last_used(data: bytes, start: int, end: int, pat: _Patterns) -> int | None:
    """The last used row's number (0: none), None when that row does not say its number."""
    pos = end
    while (pos := data.rfind(pat.row_open, start, pos)) >= 0:
        m = pat.row.match(data, pos, end)
        if m and not pat.empty_row.fullmatch(data, m.start(), m.end()):
            if not data.startswith(pat.row_r, pos):
                return None
            return int(data[pos + len(pat.row_r):data.find(b'"', pos + len(pat.row_r))])
    return 0


def _rows_slow(data: bytes, start: int, end: int, pat: _Patterns, top: int) -> _Scan:
    """Rows without a leading r attribute: number them as Excel does (the previous row's number + 1)."""
    scan, r = _Scan(), 0
    for m in pat.row.finditer(data, start, end):
        head = data[m.start():data.find(b">", m.start())]
        given = re.search(rb"\sr=[\"'](\d+)[\"']", head)
        r = int(given.group(1)) if given else r + 1
        if not pat.empty_row.fullmatch(data, m.start(), m.end()):
            scan.used_total += 1
            scan.last_used = r
            if r <= top:
                scan.used_top.append(r)
    return scan
