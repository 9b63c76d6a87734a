"""Reference point for the benchmark: the catalogue's enterprise rules evaluated row by row in plain Python (the
naive, spreadsheet-minded approach), against the set-based SQL engine on the same registry and the same rules.
Both totals per paying level must agree to the fen; the times give the speed-up.

    python bench/reference_python.py bench/out/100000/data/warehouse/warehouse.duckdb

Scope: the costed enterprise rules (yearly metrics; formulas, tiers, caps per award and per beneficiary and year,
rounding, stacking, instalments, yearly and monthly schedules, shares of the award or of a base, earlier cohorts).
Not covered: caps.per_beneficiary over a rule's life (no enterprise rule has one).
Project and talent rules are left to the SQL engine only.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from dagster_project import catalogue, projection
from dagster_project.catalogue import Catalogue, Rule

LEVELS = ("central", "region", "city", "banner")
OPEN_END = date(2099, 12, 31)


def evaluate(node: exp.Expression, row: dict):  # noqa: C901 - one branch per whitelisted node (formulas.py)
    """A whitelisted catalogue expression on one row, with SQL's NULL rules, in exact decimals."""
    ev = lambda n: evaluate(n, row)  # noqa: E731
    if isinstance(node, exp.Paren):
        return ev(node.this)
    if isinstance(node, exp.Column):
        return row.get(node.name)
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else Decimal(node.this)
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Neg):
        v = ev(node.this)
        return None if v is None else -v
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul)):
        a, b = ev(node.left), ev(node.right)
        if a is None or b is None:
            return None
        return a + b if isinstance(node, exp.Add) else a - b if isinstance(node, exp.Sub) else a * b
    if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
        a, b = _comparable(ev(node.left), ev(node.right))
        if a is None or b is None:
            return None
        return {exp.EQ: a == b, exp.NEQ: a != b, exp.GT: a > b, exp.GTE: a >= b, exp.LT: a < b,
                exp.LTE: a <= b}[type(node)]
    if isinstance(node, exp.And):
        a, b = ev(node.left), ev(node.right)
        return False if a is False or b is False else None if a is None or b is None else True
    if isinstance(node, exp.Or):
        a, b = ev(node.left), ev(node.right)
        return True if a is True or b is True else None if a is None or b is None else False
    if isinstance(node, exp.Not):
        v = ev(node.this)
        return None if v is None else not v
    if isinstance(node, exp.Is):
        return ev(node.this) is None  # only IS NULL passes the whitelist (IS NOT NULL is NOT (… IS NULL))
    if isinstance(node, exp.Between):
        v, lo, hi = ev(node.this), ev(node.args["low"]), ev(node.args["high"])
        if None in (v, lo, hi):
            return None
        (v, lo), (_, hi) = _comparable(v, lo), _comparable(v, hi)
        return lo <= v <= hi
    if isinstance(node, exp.In):
        v = ev(node.this)
        options = [ev(e) for e in node.expressions]
        return None if v is None else (v in options if v in options or None not in options else None)
    if isinstance(node, exp.Case):
        for branch in node.args["ifs"]:
            if ev(branch.this) is True:
                return ev(branch.args["true"])
        return ev(node.args["default"]) if node.args.get("default") else None
    if isinstance(node, exp.If):
        return ev(node.args["true"]) if ev(node.this) is True else (
            ev(node.args["false"]) if node.args.get("false") else None)
    if isinstance(node, (exp.Least, exp.Greatest)):
        values = [v for v in (ev(node.this), *(ev(e) for e in node.expressions)) if v is not None]
        return (min if isinstance(node, exp.Least) else max)(values) if values else None  # NULLs ignored
    if isinstance(node, exp.Coalesce):
        return next((v for v in (ev(node.this), *(ev(e) for e in node.expressions)) if v is not None), None)
    if isinstance(node, exp.Abs):
        v = ev(node.this)
        return None if v is None else abs(v)
    if isinstance(node, exp.Floor):
        v = ev(node.this)
        return None if v is None else Decimal(int(v // 1))
    raise ValueError(f"not a whitelisted node: {type(node).__name__}")


def _comparable(a, b):
    if isinstance(a, date) and isinstance(b, str):
        return a, date.fromisoformat(b)
    if isinstance(b, date) and isinstance(a, str):
        return date.fromisoformat(a), b
    if isinstance(a, str) and isinstance(b, Decimal):
        return Decimal(a) if a.replace(".", "", 1).isdigit() else a, b
    return a, b


def gross(rule: Rule, row: dict, parsed: dict) -> tuple[Decimal | None, str | None]:
    if not rule.tiers:
        return evaluate(parsed["amount"], row), None
    by = evaluate(parsed["by"], row)
    for tier, amount in zip(rule.tiers, parsed["tiers"], strict=True):
        if tier.equals is not None:
            hit = by is not None and str(by) == tier.equals
        else:
            hit = by is not None and (tier.min is None or by >= tier.min) and (tier.max is None or by < tier.max)
        if hit:
            return evaluate(amount, row), tier.label
    return None, None


def _half_up_fen(yuan: Decimal, step: int) -> int:
    return int((yuan * 100 / step + Decimal("0.5")).to_integral_value(rounding="ROUND_FLOOR")) * step


def level_fen(rule: Rule, amount: Decimal) -> dict[str, int]:
    """share_of base: each level's own share of the amount, half-up to the step."""
    gross = amount.quantize(Decimal("1e-10")) * (rule.expected_share or 1)
    return {lv: _half_up_fen(gross * rule.shares[lv], rule.step_fen) for lv in sorted(rule.shares, key=LEVELS.index)}


def award_fen(rule: Rule, amount: Decimal) -> int:
    """Cap per award, then half-up to the rule's step in fen, then the cap per beneficiary and year."""
    if rule.share_of == "base":
        fen = sum(level_fen(rule, amount).values())
        if rule.cap_per_award is not None:
            fen = min(fen, int(rule.cap_per_award * 100))
        if rule.cap_per_beneficiary_year is not None and rule.period_unit is None:
            fen = min(fen, int(rule.cap_per_beneficiary_year * 100))
        return fen
    gross = amount.quantize(Decimal("1e-10")) * (rule.expected_share or 1)
    capped = min(gross, rule.cap_per_award if rule.cap_per_award is not None else gross)
    fen = _half_up_fen(capped, rule.step_fen)
    if rule.cap_per_beneficiary_year is not None and rule.period_unit is None:
        fen = min(fen, int(rule.cap_per_beneficiary_year * 100))
    return fen


def payments(rule: Rule, year: int, fen: int) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    if rule.period_unit == "year":
        for k in range(rule.period_count):
            out[year + rule.lag_years + k] += fen
    elif rule.period_unit == "month":  # enterprise rules start in January
        for k in range(rule.period_count):
            out[year + rule.lag_years + k // 12] += (fen * (k + 1) // 12 - fen * k // 12
                                                     if rule.period_amount_per == "year" else fen)
    else:
        total, cum = sum(rule.instalments), 0
        for i, w in enumerate(rule.instalments):
            before = cum
            cum += w
            out[year + rule.lag_years + i] += fen * cum // total - fen * before // total
    if rule.earlier_payments == "catch_up":
        moved: dict[int, int] = defaultdict(int)
        for y, v in out.items():
            moved[max(y, rule.valid_from.year)] += v
        out = moved
    else:  # forgo: what falls due before the policy took effect is not its liability
        out = {y: v for y, v in out.items() if y >= rule.valid_from.year}
    if rule.period_unit and rule.cap_per_beneficiary_year is not None:
        out = {y: min(v, int(rule.cap_per_beneficiary_year * 100)) for y, v in out.items()}
    return out


def split(rule: Rule, fen: int, base: dict[str, int] | None = None) -> dict[str, Decimal]:
    """Levels in order central, region, city, banner; floor(amount × cumulative share) differences (share_of base:
    in proportion to each level's own rounded share)."""
    out, cum = {}, Decimal(0)
    if base:
        total, running = sum(base.values()), 0
        for level, part in base.items():
            out[level] = Decimal(fen * (running + part) // total - fen * running // total) / 100
            running += part
        return out
    for level in sorted(rule.shares, key=LEVELS.index):
        share = rule.shares[level]
        out[level] = Decimal(int((fen * (cum + share)) // 1) - int((fen * cum) // 1)) / 100
        cum += share
    return out


def _twelfths(rule: Rule) -> int:
    if rule.period_unit is None:
        return 12
    return rule.period_count if rule.period_amount_per == "year" else 12 * rule.period_count


def python_ledger(cat: Catalogue, enterprises: dict, firms: dict, by_metric: dict, parent: dict) -> dict[str, Decimal]:
    """Totals per paying level, computed row by row."""
    awards = []  # (rule, uscc, year, fen)
    for rule in cat.rules:
        parsed = {"amount": sqlglot.parse_one(rule.amount_sql, read="duckdb") if rule.amount_sql else None,
                  "by": sqlglot.parse_one(rule.tiers_by_sql, read="duckdb") if rule.tiers else None,
                  "tiers": [sqlglot.parse_one(t.amount_sql, read="duckdb") for t in rule.tiers],
                  "eligibility": sqlglot.parse_one(rule.eligibility_sql, read="duckdb")}
        first, last = (rule.cohorts_from or rule.valid_from).year, (rule.valid_to or OPEN_END).year
        metrics = {v["metric"] for v in rule.variables.values()}
        offsets = [int(v.get("year_offset", 0)) for v in rule.variables.values()]
        for uscc in set().union(*(by_metric.get(m, ()) for m in metrics)):
            ent, data = enterprises.get(uscc), firms[uscc]
            if ent is None:
                continue
            for year in sorted({y for (m, y) in data if m in metrics and first <= y <= last}):
                if not any((m, year + o) in data for m in metrics for o in range(min(offsets), max(offsets) + 1)):
                    continue
                row = {**ent, "city_code": parent[ent["region_code"]], "award_year": year}
                row |= {name: data.get((v["metric"], year + int(v.get("year_offset", 0))))
                        for name, v in rule.variables.items()}
                amount, _tier = gross(rule, row, parsed)
                if amount is None or evaluate(parsed["eligibility"], row) is not True:
                    continue
                awards.append((rule, uscc, year, award_fen(rule, amount),
                               level_fen(rule, amount) if rule.share_of == "base" else None))
    best: dict[tuple, tuple] = {}  # 就高不重复: per stacking group, firm and year the highest award is paid
    for rule, uscc, year, fen, _base in awards:
        if rule.stacking_group:  # a periodic award counts by its whole course, in twelfths
            key, worth = (rule.stacking_group, uscc, year), fen * _twelfths(rule)
            if key not in best or (-worth, rule.id) < (-best[key][1], best[key][0]):
                best[key] = (rule.id, worth)
    totals = dict.fromkeys(LEVELS, Decimal(0))
    for rule, uscc, year, fen, base in awards:
        if rule.stacking_group and best[(rule.stacking_group, uscc, year)][0] != rule.id:
            continue
        for amount in payments(rule, year, fen).values():
            if amount > 0:
                for level, yuan in split(rule, amount, base).items():
                    totals[level] += yuan
    return totals


def load(conn: duckdb.DuckDBPyConnection) -> tuple[dict, dict, dict, dict]:
    cols = [c for (c,) in conn.execute("SELECT column_name FROM (DESCRIBE registry.enterprises)").fetchall()]
    enterprises = {r[0]: dict(zip(cols, r, strict=True)) for r in conn.execute("SELECT * FROM registry.enterprises")
                   .fetchall()}
    firms: dict[str, dict] = defaultdict(dict)
    by_metric: dict[str, set] = defaultdict(set)
    for uscc, year, metric, value in conn.execute("SELECT uscc, year, metric, value FROM registry.enterprise_metrics"
                                                  ).fetchall():
        firms[uscc][(metric, year)] = value
        by_metric[metric].add(uscc)
    parent = dict(conn.execute("SELECT region_code, parent_code FROM ref.regions").fetchall())
    return enterprises, firms, by_metric, parent


def sql_ledger(conn: duckdb.DuckDBPyConnection, cat: Catalogue) -> dict[str, Decimal]:
    with projection.scratch(conn) as main:
        projection.run_engine(conn, cat, f"{main}.registry", "reference", 2026)
        return dict(conn.execute("SELECT paying_level, sum(amount_yuan) FROM ledger.liabilities GROUP BY 1")
                    .fetchall())


def main(warehouse: str) -> dict:
    full = catalogue.load()
    cat = Catalogue(full.documents, tuple(r for r in full.costed() if r.beneficiary == "enterprise"), full.version)
    conn = duckdb.connect()
    conn.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
    conn.execute("USE wh")
    t0 = time.perf_counter()
    data = load(conn)
    t1 = time.perf_counter()
    py = python_ledger(cat, *data)
    t2 = time.perf_counter()
    sql = sql_ledger(conn, cat)
    t3 = time.perf_counter()
    agree = all(py[lv] == sql.get(lv, Decimal(0)) for lv in LEVELS)
    report = {"rules": len(cat.rules), "metric_rows": sum(len(v) for v in data[1].values()),
              "load_s": t1 - t0, "python_s": t2 - t1, "sql_s": t3 - t2, "speed_up": (t2 - t1) / (t3 - t2),
              "python": {k: str(v) for k, v in py.items()}, "sql": {k: str(v) for k, v in sql.items()},
              "agree_to_the_fen": agree}
    print(f"{report['rules']} enterprise rules, {report['metric_rows']:,} metric rows: row-by-row Python "
          f"{report['python_s']:.1f}s (+{report['load_s']:.1f}s to load rows into Python), set-based SQL "
          f"{report['sql_s']:.1f}s, speed-up {report['speed_up']:.0f}x; totals agree to the fen: {agree}")
    for level in LEVELS:
        print(f"  {level:<8} python {py[level]:>20,}   sql {sql.get(level, Decimal(0)):>20,}")
    return report


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path("data/warehouse/warehouse.duckdb")))
