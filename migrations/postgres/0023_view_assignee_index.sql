-- +goose Up
-- One agent's tickets in the default views' order (status group, then the
-- requester's last update): "Your unsolved tickets", every agent's first
-- view. Without it SQLite (and PostgreSQL alike) walked tickets_view_status_requester across the
-- whole account and kept the agent's tickets: 115-135 ms at 100,000
-- tickets for an agent with none, the page's whole budget twice over.
CREATE INDEX tickets_view_assignee_status_requester ON tickets (account_id, assignee_id,
    (CASE status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END),
    (COALESCE(requester_updated_at, created_at)) DESC, id DESC, status)
    WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX tickets_view_assignee_status_requester;
