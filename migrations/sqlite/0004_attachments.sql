-- +goose Up
-- Uploaded files. An upload token groups the files of one POST /uploads
-- series until a comment takes them; url_token is the unguessable part of
-- the download URL.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    upload_token TEXT NOT NULL,
    uploader_id BIGINT NOT NULL,
    ticket_id BIGINT,
    comment_id BIGINT,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    storage_key TEXT NOT NULL,
    url_token TEXT NOT NULL,
    inline BOOLEAN NOT NULL DEFAULT FALSE,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_upload ON attachments (account_id, upload_token);
CREATE INDEX attachments_comment ON attachments (account_id, comment_id);
CREATE UNIQUE INDEX attachments_url_token ON attachments (url_token);
