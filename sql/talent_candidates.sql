-- Candidate talent categories from the annex's evaluable criteria (dagster_project/talent_classifier.py fills
-- the dollar-brace placeholders with whitelisted expressions). The certified category stays as registered; the
-- candidate is who MAY qualify, for the bureau to look at, never a basis for payment.
CREATE OR REPLACE TABLE registry.talent_candidates AS
WITH base AS (
    SELECT t.talent_id, t.person_key, t.category AS certified_category, t.field, t.degree, t.title, t.employment,
           t.annual_salary_yuan, ${as_of_year} - t.birth_year AS age,
           m.value AS employer_revenue_yuan
    FROM registry.talents AS t
    LEFT JOIN registry.enterprise_metrics AS m
      ON m.uscc = t.employer_uscc AND m.metric = 'main_business_revenue_yuan' AND m.year = ${as_of_year} - 1
),
matches AS (
    ${matches}
)
SELECT b.talent_id, b.person_key, b.certified_category,
       min(m.category) AS candidate_category,
       arg_min(m.criterion_id, m.category || m.criterion_id) AS candidate_criterion,
       count(m.criterion_id) AS criteria_met,
       CASE WHEN b.certified_category IS NULL AND min(m.category) IS NOT NULL THEN 'not certified; may qualify'
            WHEN min(m.category) IS NULL THEN 'no evaluable criterion met'
            WHEN min(m.category) < b.certified_category THEN 'may qualify higher'
            WHEN min(m.category) = b.certified_category THEN 'consistent'
            ELSE 'certified higher than evaluable criteria show' END AS assessment
FROM base AS b LEFT JOIN matches AS m USING (talent_id)
GROUP BY b.talent_id, b.person_key, b.certified_category
ORDER BY b.talent_id;
