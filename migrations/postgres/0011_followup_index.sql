-- +goose Up
-- Loading a ticket lists its follow-ups (followup_ids); without this index
-- that was a scan of the account's tickets on every read and write.
CREATE INDEX tickets_followup ON tickets (account_id, followup_source_id);

-- +goose Down
DROP INDEX tickets_followup;
