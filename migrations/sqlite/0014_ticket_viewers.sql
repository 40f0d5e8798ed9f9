-- +goose Up
-- Who has a ticket open in the workspace right now: each open page renews
-- its row while its live stream lasts, so every node can show the
-- "also viewing" line; rows older than a minute are ignored.
CREATE TABLE ticket_viewers (
    account_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, ticket_id, user_id)
);

-- +goose Down
DROP TABLE ticket_viewers;
