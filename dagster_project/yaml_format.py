"""The YAML formats the project reads, declared once: catalogue files (header, `parameters`, `rules`),
defaults.yaml, scenario files, seeds/forecast/forecast.yaml and seeds/reference/talent_criteria.yaml.

Each format is a pydantic model whose fields carry their allowed values, bounds and a Chinese and an English
description. From the models come the JSON Schema files in docs/schema/ (for editors: `# yaml-language-server:
$schema=…`), the format tables of docs/catalogue.md and docs/forecast.md (`python -m dagster_project schema`), and
`check(kind, data, where)`, which refuses a file that breaks its format with a Chinese message naming the file, the
rule (or parameter, criterion) and the field, in the style of the catalogue loader's own messages.

The models declare structure: keys, types, patterns, enumerations, bounds. What needs the rest of the catalogue
(a citation inside its document's lines, shares that sum to 1, a formula's fields, unique ids, links that exist)
stays in the loaders (catalogue.py, parameters.py, scenarios.py, forecast.py, talent_classifier.py). The bounds
below are the loaders' own; tests/test_yaml_format.py checks that they agree. They are repeated here rather than
imported because the loaders import this module.
"""

import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --- bounds and names (catalogue.py, parameters.py, forecast.py, talent_classifier.py, scenarios.py) ----------
LEVELS = ("central", "region", "city", "banner")
KINDS = ("spending", "revenue_forgone", "equity", "programme", "revenue_inflow", "non_budget")
BASES = ("exact", "upper_bound", "lower_bound", "expected_value")
BENEFICIARIES = ("enterprise", "project", "talent", "programme")
TRIGGERS = ("metric_year", "completion_date", "start_date", "arrival_date", "budget_year")
RULE_ID = r"[A-Z][A-Z0-9]*(?:-[A-Za-z0-9]+)*"
DOCUMENT_ID = r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*"
VARIABLE = r"[a-z][a-z0-9_]*"  # also parameter names
GROUP = r"[a-z0-9][a-z0-9_-]*"
REGION_CODE = r"[0-9]{4}[0-9A-Z]{2}"
SCENARIO_NAME = r"[a-z][a-z0-9_]{0,63}"
CRITERION_ID = r"[A-F]-[0-9]{2}[A-Za-z0-9]*"
NUMERIC_TEXT = r"\s*[0-9]+(\.[0-9]+)?\s*"  # amounts may be written as text ("1000000.00")
CHANGE_TIER = r"tiers\.brackets\.\d{1,2}\.amount"
NAME_MAX = 64
MONEY_MAX = TIER_BOUND_MAX = PARAMETER_MAX = Decimal(10) ** 12
MONEY_DECIMALS, TIER_DECIMALS, SHARE_DECIMALS, PARAMETER_DECIMALS = 2, 4, 6, 10
INSTALMENTS_MAX, WEIGHT_MAX = 20, 100
PERIODS_MAX = {"month": 240, "year": 20}
LAG_YEARS_MAX, YEAR_OFFSET_MAX, STEP_FEN_MAX = 20, 20, 1_000_000
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
VARIABLES_MAX, BRACKETS_MAX, PROGRAMME_LINES_MAX, TEXT_VALUE_MAX = 50, 50, 100, 100
SOURCE_LINE_MAX = 10_000_000
SHORT_TITLE_MAX = 30
FORMULA_MAX = 4000  # formulas.TEXT_MAX
PARAMETER_VALUES_MAX, PARAMETER_TEXT_MAX = 50, 200
CHANGED_RULES_MAX = 200
FORECAST_MODELS = ("ets_damped", "drift_damped", "theta", "naive", "arima_010_drift")
FORECAST_YEARS_MAX = 10
CATEGORIES = ("A", "B", "C", "D", "E", "F")
ANNEX_FIELDS = ("any", "science", "education_health", "management", "other")

ERROR = "nmg_format"  # pydantic error type of every problem raised here; its ctx holds the Chinese text


class FormatError(ValueError):
    """A YAML file that breaks its declared format; the message names file, rule and field (Chinese)."""


# --- leaf values: each raises the Chinese problem the loaders raise for the same mistake -----------------------

def _problem(text: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(ERROR, "{problem}", {"problem": text, **ctx})


def _show(value: Any) -> str:
    text = repr(value.isoformat() if isinstance(value, date) else value)
    return text if len(text) <= 60 else text[:57] + "…"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _leaf(check: Callable[[Any], Any], schema: dict[str, Any], nullable: bool = False) -> Any:
    """A field type validated by `check` alone (no coercion by pydantic), with its JSON Schema."""
    def validate(value: Any) -> Any:
        return None if value is None and nullable else check(value)
    shown = {"anyOf": [schema, {"type": "null"}]} if nullable else schema
    return Annotated[Any, PlainValidator(validate), WithJsonSchema(shown)]


def _pattern(regex: str) -> str:
    return f"^{regex}$"


def whole_t(lo: int, hi: int, nullable: bool = False) -> Any:
    def check(value: Any) -> int:
        if not _is_int(value) or not lo <= value <= hi:
            raise _problem(f"{_show(value)} 应为 {lo:,} 到 {hi:,} 之间的整数")
        return value
    return _leaf(check, {"type": "integer", "minimum": lo, "maximum": hi}, nullable)


def flag_t() -> Any:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise _problem(f"{_show(value)} 应为 true 或 false（不是 1、\"true\" 或 yes 这类写法）")
        return value
    return _leaf(check, {"type": "boolean"})


def text_t(limit: int | None = None, nonempty: bool = True, nullable: bool = False) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str) or (nonempty and not value.strip()):
            raise _problem(f"应为{'非空' if nonempty else ''}文本，而不是 {_show(value)}")
        if limit is not None and len(value) > limit:
            raise _problem(f"最多 {limit} 个字符（现有 {len(value)} 个）")
        return value
    schema: dict[str, Any] = {"type": "string"} | ({"minLength": 1} if nonempty else {}) \
        | ({"maxLength": limit} if limit else {})
    return _leaf(check, schema, nullable)


def name_t(regex: str, example: str, limit: int = NAME_MAX, nullable: bool = False) -> Any:
    """A name that reaches SQL text or a table key: a string matching `regex`, at most `limit` characters."""
    compiled = re.compile(regex)

    def check(value: Any) -> str:
        if not isinstance(value, str) or len(value) > limit or not compiled.fullmatch(value):
            raise _problem(f"{_show(value)} 不是合法名称：只能用 {example} 这样的写法（最多 {limit} 个字符）")
        return value
    return _leaf(check, {"type": "string", "pattern": _pattern(regex), "maxLength": limit}, nullable)


def choice_t(values: tuple[str, ...]) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in values:
            raise _problem(f"{_show(value)} 应为 {'、'.join(values)} 之一")
        return value
    return _leaf(check, {"enum": list(values)})


def _decimal(value: Any, decimals: int, maximum: Decimal) -> Decimal:
    """catalogue._dec: a non-negative finite number, at most `maximum`, at most `decimals` decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _problem(f"{_show(value)} 不是数字")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise _problem(f"{_show(value)} 不是数字") from None
    if not d.is_finite() or d < 0:
        raise _problem(f"{_show(value)} 应为非负的有限数")
    if d > maximum:
        raise _problem(f"{_show(value)} 超过上限 {maximum:,}")
    places = max(0, -d.normalize().as_tuple().exponent)
    if places > decimals:
        raise _problem(f"{_show(value)} 有 {places} 位小数，最多 {decimals} 位（按 {decimals} 位小数存储，"
                       "多出的位数会被悄悄舍入）")
    return d


def number_t(decimals: int, maximum: Decimal, parameter: bool = True, nullable: bool = False) -> Any:
    """A bounded number (or numeric text); with `parameter`, also the name of a catalogue parameter."""
    compiled = re.compile(VARIABLE)

    def check(value: Any) -> Decimal | str:
        if parameter and isinstance(value, str) and len(value) <= NAME_MAX and compiled.fullmatch(value) \
                and value.lower() not in ("inf", "infinity", "nan", "snan"):
            return value
        if parameter and isinstance(value, str) and not re.fullmatch(r"\s*[-+0-9.eE]+\s*", value):
            raise _problem(f"{_show(value)} 既不是数字，也不是参数名（小写字母开头，小写字母、数字、下划线）")
        return _decimal(value, decimals, maximum)
    top = int(maximum) if maximum == maximum.to_integral_value() else float(maximum)
    options: list[dict[str, Any]] = [{"type": "number", "minimum": 0, "maximum": top},
                                     {"type": "string", "pattern": _pattern(NUMERIC_TEXT)}]
    if parameter:
        options.append({"type": "string", "pattern": _pattern(VARIABLE), "maxLength": NAME_MAX})
    return _leaf(check, {"anyOf": options}, nullable)


def day_t(nullable: bool = False) -> Any:
    def check(value: Any) -> date:
        if isinstance(value, date):
            found = value
        else:
            try:
                found = date.fromisoformat(str(value))
            except ValueError:
                raise _problem(f"{_show(value)} 不是日期（YYYY-MM-DD）") from None
        if not FIRST_DAY <= found <= LAST_DAY:
            raise _problem(f"{found} 应在 {FIRST_DAY} 到 {LAST_DAY} 之间")
        return found
    return _leaf(check, {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}, nullable)


def lines_t() -> Any:
    def check(value: Any) -> list[int]:
        if not (isinstance(value, list) and len(value) == 2 and all(_is_int(x) for x in value)
                and 1 <= value[0] <= value[1] <= SOURCE_LINE_MAX):
            raise _problem(f"{_show(value)} 应为 [起, 止] 两个行号，1 ≤ 起 ≤ 止 ≤ {SOURCE_LINE_MAX:,}")
        return value
    item = {"type": "integer", "minimum": 1, "maximum": SOURCE_LINE_MAX}
    return _leaf(check, {"type": "array", "items": item, "minItems": 2, "maxItems": 2})


def item_number_t(nullable: bool = False) -> Any:
    def check(value: Any) -> str | int:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _problem(f"{_show(value)} 应为条目编号（如 \"11\"、\"七\"，文本或整数）")
        return value
    return _leaf(check, {"type": ["string", "integer"]}, nullable)


def formula_t(nullable: bool = False) -> Any:
    def check(value: Any) -> str | int | float:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _problem(f"应为公式文本或数字，而不是 {_show(value)}")
        if isinstance(value, str) and len(value) > FORMULA_MAX:
            raise _problem(f"公式长 {len(value):,} 个字符，超过上限 {FORMULA_MAX:,}")
        return value
    return _leaf(check, {"type": ["string", "number"], "maxLength": FORMULA_MAX}, nullable)


def label_t() -> Any:
    def check(value: Any) -> str | int:
        if isinstance(value, bool) or not isinstance(value, str | int) or len(str(value)) > TEXT_VALUE_MAX:
            raise _problem(f"{_show(value)} 应为不超过 {TEXT_VALUE_MAX} 个字符的文本或整数")
        return value
    return _leaf(check, {"type": ["string", "integer"], "maxLength": TEXT_VALUE_MAX})


def instalments_t() -> Any:
    def check(value: Any) -> list[int]:
        if not (isinstance(value, list) and 1 <= len(value) <= INSTALMENTS_MAX
                and all(_is_int(w) and 1 <= w <= WEIGHT_MAX for w in value)):
            raise _problem(f"{_show(value)} 应为 1 到 {INSTALMENTS_MAX} 个 1–{WEIGHT_MAX} 的整数权重，如 [4, 3, 3]")
        return value
    weight = {"type": "integer", "minimum": 1, "maximum": WEIGHT_MAX}
    return _leaf(check, {"type": "array", "items": weight, "minItems": 1, "maxItems": INSTALMENTS_MAX})


def region_code_t() -> Any:
    compiled = re.compile(REGION_CODE)

    def check(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int) or not compiled.fullmatch(str(value)):
            raise _problem(f"{_show(value)} 不是区划代码（6 位，如 \"150600\"、\"1506P1\"）")
        return str(value)
    return _leaf(check, {"type": ["string", "integer"], "pattern": _pattern(REGION_CODE)})


def issued_t() -> Any:
    def check(value: Any) -> date | str:
        if not isinstance(value, date | str):
            raise _problem(f"应为日期（YYYY-MM-DD）或文本，而不是 {_show(value)}")
        return value
    return _leaf(check, {"type": "string"}, nullable=True)


# --- field documentation ----------------------------------------------------------------------------------------

def doc(default: Any = ..., *, en: str, zh: str, required: str = "", allowed: str = "",
        alias: str | None = None, **kwargs: Any) -> Any:
    """A field with its docs: `en` and `zh` describe it; `required` and `allowed` fill the docs tables."""
    return Field(default, alias=alias, description=en,
                 json_schema_extra={"x-zh": zh, "x-required": required, "x-allowed": allowed}, **kwargs)


class Strict(BaseModel):
    """A mapping with known keys only: an unknown key is refused naming the keys allowed."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def _extra_key(cls, key: Any) -> bool:
        return False

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = [f.alias or n for n, f in cls.model_fields.items()]
            unknown = sorted(str(k) for k in data if k not in allowed and not cls._extra_key(k))
            if unknown:
                raise PydanticCustomError("unknown_keys", "{keys}", {"keys": unknown, "allowed": sorted(allowed)})
        return data


# --- catalogue files ----------------------------------------------------------------------------------------------

MONEY = number_t(MONEY_DECIMALS, MONEY_MAX)
MONEY_OR_NULL = number_t(MONEY_DECIMALS, MONEY_MAX, nullable=True)
SHARE = number_t(SHARE_DECIMALS, Decimal(1))
SHARE_OR_NULL = number_t(SHARE_DECIMALS, Decimal(1), nullable=True)
PLAIN_SHARE = number_t(SHARE_DECIMALS, Decimal(1), parameter=False)
TIER_BOUND = number_t(TIER_DECIMALS, TIER_BOUND_MAX)
PARAMETER_NAME = name_t(VARIABLE, "nmg2024_11a_amount（小写字母开头，小写字母、数字、下划线）")
PARAMETER_OR_NUMBERS = "a number or a [parameter](#parameter-keys)'s name"  # docs/catalogue.md
PARAMETER_OR_NUMBER = "a number or a parameter's name (docs/catalogue.md, \"Parameter keys\")"  # docs/forecast.md


class Citation(Strict):
    """Where a rule's clause is: item number, lines and the quoted text."""
    item: item_number_t() = doc(en="Item number as written (`\"11\"`, `\"七\"`).",
                                zh="条目编号，按原文写（\"11\"、\"七\"）。")
    lines: lines_t() = doc(en="`[first, last]` whole numbers, first ≤ last, inside the document's `source_lines`.",
                         zh="[起, 止] 行号，起 ≤ 止，须在文件的 source_lines 之内。")
    quote: text_t(nonempty=False) = doc(en="The clause text.", zh="条款原文。")


class Variable(Strict):
    """A metric look-up that becomes a field of an enterprise rule."""
    metric: text_t() = doc(en="A code in `seeds/reference/metrics.csv`.",
                           zh="指标代码（seeds/reference/metrics.csv）。")
    year_offset: whole_t(-YEAR_OFFSET_MAX, YEAR_OFFSET_MAX) = doc(
        0, en="Years relative to the award year, e.g. `-1` for the previous year.",
            zh="相对获奖年度的年数，如 -1 为上一年。")


class Bracket(Strict):
    """One bracket of a tiered amount: a range [min, max) or an exact value, and its amount."""
    min: TIER_BOUND = doc(None, en="Lower bound, included; missing: no lower bound.", zh="下限（含）；不写表示无下限。")
    max: TIER_BOUND = doc(None, en="Upper bound, excluded; missing: no upper bound.",
                          zh="上限（不含）；不写表示无上限。")
    equals: label_t() = doc(None, en="A value matched exactly (instead of `min`/`max`).",
                            zh="精确匹配的取值（不与 min/max 同用）。")
    amount: formula_t() = doc(en="The bracket's amount in 元: a formula giving a number.",
                              zh="该档金额（元），结果为数字的公式。")
    label: label_t() = doc(None, en="Shown in `tier` on every ledger line; default: the 1-based position.",
                         zh="档次名称，写入台账 tier 列；默认为档次序号。")


class Tiers(Strict):
    """An amount by bracket."""
    by: formula_t() = doc(en="The formula whose value selects the bracket.", zh="用于确定档次的公式。")
    brackets: list[Bracket] = doc(en=f"1 to {BRACKETS_MAX} brackets.", zh=f"1 到 {BRACKETS_MAX} 档。",
                                  min_length=1, max_length=BRACKETS_MAX)


class Caps(Strict):
    """Caps in 元; 0 is no cap."""
    per_award: MONEY_OR_NULL = doc(None, en="Cap on each award (单个项目/单个平台/单站最高).",
                                   zh="单笔奖补上限（元）。")
    per_beneficiary_year: MONEY_OR_NULL = doc(None, en="Cap on the total per beneficiary and year within the rule.",
                                      zh="同一受益对象每年合计上限（元）。")
    per_beneficiary: MONEY_OR_NULL = doc(None, en="Cap on the total per beneficiary over the rule's whole life.",
                                 zh="同一受益对象累计上限（元）。")


class Periodic(Strict):
    """A per-period amount paid `count` times."""
    every: choice_t(("month", "year")) = doc(en="The period.", zh="周期：month（月）或 year（年）。")
    count: whole_t(1, max(PERIODS_MAX.values())) = doc(
        en="Number of periods: 1 to 240 months or 1 to 20 years.", zh="期数：按月 1–240，按年 1–20。")
    per: choice_t(("year",)) = doc(None, en="`year`: a yearly amount earned by the month (needs `every: month`).",
                                 zh="year：金额为年额，按月折算（需 every: month）。")


class Schedule(Strict):
    """When an award is paid."""
    instalments: instalments_t() = doc(None, en="Instalment weights, e.g. `[4, 3, 3]`; default `[1]`.",
                                     zh="分期权重，如 [4, 3, 3]；默认 [1]。")
    periodic: Periodic = doc(None, en="Instead of instalments: a per-period amount.",
                             zh="按期发放（代替 instalments）。")
    lag_years: whole_t(0, LAG_YEARS_MAX) = doc(0, en="Years from the award year to the first payment.",
                                             zh="获奖年度到首次支付的年数。")
    stop_on_departure: flag_t() = doc(False, en="Payments after the talent left are not owed.",
                                      zh="人才离开后停止支付。")


def _shares_model(share: Any, zh_level: dict[str, str]) -> dict[str, Any]:
    return {"__annotations__": {level: share for level in LEVELS},
            **{level: doc(None, en=f"The {level} level's share.", zh=f"{zh_level[level]}承担比例。")
               for level in LEVELS}}


LEVEL_ZH = {"central": "中央", "region": "自治区", "city": "盟市", "banner": "旗区"}
Shares = type("Shares", (Strict,), {"__doc__": "Shares of the cost by level (0 to 1 each).",
                                    **_shares_model(SHARE, LEVEL_ZH)})
PlainShares = type("PlainShares", (Strict,), {"__doc__": "Shares of the cost by level (0 to 1 each, numbers).",
                                              **_shares_model(PLAIN_SHARE, LEVEL_ZH)})


class Valid(Strict):
    """The rule's validity."""
    from_: day_t(nullable=True) = doc(None, alias="from", en="First day.", zh="生效日期。")
    to: day_t(nullable=True) = doc(None, en="Last day; missing: open-ended.", zh="截止日期；不写表示长期有效。")
    cohorts_from: day_t(nullable=True) = doc(None, en="Earliest trigger date that qualifies (≤ `from`).",
                                           zh="可追溯的最早触发日期（≤ from）。")
    earlier_payments: choice_t(("forgo", "catch_up")) = doc(
        None, en="Payments due before `from`'s year: `forgo` or `catch_up`.",
            zh="生效年度以前到期的款项：forgo 或 catch_up。")


class Rounding(Strict):
    """Rounding of awards."""
    step_fen: whole_t(1, STEP_FEN_MAX) = doc(1, en="Awards are rounded half-up to a multiple of this many 分.",
                                          zh="奖补金额四舍五入到该分数的整数倍。")


RULE_ID_NAME = name_t(RULE_ID, "NMG2024-11A、ORD2024-2-6-03")


class Links(Strict):
    """Links to another rule."""
    restates: RULE_ID_NAME = doc(None, en="This entry only restates that rule.", zh="本条只是复述该规则。")
    tops_up: RULE_ID_NAME = doc(None, en="A separate amount paid on top of that rule.", zh="在该规则基础上另行加发。")


class ProgrammeLine(Strict):
    """A fixed budget line."""
    year: whole_t(FIRST_DAY.year, LAST_DAY.year) = doc(en="Budget year.", zh="预算年度。")
    amount: MONEY = doc(en="元, or a parameter's name.", zh="金额（元），或参数名。")
    region: region_code_t() = doc(None, en="Region code; default by the document's level.",
                                  zh="区划代码；默认按文件层级。")


R = "#programme-budgets"


class Rule(Strict):
    """A catalogue entry: one clause, costed or not costable."""
    id: RULE_ID_NAME = doc(
        required="yes",
        allowed="unique across the catalogue; pattern `[A-Z][A-Z0-9]*(-[A-Za-z0-9]+)*`, at most 64 characters",
        en="Rule id, e.g. `NMG2024-11A` (item 11, first costed part), `ORD2024-2-6-03`.",
        zh="规则编号，如 NMG2024-11A（第11条第一个计算部分）、ORD2024-2-6-03；全目录唯一。")
    title: text_t() = doc(required="yes", allowed="text", en="Short title in Chinese.", zh="简短的中文标题。")
    citation: Citation = doc(
        required="yes", allowed="`{item, lines, quote}`",
        en="`item`: item number as written (`\"11\"`, `\"七\"`). `lines`: `[first, last]` whole numbers, first ≤ last, "
           "inside the document's `source_lines`. `quote`: the clause text (`tests/test_catalogue_format.py` checks "
           "that its first 30 characters, up to any `……`, occur within the cited lines, ignoring spaces).",
        zh="条款出处：item 条目编号，lines [起, 止] 行号（在文件的 source_lines 之内），quote 原文。")
    status: choice_t(("costed", "not_costable")) = doc(
        required="yes", allowed="`costed`, `not_costable`",
        en="A `not_costable` entry needs `reason`; apart from `kind`, none of the fields below are checked for it by "
           "the loader (their format still is), and it is never costed.",
        zh="costed（计算）或 not_costable（无法计算，须写 reason）。")
    reason: text_t(nullable=True) = doc(
        None, required="if `not_costable`", allowed="text",
        en="Why the clause cannot be costed: one plain Chinese sentence a bureau leader can read (it is shown on the "
           "分政策 page); technical detail goes into `reading`. Keep `not_costable` for clauses with no amount and no "
           "way to derive one (priority in allocation, national law restated, an amount set case by case); a clause "
           "with an amount is costed from a registry field or a stated `assumption`.",
        zh="无法计算的原因：一句领导能读懂的中文（显示在分政策页）；技术细节写在 reading。")
    kind: choice_t(KINDS) = doc(
        None, allowed="`spending` (default), `programme` (a fixed budget), `revenue_forgone` (tax/fee cuts, revenue "
                      "shares handed to a banner), `equity` (fund shares, guidance funds), `revenue_inflow` (money the "
                      "budget would receive: eco-compensation, a levy), `non_budget` (paid through electricity markets "
                      "or bills, not a budget)",
        en="Carried to `ledger.liabilities.kind`; it does not change the computation; the dashboards show spending "
           "apart from the other kinds.",
        zh="支出类别：spending（默认，财政支出）、programme（固定预算）、revenue_forgone（减收）、equity（股权投资）、"
           "revenue_inflow（收入）、non_budget（非预算）。")
    basis: choice_t(BASES) = doc(
        None, required="no (costed rules)", allowed="`exact` (default), `upper_bound`, `lower_bound`, `expected_value`",
        en="What the costed amount stands for: the amount the text states, its cap (最高X) taken as the cost, its "
           "floor (不低于X) taken as the cost, or an expected value. Stored in `catalogue.rules.basis`; it does not "
           "change the computation. Not to be confused with `ledger.liabilities.basis`, which is always `'registry'`.",
        zh="计算金额的含义：exact（文本金额，默认）、upper_bound（按最高额）、lower_bound（按不低于额）、expected_value（期望值）。")
    beneficiary: choice_t(BENEFICIARIES) = doc(
        None, required="costed", allowed="`enterprise`, `project`, `talent`, `programme`",
        en="Which rows the rule runs over: `registry.enterprises` with their metrics, `registry.projects`, "
           "`registry.talents`, or, for `programme`, the rule's own budget lines (see [Programme budgets]"
           f"({R})).",
               zh="受益对象：enterprise（企业及其指标）、project（项目）、talent（人才）、programme（固定预算行）。")
    trigger: choice_t(TRIGGERS) = doc(
        None, allowed="enterprise: `metric_year`; project: `completion_date` (default), `start_date`; talent: "
                      "`arrival_date`; programme: `budget_year`",
        en="What sets the award year. The default is the first value listed for each kind.",
        zh="决定获奖年度的日期或年度；默认取各类对象的第一个取值。")
    variables: dict[name_t(VARIABLE, "milk_t、cp1（小写字母开头，小写字母、数字、下划线）"), Variable] | None = doc(
        None, required="enterprise rules", allowed=f"`{{name: {{metric, year_offset}}}}`, at most {VARIABLES_MAX}",
        max_length=VARIABLES_MAX,
        en="Metric look-ups that become fields. `name`: a lowercase letter, then lowercase letters, digits and `_` "
           "(pattern `[a-z][a-z0-9_]*`, at most 64 characters), and not the name of a registry field (`uscc`, "
           "`award_year` …). `metric` must be a code in `seeds/reference/metrics.csv`; an unknown code refuses the "
           "catalogue at load. `year_offset` (default 0) is a whole number from −20 to 20, relative to the award year, "
           "e.g. `-1` for the previous year. Only enterprise rules may have variables, and an enterprise rule needs "
           "**at least one** (its award years come from the metric rows): one without is refused at load.",
        zh="企业规则的指标取数：名称 → {metric 指标代码, year_offset 相对年度}；企业规则至少一个。")
    eligibility: formula_t() = doc(
        None, allowed="formula giving true/false, default `TRUE`",
        en="A row gets a candidate only where this is true. NULL counts as not eligible. A formula that gives a number "
           "or text (`annual_salary_yuan`) is refused. Formulas may name the catalogue's parameters.",
        zh="资格条件：结果为真/假的公式（默认 TRUE）；可使用参数名。")
    amount: formula_t() = doc(
        None, required="one of `amount`/`tiers` (not for programme rules)", allowed="formula giving a number",
        en="Gross amount in 元. Formulas may name the catalogue's parameters "
           "(`nmg2024_11a_amount * (milk_t - milk_prev_t)`).",
        zh="奖补金额（元）：结果为数字的公式，可使用参数名。")
    tiers: Tiers = doc(
        None, required="one of `amount`/`tiers` (not for programme rules)",
        allowed=f"`{{by, brackets}}`; bracket `min`/`max`: {PARAMETER_OR_NUMBERS}",
        en="Amount by bracket (see [Tiers](#tiers)).", zh="分档金额：by 公式与 brackets 档次列表。")
    caps: Caps | None = doc(
        None, allowed="`{per_award, per_beneficiary_year, per_beneficiary}` in 元, 0 to 10¹² (1万亿元), at most 2 "
                      f"decimals (stored as `DECIMAL(18,2)`); each {PARAMETER_OR_NUMBERS}",
        en="Caps on each award (单个项目/单个平台/单站最高), on the total per beneficiary and year within the rule "
           "(单个企业年度上限, 每年最高), and on the total per beneficiary over the rule's whole life "
           "(单个企业最高不超过X with no period, 累计不超过: a firm's two projects share the one cap). Choose the "
           "scope the text names: a cap on 单个企业 is never a `per_award` cap on a project rule. A cap of `0` is "
           "treated as no cap.",
        zh="上限（元）：单笔、每个受益对象每年、每个受益对象累计；0 表示不设上限。")
    schedule: Schedule | None = doc(
        None, allowed="`{instalments | periodic, lag_years, stop_on_departure}`",
        en="`instalments`: 1 to 20 whole weights, each 1 to 100, default `[1]`; `[1, 1, 1]` pays in 3 equal parts, "
           "`[4, 3, 3]` pays 40/30/30, in consecutive years. `periodic: {every: month | year, count: N}` (instead of "
           "instalments): the amount is **per period**, paid for N months or years from the trigger date's month or "
           "year (a monthly living allowance for up to 24 months, a post subsidy for up to 10 years); `count` is 1 to "
           "240 months or 1 to 20 years. `periodic: {every: month, count: N, per: year}`: the amount is a **yearly** "
           "amount (年薪, 每年X元) earned by the month: each month is 1/12 of it, exact to the fen (month *k* of the "
           "count gets ⌊A·(k+1)/12⌋ − ⌊A·k/12⌋, so any 12 months add up to A), and the arrival and leaving years are "
           "pro rata. `lag_years`: whole number 0 to 20, default 0. `stop_on_departure` (`true` or `false` only, "
           "default `false`): instalments due after the year the talent left are not owed; periodic payments stop from "
           "the month after leaving (离职次月起停止), yearly ones from the first year starting after the departure "
           "date.",
        zh="支付安排：分期权重 instalments 或按期 periodic，滞后年数 lag_years，人才离开后是否停止 stop_on_departure。")
    shares: Shares | None = doc(
        None, required="if `split_specified`",
        allowed=f"`{{level: share}}`, levels among `central`, `region`, `city`, `banner`; each {PARAMETER_OR_NUMBERS}",
        en="How the cost is split between levels. Shares must be between 0 and 1, sum to exactly 1, and have at most 6 "
           "decimals (stored as `DECIMAL(9,6)`): a share with a 7th decimal is refused rather than rounded (0.0000005 "
           "would round to a level that never pays).",
        zh="各级分担比例：0 到 1，最多 6 位小数，合计正好为 1。")
    split_specified: flag_t() = doc(
        None, allowed="`true` (default), `false` (booleans only: `\"false\"` or `0` is refused)",
        en="`false` when the text names no split: `shares` is then ignored, the default split for the document's level "
           "is used, and the ledger lines are flagged `split_specified = false`.",
        zh="文本是否写明分担比例；false 时按文件层级的默认比例（defaults.yaml）。")
    valid: Valid | None = doc(
        None, required="costed rules without parameters",
        allowed="`{from, to, cohorts_from, earlier_payments}`, dates as `YYYY-MM-DD` between 2000-01-01 and "
                "2099-12-31; `from` required unless the rule uses parameters (their dates give it) or is a programme "
                "rule (1 January of the earliest budget year)",
        en="Validity of the rule. A rule that uses parameters is in force where all of them have a non-null value "
           "(see [Parameter keys](#parameter-keys)); `valid` may narrow that. Project and talent rules: the trigger "
           "date must fall in [from, to]. Enterprise "
           "rules: award years from `from`'s year to `to`'s year (whole years). A missing `to` means open-ended "
           "(2099-12-31). Programme lines are not filtered by `valid`. **Earlier cohorts**: when the clause reaches "
           "further back than the list's date — a multi-year award with no approval-date condition (连续5年每年给予, "
           "自实现销售收入年度起5年内), or a window of its own (对2021年以后建成的) — `cohorts_from` (≤ `from`) is the "
           "earliest trigger date (enterprise rules: its year) that qualifies, and `earlier_payments` says what "
           "happens to payments falling before `from`'s year: `forgo` (default: they belonged to earlier policy; kept "
           "in `ledger.payments` with `before_validity = true`, no liability line) or `catch_up` (paid in `from`'s "
           "year).",
        zh="有效期：from 生效、to 截止（不写为长期）、cohorts_from 可追溯的最早批次、"
           "earlier_payments 早于生效年度的款项处理。")
    stacking_group: name_t(GROUP, "trade-port-fees", nullable=True) = doc(
        None, allowed="a name: lowercase letters, digits, `-` and `_` (pattern `[a-z0-9][a-z0-9_-]*`, at most 64 "
                      "characters)",
        en="就高不重复: within a group, only the highest award per beneficiary and award year is paid.",
        zh="就高不重复分组：同组内同一对象同一年度只发最高的一项。")
    stacking_scope: choice_t(("object", "beneficiary")) = doc(
        None, required="no (with `stacking_group`)", allowed="`object` (default), `beneficiary`",
        en="What the group compares: the same object (firm-year, project, person) or, with `beneficiary` "
           "(单户企业只可享受一次), once per firm or person and year across its objects.",
        zh="就高不重复的比较范围：object（同一对象，默认）或 beneficiary（同一企业或个人）。")
    rounding: Rounding | None = doc(None, allowed="`{step_fen: n}`, whole number 1 to 1,000,000, default 1",
                                    en="Awards are rounded half-up to a multiple of *n* 分 (1 = to the fen, 100 = to "
                                       "the yuan).",
                                    zh="取整：四舍五入到 step_fen 分的整数倍（1 为到分，100 为到元）。")
    reading: text_t(nonempty=False) = doc(None, allowed="text",
                                        en="How the clause was interpreted: assumptions, edge cases, why this split.",
                                        zh="条款解读：假设、边界情况、分担比例的理由。")
    assumption: text_t(nonempty=False) = doc(
        None, required="no (costed rules)", allowed="one Chinese sentence",
        en="The rule is costed from a **stated assumption** rather than from the text and a registry alone (an "
           "expected take-up, a count the bureau estimates, a programme ceiling booked as the budget, a base amount "
           "another document states): what is assumed, how large, on what it rests. Counted apart in the coverage "
           "(`costed_on_assumption`) and flagged 基于假设 on the 分政策 page, which lists each assumption with its "
           "cost.",
        zh="所依据的假设（一句中文）：假设什么、多大、依据什么；在覆盖率和分政策页单独标出。")
    share_of: choice_t(("award", "base")) = doc(
        None, allowed="`award` (default), `base`",
        en="`award`: the shares split the award and sum to 1. `base`: the text names each level's share of a base "
           "(中央和自治区分别承担45%和30%的保险费): `amount` is the base, each level's share (> 0, together ≤ 1; the "
           "rest is not public money, say whose in `reading`) is rounded to the fen **on its own**, and the award is "
           "the sum of the levels' amounts.",
        zh="award：比例分担奖补金额（合计为 1）；base：各级各承担基数的一定比例，分别取整。")
    links: Links | None = doc(
        None, allowed="`{restates | tops_up: rule_id}` (a rule id by the `id` pattern)",
        en="`restates`: this entry only restates another (same beneficiaries, same amount, same event, e.g. ORD2024 "
           "repeating the talent policy's 安家补贴): it must be `not_costable` (reason: restates …) so the liability "
           "is counted once; the loader refuses a costed restating entry. `tops_up`: a separate amount paid on top of "
           "the linked entry (在…基础上再给予), costed on its own. The target must exist.",
        zh="与其他规则的关系：restates（复述，须为 not_costable）或 tops_up（在其基础上加发）。")
    paid_to: choice_t(("beneficiary", "employer")) = doc(
        None, allowed="`beneficiary` (default) or `employer`",
        en="Talent rules only: `employer` books the award to the employer's 统一社会信用代码 (引才补贴, awards to "
           "recruiters), so `caps.per_beneficiary_year` caps per employer.",
        zh="仅人才规则：employer 表示奖补记给用人单位（上限按单位计）。")
    expected_share: SHARE_OR_NULL = doc(
        None, required="with `basis: expected_value`",
        allowed="number in (0, 1], at most 6 decimals (`DECIMAL(9,6)`), or a parameter's name",
        en="For a discretionary grant the text gives only as a ceiling (择优给予最高5000万元): the ledger books "
           "ceiling × share, `ledger.awards.ceiling_yuan` keeps the ceiling. The share is an assumption stated in "
           "`reading`; change it here to re-cost.",
        zh="择优给予最高额时预计兑现的比例（0 < 比例 ≤ 1），与 basis: expected_value 一起使用。")
    programme: list[ProgrammeLine] = doc(
        None, required="programme rules",
        allowed=f"list of 1 to {PROGRAMME_LINES_MAX} `{{year, amount, region}}`; `amount` in 元, "
                f"{PARAMETER_OR_NUMBERS}",
        en=f"Fixed budget lines (see [Programme budgets]({R})).", zh="固定预算行：年度、金额（元）、区划代码（可选）。",
        min_length=1, max_length=PROGRAMME_LINES_MAX)

    @model_validator(mode="after")
    def _by_status(self) -> "Rule":
        if self.status == "not_costable" and (self.reason is None or not self.reason.strip()):
            raise _problem("status 为 not_costable 时必填：写明为何无法计算", field="reason")
        if self.status == "costed" and self.beneficiary is None:
            raise _problem(f"计算的规则必填：{'、'.join(BENEFICIARIES)} 之一", field="beneficiary")
        return self

    model_config = ConfigDict(json_schema_extra={"allOf": [
        {"if": {"properties": {"status": {"const": "not_costable"}}, "required": ["status"]},
         "then": {"required": ["reason"]}},
        {"if": {"properties": {"status": {"const": "costed"}}, "required": ["status"]},
         "then": {"required": ["beneficiary"]}},
    ]})


class ParameterCitation(Strict):
    """The clause a parameter value comes from."""
    document: name_t(DOCUMENT_ID, "NMG2024、ORD-FTRADE") = doc(
        allowed="a document id of the catalogue", en="The document that states the value (a 2025 list cites its own).",
        zh="出处文件编号（任一目录文件）。")
    item: item_number_t() = doc(allowed="text or whole number", en="Item number as written (`\"11\"`, `\"七\"`).",
                                zh="条目编号，按原文写。")
    lines: lines_t() = doc(allowed="`[first, last]`, whole numbers", en="Lines within that document's `source_lines`.",
                           zh="[起, 止] 行号，在该文件的行号范围内。")
    quote: text_t() = doc(allowed="text", en="The clause text.", zh="条款原文。")


PARAMETER_VALUE = number_t(PARAMETER_DECIMALS, PARAMETER_MAX, parameter=False, nullable=True)


class ParameterValue(Strict):
    """One dated value of a parameter."""
    from_: day_t() = doc(alias="from", required="yes", allowed="date `YYYY-MM-DD`, 2000-01-01 to 2099-12-31; strictly "
                                                            "increasing within a parameter",
                       en="The value holds from this day until the next value's `from` (exclusive).",
                       zh="取值自该日起生效，至下一个取值的 from 前一日。")
    value: PARAMETER_VALUE = doc(
        required="yes", allowed="a number 0 to 10¹², at most 10 decimals, or `null`",
        en="The value; `null` ends the measure that day: every rule using the parameter is not in force from then "
           "(until a later non-null value, e.g. a new year's list). The first value may not be `null`.",
        zh="取值；null 表示措施自该日起终止（引用该参数的规则自该日起不再有效）。")
    citation: ParameterCitation = doc(
        required="yes", allowed="`{document, item, lines, quote}`",
        en="Where the value is stated: any catalogue document (a 2025 list cites its own), the item, lines inside that "
           "document's `source_lines`, and the quoted text.",
        zh="取值出处：文件编号、条目编号、行号、原文。")


class Parameter(Strict):
    """A named, dated amount, rate, threshold, cap, tier bound or share."""
    title: text_t(PARAMETER_TEXT_MAX) = doc(required="yes", allowed=f"text, at most {PARAMETER_TEXT_MAX} characters",
                                          en="Chinese label, e.g. `生鲜乳加工增量每吨补贴`.", zh="中文名称。")
    unit: text_t(PARAMETER_TEXT_MAX, nonempty=False) = doc(
        None, allowed="free text (`元`, `元/吨`, `比例`, `吨`, `年`, `个` …)", en="Unit of the values.", zh="单位。")
    values: list[ParameterValue] = doc(
        required="yes", allowed=f"1 to {PARAMETER_VALUES_MAX} dated values, `from` strictly increasing",
        en="The dated values, each with its citation. A new list is a new dated value (or a dated `null`), never a "
           "copied rule.", zh="带日期的取值列表，每个取值附出处；新清单即新增一个带日期的取值。",
        min_length=1, max_length=PARAMETER_VALUES_MAX)


class ListPeriod(Strict):
    """A yearly policy list's period."""
    from_: day_t() = doc(required="yes", alias="from", en="First day the list is in force.", zh="清单生效日期。")
    to: day_t(nullable=True) = doc(None, en="Last day; missing: open-ended.", zh="清单截止日期；不写表示长期有效。")


class CatalogueFile(Strict):
    """A file of seeds/catalogue/: one policy document's header, its parameters and its rules."""
    document: name_t(DOCUMENT_ID, "NMG2024、ORD-FTRADE") = doc(
        required="yes", allowed="pattern `[A-Z][A-Z0-9]*(-[A-Z0-9]+)*`, at most 64 characters",
        en="Short id, e.g. `NMG2024`, `ORD-FTRADE`: capital letters and digits, parts joined by `-`. Copied to each "
           "rule and to every ledger line.", zh="文件编号，如 NMG2024、ORD-FTRADE；写入每条规则和每行台账。")
    title: text_t(nonempty=False, nullable=True) = doc(None, allowed="text", en="Full title.", zh="文件全称。")
    short_title: text_t(SHORT_TITLE_MAX, nullable=True) = doc(
        None, allowed=f"text, at most {SHORT_TITLE_MAX} characters",
        en="Short Chinese name a reader recognises (e.g. `自治区2024年产业政策清单`); the dashboards show it instead "
           "of the code (the code when it is missing). Identical in every file of a document. Stored in "
           "`catalogue.documents.short_title`.",
               zh="读者熟悉的中文简称，看板显示它而不是编号；同一文件的各个分册须一致。")
    level: choice_t(LEVELS) = doc(
        required="yes", allowed="`central`, `region`, `city`, `banner`",
        en="Level of the issuing government. It selects the default split.",
            zh="发文层级：中央、自治区、盟市、旗区；决定默认分担比例。")
    issued: issued_t() = doc(None, allowed="date or text", en="Issue date (stored as text).",
                             zh="发文日期（按文本存储）。")
    source_lines: lines_t() = doc(
        required="yes", allowed="`[first, last]`, whole numbers, 1 ≤ first ≤ last",
        en="The document's lines in the source text. Every citation must lie inside it.",
        zh="文件在政策原文中的行号范围 [起, 止]；所有出处须在其内。")
    valid: ListPeriod | None = doc(
        None, allowed="`{from, to}`, dates `YYYY-MM-DD`; `to` optional",
        en="A yearly policy list's period: its rules with no period of their own are in force in it, and in the "
           "period of each later list that `continues` it.",
        zh="年度政策清单的有效期：本文件中未写自身有效期的规则在此期间有效，并在续行它的后续清单有效期内继续有效。")
    continues: name_t(DOCUMENT_ID, "NMG2024") = doc(
        None, allowed="a document id of the catalogue (both documents need `valid`)",
        en="This list continues an earlier one (a 2025 list replacing the 2024 list): the earlier list's rules stay "
           "in force in this list's period, with the values dated in it (a dated `null` ends a measure).",
        zh="本清单续行一个较早的清单：较早清单的规则在本清单有效期内继续有效，取值按日期变化（null 表示措施终止）。")
    notes: text_t(nonempty=False, nullable=True) = doc(None, allowed="text",
                                                     en="Free text: reading notes, closing clauses, corrections.",
                                                     zh="说明：阅读笔记、结尾条款、更正。")
    items_without_fiscal_clause: list[item_number_t()] | None = doc(
        None, allowed="list of item numbers (text or whole numbers)",
        en="Items reviewed and found to hold no fiscal clause, so that every numbered item is accounted for. Merged "
           "across a document's files; shown in `catalogue.documents` and `catalogue.coverage`.",
        zh="经审阅不含财政条款的条目编号，使每个条目都有交代。")
    parameters: dict[PARAMETER_NAME, Parameter] | None = doc(
        None, allowed="`{name: {title, unit, values}}`; names by the pattern `[a-z][a-z0-9_]*`, at most 64 characters, "
                      "unique across the catalogue",
        en="Named, dated parameters the rules refer to by name (see [Parameter keys](#parameter-keys)).",
        zh="带日期的命名参数，规则按名称引用。")
    rules: list[Rule] | None = doc(None, allowed="list of rules", en="The document's entries (see [Rule fields]"
                                                                     "(#rule-fields)).", zh="规则列表。")


class DefaultSplit(Strict):
    """The default split per document level."""
    central: PlainShares = doc(None, en="Documents of the central level.", zh="中央文件。")
    region: PlainShares = doc(None, en="Documents of the region.", zh="自治区文件。")
    city: PlainShares = doc(None, en="Documents of a city.", zh="盟市文件。")
    banner: PlainShares = doc(None, en="Documents of a banner.", zh="旗区文件。")


class DefaultsFile(Strict):
    """seeds/catalogue/defaults.yaml: catalogue-wide defaults."""
    unspecified_split: DefaultSplit = doc(
        required="yes", allowed="`{level: {level: share}}`",
        en="How a costed rule whose text names no split (`split_specified: false`) is booked, by the document's level.",
        zh="文本未写分担比例时，按文件层级采用的默认分担比例。")


# --- scenario files -------------------------------------------------------------------------------------------------

class Change(Strict):
    """What a scenario changes in one costed rule (dotted paths into the entry)."""
    amount: formula_t() = doc(None, alias="amount", en="The formula (e.g. a rate per tonne).",
                              zh="金额公式（如每吨补贴额）。")
    caps_per_award: MONEY = doc(None, alias="caps.per_award", en="The cap per award, 元.", zh="单笔上限（元）。")
    caps_per_beneficiary_year: MONEY = doc(None, alias="caps.per_beneficiary_year",
                                           en="The cap per beneficiary and year, 元.",
                                               zh="每个受益对象每年上限（元）。")
    caps_per_beneficiary: MONEY = doc(None, alias="caps.per_beneficiary",
                                      en="The cap per beneficiary over the rule's life, 元.",
                                          zh="每个受益对象累计上限（元）。")
    shares: Shares = doc(None, alias="shares",
                         en="The shares by level, e.g. `{region: 0.6, city: 0.4}` (must sum to 1).",
                         zh="各级分担比例，如 {region: 0.6, city: 0.4}（合计须为 1）。")
    valid_from: day_t() = doc(None, alias="valid.from", en="The first day of validity.", zh="生效日期。")
    valid_to: day_t() = doc(None, alias="valid.to", en="The last day of validity (overrides a renewal assumption).",
                          zh="截止日期（优先于续发假设）。")
    schedule_instalments: instalments_t() = doc(None, alias="schedule.instalments",
                                              en="Instalment weights, e.g. `[4, 3, 3]`.", zh="分期权重，如 [4, 3, 3]。")
    expected_share: SHARE = doc(None, alias="expected_share", en="The expected share of a discretionary ceiling.",
                                zh="择优给予最高额的预计兑现比例。")
    switch_off: flag_t() = doc(None, alias="switch_off",
                             en="`true` switches the rule off (YAML reads a bare key `off` as false, hence the longer "
                                "name); with `true`, nothing else may change.",
                                    zh="true 表示停用该规则（此时不能再改其他参数）。")
    __pydantic_extra__: dict[str, formula_t()] = Field(init=False)  # tiers.brackets.<n>.amount
    model_config = ConfigDict(extra="allow", json_schema_extra=lambda schema: schema.update(
        patternProperties={_pattern(CHANGE_TIER): {
            "type": ["string", "number"], "maxLength": FORMULA_MAX,
            "description": "第 n 档金额（0 为第一档）。\n\nThe amount of tier bracket n (0 = the first)."}},
        additionalProperties=False))

    @classmethod
    def _extra_key(cls, key: Any) -> bool:
        return isinstance(key, str) and re.fullmatch(CHANGE_TIER, key) is not None


class ScenarioValue(Strict):
    """A dated value a scenario adds to a parameter."""
    from_: day_t() = doc(alias="from", allowed="date `YYYY-MM-DD`", en="The day the value takes effect.",
                         zh="生效日期。")
    value: PARAMETER_VALUE = doc(allowed="a number 0 to 10¹², at most 10 decimals, or `null`",
                                 en="The value, or `null` to end the measure that day.",
                                     zh="取值；null 表示措施自该日终止。")
    citation: ParameterCitation = doc(None, allowed="`{document, item, lines, quote}`",
                                      en="The clause the value comes from.", zh="出处（可选）。")


SCENARIO_PARAMETER = Annotated[
    Annotated[number_t(PARAMETER_DECIMALS, PARAMETER_MAX, parameter=False), Tag("~value")]
    | Annotated[list[ScenarioValue], Tag("~dated"), Field(min_length=1, max_length=PARAMETER_VALUES_MAX)],
    Discriminator(lambda v: "~dated" if isinstance(v, list) else "~value")]


class ScenarioFile(Strict):
    """A file of seeds/scenarios/ (or any scenario run on demand)."""
    scenario: name_t(SCENARIO_NAME, "milk_increase_150（小写字母开头，小写字母、数字、下划线）") = doc(
        required="yes", allowed="pattern `[a-z][a-z0-9_]*`, at most 64 characters; unique among the scenarios",
        en="The scenario's name: the key of its rows in `scenarios.*`.", zh="情景名称（scenarios.* 表的键）。")
    title: text_t(nonempty=False) = doc(None, allowed="text",
                                        en="Title shown on the 情景分析 page (default: the name).",
                                      zh="情景分析页显示的标题（默认为名称）。")
    description: text_t(nonempty=False) = doc(None, allowed="text", en="What the scenario assumes.", zh="情景说明。")
    changes: dict[RULE_ID_NAME, Change] = doc(
        None, required="`changes` or `parameters`",
        allowed=f"`{{rule id: {{change: value}}}}`, 1 to {CHANGED_RULES_MAX} costed rules",
        en="Per-rule edits (see the table of changes below); every changed entry is parsed again by the catalogue's "
           "own checks.", zh="按规则的修改：规则编号 → {修改项: 新值}；改后的条目按目录规则重新检查。",
        min_length=1, max_length=CHANGED_RULES_MAX)
    parameters: dict[PARAMETER_NAME, SCENARIO_PARAMETER] = doc(
        None, required="`changes` or `parameters`",
        allowed="`{name: value}` or `{name: [{from, value, citation}]}`",
        en="Parameters changed by name: a number replaces every non-null value of the parameter; a list of dated "
           "values adds them (`null` ends the measure that day; a value on an existing date replaces it).",
        zh="按名称修改参数：一个数字替换该参数所有非空取值；带日期的取值列表则追加（null 表示措施自该日终止）。")

    @model_validator(mode="after")
    def _something_changes(self) -> "ScenarioFile":
        if self.changes is None and self.parameters is None:
            raise _problem("需要 'changes'（按规则的修改）或 'parameters'（按名称修改参数），至少一个")
        return self

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["changes"]}, {"required": ["parameters"]}]})


# --- forecast settings and talent criteria ----------------------------------------------------------------------

def _years(zh: str, en: str) -> Any:
    return doc(3, allowed=f"whole number 1 to {FORECAST_YEARS_MAX}, default 3", en=en, zh=zh)


class ForecastSettings(Strict):
    """seeds/forecast/forecast.yaml: the forecast's settings (changing it changes the forecast, not the catalogue)."""
    horizon_years: whole_t(1, FORECAST_YEARS_MAX) = _years(
        "预测年数（最后一个完整年度之后）。", "Years forecast beyond the last complete year (award and payment years).")
    models: list[choice_t(FORECAST_MODELS)] = doc(
        None, allowed="a list of " + ", ".join(f"`{m}`" for m in FORECAST_MODELS)
                      + "; default the first four", min_length=1,
        en="Models combined for every driver series, weighted by the inverse of each one's mean absolute error at the "
           "forecast horizons over the last `selection_origins` rolling origins; a single name forecasts with that "
           "model alone (see [The method](#the-method-chosen-on-public-yearly-data)).",
        zh="每个驱动序列所组合的模型，按各自在滚动起点上的平均绝对误差的倒数加权。")
    selection_origins: whole_t(1, FORECAST_YEARS_MAX) = _years(
        "评估模型权重所用的滚动起点个数。", "Rolling origins over which the models' errors weight the combination.")
    pool_years: whole_t(1, FORECAST_YEARS_MAX) = _years(
        "未来案例取自最近几个完整年度的案例。",
        "Future cases are drawn from the cases of the last `pool_years` complete years.")
    holdout_years: whole_t(1, FORECAST_YEARS_MAX) = _years(
        "回测时留出的最近完整年度数。", "Backtest: the last `holdout_years` complete years are held out and compared.")
    renewed_documents: dict[name_t(DOCUMENT_ID, "NMG2024、ORD-FTRADE"), text_t()] | None = doc(
        None, allowed="`{document id: assumption (Chinese text)}`; documents of the catalogue",
        en="Documents whose end date is a reading, assumed renewed each year on the same terms until the end of the "
           "horizon; the text is the assumption the dashboards list.",
        zh="假定每年续发同样条款的文件：文件编号 → 续发假设说明（看板列出）。")


class Criterion(Strict):
    """One criterion of the annex 鄂尔多斯市高层次人才分类目录."""
    id: name_t(CRITERION_ID, "A-01、F-14") = doc(required="yes", allowed="pattern `[A-F]-[0-9]{2}[A-Za-z0-9]*`, unique",
                                              en="Criterion id, e.g. `B-10`.", zh="标准编号，如 B-10。")
    category: choice_t(CATEGORIES) = doc(required="yes", allowed="`A` … `F`", en="Talent category.",
                                         zh="人才类别 A–F。")
    field: choice_t(ANNEX_FIELDS) = doc(
        required="yes", allowed=", ".join(f"`{f}`" for f in ANNEX_FIELDS),
        en="The annex heading: a field criterion screens people of that field only; `any` and `other` screen everyone.",
        zh="附件中的领域：科技创新、教育卫生、企业经营管理只筛查本领域人员；any 和 other 筛查所有人。")
    lines: lines_t() = doc(required="yes", allowed="`[first, last]`", en="Lines in the source text.",
                           zh="原文行号 [起, 止]。")
    quote: text_t(nonempty=False) = doc(None, allowed="text", en="The criterion's text.", zh="标准原文。")
    status: choice_t(("evaluable", "not_evaluable")) = doc(
        required="yes", allowed="`evaluable`, `not_evaluable`",
        en="`not_evaluable`: the criterion names a fact no registry field holds.", zh="能否由登记表字段判断。")
    reason: text_t(nonempty=False, nullable=True) = doc(
        None, required="if `not_evaluable`", allowed="text",
        en="Why not evaluable, or what the screen leaves to check by hand.", zh="无法判断的原因，或需人工核实的部分。")
    expression: formula_t(nullable=True) = doc(
        None, required="if `evaluable`", allowed="formula giving true/false",
        en="The screen over `degree`, `title`, `field`, `age`, `annual_salary_yuan`, `employer_revenue_yuan`, "
           "`employment`; a match means the person MAY qualify.",
               zh="筛查条件（真/假公式）；符合仅表示可能符合该类别。")


class TalentCriteriaFile(Strict):
    """seeds/reference/talent_criteria.yaml: the annex's criteria for the candidate-category screen."""
    source_lines: lines_t() = doc(None, allowed="`[first, last]`", en="The annex's lines in the source text.",
                                zh="附件在原文中的行号范围。")
    criteria: list[Criterion] = doc(required="yes", allowed="list", en="The criteria.", zh="标准列表。")


# --- formats, check -------------------------------------------------------------------------------------------

FORMATS: dict[str, type[Strict]] = {"catalogue": CatalogueFile, "defaults": DefaultsFile, "scenario": ScenarioFile,
                                    "forecast": ForecastSettings, "talent_criteria": TalentCriteriaFile}
SEED_FILES = {"catalogue": "catalogue/*.yaml", "defaults": "catalogue/defaults.yaml", "scenario": "scenarios/*.yaml",
              "forecast": "forecast/forecast.yaml", "talent_criteria": "reference/talent_criteria.yaml"}
# Messages name the entry an error is in: (list or mapping key, word) per format.
ENTRIES = {"catalogue": {"rules": "规则", "parameters": "参数"}, "scenario": {"changes": "规则", "parameters": "参数"},
           "talent_criteria": {"criteria": "标准"}}
TYPE_ZH = {"dict": "键值对", "list": "列表", "str": "文本", "int": "整数", "float": "小数", "bool": "true/false",
           "NoneType": "空值", "date": "日期", "datetime": "日期时间"}


def seed_files(kind: str, seeds: Path) -> list[Path]:
    """The files of seeds/ in format `kind` (defaults.yaml is its own format)."""
    found = sorted(seeds.glob(SEED_FILES[kind]))
    return [p for p in found if kind != "catalogue" or p.name != "defaults.yaml"]


def check(kind: str, data: Any, where: str, error: type[ValueError] = FormatError) -> None:
    """Validate parsed YAML against format `kind`; raise `error` with a Chinese message naming file, entry, field."""
    try:
        FORMATS[kind].model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        more = f"（另有 {len(errors) - 1} 处不符合格式）" if len(errors) > 1 else ""
        raise error(message(kind, data, where, errors[0]) + more) from None


def message(kind: str, data: Any, where: str, err: Any) -> str:
    """One pydantic error as `{where}：规则 {id}：字段 '{field}'：{problem}` (catalogue._error's style)."""
    loc = [part for part in err["loc"] if not (isinstance(part, str) and part.startswith("~"))]
    ctx = err.get("ctx") or {}
    if "[key]" in loc:  # a bad key of a mapping: the mapping is the field
        loc = loc[:loc.index("[key]") - 1]
    if ctx.get("field"):  # an entry-level check about one of its fields
        loc.append(ctx["field"])
    at, rest = _entry(kind, data, where, loc)
    problem = _translate(err, top=not rest)
    return f"{at}：{problem}" if not rest else f"{at}：字段 '{_path(rest)}'：{problem}"


def _entry(kind: str, data: Any, where: str, loc: list[Any]) -> tuple[str, list[Any]]:
    """The message's head (file, and the rule, parameter or criterion) and the field path inside it."""
    words = ENTRIES.get(kind, {})
    if len(loc) >= 2 and loc[0] in words:
        key = loc[1]
        if isinstance(key, int):
            entry = data[loc[0]][key] if isinstance(data, dict) else None
            ident = entry.get("id") if isinstance(entry, dict) else None
            key = ident if isinstance(ident, str) else f"(第 {key + 1} 条，无 id)"
        return f"{where}：{words[loc[0]]} {str(key)[:80]}", loc[2:]
    return (f"{where}：文件抬头" if kind == "catalogue" else where), loc


def _path(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _type_zh(value: Any) -> str:
    return TYPE_ZH.get(type(value).__name__, type(value).__name__)


def _translate(err: Any, top: bool) -> str:
    """pydantic's error, in Chinese."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == ERROR:
        return ctx["problem"]
    if kind == "unknown_keys":
        return (f"未知字段 {ctx['keys']}；允许的字段：{ctx['allowed']}" if top
                else f"未知的键 {ctx['keys']}；允许：{ctx['allowed']}")
    if kind == "missing":
        return "必填"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"应为键值对（mapping），而不是{_type_zh(value)} {_show(value)}"
    if kind == "list_type":
        return f"应为列表，而不是{_type_zh(value)} {_show(value)}"
    if kind == "too_short":
        return f"至少 {ctx['min_length']} 项"
    if kind == "too_long":
        return f"最多 {ctx['max_length']} 项（现有 {len(value) if hasattr(value, '__len__') else '更多'} 项）"
    return f"不符合格式（{kind}：{err['msg']}）"


# --- JSON Schema and the docs' tables ---------------------------------------------------------------------------

SCHEMA_DIR = "docs/schema"
SCHEMA_NAMES = {"catalogue": "catalogue.schema.json", "defaults": "defaults.schema.json",
                "scenario": "scenario.schema.json", "forecast": "forecast.schema.json",
                "talent_criteria": "talent_criteria.schema.json"}


def json_schema(kind: str) -> dict[str, Any]:
    """The format as JSON Schema (2020-12) for editors: descriptions in Chinese, then English."""
    schema = FORMATS[kind].model_json_schema(by_alias=True)
    _tidy(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$comment": "Generated from dagster_project/yaml_format.py by `python -m dagster_project schema`; "
                        "do not edit.", **schema}


def _tidy(node: Any) -> None:
    """x-zh into the description, doc-table keys and null defaults dropped, mappings keyed by pattern closed."""
    if isinstance(node, list):
        for item in node:
            _tidy(item)
        return
    if not isinstance(node, dict):
        return
    zh = node.pop("x-zh", None)
    node.pop("x-required", None)
    node.pop("x-allowed", None)
    if zh:
        node["description"] = f"{zh}\n\n{node['description']}" if node.get("description") else zh
    if "default" in node and node["default"] is None:
        del node["default"]
    if "patternProperties" in node and "properties" not in node:
        node.setdefault("additionalProperties", False)
    for value in node.values():
        _tidy(value)


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), ensure_ascii=False, indent=2) + "\n"


def _cell(text_: str) -> str:
    return text_.replace("|", "\\|").replace("\n", " ")


def table(model: type[BaseModel], prefix: str = "", head: str = "Field") -> list[str]:
    """Markdown rows `| key | required | allowed | meaning |` of a model's fields, from their declarations."""
    rows = [f"| {head} | Required | Allowed values | Meaning |", "|---|---|---|---|"]
    return rows + _rows(model, prefix)


def _rows(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for key, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        required = extra.get("x-required") or ("yes" if info.is_required() else "no")  # "" : from the model
        out.append(f"| `{prefix}{info.alias or key}` | {required} | {_cell(str(extra.get('x-allowed', '')))} | "
                   f"{_cell(info.description or '')} |")
    return out


def _change_rows() -> list[str]:
    rows = ["| Change | Value | Meaning |", "|---|---|---|"]
    kinds = {"amount": "formula", "shares": "`{level: share}`", "valid.from": "date", "valid.to": "date",
             "schedule.instalments": "list of weights", "switch_off": "`true` or `false`"}
    for key, info in Change.model_fields.items():
        alias = info.alias or key
        rows.append(f"| `{alias}` | {kinds.get(alias, PARAMETER_OR_NUMBER)} | {_cell(info.description or '')} |")
    at = rows.index(next(r for r in rows if r.startswith("| `caps.per_award`")))
    rows.insert(at, "| `tiers.brackets.<n>.amount` | formula | The amount of tier bracket n (0 = the first). |")
    return rows


def _parameter_rows() -> list[str]:
    return (table(Parameter, "parameters.<name>.", head="Key") + _rows(ParameterValue, "parameters.<name>.values[].")
            + _rows(ParameterCitation, "parameters.<name>.values[].citation."))


DOC_TABLES: dict[tuple[str, str], Callable[[], list[str]]] = {
    ("docs/catalogue.md", "document-keys"): lambda: table(CatalogueFile, head="Key"),
    ("docs/catalogue.md", "parameter-keys"): _parameter_rows,
    ("docs/catalogue.md", "rule-fields"): lambda: table(Rule),
    ("docs/forecast.md", "scenario-keys"): lambda: table(ScenarioFile, head="Key") + _rows(
        ScenarioValue, "parameters.<name>[]."),
    ("docs/forecast.md", "scenario-changes"): _change_rows,
    ("docs/forecast.md", "forecast-settings"): lambda: table(ForecastSettings, head="Key"),
}
MARKER = re.compile(r"(<!-- generated: (?P<name>[a-z-]+)[^>]*-->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def rendered_docs(root: Path) -> dict[Path, str]:
    """Each doc with its generated sections rendered from the models (other text untouched)."""
    out: dict[Path, str] = {}
    for doc_file in sorted({f for f, _ in DOC_TABLES}):
        path = root / doc_file
        original = path.read_text(encoding="utf-8")
        wanted = {n for f, n in DOC_TABLES if f == doc_file}
        found = {m["name"] for m in MARKER.finditer(original)}
        if wanted - found:
            raise FormatError(f"{doc_file}：缺少生成区段的标记 {sorted(wanted - found)}"
                              "（<!-- generated: 名称 --> … <!-- end generated -->）")

        def fill(m: re.Match[str], doc_file: str = doc_file) -> str:
            render = DOC_TABLES.get((doc_file, m["name"]))
            return m.group(0) if render is None else m.group(1) + "\n".join(render()) + "\n" + m.group(4)
        out[path] = MARKER.sub(fill, original)
    return out


def rendered_schemas(root: Path) -> dict[Path, str]:
    return {root / SCHEMA_DIR / file: schema_text(kind) for kind, file in SCHEMA_NAMES.items()}


def write_all(root: Path) -> list[Path]:
    """Write the JSON Schema files and the docs' generated sections; the paths that changed."""
    changed = []
    for path, content in {**rendered_schemas(root), **rendered_docs(root)}.items():
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            changed.append(path)
    return changed


def stale(root: Path) -> list[Path]:
    """The generated files that differ from what the models give."""
    return [p for p, c in {**rendered_schemas(root), **rendered_docs(root)}.items()
            if not p.exists() or p.read_text(encoding="utf-8") != c]
