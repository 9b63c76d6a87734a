"""What a cell may hold: the unambiguous forms exports give a number, a code or a date, rewritten to one canonical
text before validation, and the parsers validation and typing share (one parser, so nothing that passed
validation can fail typing).

Everything here is a polars expression over text cells (no per-row Python). What is ambiguous is not guessed:
it is left as it is and the checks in validate.py quarantine it with a reason that says why.
"""

from __future__ import annotations

import polars as pl

from .checkdigits import ric_is_valid

MAX_DECIMALS = 4
MAX_INTEGER_DIGITS = 16  # DECIMAL(20,4): 20 digits, 4 of them after the point
MAX_CELL_CHARS = 500
NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"

# Excel's error values (CSV exports carry them as text; the XLSX reader keeps error cells as their text) and the
# marker the XLSX reader gives a formula cell that was saved without a computed value.
EXCEL_ERRORS = ("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")
NO_CACHED_VALUE = "#无缓存值"

_ZEROS = "0" * 40  # longest zero run a scientific-notation value is padded with (anything longer is out of range)


def is_excel_error(expr: pl.Expr) -> pl.Expr:
    """True for a cell holding an Excel error value or the no-cached-value marker (null stays null)."""
    return expr.str.to_uppercase().is_in(EXCEL_ERRORS) | (expr == NO_CACHED_VALUE)


def _zeros(n: pl.Expr) -> pl.Expr:
    return pl.lit(_ZEROS).str.slice(0, n.clip(0, len(_ZEROS)))


def expand_scientific(expr: pl.Expr) -> pl.Expr:
    """`1.2345E+05` -> `123450`, `1e-3` -> `0.001`: the exact decimal the notation writes (digits moved, never
    rounded); any other cell unchanged."""
    parts = expr.str.extract_groups(r"^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)[eE]([+-]?[0-9]{1,4})$")
    sign, mantissa = parts.struct[0].str.replace("+", "", literal=True), parts.struct[1]
    whole = mantissa.str.extract(r"^([0-9]*)", 1)
    digits = whole + mantissa.str.extract(r"\.([0-9]*)$", 1).fill_null("")
    point = whole.str.len_chars().cast(pl.Int32) + parts.struct[2].cast(pl.Int32)  # the point's new place
    n = digits.str.len_chars().cast(pl.Int32)
    inside = point.clip(0, None)  # polars evaluates every branch: the slice must not see a negative place
    expanded = (pl.when(point >= n).then(sign + digits + _zeros(point - n))
                .when(point <= 0).then(sign + "0." + _zeros(-point) + digits)
                .otherwise(sign + digits.str.slice(0, inside) + "." + digits.str.slice(inside)))
    return pl.when(mantissa.is_not_null()).then(expanded).otherwise(expr)


def normalise_number(expr: pl.Expr) -> pl.Expr:
    """One spelling per value: exact scientific notation expanded, `+5` -> `5`, `.5` -> `0.5`, `5.` -> `5`,
    leading zeros and trailing decimal zeros dropped (`007.50` -> `7.5`, `1234.5000000000` -> `1234.5`), and a
    negative zero (`-0`, `-0.00`) is zero, and thousands grouped by commas every three digits (`1,234.50`, what a
    formatted number cell exports quoted) lose the commas. Anything else (`1,00`, `约100`) is left for the checks
    to refuse."""
    grouped = expr.str.contains(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
    expr = pl.when(grouped).then(expr.str.replace_all(",", "", literal=True)).otherwise(expr)
    s = expand_scientific(expr)
    s = s.str.replace(r"^\+([0-9.])", "${1}").str.replace(r"^(-?)\.([0-9])", "${1}0.${2}")
    s = s.str.replace(r"^(-?[0-9]+)\.$", "${1}")
    s = s.str.replace(r"^(-?[0-9]+)\.([0-9]*?)0+$", "${1}.${2}").str.replace(r"^(-?[0-9]+)\.$", "${1}")
    s = s.str.replace(r"^(-?)0+([0-9])", "${1}${2}")
    return pl.when(s.str.contains(r"^-0$")).then(pl.lit("0")).otherwise(s)


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
_DATE = r"^([0-9]{4})(?:-([0-9]{1,2})-([0-9]{1,2})|/([0-9]{1,2})/([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日)(.*)$"
_MIDNIGHT = r"^(?:[ T]0?0:00(?::00(?:\.0+)?)?)?$"
_TIME = r"^[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$"


def _date_parts(expr: pl.Expr) -> pl.Expr:
    return expr.str.extract_groups(_DATE)


def date_tail(expr: pl.Expr) -> pl.Expr:
    """What follows the date in a cell that starts with one (null if the cell does not start with a date)."""
    return _date_parts(expr).struct[7]


def parse_date(expr: pl.Expr) -> pl.Expr:
    """The date a cell holds, or null: the whole cell must be a date in an accepted form, at most followed by
    midnight; impossible dates (2024-02-30) are null."""
    p = _date_parts(expr)
    month = pl.coalesce(p.struct[1], p.struct[3], p.struct[5]).str.zfill(2)
    day = pl.coalesce(p.struct[2], p.struct[4], p.struct[6]).str.zfill(2)
    text = pl.when(p.struct[7].str.contains(_MIDNIGHT)).then(p.struct[0] + "-" + month + "-" + day)
    return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def has_time_of_day(expr: pl.Expr) -> pl.Expr:
    """A date followed by a time that is not midnight (`2024-01-05 10:30`)."""
    tail = date_tail(expr)
    return tail.str.contains(_TIME) & ~tail.str.contains(_MIDNIGHT)


def has_extra_text(expr: pl.Expr) -> pl.Expr:
    """A date followed by anything but a time (`2015-03-01 (估计)`)."""
    tail = date_tail(expr)
    return ~tail.str.contains(_MIDNIGHT) & ~tail.str.contains(_TIME)


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
