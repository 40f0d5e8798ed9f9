-- +goose Up
-- Browser sign-ins: the SHA-256 of each session cookie, its CSRF token and
-- its expiry (idle and absolute), in the database so every node knows them.
CREATE TABLE web_sessions (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id_hash TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id_hash)
);
CREATE INDEX web_sessions_user ON web_sessions (account_id, user_id);

-- Failed sign-ins per address: five in a row lock the address for a while.
CREATE TABLE login_failures (
    account_id BIGINT NOT NULL,
    email TEXT NOT NULL,
    failures INTEGER NOT NULL,
    locked_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, email)
);

-- Password reset links: the SHA-256 of the token mailed to the user.
CREATE TABLE password_resets (
    account_id BIGINT NOT NULL,
    token_hash TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    email TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (account_id, token_hash)
);

-- +goose Down
DROP TABLE password_resets;
DROP TABLE login_failures;
DROP TABLE web_sessions;
