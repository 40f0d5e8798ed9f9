package agentui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/errs"
	"parley/internal/ticket"
)

// Files attached in the reply box go through the ticket room's uploads
// (the service behind POST /api/v2/uploads) under one token, which the
// comment then takes, as an API client's upload-then-comment does. The
// conversation links each comment's files to a download that checks the
// agent's session, so it works with secure downloads on too.

// Uploads stores and serves attachments (the ticket room).
type Uploads interface {
	Upload(ctx context.Context, token, fileName, contentType string, body io.Reader) (string, ticket.Attachment, []ticket.Attachment, error)
	DeleteUpload(ctx context.Context, token string) error
	GetAttachment(ctx context.Context, id int64) (ticket.Attachment, error)
	Download(ctx context.Context, accountID int64, urlToken string) (ticket.Attachment, io.ReadCloser, error)
	UploadLimit() int64
}

// MaxFiles is how many files one comment may carry from the workspace
// (the reply box or a new ticket's description).
const MaxFiles = 5

// BodyLimit is the largest body the workspace takes for r: the posts that
// carry a comment's files may send MaxFiles files of the upload limit on
// top of the form; every other page the form alone. The caller refuses
// anything larger before it is read (web.LimitBody).
func (h *Pages) BodyLimit(r *http.Request, form int64) int64 {
	if r.Method != http.MethodPost {
		return form
	}
	if rc := chi.RouteContext(r.Context()); rc != nil {
		switch rc.RoutePattern() {
		case "/agent/tickets", "/agent/tickets/{id}":
			return form + MaxFiles*h.tickets.UploadLimit()
		}
	}
	return form
}

// formMemory is how much of a multipart form is held in memory; larger
// files wait in temporary files, which the server removes after the
// request.
const formMemory = 8 << 20

// fileLink is one attachment as the conversation shows it.
type fileLink struct {
	Name, Size, Link string
}

func fileLinks(atts []ticket.Attachment) []fileLink {
	var out []fileLink
	for _, a := range atts {
		if a.Deleted {
			continue
		}
		out = append(out, fileLink{Name: a.FileName, Size: byteSize(a.Size),
			Link: fmt.Sprintf("/agent/attachments/%d/%s", a.ID, url.PathEscape(a.FileName))})
	}
	return out
}

// byteSize says a size the way people read it.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	case n == 1:
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// parseForm reads the ticket form, multipart (with files) or not.
func parseForm(r *http.Request) error {
	err := r.ParseMultipartForm(formMemory)
	if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return errs.Wrap(errs.BadRequest, "The form could not be read", err)
	}
	return nil
}

// chosenFiles are the files of the reply box (none for a form without).
func chosenFiles(r *http.Request) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File["attachments"] {
		if fh.Filename != "" {
			out = append(out, fh)
		}
	}
	return out
}

// refusedFiles says why the chosen files cannot go (empty when they can)
// and the status to answer: too many, or one larger than the uploads
// take (413), or no comment to carry them (422).
func (h *Pages) refusedFiles(files []*multipart.FileHeader, body string) (int, string) {
	if len(files) == 0 {
		return 0, ""
	}
	if len(files) > MaxFiles {
		return http.StatusRequestEntityTooLarge,
			fmt.Sprintf("%d files chosen; a comment can carry at most %d. Your comment is kept: choose fewer files.", len(files), MaxFiles)
	}
	limit := h.tickets.UploadLimit()
	for _, fh := range files {
		if fh.Size > limit {
			return http.StatusRequestEntityTooLarge, fmt.Sprintf("%s is too large to attach (%s); files can be at most %s each. Your comment is kept: attach a smaller file or send it without.",
				fh.Filename, byteSize(fh.Size), byteSize(limit))
		}
	}
	if body == "" {
		return http.StatusUnprocessableEntity, "Write a comment to go with the attached files."
	}
	return 0, ""
}

// upload stores the files under one upload token and returns it.
func (h *Pages) upload(ctx context.Context, files []*multipart.FileHeader) (string, error) {
	token := ""
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			return token, err
		}
		token, _, _, err = h.tickets.Upload(ctx, token, fh.Filename, fh.Header.Get("Content-Type"), f)
		f.Close()
		if err != nil {
			return token, err
		}
	}
	return token, nil
}

// download sends an attachment to an agent, by its id.
func (h *Pages) download(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, id, err := agentID(r)
	if err != nil {
		return err
	}
	at, err := h.tickets.GetAttachment(ctx, id)
	if err != nil {
		return err
	}
	at, rc, err := h.tickets.Download(ctx, a.AccountID, at.URLToken)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", at.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(at.Size, 10))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": at.FileName}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
	return nil
}
