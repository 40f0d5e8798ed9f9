-- +goose Up
-- One search document per ticket (internal/search): the words of its
-- subject, description and every comment, so that the tickets matching a
-- bare word come from one GIN index lookup and one small row per ticket.
-- Before, every matching comment was read from ticket_comments for its
-- ticket id: at 100,000 tickets a common word ("printer", 43,000 comments)
-- spent 150-300 ms doing so. SQLite keys its comment full-text rows by
-- ticket for the same reason (migration 0018).
--
-- A document holds words, not places: each part is
-- strip(to_tsvector('simple', parley_search_doc(text))), with neither
-- positions nor weights, so it answers a one-word term only. Phrases,
-- words holding punctuation and subject:/description:/comment: keep the
-- GIN indexes of migration 0003, whose positions keep a phrase within one
-- field or one comment.
--
-- A tsvector holds at most 1 MB of words, and a write must never fail
-- because of search. A document is therefore kept in parts: part 0 holds
-- the subject, the description and the first comments; when a comment's
-- words would take a part past 64 KB they start a new part, keyed by that
-- comment's id. A ticket's parts together hold all its words, however long
-- the ticket (the subject and the description, at most 100,000 characters
-- each, fit part 0 together). 64 KB rather than 1 MB keeps each comment's
-- append cheap: an update re-indexes every word of the part. Sizes are
-- compared as pg_column_size(), which is exact only for uncompressed
-- values: hence STORAGE EXTERNAL (stored out of line past 2 KB, never
-- compressed).
--
-- Triggers keep the documents in the transaction of every write: a new
-- ticket gets its document; a new comment's words are appended to the
-- ticket's last part (or start a new one); a changed subject, description
-- or comment text (redaction) or a deleted comment rebuilds the ticket's
-- document from its rows. Rows are removed with their ticket (ON DELETE
-- CASCADE). Soft-deleted tickets keep their document, as their comments
-- keep their index entries; queries leave them out.
CREATE TABLE ticket_search_docs (
    account_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    part BIGINT NOT NULL,
    doc TSVECTOR NOT NULL,
    PRIMARY KEY (account_id, ticket_id, part),
    FOREIGN KEY (account_id, ticket_id) REFERENCES tickets (account_id, id) ON DELETE CASCADE
);
ALTER TABLE ticket_search_docs ALTER COLUMN doc SET STORAGE EXTERNAL;

-- parley_ticket_search_doc_parts computes ticket t's document from its
-- rows, as (part, doc) rows; none when there is no such ticket.
-- +goose StatementBegin
CREATE FUNCTION parley_ticket_search_doc_parts(a BIGINT, t BIGINT)
    RETURNS TABLE (part BIGINT, doc TSVECTOR)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    c RECORD;
    words TSVECTOR;
BEGIN
    SELECT 0, strip(to_tsvector('simple', parley_search_doc(tk.subject)))
        || strip(to_tsvector('simple', parley_search_doc(tk.description)))
        INTO part, doc
        FROM tickets tk WHERE tk.account_id = a AND tk.id = t;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    FOR c IN SELECT cm.id, cm.plain_body FROM ticket_comments cm
             WHERE cm.account_id = a AND cm.ticket_id = t ORDER BY cm.id LOOP
        words := strip(to_tsvector('simple', parley_search_doc(c.plain_body)));
        IF pg_column_size(doc) + pg_column_size(words) <= 65536 THEN
            doc := doc || words;
        ELSE
            RETURN NEXT;
            part := c.id;
            doc := words;
        END IF;
    END LOOP;
    RETURN NEXT;
END
$$;
-- +goose StatementEnd

-- parley_ticket_search_doc_build (re)writes ticket t's document. Part 0
-- is locked (or created) first, so that the writers of one ticket's
-- document take turns; the rows are read after the lock.
-- +goose StatementBegin
CREATE FUNCTION parley_ticket_search_doc_build(a BIGINT, t BIGINT) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    parts BIGINT[];
    docs TSVECTOR[];
BEGIN
    PERFORM 1 FROM ticket_search_docs s WHERE s.account_id = a AND s.ticket_id = t AND s.part = 0 FOR UPDATE;
    IF NOT FOUND THEN
        -- A new document (a new ticket): insert it; if another
        -- transaction has just inserted it, wait for it and rebuild.
        SELECT array_agg(p.part ORDER BY p.part), array_agg(p.doc ORDER BY p.part) INTO parts, docs
            FROM parley_ticket_search_doc_parts(a, t) p;
        IF parts IS NULL THEN
            RETURN;
        END IF;
        INSERT INTO ticket_search_docs (account_id, ticket_id, part, doc) VALUES (a, t, 0, docs[1])
            ON CONFLICT (account_id, ticket_id, part) DO NOTHING;
        IF FOUND THEN
            INSERT INTO ticket_search_docs (account_id, ticket_id, part, doc)
                SELECT a, t, x.p, x.d FROM unnest(parts[2:], docs[2:]) AS x(p, d);
            RETURN;
        END IF;
        PERFORM 1 FROM ticket_search_docs s WHERE s.account_id = a AND s.ticket_id = t AND s.part = 0 FOR UPDATE;
        IF NOT FOUND THEN
            RETURN;
        END IF;
    END IF;
    SELECT array_agg(p.part ORDER BY p.part), array_agg(p.doc ORDER BY p.part) INTO parts, docs
        FROM parley_ticket_search_doc_parts(a, t) p;
    DELETE FROM ticket_search_docs s WHERE s.account_id = a AND s.ticket_id = t AND s.part <> 0;
    IF parts IS NULL THEN
        RETURN;
    END IF;
    UPDATE ticket_search_docs s SET doc = docs[1] WHERE s.account_id = a AND s.ticket_id = t AND s.part = 0;
    INSERT INTO ticket_search_docs (account_id, ticket_id, part, doc)
        SELECT a, t, x.p, x.d FROM unnest(parts[2:], docs[2:]) AS x(p, d);
END
$$;
-- +goose StatementEnd

-- New tickets get their documents in one statement. A ticket whose
-- comments were written before it (no Parley path does so) is built from
-- its rows; the test is a subquery a row, one index lookup each, which
-- PostgreSQL cannot turn into a scan of all comments.
-- +goose StatementBegin
CREATE FUNCTION parley_tickets_search_doc_insert() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO ticket_search_docs (account_id, ticket_id, part, doc)
        SELECT n.account_id, n.id, 0, strip(to_tsvector('simple', parley_search_doc(n.subject)))
            || strip(to_tsvector('simple', parley_search_doc(n.description)))
        FROM new_tickets n
        ON CONFLICT (account_id, ticket_id, part) DO NOTHING;
    PERFORM parley_ticket_search_doc_build(n.account_id, n.id) FROM new_tickets n
        WHERE (SELECT TRUE FROM ticket_comments c WHERE c.account_id = n.account_id AND c.ticket_id = n.id LIMIT 1);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION parley_tickets_search_doc_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM parley_ticket_search_doc_build(NEW.account_id, NEW.id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- parley_ticket_search_doc_append adds the words of comment c (text body)
-- to ticket t's last part while it has room, else as a new part keyed by
-- the comment. Without a document (no such ticket, or comments written
-- before their ticket) the document is built from the rows.
-- +goose StatementBegin
CREATE FUNCTION parley_ticket_search_doc_append(a BIGINT, t BIGINT, c BIGINT, body TEXT) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    words TSVECTOR := strip(to_tsvector('simple', parley_search_doc(body)));
BEGIN
    UPDATE ticket_search_docs s SET doc = s.doc || words
        WHERE s.account_id = a AND s.ticket_id = t
        AND s.part = (SELECT max(l.part) FROM ticket_search_docs l WHERE l.account_id = a AND l.ticket_id = t)
        AND pg_column_size(s.doc) + pg_column_size(words) <= 65536;
    IF FOUND THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM ticket_search_docs s WHERE s.account_id = a AND s.ticket_id = t AND s.part = 0) THEN
        INSERT INTO ticket_search_docs (account_id, ticket_id, part, doc) VALUES (a, t, c, words)
            ON CONFLICT (account_id, ticket_id, part) DO NOTHING;
    ELSE
        PERFORM parley_ticket_search_doc_build(a, t);
    END IF;
END
$$;
-- +goose StatementEnd

-- New comments, once per statement (an import writes a thousand tickets'
-- comments in one). A ticket's new comments of at most 16,000 bytes
-- together (at most 56 KB of words: 4 bytes an entry and 1.5 bytes a byte
-- of text lower-cased) go to its last part in one update when it has
-- room; the others are appended one by one, in order. Each statement
-- reads one ticket's rows by primary key: a join of the new rows with
-- ticket_search_docs could be planned as a scan of the whole table.
-- +goose StatementBegin
CREATE FUNCTION parley_ticket_comments_search_doc_insert() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    g RECORD;
    c RECORD;
BEGIN
    FOR g IN SELECT n.account_id, n.ticket_id,
                 CASE WHEN sum(octet_length(n.plain_body)) <= 16000
                 THEN strip(to_tsvector('simple', string_agg(parley_search_doc(n.plain_body), ' '))) END AS words
             FROM new_comments n GROUP BY n.account_id, n.ticket_id LOOP
        IF g.words IS NOT NULL THEN
            UPDATE ticket_search_docs s SET doc = s.doc || g.words
                WHERE s.account_id = g.account_id AND s.ticket_id = g.ticket_id
                AND s.part = (SELECT max(l.part) FROM ticket_search_docs l
                              WHERE l.account_id = g.account_id AND l.ticket_id = g.ticket_id)
                AND pg_column_size(s.doc) + pg_column_size(g.words) <= 65536;
            CONTINUE WHEN FOUND;
        END IF;
        FOR c IN SELECT n.id, n.plain_body FROM new_comments n
                 WHERE n.account_id = g.account_id AND n.ticket_id = g.ticket_id ORDER BY n.id LOOP
            PERFORM parley_ticket_search_doc_append(g.account_id, g.ticket_id, c.id, c.plain_body);
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION parley_ticket_comments_search_doc_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM parley_ticket_search_doc_build(NEW.account_id, NEW.ticket_id);
    IF OLD.account_id <> NEW.account_id OR OLD.ticket_id <> NEW.ticket_id THEN
        PERFORM parley_ticket_search_doc_build(OLD.account_id, OLD.ticket_id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Deleting comments rebuilds each of their tickets' documents once per
-- statement (a ticket's purge deletes all its comments in one).
-- +goose StatementBegin
CREATE FUNCTION parley_ticket_comments_search_doc_delete() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM parley_ticket_search_doc_build(g.account_id, g.ticket_id)
        FROM (SELECT DISTINCT o.account_id, o.ticket_id FROM old_comments o) g;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Backfill. A ticket with at most 100,000 bytes of text (nearly all) is
-- indexed in one statement: its texts joined by spaces have the words of
-- each (parley_search_doc has blanked the punctuation), and so few bytes
-- cannot reach to_tsvector's 1 MB, positions included. Longer tickets,
-- and documents of more than 64 KB, are then built part by part.
INSERT INTO ticket_search_docs (account_id, ticket_id, part, doc)
SELECT t.account_id, t.id, 0, strip(to_tsvector('simple', parley_search_doc(t.subject) || ' ' ||
    parley_search_doc(t.description) || coalesce(' ' || c.body, '')))
FROM tickets t
LEFT JOIN (SELECT cm.account_id, cm.ticket_id, string_agg(parley_search_doc(cm.plain_body), ' ') AS body,
        sum(octet_length(cm.plain_body)) AS bytes
    FROM ticket_comments cm GROUP BY cm.account_id, cm.ticket_id) c ON c.account_id = t.account_id AND c.ticket_id = t.id
WHERE octet_length(t.subject) + octet_length(t.description) + coalesce(c.bytes, 0) <= 100000;
SELECT parley_ticket_search_doc_build(t.account_id, t.id) FROM tickets t
WHERE NOT EXISTS (SELECT 1 FROM ticket_search_docs s WHERE s.account_id = t.account_id AND s.ticket_id = t.id);
SELECT parley_ticket_search_doc_build(s.account_id, s.ticket_id) FROM ticket_search_docs s
WHERE s.part = 0 AND pg_column_size(s.doc) > 65536;

CREATE INDEX ticket_search_docs_doc ON ticket_search_docs USING gin (doc);

CREATE TRIGGER tickets_search_doc_insert AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_tickets
    FOR EACH STATEMENT EXECUTE FUNCTION parley_tickets_search_doc_insert();
CREATE TRIGGER tickets_search_doc_update AFTER UPDATE OF subject, description ON tickets
    FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.description IS DISTINCT FROM NEW.description)
    EXECUTE FUNCTION parley_tickets_search_doc_update();
CREATE TRIGGER ticket_comments_search_doc_insert AFTER INSERT ON ticket_comments
    REFERENCING NEW TABLE AS new_comments
    FOR EACH STATEMENT EXECUTE FUNCTION parley_ticket_comments_search_doc_insert();
CREATE TRIGGER ticket_comments_search_doc_update AFTER UPDATE OF plain_body, account_id, ticket_id ON ticket_comments
    FOR EACH ROW WHEN (OLD.plain_body IS DISTINCT FROM NEW.plain_body OR OLD.account_id <> NEW.account_id
        OR OLD.ticket_id <> NEW.ticket_id)
    EXECUTE FUNCTION parley_ticket_comments_search_doc_update();
CREATE TRIGGER ticket_comments_search_doc_delete AFTER DELETE ON ticket_comments
    REFERENCING OLD TABLE AS old_comments
    FOR EACH STATEMENT EXECUTE FUNCTION parley_ticket_comments_search_doc_delete();

-- No ANALYZE here: statistics of an empty table (a new database) would
-- make the triggers' cached plans scan the table instead of its primary
-- key for as long as a session lives (a seed of 100,000 tickets slowed
-- from 1,500 to 70 tickets a second). Autovacuum analyzes it as it grows.

-- +goose Down
DROP TRIGGER ticket_comments_search_doc_delete ON ticket_comments;
DROP TRIGGER ticket_comments_search_doc_update ON ticket_comments;
DROP TRIGGER ticket_comments_search_doc_insert ON ticket_comments;
DROP TRIGGER tickets_search_doc_update ON tickets;
DROP TRIGGER tickets_search_doc_insert ON tickets;
DROP TABLE ticket_search_docs;
DROP FUNCTION parley_ticket_comments_search_doc_delete();
DROP FUNCTION parley_ticket_comments_search_doc_update();
DROP FUNCTION parley_ticket_comments_search_doc_insert();
DROP FUNCTION parley_ticket_search_doc_append(BIGINT, BIGINT, BIGINT, TEXT);
DROP FUNCTION parley_tickets_search_doc_update();
DROP FUNCTION parley_tickets_search_doc_insert();
DROP FUNCTION parley_ticket_search_doc_build(BIGINT, BIGINT);
DROP FUNCTION parley_ticket_search_doc_parts(BIGINT, BIGINT);
