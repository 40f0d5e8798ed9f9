// Package badinput_test feeds the API bad input on both dialects and checks
// each answer's exact status and Zendesk error shape, that nothing was
// written, and that no answer is ever a 500 (ARCHITECTURE.md §7).
package badinput_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"parley/internal/app/apptest"
)

// fx are the records the cases address.
type fx struct {
	tn                              apptest.Tenant
	owner, agent, endUser           int64
	org, group, identity            int64
	orgMembership, groupMembership  int64
	dropdownField, dropdownOptionID int64
	ticket                          int64
	agentAuth, endUserAuth          string
	fieldKeys                       map[string]string // type -> key
	// Business rules and webhooks (see setupRules).
	trigger, automation, category int64
	view, macro                   int64
	webhook                       string
	// Sharing (see setupSharing): an accepted outbound agreement with the
	// account "partner", a pending one, and the uuid and token of the
	// partner's inbound side.
	agreement, pendingAgreement int64
	partnerHost                 string
	inboundUUID, inboundToken   string
}

func basic(email, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+"/token:"+secret))
}

func mustDo(t *testing.T, s *apptest.Server, tn apptest.Tenant, want int, method, path string, body any) map[string]any {
	t.Helper()
	r := s.Do(t, apptest.Request{Method: method, Path: path, Host: tn.Host, Auth: tn.TokenAuth(), Body: body})
	if r.Status != want {
		t.Fatalf("setup %s %s: %d, want %d\n%s", method, path, r.Status, want, r.Body)
	}
	return r.JSON(t)
}

func idOf(t *testing.T, m map[string]any, root string) int64 {
	t.Helper()
	o, _ := m[root].(map[string]any)
	v, ok := o["id"].(float64)
	if !ok {
		t.Fatalf("no %s.id in %v", root, m)
	}
	return int64(v)
}

func setup(t *testing.T, s *apptest.Server) fx {
	t.Helper()
	tn := s.Default
	f := fx{tn: tn, owner: tn.OwnerID, fieldKeys: map[string]string{}}
	f.org = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/organizations.json",
		map[string]any{"organization": map[string]any{"name": "Acme", "external_id": "org-ext-1"}}), "organization")
	f.group = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/groups.json",
		map[string]any{"group": map[string]any{"name": "Tier 2"}}), "group")
	f.endUser = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/users.json",
		map[string]any{"user": map[string]any{"name": "Erin End", "email": "erin@customer.example", "external_id": "ext-erin"}}), "user")
	f.agent = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/users.json",
		map[string]any{"user": map[string]any{"name": "Abe Agent", "email": "abe@alpha.example", "role": "agent"}}), "user")
	f.identity = idOf(t, mustDo(t, s, tn, 201, "POST", fmt.Sprintf("/api/v2/users/%d/identities.json", f.endUser),
		map[string]any{"identity": map[string]any{"type": "email", "value": "erin2@customer.example"}}), "identity")
	f.orgMembership = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/organization_memberships.json",
		map[string]any{"organization_membership": map[string]any{"user_id": f.endUser, "organization_id": f.org}}), "organization_membership")
	f.groupMembership = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/group_memberships.json",
		map[string]any{"group_membership": map[string]any{"user_id": f.agent, "group_id": f.group}}), "group_membership")
	// The account's token acts as whichever user its email names.
	f.agentAuth = basic("abe@alpha.example", tn.Token)
	f.endUserAuth = basic("erin@customer.example", tn.Token)

	opts := []any{map[string]any{"name": "Gold", "value": "gold"}, map[string]any{"name": "Silver", "value": "silver"}}
	for _, def := range []map[string]any{
		{"type": "integer"}, {"type": "date"}, {"type": "checkbox"}, {"type": "decimal"}, {"type": "text"},
		{"type": "regexp", "regexp_for_validation": "^[A-Z]{3}$"},
		{"type": "dropdown", "custom_field_options": opts},
		{"type": "multiselect", "custom_field_options": opts},
	} {
		typ := def["type"].(string)
		key := "f_" + typ
		def["key"], def["title"] = key, "Field "+typ
		m := mustDo(t, s, tn, 201, "POST", "/api/v2/user_fields.json", map[string]any{"user_field": def})
		f.fieldKeys[typ] = key
		if typ == "dropdown" {
			f.dropdownField = idOf(t, m, "user_field")
			o := m["user_field"].(map[string]any)["custom_field_options"].([]any)[0].(map[string]any)
			f.dropdownOptionID = int64(o["id"].(float64))
		}
	}
	f.ticket = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/tickets.json",
		map[string]any{"ticket": map[string]any{"subject": "Printer on fire", "requester_id": f.endUser,
			"comment": map[string]any{"body": "It is on fire."}}}), "ticket")
	mustDo(t, s, tn, 201, "POST", "/api/v2/organization_fields.json",
		map[string]any{"organization_field": map[string]any{"key": "o_integer", "type": "integer", "title": "Seats"}})
	setupRules(t, s, &f)
	setupSharing(t, s, &f)
	return f
}

// setupRules makes one record of each business-rule kind and a webhook.
func setupRules(t *testing.T, s *apptest.Server, f *fx) {
	t.Helper()
	tn := f.tn
	m := mustDo(t, s, tn, 201, "POST", "/api/v2/trigger_categories.json", map[string]any{"trigger_category": map[string]any{"name": "Routing"}})
	cid, _ := m["trigger_category"].(map[string]any)["id"].(string)
	var err error
	if f.category, err = strconv.ParseInt(cid, 10, 64); err != nil {
		t.Fatalf("trigger category id %q: %v", cid, err)
	}
	f.trigger = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/triggers.json", map[string]any{"trigger": map[string]any{
		"title": "Escalate", "category_id": cid,
		"conditions": map[string]any{"all": []any{map[string]any{"field": "current_tags", "operator": "includes", "value": "escalate"}}},
		"actions":    []any{map[string]any{"field": "priority", "value": "high"}}}}), "trigger")
	f.automation = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/automations.json", map[string]any{"automation": map[string]any{
		"title": "Close solved", "active": false,
		"all":     []any{map[string]any{"field": "status", "operator": "is", "value": "solved"}, map[string]any{"field": "SOLVED", "operator": "greater_than", "value": "96"}},
		"actions": []any{map[string]any{"field": "status", "value": "closed"}}}}), "automation")
	f.view = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/views.json", map[string]any{"view": map[string]any{
		"title": "Open tickets", "all": []any{map[string]any{"field": "status", "operator": "less_than", "value": "solved"}}}}), "view")
	f.macro = idOf(t, mustDo(t, s, tn, 201, "POST", "/api/v2/macros.json", map[string]any{"macro": map[string]any{
		"title": "Close it", "actions": []any{map[string]any{"field": "status", "value": "solved"}}}}), "macro")
	w, _ := mustDo(t, s, tn, 201, "POST", "/api/v2/webhooks.json", map[string]any{"webhook": map[string]any{
		"name": "Orders", "endpoint": "https://example.com/hook", "http_method": "POST", "request_format": "json",
		"status": "active", "subscriptions": []string{"conditional_ticket_events"}}})["webhook"].(map[string]any)
	f.webhook, _ = w["id"].(string)
	if len(f.webhook) != 26 {
		t.Fatalf("webhook id %v", w["id"])
	}
}

// fingerprint is row counts and the newest updated_at of every table a
// bad request could touch: any write, insert or update, changes it.
func fingerprint(t *testing.T, s *apptest.Server) string {
	t.Helper()
	ctx := context.Background()
	c := s.App.DB.Conn(ctx)
	var b strings.Builder
	for _, tbl := range []string{"accounts", "users", "user_identities", "organizations", "organization_memberships",
		"groups", "group_memberships", "custom_field_defs", "api_tokens", "job_statuses", "tickets", "ticket_fields",
		"custom_statuses", "trigger_categories", "triggers", "views", "macros", "webhooks", "sharing_agreements", "ticket_shares"} {
		var n int64
		var last *string
		if err := c.QueryRowContext(ctx, `SELECT count(*), CAST(max(updated_at) AS TEXT) FROM `+tbl).Scan(&n, &last); err != nil {
			t.Fatalf("fingerprint %s: %v", tbl, err)
		}
		l := ""
		if last != nil {
			l = *last
		}
		fmt.Fprintf(&b, "%s=%d@%s ", tbl, n, l)
	}
	for _, tbl := range []string{"user_tags", "organization_tags", "organization_domains", "custom_field_options",
		"ticket_tags", "ticket_comments", "ticket_audits", "trigger_revisions", "rule_restrictions", "rule_usage",
		"macro_usage", "webhook_events", "webhook_invocations", "webhook_attempts", "sharing_outbox", "sharing_actors",
		"sharing_comments"} {
		var n int64
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM `+tbl).Scan(&n); err != nil {
			t.Fatalf("fingerprint %s: %v", tbl, err)
		}
		fmt.Fprintf(&b, "%s=%d ", tbl, n)
	}
	return b.String()
}

// --- expected bodies ---

type check func(t *testing.T, body map[string]any) string

// exact wants the body to equal want (as JSON).
func exact(want string) check {
	return func(t *testing.T, body map[string]any) string {
		var w map[string]any
		if err := json.Unmarshal([]byte(want), &w); err != nil {
			t.Fatalf("bad expectation %s: %v", want, err)
		}
		if !reflect.DeepEqual(body, w) {
			return "want body " + want
		}
		return ""
	}
}

// plain wants {"error":code,"description":<non-empty>} and nothing else.
func plain(code string) check {
	return func(t *testing.T, body map[string]any) string {
		d, _ := body["description"].(string)
		if body["error"] != code || d == "" || len(body) != 2 {
			return fmt.Sprintf(`want {"error":%q,"description":"..."}`, code)
		}
		return ""
	}
}

// invalid wants Zendesk's 422 RecordInvalid with details naming field.
func invalid(field string) check {
	return func(t *testing.T, body map[string]any) string {
		want := fmt.Sprintf(`want {"error":"RecordInvalid","description":"Record validation errors","details":{%q:[{"description":...}]}}`, field)
		if body["error"] != "RecordInvalid" || body["description"] != "Record validation errors" || len(body) != 3 {
			return want
		}
		d, _ := body["details"].(map[string]any)
		if field == "" {
			if len(d) == 0 {
				return want
			}
			return ""
		}
		list, _ := d[field].([]any)
		if len(list) == 0 {
			return want
		}
		for _, e := range list {
			m, _ := e.(map[string]any)
			if s, _ := m["description"].(string); s == "" {
				return want
			}
		}
		return ""
	}
}

func tooMany(param string) check {
	return exact(fmt.Sprintf(`{"error":"TooManyValues","description":"Parameter %s cannot specify more than 100 values","max_count":100}`, param))
}

// listShaped wants {"errors":[{"code":code,"title":...,"detail":...}]}.
func listShaped(code string) check {
	return func(t *testing.T, body map[string]any) string {
		want := fmt.Sprintf(`want {"errors":[{"code":%q,"title":"...","detail":"..."}]}`, code)
		l, _ := body["errors"].([]any)
		if len(body) != 1 || len(l) != 1 {
			return want
		}
		e, _ := l[0].(map[string]any)
		ti, _ := e["title"].(string)
		de, _ := e["detail"].(string)
		if e["code"] != code || ti == "" || de == "" {
			return want
		}
		return ""
	}
}

// forbidden wants {"error":{"title":"Forbidden","message":<non-empty>}}.
func forbidden(t *testing.T, body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	msg, _ := e["message"].(string)
	if len(body) != 1 || e["title"] != "Forbidden" || msg == "" {
		return `want {"error":{"title":"Forbidden","message":"..."}}`
	}
	return ""
}

const (
	notFound        = `{"error":"RecordNotFound","description":"Not found"}`
	invalidEndpoint = `{"error":"InvalidEndpoint","description":"Not found"}`
	unauthorized    = `{"error":"Couldn't authenticate you"}`
	forbiddenPage   = `{"error":{"title":"Forbidden","message":"You do not have access to this page. Please contact the account owner of this help desk for further help."}}`
)

// tc is one bad request.
type tc struct {
	name         string
	method, path string
	body         any    // string and []byte are sent raw
	auth         string // "" = owner token; "none" = no header; else the header value
	host         string // "" = the default tenant
	header       http.Header
	status       int
	// also lists further acceptable statuses, only where the right fix
	// may reasonably pick either (each still in the Zendesk error shape).
	also []int
	want check
}

func ids(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = strconv.Itoa(i + 1)
	}
	return strings.Join(s, ",")
}

func records(n int, mk func(i int) map[string]any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = mk(i)
	}
	return out
}

func cursor(o string, v any, id int64) string {
	b, _ := json.Marshal(map[string]any{"o": o, "v": v, "i": id})
	return base64.URLEncoding.EncodeToString(b)
}

func cases(f fx) []tc {
	u := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }
	var out []tc

	// Malformed bodies on every kind of write endpoint.
	writes := []struct{ method, path, root string }{
		{"POST", "/api/v2/users.json", "user"},
		{"PUT", u("/api/v2/users/%d.json", f.endUser), "user"},
		{"POST", "/api/v2/users/create_or_update.json", "user"},
		{"POST", "/api/v2/users/create_many.json", "users"},
		{"PUT", "/api/v2/users/update_many.json", "users"},
		{"POST", "/api/v2/organizations.json", "organization"},
		{"PUT", u("/api/v2/organizations/%d.json", f.org), "organization"},
		{"POST", "/api/v2/organizations/create_many.json", "organizations"},
		{"POST", "/api/v2/groups.json", "group"},
		{"PUT", u("/api/v2/groups/%d.json", f.group), "group"},
		{"POST", "/api/v2/organization_memberships.json", "organization_membership"},
		{"POST", "/api/v2/group_memberships.json", "group_membership"},
		{"POST", u("/api/v2/users/%d/identities.json", f.endUser), "identity"},
		{"PUT", u("/api/v2/users/%d/identities/%d.json", f.endUser, f.identity), "identity"},
		{"POST", "/api/v2/user_fields.json", "user_field"},
		{"PUT", u("/api/v2/user_fields/%d.json", f.dropdownField), "user_field"},
		{"POST", u("/api/v2/user_fields/%d/options.json", f.dropdownField), "custom_field_option"},
		{"PUT", "/api/v2/user_fields/reorder.json", "user_field_ids"},
		{"PUT", u("/api/v2/users/%d/tags.json", f.endUser), "tags"},
		{"POST", u("/api/v2/organizations/%d/tags.json", f.org), "tags"},
		{"POST", "/api/v2/api_tokens.json", "api_token"},
		{"PUT", "/api/v2/account.json", "account"},
		{"PUT", "/api/v2/account/settings.json", "settings"},
		{"POST", u("/api/v2/users/%d/password.json", f.endUser), ""},
		{"POST", "/api/v2/tickets.json", "ticket"},
		{"PUT", u("/api/v2/tickets/%d.json", f.ticket), "ticket"},
		{"POST", "/api/v2/ticket_fields.json", "ticket_field"},
		{"POST", "/api/v2/custom_statuses.json", "custom_status"},
		{"POST", "/api/v2/triggers.json", "trigger"},
		{"PUT", u("/api/v2/triggers/%d.json", f.trigger), "trigger"},
		{"PUT", "/api/v2/triggers/update_many.json", "triggers"},
		{"PUT", "/api/v2/triggers/reorder.json", "trigger_ids"},
		{"POST", "/api/v2/automations.json", "automation"},
		{"PUT", u("/api/v2/automations/%d.json", f.automation), "automation"},
		{"PUT", "/api/v2/automations/update_many.json", "automations"},
		{"POST", "/api/v2/trigger_categories.json", "trigger_category"},
		{"PATCH", u("/api/v2/trigger_categories/%d.json", f.category), "trigger_category"},
		{"POST", "/api/v2/trigger_categories/jobs.json", "job"},
		{"POST", "/api/v2/views.json", "view"},
		{"PUT", u("/api/v2/views/%d.json", f.view), "view"},
		{"POST", "/api/v2/views/preview.json", "view"},
		{"PUT", "/api/v2/views/update_many.json", "views"},
		{"POST", "/api/v2/macros.json", "macro"},
		{"PUT", u("/api/v2/macros/%d.json", f.macro), "macro"},
		{"PUT", "/api/v2/macros/update_many.json", "macros"},
		{"POST", "/api/v2/webhooks.json", "webhook"},
		{"PUT", "/api/v2/webhooks/" + f.webhook + ".json", "webhook"},
		{"PATCH", "/api/v2/webhooks/" + f.webhook + ".json", "webhook"},
		{"POST", "/api/v2/webhooks/test.json", "request"},
	}
	for _, w := range writes {
		for _, b := range []struct{ name, body, code string }{
			{"malformed JSON", `{"user": {"name": "x"`, "InvalidJSON"},
			{"body is an array", `[{"name":"x"}]`, "InvalidJSON"},
			{"body is a string", `"x"`, "InvalidJSON"},
			{"body is a number", `42`, "InvalidJSON"},
			{"body is null", `null`, "InvalidJSON"},
			{"trailing garbage", `{} {}`, "InvalidJSON"},
			{"empty body", ``, "ParameterMissing"},
		} {
			out = append(out, tc{name: b.name, method: w.method, path: w.path, body: b.body, status: 400, want: plain(b.code)})
		}
		if w.root != "" {
			out = append(out, tc{name: "missing root key " + w.root, method: w.method, path: w.path,
				body: `{"not_` + w.root + `":{}}`, status: 400, want: plain("ParameterMissing")})
			out = append(out, tc{name: "root key is null", method: w.method, path: w.path,
				body: `{"` + w.root + `":null}`, status: 400, want: plain("ParameterMissing")})
		}
	}

	user := func(kv string) string { return `{"user":{` + kv + `}}` }
	out = append(out,
		// Wrong JSON types: a 422 on the field (opt.Opt reports the type).
		tc{name: "user root is a list", method: "POST", path: "/api/v2/users.json", body: `{"user":[]}`, status: 422, want: invalid("user")},
		tc{name: "user root is a string", method: "POST", path: "/api/v2/users.json", body: `{"user":"x"}`, status: 422, want: invalid("user")},
		tc{name: "name is a number", method: "POST", path: "/api/v2/users.json", body: user(`"name":5`), status: 422, want: invalid("name")},
		tc{name: "role is a list", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","role":["x"]`), status: 422, want: invalid("role")},
		tc{name: "organization_id is not a number", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","organization_id":"abc"`), status: 422, want: invalid("organization_id")},
		tc{name: "organization_id is a fraction", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","organization_id":1.5`), status: 422, want: invalid("organization_id")},
		tc{name: "organization_id overflows int64", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","organization_id":99999999999999999999`), status: 422, want: invalid("organization_id")},
		tc{name: "quoted organization_id of no organization", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","organization_id":"999999"`), status: 422, want: invalid("organization_id")},
		tc{name: "tags is a string", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","tags":"x"`), status: 422, want: invalid("tags")},
		tc{name: "tags holds a number", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","tags":[5]`), status: 422, want: invalid("tags")},
		tc{name: "verified is not a boolean", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","verified":"yes"`), status: 422, want: invalid("verified")},
		tc{name: "user_fields is a list", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","user_fields":[1]`), status: 422, want: invalid("user_fields")},
		tc{name: "identities is an object", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","identities":{"type":"email"}`), status: 422, want: invalid("identities")},
		tc{name: "update: name is a number", method: "PUT", path: u("/api/v2/users/%d.json", f.endUser), body: user(`"name":5`), status: 422, want: invalid("name")},
		tc{name: "organization name is a list", method: "POST", path: "/api/v2/organizations.json", body: `{"organization":{"name":["a"]}}`, status: 422, want: invalid("name")},
		tc{name: "group name is an object", method: "POST", path: "/api/v2/groups.json", body: `{"group":{"name":{}}}`, status: 422, want: invalid("name")},
		tc{name: "membership user_id is a string", method: "POST", path: "/api/v2/organization_memberships.json", body: `{"organization_membership":{"user_id":"abc","organization_id":1}}`, status: 422, want: invalid("user_id")},
		tc{name: "create_many users is an object", method: "POST", path: "/api/v2/users/create_many.json", body: `{"users":{"name":"x"}}`, status: 422, want: invalid("users")},
		tc{name: "tags is a string (tags endpoint)", method: "PUT", path: u("/api/v2/users/%d/tags.json", f.endUser), body: `{"tags":"vip"}`, status: 422, want: invalid("tags")},
		tc{name: "reorder ids are strings", method: "PUT", path: "/api/v2/user_fields/reorder.json", body: `{"user_field_ids":["a"]}`, status: 422, want: invalid("user_field_ids")},
		tc{name: "settings section is a number", method: "PUT", path: "/api/v2/account/settings.json", body: `{"settings":{"tickets":5}}`, status: 422, want: invalid("settings")},
		tc{name: "api token active is a string", method: "POST", path: "/api/v2/api_tokens.json", body: `{"api_token":{"active":"x"}}`, status: 422, want: invalid("active")},

		// Unknown ids in paths.
		tc{name: "unknown user", method: "GET", path: "/api/v2/users/999999.json", status: 404, want: exact(notFound)},
		tc{name: "non-numeric user id", method: "GET", path: "/api/v2/users/abc.json", status: 404, want: exact(notFound)},
		tc{name: "user id overflows int64", method: "GET", path: "/api/v2/users/99999999999999999999.json", status: 404, want: exact(notFound)},
		tc{name: "negative user id", method: "GET", path: "/api/v2/users/-1.json", status: 404, want: exact(notFound)},
		tc{name: "update unknown user", method: "PUT", path: "/api/v2/users/999999.json", body: user(`"name":"x"`), status: 404, want: exact(notFound)},
		tc{name: "delete unknown user", method: "DELETE", path: "/api/v2/users/999999.json", status: 404, want: exact(notFound)},
		tc{name: "tags of unknown user", method: "PUT", path: "/api/v2/users/999999/tags.json", body: `{"tags":["a"]}`, status: 404, want: exact(notFound)},
		tc{name: "unknown organization", method: "GET", path: "/api/v2/organizations/999999.json", status: 404, want: exact(notFound)},
		tc{name: "update unknown organization", method: "PUT", path: "/api/v2/organizations/999999.json", body: `{"organization":{"name":"x"}}`, status: 404, want: exact(notFound)},
		tc{name: "unknown group", method: "GET", path: "/api/v2/groups/999999.json", status: 404, want: exact(notFound)},
		tc{name: "delete unknown group", method: "DELETE", path: "/api/v2/groups/999999.json", status: 404, want: exact(notFound)},
		tc{name: "unknown identity", method: "GET", path: u("/api/v2/users/%d/identities/999999.json", f.endUser), status: 404, want: exact(notFound)},
		tc{name: "identity of another user", method: "GET", path: u("/api/v2/users/%d/identities/%d.json", f.agent, f.identity), status: 404, want: exact(notFound)},
		tc{name: "identities of unknown user", method: "GET", path: "/api/v2/users/999999/identities.json", status: 404, want: exact(notFound)},
		tc{name: "unknown organization membership", method: "GET", path: "/api/v2/organization_memberships/999999.json", status: 404, want: exact(notFound)},
		tc{name: "delete unknown organization membership", method: "DELETE", path: "/api/v2/organization_memberships/999999.json", status: 404, want: exact(notFound)},
		tc{name: "unknown group membership", method: "GET", path: "/api/v2/group_memberships/999999.json", status: 404, want: exact(notFound)},
		tc{name: "make default: membership of another user", method: "PUT", path: u("/api/v2/users/%d/group_memberships/%d/make_default.json", f.owner, f.groupMembership), status: 404, want: exact(notFound)},
		tc{name: "remove user from an organization they are not in", method: "DELETE", path: u("/api/v2/users/%d/organizations/%d.json", f.agent, f.org), status: 404, want: exact(notFound)},
		tc{name: "unknown user field", method: "GET", path: "/api/v2/user_fields/999999.json", status: 404, want: exact(notFound)},
		tc{name: "unknown organization field", method: "GET", path: "/api/v2/organization_fields/999999.json", status: 404, want: exact(notFound)},
		tc{name: "unknown field option", method: "GET", path: u("/api/v2/user_fields/%d/options/999999.json", f.dropdownField), status: 404, want: exact(notFound)},
		tc{name: "delete unknown field option", method: "DELETE", path: u("/api/v2/user_fields/%d/options/999999.json", f.dropdownField), status: 404, want: exact(notFound)},
		tc{name: "option of a user field read as an organization field", method: "GET", path: u("/api/v2/organization_fields/%d/options/%d.json", f.dropdownField, f.dropdownOptionID), status: 404, want: exact(notFound)},
		tc{name: "update unknown field option", method: "POST", path: u("/api/v2/user_fields/%d/options.json", f.dropdownField), body: `{"custom_field_option":{"id":999999,"name":"x","value":"x"}}`, status: 404, want: exact(notFound)},
		tc{name: "unknown api token", method: "GET", path: "/api/v2/api_tokens/999999.json", status: 404, want: exact(notFound)},
		tc{name: "unknown custom role", method: "GET", path: "/api/v2/custom_roles/999999.json", status: 404, want: exact(notFound)},
		tc{name: "unknown job status", method: "GET", path: "/api/v2/job_statuses/V3-nope.json", status: 404, want: exact(notFound)},

		// More than 100 ids or records.
		tc{name: "101 ids in users/show_many", method: "GET", path: "/api/v2/users/show_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "101 external_ids in users/show_many", method: "GET", path: "/api/v2/users/show_many.json?external_ids=" + ids(101), status: 400, want: tooMany("external_ids")},
		tc{name: "101 ids in organizations/show_many", method: "GET", path: "/api/v2/organizations/show_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "101 ids in job_statuses/show_many", method: "GET", path: "/api/v2/job_statuses/show_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "101 ids in users/destroy_many", method: "DELETE", path: "/api/v2/users/destroy_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "101 ids in organizations/destroy_many", method: "DELETE", path: "/api/v2/organizations/destroy_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "101 ids in organization_memberships/destroy_many", method: "DELETE", path: "/api/v2/organization_memberships/destroy_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "101 ids in group_memberships/destroy_many", method: "DELETE", path: "/api/v2/group_memberships/destroy_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "101 ids in users/update_many", method: "PUT", path: "/api/v2/users/update_many.json?ids=" + ids(101), body: `{"user":{"notes":"x"}}`, status: 400, want: tooMany("ids")},
		tc{name: "101 users in create_many", method: "POST", path: "/api/v2/users/create_many.json",
			body: map[string]any{"users": records(101, func(i int) map[string]any { return map[string]any{"name": fmt.Sprintf("Bulk %d", i)} })}, status: 400, want: tooMany("users")},
		tc{name: "101 users in create_or_update_many", method: "POST", path: "/api/v2/users/create_or_update_many.json",
			body: map[string]any{"users": records(101, func(i int) map[string]any { return map[string]any{"name": fmt.Sprintf("Bulk %d", i)} })}, status: 400, want: tooMany("users")},
		tc{name: "101 users in update_many", method: "PUT", path: "/api/v2/users/update_many.json",
			body: map[string]any{"users": records(101, func(i int) map[string]any { return map[string]any{"id": f.endUser, "notes": "x"} })}, status: 400, want: tooMany("users")},
		tc{name: "101 organizations in create_many", method: "POST", path: "/api/v2/organizations/create_many.json",
			body: map[string]any{"organizations": records(101, func(i int) map[string]any { return map[string]any{"name": fmt.Sprintf("Org %d", i)} })}, status: 400, want: tooMany("organizations")},
		tc{name: "101 memberships in create_many", method: "POST", path: "/api/v2/organization_memberships/create_many.json",
			body: map[string]any{"organization_memberships": records(101, func(i int) map[string]any { return map[string]any{"user_id": f.agent, "organization_id": f.org} })}, status: 400, want: tooMany("organization_memberships")},
		tc{name: "non-numeric id in show_many", method: "GET", path: "/api/v2/users/show_many.json?ids=1,abc", status: 400, want: plain("InvalidValue")},
		tc{name: "show_many without ids", method: "GET", path: "/api/v2/users/show_many.json", status: 400, want: plain("ParameterMissing")},
		tc{name: "empty create_many", method: "POST", path: "/api/v2/users/create_many.json", body: `{"users":[]}`, status: 400, want: plain("ParameterMissing")},
	)

	// Pagination.
	for _, q := range []string{"page=abc", "page=0", "page=-1", "per_page=-1", "per_page=0", "per_page=abc",
		"page[size]=0", "page[size]=101", "page[size]=abc", "page[size]=-5",
		"page[after]=" + cursor("id", nil, 1) + "&page[before]=" + cursor("id", nil, 2),
		"page[after]=!!!not-base64!!!", "page[after]=" + base64.URLEncoding.EncodeToString([]byte("not json")),
		"page[after]=" + cursor("id", nil, 0), "page[after]=" + cursor("name", "x", 1),
		"page[size]=10&sort=name&page[after]=" + cursor("name", 5, 1),
		"page[size]=10&sort=created_at&page[after]=" + cursor("created_at", "yesterday", 1),
		"page[size]=10&sort=password_hash"} {
		out = append(out, tc{name: "pagination " + q, method: "GET", path: "/api/v2/users.json?" + q, status: 400, want: listShaped("InvalidPaginationParameter")})
	}
	for _, p := range []string{"organizations", "groups", "group_memberships", "organization_memberships", "job_statuses",
		u("organizations/%d/users", f.org), u("users/%d/organizations", f.endUser)} {
		out = append(out, tc{name: "page[size]=101 on " + p, method: "GET", path: "/api/v2/" + p + ".json?page[size]=101", status: 400, want: listShaped("InvalidPaginationParameter")})
		out = append(out, tc{name: "page=abc on " + p, method: "GET", path: "/api/v2/" + p + ".json?page=abc", status: 400, want: listShaped("InvalidPaginationParameter")})
	}
	out = append(out,
		tc{name: "offset past 10,000 records", method: "GET", path: "/api/v2/users.json?page=101&per_page=100", status: 400, want: listShaped("InvalidPaginationDepth")},
		tc{name: "offset past 10,000 records (per_page 1)", method: "GET", path: "/api/v2/users.json?page=10001&per_page=1", status: 400, want: listShaped("InvalidPaginationDepth")},
		tc{name: "offset past 10,000 records (per_page clamped to 100)", method: "GET", path: "/api/v2/organizations.json?page=200&per_page=1000", status: 400, want: listShaped("InvalidPaginationDepth")},
		// page*per_page overflows int and wraps negative: still far past 10,000.
		tc{name: "offset depth overflow", method: "GET", path: "/api/v2/users.json?page=92233720368547759&per_page=100", status: 400, want: listShaped("InvalidPaginationDepth")},
		tc{name: "offset depth overflow to zero", method: "GET", path: "/api/v2/users.json?page=4611686018427387904&per_page=4", status: 400, want: listShaped("InvalidPaginationDepth")},
		tc{name: "export per_page=abc", method: "GET", path: "/api/v2/incremental/users.json?start_time=0&per_page=abc", status: 400, want: listShaped("InvalidPaginationParameter")},
		tc{name: "export garbage cursor", method: "GET", path: "/api/v2/incremental/users/cursor.json?cursor=!!!", status: 400, want: listShaped("InvalidPaginationParameter")},
		tc{name: "export start_time not a number", method: "GET", path: "/api/v2/incremental/users.json?start_time=abc", status: 400, want: plain("InvalidValue")},
		tc{name: "export start_time in the future", method: "GET", path: "/api/v2/incremental/organizations.json?start_time=99999999999", status: 400, want: plain("InvalidValue")},
	)

	// Routes and hosts.
	out = append(out,
		tc{name: "unknown route", method: "GET", path: "/api/v2/nope.json", status: 404, want: exact(invalidEndpoint)},
		tc{name: "unknown nested route", method: "GET", path: u("/api/v2/users/%d/nope.json", f.endUser), status: 404, want: exact(invalidEndpoint)},
		tc{name: "known path, wrong method", method: "PATCH", path: "/api/v2/users.json", body: `{}`, status: 404, want: exact(invalidEndpoint)},
		tc{name: "unknown account host", method: "GET", path: "/api/v2/users.json", host: "nope." + apptest.BaseDomain, status: 404, want: plain("InvalidEndpoint")},
	)

	// Validation.
	out = append(out,
		tc{name: "invalid email", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","email":"not-an-email"`), status: 422, want: invalid("email")},
		tc{name: "invalid email on update", method: "PUT", path: u("/api/v2/users/%d.json", f.endUser), body: user(`"email":"a@@b"`), status: 422, want: invalid("email")},
		tc{name: "invalid email identity", method: "POST", path: u("/api/v2/users/%d/identities.json", f.endUser), body: `{"identity":{"type":"email","value":"nope"}}`, status: 422, want: invalid("value")},
		tc{name: "unknown identity type", method: "POST", path: u("/api/v2/users/%d/identities.json", f.endUser), body: `{"identity":{"type":"carrier_pigeon","value":"x"}}`, status: 422, want: invalid("value")},
		tc{name: "invalid email in identities", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","identities":[{"type":"email","value":"nope"}]`), status: 422, want: invalid("identities")},
		tc{name: "duplicate email", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","email":"erin@customer.example"`), status: 422, want: invalid("email")},
		tc{name: "duplicate email, other case", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","email":"ERIN@Customer.example"`), status: 422, want: invalid("email")},
		tc{name: "duplicate email via identity", method: "POST", path: u("/api/v2/users/%d/identities.json", f.agent), body: `{"identity":{"type":"email","value":"erin2@customer.example"}}`, status: 422, want: invalid("email")},
		tc{name: "duplicate external_id", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","external_id":"EXT-erin"`), status: 422, want: invalid("external_id")},
		tc{name: "duplicate external_id on update", method: "PUT", path: u("/api/v2/users/%d.json", f.agent), body: user(`"external_id":"ext-erin"`), status: 422, want: invalid("external_id")},
		tc{name: "duplicate organization external_id", method: "POST", path: "/api/v2/organizations.json", body: `{"organization":{"name":"Other","external_id":"org-ext-1"}}`, status: 422, want: invalid("external_id")},
		tc{name: "duplicate organization name", method: "POST", path: "/api/v2/organizations.json", body: `{"organization":{"name":"acme"}}`, status: 422, want: invalid("name")},
		tc{name: "blank name", method: "POST", path: "/api/v2/users.json", body: user(`"name":"   ","email":"blank@x.example"`), status: 422, want: invalid("name")},
		tc{name: "missing name", method: "POST", path: "/api/v2/users.json", body: user(`"email":"noname@x.example"`), status: 422, want: invalid("name")},
		tc{name: "blank name on update", method: "PUT", path: u("/api/v2/users/%d.json", f.endUser), body: user(`"name":""`), status: 422, want: invalid("name")},
		tc{name: "name too long", method: "POST", path: "/api/v2/users.json", body: user(`"name":"` + strings.Repeat("n", 256) + `"`), status: 422, want: invalid("name")},
		tc{name: "blank organization name", method: "POST", path: "/api/v2/organizations.json", body: `{"organization":{"name":""}}`, status: 422, want: invalid("name")},
		tc{name: "blank group name", method: "POST", path: "/api/v2/groups.json", body: `{"group":{"name":" "}}`, status: 422, want: invalid("name")},
		tc{name: "invalid role", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","role":"superuser"`), status: 422, want: invalid("role")},
		tc{name: "invalid role on update", method: "PUT", path: u("/api/v2/users/%d.json", f.endUser), body: user(`"role":"superuser"`), status: 422, want: invalid("role")},
		tc{name: "owner demoted", method: "PUT", path: u("/api/v2/users/%d.json", f.owner), body: user(`"role":"agent"`), status: 422, want: invalid("role")},
		tc{name: "invalid phone", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","phone":"call me"`), status: 422, want: invalid("phone")},
		tc{name: "unknown time zone", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","time_zone":"Mars/Olympus"`), status: 422, want: invalid("time_zone")},
		// "Local" is the server's own zone to time.LoadLocation, not a zone
		// a client can mean.
		tc{name: "time zone Local", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","time_zone":"Local"`), status: 422, want: invalid("time_zone")},
		tc{name: "account time zone Local", method: "PUT", path: "/api/v2/account.json", body: `{"account":{"time_zone":"Local"}}`, status: 422, want: invalid("time_zone")},
		tc{name: "invalid ticket_restriction", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","ticket_restriction":"everything"`), status: 422, want: invalid("ticket_restriction")},
		tc{name: "unknown locale_id", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","locale_id":424242`), status: 422, want: invalid("locale_id")},
		tc{name: "short password", method: "POST", path: u("/api/v2/users/%d/password.json", f.endUser), body: `{"password":"short"}`, status: 422, want: invalid("password")},
		tc{name: "wrong previous password", method: "PUT", path: u("/api/v2/users/%d/password.json", f.owner), body: `{"password":"new-password-1","previous_password":"wrong-password"}`, status: 422, want: invalid("previous_password")},
		tc{name: "unknown organization_id", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","organization_id":999999`), status: 422, want: invalid("organization_id")},
		tc{name: "unknown custom_role_id", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","role":"agent","custom_role_id":999999`), status: 422, want: invalid("custom_role_id")},
		tc{name: "end user with a default group", method: "PUT", path: u("/api/v2/users/%d.json", f.endUser), body: user(fmt.Sprintf(`"default_group_id":%d`, f.group)), status: 422, want: invalid("default_group_id")},
		tc{name: "invalid domain name", method: "POST", path: "/api/v2/organizations.json", body: `{"organization":{"name":"Domains","domain_names":["not a domain"]}}`, status: 422, want: invalid("domain_names")},
		tc{name: "unknown organization group", method: "POST", path: "/api/v2/organizations.json", body: `{"organization":{"name":"Grouped","group_id":999999}}`, status: 422, want: invalid("group_id")},
		tc{name: "membership without organization", method: "POST", path: "/api/v2/organization_memberships.json", body: u(`{"organization_membership":{"user_id":%d}}`, f.agent), status: 422, want: invalid("organization_id")},
		tc{name: "duplicate organization membership", method: "POST", path: "/api/v2/organization_memberships.json", body: u(`{"organization_membership":{"user_id":%d,"organization_id":%d}}`, f.endUser, f.org), status: 422, want: invalid("user_id")},
		tc{name: "end user in a group", method: "POST", path: "/api/v2/group_memberships.json", body: u(`{"group_membership":{"user_id":%d,"group_id":%d}}`, f.endUser, f.group), status: 422, want: invalid("user_id")},
		tc{name: "duplicate group membership", method: "POST", path: "/api/v2/group_memberships.json", body: u(`{"group_membership":{"user_id":%d,"group_id":%d}}`, f.agent, f.group), status: 422, want: invalid("user_id")},
		tc{name: "field key with spaces", method: "POST", path: "/api/v2/user_fields.json", body: `{"user_field":{"key":"Bad Key","title":"x"}}`, status: 422, want: invalid("key")},
		tc{name: "duplicate field key", method: "POST", path: "/api/v2/user_fields.json", body: `{"user_field":{"key":"f_text","title":"x"}}`, status: 422, want: invalid("key")},
		tc{name: "unknown field type", method: "POST", path: "/api/v2/user_fields.json", body: `{"user_field":{"key":"k_nope","title":"x","type":"hologram"}}`, status: 422, want: invalid("type")},
		tc{name: "invalid field regexp", method: "POST", path: "/api/v2/user_fields.json", body: `{"user_field":{"key":"k_re","title":"x","type":"regexp","regexp_for_validation":"(("}}`, status: 422, want: invalid("regexp_for_validation")},
		tc{name: "dropdown without options", method: "POST", path: "/api/v2/user_fields.json", body: `{"user_field":{"key":"k_dd","title":"x","type":"dropdown"}}`, status: 422, want: invalid("custom_field_options")},
		tc{name: "field type cannot change", method: "PUT", path: u("/api/v2/user_fields/%d.json", f.dropdownField), body: `{"user_field":{"type":"text"}}`, status: 422, want: invalid("type")},
		tc{name: "duplicate option value", method: "POST", path: u("/api/v2/user_fields/%d/options.json", f.dropdownField), body: `{"custom_field_option":{"name":"Gold again","value":"gold"}}`, status: 422, want: invalid("custom_field_options")},
		// Positions are INTEGER columns: a value past int32 must be refused,
		// not passed to the database.
		tc{name: "field position overflows int32", method: "POST", path: "/api/v2/user_fields.json", body: `{"user_field":{"key":"k_pos","title":"x","position":3000000000}}`, status: 422, want: invalid("position")},
		tc{name: "option position overflows int32", method: "POST", path: u("/api/v2/user_fields/%d/options.json", f.dropdownField), body: `{"custom_field_option":{"name":"Far","value":"far","position":3000000000}}`, status: 422, want: invalid("")},
		tc{name: "blank account name", method: "PUT", path: "/api/v2/account.json", body: `{"account":{"name":" "}}`, status: 422, want: invalid("name")},
		tc{name: "invalid subdomain", method: "PUT", path: "/api/v2/account.json", body: `{"account":{"subdomain":"No Way"}}`, status: 422, want: invalid("subdomain")},
		tc{name: "settings value of the wrong type", method: "PUT", path: "/api/v2/account/settings.json", body: `{"settings":{"tickets":{"tagging":"sometimes"}}}`, status: 422, want: invalid("settings")},
	)

	// Tickets.
	out = append(out,
		tc{name: "unknown ticket", method: "GET", path: "/api/v2/tickets/999999.json", status: 404, want: exact(notFound)},
		tc{name: "update unknown ticket", method: "PUT", path: "/api/v2/tickets/999999.json", body: `{"ticket":{"status":"open"}}`, status: 404, want: exact(notFound)},
		tc{name: "101 ids in tickets/show_many", method: "GET", path: "/api/v2/tickets/show_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "ticket page[size]=101", method: "GET", path: "/api/v2/tickets.json?page[size]=101", status: 400, want: listShaped("InvalidPaginationParameter")},
		tc{name: "ticket offset depth overflow", method: "GET", path: "/api/v2/tickets.json?page=92233720368547759&per_page=100", status: 400, want: listShaped("InvalidPaginationDepth")},
		tc{name: "invalid ticket status", method: "PUT", path: u("/api/v2/tickets/%d.json", f.ticket), body: `{"ticket":{"status":"bogus"}}`, status: 422, want: invalid("status")},
		tc{name: "ticket priority is a number", method: "PUT", path: u("/api/v2/tickets/%d.json", f.ticket), body: `{"ticket":{"priority":5}}`, status: 422, want: invalid("priority")},
		tc{name: "ticket custom_fields is an object", method: "PUT", path: u("/api/v2/tickets/%d.json", f.ticket), body: `{"ticket":{"custom_fields":{"id":1}}}`, status: 422, want: invalid("custom_fields")},
		tc{name: "ticket requester with a bad email", method: "POST", path: "/api/v2/tickets.json", body: `{"ticket":{"subject":"x","requester":{"email":"bad"},"comment":{"body":"x"}}}`, status: 422, want: invalid("requester")},
		tc{name: "ticket requester that does not exist", method: "POST", path: "/api/v2/tickets.json", body: `{"ticket":{"subject":"x","requester_id":999999,"comment":{"body":"x"}}}`, status: 422, want: invalid("requester_id")},
		tc{name: "end user lists tickets", method: "GET", path: "/api/v2/tickets.json", auth: f.endUserAuth, status: 403, want: forbidden},
		tc{name: "ticket field position overflows int32", method: "POST", path: "/api/v2/ticket_fields.json", body: `{"ticket_field":{"title":"Far","position":3000000000}}`, status: 422, want: invalid("position")},
		tc{name: "NUL in ticket subject", method: "POST", path: "/api/v2/tickets.json", body: `{"ticket":{"subject":"a\u0000b","comment":{"body":"x"}}}`, status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in ticket comment", method: "PUT", path: u("/api/v2/tickets/%d.json", f.ticket), body: `{"ticket":{"comment":{"body":"a\u0000b"}}}`, status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in ticket tag", method: "PUT", path: u("/api/v2/tickets/%d.json", f.ticket), body: `{"ticket":{"tags":["a\u0000b"]}}`, status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in custom status label", method: "POST", path: "/api/v2/custom_statuses.json", body: `{"custom_status":{"status_category":"open","agent_label":"a\u0000b"}}`, status: 422, also: []int{400}, want: anyError},
	)

	// Custom field values of the wrong kind, per field type.
	for _, fv := range []struct{ typ, value string }{
		{"integer", `"abc"`}, {"integer", `1.5`}, {"integer", `true`},
		{"date", `"2024-13-45"`}, {"date", `20240101`}, {"date", `"yesterday"`},
		{"checkbox", `"maybe"`}, {"checkbox", `5`},
		{"dropdown", `"platinum"`}, {"dropdown", `5`}, {"dropdown", `["gold"]`},
		{"regexp", `"abcd"`}, {"regexp", `42`},
		{"decimal", `"ten"`}, {"decimal", `true`},
		{"multiselect", `"gold"`}, {"multiselect", `["gold","platinum"]`}, {"multiselect", `[1]`},
		{"text", `5`}, {"text", `{"a":1}`},
	} {
		key := f.fieldKeys[fv.typ]
		body := user(`"name":"x","user_fields":{"` + key + `":` + fv.value + `}`)
		out = append(out,
			tc{name: "create: " + fv.typ + " field = " + fv.value, method: "POST", path: "/api/v2/users.json", body: body, status: 422, want: invalid("user_fields." + key)},
			tc{name: "update: " + fv.typ + " field = " + fv.value, method: "PUT", path: u("/api/v2/users/%d.json", f.endUser),
				body: `{"user":{"user_fields":{"` + key + `":` + fv.value + `}}}`, status: 422, want: invalid("user_fields." + key)})
	}
	out = append(out, tc{name: "organization integer field = abc", method: "POST", path: "/api/v2/organizations.json",
		body: `{"organization":{"name":"Fielded","organization_fields":{"o_integer":"abc"}}}`, status: 422, want: invalid("organization_fields.o_integer")})

	// Who may do what.
	out = append(out,
		tc{name: "no credentials on an agent endpoint", method: "GET", path: "/api/v2/users.json", auth: "none", status: 401, want: exact(unauthorized)},
		tc{name: "bad token", method: "GET", path: "/api/v2/users.json", auth: basic("owner@alpha.example", "not-a-real-token-000000000000000000000000"), status: 401, want: exact(unauthorized)},
		tc{name: "token of an unknown email", method: "GET", path: "/api/v2/users.json", auth: basic("ghost@alpha.example", f.tn.Token), status: 401, want: exact(unauthorized)},
		tc{name: "unknown auth scheme", method: "GET", path: "/api/v2/users.json", auth: "Digest abc", status: 401, want: exact(unauthorized)},
		tc{name: "basic auth that is not base64", method: "GET", path: "/api/v2/users.json", auth: "Basic !!!", status: 401, want: exact(unauthorized)},
		tc{name: "end user lists users", method: "GET", path: "/api/v2/users.json", auth: f.endUserAuth, status: 403, want: exact(forbiddenPage)},
		tc{name: "end user lists groups", method: "GET", path: "/api/v2/groups.json", auth: f.endUserAuth, status: 403, want: exact(forbiddenPage)},
		tc{name: "end user creates a user", method: "POST", path: "/api/v2/users.json", auth: f.endUserAuth, body: user(`"name":"x"`), status: 403, want: forbidden},
		tc{name: "end user reads another user", method: "GET", path: u("/api/v2/users/%d.json", f.agent), auth: f.endUserAuth, status: 403, want: forbidden},
		tc{name: "end user starts a bulk job", method: "POST", path: "/api/v2/users/create_many.json", auth: f.endUserAuth, body: `{"users":[{"name":"x"}]}`, status: 403, want: forbidden},
		tc{name: "end user makes themselves an agent", method: "PUT", path: u("/api/v2/users/%d.json", f.endUser), auth: f.endUserAuth, body: user(`"role":"agent"`), status: 403, want: forbidden},
		tc{name: "end user lists api tokens", method: "GET", path: "/api/v2/api_tokens.json", auth: f.endUserAuth, status: 403, want: exact(forbiddenPage)},
		tc{name: "agent creates an admin", method: "POST", path: "/api/v2/users.json", auth: f.agentAuth, body: user(`"name":"x","email":"newadmin@x.example","role":"admin"`), status: 403, want: forbidden},
		tc{name: "agent creates an agent", method: "POST", path: "/api/v2/users.json", auth: f.agentAuth, body: user(`"name":"x","email":"newagent@x.example","role":"agent"`), status: 403, want: forbidden},
		tc{name: "agent promotes an end user", method: "PUT", path: u("/api/v2/users/%d.json", f.endUser), auth: f.agentAuth, body: user(`"role":"admin"`), status: 403, want: forbidden},
		tc{name: "agent deletes a user", method: "DELETE", path: u("/api/v2/users/%d.json", f.endUser), auth: f.agentAuth, status: 403, want: forbidden},
		tc{name: "agent creates a group", method: "POST", path: "/api/v2/groups.json", auth: f.agentAuth, body: `{"group":{"name":"x"}}`, status: 403, want: forbidden},
		tc{name: "agent creates an organization", method: "POST", path: "/api/v2/organizations.json", auth: f.agentAuth, body: `{"organization":{"name":"x"}}`, status: 403, want: forbidden},
		tc{name: "agent creates a field", method: "POST", path: "/api/v2/user_fields.json", auth: f.agentAuth, body: `{"user_field":{"key":"k_agent","title":"x"}}`, status: 403, want: forbidden},
		tc{name: "agent lists api tokens", method: "GET", path: "/api/v2/api_tokens.json", auth: f.agentAuth, status: 403, want: exact(forbiddenPage)},
		tc{name: "agent changes the account", method: "PUT", path: "/api/v2/account.json", auth: f.agentAuth, body: `{"account":{"name":"x"}}`, status: 403, want: forbidden},
		tc{name: "agent destroys users in bulk", method: "DELETE", path: u("/api/v2/users/destroy_many.json?ids=%d", f.endUser), auth: f.agentAuth, status: 403, want: forbidden},
		tc{name: "agent sets a password", method: "POST", path: u("/api/v2/users/%d/password.json", f.endUser), auth: f.agentAuth, body: `{"password":"long-enough-1"}`, status: 403, want: forbidden},
	)

	// NUL characters: PostgreSQL text cannot hold them. Refusing them (400
	// or 422) or matching nothing is right; a 500 is not. The filters come
	// first so a NUL wrongly stored by a later case cannot match them.
	nul := `a\u0000b`
	out = append(out,
		tc{name: "NUL in external_id filter", method: "GET", path: "/api/v2/users.json?external_id=a%00b", status: 400, also: []int{200}, want: anyError},
		tc{name: "NUL in search query", method: "GET", path: "/api/v2/users/search.json?query=a%00b", status: 400, also: []int{200}, want: anyError},
		tc{name: "NUL in autocomplete", method: "GET", path: "/api/v2/users/autocomplete.json?name=a%00b", status: 400, also: []int{200}, want: anyError},
		tc{name: "NUL in organization search", method: "GET", path: "/api/v2/organizations/search.json?name=a%00b", status: 400, also: []int{200}, want: anyError},
		tc{name: "NUL in job status ids", method: "GET", path: "/api/v2/job_statuses/show_many.json?ids=a%00b", status: 400, also: []int{200}, want: anyError},
		tc{name: "NUL in job status id", method: "GET", path: "/api/v2/job_statuses/a%00b.json", status: 404, also: []int{400}, want: anyError},
		tc{name: "NUL in user name", method: "POST", path: "/api/v2/users.json", body: user(`"name":"` + nul + `"`), status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in a tag", method: "POST", path: "/api/v2/users.json", body: user(`"name":"x","tags":["` + nul + `"]`), status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in a tags call", method: "PUT", path: u("/api/v2/users/%d/tags.json", f.endUser), body: `{"tags":["` + nul + `"]}`, status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in an identity", method: "POST", path: u("/api/v2/users/%d/identities.json", f.endUser), body: `{"identity":{"type":"twitter","value":"` + nul + `"}}`, status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in organization name", method: "POST", path: "/api/v2/organizations.json", body: `{"organization":{"name":"` + nul + `"}}`, status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in group name", method: "POST", path: "/api/v2/groups.json", body: `{"group":{"name":"` + nul + `"}}`, status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in token description", method: "POST", path: "/api/v2/api_tokens.json", body: `{"api_token":{"description":"` + nul + `"}}`, status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in account name", method: "PUT", path: "/api/v2/account.json", body: `{"account":{"name":"` + nul + `"}}`, status: 422, also: []int{400}, want: anyError},
	)
	out = append(out, ruleCases(f)...)
	return append(out, sharingCases(f)...)
}

// anyError accepts any Zendesk error shape (and a plain 200 list for the
// NUL-in-a-filter cases that may simply match nothing).
func anyError(t *testing.T, body map[string]any) string {
	if _, ok := body["error"]; ok {
		return ""
	}
	if _, ok := body["errors"]; ok {
		return ""
	}
	for _, k := range []string{"users", "organizations", "job_statuses", "triggers", "macros", "webhooks"} {
		if l, ok := body[k].([]any); ok && len(l) == 0 {
			return ""
		}
	}
	return "want a Zendesk error body (or an empty list)"
}

func TestBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		f := setup(t, s)
		all := cases(f)
		var fiveHundreds []string
		for _, c := range all {
			auth := c.auth
			switch auth {
			case "":
				auth = f.tn.TokenAuth()
			case "none":
				auth = ""
			}
			host := c.host
			if host == "" {
				host = f.tn.Host
			}
			before := fingerprint(t, s)
			res := s.Do(t, apptest.Request{Method: c.method, Path: c.path, Host: host, Auth: auth, Body: c.body, Header: c.header})
			after := fingerprint(t, s)
			label := fmt.Sprintf("%s [%s %s]", c.name, c.method, trim(c.path))
			if res.Status >= 500 {
				fiveHundreds = append(fiveHundreds, fmt.Sprintf("%s -> %d", label, res.Status))
			}
			okStatus := res.Status == c.status
			for _, alt := range c.also {
				okStatus = okStatus || res.Status == alt
			}
			if !okStatus {
				t.Errorf("%s: status %d, want %d (also ok: %v)\n  body: %s", label, res.Status, c.status, c.also, trim(string(res.Body)))
			} else {
				var body map[string]any
				if err := json.Unmarshal(res.Body, &body); err != nil {
					t.Errorf("%s: body is not a JSON object: %s", label, trim(string(res.Body)))
				} else if msg := c.want(t, body); msg != "" {
					t.Errorf("%s: body %s\n  %s", label, trim(string(res.Body)), msg)
				}
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("%s: Content-Type %q, want application/json", label, ct)
				}
			}
			if before != after {
				t.Errorf("%s: the request wrote to the database (%d):\n  before: %s\n  after:  %s", label, res.Status, before, after)
			}
		}
		t.Logf("%d bad-input cases", len(all))

		// Oversize bodies, with and without a Content-Length.
		big := `{"user":{"name":"x","notes":"` + strings.Repeat("n", 2<<20) + `"}}`
		tooLarge := `{"error":"RequestTooLarge","description":"Request body is larger than 2097152 bytes"}`
		before := fingerprint(t, s)
		res := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/users.json", Host: f.tn.Host, Auth: f.tn.TokenAuth(), Body: big})
		if res.Status != http.StatusRequestEntityTooLarge || !sameJSON(res.Body, tooLarge) {
			t.Errorf("oversize body with Content-Length: %d %s; want 413 %s", res.Status, trim(string(res.Body)), tooLarge)
		}
		res = chunked(t, s, f, "POST", "/api/v2/users.json", big)
		if res.Status != http.StatusRequestEntityTooLarge || !sameJSON(res.Body, tooLarge) {
			t.Errorf("oversize chunked body: %d %s; want 413 %s", res.Status, trim(string(res.Body)), tooLarge)
		}
		res = chunked(t, s, f, "POST", "/api/v2/users/create_many.json", `{"users":[`+strings.Repeat(`{"name":"`+strings.Repeat("n", 1000)+`"},`, 2200)+`{"name":"x"}]}`)
		if res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("oversize chunked create_many: %d %s; want 413", res.Status, trim(string(res.Body)))
		}
		if res.Status >= 500 {
			fiveHundreds = append(fiveHundreds, "oversize chunked create_many")
		}
		if after := fingerprint(t, s); before != after {
			t.Errorf("an oversize body wrote to the database:\n  before: %s\n  after:  %s", before, after)
		}

		if len(fiveHundreds) > 0 {
			t.Errorf("%d responses were 5xx (bad input must never be a 500):\n  %s", len(fiveHundreds), strings.Join(fiveHundreds, "\n  "))
		}
	})
}

// chunked sends body without a Content-Length, so only the reader's limit
// can stop it.
func chunked(t *testing.T, s *apptest.Server, f fx, method, path, body string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, io.MultiReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = f.tn.Host
	req.Header.Set("Authorization", f.tn.TokenAuth())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func sameJSON(a []byte, b string) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func trim(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return strings.ReplaceAll(s, "\n", " ")
}
