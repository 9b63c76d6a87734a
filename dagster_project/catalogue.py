"""The policy catalogue: rules as data (seeds/catalogue/*.yaml), checked before anything is costed.

docs/catalogue.md is the format's reference. Loading fails with a message (Chinese) naming the file, the rule
and the field for any entry that breaks the format; the ledger never sees a half-valid catalogue. What loads
also runs: every name that reaches SQL text matches a strict pattern (and is quoted by sqlglot besides), every
number is bounded and has no more decimals than the column that stores it, formulas are bounded in size and
worst-case magnitude (formulas.py), programme lines name regions that exist, and the YAML itself is read by
safe_yaml (no aliases, bounded size).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from . import parameters, reference, safe_yaml, yaml_format
from .contract import REGISTRIES
from .formulas import FormulaError, compile_expression, equality_tested_names, referenced_names
from .parameters import Parameter, ParameterError
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
    "reading", "links", "programme", "basis", "paid_to", "expected_share", "stacking_scope", "assumption",
    "share_of",
}
LINKS = ("restates", "tops_up")
BASES = ("exact", "upper_bound", "lower_bound", "expected_value")  # the text's amount, its 最高 cap, its 不低于 floor …
SHORT_TITLE_MAX = 30  # a document's short name fits a table cell and a chart legend
DOC_FIELDS = {"document", "title", "short_title", "level", "issued", "source_lines", "notes", "rules",
              "items_without_fiscal_clause", "parameters", "valid", "continues"}
FORMULA_FIELDS = ("eligibility", "amount")  # besides tiers.by and each bracket's amount

# Names that reach SQL text (docs/catalogue.md, "What a catalogue entry cannot do").
RULE_ID = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Za-z0-9]+)*")
DOCUMENT_ID = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
VARIABLE = re.compile(r"[a-z][a-z0-9_]*")
GROUP = re.compile(r"[a-z0-9][a-z0-9_-]*")
REGION_CODE = re.compile(r"[0-9]{4}[0-9A-Z]{2}")
NAME_MAX = 64
# Bounds (docs/catalogue.md, "Bounds"): what the ledger's SQL can compute without overflow, with room to spare.
MONEY_MAX = Decimal(10) ** 12  # 1万亿元: caps, programme amounts, and (at run time) any one award
TIER_BOUND_MAX = Decimal(10) ** 12
MONEY_DECIMALS, TIER_DECIMALS, SHARE_DECIMALS = 2, 4, 6  # DECIMAL(18,2), DECIMAL(20,4), DECIMAL(9,6)
INSTALMENTS_MAX, WEIGHT_MAX = 20, 100
PERIODS_MAX = {"month": 240, "year": 20}
LAG_YEARS_MAX, YEAR_OFFSET_MAX, STEP_FEN_MAX = 20, 20, 1_000_000
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
VARIABLES_MAX, BRACKETS_MAX, PROGRAMME_LINES_MAX, TEXT_VALUE_MAX = 50, 50, 100, 100
SOURCE_LINE_MAX = 10_000_000
FIELD_KINDS = {"decimal": "decimal", "year": "integer", "integer": "integer", "date": "date"}  # others are text


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
    cap_per_beneficiary: Decimal | None = None  # 累计不超过: over all award years of the rule
    instalments: tuple[int, ...] = (1,)
    period_unit: str | None = None  # month | year: the amount is per period, paid `period_count` times
    period_count: int | None = None
    period_amount_per: str | None = None  # "year": a yearly amount earned by the month (年薪 pro rata)
    lag_years: int = 0
    stop_on_departure: bool = False
    shares: dict[str, Decimal] = field(default_factory=dict)
    share_of: str = "award"  # award: shares split the award (sum 1); base: each level's share of the amount
    split_specified: bool = True
    valid_from: date | None = None
    valid_to: date | None = None
    cohorts_from: date | None = None  # earliest trigger date (or metric year) that qualifies; default valid_from
    earlier_payments: str = "forgo"  # payments due before valid_from's year: forgo (not this policy's) | catch_up
    assumption: str = ""  # costed from a stated assumption (Chinese sentence); empty: from the text and registries
    stacking_group: str | None = None
    stacking_scope: str = "object"  # object: the same firm-year/project/person; beneficiary: once per firm or person
    step_fen: int = 1
    paid_to: str = "beneficiary"  # talent rules: "employer" books the award to the employer (caps per employer)
    expected_share: Decimal | None = None  # basis expected_value: the share of the text's ceiling expected
    reading: str = ""
    links: dict[str, str] = field(default_factory=dict)
    programme: tuple[dict[str, Any], ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()  # (parameter, field) for each parameter the rule uses
    ended_by_parameter: bool = False  # a dated null ended the measure: a forecast assuming its list renewed keeps it
    inputs: tuple[str, ...] = ()  # registry fields the formulas read: recorded with every award (ledger inputs)
    open_sql: dict[str, Any] = field(default_factory=dict, compare=False)  # formulas with dated values carried on
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    source: str = field(default="", compare=False)  # the file it came from, for messages at run time

    @property
    def costed(self) -> bool:
        return self.status == "costed"

    def stretched(self, **validity: Any) -> Rule:
        """The rule with another validity (a forecast window, a backtest's history) and its dated parameters'
        values carried on over gaps and beyond their last date (parameters.value_expression, open)."""
        return dataclasses.replace(self, **self.open_sql, **validity)


@dataclass(frozen=True)
class Catalogue:
    documents: tuple[dict[str, Any], ...]
    rules: tuple[Rule, ...]
    version: str  # SHA-256 of the catalogue files, in file-name order
    parameters: dict[str, Parameter] = field(default_factory=dict)
    periods: dict[str, list[parameters.Span]] = field(default_factory=dict)  # list documents' periods, continued

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def costed(self) -> list[Rule]:
        return [r for r in self.rules if r.costed]


# --- typed values: each names rule and field, and says what is allowed -----------------------------------------

def _error(at: str, fld: str, problem: str) -> CatalogueError:
    return CatalogueError(f"{at}：字段 '{fld}'：{problem}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(value: Any, at: str, fld: str, lo: int, hi: int) -> int:
    if not _is_int(value) or not lo <= value <= hi:
        raise _error(at, fld, f"{_show(value)} 应为 {lo:,} 到 {hi:,} 之间的整数")
    return value


def _flag(value: Any, at: str, fld: str) -> bool:
    if not isinstance(value, bool):
        raise _error(at, fld, f"{_show(value)} 应为 true 或 false（不是 1、\"true\" 或 yes 这类写法）")
    return value


def _mapping(value: Any, at: str, fld: str, allowed: set[str] | None = None) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _error(at, fld, f"应为键值对（mapping），而不是 {type(value).__name__}")
    if allowed is not None and set(value) - allowed:
        raise _error(at, fld, f"未知的键 {sorted(map(str, set(value) - allowed))}；允许：{sorted(allowed)}")
    return value


def _text(value: Any, at: str, fld: str, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(at, fld, f"应为非空文本，而不是 {_show(value)}")
    if limit is not None and len(value) > limit:
        raise _error(at, fld, f"最多 {limit} 个字符")
    return value


def _name(value: Any, pattern: re.Pattern[str], at: str, fld: str, example: str) -> str:
    """A name that reaches SQL text: a string matching `pattern`, at most NAME_MAX characters."""
    if not isinstance(value, str) or len(value) > NAME_MAX or not pattern.fullmatch(value):
        raise _error(at, fld, f"{_show(value)} 不是合法名称：只能用 {example} 这样的写法（最多 {NAME_MAX} 个字符）")
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _dec(value: Any, at: str, fld: str, decimals: int, maximum: Decimal) -> Decimal:
    """A non-negative number with at most `decimals` decimals (the stored scale) and at most `maximum`."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _error(at, fld, f"{_show(value)} 不是数字")
    text = str(value).strip()
    try:
        d = Decimal(text)
    except InvalidOperation as exc:
        raise _error(at, fld, f"{_show(value)} 不是数字") from exc
    if not d.is_finite() or d < 0:
        raise _error(at, fld, f"{_show(value)} 应为非负的有限数")
    if d > maximum:
        raise _error(at, fld, f"{_show(value)} 超过上限 {maximum:,}")
    places = max(0, -d.normalize().as_tuple().exponent)
    if places > decimals:
        raise _error(at, fld, f"{_show(value)} 有 {places} 位小数，最多 {decimals} 位（按 {decimals} 位小数存储，"
                              "多出的位数会被悄悄舍入）")
    return d


def _date(value: Any, at: str, fld: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value))
        except ValueError as exc:
            raise _error(at, fld, f"{_show(value)} 不是日期（YYYY-MM-DD）") from exc
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _error(at, fld, f"{day} 应在 {FIRST_DAY} 到 {LAST_DAY} 之间")
    return day


# --- rules ----------------------------------------------------------------------------------------------------

def field_kinds(beneficiary: str, variables: dict[str, Any]) -> dict[str, str]:
    """The names a rule's formulas may use, with their kind (decimal, integer, date, text)."""
    if beneficiary == "programme":
        return {}
    kinds = {c.name: FIELD_KINDS.get(c.kind, "text") for c in REGISTRIES[BENEFICIARIES[beneficiary]].columns
             if not c.personal}
    kinds["city_code"] = "text"  # the league/city of the row's banner or park (regions.csv parent_code)
    kinds["banner_code"] = "text"  # the banner itself, or the host banner of a city-level park (regions.csv)
    if beneficiary == "talent":
        kinds |= {"person_key": "text", "birth_year": "integer", "arrival_year": "integer"}
    if beneficiary == "enterprise":
        kinds |= {"award_year": "integer"}
    return kinds | {name: "decimal" for name in variables}  # metric values are DECIMAL


def parse_rule(raw: Any, doc: dict[str, Any], defaults: dict[str, Any], where: str,
               params: dict[str, Parameter] | None = None, periods: list[parameters.Span] | None = None) -> Rule:
    """One entry checked. `params`: the catalogue's parameters; `periods`: when the document's measures are in force
    (its list period and those of the lists that continue it), for rules with no period of their own."""
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}：rules 中的每一项应为一条规则（键值对），而不是 {raw!r:.80}")
    rid = raw.get("id") if isinstance(raw.get("id"), str) else "(无 id)"
    at = f"{where}：规则 {rid}"
    unknown = set(map(str, raw)) - RULE_FIELDS
    if unknown:
        raise CatalogueError(f"{at}：未知字段 {sorted(unknown)}；允许的字段：{sorted(RULE_FIELDS)}")
    for required in ("id", "title", "citation", "status"):
        if not raw.get(required):
            raise _error(at, required, "必填")
    _name(raw["id"], RULE_ID, at, "id", "NMG2024-11A、ORD2024-2-6-03")
    _text(raw["title"], at, "title")
    cit = _citation(raw["citation"], doc, at)
    status = raw["status"]
    kind = raw.get("kind", "spending")
    if kind not in KINDS:
        raise _error(at, "kind", f"应为 {KINDS} 之一")
    links = {k: _name(v, RULE_ID, at, f"links.{k}", "NMG2024-11A")
             for k, v in _mapping(raw.get("links"), at, "links", set(LINKS)).items()}
    group = raw.get("stacking_group")
    base = dict(id=rid, document=doc["document"], title=raw["title"], citation=cit, status=status, kind=kind,
                beneficiary=raw.get("beneficiary"), reading=_optional_text(raw, "reading", at), links=links,
                stacking_group=None if group is None else _name(group, GROUP, at, "stacking_group", "trade-port-fees"),
                stacking_scope=raw.get("stacking_scope", "object"), raw=raw, source=where)
    if base["stacking_scope"] not in ("object", "beneficiary") or ("stacking_scope" in raw and group is None):
        raise _error(at, "stacking_scope", "应为 object 或 beneficiary，并且需要同时给出 stacking_group")
    if status == "not_costable":
        if not isinstance(raw.get("reason"), str) or not raw["reason"].strip():
            raise _error(at, "reason", "status 为 not_costable 时必填：写明为何无法计算")
        return Rule(**base, reason=raw["reason"])
    if "restates" in links:
        # The rule that keeps a restated amount from being paid twice: an entry that only restates another
        # (same beneficiaries, same amount, same event) is catalogued, linked, and never costed itself.
        raise _error(at, "links.restates", f"复述 {links['restates']} 的条目应为 status: not_costable（reason: "
                                           "restates …）；在其基础上另行加发的用 links.tops_up")
    if status != "costed":
        raise _error(at, "status", "应为 costed 或 not_costable")
    resolved, uses = _numeric_parameters(raw, params or {}, at)
    return Rule(**base, **_costed_head(resolved, at),
                **_costed_parts(resolved, doc, defaults, at, params or {}, uses, periods))


def _optional_text(raw: dict[str, Any], key: str, at: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise _error(at, key, "应为文本")
    return value


def _citation(cit: Any, doc: dict[str, Any], at: str) -> dict[str, Any]:
    cit = _mapping(cit, at, "citation")
    if not {"item", "lines", "quote"} <= set(cit):
        raise _error(at, "citation", "需要 item、lines [起, 止] 和 quote")
    if isinstance(cit["item"], bool) or not isinstance(cit["item"], str | int) or not isinstance(cit["quote"], str):
        raise _error(at, "citation", "item 应为条目编号（如 \"11\"、\"七\"），quote 应为原文")
    lines = cit["lines"]
    if not (isinstance(lines, list) and len(lines) == 2 and all(_is_int(x) for x in lines) and lines[0] <= lines[1]):
        raise _error(at, "citation.lines", "应为 [起, 止] 两个行号，起 ≤ 止")
    lo, hi = doc["source_lines"]
    if not (lo <= lines[0] and lines[1] <= hi):
        raise _error(at, "citation.lines", f"{lines} 超出文件 {doc['document']} 的行号范围 {lo}-{hi}")
    return cit


def _costed_head(raw: dict[str, Any], at: str) -> dict[str, Any]:
    """basis, expected_share and paid_to of a costed rule."""
    basis = raw.get("basis", "exact")
    if basis not in BASES:
        raise _error(at, "basis", f"应为 {BASES} 之一")
    expected = raw.get("expected_share")
    if (basis == "expected_value") != (expected is not None):
        raise _error(at, "expected_share", "（0 < 比例 ≤ 1，文本上限中预计兑现的比例）只能且必须与 basis: "
                                           "expected_value 一起使用")
    share = None
    if expected is not None:
        share = _dec(expected, at, "expected_share", SHARE_DECIMALS, Decimal(1))
        if share == 0:
            raise _error(at, "expected_share", "应大于 0 且不超过 1")
    paid_to = raw.get("paid_to", "beneficiary")
    if paid_to not in ("beneficiary", "employer") or (paid_to == "employer" and raw.get("beneficiary") != "talent"):
        raise _error(at, "paid_to", "应为 beneficiary；人才规则也可为 employer")
    assumption = _optional_text(raw, "assumption", at).strip()
    return dict(basis=basis, paid_to=paid_to, expected_share=share, assumption=assumption)


def _costed_parts(raw: dict[str, Any], doc: dict[str, Any], defaults: dict[str, Any], at: str,
                  params: dict[str, Parameter], uses: list[tuple[str, str]],
                  periods: list[parameters.Span] | None) -> dict[str, Any]:
    ben = raw.get("beneficiary")
    if ben not in BENEFICIARIES:
        raise _error(at, "beneficiary", f"应为 {sorted(BENEFICIARIES)} 之一")
    trigger = raw.get("trigger", TRIGGERS[ben][0])
    if trigger not in TRIGGERS[ben]:
        raise _error(at, "trigger", f"{ben} 规则应为 {TRIGGERS[ben]} 之一")
    variables = _variables(raw.get("variables"), ben, at)
    kinds = field_kinds(ben, variables)
    formulas = _formulas(raw, at)
    uses = uses + _formula_parameters(formulas, params, kinds, at)
    out: dict[str, Any] = dict(trigger=trigger, variables=variables, parameters=tuple(uses),
                               inputs=_inputs(formulas, params, variables))
    if ben == "programme" and ("amount" in raw or "tiers" in raw):
        raise CatalogueError(f"{at}：programme 规则的金额写在 'programme' 中，不能用 'amount'/'tiers'")
    if ben != "programme" and ("amount" in raw) == ("tiers" in raw):
        raise CatalogueError(f"{at}：'amount' 和 'tiers' 必须且只能给出一个")
    used = [params[name] for name in dict(uses)]
    out.update(_caps(raw.get("caps"), at))
    out.update(_schedule(raw.get("schedule"), at))
    _no_event_equality(raw, variables, at)
    out.update(_shares(raw, doc, defaults, at))
    if ben == "programme":
        out["programme"] = _programme(raw.get("programme"), doc, out["shares"], at)
    spans, ended = _window(raw.get("valid"), at, used, periods)
    out.update(_validity(raw.get("valid"), out.get("programme", ()), at, spans), ended_by_parameter=ended)
    when, yearly = ("award_year", True) if ben == "enterprise" else (trigger, False)
    out.update(_compiled(raw, kinds, used, when, yearly, at, spans, open_ended=False))
    if len(spans) > 1 or any(len(p.spans()) > 1 for p in used):  # dated values: the forecast's variant too
        out["open_sql"] = _compiled(raw, kinds, used, when, yearly, at, spans, open_ended=True)
    rounding = _mapping(raw.get("rounding"), at, "rounding", {"step_fen"})
    out["step_fen"] = _whole(rounding.get("step_fen", 1), at, "rounding.step_fen", 1, STEP_FEN_MAX)
    return out


def _compiled(raw: dict[str, Any], kinds: dict[str, str], used: list[Parameter], when: str, yearly: bool, at: str,
              spans: list[parameters.Span], open_ended: bool) -> dict[str, Any]:
    """eligibility_sql, amount_sql or tiers: the formulas with each parameter replaced by its value expression."""
    substitute = {p.name: parameters.value_expression(p, when, yearly, open_ended) for p in used}

    def expr(value: Any, fld: str, role: str) -> str:
        try:
            return compile_expression(value, kinds, role, substitute)
        except FormulaError as exc:
            raise _error(at, fld, str(exc)) from exc

    eligibility = expr(raw.get("eligibility", "TRUE"), "eligibility", "condition")
    gap = None if open_ended else parameters.in_force_condition(spans, when, yearly)
    if gap is not None:  # a gap between two lists: nothing is awarded for a trigger inside it
        eligibility = f"({eligibility}) AND {gap.sql(dialect='duckdb')}"
    out: dict[str, Any] = dict(eligibility_sql=eligibility)
    if "amount" in raw:
        out["amount_sql"] = expr(raw["amount"], "amount", "amount")
    elif "tiers" in raw:
        out["tiers_by_sql"], out["tiers"] = _tiers(raw["tiers"], expr, at)
    return out


def _formulas(raw: dict[str, Any], at: str) -> dict[str, str]:
    """{field: formula text} of a rule: eligibility, amount, tiers.by, each bracket's amount."""
    out = {f: raw[f] for f in FORMULA_FIELDS if f in raw}
    tiers = raw.get("tiers")
    if isinstance(tiers, dict):
        out["tiers.by"] = tiers.get("by")
        brackets = tiers.get("brackets")
        for i, b in enumerate(brackets if isinstance(brackets, list) else []):
            if isinstance(b, dict) and "amount" in b:
                out[f"tiers.brackets[{i}].amount"] = b["amount"]
    for fld, text in out.items():
        if isinstance(text, bool) or not isinstance(text, str | int | float):
            raise _error(at, fld, f"应为公式文本或数字，而不是 {type(text).__name__}")
    return {fld: str(text) for fld, text in out.items()}


def _names(text: str) -> set[str]:
    try:
        return referenced_names(text)
    except Exception:  # noqa: BLE001 - unparsable: compile_expression names the field and the problem
        return set()


def _formula_parameters(formulas: dict[str, str], params: dict[str, Parameter], kinds: dict[str, str],
                        at: str) -> list[tuple[str, str]]:
    uses = []
    for fld, text in formulas.items():
        for name in sorted(_names(text) & set(params)):
            if name in kinds:
                raise _error(at, fld, f"参数 {name} 与本规则的字段或指标同名；请给参数换一个名称")
            uses.append((name, fld))
    return uses


def _inputs(formulas: dict[str, str], params: dict[str, Parameter], variables: dict[str, Any]) -> tuple[str, ...]:
    names: set[str] = set().union(*(_names(t) for t in formulas.values())) if formulas else set()
    return tuple(sorted(names - set(params) - set(variables)))


# the fields that hold one number and may name a parameter instead (docs/catalogue.md, "Parameters")
def _numeric_slots(raw: dict[str, Any]) -> list[tuple[str, dict[str, Any] | list[Any], str | int]]:
    slots: list[tuple[str, dict[str, Any] | list[Any], str | int]] = []
    for key in ("caps", "shares"):
        if isinstance(raw.get(key), dict):
            slots += [(f"{key}.{k}", raw[key], k) for k in raw[key]]
    if "expected_share" in raw:
        slots.append(("expected_share", raw, "expected_share"))
    tiers = raw.get("tiers")
    if isinstance(tiers, dict) and isinstance(tiers.get("brackets"), list):
        for i, b in enumerate(tiers["brackets"]):
            if isinstance(b, dict):
                slots += [(f"tiers.brackets[{i}].{k}", b, k) for k in ("min", "max") if k in b]
    if isinstance(raw.get("programme"), list):
        slots += [(f"programme[{i}].amount", line, "amount") for i, line in enumerate(raw["programme"])
                  if isinstance(line, dict) and "amount" in line]
    return slots


def _numeric_parameters(raw: dict[str, Any], params: dict[str, Parameter],
                        at: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A copy of `raw` with each parameter named in a number field replaced by its value, and the uses. These
    fields are stored as one number per rule (catalogue.rules, rule_shares, rule_tiers), so their parameter must
    have one value; a value that changes by date belongs in a formula."""
    resolved = copy.deepcopy(raw)
    uses: list[tuple[str, str]] = []
    for fld, holder, key in _numeric_slots(resolved):
        name = holder[key]
        if isinstance(name, str) and name not in params and parameters.NAME.fullmatch(name):
            raise _error(at, fld, f"未知参数 {name!r}：请先在文件的 parameters 中声明")
        if not isinstance(name, str) or name not in params:
            continue
        value = parameters.single_value(params[name])
        if value is None:
            raise _error(at, fld, f"参数 {name} 在不同时期取值不同；上限、分担比例、分档界限、预计比例和预算金额"
                                  "只能引用各时期取值相同的参数（随日期变化的金额请写在公式中）")
        holder[key] = f"{value:f}"
        uses.append((name, fld))
    return resolved, uses


def _no_event_equality(raw: dict[str, Any], variables: dict[str, dict[str, Any]], at: str) -> None:
    """An event metric counts events (two lists in one year record 2): `= 1` would give such a firm nothing."""
    events = set(reference.load("metrics").filter(pl.col("projection") == "event")["metric"])
    counted = {name for name, v in variables.items() if v["metric"] in events}
    for fld in ("eligibility", "amount"):
        if counted and fld in raw and (hit := equality_tested_names(raw[fld]) & counted):
            raise _error(at, fld, f"事件指标 {sorted(hit)} 记录的是次数（同一年度可为 2），不能用 = 或 IN 比较；"
                                  "请写成 >= 1（同一年度只奖励一次）")


def _variables(spec: Any, ben: str, at: str) -> dict[str, dict[str, Any]]:
    variables = _mapping(spec, at, "variables")
    if variables and ben != "enterprise":
        raise _error(at, "variables", "（指标取数）只用于 enterprise 规则")
    if ben == "enterprise" and not variables:
        raise _error(at, "variables", "enterprise 规则至少需要一个 variables：获奖年度来自指标行")
    if len(variables) > VARIABLES_MAX:
        raise _error(at, "variables", f"最多 {VARIABLES_MAX} 个")
    known_metrics = set(reference.load("metrics")["metric"])
    taken = set(field_kinds(ben, {})) if ben != "programme" else set()
    for name, var in variables.items():
        _name(name, VARIABLE, at, "variables", "milk_t、cp1（小写字母开头，小写字母、数字、下划线）")
        fld = f"variables.{name}"
        if name in taken:
            raise _error(at, fld, f"{name!r} 与登记表字段同名；请换一个名称")
        var = _mapping(var, at, fld, {"metric", "year_offset"})
        if "metric" not in var:
            raise _error(at, fld, "需要 metric，可选 year_offset")
        if not isinstance(var["metric"], str) or var["metric"] not in known_metrics:
            raise _error(at, fld, f"未知指标 {var['metric']!r}（请先加入 seeds/reference/metrics.csv）")
        _whole(var.get("year_offset", 0), at, f"{fld}.year_offset", -YEAR_OFFSET_MAX, YEAR_OFFSET_MAX)
    return variables


def _caps(spec: Any, at: str) -> dict[str, Decimal | None]:
    keys = ("per_award", "per_beneficiary_year", "per_beneficiary")
    caps = _mapping(spec, at, "caps", set(keys))
    out: dict[str, Decimal | None] = {}
    for key in keys:
        value = caps.get(key)
        cap = None if value is None else _dec(value, at, f"caps.{key}", MONEY_DECIMALS, MONEY_MAX)
        out[f"cap_{key}"] = cap or None  # a cap of 0 is no cap
    return out


def _tiers(spec: Any, expr: Callable[[Any, str, str], str], at: str) -> tuple[str, tuple[Tier, ...]]:
    spec = _mapping(spec, at, "tiers", {"by", "brackets"})
    brackets = spec.get("brackets")
    if "by" not in spec or not isinstance(brackets, list) or not brackets:
        raise _error(at, "tiers", "需要 'by' 和 'brackets' 列表")
    if len(brackets) > BRACKETS_MAX:
        raise _error(at, "tiers.brackets", f"最多 {BRACKETS_MAX} 档")
    tiers = [_bracket(b, expr, at, i) for i, b in enumerate(brackets)]
    by = expr(spec["by"], "tiers.by", "number" if any(t.equals is None for t in tiers) else "value")
    ranged = sorted((t for t in tiers if t.equals is None), key=lambda t: t.min or Decimal(0))
    for a, b in zip(ranged, ranged[1:], strict=False):
        if a.max is None or b.min is None or a.max > b.min:
            raise _error(at, "tiers", f"分档重叠（{a.label} 与 {b.label}）；每档为 [min, max)，"
                                      "下一档从 max 或更高处开始")
    equals = [t.equals for t in tiers if t.equals is not None]
    if len(equals) != len(set(equals)):
        raise _error(at, "tiers", "同一个 'equals' 值出现了两次")
    labels = [t.label for t in tiers]
    if len(labels) != len(set(labels)):
        raise _error(at, "tiers", "同一个 label 出现了两次")
    return by, tuple(tiers)


def _bracket(b: Any, expr: Callable[[Any, str, str], str], at: str, i: int) -> Tier:
    fld = f"tiers.brackets[{i}]"
    b = _mapping(b, at, fld, {"min", "max", "equals", "amount", "label"})
    if "amount" not in b or ("equals" in b and ({"min", "max"} & set(b))):
        raise _error(at, fld, "需要 amount，以及 min/max 或 equals 之一（label 可选）")
    low = _dec(b["min"], at, f"{fld}.min", TIER_DECIMALS, TIER_BOUND_MAX) if "min" in b else None
    high = _dec(b["max"], at, f"{fld}.max", TIER_DECIMALS, TIER_BOUND_MAX) if "max" in b else None
    if low is not None and high is not None and low >= high:
        raise _error(at, fld, f"min {low} 应小于 max {high}")
    for key in ("equals", "label"):
        value = b.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)
                                  or len(str(value)) > TEXT_VALUE_MAX):
            raise _error(at, f"{fld}.{key}", f"应为不超过 {TEXT_VALUE_MAX} 个字符的文本或整数")
    return Tier(amount_sql=expr(b["amount"], f"{fld}.amount", "amount"), min=low, max=high,
                equals=str(b["equals"]) if "equals" in b else None, label=str(b.get("label", i + 1)))


def _programme(lines: Any, doc: dict[str, Any], shares: dict[str, Decimal], at: str) -> tuple[dict[str, Any], ...]:
    """Fixed programme budgets (安排X亿元): a liability of the named level in the named year."""
    if not isinstance(lines, list) or not lines:
        raise _error(at, "programme", "需要 {year, amount, region} 行的列表")
    if len(lines) > PROGRAMME_LINES_MAX:
        raise _error(at, "programme", f"最多 {PROGRAMME_LINES_MAX} 行")
    out = []
    for i, line in enumerate(lines):
        fld = f"programme[{i}]"
        line = _mapping(line, at, fld, {"year", "amount", "region"})
        if not {"year", "amount"} <= set(line):
            raise _error(at, fld, "需要 year 和 amount（元），region（区划代码）可选")
        year = _whole(line["year"], at, f"{fld}.year", FIRST_DAY.year, LAST_DAY.year)
        region = str(line.get("region", DOC_REGION.get(doc["level"], "150000")))
        _programme_region(region, shares, at, f"{fld}.region")
        same_year = sum(1 for earlier in out if earlier["year"] == year)  # 2nd line of a year -> /2
        out.append({"line_no": same_year + 1, "year": year, "region": region,
                    "amount": _dec(line["amount"], at, f"{fld}.amount", MONEY_DECIMALS, MONEY_MAX)})
    return tuple(out)


def _programme_region(code: str, shares: dict[str, Decimal], at: str, fld: str) -> None:
    """The region exists, and every level with a share has someone to pay it (sql/liabilities.sql)."""
    regions = {r["region_code"]: r for r in reference.load("regions").iter_rows(named=True)}
    if not REGION_CODE.fullmatch(code) or code not in regions:
        raise _error(at, fld, f"区划代码 {code!r} 不在 seeds/reference/regions.csv 中")
    level = regions[code]["level"]
    parent = regions.get(regions[code]["parent_code"] or "", {}).get("level")
    if shares.get("city") and not (level == "city" or parent == "city"):
        raise _error(at, fld, f"{code}（{regions[code]['name_zh']}）不属于任何盟市，无法承担 city 份额")
    if shares.get("banner"):
        pool = code[:4] + "BP"
        if level == "city" and pool not in regions:
            raise _error(at, fld, f"{code} 的旗区份额记入 {pool}，但 regions.csv 中没有这个旗区资金池")
        if level not in ("city", "banner", "park"):
            raise _error(at, fld, f"{code}（{regions[code]['name_zh']}）不是盟市或旗区，无法承担 banner 份额")


def _schedule(spec: Any, at: str) -> dict[str, Any]:
    spec = _mapping(spec, at, "schedule", {"instalments", "periodic", "lag_years", "stop_on_departure"})
    lag = _whole(spec.get("lag_years", 0), at, "schedule.lag_years", 0, LAG_YEARS_MAX)
    stop = _flag(spec.get("stop_on_departure", False), at, "schedule.stop_on_departure")
    if "periodic" in spec:
        per = spec["periodic"]
        if "instalments" in spec or not isinstance(per, dict) or per.get("every") not in PERIODS_MAX \
                or set(per) - {"every", "count", "per"}:
            raise _error(at, "schedule.periodic", "需要 every（month 或 year）和整数 count，且不能与 instalments "
                                                  "同时使用（此时金额为每期金额）")
        count = _whole(per.get("count"), at, "schedule.periodic.count", 1, PERIODS_MAX[per["every"]])
        if per.get("per", per["every"]) not in (per["every"], "year") or ("per" in per and per["every"] != "month"):
            raise _error(at, "schedule.periodic.per", "只能为 year，且需要 every: month（按年计的金额按月折算，"
                                                      "每月 1/12）")
        return dict(period_unit=per["every"], period_count=count, lag_years=lag, stop_on_departure=stop,
                    period_amount_per=per.get("per"))
    inst = spec.get("instalments", [1])
    if not (isinstance(inst, list) and 1 <= len(inst) <= INSTALMENTS_MAX
            and all(_is_int(w) and 1 <= w <= WEIGHT_MAX for w in inst)):
        raise _error(at, "schedule.instalments", f"应为 1 到 {INSTALMENTS_MAX} 个 1–{WEIGHT_MAX} 的整数权重，"
                                                 "如 [4, 3, 3]")
    return dict(instalments=tuple(inst), lag_years=lag, stop_on_departure=stop)


def _shares(raw: dict[str, Any], doc: dict[str, Any], defaults: dict[str, Any], at: str) -> dict[str, Any]:
    specified = _flag(raw.get("split_specified", True), at, "split_specified")
    fld = "shares" if specified else f"shares（defaults.yaml unspecified_split.{doc['level']}）"
    shares = raw.get("shares") if specified else defaults["unspecified_split"].get(doc["level"])
    if not shares:
        raise _error(at, "shares", "必填（文本未写分担比例时设 split_specified: false）")
    shares = _mapping(shares, at, fld)
    if set(shares) - set(LEVELS):
        raise _error(at, fld, f"层级应为 {LEVELS} 之一")
    parsed = {lvl: _dec(v, at, f"{fld}.{lvl}", SHARE_DECIMALS, Decimal(1)) for lvl, v in shares.items()}
    total = sum(parsed.values(), Decimal(0))
    share_of = raw.get("share_of", "award")
    if share_of not in ("award", "base") or (share_of == "base" and not specified):
        raise _error(at, "share_of", "应为 award（各级分担奖补金额，合计为 1）或 base（文本写明各级各承担基数的"
                                     "百分之几，需 split_specified: true）")
    if share_of == "award" and total != 1:
        raise _error(at, fld, f"各级分担比例之和为 {total}，必须正好等于 1")
    if share_of == "base" and not (0 < total <= 1 and all(v > 0 for v in parsed.values())):
        raise _error(at, fld, f"share_of: base 时各级比例应大于 0、合计不超过 1（现为 {total}）")
    return dict(shares=parsed, split_specified=specified, share_of=share_of)


def _window(spec: Any, at: str, used: list[Parameter],
            periods: list[parameters.Span] | None) -> tuple[list[parameters.Span], bool]:
    """Where the rule is in force: where all its parameters have a value, within the rule's own period (`valid`
    from/to: a clause with dates of its own) or else the document's list periods; and whether a dated null of
    the rule's own parameters ends it (a new list ended the measure)."""
    valid = _mapping(spec, at, "valid", {"from", "to", "cohorts_from", "earlier_payments"})
    start, end = _date(valid.get("from"), at, "valid.from"), _date(valid.get("to"), at, "valid.to")
    if start and end and end < start:
        raise _error(at, "valid", "'to' 早于 'from'")
    own = start is not None or end is not None
    bound = [(start or FIRST_DAY, end and end + timedelta(days=1))] if own else periods or [(FIRST_DAY, None)]
    own_values = parameters.in_force(used)
    spans = parameters.intersect(own_values, bound)
    if not spans:
        raise _error(at, "valid", f"参数 {[p.name for p in used]} 的取值日期与规则或文件的有效期没有交集，规则无从生效")
    param_end, bound_end = own_values[-1][1], bound[-1][1]
    return spans, param_end is not None and (bound_end is None or param_end <= bound_end)


def _validity(spec: Any, programme: tuple[dict[str, Any], ...], at: str,
              spans: list[parameters.Span]) -> dict[str, Any]:
    valid = _mapping(spec, at, "valid", {"from", "to", "cohorts_from", "earlier_payments"})
    start = None if spans[0][0] == FIRST_DAY else spans[0][0]
    end = parameters.last_day(spans[-1][1])
    if start is None and programme:
        start = date(min(line["year"] for line in programme), 1, 1)
    if start is None:
        raise _error(at, "valid.from", "计算的规则必须给出生效日期（或由所引用参数的取值日期给出）")
    cohorts = _date(valid.get("cohorts_from"), at, "valid.cohorts_from")
    if cohorts and cohorts > start:
        raise _error(at, "valid.cohorts_from", "应早于或等于 'from'（更早批次中在政策有效期内到期的款项）")
    earlier = valid.get("earlier_payments", "forgo")
    if earlier not in ("forgo", "catch_up") or ("earlier_payments" in valid and cohorts is None):
        raise _error(at, "valid.earlier_payments", "应为 forgo（生效年度以前的款项不属本政策）或 catch_up（在生效"
                                                   "年度补发），并且需要同时给出 cohorts_from")
    return dict(valid_from=start, valid_to=end, cohorts_from=cohorts, earlier_payments=earlier)


# --- files ----------------------------------------------------------------------------------------------------

def load_defaults(directory: Path = CATALOGUE_DIR) -> dict[str, Any]:
    path = directory / "defaults.yaml"
    return _defaults(safe_yaml.parse(_read(path, _shown(path, directory)), _shown(path, directory)), path, directory)


def _defaults(data: Any, path: Path, directory: Path) -> dict[str, Any]:
    if not isinstance(data, dict) or set(data) != {"unspecified_split"} or not isinstance(
            data["unspecified_split"], dict) or set(data["unspecified_split"]) - set(LEVELS):
        raise CatalogueError(f"{_shown(path, directory)}：只应有 unspecified_split，"
                             f"按文件层级 {LEVELS} 给出默认分担比例")
    return data


def _shown(path: Path, directory: Path) -> str:
    """The path as messages show it: seeds/catalogue/<file> for the project's own catalogue."""
    return str(path.relative_to(directory.parent.parent) if directory.is_relative_to(SEEDS_DIR.parent) else path)


def _read(path: Path, where: str) -> bytes:
    try:
        return safe_yaml.read_bytes(path, where)
    except safe_yaml.YamlRefused as exc:
        raise CatalogueError(str(exc)) from exc


def _parse(data: bytes, where: str) -> Any:
    try:
        return safe_yaml.parse(data, where)
    except safe_yaml.YamlRefused as exc:
        raise CatalogueError(str(exc)) from exc


def load(directory: Path = CATALOGUE_DIR) -> Catalogue:
    files = sorted(p for p in directory.glob("*.yaml") if p.name != "defaults.yaml")
    contents = {p: _read(p, _shown(p, directory)) for p in [directory / "defaults.yaml", *files]}
    digest = hashlib.sha256()
    for path, data in contents.items():
        digest.update(path.name.encode() + b"\0" + data)
    defaults_path = directory / "defaults.yaml"
    defaults = _defaults(_parse(contents[defaults_path], _shown(defaults_path, directory)), defaults_path, directory)
    docs: dict[str, dict[str, Any]] = {}
    files_data = []
    for path in files:  # headers first: a parameter's citation may name any document (a 2025 list cites its own)
        where = _shown(path, directory)
        data = _document(_parse(contents[path], where), where)
        header = {k: v for k, v in data.items() if k not in ("rules", "notes", "items_without_fiscal_clause",
                                                             "parameters")}
        known = docs.setdefault(data["document"], {**header, "notes": "", "items_without_fiscal_clause": []})
        known["notes"] = (known["notes"] + " " + (data.get("notes") or "")).strip()
        known["items_without_fiscal_clause"] += [str(i) for i in data.get("items_without_fiscal_clause") or []]
        if {k: known[k] for k in header} != header:  # a document may span files (NMG2024.part2.yaml …)
            raise CatalogueError(f"{where}：文件 {data['document']} 在另一个文件中的抬头（title、short_title、level、"
                                 "issued、source_lines）不同；请改成一致")
        files_data.append((where, data))
    params = _parameters(files_data, docs)
    periods = _periods(docs, files_data)
    rules: list[Rule] = []
    origin: dict[str, str] = {}
    for where, data in files_data:
        for raw in data.get("rules") or []:
            rule = parse_rule(raw, data, defaults, where, params, periods.get(data["document"]))
            if rule.id in origin:
                raise _error(f"{where}：规则 {rule.id}", "id", f"已在 {origin[rule.id]} 中使用")
            origin[rule.id] = where
            rules.append(rule)
    for where, data in files_data:  # the declared format (yaml_format.py): what the loader's own checks let by
        yaml_format.check("catalogue", data, where, CatalogueError)
    for r in rules:
        for kind, target in r.links.items():
            if target not in origin:
                raise _error(f"{r.source}：规则 {r.id}", f"links.{kind}", f"指向不存在的规则 {target}")
    return Catalogue(tuple(docs.values()), tuple(rules), digest.hexdigest()[:16], params, periods)


def _periods(docs: dict[str, dict[str, Any]], files_data: list[tuple[str, dict[str, Any]]]
             ) -> dict[str, list[parameters.Span]]:
    """A yearly list's measures are in force in its period (`valid`) and in the period of each later list that
    `continues` it (a 2025 list continuing the 2024 one): {document: spans}, for documents with a period."""
    where = {data["document"]: w for w, data in files_data}
    own: dict[str, parameters.Span] = {}
    for doc_id, doc in docs.items():
        if doc.get("valid"):
            start, end = (_date(doc["valid"].get(k), where[doc_id], f"valid.{k}") for k in ("from", "to"))
            own[doc_id] = (start, end and end + timedelta(days=1))
        target = doc.get("continues")
        if target is not None and (target not in docs or target == doc_id):
            raise _error(f"{where[doc_id]}：文件抬头", "continues", f"{target!r} 不是目录中的另一个文件")
        if target is not None and not (doc.get("valid") and docs[target].get("valid")):
            raise _error(f"{where[doc_id]}：文件抬头", "continues", "续行的清单和被续行的清单都需要 valid 有效期")
    out: dict[str, list[parameters.Span]] = {}
    for doc_id in own:
        chain, seen = [own[doc_id]], {doc_id}
        successors = [d for d, doc in docs.items() if doc.get("continues") == doc_id]
        while successors:
            nxt = successors.pop()
            if nxt in seen:
                raise _error(f"{where[nxt]}：文件抬头", "continues", "续行关系成环")
            seen.add(nxt)
            chain.append(own[nxt])
            successors += [d for d, doc in docs.items() if doc.get("continues") == nxt]
        out[doc_id] = sorted(chain)
    return out


def _parameters(files_data: list[tuple[str, dict[str, Any]]], docs: dict[str, dict[str, Any]]) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for where, data in files_data:
        declared = data.get("parameters") or {}
        if not isinstance(declared, dict):
            raise _error(f"{where}：文件抬头", "parameters", "应为 参数名: {title, unit, values} 的键值对")
        for name, raw in declared.items():
            try:
                param = parameters.parse(name, raw, data, docs, where)
            except ParameterError as exc:
                raise CatalogueError(str(exc)) from exc
            if name in params:
                raise CatalogueError(f"{where}：参数 {name} 已在 {params[name].source} 中声明；参数名在整个目录中唯一")
            params[name] = param
    return params


def _document(data: Any, where: str) -> dict[str, Any]:
    """A catalogue file's header checked: document id, level, source lines, notes, item lists, rules."""
    needed = {"document", "level", "source_lines"}
    if not isinstance(data, dict) or set(data) - DOC_FIELDS or not needed <= set(data):
        raise CatalogueError(f"{where}：目录文件需要 document、level、source_lines 和 rules（允许的键："
                             f"{sorted(DOC_FIELDS)}）")
    at = f"{where}：文件抬头"
    _name(data["document"], DOCUMENT_ID, at, "document", "NMG2024、ORD-FTRADE")
    if data["level"] not in LEVELS:
        raise _error(at, "level", f"应为 {LEVELS} 之一")
    lines = data["source_lines"]
    if not (isinstance(lines, list) and len(lines) == 2 and all(_is_int(x) for x in lines)
            and 1 <= lines[0] <= lines[1] <= SOURCE_LINE_MAX):
        raise _error(at, "source_lines", "应为 [起, 止] 两个行号，1 ≤ 起 ≤ 止")
    for key in ("title", "notes"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise _error(at, key, "应为文本")
    if data.get("valid") is not None:  # a yearly list's period: its measures hold in it (and in its continuations)
        valid = _mapping(data["valid"], at, "valid", {"from", "to"})
        start, end = _date(valid.get("from"), at, "valid.from"), _date(valid.get("to"), at, "valid.to")
        if start is None or (end is not None and end < start):
            raise _error(at, "valid", "需要 from（清单生效日），to 可选且不早于 from")
    if data.get("continues") is not None:
        _name(data["continues"], DOCUMENT_ID, at, "continues", "NMG2024")
    if data.get("short_title") is not None:  # the name the dashboards show for the document (layout.doc_name)
        _text(data["short_title"], at, "short_title", SHORT_TITLE_MAX)
    items = data.get("items_without_fiscal_clause") or []
    if not isinstance(items, list) or any(isinstance(i, bool) or not isinstance(i, str | int) for i in items):
        raise _error(at, "items_without_fiscal_clause", "应为条目编号的列表，如 [\"1\", \"七\"]")
    if not isinstance(data.get("rules") or [], list):
        raise _error(at, "rules", "应为规则列表")
    return data


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
        "cap_per_beneficiary": rule.cap_per_beneficiary,
        "lag_years": rule.lag_years, "stop_on_departure": rule.stop_on_departure,
        "period_unit": rule.period_unit, "period_count": rule.period_count, "period_amount_per": rule.period_amount_per,
        "split_specified": rule.split_specified, "share_of": rule.share_of,
        "valid_from": rule.valid_from, "valid_to": rule.valid_to,
        "cohorts_from": rule.cohorts_from or rule.valid_from, "earlier_payments": rule.earlier_payments,
        "assumption": rule.assumption or None,
        "stacking_group": rule.stacking_group, "stacking_scope": rule.stacking_scope, "step_fen": rule.step_fen,
        "reading": rule.reading,
        "links": json.dumps(rule.links, ensure_ascii=False), "definition": json.dumps(rule.raw, ensure_ascii=False,
                                                                                       default=str),
    }
