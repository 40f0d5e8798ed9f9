-- +goose Up
-- Views (saved ticket lists) and macros (canned actions). Conditions,
-- output and actions are JSON documents owned by the rule engine; the
-- restriction (who may use a view or macro) is also kept in
-- rule_restrictions so visibility is decided in SQL through an index.
CREATE TABLE views (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    position INTEGER NOT NULL DEFAULT 0,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    default_key TEXT,
    conditions TEXT NOT NULL,
    output TEXT NOT NULL,
    restriction_type TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX views_account ON views (account_id, position, id);
CREATE UNIQUE INDEX views_default_key ON views (account_id, default_key);

CREATE TABLE macros (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    title TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    position INTEGER NOT NULL DEFAULT 9999,
    actions TEXT NOT NULL,
    restriction_type TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX macros_account ON macros (account_id, position, id);

CREATE TABLE rule_restrictions (
    account_id BIGINT NOT NULL,
    rule_kind TEXT NOT NULL,
    rule_id BIGINT NOT NULL,
    target_type TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, rule_kind, rule_id, target_type, target_id)
);
CREATE INDEX rule_restrictions_target ON rule_restrictions (account_id, rule_kind, target_type, target_id);

-- Macro applications counted per hour, for usage_1h ... usage_30d.
CREATE TABLE macro_usage (
    account_id BIGINT NOT NULL,
    macro_id BIGINT NOT NULL,
    hour TIMESTAMP NOT NULL,
    uses INTEGER NOT NULL,
    PRIMARY KEY (account_id, macro_id, hour)
);

-- +goose Down
DROP TABLE macro_usage;
DROP TABLE rule_restrictions;
DROP TABLE macros;
DROP TABLE views;
