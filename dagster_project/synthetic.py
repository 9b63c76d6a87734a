"""Deterministic synthetic registries (no real registry data is public).

Same seed and size -> byte-identical files. Distributions are assumptions chosen to be plausible for
Inner Mongolia (see docs/data-contract.md, "Synthetic data"): enterprises spread over the 12
leagues/cities by a rough share of market entities, industries by seeds/reference/industries.csv,
registration years skewed to recent years, a few years of metric history, projects and talents.
A configurable share of rows is deliberately broken so validation and quarantine are exercised.
"""

from __future__ import annotations

import bisect
import math
import multiprocessing
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from . import reference
from .checkdigits import USCC_ALPHABET, ric_check_chars, uscc_check_chars
from .settings import SEEDS_DIR

SYNTHETIC_DIR = SEEDS_DIR / "synthetic"
EVENT_TWICE_SHARE = 0.05  # events recorded twice in a firm-year (two lists, two recognitions)
FIRST_YEAR, LAST_YEAR = 2015, 2025  # metric history; 2025 is the last complete year
# Policy window: the 2024 lists pay for 2024 facts and several documents run into 2025-2026. Rare events and
# project types get a few guaranteed Ordos cases in these years, so a policy's rules have beneficiaries in any
# registry of a realistic size (the focus is Ordos; random draws alone leave rare awards empty by chance).
POLICY_YEARS = (2024, 2025)
PROJECT_FIRST_YEAR, PROJECT_GROWTH = 2013, 1.06
XLSX_IN_BACKGROUND_ROWS = 50_000  # below this a second process costs more than it saves
XLSX_MAX_ROWS = 1_000_000  # data rows per XLSX file (a sheet holds 1,048,576 rows)
GUARANTEED_PER_YEAR = 2
ORDOS = "150600"
# Rough share of market entities per league/city (assumption for synthetic data only).
CITY_WEIGHTS = {
    "150100": 0.17, "150200": 0.15, "150300": 0.02, "150400": 0.13, "150500": 0.09, "150600": 0.14,
    "150700": 0.08, "150800": 0.06, "150900": 0.06, "152200": 0.04, "152500": 0.04, "152900": 0.02,
}
PARK_SHARE_IN_ORDOS = 0.08
CATEGORY_SHARES = {"A": 0.005, "B": 0.02, "C": 0.07, "D": 0.155, "E": 0.30, "F": 0.45}
FOREIGN_SHARE = 0.02  # high-level talents registered with a passport (outside the coverage block)
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志文斌宇浩然晨阳巴特尔乌兰其木格")


@dataclass(frozen=True)
class Sizes:
    enterprises: int

    @property
    def talents(self) -> int:
        return max(60, self.enterprises // 10)  # high-level talents and the city's other talent schemes


def _rng(seed: int, stream: str) -> np.random.Generator:
    # One independent stream per registry so adding a column to one does not reshuffle the others.
    return np.random.default_rng([seed, sum(map(ord, stream))])


def _dates(rng: np.random.Generator, n: int, start: date, end: date) -> np.ndarray:
    days = rng.integers(0, (end - start).days + 1, n)
    return np.datetime64(start) + days.astype("timedelta64[D]")


def _uscc(rng: np.random.Generator, region_codes: np.ndarray) -> np.ndarray:
    n = len(region_codes)
    head = np.array([[int(c) for c in "91" + r] for r in region_codes]) if n else np.empty((0, 8), int)
    org = rng.integers(0, len(USCC_ALPHABET), (n, 9))
    org[:, 0] = rng.integers(0, 10, n)  # organisation codes mostly start with a digit
    body = np.concatenate([head, org], axis=1)
    alphabet = np.array(list(USCC_ALPHABET))
    chars = np.concatenate([alphabet[body], uscc_check_chars(body)[:, None]], axis=1)
    return chars.view(f"<U{chars.shape[1]}").ravel() if n else np.array([], dtype="<U18")


def enterprises(seed: int, sizes: Sizes) -> pl.DataFrame:
    rng = _rng(seed, "enterprises")
    n = sizes.enterprises
    regions = reference.load("regions")
    payers = reference.payer_regions()
    cities = list(CITY_WEIGHTS)
    city = rng.choice(cities, n, p=np.array(list(CITY_WEIGHTS.values())) / sum(CITY_WEIGHTS.values()))
    region = np.empty(n, dtype="<U6")
    for c in cities:
        idx = np.flatnonzero(city == c)
        options = payers.filter(pl.col("parent_code") == c)
        codes = options["region_code"].to_numpy()
        # Districts (市辖区, codes ending 02-20) hold more firms than banners and counties.
        w = np.where((options["level"] == "park").to_numpy(), 0.0, 1.0)
        w = np.where([cd[4:] < "21" for cd in codes], 3.0, w)
        if (options["level"] == "park").any():
            parks = (options["level"] == "park").to_numpy()
            w = np.where(parks, PARK_SHARE_IN_ORDOS * w[~parks].sum() / max(parks.sum(), 1) / 0.92, w)
        region[idx] = rng.choice(codes, len(idx), p=w / w.sum())
    ind = reference.load("industries")
    weights = ind["weight_ordos"].cast(pl.Float64).to_numpy()
    industry = rng.choice(ind["industry_code"].to_numpy(), n, p=weights / weights.sum())
    reg_year = np.clip(LAST_YEAR - np.floor(rng.exponential(7.0, n)).astype(int), 1990, LAST_YEAR)
    registered = np.array([np.datetime64(f"{y}-01-01") for y in range(1990, LAST_YEAR + 1)])[reg_year - 1990]
    registered = registered + rng.integers(0, 365, n).astype("timedelta64[D]")
    ownership = rng.choice(["private", "state", "foreign", "collective"], n, p=[0.85, 0.08, 0.02, 0.05])
    # A park has no GB/T 2260 code: its firms are registered under the city's code.
    parent = dict(zip(regions["region_code"], regions["parent_code"], strict=True))
    registered_code = np.array([r if r.isdigit() else parent[r] for r in region], dtype="<U6")
    uscc = _uscc(rng, registered_code)
    names = dict(zip(regions["region_code"], regions["name_zh"], strict=True))
    ind_names = dict(zip(ind["industry_code"], ind["name_zh"], strict=True))
    return pl.DataFrame(
        {
            "uscc": uscc,
            "name": [f"{names[r][:2]}合成{i:07d}{ind_names[s][:2]}有限公司" for i, (r, s) in
                     enumerate(zip(region, industry, strict=True))],
            "region_code": region,
            "industry_code": industry,
            "registered_on": registered.astype("datetime64[D]"),
            "ownership": ownership,
        }
    ).with_columns(pl.col("registered_on").cast(pl.Date))


def _sector_mask(ent: pl.DataFrame, sector: str) -> np.ndarray:
    sectors = reference.load("industries").select("industry_code", "sector")
    return (ent.join(sectors, on="industry_code", how="left", maintain_order="left")["sector"] == sector).to_numpy()


def _yearly_series(rng: np.random.Generator, firms: np.ndarray, start_year: np.ndarray, level: np.ndarray,
                   growth: float, vol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A multiplicative random walk per firm from its first year to LAST_YEAR: (firm, year, value) per row."""
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    shocks = rng.normal(growth, vol, (len(firms), len(years)))
    path = level[:, None] * np.exp(np.cumsum(shocks, axis=1))
    alive = years[None, :] >= np.maximum(start_year, FIRST_YEAR)[:, None]
    firm_idx, year_idx = np.nonzero(alive)
    return firms[firm_idx], years[year_idx], np.round(path[firm_idx, year_idx], 2)


def _profiles(name: str) -> pl.DataFrame:
    return pl.read_csv(SYNTHETIC_DIR / f"{name}.csv", infer_schema=False)


def _num(value: str | None, default: float = 0.0) -> float:
    return float(value) if value not in (None, "") else default


# Metric rows are drawn for this many firms at a time and kept on disk as (firm, year, value) until written:
# at 5 M firms the 75 M rows held as one frame took 11.7 GiB. numpy's draws are sequential, so a slice's draws
# are those the whole draw would have given it: the rows do not depend on the slice size.
METRIC_SLICE_FIRMS = 250_000
METRIC_WRITE_ROWS = 1_000_000  # metric rows turned into text and written at a time
# Up to this many rows the metrics file is written from one frame, as before slicing (same bytes: a Parquet
# file's bytes depend on the frame's chunks); above it, in row groups of about METRIC_WRITE_ROWS (same rows).
METRIC_WHOLE_ROWS = 4_000_000
METRIC_SCHEMA = {"uscc": pl.String, "year": pl.Int32, "metric": pl.String, "value": pl.Float64, "unit": pl.String}
_ROW = np.dtype([("firm", "<i4"), ("year", "<i2"), ("value", "<f8")])


@dataclass
class _MetricRows:
    """One metric's rows in the order drawn, as (firm index, year, value) records in a file of a work folder."""

    metric: str
    unit: str
    path: Path
    rows: int = 0

    def append(self, firm: np.ndarray, year: np.ndarray, value: np.ndarray) -> None:
        block = np.empty(len(firm), _ROW)
        block["firm"], block["year"], block["value"] = firm, year, value
        with self.path.open("ab") as f:
            block.tofile(f)
        self.rows += len(block)

    def blocks(self, size: int = METRIC_WRITE_ROWS) -> Iterator[np.ndarray]:
        for start in range(0, self.rows, size):
            yield np.fromfile(self.path, _ROW, count=min(size, self.rows - start), offset=start * _ROW.itemsize)

    def frame(self, block: np.ndarray, uscc: pl.Series) -> pl.DataFrame:
        return pl.DataFrame({"uscc": uscc.gather(block["firm"]), "year": block["year"], "metric": self.metric,
                             "value": block["value"], "unit": self.unit}, schema=METRIC_SCHEMA)


def _draw_metrics(seed: int, ent: pl.DataFrame, work: Path) -> tuple[list[_MetricRows], pl.DataFrame]:
    """Yearly metrics in long form, one generator per row of seeds/synthetic/metric_profiles.csv, drawn in slices
    of firms into `work`; (every metric's rows, the guaranteed events that follow them)."""
    rng = _rng(seed, "enterprise_metrics")
    start = ent["registered_on"].dt.year().to_numpy()
    units = dict(reference.load("metrics").select("metric", "unit").iter_rows())
    made: dict[str, _MetricRows] = {}
    for p in _profiles("metric_profiles").iter_rows(named=True):
        metric = p["metric"]
        out = made[metric] = _MetricRows(metric, units[metric], work / f"{len(made):04d}.rows")
        out.path.touch()
        if p["kind"] == "derived":
            _derive(rng, made[p["derived_from"]], ent["uscc"], p, out)
            continue
        m = _sector_mask(ent, p["sector"]) & (rng.random(ent.height) < _num(p["firm_share"], 1.0))
        firms = np.flatnonzero(m)
        if p["kind"] == "event":
            _draw_events(rng, _rng(seed, f"event_count/{metric}"), firms, start, p, out)
            continue
        level = _num(p["median"]) * rng.lognormal(0.0, _num(p["sigma"], 1.0), len(firms))
        for a in range(0, len(firms), METRIC_SLICE_FIRMS):
            part = slice(a, a + METRIC_SLICE_FIRMS)
            out.append(*_yearly_series(rng, firms[part], start[firms[part]], level[part], _num(p["growth"]),
                                       _num(p["vol"], 0.2)))
    return list(made.values()), _extra_events(rng, ent, units, made)


def _draw_events(rng: np.random.Generator, twice_rng: np.random.Generator, firms: np.ndarray, start: np.ndarray,
                 p: dict, out: _MetricRows) -> None:
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    rate = _num(p.get("event_rate"), _num(p["firm_share"], 0.1))
    for a in range(0, len(firms), METRIC_SLICE_FIRMS):
        part = firms[a:a + METRIC_SLICE_FIRMS]
        hit = rng.random((len(part), len(years))) < rate
        hit &= years[None, :] >= start[part][:, None]
        f, yi = np.nonzero(hit)
        # an event metric counts events: a firm now and then makes two lists in one year (value 2), which a
        # rule must read as one award, not none; drawn from its own stream so the other draws stay as they were
        twice = twice_rng.random(len(f)) < EVENT_TWICE_SHARE
        out.append(part[f], years[yi], 1.0 + twice)


def _derive(rng: np.random.Generator, source: _MetricRows, uscc: pl.Series, p: dict, out: _MetricRows) -> None:
    """One rate per firm of the source metric, drawn in the order of the firms' USCCs (as np.unique sorts them)."""
    firm_ids = np.unique(np.concatenate([np.unique(b["firm"]) for b in source.blocks()] or [np.empty(0, "<i4")]))
    names, rank = np.unique(uscc.gather(firm_ids).to_numpy(), return_inverse=True)
    rate = rng.uniform(_num(p["rate_min"]), _num(p["rate_max"]), len(names))
    for b in source.blocks():
        out.append(b["firm"], b["year"], np.round(b["value"] * rate[rank[np.searchsorted(firm_ids, b["firm"])]], 2))


def _extra_events(rng: np.random.Generator, ent: pl.DataFrame, units: dict[str, str],
                  made: dict[str, _MetricRows]) -> pl.DataFrame:
    """The guaranteed events a generated metric does not already hold. Each generated metric has one row per firm
    and year; only the guaranteed events can repeat a key, so they alone are checked against the rows of their
    metrics (a unique() over all rows costs gigabytes)."""
    extra = _guaranteed_events(rng, ent, units).unique(["uscc", "year", "metric"], keep="first",
                                                       maintain_order=True)
    same_metric = [m for m in extra["metric"].unique(maintain_order=True) if m in made]
    if same_metric:  # their rows of the firms that hold a guaranteed event
        owners = np.flatnonzero(ent["uscc"].is_in(extra["uscc"].unique().to_list()).to_numpy())
        keys = [made[m].frame(b[np.isin(b["firm"], owners)], ent["uscc"]) for m in same_metric
                for b in made[m].blocks()]
        extra = extra.join(pl.concat([pl.DataFrame(schema=METRIC_SCHEMA), *keys]).select("uscc", "year", "metric"),
                           on=["uscc", "year", "metric"], how="anti", maintain_order="left")
    return extra


def enterprise_metrics(seed: int, ent: pl.DataFrame) -> pl.DataFrame:
    """Yearly metrics in long form as one frame (small registries; write_landing writes them in slices)."""
    with tempfile.TemporaryDirectory(prefix="nmg-metrics-") as work:
        metrics, extra = _draw_metrics(seed, ent, Path(work))
        return _metrics_frame(metrics, extra, ent["uscc"])


def _metrics_frame(metrics: list[_MetricRows], extra: pl.DataFrame, uscc: pl.Series) -> pl.DataFrame:
    """All rows as one frame of one chunk per metric, as they were made before slicing (the Parquet writer's
    bytes follow the chunks)."""
    parts = [m.frame(np.concatenate([*m.blocks(), np.empty(0, _ROW)]), uscc) for m in metrics]
    return pl.concat([*parts, extra]).with_columns(pl.col("value").cast(pl.Decimal(18, 2)))


def _ordos_owners(ent: pl.DataFrame, sector: str) -> pl.DataFrame:
    """Ordos firms of a sector (any Ordos firm if the sector has none there)."""
    parent = dict(reference.load("regions").select("region_code", "parent_code").iter_rows())
    ordos = ent.filter(pl.col("region_code").replace_strict(parent, default=None) == ORDOS)
    of_sector = ordos.filter(pl.Series(_sector_mask(ordos, sector))) if ordos.height else ordos
    return of_sector if of_sector.height else ordos


def _guaranteed_events(rng: np.random.Generator, ent: pl.DataFrame, units: dict[str, str]) -> pl.DataFrame:
    rows = []
    for p in _profiles("metric_profiles").filter(pl.col("kind") == "event").iter_rows(named=True):
        owners = _ordos_owners(ent, p["sector"])["uscc"].to_numpy()
        if not len(owners):
            continue
        for year in POLICY_YEARS:
            for u in rng.choice(owners, min(GUARANTEED_PER_YEAR, len(owners)), replace=False):
                rows.append({"uscc": u, "year": year, "metric": p["metric"], "value": 1.0, "unit": units[p["metric"]]})
    return pl.DataFrame(rows, schema={"uscc": pl.String, "year": pl.Int32, "metric": pl.String, "value": pl.Float64,
                                      "unit": pl.String})


def projects(seed: int, ent: pl.DataFrame) -> pl.DataFrame:
    """Projects per row of seeds/synthetic/project_profiles.csv, owned by firms of the type's sector."""
    rng = _rng(seed, "projects")
    units = dict(reference.load("project_types").select("project_type", "quantity_unit").iter_rows())
    frames = []
    for p in _profiles("project_profiles").iter_rows(named=True):
        ptype = p["project_type"]
        owners = ent.filter(pl.Series(_sector_mask(ent, p["sector"])))
        owners = owners.filter(pl.Series(rng.random(owners.height) < _num(p["firm_share"])))
        k = owners.height
        start = _project_starts(rng, k)
        completion = start + rng.integers(120, 900, k).astype("timedelta64[D]")
        done = completion <= np.datetime64("2026-10-31")
        equipment = np.round(rng.lognormal(math.log(_num(p["investment_median"], 1e7)), 1.1, k), 2)

        def uniform(lo: str | None, hi: str | None, k: int = k) -> np.ndarray:
            return np.round(rng.uniform(_num(lo), _num(hi), k), 0) if lo else np.full(k, np.nan)

        frames.append(pl.DataFrame({
            "project_type": [ptype] * k,
            "uscc": owners["uscc"],
            "region_code": owners["region_code"],
            "start_date": start.astype("datetime64[D]"),
            "completion_date": np.where(done, completion, np.datetime64("NaT")).astype("datetime64[D]"),
            "equipment_investment_yuan": equipment,
            "total_investment_yuan": np.round(equipment * rng.uniform(1.3, 3.0, k), 2),
            "area_mu": uniform(p["area_min"], p["area_max"]),
            "quantity": uniform(p["quantity_min"], p["quantity_max"]),
            "quantity_unit": [units.get(ptype) if p["quantity_min"] else None] * k,
        }, schema_overrides={"quantity_unit": pl.String}))
    frames.append(_guaranteed_projects(rng, ent, units))
    out = pl.concat(frames, how="vertical_relaxed").with_row_index("seq", offset=1)
    type_zh = dict(reference.load("project_types").select("project_type", "name_zh").iter_rows())
    return out.select(
        pl.format("XM{}{}", pl.col("start_date").dt.year(), pl.col("seq").cast(pl.String).str.zfill(7))
        .alias("project_id"),
        "uscc",
        (pl.col("project_type").replace_strict(type_zh) + pl.lit("（合成）")).alias("project_name"),
        "project_type", "region_code",
        pl.col("start_date").cast(pl.Date), pl.col("completion_date").cast(pl.Date),
        pl.col("equipment_investment_yuan").cast(pl.Decimal(18, 2)),
        pl.col("total_investment_yuan").cast(pl.Decimal(18, 2)),
        pl.col("area_mu").fill_nan(None).cast(pl.Decimal(18, 2)),
        pl.col("quantity").fill_nan(None).cast(pl.Decimal(18, 2)),
        "quantity_unit",
    )


def _project_starts(rng: np.random.Generator, k: int) -> np.ndarray:
    """Start dates from 2013 on, the number of starts growing PROJECT_GROWTH a year: steady investment, not a
    boom (a registry whose project count doubled every year would make every forecast explode)."""
    years = np.arange(PROJECT_FIRST_YEAR, LAST_YEAR + 1)
    weights = PROJECT_GROWTH ** (years - years[0])
    year = rng.choice(years, k, p=weights / weights.sum())
    jan1 = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return jan1 + rng.integers(0, 365, k).astype("timedelta64[D]")


def _guaranteed_projects(rng: np.random.Generator, ent: pl.DataFrame, units: dict[str, str | None]) -> pl.DataFrame:
    """Per project type, Ordos projects completed in each policy year, sizes spread over the profile's range
    (its minimum, thirds and maximum), so that every threshold a rule sets is met by some project."""
    rows = []
    for p in _profiles("project_profiles").iter_rows(named=True):
        owners = _ordos_owners(ent, p["sector"])
        if not owners.height:
            continue
        for year in POLICY_YEARS:
            for i, frac in enumerate((0.0, 0.34, 0.67, 1.0)):
                owner = owners.row(int(rng.integers(0, owners.height)), named=True)
                done = date(year, 6 + i, 15)
                equipment = round(_num(p["investment_median"], 1e7) * (0.5 + 1.5 * frac), 2)

                def span(lo: str | None, hi: str | None, frac: float = frac) -> float | None:
                    return round(_num(lo) + (_num(hi) - _num(lo)) * frac) if lo else None

                rows.append({"project_type": p["project_type"], "uscc": owner["uscc"],
                             "region_code": owner["region_code"], "start_date": done - timedelta(days=300),
                             "completion_date": done, "equipment_investment_yuan": equipment,
                             "total_investment_yuan": round(equipment * 2.5, 2),
                             "area_mu": span(p["area_min"], p["area_max"]),
                             "quantity": span(p["quantity_min"], p["quantity_max"]),
                             "quantity_unit": units.get(p["project_type"]) if p["quantity_min"] else None})
    frame = pl.DataFrame(rows, schema={"project_type": pl.String, "uscc": pl.String, "region_code": pl.String,
                                       "start_date": pl.Date, "completion_date": pl.Date,
                                       "equipment_investment_yuan": pl.Float64, "total_investment_yuan": pl.Float64,
                                       "area_mu": pl.Float64, "quantity": pl.Float64, "quantity_unit": pl.String})
    return frame


def talents(seed: int, ent: pl.DataFrame, sizes: Sizes) -> pl.DataFrame:
    """The talent registry: certified high-level talents (category A–F) across the region, plus the people the
    city of Ordos registers under its other schemes (青年人才, 预引进, 实习, 未来之星奖学金, 科技顾问), who work
    or study in Ordos and hold no category. The first rows are a fixed coverage block in Ordos (every category,
    full-time and flexible, a 市直国有 employer, a 重点企业 hire) so every ORD-TALENT rule has beneficiaries even
    in a small registry; the rest is drawn at random."""
    rng = _rng(seed, "talents")
    n = sizes.talents
    cats = list(CATEGORY_SHARES)
    schemes = ["high_level", "youth", "pre_hire", "intern_invited", "intern_enterprise", "scholarship", "consultant"]
    scheme = rng.choice(schemes, n, p=[0.6, 0.18, 0.04, 0.05, 0.06, 0.05, 0.02])
    high = scheme == "high_level"
    category = np.where(high, rng.choice(cats, n, p=list(CATEGORY_SHARES.values())), None).astype(object)
    # The city of each firm (a park's parent is its city) and the Ordos firms, central districts apart.
    parent = dict(reference.load("regions").select("region_code", "parent_code").iter_rows())
    ent_city = np.array([parent[r] for r in ent["region_code"]])
    ordos = np.flatnonzero(ent_city == "150600")
    central = np.flatnonzero(ent["region_code"].is_in(["150602", "150603", "150627"]).to_numpy())
    pick = rng.integers(0, ent.height, n)
    pick = np.where(high, pick, ordos[rng.integers(0, len(ordos), n)])  # the city's own schemes: Ordos only
    arrival = _dates(rng, n, date(2016, 1, 1), date(2026, 10, 31))
    employment = np.where(high, rng.choice(["full_time", "flexible"], n, p=[0.8, 0.2]),
                          np.where(np.isin(scheme, ["youth", "pre_hire"]), "full_time", "flexible"))
    # Coverage block: twice the same 12 slots (a bad row may hit one copy), in Ordos's central districts, still in
    # post: slots 0-5 full-time A–F at a 市直国有 employer (2024-2025), 6-9 flexible A–D, 10 a 重点企业 hire from
    # outside who reaches 3 years in 2025, 11 a 重点企业 executive on 90万 (2024-2025).
    k = min(n, 24)
    slot = np.full(n, -1)
    slot[:k] = np.arange(k) % 12
    pattern = ["A", "B", "C", "D", "E", "F", "A", "B", "C", "D", "E", "C"]
    scheme[:k] = "high_level"
    category[:k] = [pattern[i] for i in slot[:k]]
    high = scheme == "high_level"
    pick[:k] = central[rng.integers(0, len(central), k)]
    arrival[:k] = _dates(rng, k, date(2024, 1, 1), date(2025, 12, 31))
    employment[:k] = np.where((slot[:k] >= 6) & (slot[:k] <= 9), "flexible", "full_time")
    arrival[slot == 10] = np.datetime64("2022-03-15")
    employer = ent[pick]
    city = ent_city[pick]
    field = rng.choice(["science", "education_health", "management", "other"], n, p=[0.45, 0.25, 0.2, 0.1])
    degree = np.where(high, rng.choice(["doctorate", "master", "bachelor", "other"], n, p=[0.3, 0.4, 0.25, 0.05]),
                      np.where(scheme == "youth",
                               rng.choice(["doctorate", "master", "bachelor"], n, p=[0.05, 0.35, 0.6]),
                               np.where(scheme == "pre_hire", rng.choice(["doctorate", "master"], n, p=[0.35, 0.65]),
                                        rng.choice(["doctorate", "master", "bachelor"], n, p=[0.1, 0.3, 0.6]))))
    degree = np.where(scheme == "consultant", "doctorate", degree)
    title = np.where(high | (scheme == "consultant"),
                     rng.choice(["senior", "deputy_senior", "intermediate", "none"], n, p=[0.2, 0.3, 0.35, 0.15]),
                     np.where(scheme == "youth", rng.choice(["intermediate", "none"], n, p=[0.1, 0.9]), "none"))
    u = rng.random(n)
    research = np.where(field == "science", np.where(u < 0.85, "natural_science", "none"),
                        np.where(field == "education_health",
                                 np.where(u < 0.4, "natural_science", np.where(u < 0.8, "social_science", "none")),
                                 np.where(u < 0.4, "social_science", "none")))
    research = np.where(high, research, np.where(scheme == "consultant", "natural_science", "none"))
    research[slot == 1], research[np.isin(slot, [2, 4])] = "natural_science", "social_science"
    # Employer attributes: a 市直国有企事业单位 is a state-owned employer in Ordos; 重点企业 a per-firm draw.
    state = (employer["ownership"] == "state").to_numpy()
    city_state = np.where((city == "150600") & state, "yes", "no")
    city_state[(slot >= 0) & (slot <= 5)] = "yes"
    key_firm = rng.random(ent.height) < 0.15
    key_enterprise = np.where(key_firm[pick], "yes", "no")
    key_enterprise[slot >= 10], city_state[slot >= 10] = "yes", "no"
    urgent = np.where(high & np.isin(category, ["E", "F"]) & (rng.random(n) < 0.35), "yes", "no")
    urgent[np.isin(slot, [4, 5])] = "yes"
    core_post = np.where(high & (rng.random(n) < np.where(field == "management", 0.7, 0.2)), "yes", "no")
    contract_years = np.where(scheme == "consultant", 3, rng.choice([1, 2, 3, 5, 8], n, p=[0.1, 0.15, 0.35, 0.3, 0.1]))
    from_outside = np.where(np.isin(scheme, ["pre_hire", "intern_invited"]) | (rng.random(n) < 0.7), "yes", "no")
    recommended = np.where(high & (rng.random(n) < 0.12), "yes", "no")
    recommended[np.isin(slot, [0, 1])] = "yes"
    sponsorship = np.where(scheme == "pre_hire", np.round(np.where(
        degree == "doctorate", rng.uniform(40_000, 160_000, n), rng.uniform(20_000, 90_000, n)), -2), np.nan)
    months = np.where(scheme == "intern_invited", rng.choice([0.5, 1, 1.5, 2, 2.25, 3, 4], n),
                      np.where(scheme == "intern_enterprise", rng.choice([2, 3, 3.25, 4, 5, 6, 7, 9], n), np.nan))
    allowance = np.where(scheme == "intern_enterprise", np.round(rng.uniform(1500, 4200, n), -2), np.nan)
    owns_home = np.where(rng.random(n) < 0.25, "yes", "no")
    housing_benefit = np.where(rng.random(n) < 0.2, "yes", "no")
    owns_home[(slot >= 0) & (slot <= 5)], housing_benefit[(slot >= 0) & (slot <= 5)] = "no", "no"
    key_university = np.where(rng.random(n) < 0.45, "yes", "no")
    cultivated, prior_settlement, skill_grade = _talent_credentials(seed, scheme, category, employment, degree,
                                                                     city == "150600")
    # People leave: 15% of the employed; interns at the end of their internship; students and advisers stay.
    leaves = rng.random(n) < 0.15
    leaves[:k] = False
    departure = arrival + rng.integers(60, 2000, n).astype("timedelta64[D]")
    departure = np.where(leaves & (departure <= np.datetime64("2026-10-31")), departure, np.datetime64("NaT"))
    intern = np.isin(scheme, ["intern_invited", "intern_enterprise"])
    intern_end = arrival + np.nan_to_num(months * 30.4).astype(int).astype("timedelta64[D]")
    departure = np.where(intern & (intern_end <= np.datetime64("2026-10-31")), intern_end, departure)
    cat_rank = np.array([cats.index(c) if c in cats else 6 for c in category])
    age = np.where(high, rng.normal(38, 8, n) - cat_rank * 2.0 + 8,
                   np.where(scheme == "consultant", rng.normal(56, 7, n),
                            np.where(np.isin(scheme, ["youth", "pre_hire"]), rng.normal(27, 2, n),
                                     rng.normal(22, 2, n))))
    age = np.clip(age, 18, 70).astype(int)
    parents70, children3, spouse_months = _talent_family(seed, age, high, employment, slot)
    birth = np.array([np.datetime64(f"{2025 - a}-01-01") for a in age])
    birth = birth + rng.integers(0, 365, n).astype("timedelta64[D]")
    birth_s = pl.Series(birth.astype("datetime64[D]")).dt.strftime("%Y%m%d").to_numpy()
    seq = rng.integers(0, 1000, n)
    id_body = np.array([[int(c) for c in (r + b + f"{s:03d}")] for r, b, s in
                        zip(employer["region_code"].str.slice(0, 4) + "00", birth_s, seq, strict=True)]) \
        if n else np.empty((0, 17), int)
    id_number = ["".join(map(str, row)) + c for row, c in zip(id_body, ric_check_chars(id_body), strict=True)]
    # Foreign talents hold a passport (a letter and 8 digits); drawn from a stream of their own, so every other
    # column is what it was before the document type existed.
    passport_rng = _rng(seed, "talents-passports")
    foreign = high & (slot < 0) & (passport_rng.random(n) < FOREIGN_SHARE)
    passports = [f"{a}{d:08d}" for a, d in zip(passport_rng.choice(list("EGKPX"), n),
                                                passport_rng.integers(0, 10**8, n), strict=True)]
    id_number = np.where(foreign, passports, id_number).tolist() if n else id_number
    salary_base = {"A": 3_000_000, "B": 1_500_000, "C": 800_000, "D": 450_000, "E": 280_000, "F": 180_000}
    base = np.array([salary_base.get(c, 0) for c in category], dtype=float)
    base = np.where(scheme == "youth", np.where(degree == "bachelor", 80_000, 120_000), base)
    base = np.where(scheme == "pre_hire", np.where(degree == "doctorate", 200_000, 130_000), base)
    salary = np.round(base * rng.lognormal(0, 0.3, n), 2)
    salary = np.where(scheme == "intern_enterprise", np.nan_to_num(allowance) * 12, salary)
    salary[slot == 10], salary[slot == 11] = 700_000, 900_000
    core_post[slot >= 10], contract_years[slot >= 10], from_outside[slot >= 10] = "yes", 5, "yes"
    # 本市培养 (ORD-TALENT item 8): the second copy of the coverage D slot, certified in the city; never 由市外引进
    cultivated[15:16], prior_settlement[15:16] = "yes", 800_000  # an earlier F recruit's 80万 is deducted
    cultivated[12:13] = "yes"  # the second copy of the A slot: an A-class talent certified in the city (08A, 08E)
    from_outside[cultivated == "yes"], recommended[cultivated == "yes"] = "no", "no"
    for i, pay in enumerate([2_500_000, 1_500_000, 1_600_000, 450_000]):  # A–D at 市直国有: within the ranges
        salary[slot == i] = pay
    return pl.DataFrame({
        "talent_id": [f"RC{i:08d}" for i in range(1, n + 1)],
        "name": [SURNAMES[a] + GIVEN[b] + GIVEN[c] for a, b, c in zip(
            rng.integers(0, len(SURNAMES), n), rng.integers(0, len(GIVEN), n), rng.integers(0, len(GIVEN), n),
            strict=True)],
        "id_number": id_number,
        "id_type": np.where(foreign, "passport", "resident_id"),
        "category": pl.Series(category.tolist(), dtype=pl.String),
        "field": field,
        "employer_uscc": np.where(scheme == "scholarship", None, employer["uscc"].to_numpy()).tolist(),
        "region_code": employer["region_code"],
        "arrival_date": arrival.astype("datetime64[D]"),
        "departure_date": departure.astype("datetime64[D]"),
        "employment": employment,
        "degree": degree,
        "title": title,
        "annual_salary_yuan": salary,
        "scheme": scheme,
        "research_field": research,
        "city_state_employer": city_state,
        "key_enterprise": key_enterprise,
        "urgent_shortage": urgent,
        "core_post": core_post,
        "contract_years": contract_years.astype(float),
        "from_outside_city": from_outside,
        "recommended_by_agency": recommended,
        "pre_hire_sponsorship_yuan": sponsorship,
        "internship_months": months,
        "intern_allowance_monthly_yuan": allowance,
        "owns_home_in_city": owns_home,
        "housing_benefit_received": housing_benefit,
        "key_university": key_university,
        "cultivated_in_city": cultivated,
        "prior_settlement_subsidy_yuan": prior_settlement,
        "skill_grade": skill_grade,
        "parents_aged_70_plus": parents70,
        "children_under_3": children3,
        "spouse_unemployed_months": spouse_months,
    }, schema_overrides={"employer_uscc": pl.String}).with_columns(
        pl.col("arrival_date").cast(pl.Date), pl.col("departure_date").cast(pl.Date),
        pl.col("annual_salary_yuan", "contract_years").cast(pl.Decimal(18, 2)),
        pl.col("pre_hire_sponsorship_yuan", "internship_months", "intern_allowance_monthly_yuan",
               "prior_settlement_subsidy_yuan", "parents_aged_70_plus", "children_under_3",
               "spouse_unemployed_months").fill_nan(None)
        .cast(pl.Decimal(18, 2)),
    )


def _talent_credentials(seed: int, scheme: np.ndarray, category: np.ndarray, employment: np.ndarray,
                        degree: np.ndarray, in_ordos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """本市培养 flag, 购房/安家补贴 received before certification, and 职业技能等级, from a stream of their own so
    every other talent column is what it was before these existed. About one full-time A–D talent in Ordos in six
    was certified there (本市培养 is the city's channel); half of them had an earlier settlement subsidy (an E or F
    recruit's 100万/80万, or a banner's housing subsidy). Skill grades go to graduates below the doctorate."""
    rng = _rng(seed, "talents-credentials")
    n = len(scheme)
    certifiable = np.isin(category, ["A", "B", "C", "D"]) & (employment == "full_time") & in_ordos
    cultivated = np.where(certifiable & (rng.random(n) < 0.17), "yes", "no")
    earlier = rng.choice([0, 100_000, 800_000, 1_000_000], n, p=[0.5, 0.1, 0.2, 0.2]).astype(float)
    prior = np.where(cultivated == "yes", earlier, np.nan)
    u = rng.random(n)
    graded = np.isin(scheme, ["high_level", "youth"]) & (degree != "doctorate")
    skill = np.where(graded & (u < 0.04), "senior_technician", np.where(graded & (u < 0.1), "technician", "none"))
    return cultivated, prior, skill


def _talent_family(seed: int, age: np.ndarray, high: np.ndarray, employment: np.ndarray,
                   slot: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parents aged 70+, children under 3 and the spouse's months without work, for high-level talents (empty for
    the other schemes), from a stream of their own so every other talent column is what it was before these
    existed. A parent is about 29 years older than the talent (sd 4) and alive at 70+ with probability 0.8;
    children under 3 go to talents up to 42 (15% one, 2% two); 12% of full-time recruits have a spouse without
    work, for 1-30 months. Coverage slots 0-5 (full-time A–F in Ordos, arriving 2024-2025) get each fact."""
    rng = _rng(seed, "talents-family")
    n = len(age)
    parent_age = age[:, None] + rng.normal(29, 4, (n, 2))
    parents = ((parent_age >= 70) & (rng.random((n, 2)) < 0.8)).sum(axis=1).astype(float)
    u = rng.random(n)
    children = np.where(age <= 42, np.where(u < 0.02, 2.0, np.where(u < 0.17, 1.0, 0.0)), 0.0)
    spell = rng.integers(1, 31, n).astype(float)
    spouse = np.where((employment == "full_time") & (rng.random(n) < 0.12), spell, 0.0)
    parents[slot == 0], parents[slot == 1], children[np.isin(slot, [2, 3])] = 1.0, 2.0, 1.0
    spouse[np.isin(slot, [4, 5])] = 12.0
    return np.where(high, parents, np.nan), np.where(high, children, np.nan), np.where(high, spouse, np.nan)


# --- deliberately bad rows and the files the landing folder receives --------------------------------

BAD_KINDS = ("check_digit", "unknown_region", "negative", "non_numeric", "impossible_date", "empty_required",
             "duplicate_key")


def _as_text(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.all().cast(pl.String))


@dataclass
class _BadRows:
    """Which rows of a registry's text to corrupt and how, drawn once for all its rows (they may be written in
    slices): (row, column, kind) in the order drawn, and the rows repeated at the end (duplicate keys)."""

    changes: list[tuple[int, str, str]]
    duplicates: list[int]
    _by_row: list[tuple[int, int]] | None = field(default=None, repr=False)  # (row, index in changes), sorted

    def changes_in(self, start: int, stop: int) -> list[tuple[int, str, str]]:
        """The changes of rows start … stop - 1, in the order drawn (found by bisection: a registry written in
        80 slices would otherwise go through every change 80 times)."""
        if self._by_row is None:
            self._by_row = sorted((row, i) for i, (row, _, _) in enumerate(self.changes))
        found = self._by_row[bisect.bisect_left(self._by_row, (start, -1)):bisect.bisect_left(self._by_row, (stop, -1))]
        return [self.changes[i] for i in sorted(i for _, i in found)]


def _bad_rows(height: int, registry: str, share: float, seed: int) -> _BadRows | None:
    from .contract import REGISTRIES

    spec = REGISTRIES[registry]
    k = int(round(height * share))
    if k == 0:
        return None
    rng = _rng(seed, f"bad-{registry}")
    rows = rng.choice(height, k, replace=False)
    kinds = {"check_digit": "uscc", "unknown_region": "region", "negative": "decimal", "non_numeric": "decimal",
             "impossible_date": "date", "empty_required": "text"}
    cols = {kind: next((c.name for c in spec.columns if c.kind in (col_kind, "id_number" if col_kind == "uscc"
                        else col_kind)), None) for kind, col_kind in kinds.items()}
    bad = _BadRows([], [])
    for i, row in enumerate(rows.tolist()):
        kind = BAD_KINDS[i % len(BAD_KINDS)]
        if kind == "duplicate_key":
            bad.duplicates.append(row)
        else:
            bad.changes.append((row, cols.get(kind) or spec.key[0], kind))
    return bad


def _corrupt(df: pl.DataFrame, bad: _BadRows, offset: int = 0) -> pl.DataFrame:
    """The rows offset … offset + df.height of a registry's text with their share of `bad` applied."""
    changed: dict[str, dict[int, str | None]] = {}  # column -> row -> corrupted value (only k cells are touched)
    for row, col, kind in bad.changes_in(offset, offset + df.height):
        old = changed.get(col, {}).get(row - offset, df[col][row - offset]) or ""
        changed.setdefault(col, {})[row - offset] = {
            "check_digit": old[:-1] + ("0" if old[-1:] != "0" else "1"),
            "unknown_region": "159999",
            "negative": "-" + old.lstrip("-") if old else "-1",
            "non_numeric": "约" + old,
            "impossible_date": "2024-02-30",
            "empty_required": None,
        }[kind]
    return df.with_columns(df[col].scatter(list(cells), pl.Series(list(cells.values()), dtype=pl.String))
                           for col, cells in changed.items())


def inject_bad_rows(df: pl.DataFrame, registry: str, share: float, seed: int) -> pl.DataFrame:
    """Corrupt about `share` of the rows (text frame) in ways real exports go wrong; kinds rotate."""
    bad = _bad_rows(df.height, registry, share, seed)
    if bad is None:
        return df
    out = _corrupt(df, bad)
    return pl.concat([out, out[bad.duplicates]]) if bad.duplicates else out


def _chinese(df: pl.DataFrame, registry: str) -> pl.DataFrame:
    """Headers and categorical values as a Chinese export spells them."""
    from .contract import REGISTRIES, VALUE_ALIASES

    spec = REGISTRIES[registry]
    for col, mapping in VALUE_ALIASES.items():
        if col in df.columns:
            df = df.with_columns(pl.col(col).replace({v: k for k, v in mapping.items()}))
    return df.rename({c.name: c.aliases[0] for c in spec.columns if c.aliases})


def write_landing(landing: Path, seed: int, n_enterprises: int, bad_share: float,
                  formats: dict[str, str] | None = None) -> dict[str, list[Path]]:
    """Generate all registries and write them to `landing` in a mix of the supported formats.

    Default mix: enterprises CSV (UTF-8, English headers), metrics Parquet, projects XLSX (Chinese
    headers), talents CSV in GBK with Chinese headers and values, as the region's systems export them.
    """
    formats = formats or {"enterprises": "csv", "enterprise_metrics": "parquet", "projects": "xlsx",
                          "talents": "csv-gbk"}
    landing.mkdir(parents=True, exist_ok=True)
    for old in landing.iterdir():
        if old.is_file():
            old.unlink()
    sizes = Sizes(n_enterprises)
    ent = enterprises(seed, sizes)
    makers = {  # each registry draws from its own random stream, so the order they are made in does not matter
        "enterprises": lambda: ent,
        "projects": lambda: projects(seed, ent),
        "talents": lambda: talents(seed, ent, sizes),
        "enterprise_metrics": None,  # the largest by far: drawn and written in slices (write_metrics)
    }
    written: dict[str, list[Path]] = {}
    # Writing XLSX is slow pure Python (35 s for 444k rows): it runs in a second process while the rest is made.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = {}
        for name, make in makers.items():
            if make is None:
                written[name] = write_metrics(landing, seed, ent, bad_share, formats[name])
                continue
            text = inject_bad_rows(_as_text(make()), name, bad_share, seed)
            if formats[name] == "xlsx" and text.height > XLSX_IN_BACKGROUND_ROWS:
                pending[name] = pool.submit(write_frame, text, landing, name, formats[name])
            else:
                written[name] = write_frame(text, landing, name, formats[name])
            del text
        written |= {name: job.result() for name, job in pending.items()}
    return {name: written[name] for name in makers}


def write_metrics(landing: Path, seed: int, ent: pl.DataFrame, bad_share: float, fmt: str) -> list[Path]:
    """The metrics registry, drawn in slices of firms into a work folder beside the files (removed after), then
    turned into text, corrupted (bad rows drawn over all rows) and written in slices of rows."""
    name = "enterprise_metrics"
    with tempfile.TemporaryDirectory(prefix=".metrics-", dir=landing) as work:
        metrics, extra = _draw_metrics(seed, ent, Path(work))
        height = sum(m.rows for m in metrics) + extra.height
        if height <= METRIC_WHOLE_ROWS or fmt == "xlsx":
            text = inject_bad_rows(_as_text(_metrics_frame(metrics, extra, ent["uscc"])), name, bad_share, seed)
            return write_frame(text, landing, name, fmt)
        bad = _bad_rows(height, name, bad_share, seed) or _BadRows([], [])
        repeated = sorted((row, i) for i, row in enumerate(bad.duplicates))
        repeats, offset = [], 0
        with _SliceWriter(landing, name, fmt) as out:
            for rows in _metric_slices(metrics, extra, ent["uscc"]):
                text = _corrupt(_as_text(rows.with_columns(pl.col("value").cast(pl.Decimal(18, 2)))), bad, offset)
                here = repeated[bisect.bisect_left(repeated, (offset, -1)):
                                bisect.bisect_left(repeated, (offset + text.height, -1))]
                if here:  # a duplicate repeats its row as corrupted (a chosen row is corrupted one way only)
                    repeats.append(text[[r - offset for r, _ in here]].with_columns(
                        pl.Series("_order", [i for _, i in here])))
                out.write(text)
                offset += text.height
            if repeats:
                out.write(pl.concat(repeats).sort("_order").drop("_order"))
        return [out.path]


def _metric_slices(metrics: list[_MetricRows], extra: pl.DataFrame, uscc: pl.Series) -> Iterator[pl.DataFrame]:
    """The metric rows in file order (metric after metric, then the guaranteed events), about METRIC_WRITE_ROWS
    rows at a time."""
    pending, rows = [], 0
    for m in metrics:
        for block in m.blocks():
            pending.append(m.frame(block, uscc))
            rows += len(block)
            if rows >= METRIC_WRITE_ROWS:
                yield pl.concat(pending, rechunk=True)
                pending, rows = [], 0
    yield pl.concat([*pending, extra], rechunk=True)


class _SliceWriter:
    """A landing file written slice by slice: the same bytes as writing the whole frame for CSV; for Parquet one
    row group a slice (the same rows as one write, other bytes)."""

    def __init__(self, landing: Path, name: str, fmt: str) -> None:
        if fmt not in ("csv", "csv-gbk", "parquet"):
            raise ValueError(f"unknown landing format {fmt!r} for slices; use csv, csv-gbk or parquet")
        self.name, self.fmt = name, fmt
        self.path = landing / {"csv": f"{name}.csv", "csv-gbk": f"{name}_gbk.csv", "parquet": f"{name}.parquet"}[fmt]
        self._file, self._parquet, self._first = None, None, True

    def __enter__(self) -> _SliceWriter:
        if self.fmt != "parquet":
            self._file = self.path.open("wb")
        return self

    def write(self, text: pl.DataFrame) -> None:
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = text.to_arrow(compat_level=pl.CompatLevel.oldest())  # large strings, as the schema says
            table = table.cast(pa.schema([pa.field(c, pa.large_string()) for c in table.column_names]))
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._parquet.write_table(table, row_group_size=max(table.num_rows, 1))
        elif self.fmt == "csv":
            self._file.write(text.write_csv(include_header=self._first).encode("utf-8"))
        else:
            self._file.write(_chinese(text, self.name).write_csv(include_header=self._first).encode("gbk"))
        self._first = False

    def __exit__(self, *exc: object) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._file is not None:
            self._file.close()


def write_frame(text: pl.DataFrame, landing: Path, name: str, fmt: str) -> list[Path]:
    if fmt == "csv":
        path = landing / f"{name}.csv"
        text.write_csv(path)
    elif fmt == "csv-gbk":
        path = landing / f"{name}_gbk.csv"
        path.write_bytes(_chinese(text, name).write_csv().encode("gbk"))
    elif fmt == "parquet":
        path = landing / f"{name}.parquet"
        text.write_parquet(path)
    elif fmt == "xlsx":  # a sheet holds 1,048,576 rows: larger exports come as several files, as Excel makes them
        parts = range(0, max(text.height, 1), XLSX_MAX_ROWS)
        paths = [landing / (f"{name}.xlsx" if i == 0 else f"{name}_{i // XLSX_MAX_ROWS + 1}.xlsx") for i in parts]
        for start, part in zip(parts, paths, strict=True):
            book = xlsxwriter.Workbook(part)
            book.set_properties({"created": datetime(2024, 1, 1)})  # a fixed stamp keeps the file byte-identical
            _chinese(text.slice(start, XLSX_MAX_ROWS), name).write_excel(workbook=book, autofit=False)
            book.close()
        return paths
    else:
        raise ValueError(f"unknown landing format {fmt!r}; use csv, csv-gbk, parquet or xlsx")
    return [path]
