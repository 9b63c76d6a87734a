"""Coverage: every numbered item of each catalogued region document is accounted for, either by at least one
catalogue entry or as reviewed and found to hold no fiscal clause. The items are read from the source text
itself, not from the catalogue."""

from __future__ import annotations

import re

import pytest

from dagster_project import catalogue
from dagster_project.settings import SOURCE_TEXT

ZH = dict(zip("一二三四五六七八九", range(1, 10), strict=True))


def zh_number(text: str) -> int:
    """一 .. 二十 -> 1 .. 20 (enough for these documents)."""
    if text.startswith("十"):
        return 10 + (ZH[text[1]] if len(text) > 1 else 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return ZH[tens] * 10 + (ZH[ones] if ones else 0)
    return ZH[text]


def items_in_text(first: int, last: int, style: str) -> set[str]:
    lines = SOURCE_TEXT.read_text(encoding="utf-8").splitlines()[first - 1:last]
    if style == "arabic":
        return {m.group(1) for ln in lines if (m := re.match(r"^ ?(\d{1,3})\.", ln))}
    return {str(zh_number(m.group(1))) for ln in lines if (m := re.match(r"^ ?([一二三四五六七八九十]+)、", ln))}


@pytest.mark.parametrize("document, style, count", [
    ("NMG2024", "arabic", 110), ("NMG-PRIV", "zh", 20), ("NMG-AGPROC", "zh", 9), ("NMG-FACAG", "zh", 7),
    ("NMG-FACLS", "zh", 6), ("ORD-TALENT", "arabic", 30), ("ORD-FTRADE", "zh", 8), ("ORD-BULK", "zh", 10),
])
def test_every_item_of_the_catalogued_documents_is_accounted_for(document, style, count):
    if not SOURCE_TEXT.exists():
        pytest.skip("../shared/seeds is not beside the checkout")
    cat = catalogue.load()
    doc = next(d for d in cat.documents if d["document"] == document)
    in_text = items_in_text(*doc["source_lines"], style)
    assert len(in_text) == count
    with_entries = {str(r.citation["item"]) for r in cat.rules if r.document == document}
    without = set(doc["items_without_fiscal_clause"])
    assert not with_entries & without, "an item cannot both have entries and be listed as without"
    assert with_entries | without == in_text, f"items not accounted for: {sorted(in_text - with_entries - without)}"


def test_every_not_costable_entry_says_why_and_costed_entries_say_how_split():
    cat = catalogue.load()
    for rule in cat.rules:
        if rule.status == "not_costable":
            assert rule.reason and len(rule.reason) > 10, rule.id
        else:
            total = sum(rule.shares.values())
            # share_of base: each level's share of the base (中央45%、自治区30%); the rest is not public money
            assert total == 1 if rule.share_of == "award" else 0 < total <= 1, rule.id
            if not rule.split_specified:
                assert rule.reading, f"{rule.id}: an unspecified split needs its reading"


def test_every_not_costable_reason_is_one_chinese_sentence_a_leader_can_read():
    # the 分政策 page shows the reason: plain Chinese, ending in 。; rule ids may be named, English words may not
    rule_id = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Za-z0-9]+)+")
    for rule in catalogue.load().rules:
        if rule.status == "not_costable":
            text = rule_id.sub("", rule.reason)
            assert rule.reason.strip().endswith("。"), rule.id
            assert not re.search(r"[A-Za-z]{3,}", text), f"{rule.id}: {rule.reason}"
            assert len(re.findall(r"[\u4e00-\u9fff]", text)) >= 8, rule.id
