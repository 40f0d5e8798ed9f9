// Package gozendesk_test drives Parley's people API (users, identities,
// organizations, memberships, groups, bulk jobs) with the real third-party
// client github.com/nukosuke/go-zendesk, on SQLite and on PostgreSQL.
//
// go-zendesk facts the tests rely on (v0.18.0): paths carry the .json
// suffix; a GET must answer 200, a POST 200 or 201, a PUT 200 or 204 and a
// DELETE exactly 204, anything else comes back as a zendesk.Error; its
// SetHeader writes a package-level map, so it is never called here and the
// subtests, which share clients, do not run in parallel.
package gozendesk_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// client returns a go-zendesk client for the default account, signed in
// with its owner's API token.
func client(t *testing.T, s *apptest.Server) *zendesk.Client {
	t.Helper()
	return clientFor(t, s, s.Default, nil)
}

// tenantClient returns a client that reaches account tn through its Host
// header, signed in as tn's owner.
func tenantClient(t *testing.T, s *apptest.Server, tn apptest.Tenant) *zendesk.Client {
	t.Helper()
	return clientFor(t, s, tn, apptest.HostClient(tn.Host))
}

func clientFor(t *testing.T, s *apptest.Server, tn apptest.Tenant, hc *http.Client) *zendesk.Client {
	t.Helper()
	c, err := zendesk.NewClient(hc)
	if err != nil {
		t.Fatalf("zendesk.NewClient: %v", err)
	}
	if err := c.SetEndpointURL(s.URL + "/api/v2"); err != nil {
		t.Fatalf("SetEndpointURL: %v", err)
	}
	c.SetCredential(zendesk.NewAPITokenCredential(tn.Email, tn.Token))
	return c
}

// must fails the test on err, naming the call.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// zdError asserts err is a zendesk.Error with the given HTTP status and
// returns its body.
func zdError(t *testing.T, what string, err error, status int) string {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want HTTP %d", what, status)
	}
	var ze zendesk.Error
	if !errors.As(err, &ze) {
		t.Fatalf("%s: error %T %v is not a zendesk.Error", what, err, err)
	}
	b, _ := io.ReadAll(ze.Body())
	if ze.Status() != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, ze.Status(), status, b)
	}
	return string(b)
}

// decode unmarshals a raw go-zendesk response body.
func decode(t *testing.T, what string, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s: decode %s: %v", what, body, err)
	}
}

// rawGet performs c.Get and decodes the body into v.
func rawGet(t *testing.T, c *zendesk.Client, path string, v any) {
	t.Helper()
	b, err := c.Get(context.Background(), path)
	must(t, "GET "+path, err)
	decode(t, "GET "+path, b, v)
}

// rawPost performs c.Post and decodes the body into v.
func rawPost(t *testing.T, c *zendesk.Client, path string, in, v any) {
	t.Helper()
	b, err := c.Post(context.Background(), path, in)
	must(t, "POST "+path, err)
	decode(t, "POST "+path, b, v)
}

// rawPut performs c.Put and decodes the body into v.
func rawPut(t *testing.T, c *zendesk.Client, path string, in, v any) {
	t.Helper()
	b, err := c.Put(context.Background(), path, in)
	must(t, "PUT "+path, err)
	decode(t, "PUT "+path, b, v)
}

// do sends a raw request for tenant tn (for the calls go-zendesk cannot make
// because of its fixed status expectations).
func do(t *testing.T, s *apptest.Server, tn apptest.Tenant, method, path string, body any) apptest.Response {
	t.Helper()
	host := ""
	if tn.Host != s.Default.Host {
		host = tn.Host
	}
	return s.Do(t, apptest.Request{Method: method, Path: path, Host: host, Auth: tn.TokenAuth(), Body: body})
}

// jobStatus is Zendesk's job_status object.
type jobStatus struct {
	ID       string      `json:"id"`
	URL      string      `json:"url"`
	JobType  string      `json:"job_type"`
	Total    *int        `json:"total"`
	Progress *int        `json:"progress"`
	Status   string      `json:"status"`
	Message  *string     `json:"message"`
	Results  []jobResult `json:"results"`
}

// jobResult is one entry of a bulk job's results.
type jobResult struct {
	Index   *int    `json:"index"`
	ID      int64   `json:"id"`
	Status  string  `json:"status"`
	Action  string  `json:"action"`
	Success *bool   `json:"success"`
	Error   string  `json:"error"`
	Details string  `json:"details"`
	Email   *string `json:"email"`
}

// queuedJob decodes a bulk call's immediate answer and checks its shape.
func queuedJob(t *testing.T, what string, body []byte) jobStatus {
	t.Helper()
	var out struct {
		JobStatus jobStatus `json:"job_status"`
	}
	decode(t, what, body, &out)
	js := out.JobStatus
	if !strings.HasPrefix(js.ID, "V3-") || !strings.HasSuffix(js.URL, "/api/v2/job_statuses/"+js.ID+".json") {
		t.Fatalf("%s: job status id %q url %q", what, js.ID, js.URL)
	}
	if js.Status != "queued" && js.Status != "working" && js.Status != "completed" {
		t.Fatalf("%s: job status %q", what, js.Status)
	}
	return js
}

// waitJob polls GET /job_statuses/{id}.json through the client until the
// job completes, and checks it completed with one result per record.
func waitJob(t *testing.T, c *zendesk.Client, js jobStatus) jobStatus {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var out struct {
			JobStatus jobStatus `json:"job_status"`
		}
		rawGet(t, c, "/job_statuses/"+js.ID+".json", &out)
		got := out.JobStatus
		if got.ID != js.ID {
			t.Fatalf("job %s: polled job_status has id %q", js.ID, got.ID)
		}
		switch got.Status {
		case "completed":
			if got.Total == nil || len(got.Results) != *got.Total {
				t.Fatalf("job %s: total %v but %d results", js.ID, got.Total, len(got.Results))
			}
			if got.Progress == nil || *got.Progress != *got.Total {
				t.Fatalf("job %s: progress %v, want %d", js.ID, got.Progress, *got.Total)
			}
			if got.Message == nil || !strings.HasPrefix(*got.Message, "Completed at ") {
				t.Fatalf("job %s: message %v", js.ID, got.Message)
			}
			return got
		case "failed", "killed":
			t.Fatalf("job %s ended %s: %+v", js.ID, got.Status, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %s did not complete in 20s", js.ID)
	return jobStatus{}
}

// idSet collects ids, failing on a duplicate (a paging overlap).
func idSet[T any](t *testing.T, what string, items []T, id func(T) int64) map[int64]bool {
	t.Helper()
	out := map[int64]bool{}
	for _, it := range items {
		k := id(it)
		if out[k] {
			t.Fatalf("%s: id %d returned twice", what, k)
		}
		out[k] = true
	}
	return out
}

// sameIDs compares a set of ids with the wanted ones.
func sameIDs(t *testing.T, what string, got map[int64]bool, want ...int64) {
	t.Helper()
	g := make([]int64, 0, len(got))
	for k := range got {
		g = append(g, k)
	}
	w := slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Fatalf("%s: ids %v, want %v", what, g, w)
	}
}

func userIDs(us []zendesk.User) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func userID(u zendesk.User) int64        { return u.ID }
func orgID(o zendesk.Organization) int64 { return o.ID }
func groupID(g zendesk.Group) int64      { return g.ID }

// joinIDs is the comma-separated form of ids= parameters.
func joinIDs(ids ...int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// wantURL checks a record's absolute API url.
func wantURL(t *testing.T, what, got, suffix string) {
	t.Helper()
	if !strings.HasSuffix(got, suffix) || !strings.HasPrefix(got, "http") {
		t.Fatalf("%s: url %q, want …%s", what, got, suffix)
	}
}
