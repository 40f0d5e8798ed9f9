-- +goose Up
-- A revision of each account's ticket configuration (fields and their
-- options, forms, custom statuses), bumped by the database itself on every
-- change. A ticket write reads this one row and reuses the configuration it
-- has cached for that revision instead of loading the four tables again
-- (internal/ticket, config.go); triggers make a change through any path,
-- on any node, move the revision.
-- +goose StatementBegin
CREATE TRIGGER ticket_fields_config_insert AFTER INSERT ON ticket_fields BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_fields_config_update AFTER UPDATE ON ticket_fields BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_fields_config_delete AFTER DELETE ON ticket_fields BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (OLD.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_field_options_config_insert AFTER INSERT ON ticket_field_options BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_field_options_config_update AFTER UPDATE ON ticket_field_options BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_field_options_config_delete AFTER DELETE ON ticket_field_options BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (OLD.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_forms_config_insert AFTER INSERT ON ticket_forms BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_forms_config_update AFTER UPDATE ON ticket_forms BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ticket_forms_config_delete AFTER DELETE ON ticket_forms BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (OLD.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER custom_statuses_config_insert AFTER INSERT ON custom_statuses BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER custom_statuses_config_update AFTER UPDATE ON custom_statuses BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER custom_statuses_config_delete AFTER DELETE ON custom_statuses BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (OLD.account_id, 'ticket_config', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER ticket_fields_config_insert;
DROP TRIGGER ticket_fields_config_update;
DROP TRIGGER ticket_fields_config_delete;
DROP TRIGGER ticket_field_options_config_insert;
DROP TRIGGER ticket_field_options_config_update;
DROP TRIGGER ticket_field_options_config_delete;
DROP TRIGGER ticket_forms_config_insert;
DROP TRIGGER ticket_forms_config_update;
DROP TRIGGER ticket_forms_config_delete;
DROP TRIGGER custom_statuses_config_insert;
DROP TRIGGER custom_statuses_config_update;
DROP TRIGGER custom_statuses_config_delete;
