"""layout.py's shared pieces without a browser: the table wrapper tables.js reads, the folded section, and the
short Chinese document names."""

from __future__ import annotations

import html
import json
import re

import duckdb
import pytest

from dagster_project import catalogue
from dagster_project.dashboards import layout
from dagster_project.ledger import write_catalogue


def test_table_keeps_its_id_and_rows_and_marks_filters_and_search():
    rows = ["<tr><td>2027年</td><td data-yuan='1.00'>0.00</td></tr>", "<tr><td>2028年</td><td>x</td></tr>"]
    out = layout.table(["支付年度", "金额"], rows, "t1", filters={"支付年度": "2027年"}, search=True)
    assert "<table id='t1'><thead><tr><th>支付年度</th><th>金额</th></tr></thead><tbody>" in out
    assert "".join(rows) in out and out.count("<tr>") == 3
    filters = re.search(r'data-filters="([^"]*)"', out).group(1)
    assert json.loads(html.unescape(filters)) == {"支付年度": "2027年"}
    assert 'data-search="1"' in out and 'class="table-wrap"' in out


def test_table_without_options_is_a_plain_table_in_a_scrolling_wrapper():
    out = layout.table(["a<b"], [], "t2")
    assert "data-filters" not in out and "data-search" not in out
    assert "<th>a&lt;b</th>" in out and 'data-table="t2"' in out


def test_a_filter_on_a_column_the_table_lacks_is_refused():
    with pytest.raises(ValueError, match="年度"):
        layout.table(["支付年度"], [], "t3", filters={"年度": None})


def test_collapsible_folds_its_content_closed_unless_asked():
    closed = layout.collapsible("全部 232 条<无法测算>", "<table></table>")
    assert closed.startswith('<details class="collapsible"><summary>全部 232 条&lt;无法测算&gt;</summary>')
    assert closed.endswith("<table></table></details>")
    assert layout.collapsible("s", "x", open_=True).startswith('<details class="collapsible" open>')


def test_doc_name_reads_the_short_titles_and_falls_back_to_the_code():
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA catalogue")
    conn.execute("CREATE TABLE catalogue.documents AS SELECT * FROM (VALUES ('NMG2024', '自治区2024年产业政策清单'), "
                 "('ORD-WOOD', NULL)) AS t(document, short_title)")
    layout.load_doc_names(conn)
    assert layout.doc_name("NMG2024") == "自治区2024年产业政策清单"
    assert layout.doc_name("ORD-WOOD") == "ORD-WOOD" and layout.doc_name("X-1") == "X-1"
    layout.load_doc_names(duckdb.connect())  # no catalogue (an old warehouse): codes, nothing left from before
    assert layout.doc_name("NMG2024") == "NMG2024"


def test_every_catalogue_document_has_a_short_chinese_title_in_catalogue_documents():
    cat = catalogue.load()
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA catalogue")
    write_catalogue(conn, cat, "run-1")
    names = dict(conn.execute("SELECT document, short_title FROM catalogue.documents").fetchall())
    assert set(names) == {d["document"] for d in cat.documents} and len(names) >= 13
    for code, name in names.items():
        assert name and not re.search(r"[A-Za-z]{2,}", name) and len(name) <= catalogue.SHORT_TITLE_MAX, code
    assert names["NMG2024"] == "自治区2024年产业政策清单" and names["ORD2024"] == "鄂尔多斯市2024年产业政策清单"
    assert len(set(names.values())) == len(names)  # two documents never share a name


def test_a_short_title_must_be_short_text(tmp_path):
    data = {"document": "X1", "level": "region", "source_lines": [1, 2], "short_title": "很" * 31}
    with pytest.raises(catalogue.CatalogueError, match="short_title"):
        catalogue._document(data, "X1.yaml")
    with pytest.raises(catalogue.CatalogueError, match="short_title"):
        catalogue._document({**data, "short_title": 5}, "X1.yaml")
