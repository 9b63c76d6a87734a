"""Our rule engine beside OpenFisca-core on seven equal enterprise rules and equal inputs, end to end (issue 21).

    bash bench/openfisca/setup.sh        # once: OpenFisca-core in bench/out/openfisca-venv (never a project dependency)
    .venv/bin/python bench/openfisca_compare.py bench/out/1000000/data/warehouse/warehouse.duckdb --rounds 2
    # other copies of our engine beside this one (e.g. HEAD against work in progress), inputs already exported:
    .venv/bin/python bench/openfisca_compare.py --skip-export --engine head=/tmp/head --engine wip=/tmp/wip

1. Export (this venv, not timed): from the warehouse, opened read-only, the enterprises (the columns the rules read)
   and their metric rows for the metrics the seven rules read, to Parquet as the registry tables hold them (money
   as DECIMAL(20,4)), and the same rows from those Parquet files to one .npz for OpenFisca (values as float64, firms
   as row numbers), plus the regions table.
2. Our side, in a fresh process: the seven rules through dagster_project.ledger (write_catalogue + build_ledger on a
   catalogue restricted to them), from the Parquet files to the per-firm, per-level amounts in memory.
3. OpenFisca, in a fresh process of the throwaway venv (bench/openfisca/run.py), in float64 and in OpenFisca's own
   float32: from the .npz to the per-firm, per-level amounts in memory.
4. A markdown report: times (each part's and the end to end's minimum over all runs; every side runs --runs times
   in one process, --rounds times in turn), the exactness table (firms whose OpenFisca award differs by 1 fen or more
   from our exact one; OpenFisca float64 rounded half-up to the fen against ours) and the profile of our side (each
   part's minimum of three runs). Outputs under --out (default bench/out/openfisca, git-ignored).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / "bench" / "out" / "openfisca-venv" / "bin" / "python"
RUNNER = ROOT / "bench" / "openfisca" / "run.py"
RUN_ID = "openfisca-compare"
AS_OF_YEAR = 2026
FEN = Decimal("0.01")
# the rules and what each one exercises; bench/openfisca/system.py writes the same rules as OpenFisca variables
RULES = {
    "NMG2024-11A": "per-unit rate on an increase (200 元/吨), region/city 50/50",
    "ORD2024-2-5-03D": "share (20%) of last year's R&D spending, capped at 500万 per award",
    "ORD2024-2-7-02": "tiers 5/7/10 元/吨 by quantity, capped at 500万 per firm and year",
    "NMG-AGPROC-01A": "eligibility on industry, registration date and revenue; 2% of a loan, capped",
    "ORD-FTRADE-07": "eligibility on city and registration date; 50% of port fees, capped; city/banner",
    "NMG2024-85A": "multi-level cost share: central 45% and region 30% of a premium, each rounded on its own",
    "ORD-BULK-05A": "tiers of fixed amounts (100万/300万/1000万) by import value; city/banner",
}
LEVELS = ("central", "region", "city", "banner")


# --- 1. export -----------------------------------------------------------------------------------------------

def restricted_catalogue():
    """The shipped catalogue with only the seven rules (documents and parameters as they are)."""
    from dagster_project import catalogue

    cat = catalogue.load()
    return dataclasses.replace(cat, rules=tuple(cat.rule(r) for r in RULES))


def export_inputs(db: Path, out: Path) -> dict:
    """enterprises.parquet, enterprise_metrics.parquet, regions.parquet and openfisca_inputs.npz in `out`."""
    import duckdb
    import numpy as np

    from dagster_project.ledger import OPEN_END

    cat = restricted_catalogue()
    metrics = sorted({v["metric"] for r in cat.rules for v in r.variables.values()})
    offsets = [int(v.get("year_offset", 0)) for r in cat.rules for v in r.variables.values()]
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(db), read_only=True) as conn:
        last = conn.execute("SELECT max(year) FROM registry.enterprise_metrics WHERE list_contains(?, metric)",
                            [metrics]).fetchone()[0]
        first_award = min(r.valid_from.year for r in cat.rules)
        last_award = min(max((r.valid_to or OPEN_END).year for r in cat.rules), last)
        years = (first_award + min(offsets), last_award + max(offsets))
        conn.execute(f"""COPY (SELECT uscc, region_code, industry_code, registered_on FROM registry.enterprises
                              ORDER BY uscc) TO '{out / "enterprises.parquet"}' (FORMAT parquet)""")
        conn.execute(f"""COPY (SELECT uscc, year, metric, value FROM registry.enterprise_metrics
                              WHERE list_contains(?, metric) AND year BETWEEN {years[0]} AND {years[1]}
                              ORDER BY metric, year, uscc)
                         TO '{out / "enterprise_metrics.parquet"}' (FORMAT parquet)""", [metrics])
        conn.execute(f"COPY (SELECT * FROM ref.regions) TO '{out / 'regions.parquet'}' (FORMAT parquet)")
    with duckdb.connect() as conn:  # the .npz from the very Parquet files our side reads
        files = {name: str(out / f"{name}.parquet") for name in ("enterprises", "enterprise_metrics", "regions")}
        ent = conn.execute(f"""SELECT uscc, COALESCE(region_code, '') AS region_code,
                                      COALESCE(industry_code, '') AS industry_code,
                                      COALESCE(datediff('day', DATE '1970-01-01', registered_on), -9223372036854775808)
                                          AS registered_days
                               FROM read_parquet('{files["enterprises"]}') ORDER BY uscc""").fetchnumpy()
        rows = conn.execute(f"""WITH e AS (SELECT uscc, (row_number() OVER (ORDER BY uscc)) - 1 AS firm
                                           FROM read_parquet('{files["enterprises"]}'))
                                SELECT e.firm, m.year, list_position(?, m.metric) - 1 AS metric,
                                       CAST(m.value AS DOUBLE) AS value
                                FROM read_parquet('{files["enterprise_metrics"]}') AS m JOIN e USING (uscc)
                                WHERE m.value IS NOT NULL""", [metrics]).fetchnumpy()
        regions = conn.execute(f"SELECT region_code, COALESCE(parent_code, '') AS parent_code "
                               f"FROM read_parquet('{files['regions']}')").fetchnumpy()
    np.savez(out / "openfisca_inputs.npz", uscc=ent["uscc"].astype(str), region_code=ent["region_code"].astype(str),
             industry_code=ent["industry_code"].astype(str),
             registered_on=ent["registered_days"].astype(np.int64).view("datetime64[D]"),
             regions_code=regions["region_code"].astype(str), regions_parent=regions["parent_code"].astype(str),
             metric_names=np.array(metrics), m_firm=rows["firm"].astype(np.int32),
             m_year=rows["year"].astype(np.int16), m_metric=rows["metric"].astype(np.int16),
             m_value=rows["value"].astype(np.float64), award_years=np.arange(first_award, last_award + 1))
    info = {"enterprises": len(ent["uscc"]), "metric_rows": len(rows["firm"]), "metrics": len(metrics),
            "years": years, "award_years": (first_award, last_award), "export_s": time.perf_counter() - started,
            "warehouse": str(db)}
    (out / "export.json").write_text(json.dumps(info), encoding="utf-8")
    return info


# --- 2. our side ---------------------------------------------------------------------------------------------

def load_inputs(conn, inputs: Path, as_views: bool = False) -> None:
    """registry.enterprises, registry.enterprise_metrics and ref.regions from the exported Parquet files."""
    from dagster_project.warehouse import ensure_schemas

    ensure_schemas(conn)
    kind = "VIEW" if as_views else "TABLE"
    for table, name in (("registry.enterprises", "enterprises"), ("registry.enterprise_metrics", "enterprise_metrics"),
                        ("ref.regions", "regions")):
        conn.execute(f"CREATE {kind} {table} AS SELECT * FROM read_parquet('{inputs / (name + '.parquet')}')")


def read_results(conn) -> tuple:
    """Per firm, rule and award year: the award; and per paying level, its amount (fen), as polars frames."""
    awards = conn.execute("""SELECT rule_id, object_id, award_year, award_fen FROM ledger.awards
                             WHERE award_fen > 0""").pl()
    levels = conn.execute("""SELECT rule_id, object_id, award_year, paying_level,
                                    CAST(sum(amount_yuan) * 100 AS BIGINT) AS fen
                             FROM ledger.liabilities GROUP BY ALL""").pl()
    return awards, levels


def ours_once(inputs: Path, cat) -> tuple[dict, object]:
    import duckdb

    from dagster_project.ledger import build_ledger, write_catalogue

    t0 = time.perf_counter()
    conn = duckdb.connect()
    load_inputs(conn, inputs)
    t1 = time.perf_counter()
    write_catalogue(conn, cat, RUN_ID)
    t2 = time.perf_counter()
    build_ledger(conn, cat, RUN_ID, AS_OF_YEAR)
    t3 = time.perf_counter()
    read_results(conn)
    t4 = time.perf_counter()
    return {"read_s": t1 - t0, "rules_s": t2 - t1, "compute_s": t3 - t2, "collect_s": t4 - t3, "e2e_s": t4 - t0}, conn


class _Timer:
    def __init__(self) -> None:
        self.parts: dict[str, float] = defaultdict(float)

    def wrap(self, fn, key):
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.parts[key(*args)] += time.perf_counter() - t
        return timed


def profile_ours(inputs: Path, cat) -> tuple[dict[str, float], dict[str, int]]:
    """Our end to end in its parts: each input table, write_catalogue's tables and the rest of it, each rule's
    candidate query and the bound check, each transform, reading the results. Mirrors ledger.build_candidates and
    build_ledger step by step (checked: the same awards as the timed runs)."""
    import duckdb

    from dagster_project import ledger
    from dagster_project.formulas import sql_literal
    from dagster_project.warehouse import run_sql, write_table

    timer, parts = _Timer(), {}
    conn = duckdb.connect()
    t = time.perf_counter()
    load_inputs(conn, inputs)
    parts["load: Parquet -> registry tables"] = time.perf_counter() - t
    saved = ledger.write_table, ledger.run_sql
    ledger.write_table = timer.wrap(write_table, lambda conn, table, frame: f"write_catalogue: {table}")
    ledger.run_sql = timer.wrap(run_sql, lambda conn, name, **kw: f"write_catalogue: sql/{name}.sql")
    try:
        t = time.perf_counter()
        ledger.write_catalogue(conn, cat, RUN_ID)
        whole = time.perf_counter() - t
    finally:
        ledger.write_table, ledger.run_sql = saved
    parts |= dict(timer.parts)
    parts["write_catalogue: building the frames (Python, polars)"] = whole - sum(timer.parts.values())
    t = time.perf_counter()
    run_sql(conn, "award_candidates_table")
    for rule in cat.costed():
        t = time.perf_counter()
        conn.execute(f"INSERT INTO ledger.award_candidates BY NAME ({ledger.candidates_sql(rule)})")
        parts[f"candidates: {rule.id}"] = time.perf_counter() - t
    t = time.perf_counter()
    ledger._check_award_bounds(conn, cat)
    parts["candidates: bound check"] = time.perf_counter() - t
    for name in ledger.TRANSFORMS:
        t = time.perf_counter()
        run_sql(conn, name, run_id=sql_literal(RUN_ID), catalogue_version=sql_literal(cat.version),
                as_of_year=str(AS_OF_YEAR))
        parts[f"transform: sql/{name}.sql"] = time.perf_counter() - t
    t = time.perf_counter()
    read_results(conn)
    parts["read results (awards, levels) -> polars"] = time.perf_counter() - t
    rows = dict(zip(("candidates", "awards", "payments", "liabilities"), conn.execute(
        """SELECT (SELECT count(*) FROM ledger.award_candidates), (SELECT count(*) FROM ledger.awards),
                  (SELECT count(*) FROM ledger.payments), (SELECT count(*) FROM ledger.liabilities)""").fetchone(),
        strict=True))
    conn.close()
    return parts, rows


def experiments(inputs: Path, cat) -> dict[str, tuple[float, float]]:
    """Engine changes tried on the bench only (dagster_project/ and sql/ untouched), each timed on its own."""
    import duckdb

    from dagster_project import ledger
    from dagster_project.formulas import sql_identifier, sql_literal
    from dagster_project.warehouse import run_sql

    def candidates(conn, no_inputs: bool) -> float:
        run_sql(conn, "award_candidates_table")
        t = time.perf_counter()
        for rule in cat.costed():
            sql = ledger.candidates_sql(rule)
            if no_inputs:  # the inputs JSON built as ledger.candidates_sql does, then left out
                names = sorted(set(rule.variables) | set(rule.inputs))
                pairs = ", ".join(f"{sql_literal(n)}, {sql_identifier(n)}" for n in names)
                sql = sql.replace(f"json_object({pairs}) AS inputs", "CAST(NULL AS JSON) AS inputs")
            conn.execute(f"INSERT INTO ledger.award_candidates BY NAME ({sql})")
        return time.perf_counter() - t

    out = {}
    for label, views, no_inputs in (("as shipped: registry tables loaded from Parquet", False, False),
                                    ("the same without the inputs JSON of each candidate", False, True),
                                    ("registry as views over the Parquet files (nothing loaded)", True, False)):
        best = (float("inf"), float("inf"))
        for _ in range(3):
            conn = duckdb.connect()
            t = time.perf_counter()
            load_inputs(conn, inputs, as_views=views)
            load = time.perf_counter() - t
            ledger.write_catalogue(conn, cat, RUN_ID)
            run = (load, candidates(conn, no_inputs))
            best = min(best, run, key=sum)
            conn.close()
        out[label] = best
    return out


def ours_main(inputs: Path, runs: int, label: str, profile: bool) -> None:
    """Our side in this (fresh) process: --runs timed runs, then the last run's results and the profile."""
    started = time.perf_counter()
    import duckdb  # noqa: F401
    import polars  # noqa: F401

    from dagster_project import ledger  # noqa: F401
    imports = time.perf_counter() - started
    t = time.perf_counter()
    cat = restricted_catalogue()
    catalogue_s = time.perf_counter() - t
    timings, conn = [], None
    for _ in range(runs):
        if conn is not None:
            conn.close()
        timing, conn = ours_once(inputs, cat)
        timings.append(timing)
    # for the comparison (not timed): the exact gross amounts beside the awards
    conn.execute(f"""COPY (SELECT rule_id, object_id, award_year, CAST(gross_yuan AS VARCHAR) AS gross_yuan,
                                  award_fen, outcome FROM ledger.awards) TO '{result_file(inputs, label, "awards")}'""")
    conn.execute(f"""COPY (SELECT rule_id, object_id, award_year, paying_level,
                                  CAST(sum(amount_yuan) * 100 AS BIGINT) AS fen
                           FROM ledger.liabilities GROUP BY ALL) TO '{result_file(inputs, label, "levels")}'""")
    conn.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    from dagster_project.settings import REPO_ROOT

    report = {"side": f"ours ({label})", "label": label, "engine": str(REPO_ROOT), "duckdb": duckdb_version(),
              "import_s": imports, "catalogue_load_s": catalogue_s, "runs": timings, "peak_rss_gib": peak}
    if profile:  # each part's minimum over three profiled runs
        runs3 = [profile_ours(inputs, cat) for _ in range(3)]
        report["profile"] = {k: min(p[k] for p, _ in runs3) for k in runs3[0][0]}
        report["rows"] = runs3[0][1]
        report["experiments"] = experiments(inputs, cat)
    print(json.dumps(report))


def result_file(folder: Path, label: str, kind: str) -> Path:
    return folder / f"ours_{''.join(c if c.isalnum() else '_' for c in label)}_{kind}.parquet"


def duckdb_version() -> str:
    import duckdb

    return duckdb.__version__


# --- 3. runs and comparison ------------------------------------------------------------------------------------

def run_json(cmd: list[str]) -> dict:
    done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def half_up(value: Decimal) -> int:
    """Fen, half-up (as sql/awards.sql rounds)."""
    return int((value / FEN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compare(out: Path, dtypes: list[str], label: str) -> dict[str, dict]:
    """Per rule: our awards, and for each OpenFisca dtype the firms whose award differs by >= 1 fen from ours,
    the largest error against our exact (unrounded, capped) amount, the firms paid by one side only, the level
    amounts off by >= 1 fen and the error of the total; for float64 also whether rounding half-up gives ours."""
    import numpy as np
    import polars as pl

    cat = restricted_catalogue()
    uscc = np.load(out / "openfisca_inputs.npz")["uscc"]
    awards = pl.read_parquet(result_file(out, label, "awards"))
    levels = pl.read_parquet(result_file(out, label, "levels"))
    table: dict[str, dict] = {}
    for rule_id in RULES:
        rule = cat.rule(rule_id)
        caps = [c for c in (rule.cap_per_award, rule.cap_per_beneficiary_year) if c]
        base = rule.share_of == "base"
        ours_award, exact, ours_level = {}, {}, defaultdict(int)
        for obj, year, gross, fen in awards.filter(pl.col("rule_id") == rule_id).select(
                "object_id", "award_year", "gross_yuan", "award_fen").iter_rows():
            gross = Decimal(gross)
            exact[(obj, year)] = gross * sum(rule.shares.values()) if base else min([gross, *caps])
            ours_award[(obj, year)] = fen
        for obj, year, level, fen in levels.filter(pl.col("rule_id") == rule_id).select(
                "object_id", "award_year", "paying_level", "fen").iter_rows():
            ours_level[(obj, year, level)] += fen
        row = {"feature": RULES[rule_id], "awards": sum(1 for f in ours_award.values() if f > 0),
               "firms": len({k[0] for k, f in ours_award.items() if f > 0}),
               "total_yuan": Decimal(sum(ours_award.values())) * FEN}
        for dtype in dtypes:
            row[dtype] = _compare_dtype(out / f"openfisca_{dtype}.npz", rule_id, rule, uscc, ours_award, exact,
                                        ours_level, dtype == "float64")
        table[rule_id] = row
    return table


def _compare_dtype(path: Path, rule_id: str, rule, uscc, ours_award: dict, exact: dict, ours_level: dict,
                   check_rounding: bool) -> dict:
    import numpy as np

    npz = np.load(path)
    levels = sorted(rule.shares, key=LEVELS.index)
    theirs, theirs_level, totals = {}, {}, []
    for key in npz.files:
        rid, year, part = key.split("|")
        if rid != rule_id or part != "firm":
            continue
        firms, award = npz[key], npz[f"{rid}|{year}|award"]
        totals.append(award.sum())  # summed in the dtype, as a user of the arrays would
        for i, value in zip(firms.tolist(), award.tolist(), strict=True):
            theirs[(str(uscc[i]), int(year))] = Decimal(value)  # the float's exact binary value
        for level in levels:
            for i, value in zip(firms.tolist(), npz[f"{rid}|{year}|{level}"].tolist(), strict=True):
                theirs_level[(str(uscc[i]), int(year), level)] = Decimal(value)
    keys = set(theirs) | {k for k, f in ours_award.items() if f > 0}
    off = {k[0] for k in keys if abs(theirs.get(k, Decimal(0)) - Decimal(ours_award.get(k, 0)) * FEN) >= FEN}
    paid_differently = {k[0] for k in keys if (theirs.get(k, 0) != 0) != (ours_award.get(k, 0) > 0)}
    max_err = max((abs(theirs.get(k, Decimal(0)) - exact.get(k, Decimal(0))) for k in keys), default=Decimal(0))
    level_keys = set(theirs_level) | {k for k, f in ours_level.items() if f}
    level_off = {k[0] for k in level_keys
                 if abs(theirs_level.get(k, Decimal(0)) - Decimal(ours_level.get(k, 0)) * FEN) >= FEN}
    result = {"off_by_a_fen": len(off), "paid_differently": len(paid_differently), "max_error_yuan": max_err,
              "levels_off": len(level_off),
              "total_error_yuan": Decimal(float(sum(totals))) - sum(exact.values(), Decimal(0))}
    if check_rounding:
        result |= _rounding(rule, keys, theirs, theirs_level, ours_award, ours_level, exact, levels)
    return result


def _rounding(rule, keys, theirs, theirs_level, ours_award, ours_level, exact, levels) -> dict:
    """OpenFisca's float64, rounded half-up to the fen, against ours: the award (a rule sharing its award), or each
    level's own share of the base (share_of: base, whose award is their sum). A mismatch on an exact half-fen
    (x.xx5) is the binary float falling just below or above the tie: listed apart."""
    mismatches, ties = 0, 0
    for key in keys:
        if rule.share_of == "base":
            gross = exact.get(key, Decimal(0)) / sum(rule.shares.values())
            pairs = [(theirs_level.get((*key, lvl), Decimal(0)), ours_level.get((*key, lvl), 0),
                      gross * rule.shares[lvl]) for lvl in levels]
        else:
            pairs = [(theirs.get(key, Decimal(0)), ours_award.get(key, 0), exact.get(key, Decimal(0)))]
        for value, fen, exact_value in pairs:
            if half_up(value) != fen:
                mismatches += 1
                ties += (exact_value / FEN) % 1 == Decimal("0.5")
    return {"half_up_mismatches": mismatches, "half_up_ties": ties}


# --- 4. report -------------------------------------------------------------------------------------------------

def fastest(runs: list[dict]) -> dict[str, float]:
    return {k: min(r[k] for r in runs) for k in runs[0]}


def times_table(reports: list[dict], runs: int) -> list[str]:
    lines = ["| side | rules into the engine | load inputs | compute | per-firm amounts into memory | end to end "
             "| first run, end to end | peak RSS (GiB) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for rep in reports:
        best = fastest(rep["runs"])
        load = best["read_s"] + best.get("inputs_s", 0.0)
        lines.append(f"| {rep['side']} | {best['rules_s']:.2f} | {load:.2f} | {best['compute_s']:.2f} | "
                     f"{best['collect_s']:.2f} | **{best['e2e_s']:.2f}** | {rep['runs'][0]['e2e_s']:.2f} | "
                     f"{rep['peak_rss_gib']:.2f} |")
    lines.append(f"\nSeconds, minimum of {runs} runs per column (so the parts need not add up to the end to end); "
                 "the first run of a fresh process also pays one-off costs (lazy imports, first queries).")
    return lines


def exactness_table(table: dict[str, dict], dtypes: list[str]) -> list[str]:
    head = "| rule | what it exercises | awards (firms) | total (元) |"
    rule_line = "|---|---|---:|---:|"
    for dtype in dtypes:
        head += f" {dtype}: firms ≥ 1 分 off | {dtype}: paid by one side only | {dtype}: max error (元) |" \
                f" {dtype}: level amounts ≥ 1 分 off (firms) | {dtype}: total − exact total (元) |"
        rule_line += "---:|---:|---:|---:|---:|"
        if dtype == "float64":
            head += " float64 half-up ≠ ours (of which ties) |"
            rule_line += "---:|"
    lines = [head, rule_line]
    for rule_id, row in table.items():
        cells = [rule_id, row["feature"], f"{row['awards']:,} ({row['firms']:,})", f"{row['total_yuan']:,.2f}"]
        for dtype in dtypes:
            d = row[dtype]
            cells += [f"{d['off_by_a_fen']:,}", f"{d['paid_differently']:,}", f"{d['max_error_yuan']:.2g}",
                      f"{d['levels_off']:,}", f"{d['total_error_yuan']:+.2g}"]
            if dtype == "float64":
                cells.append(f"{d['half_up_mismatches']:,} ({d['half_up_ties']:,})")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def profile_table(ours: dict) -> list[str]:
    parts = ours["profile"]
    total = sum(parts.values())
    lines = ["| part of our end to end | seconds | share |", "|---|---:|---:|"]
    lines += [f"| {k} | {v:.3f} | {v / total:.0%} |" for k, v in parts.items()]
    lines.append(f"| **sum** | **{total:.3f}** | |")
    lines += ["", f"Rows: {', '.join(f'{k} {v:,}' for k, v in ours['rows'].items())}.", "",
              "| experiment: load + the seven candidate queries (best of 3) | load | candidates | sum |",
              "|---|---:|---:|---:|"]
    lines += [f"| {k} | {load:.3f} | {cand:.3f} | {load + cand:.3f} |"
              for k, (load, cand) in ours["experiments"].items()]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", type=Path, nargs="?", help="warehouse (opened read-only)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "openfisca",
                        help="folder for the inputs and results (default bench/out/openfisca)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per process (default 5)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every side this many times, in turn, in fresh processes (default 1)")
    parser.add_argument("--skip-export", action="store_true", help="reuse the inputs already in --out")
    parser.add_argument("--engine", action="append", metavar="LABEL=FOLDER",
                        help="our engine from another copy of the repository (its dagster_project/, sql/ and seeds/, "
                             "e.g. `git archive HEAD dagster_project sql seeds | tar -x -C FOLDER`); repeatable; "
                             "default: this working tree. The first one's results go into the exactness table")
    parser.add_argument("--ours", type=Path, help=argparse.SUPPRESS)  # internal: our side in a fresh process
    parser.add_argument("--label", default="working tree", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours:
        ours_main(args.ours, args.runs, args.label, args.profile)
        return
    out = args.out
    info = json.loads((out / "export.json").read_text()) if args.skip_export else export_inputs(args.db, out)
    print(f"inputs: {info['enterprises']:,} enterprises and {info['metric_rows']:,} metric rows ({info['metrics']} "
          f"metrics, years {info['years'][0]}-{info['years'][1]}; award years {info['award_years'][0]}-"
          f"{info['award_years'][1]}) from {info['warehouse']}, exported in {info['export_s']:.1f}s to {out}",
          flush=True)
    engines = [e.split("=", 1) for e in args.engine] if args.engine else [("working tree", str(ROOT))]
    dtypes = ["float64", "float32"] if VENV_PYTHON.exists() else []
    if not dtypes:
        print(f"no {VENV_PYTHON}: run bench/openfisca/setup.sh for the OpenFisca side", file=sys.stderr)
    load = [os.getloadavg()[0]]
    reports: list[dict] = []
    for round_no in range(args.rounds):  # every side once per round, so a change of machine load hits all sides
        done = [run_ours(out, label, Path(folder), args.runs, profile=round_no == 0) for label, folder in engines]
        done += [run_json([str(VENV_PYTHON), str(RUNNER), str(out / "openfisca_inputs.npz"), "--dtype", dtype,
                           "--runs", str(args.runs), "--out", str(out / f"openfisca_{dtype}.npz")]) for dtype in dtypes]
        reports = done if round_no == 0 else [merge(r, d) for r, d in zip(reports, done, strict=True)]
        load.append(os.getloadavg()[0])
    ours = reports[0]
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, DuckDB "
          f"{ours['duckdb']}" + "".join(f", OpenFisca-core {r['openfisca_core']} (numpy {r['numpy']})"
                                        for r in reports[len(engines):len(engines) + 1])
          + f"; load average (1 min) {', '.join(f'{x:.1f}' for x in load)} before and after each round")
    print("engines: " + "; ".join(f"{r['label']} = {r['engine']}" for r in reports[:len(engines)]) + "\n")
    print("\n".join(times_table(reports, args.runs * args.rounds)))
    print("\nNot in the end to end: imports (" + ", ".join(f"{r['side']} {r['import_s']:.2f}s" for r in reports)
          + "), loading the whole YAML catalogue (" + ", ".join(f"{r['side']} {r['catalogue_load_s']:.2f}s"
                                                                for r in reports[:len(engines)]) + ").\n")
    for other in reports[1:len(engines)]:
        same = all(pl_equal(result_file(out, ours["label"], kind), result_file(out, other["label"], kind))
                   for kind in ("awards", "levels"))
        print(f"{other['side']}: awards and level amounts {'identical to' if same else 'DIFFERENT from'} "
              f"{ours['side']}\n")
    if dtypes:
        print("\n".join(exactness_table(compare(out, dtypes, ours["label"]), dtypes)))
    for rep in reports[:len(engines)]:
        print(f"\nProfile of {rep['side']} (three more runs, their parts timed one by one; each part's minimum):\n")
        print("\n".join(profile_table(rep)))


def merge(first: dict, later: dict) -> dict:
    """A side's report over several rounds: all runs (each round's first run is a process's first run too)."""
    return {**first, "runs": first["runs"] + later["runs"], "peak_rss_gib": max(first["peak_rss_gib"],
                                                                                later["peak_rss_gib"])}


def run_ours(out: Path, label: str, folder: Path, runs: int, profile: bool) -> dict:
    """Our side in a fresh process whose dagster_project (and so sql/, seeds/) is the one in `folder`."""
    env = {**os.environ, "PYTHONPATH": str(folder)}  # ahead of the editable install of this working tree
    done = subprocess.run([sys.executable, __file__, "--ours", str(out), "--label", label, "--runs", str(runs)]
                          + ["--profile"] * profile, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def pl_equal(a: Path, b: Path) -> bool:
    import polars as pl

    left, right = pl.read_parquet(a), pl.read_parquet(b)
    return left.sort(left.columns).equals(right.sort(right.columns))


if __name__ == "__main__":
    main()
