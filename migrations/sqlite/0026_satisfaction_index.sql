-- +goose Up
-- Tickets by satisfaction score (and status): views and searches of rated
-- tickets ("solved, satisfaction bad", "rated in the last 7 days"). Without
-- it SQLite read every solved ticket of the account to find the few rated
-- ones: 0.8-1.3 s at a million tickets (PostgreSQL 0.4 s). A ticket's score
-- changes only when it is offered or rated, so the index costs ticket
-- writes one entry at creation.
CREATE INDEX tickets_satisfaction ON tickets (account_id, satisfaction_score, status);

-- +goose Down
DROP INDEX tickets_satisfaction;
