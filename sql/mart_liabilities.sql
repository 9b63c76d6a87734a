-- Mart for dashboards and budget tables: liabilities by payment year × paying level × paying region × rule.
CREATE OR REPLACE TABLE marts.liabilities_by_year_level_region_rule AS
SELECT l.payment_year, l.paying_level, l.paying_region_code, g.name_zh AS paying_region_name,
       l.document, l.rule_id, r.title AS rule_title, l.kind, l.split_specified, l.timing,
       count(DISTINCT l.object_id) AS beneficiaries,
       CAST(sum(l.amount_yuan) AS DECIMAL(18, 2)) AS amount_yuan
FROM ledger.liabilities AS l
JOIN catalogue.rules AS r USING (rule_id)
LEFT JOIN ref.regions AS g ON g.region_code = l.paying_region_code
GROUP BY ALL
ORDER BY payment_year, paying_level, paying_region_code, rule_id;
