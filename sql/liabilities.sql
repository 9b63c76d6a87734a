-- The liability ledger: every payment split by paying level (central / region / city / banner) and paying
-- region. Shares are exact decimals summing to 1; level i gets floor(amount * cumulative share_i) minus the
-- same for i-1, so the levels add up to the payment to the fen. The banner share of a firm in a city-level
-- park is paid by the park (regions.csv: pays_as = banner); the city share by the banner's or park's city
-- (or by the city itself for a programme line booked to a city).
-- A rule with share_of = 'base' names each level's share of a base (中央45%、自治区30% of the premium): each level's
-- own share was rounded in awards.sql, and a payment is split in proportion to those rounded amounts (exactly them
-- when the award is paid whole in one year), again by cumulative floors so the levels add up to the payment.
CREATE OR REPLACE TABLE ledger.liabilities AS
WITH base_levels AS (
    SELECT a.rule_id, a.object_id, a.award_year, s.level,
           CAST((CAST(a.gross_yuan * 10000000000 AS HUGEINT) * CAST(COALESCE(r.expected_share, 1) * 1000000 AS HUGEINT)
                     * CAST(s.share * 1000000 AS HUGEINT)
                 + r.step_fen * CAST('50000000000000000000' AS HUGEINT)) // (r.step_fen * CAST('100000000000000000000' AS HUGEINT)) * r.step_fen AS BIGINT) AS level_fen,
           s.cum_share
    FROM ledger.awards AS a JOIN catalogue.rules AS r USING (rule_id) JOIN catalogue.rule_shares AS s USING (rule_id)
    WHERE r.share_of = 'base' AND a.paid_fen > 0
),
base_weights AS (
    SELECT *, sum(level_fen) OVER (PARTITION BY rule_id, object_id, award_year ORDER BY cum_share) AS cum_fen,
              sum(level_fen) OVER (PARTITION BY rule_id, object_id, award_year) AS total_fen
    FROM base_levels
)
SELECT
    ${run_id} AS run_id,
    ${catalogue_version} AS catalogue_version,
    p.rule_id, p.document, p.beneficiary_kind, p.beneficiary_id, p.object_id,
    p.region_code AS beneficiary_region_code,
    p.award_year, p.instalment_no, p.instalment_count, p.payment_year,
    s.level AS paying_level,
    CASE s.level WHEN 'central' THEN '100000' WHEN 'region' THEN '150000'
                 WHEN 'city' THEN (CASE WHEN g.level = 'city' THEN g.region_code ELSE g.parent_code END)
                 -- the banner share of a line booked to a whole city (a programme budget) is not one banner's:
                 -- it goes to the city's banner pool (regions.csv level banner_pool, e.g. 1506BP)
                 ELSE (CASE WHEN g.level = 'city' THEN substr(g.region_code, 1, 4) || 'BP' ELSE p.region_code END)
            END AS paying_region_code,
    s.share,
    CAST(CASE WHEN r.share_of = 'base'
              THEN CAST(p.amount_fen * w.cum_fen // w.total_fen - p.amount_fen * (w.cum_fen - w.level_fen) // w.total_fen
                        AS DECIMAL(20, 0))
              ELSE floor(p.amount_fen * s.cum_share) - floor(p.amount_fen * (s.cum_share - s.share)) END * 0.01
         AS DECIMAL(18, 2)) AS amount_yuan,  -- exact: a decimal product, not a DOUBLE division
    r.split_specified,
    r.kind,
    CASE WHEN p.payment_year > ${as_of_year} THEN 'committed_future' ELSE 'due' END AS timing,
    'registry' AS basis,
    p.tier, p.inputs
FROM ledger.payments AS p
JOIN catalogue.rule_shares AS s USING (rule_id)
JOIN catalogue.rules AS r USING (rule_id)
JOIN ref.regions AS g ON g.region_code = p.region_code
LEFT JOIN base_weights AS w ON w.rule_id = p.rule_id AND w.object_id = p.object_id AND w.award_year = p.award_year
                           AND w.level = s.level
WHERE NOT p.stopped_by_departure AND NOT p.before_validity AND p.amount_fen > 0;  -- a payment capped to nothing books no line
