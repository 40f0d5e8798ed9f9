package app_test

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
	"parley/internal/config"
)

// limitUpload is the test server's largest attachment: the reply box then
// takes the form (2 MB) plus five such files, 12 MB.
const limitUpload = 2 << 20

// zeros is a body of n zero bytes made while it is read, counting what
// was read.
type zeros struct{ n, read int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	z.read += int64(len(p))
	return len(p), nil
}

// counted counts what the server read of a body.
type counted struct {
	r    io.Reader
	read int64
}

func (c *counted) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

// replyBody is a reply-box post carrying one file of size bytes.
func replyBody(csrf string, size int64) (io.Reader, string, int64) {
	var head strings.Builder
	mw := multipart.NewWriter(&head)
	_ = mw.WriteField("csrf_token", csrf)
	_ = mw.WriteField("body", "See the attached dump.")
	_ = mw.WriteField("visibility", "internal")
	_, _ = mw.CreateFormFile("attachments", "dump.bin")
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	total := int64(head.Len()) + size + int64(len(tail))
	return io.MultiReader(strings.NewReader(head.String()), &zeros{n: size}, strings.NewReader(tail)),
		mw.FormDataContentType(), total
}

// TestHTMLBodyLimit posts oversize bodies to the HTML pages: announced
// ones are refused with 413 before a byte is read, unannounced (chunked)
// ones stop being read at the limit and get the same 413 page, and in
// neither case is a comment or an attachment written. A post inside the
// limit still goes through.
func TestHTMLBodyLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/tickets.json", Auth: s.Default.TokenAuth(),
			Body: map[string]any{"ticket": map[string]any{"subject": "Core dump", "comment": map[string]any{"body": "It crashed."}}}})
		if r.Status != 201 {
			t.Fatalf("create ticket: %d %s", r.Status, r.Body)
		}
		id := int64(r.JSON(t)["ticket"].(map[string]any)["id"].(float64))
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.PostForm(s.URL+"/agent/sign_in", url.Values{"email": {s.Default.Email}, "password": {s.Default.Password}})
		if err != nil || res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %v %v", res, err)
		}
		res.Body.Close()
		res, err = c.Get(fmt.Sprintf("%s/agent/tickets/%d", s.URL, id))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token on the ticket page (%d)", res.StatusCode)
		}
		csrf := string(m[1])
		base, _ := url.Parse(s.URL)
		cookies := jar.Cookies(base)

		// post sends a body straight to the router, so the test sees how
		// much of it the server read.
		post := func(path, contentType string, body io.Reader, length int64) (*httptest.ResponseRecorder, int64) {
			t.Helper()
			cb := &counted{r: body}
			req := httptest.NewRequest(http.MethodPost, path, cb)
			req.Host = base.Host
			req.ContentLength = length
			req.Header.Set("Content-Type", contentType)
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			rec := httptest.NewRecorder()
			s.App.Router().ServeHTTP(rec, req)
			return rec, cb.read
		}
		written := func() (comments, attachments int64) {
			t.Helper()
			r := s.Do(t, apptest.Request{Path: fmt.Sprintf("/api/v2/tickets/%d/comments.json", id), Auth: s.Default.TokenAuth()})
			comments = int64(r.JSON(t)["count"].(float64))
			if err := s.App.DB.Conn(t.Context()).QueryRowContext(t.Context(), `SELECT count(*) FROM attachments WHERE account_id = $1`,
				s.Default.AccountID).Scan(&attachments); err != nil {
				t.Fatal(err)
			}
			return comments, attachments
		}
		c0, a0 := written()
		path := fmt.Sprintf("/agent/tickets/%d", id)
		limit := int64(config.Default().BodyLimit) + 5*limitUpload

		body, ct, total := replyBody(csrf, limit)
		rec, read := post(path, ct, body, total)
		if rec.Code != http.StatusRequestEntityTooLarge || read != 0 {
			t.Fatalf("announced oversize reply: %d after reading %d bytes, want 413 before reading", rec.Code, read)
		}
		if !strings.Contains(rec.Body.String(), "none of it was saved") || !strings.Contains(rec.Body.String(), "12.0 MB") {
			t.Fatalf("413 page does not say what happened:\n%s", rec.Body)
		}

		body, ct, _ = replyBody(csrf, limit)
		rec, read = post(path, ct, body, -1)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked oversize reply: %d, want 413\n%s", rec.Code, rec.Body)
		}
		if read > limit+64<<10 {
			t.Fatalf("chunked oversize reply: read %d bytes past a %d-byte limit", read, limit)
		}
		if c, a := written(); c != c0 || a != a0 {
			t.Fatalf("oversize replies wrote something: comments %d→%d, attachments %d→%d", c0, c, a0, a)
		}

		// The sign-in form takes the form limit only.
		rec, read = post("/agent/sign_in", "application/x-www-form-urlencoded",
			io.MultiReader(strings.NewReader("email=x%40y.z&password="), &zeros{n: 3 << 20}), -1)
		if rec.Code != http.StatusRequestEntityTooLarge || read > 3<<20 {
			t.Fatalf("oversize sign-in: %d after %d bytes, want 413", rec.Code, read)
		}

		// Inside the limit a reply with a file goes through.
		body, ct, total = replyBody(csrf, 1<<20)
		rec, _ = post(path, ct, body, total)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("reply with a 1 MB file: %d\n%s", rec.Code, rec.Body)
		}
		if c, a := written(); c != c0+1 || a != a0+1 {
			t.Fatalf("reply with a file: comments %d→%d, attachments %d→%d, want one more of each", c0, c, a0, a)
		}
	}, func(c *config.Config) { c.UploadLimit = limitUpload })
}
