-- +goose Up
-- A revision of each account's list of rules (triggers, automations and
-- trigger categories), bumped by the database itself on every change, as
-- 'ticket_config' is (0021). A ticket write reads this one row and reuses
-- the run order of active triggers it cached for that revision, instead of
-- listing them: that listing was the fourth-costliest statement of a ticket
-- create with 51 active triggers (internal/rule/trigger, hook.go).
-- +goose StatementBegin
CREATE TRIGGER triggers_list_insert AFTER INSERT ON triggers BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'rule_list', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER triggers_list_update AFTER UPDATE ON triggers BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'rule_list', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER triggers_list_delete AFTER DELETE ON triggers BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (OLD.account_id, 'rule_list', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER trigger_categories_list_insert AFTER INSERT ON trigger_categories BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'rule_list', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER trigger_categories_list_update AFTER UPDATE ON trigger_categories BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (NEW.account_id, 'rule_list', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER trigger_categories_list_delete AFTER DELETE ON trigger_categories BEGIN
    INSERT INTO account_counters (account_id, name, value) VALUES (OLD.account_id, 'rule_list', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER triggers_list_insert;
DROP TRIGGER triggers_list_update;
DROP TRIGGER triggers_list_delete;
DROP TRIGGER trigger_categories_list_insert;
DROP TRIGGER trigger_categories_list_update;
DROP TRIGGER trigger_categories_list_delete;
