"""How much of the costed catalogue the authoring scaffold would have pre-filled (issue 20; docs/authoring.md).

Runs `new-document`'s scaffold on every catalogued document (its source_lines, level and issue date from
seeds/catalogue/) and takes the amounts of every COSTED entry: the numbers in its formulas (eligibility, amount,
tiers.by, each bracket's amount), caps, shares, tier bounds and programme amounts — the values of the parameters
the entry names once the catalogue refers to parameters, the literals otherwise — leaving out 0 and 1 (not amounts),
calendar years a formula tests (award_year = 2025) and expected_share (an analyst's assumption, never in the text).
Each distinct number of an entry counts once.

An amount is found **in its lines** when the scaffold made a parameter with that exact value whose number lies on a
line inside the entry's citation lines, and **in the document** when the scaffold found the value anywhere in the
document. Usage:

    .venv/bin/python scripts/scaffold_hit_rate.py            # the table (Markdown)
    .venv/bin/python scripts/scaffold_hit_rate.py --misses   # and every amount not found in its lines
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from dagster_project import safe_yaml, scaffold
from dagster_project.catalogue import CATALOGUE_DIR
from dagster_project.settings import SOURCE_TEXT

FORMULA_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")
IDENTIFIER = re.compile(r"(?<![\w.'])[a-z_][a-z0-9_]*(?![\w'])")
NOT_AMOUNTS = {Decimal(0), Decimal(1)}
# award_year = 2025, metric_year IN (2024, 2025): calendar years the formula tests, not amounts (written as a literal
# or, after the migration to parameters, as a parameter's name whose values are years)
YEAR = r"(?:20\d\d|[a-z][a-z0-9_]*)"
YEAR_TEST = re.compile(rf"\b[a-z]*_?year\s*(?:(?:=|<>|!=|<=|>=|<|>)\s*{YEAR}\b|(?:NOT\s+)?IN\s*\((?:\s*{YEAR}\s*,?)+\)"
                       rf"|BETWEEN\s+{YEAR}\s+AND\s+{YEAR}\b)", re.I)


@dataclass
class Document:
    header: dict[str, Any]
    rules: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Tally:
    entries: int = 0
    amounts: int = 0
    in_lines: int = 0
    in_document: int = 0
    prefilled: int = 0  # parameters the scaffold wrote for the document
    used: int = 0  # of which the value is an amount of one of the document's costed entries
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.entries += other.entries
        self.amounts += other.amounts
        self.in_lines += other.in_lines
        self.in_document += other.in_document
        self.prefilled += other.prefilled
        self.used += other.used


def read_catalogue(directory: Path) -> tuple[dict[str, Document], dict[str, list[Decimal]]]:
    """Documents (header and rules, over all their files) and every parameter's non-null values."""
    docs: dict[str, Document] = {}
    params: dict[str, list[Decimal]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = safe_yaml.load(path)
        if not isinstance(data, dict) or "document" not in data:
            continue
        doc = docs.setdefault(data["document"], Document(data))
        doc.rules += data.get("rules") or []
        for name, spec in (data.get("parameters") or {}).items():
            params[name] = [_dec(v["value"]) for v in spec.get("values", []) if v.get("value") is not None]
    return docs, params


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).normalize()
    except InvalidOperation:
        return Decimal(-1)


def _formula(text: Any, params: dict[str, list[Decimal]]) -> Iterable[Decimal]:
    """Numbers written in a formula (outside quoted text) and the values of the parameters it names."""
    if not isinstance(text, str):
        yield from _field(text, params)
        return
    bare = YEAR_TEST.sub(lambda m: _years_only(m.group(0), params), re.sub(r"'[^']*'", "''", text))
    yield from (_dec(n) for n in FORMULA_NUMBER.findall(bare))
    for name in IDENTIFIER.findall(bare):
        yield from params.get(name, [])


def _years_only(test: str, params: dict[str, list[Decimal]]) -> str:
    """A year test dropped, unless a name in it is a parameter with values other than years (then kept whole)."""
    names = [n for n in re.findall(r"[a-z][a-z0-9_]*", test[test.lower().index("year") + 4:]) if n in params]
    return test if any(not 1900 <= v <= 2099 for n in names for v in params[n]) else ""


def _field(value: Any, params: dict[str, list[Decimal]]) -> Iterable[Decimal]:
    """A numeric field: a number, or a parameter's name."""
    if isinstance(value, str) and value in params:
        yield from params[value]
    elif isinstance(value, int | float | str) and not isinstance(value, bool):
        yield _dec(value)


def amounts(rule: dict[str, Any], params: dict[str, list[Decimal]]) -> set[Decimal]:
    """The distinct amounts of one costed entry (0, 1 and expected_share left out)."""
    out: list[Decimal] = []
    for key in ("eligibility", "amount"):
        if key in rule:
            out += _formula(rule[key], params)
    tiers = rule.get("tiers") or {}
    out += _formula(tiers.get("by"), params) if "by" in tiers else []
    for bracket in tiers.get("brackets") or []:
        out += _formula(bracket.get("amount"), params) if "amount" in bracket else []
        for bound in ("min", "max"):
            out += _field(bracket[bound], params) if bound in bracket else []
    for section in ("caps", "shares"):
        for value in (rule.get(section) or {}).values():
            out += _field(value, params)
    for line in rule.get("programme") or []:
        out += _field(line.get("amount"), params)
    return {a for a in out if a not in NOT_AMOUNTS and a >= 0}


def _issued(header: dict[str, Any]) -> date:
    issued = header.get("issued")
    if isinstance(issued, date):
        return issued
    try:
        return date.fromisoformat(str(issued))
    except ValueError:
        return date(2024, 1, 1)  # a year alone: any date serves the measurement


def measure(doc: Document, lines: list[str], params: dict[str, list[Decimal]]) -> Tally:
    first, last = doc.header["source_lines"]
    s = scaffold.scaffold(lines, first, last, doc.header["document"], doc.header["level"],
                          doc.header.get("title"), _issued(doc.header))
    found = [p.found for e in s.entries for p in e.parameters] + [p.found for p in s.closing]
    tally = Tally(prefilled=len(found))
    costed = set()
    for rule in doc.rules:
        if rule.get("status") == "costed":
            costed |= amounts(rule, params)
    tally.used = sum(f.value.normalize() in costed for f in found)
    for rule in doc.rules:
        if rule.get("status") != "costed":
            continue
        tally.entries += 1
        lo, hi = rule["citation"]["lines"]
        for value in sorted(amounts(rule, params)):
            tally.amounts += 1
            anywhere = [f for f in found if f.value.normalize() == value]
            tally.in_document += bool(anywhere)
            if any(lo <= f.line <= hi for f in anywhere):
                tally.in_lines += 1
            else:
                where = "文中他处有" if anywhere else "文中没有"
                tally.misses.append(f"{rule['id']} [{lo}-{hi}] {value:f}（{where}）")
    return tally


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def table(results: dict[str, Tally]) -> str:
    rows = ["| document | costed entries | amounts | found in the entry's lines | | found in the document | | "
            "parameters pre-filled | of which a costed amount |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    total = Tally()
    for name, t in results.items():
        total.add(t)
        rows.append(f"| {name} | {t.entries} | {t.amounts} | {t.in_lines} | {_pct(t.in_lines, t.amounts)} | "
                    f"{t.in_document} | {_pct(t.in_document, t.amounts)} | {t.prefilled} | {t.used} |")
    rows.append(f"| **total** | {total.entries} | {total.amounts} | {total.in_lines} | "
                f"**{_pct(total.in_lines, total.amounts)}** | {total.in_document} | "
                f"**{_pct(total.in_document, total.amounts)}** | {total.prefilled} | {total.used} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", default=str(CATALOGUE_DIR))
    parser.add_argument("--text", default=str(SOURCE_TEXT))
    parser.add_argument("--misses", action="store_true", help="list every amount not found in its entry's lines")
    args = parser.parse_args(argv)
    lines = Path(args.text).read_text(encoding="utf-8").splitlines()
    docs, params = read_catalogue(Path(args.catalogue))
    results = {name: measure(doc, lines, params) for name, doc in sorted(docs.items())}
    print(table(results))
    if args.misses:
        for name, t in results.items():
            for miss in t.misses:
                print(f"{name}\t{miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
