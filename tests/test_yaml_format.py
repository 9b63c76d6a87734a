"""The declared YAML formats (dagster_project/yaml_format.py): every file in seeds/ passes its model and the exported
JSON Schema, the committed schemas and docs tables are what the models give, and a broken file is refused with a
Chinese message naming the file, the rule (parameter, criterion) and the field."""

from __future__ import annotations

import argparse
import copy
import functools
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dagster_project import catalogue, cli, forecast, formulas, safe_yaml, scenarios, talent_classifier, yaml_format
from dagster_project.settings import REPO_ROOT, SEEDS_DIR

SEED_FILES = [(kind, path) for kind in yaml_format.FORMATS for path in yaml_format.seed_files(kind, SEEDS_DIR)]


def as_json(value: Any) -> Any:
    """Parsed YAML as an editor's YAML server sees it: dates are strings."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


@functools.cache
def committed_schema(kind: str) -> jsonschema.Draft202012Validator:
    """The committed schema, with the `date` format checked (as editors' YAML servers do)."""
    path = REPO_ROOT / yaml_format.SCHEMA_DIR / yaml_format.SCHEMA_NAMES[kind]
    return jsonschema.Draft202012Validator(json.loads(path.read_text(encoding="utf-8")),
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def refused(kind: str, data: Any, where: str = "seeds/catalogue/NMG2024.yaml") -> str:
    with pytest.raises(yaml_format.FormatError) as err:
        yaml_format.check(kind, data, where)
    return str(err.value)


def test_every_yaml_file_in_seeds_has_exactly_one_format():
    found = sorted(p for p in SEEDS_DIR.rglob("*") if p.suffix in (".yaml", ".yml"))
    assert found and sorted(p for _, p in SEED_FILES) == found
    assert len({p for _, p in SEED_FILES}) == len(SEED_FILES)


@pytest.mark.parametrize("kind, path", SEED_FILES, ids=[p.name for _, p in SEED_FILES])
def test_every_seed_file_passes_its_model_and_the_exported_schema(kind, path):
    data = safe_yaml.load(path, str(path))
    yaml_format.check(kind, data, str(path))
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in committed_schema(kind).iter_errors(as_json(data))]
    assert errors == []


def test_the_committed_schemas_and_doc_tables_are_generated_from_the_models():
    for kind in yaml_format.FORMATS:
        jsonschema.Draft202012Validator.check_schema(yaml_format.json_schema(kind))
    assert yaml_format.stale(REPO_ROOT) == [], "run `python -m dagster_project schema`"
    assert cli.cmd_schema(argparse.Namespace(check=True)) == 0
    text = (REPO_ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    rules = text[text.index("<!-- generated: rule-fields"):]
    rules = rules[:rules.index("<!-- end generated -->")]
    assert {f"| `{alias}` |" for alias in (f.alias or n for n, f in yaml_format.Rule.model_fields.items())} <= {
        line[:line.index("` |") + 3] for line in rules.splitlines() if line.startswith("| `")}
    # every field of a catalogue rule the loader accepts is declared, and no other
    assert {f.alias or n for n, f in yaml_format.Rule.model_fields.items()} == catalogue.RULE_FIELDS
    assert {f.alias or n for n, f in yaml_format.CatalogueFile.model_fields.items()} - {"parameters"} == \
        catalogue.DOC_FIELDS - {"parameters"}  # `parameters`: the lead's loader adds it (issue 20)


def test_the_schema_shows_chinese_then_english_descriptions():
    schema = yaml_format.json_schema("catalogue")
    caps = schema["$defs"]["Rule"]["properties"]["caps"]
    assert caps["description"].startswith("上限（元）") and "Caps on each award" in caps["description"]
    assert "x-zh" not in json.dumps(schema) and "x-required" not in json.dumps(schema)


def test_the_bounds_agree_with_the_loaders():
    y = yaml_format
    assert (y.LEVELS, y.KINDS, y.BASES) == (catalogue.LEVELS, catalogue.KINDS, catalogue.BASES)
    assert tuple(catalogue.BENEFICIARIES) == y.BENEFICIARIES
    assert set(y.TRIGGERS) == {t for ts in catalogue.TRIGGERS.values() for t in ts}
    for ours, theirs in [(y.RULE_ID, catalogue.RULE_ID), (y.DOCUMENT_ID, catalogue.DOCUMENT_ID),
                         (y.VARIABLE, catalogue.VARIABLE), (y.GROUP, catalogue.GROUP),
                         (y.REGION_CODE, catalogue.REGION_CODE), (y.SCENARIO_NAME, scenarios.NAME),
                         (y.CRITERION_ID, talent_classifier.CRITERION_ID)]:
        assert ours == theirs.pattern
    assert (y.NAME_MAX, y.MONEY_MAX, y.TIER_BOUND_MAX) == (catalogue.NAME_MAX, catalogue.MONEY_MAX,
                                                           catalogue.TIER_BOUND_MAX)
    assert (y.MONEY_DECIMALS, y.TIER_DECIMALS, y.SHARE_DECIMALS) == (catalogue.MONEY_DECIMALS,
                                                                     catalogue.TIER_DECIMALS, catalogue.SHARE_DECIMALS)
    assert (y.INSTALMENTS_MAX, y.WEIGHT_MAX, y.PERIODS_MAX) == (catalogue.INSTALMENTS_MAX, catalogue.WEIGHT_MAX,
                                                                catalogue.PERIODS_MAX)
    assert (y.LAG_YEARS_MAX, y.YEAR_OFFSET_MAX, y.STEP_FEN_MAX) == (catalogue.LAG_YEARS_MAX,
                                                                    catalogue.YEAR_OFFSET_MAX, catalogue.STEP_FEN_MAX)
    assert (y.FIRST_DAY, y.LAST_DAY, y.SOURCE_LINE_MAX, y.SHORT_TITLE_MAX) == (
        catalogue.FIRST_DAY, catalogue.LAST_DAY, catalogue.SOURCE_LINE_MAX, catalogue.SHORT_TITLE_MAX)
    assert (y.VARIABLES_MAX, y.BRACKETS_MAX, y.PROGRAMME_LINES_MAX, y.TEXT_VALUE_MAX) == (
        catalogue.VARIABLES_MAX, catalogue.BRACKETS_MAX, catalogue.PROGRAMME_LINES_MAX, catalogue.TEXT_VALUE_MAX)
    assert (y.FORMULA_MAX, y.PARAMETER_MAX, y.PARAMETER_DECIMALS) == (formulas.TEXT_MAX, formulas.LITERAL_MAX,
                                                                       formulas.LITERAL_DECIMALS)
    assert (y.FORECAST_MODELS, y.FORECAST_YEARS_MAX) == (forecast.MODELS, forecast.YEARS_MAX)
    assert {f.alias or n for n, f in y.ForecastSettings.model_fields.items()} == forecast.CONFIG_KEYS
    assert (y.CATEGORIES, y.ANNEX_FIELDS) == (talent_classifier.CATEGORIES, talent_classifier.ANNEX_FIELDS)
    assert {f.alias or n for n, f in y.Criterion.model_fields.items()} == talent_classifier.CRITERION_KEYS
    assert y.CHANGED_RULES_MAX == scenarios.CHANGED_RULES_MAX
    changes = [f.alias for f in y.Change.model_fields.values()] + ["tiers.brackets.3.amount"]
    assert all(scenarios.PATTERN.match(c) for c in changes)
    assert not scenarios.PATTERN.match("tiers.brackets.x.amount") and not re.fullmatch(y.CHANGE_TIER, "tiers.x")


# --- the parameter format (docs/catalogue.md, "Parameter keys") ---------------------------------------------------

CITATION = {"document": "NMG2024", "item": "11", "lines": [143, 147], "quote": "每增加1吨补贴200元"}


@functools.cache
def _nmg2024() -> dict[str, Any]:
    return safe_yaml.load(SEEDS_DIR / "catalogue" / "NMG2024.yaml", "NMG2024.yaml")


def catalogue_file() -> dict[str, Any]:
    return copy.deepcopy(_nmg2024())


def rule_of(data: dict[str, Any], rule_id: str = "NMG2024-11A") -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id)


def test_parameters_and_parameter_names_in_numeric_fields_are_accepted():
    data = catalogue_file()
    data["parameters"] = {
        "nmg2024_11a_amount": {"title": "生鲜乳加工增量每吨补贴", "unit": "元/吨", "values": [
            {"from": date(2024, 1, 21), "value": 200, "citation": CITATION},
            {"from": date(2025, 1, 1), "value": None, "citation": CITATION}]},
        "nmg2024_11a_share_region": {"title": "自治区承担比例", "values": [
            {"from": "2024-01-21", "value": "0.5", "citation": CITATION}]},
    }
    rule = rule_of(data)
    rule.update(amount="nmg2024_11a_amount * (milk_t - milk_prev_t)", caps={"per_award": "nmg2024_11a_cap"},
                shares={"region": "nmg2024_11a_share_region", "city": 0.5}, basis="expected_value",
                expected_share="nmg2024_11a_expected_share")
    rule_of(data, "NMG2024-06")["tiers"]["brackets"][0]["min"] = "nmg2024_06_tier_1_min"
    yaml_format.check("catalogue", data, "x.yaml")
    assert list(committed_schema("catalogue").iter_errors(as_json(data))) == []


def test_a_scenario_may_change_parameters_by_name_or_add_dated_values():
    data = {"scenario": "list_2025", "parameters": {
        "nmg2024_11a_amount": 150,
        "nmg2024_27a_rate": [{"from": date(2027, 1, 1), "value": "0.08"}, {"from": "2028-01-01", "value": None,
                                                                            "citation": CITATION}]}}
    yaml_format.check("scenario", data, "情景文件 s.yaml")
    assert list(committed_schema("scenario").iter_errors(as_json(data))) == []
    assert "需要 'changes'" in refused("scenario", {"scenario": "s"}, "情景文件 s.yaml")
    assert not committed_schema("scenario").is_valid({"scenario": "s"})


# --- broken inputs: the message names file, rule and field, in Chinese -------------------------------------------

def broken_rule(**changes: Any) -> dict[str, Any]:
    data = catalogue_file()
    rule_of(data).update(changes)
    return data


AT = "seeds/catalogue/NMG2024.yaml：规则 NMG2024-11A"
BROKEN = [
    ("catalogue", broken_rule(amout="1"), f"{AT}：未知字段 ['amout']；允许的字段：['amount', 'assumption', "),
    ("catalogue", broken_rule(caps={"per_award": -5}), f"{AT}：字段 'caps.per_award'：-5 应为非负的有限数"),
    ("catalogue", broken_rule(caps={"per_award": "1e400"}),
     f"{AT}：字段 'caps.per_award'：'1e400' 超过上限 1,000,000,000,000"),
    ("catalogue", broken_rule(caps={"per_award": "五万"}),
     f"{AT}：字段 'caps.per_award'：'五万' 既不是数字，也不是参数名"),
    ("catalogue", broken_rule(shares={"region": "0.0000005", "city": 1}),
     f"{AT}：字段 'shares.region'：'0.0000005' 有 7 位小数，最多 6 位"),
    ("catalogue", broken_rule(shares={"town": 1}), f"{AT}：字段 'shares'：未知的键 ['town']；允许："),
    ("catalogue", broken_rule(schedule={"lag_years": 100000}),
     f"{AT}：字段 'schedule.lag_years'：100000 应为 0 到 20 之间的整数"),
    ("catalogue", broken_rule(schedule={"periodic": {"every": "week", "count": 3}}),
     f"{AT}：字段 'schedule.periodic.every'：'week' 应为 month、year 之一"),
    ("catalogue", broken_rule(variables={'x"; DROP TABLE y; --': {"metric": "m"}}),
     f"{AT}：字段 'variables'：'x\"; DROP TABLE y; --' 不是合法名称"),
    ("catalogue", broken_rule(split_specified="false"), f"{AT}：字段 'split_specified'：'false' 应为 true 或 false"),
    ("catalogue", broken_rule(valid={"from": "2024-13-01"}), f"{AT}：字段 'valid.from'：'2024-13-01' 不是日期"),
    ("catalogue", broken_rule(status="not_costable"),
     f"{AT}：字段 'reason'：status 为 not_costable 时必填：写明为何无法计算"),
    ("catalogue", broken_rule(citation={"item": "11", "lines": [147, 143], "quote": "q"}),
     f"{AT}：字段 'citation.lines'：[147, 143] 应为 [起, 止] 两个行号"),
    ("catalogue", {**catalogue_file(), "level": "county"},
     "seeds/catalogue/NMG2024.yaml：文件抬头：字段 'level'：'county' 应为 central、region、city、banner 之一"),
    ("catalogue", {**catalogue_file(), "parameters": {"p": {"title": "t", "values": [
        {"from": "2024-01-01", "value": "abc", "citation": CITATION}]}}},
     "seeds/catalogue/NMG2024.yaml：参数 p：字段 'values[0].value'：'abc' 不是数字"),
    ("catalogue", {**catalogue_file(), "parameters": {"p": {"title": "t", "values": [
        {"from": "2024-01-01", "value": 1, "citation": {**CITATION, "lines": "143"}}]}}},
     "seeds/catalogue/NMG2024.yaml：参数 p：字段 'values[0].citation.lines'：'143' 应为 [起, 止] 两个行号"),
    ("defaults", {"unspecified_split": {"city": {"city": 0.5, "banner": True}}},
     "defaults.yaml：字段 'unspecified_split.city.banner'：True 不是数字"),
    ("scenario", {"scenario": "s", "changes": {"NMG2024-11A": {"switch_off": 1}}},
     "情景文件 s.yaml：规则 NMG2024-11A：字段 'switch_off'：1 应为 true 或 false"),
    ("scenario", {"scenario": "s", "changes": {"NMG2024-11A": {"amout": "1"}}},
     "情景文件 s.yaml：规则 NMG2024-11A：未知字段 ['amout']"),
    ("scenario", {"scenario": "s", "parameters": {"nmg2024_11a_amount": [{"from": "2027-02-30", "value": 1}]}},
     "情景文件 s.yaml：参数 nmg2024_11a_amount：字段 '[0].from'：'2027-02-30' 不是日期"),
    ("forecast", {"horizon_years": True}, "forecast.yaml：字段 'horizon_years'：True 应为 1 到 10 之间的整数"),
    ("forecast", {"models": ["prophet"]}, "forecast.yaml：字段 'models[0]'：'prophet' 应为 ets_damped、"),
    ("talent_criteria", {"criteria": [{"id": "B-01", "category": "G", "field": "any", "lines": [1, 2],
                                       "status": "evaluable"}]},
     "talent_criteria.yaml：标准 B-01：字段 'category'：'G' 应为 A、B、C、D、E、F 之一"),
]
WHERE = {"catalogue": "seeds/catalogue/NMG2024.yaml", "defaults": "defaults.yaml", "scenario": "情景文件 s.yaml",
         "forecast": "forecast.yaml", "talent_criteria": "talent_criteria.yaml"}
# What JSON Schema cannot say: decimals (multipleOf is inexact on floats), first line ≤ last line.
SCHEMA_BLIND = ("有 7 位小数", "[147, 143]")


@pytest.mark.parametrize("kind, data, expected", BROKEN, ids=[e for _, _, e in BROKEN])
def test_a_broken_file_is_refused_naming_file_rule_and_field(kind, data, expected):
    message = refused(kind, data, WHERE[kind])
    assert message.startswith(expected), message
    if not any(blind in expected for blind in SCHEMA_BLIND):
        assert not committed_schema(kind).is_valid(as_json(data))


def test_further_problems_are_counted_and_a_non_mapping_rule_is_named_by_position():
    data = broken_rule(kind="grant", basis="best")
    data["rules"].append("oops")
    message = refused("catalogue", data)
    assert message.startswith(f"{AT}：字段 'kind'：'grant' 应为 spending、")
    assert message.endswith("（另有 2 处不符合格式）")
    data = catalogue_file()
    data["rules"].insert(1, ["not", "a", "rule"])
    assert refused("catalogue", data).startswith(
        "seeds/catalogue/NMG2024.yaml：规则 (第 2 条，无 id)：应为键值对（mapping）")


def test_the_forecast_and_criteria_loaders_also_check_the_declared_format(tmp_path):
    config = tmp_path / "forecast.yaml"
    config.write_text("renewed_documents: {'nmg 2024': 假定续发}\n", encoding="utf-8")
    with pytest.raises(forecast.ForecastConfigError,
                       match=r"forecast.yaml：字段 'renewed_documents'：'nmg 2024' 不是合法名称"):
        forecast.load_config(config)
    criteria = tmp_path / "talent_criteria.yaml"
    criteria.write_text("source_lines: [2847, 3319]\ncriteria:\n- {id: A-01, category: A, field: any, "
                        "lines: [2853, 2853], quote: q, status: not_evaluable, reason: r, expression: [1]}\n",
                        encoding="utf-8")
    with pytest.raises(talent_classifier.CriteriaError,
                       match=r"talent_criteria.yaml：标准 A-01：字段 'expression'：应为公式文本或数字，而不是 \[1\]"):
        talent_classifier.load(criteria)
    # their own messages come first, unchanged
    config.write_text("horizon_years: 100000\n", encoding="utf-8")
    with pytest.raises(forecast.ForecastConfigError, match=r"horizon_years 应为 1 到 10 的整数"):
        forecast.load_config(config)


def test_schema_files_named_in_the_docs_exist():
    text = (REPO_ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    assert "# yaml-language-server: $schema=../../docs/schema/catalogue.schema.json" in text
    for name in yaml_format.SCHEMA_NAMES.values():
        assert (REPO_ROOT / yaml_format.SCHEMA_DIR / name).exists() and name in text
    assert Path(REPO_ROOT / "seeds/catalogue", "../../docs/schema/catalogue.schema.json").resolve().exists()
