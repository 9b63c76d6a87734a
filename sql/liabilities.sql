-- The liability ledger: every payment split by paying level (central / region / city / banner) and paying
-- region. Shares are exact decimals summing to 1; level i gets floor(amount * cumulative share_i) minus the
-- same for i-1, so the levels add up to the payment to the fen. The banner share of a firm in a city-level
-- park is paid by the park (regions.csv: pays_as = banner); the city share by the banner's or park's city
-- (or by the city itself for a programme line booked to a city).
CREATE OR REPLACE TABLE ledger.liabilities AS
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
    CAST((floor(p.amount_fen * s.cum_share) - floor(p.amount_fen * (s.cum_share - s.share))) * 0.01
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
WHERE NOT p.stopped_by_departure AND p.amount_fen > 0;  -- a payment capped to nothing books no line
