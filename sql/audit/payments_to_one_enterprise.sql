-- Every payment to one enterprise (as beneficiary, or as the owner of the projects or the employer of the
-- talents paid) and the clause behind each: document, item, lines, quoted text, inputs, tier, share.
-- Usage (duckdb CLI or any client, on the published warehouse opened read-only):
--   SET VARIABLE uscc = '91150622MA0000001X';
--   .read sql/audit/payments_to_one_enterprise.sql
SELECT l.payment_year, l.paying_level, l.paying_region_code, l.amount_yuan, l.timing,
       l.rule_id, r.title, r.document, r.item, r.line_first, r.line_last, r.quote,
       l.object_id, l.award_year, l.instalment_no, l.instalment_count, l.share, l.tier, l.inputs,
       l.run_id, l.catalogue_version
FROM ledger.liabilities AS l
JOIN catalogue.rules AS r USING (rule_id)
WHERE l.beneficiary_id = getvariable('uscc')
   OR l.object_id IN (SELECT project_id FROM registry.projects WHERE uscc = getvariable('uscc'))
   OR l.object_id IN (SELECT talent_id FROM registry.talents WHERE employer_uscc = getvariable('uscc'))
ORDER BY l.payment_year, l.rule_id, l.object_id, l.paying_level;
