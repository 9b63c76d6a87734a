"""Forecast and scenarios on hand-written registries and hand-set driver forecasts: the committed/forecast split,
the intervals, the reconciliation by level and a scenario's difference, all with amounts worked out by hand from
the text (NMG2024 item 10: 1000元/亩 over 3 years; item 11: 200元 per tonne of increase, region and city 50% each,
paid the year after)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from dagster_project import catalogue, explain, forecast, scenarios
from dagster_project.forecast import QUANTILES, ForecastConfig
from tests.conftest import enterprise

AS_OF = date(2026, 11, 27)  # last complete year 2025; forecast years 2026-2028
CFG = ForecastConfig(renewed_documents={"NMG2024": "2024年清单，假定每年续发"})
E1 = "91150622MA0000001X"
# Driver paths by quantile: alfalfa projects completed per year, and raw milk processed (total, tonnes).
ALFALFA = {0.025: 0, 0.1: 1, 0.5: 1, 0.9: 2, 0.975: 3}
MILK = {2026: 1100.0, 2027: 1210.0, 2028: 1331.0}  # 10% a year from 1,000 t in 2025 (median path)


def registries() -> dict:
    def milk(year: int, tonnes: str) -> dict:
        return {"uscc": E1, "year": year, "metric": "raw_milk_processed_t", "value": tonnes, "unit": "吨"}

    alfalfa = {"project_id": "P1", "uscc": E1, "project_name": "苜蓿基地", "project_type": "alfalfa",
               "region_code": "150622", "start_date": date(2024, 3, 1), "completion_date": date(2024, 6, 1),
               "area_mu": "1000", "equipment_investment_yuan": "0", "total_investment_yuan": "0"}
    return {"enterprises": [enterprise(E1, region="150622", industry="14")],
            "enterprise_metrics": [milk(2024, "900"), milk(2025, "1000")], "projects": [alfalfa]}


def driver_tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    history = pl.DataFrame({"driver_kind": ["metric", "project"], "driver_key": ["raw_milk_processed_t", "alfalfa"],
                            "year": [2025, 2025], "value": [1000.0, 1.0]})
    rows = []
    for q in QUANTILES:
        for y in (2026, 2027, 2028):
            rows.append(("project", "alfalfa", "test", "level", None, y, q, float(ALFALFA[q])))
            rows.append(("metric", "raw_milk_processed_t", "test", "log", None, y, q, MILK[y]))
    fits = pl.DataFrame(rows, orient="row", schema={
        "driver_kind": pl.String, "driver_key": pl.String, "model": pl.String, "scale": pl.String,
        "selection_error": pl.Float64, "year": pl.Int32, "quantile": pl.Float64, "target": pl.Float64})
    return history, fits


@pytest.fixture
def forecast_conn(ledger_from, catalogue_of):
    folder = catalogue_of("NMG2024.yaml")
    conn = ledger_from(registries(), folder)
    cat = catalogue.load(folder)
    history, fits = driver_tables()
    from dagster_project.warehouse import write_table

    write_table(conn, "forecast.driver_history", history)
    write_table(conn, "forecast.driver_forecasts", fits.with_columns(pl.lit("test-run").alias("run_id")))
    forecast.project_forecast(conn, cat, CFG, forecast.window_for(AS_OF, CFG), history, fits, "test-run",
                              log=lambda _: None)
    return conn, cat


def amounts(conn, rule_id: str, part: str, column: str = "amount_p50") -> list[tuple]:
    return [(y, lvl, reg, str(a)) for y, lvl, reg, a in conn.execute(
        f"""SELECT payment_year, paying_level, paying_region_code, sum({column}) FROM forecast.liabilities
            WHERE rule_id = ? AND part = ? GROUP BY ALL HAVING sum({column}) <> 0 ORDER BY ALL""",
        [rule_id, part]).fetchall()]


def test_committed_part_is_the_ledger_schedule_of_past_awards(forecast_conn):
    conn, _ = forecast_conn
    # P1 (1000亩, completed 2024): 1,000,000 in 3 parts: 333,333.33 (2024), 333,333.33 (2025), 333,333.34 (2026);
    # only the 2026 instalment falls in the forecast years. No split named: region pays (catalogue default).
    assert amounts(conn, "NMG2024-10", "committed") == [(2026, "region", "150000", "333333.34")]


def test_forecast_part_is_new_take_up_through_the_same_rules(forecast_conn):
    conn, _ = forecast_conn
    # One projected 1000-mu alfalfa project a year (median): 2026 award paid 2026/27/28, 2027 award 2027/28, …
    assert amounts(conn, "NMG2024-10", "forecast") == [
        (2026, "region", "150000", "333333.33"),
        (2027, "region", "150000", "666666.66"),
        (2028, "region", "150000", "1000000.00"),  # 333,333.34 + 333,333.33 + 333,333.33
    ]
    # Raw milk 1,000 t (2025) -> 1,100 t (2026) -> 1,210 t (2027): increases of 100 t and 110 t at 200元, paid the
    # next year, region and city 50% each (the city of 准格尔旗 150622 is Ordos 150600). The 2028 increase is paid
    # in 2029, outside the forecast years.
    assert amounts(conn, "NMG2024-11A", "forecast") == [
        (2027, "city", "150600", "10000.00"), (2027, "region", "150000", "10000.00"),
        (2028, "city", "150600", "11000.00"), (2028, "region", "150000", "11000.00"),
    ]


def test_intervals_come_from_the_driver_quantiles(forecast_conn):
    conn, _ = forecast_conn
    # 2 projects a year at the 90% quantile, 3 at 97.5%, none at 2.5%.
    assert amounts(conn, "NMG2024-10", "forecast", "amount_p90") == [
        (2026, "region", "150000", "666666.66"), (2027, "region", "150000", "1333333.32"),
        (2028, "region", "150000", "2000000.00")]
    assert amounts(conn, "NMG2024-10", "forecast", "amount_p975")[0] == (2026, "region", "150000", "999999.99")
    assert amounts(conn, "NMG2024-10", "forecast", "amount_p025") == []
    # Committed payments are known: every quantile column holds them.
    assert amounts(conn, "NMG2024-10", "committed", "amount_p025") == [(2026, "region", "150000", "333333.34")]


def test_levels_and_regions_add_up(forecast_conn):
    conn, _ = forecast_conn
    assert forecast.reconciliation_failures(conn) == []
    by_level = dict(((y, lvl), str(v)) for y, lvl, v in conn.execute(
        "SELECT payment_year, paying_level, total_p50_yuan FROM forecast.by_year_level").fetchall())
    # 2027: region 333,333.33 (2026 project, 2nd part) + 333,333.33 (2027 project) + 10,000 (milk); city 10,000.
    assert by_level[(2027, "region")] == "676666.66"
    assert by_level[(2027, "city")] == "10000.00"
    # A broken mart is caught.
    conn.execute("UPDATE forecast.by_year_level SET total_p50_yuan = total_p50_yuan + 0.01 "
                 "WHERE payment_year = 2027 AND paying_level = 'city'")
    assert any("2027 city" in f for f in forecast.reconciliation_failures(conn))


def test_rules_contribute_only_within_their_validity(forecast_conn):
    conn, cat = forecast_conn
    # Without the renewal assumption NMG2024 (valid 2024) books no new take-up at all.
    lapsed = ForecastConfig(renewed_documents={})
    history, fits = driver_tables()
    forecast.project_forecast(conn, cat, lapsed, forecast.window_for(AS_OF, lapsed), history, fits, "t2",
                              log=lambda _: None)
    assert conn.execute("SELECT count(*) FROM forecast.liabilities WHERE part = 'forecast'").fetchone()[0] == 0
    assert amounts(conn, "NMG2024-10", "committed") == [(2026, "region", "150000", "333333.34")]


def write_scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_scenario_difference_by_hand(forecast_conn):
    conn, cat = forecast_conn
    path = Path(__file__).parent.parent / "seeds" / "scenarios" / "milk_increase_150.yaml"
    table = scenarios.run_all(conn, cat, CFG, forecast.window_for(AS_OF, CFG), "test-run", [path], log=lambda _: None)
    got = {(r["payment_year"], r["paying_level"]): (str(r["baseline_yuan"]), str(r["scenario_yuan"]),
                                                    str(r["delta_yuan"]))
           for r in table.filter(pl.col("rule_id") == "NMG2024-11A").iter_rows(named=True)}
    # 150元/t, region 60% / city 40%: 2027 100 t -> 15,000 = 9,000 + 6,000; 2028 110 t -> 16,500 = 9,900 + 6,600.
    assert got == {(2027, "region"): ("10000.00", "9000.00", "-1000.00"),
                   (2027, "city"): ("10000.00", "6000.00", "-4000.00"),
                   (2028, "region"): ("11000.00", "9900.00", "-1100.00"),
                   (2028, "city"): ("11000.00", "6600.00", "-4400.00")}
    by_level = {(y, lvl): str(d) for _, y, lvl, d in conn.execute(
        "SELECT scenario, payment_year, paying_level, delta_yuan FROM scenarios.by_year_level").fetchall()}
    assert by_level[(2028, "city")] == "-4400.00" and by_level[(2026, "region")] == "0.00"


def test_scenario_switch_off_and_validity_end(forecast_conn, tmp_path):
    conn, cat = forecast_conn
    path = write_scenario(tmp_path, "scenario: t\nchanges:\n  NMG2024-10: {valid.to: 2026-12-31}\n"
                                    "  NMG2024-11A: {switch_off: true}\n")
    table = scenarios.run_all(conn, cat, CFG, forecast.window_for(AS_OF, CFG), "t", [path], log=lambda _: None)
    deltas = {(r["rule_id"], r["payment_year"]): str(r["delta_yuan"]) for r in table.iter_rows(named=True)}
    # Only the 2026 alfalfa award remains: its 2027 and 2028 parts stay, the 2027 and 2028 awards go.
    assert deltas[("NMG2024-10", 2026)] == "0.00"
    assert deltas[("NMG2024-10", 2027)] == "-333333.33"
    assert deltas[("NMG2024-10", 2028)] == "-666666.66"
    assert deltas[("NMG2024-11A", 2028)] == "-11000.00"


@pytest.mark.parametrize(("text", "message"), [
    ("scenario: t\nchanges:\n  NMG2024-999: {amount: '1'}\n", "规则 NMG2024-999 不在目录中"),
    ("scenario: t\nchanges:\n  NMG2024-11A: {rate: 150}\n", "未知参数 'rate'"),
    ("scenario: t\nchanges:\n  NMG2024-11A: {shares: {region: 0.6, city: 0.3}}\n", "各级分担比例之和为 0.9"),
    ("scenario: t\nchanges:\n  NMG2024-11A: {amount: 'DROP TABLE x'}\n", "NMG2024-11A"),
    ("scenario: t\nchanges:\n  NMG2024-10: {tiers.brackets.0.amount: 5}\n", "该条目没有 'tiers'"),
    ("changes: {}\n", "需要 'scenario'"),
])
def test_bad_scenarios_are_refused_with_the_reason(tmp_path, text, message):
    cat = catalogue.load()
    path = write_scenario(tmp_path, text)
    with pytest.raises(scenarios.ScenarioError, match=message.replace("(", r"\(")):
        scenarios.apply(cat, scenarios.load(path, cat))


def test_explain_prints_clause_inputs_share_and_schedule(forecast_conn):
    conn, _ = forecast_conn
    text = explain.ledger_row(conn, "NMG2024-10", "P1")
    assert "分3年共给予每亩1000元补贴" in text and "area_mu = 1000" in text
    assert "instalments 1:1:1" in text and "paid 2026: region 150000" in text and "333333.34" in text
    text = explain.forecast_row(conn, "NMG2024-11A", 2027, level="city")
    assert "每增加1吨补贴200元" in text and "forecast  city    150600: p50 10000.00" in text
    assert "raw_milk_processed_t: 2025: 1,000 → 2026: 1,100" in text and "假定每年续发" in text
    with pytest.raises(explain.NotFound, match="no forecast row for rule NMG2024-11A in 2031"):
        explain.forecast_row(conn, "NMG2024-11A", 2031)


def test_the_totals_bands_with_and_without_the_renewal(forecast_conn):
    conn, _ = forecast_conn
    rows = {(v, y): (str(c), str(p50), lo, hi) for v, y, c, p50, lo, hi in conn.execute(
        """SELECT variant, payment_year, committed_yuan, total_p50_yuan, band_p10_yuan, band_p90_yuan
           FROM forecast.bands WHERE scope = 'total'""").fetchall()}
    # the median total is the engine's: 2027 region 676,666.66 + city 10,000.00 (test above)
    assert rows[("with_renewal", 2027)][1] == "686666.66"
    for (_, _year), (_, p50, lo, hi) in rows.items():
        assert lo <= Decimal(p50) <= hi
    # without the renewal the NMG2024 rules (valid 2024) book no new take-up: only the committed instalment is left
    assert rows[("without_renewal", 2026)][:2] == ("333333.34", "333333.34")
    assert rows[("without_renewal", 2027)][1] == "0.00"
