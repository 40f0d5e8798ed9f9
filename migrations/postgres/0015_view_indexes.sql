-- +goose Up
-- Views at a million tickets (issue 7). A view reads one page of live
-- tickets in its own order; without an index in that order the database
-- sorted every match (1.5 s for "All unsolved tickets" at 1M on SQLite).
-- Both indexes hold live tickets only (deleted_at IS NULL, as every view
-- asks), and their expressions must stay identical to the sort expressions
-- in internal/rule/view/columns.go (statusRank, updated_requester), or
-- the planner stops using them (TestViewIndexes checks).
--
-- Grouped by status, then by the requester's latest update: "All unsolved
-- tickets" and "Your unsolved tickets". status rides along so the status
-- condition is checked in the index.
CREATE INDEX tickets_view_status_requester ON tickets (account_id,
    (CASE status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END),
    (COALESCE(requester_updated_at, created_at)) DESC, id DESC, status)
    WHERE deleted_at IS NULL;
-- One status in the requester's order ("Pending tickets"), and the counts
-- by status, which read this index alone.
CREATE INDEX tickets_live_status_requester ON tickets (account_id, status,
    (COALESCE(requester_updated_at, created_at)) DESC, id DESC)
    WHERE deleted_at IS NULL;

-- Unassigned (or one agent's) tickets in creation order: "Unassigned
-- tickets". status again rides along.
CREATE INDEX tickets_view_assignee_created ON tickets (account_id, assignee_id, created_at, id, status)
    WHERE deleted_at IS NULL;
-- "Recently solved tickets" needs none: it reads the week's solved tickets
-- through tickets_status_since and sorts them.

-- +goose Down
DROP INDEX tickets_view_assignee_created;
DROP INDEX tickets_live_status_requester;
DROP INDEX tickets_view_status_requester;
