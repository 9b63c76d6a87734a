"""Text from registries and landing files made safe to show on a page or put in an exported workbook.

The registry keeps the text exactly as it arrived (audit); whatever shows it passes it through `safe_text` (or the
polars twin `safe_text_expr` for a column): invisible characters that reorder or hide text (bidi overrides,
zero-width characters) are removed, control characters become spaces, and text a spreadsheet would run as a
formula (`=`, `+`, `-`, `@`, or a leading tab or carriage return) is prefixed with `'`, which spreadsheets read as
"this is text". HTML escaping is still the page's job.
"""

from __future__ import annotations

import re

import polars as pl

# Bidi embeddings/overrides/isolates and marks, zero-width characters, the BOM as a word joiner, soft hyphen
# (patterns written with escapes both Python's re and polars' regex read).
INVISIBLE = r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\u00ad]"
CONTROL = r"[\x00-\x1f\x7f-\x9f]"
FORMULA = r"^\s*[=+\-@]"
_INVISIBLE, _CONTROL, _FORMULA = re.compile(INVISIBLE), re.compile(CONTROL), re.compile(FORMULA)


def safe_text(s: str | None) -> str:
    """The text as it may be shown or exported ('' for None)."""
    if s is None:
        return ""
    risky_start = s[:1] in ("\t", "\r")
    out = _CONTROL.sub(" ", _INVISIBLE.sub("", s))
    return "'" + out if risky_start or _FORMULA.match(out) else out


def safe_text_expr(expr: pl.Expr) -> pl.Expr:
    """`safe_text` for a text column (null stays null)."""
    risky_start = expr.str.contains(r"^[\t\r]")
    out = expr.str.replace_all(INVISIBLE, "").str.replace_all(CONTROL, " ")
    return pl.when(risky_start | out.str.contains(FORMULA)).then(out.str.replace("^", "'")).otherwise(out)
