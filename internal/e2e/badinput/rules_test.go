package badinput_test

import (
	"fmt"
	"strings"
)

// ruleCases are the bad requests of the business-rule rooms (triggers,
// trigger categories, automations, views, macros) and of webhooks.
func ruleCases(f fx) []tc {
	u := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }
	var out []tc

	// --- triggers and automations ---
	cond := `{"field":"status","operator":"is","value":"new"}`
	act := `{"field":"priority","value":"high"}`
	trig := func(kv string) string { return `{"trigger":{` + kv + `}}` }
	withTitle := func(kv string) string { return trig(`"title":"x",` + kv) }
	valid := `"conditions":{"all":[` + cond + `]},"actions":[` + act + `]`
	triggerPath := u("/api/v2/triggers/%d.json", f.trigger)
	out = append(out,
		tc{name: "trigger root is a list", method: "POST", path: "/api/v2/triggers.json", body: `{"trigger":[]}`, status: 422, want: invalid("trigger")},
		tc{name: "trigger conditions is a string", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":"status is new","actions":[` + act + `]`), status: 422, want: invalid("conditions")},
		tc{name: "trigger conditions.all is an object", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":` + cond + `},"actions":[` + act + `]`), status: 422, want: invalid("")},
		tc{name: "trigger top-level all is a string", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"all":"status","actions":[` + act + `]`), status: 422, want: invalid("all")},
		tc{name: "trigger actions is an object", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":` + act), status: 422, want: invalid("actions")},
		tc{name: "trigger actions is a string", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":"priority high"`), status: 422, want: invalid("actions")},
		tc{name: "trigger action is a number", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":[5]`), status: 422, want: invalid("")},
		tc{name: "trigger condition value is an object", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[{"field":"status","operator":"is","value":{"a":1}}]},"actions":[` + act + `]`), status: 422, want: invalid("")},
		tc{name: "trigger condition field is a number", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[{"field":5,"operator":"is","value":"new"}]},"actions":[` + act + `]`), status: 422, want: invalid("")},
		tc{name: "trigger unknown condition field", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[{"field":"moon_phase","operator":"is","value":"full"}]},"actions":[` + act + `]`), status: 422, want: invalid("")},
		tc{name: "trigger unknown condition operator", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[{"field":"status","operator":"resembles","value":"new"}]},"actions":[` + act + `]`), status: 422, want: invalid("")},
		tc{name: "trigger unknown status value", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[{"field":"status","operator":"is","value":"sleeping"}]},"actions":[` + act + `]`), status: 422, want: invalid("")},
		tc{name: "trigger time condition (automations only)", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[{"field":"SOLVED","operator":"greater_than","value":"24"}]},"actions":[` + act + `]`), status: 422, want: invalid("")},
		tc{name: "trigger unknown action field", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":[{"field":"teleport","value":"x"}]`), status: 422, want: invalid("")},
		tc{name: "trigger action value is an object", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":[{"field":"priority","value":{"a":1}}]`), status: 422, want: invalid("")},
		tc{name: "trigger unknown priority value", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":[{"field":"priority","value":"extreme"}]`), status: 422, want: invalid("")},
		tc{name: "trigger macro-only action", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":[{"field":"comment_value","value":"hi"}]`), status: 422, want: invalid("")},
		tc{name: "trigger notification_user value is a string", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":[{"field":"notification_user","value":"requester_id"}]`), status: 422, want: invalid("")},
		tc{name: "trigger notification_webhook of no webhook", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":[{"field":"notification_webhook","value":["01ARZ3NDEKTSV4RRFFQ69G5FAV","{}"]}]`), status: 422, want: invalid("")},
		tc{name: "trigger without actions", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[` + cond + `]},"actions":[]`), status: 422, want: invalid("actions")},
		tc{name: "trigger without conditions", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"actions":[` + act + `]`), status: 422, want: invalid("conditions")},
		tc{name: "trigger missing title", method: "POST", path: "/api/v2/triggers.json", body: trig(valid), status: 422, want: invalid("title")},
		tc{name: "trigger blank title", method: "POST", path: "/api/v2/triggers.json", body: trig(`"title":"  ",` + valid), status: 422, want: invalid("title")},
		tc{name: "trigger title too long", method: "POST", path: "/api/v2/triggers.json", body: trig(`"title":"` + strings.Repeat("t", 256) + `",` + valid), status: 422, want: invalid("title")},
		tc{name: "trigger title is a number", method: "POST", path: "/api/v2/triggers.json", body: trig(`"title":5,` + valid), status: 422, want: invalid("title")},
		tc{name: "trigger active is a string", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"active":"yes",` + valid), status: 422, want: invalid("active")},
		tc{name: "trigger position is a string", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"position":"first",` + valid), status: 422, want: invalid("position")},
		tc{name: "trigger position overflows int32", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"position":3000000000,` + valid), status: 422, want: invalid("position")},
		tc{name: "trigger category_id is not an id", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"category_id":"abc",` + valid), status: 422, want: invalid("category_id")},
		tc{name: "trigger category_id of no category", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"category_id":"999999",` + valid), status: 422, want: invalid("category_id")},
		tc{name: "update: trigger conditions is a string", method: "PUT", path: triggerPath, body: trig(`"conditions":"x"`), status: 422, want: invalid("conditions")},
		tc{name: "update: trigger actions is an object", method: "PUT", path: triggerPath, body: trig(`"actions":` + act), status: 422, want: invalid("actions")},
		tc{name: "update: trigger blank title", method: "PUT", path: triggerPath, body: trig(`"title":""`), status: 422, want: invalid("title")},
		tc{name: "update: trigger unknown operator", method: "PUT", path: triggerPath, body: trig(`"conditions":{"all":[{"field":"status","operator":"resembles","value":"new"}]}`), status: 422, want: invalid("")},

		tc{name: "unknown trigger", method: "GET", path: "/api/v2/triggers/999999.json", status: 404, want: exact(notFound)},
		tc{name: "non-numeric trigger id", method: "GET", path: "/api/v2/triggers/abc.json", status: 404, want: exact(notFound)},
		tc{name: "trigger id 0", method: "GET", path: "/api/v2/triggers/0.json", status: 404, want: exact(notFound)},
		tc{name: "negative trigger id", method: "GET", path: "/api/v2/triggers/-1.json", status: 404, want: exact(notFound)},
		tc{name: "trigger id overflows int64", method: "GET", path: "/api/v2/triggers/99999999999999999999.json", status: 404, want: exact(notFound)},
		tc{name: "update unknown trigger", method: "PUT", path: "/api/v2/triggers/999999.json", body: trig(`"title":"x"`), status: 404, want: exact(notFound)},
		tc{name: "delete non-numeric trigger", method: "DELETE", path: "/api/v2/triggers/abc.json", status: 404, want: exact(notFound)},
		tc{name: "automation read as a trigger", method: "GET", path: u("/api/v2/triggers/%d.json", f.automation), status: 404, want: exact(notFound)},
		tc{name: "trigger read as an automation", method: "GET", path: u("/api/v2/automations/%d.json", f.trigger), status: 404, want: exact(notFound)},
		tc{name: "revisions of unknown trigger", method: "GET", path: "/api/v2/triggers/999999/revisions.json", status: 404, want: exact(notFound)},
		tc{name: "unknown trigger revision", method: "GET", path: u("/api/v2/triggers/%d/revisions/999999.json", f.trigger), status: 404, want: exact(notFound)},
		tc{name: "non-numeric trigger revision", method: "GET", path: u("/api/v2/triggers/%d/revisions/abc.json", f.trigger), status: 404, want: exact(notFound)},
		tc{name: "revisions of an automation", method: "GET", path: u("/api/v2/triggers/%d/revisions.json", f.automation), status: 404, want: exact(notFound)},

		tc{name: "101 ids in triggers/destroy_many", method: "DELETE", path: "/api/v2/triggers/destroy_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "non-numeric id in triggers/destroy_many", method: "DELETE", path: "/api/v2/triggers/destroy_many.json?ids=1,abc", status: 400, want: plain("InvalidValue")},
		tc{name: "triggers/destroy_many without ids", method: "DELETE", path: "/api/v2/triggers/destroy_many.json", status: 400, want: plain("ParameterMissing")},
		tc{name: "triggers/destroy_many of unknown ids", method: "DELETE", path: u("/api/v2/triggers/destroy_many.json?ids=%d,999999", f.trigger), status: 404, want: exact(notFound)},
		tc{name: "triggers/update_many item without id", method: "PUT", path: "/api/v2/triggers/update_many.json", body: `{"triggers":[{"active":false}]}`, status: 422, want: invalid("id")},
		tc{name: "triggers/update_many id is a string", method: "PUT", path: "/api/v2/triggers/update_many.json", body: `{"triggers":[{"id":"abc","active":false}]}`, status: 422, want: invalid("")},
		tc{name: "triggers/update_many active is a string", method: "PUT", path: "/api/v2/triggers/update_many.json", body: u(`{"triggers":[{"id":%d,"active":"no"}]}`, f.trigger), status: 422, want: invalid("")},
		tc{name: "triggers/update_many is an object", method: "PUT", path: "/api/v2/triggers/update_many.json", body: u(`{"triggers":{"id":%d}}`, f.trigger), status: 422, want: invalid("triggers")},
		tc{name: "triggers/update_many of an unknown trigger", method: "PUT", path: "/api/v2/triggers/update_many.json", body: u(`{"triggers":[{"id":%d,"active":false},{"id":999999,"active":false}]}`, f.trigger), status: 404, want: exact(notFound)},
		tc{name: "101 triggers in update_many", method: "PUT", path: "/api/v2/triggers/update_many.json",
			body: map[string]any{"triggers": records(101, func(i int) map[string]any { return map[string]any{"id": f.trigger, "active": true} })}, status: 400, want: tooMany("triggers")},
		tc{name: "reorder ids are strings", method: "PUT", path: "/api/v2/triggers/reorder.json", body: `{"trigger_ids":"abc"}`, status: 422, want: invalid("trigger_ids")},
		tc{name: "triggers active filter is not a boolean", method: "GET", path: "/api/v2/triggers.json?active=maybe", status: 400, want: plain("InvalidValue")},
		tc{name: "triggers category filter is not an id", method: "GET", path: "/api/v2/triggers.json?category_id=abc", status: 400, want: plain("InvalidValue")},

		// Automations.
		tc{name: "automation without a time condition", method: "POST", path: "/api/v2/automations.json", body: `{"automation":{"title":"x","all":[{"field":"status","operator":"is","value":"solved"}],"actions":[{"field":"status","value":"closed"}]}}`, status: 422, want: invalid("")},
		tc{name: "automation time condition in any", method: "POST", path: "/api/v2/automations.json", body: `{"automation":{"title":"x","all":[{"field":"status","operator":"is","value":"solved"}],"any":[{"field":"SOLVED","operator":"greater_than","value":"24"}],"actions":[{"field":"status","value":"closed"}]}}`, status: 422, want: invalid("")},
		tc{name: "automation hours are not a number", method: "POST", path: "/api/v2/automations.json", body: `{"automation":{"title":"x","all":[{"field":"status","operator":"is","value":"solved"},{"field":"SOLVED","operator":"greater_than","value":"soon"}],"actions":[{"field":"status","value":"closed"}]}}`, status: 422, want: invalid("")},
		tc{name: "automation conditions is a string", method: "POST", path: "/api/v2/automations.json", body: `{"automation":{"title":"x","conditions":"x","actions":[{"field":"status","value":"closed"}]}}`, status: 422, want: invalid("conditions")},
		tc{name: "automation actions is not an array", method: "POST", path: "/api/v2/automations.json", body: `{"automation":{"title":"x","all":[{"field":"status","operator":"is","value":"solved"},{"field":"SOLVED","operator":"greater_than","value":"24"}],"actions":{"field":"status","value":"closed"}}}`, status: 422, want: invalid("actions")},
		tc{name: "automation missing title", method: "POST", path: "/api/v2/automations.json", body: `{"automation":{"all":[{"field":"status","operator":"is","value":"solved"},{"field":"SOLVED","operator":"greater_than","value":"24"}],"actions":[{"field":"status","value":"closed"}]}}`, status: 422, want: invalid("title")},
		tc{name: "automation title too long", method: "POST", path: "/api/v2/automations.json", body: `{"automation":{"title":"` + strings.Repeat("a", 256) + `","all":[{"field":"status","operator":"is","value":"solved"},{"field":"SOLVED","operator":"greater_than","value":"24"}],"actions":[{"field":"status","value":"closed"}]}}`, status: 422, want: invalid("title")},
		tc{name: "unknown automation", method: "GET", path: "/api/v2/automations/999999.json", status: 404, want: exact(notFound)},
		tc{name: "non-numeric automation id", method: "DELETE", path: "/api/v2/automations/abc.json", status: 404, want: exact(notFound)},
		tc{name: "101 ids in automations/destroy_many", method: "DELETE", path: "/api/v2/automations/destroy_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},

		// Trigger categories.
		tc{name: "trigger category blank name", method: "POST", path: "/api/v2/trigger_categories.json", body: `{"trigger_category":{"name":" "}}`, status: 422, want: invalid("name")},
		tc{name: "trigger category name too long", method: "POST", path: "/api/v2/trigger_categories.json", body: `{"trigger_category":{"name":"` + strings.Repeat("c", 256) + `"}}`, status: 422, want: invalid("name")},
		tc{name: "trigger category name is a number", method: "POST", path: "/api/v2/trigger_categories.json", body: `{"trigger_category":{"name":5}}`, status: 422, want: invalid("name")},
		tc{name: "trigger category position is a string", method: "POST", path: "/api/v2/trigger_categories.json", body: `{"trigger_category":{"name":"x","position":"top"}}`, status: 422, want: invalid("position")},
		tc{name: "unknown trigger category", method: "GET", path: "/api/v2/trigger_categories/999999.json", status: 404, want: exact(notFound)},
		tc{name: "non-numeric trigger category", method: "PATCH", path: "/api/v2/trigger_categories/abc.json", body: `{"trigger_category":{"name":"x"}}`, status: 404, want: exact(notFound)},
		tc{name: "delete a trigger category that has triggers", method: "DELETE", path: u("/api/v2/trigger_categories/%d.json", f.category), status: 400, want: plain("CategoryNotEmpty")},
		tc{name: "category job: unknown action", method: "POST", path: "/api/v2/trigger_categories/jobs.json", body: u(`{"job":{"action":"delete","items":{"trigger_categories":[{"id":"%d","position":1}]}}}`, f.category), status: 422, want: invalid("action")},
		tc{name: "category job: no items", method: "POST", path: "/api/v2/trigger_categories/jobs.json", body: `{"job":{"action":"patch","items":{}}}`, status: 422, want: invalid("items")},
		tc{name: "category job: items is a list", method: "POST", path: "/api/v2/trigger_categories/jobs.json", body: `{"job":{"action":"patch","items":[]}}`, status: 422, want: invalid("items")},
		tc{name: "category job: id is not an id", method: "POST", path: "/api/v2/trigger_categories/jobs.json", body: `{"job":{"action":"patch","items":{"trigger_categories":[{"id":"abc","position":1}]}}}`, status: 422, want: invalid("")},
		tc{name: "category job: unknown category", method: "POST", path: "/api/v2/trigger_categories/jobs.json", body: `{"job":{"action":"patch","items":{"trigger_categories":[{"id":"999999","position":1}]}}}`, status: 404, want: exact(notFound)},
		tc{name: "category job: trigger into an unknown category", method: "POST", path: "/api/v2/trigger_categories/jobs.json", body: u(`{"job":{"action":"patch","items":{"triggers":[{"id":"%d","position":1,"category_id":"999999"}]}}}`, f.trigger), status: 422, want: invalid("category_id")},
		tc{name: "category job: 1001 items", method: "POST", path: "/api/v2/trigger_categories/jobs.json",
			body: map[string]any{"job": map[string]any{"action": "patch", "items": map[string]any{"trigger_categories": records(1001, func(i int) map[string]any {
				return map[string]any{"id": fmt.Sprint(f.category), "position": i}
			})}}}, status: 400, want: plain("TooManyValues")},
	)

	// --- views ---
	vcond := `{"field":"status","operator":"less_than","value":"solved"}`
	view := func(kv string) string { return `{"view":{` + kv + `}}` }
	viewPath := u("/api/v2/views/%d.json", f.view)
	cols := make([]string, 11)
	for i, c := range []string{"status", "subject", "requester", "assignee", "group", "created", "updated", "priority", "type", "nice_id", "organization"} {
		cols[i] = `"` + c + `"`
	}
	out = append(out,
		tc{name: "view all is a string", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":"status"`), status: 422, want: invalid("all")},
		tc{name: "view conditions is a string", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","conditions":"status"`), status: 422, want: invalid("conditions")},
		tc{name: "view condition value is an object", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[{"field":"status","operator":"less_than","value":{"a":1}}]`), status: 422, want: invalid("")},
		tc{name: "view unknown condition field", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[` + vcond + `,{"field":"moon_phase","operator":"is","value":"full"}]`), status: 422, want: invalid("")},
		tc{name: "view unknown operator", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[{"field":"status","operator":"resembles","value":"open"}]`), status: 422, want: invalid("")},
		tc{name: "view without a required condition", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[{"field":"current_tags","operator":"includes","value":"vip"}]`), status: 422, want: invalid("")},
		tc{name: "view without conditions", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x"`), status: 422, want: invalid("")},
		tc{name: "view missing title", method: "POST", path: "/api/v2/views.json", body: view(`"all":[` + vcond + `]`), status: 422, want: invalid("title")},
		tc{name: "view blank title", method: "POST", path: "/api/v2/views.json", body: view(`"title":" ","all":[` + vcond + `]`), status: 422, want: invalid("title")},
		tc{name: "view title is a number", method: "POST", path: "/api/v2/views.json", body: view(`"title":5,"all":[` + vcond + `]`), status: 422, want: invalid("title")},
		tc{name: "view active is a string", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","active":"yes","all":[` + vcond + `]`), status: 422, want: invalid("active")},
		tc{name: "view 11 columns", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[` + vcond + `],"output":{"columns":[` + strings.Join(cols, ",") + `]}`), status: 422, want: invalid("output")},
		tc{name: "view columns is a string", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[` + vcond + `],"output":{"columns":"status"}`), status: 422, want: invalid("")},
		tc{name: "view unknown column", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[` + vcond + `],"output":{"columns":["shoe_size"]}`), status: 422, want: invalid("")},
		tc{name: "view unknown sort order", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[` + vcond + `],"output":{"sort_by":"created","sort_order":"sideways"}`), status: 422, want: invalid("")},
		tc{name: "view restriction of unknown type", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[` + vcond + `],"restriction":{"type":"Planet","id":1}`), status: 422, want: invalid("restriction")},
		tc{name: "view restriction of no group", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[` + vcond + `],"restriction":{"type":"Group","id":999999}`), status: 422, want: invalid("restriction")},
		tc{name: "view restriction is a string", method: "POST", path: "/api/v2/views.json", body: view(`"title":"x","all":[` + vcond + `],"restriction":"Group"`), status: 422, want: invalid("restriction")},
		tc{name: "update: view all is an object", method: "PUT", path: viewPath, body: view(`"all":` + vcond), status: 422, want: invalid("all")},
		tc{name: "update: view blank title", method: "PUT", path: viewPath, body: view(`"title":""`), status: 422, want: invalid("title")},
		tc{name: "preview with an unknown operator", method: "POST", path: "/api/v2/views/preview.json", body: view(`"all":[{"field":"status","operator":"resembles","value":"open"}]`), status: 422, want: invalid("")},

		tc{name: "unknown view", method: "GET", path: "/api/v2/views/999999.json", status: 404, want: exact(notFound)},
		tc{name: "view id 0", method: "GET", path: "/api/v2/views/0.json", status: 404, want: exact(notFound)},
		tc{name: "non-numeric view id", method: "GET", path: "/api/v2/views/abc.json", status: 404, want: exact(notFound)},
		tc{name: "update unknown view", method: "PUT", path: "/api/v2/views/999999.json", body: view(`"title":"x"`), status: 404, want: exact(notFound)},
		tc{name: "delete non-numeric view", method: "DELETE", path: "/api/v2/views/abc.json", status: 404, want: exact(notFound)},
		tc{name: "tickets of unknown view", method: "GET", path: "/api/v2/views/999999/tickets.json", status: 404, want: exact(notFound)},
		tc{name: "execute unknown view", method: "GET", path: "/api/v2/views/999999/execute.json", status: 404, want: exact(notFound)},
		tc{name: "count of view 0", method: "GET", path: "/api/v2/views/0/count.json", status: 404, want: exact(notFound)},
		tc{name: "export non-numeric view", method: "GET", path: "/api/v2/views/abc/export.json", status: 404, want: exact(notFound)},
		tc{name: "101 ids in views/show_many", method: "GET", path: "/api/v2/views/show_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "views/show_many without ids", method: "GET", path: "/api/v2/views/show_many.json", status: 400, want: plain("ParameterMissing")},
		tc{name: "non-numeric id in views/count_many", method: "GET", path: "/api/v2/views/count_many.json?ids=abc", status: 400, want: plain("InvalidValue")},
		tc{name: "101 ids in views/destroy_many", method: "DELETE", path: "/api/v2/views/destroy_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "views/destroy_many without ids", method: "DELETE", path: "/api/v2/views/destroy_many.json", status: 400, want: plain("ParameterMissing")},
		tc{name: "views/update_many item without id", method: "PUT", path: "/api/v2/views/update_many.json", body: `{"views":[{"position":1}]}`, status: 422, want: invalid("id")},
		tc{name: "views/update_many position is a string", method: "PUT", path: "/api/v2/views/update_many.json", body: u(`{"views":[{"id":%d,"position":"top"}]}`, f.view), status: 422, want: invalid("")},
		tc{name: "views/update_many of an unknown view", method: "PUT", path: "/api/v2/views/update_many.json", body: u(`{"views":[{"id":%d,"position":1},{"id":999999,"position":2}]}`, f.view), status: 404, want: exact(notFound)},
		tc{name: "view tickets sorted by an unknown column", method: "GET", path: u("/api/v2/views/%d/tickets.json?page[size]=10&sort=shoe_size", f.view), status: 400, want: listShaped("InvalidPaginationParameter")},
	)

	// --- macros ---
	macro := func(kv string) string { return `{"macro":{` + kv + `}}` }
	mact := `{"field":"status","value":"solved"}`
	macroPath := u("/api/v2/macros/%d.json", f.macro)
	out = append(out,
		tc{name: "macro actions is a string", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":"solve"`), status: 422, want: invalid("actions")},
		tc{name: "macro actions is an object", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":` + mact), status: 422, want: invalid("actions")},
		tc{name: "macro without actions", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":[]`), status: 422, want: invalid("actions")},
		tc{name: "macro unknown action field", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":[{"field":"teleport","value":"x"}]`), status: 422, want: invalid("")},
		tc{name: "macro sets status closed", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":[{"field":"status","value":"closed"}]`), status: 422, want: invalid("")},
		tc{name: "macro action value is an object", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":[{"field":"priority","value":{"a":1}}]`), status: 422, want: invalid("")},
		tc{name: "macro comment value is an object", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":[{"field":"comment_value","value":{"a":1}}]`), status: 422, want: invalid("")},
		tc{name: "macro trigger-only action", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":[{"field":"notification_user","value":["requester_id","s","b"]}]`), status: 422, want: invalid("")},
		tc{name: "macro missing title", method: "POST", path: "/api/v2/macros.json", body: macro(`"actions":[` + mact + `]`), status: 422, want: invalid("title")},
		tc{name: "macro title is a list", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":["x"],"actions":[` + mact + `]`), status: 422, want: invalid("title")},
		tc{name: "macro restriction of no group", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":[` + mact + `],"restriction":{"type":"Group","id":999999}`), status: 422, want: invalid("restriction")},
		tc{name: "update: macro actions is a string", method: "PUT", path: macroPath, body: macro(`"actions":"x"`), status: 422, want: invalid("actions")},
		tc{name: "update: macro blank title", method: "PUT", path: macroPath, body: macro(`"title":" "`), status: 422, want: invalid("title")},
		tc{name: "unknown macro", method: "GET", path: "/api/v2/macros/999999.json", status: 404, want: exact(notFound)},
		tc{name: "non-numeric macro id", method: "GET", path: "/api/v2/macros/abc.json", status: 404, want: exact(notFound)},
		tc{name: "update unknown macro", method: "PUT", path: "/api/v2/macros/999999.json", body: macro(`"title":"x"`), status: 404, want: exact(notFound)},
		tc{name: "apply unknown macro", method: "GET", path: "/api/v2/macros/999999/apply.json", status: 404, want: exact(notFound)},
		tc{name: "apply a macro to an unknown ticket", method: "GET", path: u("/api/v2/tickets/999999/macros/%d/apply.json", f.macro), status: 404, want: exact(notFound)},
		tc{name: "apply a non-numeric macro to a ticket", method: "GET", path: u("/api/v2/tickets/%d/macros/abc/apply.json", f.ticket), status: 404, want: exact(notFound)},
		tc{name: "101 ids in macros/destroy_many", method: "DELETE", path: "/api/v2/macros/destroy_many.json?ids=" + ids(101), status: 400, want: tooMany("ids")},
		tc{name: "non-numeric id in macros/destroy_many", method: "DELETE", path: "/api/v2/macros/destroy_many.json?ids=abc", status: 400, want: plain("InvalidValue")},
		tc{name: "macros/update_many item without id", method: "PUT", path: "/api/v2/macros/update_many.json", body: `{"macros":[{"position":1}]}`, status: 422, want: invalid("id")},
		tc{name: "macros/update_many of an unknown macro", method: "PUT", path: "/api/v2/macros/update_many.json", body: u(`{"macros":[{"id":%d,"position":1},{"id":999999,"position":2}]}`, f.macro), status: 404, want: exact(notFound)},
	)

	// --- webhooks ---
	hook := func(kv map[string]any) map[string]any {
		w := map[string]any{"name": "Bad", "endpoint": "https://example.com/bad", "http_method": "POST", "request_format": "json",
			"status": "active", "subscriptions": []string{"conditional_ticket_events"}}
		for k, v := range kv {
			if v == nil {
				delete(w, k)
				continue
			}
			w[k] = v
		}
		return map[string]any{"webhook": w}
	}
	type kv = map[string]any
	headers6 := kv{}
	for i := range 6 {
		headers6[fmt.Sprintf("X-H%d", i)] = "v"
	}
	for _, c := range []struct {
		name, field string
		set         kv
	}{
		{"missing name", "name", kv{"name": nil}},
		{"blank name", "name", kv{"name": "  "}},
		{"name too long", "name", kv{"name": strings.Repeat("w", 256)}},
		{"description too long", "description", kv{"description": strings.Repeat("d", 1025)}},
		{"unknown status", "status", kv{"status": "paused"}},
		{"missing endpoint", "endpoint", kv{"endpoint": nil}},
		{"ftp endpoint", "endpoint", kv{"endpoint": "ftp://example.com/x"}},
		{"relative endpoint", "endpoint", kv{"endpoint": "/hook"}},
		{"endpoint with credentials", "endpoint", kv{"endpoint": "https://user:pw@example.com/"}},
		{"loopback endpoint", "endpoint", kv{"endpoint": "http://127.0.0.1:8080/hook"}},
		{"IPv6 loopback endpoint", "endpoint", kv{"endpoint": "http://[::1]/hook"}},
		{"localhost endpoint", "endpoint", kv{"endpoint": "http://localhost/hook"}},
		{"private endpoint", "endpoint", kv{"endpoint": "https://10.1.2.3/hook"}},
		{"metadata endpoint", "endpoint", kv{"endpoint": "http://169.254.169.254/latest/meta-data"}},
		{"endpoint with a bad port", "endpoint", kv{"endpoint": "https://example.com:99999/hook"}},
		{"endpoint too long", "endpoint", kv{"endpoint": "https://example.com/" + strings.Repeat("p", 2100)}},
		{"unknown http method", "http_method", kv{"http_method": "TRACE"}},
		{"missing http method", "http_method", kv{"http_method": nil}},
		{"unknown request format", "request_format", kv{"request_format": "yaml"}},
		{"no subscriptions", "subscriptions", kv{"subscriptions": []string{}}},
		{"missing subscriptions", "subscriptions", kv{"subscriptions": nil}},
		{"unknown event type", "subscriptions", kv{"subscriptions": []string{"zen:event-type:ticket.exploded"}}},
		{"conditional mixed with events", "subscriptions", kv{"subscriptions": []string{"conditional_ticket_events", "zen:event-type:ticket.created"}}},
		{"events with GET", "subscriptions", kv{"http_method": "GET", "subscriptions": []string{"zen:event-type:ticket.created"}}},
		{"events with xml", "subscriptions", kv{"request_format": "xml", "subscriptions": []string{"zen:event-type:user.created"}}},
		{"unknown authentication type", "authentication", kv{"authentication": kv{"type": "magic", "data": kv{}}}},
		{"basic auth without password", "authentication", kv{"authentication": kv{"type": "basic_auth", "data": kv{"username": "ann"}}}},
		{"basic auth username with a colon", "authentication", kv{"authentication": kv{"type": "basic_auth", "data": kv{"username": "a:b", "password": "pw"}}}},
		{"authentication in the body", "authentication", kv{"authentication": kv{"type": "bearer_token", "data": kv{"token": "t"}, "add_position": "body"}}},
		{"api key header is Host", "authentication", kv{"authentication": kv{"type": "api_key", "data": kv{"name": "Host", "value": "v"}}}},
		{"bearer token with a line break", "authentication", kv{"authentication": kv{"type": "bearer_token", "data": kv{"token": "a\r\nX-Evil: 1"}}}},
		{"custom Authorization header", "custom_headers", kv{"custom_headers": kv{"Authorization": "Bearer x"}}},
		{"custom X-Zendesk header", "custom_headers", kv{"custom_headers": kv{"X-Zendesk-Webhook-Signature": "x"}}},
		{"custom header name with a space", "custom_headers", kv{"custom_headers": kv{"Bad Name": "x"}}},
		{"custom header value with a line break", "custom_headers", kv{"custom_headers": kv{"X-Ok": "a\nb"}}},
		{"six custom headers", "custom_headers", kv{"custom_headers": headers6}},
		{"external_source is a string", "external_source", kv{"external_source": "app"}},
		{"short signing secret", "signing_secret", kv{"signing_secret": kv{"secret": "short", "algorithm": "SHA256"}}},
		{"signing secret algorithm", "signing_secret", kv{"signing_secret": kv{"secret": strings.Repeat("s", 32), "algorithm": "MD5"}}},
	} {
		out = append(out, tc{name: "webhook " + c.name, method: "POST", path: "/api/v2/webhooks.json", body: hook(c.set), status: 422, want: invalid(c.field)})
	}
	whPath := "/api/v2/webhooks/" + f.webhook + ".json"
	unknownULID := "01ARZ3NDEKTSV4RRFFQ69G5FAV"
	out = append(out,
		tc{name: "webhook name is a number", method: "POST", path: "/api/v2/webhooks.json", body: `{"webhook":{"name":5}}`, status: 422, want: invalid("name")},
		tc{name: "webhook subscriptions is a string", method: "POST", path: "/api/v2/webhooks.json", body: `{"webhook":{"name":"x","endpoint":"https://example.com/x","http_method":"POST","request_format":"json","subscriptions":"conditional_ticket_events"}}`, status: 422, want: invalid("subscriptions")},
		tc{name: "webhook custom_headers is a list", method: "POST", path: "/api/v2/webhooks.json", body: `{"webhook":{"name":"x","endpoint":"https://example.com/x","http_method":"POST","request_format":"json","subscriptions":["conditional_ticket_events"],"custom_headers":["X-A"]}}`, status: 422, want: invalid("custom_headers")},
		tc{name: "webhook endpoint is a number", method: "POST", path: "/api/v2/webhooks.json", body: `{"webhook":{"name":"x","endpoint":5,"http_method":"POST","request_format":"json","subscriptions":["conditional_ticket_events"]}}`, status: 422, want: invalid("endpoint")},
		tc{name: "update: webhook loopback endpoint", method: "PUT", path: whPath, body: hook(kv{"endpoint": "http://127.0.0.1/x"}), status: 422, want: invalid("endpoint")},
		tc{name: "update: webhook without subscriptions", method: "PUT", path: whPath, body: hook(kv{"subscriptions": nil}), status: 422, want: invalid("subscriptions")},
		tc{name: "patch: webhook unknown method", method: "PATCH", path: whPath, body: `{"webhook":{"http_method":"TRACE"}}`, status: 422, want: invalid("http_method")},
		tc{name: "patch: webhook private endpoint", method: "PATCH", path: whPath, body: `{"webhook":{"endpoint":"https://192.168.1.1/x"}}`, status: 422, want: invalid("endpoint")},
		tc{name: "patch: webhook events with xml", method: "PATCH", path: whPath, body: `{"webhook":{"request_format":"xml","subscriptions":["zen:event-type:ticket.created"]}}`, status: 422, want: invalid("subscriptions")},
		tc{name: "patch: webhook name null", method: "PATCH", path: whPath, body: `{"webhook":{"name":null}}`, status: 422, want: invalid("name")},
		tc{name: "patch: webhook is a list", method: "PATCH", path: whPath, body: `{"webhook":[]}`, status: 422, want: invalid("webhook")},

		tc{name: "non-ULID webhook id", method: "GET", path: "/api/v2/webhooks/abc.json", status: 404, want: exact(notFound)},
		tc{name: "numeric webhook id", method: "GET", path: "/api/v2/webhooks/12345.json", status: 404, want: exact(notFound)},
		tc{name: "unknown webhook", method: "GET", path: "/api/v2/webhooks/" + unknownULID + ".json", status: 404, want: exact(notFound)},
		tc{name: "webhook id with a trailing character", method: "GET", path: "/api/v2/webhooks/" + f.webhook + "X.json", status: 404, want: exact(notFound)},
		tc{name: "lower-case webhook id", method: "DELETE", path: "/api/v2/webhooks/" + strings.ToLower(unknownULID) + ".json", status: 404, want: exact(notFound)},
		tc{name: "update unknown webhook", method: "PUT", path: "/api/v2/webhooks/" + unknownULID + ".json", body: hook(nil), status: 404, want: exact(notFound)},
		tc{name: "patch unknown webhook", method: "PATCH", path: "/api/v2/webhooks/abc.json", body: `{"webhook":{"name":"x"}}`, status: 404, want: exact(notFound)},
		tc{name: "delete non-ULID webhook", method: "DELETE", path: "/api/v2/webhooks/abc.json", status: 404, want: exact(notFound)},
		tc{name: "signing secret of unknown webhook", method: "GET", path: "/api/v2/webhooks/" + unknownULID + "/signing_secret.json", status: 404, want: exact(notFound)},
		tc{name: "rotate the secret of a non-ULID webhook", method: "POST", path: "/api/v2/webhooks/abc/signing_secret.json", status: 404, want: exact(notFound)},
		tc{name: "invocations of unknown webhook", method: "GET", path: "/api/v2/webhooks/" + unknownULID + "/invocations.json", status: 404, want: exact(notFound)},
		tc{name: "attempts of unknown invocation", method: "GET", path: "/api/v2/webhooks/" + f.webhook + "/invocations/" + unknownULID + "/attempts.json", status: 404, want: exact(notFound)},
		tc{name: "attempts of non-ULID invocation", method: "GET", path: "/api/v2/webhooks/" + f.webhook + "/invocations/abc/attempts.json", status: 404, want: exact(notFound)},
		tc{name: "clone unknown webhook", method: "POST", path: "/api/v2/webhooks.json?clone_webhook_id=" + unknownULID, status: 404, want: exact(notFound)},
		tc{name: "clone with a bad patch", method: "POST", path: "/api/v2/webhooks.json?clone_webhook_id=" + f.webhook, body: `{"webhook":{"endpoint":"http://127.0.0.1/"}}`, status: 422, want: invalid("endpoint")},
		tc{name: "test with unknown webhook", method: "POST", path: "/api/v2/webhooks/test.json?webhook_id=" + unknownULID, body: `{"request":{"payload":"{}"}}`, status: 404, want: exact(notFound)},
		tc{name: "test a loopback endpoint", method: "POST", path: "/api/v2/webhooks/test.json", body: `{"request":{"endpoint":"http://127.0.0.1:1/x","http_method":"POST","request_format":"json"}}`, status: 422, want: invalid("endpoint")},
		tc{name: "test an ftp endpoint", method: "POST", path: "/api/v2/webhooks/test.json", body: `{"request":{"endpoint":"ftp://example.com/x","http_method":"POST","request_format":"json"}}`, status: 422, want: invalid("endpoint")},
		tc{name: "test with an unknown method", method: "POST", path: "/api/v2/webhooks/test.json", body: `{"request":{"endpoint":"https://example.com/x","http_method":"TRACE","request_format":"json"}}`, status: 422, want: invalid("http_method")},
		tc{name: "test headers is an object", method: "POST", path: "/api/v2/webhooks/test.json", body: `{"request":{"endpoint":"https://example.com/x","headers":{"a":"b"}}}`, status: 422, want: invalid("")},
		tc{name: "webhooks status filter", method: "GET", path: "/api/v2/webhooks.json?filter[status]=paused", status: 400, want: plain("InvalidValue")},
		tc{name: "invocations from_ts filter", method: "GET", path: "/api/v2/webhooks/" + f.webhook + "/invocations.json?filter[from_ts]=yesterday", status: 400, want: plain("InvalidValue")},
		tc{name: "webhooks sorted by a secret", method: "GET", path: "/api/v2/webhooks.json?sort=signing_secret", status: 400, want: listShaped("InvalidPaginationParameter")},
	)

	// --- pagination ---
	for _, p := range []string{"triggers", "triggers/active", "automations", "automations/active", "trigger_categories",
		"views", "views/active", "macros", "macros/active", "webhooks",
		u("triggers/%d/revisions", f.trigger), u("views/%d/tickets", f.view), "webhooks/" + f.webhook + "/invocations"} {
		for _, q := range []string{"page[size]=101", "page[size]=0", "page[size]=abc", "page[after]=!!!not-base64!!!"} {
			out = append(out, tc{name: q + " on " + p, method: "GET", path: "/api/v2/" + p + ".json?" + q, status: 400, want: listShaped("InvalidPaginationParameter")})
		}
	}
	for _, p := range []string{"triggers", "automations", "views", "macros", "triggers/search", "macros/search", "views/search"} {
		out = append(out,
			tc{name: "page=abc on " + p, method: "GET", path: "/api/v2/" + p + ".json?query=x&page=abc", status: 400, want: listShaped("InvalidPaginationParameter")},
			tc{name: "offset past 10,000 on " + p, method: "GET", path: "/api/v2/" + p + ".json?query=x&page=101&per_page=100", status: 400, want: listShaped("InvalidPaginationDepth")})
	}

	// --- who may do what ---
	out = append(out,
		tc{name: "agent creates a trigger", method: "POST", path: "/api/v2/triggers.json", auth: f.agentAuth, body: trig(`"title":"x",` + valid), status: 403, want: forbidden},
		tc{name: "agent deletes a trigger", method: "DELETE", path: triggerPath, auth: f.agentAuth, status: 403, want: forbidden},
		tc{name: "agent creates an automation", method: "POST", path: "/api/v2/automations.json", auth: f.agentAuth, body: `{"automation":{"title":"x"}}`, status: 403, want: forbidden},
		tc{name: "agent creates a trigger category", method: "POST", path: "/api/v2/trigger_categories.json", auth: f.agentAuth, body: `{"trigger_category":{"name":"x"}}`, status: 403, want: forbidden},
		tc{name: "agent reorders triggers", method: "PUT", path: "/api/v2/triggers/reorder.json", auth: f.agentAuth, body: u(`{"trigger_ids":[%d]}`, f.trigger), status: 403, want: forbidden},
		tc{name: "agent creates a webhook", method: "POST", path: "/api/v2/webhooks.json", auth: f.agentAuth, body: hook(nil), status: 403, want: forbidden},
		tc{name: "agent reads a signing secret", method: "GET", path: "/api/v2/webhooks/" + f.webhook + "/signing_secret.json", auth: f.agentAuth, status: 403, want: forbidden},
		tc{name: "agent tests a webhook", method: "POST", path: "/api/v2/webhooks/test.json", auth: f.agentAuth, body: `{"request":{"endpoint":"https://example.com/x","http_method":"POST","request_format":"json"}}`, status: 403, want: forbidden},
		tc{name: "agent edits a shared view", method: "PUT", path: viewPath, auth: f.agentAuth, body: view(`"title":"mine now"`), status: 403, want: forbidden},
		tc{name: "agent deletes a shared macro", method: "DELETE", path: macroPath, auth: f.agentAuth, status: 403, want: forbidden},
		tc{name: "agent restricts a view to a group they are not in", method: "POST", path: "/api/v2/views.json", auth: f.agentAuth,
			body: view(`"title":"x","all":[` + vcond + `],"restriction":{"type":"Group","id":999999}`), status: 403, want: forbidden},
		tc{name: "end user lists triggers", method: "GET", path: "/api/v2/triggers.json", auth: f.endUserAuth, status: 403, want: forbidden},
		tc{name: "end user lists views", method: "GET", path: "/api/v2/views.json", auth: f.endUserAuth, status: 403, want: forbidden},
		tc{name: "end user applies a macro", method: "GET", path: u("/api/v2/tickets/%d/macros/%d/apply.json", f.ticket, f.macro), auth: f.endUserAuth, status: 403, want: forbidden},
		tc{name: "end user lists webhooks", method: "GET", path: "/api/v2/webhooks.json", auth: f.endUserAuth, status: 403, want: forbidden},
	)

	// NUL characters.
	nul := `a\u0000b`
	out = append(out,
		tc{name: "NUL in trigger title", method: "POST", path: "/api/v2/triggers.json", body: trig(`"title":"` + nul + `",` + valid), status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in trigger condition value", method: "POST", path: "/api/v2/triggers.json", body: withTitle(`"conditions":{"all":[{"field":"current_tags","operator":"includes","value":"` + nul + `"}]},"actions":[` + act + `]`), status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in trigger search", method: "GET", path: "/api/v2/triggers/search.json?query=a%00b", status: 400, also: []int{200}, want: anyError},
		tc{name: "NUL in view title", method: "POST", path: "/api/v2/views.json", body: view(`"title":"` + nul + `","all":[` + vcond + `]`), status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in macro comment", method: "POST", path: "/api/v2/macros.json", body: macro(`"title":"x","actions":[{"field":"comment_value","value":"` + nul + `"}]`), status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in macro search", method: "GET", path: "/api/v2/macros/search.json?query=a%00b", status: 400, also: []int{200}, want: anyError},
		tc{name: "NUL in webhook name", method: "POST", path: "/api/v2/webhooks.json", body: hook(kv{"name": "a\x00b"}), status: 422, also: []int{400}, want: anyError},
		tc{name: "NUL in webhook id", method: "GET", path: "/api/v2/webhooks/a%00b.json", status: 404, also: []int{400}, want: anyError},
		tc{name: "NUL in webhook name filter", method: "GET", path: "/api/v2/webhooks.json?filter[name_contains]=a%00b", status: 400, also: []int{200}, want: anyError},
	)
	return out
}
