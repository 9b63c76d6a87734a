"""The static dashboard site (Plotly, Simplified Chinese) the nightly run writes into dashboards/: one module
per page, sharing layout.py. Pages open from disk or any plain web server, with no network."""

from __future__ import annotations

from pathlib import Path

import duckdb

from . import changes, documents, forecast_page, overview, policies, quality, regions, scenarios_page
from .layout import load_doc_names, write_static


def build_site(conn: duckdb.DuckDBPyConnection, out: Path, run: dict, published: Path | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    write_static(out)
    load_doc_names(conn)  # layout.doc_name: documents by their short Chinese names on every page
    pages = {"index.html": overview.build(conn, run, changes.read_published(published)),
             "regions.html": regions.build(conn, run), "policies.html": policies.build(conn, run),
             "forecast.html": forecast_page.build(conn, run), "scenarios.html": scenarios_page.build(conn, run),
             "quality.html": quality.build(conn, run)}
    pages.update(documents.build_all(conn, run))  # 政策原文: the index and a text page per source document
    paths = []
    for name, text in pages.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    from ..workbook import write_workbook  # here, not at the top: workbook.py imports .layout from this package

    paths.append(write_workbook(conn, out, run))  # in the same site folder: goes live with the pages
    return paths
