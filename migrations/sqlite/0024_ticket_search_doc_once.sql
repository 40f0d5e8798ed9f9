-- +goose Up
-- PostgreSQL writes a new ticket's search document once (see the PostgreSQL
-- migration of the same number); nothing changes on SQLite. This file keeps
-- the two schemas' versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
