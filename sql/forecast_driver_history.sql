-- Driver history: the yearly series the forecast models (docs/forecast.md), one row per driver and year up to
-- the last complete year, zero-filled from the registry's first year. A driver is what the rules consume:
--   metric flow  — the total of a yearly quantity (ref.metrics.projection = 'flow'), e.g. raw milk processed
--   metric event — the number of firms with an honour/approval/count in the year (projection = 'event')
--   talent       — arrivals per talent category
--   project      — projects per type, by cohort year (completion year, or start year while not completed)
CREATE OR REPLACE TABLE ${target} AS
WITH observed AS (
    SELECT 'metric' AS driver_kind, m.metric AS driver_key, m.year,
           CASE WHEN r.projection = 'event' THEN count(DISTINCT m.uscc) FILTER (WHERE m.value > 0)
                ELSE sum(m.value) END AS value
    FROM ${registry_schema}.enterprise_metrics AS m JOIN ref.metrics AS r USING (metric)
    WHERE m.year <= ${last_year}
    GROUP BY m.metric, m.year, r.projection
    UNION ALL
    SELECT 'talent', category, year(arrival_date), count(*)
    FROM ${registry_schema}.talents WHERE year(arrival_date) <= ${last_year} GROUP BY ALL
    UNION ALL
    SELECT 'project', project_type, year(COALESCE(completion_date, start_date)), count(*)
    FROM ${registry_schema}.projects WHERE year(COALESCE(completion_date, start_date)) <= ${last_year} GROUP BY ALL
),
spans AS (  -- each kind's series start at the kind's first observed year
    SELECT driver_kind, min(year) AS first_year FROM observed GROUP BY ALL
),
grid AS (
    SELECT DISTINCT o.driver_kind, o.driver_key, CAST(y.year AS INTEGER) AS year
    FROM observed AS o JOIN spans AS s USING (driver_kind)
    CROSS JOIN LATERAL range(s.first_year, ${last_year} + 1) AS y(year)
)
SELECT g.driver_kind, g.driver_key, g.year, CAST(COALESCE(o.value, 0) AS DOUBLE) AS value
FROM grid AS g LEFT JOIN observed AS o USING (driver_kind, driver_key, year)
ORDER BY ALL;
