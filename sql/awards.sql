-- Awards: candidates times the expected share (basis expected_value: a discretionary 最高X grant is booked at
-- the share of its ceiling the catalogue expects; ceiling_yuan keeps the text's amount), after the per-award
-- cap, rounding (half-up to the rule's step in fen), the cap per beneficiary and award year (for periodic
-- rules it applies per payment year, in payments.sql), and stacking (就高不重复: within a stacking group, per
-- object — the same firm-year, project or person — and award year, only the highest award is paid; ties go to
-- the lower rule id; with stacking_scope beneficiary, per firm or person instead: "单户企业只可享受一次").
-- After the cap per beneficiary and year comes the cap over the rule's life per beneficiary (累计不超过; a firm's several projects under one 单个企业 cap),
-- filled in award-year and object order. A rule whose shares are each level's share of a base (share_of = 'base':
-- 中央承担45%、自治区承担30%) rounds each level's own share, and its award is the sum of those.
-- Every candidate stays, with its outcome. Fen become yuan by an exact decimal product ("/ 100" would be a DOUBLE).
CREATE OR REPLACE TABLE ledger.awards AS
WITH base_share_fen AS (  -- share_of = 'base': half-up per level in exact integers (1e-22 yuan: gross 10 decimals, shares 6 + 6)
    SELECT c.rule_id, c.object_id, c.award_year,
           CAST(sum((CAST(c.gross_yuan * 10000000000 AS HUGEINT) * CAST(COALESCE(r.expected_share, 1) * 1000000 AS HUGEINT)
                     * CAST(s.share * 1000000 AS HUGEINT)
                     + r.step_fen * CAST('50000000000000000000' AS HUGEINT)) // (r.step_fen * CAST('100000000000000000000' AS HUGEINT)) * r.step_fen) AS BIGINT)
               AS base_fen
    FROM ledger.award_candidates AS c JOIN catalogue.rules AS r USING (rule_id)
    JOIN catalogue.rule_shares AS s USING (rule_id)
    WHERE r.share_of = 'base'
    GROUP BY ALL
),
capped AS (
    SELECT c.*, r.document, r.stacking_group, r.cap_per_award, r.period_unit,
           -- what an award is worth when 就高 compares it: a periodic award is per period, so its whole course
           -- counts (24 months of 3000 beat a one-off 50000); in twelfths, so every kind compares in exact integers
           CASE WHEN r.period_unit IS NULL THEN 12 WHEN r.period_amount_per = 'year' THEN r.period_count
                ELSE 12 * r.period_count END AS value_twelfths,
           CASE r.stacking_scope WHEN 'beneficiary' THEN c.beneficiary_id ELSE c.object_id END AS stack_key,
           CASE WHEN r.period_unit IS NULL THEN r.cap_per_beneficiary_year END AS cap_per_beneficiary_year,
           CASE WHEN r.period_unit IS NULL THEN r.cap_per_beneficiary END AS cap_per_beneficiary,
           CASE WHEN r.share_of = 'base'
                THEN LEAST(b.base_fen, COALESCE(CAST(r.cap_per_award * 100 AS BIGINT), b.base_fen))
           -- half-up to the step in exact integers: the amount in 1e-10 yuan (DECIMAL(38,10) makes it whole),
           -- plus half a step, integer-divided by the step (DuckDB's "/" on decimals would give a DOUBLE)
           ELSE CAST((CAST(LEAST(c.gross_yuan * COALESCE(r.expected_share, 1), COALESCE(r.cap_per_award, c.gross_yuan))
                      * 10000000000 AS HUGEINT) + r.step_fen * 50000000) // (r.step_fen * 100000000) * r.step_fen
                AS BIGINT) END AS after_award_cap_fen
    FROM ledger.award_candidates AS c JOIN catalogue.rules AS r USING (rule_id)
    LEFT JOIN base_share_fen AS b USING (rule_id, object_id, award_year)
),
year_capped AS (
    SELECT *,
        CASE WHEN cap_per_beneficiary_year IS NULL THEN after_award_cap_fen
             ELSE GREATEST(0, LEAST(after_award_cap_fen,
                  CAST(cap_per_beneficiary_year * 100 AS BIGINT)
                  - (SUM(after_award_cap_fen) OVER per_year - after_award_cap_fen)))
        END AS year_capped_fen
    FROM capped
    WINDOW per_year AS (PARTITION BY rule_id, beneficiary_id, award_year ORDER BY object_id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
life_capped AS (
    SELECT *,
        CASE WHEN cap_per_beneficiary IS NULL THEN year_capped_fen
             ELSE GREATEST(0, LEAST(year_capped_fen, CAST(cap_per_beneficiary * 100 AS BIGINT)
                  - (SUM(year_capped_fen) OVER per_life - year_capped_fen)))
        END AS award_fen
    FROM year_capped
    WINDOW per_life AS (PARTITION BY rule_id, beneficiary_id ORDER BY award_year, object_id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
ranked AS (
    SELECT *,
        CASE WHEN stacking_group IS NULL THEN 1
             ELSE row_number() OVER (PARTITION BY stacking_group, stack_key, award_year
                                     ORDER BY award_fen * value_twelfths DESC, rule_id, object_id) END AS stack_rank,
        first_value(rule_id) OVER (PARTITION BY stacking_group, stack_key, award_year
                                   ORDER BY award_fen * value_twelfths DESC, rule_id, object_id) AS stack_winner
    FROM life_capped
)
SELECT
    rule_id, document, beneficiary_kind, beneficiary_id, object_id, region_code, award_year, starts_on, ends_on,
    inputs, tier,
    gross_yuan,
    CAST(LEAST(gross_yuan, COALESCE(cap_per_award, gross_yuan)) AS DECIMAL(18, 2)) AS ceiling_yuan,
    CAST(CAST(after_award_cap_fen AS DECIMAL(20, 0)) * 0.01 AS DECIMAL(18, 2)) AS after_award_cap_yuan,
    CAST(CAST(award_fen AS DECIMAL(20, 0)) * 0.01 AS DECIMAL(18, 2)) AS award_yuan,
    award_fen,
    CASE WHEN stack_rank = 1 OR stacking_group IS NULL THEN award_fen ELSE 0 END AS paid_fen,
    CASE
        WHEN stacking_group IS NOT NULL AND stack_rank > 1 THEN 'stacked_out: ' || stack_winner
        WHEN award_fen < year_capped_fen THEN 'capped_per_beneficiary'
        WHEN award_fen < after_award_cap_fen THEN 'capped_per_beneficiary_year'
        WHEN cap_per_award IS NOT NULL AND gross_yuan > cap_per_award THEN 'capped_per_award'
        ELSE 'paid'
    END AS outcome,
    stacking_group
FROM ranked;
