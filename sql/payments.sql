-- Payments: each paid award spread over its instalments (e.g. 4:3:3), paid lag_years after the award year.
-- Exact to the fen: instalment i = floor(award * cumulative weight_i / total) minus the same for i-1, so
-- the instalments always add up to the award and the last one takes the rounding remainder.
-- With stop_on_departure, instalments due after the year the beneficiary left are not owed.
CREATE OR REPLACE TABLE ledger.payments AS
WITH spread AS (
    SELECT a.*, s.instalment_no, s.instalment_count,
           a.award_year + r.lag_years + s.year_offset AS payment_year,
           CAST(floor(a.paid_fen * s.cum_weight / s.total_weight) AS BIGINT)
         - CAST(floor(a.paid_fen * (s.cum_weight - s.weight) / s.total_weight) AS BIGINT) AS amount_fen,
           r.stop_on_departure
    FROM ledger.awards AS a
    JOIN catalogue.rule_instalments AS s USING (rule_id)
    JOIN catalogue.rules AS r USING (rule_id)
    WHERE a.paid_fen > 0
)
SELECT rule_id, document, beneficiary_kind, beneficiary_id, object_id, region_code, award_year, instalment_no,
       instalment_count, payment_year, amount_fen, inputs, tier, outcome,
       stop_on_departure AND ends_on IS NOT NULL AND payment_year > year(ends_on) AS stopped_by_departure
FROM spread;
