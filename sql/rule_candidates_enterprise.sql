-- Award candidates of one enterprise rule whose inputs are yearly metrics (e.g. NMG2024 item 11).
-- The dollar-brace placeholders are filled by dagster_project/ledger.py with SQL that formulas.py regenerated from a
-- parsed, whitelisted catalogue expression, or with literals quoted by sqlglot: never raw catalogue text.
-- The firm filter below holds the eligibility's tests of the firm alone (e.g. city_code = '150600'), or TRUE: applied
-- before the pivot, so a rule for one city pivots that city's firm-years only (the full eligibility follows).
WITH firms AS (
    SELECT e.*, g.parent_code AS city_code, COALESCE(g.host_banner, e.region_code) AS banner_code
    FROM ${registry_schema}.enterprises AS e JOIN ref.regions AS g ON g.region_code = e.region_code
),
award_years AS (
    SELECT DISTINCT uscc, year AS award_year
    FROM ${registry_schema}.enterprise_metrics
    WHERE metric IN (${metrics}) AND year BETWEEN ${first_year} AND ${last_year} AND ${firm_filter}
),
variables AS (
    SELECT y.uscc, y.award_year, ${variable_columns}
    FROM award_years AS y
    JOIN ${registry_schema}.enterprise_metrics AS m
      ON m.uscc = y.uscc AND m.metric IN (${metrics})
     AND m.year BETWEEN y.award_year + ${min_offset} AND y.award_year + ${max_offset}
    GROUP BY y.uscc, y.award_year
),
base AS (
    SELECT f.*, v.* EXCLUDE (uscc) FROM variables AS v JOIN firms AS f USING (uscc)
)
SELECT
    ${rule_id} AS rule_id,
    'enterprise' AS beneficiary_kind,
    uscc AS beneficiary_id,
    uscc AS object_id,
    region_code,
    award_year,
    make_date(award_year, 1, 1) AS starts_on,
    CAST(NULL AS DATE) AS ends_on,
    ${inputs_json} AS inputs,
    ${tier_label} AS tier,
    CAST(${amount} AS DECIMAL(38, 10)) AS gross_yuan
FROM base
WHERE (${eligibility}) AND (${amount}) IS NOT NULL
