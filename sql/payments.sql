-- Payments: each paid award spread over the years it is paid in, lag_years after the award year.
-- Two schedules (catalogue.rules):
-- * instalments (e.g. 4:3:3): exact to the fen, instalment i = floor(award * cumulative weight_i / total) minus
--   the same for i-1, so the instalments add up to the award and the last one takes the remainder. With
--   stop_on_departure, instalments due after the year the beneficiary left are not owed.
-- * periodic (every month or year, count N): the award is the amount per period, paid for N periods from the
--   trigger date's month (or year) plus lag_years (an allowance that starts after 3 years of service). With
--   period_amount_per = 'year' the award is a yearly amount earned by the month (年薪): month k of the count gets
--   floor(award * (k+1) / 12) - floor(award * k / 12), so any 12 months add up to the year's amount exactly and a
--   part year is pro rata. With stop_on_departure, payment stops from the month after leaving
--   (离职次月起停止), or for yearly periods from the first period starting after the departure date.
--   Periods are summed per payment year; caps per beneficiary and payment year, then over the rule's life.
-- Earlier cohorts (valid.cohorts_from before valid.from): a payment falling before valid.from's year is, with
-- earlier_payments = 'forgo', not this policy's (kept here with before_validity = true, no liability line); with
-- 'catch_up' it is paid in valid.from's year.
CREATE OR REPLACE TABLE ledger.payments AS
WITH spread AS (
    SELECT a.*, s.instalment_no, s.instalment_count,
           a.award_year + r.lag_years + s.year_offset AS due_year,
           year(r.valid_from) AS first_payment_year, r.earlier_payments,
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
           CASE WHEN r.period_amount_per = 'year'
                THEN CAST((a.paid_fen * (k + 1)) // 12 - (a.paid_fen * k) // 12 AS BIGINT)
                ELSE a.paid_fen END AS period_fen,
           year(r.valid_from) AS first_payment_year, r.earlier_payments,
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
           outcome, stopped AS stopped_by_departure,
           earlier_payments = 'forgo' AND year(period_start) < first_payment_year AS before_validity,
           CASE WHEN earlier_payments = 'catch_up' THEN greatest(year(period_start), first_payment_year)
                ELSE year(period_start) END AS payment_year,
           CAST(sum(period_fen) AS BIGINT) AS uncapped_fen, CAST(count(*) AS INTEGER) AS periods
    FROM periods
    GROUP BY ALL
),
periodic_year_capped AS (  -- caps per beneficiary (person or employer) and payment year, filled in object order
    SELECT p.*, r.cap_per_beneficiary, p.stopped_by_departure OR p.before_validity AS not_owed,
        CASE WHEN r.cap_per_beneficiary_year IS NULL OR p.stopped_by_departure OR p.before_validity
                  THEN p.uncapped_fen
             ELSE GREATEST(0, LEAST(p.uncapped_fen, CAST(r.cap_per_beneficiary_year * 100 AS BIGINT)
                  - (SUM(CASE WHEN p.stopped_by_departure OR p.before_validity THEN 0 ELSE p.uncapped_fen END) OVER (
                        PARTITION BY p.rule_id, p.beneficiary_id, p.payment_year ORDER BY p.object_id, p.award_year
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - p.uncapped_fen)))
        END AS year_capped_fen
    FROM periodic_uncapped AS p JOIN catalogue.rules AS r USING (rule_id)
),
periodic AS (  -- then 累计不超过: the cap over the rule's life, filled in payment-year and object order
    SELECT *,
        CASE WHEN cap_per_beneficiary IS NULL OR not_owed THEN year_capped_fen
             ELSE GREATEST(0, LEAST(year_capped_fen, CAST(cap_per_beneficiary * 100 AS BIGINT)
                  - (SUM(CASE WHEN not_owed THEN 0 ELSE year_capped_fen END) OVER (
                        PARTITION BY rule_id, beneficiary_id ORDER BY payment_year, object_id, award_year
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - year_capped_fen)))
        END AS amount_fen
    FROM periodic_year_capped
)
SELECT rule_id, document, beneficiary_kind, beneficiary_id, object_id, region_code, award_year, instalment_no,
       instalment_count,
       CASE WHEN earlier_payments = 'catch_up' THEN greatest(due_year, first_payment_year) ELSE due_year END
           AS payment_year,
       amount_fen, periods, inputs, tier, outcome, stopped_by_departure,
       earlier_payments = 'forgo' AND due_year < first_payment_year AS before_validity
FROM spread
UNION ALL BY NAME
SELECT rule_id, document, beneficiary_kind, beneficiary_id, object_id, region_code, award_year,
       CAST(row_number() OVER (PARTITION BY rule_id, object_id, award_year ORDER BY payment_year,
                               stopped_by_departure, before_validity) AS INTEGER) AS instalment_no,
       CAST(count(*) OVER (PARTITION BY rule_id, object_id, award_year) AS INTEGER) AS instalment_count,
       payment_year, amount_fen, periods, inputs, tier, outcome, stopped_by_departure, before_validity
FROM periodic;
