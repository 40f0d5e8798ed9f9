-- +goose Up
-- Search (internal/search). Full-text indexes kept by the database in the
-- same transaction as every write, so the rooms that write these tables
-- need not know about search:
--   - one contentless FTS5 table per document kind, fed by triggers;
--     rowid is the record's id, except tickets: account_id * 2^32 + id,
--     since ticket ids are numbered per account (so a search can also stay
--     inside one account's rowid range);
--   - unicode61 without diacritic folding, to split words exactly as the
--     PostgreSQL side does ('simple' configuration over the text with
--     punctuation and symbols blanked), and at most 100,000 characters of
--     each part, as there.
-- The update triggers re-index only when an indexed column changes.
-- Column order = part order in internal/search/index.go.

CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, description, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0');
INSERT INTO tickets_fts (rowid, subject, description)
    SELECT account_id * 4294967296 + id, substr(subject, 1, 100000), substr(description, 1, 100000) FROM tickets;
-- +goose StatementBegin
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, subject, description)
    VALUES (new.account_id * 4294967296 + new.id, substr(new.subject, 1, 100000), substr(new.description, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF account_id, id, subject, description ON tickets
WHEN old.account_id IS NOT new.account_id OR old.id IS NOT new.id OR old.subject IS NOT new.subject OR old.description IS NOT new.description
BEGIN
    DELETE FROM tickets_fts WHERE rowid = old.account_id * 4294967296 + old.id;
    INSERT INTO tickets_fts (rowid, subject, description)
    VALUES (new.account_id * 4294967296 + new.id, substr(new.subject, 1, 100000), substr(new.description, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM tickets_fts WHERE rowid = old.account_id * 4294967296 + old.id;
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE ticket_comments_fts USING fts5(body, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0');
INSERT INTO ticket_comments_fts (rowid, body)
    SELECT id, substr(plain_body, 1, 100000) FROM ticket_comments;
-- +goose StatementBegin
CREATE TRIGGER ticket_comments_fts_insert AFTER INSERT ON ticket_comments BEGIN
    INSERT INTO ticket_comments_fts (rowid, body)
    VALUES (new.id, substr(new.plain_body, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_comments_fts_update AFTER UPDATE OF id, plain_body ON ticket_comments
WHEN old.id IS NOT new.id OR old.plain_body IS NOT new.plain_body
BEGIN
    DELETE FROM ticket_comments_fts WHERE rowid = old.id;
    INSERT INTO ticket_comments_fts (rowid, body)
    VALUES (new.id, substr(new.plain_body, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_comments_fts_delete AFTER DELETE ON ticket_comments BEGIN
    DELETE FROM ticket_comments_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE users_fts USING fts5(name, email, notes, details, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0');
INSERT INTO users_fts (rowid, name, email, notes, details)
    SELECT id, substr(name, 1, 100000), substr(email, 1, 100000), substr(notes, 1, 100000), substr(details, 1, 100000) FROM users;
-- +goose StatementBegin
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, name, email, notes, details)
    VALUES (new.id, substr(new.name, 1, 100000), substr(new.email, 1, 100000), substr(new.notes, 1, 100000), substr(new.details, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_fts_update AFTER UPDATE OF id, name, email, notes, details ON users
WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.email IS NOT new.email OR old.notes IS NOT new.notes OR old.details IS NOT new.details
BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
    INSERT INTO users_fts (rowid, name, email, notes, details)
    VALUES (new.id, substr(new.name, 1, 100000), substr(new.email, 1, 100000), substr(new.notes, 1, 100000), substr(new.details, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE organizations_fts USING fts5(name, details, notes, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0');
INSERT INTO organizations_fts (rowid, name, details, notes)
    SELECT id, substr(name, 1, 100000), substr(details, 1, 100000), substr(notes, 1, 100000) FROM organizations;
-- +goose StatementBegin
CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO organizations_fts (rowid, name, details, notes)
    VALUES (new.id, substr(new.name, 1, 100000), substr(new.details, 1, 100000), substr(new.notes, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organizations_fts_update AFTER UPDATE OF id, name, details, notes ON organizations
WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.details IS NOT new.details OR old.notes IS NOT new.notes
BEGIN
    DELETE FROM organizations_fts WHERE rowid = old.id;
    INSERT INTO organizations_fts (rowid, name, details, notes)
    VALUES (new.id, substr(new.name, 1, 100000), substr(new.details, 1, 100000), substr(new.notes, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations BEGIN
    DELETE FROM organizations_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE groups_fts USING fts5(name, description, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0');
INSERT INTO groups_fts (rowid, name, description)
    SELECT id, substr(name, 1, 100000), substr(description, 1, 100000) FROM groups;
-- +goose StatementBegin
CREATE TRIGGER groups_fts_insert AFTER INSERT ON groups BEGIN
    INSERT INTO groups_fts (rowid, name, description)
    VALUES (new.id, substr(new.name, 1, 100000), substr(new.description, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER groups_fts_update AFTER UPDATE OF id, name, description ON groups
WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.description IS NOT new.description
BEGIN
    DELETE FROM groups_fts WHERE rowid = old.id;
    INSERT INTO groups_fts (rowid, name, description)
    VALUES (new.id, substr(new.name, 1, 100000), substr(new.description, 1, 100000));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER groups_fts_delete AFTER DELETE ON groups BEGIN
    DELETE FROM groups_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd

-- B-tree indexes for search keys that had none (all lead with account_id).
CREATE INDEX tickets_submitter ON tickets (account_id, submitter_id, id);
CREATE INDEX tickets_solved ON tickets (account_id, solved_at);
CREATE INDEX tickets_due ON tickets (account_id, due_at);
CREATE INDEX ticket_comments_author ON ticket_comments (account_id, author_id, ticket_id);
