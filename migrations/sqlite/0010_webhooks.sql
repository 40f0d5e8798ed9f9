-- +goose Up
-- Webhooks (reference §11). Ids are ULID strings; seq is the keyset
-- tie-breaker for cursor pages. Secrets (authentication secret, signing
-- secret) are AES-GCM ciphertexts, never plain text.
CREATE TABLE webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    http_method TEXT NOT NULL,
    request_format TEXT NOT NULL,
    subscriptions TEXT NOT NULL,
    auth_type TEXT,
    auth_data TEXT,
    auth_secret TEXT,
    custom_headers TEXT NOT NULL DEFAULT '{}',
    external_source TEXT,
    signing_secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX webhooks_id ON webhooks (account_id, id);
CREATE INDEX webhooks_name ON webhooks (account_id, name, seq);
CREATE INDEX webhooks_status ON webhooks (account_id, status, seq);

-- One row per event-type subscription, so a ticket write finds the
-- subscribed webhooks of its account with one index range probe.
CREATE TABLE webhook_events (
    account_id BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    PRIMARY KEY (account_id, event_type, webhook_id)
);

CREATE TABLE webhook_invocations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    webhook_id TEXT NOT NULL,
    source TEXT NOT NULL,
    event_type TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    status_code INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    latest_completed_at TIMESTAMP,
    next_attempt_at TIMESTAMP
);
CREATE UNIQUE INDEX webhook_invocations_id ON webhook_invocations (account_id, id);
CREATE INDEX webhook_invocations_webhook ON webhook_invocations (account_id, webhook_id, seq);

CREATE TABLE webhook_attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    webhook_id TEXT NOT NULL,
    invocation_id TEXT NOT NULL,
    status TEXT NOT NULL,
    status_code INTEGER,
    request_headers TEXT NOT NULL,
    request_payload TEXT NOT NULL,
    response_headers TEXT NOT NULL,
    response_payload TEXT NOT NULL,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    completed_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_attempts_invocation ON webhook_attempts (account_id, invocation_id, seq);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_invocations;
DROP TABLE webhook_events;
DROP TABLE webhooks;
