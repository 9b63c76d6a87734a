-- Awards whose ledger lines do not add up to the paid award, to the fen (should return no rows).
-- Instalments stopped by a departure are excluded on both sides.
WITH owed AS (
    SELECT rule_id, object_id, award_year, sum(amount_fen) AS owed_fen
    FROM ledger.payments WHERE NOT stopped_by_departure AND NOT before_validity GROUP BY ALL
),
booked AS (
    SELECT rule_id, object_id, award_year, CAST(sum(amount_yuan) * 100 AS BIGINT) AS booked_fen
    FROM ledger.liabilities GROUP BY ALL
)
SELECT o.*, COALESCE(b.booked_fen, 0) AS booked_fen
FROM owed AS o LEFT JOIN booked AS b USING (rule_id, object_id, award_year)
WHERE o.owed_fen <> COALESCE(b.booked_fen, 0);
