package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"parley/internal/app"
	"parley/internal/app/apptest"
	"parley/internal/auth"
	"parley/internal/config"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/search"
)

// startServer is apptest.Start with a fake clock, so the fixture's dates
// (and relative date queries) are exact. (apptest has no clock option.)
func startServer(t testing.TB, d db.Dialect, clk *clock.Fake) *apptest.Server {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	if d == db.Postgres {
		cfg.DatabaseURL = dbtest.FreshPostgresURL(t)
	}
	cfg.BaseDomain = apptest.BaseDomain
	cfg.Account, cfg.AccountName = "alpha", "Alpha Support"
	cfg.AdminEmail = "owner@alpha.example"
	cfg.AdminPassword = "alpha-password-1"
	cfg.AdminToken = auth.NewSecret()
	cfg.RateLimit = 1_000_000
	cfg.PasswordMemoryKiB, cfg.PasswordTime = 64, 1
	cfg.JobPoll = 20 * time.Millisecond
	cfg.Workers = 2
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{Clock: clk, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	login, err := a.EnsureDefaultAccount(ctx)
	if err != nil {
		a.Close()
		t.Fatalf("default account: %v", err)
	}
	if err := a.StartBackground(ctx); err != nil {
		a.Close()
		t.Fatalf("background: %v", err)
	}
	srv := httptest.NewServer(a.Router())
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &apptest.Server{App: a, URL: srv.URL, Dialect: d, Default: apptest.Tenant{Subdomain: login.Account.Subdomain,
		Host: login.Account.Subdomain + "." + apptest.BaseDomain, AccountID: login.Account.ID, OwnerID: login.OwnerID,
		Email: login.Email, Password: login.Password, Token: login.Token}}
}

// call makes an API request as the tenant's owner and fails the test on an
// error status.
func call(t testing.TB, s *apptest.Server, tn apptest.Tenant, method, path string, body any) map[string]any {
	t.Helper()
	r := s.Do(t, apptest.Request{Method: method, Path: path, Host: tn.Host, Auth: tn.TokenAuth(), Body: body})
	if r.Status >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(t)
}

func idOf(m map[string]any, root string) int64 {
	return int64(m[root].(map[string]any)["id"].(float64))
}

var t0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// fixture is the fixed dataset: ids by key. Tickets are numbered 1..30 in
// the default account (ticket 27 is deleted).
type fixture struct {
	users, orgs, groups, fields map[string]int64
	form                        int64
	now                         time.Time
}

// ticketSpec is one fixture ticket, created as the owner.
type ticketSpec struct {
	subj, desc       string
	req, asg, grp    string
	pri, typ, status string
	tags             []string
	via, ext, recip  string
	brand            int64
	form             bool
	fields           map[string]any
	cc, followers    []string
	submitter, due   string
}

// fixtureTickets: ticket i (1-based) is created at t0 + (i-1)*12h with the
// requester as author of its first comment.
var fixtureTickets = []ticketSpec{
	1:  {subj: "Printer on fire", desc: "The office printer is on fire again", req: "dave", asg: "alice", grp: "level2", pri: "urgent", typ: "incident", status: "open", tags: []string{"fire", "hardware"}, via: "web", fields: map[string]any{"order": "A-1001", "platforms": []string{"win"}}},
	2:  {subj: "Printing is slow", desc: "Printing takes ages since Monday", req: "jane", asg: "alice", grp: "support", pri: "normal", typ: "question", status: "pending", tags: []string{"hardware"}, cc: []string{"dave"}},
	3:  {subj: "Desktop topology question", desc: "How is our network topology laid out", req: "erin", pri: "low", typ: "question", status: "new", submitter: "erin"},
	4:  {subj: "Invoice missing", desc: "I did not receive my invoice for March", req: "john", asg: "bob", grp: "billing", pri: "high", typ: "task", status: "hold", tags: []string{"billing", "invoice"}, due: "2024-03-20T00:00:00Z", ext: "JIRA-4"},
	5:  {subj: "Refund request", desc: "Please refund order 1234", req: "john", asg: "bob", grp: "billing", pri: "normal", status: "solved", tags: []string{"billing", "refund"}, fields: map[string]any{"refund": 12.5, "order": "A-1234", "seats": 3}},
	6:  {subj: "Password reset", desc: "Cannot log in to the portal", req: "zoe", asg: "carol", grp: "level2", pri: "normal", typ: "question", status: "closed"},
	7:  {subj: "Café page broken", desc: "The café page shows an error", req: "zoe", status: "new", tags: []string{"website"}},
	8:  {subj: "Account merge for Jane Doe", desc: "Merge jane.doe@acme.example into the main account", req: "jane", asg: "carol", grp: "level2", pri: "low", typ: "task", status: "open", followers: []string{"alice"}},
	9:  {subj: "Email bounce", desc: "Mail to desk-top@acme.example bounces", req: "dave", asg: "alice", grp: "support", pri: "normal", typ: "incident", status: "open", tags: []string{"email"}, via: "email", recip: "support@alpha.example"},
	10: {subj: "API rate limit", desc: "We hit the API rate limit at 700 requests", req: "john", asg: "alice", grp: "support", pri: "high", typ: "problem", status: "open", tags: []string{"api"}, ext: "JIRA-10"},
	11: {subj: "Laptop overheating", desc: "My laptop gets very hot", req: "kim", asg: "bob", grp: "billing", pri: "normal", typ: "incident", status: "pending", tags: []string{"hardware", "laptop"}, fields: map[string]any{"platforms": []string{"mac", "win"}}},
	12: {subj: "Topology diagram request", desc: "Please send the topology diagram", req: "erin", asg: "alice", grp: "level2", pri: "low", typ: "question", status: "open", tags: []string{"docs"}},
	13: {subj: "Desk booking", desc: "Booking a desk for Thursday", req: "dave", grp: "support", status: "new"},
	14: {subj: "Shipping delay", desc: "Order A-2001 is late", req: "jane", asg: "bob", grp: "billing", pri: "normal", status: "hold", tags: []string{"shipping"}, fields: map[string]any{"order": "A-2001"}},
	15: {subj: "Need a VPN", desc: "VPN access for remote work", req: "kim", asg: "carol", grp: "level2", pri: "high", typ: "task", status: "open", tags: []string{"vpn"}, brand: 7, form: true, due: "2024-03-25T15:00:00Z"},
	16: {subj: "Printer toner", desc: "Toner is empty", req: "erin", asg: "alice", grp: "support", pri: "low", typ: "task", status: "solved", tags: []string{"hardware"}, form: true},
	17: {subj: "Cheap watches", desc: "Buy cheap watches now", req: "zoe", status: "new", tags: []string{"spam"}, via: "email", recip: "sales@alpha.example"},
	18: {subj: "Login loop", desc: "The login page reloads forever", req: "john", asg: "carol", grp: "level2", pri: "urgent", typ: "incident", status: "open", tags: []string{"login"}, cc: []string{"jane", "zoe"}, fields: map[string]any{"escalated": true}},
	19: {subj: "Feature idea", desc: "Dark mode please", req: "erin", pri: "low", typ: "question", status: "new", tags: []string{"idea"}, submitter: "erin"},
	20: {subj: "Bulk licence order", desc: "We need 50 seats", req: "john", asg: "bob", grp: "billing", pri: "normal", typ: "task", status: "open", tags: []string{"sales"}, fields: map[string]any{"seats": 50, "platforms": []string{"linux"}}},
	21: {subj: "Printer jam", desc: "Paper jam in printer 2", req: "kim", asg: "alice", grp: "support", pri: "normal", typ: "incident", status: "solved", tags: []string{"hardware"}},
	22: {subj: "Wi-Fi drops", desc: "The wifi drops every hour", req: "dave", pri: "high", typ: "incident", status: "new", tags: []string{"network"}},
	23: {subj: "Onboarding", desc: "Onboarding checklist for Jane", req: "jane", asg: "carol", grp: "level2", pri: "low", typ: "task", status: "pending"},
	24: {subj: "Refund follow-up", desc: "Still waiting for my refund", req: "john", asg: "bob", grp: "billing", pri: "high", status: "open", tags: []string{"refund"}, fields: map[string]any{"refund": 99.99, "escalated": false}},
	25: {subj: "Café wifi", desc: "Free wifi at the café", req: "zoe", pri: "low", typ: "question", status: "new"},
	26: {subj: "Monitor flicker", desc: "Second monitor flickers", req: "erin", asg: "alice", grp: "level2", pri: "normal", typ: "incident", status: "hold", tags: []string{"hardware"}, followers: []string{"bob"}},
	27: {subj: "Deleted printer ticket", desc: "This printer ticket will be deleted", req: "dave", status: "new", tags: []string{"hardware"}},
	28: {subj: "Export data", desc: "GDPR export of my data", req: "zoe", asg: "carol", grp: "level2", pri: "normal", typ: "task", status: "solved", tags: []string{"gdpr"}},
	29: {subj: "Keyboard broken", desc: "Keys stick on the keyboard", req: "kim", asg: "alice", grp: "support", pri: "low", typ: "incident", status: "closed", tags: []string{"hardware"}},
	30: {subj: "Thanks", desc: "Thanks for the quick help", req: "dave", status: "new"},
}

// buildFixture creates the dataset through the API with the clock set for
// every record, and leaves the clock at fixture.now (2024-03-20 12:00 UTC).
func buildFixture(t testing.TB, s *apptest.Server, clk *clock.Fake) fixture {
	t.Helper()
	tn := s.Default
	f := fixture{users: map[string]int64{"owner": tn.OwnerID}, orgs: map[string]int64{}, groups: map[string]int64{},
		fields: map[string]int64{}}
	at := func(y int, m time.Month, d, h int) { clk.Set(time.Date(y, m, d, h, 0, 0, 0, time.UTC)) }
	post := func(path string, body any) map[string]any { return call(t, s, tn, http.MethodPost, path, body) }
	put := func(path string, body any) map[string]any { return call(t, s, tn, http.MethodPut, path, body) }

	// Groups: Support exists from the account's creation.
	for _, g := range call(t, s, tn, http.MethodGet, "/api/v2/groups.json", nil)["groups"].([]any) {
		if g := g.(map[string]any); g["name"] == "Support" {
			f.groups["support"] = int64(g["id"].(float64))
		}
	}
	if f.groups["support"] == 0 {
		t.Fatal("no Support group")
	}
	at(2024, 1, 5, 0)
	f.groups["level2"] = idOf(post("/api/v2/groups.json", map[string]any{"group": map[string]any{"name": "Level 2", "description": "Escalations"}}), "group")
	at(2024, 1, 6, 0)
	f.groups["billing"] = idOf(post("/api/v2/groups.json", map[string]any{"group": map[string]any{"name": "Billing", "description": "Invoices and refunds"}}), "group")

	// Custom fields.
	at(2024, 1, 7, 0)
	for _, fd := range []struct{ res, key, typ string }{{"user", "plan", "text"}, {"user", "beta_tester", "checkbox"},
		{"user", "regions", "multiselect"}, {"organization", "region", "text"}} {
		body := map[string]any{"type": fd.typ, "title": fd.key, "key": fd.key}
		if fd.typ == "multiselect" {
			body["custom_field_options"] = []map[string]any{{"name": "AMER", "value": "amer"}, {"name": "EMEA", "value": "emea"}, {"name": "APAC", "value": "apac"}}
		}
		post("/api/v2/"+fd.res+"_fields.json", map[string]any{fd.res + "_field": body})
	}
	for _, fd := range []struct{ key, typ string }{{"order", "text"}, {"platforms", "multiselect"}, {"escalated", "checkbox"},
		{"refund", "decimal"}, {"seats", "integer"}} {
		body := map[string]any{"type": fd.typ, "title": "Field " + fd.key}
		if fd.typ == "multiselect" {
			body["custom_field_options"] = []map[string]any{{"name": "Windows", "value": "win"}, {"name": "Mac", "value": "mac"}, {"name": "Linux", "value": "linux"}}
		}
		f.fields[fd.key] = idOf(post("/api/v2/ticket_fields.json", map[string]any{"ticket_field": body}), "ticket_field")
	}
	f.form = idOf(post("/api/v2/ticket_forms.json", map[string]any{"ticket_form": map[string]any{"name": "Hardware form"}}), "ticket_form")

	// Organizations, one a day from Jan 10.
	for i, o := range []struct {
		key  string
		body map[string]any
	}{
		{"acme", map[string]any{"name": "Acme Corporation", "tags": []string{"enterprise"}, "external_id": "ORG-ACME", "details": "Makes anvils", "notes": "Key account", "organization_fields": map[string]any{"region": "emea"}}},
		{"globex", map[string]any{"name": "Globex", "tags": []string{"smb"}, "details": "Secret projects"}},
		{"initech", map[string]any{"name": "Initech Software", "tags": []string{"enterprise", "legacy"}, "notes": "TPS reports"}},
		{"umbrella", map[string]any{"name": "Umbrella Health", "external_id": "ORG-UMB"}},
		{"anvils", map[string]any{"name": "Acme Anvils Ltd", "tags": []string{"smb"}, "details": "Anvil distribution"}},
	} {
		at(2024, 1, 10+i, 0)
		f.orgs[o.key] = idOf(post("/api/v2/organizations.json", map[string]any{"organization": o.body}), "organization")
	}

	// Users, one a day from Feb 1.
	for i, u := range []struct {
		key  string
		body map[string]any
	}{
		{"alice", map[string]any{"name": "Alice Agent", "email": "alice@alpha.example", "role": "agent", "tags": []string{"tier2"}, "phone": "+1 555 0101", "notes": "Printer specialist", "details": "Night shift", "password": "alice-password-1"}},
		{"bob", map[string]any{"name": "Bob Builder", "email": "bob@alpha.example", "role": "agent"}},
		{"carol", map[string]any{"name": "Carol Chief", "email": "carol@alpha.example", "role": "admin"}},
		{"dave", map[string]any{"name": "Dave Desk", "email": "dave@acme.example", "role": "end-user", "organization_id": f.orgs["acme"], "tags": []string{"vip"}, "external_id": "EXT-DAVE", "phone": "+1 555 0202", "details": "Prefers email", "password": "dave-password-1", "user_fields": map[string]any{"plan": "gold"}}},
		{"jane", map[string]any{"name": "Jane Doe", "email": "jane.doe@acme.example", "role": "end-user", "organization_id": f.orgs["acme"], "user_fields": map[string]any{"regions": []string{"amer", "emea"}}}},
		{"erin", map[string]any{"name": "Erin Example", "email": "erin@globex.example", "role": "end-user", "organization_id": f.orgs["globex"], "notes": "Topology nerd", "user_fields": map[string]any{"beta_tester": true}}},
		{"john", map[string]any{"name": "John Doe", "email": "john@initech.example", "role": "end-user", "organization_id": f.orgs["initech"], "tags": []string{"vip", "beta"}, "user_fields": map[string]any{"plan": "silver"}}},
		{"zoe", map[string]any{"name": "Zoë Café", "email": "zoe@umbrella.example", "role": "end-user"}},
		{"kim", map[string]any{"name": "Kim Desktop", "email": "kim@acme-anvils.example", "role": "end-user", "organization_id": f.orgs["anvils"]}},
	} {
		at(2024, 2, 1+i, 0)
		f.users[u.key] = idOf(post("/api/v2/users.json", map[string]any{"user": u.body}), "user")
	}
	at(2024, 2, 20, 0)
	// Agents join the default group (Support) when created.
	for _, m := range [][2]string{{"alice", "level2"}, {"bob", "billing"}, {"carol", "level2"}} {
		post("/api/v2/group_memberships.json", map[string]any{"group_membership": map[string]any{"user_id": f.users[m[0]], "group_id": f.groups[m[1]]}})
	}

	// Tickets.
	for i := 1; i < len(fixtureTickets); i++ {
		sp := fixtureTickets[i]
		clk.Set(t0.Add(time.Duration(i-1) * 12 * time.Hour))
		tk := map[string]any{"subject": sp.subj, "comment": map[string]any{"body": sp.desc, "author_id": f.users[sp.req]},
			"requester_id": f.users[sp.req], "status": sp.status}
		if sp.asg != "" {
			tk["assignee_id"] = f.users[sp.asg]
		}
		if sp.grp != "" {
			tk["group_id"] = f.groups[sp.grp]
		}
		for k, v := range map[string]string{"priority": sp.pri, "type": sp.typ, "external_id": sp.ext, "recipient": sp.recip, "due_at": sp.due} {
			if v != "" {
				tk[k] = v
			}
		}
		if sp.tags != nil {
			tk["tags"] = sp.tags
		}
		if sp.via != "" {
			tk["via"] = map[string]any{"channel": sp.via}
		}
		if sp.brand != 0 {
			tk["brand_id"] = sp.brand
		}
		if sp.form {
			tk["ticket_form_id"] = f.form
		}
		if sp.submitter != "" {
			tk["submitter_id"] = f.users[sp.submitter]
		}
		var cf []map[string]any
		for k, v := range sp.fields {
			cf = append(cf, map[string]any{"id": f.fields[k], "value": v})
		}
		if cf != nil {
			tk["custom_fields"] = cf
		}
		for key, list := range map[string][]string{"email_ccs": sp.cc, "followers": sp.followers} {
			var l []map[string]any
			for _, u := range list {
				l = append(l, map[string]any{"user_id": f.users[u], "action": "put"})
			}
			if l != nil {
				tk[key] = l
			}
		}
		if got := idOf(post("/api/v2/tickets.json", map[string]any{"ticket": tk}), "ticket"); got != int64(i) {
			t.Fatalf("ticket %d got id %d", i, got)
		}
	}

	// Later activity, which moves updated_at.
	comment := func(id int, author, body string, public bool, extra map[string]any) {
		tk := map[string]any{"comment": map[string]any{"body": body, "author_id": f.users[author], "public": public}}
		for k, v := range extra {
			tk[k] = v
		}
		put(fmt.Sprintf("/api/v2/tickets/%d.json", id), map[string]any{"ticket": tk})
	}
	at(2024, 3, 16, 9)
	comment(1, "alice", "We sent a technician with an extinguisher", true, nil)
	at(2024, 3, 16, 12)
	comment(2, "alice", "Please try the new driver", true, nil)
	at(2024, 3, 17, 8)
	comment(3, "erin", "Any update on the switch configuration?", true, nil)
	at(2024, 3, 17, 10)
	comment(12, "carol", "Diagram stored in the wiki", false, nil)
	at(2024, 3, 18, 10)
	put("/api/v2/tickets/10.json", map[string]any{"ticket": map[string]any{"status": "solved"}})
	at(2024, 3, 18, 11)
	comment(18, "john", "Still looping after clearing cookies", true, nil)
	at(2024, 3, 18, 12)
	r := s.Do(t, apptest.Request{Method: http.MethodPost, Path: "/api/v2/uploads.json?filename=jam.txt", Host: tn.Host,
		Auth: tn.TokenAuth(), Body: "paper", Header: http.Header{"Content-Type": {"text/plain"}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	token := r.JSON(t)["upload"].(map[string]any)["token"].(string)
	comment(21, "alice", "Photo of the jam attached", true, map[string]any{"comment": map[string]any{"body": "Photo of the jam attached",
		"author_id": f.users["alice"], "uploads": []string{token}}})
	at(2024, 3, 19, 9)
	call(t, s, tn, http.MethodDelete, "/api/v2/tickets/27.json", nil)

	f.now = time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)
	clk.Set(f.now)
	return f
}

// service is the search service of a running server, on its clock.
func service(s *apptest.Server) *search.Service {
	return search.NewService(s.App.DB, s.App.Clock, s.App.Tickets, s.App.Users)
}

// asUser is ctx acting as a user of the default account.
func asUser(s *apptest.Server, id int64, role auth.Role) context.Context {
	return auth.WithActor(context.Background(), auth.Actor{AccountID: s.Default.AccountID, UserID: id, Role: role})
}

// dump is a debugging aid: the JSON of v.
func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return strings.TrimSpace(string(b))
}
