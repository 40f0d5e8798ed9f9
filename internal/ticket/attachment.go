package ticket

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// Attachment is an uploaded file, on a comment once one takes it.
type Attachment struct {
	ID          int64
	AccountID   int64
	UploadToken string
	UploaderID  int64
	TicketID    *int64
	CommentID   *int64
	FileName    string
	ContentType string
	Size        int64
	StorageKey  string
	URLToken    string
	Inline      bool
	Deleted     bool
	CreatedAt   time.Time
}

// Files is where attachment contents live (platform/blob.Store).
type Files interface {
	Put(ctx context.Context, key string, r io.Reader, max int64) (int64, error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// AccountSettings answers the account settings tickets depend on.
type AccountSettings interface {
	SecureDownloads(ctx context.Context, accountID int64) (bool, error)
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const attachmentCols = `id, account_id, upload_token, uploader_id, ticket_id, comment_id, file_name, content_type, size,
	storage_key, url_token, inline, deleted, created_at`

func scanAttachment(row interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	var tid, cid sql.NullInt64
	var ca db.Time
	err := row.Scan(&a.ID, &a.AccountID, &a.UploadToken, &a.UploaderID, &tid, &cid, &a.FileName, &a.ContentType, &a.Size,
		&a.StorageKey, &a.URLToken, &a.Inline, &a.Deleted, &ca)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.NotFoundf("Not found")
	}
	a.TicketID, a.CommentID, a.CreatedAt = intPtr(tid), intPtr(cid), ca.T
	return a, err
}

func (s *Service) queryAttachments(ctx context.Context, q string, args ...any) ([]Attachment, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// safeName keeps the base name of an uploaded file, without control
// characters, so it can be shown and sent back in headers.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		return ""
	}
	if len(name) > 255 {
		name = name[len(name)-255:]
	}
	return name
}

// UploadLimit is the largest file Upload takes, in bytes (forms refuse a
// larger one before sending it).
func (s *Service) UploadLimit() int64 { return s.uploadLimit }

// Upload stores one file under an upload token (a new token when token is
// empty) and returns the token's attachments. Any signed-in user may
// upload; files wait there until a comment takes the token.
func (s *Service) Upload(ctx context.Context, token, fileName, contentType string, body io.Reader) (string, Attachment, []Attachment, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return "", Attachment{}, nil, err
	}
	name := safeName(fileName)
	if name == "" {
		return "", Attachment{}, nil, errs.E(errs.BadRequest, "Parameter filename is required").WithCode("ParameterMissing")
	}
	if token != "" {
		existing, err := s.queryAttachments(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE account_id = $1
			AND upload_token = $2 AND comment_id IS NULL`, a.AccountID, token)
		if err != nil {
			return "", Attachment{}, nil, err
		}
		if len(existing) == 0 {
			return "", Attachment{}, nil, errs.NotFoundf("Upload token not found")
		}
	} else {
		token = randomToken(16)
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	if ct == "" || ct == "application/x-www-form-urlencoded" {
		ct = mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		ct, _, _ = mime.ParseMediaType(ct)
	}
	key := fmt.Sprintf("%d/%s", a.AccountID, randomToken(16))
	size, err := s.files.Put(ctx, key, body, s.uploadLimit)
	if err != nil {
		return "", Attachment{}, nil, err
	}
	var att Attachment
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		att, err = scanAttachment(s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO attachments (account_id, upload_token,
			uploader_id, ticket_id, comment_id, file_name, content_type, size, storage_key, url_token, inline, deleted, created_at)
			VALUES ($1,$2,$3,NULL,NULL,$4,$5,$6,$7,$8,FALSE,FALSE,$9) RETURNING `+attachmentCols,
			a.AccountID, token, a.UserID, name, ct, size, key, randomToken(20), s.clock.Now()))
		return err
	})
	if err != nil {
		_ = s.files.Delete(ctx, key)
		return "", Attachment{}, nil, err
	}
	all, err := s.queryAttachments(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE account_id = $1 AND upload_token = $2
		ORDER BY id`, a.AccountID, token)
	return token, att, all, err
}

// DeleteUpload removes the not-yet-attached files of an upload token.
func (s *Service) DeleteUpload(ctx context.Context, token string) error {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return err
	}
	var keys []string
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		atts, err := s.queryAttachments(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE account_id = $1 AND upload_token = $2
			AND comment_id IS NULL`, a.AccountID, token)
		if err != nil {
			return err
		}
		if len(atts) == 0 {
			return errs.NotFoundf("Not found")
		}
		for _, at := range atts {
			if at.UploaderID != a.UserID && !a.IsAgent() {
				return errs.NotFoundf("Not found")
			}
			keys = append(keys, at.StorageKey)
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM attachments WHERE account_id = $1 AND upload_token = $2
			AND comment_id IS NULL`, a.AccountID, token)
		return err
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.files.Delete(ctx, k); err != nil {
			s.log.WarnContext(ctx, "deleting upload blob", "key", k, "error", err.Error())
		}
	}
	return nil
}

// pendingUploads returns the unattached files of the given tokens, or
// Invalid naming a token that has none.
func (s *Service) pendingUploads(ctx context.Context, accountID int64, tokens []string) ([]Attachment, error) {
	var out []Attachment
	for _, tok := range tokens {
		atts, err := s.queryAttachments(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE account_id = $1
			AND upload_token = $2 AND comment_id IS NULL ORDER BY id`, accountID, tok)
		if err != nil {
			return nil, err
		}
		if len(atts) == 0 {
			return nil, errs.Invalidf("comment.uploads", "InvalidValue", "Upload token %s is unknown or already used", tok)
		}
		out = append(out, atts...)
	}
	return out, nil
}

// attach gives pending uploads to a comment.
func (s *Service) attach(ctx context.Context, accountID, ticketID, commentID int64, tokens []string) error {
	if len(tokens) == 0 {
		return nil
	}
	args := []any{ticketID, commentID, accountID}
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE attachments SET ticket_id = $1, comment_id = $2 WHERE account_id = $3
		AND comment_id IS NULL AND upload_token IN (`+db.Placeholders(&args, tokens)+`)`, args...)
	return err
}

// commentAttachments loads the attachments of comments, by comment id.
func (s *Service) commentAttachments(ctx context.Context, accountID int64, commentIDs []int64) (map[int64][]Attachment, error) {
	out := map[int64][]Attachment{}
	if len(commentIDs) == 0 {
		return out, nil
	}
	args := []any{accountID}
	atts, err := s.queryAttachments(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE account_id = $1 AND comment_id IN (`+
		db.Placeholders(&args, commentIDs)+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	for _, at := range atts {
		out[*at.CommentID] = append(out[*at.CommentID], at)
	}
	return out, nil
}

// GetAttachment returns attachment metadata (agents; end users for files
// on tickets they can see).
func (s *Service) GetAttachment(ctx context.Context, id int64) (Attachment, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return Attachment{}, err
	}
	at, err := scanAttachment(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+attachmentCols+` FROM attachments
		WHERE account_id = $1 AND id = $2`, a.AccountID, id))
	if err != nil {
		return at, err
	}
	if err := s.canDownload(ctx, a, at); err != nil {
		return Attachment{}, err
	}
	return at, nil
}

// Download opens an attachment's contents by its URL token. Another
// account's token is NotFound; with secure downloads on, an anonymous
// caller is Unauthenticated; an end user who cannot see the ticket gets
// NotFound, as if the file did not exist.
func (s *Service) Download(ctx context.Context, accountID int64, urlToken string) (Attachment, io.ReadCloser, error) {
	at, err := scanAttachment(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+attachmentCols+` FROM attachments
		WHERE account_id = $1 AND url_token = $2 AND deleted = FALSE`, accountID, urlToken))
	if err != nil {
		return at, nil, err
	}
	a := auth.ActorFrom(ctx)
	if a.Anonymous() {
		secure, err := s.settings.SecureDownloads(ctx, accountID)
		if err != nil {
			return at, nil, err
		}
		if secure || at.TicketID == nil {
			return at, nil, errs.E(errs.Unauthenticated, "")
		}
	} else if err := s.canDownload(ctx, a, at); err != nil {
		return at, nil, err
	}
	rc, err := s.files.Open(ctx, at.StorageKey)
	return at, rc, err
}

// canDownload: agents see every file of their account; end users the files
// they uploaded and those on tickets they requested or are CC'd on.
func (s *Service) canDownload(ctx context.Context, a auth.Actor, at Attachment) error {
	if at.UploaderID == a.UserID || (a.IsAgent() && (!a.Restricted() || at.TicketID == nil)) {
		return nil
	}
	if a.IsAgent() {
		return s.inScope(ctx, a, *at.TicketID)
	}
	if at.TicketID == nil {
		return errs.NotFoundf("Not found")
	}
	t, err := s.ticket(ctx, a.AccountID, *at.TicketID, false)
	if err != nil {
		return errs.NotFoundf("Not found")
	}
	if t.RequesterID == a.UserID || containsID(t.EmailCCIDs, a.UserID) {
		return nil
	}
	return errs.NotFoundf("Not found")
}
