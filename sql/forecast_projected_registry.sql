-- Projected registries for one driver path (docs/forecast.md): the cases of the forecast years, built from
-- the registry's own recent cases so that the catalogue and the ledger SQL apply to them unchanged.
-- Runs inside the forecast's scratch database; ${main} is the build database, ${registry} its registry schema.
-- Inputs: projection.targets (driver_kind, driver_key, year, target) — the path's driver values for the
-- projected years; projection.templates (driver_kind, driver_key, value) — the same drivers in the template
-- year ${template_year} (the last year the history holds).
--   metric flow:  the template year's rows, value scaled by target / template value (growth of the total)
--   metric event: round(target) firms drawn from the firms with the metric in the last ${pool_years} years
--                 (most recent first, then a fixed hash order); at most every pool firm once a year
--   talent / project: round(target) cases drawn the same way from the cases of the last ${pool_years} years,
--                 cycling through the pool when it is smaller (a repeated case gets a new id: "~year.k"),
--                 dates moved into the projected year
CREATE OR REPLACE VIEW projection.enterprises AS SELECT * FROM ${main}.${registry}.enterprises;

CREATE OR REPLACE TABLE projection.future_metrics AS
WITH flow AS (
    SELECT m.uscc, CAST(t.year AS INTEGER) AS year, m.metric,
           -- an estimate, scaled in DOUBLE and rounded to the registry's 4 decimals: deterministic, and 15x
           -- faster than the exact DECIMAL(38,10) product's rounding (7.5 s of 10 per path at 1M firms)
           CAST(CAST(m.value AS DOUBLE) * (t.target / p.value) AS DECIMAL(20, 4)) AS value, m.unit
    FROM ${main}.${registry}.enterprise_metrics AS m
    JOIN ref.metrics AS r USING (metric)
    JOIN projection.templates AS p ON p.driver_kind = 'metric' AND p.driver_key = m.metric
    JOIN projection.targets AS t ON t.driver_kind = 'metric' AND t.driver_key = m.metric
    WHERE r.projection = 'flow' AND m.year = ${template_year} AND p.value > 0
),
event_pool AS (
    SELECT m.uscc, m.metric, m.value, m.unit, m.year AS source_year
    FROM ${main}.${registry}.enterprise_metrics AS m JOIN ref.metrics AS r USING (metric)
    WHERE r.projection = 'event' AND m.value > 0
      AND m.year BETWEEN ${template_year} - ${pool_years} + 1 AND ${template_year}
    QUALIFY row_number() OVER (PARTITION BY m.uscc, m.metric ORDER BY m.year DESC) = 1
),
event AS (
    SELECT e.uscc, CAST(t.year AS INTEGER) AS year, e.metric, e.value, e.unit
    FROM event_pool AS e
    JOIN projection.targets AS t ON t.driver_kind = 'metric' AND t.driver_key = e.metric
    QUALIFY row_number() OVER (PARTITION BY e.metric, t.year
                               ORDER BY e.source_year DESC, md5(e.uscc || t.year)) <= round(t.target)
)
SELECT * FROM flow UNION ALL BY NAME SELECT * FROM event
ORDER BY metric, year, uscc;  -- as registry.enterprise_metrics: rules' scans skip other metrics

CREATE OR REPLACE VIEW projection.enterprise_metrics AS
SELECT uscc, year, metric, value, unit FROM ${main}.${registry}.enterprise_metrics WHERE year <= ${template_year}
UNION ALL
SELECT uscc, year, metric, value, unit FROM projection.future_metrics;

CREATE OR REPLACE TABLE projection.talents AS
WITH pool AS (
    SELECT t.*, year(t.arrival_date) AS source_year,
           row_number() OVER (PARTITION BY t.category ORDER BY year(t.arrival_date) DESC, md5(t.talent_id)) AS pool_rank,
           count(*) OVER (PARTITION BY t.category) AS pool_size
    FROM ${main}.${registry}.talents AS t
    WHERE year(t.arrival_date) BETWEEN ${template_year} - ${pool_years} + 1 AND ${template_year}
),
sizes AS (SELECT category, count(*) AS pool_size FROM pool GROUP BY ALL),
draws AS (  -- the n-th case of a year is pool case ((n - 1) mod size) + 1, in its ((n - 1) div size)-th cycle
    SELECT t.driver_key AS category, CAST(t.year AS INTEGER) AS year, (d.n - 1) // s.pool_size AS cycle,
           (d.n - 1) % s.pool_size + 1 AS pool_rank
    FROM projection.targets AS t JOIN sizes AS s ON s.category = t.driver_key
    CROSS JOIN LATERAL range(1, CAST(round(t.target) AS BIGINT) + 1) AS d(n)
    WHERE t.driver_kind = 'talent'
)
SELECT p.* EXCLUDE (source_year, pool_rank, pool_size) REPLACE (
           p.talent_id || '~' || d.year || '.' || d.cycle AS talent_id,
           p.person_key || '~' || d.year || '.' || d.cycle AS person_key,
           p.arrival_date + to_years(d.year - p.source_year) AS arrival_date,
           p.departure_date + to_years(d.year - p.source_year) AS departure_date)
FROM draws AS d JOIN pool AS p USING (category, pool_rank);  -- an equi-join: linear in the draws

CREATE OR REPLACE TABLE projection.projects AS
WITH pool AS (
    SELECT p.*, year(COALESCE(p.completion_date, p.start_date)) AS source_year,
           row_number() OVER (PARTITION BY p.project_type
                              ORDER BY year(COALESCE(p.completion_date, p.start_date)) DESC, md5(p.project_id))
               AS pool_rank,
           count(*) OVER (PARTITION BY p.project_type) AS pool_size
    FROM ${main}.${registry}.projects AS p
    WHERE year(COALESCE(p.completion_date, p.start_date))
          BETWEEN ${template_year} - ${pool_years} + 1 AND ${template_year}
),
sizes AS (SELECT project_type, count(*) AS pool_size FROM pool GROUP BY ALL),
draws AS (
    SELECT t.driver_key AS project_type, CAST(t.year AS INTEGER) AS year, (d.n - 1) // s.pool_size AS cycle,
           (d.n - 1) % s.pool_size + 1 AS pool_rank
    FROM projection.targets AS t JOIN sizes AS s ON s.project_type = t.driver_key
    CROSS JOIN LATERAL range(1, CAST(round(t.target) AS BIGINT) + 1) AS d(n)
    WHERE t.driver_kind = 'project'
)
SELECT p.* EXCLUDE (source_year, pool_rank, pool_size) REPLACE (
           p.project_id || '~' || d.year || '.' || d.cycle AS project_id,
           p.start_date + to_years(d.year - p.source_year) AS start_date,
           p.completion_date + to_years(d.year - p.source_year) AS completion_date)
FROM draws AS d JOIN pool AS p USING (project_type, pool_rank);
