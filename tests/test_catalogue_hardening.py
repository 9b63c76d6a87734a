"""Catalogue, scenario, forecast and criteria files written by analysts cannot run SQL, cannot be accepted at load and
then fail at run, are not silently rounded, cannot blow up as YAML, and a broken scenario fails alone (issue 15,
items 1-5)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from dagster_project import catalogue, forecast, scenarios, stages, talent_classifier
from dagster_project.catalogue import CatalogueError
from dagster_project.contract import REGISTRIES
from dagster_project.ledger import build_ledger, write_catalogue
from dagster_project.warehouse import write_table
from tests.conftest import enterprise, project, talent, typed_frame
from tests.test_forecast import AS_OF as FORECAST_AS_OF
from tests.test_forecast import CFG, forecast_conn  # noqa: F401 - a fixture

A = "91150602AAAAAAAAA1"
DEFAULTS = Path(__file__).parent.parent / "seeds" / "catalogue" / "defaults.yaml"


def rule(rule_id: str = "X-1", **fields) -> dict:
    base = {"id": rule_id, "title": "测试", "citation": {"item": "1", "lines": [1, 2], "quote": "q"},
            "status": "costed", "beneficiary": "talent", "amount": 1000, "shares": {"city": 1},
            "valid": {"from": "2024-01-01"}}
    return {k: v for k, v in {**base, **fields}.items() if v is not None}  # None drops a field


def folder_with(tmp_path: Path, rules: list[dict], text: str | None = None, level: str = "city") -> Path:
    """A catalogue folder holding one document (TEST.yaml) with `rules`, or the given raw YAML text."""
    folder = tmp_path / "seeds" / "catalogue"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "defaults.yaml").write_text(DEFAULTS.read_text(encoding="utf-8"), encoding="utf-8")
    doc = {"document": "TEST", "title": "测试", "level": level, "source_lines": [1, 1000], "rules": rules}
    (folder / "TEST.yaml").write_text(text if text is not None else yaml.safe_dump(doc, allow_unicode=True),
                                      encoding="utf-8")
    return folder


def empty_ledger_conn(registries: dict | None = None) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    stages.load_reference(conn)
    for name in REGISTRIES:
        write_table(conn, f"registry.{name}", typed_frame(name, (registries or {}).get(name, [])))
    return conn


def tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}


# --- 1. No SQL through a name ------------------------------------------------------------------------------------

def injected_name(secret: Path, written: Path) -> str:
    """A variable name that, pasted unquoted into the ledger's SQL, closes the statement, creates a table in a
    published schema from a file read off disk, writes a file with COPY, and leaves valid SQL behind."""
    return ('a" FROM award_years AS y, registry.enterprise_metrics AS m GROUP BY ALL) SELECT uscc AS rule_id '
            f"FROM variables WHERE FALSE); CREATE TABLE marts.pwned AS SELECT * FROM read_text('{secret}'); "
            f"COPY (SELECT 42 AS x) TO '{written}' (FORMAT csv); CREATE TEMP TABLE base AS SELECT 1 AS one; "
            "SELECT $$ AS s FROM (SELECT 1 AS one, --")


def test_sql_in_a_variable_name_is_refused_at_load_and_runs_nothing(tmp_path):
    secret, written = tmp_path / "secret.txt", tmp_path / "written.csv"
    secret.write_text("confidential\n", encoding="utf-8")
    evil = rule("X-INJ", beneficiary="enterprise", amount="1",
                variables={injected_name(secret, written): {"metric": "raw_milk_processed_t"}})
    conn = empty_ledger_conn()
    before = tables(conn)
    with pytest.raises(CatalogueError) as err:
        cat = catalogue.load(folder_with(tmp_path, [evil]))
        write_catalogue(conn, cat, "t")  # today's main got here, and the ledger ran the injected statements
        build_ledger(conn, cat, "t", 2026)
    assert "TEST.yaml：规则 X-INJ：字段 'variables'" in str(err.value) and "不是合法名称" in str(err.value)
    assert tables(conn) == before and not written.exists()


def test_a_name_that_slipped_past_the_loader_is_still_quoted_in_sql(tmp_path):
    """Defence in depth: even a Rule built in code with that name gets it as one quoted identifier."""
    secret, written = tmp_path / "secret.txt", tmp_path / "written.csv"
    secret.write_text("confidential\n", encoding="utf-8")
    good = catalogue.load(folder_with(tmp_path, [rule("X-MILK", beneficiary="enterprise", amount="milk_t",
                                                      variables={"milk_t": {"metric": "raw_milk_processed_t"}})]))
    name = injected_name(secret, written)
    forged = dataclasses.replace(good.rules[0], variables={name: {"metric": "raw_milk_processed_t"}},
                                 raw={**good.rules[0].raw, "amount": "1"}, amount_sql="1")
    cat = catalogue.Catalogue(good.documents, (forged,), good.version)
    metrics = [{"uscc": A, "year": 2024, "metric": "raw_milk_processed_t", "value": "5", "unit": "吨"}]
    conn = empty_ledger_conn({"enterprises": [enterprise(A)], "enterprise_metrics": metrics})
    before = tables(conn)
    write_catalogue(conn, cat, "t")
    build_ledger(conn, cat, "t", 2026)
    assert not {t for t in tables(conn) - before if "pwned" in t or t.endswith(".base")} and not written.exists()
    inputs = json.loads(conn.execute("SELECT inputs FROM ledger.award_candidates").fetchone()[0])
    assert list(inputs) == [name]  # the name is data: a JSON key, not SQL


@pytest.mark.parametrize(("fields", "field"), [
    ({"id": "X-1'); DROP TABLE ledger.awards; --"}, "id"),
    ({"stacking_group": 'g"; DROP TABLE x; --'}, "stacking_group"),
    ({"links": {"tops_up": "X-2' OR '1'='1"}}, "links.tops_up"),
])
def test_names_that_reach_sql_must_match_their_pattern(tmp_path, fields, field):
    with pytest.raises(CatalogueError, match=f"字段 '{re.escape(field)}'：.*不是合法名称"):
        catalogue.load(folder_with(tmp_path, [rule(**fields)]))


def test_a_document_id_must_match_its_pattern(tmp_path):
    text = yaml.safe_dump({"document": "T'; DROP", "level": "city", "source_lines": [1, 9], "rules": []})
    with pytest.raises(CatalogueError, match=r"TEST.yaml：文件抬头：字段 'document'"):
        catalogue.load(folder_with(tmp_path, [], text))


def test_a_tier_label_is_data_quoted_by_sqlglot(tmp_path, ledger_from):
    label = "B'); DROP TABLE ledger.awards; --"
    tiers = {"by": "category", "brackets": [{"equals": "B", "amount": 3000000, "label": label}]}
    folder = folder_with(tmp_path, [rule("X-TIER", tiers=tiers, amount=None)])
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": [talent("T1", "B", "2024-03-15")]}, folder)
    assert conn.execute("SELECT tier, award_fen FROM ledger.awards").fetchall() == [(label, 300000000)]


# --- 2. What loads also runs: bounded numbers, formulas, schedules -----------------------------------------------

NINES = int("9" * 38)


@pytest.mark.parametrize(("fields", "field"), [
    ({"caps": {"per_award": "1e400"}}, "caps.per_award"),
    ({"caps": {"per_beneficiary_year": NINES}}, "caps.per_beneficiary_year"),
    ({"amount": "1e400 * 1"}, "amount"),
    ({"amount": str(NINES)}, "amount"),
    ({"amount": "3037000500 * 3037000500"}, "amount"),  # INT64 overflow in a product of two constants
    ({"amount": "100000 * 100000"}, "amount"),  # INT32: DuckDB types both as INTEGER
    ({"amount": "1000000000000 * 1000000000000 * annual_salary_yuan"}, "amount"),
    ({"amount": "annual_salary_yuan * annual_salary_yuan * annual_salary_yuan"}, "amount"),
    ({"amount": "(" * 3000 + "1" + ")" * 3000}, "amount"),
    ({"amount": " + ".join(["1"] * 1500)}, "amount"),
    ({"amount": "region_code * 2"}, "amount"),  # arithmetic on text fails only when a row is read
    ({"eligibility": "annual_salary_yuan > 'abc'"}, "eligibility"),
    ({"eligibility": "arrival_date >= '2024-02-30'"}, "eligibility"),
    ({"eligibility": "annual_salary_yuan"}, "eligibility"),  # not a condition
    ({"schedule": {"lag_years": 100000}}, "schedule.lag_years"),
    ({"schedule": {"lag_years": True}}, "schedule.lag_years"),
    ({"schedule": {"periodic": {"every": "month", "count": 10**8}}}, "schedule.periodic.count"),
    ({"schedule": {"instalments": [1] * 1000}}, "schedule.instalments"),
    ({"schedule": {"instalments": [10**12, 1]}}, "schedule.instalments"),
    ({"schedule": {"stop_on_departure": "yes"}}, "schedule.stop_on_departure"),
    ({"rounding": {"step_fen": 10**15}}, "rounding.step_fen"),
    ({"valid": {"from": "2024-01-01", "to": "9999-12-31"}}, "valid.to"),
    ({"valid": {"from": "2024-01-01", "until": "2025-01-01"}}, "valid"),
    ({"split_specified": "false"}, "split_specified"),
])
def test_values_that_would_fail_at_run_are_refused_at_load(tmp_path, fields, field):
    with pytest.raises(CatalogueError) as err:
        catalogue.load(folder_with(tmp_path, [rule(**fields)]))
    assert f"TEST.yaml：规则 X-1：字段 '{field}'" in str(err.value)


def test_tier_bounds_year_offsets_and_programme_years_are_bounded(tmp_path):
    tiers = {"by": "annual_salary_yuan", "brackets": [{"min": "1e400", "amount": 1}]}
    cases = [
        (rule(tiers=tiers, amount=None), "tiers.brackets[0].min"),
        (rule(beneficiary="enterprise", variables={"m": {"metric": "raw_milk_processed_t", "year_offset": 10**9}},
              amount="m"), "variables.m.year_offset"),
        (rule(beneficiary="programme", programme=[{"year": 100000, "amount": 1}], amount=None),
         "programme[0].year"),
        (rule(beneficiary="programme", programme=[{"year": 2024, "amount": NINES}], amount=None),
         "programme[0].amount"),
    ]
    for i, (raw, field) in enumerate(cases):
        with pytest.raises(CatalogueError, match=re.escape(f"规则 X-1：字段 '{field}'")):
            catalogue.load(folder_with(tmp_path / str(i), [raw]))


def test_a_data_dependent_overflow_names_the_rule_file_and_field(tmp_path, ledger_from):
    """Within the static bounds a formula can still meet an extreme registry value: the ledger says which rule,
    file, field and object instead of an engine error naming none of them."""
    from dagster_project.ledger import LedgerError

    big = rule("X-BIG", beneficiary="project", trigger="completion_date", amount="1000000 * equipment_investment_yuan")
    folder = folder_with(tmp_path, [big])
    with pytest.raises(LedgerError) as err:
        ledger_from({"enterprises": [enterprise(A)],
                     "projects": [project("P-HUGE", "energy", "2024-06-01", "9000000000000", uscc=A)]}, folder)
    message = str(err.value)
    assert "TEST.yaml：规则 X-BIG：字段 'amount'" in message and "P-HUGE" in message and "单笔上限" in message


def test_an_engine_error_while_computing_a_rule_names_the_rule(tmp_path):
    from dagster_project.ledger import LedgerError

    cat = catalogue.load(folder_with(tmp_path, [rule("X-ONE")]))
    conn = empty_ledger_conn()
    write_catalogue(conn, cat, "t")
    with pytest.raises(LedgerError, match=r"TEST.yaml：规则 X-ONE：计算候选金额时出错"):
        build_ledger(conn, cat, "t", 2026, registry_schema="no_such_schema")


def test_the_real_catalogue_is_within_every_bound():
    cat = catalogue.load()
    assert len(cat.costed()) > 200  # and it loaded: every bound above holds for the shipped catalogue


# --- 3. No silent rounding, no unknown region ------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "field", "complaint"), [
    ({"shares": {"region": "0.0000005", "city": "0.9999995"}}, r"shares\.(region|city)", "7 位小数"),  # 0.0000005
    ({"caps": {"per_award": "100.005"}}, r"caps\.per_award", "3 位小数"),
    ({"basis": "expected_value", "expected_share": "0.1234567"}, "expected_share", "7 位小数"),
])
def test_more_decimals_than_stored_are_refused(tmp_path, fields, field, complaint):
    with pytest.raises(CatalogueError, match=f"规则 X-1：字段 '{field}'：.*{complaint}"):
        catalogue.load(folder_with(tmp_path, [rule(**fields)]))


def test_a_programme_line_names_a_region_that_exists_and_can_pay(tmp_path):
    unknown = rule(beneficiary="programme", amount=None, programme=[{"year": 2024, "amount": 1000, "region": "159999"}])
    with pytest.raises(CatalogueError, match=r"字段 'programme\[0\].region'：区划代码 '159999' 不在 seeds/reference"):
        catalogue.load(folder_with(tmp_path / "a", [unknown]))
    no_city = rule(beneficiary="programme", amount=None, programme=[{"year": 2024, "amount": 1000, "region": "150000"}])
    with pytest.raises(CatalogueError, match=r"150000（内蒙古自治区）不属于任何盟市，无法承担 city 份额"):
        catalogue.load(folder_with(tmp_path / "b", [no_city]))


# --- 4. YAML bombs and oversized files, for every YAML the project loads ------------------------------------------

LAUGHS = """a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
"""  # small here (729 strings); each further line multiplies by nine


def test_an_aliased_bomb_in_a_reading_is_refused_naming_file_and_line(tmp_path):
    entry = "- id: {}\n  title: t\n  citation: {{item: '1', lines: [1, 2], quote: q}}\n  status: not_costable\n" \
            "  reason: r\n  reading: {}\n"
    text = ("document: TEST\nlevel: city\nsource_lines: [1, 1000]\nrules:\n"
            + entry.format("X-1", "&r [lol, lol, lol]") + entry.format("X-2", "[*r, *r, *r]"))
    with pytest.raises(CatalogueError, match=r"TEST.yaml：第 10 行：不允许使用 YAML 锚点（&r）"):
        catalogue.load(folder_with(tmp_path, [], text))


def test_an_aliased_bomb_in_the_item_list_is_refused(tmp_path):
    text = ("document: TEST\nlevel: city\nsource_lines: [1, 1000]\n" + LAUGHS
            + "items_without_fiscal_clause: [*c, *c, *c]\n")
    with pytest.raises(CatalogueError, match=r"TEST.yaml：第 4 行：不允许使用 YAML 锚点"):
        catalogue.load(folder_with(tmp_path, [], text))


def test_an_oversized_catalogue_file_is_refused_before_it_is_read(tmp_path):
    text = "document: TEST\nlevel: city\nsource_lines: [1, 1000]\nnotes: " + "x" * 600_000 + "\n"
    with pytest.raises(CatalogueError, match=r"TEST.yaml：文件超过 524,288 字节的上限"):
        catalogue.load(folder_with(tmp_path, [], text))


def test_a_key_given_twice_is_refused(tmp_path):
    text = yaml.safe_dump({"document": "TEST", "level": "city", "source_lines": [1, 9], "rules": [rule()]},
                          allow_unicode=True).replace("amount: 1000\n", "amount: 1000\n  amount: 9000000\n")
    with pytest.raises(CatalogueError, match=r"键 'amount' 在同一层出现了两次"):
        catalogue.load(folder_with(tmp_path, [], text))


def test_scenario_forecast_and_criteria_files_refuse_aliases(tmp_path):
    cat = catalogue.load()
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("scenario: s\n" + LAUGHS + "changes: {NMG2024-11A: {amount: '1'}}\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match=r"情景文件 bomb.yaml：第 2 行：不允许使用 YAML 锚点"):
        scenarios.load(bomb, cat)
    config = tmp_path / "forecast.yaml"
    config.write_text("horizon_years: &h 3\npool_years: *h\n", encoding="utf-8")
    with pytest.raises(forecast.ForecastConfigError, match=r"第 1 行：不允许使用 YAML 锚点（&h）"):
        forecast.load_config(config)
    criteria = tmp_path / "talent_criteria.yaml"
    criteria.write_text("source_lines: [2847, 3319]\n" + LAUGHS + "criteria: []\n", encoding="utf-8")
    with pytest.raises(talent_classifier.CriteriaError, match=r"talent_criteria.yaml：第 2 行：不允许使用 YAML 锚点"):
        talent_classifier.load(criteria)


def test_every_yaml_read_goes_through_the_one_safe_loader():
    package = Path(catalogue.__file__).parent
    offenders = [p.name for p in package.rglob("*.py") if p.name != "safe_yaml.py"
                 and re.search(r"^\s*import yaml|(?<![\w.])yaml\.(safe_)?load|yaml\.(Full|Unsafe)?Loader", p.read_text(
                     encoding="utf-8"), re.M)]
    assert offenders == []


def test_forecast_settings_are_typed_strictly(tmp_path):
    config = tmp_path / "forecast.yaml"
    for text, complaint in [("horizon_years: true\n", "horizon_years 应为 1 到 10 的整数"),
                            ("horizon_years: 100000\n", "horizon_years 应为 1 到 10 的整数"),
                            ("models: ets_damped\n", "models 应为"),
                            ("renewed_documents: [NMG2024]\n", "renewed_documents 应为")]:
        config.write_text(text, encoding="utf-8")
        with pytest.raises(forecast.ForecastConfigError, match=complaint):
            forecast.load_config(config)


# --- 5. Scenarios: strict types, unique names, a broken scenario fails alone ------------------------------------

@pytest.mark.parametrize("value", ["1", '"true"', "'yes'", "[true]"])
def test_switch_off_takes_true_or_false_only(tmp_path, value):
    path = tmp_path / "s.yaml"
    path.write_text(f"scenario: s\nchanges:\n  NMG2024-11A: {{switch_off: {value}}}\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match=r"规则 NMG2024-11A：参数 'switch_off' 只能是 true 或 false"):
        scenarios.load(path, catalogue.load())


def test_scenario_names_are_checked(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("scenario: \"x'; DROP TABLE y\"\nchanges:\n  NMG2024-11A: {amount: '1'}\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match=r"情景文件 s.yaml：scenario 名称 .* 不合法"):
        scenarios.load(path, catalogue.load())


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_a_broken_or_duplicate_scenario_fails_alone_and_is_recorded(forecast_conn, tmp_path):  # noqa: F811
    conn, cat = forecast_conn
    good = Path(__file__).parent.parent / "seeds" / "scenarios" / "milk_increase_150.yaml"
    files = [
        good,
        write(tmp_path, "a_dup.yaml", "scenario: dup\nchanges:\n  NMG2024-11A: {amount: '100 * milk_t'}\n"),
        write(tmp_path, "b_dup.yaml", "scenario: dup\nchanges:\n  NMG2024-11A: {amount: '100 * milk_t'}\n"),
        write(tmp_path, "c_switch.yaml", "scenario: c\nchanges:\n  NMG2024-11A: {switch_off: 1}\n"),
        write(tmp_path, "d_overflow.yaml", "scenario: d\nchanges:\n  NMG2024-11A: {amount: '5000000000 * milk_t'}\n"),
        write(tmp_path, "e_bomb.yaml", "scenario: e\n" + LAUGHS + "changes: {}\n"),
    ]
    table = scenarios.run_all(conn, cat, CFG, forecast.window_for(FORECAST_AS_OF, CFG), "t", files,
                              log=lambda _: None)
    defs = {f: (s, m) for f, s, m in conn.execute(
        "SELECT file, status, message FROM scenarios.definitions").fetchall()}
    assert defs["milk_increase_150.yaml"] == ("succeeded", "")
    assert defs["a_dup.yaml"][0] == "failed" and "与 b_dup.yaml 重复" in defs["a_dup.yaml"][1]
    assert defs["b_dup.yaml"][0] == "failed" and "与 a_dup.yaml 重复" in defs["b_dup.yaml"][1]
    assert defs["c_switch.yaml"][0] == "failed" and "'switch_off' 只能是 true 或 false" in defs["c_switch.yaml"][1]
    assert defs["d_overflow.yaml"][0] == "failed" and "规则 NMG2024-11A" in defs["d_overflow.yaml"][1] \
        and "单笔上限" in defs["d_overflow.yaml"][1]
    assert defs["e_bomb.yaml"][0] == "failed" and "YAML 锚点" in defs["e_bomb.yaml"][1]
    # only the good scenario has figures, and they are the ones worked out by hand in test_forecast
    assert set(table["scenario"].unique()) == {"milk_increase_150"}
    by_level = conn.execute("SELECT DISTINCT scenario FROM scenarios.by_year_level").fetchall()
    assert by_level == [("milk_increase_150",)]
    assert str(table.filter(pl.col("rule_id") == "NMG2024-11A")["delta_yuan"].sum()) == "-10500.00"


def test_the_scenario_page_shows_a_failed_scenario_in_chinese():
    from dagster_project.dashboards import scenarios_page

    with duckdb.connect() as conn:
        conn.execute("CREATE SCHEMA scenarios")
        conn.execute("""CREATE TABLE scenarios.definitions AS SELECT 'dup' AS scenario, 'dup' AS title,
                        '' AS description, 'b_dup.yaml' AS file, 'failed' AS status,
                        '情景名称 dup 与 a_dup.yaml 重复' AS message""")
        conn.execute("""CREATE TABLE scenarios.by_year_level (scenario VARCHAR, payment_year INT,
                        paying_level VARCHAR, baseline_yuan DECIMAL(18,2), scenario_yuan DECIMAL(18,2),
                        delta_yuan DECIMAL(18,2))""")
        html = scenarios_page.build(conn, {"run_id": "r", "generated_at": "g", "catalogue_version": "v",
                                           "as_of": "2026-11-27"})
    assert "计算失败，未计入" in html and "情景名称 dup 与 a_dup.yaml 重复" in html
