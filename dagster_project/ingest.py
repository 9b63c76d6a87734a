"""Landing folder -> text frames: find each file's registry, fingerprint it, read every cell as text.

Typing happens only after validation (validate.py), so one bad cell quarantines one row, never a file.
A file is refused whole only when it cannot be read as a table of that registry (unknown name, empty,
missing required column, over the size limit); the refusal names the file and the reason.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from .contract import REGISTRIES, Registry, header_map, normalise_header

SUPPORTED = (".csv", ".txt", ".tsv", ".xlsx", ".parquet")
CHUNK = 16 << 20
MAX_FILE_BYTES = int(os.environ.get("NMG_MAX_FILE_BYTES", str(4 << 30)))


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
    rows_in: int = 0
    status: str = "pending"  # read | refused
    message: str = ""
    extra_columns: list[str] = field(default_factory=list)

    def record(self) -> dict:
        d = asdict(self)
        d["path"] = str(self.path)
        d["file"] = self.path.name
        d["extra_columns"] = ",".join(self.extra_columns)
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


def discover(landing: Path) -> list[LandingFile]:
    files = sorted(p for p in landing.iterdir() if p.is_file() and not p.name.startswith("."))
    out = []
    for p in files:
        reg = registry_for(p)
        out.append(LandingFile(p, reg.name if reg else None, p.stat().st_size, sha256_of(p)))
    return out


def _detect_encoding(path: Path) -> str:
    """utf-8 (with or without BOM) if the whole file decodes as UTF-8, else GB18030 (a superset of GBK)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        head = f.read(3)
        bom = head == codecs.BOM_UTF8
        f.seek(0)
        try:
            while block := f.read(CHUNK):
                dec.decode(block)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig" if bom else "utf-8"


def _utf8_copy(path: Path, encoding: str, scratch: Path) -> Path:
    """Transcode in chunks to a UTF-8 scratch file (polars reads UTF-8 only); streaming keeps memory flat."""
    if encoding == "utf-8":
        return path
    scratch.mkdir(parents=True, exist_ok=True)
    out = scratch / (path.name + ".utf8")
    with path.open("r", encoding=encoding, newline="") as src, out.open("w", encoding="utf-8", newline="") as dst:
        while block := src.read(CHUNK):
            dst.write(block)
    return out


def _sniff_delimiter(path: Path) -> str:
    with path.open("r", encoding="utf-8", newline="") as f:
        first = f.readline()
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: counts[d])


def _read_csv(lf: LandingFile, scratch: Path) -> pl.DataFrame:
    lf.encoding = _detect_encoding(lf.path)
    readable = _utf8_copy(lf.path, lf.encoding, scratch)
    lf.delimiter = _sniff_delimiter(readable)
    return pl.read_csv(readable, separator=lf.delimiter, infer_schema=False, truncate_ragged_lines=True,
                       raise_if_empty=True)


def _read_xlsx(lf: LandingFile, registry: Registry) -> pl.DataFrame:
    """Read the first sheet; the header is the row among the first five that names most contract columns
    (exports often put a merged title row above the header)."""
    lf.encoding = "xlsx"
    probe = pl.read_excel(lf.path, engine="calamine", has_header=False, infer_schema_length=0,
                          read_options={"n_rows": 5})
    known = header_map(registry)
    scores = [sum(normalise_header(str(v)) in known for v in row if v is not None) for row in probe.iter_rows()]
    best = max(range(len(scores)), key=lambda i: scores[i]) if scores else 0
    lf.header_row = best + 1
    return pl.read_excel(lf.path, engine="calamine", infer_schema_length=0, read_options={"header_row": best})


def _read_parquet(lf: LandingFile) -> pl.DataFrame:
    lf.encoding = "parquet"
    return pl.read_parquet(lf.path).with_columns(pl.all().cast(pl.String))


def read_text(lf: LandingFile, scratch: Path) -> pl.DataFrame:
    """One landing file as a text frame with canonical column names plus `_file` and `_row`.

    `_row` is the spreadsheet row number: the header is row `header_row`, the first record the next one.
    """
    if lf.registry is None:
        raise FileRefused(f"{lf.path.name}: the file name does not name a registry "
                          f"(start it with one of {[p for r in REGISTRIES.values() for p in r.file_prefixes]})")
    if lf.size_bytes == 0:
        raise FileRefused(f"{lf.path.name}: the file is empty")
    if lf.size_bytes > MAX_FILE_BYTES:
        raise FileRefused(f"{lf.path.name}: {lf.size_bytes} bytes is over the {MAX_FILE_BYTES}-byte limit "
                          "(NMG_MAX_FILE_BYTES); split the export into several files of the same registry")
    registry = REGISTRIES[lf.registry]
    suffix = lf.path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            raw = _read_csv(lf, scratch)
        elif suffix == ".xlsx":
            raw = _read_xlsx(lf, registry)
        elif suffix == ".parquet":
            raw = _read_parquet(lf)
        else:
            raise FileRefused(f"{lf.path.name}: unsupported file type {suffix!r}; use one of {SUPPORTED}")
    except FileRefused:
        raise
    except Exception as exc:  # the reader's own message, attached to the file that caused it
        raise FileRefused(f"{lf.path.name}: cannot be read as a table ({_reader_message(exc)}); check that the "
                          "export is complete (not truncated) and re-export it") from exc
    return _canonical(raw, lf, registry)


def _reader_message(exc: Exception) -> str:
    """The reader's complaint in a line: polars adds tuning tips that are no help to whoever made the export."""
    text = str(exc)
    original = text.split("Original error:", 1)[-1] if "Original error:" in text else text
    lines = [ln.strip(" `") for ln in original.splitlines() if ln.strip(" `")]
    return f"{type(exc).__name__}: {' '.join(lines)[:300]}"


def _canonical(raw: pl.DataFrame, lf: LandingFile, registry: Registry) -> pl.DataFrame:
    known = header_map(registry)
    rename, extra = {}, []
    for col in raw.columns:
        canon = known.get(normalise_header(col))
        if canon and canon not in rename.values():
            rename[col] = canon
        else:
            extra.append(col)
    lf.extra_columns = extra
    missing = [c.name for c in registry.columns if c.required and c.name not in rename.values()]
    if missing:
        zh = {c.name: c.aliases[0] for c in registry.columns if c.aliases}
        named = ", ".join(f"{m} ({zh.get(m, m)})" for m in missing)
        raise FileRefused(f"{lf.path.name}: missing required column(s) {named} for registry {registry.name}; "
                          f"found {raw.columns}")
    frame = raw.rename(rename).select(
        [pl.col(c.name) if c.name in rename.values() else pl.lit(None, pl.String).alias(c.name)
         for c in registry.columns]
    )
    lf.rows_in = frame.height
    return frame.with_columns(
        pl.col(pl.String).str.strip_chars(),
    ).with_columns(
        pl.when(pl.col(pl.String) == "").then(None).otherwise(pl.col(pl.String)).name.keep(),
    ).with_row_index("_row", offset=lf.header_row + 1).with_columns(
        pl.lit(lf.path.name).alias("_file"), pl.col("_row").cast(pl.Int64)
    )
