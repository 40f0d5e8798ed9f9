-- +goose Up
-- SQLite's 0027 adds the ticket number to tickets_status, so reading the
-- numbers of a status's tickets stops looking up every row there (4 s for
-- the unsolved tickets of a million). PostgreSQL reads them through a
-- bitmap of the index in 0.36 s and keeps its index as it is; this
-- migration only keeps the two sequences in step.
SELECT 1;

-- +goose Down
SELECT 1;
