-- +goose Up
-- The facts business rules read: when the ticket entered its status, was
-- assigned, last updated by its requester and by its assignee, and how
-- often it was reopened and replied to. Kept by the ticket service on
-- every write so automations and views select through indexes.
ALTER TABLE tickets ADD COLUMN status_updated_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN assigned_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN initially_assigned_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN requester_updated_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN assignee_updated_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN replies INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET status_updated_at = updated_at;
CREATE INDEX tickets_status_since ON tickets (account_id, status, status_updated_at);

-- +goose Down
DROP INDEX tickets_status_since;
ALTER TABLE tickets DROP COLUMN replies;
ALTER TABLE tickets DROP COLUMN reopens;
ALTER TABLE tickets DROP COLUMN assignee_updated_at;
ALTER TABLE tickets DROP COLUMN requester_updated_at;
ALTER TABLE tickets DROP COLUMN initially_assigned_at;
ALTER TABLE tickets DROP COLUMN assigned_at;
ALTER TABLE tickets DROP COLUMN status_updated_at;
