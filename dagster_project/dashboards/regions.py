"""分地区: who pays the policies, by paying region (承担地区), one year at a time with the first forecast year
shown first — per 盟市 (its own budget and its banners'), per banner or park, with 盟市 subtotals; and, folded,
per banner of the beneficiaries (受益地区) in the ledger, what the banner pays itself and what higher levels pay.

The forecast is kept by paying region only (forecast.liabilities): new take-up has no beneficiary yet, and the
central and region shares of it are not placed in a banner. So the page's yearly views are by paying region,
from the same lines as the 分政策 page (policies.yearly_lines), and add up to the level totals of the overview."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import plotly.graph_objects as go
import polars as pl

from .layout import (
    LEVEL_COLOUR,
    LEVEL_ORDER,
    LEVEL_ZH,
    SPENDING,
    chart,
    collapsible,
    focus_year,
    has_table,
    money_td,
    page,
    table,
    year_word,
    yi,
)
from .policies import first_forecast_year, pct, wrap, year_menu, yearly_lines

ALL_YEARS = "全部年度"
TOP_BANNERS = 15
TOP_GROUP = "中央和自治区"  # the 盟市 column of the rows paid by the central and region budgets
BENEFICIARY_TITLE = "按受益地区（台账全部支付年度）：各旗区（园区）受益对象的资金由哪一级承担"
HEAD_LEVELS = [f"{LEVEL_ZH[lvl]}承担" for lvl in LEVEL_ORDER]  # fiscal order; not "盟市" (a filter column)

SQL = """-- by paying region (承担地区), budget spending: the ledger before the first forecast year ...
SELECT payment_year, paying_level, paying_region_code, sum(amount_yuan) AS amount_yuan FROM ledger.liabilities
WHERE kind IN ('spending', 'programme') AND payment_year < {first} GROUP BY ALL ORDER BY ALL;
-- ... and committed + forecast median in the forecast years (adds up to forecast.by_year_level)
SELECT payment_year, paying_level, paying_region_code, paying_region_name, total_p50_yuan
FROM forecast.by_year_level_region ORDER BY ALL;
-- by beneficiary region (受益地区), ledger, every payment year: what each level pays for a banner's beneficiaries
SELECT l.beneficiary_region_code, g.name_zh, l.paying_level, sum(l.amount_yuan) AS amount_yuan
FROM ledger.liabilities AS l JOIN ref.regions AS g ON g.region_code = l.beneficiary_region_code
WHERE l.kind IN ('spending', 'programme') AND g.level IN ('banner', 'park') GROUP BY ALL ORDER BY ALL;"""


@dataclass
class Payer:
    """One paying region in one year: its name, its 盟市 (group) and what it pays per level."""

    code: str
    name: str
    group: str  # 盟市 name, or TOP_GROUP for the central and region budgets
    group_code: str
    kind: str  # 'top' (central, region), 'city' (the 盟市's own budget) or 'banner' (banner, park, banner pool)
    levels: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.levels.values(), Decimal(0))


def build(conn: duckdb.DuckDBPyConnection, run: dict) -> str:
    first, focus = first_forecast_year(conn), focus_year(conn, run)  # the forecast's first year; 'next year'
    payers = _payers(conn, yearly_lines(conn))
    years = sorted(payers)
    word = year_word(focus, run)
    forecast_years = [y for y in years if first is not None and y >= first]
    basis = (f"{years[0]}–{first - 1}年为台账（已登记、已到期的兑现），{forecast_years[0]}–{forecast_years[-1]}年为预测"
             "（已承诺加新增兑现的中位数）" if forecast_years and years[0] < first else "金额为台账")
    body = f"""<div class="card"><p><b>本页按承担地区</b>：即由哪一级、哪个地区的预算支付。{basis}。
预测只能按承担地区拆分：新增兑现的受益对象尚未发生，中央和自治区承担的部分记在中央、自治区本级，不分到盟市和旗区。
市级园区的旗区份额由园区承担；鄂尔多斯市按全市安排的专项资金中旗区承担的部分记为“各旗区（未分到旗区）”。</p>
{_headline(payers, focus, word)}</div>
{_city_chart(payers, focus)}
{_banner_chart(payers, focus)}
<div class="card"><h2>各盟市、旗区（园区）承担的资金（万元；默认{word}，可选年度和盟市）</h2>
{_payer_table(payers, first, focus)}
<p>每个盟市先列市本级，再列所属旗区（园区），小计为二者之和；中央和自治区本级（含全区性专项资金）各占一行，
所以各行（不含小计）之和等于当年按层级的合计。{_reconciliation(conn, payers, focus)}</p></div>
<div class="card">{collapsible(BENEFICIARY_TITLE, _beneficiary(conn))}</div>"""
    return page("regions.html", body, run, SQL.format(first=first or 9999))


def _payers(conn: duckdb.DuckDBPyConnection, lines: str) -> dict[int, dict[str, Payer]]:
    """Every year's paying regions with their amounts per level (exact Decimal)."""
    has_regions = has_table(conn, "ref", "regions")
    join = ("LEFT JOIN ref.regions AS g ON g.region_code = l.paying_region_code "
            "LEFT JOIN ref.regions AS p ON p.region_code = g.parent_code") if has_regions else ""
    cols = ("g.name_zh, g.level, g.parent_code, p.name_zh" if has_regions
            else "NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR")
    rows = conn.execute(f"""SELECT l.payment_year, l.paying_level, l.paying_region_code, {cols}, sum(l.amount_yuan)
                            FROM ({lines}) AS l {join} GROUP BY ALL""").fetchall()
    out: dict[int, dict[str, Payer]] = {}
    for year, level, code, name, region_level, parent, parent_name, amount in rows:
        payer = out.setdefault(year, {}).get(code) or _payer(code, name, level, region_level, parent, parent_name)
        payer.levels[level] = payer.levels.get(level, Decimal(0)) + amount
        out[year][code] = payer
    return out


def _payer(code: str, name: str | None, level: str, region_level: str | None, parent: str | None,
           parent_name: str | None) -> Payer:
    if level in ("central", "region"):
        return Payer(code, "中央" if level == "central" else "自治区本级", TOP_GROUP, "", "top")
    if level == "city" or region_level == "city":
        return Payer(code, f"{name or code}本级", name or code, code, "city")
    return Payer(code, name or code, parent_name or parent or "未知盟市", parent or "", "banner")


def _headline(payers: dict[int, dict[str, Payer]], focus: int | None, word: str) -> str:
    if focus not in payers:
        return ""
    groups = _groups(payers[focus])
    total = sum((p.total for p in payers[focus].values()), Decimal(0))
    biggest = [(g, sum((p.total for p in ps), Decimal(0))) for g, ps in groups.items() if g != TOP_GROUP]
    biggest.sort(key=lambda x: -x[1])
    named = "；".join(f"{html.escape(g)} {yi(a)} 亿元（{pct(a, total)}）" for g, a in biggest[:3])
    return (f"<p>{word}合计 <b data-testid='regions-year-total' data-yuan='{total}'>{yi(total)} 亿元</b>。"
            + (f"承担最多的盟市（市本级加所属旗区）：{named}。" if named else "") + "</p>")


def _groups(year: dict[str, Payer]) -> dict[str, list[Payer]]:
    """Payers by 盟市, central and region first, then 盟市 by their total, largest first; within a 盟市 its own
    budget first, then its banners, largest first."""
    groups: dict[str, list[Payer]] = {}
    for p in year.values():
        groups.setdefault(p.group, []).append(p)
    rank = {"top": 0, "city": 1, "banner": 2}
    for ps in groups.values():
        ps.sort(key=lambda p: (rank[p.kind], LEVEL_ORDER.index(next(iter(p.levels))) if p.kind == "top" else 0,
                               -p.total, p.code))
    order = sorted(groups, key=lambda g: (g != TOP_GROUP, -sum((p.total for p in groups[g]), Decimal(0)), g))
    return {g: groups[g] for g in order}


def _all_years(payers: dict[int, dict[str, Payer]]) -> dict[str, Payer]:
    """The years shown, added up (ledger years and forecast medians: a span total, for the 全部年度 option)."""
    out: dict[str, Payer] = {}
    for year in payers.values():
        for code, p in year.items():
            q = out.setdefault(code, Payer(p.code, p.name, p.group, p.group_code, p.kind))
            for lvl, a in p.levels.items():
                q.levels[lvl] = q.levels.get(lvl, Decimal(0)) + a
    return out


def _options(payers: dict[int, dict[str, Payer]], focus: int | None) -> tuple[list[str], list[dict[str, Payer]], int]:
    years = sorted(payers)
    labels = [f"{y}年" for y in years] + ([f"{ALL_YEARS}（{years[0]}–{years[-1]}年）"] if len(years) > 1 else [])
    views = [payers[y] for y in years] + ([_all_years(payers)] if len(years) > 1 else [])
    return labels, views, years.index(focus) if focus in years else 0


def _stack(labels: list[str], views: list[list[tuple[str, dict[str, Decimal]]]], active: int, div_id: str,
           title: str, levels: tuple[str, ...] = LEVEL_ORDER) -> str:
    """Horizontal bars stacked by paying level in fiscal order, one view per dropdown option."""
    styles = [{"y": [[c for c, _ in view] for _ in levels],
               "x": [[float(amounts.get(lvl, 0)) / 10000 for _, amounts in view] for lvl in levels],
               "customdata": [[f"{amounts.get(lvl, 0):,.2f}" for _, amounts in view] for lvl in levels]}
              for view in views]
    fig = go.Figure()
    for i, lvl in enumerate(levels):
        fig.add_bar(orientation="h", name=f"{LEVEL_ZH[lvl]}承担", marker_color=LEVEL_COLOUR[lvl],
                    y=styles[active]["y"][i], x=styles[active]["x"][i], customdata=styles[active]["customdata"][i],
                    hovertemplate=f"%{{y}} · {LEVEL_ZH[lvl]}承担：%{{x:,.2f}} 万元（%{{customdata}} 元）"
                                  "<extra></extra>")
    rows = max((len(v) for v in views), default=1)
    fig.update_layout(barmode="stack", yaxis={"autorange": "reversed", "automargin": True},
                      xaxis={"tickformat": ",.0f", "nticks": 5}, margin={"t": 56},
                      legend={"orientation": "h", "y": -0.06, "yanchor": "top", "traceorder": "normal"},
                      updatemenus=year_menu(labels, active, styles))
    return chart(fig, div_id, title, max(380, 140 + 40 * rows))


def _city_chart(payers: dict[int, dict[str, Payer]], focus: int | None) -> str:
    if not payers:
        return ""
    labels, views, active = _options(payers, focus)
    bars = []
    for view in views:  # the central and region budgets one bar each, then one bar per 盟市 (its own + banners)
        bars.append([bar for g, ps in _groups(view).items()
                     for bar in ([(p.name, p.levels) for p in ps] if g == TOP_GROUP else [(g, _sum_levels(ps))])])
    return _stack(labels, bars, active, "regions-by-city",
                  "按承担地区：中央、自治区本级和各盟市（市本级加所属旗区，万元；右上角选择年度）")


def _banner_chart(payers: dict[int, dict[str, Payer]], focus: int | None) -> str:
    labels, views, active = _options(payers, focus)
    bars = []
    for view in views:
        banners = sorted((p for p in view.values() if p.kind == "banner"), key=lambda p: (-p.total, p.code))
        bars.append([(wrap(p.name), p.levels) for p in banners[:TOP_BANNERS]])
    if not any(bars):
        return ""
    return _stack(labels, bars, active, "regions-by-banner",
                  f"旗区（园区）本级承担的资金，前{TOP_BANNERS}名（万元；右上角选择年度）", ("banner",))


def _sum_levels(ps: list[Payer]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for p in ps:
        for lvl, a in p.levels.items():
            out[lvl] = out.get(lvl, Decimal(0)) + a
    return out


def _row(year: int, basis: str, group: str, name: str, levels: dict[str, Decimal], test_id: str | None,
         css: str = "") -> str:
    total = sum(levels.values(), Decimal(0))
    cells = "".join(money_td(levels.get(lvl, 0)) for lvl in LEVEL_ORDER)
    return (f"<tr{css}><td>{year}年</td><td>{basis}</td><td class='text'>{html.escape(group)}</td>"
            f"<td class='text'>{html.escape(name)}</td>{cells}{money_td(total, test_id)}</tr>")


def _payer_table(payers: dict[int, dict[str, Payer]], first: int | None, focus: int | None) -> str:
    """Per year: central and region rows, then each 盟市's own row, its banners and its 小计; the year's 合计."""
    rows = []
    for year in sorted(payers):
        basis = "预测" if first is not None and year >= first else "台账"
        for group, ps in _groups(payers[year]).items():
            for p in ps:
                rows.append(_row(year, basis, group, p.name, p.levels, f"payer-{year}-{p.code}"))
            if group != TOP_GROUP and len(ps) > 1:
                rows.append(_row(year, basis, group, f"{group}小计", _sum_levels(ps),
                                 f"subtotal-{year}-{ps[0].group_code}", " class='subtotal'"))
        rows.append(_row(year, basis, "合计", f"{year}年合计", _sum_levels(list(payers[year].values())),
                         f"year-total-{year}", " class='total'"))
    head = ["支付年度", "口径", "盟市", "承担地区", *HEAD_LEVELS, "合计"]
    return table(head, rows, "payer-table", filters={"支付年度": f"{focus}年" if focus else None, "盟市": None},
                 search=True)


def _reconciliation(conn: duckdb.DuckDBPyConnection, payers: dict[int, dict[str, Payer]], focus: int | None) -> str:
    """The table's total of the first forecast year against forecast.by_year_level (what the overview shows)."""
    if focus not in payers or not has_table(conn, "forecast", "by_year_level"):
        return ""
    table_total = sum((p.total for p in payers[focus].values()), Decimal(0))
    by_level = dict(conn.execute("SELECT paying_level, total_p50_yuan FROM forecast.by_year_level "
                                 "WHERE payment_year = ?", [focus]).fetchall())
    level_total = sum(by_level.values(), Decimal(0))
    parts = " + ".join(f"{LEVEL_ZH.get(lvl, lvl)} {yi(by_level[lvl])}" for lvl in LEVEL_ORDER if lvl in by_level)
    verdict = "一致，到分" if table_total == level_total else f"相差 {table_total - level_total:,.2f} 元"
    return (f"{focus}年本表合计 {table_total:,.2f} 元，与总览的按层级合计（{parts} 亿元）{verdict}。")


def _beneficiary(conn: duckdb.DuckDBPyConnection) -> str:
    data = conn.execute(f"""
        SELECT l.beneficiary_region_code AS code, g.name_zh AS name, g.level, g.parent_code,
               p.name_zh AS parent_name, l.paying_level, sum(l.amount_yuan) AS amount_yuan
        FROM ledger.liabilities AS l JOIN ref.regions AS g ON g.region_code = l.beneficiary_region_code
        LEFT JOIN ref.regions AS p ON p.region_code = g.parent_code
        WHERE {SPENDING} GROUP BY ALL""").pl()
    outside = data.filter(~pl.col("level").is_in(["banner", "park"]))["amount_yuan"].sum() if len(data) else 0
    return (f"{_banner_table(data)}<p>受益企业、项目或人才所在旗区（园区）的政策兑现资金，按承担层级拆分（台账全部"
            f"支付年度，含以后年度已承诺的分期；预测没有受益地区，不在此表）。按自治区、盟市本级安排、没有受益旗区的专项"
            f"资金 <span data-testid='beneficiary-outside' data-yuan='{outside or 0}'>{yi(outside)} 亿元</span>"
            "不在此表。</p>")


def _banner_table(data: pl.DataFrame) -> str:
    local = data.filter(pl.col("level").is_in(["banner", "park"]))
    wide = local.pivot(on="paying_level", index=["code", "name", "parent_name"], values="amount_yuan").fill_null(0)
    for level in LEVEL_ZH:
        if level not in wide.columns:
            wide = wide.with_columns(pl.lit(0).alias(level))
    wide = wide.with_columns(total=pl.sum_horizontal(list(LEVEL_ZH))).sort("total", descending=True)
    rows = [f"<tr><td class='text'>{html.escape(r['parent_name'] or '')} · {html.escape(r['name'])}</td>"
            + "".join(money_td(r[lvl], f"banner-own-{r['code']}" if lvl == "banner" else None) for lvl in LEVEL_ORDER)
            + money_td(r["total"]) + "</tr>" for r in wide.iter_rows(named=True)]
    head = [f"{LEVEL_ZH[lvl]}承担" if lvl != "banner" else "旗区本级承担" for lvl in LEVEL_ORDER]  # fiscal order
    return table(["旗区（园区）", *head, "合计"], rows, "banner-table", search=True)
