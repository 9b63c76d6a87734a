"""Landing folder -> text frames: sort each file (registry, temporary, unknown), fingerprint it, count its
records independently of the reader, read every cell as text.

Typing happens only after validation (validate.py), so one bad cell quarantines one row, never a file. What a
reader itself cannot take as a row of the registry (a ragged line, a column given twice with two values) is set
aside as a reader reject, quarantined with its raw text. A file is refused whole only when it cannot be read as a
table of its registry (empty, missing a required column, over the size limit, not splittable into records, or
its reader and its independent count disagree); the refusal names the file, says why and what to do.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from . import csv_reader
from .contract import REGISTRIES, VALUE_ALIASES, Registry, header_map, normalise_header
from .validate import masked_record

SUPPORTED = (".csv", ".txt", ".tsv", ".xlsx", ".parquet")
CHUNK = 16 << 20
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
    """One landing file as (text frame with canonical columns plus `_file`, `_sheet`, `_row`; reader rejects).

    `_row` is the row a person finds the record on: the line of a text file, the spreadsheet row of a sheet.
    Every record the independent count finds is in exactly one of the two frames, or the file is refused."""
    if lf.registry is None:
        raise FileRefused(f"{lf.path.name}: 文件名不属于任何登记库（应以 {prefixes()} 开头）")
    if lf.size_bytes == 0:
        raise FileRefused(f"{lf.path.name}: 文件为空（0 字节）；请重新导出")
    if lf.size_bytes > MAX_FILE_BYTES:
        raise FileRefused(f"{lf.path.name}: {lf.size_bytes} 字节，超过 {MAX_FILE_BYTES} 字节的上限"
                          "（NMG_MAX_FILE_BYTES）；请把导出拆分为同一登记库的几个文件")
    registry = REGISTRIES[lf.registry]
    suffix = lf.path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            parts = _read_csv(lf, registry, scratch)
        elif suffix == ".xlsx":
            parts = _read_xlsx(lf, registry)
        elif suffix == ".parquet":
            parts = [_read_parquet(lf)]
        else:
            raise FileRefused(f"{lf.path.name}: 不支持的文件类型 {suffix!r}；请导出为 {'、'.join(SUPPORTED)} 之一")
    except FileRefused:
        raise
    except csv_reader.UnreadableText as exc:
        raise FileRefused(f"{lf.path.name}: {exc}") from exc
    except Exception as exc:  # the reader's own message, attached to the file that caused it
        raise FileRefused(f"{lf.path.name}: 无法读取为表格（{_reader_message(exc)}）；请确认导出完整（未被截断）"
                          "后重新导出") from exc
    frames, rejects = zip(*(_canonical(p, lf, registry) for p in parts), strict=True) if parts else ((), ())
    frame = pl.concat([_empty_frame(registry), *frames], how="vertical")
    reject = pl.concat([pl.DataFrame(schema=REJECT_SCHEMA), *rejects], how="vertical")
    if frame.height + reject.height != lf.rows_in:
        raise FileRefused(f"{lf.path.name}: 读取到 {frame.height + reject.height:,} 条记录，但文件中独立计数为 "
                          f"{lf.rows_in:,} 条（可能有不成对的引号或损坏的行）；请检查后重新导出")
    return frame, reject


@dataclass
class Part:
    """A table as its reader gives it: header cells as written, text cells, the rows a person sees."""

    header: list[str]
    frame: pl.DataFrame  # one text column per header cell (by position), then _row
    sheet: str | None = None
    rejects: list[dict] = field(default_factory=list)  # {_row, reason, raw}


def _read_csv(lf: LandingFile, registry: Registry, scratch: Path) -> list[Part]:
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
    finally:
        if readable != lf.path:
            readable.unlink(missing_ok=True)  # a clear-text copy of the export: never left behind
    lf.header_row, lf.blank_rows = text.header_row, text.blank
    lf.rows_in = count.records - text.above_header - 1  # the counted records below the header
    return [Part(text.header, text.frame, None, text.rejects)]


def _read_xlsx(lf: LandingFile, registry: Registry) -> list[Part]:
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
    return [_sheet_part(s) for s in book.sheets]


def _sheet_part(sheet) -> Part:
    """The sheet's header cells as written: the reader names a blank header cell 「列N」 and a repeated one
    「<header>（列N）」 to keep frame columns unique; a repeat must still meet its twin in `_canonical`."""
    columns = [c for c in sheet.frame.columns if c != "_row"]
    header = ["" if re.fullmatch(r"列\d+", c) else re.sub(r"（列\d+）$", "", c) for c in columns]
    positional = {c: f"c{i}" for i, c in enumerate(columns)}
    return Part(header, sheet.frame.rename(positional), sheet.name)


def _read_parquet(lf: LandingFile) -> Part:
    """Every column as faithful text: decimals keep their digits (trailing zeros are validation's to drop),
    date-times their time, integers their digits; nested columns cannot be a registry's cells."""
    import pyarrow.parquet as pq

    lf.encoding = "parquet"
    lf.rows_in = pq.ParquetFile(lf.path).metadata.num_rows  # from the file's footer, not from the reader below
    raw = pl.read_parquet(lf.path)
    nested = [c for c, t in raw.schema.items() if t.is_nested() or t == pl.Object]
    if nested:
        raise FileRefused(f"{lf.path.name}: 列 {nested} 是嵌套类型（列表/结构），不能作为登记库的单元格；"
                          "请导出为普通的文本、数字或日期列")
    exprs = [pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S") if t == pl.Datetime else pl.col(c).cast(pl.String)
             for c, t in raw.schema.items()]
    frame = raw.select(exprs).with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))
    return Part(list(raw.columns), frame.rename({c: f"c{i}" for i, c in enumerate(raw.columns)}))


def _reader_message(exc: Exception) -> str:
    """The reader's complaint in a line: libraries add tuning tips that are no help to whoever made the export."""
    text = str(exc)
    original = text.split("Original error:", 1)[-1] if "Original error:" in text else text
    lines = [ln.strip(" `") for ln in original.splitlines() if ln.strip(" `")]
    return f"{type(exc).__name__}: {' '.join(lines)[:300]}"


def _empty_frame(registry: Registry) -> pl.DataFrame:
    return pl.DataFrame(schema={c.name: pl.String for c in registry.columns} |
                        {"_row": pl.Int64, "_file": pl.String, "_sheet": pl.String})


def _canonical(part: Part, lf: LandingFile, registry: Registry) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Header cells -> contract columns. A column given twice (under an alias and its English name) is one column
    when its two cells agree or one is empty; a row where they differ is set aside, never silently resolved."""
    known = header_map(registry)
    sources: dict[str, list[str]] = {}
    positional = [c for c in part.frame.columns if c != "_row"]
    for col, header in zip(positional, part.header, strict=True):
        canon = known.get(normalise_header(header))
        if canon:
            sources.setdefault(canon, []).append(col)
        elif header.strip() and header.strip() not in lf.extra_columns:
            lf.extra_columns.append(header.strip())
        elif not header.strip() and part.frame[col].str.strip_chars().str.len_chars().max():
            lf.extra_columns.append(f"第{positional.index(col) + 1}列（无表头）")  # data without a name: listed
    missing = [c for c in registry.columns if c.required and c.name not in sources]
    if missing:
        named = "、".join(f"{c.aliases[0] if c.aliases else c.name}（{c.name}）" for c in missing)
        where = f"工作表「{part.sheet}」" if part.sheet else "表头"
        raise FileRefused(f"{lf.path.name}: {where}缺少{registry.zh}的必填列 {named}；表头为 {part.header}")
    frame = part.frame.with_columns(pl.col(c).str.strip_chars() for c in positional).with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in positional)
    conflict = pl.lit(None, pl.String)
    for canon, cols in sources.items():
        for other in cols[1:]:
            # compared as codes: 护照 in one column and passport in the other agree
            first, second = (pl.col(c).replace(VALUE_ALIASES.get(canon, {})) for c in (cols[0], other))
            differs = first.is_not_null() & second.is_not_null() & (first != second)
            heads = "」与「".join(part.header[positional.index(c)] for c in (cols[0], other))
            conflict = pl.coalesce(conflict, pl.when(differs).then(pl.lit(
                f"{canon}：同一字段出现在「{heads}」两列且取值不同；请删除多余的一列后重新导出")))
    frame = frame.with_columns(
        *[pl.coalesce(cols).alias(canon) for canon, cols in sources.items()],
        *[pl.lit(None, pl.String).alias(c.name) for c in registry.columns if c.name not in sources],
        conflict.alias("_conflict"),
    ).with_columns(pl.lit(lf.path.name).alias("_file"), pl.lit(part.sheet, pl.String).alias("_sheet"))
    cols = [c.name for c in registry.columns] + ["_row", "_file", "_sheet"]
    conflicts = frame.filter(pl.col("_conflict").is_not_null())
    rejects = [_reject_rows(pl.DataFrame(part.rejects, schema={"_row": pl.Int64, "reason": pl.String,
                                                               "raw": pl.String}), lf, part, registry),
               conflicts.select(pl.lit(lf.path.name).alias("_file"), pl.lit(part.sheet, pl.String).alias("_sheet"),
                                "_row", pl.col("_conflict").str.split("：").list.first().alias("field"),
                                pl.col("_conflict").alias("reason"), pl.lit(None, pl.String).alias("value"),
                                masked_record(registry).alias("raw_record"))]
    return frame.filter(pl.col("_conflict").is_null()).select(cols), pl.concat(rejects)


def _reject_rows(rejects: pl.DataFrame, lf: LandingFile, part: Part, registry: Registry) -> pl.DataFrame:
    """Ragged records: the raw line is kept, except for a talents file, whose raw lines hold names and ID numbers
    (a person checks the file itself at the row given)."""
    personal = any(c.personal for c in registry.columns)
    return rejects.select(pl.lit(lf.path.name).alias("_file"), pl.lit(part.sheet, pl.String).alias("_sheet"),
                          "_row", pl.lit("(row)").alias("field"), "reason", pl.lit(None, pl.String).alias("value"),
                          (pl.lit("（含个人信息，未保存原文；请在文件中按行号查看）") if personal
                           else pl.col("raw")).alias("raw_record"))
