-- Totals reconcile, level by level (every row should show difference_yuan = 0):
--   paid awards (ledger.awards) = their payments (ledger.payments, less instalments stopped by a departure and
--   payments due before a policy took effect, before_validity)
--   = the ledger's lines summed over levels (ledger.liabilities) = the mart (marts.*), per payment year;
--   and the forecast's levels add up to its total, per year.
WITH paid AS (
    SELECT payment_year, CAST(sum(amount_fen) AS DECIMAL(38, 0)) * 0.01 AS yuan FROM ledger.payments
    WHERE NOT stopped_by_departure AND NOT before_validity GROUP BY ALL
),
lines AS (SELECT payment_year, sum(amount_yuan) AS yuan FROM ledger.liabilities GROUP BY ALL),
mart AS (SELECT payment_year, sum(amount_yuan) AS yuan FROM marts.liabilities_by_year_level_region_rule GROUP BY ALL),
forecast_levels AS (SELECT payment_year, sum(total_p50_yuan) AS yuan FROM forecast.by_year_level GROUP BY ALL),
forecast_lines AS (
    SELECT payment_year, sum(amount_p50) AS yuan FROM forecast.liabilities
    WHERE kind IN ('spending', 'programme') GROUP BY ALL
)
SELECT 'payments vs ledger lines' AS comparison, p.payment_year, p.yuan AS left_yuan, l.yuan AS right_yuan,
       COALESCE(l.yuan, 0) - p.yuan AS difference_yuan
FROM paid AS p FULL JOIN lines AS l USING (payment_year)
UNION ALL
SELECT 'ledger lines vs mart', l.payment_year, l.yuan, m.yuan, COALESCE(m.yuan, 0) - l.yuan
FROM lines AS l FULL JOIN mart AS m USING (payment_year)
UNION ALL
SELECT 'forecast lines vs levels', f.payment_year, f.yuan, v.yuan, COALESCE(v.yuan, 0) - f.yuan
FROM forecast_lines AS f FULL JOIN forecast_levels AS v USING (payment_year)
ORDER BY comparison, payment_year;
