"""The pipeline's stages as plain functions over a DuckDB connection: Dagster assets (defs/), the
CLI and the tests all call these, so there is one implementation of each stage."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from . import catalogue as catalogue_mod
from . import ingest, reference, synthetic, validate
from .contract import LOAD_ORDER, REGISTRIES, Registry
from .formulas import sql_literal
from .ledger import build_ledger, write_catalogue
from .settings import Settings
from .source_text import write_source_text
from .warehouse import append_table, ensure_schemas, query, write_table

FILE_LOG_SCHEMA = {
    "run_id": pl.String, "file": pl.String, "path": pl.String, "registry": pl.String, "size_bytes": pl.Int64,
    "sha256": pl.String, "encoding": pl.String, "delimiter": pl.String, "header_row": pl.Int64,
    "rows_in": pl.Int64, "rows_accepted": pl.Int64, "rows_quarantined": pl.Int64, "status": pl.String,
    "message": pl.String, "extra_columns": pl.String, "blank_rows": pl.Int64, "sheets": pl.String,
    "skipped_sheets": pl.String,
}


def load_reference(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    ensure_schemas(conn)
    counts = {}
    for table in reference.REFERENCE_TABLES:
        frame = reference.load(table)
        write_table(conn, f"ref.{table}", frame)
        counts[table] = frame.height
    return counts


def load_catalogue(conn: duckdb.DuckDBPyConnection, run_id: str) -> catalogue_mod.Catalogue:
    ensure_schemas(conn)
    cat = catalogue_mod.load()
    write_catalogue(conn, cat, run_id)
    write_source_text(conn, cat.documents)  # the cited text itself, for auditors and the document pages
    return cat


def prepare_landing(settings: Settings, log=print) -> list[Path]:
    """Generate the synthetic registries into the landing folder unless told to use what is there."""
    if settings.use_landing_as_is:
        log(f"using the files already in {settings.landing_dir}")
        return sorted(p for p in settings.landing_dir.iterdir() if p.is_file())
    started = time.perf_counter()
    written = synthetic.write_landing(settings.synthetic_dir, settings.seed, settings.enterprises,
                                      settings.bad_row_share)
    log(f"generated synthetic registries ({settings.enterprises:,} enterprises, seed {settings.seed}) "
        f"in {time.perf_counter() - started:.1f}s: {', '.join(p.name for ps in written.values() for p in ps)}")
    return [p for ps in written.values() for p in ps]


def ingest_landing(conn: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, log=print) -> pl.DataFrame:
    """Read every landing file as text into staging.<registry> (reader rejects beside it, quarantined by
    validation); record every file of the folder, skipped and unknown ones included, in audit.input_files."""
    ensure_schemas(conn)
    files = ingest.discover(settings.input_dir)
    settings.staging_dir.mkdir(parents=True, exist_ok=True)
    # Each file's text rows go to a Parquet file of their own slice by slice (a 75 M-row export held as one
    # frame took 16 GiB at 5 M firms), then a registry's files are joined into one, a row group at a time.
    staged: dict[str, list[Path]] = {name: [] for name in REGISTRIES}
    rejects: dict[str, list[pl.DataFrame]] = {name: [] for name in REGISTRIES}
    for i, lf in enumerate(files):
        if lf.status in ("skipped", "unknown"):
            log(f"not read: {lf.message}")
            continue
        try:
            part = settings.staging_dir / f"{lf.registry}.file-{i}.parquet"
            reject = ingest.stage_file(lf, settings.data_dir / "build" / "scratch", part)
            staged[lf.registry].append(part)
            rejects[lf.registry].append(reject)
            lf.status = "read"
            sheets = f", sheets {', '.join(lf.sheets)}" if lf.sheets else ""
            log(f"read {lf.path.name}: {lf.rows_in:,} records as {lf.registry} ({lf.encoding}{sheets}), "
                f"{reject.height:,} set aside by the reader")
        except ingest.FileRefused as exc:
            lf.status, lf.message = "refused", str(exc)
            log(f"REFUSED {exc}")
    for name, parts in staged.items():
        # Text rows go to Parquet and staging.<name> is a view of it: DuckDB would take 13 s to store the
        # 15 M text rows of the metrics at 1 M firms in its own format, Parquet takes 3 s.
        path = settings.staging_dir / f"{name}.parquet"
        ingest.combine(parts, path, REGISTRIES[name])
        pl.concat([pl.DataFrame(schema=ingest.REJECT_SCHEMA), *rejects[name]]).write_parquet(_rejects_path(settings,
                                                                                                          name))
        if conn.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staging' AND table_name = ?",
                        [name]).fetchone()[0]:
            conn.execute(f"DROP TABLE staging.{name}")  # a table in a build file made before this change
        conn.execute(f"CREATE OR REPLACE VIEW staging.{name} AS FROM read_parquet({sql_literal(str(path))})")
    log_frame = pl.DataFrame([{**lf.record(), "run_id": run_id} for lf in files], schema=FILE_LOG_SCHEMA,
                             strict=False) if files else pl.DataFrame(schema=FILE_LOG_SCHEMA)
    if _exists(conn, "audit.input_files"):  # a re-run of the same run id replaces its own rows
        conn.execute("DELETE FROM audit.input_files WHERE run_id = ?", [run_id])
        _add_missing_columns(conn, "audit.input_files", FILE_LOG_SCHEMA)
    append_table(conn, "audit.input_files", log_frame)
    return log_frame


def _rejects_path(settings: Settings, name: str) -> Path:
    """Records the reader set aside (ragged lines, a column given twice with two values): quarantined as they are."""
    return settings.staging_dir / f"{name}.rejects.parquet"


def _add_missing_columns(conn: duckdb.DuckDBPyConnection, table: str, schema: dict) -> None:
    """A build database made before a column was added keeps its history: the new column is added, empty."""
    have = {r[0] for r in conn.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall()}
    duck = {pl.String: "VARCHAR", pl.Int64: "BIGINT"}
    for col, dtype in schema.items():
        if col not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {col} {duck[dtype]}")


def _exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema=? AND table_name=?",
                             [schema, name]).fetchone()[0])


def validate_registries(conn: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, today: date,
                        log=print) -> pl.DataFrame:
    """Pandera-validate each staged registry; accepted rows typed into registry.*, the rest quarantined."""
    accounting, quarantines = [], []
    parent_keys = None
    for name in LOAD_ORDER:
        spec = REGISTRIES[name]
        # The same document under several talent_ids may fall in different parts: found over the whole registry.
        shared = validate.shared_documents(query(
            conn, "SELECT DISTINCT talent_id, id_type, id_number FROM staging.talents")) if name == "talents" else None
        ctx = validate.Context.build(today, parent_keys if spec.parent else None, shared)
        parts_folder = settings.staging_dir / f"{name}.parts"
        chunks = _chunks(conn, name, spec, settings.validate_chunk_rows, parts_folder)
        quarantine, accepted_per_file, typed_files = _validate_chunks(conn, name, spec, ctx, chunks, settings, log)
        shutil.rmtree(parts_folder, ignore_errors=True)  # text rows, personal data included: not kept
        # every rule reads a few metrics: stored by metric, each rule's scan skips the other metrics' blocks
        order = "metric, year, uscc" if name == "enterprise_metrics" else "_file, _sheet, _row"
        files = ", ".join(sql_literal(str(f)) for f in typed_files)
        conn.execute(f"CREATE OR REPLACE TABLE registry.{name} AS FROM read_parquet([{files}]) ORDER BY {order}")
        for f in typed_files:
            f.unlink()
        if name == "enterprises":
            parent_keys = query(conn, "SELECT uscc FROM registry.enterprises")["uscc"]
        reader_rejects = pl.read_parquet(_rejects_path(settings, name))
        quarantine = pl.concat([reader_rejects, quarantine.select(reader_rejects.columns)], how="vertical_relaxed")
        quarantines.append(quarantine.with_columns(pl.lit(run_id).alias("run_id"), pl.lit(name).alias("registry")))
        counts = _per_file_counts(accepted_per_file, quarantine, name)
        accounting.append(counts)
        log(f"validated {name}: {counts['rows_accepted'].sum():,} accepted, {counts['rows_quarantined'].sum():,} "
            f"quarantined ({reader_rejects.height:,} of them set aside by the reader)")
    q = pl.concat(quarantines, how="vertical_relaxed").select(
        "run_id", "registry", pl.col("_file").alias("file"), pl.col("_sheet").alias("sheet"),
        pl.col("_row").alias("source_row"), "field", "reason", "value", "raw_record")
    if _exists(conn, "audit.quarantine"):
        conn.execute("DELETE FROM audit.quarantine WHERE run_id = ?", [run_id])
        _add_missing_columns(conn, "audit.quarantine", {"sheet": pl.String})
    append_table(conn, "audit.quarantine", q)
    for row in pl.concat(accounting).iter_rows(named=True):
        conn.execute("UPDATE audit.input_files SET rows_accepted = ?, rows_quarantined = ? "
                     "WHERE run_id = ? AND file = ?", [row["rows_accepted"], row["rows_quarantined"], run_id,
                                                       row["file"]])
    return query(conn, """SELECT registry, file, rows_in, COALESCE(rows_accepted, 0) AS rows_accepted,
                                 COALESCE(rows_quarantined, 0) AS rows_quarantined FROM audit.input_files
                          WHERE run_id = ? AND status = 'read' ORDER BY registry, file""", [run_id])


def _chunks(conn: duckdb.DuckDBPyConnection, name: str, spec: Registry, chunk_rows: int,
            folder: Path) -> list[str | Path]:
    """staging.<name> in parts of about `chunk_rows` rows split by a hash of the key, so that all rows of one key
    (duplicates included) are validated together and memory stays bounded. The split is written once (Parquet, one
    folder per part) rather than filtered per part: linear in the rows. A part is its folder, or a query (the one
    part of a small registry, an empty part)."""
    rows = conn.execute(f"SELECT count(*) FROM staging.{name}").fetchone()[0]
    parts = max(1, -(-rows // chunk_rows))
    if parts == 1:
        return [f"SELECT * FROM staging.{name}"]
    shutil.rmtree(folder, ignore_errors=True)
    key = ", ".join(f"COALESCE({c}, '')" for c in spec.key)
    conn.execute(f"COPY (SELECT *, hash({key}) % {parts} AS _part FROM staging.{name}) "
                 f"TO {sql_literal(str(folder))} (FORMAT parquet, PARTITION_BY (_part))")
    return [folder / f"_part={i}" if (folder / f"_part={i}").exists()
            else f"FROM (SELECT * FROM staging.{name} LIMIT 0)"  # an empty part (ORDER BY is added after it)
            for i in range(parts)]


def _read_part(conn: duckdb.DuckDBPyConnection, source: str | Path) -> pl.DataFrame:
    """A part's text rows in the order of their files (_file, _sheet, _row; nulls last, as DuckDB orders them). A
    folder is read and sorted by polars: through DuckDB (sort, then Arrow) a part of 1.8 M rows cost 2.4 s of CPU,
    polars 1 s."""
    if isinstance(source, Path):
        return pl.read_parquet(source / "*.parquet", hive_partitioning=False).sort("_file", "_sheet", "_row",
                                                                                    nulls_last=True)
    return query(conn, f"{source} ORDER BY _file, _sheet, _row")


def _detached(frame: pl.DataFrame) -> pl.DataFrame:
    return pl.from_arrow(frame.to_arrow())


def _validate_chunks(conn: duckdb.DuckDBPyConnection, name: str, spec: Registry, ctx: validate.Context,
                     chunks: list[str | Path], settings: Settings,
                     log) -> tuple[pl.DataFrame, pl.DataFrame, list[Path]]:
    """Validate each chunk and write its typed rows to a Parquet file in data/build/staging; (quarantine, rows
    accepted per file, the typed files)."""
    quarantines, counts, typed_files = [], [], []
    for i, source in enumerate(chunks, start=1):
        text = _read_part(conn, source)
        accepted, quarantine = validate.validate(text, spec, ctx)
        typed_files.append(settings.staging_dir / f"{name}.typed-{i}.parquet")
        validate.typed(accepted, spec, settings.pseudonym_salt).write_parquet(typed_files[-1])
        # A frame filtered from the part's text keeps the part's string buffers alive (polars string views):
        # through Arrow the kept rows get buffers of their own (at 1 M firms, 0.27 GiB kept per part otherwise).
        quarantines.append(_detached(quarantine))
        counts.append(accepted.group_by("_file").len("rows_accepted"))
        if len(chunks) > 1:
            log(f"validated {name}: part {i} of {len(chunks)} ({text.height:,} rows)")
        del text, accepted
    accepted = pl.concat(counts).group_by("_file").agg(pl.col("rows_accepted").sum())
    quarantine = pl.concat(quarantines, how="vertical_relaxed").sort("_file", "_sheet", "_row", maintain_order=True)
    return quarantine, accepted, typed_files


def _per_file_counts(accepted: pl.DataFrame, quarantine: pl.DataFrame, registry: str) -> pl.DataFrame:
    """Rows accepted and distinct rows quarantined per file: audit.input_files holds them beside the records counted
    on reading, and the rows_accounted_for check compares the two."""
    bad = quarantine.group_by("_file").agg(pl.struct("_sheet", "_row").n_unique().alias("rows_quarantined"))
    out = accepted.join(bad, on="_file", how="full", coalesce=True).with_columns(
        pl.col("rows_accepted", "rows_quarantined").fill_null(0))
    return out.select(pl.lit(registry).alias("registry"), pl.col("_file").alias("file"), "rows_accepted",
                      "rows_quarantined")


class CatalogueChanged(RuntimeError):
    """The catalogue files differ from the catalogue.* tables the ledger's SQL reads (shares, caps, schedules)."""


def compute_ledger(conn: duckdb.DuckDBPyConnection, cat: catalogue_mod.Catalogue, run_id: str, as_of_year: int) -> dict:
    written = conn.execute("SELECT catalogue_version FROM catalogue.version").fetchone()[0]
    if written != cat.version:
        raise CatalogueChanged(f"seeds/catalogue is version {cat.version} but the warehouse holds {written}: "
                               "materialize policy_catalogue first (or run the whole nightly job)")
    build_ledger(conn, cat, run_id, as_of_year)
    stats = conn.execute("SELECT count(*), COALESCE(sum(amount_yuan), 0) FROM ledger.liabilities").fetchone()
    return {"ledger_rows": stats[0], "total_yuan": str(stats[1])}


def ensure_runs_table(conn: duckdb.DuckDBPyConnection) -> None:
    ensure_schemas(conn)
    conn.execute("""CREATE TABLE IF NOT EXISTS audit.runs (run_id VARCHAR PRIMARY KEY, started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ, status VARCHAR, code_version VARCHAR, catalogue_version VARCHAR,
        parameters JSON)""")


STARTED, PUBLISHED, UNPUBLISHED, INTERRUPTED = "started", "published", "unpublished", "interrupted"


def record_run(conn: duckdb.DuckDBPyConnection, run_id: str, status: str, *, started_at: float | None = None,
               cat_version: str | None = None, params: dict | None = None, code_version: str | None = None,
               finished_at: datetime | None = None) -> bool:
    """Write a run's status to audit.runs; False if the row already holds a final status. A status only moves on
    from `started` (to `failed at …`, `unpublished`, `interrupted` or `published`), so the first failure is the one
    kept; `published` replaces anything, since the published file itself shows it. Values not given are kept."""
    ensure_runs_table(conn)
    row = conn.execute("SELECT status, started_at, catalogue_version, parameters, code_version FROM audit.runs "
                       "WHERE run_id = ?", [run_id]).fetchone()
    if row and (row[0] == status != STARTED or (row[0] != STARTED and status != PUBLISHED)):
        return False
    old = row or (None,) * 5
    started = old[1] or (datetime.fromtimestamp(started_at, UTC) if started_at is not None else None)
    finished = None if status == STARTED else (finished_at or datetime.now(UTC))
    conn.execute("INSERT OR REPLACE INTO audit.runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                 [run_id, started, finished, status, code_version or old[4], cat_version or old[2],
                  json.dumps(params, ensure_ascii=False) if params is not None else old[3]])
    return True


def other_kinds(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Ledger amounts that are not budget spending (equity, revenue forgone …), per kind, in 万元."""
    return query(conn, """SELECT kind, CAST(sum(amount_yuan) / 10000 AS DECIMAL(18, 2)) AS wan_yuan
                          FROM ledger.liabilities WHERE kind NOT IN ('spending', 'programme')
                          GROUP BY ALL ORDER BY ALL""")


def summary(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Budget spending (kinds spending and programme) per payment year (rows) and paying level (columns), in
    万元; equity, revenue forgone and the other kinds are reported apart (other_kinds)."""
    frame = query(conn, """
        SELECT payment_year, paying_level, CAST(sum(amount_yuan) / 10000 AS DECIMAL(18, 2)) AS wan_yuan
        FROM ledger.liabilities WHERE kind IN ('spending', 'programme') GROUP BY ALL ORDER BY ALL""")
    if frame.is_empty():
        return frame
    levels = [lvl for lvl in ("central", "region", "city", "banner") if lvl in frame["paying_level"].unique()]
    wide = frame.pivot(on="paying_level", index="payment_year", values="wan_yuan").fill_null(0)
    return wide.select(pl.col("payment_year").cast(pl.String), *levels).with_columns(
        total=pl.sum_horizontal(levels)).sort("payment_year")


def compare_with_last_published(conn: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> pl.DataFrame:
    """Per registry of the contract: the files read tonight, rows accepted, and the same figure of the last
    published run (audit.registry_arrivals). A registry with no file read is `missing`; one whose accepted rows
    fell by more than settings.max_row_drop_share is `held` until a person confirms it (NMG_CONFIRM_DROP)."""
    ensure_runs_table(conn)
    now = query(conn, """SELECT registry, count(*) FILTER (status = 'read') AS files_read,
                                CAST(COALESCE(sum(rows_accepted) FILTER (status = 'read'), 0) AS BIGINT)
                                  AS rows_accepted
                         FROM audit.input_files WHERE run_id = ? AND registry IS NOT NULL GROUP BY registry""",
                [run_id])
    last = conn.execute("""SELECT run_id, finished_at FROM audit.runs WHERE run_id <> ?
                           AND status IN ('succeeded', 'published') ORDER BY finished_at DESC LIMIT 1""",
                        [run_id]).fetchone()
    before = query(conn, """SELECT registry, CAST(sum(rows_accepted) AS BIGINT) AS previous_rows_accepted
                            FROM audit.input_files
                            WHERE run_id = ? AND status = 'read' GROUP BY registry""", [last[0] if last else ""])
    frame = pl.DataFrame({"registry": list(LOAD_ORDER)}).join(now, on="registry", how="left").join(
        before, on="registry", how="left").with_columns(
        pl.col("files_read", "rows_accepted").fill_null(0),
        pl.lit(last[0] if last else None, pl.String).alias("previous_run_id"),
    ).with_columns(
        pl.when(pl.col("previous_rows_accepted") > 0)
        .then(1 - pl.col("rows_accepted").cast(pl.Float64) / pl.col("previous_rows_accepted")).alias("drop_share"))
    confirmed = settings.confirmed_drops
    frame = frame.with_columns(
        pl.when(pl.col("files_read") == 0).then(pl.lit("missing"))
        .when(pl.col("drop_share") > settings.max_row_drop_share)
        .then(pl.when(pl.col("registry").is_in(confirmed)).then(pl.lit("confirmed")).otherwise(pl.lit("held")))
        .otherwise(pl.lit("ok")).alias("status"),
        pl.lit(run_id).alias("run_id"),
    ).select("run_id", "registry", "files_read", "rows_accepted", "previous_run_id", "previous_rows_accepted",
             "drop_share", "status")
    if _exists(conn, "audit.registry_arrivals"):
        conn.execute("DELETE FROM audit.registry_arrivals WHERE run_id = ?", [run_id])
    append_table(conn, "audit.registry_arrivals", frame)
    return frame
