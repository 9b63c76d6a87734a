-- Forecast liabilities for the payment years ${first_year}-${last_year}, by paying level, paying region and rule,
-- in two parts kept apart:
--   committed — payments of awards already in the ledger (award year <= ${last_complete}: later instalments,
--               multi-year allowances, next-year payments) and the programme budgets the texts fix by year;
--   forecast  — new take-up: awards of the forecast years from the projected registries, one engine run per
--               driver quantile (forecast.path_lines).
-- amount_p50 is the point forecast; p10/p90 bound the 80% interval and p025/p975 the 95% interval (every driver
-- at the same quantile: see docs/forecast.md). Committed amounts are known: all five columns are equal.
-- Every column adds up across regions and levels (each quantile is one coherent ledger), so the banner, city and
-- region figures reconcile to the total.
CREATE OR REPLACE TABLE forecast.liabilities AS
WITH committed AS (
    SELECT payment_year, paying_level, paying_region_code, rule_id, document, kind, split_specified,
           'committed' AS part, sum(amount_yuan) AS amount
    FROM ledger.liabilities
    WHERE payment_year BETWEEN ${first_year} AND ${last_year}
      AND (award_year <= ${last_complete} OR beneficiary_kind = 'programme')
    GROUP BY ALL
),
new_take_up AS (
    SELECT payment_year, paying_level, paying_region_code, rule_id, document, kind, split_specified,
           'forecast' AS part,
           sum(amount_yuan) FILTER (WHERE quantile = 0.025) AS p025,
           sum(amount_yuan) FILTER (WHERE quantile = 0.1) AS p10,
           sum(amount_yuan) FILTER (WHERE quantile = 0.5) AS p50,
           sum(amount_yuan) FILTER (WHERE quantile = 0.9) AS p90,
           sum(amount_yuan) FILTER (WHERE quantile = 0.975) AS p975,
           max(cases) FILTER (WHERE quantile = 0.5) AS cases_p50
    FROM forecast.path_lines
    WHERE payment_year BETWEEN ${first_year} AND ${last_year}
    GROUP BY ALL
)
SELECT ${run_id} AS run_id, payment_year, paying_level, paying_region_code, rule_id, document, kind,
       split_specified, part,
       CAST(amount AS DECIMAL(18, 2)) AS amount_p025, CAST(amount AS DECIMAL(18, 2)) AS amount_p10,
       CAST(amount AS DECIMAL(18, 2)) AS amount_p50, CAST(amount AS DECIMAL(18, 2)) AS amount_p90,
       CAST(amount AS DECIMAL(18, 2)) AS amount_p975, CAST(NULL AS BIGINT) AS cases_p50
FROM committed
UNION ALL
SELECT ${run_id}, payment_year, paying_level, paying_region_code, rule_id, document, kind, split_specified, part,
       CAST(COALESCE(p025, 0) AS DECIMAL(18, 2)), CAST(COALESCE(p10, 0) AS DECIMAL(18, 2)),
       CAST(COALESCE(p50, 0) AS DECIMAL(18, 2)), CAST(COALESCE(p90, 0) AS DECIMAL(18, 2)),
       CAST(COALESCE(p975, 0) AS DECIMAL(18, 2)), cases_p50
FROM new_take_up
ORDER BY payment_year, paying_level, paying_region_code, rule_id, part;

-- Budget view: by payment year and paying level, budget spending only (kinds spending and programme; equity and
-- revenue forgone are in forecast.liabilities with their kind). Totals = committed + forecast, per quantile.
CREATE OR REPLACE TABLE forecast.by_year_level AS
SELECT payment_year, paying_level,
       CAST(sum(amount_p50) FILTER (WHERE part = 'committed') AS DECIMAL(18, 2)) AS committed_yuan,
       CAST(COALESCE(sum(amount_p50) FILTER (WHERE part = 'forecast'), 0) AS DECIMAL(18, 2)) AS forecast_p50_yuan,
       CAST(sum(amount_p025) AS DECIMAL(18, 2)) AS total_p025_yuan,
       CAST(sum(amount_p10) AS DECIMAL(18, 2)) AS total_p10_yuan,
       CAST(sum(amount_p50) AS DECIMAL(18, 2)) AS total_p50_yuan,
       CAST(sum(amount_p90) AS DECIMAL(18, 2)) AS total_p90_yuan,
       CAST(sum(amount_p975) AS DECIMAL(18, 2)) AS total_p975_yuan
FROM forecast.liabilities
WHERE kind IN ('spending', 'programme')
GROUP BY ALL
ORDER BY payment_year, paying_level;

-- The same by paying region (banner, city, region …), for the drill-down; adds up to forecast.by_year_level.
CREATE OR REPLACE TABLE forecast.by_year_level_region AS
SELECT l.payment_year, l.paying_level, l.paying_region_code, g.name_zh AS paying_region_name,
       CAST(COALESCE(sum(l.amount_p50) FILTER (WHERE l.part = 'committed'), 0) AS DECIMAL(18, 2)) AS committed_yuan,
       CAST(COALESCE(sum(l.amount_p50) FILTER (WHERE l.part = 'forecast'), 0) AS DECIMAL(18, 2)) AS forecast_p50_yuan,
       CAST(sum(l.amount_p025) AS DECIMAL(18, 2)) AS total_p025_yuan,
       CAST(sum(l.amount_p10) AS DECIMAL(18, 2)) AS total_p10_yuan,
       CAST(sum(l.amount_p50) AS DECIMAL(18, 2)) AS total_p50_yuan,
       CAST(sum(l.amount_p90) AS DECIMAL(18, 2)) AS total_p90_yuan,
       CAST(sum(l.amount_p975) AS DECIMAL(18, 2)) AS total_p975_yuan
FROM forecast.liabilities AS l LEFT JOIN ref.regions AS g ON g.region_code = l.paying_region_code
WHERE l.kind IN ('spending', 'programme')
GROUP BY ALL
ORDER BY ALL;

-- Registered so far in the current year (awards of the forecast's first years already in the registry: e.g.
-- talents who arrived this year), shown beside the forecast of the same years; not added to it.
CREATE OR REPLACE TABLE forecast.recorded_to_date AS
SELECT award_year, paying_level, CAST(sum(amount_yuan) AS DECIMAL(18, 2)) AS awarded_yuan,
       count(DISTINCT object_id) AS cases
FROM ledger.liabilities
WHERE award_year > ${last_complete} AND beneficiary_kind <> 'programme' AND kind IN ('spending', 'programme')
GROUP BY ALL
ORDER BY ALL;
