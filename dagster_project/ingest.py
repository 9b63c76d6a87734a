"""Landing folder -> text frames: sort each file (registry, temporary, unknown), fingerprint it, count its
records independently of the reader, read every cell as text.

Typing happens only after validation (validate.py), so one bad cell quarantines one row, never a file. What a
reader itself cannot take as a row of the registry (a ragged line, a column given twice with two values) is set
aside as a reader reject, quarantined with its raw text. A file is refused whole only when it cannot be read as a
table of its registry (empty, missing a required column, over the size limit, not splittable into records, or
its reader and its independent count disagree); the refusal names the file, says why and what to do.

A file is read and staged a slice of rows at a time (stage_file: a Parquet file of its own, written as it is
read), so memory stays flat for any size of export; what is read does not depend on the slice size.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from . import csv_reader
from .contract import REGISTRIES, VALUE_ALIASES, Registry, header_map, normalise_header
from .validate import masked_record

SUPPORTED = (".csv", ".txt", ".tsv", ".xlsx", ".parquet")
CHUNK = 16 << 20
SLICE_ROWS = 1_000_000  # rows of a Parquet export read at a time
MAX_FILE_BYTES = int(os.environ.get("NMG_MAX_FILE_BYTES", str(4 << 30)))
# Files a landing folder holds that are no export: Office/WPS lock files while someone has the export open,
# editors' temporary and backup copies, the desktop's own files. Skipped and listed, never read.
TEMPORARY = re.compile(r"^(~\$|\.~lock\.|~WRL|~)|(\.(tmp|bak|old|swp|crdownload|part)|~|#)$"
                       r"|^(thumbs\.db|desktop\.ini)$", re.IGNORECASE)
REJECT_SCHEMA = {"_file": pl.String, "_sheet": pl.String, "_row": pl.Int64, "field": pl.String, "reason": pl.String,
                 "value": pl.String, "raw_record": pl.String}


class FileRefused(Exception):
    """A landing file that cannot be taken at all; the message says which and why."""


@dataclass
class LandingFile:
    path: Path
    registry: str | None
    size_bytes: int
    sha256: str
    encoding: str = ""
    delimiter: str = ""
    header_row: int = 1
    rows_in: int = 0  # records counted independently of the reader (blank rows and the header excluded)
    status: str = "pending"  # read | refused | skipped (temporary/lock/backup) | unknown (names no registry)
    message: str = ""
    extra_columns: list[str] = field(default_factory=list)
    blank_rows: int = 0
    sheets: list[str] = field(default_factory=list)  # XLSX: the data sheets read
    skipped_sheets: list[str] = field(default_factory=list)  # XLSX: "sheet: reason"

    def record(self) -> dict:
        d = asdict(self)
        d["path"] = str(self.path)
        d["file"] = self.path.name
        d["extra_columns"] = ",".join(self.extra_columns)
        d["sheets"] = ",".join(self.sheets)
        d["skipped_sheets"] = "；".join(self.skipped_sheets)
        return d


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def registry_for(path: Path) -> Registry | None:
    """The registry a file belongs to, by the longest matching file-name prefix."""
    stem = path.stem.lower()
    matches = [(len(p), r) for r in REGISTRIES.values() for p in r.file_prefixes if stem.startswith(p.lower())]
    return max(matches, key=lambda m: m[0])[1] if matches else None


def prefixes() -> str:
    return "、".join(p for r in REGISTRIES.values() for p in r.file_prefixes)


def discover(landing: Path) -> list[LandingFile]:
    """Every file of the folder, sorted: temporary files skipped, names that name no registry marked unknown
    (reported, never blocking), the rest pending for their registry's reader."""
    out = []
    for p in sorted(p for p in landing.iterdir() if p.is_file() and not p.name.startswith(".")):
        if TEMPORARY.search(p.name):
            out.append(LandingFile(p, None, p.stat().st_size, "", status="skipped", message=(
                f"{p.name}：临时、锁定或备份文件（如有人正打开该导出时 Excel/WPS 生成的 ~$ 文件），已跳过")))
            continue
        reg = registry_for(p)
        lf = LandingFile(p, reg.name if reg else None, p.stat().st_size, sha256_of(p))
        if reg is None:
            lf.status, lf.message = "unknown", (f"{p.name}：文件名不属于任何登记库（应以 {prefixes()} 开头），未读取；"
                                                "如是登记库导出，请按约定重命名")
        out.append(lf)
    for hidden in sorted(p for p in landing.iterdir() if p.is_file() and p.name.startswith(".")):
        out.append(LandingFile(hidden, None, hidden.stat().st_size, "", status="skipped",
                               message=f"{hidden.name}：隐藏文件，已跳过"))
    return out


def read_text(lf: LandingFile, scratch: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One landing file as (text frame with canonical columns plus `_file`, `_sheet`, `_row`; reader rejects),
    held in memory: see stage_text, which gives the same rows slice by slice."""
    sink = _Frames()
    reject = stage_text(lf, scratch, sink)
    return pl.concat([_empty_frame(REGISTRIES[lf.registry]), *sink.frames], how="vertical"), reject


def stage_file(lf: LandingFile, scratch: Path, out: Path) -> pl.DataFrame:
    """One landing file's text rows written to the Parquet file `out` slice by slice (memory stays flat for any
    size of file); the reader rejects. A refused file leaves no `out` behind."""
    sink = StagedParquet(out)
    try:
        reject = stage_text(lf, scratch, sink)
    except BaseException:
        sink.reset()
        raise
    finally:
        sink.close()
    if not out.exists():  # nothing was given to the sink (no table at all): the file still has its columns
        _empty_frame(REGISTRIES[lf.registry]).write_parquet(out)
    return reject


def stage_text(lf: LandingFile, scratch: Path, sink: Sink) -> pl.DataFrame:
    """One landing file as text frames with canonical columns plus `_file`, `_sheet`, `_row`, given to `sink` a
    slice of rows at a time; returns the reader rejects.

    `_row` is the row a person finds the record on: the line of a text file, the spreadsheet row of a sheet.
    Every record the independent count finds is in exactly one of the sink's frames or the rejects, or the file is
    refused (what the sink was given is then void)."""
    if lf.registry is None:
        raise FileRefused(f"{lf.path.name}: 文件名不属于任何登记库（应以 {prefixes()} 开头）")
    if lf.size_bytes == 0:
        raise FileRefused(f"{lf.path.name}: 文件为空（0 字节）；请重新导出")
    if lf.size_bytes > MAX_FILE_BYTES:
        raise FileRefused(f"{lf.path.name}: {lf.size_bytes} 字节，超过 {MAX_FILE_BYTES} 字节的上限"
                          "（NMG_MAX_FILE_BYTES）；请把导出拆分为同一登记库的几个文件")
    registry = REGISTRIES[lf.registry]
    suffix = lf.path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        parts = _read_csv(lf, registry, scratch)
    elif suffix == ".xlsx":
        parts = _read_xlsx(lf, registry)
    elif suffix == ".parquet":
        parts = _read_parquet(lf)
    else:
        raise FileRefused(f"{lf.path.name}: 不支持的文件类型 {suffix!r}；请导出为 {'、'.join(SUPPORTED)} 之一")
    rows, rejects, table = 0, [], None
    for part in _as_read(parts, lf):
        if part is csv_reader.RESTART:  # polars and the count disagreed: the csv module reads the body again
            sink.reset()
            rows, rejects, table = 0, [], None
            continue
        if table is None or part.table != table.number:
            if table is not None:
                rejects.append(table.finish())
            table = _Table(part, lf, registry)
        frame = table.add(part)
        if frame is not None:
            sink.write(frame)
            rows += frame.height
    if table is not None:
        rejects.append(table.finish())
    reject = pl.concat([pl.DataFrame(schema=REJECT_SCHEMA), *rejects], how="vertical")
    if rows + reject.height != lf.rows_in:
        raise FileRefused(f"{lf.path.name}: 读取到 {rows + reject.height:,} 条记录，但文件中独立计数为 "
                          f"{lf.rows_in:,} 条（可能有不成对的引号或损坏的行）；请检查后重新导出")
    return reject


def _as_read(parts: Iterator, lf: LandingFile) -> Iterator:
    """The reader's parts; what goes wrong while reading is a refusal naming the file (the reader's own message)."""
    while True:
        try:
            part = next(parts)
        except StopIteration:
            return
        except FileRefused:
            raise
        except csv_reader.UnreadableText as exc:
            raise FileRefused(f"{lf.path.name}: {exc}") from exc
        except Exception as exc:  # the reader's own message, attached to the file that caused it
            raise FileRefused(f"{lf.path.name}: 无法读取为表格（{_reader_message(exc)}）；请确认导出完整（未被截断）"
                              "后重新导出") from exc
        yield part


class Sink(Protocol):
    def write(self, frame: pl.DataFrame) -> None: ...

    def reset(self) -> None: ...


@dataclass
class _Frames:
    frames: list[pl.DataFrame] = field(default_factory=list)

    def write(self, frame: pl.DataFrame) -> None:
        self.frames.append(frame)

    def reset(self) -> None:
        self.frames.clear()


class StagedParquet:
    """Text rows written to a Parquet file as they come, a row group a slice. The writing (pyarrow, which lets go
    of the GIL) runs in a thread of its own while the next slice is read: at most two slices are held."""

    def __init__(self, path: Path) -> None:
        self.path, self._writer, self._pending = path, None, None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="staging-writer")

    def write(self, frame: pl.DataFrame) -> None:
        import pyarrow.parquet as pq

        table = frame.to_arrow(compat_level=pl.CompatLevel.oldest())  # large strings: no copy in the cast
        table = table.cast(_arrow_schema(table.column_names))
        self._wait()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self._pending = self._thread.submit(self._writer.write_table, table, row_group_size=max(table.num_rows, 1))

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def reset(self) -> None:
        """Void what was written (the file is read again, or refused)."""
        try:
            self._close_writer()
        finally:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        try:
            self._close_writer()
        finally:
            self._thread.shutdown()

    def _close_writer(self) -> None:
        try:
            self._wait()
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None


def _arrow_schema(columns: list[str]):
    import pyarrow as pa

    return pa.schema([pa.field(c, pa.int64() if c == "_row" else pa.large_string()) for c in columns])


def combine(staged: list[Path], out: Path, registry: Registry) -> None:
    """A registry's staged files as the one Parquet file behind staging.<registry>, in file order, a row group at a
    time; the staged files are removed."""
    import pyarrow.parquet as pq

    out.unlink(missing_ok=True)
    if not staged:
        _empty_frame(registry).write_parquet(out)
        return
    if len(staged) == 1:
        staged[0].replace(out)
        return
    with pq.ParquetWriter(out, _arrow_schema(list(_empty_frame(registry).columns)), compression="zstd") as writer:
        for path in staged:
            with pq.ParquetFile(path) as part:
                for i in range(part.num_row_groups):
                    writer.write_table(part.read_row_group(i))
            path.unlink()


@dataclass
class Part:
    """A slice of a table as its reader gives it: header cells as written, text cells, the rows a person sees."""

    header: list[str]
    frame: pl.DataFrame  # one text column per header cell (by position), then _row
    sheet: str | None = None
    rejects: list[dict] = field(default_factory=list)  # {_row, reason, raw}
    table: int = 0  # which table of the file (an XLSX file's sheets); a table's slices come one after another


def _read_csv(lf: LandingFile, registry: Registry, scratch: Path) -> Iterator[Part | str]:
    lf.encoding = csv_reader.detect_encoding(lf.path)
    readable = csv_reader.utf8_copy(lf.path, lf.encoding, scratch)
    try:
        lf.delimiter = csv_reader.sniff_delimiter(readable)
        count = csv_reader.count_records(readable, lf.delimiter)
        if count.open_quote:
            raise csv_reader.UnreadableText("文件结束时仍有未闭合的引号（文件可能被截断）；请确认导出完整后重新导出")
        known = header_map(registry)
        text = csv_reader.read_records(readable, lf.delimiter,
                                       lambda cells: sum(normalise_header(c) in known for c in cells), count)
        given = False
        for batch in text.batches:
            if batch is csv_reader.RESTART:
                given = False
                yield batch
                continue
            given = True
            yield Part(text.header, batch[0], None, batch[1])
        if not given:  # no record below the header: the header is still checked
            yield Part(text.header, pl.DataFrame(schema={f"c{i}": pl.String for i in range(len(text.header))}
                                                     | {"_row": pl.Int64}))
    finally:
        if readable != lf.path:
            readable.unlink(missing_ok=True)  # a clear-text copy of the export: never left behind
    lf.header_row, lf.blank_rows = text.header_row, text.blank
    lf.rows_in = count.records - text.above_header - 1  # the counted records below the header


def _read_xlsx(lf: LandingFile, registry: Registry) -> Iterator[Part]:
    from . import xlsx_reader

    lf.encoding = "xlsx"
    required = {c.name for c in registry.columns if c.required}
    try:
        book = xlsx_reader.read_workbook(lf.path, header_map(registry), required)
    except ValueError as exc:  # the reader's messages name the file and sheet and say what to do
        raise FileRefused(str(exc)) from exc
    lf.sheets = [s.name for s in book.sheets]
    lf.skipped_sheets = [f"{name}：{why}" for name, why in book.skipped]
    if not book.sheets:
        raise FileRefused(f"{lf.path.name}: 没有一个可见工作表带有{registry.zh}的表头（{'；'.join(lf.skipped_sheets)}）"
                          "；请把数据放在带表头的可见工作表中重新导出")
    lf.header_row = book.sheets[0].header_row
    lf.rows_in = sum(s.records for s in book.sheets)
    lf.blank_rows = sum(s.blank_rows for s in book.sheets)
    for i, sheet in enumerate(book.sheets):  # a sheet at most fills a spreadsheet (1,048,576 rows): one slice
        yield _sheet_part(sheet, i)


def _sheet_part(sheet, table: int) -> Part:
    """The sheet's header cells as written: the reader names a blank header cell 「列N」 and a repeated one
    「<header>（列N）」 to keep frame columns unique; a repeat must still meet its twin in `_Table`."""
    columns = [c for c in sheet.frame.columns if c != "_row"]
    header = ["" if re.fullmatch(r"列\d+", c) else re.sub(r"（列\d+）$", "", c) for c in columns]
    positional = {c: f"c{i}" for i, c in enumerate(columns)}
    return Part(header, sheet.frame.rename(positional), sheet.name, table=table)


def _read_parquet(lf: LandingFile) -> Iterator[Part]:
    """Every column as faithful text: decimals keep their digits (trailing zeros are validation's to drop),
    date-times their time, integers their digits; nested columns cannot be a registry's cells. Read SLICE_ROWS
    rows at a time."""
    import pyarrow.parquet as pq

    lf.encoding = "parquet"
    lf.rows_in = pq.ParquetFile(lf.path).metadata.num_rows  # from the file's footer, not from the reader below
    scan = pl.scan_parquet(lf.path)
    for offset in range(0, max(lf.rows_in, 1), SLICE_ROWS):
        raw = scan.slice(offset, SLICE_ROWS).collect()
        nested = [c for c, t in raw.schema.items() if t.is_nested() or t == pl.Object]
        if nested:
            raise FileRefused(f"{lf.path.name}: 列 {nested} 是嵌套类型（列表/结构），不能作为登记库的单元格；"
                              "请导出为普通的文本、数字或日期列")
        exprs = [pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S") if t == pl.Datetime else pl.col(c).cast(pl.String)
                 for c, t in raw.schema.items()]
        frame = raw.select(exprs).with_row_index("_row", offset=2 + offset).with_columns(
            pl.col("_row").cast(pl.Int64))
        yield Part(list(raw.columns), frame.rename({c: f"c{i}" for i, c in enumerate(raw.columns)}))
        del raw, frame


def _reader_message(exc: Exception) -> str:
    """The reader's complaint in a line: libraries add tuning tips that are no help to whoever made the export."""
    text = str(exc)
    original = text.split("Original error:", 1)[-1] if "Original error:" in text else text
    lines = [ln.strip(" `") for ln in original.splitlines() if ln.strip(" `")]
    return f"{type(exc).__name__}: {' '.join(lines)[:300]}"


def _empty_frame(registry: Registry) -> pl.DataFrame:
    return pl.DataFrame(schema={c.name: pl.String for c in registry.columns} |
                        {"_row": pl.Int64, "_file": pl.String, "_sheet": pl.String})


class _Table:
    """Header cells -> contract columns, for one table of a file, applied slice by slice. A column given twice
    (under an alias and its English name) is one column when its two cells agree or one is empty; a row where they
    differ is set aside, never silently resolved. The header's verdict (columns not in the contract, required
    columns missing) is given by `finish`, once every slice is read, so a reader's own complaint comes first."""

    def __init__(self, part: Part, lf: LandingFile, registry: Registry) -> None:
        self.number, self.header, self.sheet, self.lf, self.registry = part.table, part.header, part.sheet, lf, registry
        self.known = header_map(registry)
        self.positional = [c for c in part.frame.columns if c != "_row"]
        self.sources: dict[str, list[str]] = {}
        for col, header in zip(self.positional, self.header, strict=True):
            if canon := self.known.get(normalise_header(header)):
                self.sources.setdefault(canon, []).append(col)
        self.missing = [c for c in registry.columns if c.required and c.name not in self.sources]
        self.unnamed_with_data: set[str] = set()  # columns without a header whose cells hold something
        self.ragged: list[pl.DataFrame] = []
        self.conflicts: list[pl.DataFrame] = []

    def add(self, part: Part) -> pl.DataFrame | None:
        """The slice's accepted rows in contract columns (None when the file will be refused for its header)."""
        for col, header in zip(self.positional, self.header, strict=True):
            if (not header.strip() and col not in self.unnamed_with_data
                    and part.frame[col].str.strip_chars().str.len_chars().max()):
                self.unnamed_with_data.add(col)
        self.ragged.append(_reject_rows(pl.DataFrame(part.rejects, schema={"_row": pl.Int64, "reason": pl.String,
                                                                           "raw": pl.String}),
                                        self.lf, part, self.registry))
        if self.missing:
            return None
        return self._canonical(part)

    def _canonical(self, part: Part) -> pl.DataFrame:
        positional, lf = self.positional, self.lf
        frame = part.frame.with_columns(pl.col(c).str.strip_chars() for c in positional).with_columns(
            pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in positional)
        conflict = pl.lit(None, pl.String)
        for canon, cols in self.sources.items():
            for other in cols[1:]:
                # compared as codes: 护照 in one column and passport in the other agree
                first, second = (pl.col(c).replace(VALUE_ALIASES.get(canon, {})) for c in (cols[0], other))
                differs = first.is_not_null() & second.is_not_null() & (first != second)
                heads = "」与「".join(part.header[positional.index(c)] for c in (cols[0], other))
                conflict = pl.coalesce(conflict, pl.when(differs).then(pl.lit(
                    f"{canon}：同一字段出现在「{heads}」两列且取值不同；请删除多余的一列后重新导出")))
        frame = frame.with_columns(
            *[pl.coalesce(cols).alias(canon) for canon, cols in self.sources.items()],
            *[pl.lit(None, pl.String).alias(c.name) for c in self.registry.columns if c.name not in self.sources],
            conflict.alias("_conflict"),
        ).with_columns(pl.lit(lf.path.name).alias("_file"), pl.lit(part.sheet, pl.String).alias("_sheet"))
        cols = [c.name for c in self.registry.columns] + ["_row", "_file", "_sheet"]
        conflicts = frame.filter(pl.col("_conflict").is_not_null())
        if conflicts.height:  # through Arrow: a filtered frame would keep the whole slice's strings alive
            self.conflicts.append(pl.from_arrow(conflicts.select(
                pl.lit(lf.path.name).alias("_file"), pl.lit(part.sheet, pl.String).alias("_sheet"), "_row",
                pl.col("_conflict").str.split("：").list.first().alias("field"), pl.col("_conflict").alias("reason"),
                pl.lit(None, pl.String).alias("value"), masked_record(self.registry).alias("raw_record")).to_arrow()))
        return frame.filter(pl.col("_conflict").is_null()).select(cols)

    def finish(self) -> pl.DataFrame:
        """Columns not in the contract listed on the file, a missing required column refused; the table's reader
        rejects (ragged records, then rows whose twin columns differ)."""
        lf = self.lf
        for col, header in zip(self.positional, self.header, strict=True):
            if self.known.get(normalise_header(header)):
                continue
            if header.strip() and header.strip() not in lf.extra_columns:
                lf.extra_columns.append(header.strip())
            elif not header.strip() and col in self.unnamed_with_data:
                lf.extra_columns.append(f"第{self.positional.index(col) + 1}列（无表头）")  # data without a name
        if self.missing:
            named = "、".join(f"{c.aliases[0] if c.aliases else c.name}（{c.name}）" for c in self.missing)
            where = f"工作表「{self.sheet}」" if self.sheet else "表头"
            raise FileRefused(f"{lf.path.name}: {where}缺少{self.registry.zh}的必填列 {named}；表头为 {self.header}")
        return pl.concat([pl.DataFrame(schema=REJECT_SCHEMA), *self.ragged, *self.conflicts], how="vertical_relaxed")


def _reject_rows(rejects: pl.DataFrame, lf: LandingFile, part: Part, registry: Registry) -> pl.DataFrame:
    """Ragged records: the raw line is kept, except for a talents file, whose raw lines hold names and ID numbers
    (a person checks the file itself at the row given)."""
    personal = any(c.personal for c in registry.columns)
    return rejects.select(pl.lit(lf.path.name).alias("_file"), pl.lit(part.sheet, pl.String).alias("_sheet"),
                          "_row", pl.lit("(row)").alias("field"), "reason", pl.lit(None, pl.String).alias("value"),
                          (pl.lit("（含个人信息，未保存原文；请在文件中按行号查看）") if personal
                           else pl.col("raw")).alias("raw_record"))
