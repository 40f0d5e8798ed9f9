package restrict

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
	"parley/internal/rule"
)

// Restriction says who may use a view or macro: nobody in particular
// (Type ""), the members of some groups, or one user (a personal rule).
// Views and macros share it.
type Restriction struct {
	Type string // "", "Group" or "User"
	IDs  []int64
}

// Restriction types.
const (
	RestrictGroup = "Group"
	RestrictUser  = "User"
)

// Personal reports whether the restriction names exactly one user.
func (r Restriction) Personal() bool { return r.Type == RestrictUser }

// JSON renders the restriction as Zendesk does: null or {type,id,ids}.
func (r Restriction) JSON() any {
	if r.Type == "" || len(r.IDs) == 0 {
		return nil
	}
	return httpx.M{"type": r.Type, "id": r.IDs[0], "ids": r.IDs}
}

// restrictionIn is the wire form of a restriction.
type restrictionIn struct {
	Type string   `json:"type"`
	ID   opt.ID   `json:"id"`
	IDs  []opt.ID `json:"ids"`
}

// DecodeRestriction reads a restriction value: null clears it; otherwise
// {"type":"Group"|"User","id":..} or {"type":"Group","ids":[..]}. The
// ids must name live groups or agents of the account (from cat).
func DecodeRestriction(raw json.RawMessage, cat rule.Catalog, v *errs.Validation) Restriction {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Restriction{}
	}
	var in restrictionIn
	if err := json.Unmarshal(raw, &in); err != nil {
		v.Add("restriction", "InvalidValue", "Restriction: must be null or an object with type and id")
		return Restriction{}
	}
	ids := []int64{}
	seen := map[int64]bool{}
	add := func(id int64) {
		if id > 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	add(int64(in.ID))
	for _, id := range in.IDs {
		add(int64(id))
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	switch in.Type {
	case RestrictGroup:
		if len(ids) == 0 {
			v.Add("restriction", "BlankValue", "Restriction: a group restriction needs at least one group id")
		}
		for _, id := range ids {
			if _, ok := cat.Groups[id]; !ok {
				v.Add("restriction", "InvalidValue", "Restriction: group does not exist")
				break
			}
		}
	case RestrictUser:
		if len(ids) != 1 {
			v.Add("restriction", "InvalidValue", "Restriction: a user restriction names exactly one user")
		} else if _, ok := cat.Agents[ids[0]]; !ok {
			v.Add("restriction", "InvalidValue", "Restriction: user must be an agent of this account")
		}
	default:
		v.Add("restriction", "InvalidValue", "Restriction: type must be Group or User")
	}
	return Restriction{Type: in.Type, IDs: ids}
}

// CanManage reports whether a may change or delete a rule with restriction
// r: admins manage every rule, agents only their own personal ones.
func CanManage(a auth.Actor, r Restriction) bool {
	if a.IsAdmin() {
		return true
	}
	return r.Personal() && len(r.IDs) == 1 && r.IDs[0] == a.UserID
}

// Visible returns an SQL condition (or "") limiting rules of kind in table
// alias to those the actor may see: admins see all; agents see
// unrestricted rules, their personal ones and those of their groups.
func Visible(kind, alias string, a auth.Actor, args *[]any) string {
	if a.IsAdmin() {
		return ""
	}
	return VisibleTo(kind, alias, a.AccountID, a.UserID, args)
}

// VisibleTo is Visible for a plain agent userID (no admin bypass).
func VisibleTo(kind, alias string, accountID, userID int64, args *[]any) string {
	u := db.Arg(args, userID)
	acct := db.Arg(args, accountID)
	k := db.Arg(args, kind)
	return `(` + alias + `restriction_type IS NULL OR EXISTS (SELECT 1 FROM rule_restrictions rr WHERE rr.account_id = ` +
		alias + `account_id AND rr.rule_kind = ` + k + ` AND rr.rule_id = ` + alias + `id AND ((rr.target_type = 'User' AND rr.target_id = ` + u +
		`) OR (rr.target_type = 'Group' AND rr.target_id IN (SELECT gm.group_id FROM group_memberships gm WHERE gm.account_id = ` + acct +
		` AND gm.user_id = ` + u + `)))))`
}

// Access narrows a rule list by Zendesk's access parameter: personal (user
// restricted), shared (group restricted) or account (unrestricted).
func Access(access, alias string) (string, error) {
	switch access {
	case "":
		return "", nil
	case "personal":
		return alias + `restriction_type = 'User'`, nil
	case "shared":
		return alias + `restriction_type = 'Group'`, nil
	case "account":
		return alias + `restriction_type IS NULL`, nil
	}
	return "", errs.E(errs.BadRequest, "Parameter access must be personal, shared or account").WithCode("InvalidValue")
}

// InGroup narrows a rule list to rules restricted to groupID.
func InGroup(kind, alias string, groupID int64, args *[]any) string {
	return `EXISTS (SELECT 1 FROM rule_restrictions rg WHERE rg.account_id = ` + alias + `account_id AND rg.rule_kind = ` +
		db.Arg(args, kind) + ` AND rg.rule_id = ` + alias + `id AND rg.target_type = 'Group' AND rg.target_id = ` + db.Arg(args, groupID) + `)`
}

// SaveRestriction replaces the restriction rows of one rule (inside the
// caller's transaction).
func SaveRestriction(ctx context.Context, d *db.DB, accountID int64, kind string, ruleID int64, r Restriction) error {
	c := d.Conn(ctx)
	if _, err := c.ExecContext(ctx, `DELETE FROM rule_restrictions WHERE account_id = $1 AND rule_kind = $2 AND rule_id = $3`,
		accountID, kind, ruleID); err != nil {
		return err
	}
	if r.Type == "" {
		return nil
	}
	for _, id := range r.IDs {
		if _, err := c.ExecContext(ctx, `INSERT INTO rule_restrictions (account_id, rule_kind, rule_id, target_type, target_id)
			VALUES ($1,$2,$3,$4,$5)`, accountID, kind, ruleID, r.Type, id); err != nil {
			return err
		}
	}
	return nil
}

// LoadRestrictions reads the restrictions of some rules, by rule id.
func LoadRestrictions(ctx context.Context, d *db.DB, accountID int64, kind string, ids []int64) (map[int64]Restriction, error) {
	out := map[int64]Restriction{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{accountID, kind}
	rows, err := d.Conn(ctx).QueryContext(ctx, `SELECT rule_id, target_type, target_id FROM rule_restrictions
		WHERE account_id = $1 AND rule_kind = $2 AND rule_id IN (`+db.Placeholders(&args, ids)+`) ORDER BY rule_id, target_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, target int64
		var typ string
		if err := rows.Scan(&id, &typ, &target); err != nil {
			return nil, err
		}
		r := out[id]
		r.Type = typ
		r.IDs = append(r.IDs, target)
		out[id] = r
	}
	return out, rows.Err()
}
