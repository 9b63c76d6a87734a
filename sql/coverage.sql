-- Catalogue coverage per document: fiscal clauses found, costed (of which on a stated assumption), not costable,
-- by kind; and the items the
-- reviewers found to hold no fiscal clause (so every numbered item is accounted for).
CREATE OR REPLACE TABLE catalogue.coverage AS
SELECT d.document, d.title, d.level,
       count(r.rule_id) AS clauses,
       count(r.rule_id) FILTER (WHERE r.status = 'costed') AS costed,
       count(r.rule_id) FILTER (WHERE r.status = 'costed' AND r.assumption IS NOT NULL) AS costed_on_assumption,
       count(r.rule_id) FILTER (WHERE r.status = 'not_costable') AS not_costable,
       count(r.rule_id) FILTER (WHERE r.status = 'costed' AND NOT r.split_specified) AS costed_split_unspecified,
       count(r.rule_id) FILTER (WHERE r.kind = 'spending') AS spending,
       count(r.rule_id) FILTER (WHERE r.kind = 'revenue_forgone') AS revenue_forgone,
       count(r.rule_id) FILTER (WHERE r.kind = 'equity') AS equity,
       count(r.rule_id) FILTER (WHERE r.kind = 'programme') AS programme,
       count(r.rule_id) FILTER (WHERE r.kind = 'revenue_inflow') AS revenue_inflow,
       count(r.rule_id) FILTER (WHERE r.kind = 'non_budget') AS non_budget,
       count(DISTINCT r.item) AS items_with_fiscal_clauses,
       d.items_without_fiscal_clause
FROM catalogue.documents AS d
LEFT JOIN catalogue.rules AS r USING (document)
GROUP BY d.document, d.title, d.level, d.items_without_fiscal_clause, d.line_first
ORDER BY d.line_first;
