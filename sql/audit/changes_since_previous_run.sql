-- What changed since the previous run: attach the previous snapshot as prev, then compare.
-- Usage:
--   ATTACH 'data/warehouse/snapshots/warehouse-<previous run id>.duckdb' AS prev (READ_ONLY);
--   .read sql/audit/changes_since_previous_run.sql
-- One row per change: the catalogue version, an input file (by SHA-256), or a rule's amount in a payment year
-- and level.
WITH cat AS (
    SELECT 'catalogue version' AS what, p.catalogue_version AS before, c.catalogue_version AS now
    FROM prev.catalogue.version AS p, catalogue.version AS c WHERE p.catalogue_version <> c.catalogue_version
),
files_now AS (SELECT file, sha256 FROM audit.input_files WHERE run_id = (SELECT max_by(run_id, finished_at)
              FROM audit.runs WHERE status IN ('published', 'succeeded'))),
files_before AS (SELECT file, sha256 FROM prev.audit.input_files WHERE run_id = (SELECT max_by(run_id, finished_at)
                 FROM prev.audit.runs WHERE status IN ('published', 'succeeded'))),
files AS (
    SELECT 'input file ' || COALESCE(n.file, b.file) AS what, b.sha256 AS before, n.sha256 AS now
    FROM files_now AS n FULL JOIN files_before AS b USING (file) WHERE n.sha256 IS DISTINCT FROM b.sha256
),
amounts_now AS (SELECT rule_id, payment_year, paying_level, sum(amount_yuan) AS yuan FROM ledger.liabilities GROUP BY ALL),
amounts_before AS (SELECT rule_id, payment_year, paying_level, sum(amount_yuan) AS yuan FROM prev.ledger.liabilities
                   GROUP BY ALL),
amounts AS (
    SELECT 'ledger ' || rule_id || ' ' || payment_year || ' ' || paying_level AS what,
           CAST(b.yuan AS VARCHAR) AS before, CAST(n.yuan AS VARCHAR) AS now
    FROM amounts_now AS n FULL JOIN amounts_before AS b USING (rule_id, payment_year, paying_level)
    WHERE n.yuan IS DISTINCT FROM b.yuan
)
SELECT * FROM cat UNION ALL SELECT * FROM files UNION ALL SELECT * FROM amounts ORDER BY what;
