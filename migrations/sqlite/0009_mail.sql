-- +goose Up
-- Message-IDs of the mail Parley sent and received, so a reply that quotes
-- any of them in In-Reply-To or References lands on the right ticket, and a
-- message delivered twice becomes one comment.
CREATE TABLE mail_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    message_id TEXT NOT NULL,
    ticket_id BIGINT NOT NULL,
    comment_id BIGINT,
    direction TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_messages_message ON mail_messages (account_id, message_id);
CREATE INDEX mail_messages_ticket ON mail_messages (account_id, ticket_id, id);

-- +goose Down
DROP INDEX mail_messages_ticket;
DROP INDEX mail_messages_message;
DROP TABLE mail_messages;
