"""Scenarios: a YAML file that changes catalogue parameters (a rate, a cap, a share, a validity end, a rule
switched off), run through the same projection and ledger SQL as the forecast, compared with the baseline.

A scenario changes new awards of the forecast years (forecast.path_lines, median path); payments already
committed were decided under the catalogue as it was and stay as they are. Only the changed rules and the
rules that share a stacking group with them are recomputed: rules interact only through stacking (就高不重复),
so the difference from the baseline is complete.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml

from . import projection
from .catalogue import Catalogue, CatalogueError, load_defaults, parse_rule
from .forecast import PATH_LINE_KEYS, ForecastConfig, Window
from .settings import SEEDS_DIR
from .warehouse import query, run_sql, write_table

SCENARIO_DIR = SEEDS_DIR / "scenarios"
FILE_KEYS = {"scenario", "title", "description", "changes"}
# What a scenario may change, as dotted paths into a catalogue entry (docs/forecast.md, "Scenarios").
PARAMETERS = {
    "amount": "the formula (e.g. a rate per tonne)",
    "tiers.brackets.<n>.amount": "the amount of tier bracket n (0 = the first)",
    "caps.per_award": "the cap per award, 元",
    "caps.per_beneficiary_year": "the cap per beneficiary and year, 元",
    "shares": "the shares by level, e.g. {region: 0.6, city: 0.4} (must sum to 1)",
    "valid.from": "the first day of validity",
    "valid.to": "the last day of validity",
    "schedule.instalments": "instalment weights, e.g. [4, 3, 3]",
    "expected_share": "the expected share of a discretionary ceiling",
    "switch_off": "true switches the rule off (YAML reads a bare key off as false, hence the longer name)",
}
PATTERN = re.compile(r"^(amount|tiers\.brackets\.\d+\.amount|caps\.per_award|caps\.per_beneficiary_year|shares"
                     r"|valid\.from|valid\.to|schedule\.instalments|expected_share|switch_off)$")


class ScenarioError(ValueError):
    """A scenario file that names an unknown rule or parameter, or makes an entry invalid."""


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    path: Path
    sha256: str
    changes: dict[str, dict[str, Any]]


def load(path: Path, cat: Catalogue) -> Scenario:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = f"scenario {path.name}"
    if not isinstance(data, dict) or set(data) - FILE_KEYS or not {"scenario", "changes"} <= set(data):
        raise ScenarioError(f"{where}: needs 'scenario' (a name) and 'changes'; allowed keys {sorted(FILE_KEYS)}")
    if not isinstance(data["changes"], dict) or not data["changes"]:
        raise ScenarioError(f"{where}: 'changes' maps rule ids to {{parameter: value}}")
    costed = {r.id for r in cat.costed()}
    known = {r.id for r in cat.rules}
    for rule_id, change in data["changes"].items():
        if rule_id not in known:
            raise ScenarioError(f"{where}: rule {rule_id} is not in the catalogue")
        if rule_id not in costed:
            raise ScenarioError(f"{where}: rule {rule_id} is not costed (status not_costable): it has no parameter "
                                "to change")
        if not isinstance(change, dict) or not change:
            raise ScenarioError(f"{where}: rule {rule_id}: give {{parameter: value}}")
        for param in change:
            if not PATTERN.match(str(param)):
                raise ScenarioError(f"{where}: rule {rule_id}: unknown parameter {param!r}; allowed: "
                                    + "; ".join(f"{k} ({v})" for k, v in PARAMETERS.items()))
    return Scenario(str(data["scenario"]), str(data.get("title", data["scenario"])), str(data.get("description", "")),
                    path, hashlib.sha256(path.read_bytes()).hexdigest(), data["changes"])


def _set(raw: dict[str, Any], param: str, value: Any, where: str) -> None:
    node: Any = raw
    parts = param.split(".")
    for part in parts[:-1]:
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"{where}: parameter {param!r}: the entry has no item {part}")
            node = node[int(part)]
        else:
            if part not in node and parts[0] not in ("caps", "valid", "schedule"):
                raise ScenarioError(f"{where}: parameter {param!r}: the entry has no {part!r}")
            node = node.setdefault(part, {})
    node[parts[-1]] = value


def apply(cat: Catalogue, sc: Scenario) -> tuple[Catalogue, set[str]]:
    """The catalogue with the scenario's changes, every changed entry re-checked by the catalogue's own parser;
    and the ids whose valid.to the scenario sets (they lapse then, even if their document is assumed renewed)."""
    defaults, docs = load_defaults(), {d["document"]: d for d in cat.documents}
    rules = []
    for rule in cat.rules:
        change = sc.changes.get(rule.id)
        if change is None:
            rules.append(rule)
            continue
        if change.get("switch_off") is True:
            continue
        raw, where = copy.deepcopy(rule.raw), f"scenario {sc.path.name}: rule {rule.id}"
        for param, value in change.items():
            if param != "switch_off":
                _set(raw, param, value, where)
        try:
            rules.append(parse_rule(raw, docs[rule.document], defaults, f"scenario {sc.path.name}"))
        except CatalogueError as exc:
            raise ScenarioError(str(exc)) from exc
    ends = {rid for rid, ch in sc.changes.items() if "valid.to" in ch}
    return Catalogue(cat.documents, tuple(rules), f"{cat.version}+{sc.sha256[:8]}"), ends


def affected(cat: Catalogue, changed: Catalogue, sc: Scenario) -> set[str]:
    """The changed rules and every rule in a stacking group with one of them (before or after the change)."""
    groups = {r.stacking_group for c in (cat, changed) for r in c.rules if r.id in sc.changes and r.stacking_group}
    return set(sc.changes) | {r.id for c in (cat, changed) for r in c.rules if r.stacking_group in groups}


def median_drivers(conn: duckdb.DuckDBPyConnection, win: Window) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The median driver path and the template year's driver values, read once for all scenarios."""
    return (query(conn, "SELECT * FROM forecast.driver_forecasts WHERE quantile = 0.5"),
            query(conn, f"SELECT * FROM forecast.driver_history WHERE year = {win.last_complete}"))


def run_scenario(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, win: Window, sc: Scenario,
                 run_id: str, median: tuple[pl.DataFrame, pl.DataFrame]) -> pl.DataFrame:
    """Per payment year, level, paying region and rule: baseline and scenario new take-up (median path)."""
    changed, ends = apply(cat, sc)
    ids = affected(cat, changed, sc)
    subset = Catalogue(changed.documents, tuple(r for r in changed.rules if r.id in ids), changed.version)
    sub_cat = projection.with_validity(subset, win.first_day, win.last_day, keep_end=ends,
                                       renewed=set(cfg.renewed_documents))
    years = ", ".join(map(str, win.years))
    scen = pl.DataFrame()
    if sub_cat.rules:
        fits, templates = median
        with projection.scratch(conn) as main:
            projection.write_targets(conn, fits, templates)
            projection.project_registry(conn, main, "registry", win.last_complete, cfg.pool_years)
            projection.run_engine(conn, sub_cat, "projection", run_id, win.last_complete)
            scen = query(conn, f"""SELECT {', '.join(PATH_LINE_KEYS)}, sum(amount_yuan) AS scenario_yuan
                                   FROM ledger.liabilities WHERE award_year IN ({years})
                                     AND payment_year <= {win.years[-1]} GROUP BY ALL""")
    id_list = ", ".join(f"'{i}'" for i in sorted(ids))
    base = query(conn, f"""SELECT {', '.join(PATH_LINE_KEYS)}, sum(amount_yuan) AS baseline_yuan
                           FROM forecast.path_lines WHERE quantile = 0.5 AND rule_id IN ({id_list})
                             AND payment_year <= {win.years[-1]} GROUP BY ALL""")
    if scen.is_empty():
        scen = base.select(PATH_LINE_KEYS).with_columns(scenario_yuan=pl.lit(0).cast(pl.Decimal(18, 2))).clear()
    joined = base.join(scen, on=PATH_LINE_KEYS, how="full", coalesce=True, nulls_equal=True)
    money = pl.Decimal(18, 2)
    return joined.with_columns(
        pl.col("baseline_yuan").cast(money).fill_null(0), pl.col("scenario_yuan").cast(money).fill_null(0),
    ).with_columns(delta_yuan=pl.col("scenario_yuan") - pl.col("baseline_yuan"),
                   scenario=pl.lit(sc.name)).sort(PATH_LINE_KEYS)


def run_all(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, win: Window, run_id: str,
            paths: list[Path] | None = None, log: Callable[[str], None] = print) -> pl.DataFrame:
    """Every scenario file (seeds/scenarios/*.yaml unless given) into scenarios.definitions, scenarios.rule_deltas
    and scenarios.by_year_level."""
    paths = sorted(SCENARIO_DIR.glob("*.yaml")) if paths is None else paths
    defs, deltas = [], []
    median = median_drivers(conn, win)
    for path in paths:
        sc = load(path, cat)
        rows = run_scenario(conn, cat, cfg, win, sc, run_id, median)
        deltas.append(rows)
        defs.append({"scenario": sc.name, "title": sc.title, "description": sc.description, "file": path.name,
                     "sha256": sc.sha256, "changes": json.dumps(sc.changes, ensure_ascii=False, default=str),
                     "run_id": run_id})
        log(f"scenario {sc.name}: difference from the baseline {rows['delta_yuan'].sum():,} 元 "
            f"({win.years[0]}-{win.years[-1]})")
    write_table(conn, "scenarios.definitions", pl.DataFrame(defs, schema={
        k: pl.String for k in ("scenario", "title", "description", "file", "sha256", "changes", "run_id")}))
    empty = pl.DataFrame(schema={"scenario": pl.String, **{k: pl.String for k in PATH_LINE_KEYS},
                                 "payment_year": pl.Int64, "split_specified": pl.Boolean,
                                 "baseline_yuan": pl.Decimal(18, 2), "scenario_yuan": pl.Decimal(18, 2),
                                 "delta_yuan": pl.Decimal(18, 2)})
    table = pl.concat([empty, *[d.select(empty.columns) for d in deltas]], how="vertical_relaxed")
    write_table(conn, "scenarios.rule_deltas", table)
    run_sql(conn, "scenario_by_year_level")
    return table
