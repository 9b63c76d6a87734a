-- Payments: each paid award spread over the years it is paid in, lag_years after the award year.
-- Two schedules (catalogue.rules):
-- * instalments (e.g. 4:3:3): exact to the fen, instalment i = floor(award * cumulative weight_i / total) minus
--   the same for i-1, so the instalments add up to the award and the last one takes the remainder. With
--   stop_on_departure, instalments due after the year the beneficiary left are not owed.
-- * periodic (every month or year, count N): the award is the amount per period, paid for N periods from the
--   trigger date's month (or year) plus lag_years (an allowance that starts after 3 years of service). With
--   stop_on_departure, payment stops from the month after leaving
--   (离职次月起停止), or for yearly periods from the first period starting after the departure date.
--   Periods are summed per payment year.
CREATE OR REPLACE TABLE ledger.payments AS
WITH spread AS (
    SELECT a.*, s.instalment_no, s.instalment_count,
           a.award_year + r.lag_years + s.year_offset AS payment_year,
           -- integer division, exact at any size (a "/" would go through a DOUBLE)
           CAST((a.paid_fen * s.cum_weight) // s.total_weight AS BIGINT)
         - CAST((a.paid_fen * (s.cum_weight - s.weight)) // s.total_weight AS BIGINT) AS amount_fen,
           CAST(NULL AS INTEGER) AS periods,
           r.stop_on_departure AND a.ends_on IS NOT NULL
               AND a.award_year + r.lag_years + s.year_offset > year(a.ends_on) AS stopped_by_departure
    FROM ledger.awards AS a
    JOIN catalogue.rule_instalments AS s USING (rule_id)
    JOIN catalogue.rules AS r USING (rule_id)
    WHERE a.paid_fen > 0
),
periods AS (
    SELECT a.*, r.lag_years, r.period_count,
           CASE r.period_unit
               WHEN 'month' THEN date_trunc('month', a.starts_on) + to_years(r.lag_years) + to_months(CAST(k AS INTEGER))
               ELSE date_trunc('year', a.starts_on) + to_years(r.lag_years + CAST(k AS INTEGER)) END AS period_start,
           r.stop_on_departure AND a.ends_on IS NOT NULL AND (CASE r.period_unit
               WHEN 'month' THEN date_trunc('month', a.starts_on) + to_years(r.lag_years)
                                 + to_months(CAST(k AS INTEGER)) > date_trunc('month', a.ends_on)
               ELSE date_trunc('year', a.starts_on) + to_years(r.lag_years + CAST(k AS INTEGER)) > a.ends_on
           END) AS stopped
    FROM ledger.awards AS a
    JOIN catalogue.rules AS r USING (rule_id)
    CROSS JOIN LATERAL range(0, r.period_count) AS t(k)
    WHERE a.paid_fen > 0 AND r.period_unit IS NOT NULL
),
periodic_uncapped AS (
    SELECT rule_id, document, beneficiary_kind, beneficiary_id, object_id, region_code, award_year, inputs, tier,
           outcome, year(period_start) AS payment_year, stopped AS stopped_by_departure,
           CAST(sum(paid_fen) AS BIGINT) AS uncapped_fen, CAST(count(*) AS INTEGER) AS periods
    FROM periods
    GROUP BY ALL
),
periodic AS (  -- caps per beneficiary (person or employer) and payment year, filled in object order
    SELECT p.*,
        CASE WHEN r.cap_per_beneficiary_year IS NULL OR p.stopped_by_departure THEN p.uncapped_fen
             ELSE GREATEST(0, LEAST(p.uncapped_fen, CAST(r.cap_per_beneficiary_year * 100 AS BIGINT)
                  - (SUM(CASE WHEN p.stopped_by_departure THEN 0 ELSE p.uncapped_fen END) OVER (
                        PARTITION BY p.rule_id, p.beneficiary_id, p.payment_year ORDER BY p.object_id, p.award_year
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - p.uncapped_fen)))
        END AS amount_fen
    FROM periodic_uncapped AS p JOIN catalogue.rules AS r USING (rule_id)
)
SELECT rule_id, document, beneficiary_kind, beneficiary_id, object_id, region_code, award_year, instalment_no,
       instalment_count, payment_year, amount_fen, periods, inputs, tier, outcome, stopped_by_departure
FROM spread
UNION ALL BY NAME
SELECT rule_id, document, beneficiary_kind, beneficiary_id, object_id, region_code, award_year,
       CAST(row_number() OVER (PARTITION BY rule_id, object_id, award_year ORDER BY payment_year,
                               stopped_by_departure) AS INTEGER) AS instalment_no,
       CAST(count(*) OVER (PARTITION BY rule_id, object_id, award_year) AS INTEGER) AS instalment_count,
       payment_year, amount_fen, periods, inputs, tier, outcome, stopped_by_departure
FROM periodic;
