-- +goose Up
-- PostgreSQL gets one search document per ticket (see the PostgreSQL
-- migration of the same number); SQLite's comment full-text rows are
-- already keyed by ticket (0018). This file keeps the two schemas'
-- versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
