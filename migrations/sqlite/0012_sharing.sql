-- +goose Up
-- Ticket sharing (seed 003, reference §6): agreements with partners, the
-- tickets shared through them, the people and comments they carried, and
-- an ordered outbox of protocol messages per agreement.

-- One row per agreement per account. Between two accounts of this
-- installation both sides have a row with the same uuid. access_key is
-- sealed (AES-GCM); remote_account_id is set for a partner account here.
CREATE TABLE sharing_agreements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    uuid TEXT NOT NULL,
    direction TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    remote_account_id BIGINT,
    remote_subdomain TEXT,
    remote_url TEXT NOT NULL,
    local_url TEXT NOT NULL,
    access_key TEXT NOT NULL,
    allows_public_comments BOOLEAN NOT NULL,
    sync_tags BOOLEAN NOT NULL,
    sync_custom_fields BOOLEAN NOT NULL,
    deactivated_by TEXT,
    partner_name TEXT,
    auto_declined BOOLEAN NOT NULL DEFAULT FALSE,
    failure TEXT,
    delivering_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX sharing_agreements_uuid ON sharing_agreements (account_id, uuid);
CREATE INDEX sharing_agreements_list ON sharing_agreements (account_id, deleted_at, id);

-- A ticket's link to an agreement: outbound (we shared it) or inbound (we
-- received it). tags is the tag set both sides agree on, so business-rule
-- tags of either side never travel.
CREATE TABLE ticket_shares (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    ticket_id BIGINT NOT NULL,
    agreement_id BIGINT NOT NULL,
    uuid TEXT NOT NULL,
    direction TEXT NOT NULL,
    original_id BIGINT,
    status TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    created_audit_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX ticket_shares_uuid ON ticket_shares (account_id, agreement_id, uuid);
CREATE INDEX ticket_shares_ticket ON ticket_shares (account_id, ticket_id);

-- Placeholder users made for a partner's people, by the partner's uuid.
CREATE TABLE sharing_actors (
    account_id BIGINT NOT NULL,
    agreement_id BIGINT NOT NULL,
    uuid TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, agreement_id, uuid)
);
CREATE INDEX sharing_actors_user ON sharing_actors (account_id, user_id);

-- Comment uuids: what the partner knows a comment by, and the share it
-- arrived through (never sent back there). De-duplicates re-sent comments.
CREATE TABLE sharing_comments (
    account_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    uuid TEXT NOT NULL,
    comment_id BIGINT NOT NULL,
    share_id BIGINT,
    PRIMARY KEY (account_id, ticket_id, uuid)
);
CREATE INDEX sharing_comments_comment ON sharing_comments (account_id, comment_id);

-- Protocol messages to partners, delivered strictly in id order per
-- agreement by one job at a time (the agreement's delivering_until lease).
CREATE TABLE sharing_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    agreement_id BIGINT NOT NULL,
    share_id BIGINT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX sharing_outbox_pending ON sharing_outbox (account_id, agreement_id, status, id);

-- The agreements a ticket is shared through, kept on the ticket so reads
-- and rule conditions (received from / sent to) need no join.
ALTER TABLE tickets ADD COLUMN shared_from_agreement_id BIGINT;
ALTER TABLE tickets ADD COLUMN shared_to_agreement_id BIGINT;

-- +goose Down
ALTER TABLE tickets DROP COLUMN shared_to_agreement_id;
ALTER TABLE tickets DROP COLUMN shared_from_agreement_id;
DROP TABLE sharing_outbox;
DROP TABLE sharing_comments;
DROP TABLE sharing_actors;
DROP TABLE ticket_shares;
DROP TABLE sharing_agreements;
