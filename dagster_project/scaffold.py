"""Authoring: catalogue entries scaffolded from a numbered policy text (issue 20; docs/authoring.md).

`new-document` reads a document's lines of the policy text, finds its numbered items (一、 （一） 1. （1） 第X条
第X章 第X节 专栏N), and writes one entry per item with its citation (item, lines, first sentence). Every amount,
percentage, per-unit rate, share between levels, cap and threshold found in an item's text becomes a named
parameter with one dated value cited to its own lines and clause (the format of docs/catalogue.md, "Parameters").
Each entry's status is TODO, which the catalogue loader refuses: nothing scaffolded reaches the ledger before an
analyst has read it and chosen costed or not_costable. `new-rule` appends one item's entry to a document's file.

The text is a PDF extraction: numbers are split from their units by spaces and line breaks, pages carry "— 3—"
lines. Everything is read on the document joined into one string without whitespace, each character remembering
its source line, so a value split over two lines is found and cited to both.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import safe_yaml

DOC_ID = re.compile(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)*")
LEVELS = ("central", "region", "city", "banner")
VALUE_MAX = Decimal(10) ** 12  # as a parameter value (parameters.VALUE_MAX)
TITLE_MAX = 60


class ScaffoldError(ValueError):
    """A scaffold that cannot be made: the message says what to give or fix (Chinese)."""


# --- the text, joined --------------------------------------------------------------------------------------------

INLINE_PAGE = re.compile(r"(?<=[\u4e00-\u9fa5])—\d{1,3}—(?=[\u4e00-\u9fa5])")  # 以— 93—上: a page break mid-line
PAGE_LINE = re.compile(r"^[—\-－–]*\s*\d+\s*[—\-－–]+$|^[—\-－–]+\s*\d+\s*[—\-－–]*$")


@dataclass(frozen=True)
class Flat:
    """A document's lines joined without whitespace; `line_of[i]` is the source line of character i."""

    text: str
    line_of: tuple[int, ...]
    starts: tuple[tuple[int, int], ...]  # (source line, offset of its first character), lines with text only
    breaks: tuple[int, ...] = ()  # offsets where a page-number line was left out

    def quote(self, start: int, end: int) -> str:
        """text[start:end] as a quote of the source: "……" where a page number was left out, the catalogue's mark
        for an elision (a quote is checked up to its first ……)."""
        cuts = [b for b in self.breaks if start < b < end]
        parts = [self.text[a:b] for a, b in zip([start, *cuts], [*cuts, end], strict=True)]
        return "……".join(parts)

    def lines(self, start: int, end: int) -> list[int]:
        """[first, last] source lines of the characters start..end-1."""
        return [self.line_of[start], self.line_of[max(start, end - 1)]]


def flatten(lines: list[str], first: int, last: int) -> Flat:
    """Lines first..last (1-based, inclusive) of the text, blank and page-number lines left out."""
    text: list[str] = []
    line_of: list[int] = []
    starts: list[tuple[int, int]] = []
    breaks: list[int] = []
    for n in range(first, min(last, len(lines)) + 1):
        squeezed = re.sub(r"\s+", "", lines[n - 1])
        if squeezed and PAGE_LINE.match(squeezed):
            breaks.append(len(line_of))
        if not squeezed or PAGE_LINE.match(squeezed):
            continue
        starts.append((n, len(line_of)))
        text.append(squeezed)
        line_of.extend([n] * len(squeezed))
    return Flat("".join(text), tuple(line_of), tuple(starts), tuple(breaks))


# --- Chinese numerals --------------------------------------------------------------------------------------------

HAN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
HAN_UNITS = {"十": 10, "百": 100, "千": 1000}


def han_number(text: str) -> int:
    """一百零五 -> 105, 十一 -> 11, 一亿五千万 -> 150000000, 两千 -> 2000; arabic digits pass through."""
    if text.isdigit():
        return int(text)
    result = section = digit = 0
    for ch in text:
        if ch in HAN_DIGITS:
            digit = HAN_DIGITS[ch]
        elif ch in HAN_UNITS:
            section += (digit or 1) * HAN_UNITS[ch]
            digit = 0
        elif ch == "万":
            result += (section + digit) * 10_000
            section = digit = 0
        elif ch == "亿":
            result = (result + section + digit) * 100_000_000
            section = digit = 0
        else:
            raise ValueError(f"不是中文数字：{text}")
    return result + section + digit


def han_decimal(text: str) -> Decimal:
    """三十 -> 30, 二点五 -> 2.5 (百分之二点五)."""
    whole, _, frac = text.partition("点")
    value = Decimal(han_number(whole)) if whole else Decimal(0)
    if frac:
        value += Decimal("0." + "".join(str(HAN_DIGITS[c]) for c in frac))
    return value


# --- numbered items ----------------------------------------------------------------------------------------------

HAN = "一二三四五六七八九十百零〇两"
MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"第([{HAN}\d]+)章")),
    ("section", re.compile(rf"第([{HAN}\d]+)节")),
    ("article", re.compile(rf"第([{HAN}\d]+)条")),
    ("box", re.compile(r"专栏(\d+)")),
    ("han", re.compile(r"([一二三四五六七八九十]+)、")),
    ("paren_han", re.compile(r"[（(]([一二三四五六七八九十]+)[）)]")),
    # 6.建立… and 87.2024年…, never a decimal number wrapped to the line start (1.4亿元, 2804.9亿元)
    ("arabic", re.compile(r"(\d{1,3})[.．、](?:(?!\d)|(?=\d{4}年))")),
    ("paren_arabic", re.compile(r"[（(](\d{1,2})[）)]")),
)
CLOSING = re.compile(r"(?:本|以上|上述)(?:政策|措施|意见|方案|清单|办法|规定|通知|细则)")
OWN_TEXT_MIN = 40  # a parent item's own text longer than a heading is an entry too


@dataclass(frozen=True)
class Marker:
    kind: str
    number: int
    line: int
    start: int  # offset of the marker in Flat.text
    body: int  # offset just after the marker


@dataclass
class Item:
    """One numbered item (or a parent's own text before its first child) and where it lies."""

    label: str
    path: tuple[tuple[str, int], ...]
    first: int
    last: int
    start: int
    body: int
    end: int
    leaf: bool = True


def _markers(flat: Flat) -> list[Marker]:
    """Markers at line starts whose number continues a sequence of its kind (1, or the last one + 1)."""
    found: list[Marker] = []
    last_seen: dict[str, int] = {}
    for line, off in flat.starts:
        for kind, rx in MARKERS:
            m = rx.match(flat.text, off)
            if m is None:
                continue
            n = han_number(m.group(1))
            if n == 1 or n == last_seen.get(kind, 0) + 1:
                last_seen[kind] = n
                found.append(Marker(kind, n, line, off, m.end()))
            break
    return found


def _global_kinds(paths: list[tuple[Marker, ...]]) -> set[str]:
    """Kinds numbered straight through the document (1, 2, 3 … never restarting) at the top or under several
    parents (NMG2024's 1.–110.): an item's label starts at the deepest of them (else at the top)."""
    seq: dict[str, list[int]] = {}
    parents: dict[str, set[int]] = {}
    for path in paths:
        m = path[-1]
        seq.setdefault(m.kind, []).append(m.number)
        parents.setdefault(m.kind, set()).add(path[-2].start if len(path) > 1 else -1)
    return {k for k, ns in seq.items()
            if ns == list(range(1, len(ns) + 1)) and (len(parents[k]) > 1 or -1 in parents[k])}


def _label(path: tuple[tuple[str, int], ...], global_kinds: set[str]) -> str:
    start = max((i for i, (kind, _) in enumerate(path) if kind in global_kinds), default=0)
    return ".".join(f"专栏{n}" if kind == "box" else str(n) for kind, n in path[start:])


def _closing(flat: Flat, after: int) -> int:
    """Offset of a closing paragraph (本政策由…, 以上措施…) after the last item, or the end of the text."""
    for _, off in flat.starts:
        if off > after and CLOSING.match(flat.text, off):
            return off
    return len(flat.text)


def find_items(flat: Flat) -> tuple[list[Item], int]:
    """The document's entries (leaves, and parents with text of their own) and where its closing text begins."""
    markers = _markers(flat)
    if not markers:
        return [], len(flat.text)
    depth: dict[str, float] = {}
    for m in markers:
        depth.setdefault(m.kind, len(depth))
    if "box" in depth and "arabic" in depth:  # a 专栏 holds numbered items wherever it first appears
        depth["box"] = min(depth["box"], depth["arabic"] - 0.5)
    paths: list[tuple[Marker, ...]] = []
    stack: list[Marker] = []
    for m in markers:
        while stack and depth[stack[-1].kind] >= depth[m.kind]:
            stack.pop()
        stack.append(m)
        paths.append(tuple(stack))
    kinds = _global_kinds(paths) | {"box"}  # 专栏 are numbered through the document: 专栏1.4
    closing = _closing(flat, markers[-1].body)
    items: list[Item] = []
    for i, (m, path) in enumerate(zip(markers, paths, strict=True)):
        nxt = markers[i + 1] if i + 1 < len(markers) else None
        end = nxt.start if nxt else closing
        leaf = nxt is None or depth[nxt.kind] <= depth[m.kind]
        numbers = tuple((s.kind, s.number) for s in path)
        item = Item(_label(numbers, kinds), numbers, m.line, flat.line_of[end - 1], m.start, m.body, end, leaf)
        if leaf or end - m.body > OWN_TEXT_MIN or scan(flat, item.body, item.end):
            items.append(item)
    return items, closing


# --- amounts, rates, shares, caps, thresholds -----------------------------------------------------------------------

NUM = r"(?<![\d.])(\d+(?:\.\d+)?)"
HANNUM = r"(?<![数几多余零一二两三四五六七八九十百千万亿])([一二两三四五六七八九十][零一二两三四五六七八九十百千]*)"
MULT = {"": 1, "百": 100, "千": 1000, "万": 10_000, "十万": 100_000, "百万": 1_000_000, "千万": 10_000_000,
        "亿": 100_000_000}
QTY_UNITS = ("平方米", "立方米", "千瓦时", "万千瓦", "千瓦", "兆瓦", "标箱", "公里", "千米", "个月", "公斤", "千克",
             "平米", "亩", "吨", "头", "只", "羽", "人", "名", "个", "家", "户", "辆", "台", "套", "座", "度",
             "箱", "米", "方", "件", "张", "项", "次", "年", "月", "天", "倍", "株", "床", "所", "条", "kW", "MW")
QTY = "|".join(QTY_UNITS)
MONEY = re.compile(rf"(?:{NUM}|{HANNUM})(千万|百万|十万|万|亿|千|百)?(元人民币|人民币|美元|元)"
                   rf"(?:/({QTY}|美元))?")
# 投资亿元以上, 投资超亿元: a threshold of one 亿 (万) written without the 1
BARE = re.compile(r"(超过|超|达到|达)?(千万|百万|万|亿)元((?:（含）)?(?:及|或)?以上)?")
NUMERALS = "0123456789.零一二两三四五六七八九十百千万亿"
PERCENT = re.compile(rf"{NUM}([%％‰])|百分之([零一二两三四五六七八九十百点]+)")
QUANTITY = re.compile(rf"{NUM}(千|万|亿)?(?:（含）)?({QTY})(?:/(?:年|月|天|日))?")
# a range of months or years (3—5月份, 2022—2024年) is a date, not a threshold
RANGE = re.compile(rf"{NUM}(万|亿)?(?:（含）)?[—\-－–~～至到]{NUM}(万|亿)?(?:（含）)?(万元|亿元|元|%|{QTY})(?<![年月])")
RATIO = re.compile(r"(?<![\d.])(\d+)[:：∶](\d+)(?![\d.])")
PER = re.compile(rf"每(?:增加|新增|减少)?(?:\d+(?:\.\d+)?)?({QTY})")
SEGMENT_END = re.compile(r"[，。；：,;！？!?]")
CAP_WORDS = ("最高不超过", "最高", "不超过", "不高于", "上限", "最多", "封顶")
MIN_WORDS = ("首次达到", "达到", "超过", "不低于", "不少于", "≥", "满", "高于", "大于")
MAX_WORDS = ("未达到", "低于", "不足", "少于", "≤", "小于")
KEYWORDS = re.compile("|".join(sorted(CAP_WORDS + MIN_WORDS + MAX_WORDS, key=len, reverse=True)))
SHARE_CONTEXT = re.compile(r"承担|分担|负担")
LEVEL_WORDS = (("中央", "central"), ("国家", "central"), ("自治区", "region"), ("省级", "region"),
               ("盟市", "city"), ("市本级", "city"), ("市级", "city"), ("本市", "city"),
               ("旗县（市、区）", "banner"), ("旗县市区", "banner"), ("旗县区", "banner"), ("旗区", "banner"),
               ("旗县", "banner"), ("园区", "banner"), ("市", "city"), ("旗", "banner"), ("县", "banner"))
LEVEL_RX = re.compile("|".join(re.escape(w) for w, _ in LEVEL_WORDS))
LEVEL_OF = dict(LEVEL_WORDS)
ROLE_NAMES = {"amount": "数额", "rate": "比例", "cap": "上限", "min": "门槛（下限）", "max": "门槛（上限）",
              "share": "分担比例", "quantity": "数量"}


@dataclass(frozen=True)
class Found:
    """A value found in the text: its role, normalised value (元, a fraction, a base unit), unit and place."""

    role: str  # amount, rate, cap, min, max, share
    value: Decimal
    unit: str
    start: int
    end: int
    line: int  # the source line of the number's first character
    level: str = ""  # share: the paying level
    seg: tuple[int, int] = (0, 0)  # the clause (between punctuation) the value lies in


def _segment(text: str, start: int, lo: int, hi: int) -> tuple[int, int]:
    """The clause around `start` between punctuation marks, within lo..hi."""
    left = max((m.end() for m in SEGMENT_END.finditer(text, lo, start)), default=lo)
    right = SEGMENT_END.search(text, start, hi)
    return left, right.start() if right else hi


def _decimal(num: str | None, han: str | None) -> Decimal:
    return Decimal(num) if num else Decimal(han_number(han or ""))


def _money(m: re.Match[str], text: str, seg: tuple[int, int]) -> tuple[Decimal, str]:
    value = _decimal(m.group(1), m.group(2)) * MULT[m.group(3) or ""]
    currency = "美元" if m.group(4) == "美元" else "元"
    per = [m.group(5)] if m.group(5) else [u.group(1) for u in PER.finditer(text, seg[0], m.start())]
    return value, currency + ("/" + "·".join(per) if per else "")


def _percent(m: re.Match[str]) -> Decimal:
    if m.group(3):
        return han_decimal(m.group(3)) / 100
    return Decimal(m.group(1)) / (1000 if m.group(2) == "‰" else 100)


def _context_role(text: str, start: int, end: int, seg: tuple[int, int]) -> str:
    """cap, min or max from the words around the number, or '' (a plain amount or rate)."""
    after = INLINE_PAGE.sub("", text[end:end + 20])[:12]  # 2000吨标准煤以上, 10万吨以— 93—上
    if re.match(r"[^\d，。；、的]{0,3}?(?:（含）)?(?:及|或)?以上", after):
        return "min"
    if re.match(r"[^\d，。；、的]{0,3}?(?:（含）)?(?:及|或)?(?:以下|以内)", after):
        return "max"
    words = [w for w in KEYWORDS.finditer(text, seg[0], start) if not re.search(r"\d", text[w.end():start])]
    if not words or start - words[-1].end() > 12:
        return ""
    word = words[-1].group(0)
    return "cap" if word in CAP_WORDS else "min" if word in MIN_WORDS else "max"


def _raw(text: str, lo: int, hi: int) -> list[tuple[str, Decimal, str, int, int]]:
    """(kind, value, unit, start, end) of every number with a unit in text[lo:hi], ranges first, no overlaps."""
    out: list[tuple[str, Decimal, str, int, int]] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in RANGE.finditer(text, lo, hi):
        unit = m.group(5)
        mult = {"万元": 10_000, "亿元": 100_000_000}.get(unit, 1)
        scale = Decimal(1) / 100 if unit == "%" else Decimal(1)
        unit_name = "比例" if unit == "%" else "元" if unit.endswith("元") else unit
        low_big = m.group(2) or m.group(4)  # 1-5万吨, 10（含）至50亿元: the multiplier of the upper bound serves both
        for num, big, kind, a, b in ((m.group(1), low_big, "range_min", m.start(1), m.end(2) if m.group(2)
                                      else m.end(1)), (m.group(3), m.group(4), "range_max", m.start(3), m.end()),):
            value = Decimal(num) * MULT[big or ""] * mult * scale
            out.append((kind, value, unit_name, a, b))
        taken.append((m.start(), m.end()))
    for m in BARE.finditer(text, lo, hi):
        if (m.group(1) or m.group(3)) and (m.group(1) or text[m.start() - 1:m.start()] not in NUMERALS):
            out.append(("threshold", Decimal(MULT[m.group(2)]), "元", m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for kind, rx in (("money", MONEY), ("percent", PERCENT), ("quantity", QUANTITY)):
        for m in rx.finditer(text, lo, hi):
            if not free(m.start(), m.end()):
                continue
            seg = _segment(text, m.start(), lo, hi)
            if kind == "money":
                value, unit = _money(m, text, seg)
            elif kind == "percent":
                value, unit = _percent(m), "比例"
            else:
                value, unit = Decimal(m.group(1)) * MULT[m.group(2) or ""], m.group(3)
            out.append((kind, value, unit, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    return sorted(out, key=lambda r: r[3])


def _levels(text: str, lo: int, hi: int) -> list[str]:
    """Paying levels named in text[lo:hi], in order, each once."""
    seen: list[str] = []
    for m in LEVEL_RX.finditer(text, lo, hi):
        level = LEVEL_OF[m.group(0)]
        if level not in seen:
            seen.append(level)
    return seen


def _shares(flat: Flat, seg: tuple[int, int], values: list[tuple[Decimal, int, int]]) -> list[Found] | None:
    """Shares between levels in one clause (各承担50%, 分别承担45%和30%, 按照1:1承担), or None."""
    text = flat.text
    if not SHARE_CONTEXT.search(text, seg[0], seg[1]) or not values:
        return None
    levels = _levels(text, seg[0], values[0][1])
    if not levels:
        return None
    if len(values) == 1 and "各" in text[seg[0]:values[0][1]] and len(levels) >= 2:
        pairs = [(lv, values[0]) for lv in levels]
    elif len(values) == len(levels):
        pairs = list(zip(levels, values, strict=True))
    else:
        return None
    return [Found("share", v, "比例", a, b, flat.line_of[a], lv, seg) for lv, (v, a, b) in pairs]


def _ratios(flat: Flat, lo: int, hi: int) -> list[Found]:
    """按照1:1承担 between named levels: each level's part of the whole."""
    found = []
    for m in RATIO.finditer(flat.text, lo, hi):
        seg = _segment(flat.text, m.start(), lo, hi)
        parts = [Decimal(m.group(1)), Decimal(m.group(2))]
        levels = _levels(flat.text, seg[0], m.start())
        if not SHARE_CONTEXT.search(flat.text, seg[0], seg[1]) or len(levels) != 2 or sum(parts) == 0:
            continue
        for level, part in zip(levels, parts, strict=True):
            share = (part / sum(parts)).quantize(Decimal("0.000001"))
            found.append(Found("share", share, "比例", m.start(), m.end(), flat.line_of[m.start()], level, seg))
    return found


def scan(flat: Flat, lo: int, hi: int) -> list[Found]:
    """Every amount, percentage, per-unit rate, share, cap and threshold in flat.text[lo:hi], in text order.
    Quantities (亩, 吨, 辆 …) are kept only as thresholds or caps (10万亩以上, 不超过3年), never plain counts."""
    text = flat.text
    found: list[Found] = _ratios(flat, lo, hi)
    by_segment: dict[tuple[int, int], list[tuple[str, Decimal, str, int, int]]] = {}
    for raw in _raw(text, lo, hi):
        by_segment.setdefault(_segment(text, raw[3], lo, hi), []).append(raw)
    for seg, raws in by_segment.items():
        percents = [(v, a, b) for kind, v, _, a, b in raws if kind == "percent"]
        shares = _shares(flat, seg, percents)
        found += shares or []
        previous = ""
        priced = any(kind in ("money", "percent") for kind, *_ in raws)
        for kind, value, unit, a, b in raws:
            if shares and kind == "percent":
                continue
            role = _role(kind, unit, text, a, b, seg, previous)
            if kind == "quantity" and not role and priced and _counts(text, value, unit, a):
                role = "quantity"  # 3000头规模养殖场补贴600万元: the count the amount depends on
            previous = role
            if (role or kind == "quantity") and value <= VALUE_MAX:  # a bare count may join a threshold's list
                found.append(Found(role, value, unit, a, b, flat.line_of[a], "", seg))
    found = [f for f in _listed(text, found) if f.role]
    return sorted(found, key=lambda f: (f.start, LEVELS.index(f.level) if f.level else -1))


def _listed(text: str, found: list[Found]) -> list[Found]:
    """5000头和10000头以上, 10亿元、20亿元以上: a value listed right before a threshold shares its role."""
    found = sorted(found, key=lambda f: f.start)
    for i in range(len(found) - 2, -1, -1):
        here, nxt = found[i], found[i + 1]
        if here.role in ("amount", "quantity", "") and nxt.role in ("min", "max") and here.unit == nxt.unit \
                and text[here.end:nxt.start] in ("、", "和", "或", "及"):
            found[i] = Found(nxt.role, here.value, here.unit, here.start, here.end, here.line, "", here.seg)
    return found


def _counts(text: str, value: Decimal, unit: str, start: int) -> bool:
    """A quantity worth a parameter: not a year (2024年), not the unit step of 每1吨/每增加1吨."""
    if unit == "年" and value >= 1900:
        return False
    return not (value == 1 and re.search(r"每(?:增加|新增|减少)?$", text[max(0, start - 3):start]))


def _role(kind: str, unit: str, text: str, a: int, b: int, seg: tuple[int, int], previous: str) -> str:
    if kind in ("range_min", "range_max"):
        return kind[6:]
    if kind == "threshold":
        return "min"
    context = _context_role(text, a, b, seg)
    if not context and previous and text[a - 1:a] == "、":  # 达到5亿元、10亿元、20亿元: the list shares its word
        context = previous
    if kind == "quantity":
        return "rate" if unit == "倍" and not context else {"cap": "max"}.get(context, context)
    return context or ("rate" if kind == "percent" else "amount")


# --- the scaffold ------------------------------------------------------------------------------------------------

@dataclass
class Parameter:
    name: str
    title: str
    unit: str
    role: str
    found: Found
    item: str
    lines: list[int]
    quote: str


@dataclass
class Entry:
    id: str
    title: str
    item: Item
    lines: list[int]
    quote: str
    parameters: list[Parameter] = field(default_factory=list)


@dataclass
class Scaffold:
    document: str
    level: str
    title: str
    issued: date
    source_lines: tuple[int, int]
    entries: list[Entry]
    closing: list[Parameter]
    closing_lines: list[int] | None
    closing_text: str


def rule_id(document: str, label: str) -> str:
    """NMG2024 + "11" -> NMG2024-11, ORD2024 + "1.1.3" -> ORD2024-1-1-03, 专栏1.4 -> C01-04 (the catalogue's ids)."""
    parts = label.split(".")
    parts = [f"C{int(p[2:]):02d}" if p.startswith("专栏") else p for p in parts]
    if parts[-1].isdigit():
        parts[-1] = f"{int(parts[-1]):02d}"
    return f"{document}-{'-'.join(parts)}"


def _param_base(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _parameters(flat: Flat, found: list[Found], base: str, item: str, taken: set[str]) -> list[Parameter]:
    """One parameter per value found, named <base>_<role>[_n] (share: <base>_share_<level>[_n])."""
    params = []
    for f in found:
        slot = f"share_{f.level}" if f.role == "share" else f.role
        name, n = f"{base}_{slot}", 2
        while name in taken:
            name, n = f"{base}_{slot}_{n}", n + 1
        taken.add(name)
        clause = flat.text[f.seg[0]:f.seg[1]]
        params.append(Parameter(name, _short(clause), f.unit, f.role, f, item, flat.lines(*f.seg),
                                flat.quote(*f.seg)))
    return params


def _short(text: str, limit: int = TITLE_MAX) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _first_sentence(text: str) -> str:
    """The first sentence, with the next one when the first is only a heading (推动产业链企业培育壮大。)."""
    ends = [m.end() for m in re.finditer(r"[。；;]", text)][:2]
    if not ends:
        return text
    return text[:ends[1]] if ends[0] <= 20 and len(ends) > 1 else text[:ends[0]]


def _entry(flat: Flat, item: Item, document: str, taken: set[str]) -> Entry:
    own = flat.text[item.body:item.end]
    heading_end = next((off for line, off in flat.starts if off > item.body and line > item.first), item.end)
    heading = flat.text[item.body:min(heading_end, item.end)]
    bare_heading = heading_end < item.end and not re.search(r"[。；，,]", heading) and len(heading) <= 30
    start = heading_end if bare_heading else item.body
    title = heading if bare_heading else re.split(r"[，。；,]", own, maxsplit=1)[0]
    sentence = _first_sentence(flat.text[start:item.end])
    quote = flat.quote(start, start + len(sentence)) if sentence else flat.quote(item.body, item.end)
    rid = rule_id(document, item.label)
    params = _parameters(flat, scan(flat, item.body, item.end), _param_base(rid), item.label, taken)
    return Entry(rid, _short(title.rstrip("。") or own), item, [item.first, item.last], quote, params)


def guess_level(title: str, flat: Flat) -> str | None:
    """region or city: the government named first in the title, else the issuing body named first in the
    opening (the addressees 各盟行政公署、市人民政府 left out); None when unsure."""
    for text in (title, re.sub(r"各盟行政公署、?市人民政府", "", flat.text[:600])):
        named = [(m.start(), "region") for m in re.finditer(r"内蒙古|自治区|内政办?发", text)]
        named += [(m.start(), "city") for m in re.finditer(r"[^城]市|鄂府办?发|盟行政公署", text)]
        if named:
            return min(named)[1]
    return None


def guess_issued(flat: Flat) -> date | None:
    """The first full date (2024年1月21日) in the document's opening, as its issue date."""
    m = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日", flat.text[:1500])
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def guess_title(flat: Flat) -> str:
    """The first 《…》 of the opening, else the first line naming a policy document (清单, 措施, 意见 …), with the
    line before it when the title wraps (a line without digits or punctuation)."""
    m = re.search(r"《([^》]{6,80})》", flat.text[:600])
    if m:
        return m.group(1)
    texts = [flat.text[off:nxt] for (_, off), (_, nxt) in zip(flat.starts, [*flat.starts[1:], (0, len(flat.text))],
                                                                 strict=True)]
    for i, line in enumerate(texts[:40]):
        if re.search(r"(清单|措施|意见|方案|规划|政策|办法)》?$", line) and len(line) > 6:
            before, after = texts[i - 1] if i else "", texts[i + 1] if i + 1 < len(texts) else ""
            if _title_part(after) and re.search(r"(措施|意见|方案|清单|办法)》?$", after):
                return (line + after).strip("《》")
            return (before + line if _title_part(before) else line).strip("《》")
    return ""


def _title_part(line: str) -> bool:
    """A line that may be half of a wrapped title: short, without digits or punctuation."""
    return 6 <= len(line) <= 30 and not re.search(r"[\d，。；：、,.]", line)


def scaffold(lines: list[str], first: int, last: int, document: str, level: str | None = None,
             title: str | None = None, issued: date | None = None, taken: set[str] | None = None) -> Scaffold:
    """The entries and parameters of one document, lines first..last of the text."""
    if not DOC_ID.fullmatch(document) or len(document) > 64:
        raise ScaffoldError(f"文件编号 {document!r} 不合法：大写字母和数字，以 - 连接（如 NMG2024、ORD-FTRADE）")
    if not (1 <= first <= last <= len(lines)):
        raise ScaffoldError(f"行号 {first}-{last} 不在原文的 1-{len(lines)} 行之内")
    flat = flatten(lines, first, last)
    title = title or guess_title(flat)
    level = level or guess_level(title, flat)
    if level not in LEVELS:
        raise ScaffoldError("无法从原文判断发文层级：请用 --level 指明（region、city、banner 或 central）")
    issued = issued or guess_issued(flat)
    if issued is None:
        raise ScaffoldError("原文开头没有找到印发日期（如 2024年1月21日）：请用 --issued YYYY-MM-DD 指明，"
                            "它是各参数取值的起始日期")
    taken = set() if taken is None else taken
    items, closing = find_items(flat)
    if not items:
        raise ScaffoldError(f"第 {first}-{last} 行中没有找到编号条目（一、 （一） 1. 第X条 …）：请核对行号")
    entries = _unique([_entry(flat, item, document, taken) for item in items])
    closing_params = _parameters(flat, scan(flat, closing, len(flat.text)), _param_base(document), "结尾", taken)
    closing_lines = flat.lines(closing, len(flat.text)) if closing < len(flat.text) else None
    return Scaffold(document, level, title, issued, (first, last), entries, closing_params,
                    closing_lines, flat.text[closing:])


def _unique(entries: list[Entry]) -> list[Entry]:
    """Two items with one label (a parent's own text and a later child restarting): later ones get B, C …"""
    seen: dict[str, int] = {}
    for e in entries:
        n = seen.get(e.id, 0)
        seen[e.id] = n + 1
        if n:
            e.id = f"{e.id}{chr(ord('A') + n)}"
    return entries


# --- YAML --------------------------------------------------------------------------------------------------------

def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


ENTRY_NOTE = ("    status: TODO  # 待分析员填写：costed（可计算）或 not_costable（不可计算，另写 reason）。"
              "目录加载器拒绝 TODO，未经审阅的条目不会被发布\n")


def entry_yaml(entry: Entry, document: str) -> str:
    """One rule entry, indented for the `rules:` list."""
    out = [f"  - id: {entry.id}\n", f"    title: {_q(entry.title)}\n", "    citation:\n",
           f"      item: {_q(entry.item.label)}\n", f"      lines: [{entry.lines[0]}, {entry.lines[1]}]\n",
           f"      quote: {_q(entry.quote)}\n", ENTRY_NOTE]
    if entry.parameters:
        names = "、".join(p.name for p in entry.parameters)
        out.append(f"    # 文中找到的数值（见 parameters）：{names}\n")
    out.append("    # costed 还需 beneficiary、amount 或 tiers、shares、valid；not_costable 还需 reason\n")
    return "".join(out)


def parameter_yaml(p: Parameter, document: str, issued: date) -> str:
    """One parameter, indented under `parameters:`."""
    role = ROLE_NAMES[p.role] + (f"（{p.found.level}）" if p.found.level else "")
    return (f"  {p.name}:  # {role}，第 {p.found.line} 行\n"
            f"    title: {_q(p.title)}\n"
            f"    unit: {_q(p.unit)}\n"
            f"    values:\n"
            f"      - from: {issued.isoformat()}\n"
            f"        value: {_num(p.found.value)}\n"
            f"        citation: {{document: {document}, item: {_q(p.item)}, lines: [{p.lines[0]}, {p.lines[1]}], "
            f"quote: {_q(p.quote)}}}\n")


HEADER = """\
# yaml-language-server: $schema=../../docs/schema/catalogue.schema.json
# 由 `python -m dagster_project new-document` 根据原文第 {first}-{last} 行生成：{n} 个条目，{m} 个参数。
# 这是草稿，尚不能加载：每个条目的 status 都是 TODO，目录加载器会拒绝它，所以未经分析员审阅的条目不会被误发布。
# 请逐条核对原文后填写 status（costed 或 not_costable + reason）；costed 条目的公式用 parameters 中的参数名，
# 用不到的参数请删去，没有财政条款的条目删去并把编号写进 items_without_fiscal_clause。写法见 docs/authoring.md，
# 写完运行 `python -m dagster_project check-catalogue`。
"""


def document_yaml(s: Scaffold, text_name: str) -> str:
    """The whole file of a scaffolded document."""
    params = [p for e in s.entries for p in e.parameters] + s.closing
    out = [HEADER.format(first=s.source_lines[0], last=s.source_lines[1], n=len(s.entries), m=len(params)),
           f"document: {s.document}\n"]
    if s.title:
        out.append(f"title: {_q(s.title)}\n")
    out += [f"level: {s.level}\n", f"issued: {s.issued.isoformat()}\n",
            f"source_lines: [{s.source_lines[0]}, {s.source_lines[1]}]\n"]
    note = f"由 new-document 从 {text_name} 生成。"
    if s.closing_lines:
        note += f"结尾条款（第 {s.closing_lines[0]}-{s.closing_lines[1]} 行）：{_short(s.closing_text, 300)}"
    out += [f"notes: {_q(note)}\n", "items_without_fiscal_clause: []\n", "rules:\n"]
    out += [entry_yaml(e, s.document) for e in s.entries]
    if params:
        out.append("parameters:\n")
        out += [parameter_yaml(p, s.document, s.issued) for e in s.entries for p in e.parameters]
    if s.closing:
        out.append("  # 结尾条款中的数值（分担比例等）属于整个文件：各条目的 shares 可直接引用\n")
        out += [parameter_yaml(p, s.document, s.issued) for p in s.closing]
    return "".join(out)


def check_yaml(text: str, where: str) -> Any:
    """The text read back with the project's YAML loader (a scaffold that would not parse is never written)."""
    return safe_yaml.loads(text, where)


def write_new(path: Path, text: str, force: bool) -> None:
    if path.exists() and not force:
        raise ScaffoldError(f"{path} 已存在：不会覆盖。请换一个 --out，或确认要替换时加 --force")
    check_yaml(text, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- new-rule: one entry appended to an existing file ------------------------------------------------------------

TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*:", re.M)


def _block_end(text: str, key: str) -> int | None:
    """Offset just after the last non-blank line of top-level `key:`'s block, or None if the key is absent."""
    m = re.search(rf"^{key}:[^\n]*\n?", text, re.M)
    if m is None:
        return None
    nxt = TOP_KEY.search(text, m.end())
    end = nxt.start() if nxt else len(text)
    body = text[m.start():end].rstrip()
    return m.start() + len(body) + 1 if body else m.end()


def append_entry(text: str, entry_text: str, params_text: str) -> str:
    """`text` with the entry at the end of `rules:` and the parameters at the end of `parameters:` (made if absent)."""
    text = re.sub(r"^rules:\s*\[\s*\]\s*$", "rules:", text, flags=re.M)
    if not text.endswith("\n"):
        text += "\n"
    end = _block_end(text, "rules")
    if end is None:
        text, end = text + "rules:\n", len(text) + len("rules:\n")
    text = text[:end] + entry_text + text[end:]
    if params_text:
        text = re.sub(r"^parameters:\s*\{\s*\}\s*$", "parameters:", text, flags=re.M)
        pend = _block_end(text, "parameters")
        if pend is None:
            text = text.rstrip("\n") + "\nparameters:\n" + params_text
        else:
            text = text[:pend] + params_text + text[pend:]
    return text


def document_files(directory: Path, document: str) -> list[Path]:
    """The catalogue files declaring `document`, in name order."""
    out = []
    for path in sorted(directory.glob("*.yaml")):
        head = re.search(r"^document:\s*(\S+)", path.read_text(encoding="utf-8"), re.M)
        if head and head.group(1).strip("\"'") == document:
            out.append(path)
    return out


def taken_names(directory: Path) -> tuple[set[str], set[str]]:
    """Rule ids and parameter names already used in the catalogue folder (read from the text: the whole catalogue
    need not be valid YAML while an analyst is mid-way through a file)."""
    ids: set[str] = set()
    names: set[str] = set()
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        ids |= set(re.findall(r"^\s*- id:\s*[\"']?([A-Za-z0-9-]+)", text, re.M))
        block = re.search(r"^parameters:[^\n]*\n(.*?)(?=^[A-Za-z_]|\Z)", text, re.M | re.S)
        if block:
            names |= set(re.findall(r"^  ([a-z][a-z0-9_]*):", block.group(1), re.M))
    return ids, names


def _free_id(base: str, ids: set[str]) -> str:
    """base, or base with the next free letter when base or base+letter is taken (NMG2024-11A exists -> …-11B)."""
    if base not in ids and not any(re.fullmatch(rf"{re.escape(base)}[A-Z]", i or "") for i in ids):
        return base
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if base + letter not in ids:
            return base + letter
    raise ScaffoldError(f"{base}A 到 {base}Z 都已被占用：请手工编写这一条")


def new_rule(lines: list[str], path: Path, item_label: str, span: tuple[int, int] | None,
             directory: Path) -> tuple[Entry, str]:
    """The entry for one item of the document in `path` (or lines `span`), and the file's new text."""
    text = path.read_text(encoding="utf-8")
    head = safe_yaml.loads(text, str(path))
    document, (lo, hi) = head["document"], head["source_lines"]
    issued = head.get("issued")
    issued = issued if isinstance(issued, date) else date.fromisoformat(str(issued)) if issued else None
    if issued is None:
        raise ScaffoldError(f"{path}：文件头没有 issued（印发日期），无法给参数取值定起始日期：请先补上")
    flat = flatten(lines, lo, hi)
    item = _item_for(flat, item_label, span, lo, hi)
    ids, names = taken_names(directory)
    entry = _entry(flat, item, document, names)
    entry.id = _free_id(entry.id, ids)
    if entry.id != rule_id(document, item.label):
        base = _param_base(entry.id)
        for p in entry.parameters:  # parameter names follow the rule id actually given
            names.discard(p.name)
        entry.parameters = _parameters(flat, [p.found for p in entry.parameters], base, item.label, names)
    params = "".join(parameter_yaml(p, document, issued) for p in entry.parameters)
    new = append_entry(text, entry_yaml(entry, document), params)
    check_yaml(new, str(path))
    return entry, new


def _item_for(flat: Flat, label: str, span: tuple[int, int] | None, lo: int, hi: int) -> Item:
    if span is not None:
        first, last = span
        if not (lo <= first <= last <= hi):
            raise ScaffoldError(f"--lines {first}-{last} 超出该文件的行号范围 {lo}-{hi}")
        offs = [off for line, off in flat.starts if first <= line <= last]
        if not offs:
            raise ScaffoldError(f"第 {first}-{last} 行没有文字")
        end = next((off for line, off in flat.starts if line > last), len(flat.text))
        return Item(label, (("given", 0),), first, last, offs[0], offs[0], end)
    items, _ = find_items(flat)
    for item in items:
        if item.label == label:
            return item
    shown = "、".join(i.label for i in items[:30]) + ("……" if len(items) > 30 else "")
    raise ScaffoldError(f"文件中没有编号为 {label} 的条目（找到的编号：{shown}）；或用 --lines 起-止 指明行号")


# --- command line ------------------------------------------------------------------------------------------------

def _span(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[-–—]\s*(\d+)\s*", text)
    if m is None or int(m.group(1)) > int(m.group(2)):
        raise ValueError(text)
    return int(m.group(1)), int(m.group(2))


def _read_text(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScaffoldError(f"原文 {path} 无法读取（{exc}）：请给出 UTF-8 文本文件（--text）") from None


def add_commands(sub: Any) -> None:
    """The new-document and new-rule subcommands of `python -m dagster_project`."""
    from .settings import SOURCE_TEXT

    doc = sub.add_parser("new-document", help="从编号政策原文生成一个文件的条目草稿（status 待填）")
    doc.add_argument("--text", default=str(SOURCE_TEXT), help="原文（UTF-8，行号即引用行号）")
    doc.add_argument("--lines", required=True, type=_span, help="该文件在原文中的行号，如 5254-5413")
    doc.add_argument("--id", required=True, help="文件编号，如 ORD-FTRADE")
    doc.add_argument("--level", choices=LEVELS, help="发文层级（默认从标题或发文机关判断）")
    doc.add_argument("--title", help="全称（默认取原文开头的《…》或标题行）")
    doc.add_argument("--issued", type=date.fromisoformat, help="印发日期 YYYY-MM-DD（默认取原文开头的日期）")
    doc.add_argument("--out", help="输出文件（默认 seeds/catalogue/<ID>.yaml）")
    doc.add_argument("--force", action="store_true", help="覆盖已有文件")
    rule = sub.add_parser("new-rule", help="为已有文件追加一个条目的草稿（status 待填）")
    rule.add_argument("--document", required=True, help="文件编号，如 NMG2024")
    rule.add_argument("--item", required=True, help="条目编号，如 11、1.3.4、专栏1.4")
    rule.add_argument("--lines", type=_span, help="条目的行号（不用编号查找时），如 143-155")
    rule.add_argument("--text", default=str(SOURCE_TEXT), help="原文（UTF-8）")
    rule.add_argument("--file", help="追加到哪个文件（默认 <ID>.yaml，没有时取该文件编号的最后一个分册）")


def cmd_new_document(args: Any) -> int:
    from .catalogue import CATALOGUE_DIR

    out = Path(args.out) if args.out else CATALOGUE_DIR / f"{args.id}.yaml"
    try:
        _, names = taken_names(CATALOGUE_DIR) if CATALOGUE_DIR.is_dir() else (set(), set())
        first, last = args.lines
        s = scaffold(_read_text(Path(args.text)), first, last, args.id, args.level, args.title, args.issued, names)
        write_new(out, document_yaml(s, Path(args.text).name), args.force)
    except (ScaffoldError, safe_yaml.YamlRefused) as exc:
        print(f"未生成：{exc}", file=sys.stderr)
        return 2
    n = sum(len(e.parameters) for e in s.entries) + len(s.closing)
    print(f"已写入 {out}：{len(s.entries)} 个条目，{n} 个参数（发文层级 {s.level}，参数自 {s.issued} 起）。")
    print("每个条目的 status 都是 TODO，目录加载器会拒绝它：请逐条核对原文后填写（见 docs/authoring.md），"
          "再运行 python -m dagster_project check-catalogue。")
    return 0


def cmd_new_rule(args: Any) -> int:
    from .catalogue import CATALOGUE_DIR

    try:
        path = Path(args.file) if args.file else _file_of(CATALOGUE_DIR, args.document)
        entry, text = new_rule(_read_text(Path(args.text)), path, args.item, args.lines, CATALOGUE_DIR)
        path.write_text(text, encoding="utf-8")
    except (ScaffoldError, safe_yaml.YamlRefused) as exc:
        print(f"未追加：{exc}", file=sys.stderr)
        return 2
    print(f"已在 {path} 末尾追加条目 {entry.id}（第 {entry.lines[0]}-{entry.lines[1]} 行）和 "
          f"{len(entry.parameters)} 个参数；status 为 TODO，请核对原文后填写（见 docs/authoring.md）。")
    return 0


def _file_of(directory: Path, document: str) -> Path:
    files = document_files(directory, document)
    if not files:
        raise ScaffoldError(f"{directory} 中没有 document: {document} 的文件：请先用 new-document 生成")
    own = [f for f in files if f.name == f"{document}.yaml"]
    return own[0] if own else files[-1]
