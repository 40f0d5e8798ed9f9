package webhook_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/jobs"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/ticket"
	"parley/internal/user"
	"parley/internal/webhook"
)

// people is the user room for the ticket service and for webhook.People.
type people struct{ ticket.Users }

// Author implements webhook.People.
func (p people) Author(ctx context.Context, accountID, userID int64) (string, bool, error) {
	u, err := p.U.Lookup(ctx, accountID, userID)
	return u.Name, u.Role == auth.RoleAgent || u.Role == auth.RoleAdmin, err
}

type noSecureDownloads struct{}

func (noSecureDownloads) SecureDownloads(context.Context, int64) (bool, error) { return false, nil }

// desk is env plus real user and ticket services on account A, the
// webhook service registered as a ticket hook.
type desk struct {
	*env
	tickets *ticket.Service
	users   *user.Service
	owner   auth.Actor
}

func newDesk(t *testing.T, d *db.DB, hooks ...ticket.Hook) *desk {
	t.Helper()
	e := newEnv(t, d)
	ctx := t.Context()
	log := slog.New(slog.DiscardHandler)
	us := user.NewService(d, e.clk, log, bulk.NewService(d, e.clk, log), user.Options{Argon2: auth.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}})
	ownerID, err := us.Bootstrap(ctx, e.a, user.Owner{Email: "owner@acme.example", Password: "owner-pass-1"})
	if err != nil {
		t.Fatalf("bootstrap users: %v", err)
	}
	ts := ticket.NewService(d, e.clk, log, people{ticket.Users{U: us}}, nil, noSecureDownloads{}, ticket.Options{})
	if err := ts.BootstrapAccount(ctx, e.a); err != nil {
		t.Fatalf("bootstrap tickets: %v", err)
	}
	for _, h := range hooks {
		ts.AddHook(h)
	}
	ts.AddHook(e.svc)
	e.svc.SetPeople(people{ticket.Users{U: us}})
	owner, err := us.ActorByID(ctx, e.a, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	return &desk{env: e, tickets: ts, users: us, owner: owner}
}

func (k *desk) newTicket(t *testing.T, subject string, tags ...string) ticket.Ticket {
	t.Helper()
	in := ticket.Input{Subject: opt.Of(subject), Comment: opt.Of(ticket.CommentInput{Body: "first words"})}
	if len(tags) > 0 {
		in.Tags = opt.Of(tags)
	}
	tk, _, err := k.tickets.Create(auth.WithActor(t.Context(), k.owner), in)
	if err != nil {
		t.Fatalf("create ticket: %v", err)
	}
	return tk
}

func (k *desk) update(t *testing.T, id int64, in ticket.Input) {
	t.Helper()
	if _, _, err := k.tickets.Update(auth.WithActor(t.Context(), k.owner), id, in); err != nil {
		t.Fatalf("update ticket: %v", err)
	}
}

// bodies delivers the recorded jobs and returns the event bodies the
// target received, by type.
func (k *desk) deliver(t *testing.T, tg *target) map[string]map[string]any {
	t.Helper()
	before := len(tg.requests())
	for _, j := range k.q.take() {
		if err := k.work(t, j); err != nil {
			t.Fatalf("Work: %v", err)
		}
	}
	out := map[string]map[string]any{}
	for _, r := range tg.requests()[before:] {
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("event body %q: %v", r.Body, err)
		}
		out[m["type"].(string)] = m
	}
	return out
}

func TestTicketEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := newDesk(t, d)
		// No subscriptions: a ticket write enqueues nothing.
		k.newTicket(t, "quiet")
		if jobs := k.q.take(); len(jobs) != 0 {
			t.Fatalf("jobs without subscriptions: %v", jobs)
		}
		tg := newTarget(t)
		types := []string{"created", "status_changed", "priority_changed", "comment_added", "tags_changed", "agent_assignment_changed", "subject_changed"}
		var subs []string
		for _, ty := range types {
			subs = append(subs, "zen:event-type:ticket."+ty)
		}
		id := k.create(t, hook("ticket events", tg.URL, "subscriptions", subs))["id"].(string)
		// A second webhook listens to status changes only; an inactive one
		// gets nothing.
		tg2 := newTarget(t)
		k.create(t, hook("status only", tg2.URL, "subscriptions", []string{"zen:event-type:ticket.status_changed"}))
		k.create(t, hook("off", tg2.URL, "status", "inactive", "subscriptions", subs))

		tk := k.newTicket(t, "Printer on fire", "hardware")
		got := k.deliver(t, tg)
		c, ok := got["zen:event-type:ticket.created"]
		if !ok || len(got) != 1 {
			t.Fatalf("events on create: %v", keys(got))
		}
		sid := strconv.FormatInt(tk.ID, 10)
		det := c["detail"].(map[string]any)
		if c["subject"] != "zen:ticket:"+sid || det["id"] != sid || det["subject"] != "Printer on fire" || det["status"] != "NEW" ||
			det["assignee_id"] != "0" || det["requester_id"] != strconv.FormatInt(k.owner.UserID, 10) ||
			det["actor_id"] != strconv.FormatInt(k.owner.UserID, 10) || det["priority"] != nil ||
			det["via"].(map[string]any)["channel"] != "web_service" || !slices.Equal(toStrings(det["tags"]), []string{"hardware"}) {
			t.Errorf("created detail %v", det)
		}
		if len(tg2.requests()) != 0 {
			t.Errorf("status-only webhook got the created event")
		}

		k.clk.Advance(time.Minute)
		k.update(t, tk.ID, ticket.Input{Status: opt.Of("open"), Priority: opt.Of("high"), AssigneeID: opt.Of(k.owner.UserID),
			AdditionalTags: opt.Of([]string{"urgent"}), RemoveTags: opt.Of([]string{"hardware"}),
			Comment: opt.Of(ticket.CommentInput{Body: "On it.", Public: opt.Of(false)})})
		got = k.deliver(t, tg)
		want := []string{"agent_assignment_changed", "comment_added", "priority_changed", "status_changed", "tags_changed"}
		if g := keys(got); !slices.Equal(g, prefixed(want)) {
			t.Fatalf("events on update: %v, want %v", g, want)
		}
		ev := func(name string) map[string]any {
			return got["zen:event-type:ticket."+name]["event"].(map[string]any)
		}
		if e := ev("status_changed"); e["current"] != "OPEN" || e["previous"] != "NEW" {
			t.Errorf("status_changed %v", e)
		}
		if e := ev("priority_changed"); e["current"] != "HIGH" || e["previous"] != nil {
			t.Errorf("priority_changed %v", e)
		}
		if e := ev("agent_assignment_changed"); e["current"] != strconv.FormatInt(k.owner.UserID, 10) || e["previous"] != nil {
			t.Errorf("agent_assignment_changed %v", e)
		}
		if e := ev("tags_changed"); !slices.Equal(toStrings(e["tags_added"]), []string{"urgent"}) || !slices.Equal(toStrings(e["tags_removed"]), []string{"hardware"}) {
			t.Errorf("tags_changed %v", e)
		}
		cm := ev("comment_added")["comment"].(map[string]any)
		author := cm["author"].(map[string]any)
		if cm["body"] != "On it." || cm["is_public"] != false || author["id"] != strconv.FormatInt(k.owner.UserID, 10) ||
			author["is_staff"] != true || author["name"] != k.owner.Name {
			t.Errorf("comment_added %v", cm)
		}
		if det := got["zen:event-type:ticket.status_changed"]["detail"].(map[string]any); det["status"] != "OPEN" || det["priority"] != "HIGH" {
			t.Errorf("detail after update %v", det)
		}
		if n := len(tg2.requests()); n != 1 {
			t.Errorf("status-only webhook got %d requests, want 1", n)
		}
		// The invocation log of the first webhook holds one invocation per event.
		if iv := k.call(t, k.adminA, "GET", "/webhooks/"+id+"/invocations", nil, http.StatusOK)["invocations"].([]any); len(iv) != 6 {
			t.Errorf("%d invocations, want 6", len(iv))
		}

		// A write that changes nothing sends nothing.
		k.update(t, tk.ID, ticket.Input{Status: opt.Of("open")})
		if got := k.deliver(t, tg); len(got) != 0 {
			t.Errorf("no-op update sent %v", keys(got))
		}
		// A rolled-back write (invalid status) leaves no invocation behind.
		if _, _, err := k.tickets.Update(auth.WithActor(t.Context(), k.owner), tk.ID, ticket.Input{Status: opt.Of("bogus"), Subject: opt.Of("x")}); err == nil {
			t.Fatal("invalid update succeeded")
		}
		k.q.take()
		if iv := k.call(t, k.adminA, "GET", "/webhooks/"+id+"/invocations", nil, http.StatusOK)["invocations"].([]any); len(iv) != 6 {
			t.Errorf("%d invocations after a refused write, want 6", len(iv))
		}
	})
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func prefixed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "zen:event-type:ticket." + n
	}
	return out
}

func toStrings(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// fakeTrigger calls a webhook for every write whose ticket has a tag.
type fakeTrigger struct {
	svc   *webhook.Service
	tag   string
	calls []rule.WebhookCall
}

func (f *fakeTrigger) AfterWrite(ctx context.Context, w *ticket.Write) error {
	if !slices.Contains(w.Ticket.Tags, f.tag) {
		return nil
	}
	for _, c := range f.calls {
		if err := f.svc.Call(ctx, w, c, ticket.RuleRef{Kind: "trigger", ID: 7, Title: "Notify"}); err != nil {
			return err
		}
	}
	return nil
}

// idRenderer replaces {{ticket.id}} and {{ticket.title}}.
type idRenderer struct{}

func (idRenderer) Render(_ context.Context, w *ticket.Write, tmpl string) (string, error) {
	return strings.NewReplacer("{{ticket.id}}", strconv.FormatInt(w.Ticket.ID, 10), "{{ticket.title}}", w.Ticket.Subject).Replace(tmpl), nil
}

func TestConditionalCall(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e0 := &fakeTrigger{tag: "notify"}
		k := newDesk(t, d, e0)
		e0.svc = k.svc
		k.svc.SetRenderer(idRenderer{})
		tg := newTarget(t)
		post := k.create(t, hook("post", tg.URL+"/post"))["id"].(string)
		get := k.create(t, hook("get", tg.URL+"/get", "http_method", "GET"))["id"].(string)
		form := k.create(t, hook("form", tg.URL+"/form", "request_format", "form_encoded"))["id"].(string)
		events := k.create(t, hook("events", tg.URL+"/events", "subscriptions", []string{"zen:event-type:user.created"}))["id"].(string)
		off := k.create(t, hook("off", tg.URL+"/off", "status", "inactive"))["id"].(string)
		e0.calls = []rule.WebhookCall{
			{WebhookID: post, Body: `{"id":"{{ticket.id}}","title":"{{ticket.title}}"}`},
			{WebhookID: get, Body: `{"ticket":"{{ticket.id}}"}`},
			{WebhookID: form, Body: `{"ticket":"{{ticket.id}}","n":2}`},
			{WebhookID: events, Body: `{}`},
			{WebhookID: off, Body: `{}`},
			{WebhookID: "01HANAHAFTBVF1NA2AVFK4W763", Body: `{}`},
		}
		k.newTicket(t, "no tag")
		if jobs := k.q.take(); len(jobs) != 0 {
			t.Fatalf("untagged ticket: %v", jobs)
		}
		tk := k.newTicket(t, "Call me", "notify")
		jobs := k.q.take()
		if len(jobs) != 3 {
			t.Fatalf("%d jobs, want 3 (post, get, form; not the event webhook, the inactive or the unknown one)", len(jobs))
		}
		for _, j := range jobs {
			if err := k.work(t, j); err != nil {
				t.Fatal(err)
			}
		}
		sid := strconv.FormatInt(tk.ID, 10)
		byPath := map[string]seen{}
		for _, r := range tg.requests() {
			byPath[r.Path] = r
		}
		if r := byPath["/post"]; r.Method != "POST" || string(r.Body) != `{"id":"`+sid+`","title":"Call me"}` || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("POST request %+v body %s", r, r.Body)
		}
		if r := byPath["/get"]; r.Method != "GET" || len(r.Body) != 0 || r.Query != "ticket="+sid || r.Header.Get("Content-Type") != "" {
			t.Errorf("GET request %+v", r)
		}
		r := byPath["/form"]
		vals, _ := url.ParseQuery(string(r.Body))
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded; charset=utf-8" || vals.Get("ticket") != sid || vals.Get("n") != "2" {
			t.Errorf("form request %+v body %s", r, r.Body)
		}
		secret, _ := k.svc.SigningSecret(k.ctx(t, k.adminA), get)
		if !receiverValid(secret, byPath["/get"]) {
			t.Error("GET signature (over an empty body) does not verify")
		}
		if _, ok := byPath["/events"]; ok {
			t.Error("a trigger called an event-subscribed webhook")
		}
	})
}

// TestRiverDelivery runs the real queue: a ticket write's invocation
// commits with the write and River's worker delivers it.
func TestRiverDelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := newDesk(t, d)
		workers := river.NewWorkers()
		river.AddWorker(workers, k.svc.NewWorker())
		q, err := jobs.New(d, workers, slog.New(slog.DiscardHandler), jobs.Options{Work: true, Workers: 2, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		k.svc.SetQueue(q)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			_ = q.Stop(sctx)
		}()
		tg := newTarget(t)
		id := k.create(t, hook("river", tg.URL, "subscriptions", []string{"zen:event-type:ticket.created"}))["id"].(string)
		tk := k.newTicket(t, "Through River")
		deadline := time.Now().Add(20 * time.Second)
		for len(tg.requests()) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		reqs := tg.requests()
		if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), `"zen:ticket:`+strconv.FormatInt(tk.ID, 10)+`"`) {
			t.Fatalf("target saw %d requests: %+v", len(reqs), reqs)
		}
		for time.Now().Before(deadline) {
			iv := k.call(t, k.adminA, "GET", "/webhooks/"+id+"/invocations", nil, http.StatusOK)["invocations"].([]any)
			if len(iv) == 1 && iv[0].(map[string]any)["status"] == "success" {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Error("the invocation never became success")
	})
}
