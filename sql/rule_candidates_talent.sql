-- Award candidates of one talent rule (award year = year of arrival; the person is known only by the
-- pseudonymous person_key; an employer-side subsidy is booked to the employer, so its caps apply per employer).
-- ends_on carries the departure date so schedules can stop (离职次月起停止).
-- Placeholders: see rule_candidates_enterprise.sql.
WITH base AS (
    SELECT t.*, g.parent_code AS city_code, COALESCE(g.host_banner, t.region_code) AS banner_code,
           year(t.arrival_date) AS arrival_year, year(t.arrival_date) AS award_year
    FROM ${registry_schema}.talents AS t
    JOIN ref.regions AS g ON g.region_code = t.region_code
    WHERE t.${trigger} BETWEEN ${valid_from} AND ${valid_to}
)
SELECT
    ${rule_id} AS rule_id,
    'talent' AS beneficiary_kind,
    ${beneficiary_key} AS beneficiary_id,  -- person_key, or employer_uscc for employer-side subsidies
    talent_id AS object_id,
    region_code,
    award_year,
    arrival_date AS starts_on,
    departure_date AS ends_on,
    ${inputs_json} AS inputs,
    ${tier_label} AS tier,
    CAST(${amount} AS DECIMAL(38, 10)) AS gross_yuan
FROM base
WHERE (${eligibility}) AND (${amount}) IS NOT NULL
