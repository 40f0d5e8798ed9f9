-- +goose Up
-- SQLite keys its comment full-text rows by ticket (see the SQLite
-- migration of the same number); PostgreSQL's GIN index needs no change.
-- This file keeps the two schemas' versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
