-- Each scenario against the baseline by payment year and paying level, budget spending (kinds spending and
-- programme): baseline = committed + forecast (median) from forecast.by_year_level; scenario = baseline + the
-- scenario's difference on the rules it changes (scenarios.rule_deltas). Only scenarios that succeeded: a failed
-- one is listed in scenarios.definitions with its message, and has no figures here.
CREATE OR REPLACE TABLE scenarios.by_year_level AS
WITH deltas AS (
    SELECT scenario, payment_year, paying_level, sum(delta_yuan) AS delta_yuan
    FROM scenarios.rule_deltas WHERE kind IN ('spending', 'programme') GROUP BY ALL
),
keys AS (
    SELECT d.scenario, b.payment_year, b.paying_level
    FROM scenarios.definitions AS d CROSS JOIN forecast.by_year_level AS b
    WHERE d.status = 'succeeded'
    UNION
    SELECT scenario, payment_year, paying_level FROM deltas
)
SELECT k.scenario, k.payment_year, k.paying_level,
       CAST(COALESCE(b.total_p50_yuan, 0) AS DECIMAL(18, 2)) AS baseline_yuan,
       CAST(COALESCE(b.total_p50_yuan, 0) + COALESCE(d.delta_yuan, 0) AS DECIMAL(18, 2)) AS scenario_yuan,
       CAST(COALESCE(d.delta_yuan, 0) AS DECIMAL(18, 2)) AS delta_yuan
FROM keys AS k
LEFT JOIN forecast.by_year_level AS b USING (payment_year, paying_level)
LEFT JOIN deltas AS d USING (scenario, payment_year, paying_level)
ORDER BY k.scenario, k.payment_year, k.paying_level;
