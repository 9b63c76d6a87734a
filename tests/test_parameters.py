"""Named, dated parameters (issue 20): a new list is a new dated value, a null ends a measure, the ledger books each
award under the value in force on its date, numeric fields refuse values that change, scenarios change parameters
by name, and the seeds hold no amount outside a parameter. Amounts are worked by hand below."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlglot.tokens import Tokenizer, TokenType

from dagster_project import catalogue, scenarios
from tests.conftest import enterprise, ledger_of, lines

CIT24 = '{document: T2024, item: "11", lines: [143, 147], quote: 每增加1吨补贴200元}'
CIT25 = '{document: T2025, item: "9", lines: [20, 22], quote: 每增加1吨补贴150元}'
HEADER = "level: region\nsource_lines: [{lines}]\n"


def dated(name: str, title: str, values: list[tuple[str, str, str]]) -> str:
    rows = "".join(f"      - {{from: {d}, value: {v}, citation: {c}}}\n" for d, v, c in values)
    return f"  {name}:\n    title: {title}\n    values:\n{rows}"


MILK = [("2024-01-21", "200", CIT24), ("2025-01-01", "null", CIT24), ("2025-01-20", "150", CIT25),
        ("2026-01-01", "null", CIT25)]
HALF = [("2024-01-21", "0.5", CIT24), ("2025-01-01", "null", CIT24), ("2025-01-20", "0.5", CIT25),
        ("2026-01-01", "null", CIT25)]
RATE = [("2024-01-21", "0.1", CIT24), ("2025-01-01", "null", CIT24), ("2025-01-20", "0.08", CIT25)]
CAP = [("2024-01-21", "50000", CIT24), ("2025-01-01", "null", CIT24), ("2025-01-20", "50000", CIT25)]

RULES = """rules:
  - id: T2024-11A
    title: 生鲜乳加工增量补贴
    citation: {item: "11", lines: [143, 147], quote: 每增加1吨补贴200元}
    status: costed
    beneficiary: enterprise
    variables:
      milk_t: {metric: raw_milk_processed_t, year_offset: 0}
      milk_prev_t: {metric: raw_milk_processed_t, year_offset: -1}
    eligibility: "milk_t > milk_prev_t"
    amount: "t_milk_rate * (milk_t - milk_prev_t)"
    schedule: {lag_years: 1}
    shares: {region: t_share_region, city: t_share_city}
  - id: T2024-12A
    title: 设备投资补贴
    citation: {item: "12", lines: [157, 161], quote: 按照设备投资总额的10%给予补贴}
    status: costed
    beneficiary: project
    amount: "t_equipment_rate * equipment_investment_yuan"
    caps: {per_award: t_cap}
    shares: {region: 1}
"""


def catalogue_dir(tmp_path: Path, params: str = "", rules: str = RULES) -> Path:
    folder = tmp_path / "seeds" / "catalogue"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "defaults.yaml").write_text((catalogue.CATALOGUE_DIR / "defaults.yaml").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    params = params or ("parameters:\n" + dated("t_milk_rate", "每吨补贴", MILK)
                        + dated("t_share_region", "自治区分担比例", HALF) + dated("t_share_city", "盟市分担比例", HALF)
                        + dated("t_equipment_rate", "设备投资补贴比例", RATE) + dated("t_cap", "单项上限", CAP))
    (folder / "T2024.yaml").write_text("document: T2024\n" + HEADER.format(lines="1, 1258") + params + rules,
                                       encoding="utf-8")
    (folder / "T2025.yaml").write_text("document: T2025\n" + HEADER.format(lines="1, 100"), encoding="utf-8")
    return folder


def metric(uscc: str, year: int, tonnes: str) -> dict:
    return {"uscc": uscc, "year": year, "metric": "raw_milk_processed_t", "value": tonnes, "unit": "吨"}


def project(pid: str, completed: str, equipment: str) -> dict:
    return {"project_id": pid, "uscc": FIRM, "project_name": pid, "project_type": "cheese", "region_code": "150622",
            "start_date": date(2023, 1, 1), "completion_date": date.fromisoformat(completed),
            "equipment_investment_yuan": equipment, "total_investment_yuan": equipment}


FIRM = "91150622MA0PARAM1X"


def ledger(cat: catalogue.Catalogue) -> duckdb.DuckDBPyConnection:
    return ledger_of(cat, {
        "enterprises": [enterprise(FIRM)],
        "enterprise_metrics": [metric(FIRM, y, t) for y, t in
                               ((2023, "1000"), (2024, "1100"), (2025, "1300"), (2026, "1400"))],
        "projects": [project("P1", "2024-06-30", "100000"), project("P2", "2025-01-10", "100000"),
                     project("P3", "2025-03-01", "100000"), project("P4", "2025-03-02", "900000"),
                     project("P0", "2024-01-20", "100000")]})


def test_each_award_is_booked_under_the_list_in_force_on_its_date(tmp_path):
    cat = catalogue.load(catalogue_dir(tmp_path))
    conn = ledger(cat)
    # 2024: (1100 - 1000) t x 200 元 = 20,000 元, paid 2025, region and city 50% each;
    # 2025: (1300 - 1100) t x 150 元 = 30,000 元 (the 2025 list), paid 2026; 2026: no list in force, nothing.
    assert lines(conn, "T2024-11A") == [
        (FIRM, 2025, "city", "150600", "10000.00"), (FIRM, 2025, "region", "150000", "10000.00"),
        (FIRM, 2026, "city", "150600", "15000.00"), (FIRM, 2026, "region", "150000", "15000.00")]
    # P1 (2024-06-30): 10% x 100,000 = 10,000; P0 the day before the 2024 list and P2 (2025-01-10) between the lists:
    # nothing; P3 (2025-03-01): 8% x 100,000 = 8,000; P4: 8% x 900,000 = 72,000, capped at 50,000.
    assert lines(conn, "T2024-12A") == [("P1", 2024, "region", "150000", "10000.00"),
                                        ("P3", 2025, "region", "150000", "8000.00"),
                                        ("P4", 2025, "region", "150000", "50000.00")]
    rule = cat.rule("T2024-12A")
    assert (rule.valid_from, rule.valid_to) == (date(2024, 1, 21), None)
    assert cat.rule("T2024-11A").valid_to == date(2025, 12, 31)


def test_parameter_tables_record_every_dated_value_with_its_citation(tmp_path):
    conn = ledger(catalogue.load(catalogue_dir(tmp_path)))
    rows = conn.execute("""SELECT value_from, value_to, value, document, line_first FROM catalogue.parameter_values
                           WHERE name = 't_milk_rate' ORDER BY value_from""").fetchall()
    assert rows == [(date(2024, 1, 21), date(2024, 12, 31), Decimal(200), "T2024", 143),
                    (date(2025, 1, 1), date(2025, 1, 19), None, "T2024", 143),
                    (date(2025, 1, 20), date(2025, 12, 31), Decimal(150), "T2025", 20),
                    (date(2026, 1, 1), None, None, "T2025", 20)]
    used = conn.execute("SELECT name, field FROM catalogue.rule_parameters WHERE rule_id = 'T2024-12A' "
                        "ORDER BY ALL").fetchall()
    assert used == [("t_cap", "caps.per_award"), ("t_equipment_rate", "amount")]


def test_a_forecast_carries_the_last_value_over_the_gap_and_beyond(tmp_path):
    cat = catalogue.load(catalogue_dir(tmp_path))
    opened = dataclasses.replace(cat, rules=tuple(
        r.stretched(valid_from=date(2024, 1, 1), valid_to=date(2026, 12, 31), cohorts_from=None) for r in cat.rules))
    conn = ledger(opened)
    # 2026 now in force with the 2025 value: (1400 - 1300) x 150 = 15,000, paid 2027, half each
    assert (FIRM, 2027, "region", "150000", "7500.00") in lines(conn, "T2024-11A")
    # P2 (2025-01-10), inside the gap, takes the 2024 list's 10%: 10,000; P0 (2024-01-20) the first value
    assert ("P2", 2025, "region", "150000", "10000.00") in lines(conn, "T2024-12A")
    assert ("P0", 2024, "region", "150000", "10000.00") in lines(conn, "T2024-12A")


@pytest.mark.parametrize(("params", "rules", "expected"), [
    (dated("t_x", "x", [("2024-01-21", "null", CIT24)]), "", "第一个取值不能为空"),
    (dated("t_x", "x", [("2024-01-21", "1", CIT24), ("2024-01-21", "2", CIT24)]), "", "严格递增"),
    (dated("t_x", "x", [("2024-01-21", "1", CIT24.replace("T2024", "T9999"))]), "", "T9999"),
    (dated("t_x", "x", [("2024-01-21", "1", CIT24.replace("[143, 147]", "[143, 2000]"))]), "", "1-1258"),
    (dated("t_x", "x", [("2024-01-21", "-1", CIT24)]), "", "values[0].value"),
    (dated("T_x", "x", [("2024-01-21", "1", CIT24)]), "", "参数名"),
])
def test_a_broken_parameter_is_refused_naming_file_parameter_and_field(tmp_path, params, rules, expected):
    with pytest.raises(catalogue.CatalogueError, match=re.escape(expected)):
        catalogue.load(catalogue_dir(tmp_path, "parameters:\n" + params, rules or "rules: []\n"))


def test_a_number_field_refuses_a_parameter_whose_value_changes(tmp_path):
    params = "parameters:\n" + dated("t_equipment_rate", "比例", RATE) + dated(
        "t_cap", "上限", [("2024-01-21", "50000", CIT24), ("2025-01-20", "60000", CIT25)])
    rules = "rules:\n  - id: T2024-12A" + RULES.split("  - id: T2024-12A")[1]
    changing = r"规则 T2024-12A：字段 'caps.per_award'：参数 t_cap 在不同时期取值不同"
    with pytest.raises(catalogue.CatalogueError, match=changing):
        catalogue.load(catalogue_dir(tmp_path, params, rules))
    with pytest.raises(catalogue.CatalogueError, match=r"字段 'caps.per_award'：未知参数 't_cop'"):
        catalogue.load(catalogue_dir(tmp_path, params, rules.replace("per_award: t_cap", "per_award: t_cop")))


def test_a_parameter_may_not_share_a_name_with_a_field(tmp_path):
    params = "parameters:\n" + dated("milk_t", "x", [("2024-01-21", "200", CIT24)])
    rules = RULES.split("  - id: T2024-12A")[0].replace("t_milk_rate", "milk_t").replace(
        "{region: t_share_region, city: t_share_city}", "{region: 1}")
    with pytest.raises(catalogue.CatalogueError, match="参数 milk_t 与本规则的字段或指标同名"):
        catalogue.load(catalogue_dir(tmp_path, params, rules))


def test_a_scenario_changes_parameters_by_name(tmp_path):
    cat = catalogue.load(catalogue_dir(tmp_path))
    path = tmp_path / "what_if.yaml"
    path.write_text("scenario: what_if\nparameters:\n  t_milk_rate: 175\n  t_equipment_rate:\n"
                    "    - {from: 2026-01-01, value: 0.05}\n", encoding="utf-8")
    sc = scenarios.load(path, cat)
    changed, ends = scenarios.apply(cat, sc)
    assert "175" in changed.rule("T2024-11A").amount_sql and "200" not in changed.rule("T2024-11A").amount_sql
    assert "'2026-01-01'" in changed.rule("T2024-12A").amount_sql and ends == set()
    assert scenarios.affected(cat, changed, sc) == {"T2024-11A", "T2024-12A"}
    path.write_text("scenario: what_if\nparameters:\n  t_nothing: 1\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="参数 't_nothing' 不在目录中"):
        scenarios.load(path, cat)
    path.write_text("scenario: what_if\nparameters:\n  t_milk_rate: lots\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="参数 t_milk_rate：'lots' 应为非负数字"):
        scenarios.load(path, cat)
    path.write_text("scenario: what_if\nparameters:\n  t_equipment_rate: [{from: 2026-01-01, value: null}]\n",
                    encoding="utf-8")
    assert scenarios.apply(cat, scenarios.load(path, cat))[1] == {"T2024-12A"}  # ends even if renewed


# --- the seeds after the migration ------------------------------------------------------------------------------

def _numbers(text: str) -> set[str]:
    return {t.text for t in Tokenizer().tokenize(str(text)) if t.token_type == TokenType.NUMBER} - {"0", "1"}


def test_every_amount_of_the_seeds_is_a_named_parameter():
    cat = catalogue.load()
    left = []
    for r in cat.costed():
        raw = r.raw
        texts = [raw.get("eligibility", ""), raw.get("amount", "")]
        if "tiers" in raw:
            texts += [raw["tiers"]["by"]] + [b["amount"] for b in raw["tiers"]["brackets"]]
            left += [(r.id, k) for b in raw["tiers"]["brackets"] for k in ("min", "max")
                     if k in b and b[k] not in cat.parameters]
        left += [(r.id, n) for t in texts for n in _numbers(t)]
        left += [(r.id, f"caps.{k}") for k, v in (raw.get("caps") or {}).items() if v not in cat.parameters]
        if len(raw.get("shares") or {}) > 1:
            left += [(r.id, f"shares.{k}") for k, v in raw["shares"].items() if v not in cat.parameters]
        left += [(r.id, "programme") for p in raw.get("programme") or [] if p["amount"] not in cat.parameters]
    assert left == []
    used = {name for r in cat.rules for name, _ in r.parameters}
    assert set(cat.parameters) == used  # no parameter left without a rule
    assert len(cat.parameters) >= 780


def test_every_value_of_the_seeds_quotes_its_cited_lines():
    """A parameter value's quote is found in the lines it cites (spaces ignored; a quote may stop at ……), as
    tests/test_catalogue_format.py checks for the entries' own citations."""
    from dagster_project.settings import SOURCE_TEXT

    text = SOURCE_TEXT.read_text(encoding="utf-8").splitlines()
    cat = catalogue.load()
    exact, missing = 0, []
    for p in cat.parameters.values():
        for v in p.values:
            first, last = v.citation["lines"]
            cited = re.sub(r"\s", "", "".join(text[first - 1:last]))
            head = re.sub(r"\s", "", v.citation["quote"]).split("……")[0].strip("…")[:30]
            exact += first == last
            if head not in cited:
                missing.append((p.name, v.citation["lines"], head))
    assert missing == []
    assert exact >= 600  # the migration cited 616 of the 788 values to the very line of their number
