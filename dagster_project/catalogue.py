"""The policy catalogue: rules as data (seeds/catalogue/*.yaml), checked before anything is costed.

docs/catalogue.md is the format's reference. Loading fails with a message naming the file, the rule and
the field for any entry that breaks the format; the ledger never sees a half-valid catalogue.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from . import reference
from .contract import REGISTRIES
from .formulas import FormulaError, compile_expression
from .settings import SEEDS_DIR

CATALOGUE_DIR = SEEDS_DIR / "catalogue"
LEVELS = ("central", "region", "city", "banner")
BENEFICIARIES = {"enterprise": "enterprises", "project": "projects", "talent": "talents", "programme": None}
TRIGGERS = {"enterprise": ("metric_year",), "project": ("completion_date", "start_date"), "talent": ("arrival_date",),
            "programme": ("budget_year",)}
DOC_REGION = {"region": "150000", "city": "150600", "central": "100000"}  # who a programme line belongs to
# spending: budget money paid out; programme: a fixed budget; revenue_forgone: tax/fee cuts, revenue handed over;
# equity: fund shares; revenue_inflow: money the budget would receive (eco-compensation, a levy); non_budget:
# paid outside any budget (electricity-market compensation, grid charges). Dashboards show each kind apart.
KINDS = ("spending", "revenue_forgone", "equity", "programme", "revenue_inflow", "non_budget")
RULE_FIELDS = {
    "id", "title", "citation", "status", "reason", "kind", "beneficiary", "trigger", "variables", "eligibility",
    "amount", "tiers", "caps", "schedule", "shares", "split_specified", "valid", "stacking_group", "rounding",
    "reading", "links", "programme", "basis", "paid_to", "expected_share", "stacking_scope",
}
LINKS = ("restates", "tops_up")
BASES = ("exact", "upper_bound", "lower_bound", "expected_value")  # the text's amount, its 最高 cap, its 不低于 floor …
DOC_FIELDS = {"document", "title", "level", "issued", "source_lines", "notes", "rules", "items_without_fiscal_clause"}


class CatalogueError(ValueError):
    """A catalogue entry that breaks the format; the message names file, rule and field."""


@dataclass(frozen=True)
class Tier:
    amount_sql: str
    min: Decimal | None = None
    max: Decimal | None = None
    equals: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    document: str
    title: str
    citation: dict[str, Any]
    status: str
    kind: str
    beneficiary: str | None
    reason: str | None = None
    basis: str = "exact"
    trigger: str | None = None
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    eligibility_sql: str = "TRUE"
    amount_sql: str | None = None
    tiers_by_sql: str | None = None
    tiers: tuple[Tier, ...] = ()
    cap_per_award: Decimal | None = None
    cap_per_beneficiary_year: Decimal | None = None
    instalments: tuple[int, ...] = (1,)
    period_unit: str | None = None  # month | year: the amount is per period, paid `period_count` times
    period_count: int | None = None
    lag_years: int = 0
    stop_on_departure: bool = False
    shares: dict[str, Decimal] = field(default_factory=dict)
    split_specified: bool = True
    valid_from: date | None = None
    valid_to: date | None = None
    stacking_group: str | None = None
    stacking_scope: str = "object"  # object: the same firm-year/project/person; beneficiary: once per firm or person
    step_fen: int = 1
    paid_to: str = "beneficiary"  # talent rules: "employer" books the award to the employer (caps per employer)
    expected_share: Decimal | None = None  # basis expected_value: the share of the text's ceiling expected
    reading: str = ""
    links: dict[str, str] = field(default_factory=dict)
    programme: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def costed(self) -> bool:
        return self.status == "costed"


@dataclass(frozen=True)
class Catalogue:
    documents: tuple[dict[str, Any], ...]
    rules: tuple[Rule, ...]
    version: str  # SHA-256 of the catalogue files, in file-name order

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def costed(self) -> list[Rule]:
        return [r for r in self.rules if r.costed]


def _dec(value: Any, where: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except Exception as exc:
        raise CatalogueError(f"{where}: {value!r} is not a number") from exc
    if not d.is_finite() or d < 0:
        raise CatalogueError(f"{where}: {value!r} must be a non-negative number")
    return d


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc


def field_names(beneficiary: str, variables: dict[str, Any]) -> set[str]:
    if beneficiary == "programme":
        return set()
    names = {c.name for c in REGISTRIES[BENEFICIARIES[beneficiary]].columns if not c.personal}
    names |= {"city_code"}  # the league/city of the row's banner or park (regions.csv parent_code)
    if beneficiary == "talent":
        names |= {"person_key", "birth_year", "arrival_year"}
    if beneficiary == "enterprise":
        names |= {"award_year"}
    return names | set(variables)


def parse_rule(raw: dict[str, Any], doc: dict[str, Any], defaults: dict[str, Any], where: str) -> Rule:
    rid = raw.get("id") or "(no id)"
    at = f"{where}: rule {rid}"
    unknown = set(raw) - RULE_FIELDS
    if unknown:
        raise CatalogueError(f"{at}: unknown field(s) {sorted(unknown)}; allowed: {sorted(RULE_FIELDS)}")
    for required in ("id", "title", "citation", "status"):
        if not raw.get(required):
            raise CatalogueError(f"{at}: field '{required}' is required")
    cit = raw["citation"]
    if not isinstance(cit, dict) or not {"item", "lines", "quote"} <= set(cit):
        raise CatalogueError(f"{at}: field 'citation' needs item, lines [first, last] and quote")
    lines = cit["lines"]
    if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(x, int) for x in lines)
            and lines[0] <= lines[1]):
        raise CatalogueError(f"{at}: field 'citation.lines' must be [first, last] line numbers")
    lo, hi = doc["source_lines"]
    if not (lo <= lines[0] and lines[1] <= hi):
        raise CatalogueError(f"{at}: field 'citation.lines' {lines} is outside document {doc['document']} {lo}-{hi}")
    status = raw["status"]
    kind = raw.get("kind", "spending")
    if kind not in KINDS:
        raise CatalogueError(f"{at}: field 'kind' must be one of {KINDS}")
    base = dict(id=rid, document=doc["document"], title=raw["title"], citation=cit, status=status, kind=kind,
                beneficiary=raw.get("beneficiary"), reading=raw.get("reading", ""), links=raw.get("links") or {},
                stacking_group=raw.get("stacking_group"), stacking_scope=raw.get("stacking_scope", "object"),
                raw=raw)
    if base["stacking_scope"] not in ("object", "beneficiary") or (
            raw.get("stacking_scope") and not raw.get("stacking_group")):
        raise CatalogueError(f"{at}: field 'stacking_scope' is object or beneficiary, and needs a stacking_group")
    links = raw.get("links") or {}
    if set(links) - set(LINKS):
        raise CatalogueError(f"{at}: field 'links' allows {LINKS}")
    if status == "not_costable":
        if not raw.get("reason"):
            raise CatalogueError(f"{at}: field 'reason' is required when status is not_costable")
        return Rule(**base, reason=raw["reason"])
    if "restates" in links:
        # The rule that keeps a restated amount from being paid twice: an entry that only restates another
        # (same beneficiaries, same amount, same event) is catalogued, linked, and never costed itself.
        raise CatalogueError(f"{at}: field 'links.restates': an entry that restates {links['restates']} is "
                             "status not_costable (reason: restates …); a top-up on it uses links.tops_up")
    if status != "costed":
        raise CatalogueError(f"{at}: field 'status' must be costed or not_costable")
    basis = raw.get("basis", "exact")
    if basis not in BASES:
        raise CatalogueError(f"{at}: field 'basis' must be one of {BASES}")
    expected = raw.get("expected_share")
    if (basis == "expected_value") != (expected is not None):
        raise CatalogueError(f"{at}: field 'expected_share' (0 < share <= 1 of the text's ceiling) goes with "
                             "basis expected_value, and only with it")
    if expected is not None and not 0 < _dec(expected, f"{at}: field 'expected_share'") <= 1:
        raise CatalogueError(f"{at}: field 'expected_share' must be in (0, 1]")
    paid_to = raw.get("paid_to", "beneficiary")
    if paid_to not in ("beneficiary", "employer") or (paid_to == "employer" and raw.get("beneficiary") != "talent"):
        raise CatalogueError(f"{at}: field 'paid_to' is beneficiary, or employer for a talent rule")
    return Rule(**base, basis=basis, paid_to=paid_to,
                expected_share=_dec(expected, at) if expected is not None else None,
                **_costed_parts(raw, doc, defaults, at))


def _costed_parts(raw: dict[str, Any], doc: dict[str, Any], defaults: dict[str, Any], at: str) -> dict[str, Any]:
    ben = raw.get("beneficiary")
    if ben not in BENEFICIARIES:
        raise CatalogueError(f"{at}: field 'beneficiary' must be one of {sorted(BENEFICIARIES)}")
    trigger = raw.get("trigger", TRIGGERS[ben][0])
    if trigger not in TRIGGERS[ben]:
        raise CatalogueError(f"{at}: field 'trigger' must be one of {TRIGGERS[ben]} for a {ben} rule")
    variables = raw.get("variables") or {}
    if variables and ben != "enterprise":
        raise CatalogueError(f"{at}: field 'variables' (metric look-ups) is only for enterprise rules")
    known_metrics = set(reference.load("metrics")["metric"])
    for name, spec in variables.items():
        if set(spec) - {"metric", "year_offset"} or "metric" not in spec:
            raise CatalogueError(f"{at}: field 'variables.{name}' needs metric and optional year_offset")
        if spec["metric"] not in known_metrics:
            raise CatalogueError(f"{at}: field 'variables.{name}': unknown metric {spec['metric']!r} "
                                 "(add it to seeds/reference/metrics.csv)")
    names = field_names(ben, variables)

    def expr(value: Any, fld: str) -> str:
        try:
            return compile_expression(value, names)
        except FormulaError as exc:
            raise CatalogueError(f"{at}: field '{fld}': {exc}") from exc

    out: dict[str, Any] = dict(trigger=trigger, variables=variables,
                               eligibility_sql=expr(raw.get("eligibility", "TRUE"), "eligibility"))
    if ben == "programme":
        out["programme"] = _programme(raw.get("programme"), doc, at)
        if "amount" in raw or "tiers" in raw:
            raise CatalogueError(f"{at}: a programme rule gives its amounts in 'programme', not 'amount'/'tiers'")
    elif ("amount" in raw) == ("tiers" in raw):
        raise CatalogueError(f"{at}: give exactly one of 'amount' or 'tiers'")
    elif "amount" in raw:
        out["amount_sql"] = expr(raw["amount"], "amount")
    else:
        out["tiers_by_sql"], out["tiers"] = _tiers(raw["tiers"], expr, at)
    caps = raw.get("caps") or {}
    if set(caps) - {"per_award", "per_beneficiary_year"}:
        raise CatalogueError(f"{at}: field 'caps' allows per_award and per_beneficiary_year")
    out["cap_per_award"] = _dec(caps["per_award"], f"{at}: field 'caps.per_award'") if caps.get("per_award") else None
    if caps.get("per_beneficiary_year"):
        out["cap_per_beneficiary_year"] = _dec(caps["per_beneficiary_year"], f"{at}: field 'caps.per_beneficiary_year'")
    out.update(_schedule(raw.get("schedule") or {}, at))
    out.update(_shares(raw, doc, defaults, at))
    valid = raw.get("valid") or {}
    out["valid_from"] = _date(valid.get("from"), f"{at}: field 'valid.from'")
    if out["valid_from"] is None and ben == "programme":
        out["valid_from"] = date(min(line["year"] for line in out["programme"]), 1, 1)
    out["valid_to"] = _date(valid.get("to"), f"{at}: field 'valid.to'")
    if out["valid_from"] is None:
        raise CatalogueError(f"{at}: field 'valid.from' is required for a costed rule")
    if out["valid_to"] and out["valid_to"] < out["valid_from"]:
        raise CatalogueError(f"{at}: field 'valid': 'to' is before 'from'")
    step = (raw.get("rounding") or {}).get("step_fen", 1)
    if not isinstance(step, int) or step < 1:
        raise CatalogueError(f"{at}: field 'rounding.step_fen' must be a positive whole number of fen")
    out["step_fen"] = step
    return out


def _tiers(spec: dict[str, Any], expr, at: str) -> tuple[str, tuple[Tier, ...]]:
    if not isinstance(spec, dict) or "by" not in spec or not spec.get("brackets"):
        raise CatalogueError(f"{at}: field 'tiers' needs 'by' and a list of 'brackets'")
    by = expr(spec["by"], "tiers.by")
    tiers = []
    for i, b in enumerate(spec["brackets"]):
        where = f"{at}: field 'tiers.brackets[{i}]'"
        if "amount" not in b or set(b) - {"min", "max", "equals", "amount", "label"}:
            raise CatalogueError(f"{where}: needs amount and min/max or equals (and an optional label)")
        tiers.append(Tier(amount_sql=expr(b["amount"], f"tiers.brackets[{i}].amount"),
                          min=_dec(b["min"], where) if "min" in b else None,
                          max=_dec(b["max"], where) if "max" in b else None,
                          equals=str(b["equals"]) if "equals" in b else None, label=str(b.get("label", i + 1))))
    ranged = sorted((t for t in tiers if t.equals is None), key=lambda t: t.min or Decimal(0))
    for a, b in zip(ranged, ranged[1:], strict=False):
        if a.max is None or b.min is None or a.max > b.min:
            raise CatalogueError(f"{at}: field 'tiers': brackets overlap ({a.label} and {b.label}); "
                                 "each bracket is [min, max) and the next starts at or after max")
    equals = [t.equals for t in tiers if t.equals is not None]
    if len(equals) != len(set(equals)):
        raise CatalogueError(f"{at}: field 'tiers': the same 'equals' value appears twice")
    return by, tuple(tiers)


def _programme(lines: Any, doc: dict[str, Any], at: str) -> tuple[dict[str, Any], ...]:
    """Fixed programme budgets (安排X亿元): a liability of the named level in the named year."""
    if not isinstance(lines, list) or not lines:
        raise CatalogueError(f"{at}: field 'programme' needs a list of {{year, amount, region}} lines")
    out = []
    for i, line in enumerate(lines):
        where = f"{at}: field 'programme[{i}]'"
        keys = set(line) if isinstance(line, dict) else set()
        if not keys or keys - {"year", "amount", "region"} or not {"year", "amount"} <= keys:
            raise CatalogueError(f"{where}: needs year and amount (yuan), and an optional region code")
        if not isinstance(line["year"], int):
            raise CatalogueError(f"{where}: year must be a whole year, e.g. 2024")
        same_year = sum(1 for earlier in out if earlier["year"] == line["year"])  # 2nd line of a year -> /2
        out.append({"line_no": same_year + 1, "year": line["year"], "amount": _dec(line["amount"], where),
                    "region": str(line.get("region", DOC_REGION.get(doc["level"], "150000")))})
    return tuple(out)


def _schedule(spec: dict[str, Any], at: str) -> dict[str, Any]:
    if set(spec) - {"instalments", "periodic", "lag_years", "stop_on_departure"}:
        raise CatalogueError(f"{at}: field 'schedule' allows instalments or periodic, lag_years, stop_on_departure")
    if "periodic" in spec:
        per = spec["periodic"]
        if "instalments" in spec or not isinstance(per, dict) or per.get("every") not in ("month", "year") \
                or not isinstance(per.get("count"), int) or per["count"] < 1 or set(per) - {"every", "count"}:
            raise CatalogueError(f"{at}: field 'schedule.periodic' needs every (month or year) and a whole count "
                                 ">= 1, and excludes instalments (the amount is then per period)")
        lag = spec.get("lag_years", 0)
        return dict(period_unit=per["every"], period_count=per["count"], lag_years=lag,
                    stop_on_departure=bool(spec.get("stop_on_departure")))
    inst = spec.get("instalments", [1])
    if not (isinstance(inst, list) and inst and all(isinstance(w, int) and w > 0 for w in inst)):
        raise CatalogueError(f"{at}: field 'schedule.instalments' must be positive whole weights, e.g. [4, 3, 3]")
    lag = spec.get("lag_years", 0)
    if not isinstance(lag, int) or lag < 0:
        raise CatalogueError(f"{at}: field 'schedule.lag_years' must be a whole number >= 0")
    return dict(instalments=tuple(inst), lag_years=lag, stop_on_departure=bool(spec.get("stop_on_departure")))


def _shares(raw: dict[str, Any], doc: dict[str, Any], defaults: dict[str, Any], at: str) -> dict[str, Any]:
    specified = raw.get("split_specified", True)
    shares = raw.get("shares") if specified else defaults["unspecified_split"][doc["level"]]
    if not shares:
        raise CatalogueError(f"{at}: field 'shares' is required (or set split_specified: false)")
    if set(shares) - set(LEVELS):
        raise CatalogueError(f"{at}: field 'shares' levels must be among {LEVELS}")
    parsed = {lvl: _dec(v, f"{at}: field 'shares.{lvl}'") for lvl, v in shares.items()}
    total = sum(parsed.values(), Decimal(0))
    if total != 1:
        raise CatalogueError(f"{at}: field 'shares' sums to {total}, must be exactly 1")
    return dict(shares=parsed, split_specified=bool(specified))


def load_defaults(directory: Path = CATALOGUE_DIR) -> dict[str, Any]:
    return yaml.safe_load((directory / "defaults.yaml").read_text(encoding="utf-8"))


def load(directory: Path = CATALOGUE_DIR) -> Catalogue:
    defaults = load_defaults(directory)
    files = sorted(p for p in directory.glob("*.yaml") if p.name != "defaults.yaml")
    digest = hashlib.sha256()
    docs: dict[str, dict[str, Any]] = {}
    rules, seen = [], set()
    for path in [directory / "defaults.yaml", *files]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in files:
        where = path.relative_to(directory.parent.parent) if directory.is_relative_to(SEEDS_DIR.parent) else path
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        needed = {"document", "level", "source_lines"}
        if not isinstance(data, dict) or set(data) - DOC_FIELDS or not needed <= set(data):
            raise CatalogueError(f"{where}: a catalogue file needs document, level, source_lines and rules "
                                 f"(allowed keys {sorted(DOC_FIELDS)})")
        if data["level"] not in LEVELS:
            raise CatalogueError(f"{where}: level must be one of {LEVELS}")
        header = {k: v for k, v in data.items() if k not in ("rules", "notes", "items_without_fiscal_clause")}
        known = docs.setdefault(data["document"], {**header, "notes": "", "items_without_fiscal_clause": []})
        known["notes"] = (known["notes"] + " " + (data.get("notes") or "")).strip()
        known["items_without_fiscal_clause"] += [str(i) for i in data.get("items_without_fiscal_clause") or []]
        if {k: known[k] for k in header} != header:  # a document may span files (NMG2024.part2.yaml …)
            raise CatalogueError(f"{where}: document {data['document']} has a different header in another file")
        for raw in data.get("rules") or []:
            rule = parse_rule(raw, data, defaults, str(where))
            if rule.id in seen:
                raise CatalogueError(f"{where}: rule {rule.id}: field 'id' is used twice")
            seen.add(rule.id)
            rules.append(rule)
    for r in rules:
        for kind, target in r.links.items():
            if target not in seen:
                raise CatalogueError(f"rule {r.id}: field 'links.{kind}' names unknown rule {target}")
    return Catalogue(tuple(docs.values()), tuple(rules), digest.hexdigest()[:16])


def rule_record(rule: Rule) -> dict[str, Any]:
    """One row of catalogue.rules: scalar fields for queries plus the entry as written (JSON)."""
    cit = rule.citation
    return {
        "rule_id": rule.id, "document": rule.document, "item": str(cit["item"]),
        "line_first": cit["lines"][0], "line_last": cit["lines"][1], "quote": cit["quote"],
        "title": rule.title, "status": rule.status, "reason": rule.reason, "kind": rule.kind, "basis": rule.basis,
        "expected_share": rule.expected_share, "paid_to": rule.paid_to,
        "beneficiary": rule.beneficiary, "trigger": rule.trigger, "eligibility_sql": rule.eligibility_sql,
        "amount_sql": rule.amount_sql, "tiers_by_sql": rule.tiers_by_sql,
        "cap_per_award": rule.cap_per_award, "cap_per_beneficiary_year": rule.cap_per_beneficiary_year,
        "lag_years": rule.lag_years, "stop_on_departure": rule.stop_on_departure,
        "period_unit": rule.period_unit, "period_count": rule.period_count,
        "split_specified": rule.split_specified, "valid_from": rule.valid_from, "valid_to": rule.valid_to,
        "stacking_group": rule.stacking_group, "stacking_scope": rule.stacking_scope, "step_fen": rule.step_fen,
        "reading": rule.reading,
        "links": json.dumps(rule.links, ensure_ascii=False), "definition": json.dumps(rule.raw, ensure_ascii=False,
                                                                                       default=str),
    }
