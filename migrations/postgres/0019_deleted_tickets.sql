-- +goose Up
-- Soft-deleted tickets, a few of an account's: the deleted-tickets list
-- reads them in id order, and SQLite's fast text search count subtracts
-- them from the matches (internal/search, plan.countSQL) without reading
-- every live ticket.
CREATE INDEX tickets_deleted ON tickets (account_id, id) WHERE deleted_at IS NOT NULL;

-- +goose Down
DROP INDEX tickets_deleted;
