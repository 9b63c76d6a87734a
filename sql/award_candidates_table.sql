-- The table every rule's candidate query (sql/rule_candidates_*.sql) inserts into, one rule at a time: one
-- statement per rule plans far faster than one UNION of some 260 queries.
CREATE OR REPLACE TABLE ledger.award_candidates (
    rule_id VARCHAR, beneficiary_kind VARCHAR, beneficiary_id VARCHAR, object_id VARCHAR, region_code VARCHAR,
    award_year BIGINT, starts_on DATE, ends_on DATE, inputs JSON, tier VARCHAR, gross_yuan DECIMAL(38, 10)
);
