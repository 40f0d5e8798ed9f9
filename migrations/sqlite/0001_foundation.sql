-- +goose Up
CREATE TABLE installation (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subdomain TEXT NOT NULL,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    locale TEXT NOT NULL DEFAULT 'en-US',
    owner_id BIGINT,
    api_rate_limit INTEGER NOT NULL DEFAULT 700,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX accounts_subdomain ON accounts (subdomain);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    email TEXT,
    role TEXT NOT NULL,
    custom_role_id BIGINT,
    is_owner BOOLEAN NOT NULL DEFAULT FALSE,
    verified BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    suspended BOOLEAN NOT NULL DEFAULT FALSE,
    external_id TEXT,
    alias TEXT,
    phone TEXT,
    shared_phone_number BOOLEAN,
    time_zone TEXT,
    iana_time_zone TEXT,
    locale TEXT,
    organization_id BIGINT,
    default_group_id BIGINT,
    details TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    signature TEXT,
    ticket_restriction TEXT,
    only_private_comments BOOLEAN NOT NULL DEFAULT FALSE,
    restricted_agent BOOLEAN NOT NULL DEFAULT FALSE,
    moderator BOOLEAN NOT NULL DEFAULT FALSE,
    report_csv BOOLEAN NOT NULL DEFAULT FALSE,
    shared BOOLEAN NOT NULL DEFAULT FALSE,
    shared_agent BOOLEAN NOT NULL DEFAULT FALSE,
    chat_only BOOLEAN NOT NULL DEFAULT FALSE,
    two_factor_auth_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    remote_photo_url TEXT,
    user_fields TEXT NOT NULL DEFAULT '{}',
    password_hash TEXT,
    last_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX users_account_id ON users (account_id, id);
CREATE INDEX users_account_updated ON users (account_id, updated_at, id);
CREATE INDEX users_account_name ON users (account_id, name);
CREATE INDEX users_account_role ON users (account_id, role, id);
CREATE INDEX users_account_org ON users (account_id, organization_id);
CREATE UNIQUE INDEX users_account_external_id ON users (account_id, lower(external_id));

CREATE TABLE user_identities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    value_norm TEXT NOT NULL,
    verified BOOLEAN NOT NULL DEFAULT FALSE,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    undeliverable_count INTEGER NOT NULL DEFAULT 0,
    deliverable_state TEXT NOT NULL DEFAULT 'deliverable',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX user_identities_value ON user_identities (account_id, type, value_norm);
CREATE INDEX user_identities_user ON user_identities (account_id, user_id);

CREATE TABLE user_tags (
    account_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (account_id, user_id, tag)
);
CREATE INDEX user_tags_tag ON user_tags (account_id, tag);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    name_norm TEXT NOT NULL,
    shared_tickets BOOLEAN NOT NULL DEFAULT FALSE,
    shared_comments BOOLEAN NOT NULL DEFAULT FALSE,
    external_id TEXT,
    details TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    group_id BIGINT,
    organization_fields TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX organizations_name ON organizations (account_id, name_norm) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX organizations_external_id ON organizations (account_id, lower(external_id)) WHERE deleted_at IS NULL;
CREATE INDEX organizations_account_id ON organizations (account_id, id);
CREATE INDEX organizations_account_updated ON organizations (account_id, updated_at, id);

CREATE TABLE organization_domains (
    account_id BIGINT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    domain TEXT NOT NULL,
    PRIMARY KEY (account_id, organization_id, domain)
);
CREATE INDEX organization_domains_domain ON organization_domains (account_id, domain);

CREATE TABLE organization_tags (
    account_id BIGINT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (account_id, organization_id, tag)
);
CREATE INDEX organization_tags_tag ON organization_tags (account_id, tag);

CREATE TABLE organization_memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    view_tickets BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organization_memberships_pair ON organization_memberships (account_id, user_id, organization_id);
CREATE INDEX organization_memberships_org ON organization_memberships (account_id, organization_id, id);
CREATE INDEX organization_memberships_account ON organization_memberships (account_id, id);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    is_public BOOLEAN NOT NULL DEFAULT TRUE,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX groups_account ON groups (account_id, id);

CREATE TABLE group_memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    group_id BIGINT NOT NULL REFERENCES groups (id),
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX group_memberships_pair ON group_memberships (account_id, user_id, group_id);
CREATE INDEX group_memberships_group ON group_memberships (account_id, group_id, id);
CREATE INDEX group_memberships_account ON group_memberships (account_id, id);

CREATE TABLE custom_field_defs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    resource TEXT NOT NULL,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    raw_title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    raw_description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    is_system BOOLEAN NOT NULL DEFAULT FALSE,
    regexp_for_validation TEXT,
    tag TEXT,
    relationship_target_type TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX custom_field_defs_key ON custom_field_defs (account_id, resource, key);

CREATE TABLE custom_field_options (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    field_id BIGINT NOT NULL REFERENCES custom_field_defs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    raw_name TEXT NOT NULL,
    value TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    is_default BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX custom_field_options_field ON custom_field_options (account_id, field_id, position);

CREATE TABLE custom_roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    role_type INTEGER NOT NULL DEFAULT 0,
    configuration TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX custom_roles_account ON custom_roles (account_id, id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    description TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL,
    token_hint TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_account ON api_tokens (account_id, id);

CREATE TABLE job_statuses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    job_type TEXT NOT NULL,
    total INTEGER,
    progress INTEGER,
    status TEXT NOT NULL,
    message TEXT,
    results TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX job_statuses_id ON job_statuses (id);
CREATE INDEX job_statuses_account ON job_statuses (account_id, seq);

CREATE TABLE rate_limits (
    account_id BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (account_id, window_start)
);
