"""Intervals for totals: joint sample paths of the drivers, derived from the engine's quantile paths.

The engine runs five quantile paths (every driver at its own 2.5/10/50/90/97.5% quantile). For one rule, whose
new take-up moves with its own driver, that path gives the rule's marginal quantiles exactly. A total over many
rules is not the sum of its rules' quantiles unless every driver moves together, so the totals' bands come from
joint sample paths instead (docs/forecast.md, "Intervals"):

1. each rule gets its primary driver (the metric of its first variable, the project type or talent category its
   eligibility names, or the kind as a whole when it names none);
2. drivers are correlated as their yearly growth was in the history (log growth, correlation shrunk halfway to
   the average pairwise correlation and made positive definite); a Gaussian copula draws N joint quantile levels;
3. each ledger line of each rule is read off its five engine quantiles at its driver's level (piecewise linear in
   normal scores, extended linearly beyond 2.5/97.5%, never below zero): a derived path, not an engine pass;
4. a total's band is the sample quantile of (committed + the sum of the derived lines); its median stays the
   engine's 50% path, which is exact and adds up across regions and levels.

Assumed: a driver sits at the same quantile in every forecast year (a path, not yearly noise), and a rule's cost
rises with its own driver only; rules of one driver move together.
"""

from __future__ import annotations

from collections.abc import Iterable
from statistics import NormalDist

import numpy as np
import polars as pl
import sqlglot
from sqlglot import exp

from .catalogue import Catalogue, Rule

QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
BANDS = {"p025": 0.025, "p10": 0.1, "p90": 0.9, "p975": 0.975}
SAMPLES = 2000
SHRINK = 0.5  # weight of the average pairwise correlation in the shrunk correlation matrix
_Z = np.array([NormalDist().inv_cdf(q) for q in QUANTILES])


def primary_driver(rule: Rule) -> str:
    """'kind:key' of the driver a rule's new take-up follows (see the module docstring)."""
    if rule.beneficiary == "enterprise":
        return f"metric:{next(iter(rule.variables.values()))['metric']}"
    column = "project_type" if rule.beneficiary == "project" else "category"
    kind = "project" if rule.beneficiary == "project" else "talent"
    keys = sorted(_literals_compared_with(rule.eligibility_sql, column))
    return f"{kind}:{keys[0]}" if keys else f"{kind}:*"


def _literals_compared_with(sql: str, column: str) -> set[str]:
    tree = sqlglot.parse_one(sql, read="duckdb")
    found: set[str] = set()
    for node in [*tree.find_all(exp.EQ), *tree.find_all(exp.In)]:
        sides = [node.this, node.expression] if isinstance(node, exp.EQ) else [node.this, *node.expressions]
        if any(isinstance(s, exp.Column) and s.name == column for s in sides):
            found |= {s.this for s in sides if isinstance(s, exp.Literal) and s.is_string}
    return found


def driver_correlation(history: pl.DataFrame, drivers: list[str]) -> np.ndarray:
    """Correlation of the drivers' yearly log growth, shrunk toward the average pairwise correlation."""
    wide = _growth(history, drivers)
    if wide.shape[0] < 3 or len(drivers) < 2:
        return np.eye(len(drivers))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(wide, rowvar=False)
    corr = np.nan_to_num(np.atleast_2d(corr), nan=0.0)
    off = corr[~np.eye(len(drivers), dtype=bool)]
    mean = float(off.mean()) if off.size else 0.0
    target = np.full_like(corr, mean)
    np.fill_diagonal(target, 1.0)
    shrunk = SHRINK * target + (1 - SHRINK) * corr
    np.fill_diagonal(shrunk, 1.0)
    values, vectors = np.linalg.eigh(shrunk)  # nearest positive definite: clip the eigenvalues
    fixed = vectors @ np.diag(np.clip(values, 1e-6, None)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    return fixed / np.outer(scale, scale)


def _growth(history: pl.DataFrame, drivers: list[str]) -> np.ndarray:
    """Years × drivers of log(1 + value) differences; a pseudo-driver 'kind:*' is the kind's total."""
    keyed = history.with_columns(driver=pl.col("driver_kind") + ":" + pl.col("driver_key").fill_null("")).select(
        "driver", "year", "value")
    totals = history.group_by("driver_kind", "year").agg(pl.col("value").sum()).select(
        driver=pl.col("driver_kind") + ":*", year="year", value="value")
    series = pl.concat([keyed, totals]).filter(pl.col("driver").is_in(drivers))
    years = sorted(series["year"].unique().to_list())
    table = np.zeros((len(years), len(drivers)))
    index = {d: i for i, d in enumerate(drivers)}
    row = {y: i for i, y in enumerate(years)}
    for d, y, v in series.iter_rows():
        table[row[y], index[d]] = v
    return np.diff(np.log1p(np.maximum(table, 0.0)), axis=0)


def joint_levels(corr: np.ndarray, samples: int = SAMPLES, seed: int = 20241) -> np.ndarray:
    """samples × drivers normal scores from N(0, corr) (a fixed seed: the same night gives the same bands)."""
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(np.zeros(corr.shape[0]), corr, size=samples, method="cholesky")


def read_off(quantile_amounts: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Lines × samples: each line's amount at its normal score, from its five engine quantiles (lines × 5)."""
    out = np.empty((quantile_amounts.shape[0], z.shape[1]))
    for i, (amounts, scores) in enumerate(zip(quantile_amounts, z, strict=True)):
        lo_slope = (amounts[1] - amounts[0]) / (_Z[1] - _Z[0])
        hi_slope = (amounts[-1] - amounts[-2]) / (_Z[-1] - _Z[-2])
        inside = np.interp(scores, _Z, amounts)
        below = amounts[0] + (scores - _Z[0]) * lo_slope
        above = amounts[-1] + (scores - _Z[-1]) * hi_slope
        out[i] = np.maximum(np.where(scores < _Z[0], below, np.where(scores > _Z[-1], above, inside)), 0.0)
    return out


def sample_totals(lines: pl.DataFrame, rule_driver: dict[str, str], corr: np.ndarray, drivers: list[str],
                  groups: Iterable[str], samples: int = SAMPLES) -> pl.DataFrame:
    """For each group (columns of `lines` such as payment_year, paying_level), the derived new take-up per sample.

    `lines`: quantile, rule_id, amount_yuan and the group columns (forecast.path_lines). Returns the group columns
    plus `sample` and `amount` (yuan, float: the band is an estimate; the median stays the exact engine path)."""
    groups = list(groups)
    wide = (lines.with_columns(pl.col("amount_yuan").cast(pl.Float64), pl.col("quantile").cast(pl.Float64))
            .pivot(on="quantile", index=["rule_id", *groups], values="amount_yuan", aggregate_function="sum")
            .fill_null(0.0))
    columns = [c for q in QUANTILES for c in wide.columns if c not in ("rule_id", *groups) and float(c) == q]
    for q in QUANTILES:  # a quantile path with no line for this group is zero there
        if not any(float(c) == q for c in columns):
            wide = wide.with_columns(pl.lit(0.0).alias(str(q)))
            columns.append(str(q))
    columns.sort(key=float)
    z_all = joint_levels(corr, samples)
    index = {d: i for i, d in enumerate(drivers)}
    z = z_all[:, [index[rule_driver[r]] for r in wide["rule_id"]]].T  # lines × samples
    derived = read_off(wide.select(columns).to_numpy(), z)
    keys = wide.select(groups)
    frame = pl.DataFrame(derived, schema=[f"s{i}" for i in range(samples)])
    long = pl.concat([keys, frame], how="horizontal").group_by(groups).agg(pl.all().sum())
    return long.unpivot(index=groups, variable_name="sample", value_name="amount").with_columns(
        [pl.col(g).cast(lines.schema[g]) for g in groups])


def bands(committed: pl.DataFrame, take_up: pl.DataFrame, median: pl.DataFrame, groups: list[str]) -> pl.DataFrame:
    """Per group: the engine median (exact) and the sample quantiles of committed + derived take-up."""
    total = take_up.join(committed, on=groups, how="full", coalesce=True).with_columns(
        total=pl.col("amount").fill_null(0.0) + pl.col("committed").fill_null(0.0).cast(pl.Float64))
    quantiles = total.group_by(groups).agg(
        **{name: pl.col("total").quantile(q, interpolation="linear") for name, q in BANDS.items()})
    out = median.join(quantiles, on=groups, how="left")
    money = [pl.col(n).round(2).cast(pl.Decimal(18, 2)).alias(f"band_{n}_yuan") for n in BANDS]
    return out.with_columns(money).drop(list(BANDS)).sort(groups)


def rule_drivers(cat: Catalogue, rule_ids: Iterable[str]) -> dict[str, str]:
    return {r: primary_driver(cat.rule(r)) for r in rule_ids}


SCOPES = {"total": ["payment_year"], "level": ["payment_year", "paying_level"],
          "region": ["payment_year", "paying_level", "paying_region_code"]}
BUDGET_KINDS = ("spending", "programme")


def forecast_bands(committed: pl.DataFrame, lines: pl.DataFrame, history: pl.DataFrame, cat: Catalogue,
                   years: list[int]) -> pl.DataFrame:
    """forecast.bands for one variant: per scope (total, level, region) and payment year, committed, the exact
    median and the joint-sample bands. `committed`: forecast.liabilities' committed part (budget kinds);
    `lines`: forecast.path_lines of the window's payment years (budget kinds); every year of `years` has a total,
    zero where nothing is owed."""
    rule_driver = rule_drivers(cat, lines["rule_id"].unique().to_list())
    drivers = sorted(set(rule_driver.values()))
    corr = driver_correlation(history, drivers)
    frames = []
    for scope, groups in SCOPES.items():
        done = committed.group_by(groups).agg(committed=pl.col("amount").sum())
        if scope == "total":
            done = pl.DataFrame({"payment_year": years}, schema={"payment_year": committed.schema["payment_year"]}
                                ).join(done, on="payment_year", how="left")
        median = (lines.filter(pl.col("quantile") == 0.5).group_by(groups).agg(forecast_p50=pl.col("amount_yuan").sum())
                  .join(done, on=groups, how="full", coalesce=True).with_columns(
                      pl.col("committed", "forecast_p50").fill_null(0).cast(pl.Decimal(18, 2)))
                  .with_columns(total_p50=(pl.col("committed") + pl.col("forecast_p50")).cast(pl.Decimal(18, 2))))
        take_up = sample_totals(lines, rule_driver, corr, drivers, groups) if drivers else \
            pl.DataFrame(schema={**{g: lines.schema[g] for g in groups}, "sample": pl.String, "amount": pl.Float64})
        out = bands(done, take_up, median, groups).rename(
            {"committed": "committed_yuan", "forecast_p50": "forecast_p50_yuan", "total_p50": "total_p50_yuan"})
        frames.append(out.with_columns(scope=pl.lit(scope)))
    return pl.concat(frames, how="diagonal_relaxed").with_columns(
        pl.col("paying_level", "paying_region_code").cast(pl.String)).select(
        "scope", "payment_year", "paying_level", "paying_region_code", "committed_yuan", "forecast_p50_yuan",
        "total_p50_yuan", *[f"band_{n}_yuan" for n in BANDS])
