"""layout.py's shared pieces without a browser: the table wrapper tables.js reads, the folded section, and the
short Chinese document names."""

from __future__ import annotations

import html
import json
import re

import pytest

from dagster_project.dashboards import layout


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
