package load

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// client is the one HTTP client of a run: every worker shares its
// connection pool, sized so no worker waits for a connection.
type client struct {
	base, host, auth string
	http             *http.Client
}

func newClient(c Config, maxConcurrency int) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = maxConcurrency + 16
	tr.MaxIdleConnsPerHost = maxConcurrency + 16
	tr.IdleConnTimeout = 90 * time.Second
	return &client{
		base: c.BaseURL,
		host: c.Host,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Email+"/token:"+c.Token)),
		http: &http.Client{Timeout: c.Timeout, Transport: tr},
	}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// httpError is a non-2xx answer; its text is what error samples show.
type httpError struct {
	method, path string
	status       int
	body         string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.method, e.path, e.status, e.body)
}

// bodyPrefix keeps error samples short and on one line.
func bodyPrefix(b []byte) string {
	const n = 200
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// do sends one API request (path relative to the server root, e.g.
// /api/v2/tickets.json). body is marshalled to JSON unless nil; a 2xx
// answer is decoded into out unless out is nil, and the body is always
// read to the end so the connection is reused.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if c.host != "" {
		req.Host = c.host
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, trimQuery(path), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, trimQuery(path), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &httpError{method: method, path: trimQuery(path), status: resp.StatusCode, body: bodyPrefix(b)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: the answer is not the expected JSON: %w", method, trimQuery(path), err)
		}
	}
	return nil
}

// raw fetches a non-API path (e.g. /metrics) without credentials.
func (c *client) raw(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	if c.host != "" {
		req.Host = c.host
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &httpError{method: http.MethodGet, path: path, status: resp.StatusCode, body: bodyPrefix(b)}
	}
	return b, nil
}

// trimQuery keeps error samples free of long cursors and queries.
func trimQuery(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}
