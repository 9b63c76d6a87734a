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


def _expr(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def uscc_is_valid(col: str | pl.Expr) -> pl.Expr:
    """True where the column (a name or an expression) holds a well-formed USCC with a correct check character."""
    return _expr(col).map_batches(_uscc_valid, return_dtype=pl.Boolean, is_elementwise=True)


_USCC_BYTE_VALUE = np.full(256, -1, dtype=np.int64)  # a character's value in the alphabet, by its byte; -1: none
_USCC_BYTE_VALUE[[ord(c) for c in USCC_ALPHABET]] = np.arange(len(USCC_ALPHABET))


def _uscc_valid(codes: pl.Series) -> pl.Series:
    """Upper-cased, a well-formed code is 18 ASCII bytes: 8 digits, then 10 characters of the alphabet. The bytes
    are read as an (n, 18) array and form and check character computed with numpy: slicing the text per character
    (17 slices, each a new column) took 4 s per 1.6 M codes."""
    s = codes.str.to_uppercase()
    fits = (s.str.len_bytes() == 18).fill_null(False)
    chars = s.filter(fits).cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, 18)).to_numpy()
    chars = chars.reshape(-1, 18)
    total = np.zeros(len(chars), dtype=np.int64)
    formed = np.ones(len(chars), dtype=bool)
    for i in range(18):  # a column at a time: no (n, 18) array of int64
        value = _USCC_BYTE_VALUE[chars[:, i]]
        formed &= (value >= 0) & (value < 10) if i < 8 else value >= 0
        if i < 17:
            total += value * USCC_WEIGHTS[i]
    out = np.zeros(codes.len(), dtype=bool)
    out[fits.to_numpy()] = formed & (value == (31 - total % 31) % 31)
    return pl.Series(codes.name, out)


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
