"""Floors of the nightly run's stages (issue 21): what reading the bytes a stage reads, making one pass over them with
DuckDB or Polars and writing the volume it writes cost on this machine. bench/bench.py measures them after each
size's run, in a process of their own with the run's DuckDB memory limit (NMG_DUCKDB_MEMORY, 4GB) and 2 threads,
and reports each stage's time / its floor. On its own: `python bench/floors.py <data folder>` (a run's data folder,
e.g. bench/out/1000000/data; `--warehouse` and `--dashboards` name other files, `--json` prints one JSON line).

Only the landing files (data/synthetic, or data/landing) and the published warehouse (data/warehouse/warehouse.duckdb)
are read: a run deletes its staging Parquet and may delete its build database. Each floor's clock covers its pass and
its writes, not the preparation (files listed, rules translated, landing rows read for the generate floor); writes go
to a scratch folder beside the data, removed at the end. What the floors leave out, on purpose, is the stage's own
logic: checks, caps, stacking, schedules, model fits. A floor doing much less than the stage must (not reading all
of a file, skipping a write) would flatter the stage; one doing its whole job would not be a floor.

generate    Writing the landing files' rows (read beforehand, untimed) in their formats: UTF-8 CSV by Polars, the GBK
            CSV as Polars' CSV text encoded to GBK, Parquet by Polars (zstd), XLSX as its sheet XML (inline strings)
            built by Polars string expressions and zipped (deflate). Drawing the values has no floor.
ingest      Every landing file read once: its SHA-256 (the stage records it) and its rows, every column as text, with
            the fastest reader (Polars for CSV, the GBK export decoded by Python's GB18030 codec first; Polars for
            Parquet, streamed; calamine (fastexcel) for XLSX), written as zstd Parquet under the contract's column
            names with `_file`, `_sheet` and `_row`: the staging volume. No independent record count, no re-reading.
validate    One Polars pass over those text rows per registry (streamed): every column cast to its contract type
            (dates, years, DECIMAL(20,4); text stays text), one filter (a required cell missing, or a cell that does not
            cast), typed zstd Parquet written. No Pandera checks, no normalisation, no quarantine records.
ledger      One DuckDB statement per beneficiary kind over the registry tables, for the catalogue's costed rules
            (programme budgets aside). Enterprises: each metric row that a rule reads is routed to it (a join on metric
            and year with the rules' (metric, year offset, award year) routes; only the metrics' year spans are
            scanned, and a rule requiring a city reads that city's firms' rows, as the stage's candidate query does),
            pivoted by rule and firm-year where a rule reads several values (a firm-year counts when it holds one of
            the rule's metrics in the award year, as the stage's award_years), joined to the firms and regions, then
            one CASE per rule holding the rule's own eligibility and amount SQL (dispatched on the rule in a balanced
            tree). Projects: each row meets the rules of its type; talents: every rule; one CASE per rule, award year
            from the rule's trigger. The awards found, times the rules' level shares (about as many rows as the
            ledger's lines), written as a table; catalogue.* and ref.* copied, as the stage writes them. No caps,
            stacking, instalments, schedules, rounding to the fen, reconciliation or marts.
forecast    Per engine run the stage makes, the ledger floor over the rows that run reads: the backtest's actual pass
            (every year, today's rules opened to all of them), its 5 quantile paths, the forecast's 5 quantile paths and
            one per scenario (only its changed and stacked rules, as the stage runs them); each path first writes its
            projected rows (the template year's flow metrics scaled to each projected year, event firms, talents and
            projects drawn from the last pool years: as many rows as the stage projects) and its pass reads them with
            the history window its rules look back on. Plus one pass over the registry per driver history (forecast and
            backtest). The targets are the published forecast.driver_forecasts (the backtest's: the held-out years'
            actual values spread as the forecast's quantiles are); without them, flat (noted). The model fits and the
            bands' sample paths are computation, not bytes: they have no floor, and the forecast's ratio includes them
            (bench prints the forecast's steps apart).
dashboards  Every table the pages read scanned once into Arrow, and the published site's bytes written (the same
            files, the same sizes).
publish     The published warehouse's tables copied into a new DuckDB file (CREATE TABLE AS per table, CHECKPOINT,
            fsync). The plain file copy is reported beside it (`publish_file_copy_s`), not used as the floor: the stage
            cannot copy a file, its tables sit in the build database among others; DuckDB re-encodes what it copies.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POLARS_MAX_THREADS", "2")  # before polars is imported: the run's machine has 2 cores

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
import sqlglot  # noqa: E402
from sqlglot import exp  # noqa: E402

from dagster_project import backtest, catalogue, forecast, ingest, projection, scenarios  # noqa: E402
from dagster_project.contract import REGISTRIES, header_map, normalise_header  # noqa: E402
from dagster_project.ledger import OPEN_END, amount_sql  # noqa: E402
from dagster_project.publish import _fsync  # noqa: E402  (the same fsync the publish step makes)
from dagster_project.validate import MONEY  # noqa: E402
from dagster_project.warehouse import PUBLISHED_SCHEMAS  # noqa: E402

STAGES = ("generate", "ingest", "validate", "ledger", "forecast", "dashboards", "publish")
THREADS = 2
# What the pages read (dagster_project/dashboards/*.py): each scanned once.
DASHBOARD_TABLES = ("ledger.liabilities", "scenarios.by_year_level", "scenarios.definitions", "catalogue.rules",
                    "catalogue.source_text", "catalogue.documents", "catalogue.rule_parameters",
                    "catalogue.parameter_values", "catalogue.coverage", "catalogue.version", "forecast.by_year_level",
                    "forecast.by_year_level_region", "forecast.bands", "forecast.liabilities", "forecast.assumptions",
                    "forecast.backtest_summary", "forecast.backtest_coverage", "audit.runs", "audit.input_files",
                    "audit.quarantine", "audit.registry_arrivals", "ref.targets")
XLSX_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats'
             '.org/spreadsheetml/2006/main"><sheetData>')
XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
    'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
    'formats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.'
    'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
    'http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


@dataclasses.dataclass
class Floors:
    """Seconds per stage, split into named parts; rows and bytes the floors handled; what could not be measured."""

    parts: dict[str, dict[str, float]] = dataclasses.field(default_factory=lambda: {s: {} for s in STAGES})
    volume: dict[str, int] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    extra: dict[str, float] = dataclasses.field(default_factory=dict)

    @contextmanager
    def clock(self, stage: str, part: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.parts[stage][part] = self.parts[stage].get(part, 0.0) + time.perf_counter() - started

    def report(self) -> dict:
        floors = {s: (round(sum(p.values()), 3) if p else None) for s, p in self.parts.items()}
        parts = {s: {k: round(v, 3) for k, v in p.items()} for s, p in self.parts.items()}
        return {"floors": floors, "floor_parts": parts, "floor_volume": self.volume, "floor_notes": self.notes,
                **{k: round(v, 3) for k, v in self.extra.items()}}


# --- files ---------------------------------------------------------------------------------------------------------

def landing_files(landing: Path) -> list[tuple[Path, str]]:
    """(file, registry) for every file the ingest stage reads (temporary files and unknown names are not read)."""
    out = []
    for path in sorted(p for p in landing.iterdir() if p.is_file() and not p.name.startswith(".")):
        reg = ingest.registry_for(path)
        if reg and not ingest.TEMPORARY.search(path.name) and path.suffix.lower() in ingest.SUPPORTED:
            out.append((path, reg.name))
    return out


def _is_utf8(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(1 << 16)
    try:
        head[:head.rfind(b"\n") + 1 or len(head)].decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _delimiter(header: str) -> str:
    return max(",\t;|", key=header.count)


def read_text(path: Path) -> pl.DataFrame:
    """A landing file's rows, every column as text, with its own header (the generate floor's input, untimed)."""
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path).select(pl.all().cast(pl.String))
    return _text_frame(path)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(16 << 20):
            h.update(block)
    return h.hexdigest()


def canonical(columns: list[str], registry: str) -> dict[str, str]:
    known = header_map(REGISTRIES[registry])
    return {c: known[normalise_header(c)] for c in columns if normalise_header(c) in known}


# --- generate, ingest, validate ------------------------------------------------------------------------------------

def generate_floor(fl: Floors, files: list[tuple[Path, str]], scratch: Path) -> None:
    out = scratch / "generate"
    out.mkdir()
    for path, _ in files:
        frame = read_text(path)
        target = out / path.name
        with fl.clock("generate", path.name):
            suffix = path.suffix.lower()
            if suffix == ".parquet":
                frame.write_parquet(target, compression="zstd")
            elif suffix == ".xlsx":
                write_xlsx(frame, target)
            elif _is_utf8(path):
                frame.write_csv(target)
            else:
                target.write_bytes(frame.write_csv().encode("gbk"))
        fl.volume["generate_bytes"] = fl.volume.get("generate_bytes", 0) + target.stat().st_size
        del frame


def write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """One sheet of inline strings: the XML built by Polars, zipped by zlib (XLSX is deflated XML)."""
    def cell(c: pl.Expr) -> pl.Expr:
        escaped = c.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True) \
            .str.replace_all(">", "&gt;", literal=True)
        return pl.when(c.is_null()).then(pl.lit("<c/>")).otherwise(
            pl.concat_str(pl.lit('<c t="inlineStr"><is><t>'), escaped, pl.lit("</t></is></c>")))

    header = pl.DataFrame([pl.Series(c, [c]) for c in frame.columns])
    rows = pl.concat([header, frame]).select(
        pl.concat_str(pl.lit("<row>"), *[cell(pl.col(c)) for c in frame.columns], pl.lit("</row>")).alias("row"))
    sheet = XLSX_HEAD + rows["row"].str.join("").item() + "</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in XLSX_PARTS.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", sheet)


def ingest_floor(fl: Floors, files: list[tuple[Path, str]], scratch: Path) -> dict[str, list[Path]]:
    """Every landing file to text Parquet; the Parquet files per registry (the validate floor's input)."""
    out = scratch / "ingest"
    out.mkdir()
    staged: dict[str, list[Path]] = {}
    for i, (path, registry) in enumerate(files):
        target = out / f"{registry}.file-{i}.parquet"
        with fl.clock("ingest", path.name):
            sha256_of(path)
            if path.suffix.lower() == ".parquet":  # streamed: a 75 M-row export is never held at once
                names = pl.scan_parquet(path).collect_schema().names()
                _with_place(pl.scan_parquet(path).select(pl.all().cast(pl.String)), path, registry, names) \
                    .sink_parquet(target, compression="zstd")
            else:
                frame = _text_frame(path)
                _with_place(frame, path, registry, frame.columns).write_parquet(target, compression="zstd")
        staged.setdefault(registry, []).append(target)
        fl.volume["ingest_bytes_read"] = fl.volume.get("ingest_bytes_read", 0) + path.stat().st_size
        fl.volume["ingest_bytes_written"] = fl.volume.get("ingest_bytes_written", 0) + target.stat().st_size
    return staged


def _text_frame(path: Path) -> pl.DataFrame:
    """A CSV or XLSX landing file as text: Polars' CSV reader (a GBK export decoded once first), calamine for XLSX."""
    if path.suffix.lower() == ".xlsx":
        return pl.read_excel(path, engine="calamine", infer_schema_length=0)
    text = path.read_bytes()
    if not _is_utf8(path):
        text = text.decode("gb18030").encode("utf-8")
    return pl.read_csv(text, infer_schema=False, separator=_delimiter(text[:4096].decode("utf-8", "ignore")
                                                                        .split("\n")[0]))


def _with_place(frame: pl.DataFrame | pl.LazyFrame, path: Path, registry: str, names: list[str]):
    """The contract's column names, and where each row stands: `_file`, `_sheet`, `_row` (as staging holds them)."""
    return frame.rename(canonical(names, registry)).with_row_index("_row", offset=2).with_columns(
        pl.col("_row").cast(pl.Int64), pl.lit(path.name).alias("_file"), pl.lit(None, pl.String).alias("_sheet"))


def validate_floor(fl: Floors, staged: dict[str, list[Path]], scratch: Path) -> None:
    out = scratch / "validate"
    out.mkdir()
    for registry, paths in staged.items():
        spec = REGISTRIES[registry]
        scan = pl.scan_parquet(paths)
        have = set(scan.collect_schema().names())
        typed, ok = [], []
        for col in spec.columns:
            if col.name not in have:
                continue
            raw = pl.col(col.name)
            cast = {"date": raw.str.to_date("%Y-%m-%d", strict=False), "year": raw.cast(pl.Int32, strict=False),
                    "decimal": raw.cast(MONEY, strict=False), "integer": raw.cast(MONEY, strict=False)
                    }.get(col.kind, raw)
            typed.append(cast.alias(col.name))
            ok.append(cast.is_not_null() | (raw.is_null() if col.nullable else pl.lit(False)))
        target = out / f"{registry}.parquet"
        with fl.clock("validate", registry):
            scan.filter(pl.all_horizontal(ok)).select(*typed, "_file", "_sheet", "_row").sink_parquet(
                target, compression="zstd")
        fl.volume[f"validate_rows_{registry}"] = pl.scan_parquet(target).select(pl.len()).collect().item()


# --- the engine's floor -------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Sources:
    """The relations one engine run reads (table names or parenthesised queries)."""

    metrics: str = "wh.registry.enterprise_metrics"
    enterprises: str = "wh.registry.enterprises"
    projects: str = "wh.registry.projects"
    talents: str = "wh.registry.talents"
    regions: str = "wh.ref.regions"


@dataclasses.dataclass
class Plan:
    """One engine run's floor, prepared (rules translated to SQL): small tables to load, then statements whose
    @metrics@, @enterprises@, @projects@, @talents@, @regions@ and @out@ name the run's relations."""

    tables: dict[str, pl.DataFrame]
    statements: list[str]

    def run(self, conn: duckdb.DuckDBPyConnection, src: Sources, out: str) -> int:
        """Rows written to `out` (rule, object, award year, level, amount)."""
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {out} (rule_no INTEGER, object_id VARCHAR, region_code VARCHAR, "
                     "award_year BIGINT, level VARCHAR, amount DECIMAL(38, 10))")
        for name, frame in self.tables.items():
            conn.register("floor_frame", frame)
            conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS FROM floor_frame")
            conn.unregister("floor_frame")
        names = {**{f"@{k}@": v for k, v in dataclasses.asdict(src).items()}, "@out@": out}
        for sql in self.statements:
            for key, value in names.items():
                sql = sql.replace(key, value)
            conn.execute(sql)
        return conn.execute(f"SELECT count(*) FROM {out}").fetchone()[0]


def plan(rules: list[catalogue.Rule] | tuple[catalogue.Rule, ...]) -> Plan:
    """The ledger floor's statements for these rules (programme budgets are lines of the catalogue, not a pass)."""
    rules = [r for r in rules if r.beneficiary in ("enterprise", "project", "talent")]
    shares = pl.DataFrame([(i, lvl, str(s)) for i, r in enumerate(rules) for lvl, s in r.shares.items()],
                          schema={"rule_no": pl.Int32, "level": pl.String, "share": pl.String}, orient="row")
    out = Plan({"floor_shares": shares}, [])
    by_kind = {k: [(i, r) for i, r in enumerate(rules) if r.beneficiary == k] for k in ("enterprise", "project",
                                                                                          "talent")}
    if by_kind["enterprise"]:
        _enterprise_plan(out, by_kind["enterprise"])
    for kind, key in (("project", "project_id"), ("talent", "talent_id")):
        if by_kind[kind]:
            _row_plan(out, by_kind[kind], kind, key)
    return out


def _years(rule: catalogue.Rule) -> tuple[int, int]:
    return (rule.cohorts_from or rule.valid_from).year, (rule.valid_to or OPEN_END).year


def _sql(text: str, names: dict[str, str]) -> str:
    """The rule's SQL with some column names replaced by other SQL (the pivot's slots, the trigger's year)."""
    tree = sqlglot.parse_one(text, read="duckdb")
    subs = {k: sqlglot.parse_one(v, read="duckdb") for k, v in names.items()}
    tree = tree.transform(lambda n: subs[n.name].copy() if isinstance(n, exp.Column) and n.name in subs else n)
    return tree.sql(dialect="duckdb")


def _award(rule: catalogue.Rule, names: dict[str, str]) -> tuple[str, str]:
    """(eligibility, amount as DECIMAL(38,10)) of a rule, as its candidate query computes them."""
    amount = _sql(amount_sql(rule)[0], names)
    return _sql(rule.eligibility_sql, names), f"CAST(({amount}) AS DECIMAL(38, 10))"


def _conjuncts(rule: catalogue.Rule) -> list[exp.Expression]:
    node = sqlglot.parse_one(rule.eligibility_sql, read="duckdb")
    while isinstance(node, exp.Paren):
        node = node.this
    return list(node.flatten()) if isinstance(node, exp.And) else [node]


def _keys(rule: catalogue.Rule, column: str) -> list[str] | None:
    """The values a rule's eligibility allows in `column` (a conjunct `column = '…'` or `column IN (…)`), or None."""
    for c in _conjuncts(rule):
        if not (isinstance(c, exp.EQ | exp.In) and isinstance(c.this, exp.Column) and c.this.name == column):
            continue
        values = [c.expression] if isinstance(c, exp.EQ) else c.expressions
        if values and all(isinstance(v, exp.Literal) and v.is_string for v in values):
            return [v.this for v in values]
    return None


def _tree(ids: list[int], branch: dict[int, str]) -> str:
    """One CASE per rule, dispatched by rule number in a balanced tree: each row meets log2(rules) tests."""
    if len(ids) == 1:
        return branch[ids[0]]
    mid = len(ids) // 2
    return f"CASE WHEN rule_no < {ids[mid]} THEN {_tree(ids[:mid], branch)} ELSE {_tree(ids[mid:], branch)} END"


AWARD_YEARS = (1990, 2100)  # award years a rule's routes are laid out over (its validity, clipped)


def _metric_scan(expanded: list[tuple]) -> str:
    """The metric rows the routes read: for each metric, the years from its earliest to its latest route, one
    filtered scan per distinct span (DuckDB skips the other metrics' and years' row groups): the history window."""
    spans: dict[str, tuple[int, int]] = {}
    for _, _, metric, _, year, _, _ in expanded:
        lo, hi = spans.get(metric, (year, year))
        spans[metric] = (min(lo, year), max(hi, year))
    groups: dict[tuple[int, int], list[str]] = {}
    for metric, span in sorted(spans.items()):
        groups.setdefault(span, []).append(metric)
    return " UNION ALL ".join(
        f"SELECT uscc, year, metric, value FROM @metrics@ AS s WHERE metric IN ({', '.join(map(_quote, ms))}) "
        f"AND year BETWEEN {lo} AND {hi}" for (lo, hi), ms in groups.items())


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _enterprise_plan(out: Plan, rules: list[tuple[int, catalogue.Rule]]) -> None:
    """Metric rows routed to the rules reading them (a rule that requires a city reads that city's firms' rows only,
    as the stage's candidate query does), pivoted by rule and firm-year where a rule reads more than one value; a
    firm-year is a candidate when it holds one of the rule's metrics in the award year (as the stage's award_years);
    then one CASE per rule."""
    routes, branch, single, slots = [], {}, [], 1
    for i, rule in rules:
        first, last = _years(rule)
        city, names = (_keys(rule, "city_code") or [None])[0], {}
        for s, (name, v) in enumerate(rule.variables.items()):
            routes.append((i, s, v["metric"], int(v.get("year_offset", 0)), first, last, city))
            names[name] = f"v{s}"
        at_award = {v["metric"] for v in rule.variables.values() if int(v.get("year_offset", 0)) == 0}
        routes += [(i, -1, m, 0, first, last, city)
                   for m in sorted({v["metric"] for v in rule.variables.values()} - at_award)]
        if len(rule.variables) == 1 and at_award:
            single.append(i)
        slots = max(slots, len(rule.variables))
        eligibility, amount = _award(rule, names)
        branch[i] = f"CASE WHEN ({eligibility}) THEN {amount} END"
    # a route per award year: joined on (metric, year), each metric row meets the routes that read it and no other
    expanded = [(i, slot, m, k, year + k, year, city) for i, slot, m, k, first, last, city in routes
                for year in range(max(first, AWARD_YEARS[0]), min(last, AWARD_YEARS[1]) + 1)]
    out.tables["floor_routes"] = pl.DataFrame(expanded, orient="row", schema={
        "rule_no": pl.Int32, "slot": pl.Int32, "metric": pl.String, "k": pl.Int32, "year": pl.Int32,
        "award_year": pl.Int32, "city": pl.String})
    pivot = ", ".join(f"max(value) FILTER (WHERE slot = {s}) AS v{s}" for s in range(slots))
    blank = "".join(f", NULL AS v{s}" for s in range(1, slots))
    singles = ", ".join(map(str, single)) or "-1"
    # the CASEs are unnested from a list: as a column filtered on, the optimizer would evaluate them twice
    out.statements.append(f"""
        INSERT INTO @out@
        WITH firms AS (
            SELECT e.*, g.parent_code AS city_code, COALESCE(g.host_banner, e.region_code) AS banner_code
            FROM @enterprises@ AS e JOIN @regions@ AS g ON g.region_code = e.region_code),
        city_firms AS (SELECT uscc FROM firms WHERE city_code IN (SELECT city FROM floor_routes)),
        scan AS ({_metric_scan(expanded)}),
        routed AS (
            SELECT v.rule_no, v.slot, v.k, m.uscc, v.award_year, m.value
            FROM scan AS m JOIN floor_routes AS v ON v.metric = m.metric AND v.year = m.year
            WHERE v.city IS NULL OR m.uscc IN (SELECT uscc FROM city_firms)),
        firm_years AS (
            SELECT rule_no, uscc, award_year, value AS v0{blank} FROM routed WHERE rule_no IN ({singles})
            UNION ALL
            SELECT rule_no, uscc, award_year, {pivot} FROM routed WHERE rule_no NOT IN ({singles})
            GROUP BY rule_no, uscc, award_year HAVING bool_or(k = 0)),
        awards AS (
            SELECT p.rule_no, p.uscc AS object_id, f.region_code, p.award_year,
                   unnest(list_filter([{_tree(sorted(branch), branch)}], x -> x IS NOT NULL)) AS gross
            FROM firm_years AS p JOIN firms AS f USING (uscc))
        SELECT a.rule_no, a.object_id, a.region_code, a.award_year, s.level, a.gross * CAST(s.share AS DECIMAL(9, 6))
        FROM awards AS a JOIN floor_shares AS s USING (rule_no)""")


ROW_KEYS = {"project": "project_type", "talent": None}  # projects meet the rules of their type; talents are few


def _row_plan(out: Plan, rules: list[tuple[int, catalogue.Rule]], kind: str, key: str) -> None:
    """Projects or talents: one scan; each row meets the rules for its type (projects) or every rule (talents),
    one CASE per rule (award year: the year of the rule's trigger)."""
    column, branch, routes = ROW_KEYS[kind], {}, []
    for i, rule in rules:
        trigger = f'"{rule.trigger}"'
        first = rule.cohorts_from or rule.valid_from
        eligibility, amount = _award(rule, {"award_year": f"year({trigger})", "arrival_year": 'year("arrival_date")'})
        branch[i] = (f"CASE WHEN {trigger} BETWEEN DATE '{first}' AND DATE '{rule.valid_to or OPEN_END}' AND "
                     f"({eligibility}) AND ({amount}) IS NOT NULL THEN {{'y': year({trigger}), 'a': {amount}}} END")
        values = _keys(rule, column) if column else None
        if column and values is None:
            column = None  # a rule open to every type: every row meets every rule
        routes += [(i, v) for v in values or [None]]
    out.tables[f"floor_routes_{kind}"] = pl.DataFrame(routes, orient="row", schema={"rule_no": pl.Int32,
                                                                                    "value": pl.String})
    pairs = (f"JOIN floor_routes_{kind} AS v ON v.value = b.{column}" if column
             else f"CROSS JOIN (SELECT DISTINCT rule_no FROM floor_routes_{kind}) AS v")
    out.statements.append(f"""
        INSERT INTO @out@
        WITH base AS (
            SELECT t.*, g.parent_code AS city_code, COALESCE(g.host_banner, t.region_code) AS banner_code
            FROM @{kind}s@ AS t JOIN @regions@ AS g ON g.region_code = t.region_code),
        awards AS (
            SELECT v.rule_no, b.{key} AS object_id, b.region_code,
                   unnest(list_filter([{_tree(sorted(branch), branch)}], x -> x IS NOT NULL)) AS c
            FROM base AS b {pairs})
        SELECT a.rule_no, a.object_id, a.region_code, a.c.y, s.level, a.c.a * CAST(s.share AS DECIMAL(9, 6))
        FROM awards AS a JOIN floor_shares AS s USING (rule_no)""")


def _exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(conn.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'wh' AND schema_name = ? "
                             "AND table_name = ?", [schema, name]).fetchone()[0])


def ledger_floor(fl: Floors, conn: duckdb.DuckDBPyConnection, cat: catalogue.Catalogue) -> None:
    prepared = plan(cat.costed())
    small = [(s, t) for s, t in conn.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'wh' "
        "AND schema_name IN ('catalogue', 'ref') ORDER BY ALL").fetchall()]
    with fl.clock("ledger", "engine pass"):
        fl.volume["ledger_lines"] = prepared.run(conn, Sources(), "floor_ledger")
        conn.execute("CREATE OR REPLACE TABLE floor_ledger_lines AS FROM floor_ledger")  # into the file, as the stage
    with fl.clock("ledger", "catalogue and reference tables"):
        for schema, table in small:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS floor_{schema}")
            conn.execute(f"CREATE OR REPLACE TABLE floor_{schema}.{table} AS FROM wh.{schema}.{table}")


# --- forecast -----------------------------------------------------------------------------------------------------

HISTORY = """CREATE OR REPLACE TEMP TABLE floor_history AS
    SELECT 'metric' AS driver_kind, metric AS driver_key, year, sum(value) AS total,
           count(*) FILTER (WHERE value > 0) AS firms
    FROM wh.registry.enterprise_metrics WHERE year <= {last} GROUP BY ALL
    UNION ALL
    SELECT 'talent', category, year(arrival_date), count(*), NULL FROM wh.registry.talents
    WHERE year(arrival_date) <= {last} GROUP BY ALL
    UNION ALL
    SELECT 'project', project_type, year(COALESCE(completion_date, start_date)), count(*), NULL
    FROM wh.registry.projects WHERE year(COALESCE(completion_date, start_date)) <= {last} GROUP BY ALL"""

PROJECTED_METRICS = """CREATE OR REPLACE TEMP TABLE floor_future_metrics AS
    SELECT m.uscc, t.year, m.metric, CAST(CAST(m.value AS DOUBLE) * t.factor AS DECIMAL(20, 4)) AS value, m.unit
    FROM wh.registry.enterprise_metrics AS m JOIN floor_targets AS t ON t.kind = 'flow' AND t.key = m.metric
    WHERE m.year = {template}
    UNION ALL
    SELECT uscc, year, metric, value, unit FROM (
        SELECT e.uscc, t.year, e.metric, e.value, e.unit, t.draws,
               row_number() OVER (PARTITION BY e.metric, t.year) AS n
        FROM (SELECT uscc, metric, max(value) AS value, any_value(unit) AS unit  -- each pool firm once a year
              FROM wh.registry.enterprise_metrics
              WHERE metric IN (SELECT key FROM floor_targets WHERE kind = 'event') AND value > 0
                AND year BETWEEN {template} - {pool} + 1 AND {template} GROUP BY uscc, metric) AS e
        JOIN floor_targets AS t ON t.kind = 'event' AND t.key = e.metric)
    WHERE n <= draws"""

# cases drawn from the last pool years, cycling through the pool; dates moved into the projected year
PROJECTED_CASES = """CREATE OR REPLACE TEMP TABLE floor_future_{table} AS
    WITH pool AS (
        SELECT *, {cohort} AS cohort, row_number() OVER (PARTITION BY {key}) - 1 AS pool_rank
        FROM wh.registry.{table} WHERE {cohort} BETWEEN {template} - {pool} + 1 AND {template}),
    sizes AS (SELECT {key}, count(*) AS size FROM pool GROUP BY ALL),
    draws AS (
        SELECT t.key AS {key}, CAST(t.year AS INTEGER) AS year, d.n, d.n % s.size AS pool_rank
        FROM floor_targets AS t JOIN sizes AS s ON s.{key} = t.key
        CROSS JOIN LATERAL range(CAST(t.draws AS BIGINT)) AS d(n) WHERE t.kind = '{kind}')
    SELECT p.* EXCLUDE (cohort, pool_rank) REPLACE ({replace})
    FROM draws AS d JOIN pool AS p USING ({key}, pool_rank)"""


def _history(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The driver series (driver_kind, driver_key, year, value): forecast.driver_history as published, or the
    history floor's own pass read as the stage reads it."""
    if _exists(conn, "forecast.driver_history"):
        return conn.execute("SELECT driver_kind, driver_key, year, value FROM wh.forecast.driver_history").pl()
    return conn.execute("""
        SELECT h.driver_kind, h.driver_key, h.year,
               CAST(CASE WHEN r.projection = 'event' THEN h.firms ELSE h.total END AS DOUBLE) AS value
        FROM floor_history AS h LEFT JOIN wh.ref.metrics AS r ON r.metric = h.driver_key
        WHERE h.driver_key IS NOT NULL""").pl()


def _targets(conn: duckdb.DuckDBPyConnection, history: pl.DataFrame, fits: pl.DataFrame, template: int,
             kinds: dict[str, str]) -> pl.DataFrame:
    """A path's driver targets as the projection uses them: (kind, key, year, draws, factor); flow metrics scale the
    template year's rows by target / template value, events and cases are drawn round(target) times."""
    base = history.filter(pl.col("year") == template).select("driver_kind", "driver_key", base="value")
    joined = fits.join(base, on=["driver_kind", "driver_key"], how="inner")
    kind = pl.when(pl.col("driver_kind") == "metric").then(
        pl.col("driver_key").replace_strict(kinds, default="flow")).otherwise(pl.col("driver_kind"))
    return joined.select(kind.alias("kind"), pl.col("driver_key").alias("key"), pl.col("year").cast(pl.Int32),
                         pl.col("target").round().cast(pl.Int64).clip(0).alias("draws"),
                         pl.when(pl.col("base") > 0).then(pl.col("target") / pl.col("base")).alias("factor")
                         ).filter((pl.col("kind") != "flow") | pl.col("factor").is_not_null())


def _path(fl: Floors, conn: duckdb.DuckDBPyConnection, step: str, prepared: Plan, targets: pl.DataFrame,
          template: int, pool: int, replaces: dict[str, str]) -> None:
    """One engine run over a projected registry: its projected rows written, then the ledger floor over them and
    the history before them."""
    conn.register("floor_frame", targets)
    conn.execute("CREATE OR REPLACE TEMP TABLE floor_targets AS FROM floor_frame")
    conn.unregister("floor_frame")
    with fl.clock("forecast", step):
        conn.execute(PROJECTED_METRICS.format(template=template, pool=pool))
        for table, key, cohort, kind in (("talents", "category", "year(arrival_date)", "talent"),
                                         ("projects", "project_type",
                                          "year(COALESCE(completion_date, start_date))", "project")):
            conn.execute(PROJECTED_CASES.format(table=table, key=key, cohort=cohort, kind=kind, template=template,
                                                pool=pool, replace=replaces[table]))
        src = Sources(metrics=f"""(SELECT uscc, year, metric, value FROM wh.registry.enterprise_metrics
                                   WHERE year <= {template}
                                   UNION ALL SELECT uscc, year, metric, value FROM floor_future_metrics)""",
                      projects="floor_future_projects", talents="floor_future_talents")
        lines = prepared.run(conn, src, "floor_path")
    fl.volume["forecast_projected_metric_rows"] = fl.volume.get("forecast_projected_metric_rows", 0) + \
        conn.execute("SELECT count(*) FROM floor_future_metrics").fetchone()[0]
    fl.volume["forecast_path_lines"] = fl.volume.get("forecast_path_lines", 0) + lines


def _replaces(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The columns a drawn case changes: a new id, dates moved by whole years into the projected year."""
    shift = "p.{c} + to_years(d.year - p.cohort) AS {c}"
    cols = {t: {r[0] for r in conn.execute(f"DESCRIBE wh.registry.{t}").fetchall()} for t in ("talents", "projects")}
    talents = ["p.talent_id || '~' || d.year || '.' || d.n AS talent_id"] + [
        shift.format(c=c) for c in ("arrival_date", "departure_date") if c in cols["talents"]]
    if "person_key" in cols["talents"]:
        talents.append("p.person_key || '~' || d.year || '.' || d.n AS person_key")
    projects = ["p.project_id || '~' || d.year || '.' || d.n AS project_id"] + [
        shift.format(c=c) for c in ("start_date", "completion_date") if c in cols["projects"]]
    return {"talents": ", ".join(talents), "projects": ", ".join(projects)}


def forecast_floor(fl: Floors, conn: duckdb.DuckDBPyConnection, cat: catalogue.Catalogue) -> None:
    cfg = forecast.load_config(documents={d["document"] for d in cat.documents})
    last = (conn.execute("SELECT max(year) FROM wh.forecast.driver_history").fetchone()[0]
            if _exists(conn, "forecast.driver_history") else
            conn.execute("SELECT max(year) FROM wh.registry.enterprise_metrics").fetchone()[0])
    cutoff = last - cfg.holdout_years
    with fl.clock("forecast", "forecast_backtest"):  # forecast.backtest_driver_history
        conn.execute(HISTORY.format(last=cutoff))
    with fl.clock("forecast", "driver_forecasts"):  # forecast.driver_history
        conn.execute(HISTORY.format(last=last))
    history = _history(conn)
    first = int(history["year"].min()) + 1
    kinds = dict(conn.execute("SELECT metric, projection FROM wh.ref.metrics").fetchall())
    win = forecast.Window(last, cfg.horizon_years)
    fits = _fits(conn, fl, history, last, win.years)
    replaces = _replaces(conn)
    # the backtest: what today's rules would have cost in every year, then every quantile path of the held-out years
    actual = plan(backtest.opened(cat, first, last).rules)
    with fl.clock("forecast", "forecast_backtest"):
        actual.run(conn, Sources(), "floor_path")
    held = plan(backtest.opened(cat, cutoff + 1, last).rules)
    truth = history.filter(pl.col("year") > cutoff).with_columns(h=pl.col("year") - cutoff)
    for q in sorted(fits["quantile"].unique()):
        spread = fits.with_columns(h=pl.col("year") - last).pivot(
            on="quantile", index=["driver_kind", "driver_key", "h"], values="target")
        ratio = spread.select("driver_kind", "driver_key", "h", r=pl.when(pl.col("0.5") > 0).then(
            pl.col(str(q)) / pl.col("0.5")).otherwise(1.0))
        targets = truth.join(ratio, on=["driver_kind", "driver_key", "h"], how="left").select(
            "driver_kind", "driver_key", "year", target=pl.col("value") * pl.col("r").fill_null(1.0))
        _path(fl, conn, "forecast_backtest", held, _targets(conn, history, targets, cutoff, kinds), cutoff,
              cfg.pool_years, replaces)
    # the forecast: every quantile path under the rules in force in the forecast years
    paths = plan(projection.with_validity(cat, win.first_day, win.last_day,
                                          renewed=set(cfg.renewed_documents)).rules)
    for q in sorted(fits["quantile"].unique()):
        targets = _targets(conn, history, fits.filter(pl.col("quantile") == q), last, kinds)
        _path(fl, conn, "forecast_liabilities", paths, targets, last, cfg.pool_years, replaces)
    # each scenario: its changed rules and those stacked with them, on the median path
    median = _targets(conn, history, fits.filter(pl.col("quantile") == 0.5), last, kinds)
    for rules in _scenario_rules(cat, cfg, win):
        _path(fl, conn, "scenario_results", plan(rules), median, last, cfg.pool_years, replaces)


def _fits(conn: duckdb.DuckDBPyConnection, fl: Floors, history: pl.DataFrame, last: int,
          years: list[int]) -> pl.DataFrame:
    """(driver_kind, driver_key, year, quantile, target): the published driver forecasts, else flat paths."""
    if _exists(conn, "forecast.driver_forecasts"):
        return conn.execute("SELECT driver_kind, driver_key, year, quantile, target FROM wh.forecast.driver_forecasts"
                            ).pl()
    fl.notes.append("no forecast.driver_forecasts in the warehouse: the forecast floor's paths are flat (every "
                    "quantile = the last complete year's value)")
    base = history.filter(pl.col("year") == last).select("driver_kind", "driver_key", target="value")
    grid = pl.DataFrame({"year": years}).join(pl.DataFrame({"quantile": list(forecast.QUANTILES)}), how="cross")
    return base.join(grid, how="cross").select("driver_kind", "driver_key", pl.col("year").cast(pl.Int32),
                                               "quantile", "target")


def _scenario_rules(cat: catalogue.Catalogue, cfg: forecast.ForecastConfig, win: forecast.Window
                    ) -> list[tuple[catalogue.Rule, ...]]:
    """The rules each scenario file makes the engine compute (scenarios.run_scenario); none for one that fails."""
    out = []
    for path in sorted(scenarios.SCENARIO_DIR.glob("*.yaml")):
        try:
            sc = scenarios.load(path, cat)
            changed, ends = scenarios.apply(cat, sc)
        except scenarios.ScenarioError:
            continue
        ids = scenarios.affected(cat, changed, sc)
        subset = dataclasses.replace(changed, rules=tuple(r for r in changed.rules if r.id in ids))
        rules = projection.with_validity(subset, win.first_day, win.last_day, keep_end=ends,
                                         renewed=set(cfg.renewed_documents)).rules
        if rules:
            out.append(rules)
    return out


# --- dashboards, publish ------------------------------------------------------------------------------------------

def dashboards_floor(fl: Floors, conn: duckdb.DuckDBPyConnection, dashboards: Path, scratch: Path) -> None:
    site = dashboards / ".site" / "current"
    site = site.resolve() if site.exists() else dashboards
    files = [(p.relative_to(site), p.stat().st_size) for p in sorted(site.rglob("*")) if p.is_file()] \
        if site.is_dir() else []
    if not files:
        fl.notes.append(f"no published pages under {dashboards}: the dashboards floor reads the tables only")
    tables = [t for t in DASHBOARD_TABLES if _exists(conn, t)]
    out = scratch / "site"
    with fl.clock("dashboards", "tables read"):
        for table in tables:
            conn.execute(f"SELECT * FROM wh.{table}").to_arrow_table()
    with fl.clock("dashboards", "pages written"):
        for rel, size in files:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(b"x" * size)
    fl.volume["dashboards_bytes"] = sum(size for _, size in files)


def publish_floor(fl: Floors, conn: duckdb.DuckDBPyConnection, warehouse: Path, scratch: Path) -> None:
    schemas = ", ".join(f"'{s}'" for s in PUBLISHED_SCHEMAS)
    tables = conn.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'wh' "
                          f"AND schema_name IN ({schemas}) ORDER BY ALL").fetchall()
    target = scratch / "published.duckdb"
    with fl.clock("publish", "tables copied"):
        conn.execute(f"ATTACH '{target}' AS pub")
        for schema in {s for s, _ in tables}:
            conn.execute(f"CREATE SCHEMA pub.{schema}")
        for schema, table in tables:
            conn.execute(f"CREATE TABLE pub.{schema}.{table} AS FROM wh.{schema}.{table}")
        conn.execute("CHECKPOINT pub")
        conn.execute("DETACH pub")
        _fsync(target)
    started = time.perf_counter()
    shutil.copyfile(warehouse, scratch / "copy.duckdb")
    _fsync(scratch / "copy.duckdb")
    fl.extra["publish_file_copy_s"] = time.perf_counter() - started
    fl.volume["publish_bytes"] = target.stat().st_size


# --- all of them --------------------------------------------------------------------------------------------------

def measure(data: Path, warehouse: Path | None = None, dashboards: Path | None = None,
            log: Callable[[str], None] = lambda _: None) -> dict:
    """Every stage's floor for a run's data folder: {"floors": {stage: s}, "floor_parts": …, "floor_volume": …}."""
    landing = data / "synthetic" if (data / "synthetic").is_dir() else data / "landing"
    warehouse = warehouse or data / "warehouse" / "warehouse.duckdb"
    dashboards = dashboards or data.parent / "dashboards"
    fl = Floors()
    scratch = Path(tempfile.mkdtemp(prefix=".floors-", dir=data))
    config = {"memory_limit": os.environ.get("NMG_DUCKDB_MEMORY", "4GB"), "threads": str(THREADS),
              "temp_directory": str(scratch / "tmp")}
    conn = duckdb.connect(str(scratch / "floors.duckdb"), config=config)
    try:
        files = landing_files(landing)
        log("generate")
        generate_floor(fl, files, scratch)
        log("ingest")
        staged = ingest_floor(fl, files, scratch)
        log("validate")
        validate_floor(fl, staged, scratch)
        if not warehouse.exists():
            fl.notes.append(f"no warehouse at {warehouse}: no ledger, forecast, dashboards or publish floor")
            return fl.report()
        conn.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
        cat = catalogue.load()
        log("ledger")
        ledger_floor(fl, conn, cat)
        log("forecast")
        forecast_floor(fl, conn, cat)
        log("dashboards")
        dashboards_floor(fl, conn, dashboards, scratch)
        log("publish")
        publish_floor(fl, conn, warehouse, scratch)
        return fl.report()
    finally:
        conn.close()
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a run's data folder (landing files and published warehouse)")
    parser.add_argument("--warehouse", type=Path, help="the published warehouse (default data/warehouse/…)")
    parser.add_argument("--dashboards", type=Path, help="the pages folder (default <data>/../dashboards)")
    parser.add_argument("--json", action="store_true", help="one JSON line on stdout")
    args = parser.parse_args(argv)
    report = measure(args.data.resolve(), args.warehouse, args.dashboards,
                     log=lambda s: print(f"floor: {s}", file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(report))
        return
    print("| stage | floor (s) | parts |")
    print("|---|---:|---|")
    for stage, floor in report["floors"].items():
        parts = ", ".join(f"{k} {v:.2f}" for k, v in report["floor_parts"][stage].items())
        print(f"| {stage} | {'–' if floor is None else f'{floor:.2f}'} | {parts} |")
    for note in report["floor_notes"]:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
