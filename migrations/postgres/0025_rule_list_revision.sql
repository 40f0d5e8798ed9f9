-- +goose Up
-- A revision of each account's list of rules (triggers, automations and
-- trigger categories), bumped by the database itself on every change, as
-- 'ticket_config' is (0021). A ticket write reads this one row and reuses
-- the run order of active triggers it cached for that revision, instead of
-- listing them: that listing was the fourth-costliest statement of a ticket
-- create with 51 active triggers (internal/rule/trigger, hook.go).
-- +goose StatementBegin
CREATE FUNCTION parley_bump_rule_list() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    acct bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN acct := OLD.account_id; ELSE acct := NEW.account_id; END IF;
    INSERT INTO account_counters (account_id, name, value) VALUES (acct, 'rule_list', 1)
    ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER triggers_list AFTER INSERT OR UPDATE OR DELETE ON triggers FOR EACH ROW EXECUTE FUNCTION parley_bump_rule_list();
CREATE TRIGGER trigger_categories_list AFTER INSERT OR UPDATE OR DELETE ON trigger_categories FOR EACH ROW EXECUTE FUNCTION parley_bump_rule_list();

-- +goose Down
DROP TRIGGER triggers_list ON triggers;
DROP TRIGGER trigger_categories_list ON trigger_categories;
DROP FUNCTION parley_bump_rule_list();
