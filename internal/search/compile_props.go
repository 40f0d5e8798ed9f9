package search

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"parley/internal/platform/db"
)

// Per result type: how each property of the language becomes SQL.

func (c *compiler) ticketProp(p Property) (string, error) {
	v := p.Value
	switch p.Key {
	case "status":
		return c.enum(p, "t.status", Ordered("status"), false)
	case "priority":
		return c.enum(p, "t.priority", Ordered("priority"), true)
	case "ticket_type":
		return c.enum(p, "t.type", ticketTypes, true)
	case "satisfaction":
		return c.enum(p, "t.satisfaction_score", satisfactions, false)
	case "group", "organization":
		if err := ref(p, false); err != nil {
			return "", err
		}
		col := "t." + p.Key + "_id"
		if v.Kind == ValueNone {
			return col + " IS NULL", nil
		}
		if p.Key == "group" {
			set, ok := c.groupSet(v)
			return c.inSet(col, set, ok), nil
		}
		set, ok := c.orgSet(v)
		return c.inSet(col, set, ok), nil
	case "assignee", "requester", "submitter":
		if err := ref(p, true); err != nil {
			return "", err
		}
		col := "t." + p.Key + "_id"
		if v.Kind == ValueNone {
			return col + " IS NULL", nil
		}
		set, ok := c.userSet(v)
		return c.inSet(col, set, ok), nil
	case "cc", "follower":
		if err := ref(p, true); err != nil {
			return "", err
		}
		kindName := "email_cc"
		if p.Key == "follower" {
			kindName = "follower"
		}
		sub := "SELECT tu.ticket_id FROM ticket_users tu WHERE tu.account_id = $1 AND tu.kind = '" + kindName + "'"
		if v.Kind == ValueNone {
			return c.notIn("t.id", sub), nil
		}
		set, ok := c.userSet(v)
		return c.in("t.id", sub+" AND "+c.inSet("tu.user_id", set, ok)), nil
	case "commenter":
		if err := ref(p, true); err != nil {
			return "", err
		}
		sub := "SELECT ca.ticket_id FROM ticket_comments ca WHERE ca.account_id = $1"
		if v.Kind == ValueNone {
			return c.notIn("t.id", sub), nil
		}
		set, ok := c.userSet(v)
		return c.in("t.id", sub+" AND "+c.inSet("ca.author_id", set, ok)), nil
	case "tags":
		return c.tags(p, "t.id", "SELECT tg.ticket_id FROM ticket_tags tg WHERE tg.account_id = $1"+c.within("tg.ticket_id"), "tg.tag")
	case "subject", "description":
		return c.partText(p, ticketDoc, "t", p.Key)
	case "comment":
		if err := onlyEq(p); err != nil {
			return "", err
		}
		q := valueText(v)
		if q.empty() {
			return ignored, nil
		}
		return c.in("t.id", c.commentTickets(q)), nil
	case "created":
		return c.date(p, "t.created_at")
	case "updated":
		return c.date(p, "t.updated_at")
	case "solved":
		return c.date(p, "t.solved_at")
	case "due_date":
		return c.date(p, "t.due_at")
	case "via":
		if err := ref(p, false); err != nil {
			return "", err
		}
		if v.Kind == ValueNone {
			return "", noNone(p)
		}
		if a, ok := viaAliases[strings.ToLower(v.Text)]; ok && !v.Prefix {
			v.Text = a
		}
		return c.str(Property{Key: p.Key, Value: v}, "t.via_channel", true)
	case "form":
		if err := ref(p, false); err != nil {
			return "", err
		}
		if v.Kind == ValueNone {
			return "t.ticket_form_id IS NULL", nil
		}
		if id, ok := parseID(v); ok {
			return "t.ticket_form_id = " + c.arg(id), nil
		}
		name := c.lower(v.Text)
		var cond string
		if v.Prefix {
			cond = c.like("lower(sf.name)", db.LikeEscape(name)+"%")
		} else {
			cond = "lower(sf.name) = " + c.arg(name)
		}
		return c.in("t.ticket_form_id", "SELECT sf.id FROM ticket_forms sf WHERE sf.account_id = $1 AND "+cond), nil
	case "brand":
		if err := ref(p, false); err != nil {
			return "", err
		}
		if v.Kind == ValueNone {
			return "t.brand_id IS NULL", nil
		}
		id, ok := parseID(v)
		if !ok {
			return "", invalidf("brand:%s is not valid; brand takes a brand id.", v)
		}
		return "t.brand_id = " + c.arg(id), nil
	case "external_id":
		return c.str(p, "t.external_id", false)
	case "recipient":
		return c.str(p, "t.recipient", true)
	case "custom_field":
		return c.fieldValue(p, p.FieldID)
	case "fieldvalue":
		return c.fieldValue(p, 0)
	case "has_attachment":
		if err := ref(p, false); err != nil {
			return "", err
		}
		switch strings.ToLower(v.Text) {
		case "true":
			if v.Kind == ValueWord && !v.Prefix {
				return c.in("t.id", withAttachment), nil
			}
		case "false":
			if v.Kind == ValueWord && !v.Prefix {
				return c.notIn("t.id", withAttachment), nil
			}
		}
		return "", invalidf("has_attachment:%s is not valid; use has_attachment:true or has_attachment:false.", v)
	}
	return "", unknownKey(ResultTicket, p.Key)
}

// fieldValue matches a ticket's custom field value (fieldID 0: any field).
func (c *compiler) fieldValue(p Property, fieldID int64) (string, error) {
	if err := ref(p, false); err != nil {
		return "", err
	}
	sub := "SELECT fv.ticket_id FROM ticket_field_values fv WHERE fv.account_id = $1"
	if fieldID > 0 {
		sub += " AND fv.field_id = " + c.arg(fieldID)
	}
	if p.Value.Kind == ValueNone {
		if fieldID == 0 {
			return "", invalid("fieldvalue:none is not valid; use custom_field_<id>:none.")
		}
		return c.notIn("t.id", sub), nil
	}
	return c.in("t.id", sub+" AND "+c.jsonValue("fv.value", p.Value)), nil
}

// jsonString is s as encoding/json writes it (the form every stored value
// has, since rooms marshal values with encoding/json).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonScalars are the JSON texts of the scalars equal to s: the string,
// and the number or boolean s spells. Numbers are matched in their
// canonical forms both as JSON numbers and as strings, since number fields
// may be stored either way (12.50 finds 12.5 and "12.5").
func jsonScalars(s string) []string {
	out := []string{jsonString(s)}
	add := func(v string) {
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	if s == "true" || s == "false" {
		add(s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		add(strconv.FormatInt(n, 10))
		add(jsonString(strconv.FormatInt(n, 10)))
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		b, _ := json.Marshal(f)
		add(string(b))
		add(jsonString(string(b)))
		add(jsonString(strconv.FormatFloat(f, 'f', -1, 64)))
	}
	return out
}

// jsonValue matches a column holding one JSON value: a scalar equal to v,
// or an array with a string element equal to v; a trailing * matches
// string prefixes. Case is folded as the engine's lower() does.
func (c *compiler) jsonValue(col string, v Value) string {
	s := c.lower(v.Text)
	expr := "lower(" + col + ")"
	if v.Prefix {
		open := db.LikeEscape(strings.TrimSuffix(jsonString(s), `"`))
		return "(" + c.like(expr, open+"%") + " OR (" + col + " LIKE '[%' AND " + c.like(expr, "%"+open+"%") + "))"
	}
	elem := db.LikeEscape(jsonString(s))
	return "(" + expr + " IN " + c.list(jsonScalars(s)) + " OR (" + col + " LIKE '[%' AND " + c.like(expr, "%"+elem+"%") + "))"
}

// instr is the engine's substring-position function (1-based, 0: absent).
func (c *compiler) instr(s, sub string) string {
	if c.dialect == db.Postgres {
		return "strpos(" + s + ", " + sub + ")"
	}
	return "instr(" + s + ", " + sub + ")"
}

// jsonField matches key within a column holding a JSON object as
// encoding/json writes a map (keys sorted, no spaces): a scalar equal to v,
// an array holding v, a string starting with v (v*), or for none a missing
// or null key.
func (c *compiler) jsonField(p Property, col, key string) (string, error) {
	if err := ref(p, false); err != nil {
		return "", err
	}
	v := p.Value
	expr := "lower(" + col + ")"
	k := db.LikeEscape(jsonString(key)) + ":"
	if v.Kind == ValueNone {
		return "(NOT (" + c.like(expr, "%"+k+"%") + ") OR " + c.like(expr, "%"+k+"null%") + ")", nil
	}
	s := c.lower(v.Text)
	if v.Prefix {
		return c.like(expr, "%"+k+db.LikeEscape(strings.TrimSuffix(jsonString(s), `"`))+"%"), nil
	}
	var ors []string
	for _, js := range jsonScalars(s) {
		e := db.LikeEscape(js)
		ors = append(ors, c.like(expr, "%"+k+e+",%"), c.like(expr, "%"+k+e+"}%"))
	}
	// An array: the element must come before the array's closing bracket.
	start := c.arg(jsonString(key) + ":[")
	tail := "substr(" + expr + ", " + c.instr(expr, start) + ")"
	elem := c.arg(jsonString(s))
	ors = append(ors, "("+c.instr(expr, start)+" > 0 AND "+c.instr(tail, elem)+" > 0 AND "+
		c.instr(tail, elem)+" < "+c.instr(tail, "']'")+")")
	return "(" + strings.Join(ors, " OR ") + ")", nil
}

func (c *compiler) userProp(p Property) (string, error) {
	v := p.Value
	switch p.Key {
	case "name", "notes", "details":
		return c.partText(p, userDoc, "u", p.Key)
	case "email":
		if err := ref(p, false); err != nil {
			return "", err
		}
		sub := "SELECT ue.user_id FROM user_identities ue WHERE ue.account_id = $1 AND ue.type = 'email'"
		if v.Kind == ValueNone {
			return c.notIn("u.id", sub), nil
		}
		email := strings.ToLower(v.Text)
		if v.Prefix {
			return c.in("u.id", sub+" AND "+c.like("ue.value_norm", db.LikeEscape(email)+"%")), nil
		}
		return c.in("u.id", sub+" AND ue.value_norm = "+c.arg(email)), nil
	case "role":
		if v.Kind == ValueWord {
			switch strings.ToLower(v.Text) {
			case "end_user", "enduser", "end-users", "end_users":
				v.Text = "end-user"
			}
		}
		return c.enum(Property{Key: p.Key, Op: p.Op, Value: v}, "u.role", roles, false)
	case "organization":
		if err := ref(p, false); err != nil {
			return "", err
		}
		sub := "SELECT uo.user_id FROM organization_memberships uo WHERE uo.account_id = $1"
		if v.Kind == ValueNone {
			return c.notIn("u.id", sub), nil
		}
		set, ok := c.orgSet(v)
		return c.in("u.id", sub+" AND "+c.inSet("uo.organization_id", set, ok)), nil
	case "group":
		if err := ref(p, false); err != nil {
			return "", err
		}
		sub := "SELECT ug.user_id FROM group_memberships ug WHERE ug.account_id = $1"
		if v.Kind == ValueNone {
			return c.notIn("u.id", sub), nil
		}
		set, ok := c.groupSet(v)
		return c.in("u.id", sub+" AND "+c.inSet("ug.group_id", set, ok)), nil
	case "tags":
		return c.tags(p, "u.id", "SELECT ut.user_id FROM user_tags ut WHERE ut.account_id = $1", "ut.tag")
	case "phone":
		if err := ref(p, false); err != nil {
			return "", err
		}
		if v.Kind == ValueNone {
			return "(u.phone IS NULL OR u.phone = '')", nil
		}
		sub := "SELECT up.user_id FROM user_identities up WHERE up.account_id = $1 AND up.type = 'phone_number' AND "
		if v.Prefix {
			pat := db.LikeEscape(v.Text) + "%"
			return "(" + c.like("u.phone", pat) + " OR " + c.in("u.id", sub+c.like("up.value", pat)) + ")", nil
		}
		return "(u.phone = " + c.arg(v.Text) + " OR " + c.in("u.id", sub+"up.value = "+c.arg(v.Text)) + ")", nil
	case "external_id":
		return c.str(p, "u.external_id", true)
	case "created":
		return c.date(p, "u.created_at")
	case "updated":
		return c.date(p, "u.updated_at")
	}
	if c.userFields[p.Key] {
		return c.jsonField(p, "u.user_fields", p.Key)
	}
	return "", unknownKey(ResultUser, p.Key)
}

func (c *compiler) orgProp(p Property) (string, error) {
	switch p.Key {
	case "name", "details", "notes":
		return c.partText(p, orgDoc, "o", p.Key)
	case "tags":
		return c.tags(p, "o.id", "SELECT ot.organization_id FROM organization_tags ot WHERE ot.account_id = $1", "ot.tag")
	case "external_id":
		return c.str(p, "o.external_id", true)
	case "created":
		return c.date(p, "o.created_at")
	case "updated":
		return c.date(p, "o.updated_at")
	}
	if c.orgFields[p.Key] {
		return c.jsonField(p, "o.organization_fields", p.Key)
	}
	return "", unknownKey(ResultOrganization, p.Key)
}

func (c *compiler) groupProp(p Property) (string, error) {
	switch p.Key {
	case "name", "description":
		return c.partText(p, groupDoc, "g", p.Key)
	case "created":
		return c.date(p, "g.created_at")
	case "updated":
		return c.date(p, "g.updated_at")
	}
	return "", unknownKey(ResultGroup, p.Key)
}
