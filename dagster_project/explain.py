"""Why a ledger or forecast row holds its amount: the clause quoted, the formula, the inputs, the tier or cap that
applied, the shares and the payment schedule — read from the warehouse (the catalogue as it was for that run).

    python -m dagster_project explain ledger NMG2024-11A 91150602MA0000000X [--year 2024]
    python -m dagster_project explain forecast NMG2024-11A 2027 [--level city] [--region 150600]
"""

from __future__ import annotations

import json
import re

import duckdb


class NotFound(LookupError):
    """The row asked for is not in the warehouse; the message says what was looked for."""


def _one(conn: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict:
    cur = conn.execute(sql, params)
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else {}


def _all(conn: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def clause(conn: duckdb.DuckDBPyConnection, rule_id: str) -> list[str]:
    """The clause, formula, caps, shares and schedule of one rule, as catalogued for the run."""
    r = _one(conn, "SELECT * FROM catalogue.rules WHERE rule_id = ?", [rule_id])
    if not r:
        raise NotFound(f"rule {rule_id} is not in catalogue.rules")
    out = [f"rule {rule_id} — {r['title']}",
           f"  clause: {r['document']} item {r['item']}, lines {r['line_first']}-{r['line_last']}:",
           f"    「{r['quote']}」",
           f"  beneficiary: {r['beneficiary']} (trigger {r['trigger']}); kind {r['kind']}, basis {r['basis']}"
           + (f", expected share {r['expected_share']}" if r["expected_share"] is not None else ""),
           f"  eligibility: {r['eligibility_sql']}"]
    if r["amount_sql"]:
        out.append(f"  formula: {r['amount_sql']}")
    tiers = _all(conn, "SELECT * FROM catalogue.rule_tiers WHERE rule_id = ? ORDER BY min NULLS FIRST, equals",
                 [rule_id])
    if tiers:
        out.append(f"  tiers by {r['tiers_by_sql']}:")
        out += [f"    {t['label']}: " + (f"= {t['equals']}" if t["equals"] is not None else
                                         f"[{t['min'] if t['min'] is not None else '-∞'}, "
                                         f"{t['max'] if t['max'] is not None else '∞'})") + f" → {t['amount_sql']}"
                for t in tiers]
    caps = [f"per award {r['cap_per_award']}" if r["cap_per_award"] is not None else "",
            f"per beneficiary and year {r['cap_per_beneficiary_year']}" if r["cap_per_beneficiary_year"] else "",
            f"per beneficiary over the rule's life {r['cap_per_beneficiary']}" if r["cap_per_beneficiary"] else ""]
    out.append("  caps: " + (", ".join(c for c in caps if c) or "none") + f"; rounding step {r['step_fen']} fen")
    shares = _all(conn, "SELECT level, share FROM catalogue.rule_shares WHERE rule_id = ? ORDER BY cum_share",
                  [rule_id])
    out.append("  shares: " + ", ".join(f"{s['level']} {s['share']}" for s in shares)
               + ("" if r["split_specified"] else " (split not stated in the text: catalogue default)")
               + (" of the base, each level rounded on its own" if r["share_of"] == "base" else ""))
    if r["period_unit"]:
        sched = f"every {r['period_unit']}, {r['period_count']} times" + (
            " (a yearly amount, 1/12 a month)" if r["period_amount_per"] == "year" else "")
    else:
        weights = [w["weight"] for w in _all(conn, "SELECT weight FROM catalogue.rule_instalments WHERE rule_id = ? "
                                              "ORDER BY instalment_no", [rule_id])]
        sched = f"instalments {':'.join(map(str, weights))}"
    out.append(f"  schedule: {sched}, starting {r['lag_years']} year(s) after the award year"
               + (", stops on departure" if r["stop_on_departure"] else ""))
    out.append(f"  valid: {r['valid_from']} to {r['valid_to'] or 'open'}; stacking group {r['stacking_group'] or '-'}")
    if r["cohorts_from"] != r["valid_from"]:
        out.append(f"  earlier cohorts from {r['cohorts_from']}: payments due before {r['valid_from']} "
                   + ("paid then" if r["earlier_payments"] == "catch_up" else "not this policy's"))
    if r["assumption"]:
        out.append(f"  assumption: {r['assumption']}")
    return out


def ledger_row(conn: duckdb.DuckDBPyConnection, rule_id: str, object_id: str, award_year: int | None = None) -> str:
    awards = _all(conn, "SELECT * FROM ledger.awards WHERE rule_id = ? AND (object_id = ? OR beneficiary_id = ?) "
                        "AND (? IS NULL OR award_year = ?) ORDER BY award_year, object_id",
                  [rule_id, object_id, object_id, award_year, award_year])
    if not awards:
        raise NotFound(f"no award of rule {rule_id} to {object_id}"
                       + (f" in {award_year}" if award_year else "") + " in ledger.awards")
    out = clause(conn, rule_id)
    for a in awards:
        inputs = json.loads(a["inputs"]) if a["inputs"] else {}
        out += ["", f"award {a['award_year']} to {a['beneficiary_kind']} {a['beneficiary_id']} "
                    f"(object {a['object_id']}, region {a['region_code']})",
                "  inputs: " + (", ".join(f"{k} = {v}" for k, v in inputs.items()) or "none"),
                f"  tier: {a['tier'] or '-'}; gross {a['gross_yuan']} 元 → after the per-award cap "
                f"{a['after_award_cap_yuan']} → award {a['award_yuan']} 元; outcome {a['outcome']}"]
        lines = _all(conn, "SELECT payment_year, paying_level, paying_region_code, share, amount_yuan, timing "
                           "FROM ledger.liabilities WHERE rule_id = ? AND object_id = ? AND award_year = ? "
                           "ORDER BY payment_year, share", [rule_id, a["object_id"], a["award_year"]])
        out += [f"  paid {x['payment_year']}: {x['paying_level']} {x['paying_region_code']} "
                f"(share {x['share']}) {x['amount_yuan']} 元 [{x['timing']}]" for x in lines]
    return "\n".join(out)


def _drivers(conn: duckdb.DuckDBPyConnection, rule: dict) -> list[tuple[str, str]]:
    """The forecast drivers a rule consumes: its metrics, or the talent categories / project types it names."""
    definition = json.loads(rule["definition"])
    if rule["beneficiary"] == "enterprise":
        return sorted({("metric", v["metric"]) for v in (definition.get("variables") or {}).values()})
    kind = {"talent": "talent", "project": "project"}.get(rule["beneficiary"])
    keys = [k for (k,) in conn.execute("SELECT DISTINCT driver_key FROM forecast.driver_history "
                                       "WHERE driver_kind = ?", [kind]).fetchall()]
    named = set(re.findall(r"'([^']+)'", json.dumps(definition, ensure_ascii=False)))
    return [(kind, k) for k in sorted(keys) if k in named] or [(kind, k) for k in sorted(keys)]


def forecast_row(conn: duckdb.DuckDBPyConnection, rule_id: str, payment_year: int, level: str | None = None,
                 region: str | None = None) -> str:
    rows = _all(conn, "SELECT part, paying_level, paying_region_code, amount_p025, amount_p10, amount_p50, "
                      "amount_p90, amount_p975, cases_p50 FROM forecast.liabilities WHERE rule_id = ? "
                      "AND payment_year = ? AND (? IS NULL OR paying_level = ?) "
                      "AND (? IS NULL OR paying_region_code = ?) "
                      "ORDER BY part, paying_level, paying_region_code",
                  [rule_id, payment_year, level, level, region, region])
    if not rows:
        raise NotFound(f"no forecast row for rule {rule_id} in {payment_year}"
                       + (f", level {level}" if level else "") + (f", region {region}" if region else ""))
    rule = _one(conn, "SELECT * FROM catalogue.rules WHERE rule_id = ?", [rule_id])
    out = clause(conn, rule_id) + ["", f"forecast for payment year {payment_year} (元; p50 = point forecast, "
                                       "p10–p90 = 80% interval, p2.5–p97.5 = 95% interval):"]
    out += [f"  {x['part']:<9} {x['paying_level']:<7} {x['paying_region_code']}: p50 {x['amount_p50']}  "
            f"80% [{x['amount_p10']}, {x['amount_p90']}]  95% [{x['amount_p025']}, {x['amount_p975']}]"
            + (f"  ({x['cases_p50']} projected cases)" if x["cases_p50"] is not None else "") for x in rows]
    if any(x["part"] == "committed" for x in rows):
        out.append("  committed = payments of awards already in the ledger (see `explain ledger`) or programme "
                   "budgets the text fixes by year")
    assumption = _one(conn, "SELECT assumption FROM forecast.assumptions WHERE topic = 'validity' AND subject = ?",
                      [rule["document"]])
    if assumption:
        out.append(f"  validity assumption for {rule['document']}: {assumption['assumption']}")
    drivers = _drivers(conn, rule)
    if drivers:
        out.append("drivers (history → forecast median [95% interval]; model):")
    for kind, key in drivers:
        hist = conn.execute("SELECT year, value FROM forecast.driver_history WHERE driver_kind = ? AND driver_key = ? "
                            "ORDER BY year DESC LIMIT 3", [kind, key]).fetchall()
        fc = _all(conn, "SELECT year, model, scale, quantile, target FROM forecast.driver_forecasts "
                        "WHERE driver_kind = ? AND driver_key = ? ORDER BY year, quantile", [kind, key])
        by_year: dict[int, dict[float, float]] = {}
        for f in fc:
            by_year.setdefault(f["year"], {})[f["quantile"]] = f["target"]
        past = ", ".join(f"{y}: {v:,.0f}" for y, v in sorted(hist))
        ahead = ", ".join(f"{y}: {q[0.5]:,.0f} [{q[0.025]:,.0f}, {q[0.975]:,.0f}]" for y, q in sorted(by_year.items()))
        model = f"{fc[0]['model']} on {fc[0]['scale']} scale" if fc else "not forecast"
        out.append(f"  {kind} {key}: {past} → {ahead}; {model}")
    sample = _all(conn, "SELECT object_id, award_year, inputs, tier, award_yuan FROM forecast.projected_awards "
                        "WHERE rule_id = ? ORDER BY award_yuan DESC, object_id LIMIT 3", [rule_id])
    if sample:
        out.append("largest projected awards (median path; object ids ~year.k are drawn from recent cases):")
        out += [f"  {s['object_id']} {s['award_year']}: inputs {s['inputs']}, tier {s['tier'] or '-'}, "
                f"award {s['award_yuan']} 元" for s in sample]
    return "\n".join(out)
