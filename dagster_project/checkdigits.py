"""Check digits of 统一社会信用代码 (GB 32100) and resident ID numbers (GB 11643) as vectorised code.

python-stdnum (stdnum.cn.uscc, stdnum.cn.ric) is the reference implementation; it is called per
value, which costs ~13 s per million rows, so validation uses these polars expressions and the tests
prove they agree with stdnum on valid and corrupted numbers.
"""

from __future__ import annotations

import numpy as np
import polars as pl

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
RIC_CHECK = "10X98765432"  # index = weighted sum mod 11

_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}


def _expr(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def uscc_is_valid(col: str | pl.Expr) -> pl.Expr:
    """True where the column (a name or an expression) holds a well-formed USCC with a correct check character."""
    s = _expr(col).str.to_uppercase()
    total = pl.lit(0, dtype=pl.Int64)
    for i, w in enumerate(USCC_WEIGHTS):
        ch = s.str.slice(i, 1).replace_strict(_USCC_VALUE, default=None, return_dtype=pl.Int64)
        total = total + ch * w
    check_index = (31 - total % 31) % 31
    expected = check_index.replace_strict(dict(enumerate(USCC_ALPHABET)), default=None, return_dtype=pl.String)
    well_formed = s.str.contains(r"^[0-9]{8}[0-9A-HJ-NP-RTUWXY]{10}$")
    return (well_formed & (s.str.slice(17, 1) == expected)).fill_null(False)


def ric_is_valid(col: str | pl.Expr) -> pl.Expr:
    """True where the column (a name or an expression) holds an 18-digit resident ID with a real birth date and
    correct check digit."""
    s = _expr(col).str.to_uppercase()
    total = pl.lit(0, dtype=pl.Int64)
    for i, w in enumerate(RIC_WEIGHTS):
        total = total + s.str.slice(i, 1).cast(pl.Int64, strict=False) * w
    expected = (total % 11).replace_strict(dict(enumerate(RIC_CHECK)), default=None, return_dtype=pl.String)
    birth = s.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    well_formed = s.str.contains(r"^[0-9]{17}[0-9X]$")
    return (well_formed & birth.is_not_null() & (s.str.slice(17, 1) == expected)).fill_null(False)


def uscc_check_chars(body: np.ndarray) -> np.ndarray:
    """Check characters for an (n, 17) array of USCC alphabet indices (for the synthetic generator)."""
    idx = (31 - (body @ np.array(USCC_WEIGHTS)) % 31) % 31
    return np.array(list(USCC_ALPHABET))[idx]


def ric_check_chars(body: np.ndarray) -> np.ndarray:
    """Check characters for an (n, 17) array of ID digits."""
    return np.array(list(RIC_CHECK))[(body @ np.array(RIC_WEIGHTS)) % 11]
