"""The data contract: what each registry export must contain (docs/data-contract.md explains it).

Canonical English column names; the Chinese headers real exports use are aliases. Units are explicit
in the column name or the metric row. Everything is read as text first and typed only after
validation, so a malformed cell is quarantined with its reason instead of failing the whole read.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "code", "uscc", "id_number", "region", "date", "year", "decimal", "integer", "category"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    aliases: tuple[str, ...] = ()
    required: bool = True  # the column must be present in the file
    nullable: bool = False  # a present column may hold empty cells
    unit: str | None = None
    choices: tuple[str, ...] = ()  # for kind == "category"
    personal: bool = False  # never published in clear (talents are people)
    doc: str = ""


@dataclass(frozen=True)
class Registry:
    name: str
    zh: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    file_prefixes: tuple[str, ...]  # how a landing file names the registry it belongs to
    parent: str | None = None  # registry whose key this one references through `uscc`

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ENTERPRISES = Registry(
    name="enterprises",
    zh="企业名录",
    key=("uscc",),
    file_prefixes=("enterprises", "企业名录"),
    columns=(
        Column("uscc", "uscc", ("统一社会信用代码", "信用代码"),
               doc="统一社会信用代码, GB 32100, check digit verified"),
        Column("name", "text", ("企业名称", "名称")),
        Column("region_code", "region", ("所在地区划代码", "区划代码", "行政区划代码"),
               doc="banner/district code (GB/T 2260) or a city-level park code from seeds/reference/regions.csv"),
        Column("industry_code", "code", ("行业代码", "国民经济行业代码"), doc="GB/T 4754-2017 division (2 digits)"),
        Column("registered_on", "date", ("成立日期", "注册日期")),
        Column("ownership", "category", ("所有制", "企业性质"), choices=("private", "state", "foreign", "collective"),
               doc="private 民营 or 私营 / state 国有 / foreign 外资 / collective 集体"),
    ),
)

ENTERPRISE_METRICS = Registry(
    name="enterprise_metrics",
    zh="企业年度指标",
    key=("uscc", "year", "metric"),
    file_prefixes=("enterprise_metrics", "企业年度指标", "metrics"),
    parent="enterprises",
    columns=(
        Column("uscc", "uscc", ("统一社会信用代码",)),
        Column("year", "year", ("年度", "年份")),
        Column("metric", "code", ("指标代码", "指标"), doc="a code from seeds/reference/metrics.csv"),
        Column("value", "decimal", ("数值", "指标值"), doc="non-negative; unit as stated in the row"),
        Column("unit", "code", ("单位", "计量单位"), doc="must equal the metric's unit in seeds/reference/metrics.csv"),
    ),
)

PROJECTS = Registry(
    name="projects",
    zh="项目库",
    key=("project_id",),
    file_prefixes=("projects", "项目库", "项目"),
    parent="enterprises",
    columns=(
        Column("project_id", "code", ("项目编号", "项目代码")),
        Column("uscc", "uscc", ("建设单位统一社会信用代码", "统一社会信用代码")),
        Column("project_name", "text", ("项目名称",)),
        Column("project_type", "code", ("项目类型",), doc="a code from seeds/reference/project_types.csv"),
        Column("region_code", "region", ("建设地点区划代码", "区划代码")),
        Column("start_date", "date", ("开工日期",)),
        Column("completion_date", "date", ("竣工日期", "建成日期"), nullable=True,
               doc="empty while under construction"),
        Column("equipment_investment_yuan", "decimal", ("设备投资(元)", "设备投资额(元)"), unit="元"),
        Column("total_investment_yuan", "decimal", ("总投资(元)", "总投资额(元)"), unit="元"),
        Column("area_mu", "decimal", ("面积(亩)", "种植面积(亩)"), unit="亩", nullable=True),
        Column("quantity", "decimal", ("规模数量", "数量"), required=False, nullable=True,
               doc="the project's size in its type's unit (头, 吨, 千瓦, 平方米 …), when the type has one"),
        Column("quantity_unit", "code", ("数量单位", "计量单位"), required=False, nullable=True,
               doc="must equal the type's quantity_unit in seeds/reference/project_types.csv"),
    ),
)

_YES_NO = {"choices": ("yes", "no"), "required": False, "nullable": True}  # optional yes/no talent flags
# Identity documents a talent may be registered with; the first is assumed where none is given.
ID_TYPES = ("resident_id", "passport", "hk_macau_taiwan", "foreign_permanent")

TALENTS = Registry(
    name="talents",
    zh="人才库",
    key=("talent_id",),
    file_prefixes=("talents", "人才库", "人才"),
    parent="enterprises",
    columns=(
        Column("talent_id", "code", ("人才编号",)),
        Column("name", "text", ("姓名",), personal=True),
        Column("id_number", "id_number", ("身份证号", "公民身份号码", "证件号码"), personal=True,
               doc="the number of the document in id_type: a resident ID (GB 11643, check digit verified) or 5–20 "
                   "letters/digits for the other types; replaced by a pseudonymous key on ingestion"),
        Column("id_type", "category", ("证件类型",), choices=ID_TYPES, required=False, nullable=True,
               doc="resident_id 居民身份证 (when the column is absent or the cell empty) / passport 护照 / "
                   "hk_macau_taiwan 港澳台居民居住证或往来通行证 / foreign_permanent 外国人永久居留身份证"),
        Column("category", "category", ("人才类别", "类别"), choices=("A", "B", "C", "D", "E", "F"), nullable=True,
               doc="certified category under 鄂尔多斯市高层次人才分类目录; empty for people registered under another "
                   "scheme (青年人才, 实习, 奖学金 …) who hold no high-level category"),
        Column("field", "category", ("领域",), choices=("science", "education_health", "management", "other"),
               doc="科技创新 / 教育卫生 / 企业经营管理 / 其他"),
        Column("employer_uscc", "uscc", ("用人单位统一社会信用代码", "用人单位信用代码"), nullable=True,
               doc="empty only for people with no employer in the city (scheme scholarship: students)"),
        Column("region_code", "region", ("工作地区划代码", "区划代码")),
        Column("arrival_date", "date", ("引进日期", "到岗日期")),
        Column("departure_date", "date", ("离职日期",), nullable=True),
        Column("employment", "category", ("引进方式", "全职柔性"), choices=("full_time", "flexible"),
               doc="全职 full_time / 柔性 flexible"),
        Column("degree", "category", ("学历", "学位"), choices=("doctorate", "master", "bachelor", "other")),
        Column("title", "category", ("职称",), choices=("senior", "deputy_senior", "intermediate", "none")),
        Column("annual_salary_yuan", "decimal", ("年薪(元)", "税前年薪(元)"), unit="元",
               doc="pre-tax annual pay; for flexible recruits the pay (劳动报酬/项目工资) the employer actually pays"),
        # Fields the city's talent policy (ORD-TALENT) needs; optional columns, empty where they do not apply.
        Column("scheme", "category", ("人才项目类型", "引才渠道"), choices=(
            "high_level", "youth", "pre_hire", "intern_invited", "intern_enterprise", "scholarship", "consultant"),
               required=False, nullable=True,
               doc="the scheme the row is registered under: high_level 高层次人才 (category A–F) / "
                   "youth 青年人才 (graduates recruited) / pre_hire 硕博研究生预引进 / "
                   "intern_invited 市外高校选派或事业单位引进人选实习 / intern_enterprise 企业自行接收实习 / "
                   "scholarship 鄂尔多斯未来之星奖学金 / consultant 市政府科技顾问"),
        Column("research_field", "category", ("从事研究类别",), choices=("natural_science", "social_science", "none"),
               required=False, nullable=True, doc="从事自然科学研究 / 从事社会科学研究 / 不从事科研"),
        Column("city_state_employer", "category", ("市直国有企事业单位",), **_YES_NO,
               doc="the employer is a 市直国有企事业单位 (city-owned enterprise or public institution)"),
        Column("key_enterprise", "category", ("重点企业",), **_YES_NO,
               doc="the employer is a 重点企业 under ORD-TALENT item 4 (重点产业链骨干企业、高新技术企业、专精特新 …)"),
        Column("urgent_shortage", "category", ("急需紧缺",), **_YES_NO, doc="recognised as 急需紧缺 talent"),
        Column("core_post", "category", ("骨干岗位",), **_YES_NO,
               doc="高级经营管理人员、技术研发带头人、安全生产技术总监等骨干人员"),
        Column("contract_years", "decimal", ("劳动合同期限(年)",), unit="年", required=False, nullable=True),
        Column("from_outside_city", "category", ("市外引进",), **_YES_NO,
               doc="recruited from outside Ordos (由市外新引进)"),
        Column("recommended_by_agency", "category", ("机构举荐",), **_YES_NO,
               doc="recommended by a recognised HR service firm, headhunter or social organisation (举荐机构)"),
        Column("pre_hire_sponsorship_yuan", "decimal", ("预引进资助金额(元)",), unit="元", required=False,
               nullable=True, doc="tuition and living support the employer actually paid under a 预引进 agreement"),
        Column("internship_months", "decimal", ("实习月数",), unit="月", required=False, nullable=True,
               doc="length of the internship in months; an incomplete month counts by weeks at 0.25 month a week"),
        Column("intern_allowance_monthly_yuan", "decimal", ("实习生活补贴(元/月)",), unit="元/月", required=False,
               nullable=True, doc="living allowance the employer actually pays the intern per month"),
        Column("owns_home_in_city", "category", ("本市有产权性住房",), **_YES_NO),
        Column("housing_benefit_received", "category", ("已享受住房优待",), **_YES_NO,
               doc="already receives a city or banner housing benefit (市、旗区两级住房优待政策)"),
        Column("key_university", "category", ("重点高校毕业",), **_YES_NO,
               doc="graduate of a 重点高校 (双一流 or world top 100)"),
        Column("cultivated_in_city", "category", ("本市培养",), **_YES_NO,
               doc="本市培养 (ORD-TALENT item 8): reached the category A–D while already working full-time in Ordos, "
                   "not recruited in it; for such rows arrival_date is the date the category was certified (认定日期)"),
        Column("prior_settlement_subsidy_yuan", "decimal", ("此前已享受购房安家补贴(元)",), unit="元", required=False,
               nullable=True, doc="购房、安家补贴 the person received before being certified (本市培养 rows): deducted "
                                  "from the settlement subsidy of the new category"),
        Column("skill_grade", "category", ("技能等级",), choices=("senior_technician", "technician", "none"),
               required=False, nullable=True,
               doc="highest 职业技能等级 held: senior_technician 高级技师（一级）/ technician 技师（二级）/ none"),
        # Family facts of ORD-TALENT item 22 (暖才补贴金) and ORD2024 4.4.11, as at the arrival (or certification) date.
        Column("parents_aged_70_plus", "decimal", ("年满70周岁父母人数",), unit="人", required=False, nullable=True,
               doc="the talent's parents aged 70 or over at the arrival date (certification date for 本市培养 rows), "
                   "0 to 2 (ORD-TALENT 22A: 2000元 a year each)"),
        Column("children_under_3", "decimal", ("不满3周岁子女人数",), unit="人", required=False, nullable=True,
               doc="the talent's children under 3 at the arrival date (certification date for 本市培养 rows) "
                   "(ORD-TALENT 22B: 2000元 a year each)"),
        Column("spouse_unemployed_months", "decimal", ("配偶连续未就业月数",), unit="月", required=False, nullable=True,
               doc="months the spouse has been unemployed without a break since the talent's arrival; 0 if the "
                   "spouse works or there is none (ORD2024 4.4.11: 1000元 a month when more than 6, at most 24)"),
    ),
)

REGISTRIES: dict[str, Registry] = {r.name: r for r in (ENTERPRISES, ENTERPRISE_METRICS, PROJECTS, TALENTS)}
# Validation order: parents before the registries that reference them.
LOAD_ORDER: tuple[str, ...] = ("enterprises", "enterprise_metrics", "projects", "talents")

# Chinese spellings of categorical values that exports use, mapped to canonical codes.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "ownership": {"民营": "private", "私营": "private", "国有": "state", "外资": "foreign", "集体": "collective"},
    "field": {"科技创新": "science", "教育卫生": "education_health", "企业经营管理": "management", "其他": "other"},
    "employment": {"全职": "full_time", "柔性": "flexible"},
    "degree": {"博士": "doctorate", "硕士": "master", "本科": "bachelor", "其他": "other"},
    "title": {"正高级": "senior", "副高级": "deputy_senior", "中级": "intermediate", "无": "none"},
    "skill_grade": {"高级技师": "senior_technician", "技师": "technician", "无": "none"},
    # the last spelling of a code is the one the synthetic Chinese export writes
    "id_type": {"身份证": "resident_id", "居民身份证": "resident_id", "港澳台居民居住证/通行证": "hk_macau_taiwan",
                "港澳居民来往内地通行证": "hk_macau_taiwan", "台湾居民来往大陆通行证": "hk_macau_taiwan",
                "港澳台居民居住证": "hk_macau_taiwan", "外国人永久居留证": "foreign_permanent",
                "外国人永久居留身份证": "foreign_permanent", "护照": "passport"},
}


def header_map(registry: Registry) -> dict[str, str]:
    """Every accepted header spelling (canonical or alias, case/space-insensitive) -> canonical name."""
    out: dict[str, str] = {}
    for col in registry.columns:
        for spelling in (col.name, *col.aliases):
            out[normalise_header(spelling)] = col.name
    return out


def normalise_header(h: str) -> str:
    """The spelling a header is matched by: NFKC (full-width brackets, ideographic and no-break spaces become
    ASCII), no whitespace or zero-width characters anywhere (line breaks typed into a header cell included), lower
    case."""
    folded = unicodedata.normalize("NFKC", h).translate(_INVISIBLE)
    return "".join(folded.split()).lower()


_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"))
