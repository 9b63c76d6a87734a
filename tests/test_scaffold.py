"""The authoring scaffold (issue 20; dagster_project/scaffold.py, docs/authoring.md): numbered items found, every
amount, percentage, share, cap and threshold found on its own line, Chinese numerals read, the YAML parses and is a
catalogue file once the analyst fills status, and an existing file is never overwritten without --force."""

from __future__ import annotations

import re
import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dagster_project import catalogue, safe_yaml, scaffold
from dagster_project.catalogue import CATALOGUE_DIR, CatalogueError
from dagster_project.cli import main
from dagster_project.settings import SOURCE_TEXT

# A small list as the PDF extraction writes it: blank lines, spaces around numbers, a page number, a value split
# over a page break, an item number that is a year (2.2024年), a decimal wrapped to a line start (1.4亿元).
TEXT = """\
某某市人民政府关于印发《某某市2024年产业政策清单》的通知
2024 年 3 月 5 日

一、支持农牧业

（一）稳定生产。

1.对新建奶牛养殖场的，每头补贴 2000 元，自治区和盟市各承担 50%。

2.2024 年起对种植 500 亩以上的，一次性奖补 500

— 3—

万元，最高不超过 800 万元。

二、支持工业

3.安排

1.4 亿元支持技改，按设备投资的百分之三十给予补助，所需资金市、旗区按照 1∶1 承担。

4.中央和自治区分别承担 45%和 30%的保险费补贴；对年销售收入 1 亿元以上的企业，每吨奖励 20 元。
"""


@pytest.fixture()
def lines() -> list[str]:
    return TEXT.splitlines()


def found(s: scaffold.Scaffold, label: str) -> list[tuple[str, Decimal, str, int, str]]:
    entry = next(e for e in s.entries if e.item.label == label)
    return [(p.role, p.found.value, p.unit, p.found.line, p.found.level) for p in entry.parameters]


def test_items_and_their_lines(lines):
    s = scaffold.scaffold(lines, 1, len(lines), "TEST2024")
    assert [e.item.label for e in s.entries] == ["1", "2", "3", "4"]  # 1.–4. run through both sections
    assert [e.id for e in s.entries] == ["TEST2024-01", "TEST2024-02", "TEST2024-03", "TEST2024-04"]
    assert [e.lines for e in s.entries] == [[8, 8], [10, 14], [18, 20], [22, 22]]
    assert s.entries[0].quote == "对新建奶牛养殖场的，每头补贴2000元，自治区和盟市各承担50%。"
    assert (s.level, s.issued, s.title) == ("city", date(2024, 3, 5), "某某市2024年产业政策清单")


def test_amounts_rates_shares_caps_and_thresholds_on_their_own_line(lines):
    s = scaffold.scaffold(lines, 1, len(lines), "TEST2024")
    assert found(s, "1") == [("amount", 2000, "元/头", 8, ""), ("share", Decimal("0.5"), "比例", 8, "region"),
                             ("share", Decimal("0.5"), "比例", 8, "city")]
    # 500 亩以上 a threshold; 500 / page number / 万元 read as 5,000,000 on the line of its digits; 最高 a cap
    assert found(s, "2") == [("min", 500, "亩", 10, ""), ("amount", 5000000, "元", 10, ""),
                             ("cap", 8000000, "元", 14, "")]
    assert found(s, "3") == [("amount", 140000000, "元", 20, ""), ("rate", Decimal("0.3"), "比例", 20, ""),
                             ("share", Decimal("0.5"), "比例", 20, "city"),
                             ("share", Decimal("0.5"), "比例", 20, "banner")]
    assert found(s, "4") == [("share", Decimal("0.45"), "比例", 22, "central"),
                             ("share", Decimal("0.3"), "比例", 22, "region"),
                             ("min", 100000000, "元", 22, ""), ("amount", 20, "元/吨", 22, "")]


def test_a_value_split_over_a_page_break_cites_both_lines(lines):
    s = scaffold.scaffold(lines, 1, len(lines), "TEST2024")
    p = next(p for p in s.entries[1].parameters if p.found.value == 5000000)
    assert p.lines == [10, 14] and p.quote == "一次性奖补500……万元"  # …… where the page number was
    assert p.name == "test2024_02_amount" and p.item == "2"


@pytest.mark.parametrize(("text", "value"), [("三十", 30), ("十一", 11), ("一百零五", 105), ("两千", 2000),
                                             ("一亿五千万", 150000000), ("二十万", 200000), ("110", 110)])
def test_chinese_numerals(text, value):
    assert scaffold.han_number(text) == value


@pytest.mark.parametrize(("text", "role", "value", "unit"), [
    ("按照投资额的百分之三十给予补助", "rate", Decimal("0.3"), "比例"),
    ("按照百分之二点五给予贴息", "rate", Decimal("0.025"), "比例"),
    ("安排1.4亿元支持种业", "amount", Decimal(140000000), "元"),
    ("给予五十万元奖励", "amount", Decimal(500000), "元"),
    ("按照实际完成投资额的3‰给予奖励", "rate", Decimal("0.003"), "比例"),
    ("单个企业年度上限300万元", "cap", Decimal(3000000), "元"),
    ("超过2000万人民币的", "min", Decimal(20000000), "元"),
    ("按照出口额0.05元人民币/美元的标准", "amount", Decimal("0.05"), "元/美元"),
    ("对新引进的投资超亿元制造业企业", "min", Decimal(100000000), "元"),
    ("年推广面积在10万亩以上的", "min", Decimal(100000), "亩"),
    ("年节能量2000吨标准煤以上的", "min", Decimal(2000), "吨"),
    ("按照国家奖金额度的5倍给予奖金", "rate", Decimal(5), "倍"),
])
def test_one_value(text, role, value, unit):
    flat = scaffold.flatten([text], 1, 1)
    assert [(f.role, f.value, f.unit) for f in scaffold.scan(flat, 0, len(flat.text))] == [(role, value, unit)]


def test_lists_ranges_and_what_is_not_a_value():
    def scan(text: str) -> list[tuple[str, Decimal]]:
        flat = scaffold.flatten([text], 1, 1)
        return [(f.role, f.value) for f in scaffold.scan(flat, 0, len(flat.text))]

    assert scan("首次达到5亿元、10亿元、20亿元的，分别给予50万元、100万元奖励") == [
        ("min", 500000000), ("min", 1000000000), ("min", 2000000000), ("amount", 500000), ("amount", 1000000)]
    assert scan("能繁母牛5000头和10000头以上的") == [("min", 5000), ("min", 10000)]
    assert scan("实际投资在10（含）至50亿元的") == [("min", 1000000000), ("max", 5000000000)]
    assert scan("在3—5月份销售淡季，于2024年起分3批实施") == []  # months, a year, a bare count: not parameters
    assert scan("每增加1吨补贴200元") == [("amount", 200)]  # the unit step 1吨 is not a parameter


def test_hierarchical_labels_and_ids():
    text = ["一、总则", "（一）第一项。" + "说明" * 30, "1.甲。", "2.乙，补贴100万元。", "（二）第二项", "1.丙。",
            "二、专项", "专栏1 示范工程", "1.丁。", "2.戊。"]
    flat = scaffold.flatten(text, 1, len(text))
    items, _ = scaffold.find_items(flat)
    assert [(i.label, i.leaf) for i in items] == [("1.1", False), ("1.1.1", True), ("1.1.2", True),
                                                  ("1.2.1", True), ("专栏1.1", True), ("专栏1.2", True)]
    assert scaffold.rule_id("ORD2024", "1.1.2") == "ORD2024-1-1-02"
    assert scaffold.rule_id("ORD-COMMERCE14", "专栏1.4") == "ORD-COMMERCE14-C01-04"
    assert scaffold.rule_id("NMG2024", "6") == "NMG2024-06"


def test_a_decimal_or_number_at_a_line_start_is_not_an_item():
    text = ["1.甲。", "2804.9亿元的产值，", "0.005元/千瓦时", "2.乙。", "37.8", "3.丙。"]
    items, _ = scaffold.find_items(scaffold.flatten(text, 1, len(text)))
    assert [(i.label, i.first, i.last) for i in items] == [("1", 1, 3), ("2", 4, 5), ("3", 6, 6)]


def source_lines() -> list[str]:
    if not SOURCE_TEXT.exists():
        pytest.skip("政策原文不在 seeds/source/")
    return SOURCE_TEXT.read_text(encoding="utf-8").splitlines()


def test_a_real_document_nmg2024_items_10_to_12():
    s = scaffold.scaffold(source_lines(), 1, 1258, "NMG2024")
    assert (len(s.entries), s.level, s.issued) == (110, "region", date(2024, 1, 21))
    by_label = {e.item.label: e for e in s.entries}
    e11 = by_label["11"]
    assert e11.lines == [143, 155]
    assert e11.quote.startswith("支持乳制品加工企业扩大加工量，以上一年度生鲜乳加工量为基数，")
    assert [(p.name, p.found.value, p.unit, p.found.line) for p in e11.parameters[:3]] == [
        ("nmg2024_11_amount", 200, "元/吨", 145), ("nmg2024_11_share_region", Decimal("0.5"), "比例", 147),
        ("nmg2024_11_share_city", Decimal("0.5"), "比例", 147)]
    caps = [(p.found.value, p.found.line) for p in by_label["12"].parameters if p.role == "cap"]
    assert caps == [(50000000, 161)]  # 最高5000万元 on the line the catalogue's NMG2024-12A cites (157-161)
    tiers = [(p.role, p.found.value) for p in by_label["6"].parameters]
    assert tiers[:4] == [("min", 100000), ("amount", 5000000), ("min", 300000), ("amount", 10000000)]


def test_a_real_closing_clause_gives_the_documents_shares():
    s = scaffold.scaffold(source_lines(), 5254, 5413, "ORD-FTRADE")
    assert [e.item.label for e in s.entries] == ["1", "2", "3.1", "3.2", "3.3", "4", "5", "6", "7", "8"]
    assert s.closing_lines == [5399, 5413]
    assert [(p.name, p.found.value, p.found.line) for p in s.closing] == [
        ("ord_ftrade_share_city", Decimal("0.5"), 5405), ("ord_ftrade_share_banner", Decimal("0.5"), 5405)]


def test_every_quote_lies_in_its_cited_lines():
    """The catalogue's own check (tests/test_catalogue_format.py), on rules and parameters of a real document."""
    lines = source_lines()
    s = scaffold.scaffold(lines, 3320, 4919, "ORD2024")
    cited = [(e.lines, e.quote) for e in s.entries] + [(p.lines, p.quote) for e in s.entries for p in e.parameters]
    assert any("……" in quote for _, quote in cited)  # some clauses run over a page break (利用10万吨以— 93—上)
    for (first, last), quote in cited:
        text = "".join(lines[first - 1:last]).replace(" ", "")
        assert all(part in text for part in quote.split("……")), (first, quote)


def new_document(tmp_path: Path, *extra: str) -> tuple[int, Path]:
    out = tmp_path / "cat" / "TEST2024.yaml"
    text = tmp_path / "text.txt"
    text.write_text(TEXT, encoding="utf-8")
    code = main(["new-document", "--text", str(text), "--lines", f"1-{len(TEXT.splitlines())}", "--id", "TEST2024",
                 "--out", str(out), *extra])
    return code, out


def test_new_document_writes_yaml_that_parses_and_is_refused_until_reviewed(tmp_path, capsys):
    code, out = new_document(tmp_path)
    assert code == 0 and "4 个条目，14 个参数" in capsys.readouterr().out
    data = safe_yaml.load(out)
    assert [r["status"] for r in data["rules"]] == ["TODO"] * 4
    assert data["rules"][0]["citation"] == {"item": "1", "lines": [8, 8],
                                            "quote": "对新建奶牛养殖场的，每头补贴2000元，自治区和盟市各承担50%。"}
    p = data["parameters"]["test2024_03_amount"]
    assert p["unit"] == "元" and p["values"] == [{"from": date(2024, 3, 5), "value": 140000000, "citation": {
        "document": "TEST2024", "item": "3", "lines": [18, 20], "quote": "安排1.4亿元支持技改"}}]
    head = out.read_text(encoding="utf-8").splitlines()
    assert head[0] == "# yaml-language-server: $schema=../../docs/schema/catalogue.schema.json"
    assert "status 都是 TODO" in head[2]  # the header says so
    folder = catalogue_folder(tmp_path, out)
    with pytest.raises(CatalogueError, match=r"规则 TEST2024-01：字段 'status'"):
        catalogue.load(folder)


def catalogue_folder(tmp_path: Path, scaffolded: Path) -> Path:
    """A catalogue folder with defaults.yaml and the scaffolded file (its parameters kept if the loader knows them)."""
    folder = tmp_path / "check"
    folder.mkdir(exist_ok=True)
    shutil.copy(CATALOGUE_DIR / "defaults.yaml", folder / "defaults.yaml")
    text = scaffolded.read_text(encoding="utf-8")
    if "parameters" not in catalogue.DOC_FIELDS:  # before the parameters land, only the rules are checked
        text = text[:text.index("\nparameters:") + 1]
    (folder / scaffolded.name).write_text(text, encoding="utf-8")
    return folder


def test_filled_in_the_scaffold_is_a_catalogue_file(tmp_path):
    """Status chosen for every entry (here not_costable with a reason), the file loads as it stands."""
    _, out = new_document(tmp_path)
    filled = out.read_text(encoding="utf-8").replace("status: TODO", "status: not_costable\n    reason: 测试条目")
    out.write_text(filled, encoding="utf-8")
    cat = catalogue.load(catalogue_folder(tmp_path, out))
    assert [r.id for r in cat.rules] == ["TEST2024-01", "TEST2024-02", "TEST2024-03", "TEST2024-04"]
    assert [r.citation["lines"] for r in cat.rules] == [[8, 8], [10, 14], [18, 20], [22, 22]]


def test_parameters_meet_the_parameter_format(tmp_path):
    parameters = pytest.importorskip("dagster_project.parameters")
    _, out = new_document(tmp_path)
    data = safe_yaml.load(out)
    docs = {"TEST2024": data}
    parsed = [parameters.parse(name, raw, data, docs, "TEST2024.yaml") for name, raw in data["parameters"].items()]
    assert len(parsed) == 14 and parsed[0].values[0].value == 2000


def test_an_existing_file_is_not_overwritten_without_force(tmp_path, capsys):
    _, out = new_document(tmp_path)
    out.write_text("# 分析员已编辑\n", encoding="utf-8")
    code, _ = new_document(tmp_path)
    assert code == 2 and "已存在：不会覆盖" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "# 分析员已编辑\n"
    code, _ = new_document(tmp_path, "--force")
    assert code == 0 and "# 由 `python -m dagster_project new-document`" in out.read_text(encoding="utf-8")


def test_refusals_are_in_chinese(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("没有编号的一段文字，补贴100元。\n", encoding="utf-8")
    code = main(["new-document", "--text", str(text), "--lines", "1-1", "--id", "X1", "--level", "city",
                 "--issued", "2024-01-01", "--out", str(tmp_path / "x.yaml")])
    assert code == 2 and "没有找到编号条目" in capsys.readouterr().err
    code = main(["new-document", "--text", str(text), "--lines", "1-1", "--id", "bad id", "--out",
                 str(tmp_path / "x.yaml")])
    assert code == 2 and "文件编号 'bad id' 不合法" in capsys.readouterr().err


def test_new_rule_appends_one_entry_and_its_parameters(tmp_path, capsys, monkeypatch):
    _, out = new_document(tmp_path)
    text = out.read_text(encoding="utf-8")
    start = text.index("  - id: TEST2024-03\n")
    end = text.index("  - id: TEST2024-04\n")
    trimmed = text[:start] + text[end:]  # item 3 taken out of rules (its parameters too)
    trimmed = re.sub(r"  test2024_03_\w+:.*?(?=\n  \w+:|\Z)", "", trimmed, flags=re.S)
    out.write_text(trimmed, encoding="utf-8")
    monkeypatch.setattr(catalogue, "CATALOGUE_DIR", out.parent)
    code = main(["new-rule", "--document", "TEST2024", "--item", "3", "--text", str(tmp_path / "text.txt"),
                 "--file", str(out)])
    assert code == 0 and "追加条目 TEST2024-03" in capsys.readouterr().out
    data = safe_yaml.load(out)
    assert [r["id"] for r in data["rules"]] == ["TEST2024-01", "TEST2024-02", "TEST2024-04", "TEST2024-03"]
    assert data["parameters"]["test2024_03_amount"]["values"][0]["value"] == 140000000
    # the same item again: a free id (…-03A) and its own parameter names, nothing overwritten
    assert main(["new-rule", "--document", "TEST2024", "--item", "3", "--text", str(tmp_path / "text.txt"),
                 "--file", str(out)]) == 0
    data = safe_yaml.load(out)
    assert data["rules"][-1]["id"] == "TEST2024-03A" and "test2024_03a_amount" in data["parameters"]
    assert main(["new-rule", "--document", "TEST2024", "--item", "9", "--text", str(tmp_path / "text.txt"),
                 "--file", str(out)]) == 2
    assert "没有编号为 9 的条目（找到的编号：1、2、3、4）" in capsys.readouterr().err


def test_the_hit_rate_counts_the_same_amounts_before_and_after_the_migration_to_parameters(monkeypatch):
    """scripts/scaffold_hit_rate.py: literals, or the values of the parameters named; 0, 1 and tested years left out."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hit_rate", Path(__file__).parent.parent / "scripts" /
                                                  "scaffold_hit_rate.py")
    hit_rate = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "hit_rate", hit_rate)  # its dataclasses look their module up
    spec.loader.exec_module(hit_rate)
    literal = {"eligibility": "award_year IN (2024, 2025) AND contract_years >= 3 AND region_code = '150600'",
               "amount": "200 * (milk_t - milk_prev_t) + 0 * x", "caps": {"per_award": 50000000},
               "shares": {"region": 0.5, "city": 0.5}, "expected_share": 0.3,
               "tiers": {"by": "area_mu", "brackets": [{"min": 100000, "max": 300000, "amount": "5000000"}]}}
    named = {"eligibility": "award_year IN (r_y1, r_y2) AND contract_years >= r_elig AND region_code = '150600'",
             "amount": "r_amount * (milk_t - milk_prev_t) + 0 * x", "caps": {"per_award": "r_cap"},
             "shares": {"region": "r_share", "city": "r_share"}, "expected_share": "r_expected",
             "tiers": {"by": "area_mu", "brackets": [{"min": "r_min", "max": "r_max", "amount": "r_tier"}]}}
    params = {"r_y1": [Decimal(2024)], "r_y2": [Decimal(2025)], "r_elig": [Decimal(3)], "r_amount": [Decimal(200)],
              "r_cap": [Decimal(50000000)], "r_share": [Decimal("0.5")], "r_expected": [Decimal("0.3")],
              "r_min": [Decimal(100000)], "r_max": [Decimal(300000)], "r_tier": [Decimal(5000000)]}
    expected = {Decimal(v) for v in ("3", "200", "50000000", "0.5", "100000", "300000", "5000000")}
    assert hit_rate.amounts(literal, {}) == expected
    assert hit_rate.amounts(named, params) == expected
