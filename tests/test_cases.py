"""The hand-worked cases of tests/cases/<DOCUMENT>/*.yaml: registry rows, the clause quoted, and every ledger line of
the listed rules written out by hand (issue 20). One pytest item per case, id `<DOCUMENT>/<case>`:

    .venv/bin/python -m pytest tests/test_cases.py -q -k ftrade_1

The format is described in tests/cases/README.md. Each case builds its ledger exactly as the `ledger_from` fixture
of tests/conftest.py does (the catalogue written, typed registries, build_ledger at AS_OF, the reconciliation check),
from a catalogue folder holding only the case file's `catalogue` files (default: every file of its document) and
defaults.yaml, as `catalogue_of` does. A file or case of the wrong shape fails loudly, naming the file and the case.
"""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_project import catalogue, safe_yaml
from dagster_project.catalogue import CATALOGUE_DIR, Catalogue
from dagster_project.contract import REGISTRIES
from dagster_project.settings import SEEDS_DIR, SOURCE_TEXT
from tests.conftest import ledger_of

CASES_DIR = Path(__file__).parent / "cases"
FILE_KEYS = {"document", "catalogue", "defaults", "common_inputs", "cases"}
CASE_KEYS = {"case", "title", "rules", "clause", "inputs", "expected", "outcomes", "awards", "liabilities", "totals",
             "notes"}
REQUIRED_CASE_KEYS = {"case", "title", "rules", "clause", "expected"}
CLAUSE_KEYS = {"item", "lines", "quote", "document"}
LEVELS = ("central", "region", "city", "banner")
NAME = re.compile(r"[a-z0-9_]+")
AMOUNT = re.compile(r"-?\d+\.\d{2}")
PAGE_MARK = re.compile(r"\s*[—-]\s*\d+\s*[—-]\s*")  # a page number printed inside a clause: "— 3—"
AWARD_KEYS = {"rule", "object", "award_year"}  # selectors of `outcomes` and `awards` entries
LINE_KEYS = {"rule", "object", "payment_year", "paying_level"}  # selectors of `liabilities` entries
TOTAL_KEYS = {"rule", "object", "document", "payment_year", "paying_level", "amount"}


class CaseError(AssertionError):
    """A case file or case of the wrong shape; the message names the file and the case."""


# --------------------------------------------------------------------------------------------- registry rows


def _columns(registry: str) -> dict[str, str]:
    """column -> kind of the typed registry table (personal columns are masked away, as in typed_frame)."""
    cols = {c.name: c.kind for c in REGISTRIES[registry].columns if not c.personal}
    if registry == "talents":
        cols |= {"person_key": "text", "name_masked": "text", "id_masked": "text", "birth_year": "year"}
    return cols


@cache
def _metric_units() -> dict[str, str]:
    with (SEEDS_DIR / "reference" / "metrics.csv").open(encoding="utf-8", newline="") as f:
        return {r["metric"]: r["unit"] for r in csv.DictReader(f)}


def _neutral(registry: str, row: dict[str, Any]) -> dict[str, Any]:
    """The runner's own defaults for columns a case leaves out: those of tests/conftest.py enterprise() and of the
    modules' row builders, so a case lists only what matters to the clause."""
    if registry == "enterprises":
        uscc = str(row.get("uscc", ""))
        return {"name": f"测试企业{uscc[-4:]}", "region_code": "150622", "industry_code": "14",
                "registered_on": date(2010, 5, 1), "ownership": "private"}
    if registry == "enterprise_metrics":
        return {"unit": _metric_units().get(str(row.get("metric")))}
    if registry == "projects":
        return {"project_name": row.get("project_id")}
    if registry == "talents":
        tid = row.get("talent_id")
        return {"person_key": f"pk-{tid}", "name_masked": "张**", "id_masked": "1506**************",
                "field": "science", "employment": "full_time", "degree": "doctorate", "title": "senior",
                "annual_salary_yuan": "500000", "birth_year": 1985}
    return {}


def _cell(where: str, registry: str, column: str, kind: str, value: Any) -> Any:
    """One registry value checked against its column kind: text quoted, money as text, dates as dates."""
    at = f"{where}：{registry}.{column} = {value!r}"
    if value is None:
        return None
    if kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise CaseError(f"{at}：应为日期，写成 2024-06-30") from None
    if kind == "year":
        if isinstance(value, bool) or not isinstance(value, int):
            raise CaseError(f"{at}：应为年份整数，例如 2024")
        return value
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise CaseError(f"{at}：数值请写成带引号的文本（例如 \"3000000.00\"），以免按浮点数读入")
        try:
            Decimal(str(value))
        except InvalidOperation:
            raise CaseError(f"{at}：不是数字") from None
        return str(value)
    if not isinstance(value, str):
        raise CaseError(f"{at}：应为带引号的文本（例如 \"150622\"），否则 YAML 会按数字读入")
    return value


def _rows(where: str, registry: str, rows: Any, defaults: dict[str, Any]) -> list[dict[str, Any]]:
    if registry not in REGISTRIES:
        raise CaseError(f"{where}：未知的登记表 {registry!r}；可用：{'、'.join(REGISTRIES)}")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise CaseError(f"{where}：{registry} 应为若干行的列表，每行一个 {{列名: 值}}")
    cols = _columns(registry)
    out = []
    for i, row in enumerate(rows, 1):
        unknown = set(row) - set(cols)
        if unknown:
            raise CaseError(f"{where}：{registry} 第 {i} 行有未知列 {sorted(unknown)}；列名见 docs/data-contract.md")
        full = {**_neutral(registry, {**defaults, **row}), **defaults, **row}
        if registry == "enterprise_metrics" and full.get("unit") is None:
            raise CaseError(f"{where}：{registry} 第 {i} 行的指标 {full.get('metric')!r} 不在 "
                            "seeds/reference/metrics.csv 中；请给出 unit 或改正指标代码")
        out.append({c: _cell(f"{where}：{registry} 第 {i} 行", registry, c, cols[c], v) for c, v in full.items()})
    return out


def _defaults(where: str, raw: Any) -> dict[str, dict[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise CaseError(f"{where}：defaults 应为 {{登记表: {{列名: 值}}}}")
    for registry, cols in raw.items():
        _rows(f"{where}：defaults", registry, [cols], {})  # the same column and value checks as a row
    return raw


# --------------------------------------------------------------------------------------------- case files


@dataclass(frozen=True)
class Case:
    file: Path
    document: str
    catalogue_files: tuple[str, ...]
    spec: dict[str, Any]
    defaults: dict[str, dict[str, Any]]
    common_inputs: dict[str, list]

    @property
    def name(self) -> str:
        return str(self.spec.get("case"))

    @property
    def where(self) -> str:
        return f"{shown_path(self.file)}：案例 {self.name}"


def shown_path(path: Path) -> str:
    """tests/cases/<DOCUMENT>/<file>.yaml for the project's own cases, else the path as given."""
    return str(path.relative_to(CASES_DIR.parent.parent) if path.is_relative_to(CASES_DIR) else path)


def _document_files(document: str) -> tuple[str, ...]:
    """Every catalogue file of a document, as catalogue_of() was given them."""
    names = []
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        if path.name != "defaults.yaml":
            head = re.search(r"^document:\s*(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
            if head and head.group(1) == document:
                names.append(path.name)
    return tuple(names)


def read_file(path: Path) -> list[Case]:
    """The cases of one file, its file-level keys checked; CaseError names the file."""
    where = shown_path(path)
    data = safe_yaml.load(path, where)
    if not isinstance(data, dict):
        raise CaseError(f"{where}：文件应为一个映射，含 document 和 cases")
    unknown = set(data) - FILE_KEYS
    if unknown:
        raise CaseError(f"{where}：未知的键 {sorted(unknown)}；允许：{sorted(FILE_KEYS)}")
    document = data.get("document")
    if document != path.parent.name:
        raise CaseError(f"{where}：document 为 {document!r}，应与所在文件夹名 {path.parent.name} 相同")
    files = data.get("catalogue")
    if files is None:
        files = _document_files(document)
    if (not isinstance(files, list | tuple) or not files
            or not all(isinstance(f, str) and (CATALOGUE_DIR / f).is_file() for f in files)):
        raise CaseError(f"{where}：catalogue 应为 seeds/catalogue/ 中已有文件名的列表，得到 {files!r}")
    cases = data.get("cases")
    if not isinstance(cases, list) or not cases or not all(isinstance(c, dict) for c in cases):
        raise CaseError(f"{where}：cases 应为至少一个案例的列表")
    common = data.get("common_inputs") or {}
    if not isinstance(common, dict):
        raise CaseError(f"{where}：common_inputs 应为 {{登记表: [行]}}")
    return [Case(path, document, tuple(files), c, _defaults(where, data.get("defaults")), common) for c in cases]


def collect() -> list[Any]:
    """One pytest param per case (id DOCUMENT/case); a file that cannot be read is one failing param."""
    params, seen = [], {}
    for path in sorted(CASES_DIR.glob("*/*.yaml")):
        try:
            cases = read_file(path)
        except (CaseError, safe_yaml.YamlRefused) as exc:
            params.append(pytest.param(exc, id=f"{path.parent.name}/{path.name}"))
            continue
        for i, case in enumerate(cases, 1):
            name = case.spec.get("case")
            key = f"{case.document}/{name if isinstance(name, str) else f'第{i}个案例'}"
            if key in seen:
                err = CaseError(f"{case.where}：案例名在 {seen[key]} 中已用过；同一文件夹内案例名须唯一")
                params.append(pytest.param(err, id=f"{key}@{path.name}"))
                continue
            seen[key] = path.name
            params.append(pytest.param(case, id=key))
    return params


# --------------------------------------------------------------------------------------------- case checks


def _rule_ids(case: Case, cat: Catalogue, ids: Any, field: str) -> list[str]:
    known = {r.id for r in cat.rules}
    if not isinstance(ids, list) or not all(isinstance(r, str) for r in ids):
        raise CaseError(f"{case.where}：{field} 应为规则编号的列表")
    missing = [r for r in ids if r not in known]
    if missing:
        raise CaseError(f"{case.where}：{field} 中的规则 {missing} 不在所载目录 {list(case.catalogue_files)} 中")
    return ids


def _line(case: Case, rule: str, raw: Any) -> tuple:
    ok = (isinstance(raw, list) and len(raw) == 5 and isinstance(raw[0], str)
          and isinstance(raw[1], int) and not isinstance(raw[1], bool) and raw[2] in LEVELS
          and isinstance(raw[3], str) and isinstance(raw[4], str) and AMOUNT.fullmatch(raw[4]))
    if not ok:
        raise CaseError(f"{case.where}：expected.{rule} 的一行 {raw!r} 应为 [对象编号, 支付年度, 层级, \"区划代码\", "
                        f"\"金额（元，两位小数，带引号）\"]，层级为 {'/'.join(LEVELS)}")
    return tuple(raw)


def _expected(case: Case, cat: Catalogue) -> dict[str, list[tuple]]:
    rules = _rule_ids(case, cat, case.spec["rules"], "rules")
    exp = case.spec["expected"]
    if len(set(rules)) != len(rules):
        raise CaseError(f"{case.where}：rules 中有重复的规则")
    if not isinstance(exp, dict) or set(exp) != set(rules):
        got = sorted(exp) if isinstance(exp, dict) else exp
        raise CaseError(f"{case.where}：expected 应对 rules 中的每条规则各给出全部账行（没有账行写 []），"
                        f"rules = {rules}，expected 的键 = {got}")
    out = {}
    for rule, rows in exp.items():
        if not isinstance(rows, list):
            raise CaseError(f"{case.where}：expected.{rule} 应为账行的列表（没有账行写 []）")
        out[rule] = [_line(case, rule, r) for r in rows]
    return out


def _source_lines() -> list[str] | None:
    return SOURCE_TEXT.read_text(encoding="utf-8").splitlines() if SOURCE_TEXT.exists() else None


_SOURCE = _source_lines()


def _quote_found(quote: str, cited: str) -> bool:
    """Every piece of the quote between ellipses appears in the cited text, in order (spaces ignored)."""
    at = 0
    for piece in re.split(r"…+|\.\.\.+", re.sub(r"\s+", "", quote)):
        if piece:
            at = cited.find(piece, at)
            if at < 0:
                return False
            at += len(piece)
    return True


def _clauses(case: Case, cat: Catalogue) -> None:
    clauses = case.spec["clause"]
    if not isinstance(clauses, list) or not clauses:
        raise CaseError(f"{case.where}：clause 应为至少一条引文的列表：{{item, lines: [起, 止], quote}}")
    spans = {d["document"]: d["source_lines"] for d in cat.documents}
    for c in clauses:
        if not isinstance(c, dict) or set(c) - CLAUSE_KEYS or not {"item", "lines", "quote"} <= set(c):
            raise CaseError(f"{case.where}：clause 的每条引文应有 item、lines、quote（可选 document），得到 {c!r}")
        doc, lines, quote = c.get("document", case.document), c["lines"], c["quote"]
        if doc not in spans:
            raise CaseError(f"{case.where}：clause 引用的文件 {doc} 不在所载目录中")
        lo, hi = spans[doc]
        if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(n, int) for n in lines)
                and lo <= lines[0] <= lines[1] <= hi):
            raise CaseError(f"{case.where}：clause 的 lines {lines!r} 应为 [起, 止]，位于 {doc} 的 {lo}-{hi} 行内")
        if not isinstance(quote, str) or not quote.strip():
            raise CaseError(f"{case.where}：clause 的 quote 应为引文原文")
        if _SOURCE is not None:
            kept = [t for t in _SOURCE[lines[0] - 1:lines[1]] if not PAGE_MARK.fullmatch(t)]
            cited = re.sub(r"\s+", "", "".join(kept))
            if not _quote_found(quote, cited):
                raise CaseError(f"{case.where}：引文「{quote[:40]}」不在 {doc} 第 {lines[0]}-{lines[1]} 行中；"
                                "请核对行号或引文（省略处用……）")


def _selectors(case: Case, cat: Catalogue, field: str, keys: set[str], must: set[str], cols: set[str],
               value_needed: bool = True) -> list[tuple[dict, dict]]:
    """Entries of outcomes/awards/liabilities/totals split into (selectors, checked columns)."""
    entries = case.spec.get(field) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CaseError(f"{case.where}：{field} 应为映射的列表")
    out = []
    for e in entries:
        sel = {k: v for k, v in e.items() if k in keys}
        checked = {k: v for k, v in e.items() if k not in keys}
        unknown = set(checked) - cols
        if not must <= set(sel) or unknown or (value_needed and not checked):
            raise CaseError(f"{case.where}：{field} 的一项 {e!r} 应含 {sorted(must)}，及要核对的列 "
                            f"（未知的键 {sorted(unknown)}；可用 {sorted(cols)}）")
        if "rule" in sel:
            _rule_ids(case, cat, [sel["rule"]], field)
        out.append((sel, checked))
    return out


def check_shape(case: Case, cat: Catalogue) -> dict[str, list[tuple]]:
    """Every key of a case checked before the ledger is built; returns the expected lines by rule."""
    spec = case.spec
    unknown = set(spec) - CASE_KEYS
    missing = REQUIRED_CASE_KEYS - set(spec)
    if unknown or missing:
        raise CaseError(f"{case.where}：未知的键 {sorted(unknown)}，缺少的键 {sorted(missing)}；"
                        f"允许：{sorted(CASE_KEYS)}")
    if not isinstance(spec["case"], str) or not NAME.fullmatch(spec["case"]):
        raise CaseError(f"{case.where}：case 应为小写字母、数字和下划线组成的名字")
    if not isinstance(spec["title"], str) or not spec["title"].strip() or "\n" in spec["title"].strip():
        raise CaseError(f"{case.where}：title 应为一行中文标题")
    _clauses(case, cat)
    return _expected(case, cat)


def registries(case: Case) -> dict[str, list[dict]]:
    inputs = case.spec.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise CaseError(f"{case.where}：inputs 应为 {{登记表: [行]}}")
    out: dict[str, list[dict]] = {}
    for registry in [*case.common_inputs, *inputs]:
        if registry in out:
            continue
        rows = [*(case.common_inputs.get(registry) or []), *(inputs.get(registry) or [])]
        out[registry] = _rows(f"{case.where}：inputs", registry, rows, case.defaults.get(registry, {}))
    return out


# --------------------------------------------------------------------------------------------- the ledger


@pytest.fixture(scope="session")
def catalogues(tmp_path_factory):
    """catalogues(files) -> the Catalogue of a folder holding those seeds/catalogue files and defaults.yaml, loaded
    once per test session for each set of files."""
    loaded: dict[tuple[str, ...], Catalogue] = {}

    def get(files: tuple[str, ...]) -> Catalogue:
        if files not in loaded:
            folder = tmp_path_factory.mktemp("cases") / "only" / "seeds" / "catalogue"
            folder.mkdir(parents=True)
            for name in ("defaults.yaml", *files):
                shutil.copy(CATALOGUE_DIR / name, folder / name)
            loaded[files] = catalogue.load(folder)
        return loaded[files]

    return get


build = ledger_of  # the ledger as tests/conftest.py's ledger_from builds it


def ledger_lines(conn: duckdb.DuckDBPyConnection, rule: str) -> list[tuple]:
    return [(o, y, lvl, reg, str(a)) for o, y, lvl, reg, a in conn.execute(
        """SELECT object_id, payment_year, paying_level, paying_region_code, amount_yuan FROM ledger.liabilities
           WHERE rule_id = ? ORDER BY object_id, payment_year, paying_level""", [rule]).fetchall()]


def _shown(line: tuple) -> str:
    o, y, lvl, reg, amount = line
    return f'[{o}, {y}, {lvl}, "{reg}", "{amount}"]'


def lines_diff(rule: str, expected: list[tuple], actual: list[tuple]) -> str:
    """'' when equal; else the missing (-) and unexpected (+) lines of one rule, and the whole ledger of it."""
    if sorted(expected) == sorted(actual):
        return ""
    rest = list(actual)
    missing = []
    for line in expected:
        if line in rest:
            rest.remove(line)
        else:
            missing.append(line)
    out = [f"规则 {rule}：账行与手算不符（- 手算有而账中没有，+ 账中有而手算没有）"]
    out += [f"  - {_shown(x)}" for x in sorted(missing)] + [f"  + {_shown(x)}" for x in sorted(rest)]
    out += ["  账中该规则的全部账行："] + [f"    {_shown(x)}" for x in actual] + (["    （无）"] if not actual else [])
    return "\n".join(out)


def _same(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, Decimal) and isinstance(wanted, (str, int)) and not isinstance(wanted, bool):
        try:
            return actual == Decimal(str(wanted))
        except InvalidOperation:
            return False
    return type(actual) is type(wanted) and actual == wanted


def _where_sql(sel: dict[str, Any], names: dict[str, str]) -> tuple[str, list[Any]]:
    conds, args = [], []
    for key, value in sel.items():
        if isinstance(value, list):
            conds.append(f"{names[key]} IN ({', '.join('?' * len(value))})")
            args += value
        else:
            conds.append(f"{names[key]} = ?")
            args.append(value)
    return " AND ".join(conds) or "TRUE", args


def column_checks(conn, case: Case, cat: Catalogue, field: str, table: str, keys: set[str]) -> list[str]:
    """outcomes / awards / liabilities: every row the selectors match has the stated column values."""
    cols = {r[0] for r in conn.execute(f"DESCRIBE {table}").fetchall()}
    names = {"rule": "rule_id", "object": "object_id"} | {k: k for k in keys - {"rule", "object"}}
    problems = []
    allowed = {"outcome"} if field == "outcomes" else cols - set(names.values())
    for sel, checked in _selectors(case, cat, field, keys, {"rule"}, allowed):
        where, args = _where_sql(sel, names)
        for col, wanted in checked.items():
            got = [r[0] for r in conn.execute(f"SELECT DISTINCT {col} FROM {table} WHERE {where}", args).fetchall()]
            if len(got) != 1 or not _same(got[0], wanted):
                shown = "（没有相符的行）" if not got else "、".join(repr(g) for g in got)
                problems.append(f"{field} {sel}：{col} 应为 {wanted!r}，账中为 {shown}")
    return problems


def total_checks(conn, case: Case, cat: Catalogue) -> list[str]:
    """totals: the sum of amount_yuan over the ledger lines the selectors match."""
    names = {"rule": "rule_id", "object": "object_id", "document": "document", "payment_year": "payment_year",
             "paying_level": "paying_level"}
    problems = []
    for sel, checked in _selectors(case, cat, "totals", TOTAL_KEYS - {"amount"}, set(), {"amount"}):
        if not isinstance(checked.get("amount"), str) or not AMOUNT.fullmatch(checked["amount"]):
            raise CaseError(f"{case.where}：totals 的 amount 应为带引号、两位小数的金额文本")
        where, args = _where_sql(sel, names)
        got = conn.execute(f"SELECT sum(amount_yuan) FROM ledger.liabilities WHERE {where}", args).fetchone()[0]
        if str(got) != checked["amount"]:
            problems.append(f"totals {sel}：合计应为 {checked['amount']}，账中为 {got}")
    return problems


# --------------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("case", collect())
def test_case(case: Case | Exception, catalogues) -> None:
    if isinstance(case, Exception):
        pytest.fail(str(case), pytrace=False)
    cat = catalogues(case.catalogue_files)
    try:
        expected = check_shape(case, cat)
        rows = registries(case)
    except CaseError as exc:
        refused = str(exc)
    else:
        refused = ""
    if refused:
        pytest.fail(refused, pytrace=False)
    conn = build(cat, rows)
    try:
        problems = compare(conn, case, cat, expected)
    finally:
        conn.close()
    if problems:
        pytest.fail(f"{case.where}（{case.spec['title']}）\n" + "\n".join(problems), pytrace=False)


def compare(conn, case: Case, cat: Catalogue, expected: dict[str, list[tuple]]) -> list[str]:
    """Every difference between the case and the ledger, or the CaseError of a malformed check, as messages."""
    try:
        problems = [d for rule, exp in expected.items() if (d := lines_diff(rule, exp, ledger_lines(conn, rule)))]
        problems += column_checks(conn, case, cat, "outcomes", "ledger.awards", AWARD_KEYS)
        problems += column_checks(conn, case, cat, "awards", "ledger.awards", AWARD_KEYS)
        problems += column_checks(conn, case, cat, "liabilities", "ledger.liabilities", LINE_KEYS)
        return problems + total_checks(conn, case, cat)
    except CaseError as exc:
        return [str(exc)]


# --------------------------------------------------------------------------------------------- the runner's checks

GOOD = """
document: ORD-FTRADE
catalogue: [ORD-FTRADE.yaml]
cases:
  - case: ftrade_7_sample
    title: 港务费按50%支持
    rules: [ORD-FTRADE-07]
    clause:
      - {item: "7", lines: [5382, 5411], quote: 港务费按照实际费用的50%给予支持……市、旗区按照1:1承担}
    inputs:
      enterprises: [{uscc: 91150622AAAAAAAAA1, registered_on: 2024-03-01}]
      enterprise_metrics: [{uscc: 91150622AAAAAAAAA1, year: 2024, metric: port_fees_yuan, value: "1000000"}]
    expected:
      ORD-FTRADE-07:
        - [91150622AAAAAAAAA1, 2025, banner, "150622", "250000.00"]
"""


def _case(tmp_path: Path, text: str) -> Case:
    folder = tmp_path / "ORD-FTRADE"
    folder.mkdir(exist_ok=True)
    path = folder / "sample.yaml"
    path.write_text(text, encoding="utf-8")
    [case] = read_file(path)
    return case


def test_a_well_formed_case_passes_the_checks_and_fills_the_neutral_defaults(tmp_path, catalogues):
    case = _case(tmp_path, GOOD)
    expected = check_shape(case, catalogues(case.catalogue_files))
    assert expected == {"ORD-FTRADE-07": [("91150622AAAAAAAAA1", 2025, "banner", "150622", "250000.00")]}
    rows = registries(case)
    assert rows["enterprises"][0]["name"] == "测试企业AAA1" and rows["enterprises"][0]["ownership"] == "private"
    assert rows["enterprise_metrics"][0]["unit"] == "元"  # from seeds/reference/metrics.csv


@pytest.mark.parametrize("old, new, complaint", [
    ("    title: 港务费", "    titel: x\n    title: 港务费", r"案例 ftrade_7_sample：未知的键 \['titel'\]"),
    ("rules: [ORD-FTRADE-07]", "rules: [ORD-FTRADE-99]", r"规则 \['ORD-FTRADE-99'\] 不在所载目录"),
    ("      ORD-FTRADE-07:\n", "      ORD-FTRADE-01A:\n", "expected 应对 rules 中的每条规则"),
    ('"250000.00"]', "250000.00]", r"应为 \[对象编号, 支付年度"),
    ('"150622", "250000.00"]', '150622, "250000.00"]', r"应为 \[对象编号, 支付年度"),
    ("lines: [5382, 5411]", "lines: [100, 120]", "位于 ORD-FTRADE 的"),
    ("case: ftrade_7_sample", "case: Ftrade 7", "case 应为小写字母"),
])
def test_a_malformed_case_is_refused_naming_file_and_case(tmp_path, catalogues, old, new, complaint):
    assert old in GOOD
    case = _case(tmp_path, GOOD.replace(old, new))
    with pytest.raises(CaseError, match=complaint) as refused:
        check_shape(case, catalogues(case.catalogue_files))
    assert "ORD-FTRADE/sample.yaml" in str(refused.value)


def test_a_quote_missing_from_the_cited_lines_is_refused(tmp_path, catalogues):
    if _SOURCE is None:
        pytest.skip("the policy text is not present")
    case = _case(tmp_path, GOOD.replace("按照实际费用的50%", "按照实际费用的60%"))
    with pytest.raises(CaseError, match="不在 ORD-FTRADE 第 5382-5411 行中"):
        check_shape(case, catalogues(case.catalogue_files))


@pytest.mark.parametrize("old, new, complaint", [
    ('value: "1000000"', "value: 1000000.5", "数值请写成带引号的文本"),
    ("registered_on: 2024-03-01", "registered_on: 2024-03-01, region_code: 150622", "应为带引号的文本"),
    ("registered_on: 2024-03-01", "registerd_on: 2024-03-01", r"未知列 \['registerd_on'\]"),
    ("metric: port_fees_yuan", "metric: no_such_metric", "不在 seeds/reference/metrics.csv 中"),
    ("      enterprises:", "      enterprise:", "未知的登记表 'enterprise'"),
])
def test_registry_rows_of_the_wrong_shape_are_refused(tmp_path, old, new, complaint):
    assert old in GOOD
    with pytest.raises(CaseError, match=complaint):
        registries(_case(tmp_path, GOOD.replace(old, new)))


def test_a_file_whose_document_is_not_its_folder_is_refused(tmp_path):
    with pytest.raises(CaseError, match="应与所在文件夹名 ORD-FTRADE 相同"):
        _case(tmp_path, GOOD.replace("document: ORD-FTRADE", "document: ORD-BULK"))


def test_the_diff_names_the_missing_and_the_unexpected_lines():
    want = [("F1", 2025, "city", "150600", "1.00"), ("F1", 2025, "banner", "150622", "1.00")]
    got = [("F1", 2025, "banner", "150622", "1.00"), ("F1", 2025, "city", "150600", "1.01")]
    diff = lines_diff("R-1", want, got)
    assert '  - [F1, 2025, city, "150600", "1.00"]' in diff and '  + [F1, 2025, city, "150600", "1.01"]' in diff
    assert diff.startswith("规则 R-1：") and lines_diff("R-1", want, list(reversed(want))) == ""
