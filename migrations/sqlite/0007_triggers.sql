-- +goose Up
-- Trigger categories group triggers; their position orders the groups.
CREATE TABLE trigger_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX trigger_categories_account ON trigger_categories (account_id, position, id);

-- Triggers and automations share one shape; kind tells them apart.
-- revision counts saves, so cached parses are keyed by (id, revision).
CREATE TABLE triggers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    raw_title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    position INTEGER NOT NULL DEFAULT 0,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    category_id BIGINT,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX triggers_account ON triggers (account_id, kind, active, position, id);
CREATE INDEX triggers_category ON triggers (account_id, category_id);

-- One snapshot per save, for /triggers/{id}/revisions.
CREATE TABLE trigger_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    rule_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL,
    snapshot TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX trigger_revisions_rule ON trigger_revisions (account_id, rule_id, id);

-- Firings per rule and hour (hour = unix seconds / 3600), for usage_* sorts.
CREATE TABLE rule_usage (
    account_id BIGINT NOT NULL,
    rule_id BIGINT NOT NULL,
    hour BIGINT NOT NULL,
    fires BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, rule_id, hour)
);

-- The ticket state (updated_at) an automation last fired on: it never fires
-- twice on a ticket that has not changed since.
CREATE TABLE automation_runs (
    account_id BIGINT NOT NULL,
    automation_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    ticket_updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, automation_id, ticket_id)
);

-- +goose Down
DROP TABLE automation_runs;
DROP TABLE rule_usage;
DROP TABLE trigger_revisions;
DROP TABLE triggers;
DROP TABLE trigger_categories;
