-- +goose Up
-- Search (internal/search). Full-text indexes kept by the database in the
-- same transaction as every write: GIN indexes over tsvector expressions
-- ('simple' configuration: no stemming, no stop words, as Zendesk), no new
-- tables or columns. parley_search_doc() caps a part at 100,000 characters
-- (keeping every tsvector far below the 1 MB limit, so no write can fail)
-- and blanks punctuation and symbols, so that words split as SQLite's FTS5
-- unicode61 tokenizer splits them (jane.doe@x.com -> jane doe x com).
-- Multi-part documents weight their parts A, B, C, D in order, so a search
-- can look in one part. The expressions must match internal/search/index.go
-- exactly, or the planner will not use these indexes.

-- +goose StatementBegin
CREATE FUNCTION parley_search_doc(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT regexp_replace(left(coalesce(t, ''), 100000), '[[:punct:]]', ' ', 'g') $$;
-- +goose StatementEnd

CREATE INDEX tickets_search ON tickets USING gin ((setweight(to_tsvector('simple', parley_search_doc(subject)), 'A') || setweight(to_tsvector('simple', parley_search_doc(description)), 'B')));
CREATE INDEX ticket_comments_search ON ticket_comments USING gin ((to_tsvector('simple', parley_search_doc(plain_body))));
CREATE INDEX users_search ON users USING gin ((setweight(to_tsvector('simple', parley_search_doc(name)), 'A') || setweight(to_tsvector('simple', parley_search_doc(email)), 'B') || setweight(to_tsvector('simple', parley_search_doc(notes)), 'C') || setweight(to_tsvector('simple', parley_search_doc(details)), 'D')));
CREATE INDEX organizations_search ON organizations USING gin ((setweight(to_tsvector('simple', parley_search_doc(name)), 'A') || setweight(to_tsvector('simple', parley_search_doc(details)), 'B') || setweight(to_tsvector('simple', parley_search_doc(notes)), 'C')));
CREATE INDEX groups_search ON groups USING gin ((setweight(to_tsvector('simple', parley_search_doc(name)), 'A') || setweight(to_tsvector('simple', parley_search_doc(description)), 'B')));

-- B-tree indexes for search keys that had none (all lead with account_id).
CREATE INDEX tickets_submitter ON tickets (account_id, submitter_id, id);
CREATE INDEX tickets_solved ON tickets (account_id, solved_at);
CREATE INDEX tickets_due ON tickets (account_id, due_at);
CREATE INDEX ticket_comments_author ON ticket_comments (account_id, author_id, ticket_id);
