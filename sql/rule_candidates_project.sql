-- Award candidates of one project rule (award year = the trigger date's year, e.g. completion: 先建后补).
-- Placeholders: see rule_candidates_enterprise.sql.
WITH base AS (
    SELECT p.*, g.parent_code AS city_code, COALESCE(g.host_banner, p.region_code) AS banner_code,
           year(p.${trigger}) AS award_year
    FROM ${registry_schema}.projects AS p
    JOIN ref.regions AS g ON g.region_code = p.region_code
    WHERE p.${trigger} BETWEEN ${valid_from} AND ${valid_to}
)
SELECT
    ${rule_id} AS rule_id,
    'project' AS beneficiary_kind,
    uscc AS beneficiary_id,
    project_id AS object_id,
    region_code,
    award_year,
    ${trigger} AS starts_on,
    CAST(NULL AS DATE) AS ends_on,
    ${inputs_json} AS inputs,
    ${tier_label} AS tier,
    CAST(${amount} AS DECIMAL(38, 10)) AS gross_yuan
FROM base
WHERE (${eligibility}) AND (${amount}) IS NOT NULL
