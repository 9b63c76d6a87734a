"""政策原文 pages (dagster_project/dashboards/documents.py) and catalogue.source_text (dagster_project/source_text.py).

Most tests build the pages from a hand-made warehouse whose every figure is written out below: two documents (one
without entries), a stretch of text outside both, two costed entries citing overlapping lines and one not costable,
dated parameter values (one cited from the other document, one ending the measure), ledger lines of this year and
the year before, and a test case file. The last tests use the real catalogue and the vendored source text."""

from __future__ import annotations

import hashlib
import html
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.dashboards import documents, layout
from dagster_project.settings import REPO_ROOT, SOURCE_TEXT
from dagster_project.source_text import read_lines, source_rows, write_source_text

RUN = {"run_id": "run-docs-0001", "generated_at": "2026-11-27 02:00:00", "catalogue_version": "0" * 16,
       "as_of": "2026-11-27"}  # 'this year' of the booked amounts: 2026
TEXT = ["关于支持测试产业发展的若干措施",  # 1  DOC-A
        "",
        "1.对新建项目按投资额的10%给予补贴，",  # 3  A-01 (3-4), A-01B (4-4)
        "最高不超过500万元。",
        "2.加强组织领导，压实工作责任。",  # 5  item 2: no fiscal clause
        "3.对引进的高层次人才给予奖励，",  # 6  A-03 (6-7), not costable
        "具体办法另行制定。",
        "    第三项的补充说明：一行很长很长的原文" + "测试" * 60,  # 8  a long line that must wrap on a phone
        "",
        "本措施自2024年1月1日起施行。",  # 10
        "",
        "（此件公开发布）",  # 12
        "关于调整测试补贴比例的通知",  # 13 DOC-B: no entries; cited by a parameter value
        "自2025年1月1日起，新建项目补贴比例调整为15%。",
        "",
        "特此通知。",  # 16
        "附件：测试分类目录",  # 17 outside every document
        "一、甲类人才"]  # 18
DOCS = [{"document": "DOC-A", "title": "关于支持测试产业发展的若干措施（测政发〔2024〕1号）",
         "short_title": "测试产业措施", "level": "region", "issued": "2024-01-01", "source_lines": [1, 12],
         "items_without_fiscal_clause": ["2"]},
        {"document": "DOC-B", "title": "关于调整测试补贴比例的通知", "short_title": "测试补贴调整通知", "level": "city",
         "issued": "2024-12-20", "source_lines": [13, 16], "items_without_fiscal_clause": []}]


def _rule(rule_id: str, item: str, lines: tuple[int, int], title: str, status: str = "costed", **kw) -> dict:
    row = {"rule_id": rule_id, "document": "DOC-A", "item": item, "line_first": lines[0], "line_last": lines[1],
           "quote": "", "title": title, "status": status, "reason": None, "kind": "spending", "basis": "exact",
           "expected_share": None, "split_specified": True, "assumption": None, "beneficiary": "project",
           "valid_from": "2024-01-01", "valid_to": None}
    return row | kw


RULES = [_rule("DOC-A-01", "1", (3, 4), "新建项目按投资额补贴", basis="upper_bound", split_specified=False),
         _rule("DOC-A-01B", "1", (4, 4), "新建项目税费减免", kind="revenue_forgone",
               assumption="假设减免额按补贴额的一半估算。"),
         _rule("DOC-A-03", "3", (6, 7), "引进高层次人才奖励", status="not_costable",
               reason="具体办法另行制定，原文没有写明奖励金额。", beneficiary=None, valid_from=None)]
PARAMETERS = [("doc_a_01_rate", "新建项目补贴比例", "比例", "DOC-A", "DOC-A.yaml"),
              ("doc_a_01_cap", "新建项目补贴上限", "元", "DOC-A", "DOC-A.yaml")]
VALUES = [("doc_a_01_rate", "2024-01-01", "2024-12-31", "0.1", "DOC-A", "1", 3, 4, "按投资额的10%给予补贴"),
          ("doc_a_01_rate", "2025-01-01", "2025-12-31", "0.15", "DOC-B", "1", 13, 14, "补贴比例调整为15%"),
          ("doc_a_01_rate", "2026-01-01", None, None, "DOC-B", "1", 16, 16, "特此通知"),
          ("doc_a_01_cap", "2024-01-01", None, "5000000", "DOC-A", "1", 4, 4, "最高不超过500万元")]
USES = [("DOC-A-01", "doc_a_01_rate", "amount"), ("DOC-A-01", "doc_a_01_rate", "eligibility"),
        ("DOC-A-01", "doc_a_01_cap", "caps.per_award")]
# (rule, document, payment year, level, 元, beneficiary, kind): 2026 is this year, 2025 must not be shown
LEDGER = [("DOC-A-01", "DOC-A", 2026, "banner", "400000.00", "P2", "spending"),
          ("DOC-A-01", "DOC-A", 2026, "region", "1234567.89", "P1", "spending"),
          ("DOC-A-01", "DOC-A", 2026, "city", "600000.01", "P1", "spending"),
          ("DOC-A-01", "DOC-A", 2026, "city", "0.10", "P2", "spending"),
          ("DOC-A-01", "DOC-A", 2025, "central", "999999.99", "P3", "spending"),
          ("DOC-A-01B", "DOC-A", 2026, "region", "50000.00", "P1", "revenue_forgone")]
CASES = """document: DOC-A
cases:
  - case: doc_a_1_new_project
    title: 新建项目按投资额10%补贴，最高500万元
    rules: [DOC-A-01, DOC-A-01B]
    clause: [{item: "1", lines: [3, 4], quote: 按投资额的10%给予补贴}]
    expected:
      DOC-A-01:
        - [P9, 2025, city, "150600", "1500000.00"]   # 10% x 3000万 = 300万, city half
        - [P9, 2025, region, "150000", "1500000.00"]
      DOC-A-01B: []
"""


@pytest.fixture
def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    for schema in ("catalogue", "ledger"):
        conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute("""CREATE TABLE catalogue.documents (document TEXT, title TEXT, short_title TEXT, level TEXT,
                    notes TEXT, issued TEXT, line_first INT, line_last INT, items_without_fiscal_clause TEXT)""")
    conn.executemany("INSERT INTO catalogue.documents VALUES (?, ?, ?, ?, '', ?, ?, ?, ?)",
                     [[d["document"], d["title"], d["short_title"], d["level"], d["issued"], *d["source_lines"],
                       ", ".join(d["items_without_fiscal_clause"])] for d in DOCS])
    conn.execute("""CREATE TABLE catalogue.rules (rule_id TEXT, document TEXT, item TEXT, line_first INT,
                    line_last INT, quote TEXT, title TEXT, status TEXT, reason TEXT, kind TEXT, basis TEXT,
                    expected_share DECIMAL(9,6), split_specified BOOLEAN, assumption TEXT, beneficiary TEXT,
                    valid_from DATE, valid_to DATE)""")
    conn.executemany(f"INSERT INTO catalogue.rules VALUES ({', '.join('?' * 17)})", [list(r.values()) for r in RULES])
    conn.execute("CREATE TABLE catalogue.parameters (name TEXT, title TEXT, unit TEXT, document TEXT, file TEXT)")
    conn.executemany("INSERT INTO catalogue.parameters VALUES (?, ?, ?, ?, ?)", PARAMETERS)
    conn.execute("""CREATE TABLE catalogue.parameter_values (name TEXT, value_from DATE, value_to DATE,
                    value DECIMAL(38,10), document TEXT, item TEXT, line_first INT, line_last INT, quote TEXT)""")
    conn.executemany("INSERT INTO catalogue.parameter_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", VALUES)
    conn.execute("CREATE TABLE catalogue.rule_parameters (rule_id TEXT, name TEXT, field TEXT)")
    conn.executemany("INSERT INTO catalogue.rule_parameters VALUES (?, ?, ?)", USES)
    conn.execute("""CREATE TABLE ledger.liabilities (rule_id TEXT, document TEXT, payment_year INT, paying_level TEXT,
                    amount_yuan DECIMAL(18,2), beneficiary_id TEXT, kind TEXT)""")
    conn.executemany("INSERT INTO ledger.liabilities VALUES (?, ?, ?, ?, ?, ?, ?)", LEDGER)
    source = tmp_path / "source.txt"
    source.write_text("\n".join(TEXT) + "\n", encoding="utf-8")
    assert write_source_text(conn, DOCS, source) == len(TEXT)
    return conn


@pytest.fixture
def cases_dir(tmp_path) -> Path:
    folder = tmp_path / "cases" / "DOC-A"
    folder.mkdir(parents=True)
    (folder / "items.yaml").write_text(CASES, encoding="utf-8")
    return folder.parent


@pytest.fixture
def pages(warehouse, cases_dir) -> dict[str, str]:
    return documents.build_all(warehouse, RUN, cases_dir)


# --- reading the pages back ------------------------------------------------------------------------------------

def line(page: str, n: int) -> str:
    """The element of source line n (line elements hold no other div)."""
    found = re.findall(rf'<div class="l[^"]*" id="L{n}">(.*?)</div>', page)
    assert len(found) == 1, f"行 {n}：{len(found)} 个元素"
    return found[0]


def entry(page: str, rule: str) -> str:
    found = re.findall(rf'<article class="entry [^"]*" id="rule-{re.escape(rule)}">(.*?)</article>', page, re.S)
    assert len(found) == 1, f"{rule}：{len(found)} 个条目"
    return found[0]


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def yuan(page: str, test_id: str) -> Decimal:
    tag = re.findall(rf"""<[^<>]*data-testid=["']{re.escape(test_id)}["'][^<>]*>""", page)
    assert len(tag) == 1, f"{test_id}：{len(tag)} 个元素"
    return Decimal(re.search(r"""data-yuan=["']([-\d.]+)["']""", tag[0]).group(1))


# --- the source text in the warehouse ---------------------------------------------------------------------------

def test_source_text_has_every_line_once_per_document_and_outside_lines_without_one(warehouse):
    rows = warehouse.execute("SELECT document, line_no, text FROM catalogue.source_text ORDER BY line_no").fetchall()
    assert [n for _, n, _ in rows] == list(range(1, len(TEXT) + 1))
    assert [t for _, _, t in rows] == TEXT  # verbatim: blank lines kept, leading spaces kept (line 8)
    assert {n: d for d, n, _ in rows} == {**dict.fromkeys(range(1, 13), "DOC-A"),
                                          **dict.fromkeys(range(13, 17), "DOC-B"), 17: None, 18: None}
    types = dict(warehouse.execute("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name = 'source_text'").fetchall())
    assert types == {"document": "VARCHAR", "line_no": "INTEGER", "text": "VARCHAR"}


def test_overlapping_documents_each_get_their_lines():
    frame = source_rows([{"document": "X", "source_lines": [1, 3]}, {"document": "Y", "source_lines": [3, 4]}],
                        ["a", "b", "c", "d", "e"])
    assert frame.rows() == [("X", 1, "a"), ("X", 2, "b"), ("X", 3, "c"), ("Y", 3, "c"), ("Y", 4, "d"), (None, 5, "e")]


def test_a_missing_source_text_is_refused_in_chinese(tmp_path):
    with pytest.raises(RuntimeError, match=r"政策原文 .*missing.txt 无法读取.*seeds/source/README.md"):
        read_lines(tmp_path / "missing.txt")


def test_the_vendored_text_is_the_recorded_one():
    readme = (REPO_ROOT / "seeds" / "source" / "README.md").read_text(encoding="utf-8")
    recorded = re.search(r"SHA-256 \| `([0-9a-f]{64})`", readme).group(1)
    data = SOURCE_TEXT.read_bytes()
    assert SOURCE_TEXT.is_relative_to(REPO_ROOT / "seeds" / "source") and hashlib.sha256(data).hexdigest() == recorded
    origin = REPO_ROOT.parent / "shared" / "seeds" / SOURCE_TEXT.name
    if origin.exists():
        assert origin.read_bytes() == data
    assert len(read_lines()) == 9635 and read_lines()[9633].endswith("单")  # 9,634 lines, then a single space


# --- one document's page ----------------------------------------------------------------------------------------

def test_every_page_is_written(pages):
    assert set(pages) == {"documents.html", "doc-DOC-A.html", "doc-DOC-B.html", "text-17-18.html"}
    for name, page in pages.items():
        assert 'href="static/documents.css"' in page and "plotly" not in page  # text pages load no charts
        assert '<a href="documents.html" class=current>政策原文</a>' in page, name
        assert "catalogue.source_text" in page.split("<footer>")[1]  # the SQL that gives the same text


def test_lines_carry_the_source_files_numbers(pages):
    page = pages["doc-DOC-A.html"]
    assert text_of(line(page, 1)) == "1关于支持测试产业发展的若干措施"
    assert line(page, 2) == ""  # a blank line keeps its anchor, no number shown
    assert '<a class="n" href="#L10">10</a><span class="t">本措施自2024年1月1日起施行。</span>' in line(page, 10)
    assert '<span class="t">    第三项的补充说明' in line(page, 8)  # the text as written
    assert "id=\"L13\"" not in page and "id=\"L0\"" not in page  # only the document's own lines
    other = pages["doc-DOC-B.html"]
    assert [int(n) for n in re.findall(r'<a class="n" href="#L(\d+)">', other)] == [13, 14, 16]


def test_anchors_go_both_ways_and_every_link_lands(pages):
    page = pages["doc-DOC-A.html"]
    assert '<a class="lines-link" href="#L3">第1项 · 第3–4行</a>' in entry(page, "DOC-A-01")
    assert 'href="#L4">第1项 · 第4行</a>' in entry(page, "DOC-A-01B")  # one line
    assert 'href="#L6">第3项 · 第6–7行</a>' in entry(page, "DOC-A-03")
    assert re.findall(r'href="#rule-([^"]+)"', line(page, 3)) == ["DOC-A-01"]
    assert re.findall(r'href="#rule-([^"]+)"', line(page, 4)) == ["DOC-A-01", "DOC-A-01B"]  # overlapping clauses
    assert re.findall(r'href="#rule-([^"]+)"', line(page, 7)) == ["DOC-A-03"]
    assert "#rule-" not in line(page, 5) + line(page, 10)  # no clause there
    assert ">01B</a>" in line(page, 4)  # shown without the document's prefix
    # lines 3-4 form one clause with both entries beside them; 6-7 another
    clauses = re.findall(r'<section class="clause" id="clause-(\d+)">(.*?)</section>', page, re.S)
    assert [(int(a), re.findall(r'id="rule-([^"]+)"', c)) for a, c in clauses] == [
        (3, ["DOC-A-01", "DOC-A-01B"]), (6, ["DOC-A-03"])]
    for name, shown in pages.items():  # every in-page link has its target, every link to a page names one written
        ids = set(re.findall(r'id="([^"]+)"', shown))
        assert {h for h in re.findall(r'href="#([^"]+)"', shown)} <= ids, name
        for target, anchor in re.findall(r'href="([^"#:]+\.html)#([^"]+)"', shown):
            assert target in pages and f'id="{anchor}"' in pages[target], (name, target, anchor)


def test_an_entry_citing_lines_beyond_its_document_links_to_the_lines_shown(warehouse, cases_dir):
    warehouse.executemany(f"INSERT INTO catalogue.rules VALUES ({', '.join('?' * 17)})",
                          [list(_rule("DOC-A-09", "3", (10, 14), "跨越文件末尾的条目").values()),
                           list(_rule("DOC-A-10", "4", (15, 16), "引用行全在本文件之外的条目").values())])
    page = documents.build_all(warehouse, RUN, cases_dir)["doc-DOC-A.html"]
    assert '<a class="lines-link" href="#L10">第3项 · 第10–14行</a>' in entry(page, "DOC-A-09")
    assert [n for n in range(1, 13) if 'href="#rule-DOC-A-09"' in line(page, n)] == [10, 12]  # 11 is blank
    outside = re.search(r"引用行不在本文件行范围内的条目（1 条）</h2>(.*?)</div>", page, re.S).group(1)
    assert 'id="rule-DOC-A-10"' in outside and "第4项 · 第15–16行" in outside and "lines-link" not in outside
    assert set(re.findall(r'href="#([^"]+)"', page)) <= set(re.findall(r'id="([^"]+)"', page))


def test_costed_and_not_costable_entries_say_how_and_why(pages):
    page = pages["doc-DOC-A.html"]
    costed = text_of(entry(page, "DOC-A-01"))
    assert "已测算" in costed and "按上限测算" in costed and "分担比例未明确" in costed
    assert "财政支出" in costed and "有效期：2024-01-01 起，未写明终止日期" in costed
    assert "无法测算" not in costed
    other = text_of(entry(page, "DOC-A-01B"))
    assert "减收" in other and "基于假设：假设减免额按补贴额的一半估算。" in other
    refused = entry(page, "DOC-A-03")
    assert 'class="entry not-costable"' in page and "无法测算" in text_of(refused)
    assert text_of(refused).count("无法测算的原因：具体办法另行制定，原文没有写明奖励金额。") == 1
    assert "记账" not in text_of(refused)  # nothing is booked for a clause that is not costed


def test_parameters_show_their_dated_values_and_citations(pages):
    page = pages["doc-DOC-A.html"]
    rate = re.search(r'data-testid="param-DOC-A-01-doc_a_01_rate">(.*?)</ul></li>', page, re.S).group(1)
    shown = text_of(rate)
    assert "新建项目补贴比例" in shown and "doc_a_01_rate" in shown and "用于金额公式、资格条件" in shown
    assert "2024-01-01 至 2024-12-31：0.1 比例（依据 第1项 · 第3–4行）" in shown
    assert "2025-01-01 至 2025-12-31：0.15 比例（依据 DOC-B 第1项 · 第13–14行）" in shown
    assert "2026-01-01 起：停止执行" in shown
    assert '<a href="#L3">' in rate and '<a href="doc-DOC-B.html#L13">' in rate  # the other document's line
    cap = text_of(re.search(r'data-testid="param-DOC-A-01-doc_a_01_cap">(.*?)</ul></li>', page, re.S).group(1))
    assert "用于单笔上限" in cap and "2024-01-01 起：5,000,000 元" in cap
    assert "参数" not in text_of(entry(page, "DOC-A-03"))


def test_this_years_booked_amount_by_level_in_fiscal_order(pages):
    page = pages["doc-DOC-A.html"]
    booked = entry(page, "DOC-A-01")
    levels = re.findall(r"<tr><td>(中央|自治区|盟市|旗区)</td>", booked)
    assert levels == ["自治区", "盟市", "旗区"]  # 中央 booked only in 2025
    assert yuan(page, "booked-DOC-A-01-region") == Decimal("1234567.89")
    assert yuan(page, "booked-DOC-A-01-city") == Decimal("600000.11")
    assert yuan(page, "booked-DOC-A-01-banner") == Decimal("400000.00")
    assert yuan(page, "booked-DOC-A-01-total") == Decimal("2234568.00")
    assert ">123.46</td>" in booked and ">223.46</td>" in booked  # 万元
    assert "自治区 1,234,567.89 元；盟市 600,000.11 元；旗区 400,000.00 元；合计 2,234,568.00 元" in text_of(booked)
    assert re.search(r"data-testid='beneficiaries-DOC-A-01'>2<", booked)  # P1 and P2 (P3 was paid in 2025)
    assert yuan(page, "booked-DOC-A-01B-total") == Decimal("50000.00")
    assert yuan(page, "doc-total") == Decimal("2284568.00")  # every kind of the document's entries this year


def test_test_cases_are_shown_with_their_expected_amounts(pages):
    page = pages["doc-DOC-A.html"]
    case = text_of(re.search(r'data-testid="case-DOC-A-01-doc_a_1_new_project">(.*?)</li>', page, re.S).group(1))
    assert "新建项目按投资额10%补贴，最高500万元" in case and "tests/cases/DOC-A/items.yaml" in case
    rows = re.findall(r"<tr><td>(P9)</td><td>(\d+年)</td><td>(\S+?)</td><td>(\d+)</td><td data-yuan='([\d.]+)'>"
                      r"([\d,.]+)</td></tr>", page)
    assert rows == [("P9", "2025年", "自治区", "150000", "1500000.00", "1,500,000.00"),  # fiscal order, exact 元
                    ("P9", "2025年", "盟市", "150600", "1500000.00", "1,500,000.00")]
    empty = re.search(r'data-testid="case-DOC-A-01B-doc_a_1_new_project">(.*?)</li>', page, re.S).group(1)
    assert "预期：本条目不产生台账记录" in text_of(empty)
    assert "测试用例" not in text_of(entry(page, "DOC-A-03"))


def test_items_without_a_fiscal_clause_are_marked(pages):
    page = pages["doc-DOC-A.html"]
    assert '<span class="nf" id="item-2">第2项：经审阅无财政条款</span>' in line(page, 5)
    assert '<a href="#item-2">第2项</a>' in page and "原文中已标出 1 项的位置" in text_of(page)


def test_a_yearly_lists_period_and_the_list_it_continues_are_shown(warehouse, cases_dir):
    warehouse.execute("ALTER TABLE catalogue.documents ADD COLUMN valid_from DATE")
    warehouse.execute("ALTER TABLE catalogue.documents ADD COLUMN valid_to DATE")
    warehouse.execute("ALTER TABLE catalogue.documents ADD COLUMN continues TEXT")
    warehouse.execute("UPDATE catalogue.documents SET valid_from = '2025-01-01', valid_to = '2025-12-31', "
                      "continues = 'DOC-A' WHERE document = 'DOC-B'")
    pages = documents.build_all(warehouse, RUN, cases_dir)
    shown = '清单期间 2025-01-01 至 2025-12-31（延续<a href="doc-DOC-A.html">测试产业措施</a>）'
    assert shown in pages["doc-DOC-B.html"]
    assert "清单期间" not in pages["doc-DOC-A.html"]


def test_a_document_without_entries_still_gets_its_page(pages):
    page = pages["doc-DOC-B.html"]
    assert "<h1>测试补贴调整通知</h1>" in page
    assert "本文件在政策目录中没有财政条款条目" in text_of(page)
    assert "特此通知。" in line(page, 16) and "<article" not in page and "clause" not in page.split("<footer>")[0]


def test_the_index_lists_every_document_and_the_text_outside_them(pages):
    index = pages["documents.html"]
    assert "<h1>政策原文</h1>" in index
    assert re.findall(r"<a href='(doc-[^']+)'>([^<]+)</a>", index) == [("doc-DOC-A.html", "测试产业措施"),
                                                                       ("doc-DOC-B.html", "测试补贴调整通知")]
    assert yuan(index, "index-DOC-A") == Decimal("2284568.00") and yuan(index, "index-DOC-B") == 0
    assert '<a href="text-17-18.html">第17–18行：附件：测试分类目录</a>' in index
    outside = pages["text-17-18.html"]
    assert text_of(line(outside, 18)) == "18一、甲类人才" and "不属于政策目录中的任何文件" in text_of(outside)


def test_an_unreadable_case_file_is_named_on_the_index_and_the_rest_still_build(warehouse, cases_dir):
    (cases_dir / "DOC-A" / "broken.yaml").write_text("cases: [{case: x\n", encoding="utf-8")
    pages = documents.build_all(warehouse, RUN, cases_dir)
    assert "测试用例文件 tests/cases/DOC-A/broken.yaml 无法读取" in text_of(pages["documents.html"])
    assert 'data-testid="case-DOC-A-01-doc_a_1_new_project"' in pages["doc-DOC-A.html"]


def test_without_parameter_tables_or_ledger_the_pages_still_build(warehouse, cases_dir):
    for table in ("catalogue.rule_parameters", "ledger.liabilities"):
        warehouse.execute(f"DROP TABLE {table}")
    page = documents.build_all(warehouse, RUN, cases_dir)["doc-DOC-A.html"]
    assert 'class="params"' not in page and "本年没有记账金额" in text_of(entry(page, "DOC-A-01"))
    assert "catalogue.rule_parameters" not in page  # the footer's SQL names only tables the warehouse has


def test_the_nav_links_the_document_index_from_every_page():
    page = layout.page("index.html", "", RUN, "")
    assert '<a href="documents.html">政策原文</a>' in page and "plotly-basic.min.js" in page


# --- the real catalogue and text --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_pages(tmp_path_factory) -> tuple[dict[str, str], list]:
    from dagster_project import catalogue
    from dagster_project.ledger import write_catalogue
    from dagster_project.warehouse import ensure_schemas

    cat = catalogue.load()
    conn = duckdb.connect()
    ensure_schemas(conn)
    write_catalogue(conn, cat, "run-1")
    write_source_text(conn, cat.documents)
    return documents.build_all(conn, RUN), cat


def test_every_catalogue_entry_sits_beside_its_lines_on_its_documents_page(real_pages):
    pages, cat = real_pages
    assert {f"doc-{d['document']}.html" for d in cat.documents} | {"documents.html", "text-2847-3319.html"} \
        == set(pages)
    for rule in cat.rules:
        page = pages[f"doc-{rule.document}.html"]
        first, last = rule.citation["lines"]
        label = f"第{first}行" if first == last else f"第{first}–{last}行"
        assert f'href="#L{first}">第{html.escape(str(rule.citation["item"]))}项 · {label}</a>' in entry(page, rule.id)
        cited = [n for n in range(first, last + 1) if f'href="#rule-{rule.id}"' in line(page, n)]
        assert cited == [n for n in range(first, last + 1) if read_lines()[n - 1].strip()], rule.id
        for name in {n for n, _ in rule.parameters}:  # every parameter the rule uses, with its values
            assert f'data-testid="param-{rule.id}-{name}"' in entry(page, rule.id), (rule.id, name)
    for name, shown in pages.items():  # every link lands: lines, entries, items, other documents' lines
        assert set(re.findall(r'href="#([^"]+)"', shown)) <= set(re.findall(r'id="([^"]+)"', shown)), name
        for target, anchor in set(re.findall(r'href="([^"#:]+\.html)#([^"]+)"', shown)):
            assert f'id="{anchor}"' in pages[target], (name, target, anchor)
    for d in cat.documents:  # every line of the document, numbered as in the file
        page = pages[f"doc-{d['document']}.html"]
        first, last = d["source_lines"]
        assert re.findall(r'id="L(\d+)"', page) == [str(n) for n in range(first, last + 1)]
        assert len(page.encode()) < 1_000_000  # plain HTML: ORD2024's 1,600 lines and 168 entries stay light


def test_items_without_a_fiscal_clause_are_found_at_their_headings(real_pages):
    pages, _ = real_pages
    text = read_lines()
    for document, item, line_no in [("NMG2024", "3", 60), ("NMG-PRIV", "1", 1273), ("NMG-FACAG", "6", 1942),
                                    ("ORD2024", "1.2.2", 3436), ("ORD-COMMERCE14", "1.1", 5650),
                                    ("ORD-NEWENERGY", "1.1", 8660), ("ORD-WOOD", "1.2.1", 8177),
                                    ("ORD-COALBOX", "3", 5026), ("ORD-COMMERCE14", "12", 7915)]:
        assert f'id="item-{item}"' in line(pages[f"doc-{document}.html"], line_no), (document, item)
        assert text[line_no - 1].strip()[0] in "0123456789一二三四五六七八九十（第"  # a heading line
    for document in ("NMG2024", "ORD2024", "ORD-NEWENERGY", "ORD-COMMERCE14"):  # every listed item found
        listed, marked = re.search(r"经审阅没有财政条款的条目（(\d+) 项，原文中已标出 (\d+) 项的位置）",
                                   pages[f"doc-{document}.html"]).groups()
        assert listed == marked, document
