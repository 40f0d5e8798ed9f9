-- +goose Up
CREATE TABLE satisfaction_ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    ticket_id BIGINT NOT NULL,
    requester_id BIGINT NOT NULL,
    assignee_id BIGINT,
    group_id BIGINT,
    score TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    reason_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX satisfaction_ratings_ticket ON satisfaction_ratings (account_id, ticket_id);
CREATE INDEX satisfaction_ratings_account ON satisfaction_ratings (account_id, created_at, id);
