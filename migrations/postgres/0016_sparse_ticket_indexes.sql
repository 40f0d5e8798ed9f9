-- +goose Up
-- Most tickets have no problem, follow-up source, external id or due date.
-- Indexed whole, those NULLs made SQLite's statistics (ANALYZE) say that
-- one value matches every ticket of the account, so lookups by a bound
-- value, which the planner cannot see, became table scans: at a million
-- tickets every ticket read (its incidents and follow-ups) took about a
-- second. Indexing only the set values keeps the statistics true; a
-- comparison on the column implies IS NOT NULL, so every lookup still uses
-- them. PostgreSQL counts NULLs apart, but gets the same smaller indexes.
DROP INDEX tickets_problem;
CREATE INDEX tickets_problem ON tickets (account_id, problem_id) WHERE problem_id IS NOT NULL;
DROP INDEX tickets_followup;
CREATE INDEX tickets_followup ON tickets (account_id, followup_source_id) WHERE followup_source_id IS NOT NULL;
DROP INDEX tickets_external;
CREATE INDEX tickets_external ON tickets (account_id, external_id) WHERE external_id IS NOT NULL;
DROP INDEX tickets_due;
CREATE INDEX tickets_due ON tickets (account_id, due_at) WHERE due_at IS NOT NULL;

-- +goose Down
DROP INDEX tickets_due;
CREATE INDEX tickets_due ON tickets (account_id, due_at);
DROP INDEX tickets_external;
CREATE INDEX tickets_external ON tickets (account_id, external_id);
DROP INDEX tickets_followup;
CREATE INDEX tickets_followup ON tickets (account_id, followup_source_id);
DROP INDEX tickets_problem;
CREATE INDEX tickets_problem ON tickets (account_id, problem_id);
