"""What a cell may hold: the unambiguous forms exports give a number, a code or a date, rewritten to one canonical
text before validation, and the parsers validation and typing share (one parser, so nothing that passed
validation can fail typing).

Everything here is a polars expression over text cells (no per-row Python). What is ambiguous is not guessed:
it is left as it is and the checks in validate.py quarantine it with a reason that says why.
"""

from __future__ import annotations

import polars as pl

from .checkdigits import ric_is_valid
from .xlsx_reader import ERROR_CODES, NO_CACHED_VALUE

MAX_DECIMALS = 4
MAX_INTEGER_DIGITS = 16  # DECIMAL(20,4): 20 digits, 4 of them after the point
MAX_CELL_CHARS = 500
NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"

# Excel's error values (CSV exports carry them as text; the XLSX reader keeps error cells as their text) and the
# marker the XLSX reader gives a formula cell that was saved without a computed value.
EXCEL_ERRORS = tuple(sorted(ERROR_CODES))  # one list: the XLSX reader's, whose markers these cells carry

_ZEROS = "0" * 40  # longest zero run a scientific-notation value is padded with (anything longer is out of range)


def is_excel_error(expr: pl.Expr) -> pl.Expr:
    """True for a cell holding an Excel error value (as Excel and WPS write them) or the no-cached-value marker."""
    return expr.is_in((*EXCEL_ERRORS, NO_CACHED_VALUE))


_SCIENTIFIC = r"^([+-]?)([0-9]*)\.?([0-9]*)[eE]([+-]?[0-9]{1,4})$"
_GROUPED = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"
_PLAIN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$"


def _zeros(n: pl.Expr) -> pl.Expr:
    return pl.lit(_ZEROS).str.slice(0, n.clip(0, len(_ZEROS)))


def _expanded(col: str, sign: str, whole: str, frac: str, exp: str) -> pl.Expr:
    """The decimal a scientific-notation cell writes, from its parts (columns), else the cell unchanged."""
    digits = pl.col(whole) + pl.col(frac)
    point = pl.col(whole).str.len_chars().cast(pl.Int32) + pl.col(exp).cast(pl.Int32)  # the point's new place
    n = digits.str.len_chars().cast(pl.Int32)
    inside = point.clip(0, None)  # polars evaluates every branch: the slice must not see a negative place
    expanded = (pl.when(point >= n).then(pl.col(sign) + digits + _zeros(point - n))
                .when(point <= 0).then(pl.col(sign) + "0." + _zeros(-point) + digits)
                .otherwise(pl.col(sign) + digits.str.slice(0, inside) + "." + digits.str.slice(inside)))
    return pl.when(n > 0).then(expanded).otherwise(pl.col(col))


def normalise_numbers(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """One spelling per value, in number columns: thousands grouped by commas every three digits (`1,234.50`, what
    a formatted number cell exports quoted) lose the commas; exact scientific notation is expanded by moving the
    point (`1.2345E+05` -> `123450`, `1e-3` -> `0.001`, never rounded); `+5` -> `5`, `.5` -> `0.5`, `5.` -> `5`;
    leading zeros and trailing decimal zeros dropped (`007.50` -> `7.5`, `1234.5000000000` -> `1234.5`); a negative
    zero (`-0`, `-0.00`) is zero. Anything else (`1,00`, `约100`) is left for the checks to refuse.

    Done in steps that each materialise their columns: a single nested expression would repeat its parts (polars
    does not share them) and cost ten times as much."""
    if not columns:
        return frame
    parts = {c: [f"\x00{c}\x00{k}" for k in ("sign", "whole", "frac", "exp")] for c in columns}
    frame = frame.with_columns(
        *[pl.when(pl.col(c).str.contains(_GROUPED)).then(pl.col(c).str.replace_all(",", "", literal=True))
          .otherwise(pl.col(c)).alias(c) for c in columns],
        *[pl.col(c).str.extract_groups(_SCIENTIFIC).struct.rename_fields(parts[c]).alias(f"\x00{c}")
          for c in columns])
    frame = frame.unnest([f"\x00{c}" for c in columns])
    frame = frame.with_columns(pl.col(parts[c][0]).str.replace("+", "", literal=True) for c in columns)
    frame = frame.with_columns(_expanded(c, *parts[c]).alias(c) for c in columns)
    frame = frame.drop([p for c in columns for p in parts[c]])
    # Plain numbers: sign apart, leading zeros and trailing decimal zeros stripped (string operations, not regex
    # replacements, which cost ten times as much at millions of cells).
    shape = {c: (f"\x00{c}\x00number", f"\x00{c}\x00negative", f"\x00{c}\x00body") for c in columns}
    frame = frame.with_columns(
        *[pl.col(c).str.contains(_PLAIN).alias(shape[c][0]) for c in columns],
        *[pl.col(c).str.starts_with("-").alias(shape[c][1]) for c in columns],
        *[pl.col(c).str.strip_prefix("+").str.strip_prefix("-").str.strip_chars_start("0").alias(shape[c][2])
          for c in columns])
    frame = frame.with_columns(
        pl.when(pl.col(b).str.contains(".", literal=True)).then(pl.col(b).str.strip_chars_end("0")
                                                                .str.strip_chars_end(".")).otherwise(pl.col(b))
        .alias(b) for _, _, b in shape.values())
    frame = frame.with_columns(
        pl.when(pl.col(b) == "").then(pl.lit("0")).when(pl.col(b).str.starts_with(".")).then("0" + pl.col(b))
        .otherwise(pl.col(b)).alias(b) for _, _, b in shape.values())
    frame = frame.with_columns(
        pl.when(~pl.col(ok)).then(pl.col(c)).when(pl.col(neg) & (pl.col(b) != "0")).then("-" + pl.col(b))
        .otherwise(pl.col(b)).alias(c) for c, (ok, neg, b) in shape.items())
    return frame.drop([k for ks in shape.values() for k in ks])


def integer_digits(expr: pl.Expr) -> pl.Expr:
    """Digits before the point of a normalised number (no leading zeros)."""
    return expr.str.extract(r"^-?([0-9]+)", 1).str.len_chars()


def normalise_integral(expr: pl.Expr) -> pl.Expr:
    """`150622.0` -> `150622` (a float column's whole number); other cells unchanged."""
    return expr.str.replace(r"^([0-9]+)\.0*$", "${1}")


def normalise_region(expr: pl.Expr) -> pl.Expr:
    """Region codes: a float's `.0` dropped, upper-case park letters, and a 9- or 12-digit statistical code of the
    county itself (`150622000000`: town and village parts zero) cut to its 6-digit county code."""
    return normalise_integral(expr).str.to_uppercase().str.replace(r"^([0-9]{6})(?:000|000000)$", "${1}")


def normalise_division(expr: pl.Expr) -> pl.Expr:
    """GB/T 4754 divisions are 2 digits: `6` or `6.0` (a number column lost the leading zero) -> `06`."""
    return normalise_integral(expr).str.replace(r"^([0-9])$", "0${1}")


def normalise_year(expr: pl.Expr) -> pl.Expr:
    """`2024.0` (a float column) and `2024年` -> `2024`."""
    return normalise_integral(expr.str.replace(r"^([0-9]{4})年$", "${1}"))


# A date is the whole cell: YYYY-M-D, YYYY/M/D or YYYY年M月D日, optionally followed by midnight (what Excel and
# date-time columns give: ` 00:00:00`, `T00:00`, ` 0:00`).
_DATE_PREFIX = r"^([0-9]{4})(?:-([0-9]{1,2})-([0-9]{1,2})|/([0-9]{1,2})/([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日)"
_MIDNIGHT = r"^(?:[ T]0?0:00(?::00(?:\.0+)?)?)?$"
_TIME = r"[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def normalise_dates(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Every accepted date form, at most followed by midnight, rewritten as `YYYY-MM-DD` (whether or not the date
    exists: 2024-02-30 stays refusable); any other cell unchanged. In steps that materialise the parts (see
    normalise_numbers)."""
    if not columns:
        return frame
    parts = {c: [f"\x00{c}\x00{i}" for i in range(8)] for c in columns}
    frame = frame.with_columns(pl.col(c).str.extract_groups(_DATE_PREFIX + "(.*)$").struct.rename_fields(parts[c])
                               .alias(f"\x00{c}") for c in columns).unnest([f"\x00{c}" for c in columns])

    def iso(c: str) -> pl.Expr:
        y, m1, d1, m2, d2, m3, d3, tail = (pl.col(p) for p in parts[c])
        text = y + "-" + pl.coalesce(m1, m2, m3).str.zfill(2) + "-" + pl.coalesce(d1, d2, d3).str.zfill(2)
        return pl.when(tail.str.contains(_MIDNIGHT)).then(text).otherwise(pl.col(c)).alias(c)

    return frame.with_columns(iso(c) for c in columns).drop([p for c in columns for p in parts[c]])


def parse_date(expr: pl.Expr) -> pl.Expr:
    """The date a normalised cell holds (`YYYY-MM-DD`, a real date), else null."""
    return pl.when(expr.str.contains(ISO_DATE)).then(expr.str.strptime(pl.Date, "%Y-%m-%d", strict=False))


def has_time_of_day(expr: pl.Expr) -> pl.Expr:
    """A normalised cell that is a date followed by a time (midnight was normalised away: `2024-01-05 10:30`)."""
    return expr.str.contains(_DATE_PREFIX + _TIME)


def has_extra_text(expr: pl.Expr) -> pl.Expr:
    """A normalised cell that is a date followed by anything but a time (`2015-03-01 (估计)`)."""
    return expr.str.contains(_DATE_PREFIX + "[^0-9]") & ~has_time_of_day(expr)


def holds_resident_id(expr: pl.Expr) -> pl.Expr:
    """True where the cell holds a valid resident ID number (check digit and birth date), alone or inside text."""
    runs = expr.str.extract_all(r"[0-9]+[Xx]?")  # maximal digit runs: an ID is a run of exactly 18
    found = runs.list.eval(ric_is_valid(pl.element())).list.any()
    return expr.str.contains(r"[0-9]{17}[0-9Xx]") & found.fill_null(False)


def mask_resident_ids(expr: pl.Expr) -> pl.Expr:
    """Cells that hold a resident ID number with every 18-character digit run masked to its first 4 digits
    (`1506**************`); other cells unchanged."""
    masked = expr.str.replace_all(r"(^|[^0-9])([0-9]{4})[0-9]{13}[0-9Xx]", "${1}${2}" + "*" * 14)
    return pl.when(holds_resident_id(expr)).then(masked).otherwise(expr)
