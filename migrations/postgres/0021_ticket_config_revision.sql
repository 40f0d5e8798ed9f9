-- +goose Up
-- A revision of each account's ticket configuration (fields and their
-- options, forms, custom statuses), bumped by the database itself on every
-- change. A ticket write reads this one row and reuses the configuration it
-- has cached for that revision instead of loading the four tables again
-- (internal/ticket, config.go); triggers make a change through any path,
-- on any node, move the revision.
-- +goose StatementBegin
CREATE FUNCTION parley_bump_ticket_config() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    acct bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN acct := OLD.account_id; ELSE acct := NEW.account_id; END IF;
    INSERT INTO account_counters (account_id, name, value) VALUES (acct, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ticket_fields_config AFTER INSERT OR UPDATE OR DELETE ON ticket_fields FOR EACH ROW EXECUTE FUNCTION parley_bump_ticket_config();
CREATE TRIGGER ticket_field_options_config AFTER INSERT OR UPDATE OR DELETE ON ticket_field_options FOR EACH ROW EXECUTE FUNCTION parley_bump_ticket_config();
CREATE TRIGGER ticket_forms_config AFTER INSERT OR UPDATE OR DELETE ON ticket_forms FOR EACH ROW EXECUTE FUNCTION parley_bump_ticket_config();
CREATE TRIGGER custom_statuses_config AFTER INSERT OR UPDATE OR DELETE ON custom_statuses FOR EACH ROW EXECUTE FUNCTION parley_bump_ticket_config();

-- +goose Down
DROP TRIGGER ticket_fields_config ON ticket_fields;
DROP TRIGGER ticket_field_options_config ON ticket_field_options;
DROP TRIGGER ticket_forms_config ON ticket_forms;
DROP TRIGGER custom_statuses_config ON custom_statuses;
DROP FUNCTION parley_bump_ticket_config();
