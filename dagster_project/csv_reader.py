"""Delimited text exports (CSV / TSV / TXT): encoding, an independent record count and a strict record reader.

Two readers look at every file and must agree, so no record can be lost or glued without a word:
- `count_records` counts records from the bytes alone (record ends outside quoted fields; a lone CR ends a
  record as CR LF and LF do), vectorised with numpy over a memory map;
- `read_records` types nothing: Python's csv module splits records into fields; a record whose field count
  differs from the header's is kept aside with its raw text (a ragged line is never cut or padded).
Both hold a window or a slice of the file's bytes at a time, never the whole file (the count keeps 13 bytes a
record: the line it starts on, its field count, whether it is blank).
Blank records (no cell holds anything) are not records: both readers skip them and count them apart.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

CHUNK = 16 << 20
SAMPLE = 1 << 20  # the encoding detector reads the first MB
HEADER_SCAN = 30  # the header may sit below a title block of up to this many records
FRAME_ROWS = 200_000  # records turned into a polars frame at a time by the csv module
SLICE_RECORDS = 1_000_000  # records polars reads at a time (a slice of the file's bytes): memory stays flat
HEAD_MARKS = 4096  # the byte offset of each of the first records is kept (the body starts below the header)
DELIMITERS = (",", "\t", ";", "|")
QUOTE, LF, CR = 0x22, 0x0A, 0x0D


class UnreadableText(Exception):
    """The file cannot be split into records; the message says why in the clerk's words."""


RESTART = "restart"  # given by TextRead.batches when polars disagreed: what came before it is void


@dataclass
class TextRead:
    """What `read_records` found: the header, and the records below it in batches."""

    header: list[str]
    header_row: int  # line number of the header (1-based)
    # (frame: columns c0..cN (text) and _row (the line a record starts on), rejects: [{_row, reason, raw}] ragged
    # records) a slice of the file at a time; or RESTART, after which the body is read again from its start
    batches: Iterator[tuple[pl.DataFrame, list[dict]] | str] = iter(())
    blank: int = 0  # blank records after the header (final once the batches are consumed)
    above_header: int = 0  # non-blank records above the header (a title block)


def detect_encoding(path: Path) -> str:
    """A byte-order mark decides; else UTF-8 if the whole file decodes as UTF-8; else the detector's guess on the
    first MB (UTF-16 without a mark, as some tools write "Unicode 文本"); else GB18030 (a superset of GBK)."""
    with path.open("rb") as f:
        head = f.read(SAMPLE)
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return name
    if head.count(0) > len(head) // 8:  # text with many NUL bytes is UTF-16 or UTF-32, never GBK or UTF-8
        from charset_normalizer import from_bytes

        best = from_bytes(head[: len(head) - len(head) % 4]).best()
        if best is not None and best.encoding.startswith("utf_16"):
            return best.encoding.replace("_", "-")
        raise UnreadableText("文件中有大量空字节，不是可识别的文本编码；请以 UTF-8 或 GBK 编码的 CSV 重新导出")
    if _decodes(path, "utf-8"):
        return "utf-8"
    return "gb18030"


def _decodes(path: Path, encoding: str) -> bool:
    dec = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as f:
        try:
            while block := f.read(CHUNK):
                dec.decode(block)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def utf8_copy(path: Path, encoding: str, scratch: Path) -> Path:
    """The file as UTF-8 (both readers work on UTF-8 bytes): the file itself when it is UTF-8, else a transcoded
    copy in the scratch folder (owner-only: it holds what the export holds; the caller deletes it after reading)."""
    if encoding in ("utf-8", "utf-8-sig"):
        return path
    scratch.mkdir(parents=True, exist_ok=True, mode=0o700)
    out = scratch / (path.name + ".utf8")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with path.open("r", encoding=encoding, newline="") as src, open(fd, "w", encoding="utf-8", newline="") as dst:
            while block := src.read(CHUNK):
                dst.write(block)
    except UnicodeDecodeError as exc:
        out.unlink(missing_ok=True)
        raise UnreadableText(f"第 {exc.start} 字节附近的内容不是 {encoding} 编码（文件可能混用了编码或被截断）；"
                             "请以 UTF-8 或 GBK 编码重新导出") from exc
    return out


def sniff_delimiter(path: Path) -> str:
    """The delimiter most frequent in the first lines (outside quotes is not checked: a header has no quotes)."""
    with path.open("r", encoding="utf-8-sig", newline="") as f:
        sample = "".join(f.readline() for _ in range(5))
    counts = {d: sample.count(d) for d in DELIMITERS}
    return max(counts, key=lambda d: counts[d])


WINDOW = 64 << 20  # bytes the counter holds at a time, so memory stays flat for any file size


@dataclass
class RecordCount:
    """Every record of the file as the bytes say, blank ones included, in file order."""

    lines: np.ndarray  # the line (1-based) each record starts on
    fields: np.ndarray  # its fields: delimiters outside quoted fields + 1
    blank: np.ndarray  # no cell holds anything but spaces (or the record is empty)
    lone_cr: bool  # some record ends in a lone CR (old Mac line endings, or a stray CR in a cell)
    open_quote: bool  # the file ends inside a quoted field
    # byte offset where a record starts, for the first HEAD_MARKS records and every SLICE_RECORDS-th one
    marks: dict[int, int] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return int((~self.blank).sum())


@dataclass
class _Carry:
    """What one window of bytes hands to the next: the record it ends inside of."""

    in_quote: bool = False
    prev: int = LF
    line: int = 1  # line the current record starts on
    lines_seen: int = 0  # line endings before the window
    fields: int = 1
    content: bool = False
    length: int = 0
    records: int = 0  # records ended before the window


def count_records(path: Path, delimiter: str) -> RecordCount:
    """Records counted from the UTF-8 bytes, independently of the readers that split them: a record ends at LF,
    CR LF or a lone CR outside a quoted field; a quote opens a field only at a field's start (as the csv module
    reads). Vectorised with numpy over windows of a memory map; each window is mapped on its own and let go after,
    so the file's pages do not stay in the process (a 3 GB export would otherwise add 3 GB to its memory)."""
    size = path.stat().st_size
    out: dict[str, list] = {"lines": [], "fields": [], "blank": [], "marks": []}
    if size == 0:
        return RecordCount(np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, bool), False, False)
    data = np.memmap(path, dtype=np.uint8, mode="r")  # read only where windows end
    delim = ord(delimiter)
    blank_bytes = (0x20, 0x09, QUOTE, LF, CR, delim)  # with nothing else, a record is blank
    carry, lone_cr = _Carry(), False
    first = 3 if size >= 3 and bytes(data[:3]) == codecs.BOM_UTF8 else 0
    out["marks"].append((np.array([0]), np.array([first])))
    w0 = first
    while w0 < size:
        w1 = _window_end(data, w0, size)
        following = int(data[w1]) if w1 < size else None
        window = np.memmap(path, dtype=np.uint8, mode="r", offset=w0, shape=(w1 - w0,))
        lone_cr |= _count_window(np.asarray(window), w0, following, delim, blank_bytes, carry, out)
        del window
        w0 = w1
    if carry.length:  # a last record without a line ending
        out["lines"].append(np.array([carry.line]))
        out["fields"].append(np.array([carry.fields], dtype=np.int32))
        out["blank"].append(np.array([not carry.content]))
    marks = {int(i): int(o) for idx, off in out["marks"] for i, o in zip(idx, off, strict=True)}
    return RecordCount(*(np.concatenate(out[k]) if out[k] else np.empty(0) for k in ("lines", "fields", "blank")),
                       lone_cr, carry.in_quote, marks)


def _window_end(data: np.ndarray, w0: int, size: int) -> int:
    """A window ends after a line ending where it can, and never between a CR and its LF or inside a run of
    quotes (a doubled quote split over two windows would read as a closing quote)."""
    end = min(w0 + WINDOW, size)
    if end < size:
        tail = np.flatnonzero(data[max(w0, end - (1 << 20)):end] == LF)
        if len(tail):
            end = max(w0, end - (1 << 20)) + int(tail[-1]) + 1
    while end < size and data[end - 1] in (QUOTE, CR):
        end += 1
    return end


def _count_window(b: np.ndarray, w0: int, following: int | None, delim: int, blank_bytes: tuple[int, ...],
                  carry: _Carry, out: dict[str, list]) -> bool:
    n = len(b)
    ranges, literal = _quoted_ranges(b, np.flatnonzero(b == QUOTE), delim, carry, following)
    ends, lone = _line_ends(b, following)
    lone_cr = bool((~_inside(lone, ranges)).any())
    record_ends = ends[~_inside(ends, ranges)]
    delims = np.flatnonzero(b == delim)
    quoted = _inside(delims, ranges)
    literal = np.concatenate((literal, delims[quoted]))  # a quoted delimiter or a literal quote is a value
    delims = delims[~quoted]
    k = len(record_ends)
    bounds = np.concatenate(([0], np.searchsorted(delims, record_ends), [len(delims)]))
    per_segment = np.diff(bounds)  # delimiters of each record ending here, then of the one left open
    seg_starts = np.concatenate(([0], record_ends + 1))
    seg_len = np.diff(np.append(seg_starts, n))
    empty = b == blank_bytes[0]
    for byte in blank_bytes[1:]:
        empty |= b == byte
    has = np.zeros(k + 1, dtype=bool)
    nonempty = seg_len > 0
    has[nonempty] = ~np.logical_and.reduceat(empty, seg_starts[nonempty])
    has |= np.bincount(np.searchsorted(record_ends, literal), minlength=k + 1) > 0
    if k:
        if len(record_ends) == len(ends):  # no line ending inside a quoted field: a record a line
            lines = carry.lines_seen + 2 + np.arange(k - 1)
        else:
            lines = carry.lines_seen + 1 + np.searchsorted(ends, record_ends[:-1] + 1)
        out["lines"].append(np.concatenate(([carry.line], lines)))
        fields = (per_segment[:k] + 1).astype(np.int32)  # 4 bytes a record: a 75 M-row export keeps 0.3 GB less
        fields[0] += carry.fields - 1
        out["fields"].append(fields)
        starts = carry.records + 1 + np.arange(k)  # the records that start after each record ending here
        marked = (starts < HEAD_MARKS) | (starts % SLICE_RECORDS == 0)
        out["marks"].append((starts[marked], w0 + record_ends[marked] + 1))
        carry.records += k
        blank = ~has[:k]
        blank[0] &= not carry.content
        out["blank"].append(blank)
        carry.line = carry.lines_seen + 1 + int(np.searchsorted(ends, record_ends[-1] + 1))
        carry.fields, carry.content, carry.length = 1 + int(per_segment[k]), bool(has[k]), int(seg_len[k])
    else:
        carry.fields += int(per_segment[0])
        carry.content |= bool(has[0])
        carry.length += n
    carry.lines_seen += len(ends)
    carry.prev = int(b[-1])
    return lone_cr


def _line_ends(b: np.ndarray, following: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(every line ending: an LF, or a CR not followed by LF; the lone CRs). CRs are few: looked at one by one."""
    lf = np.flatnonzero(b == LF)
    cr = np.flatnonzero(b == CR)
    if not len(cr):
        return lf, cr
    after = np.where(cr + 1 < len(b), b[np.minimum(cr + 1, len(b) - 1)], LF if following is None else following)
    lone = cr[after != LF]
    return (np.sort(np.concatenate((lf, lone))) if len(lone) else lf), lone


def _inside(pos: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """Which positions fall inside a quoted field ([open, close) ranges, sorted)."""
    if not len(ranges) or not len(pos):
        return np.zeros(len(pos), dtype=bool)
    idx = np.searchsorted(ranges[:, 0], pos, side="right") - 1
    ok = idx >= 0
    inside = np.zeros(len(pos), dtype=bool)
    inside[ok] = pos[ok] < ranges[idx[ok], 1]
    return inside


def _quoted_ranges(b: np.ndarray, quotes: np.ndarray, delim: int, carry: _Carry,
                   following: int | None) -> tuple[np.ndarray, np.ndarray]:
    """([open, close) ranges of quoted fields in the window (open = -1 for a field opened in an earlier window),
    positions of quotes that are values: doubled inside a quoted field, or stray inside an unquoted one).
    Vectorised when every quote pairs up at field boundaries (or is doubled), else walked quote by quote."""
    n = len(b)
    marks = np.concatenate(([-1], quotes)) if carry.in_quote else quotes
    if not len(marks):
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    opens, closes = marks[0::2], marks[1::2]
    if len(opens) > len(closes):
        closes = np.append(closes, n)  # still open at the window's end
    prev = np.where(opens > 0, b[np.maximum(opens - 1, 0)], carry.prev)
    after_pos = closes + 1
    after = np.where(after_pos < n, b[np.minimum(after_pos, n - 1)], LF if following is None else following)
    doubled_open = np.concatenate(([False], opens[1:] == closes[:-1] + 1))
    doubled_close = np.concatenate((closes[:-1] + 1 == opens[1:], [False]))
    starts_field = (opens < 0) | np.isin(prev, [delim, LF, CR]) | doubled_open
    ends_field = (closes >= n) | np.isin(after, [delim, LF, CR]) | doubled_close
    if starts_field.all() and ends_field.all():
        carry.in_quote = bool(len(closes) and closes[-1] >= n)
        ranges = np.column_stack((opens, closes)) if len(opens) else np.empty((0, 2), dtype=np.int64)
        return ranges, closes[doubled_close]
    return _walk_quotes(b, quotes, delim, carry)


def _walk_quotes(b: np.ndarray, quotes: np.ndarray, delim: int, carry: _Carry) -> tuple[np.ndarray, np.ndarray]:
    """The same, quote by quote, for windows with stray quotes inside unquoted fields (12" pipe)."""
    ranges, literal, opened, i, n = [], [], (-1 if carry.in_quote else None), 0, len(quotes)
    while i < n:
        q = int(quotes[i])
        if opened is None:
            if (b[q - 1] if q else carry.prev) in (delim, LF, CR):
                opened = q
            else:
                literal.append(q)
        elif i + 1 < n and quotes[i + 1] == q + 1:
            literal.append(q)  # a doubled quote inside a quoted field
            i += 1
        else:
            ranges.append((opened, q))
            opened = None
        i += 1
    if opened is not None:
        ranges.append((opened, len(b)))
    carry.in_quote = opened is not None
    return np.array(ranges, dtype=np.int64).reshape(-1, 2), np.array(literal, dtype=np.int64)


def read_records(path: Path, delimiter: str, is_header, count: RecordCount, fast: bool = True) -> TextRead:
    """The header now, the records below it as batches (TextRead.batches); `is_header(cells) -> int` scores a
    record as the registry's header.

    The header is the best-scoring record among the first HEADER_SCAN non-blank ones. When the count found every
    record below it as wide as the header and no lone CR, polars reads the body (fast), SLICE_RECORDS records at a
    time from their byte offsets; otherwise, or when polars disagrees with the count on any slice (the batches
    then give RESTART and the whole body again), the csv module reads it record by record and a record whose field
    count differs from the header's is set aside with its raw text (extra fields that are all empty, a trailing
    delimiter, are dropped: no value changes)."""
    f, reader, records, head = _open_at_header(path, delimiter, is_header)
    out = TextRead([h.strip() for h in head[2]], head[1], above_header=head[4])
    if fast and _fast_possible(head, count):
        f.close()
        out.batches = _fast_batches(path, delimiter, head, count, out, is_header)
    else:
        out.batches = _slow_batches(f, reader, records, head, delimiter, out)
    return out


def _records(f, delimiter: str) -> tuple:
    raw_lines: list[str] = []
    reader = csv.reader(_remembering(f, raw_lines), delimiter=delimiter, quotechar='"', strict=False)
    return reader, _numbered(reader, raw_lines)


def _unreadable_as_such(reader, step):
    try:
        return step()
    except csv.Error as exc:
        raise UnreadableText(f"第 {reader.line_num} 行附近无法拆分为字段（{exc}）；"
                             "请检查该处的引号是否成对，或单元格是否过长") from exc


def _fast_possible(head, count: RecordCount) -> bool:
    """The byte count vouches for every record's width, and knows where the body starts."""
    index, width = head[0], len(head[2])
    body = slice(index + 1, None)
    return (not count.lone_cr and not (~count.blank[body] & (count.fields[body] != width)).any()
            and (index + 1 == len(count.blank) or index + 1 in count.marks))


def _fast_batches(path: Path, delimiter: str, head, count: RecordCount, out: TextRead, is_header):
    """polars over the body, a slice of SLICE_RECORDS records (by byte offsets) at a time; RESTART and the csv
    module's reading when polars disagrees with the count."""
    width, first, n = len(head[2]), head[0] + 1, len(count.blank)
    out.blank = int(count.blank[first:].sum())
    bounds = [first, *range((first // SLICE_RECORDS + 1) * SLICE_RECORDS, n, SLICE_RECORDS), n]
    with path.open("rb") as f:
        for r0, r1 in itertools.pairwise(bounds):
            if r0 == r1:
                continue
            f.seek(count.marks[r0])
            data = f.read() if r1 == n else f.read(count.marks[r1] - count.marks[r0])
            frame = _polars_slice(data, delimiter, width)
            if frame is None or frame.height != r1 - r0:
                yield RESTART
                yield from _slow_from_start(path, delimiter, is_header, out)
                return
            keep = ~count.blank[r0:r1]
            yield frame.with_columns(pl.Series("_row", count.lines[r0:r1], dtype=pl.Int64)).filter(
                pl.Series(keep)), []


def _polars_slice(data: bytes, delimiter: str, width: int) -> pl.DataFrame | None:
    try:
        frame = pl.read_csv(io.BytesIO(data), has_header=False, separator=delimiter, quote_char='"',
                            infer_schema=False, new_columns=[f"c{i}" for i in range(width)], raise_if_empty=False,
                            truncate_ragged_lines=False)
    except Exception:  # noqa: BLE001 - the record-by-record reader says precisely what is wrong
        return None
    return frame if frame.width == width else None


def _open_at_header(path: Path, delimiter: str, is_header):
    """(open file, csv reader, its records, the header found): the file is closed if no header can be taken."""
    f = path.open("r", encoding="utf-8-sig", newline="")
    try:
        reader, records = _records(f, delimiter)
        return f, reader, records, _unreadable_as_such(reader, lambda: _take_header(records, is_header))
    except BaseException:
        f.close()
        raise


def _slow_from_start(path: Path, delimiter: str, is_header, out: TextRead):
    f, reader, records, head = _open_at_header(path, delimiter, is_header)
    out.blank = 0
    yield from _slow_batches(f, reader, records, head, delimiter, out)


def _slow_batches(f, reader, records, head, delimiter: str, out: TextRead):
    try:
        yield from _read_body(records, head, delimiter, out)
    except csv.Error as exc:
        raise UnreadableText(f"第 {reader.line_num} 行附近无法拆分为字段（{exc}）；"
                             "请检查该处的引号是否成对，或单元格是否过长") from exc
    finally:
        f.close()


def _remembering(f, raw_lines: list[str]) -> Iterator[str]:
    for line in f:
        raw_lines.append(line)
        yield line


def _numbered(reader, raw_lines: list[str]) -> Iterator[tuple[int, list[str], str]]:
    """(line the record starts on, fields, raw text) for every record."""
    last = 0
    for cells in reader:
        raw = "".join(raw_lines)
        raw_lines.clear()
        yield last + 1, cells, raw
        last = reader.line_num


def _blank(cells: list[str]) -> bool:
    """As the byte count sees it: nothing in any cell but spaces, tabs and line endings."""
    return not any(c.strip(" \t\r\n") for c in cells)


def _take_header(records, is_header) -> tuple:
    """(header's record index, its line, its cells, records read past it while looking, title rows above it)."""
    seen: list[tuple[int, int, list[str], str]] = []  # every record read, blank ones included
    candidates: list[int] = []  # positions in `seen` of the non-blank ones
    for i, rec in enumerate(records):
        seen.append((i, *rec))
        if not _blank(rec[1]):
            candidates.append(i)
        if len(candidates) >= HEADER_SCAN:
            break
    if not candidates:
        raise UnreadableText("文件中没有表头（只有空行）")
    best = max(range(len(candidates)), key=lambda k: (is_header(seen[candidates[k]][2]), -k))
    index, line, header, _ = seen[candidates[best]]
    return index, line, header, seen[index + 1:], best


def _read_body(records, head, delimiter: str, out: TextRead):
    _, _, header, pending, _ = head
    width = len(header)
    columns: list[list] = [[] for _ in range(width + 1)]
    rejects: list[dict] = []

    def batch() -> tuple[pl.DataFrame, list[dict]]:
        frame = pl.DataFrame({f"c{i}": col for i, col in enumerate(columns[:-1])} |
                             {"_row": pl.Series(columns[-1], dtype=pl.Int64)}, schema=_empty(width).schema)
        for col in columns:
            col.clear()
        return frame, rejects.copy()

    # records the header search read past are re-read here, blank ones included, so none is counted twice
    for line, cells, raw in _chain(((ln, c, r) for _, ln, c, r in pending), records):
        if _blank(cells):
            out.blank += 1
            continue
        if len(cells) > width and _blank(cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            rejects.append({"_row": line, "raw": raw.rstrip("\r\n"), "reason": (
                f"字段数与表头不符：表头 {width} 列，本行 {len(cells)} 列（常见原因：数字中未加引号的千分位"
                f"“{delimiter}”、多余或缺少的分隔符、被截断的行）；请修正该行后重新导出")})
        else:
            for col, value in zip(columns, (*cells, line), strict=True):
                col.append(value)
        if len(columns[-1]) + len(rejects) >= FRAME_ROWS:
            yield batch()
            rejects.clear()
    if columns[-1] or rejects:
        yield batch()


def _empty(width: int) -> pl.DataFrame:
    return pl.DataFrame(schema={f"c{i}": pl.String for i in range(width)} | {"_row": pl.Int64})


def _chain(first, rest):
    yield from first
    yield from rest
