"""Scenarios: a YAML file that changes catalogue parameters (a rate, a cap, a share, a validity end, a rule
switched off), run through the same projection and ledger SQL as the forecast, compared with the baseline.

A scenario changes new awards of the forecast years (forecast.path_lines, median path); payments already
committed were decided under the catalogue as it was and stay as they are. Only the changed rules and the
rules that share a stacking group with them are recomputed: rules interact only through stacking (就高不重复),
so the difference from the baseline is complete.

A scenario is an analyst's file: it is read by safe_yaml, its name and parameters are checked strictly
(switch_off takes true or false only, names match a pattern, two files may not share a name), and every changed
entry is re-checked by the catalogue's own parser. A scenario that fails — refused at load or failing in the
engine — fails alone: it is recorded in scenarios.definitions with status 'failed' and a Chinese message (the
scenario page shows it), and the night's ledger, dashboards and publication go on.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from . import projection, safe_yaml, yaml_format
from .catalogue import Catalogue, CatalogueError, load_defaults, parse_rule
from .forecast import PATH_LINE_KEYS, ForecastConfig, Window
from .formulas import sql_literal
from .parameters import Parameter, Value, number
from .settings import SEEDS_DIR
from .warehouse import query, run_sql, write_table

SCENARIO_DIR = SEEDS_DIR / "scenarios"
FILE_KEYS = {"scenario", "title", "description", "changes", "parameters"}
# What a scenario may change, as dotted paths into a catalogue entry (docs/forecast.md, "Scenarios").
PARAMETERS = {
    "amount": "the formula (e.g. a rate per tonne)",
    "tiers.brackets.<n>.amount": "the amount of tier bracket n (0 = the first)",
    "caps.per_award": "the cap per award, 元",
    "caps.per_beneficiary_year": "the cap per beneficiary and year, 元",
    "caps.per_beneficiary": "the cap per beneficiary over the rule's life, 元",
    "shares": "the shares by level, e.g. {region: 0.6, city: 0.4} (must sum to 1)",
    "valid.from": "the first day of validity",
    "valid.to": "the last day of validity",
    "schedule.instalments": "instalment weights, e.g. [4, 3, 3]",
    "expected_share": "the expected share of a discretionary ceiling",
    "switch_off": "true switches the rule off (YAML reads a bare key off as false, hence the longer name)",
}
PATTERN = re.compile(r"^(amount|tiers\.brackets\.\d{1,2}\.amount|caps\.per_award|caps\.per_beneficiary(?:_year)?|shares"
                     r"|valid\.from|valid\.to|schedule\.instalments|expected_share|switch_off)$")
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")  # scenario names: shown on pages, keys of scenarios.* tables
CHANGED_RULES_MAX = 200
SUCCEEDED, FAILED = "succeeded", "failed"
DEFINITION_SCHEMA = {k: pl.String for k in ("scenario", "title", "description", "file", "sha256", "changes", "run_id",
                                            "status", "message")}


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
    parameters: dict[str, Parameter] = field(default_factory=dict)  # the changed parameters, as they become


def load(path: Path, cat: Catalogue) -> Scenario:
    """A scenario file, checked (names, parameters, value types) but not yet applied; ScenarioError (Chinese)."""
    where = f"情景文件 {path.name}"
    try:
        data_bytes = safe_yaml.read_bytes(path, where)
        data = safe_yaml.parse(data_bytes, where)
    except safe_yaml.YamlRefused as exc:
        raise ScenarioError(str(exc)) from exc
    if not isinstance(data, dict) or set(data) - FILE_KEYS or "scenario" not in data \
            or not {"changes", "parameters"} & set(data):
        raise ScenarioError(f"{where}：需要 'scenario'（名称），以及 'changes' 或 'parameters'；允许的键："
                            f"{sorted(FILE_KEYS)}")
    name = data["scenario"]
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ScenarioError(f"{where}：scenario 名称 {str(name)[:80]!r} 不合法：小写字母开头，只用小写字母、数字和"
                            "下划线，最多 64 个字符（如 milk_increase_150）")
    for key in ("title", "description"):
        if not isinstance(data.get(key, ""), str):
            raise ScenarioError(f"{where}：{key} 应为文本")
    changes = data.get("changes") or {}
    if not isinstance(changes, dict) or len(changes) > CHANGED_RULES_MAX or not (changes or data.get("parameters")):
        raise ScenarioError(f"{where}：'changes' 应把规则编号对应到 {{参数: 新值}}（最多 {CHANGED_RULES_MAX} 条规则），"
                            "'parameters' 应把目录参数名对应到新值；两者至少给出一个")
    for rule_id, change in changes.items():
        _check_change(where, cat, rule_id, change)
    params = _changed_parameters(where, cat, data.get("parameters") or {})
    yaml_format.check("scenario", data, where, ScenarioError)  # the declared format, after the checks above
    return Scenario(name, str(data.get("title") or name), str(data.get("description", "")), path,
                    hashlib.sha256(data_bytes).hexdigest(), changes, params)


def _changed_parameters(where: str, cat: Catalogue, spec: Any) -> dict[str, Parameter]:
    """`parameters: {name: value}` sets every value of a catalogue parameter; `{name: [{from, value}]}` adds
    dated values (null ends the measure from that day)."""
    if not isinstance(spec, dict) or len(spec) > CHANGED_RULES_MAX:
        raise ScenarioError(f"{where}：'parameters' 应为 参数名: 新值 的键值对（最多 {CHANGED_RULES_MAX} 个）")
    out = {}
    for name, value in spec.items():
        if name not in cat.parameters:
            raise ScenarioError(f"{where}：参数 {str(name)[:80]!r} 不在目录中（目录参数见 catalogue.parameters）")
        param = cat.parameters[name]
        if isinstance(value, list):
            out[name] = param.extended([_dated(where, name, i, v) for i, v in enumerate(value)])
        elif (new := number(value)) is not None:
            out[name] = param.replaced(new)
        else:
            raise ScenarioError(f"{where}：参数 {name}：{str(value)[:40]!r} 应为非负数字，"
                                "或 [{from: 日期, value: 数字或 null}] 的列表")
    return out


def _dated(where: str, name: str, i: int, raw: Any) -> Value:
    at = f"{where}：参数 {name}：第 {i + 1} 个取值"
    if not isinstance(raw, dict) or not {"from", "value"} <= set(raw) <= {"from", "value", "citation"}:
        raise ScenarioError(f"{at} 应为 {{from: YYYY-MM-DD, value: 数字或 null}}（citation 可选）")
    try:
        start = raw["from"] if isinstance(raw["from"], date) else date.fromisoformat(str(raw["from"]))
    except ValueError:
        raise ScenarioError(f"{at}：from {str(raw['from'])[:40]!r} 不是日期（YYYY-MM-DD）") from None
    value = None if raw["value"] is None else number(raw["value"])
    if raw["value"] is not None and value is None:
        raise ScenarioError(f"{at}：value {str(raw['value'])[:40]!r} 应为非负数字或 null")
    citation = raw.get("citation") if isinstance(raw.get("citation"), dict) else {}
    return Value(start, value, {"document": "", "item": "", "lines": [0, 0], "quote": f"情景 {where}"} | citation)


def _check_change(where: str, cat: Catalogue, rule_id: Any, change: Any) -> None:
    if rule_id not in {r.id for r in cat.rules}:
        raise ScenarioError(f"{where}：规则 {str(rule_id)[:80]} 不在目录中")
    if rule_id not in {r.id for r in cat.costed()}:
        raise ScenarioError(f"{where}：规则 {rule_id} 不计算（status not_costable），没有可改的参数")
    if not isinstance(change, dict) or not change:
        raise ScenarioError(f"{where}：规则 {rule_id}：应写成 {{参数: 新值}}")
    for param in change:
        if not isinstance(param, str) or not PATTERN.match(param):
            raise ScenarioError(f"{where}：规则 {rule_id}：未知参数 {str(param)[:80]!r}；允许："
                                + "；".join(f"{k}（{v}）" for k, v in PARAMETERS.items()))
    if "switch_off" in change:
        if not isinstance(change["switch_off"], bool):
            raise ScenarioError(f"{where}：规则 {rule_id}：参数 'switch_off' 只能是 true 或 false，而不是 "
                                f"{change['switch_off']!r}（1、\"true\"、yes 这类写法不被接受）")
        if change["switch_off"] and len(change) > 1:
            raise ScenarioError(f"{where}：规则 {rule_id}：switch_off: true 停用该规则，不能同时修改其他参数")


def _set(raw: dict[str, Any], param: str, value: Any, where: str) -> None:
    node: Any = raw
    parts = param.split(".")
    for part in parts[:-1]:
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"{where}：参数 {param!r}：该条目没有第 {part} 项")
            node = node[int(part)]
        elif isinstance(node, dict):
            if node.get(part) is None:
                if parts[0] not in ("caps", "valid", "schedule"):
                    raise ScenarioError(f"{where}：参数 {param!r}：该条目没有 {part!r}")
                node[part] = {}
            node = node[part]
        else:
            raise ScenarioError(f"{where}：参数 {param!r}：该条目的 {part!r} 不是可修改的结构")
    if not isinstance(node, dict):
        raise ScenarioError(f"{where}：参数 {param!r}：该条目的结构不支持这项修改")
    node[parts[-1]] = value


def apply(cat: Catalogue, sc: Scenario) -> tuple[Catalogue, set[str]]:
    """The catalogue with the scenario's changes, every changed entry re-checked by the catalogue's own parser;
    and the ids whose valid.to the scenario sets (they lapse then, even if their document is assumed renewed)."""
    defaults, docs = load_defaults(), {d["document"]: d for d in cat.documents}
    params = cat.parameters | sc.parameters
    rules = []
    for rule in cat.rules:
        change = sc.changes.get(rule.id)
        if change is None and rule.id not in _using(cat, sc):
            rules.append(rule)
            continue
        if (change or {}).get("switch_off") is True:
            continue
        raw, where = copy.deepcopy(rule.raw), f"情景文件 {sc.path.name}：规则 {rule.id}"
        for param, value in (change or {}).items():
            if param != "switch_off":
                _set(raw, param, value, where)
        try:
            rules.append(parse_rule(raw, docs[rule.document], defaults, f"情景文件 {sc.path.name}", params,
                                    cat.periods.get(rule.document)))
        except CatalogueError as exc:
            raise ScenarioError(str(exc)) from exc
    ends = {rid for rid, ch in sc.changes.items() if "valid.to" in ch}
    # a dated null ends the measure: like valid.to, it holds even where the document is assumed renewed
    ends |= {r.id for r in cat.costed() for name, _ in r.parameters
             if name in sc.parameters and _nulls(sc.parameters[name]) - _nulls(cat.parameters[name])}
    changed = Catalogue(cat.documents, tuple(rules), f"{cat.version}+{sc.sha256[:8]}", params)
    return changed, ends


def _nulls(p: Parameter) -> set[date]:
    return {v.start for v in p.values if v.value is None}


def _using(cat: Catalogue, sc: Scenario) -> set[str]:
    """The costed rules that use a parameter the scenario changes."""
    return {r.id for r in cat.costed() for name, _ in r.parameters if name in sc.parameters}


def affected(cat: Catalogue, changed: Catalogue, sc: Scenario) -> set[str]:
    """The changed rules and every rule in a stacking group with one of them (before or after the change)."""
    ids = set(sc.changes) | _using(cat, sc)
    groups = {r.stacking_group for c in (cat, changed) for r in c.rules if r.id in ids and r.stacking_group}
    return ids | {r.id for c in (cat, changed) for r in c.rules if r.stacking_group in groups}


def median_drivers(conn: duckdb.DuckDBPyConnection, win: Window) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The median driver path and the template year's driver values, read once for all scenarios."""
    return (query(conn, "SELECT * FROM forecast.driver_forecasts WHERE quantile = 0.5"),
            query(conn, f"SELECT * FROM forecast.driver_history WHERE year = {win.last_complete}"))


def run_scenario(conn: duckdb.DuckDBPyConnection, cat: Catalogue, cfg: ForecastConfig, win: Window, sc: Scenario,
                 run_id: str, median: tuple[pl.DataFrame, pl.DataFrame]) -> pl.DataFrame:
    """Per payment year, level, paying region and rule: baseline and scenario new take-up (median path)."""
    changed, ends = apply(cat, sc)
    ids = affected(cat, changed, sc)
    subset = dataclasses.replace(changed, rules=tuple(r for r in changed.rules if r.id in ids))
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
    id_list = ", ".join(sql_literal(i) for i in sorted(ids))
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
    """Every scenario file (seeds/scenarios/*.yaml unless given) into scenarios.definitions (with each one's status
    and message), scenarios.rule_deltas and scenarios.by_year_level. A failing scenario fails alone."""
    paths = sorted(SCENARIO_DIR.glob("*.yaml")) if paths is None else paths
    loaded = [_load_or_failure(path, cat) for path in paths]
    defs, deltas = [], []
    median = median_drivers(conn, win)
    for path, sc, failure in _without_duplicates(loaded):
        if sc is not None and not failure:
            try:
                rows = run_scenario(conn, cat, cfg, win, sc, run_id, median)
                deltas.append(rows)
                log(f"情景 {sc.name}：与基准相差 {rows['delta_yuan'].sum():,} 元（{win.years[0]}–{win.years[-1]}）")
            except Exception as exc:  # noqa: BLE001 - a what-if never stops the night; the message says what failed
                failure = _run_failure(path, exc)
        if failure:
            log(f"情景文件 {path.name}：计算失败，未计入结果：{failure}")
        defs.append(_definition(path, sc, failure, run_id))
    write_table(conn, "scenarios.definitions", pl.DataFrame(defs, schema=DEFINITION_SCHEMA))
    empty = pl.DataFrame(schema={"scenario": pl.String, **{k: pl.String for k in PATH_LINE_KEYS},
                                 "payment_year": pl.Int64, "split_specified": pl.Boolean,
                                 "baseline_yuan": pl.Decimal(18, 2), "scenario_yuan": pl.Decimal(18, 2),
                                 "delta_yuan": pl.Decimal(18, 2)})
    table = pl.concat([empty, *[d.select(empty.columns) for d in deltas]], how="vertical_relaxed")
    write_table(conn, "scenarios.rule_deltas", table)
    run_sql(conn, "scenario_by_year_level")
    return table


def check_files(cat: Catalogue, paths: list[Path] | None = None) -> list[tuple[Path, str]]:
    """Each scenario file with '' or why it fails at load (the nightly's checks, without computing anything)."""
    paths = sorted(SCENARIO_DIR.glob("*.yaml")) if paths is None else paths
    return [(path, failure) for path, _, failure in _without_duplicates([_load_or_failure(p, cat) for p in paths])]


def _load_or_failure(path: Path, cat: Catalogue) -> tuple[Path, Scenario | None, str]:
    try:
        sc = load(path, cat)
        apply(cat, sc)  # every changed entry re-checked before any engine work
        return path, sc, ""
    except ScenarioError as exc:
        return path, None, str(exc)


def _without_duplicates(loaded: list[tuple[Path, Scenario | None, str]]) -> list[tuple[Path, Scenario | None, str]]:
    """Two files with the same scenario name would be summed under it: both fail, each naming the other."""
    files: dict[str, list[str]] = {}
    for path, sc, _ in loaded:
        if sc is not None:
            files.setdefault(sc.name, []).append(path.name)
    out = []
    for path, sc, failure in loaded:
        others = [f for f in files.get(sc.name, []) if f != path.name] if sc is not None else []
        if others:
            failure = (f"情景文件 {path.name}：情景名称 {sc.name} 与 {', '.join(others)} 重复；两个文件都未计算，"
                       "请改名")
        out.append((path, sc, failure))
    return out


def _run_failure(path: Path, exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0][:400] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, ScenarioError | CatalogueError) or text.startswith(("情景文件", "seeds/", "账本步骤")):
        return text
    return f"情景文件 {path.name}：计算时出错（{type(exc).__name__}）：{text}"


def _definition(path: Path, sc: Scenario | None, failure: str, run_id: str) -> dict[str, str]:
    return {"scenario": sc.name if sc else path.stem, "title": sc.title if sc else path.stem,
            "description": sc.description if sc else "", "file": path.name,
            "sha256": sc.sha256 if sc else _sha256(path),
            "changes": _changes_json(sc) if sc else "",
            "run_id": run_id, "status": FAILED if failure else SUCCEEDED, "message": failure}


def _changes_json(sc: Scenario) -> str:
    """The rule changes, and the changed parameters' dated values under "parameters"."""
    params = {n: [[str(v.start), v.value] for v in p.values] for n, p in sc.parameters.items()}
    return json.dumps({**sc.changes, **({"parameters": params} if params else {})}, ensure_ascii=False, default=str)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(safe_yaml.read_bytes(path)).hexdigest()
    except safe_yaml.YamlRefused:
        return ""
