-- Forecast figures that do not add up (should return no rows): each row names what failed.
-- 1. forecast.by_year_level = forecast.liabilities summed by year and level, for every quantile column;
-- 2. forecast.by_year_level_region summed over regions = forecast.by_year_level;
-- 3. the forecast part of every quantile = that quantile's projected ledger lines (forecast.path_lines);
-- 4. no negative amount.
WITH lines AS (
    SELECT payment_year, paying_level, sum(amount_p025) AS p025, sum(amount_p10) AS p10, sum(amount_p50) AS p50,
           sum(amount_p90) AS p90, sum(amount_p975) AS p975
    FROM forecast.liabilities WHERE kind IN ('spending', 'programme') GROUP BY ALL
),
regions AS (
    SELECT payment_year, paying_level, sum(total_p025_yuan) AS p025, sum(total_p10_yuan) AS p10,
           sum(total_p50_yuan) AS p50, sum(total_p90_yuan) AS p90, sum(total_p975_yuan) AS p975
    FROM forecast.by_year_level_region GROUP BY ALL
),
paths AS (
    SELECT quantile, sum(amount_yuan) AS amount FROM forecast.path_lines
    WHERE payment_year IN (SELECT DISTINCT payment_year FROM forecast.liabilities) GROUP BY ALL
),
parts AS (
    SELECT unnest([0.025, 0.1, 0.5, 0.9, 0.975]) AS quantile,
           unnest([sum(amount_p025), sum(amount_p10), sum(amount_p50), sum(amount_p90), sum(amount_p975)]) AS amount
    FROM forecast.liabilities WHERE part = 'forecast'
)
SELECT 'by_year_level differs from the lines: ' || l.payment_year || ' ' || l.paying_level AS failure
FROM lines AS l LEFT JOIN forecast.by_year_level AS b USING (payment_year, paying_level)
WHERE (l.p025, l.p10, l.p50, l.p90, l.p975) IS DISTINCT FROM
      (b.total_p025_yuan, b.total_p10_yuan, b.total_p50_yuan, b.total_p90_yuan, b.total_p975_yuan)
UNION ALL
SELECT 'regions do not add up to the level: ' || r.payment_year || ' ' || r.paying_level
FROM regions AS r LEFT JOIN forecast.by_year_level AS b USING (payment_year, paying_level)
WHERE (r.p025, r.p10, r.p50, r.p90, r.p975) IS DISTINCT FROM
      (b.total_p025_yuan, b.total_p10_yuan, b.total_p50_yuan, b.total_p90_yuan, b.total_p975_yuan)
UNION ALL
SELECT 'forecast part differs from the projected ledger at quantile ' || p.quantile
FROM paths AS p LEFT JOIN parts AS f USING (quantile)
WHERE COALESCE(f.amount, 0) <> p.amount
UNION ALL
SELECT 'negative amount: ' || rule_id || ' ' || payment_year
FROM forecast.liabilities WHERE least(amount_p025, amount_p10, amount_p50, amount_p90, amount_p975) < 0;
