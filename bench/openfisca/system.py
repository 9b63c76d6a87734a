"""Seven enterprise rules of seeds/catalogue written as an OpenFisca tax-benefit system, for bench/openfisca_compare.py.

Runs only in the throwaway environment of bench/openfisca/setup.sh (OpenFisca is never a project dependency). One
entity, `firm`; yearly periods; the registry metrics the rules read are input variables, and each rule has an award
variable and one variable per paying level. Each formula is written to be the same rule as the catalogue entry it
names, with the same semantics as dagster_project/ledger.py and sql/:

- a metric the firm did not report is NaN (the registry's NULL): a comparison with it is false, an amount computed
  from it gives no award (SQL: "(amount) IS NOT NULL");
- an enterprise rule only awards in a year in which the firm reported one of the rule's metrics (the award years of
  sql/rule_candidates_enterprise.sql);
- per-award and per-firm-and-year caps are np.minimum (one award per firm, rule and year, so they coincide), tiers are
  np.select over [min, max) brackets; a value in no bracket gets no award;
- a rule is in force in the award years of its validity: a dated formula (formula_2024) and `end`;
- amounts are not rounded here: the comparison rounds half-up to the fen, as sql/awards.sql does.

Amounts, rates, thresholds and shares are OpenFisca parameters with the catalogue's dates and values (the catalogue
parameter each comes from is named beside it). OpenFisca stores `float` variables as float32; `build_system` takes the
float dtype so that the same rules run in float64 and in OpenFisca's default float32.
"""

from __future__ import annotations

import datetime

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import ETERNITY, YEAR
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable, config

Firm = build_entity(key="firm", plural="firms", label="企业（统一社会信用代码）", is_person=True)
ORDOS = "150600"


def _value(start: str, value: float) -> dict:
    return {"values": {start: {"value": value}}}


# rule -> its parameters; dates and values as in seeds/catalogue (catalogue.parameter_values)
PARAMETERS = {
    "nmg2024_11a": {  # NMG2024 item 11: 每增加1吨补贴200元，自治区和盟市各承担50%
        "amount": _value("2024-01-01", 200),  # nmg2024_11a_amount
        "share": {"region": _value("2024-01-01", 0.5), "city": _value("2024-01-01", 0.5)},
    },
    "ord2024_2_5_03d": {  # 上年度研发经费20%奖补，最高500万元; no split named: the city document's default 1:1
        "rate": _value("2024-01-01", 0.2),  # ord2024_2_5_03d_amount
        "cap": _value("2024-01-01", 5000000),  # ord2024_2_5_03d_cap_per_award
        "share": {"city": _value("2024-01-01", 0.5), "banner": _value("2024-01-01", 0.5)},
    },
    "ord2024_2_7_02": {  # 一般工业固体废物综合利用 5/7/10 元/吨，每户每年最多500万元
        "tier_1_min": _value("2024-01-01", 10000),
        "tier_2_min": _value("2024-01-01", 50000.01),
        "tier_3_min": _value("2024-01-01", 100000.01),
        "tier_1_rate": _value("2024-01-01", 5),
        "tier_2_rate": _value("2024-01-01", 7),
        "tier_3_rate": _value("2024-01-01", 10),
        "cap": _value("2024-01-01", 5000000),  # caps.per_beneficiary_year
        "share": {"city": _value("2024-01-01", 0.5), "banner": _value("2024-01-01", 0.5)},
    },
    "nmg_agproc_01a": {  # 精深加工企业（年主营业务收入2亿元以上）贷款贴息2%，每户每年最高200万元
        "revenue_min": _value("2024-01-01", 200000000),  # nmg_agproc_01a_elig
        "rate": _value("2024-01-01", 0.02),
        "cap": _value("2024-01-01", 2000000),
        "share": {"region": _value("2024-01-01", 1)},
    },
    "ord_ftrade_07": {  # 港务补贴：港务费50%，年度上限200万元，市、旗区1:1
        "trade_min": _value("2024-02-07", 100000000),  # ord_ftrade_07_elig
        "rate": _value("2024-02-07", 0.5),
        "cap": _value("2024-02-07", 2000000),
        "share": {"city": _value("2024-02-07", 0.5), "banner": _value("2024-02-07", 0.5)},
    },
    "nmg2024_85a": {  # 完全成本保险保费：中央45%、自治区30%，each level's share of the premium on its own
        "share": {"central": _value("2024-01-21", 0.45), "region": _value("2024-01-21", 0.3)},
    },
    "ord_bulk_05a": {  # 新能源矿产品年进口额1亿、3亿、10亿元以上：100万、300万、1000万元
        "tier_1_min": _value("2024-02-07", 100000000),
        "tier_2_min": _value("2024-02-07", 300000000),
        "tier_3_min": _value("2024-02-07", 1000000000),
        "tier_1_amount": _value("2024-02-07", 1000000),
        "tier_2_amount": _value("2024-02-07", 3000000),
        "tier_3_amount": _value("2024-02-07", 10000000),
        "share": {"city": _value("2024-02-07", 0.5), "banner": _value("2024-02-07", 0.5)},
    },
}

# rule id -> (variable prefix, paying levels); the comparison reads <prefix>_award and <prefix>_<level>
RULES = {
    "NMG2024-11A": ("nmg2024_11a", ("region", "city")),
    "ORD2024-2-5-03D": ("ord2024_2_5_03d", ("city", "banner")),
    "ORD2024-2-7-02": ("ord2024_2_7_02", ("city", "banner")),
    "NMG-AGPROC-01A": ("nmg_agproc_01a", ("region",)),
    "ORD-FTRADE-07": ("ord_ftrade_07", ("city", "banner")),
    "NMG2024-85A": ("nmg2024_85a", ("central", "region")),
    "ORD-BULK-05A": ("ord_bulk_05a", ("city", "banner")),
}

METRICS = (  # the registry metrics the seven rules read (seeds/reference/metrics.csv codes)
    "raw_milk_processed_t", "new_rd_institution_rd_net_of_grants_yuan", "general_solid_waste_utilised_net_t",
    "main_business_revenue_yuan", "agproc_working_rd_loan_yuan", "import_export_value_yuan", "port_fees_yuan",
    "grain_full_cost_insurance_premium_yuan", "ne_mineral_import_value_yuan",
)


def _metric(name: str) -> type[Variable]:
    """A yearly registry metric: NaN where the firm reported nothing (NULL)."""
    return type(name, (Variable,), {"value_type": float, "entity": Firm, "definition_period": YEAR,
                                    "default_value": float("nan"), "label": f"登记指标 {name}"})


class region_code(Variable):
    value_type = str
    entity = Firm
    definition_period = ETERNITY
    label = "所在地区划代码（旗区或园区）"


class industry_code(Variable):
    value_type = str
    entity = Firm
    definition_period = ETERNITY
    label = "行业门类代码"


class registered_on(Variable):
    value_type = datetime.date
    entity = Firm
    definition_period = ETERNITY
    label = "注册日期"


def _city_code(parents: dict[str, str]) -> type[Variable]:
    """city_code: the league/city of the firm's region (regions.csv parent_code), as the engine's SQL joins it."""
    def formula(firm, period):
        codes, inverse = np.unique(firm("region_code", period).astype(str), return_inverse=True)
        return np.array([parents.get(c, "") for c in codes], dtype=object)[inverse]
    return type("city_code", (Variable,), {"value_type": str, "entity": Firm, "definition_period": ETERNITY,
                                          "label": "所属盟市代码", "formula": formula})


def _reports(firm, period, *metrics: str):
    """The firm reported one of the rule's metrics this year: the award years of the engine's enterprise rules."""
    return np.logical_or.reduce([~np.isnan(firm(m, period)) for m in metrics])


def _award(value, eligible):
    """The amount where eligible and not NaN (the engine books no candidate for a NULL amount), else 0."""
    return np.where(eligible & ~np.isnan(value), value, 0)


class nmg2024_11a_award(Variable):
    value_type = float
    entity = Firm
    definition_period = YEAR
    end = "2024-12-31"  # the NMG2024 list's period
    label = "NMG2024-11A 乳制品加工企业生鲜乳加工增量补贴（元）"

    def formula_2024(firm, period, parameters):
        p = parameters(period.stop).nmg2024_11a
        milk = firm("raw_milk_processed_t", period)
        milk_prev = firm("raw_milk_processed_t", period.last_year)
        return _award(p.amount * (milk - milk_prev), milk > milk_prev)


class ord2024_2_5_03d_award(Variable):
    value_type = float
    entity = Firm
    definition_period = YEAR
    end = "2024-12-31"
    label = "ORD2024-2-5-03D 新型研发机构上年度研发经费20%奖补（元）"

    def formula_2024(firm, period, parameters):
        p = parameters(period.stop).ord2024_2_5_03d
        metric = "new_rd_institution_rd_net_of_grants_yuan"
        rd_prev = firm(metric, period.last_year)
        eligible = _reports(firm, period, metric) & (firm("city_code", period) == ORDOS) & (rd_prev > 0)
        return _award(np.minimum(p.rate * rd_prev, p.cap), eligible)


class ord2024_2_7_02_award(Variable):
    value_type = float
    entity = Firm
    definition_period = YEAR
    end = "2024-12-31"
    label = "ORD2024-2-7-02 一般工业固体废物资源综合利用分级补贴（元）"

    def formula_2024(firm, period, parameters):
        p = parameters(period.stop).ord2024_2_7_02
        used = firm("general_solid_waste_utilised_net_t", period)
        rate = np.select([(used >= p.tier_1_min) & (used < p.tier_2_min),
                          (used >= p.tier_2_min) & (used < p.tier_3_min),
                          used >= p.tier_3_min],
                         [p.tier_1_rate, p.tier_2_rate, p.tier_3_rate], default=np.nan)
        return _award(np.minimum(rate * used, p.cap), firm("city_code", period) == ORDOS)


class nmg_agproc_01a_award(Variable):
    value_type = float
    entity = Firm
    definition_period = YEAR  # open-ended: in force from 2024 on
    label = "NMG-AGPROC-01A 现有精深加工企业流动资金、科技研发贷款贴息（元）"

    def formula_2024(firm, period, parameters):
        p = parameters(period.stop).nmg_agproc_01a
        loan = firm("agproc_working_rd_loan_yuan", period)
        eligible = (np.isin(firm("industry_code", period), ["13", "14"])
                    & (firm("registered_on", period) < np.datetime64("2024-02-25"))
                    & (firm("main_business_revenue_yuan", period) >= p.revenue_min) & (loan > 0))
        return _award(np.minimum(p.rate * loan, p.cap), eligible)


class ord_ftrade_07_award(Variable):
    value_type = float
    entity = Firm
    definition_period = YEAR
    end = "2026-12-31"  # valid 2024-02-07 to 2026-12-31: award years 2024-2026
    label = "ORD-FTRADE-07 港务补贴（元）"

    def formula_2024(firm, period, parameters):
        p = parameters(period.stop).ord_ftrade_07
        eligible = ((firm("city_code", period) == ORDOS)
                    & (firm("registered_on", period) >= np.datetime64("2024-02-07"))
                    & (firm("import_export_value_yuan", period) >= p.trade_min))
        return _award(np.minimum(p.rate * firm("port_fees_yuan", period), p.cap), eligible)


class ord_bulk_05a_award(Variable):
    value_type = float
    entity = Firm
    definition_period = YEAR
    end = "2026-12-31"
    label = "ORD-BULK-05A 新能源矿产品进口奖励（元）"

    def formula_2024(firm, period, parameters):
        p = parameters(period.stop).ord_bulk_05a
        imports = firm("ne_mineral_import_value_yuan", period)
        amount = np.select([(imports >= p.tier_1_min) & (imports < p.tier_2_min),
                            (imports >= p.tier_2_min) & (imports < p.tier_3_min),
                            imports >= p.tier_3_min],
                           [p.tier_1_amount, p.tier_2_amount, p.tier_3_amount], default=np.nan)
        return _award(amount, (firm("city_code", period) == ORDOS) & (imports >= p.tier_1_min))


def _base_level(level: str) -> type[Variable]:
    """NMG2024-85A: each level pays its own share of the premium (share_of: base)."""
    def formula_2024(firm, period, parameters):
        premium = firm("grain_full_cost_insurance_premium_yuan", period)
        share = getattr(parameters(period.stop).nmg2024_85a.share, level)
        return _award(share * premium, premium > 0)
    return type(f"nmg2024_85a_{level}", (Variable,), {
        "value_type": float, "entity": Firm, "definition_period": YEAR, "end": "2024-12-31",
        "label": f"NMG2024-85A 完全成本保险保费补贴：{level} 承担部分（元）", "formula_2024": formula_2024})


class nmg2024_85a_award(Variable):
    value_type = float
    entity = Firm
    definition_period = YEAR
    end = "2024-12-31"
    label = "NMG2024-85A 产粮大县完全成本保险和种植收入保险保费补贴（元）"

    def formula_2024(firm, period):
        return firm("nmg2024_85a_central", period) + firm("nmg2024_85a_region", period)


def _level(prefix: str, level: str) -> type[Variable]:
    """A paying level's part of a rule's award: award x the level's share."""
    def formula(firm, period, parameters):
        share = getattr(getattr(parameters(period.stop), prefix).share, level)
        return firm(f"{prefix}_award", period) * share
    return type(f"{prefix}_{level}", (Variable,), {
        "value_type": float, "entity": Firm, "definition_period": YEAR,
        "label": f"{prefix}：{level} 承担部分（元）", "formula_2024": formula})


def build_system(float_dtype: type = np.float64, parents: dict[str, str] | None = None) -> TaxBenefitSystem:
    """The tax-benefit system with `float` variables stored as `float_dtype` (OpenFisca's own default: float32).

    `parents` maps a region code to its league/city code (regions.csv parent_code)."""
    saved = config.VALUE_TYPES[float]["dtype"]
    config.VALUE_TYPES[float]["dtype"] = float_dtype  # read when each variable is instantiated below
    try:
        system = TaxBenefitSystem([Firm])
        system.add_variables(*(_metric(m) for m in METRICS), region_code, industry_code, registered_on,
                             _city_code(parents or {}), nmg2024_11a_award, ord2024_2_5_03d_award,
                             ord2024_2_7_02_award, nmg_agproc_01a_award, ord_ftrade_07_award, ord_bulk_05a_award,
                             _base_level("central"), _base_level("region"), nmg2024_85a_award)
        system.add_variables(*(_level(prefix, level) for prefix, levels in RULES.values() if prefix != "nmg2024_85a"
                               for level in levels))
    finally:
        config.VALUE_TYPES[float]["dtype"] = saved
    system.parameters = ParameterNode("", data=PARAMETERS)
    return system
