-- +goose Up
-- Per-account sequences (ticket numbers start at 1 in every account).
CREATE TABLE account_counters (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE custom_statuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    status_category TEXT NOT NULL,
    agent_label TEXT NOT NULL,
    raw_agent_label TEXT NOT NULL,
    end_user_label TEXT NOT NULL,
    raw_end_user_label TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    raw_description TEXT NOT NULL DEFAULT '',
    end_user_description TEXT NOT NULL DEFAULT '',
    raw_end_user_description TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX custom_statuses_account ON custom_statuses (account_id, status_category, id);

CREATE TABLE ticket_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    raw_title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    raw_description TEXT NOT NULL DEFAULT '',
    agent_description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 9999,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    required BOOLEAN NOT NULL DEFAULT FALSE,
    collapsed_for_agents BOOLEAN NOT NULL DEFAULT FALSE,
    regexp_for_validation TEXT,
    title_in_portal TEXT NOT NULL DEFAULT '',
    raw_title_in_portal TEXT NOT NULL DEFAULT '',
    visible_in_portal BOOLEAN NOT NULL DEFAULT FALSE,
    editable_in_portal BOOLEAN NOT NULL DEFAULT FALSE,
    required_in_portal BOOLEAN NOT NULL DEFAULT FALSE,
    tag TEXT,
    removable BOOLEAN NOT NULL DEFAULT TRUE,
    field_key TEXT,
    sub_type_id INTEGER NOT NULL DEFAULT 0,
    relationship_target_type TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_fields_account ON ticket_fields (account_id, position, id);

CREATE TABLE ticket_field_options (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    field_id BIGINT NOT NULL REFERENCES ticket_fields (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    raw_name TEXT NOT NULL,
    value TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    is_default BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX ticket_field_options_field ON ticket_field_options (account_id, field_id, position);

CREATE TABLE ticket_forms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    end_user_visible BOOLEAN NOT NULL DEFAULT TRUE,
    position INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    in_all_brands BOOLEAN NOT NULL DEFAULT TRUE,
    ticket_field_ids TEXT NOT NULL DEFAULT '[]',
    agent_conditions TEXT NOT NULL DEFAULT '[]',
    end_user_conditions TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_forms_account ON ticket_forms (account_id, position, id);

CREATE TABLE tickets (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT NOT NULL,
    external_id TEXT,
    via_channel TEXT NOT NULL,
    via_source TEXT NOT NULL DEFAULT '{}',
    type TEXT,
    subject TEXT NOT NULL DEFAULT '',
    raw_subject TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    priority TEXT,
    status TEXT NOT NULL,
    custom_status_id BIGINT NOT NULL,
    recipient TEXT,
    requester_id BIGINT NOT NULL,
    submitter_id BIGINT NOT NULL,
    assignee_id BIGINT,
    organization_id BIGINT,
    group_id BIGINT,
    forum_topic_id BIGINT,
    problem_id BIGINT,
    is_public BOOLEAN NOT NULL DEFAULT TRUE,
    due_at TIMESTAMP,
    brand_id BIGINT,
    ticket_form_id BIGINT,
    followup_source_id BIGINT,
    satisfaction_score TEXT NOT NULL DEFAULT 'unoffered',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    solved_at TIMESTAMP,
    deleted_at TIMESTAMP,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX tickets_updated ON tickets (account_id, updated_at, id);
CREATE INDEX tickets_created ON tickets (account_id, created_at, id);
CREATE INDEX tickets_status ON tickets (account_id, status, updated_at);
CREATE INDEX tickets_requester ON tickets (account_id, requester_id, id);
CREATE INDEX tickets_assignee ON tickets (account_id, assignee_id, status);
CREATE INDEX tickets_group ON tickets (account_id, group_id, status);
CREATE INDEX tickets_organization ON tickets (account_id, organization_id, id);
CREATE INDEX tickets_problem ON tickets (account_id, problem_id);
CREATE INDEX tickets_external ON tickets (account_id, external_id);

CREATE TABLE ticket_tags (
    account_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (account_id, ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (account_id, tag, ticket_id);

CREATE TABLE ticket_field_values (
    account_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    field_id BIGINT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (account_id, ticket_id, field_id)
);
CREATE INDEX ticket_field_values_value ON ticket_field_values (account_id, field_id, value);

-- collaborators (legacy CCs), followers and email CCs
CREATE TABLE ticket_users (
    account_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, ticket_id, kind, user_id)
);
CREATE INDEX ticket_users_user ON ticket_users (account_id, user_id, kind);

CREATE TABLE ticket_audits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL,
    via_channel TEXT NOT NULL,
    via_source TEXT NOT NULL DEFAULT '{}',
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_audits_ticket ON ticket_audits (account_id, ticket_id, id);
CREATE INDEX ticket_audits_account ON ticket_audits (account_id, id);
CREATE INDEX ticket_audits_created ON ticket_audits (account_id, created_at, id);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    audit_id BIGINT NOT NULL REFERENCES ticket_audits (id),
    ticket_id BIGINT NOT NULL,
    type TEXT NOT NULL,
    field_name TEXT,
    value TEXT,
    previous_value TEXT,
    comment_id BIGINT,
    via TEXT,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_audit ON ticket_events (account_id, audit_id, id);

CREATE TABLE ticket_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    audit_id BIGINT NOT NULL,
    type TEXT NOT NULL DEFAULT 'Comment',
    author_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    plain_body TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    via_channel TEXT NOT NULL,
    via_source TEXT NOT NULL DEFAULT '{}',
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (account_id, ticket_id, created_at, id);

-- Every existing account gets the default custom statuses.
INSERT INTO custom_statuses (account_id, status_category, agent_label, raw_agent_label, end_user_label,
    raw_end_user_label, description, raw_description, end_user_description, raw_end_user_description,
    active, is_default, created_at, updated_at)
SELECT a.id, s.cat, s.agent, s.agent, s.eu, s.eu, s.descr, s.descr, s.eudescr, s.eudescr, TRUE, TRUE, a.created_at, a.created_at
FROM accounts a CROSS JOIN (
    SELECT 'new' AS cat, 'New' AS agent, 'Open' AS eu, 'Ticket is awaiting assignment to an agent' AS descr, 'We are working on a response for you' AS eudescr, 1 AS ord
    UNION ALL SELECT 'open', 'Open', 'Open', 'Staff is working on the ticket', 'We are working on a response for you', 2
    UNION ALL SELECT 'pending', 'Pending', 'Awaiting your reply', 'Staff is waiting for the requester to reply', 'We are waiting for you to respond', 3
    UNION ALL SELECT 'hold', 'On-hold', 'Open', 'Staff is waiting for a third party', 'We are working on a response for you', 4
    UNION ALL SELECT 'solved', 'Solved', 'Solved', 'The ticket has been solved', 'We hope your request has been resolved', 5
) s ORDER BY a.id, s.ord;
