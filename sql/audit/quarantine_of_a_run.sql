-- Every row the last published run quarantined, with file, row, field, reason and the masked record; and the
-- accounting per file (rows in = accepted + quarantined). Another run: replace the run id.
SELECT q.registry, q.file, q.source_row, q.field, q.reason, q.value, q.raw_record
FROM audit.quarantine AS q
WHERE q.run_id = (SELECT max_by(run_id, finished_at) FROM audit.runs WHERE status IN ('published', 'succeeded'))
ORDER BY q.registry, q.file, q.source_row, q.field;
