package user

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// Organization groups end users (usually a customer company).
type Organization struct {
	ID             int64
	AccountID      int64
	Name           string
	SharedTickets  bool
	SharedComments bool
	ExternalID     *string
	Details        string
	Notes          string
	GroupID        *int64
	Fields         map[string]any
	DomainNames    []string
	Tags           []string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      *time.Time
}

// OrgInput is an organization create or partial update.
type OrgInput struct {
	ID                 opt.Opt[int64]          `json:"id"`
	Name               opt.Opt[string]         `json:"name"`
	SharedTickets      opt.Opt[bool]           `json:"shared_tickets"`
	SharedComments     opt.Opt[bool]           `json:"shared_comments"`
	ExternalID         opt.Opt[string]         `json:"external_id"`
	Details            opt.Opt[string]         `json:"details"`
	Notes              opt.Opt[string]         `json:"notes"`
	GroupID            opt.Opt[int64]          `json:"group_id"`
	DomainNames        opt.Opt[[]string]       `json:"domain_names"`
	Tags               opt.Opt[[]string]       `json:"tags"`
	OrganizationFields opt.Opt[map[string]any] `json:"organization_fields"`
}

const orgCols = `o.id, o.account_id, o.name, o.shared_tickets, o.shared_comments, o.external_id, o.details, o.notes,
	o.group_id, o.organization_fields, o.created_at, o.updated_at, o.deleted_at`

func scanOrg(row interface{ Scan(...any) error }) (Organization, error) {
	var o Organization
	var ext sql.NullString
	var grp sql.NullInt64
	var fields string
	var ca, ua, da db.Time
	err := row.Scan(&o.ID, &o.AccountID, &o.Name, &o.SharedTickets, &o.SharedComments, &ext, &o.Details, &o.Notes,
		&grp, &fields, &ca, &ua, &da)
	if errors.Is(err, sql.ErrNoRows) {
		return o, errs.NotFoundf("Not found")
	}
	if err != nil {
		return o, err
	}
	o.ExternalID, o.GroupID = nullStr(ext), nullInt(grp)
	o.CreatedAt, o.UpdatedAt, o.DeletedAt = ca.T, ua.T, da.Ptr()
	o.Fields = map[string]any{}
	if err := jsonUnmarshal(fields, &o.Fields); err != nil {
		return o, err
	}
	return o, nil
}

func (s *Service) queryOrgs(ctx context.Context, q string, args ...any) ([]Organization, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []Organization
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	idx := map[int64]int{}
	for i, o := range out {
		ids[i], idx[o.ID] = o.ID, i
		out[i].Tags, out[i].DomainNames = []string{}, []string{}
	}
	for _, t := range []struct{ table, col string }{{"organization_tags", "tag"}, {"organization_domains", "domain"}} {
		args := []any{out[0].AccountID}
		rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT organization_id, `+t.col+` FROM `+t.table+
			` WHERE account_id = $1 AND organization_id IN (`+db.Placeholders(&args, ids)+`) ORDER BY `+t.col, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, err
			}
			if t.col == "tag" {
				out[idx[id]].Tags = append(out[idx[id]].Tags, v)
			} else {
				out[idx[id]].DomainNames = append(out[idx[id]].DomainNames, v)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// orgByID loads a live organization.
func (s *Service) orgByID(ctx context.Context, accountID, id int64) (Organization, error) {
	os, err := s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.account_id = $1 AND o.id = $2
		AND o.deleted_at IS NULL`, accountID, id)
	if err != nil {
		return Organization{}, err
	}
	if len(os) == 0 {
		return Organization{}, errs.NotFoundf("Not found")
	}
	return os[0], nil
}

func (s *Service) orgByName(ctx context.Context, accountID int64, name string) (Organization, error) {
	os, err := s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.account_id = $1 AND o.name_norm = $2
		AND o.deleted_at IS NULL`, accountID, strings.ToLower(strings.TrimSpace(name)))
	if err != nil {
		return Organization{}, err
	}
	if len(os) == 0 {
		return Organization{}, errs.NotFoundf("Not found")
	}
	return os[0], nil
}

func (s *Service) orgByExternalID(ctx context.Context, accountID int64, ext string) (Organization, error) {
	os, err := s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.account_id = $1
		AND lower(o.external_id) = $2 AND o.deleted_at IS NULL`, accountID, strings.ToLower(ext))
	if err != nil {
		return Organization{}, err
	}
	if len(os) == 0 {
		return Organization{}, errs.NotFoundf("Not found")
	}
	return os[0], nil
}

// orgByDomain finds the (oldest) organization claiming an email domain.
func (s *Service) orgByDomain(ctx context.Context, accountID int64, domain string) (int64, bool, error) {
	if domain == "" {
		return 0, false, nil
	}
	var id int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT d.organization_id FROM organization_domains d
		JOIN organizations o ON o.id = d.organization_id
		WHERE d.account_id = $1 AND d.domain = $2 AND o.deleted_at IS NULL ORDER BY d.organization_id LIMIT 1`,
		accountID, domain).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// orgFindOrCreate returns the id of the organization with name, creating it.
func (s *Service) orgFindOrCreate(ctx context.Context, accountID int64, name string) (int64, error) {
	if o, err := s.orgByName(ctx, accountID, name); err == nil {
		return o.ID, nil
	}
	return s.insertOrg(ctx, Organization{AccountID: accountID, Name: strings.TrimSpace(name), Fields: map[string]any{}})
}

func (s *Service) insertOrg(ctx context.Context, o Organization) (int64, error) {
	now := s.now()
	var id int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO organizations (account_id, name, name_norm, shared_tickets,
		shared_comments, external_id, details, notes, group_id, organization_fields, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id`, o.AccountID, o.Name, strings.ToLower(o.Name),
		o.SharedTickets, o.SharedComments, o.ExternalID, o.Details, o.Notes, o.GroupID, fieldsJSON(o.Fields), now).Scan(&id)
	if err != nil {
		return 0, orgUniqueErr(err)
	}
	if err := s.setOrgSets(ctx, o.AccountID, id, o.Tags, o.DomainNames); err != nil {
		return 0, err
	}
	return id, nil
}

func orgUniqueErr(err error) error {
	if db.IsUnique(err) {
		return errs.Invalidf("name", "DuplicateValue", "Name: has already been taken (name and external id must be unique)")
	}
	return err
}

func (s *Service) setOrgSets(ctx context.Context, accountID, id int64, tags, domains []string) error {
	c := s.d.Conn(ctx)
	if tags != nil {
		if _, err := c.ExecContext(ctx, `DELETE FROM organization_tags WHERE account_id = $1 AND organization_id = $2`, accountID, id); err != nil {
			return err
		}
		for _, t := range tags {
			if _, err := c.ExecContext(ctx, `INSERT INTO organization_tags (account_id, organization_id, tag) VALUES ($1,$2,$3)`, accountID, id, t); err != nil {
				return err
			}
		}
	}
	if domains != nil {
		if _, err := c.ExecContext(ctx, `DELETE FROM organization_domains WHERE account_id = $1 AND organization_id = $2`, accountID, id); err != nil {
			return err
		}
		for _, d := range domains {
			if _, err := c.ExecContext(ctx, `INSERT INTO organization_domains (account_id, organization_id, domain) VALUES ($1,$2,$3)`, accountID, id, d); err != nil {
				return err
			}
		}
	}
	return nil
}

var domainPattern = strings.NewReplacer("@", "")

// normDomains lower-cases and checks domain names.
func normDomains(in []string, v *errs.Validation) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(domainPattern.Replace(d)))
		if d == "" || seen[d] {
			continue
		}
		if !strings.Contains(d, ".") || strings.ContainsAny(d, " /:") {
			v.Add("domain_names", "InvalidValue", "Domain names: "+d+" is not a valid domain")
			continue
		}
		seen[d] = true
		out = append(out, d)
	}
	return out
}

// GetOrganization returns one organization: agents any, end users their own.
func (s *Service) GetOrganization(ctx context.Context, id int64) (Organization, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return Organization{}, err
	}
	o, err := s.orgByID(ctx, a.AccountID, id)
	if err != nil {
		return o, err
	}
	if !a.IsAgent() {
		ok, err := s.isMember(ctx, a.AccountID, a.UserID, id)
		if err != nil {
			return o, err
		}
		if !ok {
			return o, errs.E(errs.Forbidden, "")
		}
	}
	return o, nil
}

func (s *Service) isMember(ctx context.Context, accountID, userID, orgID int64) (bool, error) {
	var n int
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM organization_memberships WHERE account_id = $1
		AND user_id = $2 AND organization_id = $3`, accountID, userID, orgID).Scan(&n)
	return n > 0, err
}

// OrgFilter narrows an organization list.
type OrgFilter struct {
	IDs         []int64
	ExternalIDs []string
	ExternalID  string
	Name        string
	NamePrefix  string
	UserID      int64
}

func orgWhere(accountID int64, f OrgFilter, args *[]any) string {
	*args = append(*args, accountID)
	w := `o.account_id = $1 AND o.deleted_at IS NULL`
	if len(f.IDs) > 0 {
		w += ` AND o.id IN (` + db.Placeholders(args, f.IDs) + `)`
	}
	if len(f.ExternalIDs) > 0 {
		low := make([]string, len(f.ExternalIDs))
		for i, e := range f.ExternalIDs {
			low[i] = strings.ToLower(e)
		}
		w += ` AND lower(o.external_id) IN (` + db.Placeholders(args, low) + `)`
	}
	if f.ExternalID != "" {
		w += ` AND lower(o.external_id) = ` + db.Arg(args, strings.ToLower(f.ExternalID))
	}
	if f.Name != "" {
		w += ` AND o.name_norm = ` + db.Arg(args, strings.ToLower(strings.TrimSpace(f.Name)))
	}
	if f.NamePrefix != "" {
		w += ` AND o.name_norm LIKE ` + db.Arg(args, db.LikeEscape(strings.ToLower(f.NamePrefix))+"%") + ` ESCAPE '\'`
	}
	if f.UserID != 0 {
		w += ` AND EXISTS (SELECT 1 FROM organization_memberships m WHERE m.account_id = o.account_id
			AND m.organization_id = o.id AND m.user_id = ` + db.Arg(args, f.UserID) + `)`
	}
	return w
}

// ListOrganizations lists organizations (agents).
func (s *Service) ListOrganizations(ctx context.Context, f OrgFilter, p db.Page) ([]Organization, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	args := []any{}
	where := orgWhere(a.AccountID, f, &args)
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM organizations o WHERE `+where, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	p.Alias = "o."
	os, err := s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organizations o WHERE `+where+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	os, more := db.Finish(p, os)
	return os, total, more, nil
}

// CreateOrganization creates an organization (admins).
func (s *Service) CreateOrganization(ctx context.Context, in OrgInput) (Organization, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Organization{}, err
	}
	var id int64
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = s.createOrg(ctx, a, in)
		return err
	})
	if err != nil {
		return Organization{}, err
	}
	return s.orgByID(ctx, a.AccountID, id)
}

func (s *Service) createOrg(ctx context.Context, a auth.Actor, in OrgInput) (int64, error) {
	var v errs.Validation
	o := Organization{AccountID: a.AccountID, Name: strings.TrimSpace(in.Name.V), Fields: map[string]any{}}
	if o.Name == "" {
		v.Add("name", "BlankValue", "Name: cannot be blank")
	}
	if err := s.applyOrg(ctx, a, &o, in, &v); err != nil {
		return 0, err
	}
	if o.Tags == nil {
		o.Tags = []string{}
	}
	if o.DomainNames == nil {
		o.DomainNames = []string{}
	}
	if o.Name != "" {
		if _, err := s.orgByName(ctx, a.AccountID, o.Name); err == nil {
			v.Add("name", "DuplicateValue", "Name: has already been taken")
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	return s.insertOrg(ctx, o)
}

// applyOrg validates and copies in onto o.
func (s *Service) applyOrg(ctx context.Context, a auth.Actor, o *Organization, in OrgInput, v *errs.Validation) error {
	in.GroupID = opt.NullZero(in.GroupID)
	if in.SharedTickets.Has() {
		o.SharedTickets = in.SharedTickets.V
	}
	if in.SharedComments.Has() {
		o.SharedComments = in.SharedComments.V
	}
	if in.ExternalID.Set {
		o.ExternalID = in.ExternalID.Ptr()
		if o.ExternalID != nil && *o.ExternalID == "" {
			o.ExternalID = nil
		}
		if o.ExternalID != nil {
			if other, err := s.orgByExternalID(ctx, a.AccountID, *o.ExternalID); err == nil && other.ID != o.ID {
				v.Add("external_id", "DuplicateValue", "External: has already been taken")
			}
		}
	}
	if in.Details.Set {
		o.Details = in.Details.V
	}
	if in.Notes.Set {
		o.Notes = in.Notes.V
	}
	if in.GroupID.Set {
		if in.GroupID.Has() {
			if _, err := s.groupByID(ctx, a.AccountID, in.GroupID.V); err != nil {
				v.Add("group_id", "InvalidValue", "Group: does not exist")
			}
		}
		o.GroupID = in.GroupID.Ptr()
	}
	if in.DomainNames.Set {
		o.DomainNames = normDomains(in.DomainNames.V, v)
	}
	var addTags, rmTags []string
	if in.OrganizationFields.Set {
		defs, err := s.fieldDefs(ctx, a.AccountID, ResourceOrg)
		if err != nil {
			return err
		}
		o.Fields, addTags, rmTags = applyFieldValues(defs, o.Fields, in.OrganizationFields.V, v, "organization_fields")
	}
	if in.Tags.Set || len(addTags)+len(rmTags) > 0 {
		tags := o.Tags
		if in.Tags.Set {
			tags = in.Tags.V
		}
		o.Tags = removeTags(NormalizeTags(append(append([]string{}, tags...), addTags...)), rmTags)
	}
	return nil
}

// UpdateOrganization applies a partial update (admins).
func (s *Service) UpdateOrganization(ctx context.Context, id int64, in OrgInput) (Organization, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Organization{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error { return s.updateOrg(ctx, a, id, in) })
	if err != nil {
		return Organization{}, err
	}
	return s.orgByID(ctx, a.AccountID, id)
}

func (s *Service) updateOrg(ctx context.Context, a auth.Actor, id int64, in OrgInput) error {
	o, err := s.orgByID(ctx, a.AccountID, id)
	if err != nil {
		return err
	}
	var v errs.Validation
	tagsBefore, domainsBefore := o.Tags, o.DomainNames
	if in.Name.Set {
		o.Name = strings.TrimSpace(in.Name.V)
		if o.Name == "" {
			v.Add("name", "BlankValue", "Name: cannot be blank")
		} else if other, err := s.orgByName(ctx, a.AccountID, o.Name); err == nil && other.ID != o.ID {
			v.Add("name", "DuplicateValue", "Name: has already been taken")
		}
	}
	if err := s.applyOrg(ctx, a, &o, in, &v); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE organizations SET name = $1, name_norm = $2, shared_tickets = $3,
		shared_comments = $4, external_id = $5, details = $6, notes = $7, group_id = $8, organization_fields = $9,
		updated_at = $10 WHERE account_id = $11 AND id = $12`, o.Name, strings.ToLower(o.Name), o.SharedTickets,
		o.SharedComments, o.ExternalID, o.Details, o.Notes, o.GroupID, fieldsJSON(o.Fields), s.now(), a.AccountID, id)
	if err != nil {
		return orgUniqueErr(err)
	}
	var tags, domains []string
	if !equalStrings(tagsBefore, o.Tags) {
		tags = o.Tags
		if tags == nil {
			tags = []string{}
		}
	}
	if !equalStrings(domainsBefore, o.DomainNames) {
		domains = o.DomainNames
		if domains == nil {
			domains = []string{}
		}
	}
	return s.setOrgSets(ctx, a.AccountID, id, tags, domains)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// DeleteOrganization soft-deletes an organization (admins); its members
// leave it and their default organization moves to another membership.
func (s *Service) DeleteOrganization(ctx context.Context, id int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error { return s.deleteOrg(ctx, a, id) })
}

func (s *Service) deleteOrg(ctx context.Context, a auth.Actor, id int64) error {
	o, err := s.orgByID(ctx, a.AccountID, id)
	if err != nil {
		return err
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT user_id FROM organization_memberships WHERE account_id = $1
		AND organization_id = $2`, a.AccountID, o.ID)
	if err != nil {
		return err
	}
	var members []int64
	for rows.Next() {
		var uid int64
		if err := rows.Scan(&uid); err != nil {
			rows.Close()
			return err
		}
		members = append(members, uid)
	}
	rows.Close()
	for _, uid := range members {
		if err := s.removeOrgMembership(ctx, a.AccountID, uid, o.ID); err != nil {
			return err
		}
	}
	now := s.now()
	c := s.d.Conn(ctx)
	if _, err := c.ExecContext(ctx, `DELETE FROM organization_domains WHERE account_id = $1 AND organization_id = $2`, a.AccountID, o.ID); err != nil {
		return err
	}
	_, err = c.ExecContext(ctx, `UPDATE organizations SET deleted_at = $1, updated_at = $1 WHERE account_id = $2 AND id = $3`, now, a.AccountID, o.ID)
	return err
}

// CreateOrUpdateOrganization matches by id, external_id or name.
func (s *Service) CreateOrUpdateOrganization(ctx context.Context, in OrgInput) (Organization, bool, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Organization{}, false, err
	}
	var id int64
	var created bool
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		id, created, err = s.createOrUpdateOrg(ctx, a, in)
		return err
	})
	if err != nil {
		return Organization{}, false, err
	}
	o, err := s.orgByID(ctx, a.AccountID, id)
	return o, created, err
}

func (s *Service) createOrUpdateOrg(ctx context.Context, a auth.Actor, in OrgInput) (int64, bool, error) {
	var found Organization
	var err error = errs.NotFoundf("")
	if in.ID.Has() {
		found, err = s.orgByID(ctx, a.AccountID, in.ID.V)
	}
	if err != nil && in.ExternalID.Has() && in.ExternalID.V != "" {
		found, err = s.orgByExternalID(ctx, a.AccountID, in.ExternalID.V)
	}
	if err != nil && in.Name.Has() && in.Name.V != "" {
		found, err = s.orgByName(ctx, a.AccountID, in.Name.V)
	}
	if err == nil {
		return found.ID, false, s.updateOrg(ctx, a, found.ID, in)
	}
	id, err := s.createOrg(ctx, a, in)
	return id, true, err
}

// ChangeOrgTags applies a tags call to an organization.
func (s *Service) ChangeOrgTags(ctx context.Context, id int64, op TagOp, tags []string) ([]string, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		o, err := s.orgByID(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		out = mergeTags(o.Tags, op, tags)
		if err := s.setOrgSets(ctx, a.AccountID, id, out, nil); err != nil {
			return err
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE organizations SET updated_at = $1 WHERE account_id = $2 AND id = $3`, s.now(), a.AccountID, id)
		return err
	})
	return out, err
}

// OrgRelated counts an organization's users and tickets (agents).
func (s *Service) OrgRelated(ctx context.Context, id int64) (users, tickets int64, err error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return 0, 0, err
	}
	if _, err := s.orgByID(ctx, a.AccountID, id); err != nil {
		return 0, 0, err
	}
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM organization_memberships WHERE account_id = $1
		AND organization_id = $2`, a.AccountID, id).Scan(&users); err != nil {
		return 0, 0, err
	}
	if s.counters != nil {
		tickets, err = s.counters.OrganizationTicketCount(ctx, a.AccountID, id)
	}
	return users, tickets, err
}
