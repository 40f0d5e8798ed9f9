-- +goose Up
-- A new ticket's search document (migration 0022) is written once, with its
-- comments, instead of being written with the ticket and rewritten, a new
-- row version with every word indexed again, when its comments arrive a
-- statement later: that made a PostgreSQL seed of 100,000 tickets four
-- times slower (59 s to 246 s). The comments' statement now builds the
-- document of a ticket that has none; a ticket that gets no comment in its
-- transaction gets its document at commit (a deferred trigger, one
-- primary-key lookup a ticket).
DROP TRIGGER tickets_search_doc_insert ON tickets;

-- +goose StatementBegin
CREATE FUNCTION parley_ticket_search_doc_ensure() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ticket_search_docs s WHERE s.account_id = NEW.account_id
                   AND s.ticket_id = NEW.id AND s.part = 0) THEN
        PERFORM parley_ticket_search_doc_build(NEW.account_id, NEW.id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER tickets_search_doc_ensure AFTER INSERT ON tickets
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION parley_ticket_search_doc_ensure();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION parley_ticket_comments_search_doc_insert() RETURNS trigger
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
        -- A ticket without a document yet (new in this transaction) gets it
        -- built once, from its rows, these comments included.
        IF NOT EXISTS (SELECT 1 FROM ticket_search_docs s WHERE s.account_id = g.account_id
                       AND s.ticket_id = g.ticket_id AND s.part = 0) THEN
            PERFORM parley_ticket_search_doc_build(g.account_id, g.ticket_id);
            CONTINUE;
        END IF;
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

-- +goose Down
DROP TRIGGER tickets_search_doc_ensure ON tickets;
DROP FUNCTION parley_ticket_search_doc_ensure();
CREATE TRIGGER tickets_search_doc_insert AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_tickets
    FOR EACH STATEMENT EXECUTE FUNCTION parley_tickets_search_doc_insert();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION parley_ticket_comments_search_doc_insert() RETURNS trigger
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
