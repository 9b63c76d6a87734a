"""Reference data committed in seeds/reference: regions (GB/T 2260 + Ordos parks), industries, metrics."""

from __future__ import annotations

from functools import cache

import polars as pl

from .settings import SEEDS_DIR

REFERENCE_DIR = SEEDS_DIR / "reference"
REFERENCE_TABLES = ("regions", "industries", "metrics", "project_types", "targets")
REGION_CODE, CENTRAL_CODE = "150000", "100000"


@cache
def load(table: str) -> pl.DataFrame:
    """One reference table, every column as text (codes keep their leading zeros)."""
    return pl.read_csv(REFERENCE_DIR / f"{table}.csv", infer_schema=False)


def payer_regions() -> pl.DataFrame:
    """Regions where a registry row may sit: banners, districts and city-level parks."""
    return load("regions").filter(pl.col("pays_as") == "banner")
