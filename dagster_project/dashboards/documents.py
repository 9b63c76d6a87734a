"""政策原文: a page per source document (doc-<document>.html) and their index (documents.html), so an auditor goes
from a sentence of a policy to its money and back.

Each page shows the document's text line by line with the source file's line numbers (catalogue.source_text) and,
beside each clause (the line range a catalogue entry cites; overlapping ranges shown together), its entries: id,
title, costed or not and why, kind and basis, the parameters with their dated values and each value's citation
(catalogue.parameters / parameter_values / rule_parameters), the hand-worked test cases of tests/cases/ and this
year's booked amount by level (ledger.liabilities, payment year = the run's data year) with its beneficiaries.
Anchors both ways: an entry links to its lines (#L<n>), every line of a clause links to its entries (#rule-<id>).
Items the catalogue lists as holding no fiscal clause are marked where their heading is found. Lines outside every
catalogue document (the talent annex) get a page too (text-<first>-<last>.html). Plain HTML without charts: the
longest document has about 2,500 lines.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from .. import safe_yaml
from ..settings import REPO_ROOT
from .layout import (
    DOCUMENTS_PAGE,
    KIND_ZH,
    LEVEL_ORDER,
    LEVEL_ZH,
    SPENDING,
    exact_yuan,
    has_table,
    level_rank,
    money_td,
    page,
    table,
    wan,
)

CASES_DIR = REPO_ROOT / "tests" / "cases"
CSS = ("documents.css",)
STATUS_ZH = {"costed": "已测算", "not_costable": "无法测算"}
BASIS_ZH = {"exact": "按原文金额", "upper_bound": "按上限测算（原文为“最高”金额）",
            "lower_bound": "按下限测算（原文为“不低于”金额）", "expected_value": "按期望值测算（上限×预计比例）"}
BENEFICIARY_ZH = {"enterprise": "企业", "project": "项目", "talent": "人才", "programme": "专项资金"}
DOC_LEVEL_ZH = {"central": "中央", "region": "自治区", "city": "盟市", "banner": "旗区"}
FIELD_ZH = {"amount": "金额公式", "eligibility": "资格条件", "caps.per_award": "单笔上限",
            "caps.per_beneficiary_year": "每个对象每年上限", "caps.per_beneficiary": "每个对象累计上限",
            "tiers.by": "分档依据", "expected_share": "预计兑现比例"}
BRACKET = re.compile(r"tiers\.brackets\[(\d+)\]\.(amount|min|max)")
PROGRAMME = re.compile(r"programme\[(\d+)\]\.amount")


def page_name(document: str) -> str:
    return f"doc-{document}.html"


def text_page_name(first: int, last: int) -> str:
    """The page of source lines outside every catalogue document."""
    return f"text-{first}-{last}.html"


# --- what the pages read -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One hand-worked case of tests/cases as far as one rule goes: its expected ledger lines for that rule."""
    file: str
    case: str
    title: str
    lines: tuple[tuple[str, int, str, str, str], ...]  # (object, payment year, level, region, amount 元 text)


@dataclass
class Sources:
    """Everything the document pages show, read once from the warehouse and tests/cases."""
    year: int  # the run's data year: 'this year' of the booked amounts
    docs: list[dict[str, Any]]
    rules: dict[str, list[dict[str, Any]]]  # by document
    text: dict[str | None, dict[int, str]]  # document (None: outside every document) -> line number -> text
    params: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # rule -> parameters used, with values
    booked: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # rule -> level -> 元 this year
    beneficiaries: dict[str, int] = field(default_factory=dict)  # rule -> distinct beneficiaries this year
    by_document: dict[str, tuple[Decimal, Decimal, int]] = field(default_factory=dict)  # all kinds, spending, benef.
    cases: dict[str, list[Case]] = field(default_factory=dict)  # rule -> cases
    case_problems: list[str] = field(default_factory=list)
    has_text: bool = True
    has_params: bool = False


def _dicts(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def read_sources(conn: duckdb.DuckDBPyConnection, run: dict, cases_dir: Path = CASES_DIR) -> Sources:
    year = date.fromisoformat(str(run["as_of"])[:10]).year
    docs = _dicts(conn, "SELECT * FROM catalogue.documents ORDER BY line_first, document")  # a list's period too
    rules: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in _dicts(conn, """SELECT rule_id, document, item, line_first, line_last, title, status, reason, kind, basis,
                                    expected_share, split_specified, assumption, beneficiary, valid_from, valid_to
                             FROM catalogue.rules ORDER BY line_first, line_last, rule_id"""):
        rules[r["document"]].append(r)
    src = Sources(year=year, docs=docs, rules=rules, text=defaultdict(dict))
    src.has_text = has_table(conn, "catalogue", "source_text")
    if src.has_text:
        for document, n, text in conn.execute("SELECT document, line_no, text FROM catalogue.source_text").fetchall():
            src.text[document][n] = text
    src.has_params = all(has_table(conn, "catalogue", t) for t in ("parameters", "parameter_values", "rule_parameters"))
    if src.has_params:
        src.params = _parameters(conn)
    if has_table(conn, "ledger", "liabilities"):
        _booked(conn, src)
    src.cases, src.case_problems = read_cases(cases_dir)
    return src


def _parameters(conn: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    """rule -> [{name, title, unit, fields, values: [{value_from, value_to, value, document, item, lines}]}]."""
    values: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in _dicts(conn, """SELECT name, value_from, value_to, value, document, item, line_first, line_last
                             FROM catalogue.parameter_values ORDER BY name, value_from"""):
        values[v["name"]].append(v)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in _dicts(conn, """SELECT u.rule_id, u.name, list(DISTINCT u.field ORDER BY u.field) AS fields,
                                    any_value(p.title) AS title, any_value(p.unit) AS unit
                             FROM catalogue.rule_parameters AS u LEFT JOIN catalogue.parameters AS p USING (name)
                             GROUP BY u.rule_id, u.name ORDER BY u.rule_id, u.name"""):
        out[u["rule_id"]].append({**u, "values": values.get(u["name"], [])})
    return out


def _booked(conn: duckdb.DuckDBPyConnection, src: Sources) -> None:
    """This year's ledger by rule and level, beneficiaries by rule, and per document (all kinds; budget spending)."""
    for rule, level, yuan in conn.execute("""SELECT rule_id, paying_level, sum(amount_yuan) FROM ledger.liabilities
                                             WHERE payment_year = ? GROUP BY ALL""", [src.year]).fetchall():
        src.booked.setdefault(rule, {})[level] = yuan
    src.beneficiaries = dict(conn.execute("""SELECT rule_id, count(DISTINCT beneficiary_id) FROM ledger.liabilities
                                             WHERE payment_year = ? GROUP BY ALL""", [src.year]).fetchall())
    for document, total, spending, people in conn.execute(f"""
            SELECT document, sum(amount_yuan), COALESCE(sum(amount_yuan) FILTER (WHERE {SPENDING}), 0),
                   count(DISTINCT beneficiary_id)
            FROM ledger.liabilities WHERE payment_year = ? GROUP BY ALL""", [src.year]).fetchall():
        src.by_document[document] = (total, spending, people)


def read_cases(folder: Path) -> tuple[dict[str, list[Case]], list[str]]:
    """tests/cases/<DOCUMENT>/*.yaml by rule (a case listing several rules appears under each, with that rule's
    lines), and a Chinese line per file that cannot be read (tests/test_cases.py fails on it too)."""
    cases: dict[str, list[Case]] = defaultdict(list)
    problems = []
    for path in sorted(folder.glob("*/*.yaml")) if folder.is_dir() else []:
        shown = f"tests/cases/{path.parent.name}/{path.name}"
        try:
            data = _yaml(path)
            for spec in data["cases"]:
                for rule, lines in (spec.get("expected") or {}).items():
                    cases[str(rule)].append(Case(shown, str(spec["case"]), str(spec.get("title", "")),
                                                 tuple(_case_line(line) for line in lines or [])))
        except (safe_yaml.YamlRefused, UnicodeDecodeError, KeyError, TypeError, ValueError,
                AttributeError) as exc:
            problems.append(f"测试用例文件 {shown} 无法读取（{exc}），本页未列出其中的用例：请按 tests/cases/README.md "
                            "改正后重新运行。")
    for found in cases.values():
        found.sort(key=lambda c: (c.file, c.case))
    return cases, problems


def _yaml(path: Path) -> Any:
    """A case file of the repository, read like every YAML file the project reads (safe_yaml: no aliases, no key
    twice, bounded size)."""
    return safe_yaml.load(path, f"tests/cases/{path.parent.name}/{path.name}")


def _case_line(raw: Any) -> tuple[str, int, str, str, str]:
    obj, year, level, region, amount = raw
    return str(obj), int(year), str(level), str(region), str(amount)


# --- items without a fiscal clause: where their heading is -------------------------------------------------------

ZH_DIGITS = "〇一二三四五六七八九"
ZH = "[一二三四五六七八九十]+"
ANY_HEADING = {"zh": rf"{ZH}、", "paren": rf"[（(]{ZH}[）)]", "arabic": r"\d+\s*[.．、](?!\d)",
               "paren_arabic": r"[（(]\d+[）)]", "chapter": rf"第{ZH}章", "section": rf"第{ZH}节",
               "box": r"专栏\s*\d+(?!\d)"}
HEADING = re.compile(r"^\s*(?:" + "|".join(ANY_HEADING.values()) + ")")
# How an item number of the catalogue is written as headings, by the number of its parts; a document uses one
# of the alternatives (11: '11.' or '十一、'; 2.3: '二、（三）', '二、3.' or '第二章第三节';
# 3.1.5.2: '三、（一）5.（2）').
PATHS = {1: (("arabic",), ("zh",), ("chapter",)), 2: (("zh", "paren"), ("zh", "arabic"), ("chapter", "section")),
         3: (("zh", "paren", "arabic"), ("chapter", "section", "arabic")),
         4: (("zh", "paren", "arabic", "paren_arabic"),)}
BOX = re.compile(r"专栏(\d+)(?:\.(\d+))?")  # 专栏1.2: the second numbered line of box 1 (专栏 1 …)


def zh_number(n: int) -> str | None:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十; None from 100 on (no document numbers its headings that far)."""
    if not 0 < n < 100:
        return None
    if n < 10:
        return ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else ZH_DIGITS[tens]) + "十" + (ZH_DIGITS[ones] if ones else "")


def _heading(kind: str, n: int) -> re.Pattern | None:
    """The heading that opens number `n` at one level of a document, e.g. '11.', '十一、', '（十一）', '第十一章'."""
    if kind in ("arabic", "paren_arabic", "box"):
        number = {"arabic": rf"{n}\s*[.．、](?!\d)", "paren_arabic": rf"[（(]{n}[）)]",
                  "box": rf"专栏\s*{n}(?!\d)"}[kind]
        return re.compile(rf"^\s*{number}")
    zh = zh_number(n)
    if zh is None:
        return None
    return re.compile(r"^\s*" + {"zh": f"{zh}、", "paren": f"[（(]{zh}[）)]", "chapter": f"第{zh}章",
                                  "section": f"第{zh}节"}[kind])


def _paths(item: str) -> list[list[tuple[str, int]]]:
    """The headings an item number may stand for, one list per way of writing it (PATHS); [] for other items."""
    if box := BOX.fullmatch(item):
        return [[("box", int(box.group(1)))] + ([("arabic", int(box.group(2)))] if box.group(2) else [])]
    parts = item.split(".")
    if all(p.isdigit() for p in parts) and len(parts) in PATHS:
        return [list(zip(kinds, map(int, parts), strict=True)) for kinds in PATHS[len(parts)]]
    value = next((n for n in range(1, 100) if zh_number(n) == item), None)
    return [[("zh", value)]] if value else []


def _find(text: dict[int, str], first: int, last: int, path: list[tuple[str, int]]) -> int | None:
    """The line of the heading `path` leads to, each step searched within the part its parent heading opens (up to
    the next heading of the same kind); `text`: the heading lines, in line order."""
    lo, hi, at = first, last, None
    for kind, n in path:
        pattern, other = _heading(kind, n), re.compile(rf"^\s*{ANY_HEADING[kind]}")
        if pattern is None:
            return None
        at = next((i for i in text if lo <= i <= hi and pattern.match(text[i])), None)
        if at is None:
            return None
        end = next((i for i in text if at < i <= hi and other.match(text[i])), None)
        lo, hi = at, (end - 1 if end else hi)
    return at


def _located(text: dict[int, str], first: int, last: int, items: list[str], choice: int) -> dict[str, int]:
    found = {}
    for item in items:
        paths = _paths(item)
        line = _find(text, first, last, paths[min(choice, len(paths) - 1)]) if paths else None
        if line is not None:
            found[item] = line
    return found


def _fits(found: dict[str, int], rules: list[dict[str, Any]]) -> int:
    """How many entries lie under their own item's heading, with no other item's heading in between."""
    headings = sorted(found.values())
    return sum(1 for r in rules if (h := found.get(str(r["item"]))) is not None and h <= r["line_first"]
               and not any(h < other <= r["line_first"] for other in headings))


def locate_items(text: dict[int, str], first: int, last: int, rules: list[dict[str, Any]],
                 items: Iterable[str]) -> dict[str, int]:
    """item -> line of its heading, for `items` (those without a fiscal clause). The way of writing the numbers
    (PATHS) is the one that puts the most of the document's entries under their own item's heading, kept only when
    that is at least 80% of them; without entries to check it against, nothing is located."""
    items = list(items)
    every = sorted({str(r["item"]) for r in rules} | set(items))
    if not rules:
        return {}
    text = {n: text[n] for n in sorted(text) if HEADING.match(text[n])}  # only the lines that open a part, in order
    tried = [_located(text, first, last, every, choice) for choice in range(3)]
    scores = [_fits(found, rules) for found in tried]
    best = max(range(3), key=lambda c: (scores[c], -c))
    if scores[best] < 0.8 * len(rules):
        return {}
    found = dict(tried[best])
    for item in items:  # one written another way (a section 三、 among items 2.3 and 4.1 written （三）, （一）)
        if item not in found and _rank(item) is not None:
            found |= _elsewhere(text, first, last, item, found)
    return {i: found[i] for i in items if i in found}


def _rank(item: str) -> tuple[int, ...] | None:
    parts = item.split(".")
    return tuple(map(int, parts)) if all(p.isdigit() for p in parts) else None


def _elsewhere(text: dict[int, str], first: int, last: int, item: str, found: dict[str, int]) -> dict[str, int]:
    """{item: line} for an item found by another reading of its number, kept only between the headings of the items
    numbered just before and after it; {} otherwise."""
    rank = _rank(item)
    ranked = [(_rank(i), line) for i, line in found.items() if _rank(i) is not None]
    low = max((line for r, line in ranked if r < rank), default=first - 1)
    high = min((line for r, line in ranked if r > rank), default=last + 1)
    for path in _paths(item):
        line = _find(text, first, last, path)
        if line is not None and low < line < high:
            return {item: line}
    return {}


# --- one document's page -----------------------------------------------------------------------------------------

def build_all(conn: duckdb.DuckDBPyConnection, run: dict, cases_dir: Path = CASES_DIR) -> dict[str, str]:
    """file name -> page: the index, one page per catalogue document and one per stretch of text outside them."""
    src = read_sources(conn, run, cases_dir)
    pages = {page_name(d["document"]): document_page(src, d, run) for d in src.docs}
    pages.update({text_page_name(a, b): outside_page(src, a, b, run) for a, b in outside_ranges(src)})
    pages[DOCUMENTS_PAGE] = index_page(src, run)
    return pages


def outside_ranges(src: Sources) -> list[tuple[int, int]]:
    """Runs of consecutive lines that belong to no catalogue document and hold some text (the file's last line is a
    single space: no page for it)."""
    text = src.text.get(None, {})
    out: list[tuple[int, int]] = []
    for n in sorted(text):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return [(a, b) for a, b in out if any(text[n].strip() for n in range(a, b + 1))]


def document_page(src: Sources, doc: dict[str, Any], run: dict) -> str:
    document = doc["document"]
    rules = src.rules.get(document, [])
    first, last = doc["line_first"], doc["line_last"]
    text = src.text.get(document, {})
    without = [i.strip() for i in (doc["items_without_fiscal_clause"] or "").split(",") if i.strip()]
    marks = locate_items(text, first, last, rules, without)
    inside = [r for r in rules if r["line_last"] >= first and r["line_first"] <= last]
    outside = [r for r in rules if r not in inside]
    body = (_head(src, doc, rules, without, marks)
            + _text_card(src, document, first, last, text, inside, marks)
            + (f'<div class="card"><h2>引用行不在本文件行范围内的条目（{len(outside)} 条）</h2>'
               f'{"".join(_entry(src, r, document, None) for r in outside)}</div>' if outside else ""))
    return page(page_name(document), body, run, _sql(document, src.year, src.has_params), section=DOCUMENTS_PAGE,
                heading=doc["short_title"] or document, charts=False, css=CSS)


def _head(src: Sources, doc: dict[str, Any], rules: list[dict[str, Any]], without: list[str],
          marks: dict[str, int]) -> str:
    costed = sum(r["status"] == "costed" for r in rules)
    total, spending, people = src.by_document.get(doc["document"], (Decimal(0), Decimal(0), 0))
    issued = f" · 发布日期 {html.escape(str(doc['issued']))}" if doc["issued"] else ""
    counts = (f"财政条款条目 {len(rules)} 条：已测算 {costed} 条，无法测算 {len(rules) - costed} 条。"
              f"{src.year}年记账 <span data-testid='doc-total' data-yuan='{total}' title='{exact_yuan(total)} 元'>"
              f"{wan(total)} 万元</span>（其中财政支出 {wan(spending)} 万元），受益对象 {people:,} 个。"
              if rules else "本文件在政策目录中没有财政条款条目，下面只显示原文。")
    items = "、".join(f'<a href="#item-{html.escape(i)}">第{html.escape(i)}项</a>' if i in marks
                     else f"第{html.escape(i)}项" for i in without)
    items_p = (f"<p data-testid='items-without'>经审阅没有财政条款的条目（{len(without)} 项，原文中已标出 "
               f"{len(marks)} 项的位置）：{items}</p>" if without else "")
    toc = _toc(src, rules) if rules else ""
    period = _period(src, doc)
    return (f'<div class="card doc-head"><h2>{html.escape(doc["title"])}</h2>'
            f'<p>{DOC_LEVEL_ZH.get(doc["level"], html.escape(str(doc["level"])))}文件{issued} · 原文第 '
            f'<a href="#L{doc["line_first"]}">{doc["line_first"]}</a>–{doc["line_last"]} 行 · 文件代码 '
            f'<code>{html.escape(doc["document"])}</code>{period}</p><p>{counts}</p>{items_p}'
            f'<p><a href="{DOCUMENTS_PAGE}">返回全部政策原文</a></p>{toc}</div>')


def _period(src: Sources, doc: dict[str, Any]) -> str:
    """' · 清单期间 2024-01-01 至 2024-12-31（延续 …）' for a yearly list (catalogue.documents.valid_from/valid_to,
    continues), '' for other documents or a warehouse without these columns."""
    if doc.get("valid_from") is None:
        return ""
    text = f" · 清单期间 {doc['valid_from']} 至 {doc['valid_to'] or '（未写明终止日期）'}"
    earlier = doc.get("continues")
    if earlier:
        known = next((d for d in src.docs if d["document"] == earlier), None)
        name = html.escape(known["short_title"] or earlier) if known else html.escape(earlier)
        link = f'<a href="{page_name(earlier)}">{name}</a>' if known else name
        text += f"（延续{link}）"
    return text


def _toc(src: Sources, rules: list[dict[str, Any]]) -> str:
    rows = [f"<tr><td class='text'><a href='#rule-{html.escape(r['rule_id'])}'>{html.escape(r['rule_id'])}</a></td>"
            f"<td class='text'>{html.escape(r['title'] or '')}</td><td>{STATUS_ZH.get(r['status'], r['status'])}</td>"
            f"{money_td(sum(src.booked.get(r['rule_id'], {}).values(), Decimal(0)))}</tr>" for r in rules]
    return ('<details class="collapsible"><summary>条目一览（点击条目跳到原文旁）</summary>'
            + table(["条目", "标题", "状态", f"{src.year}年记账（万元）"], rows, "entries", search=True)
            + "</details>")


def _text_card(src: Sources, document: str, first: int, last: int, text: dict[int, str],
               rules: list[dict[str, Any]], marks: dict[str, int]) -> str:
    if not src.has_text:
        return ('<div class="card"><h2>条目</h2><p>本次运行的数据仓库没有原文表 catalogue.source_text，'
                f'下面只列出条目。</p>{"".join(_entry(src, r, document, None) for r in rules)}</div>')
    covering: dict[int, list[str]] = defaultdict(list)
    for r in rules:
        for n in range(max(r["line_first"], first), min(r["line_last"], last) + 1):
            covering[n].append(r["rule_id"])
    marked: dict[int, list[str]] = defaultdict(list)
    for item, line in marks.items():
        marked[line].append(item)
    parts, n = [], first
    for a, b, group in _clusters(rules, first, last):
        if n < a:
            parts.append(f'<div class="free"><div class="lines">{_lines(text, n, a - 1, covering, marked, document)}'
                         "</div></div>")
        parts.append(f'<section class="clause" id="clause-{a}"><div class="lines">'
                     f"{_lines(text, a, b, covering, marked, document)}</div><div class='entries'>"
                     f"{''.join(_entry(src, r, document, a) for r in group)}</div></section>")
        n = b + 1
    if n <= last:
        parts.append(f'<div class="free"><div class="lines">{_lines(text, n, last, covering, marked, document)}'
                     "</div></div>")
    return ('<div class="card"><h2>原文与条款</h2><p class="hint">左侧为原文，行号即政策原文文件的行号；'
            "带底色的行为某个条目引用的条款，行末的编号链接到右侧（手机上为下方）该条目；条目中的行号链接回原文。"
            f'</p><div class="src">{"".join(parts)}</div></div>')


def _clusters(rules: list[dict[str, Any]], first: int, last: int) -> list[tuple[int, int, list[dict[str, Any]]]]:
    """The cited ranges within the document, overlapping ones merged, in line order, with their entries."""
    out: list[tuple[int, int, list[dict[str, Any]]]] = []
    for r in sorted(rules, key=lambda r: (r["line_first"], r["line_last"], r["rule_id"])):
        a, b = max(r["line_first"], first), min(r["line_last"], last)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]), [*out[-1][2], r])
        else:
            out.append((a, b, [r]))
    return out


def short_id(rule_id: str, document: str) -> str:
    """ORD-FTRADE-01A on the ORD-FTRADE page reads 01A at the end of a line."""
    return rule_id.removeprefix(f"{document}-") or rule_id


def _lines(text: dict[int, str], a: int, b: int, covering: dict[int, list[str]], marked: dict[int, list[str]],
           document: str) -> str:
    out = []
    for n in range(a, b + 1):
        line = text.get(n, "")
        cls = "l" + (" c" if n in covering else "")
        mark = "".join(f'<span class="nf" id="item-{html.escape(i)}">第{html.escape(i)}项：经审阅无财政条款</span>'
                       for i in marked.get(n, []))
        if not line.strip() and not mark:  # a blank line keeps its number as an anchor, not its height
            out.append(f'<div class="{cls} b" id="L{n}"></div>')
            continue
        links = "".join(f'<a class="r" href="#rule-{html.escape(r)}">{html.escape(short_id(r, document))}</a>'
                        for r in covering.get(n, []))
        out.append(f'<div class="{cls}" id="L{n}"><a class="n" href="#L{n}">{n}</a>'
                   f'<span class="t">{html.escape(line)}</span>{links}{mark}</div>')
    return "".join(out)


# --- one catalogue entry -----------------------------------------------------------------------------------------

def _entry(src: Sources, r: dict[str, Any], document: str, anchor: int | None) -> str:
    """One catalogue entry; `anchor`: the first of its lines the page shows (None: the page shows none of them)."""
    rule = r["rule_id"]
    costed = r["status"] == "costed"
    flags = [f'<span class="status {"ok" if costed else "no"}">{STATUS_ZH.get(r["status"], r["status"])}</span>',
             html.escape(KIND_ZH.get(r["kind"], r["kind"] or ""))]
    if costed:
        flags.append(html.escape(BASIS_ZH.get(r["basis"], r["basis"] or "")))
        if r["expected_share"] is not None:
            flags.append(f"预计兑现比例 {Decimal(r['expected_share']).normalize():f}")
        if r["split_specified"] is False:
            flags.append('<span class="flag">分担比例未明确（按默认比例）</span>')
        if r["beneficiary"]:
            flags.append(f"对象：{BENEFICIARY_ZH.get(r['beneficiary'], html.escape(r['beneficiary']))}")
    where = f'第{html.escape(str(r["item"]))}项 · {lines_label(r["line_first"], r["line_last"])}'
    if anchor is not None:
        where = f'<a class="lines-link" href="#L{max(anchor, r["line_first"])}">{where}</a>'
    parts = [f'<article class="entry {"costed" if costed else "not-costable"}" id="rule-{html.escape(rule)}">',
             f'<h3><code>{html.escape(rule)}</code> {html.escape(r["title"] or "")}</h3>',
             f'<p class="meta">{where} · {" · ".join(f for f in flags if f)}</p>']
    if not costed:
        parts.append(f'<p class="reason" data-testid="reason-{html.escape(rule)}">无法测算的原因：'
                     f'{html.escape(r["reason"] or "（目录未写明原因）")}</p>')
    if r["assumption"]:
        parts.append(f'<p class="flag">基于假设：{html.escape(r["assumption"])}</p>')
    if costed:
        parts.append(f"<p>有效期：{_validity(r['valid_from'], r['valid_to'])}</p>")
    parts += [_parameters_html(src, rule, document), _booked_html(src, rule) if costed else "",
              _cases_html(src, rule), "</article>"]
    return "".join(parts)


def lines_label(first: int, last: int) -> str:
    """第145行, or 第143–147行."""
    return f"第{first}行" if first == last else f"第{first}–{last}行"


def _validity(start: Any, end: Any) -> str:
    if start is None:
        return "目录未写明"
    return f"{start} 起至 {end}" if end is not None else f"{start} 起，未写明终止日期"


def field_zh(name: str) -> str:
    """Where a rule uses a parameter, in words: shares.city -> 盟市分担比例, tiers.brackets[0].amount -> 第1档金额."""
    if name in FIELD_ZH:
        return FIELD_ZH[name]
    if name.startswith("shares."):
        return f"{LEVEL_ZH.get(name.removeprefix('shares.'), name)}分担比例"
    if m := BRACKET.fullmatch(name):
        return f"第{int(m.group(1)) + 1}档{ {'amount': '金额', 'min': '下限', 'max': '上限'}[m.group(2)] }"
    if m := PROGRAMME.fullmatch(name):
        return f"专项资金第{int(m.group(1)) + 1}笔"
    return name


def number_text(value: Any) -> str:
    """A parameter's value as written: 200, 0.5, 50,000,000 (no trailing zeros of DECIMAL(38,10))."""
    d = Decimal(str(value)).normalize()
    return f"{d:,f}" if abs(d) >= 10000 else f"{d:f}"


def _parameters_html(src: Sources, rule: str, document: str) -> str:
    uses = src.params.get(rule, [])
    if not uses:
        return ""
    items = []
    for u in uses:
        unit = u["unit"] or ""
        values = "".join(f"<li>{_value(v, unit, document, src)}</li>" for v in u["values"]) or "<li>目录未给出取值</li>"
        used = "、".join(field_zh(f) for f in u["fields"])
        items.append(f'<li data-testid="param-{html.escape(rule)}-{html.escape(u["name"])}">'
                     f'<b>{html.escape(u["title"] or u["name"])}</b> <code>{html.escape(u["name"])}</code>'
                     f"（用于{html.escape(used)}）<ul class='values'>{values}</ul></li>")
    return f'<div class="params"><h4>参数及其分段取值</h4><ul>{"".join(items)}</ul></div>'


def _value(v: dict[str, Any], unit: str, document: str, src: Sources) -> str:
    span = f"{v['value_from']} 至 {v['value_to']}" if v["value_to"] is not None else f"{v['value_from']} 起"
    shown = (f"<b class='value'>{number_text(v['value'])}</b> {html.escape(unit)}" if v["value"] is not None
             else "<b class='value'>停止执行</b>（本措施自该日起不再适用）")
    cited = v["document"] or document
    target = "" if cited == document else (page_name(cited) if any(d["document"] == cited for d in src.docs) else None)
    label = (f"{'' if cited == document else html.escape(cited) + ' '}第{html.escape(str(v['item'] or ''))}项 · "
             f"{lines_label(v['line_first'], v['line_last'])}")
    where = f'<a href="{target}#L{v["line_first"]}">{label}</a>' if target is not None else label
    return f"{span}：{shown}（依据 {where}）"


def _booked_html(src: Sources, rule: str) -> str:
    levels = src.booked.get(rule, {})
    title = f"<h4>{src.year}年记账</h4>"
    if not levels:
        return (f'<div class="booked">{title}<p data-testid="booked-{html.escape(rule)}-none">本年没有记账金额。</p>'
                "</div>")
    rows = [f"<tr><td>{LEVEL_ZH.get(lvl, html.escape(lvl))}</td>{money_td(levels[lvl], f'booked-{rule}-{lvl}')}</tr>"
            for lvl in sorted(levels, key=level_rank)]
    total = sum(levels.values(), Decimal(0))
    rows.append(f"<tr class='total'><td>合计</td>{money_td(total, f'booked-{rule}-total')}</tr>")
    exact = "；".join(f"{LEVEL_ZH.get(lvl, lvl)} {exact_yuan(levels[lvl])} 元"
                     for lvl in sorted(levels, key=level_rank))
    people = src.beneficiaries.get(rule, 0)
    return (f'<div class="booked">{title}<div class="table-wrap"><table class="mini"><thead><tr><th>承担层级</th>'
            f"<th>金额（万元）</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            f"<details class='exact'><summary>精确到元</summary>{html.escape(exact)}；合计 {exact_yuan(total)} 元"
            f"</details><p>受益对象 <b data-testid='beneficiaries-{html.escape(rule)}'>{people:,}</b> 个</p></div>")


def _cases_html(src: Sources, rule: str) -> str:
    found = src.cases.get(rule, [])
    if not found:
        return ""
    items = []
    for c in found:
        if c.lines:
            rows = "".join(f"<tr><td>{html.escape(o)}</td><td>{y}年</td><td>{LEVEL_ZH.get(lvl, html.escape(lvl))}</td>"
                           f"<td>{html.escape(reg)}</td><td data-yuan='{html.escape(a)}'>{exact_yuan(a)}</td></tr>"
                           for o, y, lvl, reg, a in sorted(c.lines, key=lambda x: (x[1], x[0], level_rank(x[2]))))
            lines = ('<div class="table-wrap"><table class="mini case-lines"><thead><tr><th>对象</th><th>支付年度</th>'
                     f"<th>承担层级</th><th>承担地区</th><th>金额（元）</th></tr></thead><tbody>{rows}</tbody></table></div>")
        else:
            lines = "<p>预期：本条目不产生台账记录。</p>"
        items.append(f'<li data-testid="case-{html.escape(rule)}-{html.escape(c.case)}"><b>{html.escape(c.title)}</b>'
                     f" <code>{html.escape(c.case)}</code>（{html.escape(c.file)}）{lines}</li>")
    return f'<div class="cases"><h4>测试用例（手算预期）</h4><ul>{"".join(items)}</ul></div>'


# --- the index and the text outside every document ---------------------------------------------------------------

def index_page(src: Sources, run: dict) -> str:
    rows = []
    for d in src.docs:
        rules = src.rules.get(d["document"], [])
        costed = sum(r["status"] == "costed" for r in rules)
        total, spending, people = src.by_document.get(d["document"], (Decimal(0), Decimal(0), 0))
        name = d["short_title"] or d["document"]
        rows.append(f"<tr><td class='text'><a href='{page_name(d['document'])}'>{html.escape(name)}</a></td>"
                    f"<td>{DOC_LEVEL_ZH.get(d['level'], html.escape(str(d['level'])))}</td>"
                    f"<td>{html.escape(str(d['issued'] or ''))}</td><td>{d['line_first']}–{d['line_last']}</td>"
                    f"<td>{len(rules)}</td><td>{costed}</td><td>{len(rules) - costed}</td>"
                    f"{money_td(total, 'index-' + d['document'])}{money_td(spending)}<td>{people:,}</td></tr>")
    head = ["文件", "层级", "发布日期", "原文行", "条目", "已测算", "无法测算", f"{src.year}年记账（万元）",
            "其中财政支出", "受益对象"]
    outside = "".join(f'<li><a href="{text_page_name(a, b)}">第{a}–{b}行：'
                      f"{html.escape(_first_words(src, a, b))}</a></li>" for a, b in outside_ranges(src))
    problems = "".join(f"<p class='flag'>{html.escape(p)}</p>" for p in src.case_problems)
    body = (f'<div class="card"><h2>政策原文与条款目录</h2><p>每个文件一页：逐行显示原文（行号即政策原文文件的行号），'
            f"在每个条款旁列出它的目录条目：是否测算及原因、参数及其分段取值和依据、手算测试用例，以及{src.year}年的"
            "记账金额（按中央、自治区、盟市、旗区）和受益对象数。记账金额含各类条目；“其中财政支出”与“分政策”页口径相同。"
            f"</p>{problems}{table(head, rows, 'documents', search=True)}</div>"
            + (f'<div class="card"><h2>不属于目录中任何文件的原文</h2><ul>{outside}</ul></div>' if outside else ""))
    return page(DOCUMENTS_PAGE, body, run, _index_sql(src.year), charts=False, css=CSS)


def _first_words(src: Sources, a: int, b: int) -> str:
    text = src.text.get(None, {})
    line = next((text[n].strip() for n in range(a, b + 1) if text.get(n, "").strip()), "")
    return line[:40]


def outside_page(src: Sources, a: int, b: int, run: dict) -> str:
    text = src.text.get(None, {})
    body = (f'<div class="card doc-head"><h2>第{a}–{b}行：{html.escape(_first_words(src, a, b))}</h2>'
            "<p>这段原文不属于政策目录中的任何文件（例如文件的附件），没有目录条目。</p>"
            f'<p><a href="{DOCUMENTS_PAGE}">返回全部政策原文</a></p></div>'
            f'<div class="card"><h2>原文</h2><div class="src"><div class="free"><div class="lines">'
            f"{_lines(text, a, b, {}, {}, '')}</div></div></div></div>")
    sql = f"SELECT line_no, text FROM catalogue.source_text WHERE document IS NULL AND line_no BETWEEN {a} AND {b}\n" \
          "ORDER BY line_no;"
    return page(text_page_name(a, b), body, run, sql, section=DOCUMENTS_PAGE, heading=f"原文第{a}–{b}行",
                charts=False, css=CSS)


def _sql(document: str, year: int, params: bool) -> str:
    doc = document.replace("'", "''")
    uses = f"""-- 各条目用到的参数及其分段取值和依据
SELECT u.rule_id, u.name, u.field, v.value_from, v.value_to, v.value, v.document, v.item, v.line_first, v.line_last
FROM catalogue.rule_parameters AS u JOIN catalogue.parameter_values AS v USING (name)
JOIN catalogue.rules AS r USING (rule_id) WHERE r.document = '{doc}' ORDER BY u.rule_id, u.name, v.value_from;
""" if params else ""
    return f"""-- 本文件的原文（逐行）
SELECT line_no, text FROM catalogue.source_text WHERE document = '{doc}' ORDER BY line_no;
-- 各条目及其引用行、是否测算及原因
SELECT rule_id, item, line_first, line_last, title, status, reason, kind, basis, split_specified, assumption
FROM catalogue.rules WHERE document = '{doc}' ORDER BY line_first, line_last, rule_id;
{uses}-- {year}年各条目按承担层级的记账金额（元）和受益对象数
SELECT rule_id, paying_level, sum(amount_yuan) AS amount_yuan
FROM ledger.liabilities WHERE document = '{doc}' AND payment_year = {year}
GROUP BY ALL ORDER BY rule_id, {_level_order()};
SELECT rule_id, count(DISTINCT beneficiary_id) FROM ledger.liabilities
WHERE document = '{doc}' AND payment_year = {year} GROUP BY rule_id;"""


def _level_order() -> str:
    cases = " ".join(f"WHEN '{lvl}' THEN {i}" for i, lvl in enumerate(LEVEL_ORDER))
    return f"CASE paying_level {cases} END"


def _index_sql(year: int) -> str:
    return f"""-- 各文件的条目数和{year}年记账金额（元）、受益对象数
SELECT d.document, d.short_title, count(r.rule_id) AS entries,
       count(r.rule_id) FILTER (WHERE r.status = 'costed') AS costed,
       (SELECT sum(amount_yuan) FROM ledger.liabilities AS l
        WHERE l.document = d.document AND l.payment_year = {year}) AS booked_yuan,
       (SELECT count(DISTINCT beneficiary_id) FROM ledger.liabilities AS l
        WHERE l.document = d.document AND l.payment_year = {year}) AS beneficiaries
FROM catalogue.documents AS d LEFT JOIN catalogue.rules AS r USING (document)
GROUP BY ALL ORDER BY d.line_first;
-- 不属于任何文件的原文行
SELECT line_no, text FROM catalogue.source_text WHERE document IS NULL ORDER BY line_no;"""
