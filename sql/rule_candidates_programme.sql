-- Award candidates of one fixed programme budget (e.g. NMG2024 item 4: 安排1.4亿元支持种业): one line per budget
-- year, a liability of the named level and region, not driven by the registries.
SELECT
    rule_id,
    'programme' AS beneficiary_kind,
    rule_id AS beneficiary_id,
    rule_id || '/' || budget_year || CASE WHEN line_no > 1 THEN '/' || line_no ELSE '' END AS object_id,
    region_code,
    budget_year AS award_year,
    make_date(budget_year, 1, 1) AS starts_on,
    CAST(NULL AS DATE) AS ends_on,
    json_object('budget_year', budget_year, 'amount_yuan', amount_yuan) AS inputs,
    CAST(NULL AS VARCHAR) AS tier,
    CAST(amount_yuan AS DECIMAL(38, 10)) AS gross_yuan
FROM catalogue.programme_lines
WHERE rule_id = ${rule_id}
