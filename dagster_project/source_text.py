"""The policy source text in the warehouse: catalogue.source_text, one row per line of the vendored text
(seeds/source/, settings.SOURCE_TEXT) and the catalogue document it belongs to, so an auditor reads a citation's
lines beside catalogue.rules (line_first, line_last) in SQL, and the document pages (dashboards/documents.py)
show the text without the file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from .settings import SOURCE_TEXT
from .warehouse import write_table

SCHEMA = {"document": pl.String, "line_no": pl.Int32, "text": pl.String}


class SourceTextError(RuntimeError):
    """The source text is missing or unreadable."""


def read_lines(path: Path = SOURCE_TEXT) -> list[str]:
    """The text's lines without their line ends (line 1 first), read as UTF-8."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceTextError(f"政策原文 {path} 无法读取（{exc}）：请从 seeds/source/README.md 所列来源恢复这个文件"
                              "（逐字节相同，SHA-256 见该说明）后重新运行。") from None


def source_rows(documents: Iterable[Mapping[str, Any]], lines: list[str]) -> pl.DataFrame:
    """Every line of each document's source_lines with the document's id, and every line outside all documents
    (an annex the catalogue does not cost, e.g. lines 2847-3319) once with a NULL document; by line, then document."""
    rows, covered = [], set()
    for doc in documents:
        first, last = doc["source_lines"]
        for n in range(max(first, 1), min(last, len(lines)) + 1):
            rows.append((doc["document"], n, lines[n - 1]))
            covered.add(n)
    rows += [(None, n, text) for n, text in enumerate(lines, start=1) if n not in covered]
    rows.sort(key=lambda r: (r[1], r[0] or ""))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def write_source_text(conn: duckdb.DuckDBPyConnection, documents: Iterable[Mapping[str, Any]],
                      path: Path = SOURCE_TEXT) -> int:
    """catalogue.source_text(document, line_no, text); the number of rows written."""
    frame = source_rows(documents, read_lines(path))
    write_table(conn, "catalogue.source_text", frame)
    return frame.height
