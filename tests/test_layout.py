"""layout.py's shared pieces without a browser: the table wrapper tables.js reads, the folded section, and the
short Chinese document names."""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal

import duckdb
import plotly.graph_objects as go
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


def test_chart_is_autosized_in_chinese_without_logo_and_its_title_wraps_as_a_heading():
    fig = go.Figure(go.Bar(x=["中央"], y=[1]))
    fig.update_layout(width=1200)
    out = layout.chart(fig, "c1", "很长的图表标题<br>第二行 & 说明", 300)
    assert '<h3 class="chart-title">很长的图表标题<br>第二行 &amp; 说明</h3>' in out
    assert fig.layout.width is None and fig.layout.autosize and fig.layout.title.text is None
    assert '"locale": "zh-CN"' in out and '"displaylogo": false' in out and '"responsive": true' in out
    assert "sendChartToCloud" in out  # removed from the tool bar: it would upload the chart
    assert "cdn.plot.ly" not in out and "<script src" not in out


def test_write_static_ships_the_basic_bundle_and_locale_and_drops_the_full_bundle(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "plotly.min.js").write_text("old full bundle")
    layout.write_static(tmp_path)
    names = {p.name for p in (tmp_path / "static").iterdir()}
    assert names == {"style.css", "documents.css", "tables.js", "plotly-basic.min.js", "plotly-locale-zh-cn.js"}
    locale = (tmp_path / "static" / "plotly-locale-zh-cn.js").read_text(encoding="utf-8")
    assert 'name:"zh-CN"' in locale and "Plotly.register(locale)" in locale
    head = (tmp_path / "static" / "plotly-basic.min.js").read_text(encoding="utf-8")[:200]
    assert "plotly.js (basic - minified) v4.1.1" in head
    page = layout.page("index.html", "", {"run_id": "r1", "generated_at": "t", "catalogue_version": "0" * 16,
                                          "as_of": "2026-11-27"}, "SELECT 1")
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["static/plotly-basic.min.js", "static/plotly-locale-zh-cn.js", "static/tables.js"]
    assert all((tmp_path / s).exists() for s in scripts)


def test_money_cell_keeps_the_exact_yuan_for_hover_and_export():
    cell = layout.money_td(Decimal("123456789.01"), "x-1")
    assert cell == '<td data-yuan="123456789.01" data-testid="x-1" title="123,456,789.01 元">12,345.68</td>'
