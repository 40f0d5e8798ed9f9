package user

import (
	"context"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

var ticketRestrictions = map[string]bool{"organization": true, "groups": true, "assigned": true, "requested": true}

// CreateUser creates a user. Agents may create end users; only admins
// create agents and admins.
func (s *Service) CreateUser(ctx context.Context, in Input) (User, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return User{}, err
	}
	var id int64
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = s.createUser(ctx, a, in)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, a.AccountID, id)
}

// createUser runs inside a transaction; it validates everything before
// writing anything.
func (s *Service) createUser(ctx context.Context, a auth.Actor, in Input) (int64, error) {
	in = nullZeroIDs(systemOnly(a, in))
	role := auth.Role(in.Role.Or(string(auth.RoleEndUser)))
	var v errs.Validation
	if !role.Valid() {
		v.Add("role", "InvalidValue", "Role: is not valid (end-user, agent or admin)")
	}
	if role != auth.RoleEndUser && !a.IsAdmin() {
		return 0, errs.E(errs.Forbidden, "Only admins can create agents and admins")
	}
	name := strings.TrimSpace(in.Name.V)
	var email *string
	if in.Email.Has() && strings.TrimSpace(in.Email.V) != "" {
		if e, ok := normEmail(in.Email.V); ok {
			orig := strings.TrimSpace(in.Email.V)
			email = &orig
			_ = e
		} else {
			v.Add("email", "InvalidValue", "Email: "+in.Email.V+" is not properly formatted")
		}
	}
	if name == "" {
		v.Add("name", "BlankValue", "Name: cannot be blank")
	}
	if len(name) > 255 {
		v.Add("name", "TooLong", "Name: is too long (maximum is 255 characters)")
	}
	now := s.now()
	u := User{AccountID: a.AccountID, Name: name, Email: email, Role: role, Verified: in.Verified.Or(false),
		Active: true, CreatedAt: now, UpdatedAt: now, Fields: map[string]any{}}
	if in.Suspended.Has() {
		u.Suspended = in.Suspended.V
	}
	if u.Suspended && !a.IsAdmin() && role != auth.RoleEndUser {
		return 0, errs.E(errs.Forbidden, "")
	}
	s.applyPlain(&u, in, &v)
	if role == auth.RoleEndUser && u.TicketRestriction == nil {
		r := "requested"
		u.TicketRestriction = &r
	}
	if in.CustomRoleID.Has() {
		if role != auth.RoleAgent {
			v.Add("custom_role_id", "InvalidValue", "Custom role: only agents can have a custom role")
		} else if _, err := s.customRole(ctx, a.AccountID, in.CustomRoleID.V); err != nil {
			v.Add("custom_role_id", "InvalidValue", "Custom role: does not exist")
		}
		u.CustomRoleID = in.CustomRoleID.Ptr()
	}
	if u.TimeZone == "" {
		u.TimeZone, u.IANATimeZone = "UTC", "UTC"
	}
	if u.Locale == "" {
		u.Locale = "en-US"
	}
	if in.Password.Has() {
		if !a.IsAdmin() {
			return 0, errs.E(errs.Forbidden, "Only admins can set passwords")
		}
		if msg := passwordProblem(in.Password.V); msg != "" {
			v.Add("password", "InvalidValue", "Password: "+msg)
		} else if h, err := auth.HashPassword(s.argon, in.Password.V); err == nil {
			u.PasswordHash = h
		} else {
			return 0, err
		}
	}
	var addTags []string
	if in.UserFields.Has() {
		defs, err := s.fieldDefs(ctx, a.AccountID, ResourceUser)
		if err != nil {
			return 0, err
		}
		var rm []string
		u.Fields, addTags, rm = applyFieldValues(defs, nil, in.UserFields.V, &v, "user_fields")
		_ = rm
	}
	tags := NormalizeTags(append(in.Tags.V, addTags...))
	idents := []IdentityInput{}
	if email != nil {
		idents = append(idents, IdentityInput{Type: "email", Value: *email})
	}
	for _, ii := range in.Identities {
		if email != nil && ii.Type == "email" && strings.EqualFold(ii.Value, *email) {
			continue
		}
		if msg := identityProblem(ii); msg != "" {
			v.Add("identities", "InvalidValue", msg)
		}
		idents = append(idents, ii)
	}
	if u.Email == nil {
		for _, ii := range idents {
			if ii.Type == "email" {
				val := strings.TrimSpace(ii.Value)
				u.Email = &val
				break
			}
		}
	}
	if u.ExternalID != nil {
		if _, err := s.userByExternalID(ctx, a.AccountID, *u.ExternalID); err == nil {
			v.Add("external_id", "DuplicateValue", "External: has already been taken")
		}
	}
	var orgID *int64
	switch {
	case in.OrganizationID.Has():
		if _, err := s.orgByID(ctx, a.AccountID, in.OrganizationID.V); err != nil {
			v.Add("organization_id", "InvalidValue", "Organization: does not exist")
		}
		orgID = in.OrganizationID.Ptr()
	case in.Organization.Has() && in.Organization.V.ID > 0:
		if _, err := s.orgByID(ctx, a.AccountID, in.Organization.V.ID); err != nil {
			v.Add("organization", "InvalidValue", "Organization: does not exist")
		}
		id := in.Organization.V.ID
		orgID = &id
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	if orgID == nil && in.Organization.Has() && strings.TrimSpace(in.Organization.V.Name) != "" {
		o, err := s.orgFindOrCreate(ctx, a.AccountID, in.Organization.V.Name)
		if err != nil {
			return 0, err
		}
		orgID = &o
	}
	id, err := s.insertUser(ctx, u)
	if err != nil {
		return 0, err
	}
	primaryDone := false
	for _, ii := range idents {
		primary := ii.Type == "email" && !primaryDone
		if primary {
			primaryDone = true
		}
		if _, err := s.insertIdentity(ctx, Identity{AccountID: a.AccountID, UserID: id, Type: ii.Type,
			Value: strings.TrimSpace(ii.Value), Verified: ii.Verified.Or(u.Verified), Primary: primary, CreatedAt: now}); err != nil {
			return 0, err
		}
	}
	if err := s.setUserTags(ctx, a.AccountID, id, tags); err != nil {
		return 0, err
	}
	if orgID == nil && u.Email != nil {
		if o, ok, err := s.orgByDomain(ctx, a.AccountID, emailDomain(*u.Email)); err != nil {
			return 0, err
		} else if ok {
			orgID = &o
		}
	}
	if orgID != nil {
		if err := s.addOrgMembership(ctx, a.AccountID, id, *orgID, true); err != nil {
			return 0, err
		}
	}
	if role != auth.RoleEndUser {
		if g, ok, err := s.defaultGroup(ctx, a.AccountID); err != nil {
			return 0, err
		} else if ok {
			if err := s.addGroupMembership(ctx, a.AccountID, id, g, true); err != nil {
				return 0, err
			}
		}
	}
	return id, nil
}

func passwordProblem(p string) string {
	if len(p) < 8 {
		return "must be at least 8 characters"
	}
	if len(p) > 128 {
		return "must be at most 128 characters"
	}
	return ""
}

func identityProblem(ii IdentityInput) string {
	if !identityTypes[ii.Type] {
		return "Identity type: " + ii.Type + " is not supported"
	}
	if strings.TrimSpace(ii.Value) == "" {
		return "Identity value: cannot be blank"
	}
	if ii.Type == "email" {
		if _, ok := normEmail(ii.Value); !ok {
			return "Email: " + ii.Value + " is not properly formatted"
		}
	}
	if ii.Type == "phone_number" && !phonePattern.MatchString(ii.Value) {
		return "Phone number: " + ii.Value + " is not a valid phone number"
	}
	return ""
}

// applyPlain copies the simple scalar fields of in onto u.
func (s *Service) applyPlain(u *User, in Input, v *errs.Validation) {
	set := func(o interface{ Ptr() *string }, dst **string) {
		*dst = o.Ptr()
	}
	if in.ExternalID.Set {
		set(in.ExternalID, &u.ExternalID)
		if u.ExternalID != nil && strings.TrimSpace(*u.ExternalID) == "" {
			u.ExternalID = nil
		}
	}
	if in.Alias.Set {
		set(in.Alias, &u.Alias)
	}
	if in.Phone.Set {
		set(in.Phone, &u.Phone)
		if u.Phone != nil && *u.Phone != "" && !phonePattern.MatchString(*u.Phone) {
			v.Add("phone", "InvalidValue", "Phone: is not a valid phone number")
		}
	}
	if in.Signature.Set {
		set(in.Signature, &u.Signature)
	}
	if in.RemotePhotoURL.Set {
		set(in.RemotePhotoURL, &u.RemotePhotoURL)
	}
	if in.Details.Set {
		u.Details = in.Details.V
	}
	if in.Notes.Set {
		u.Notes = in.Notes.V
	}
	if in.TimeZone.Has() {
		tz := in.TimeZone.V
		if _, err := time.LoadLocation(tz); (err != nil || tz == "Local" || tz == "") && !railsZones[tz] {
			v.Add("time_zone", "InvalidValue", "Time zone: is not a known time zone")
		}
		u.TimeZone = tz
		u.IANATimeZone = ianaOf(tz)
	}
	if in.IANATimeZone.Has() {
		if _, err := time.LoadLocation(in.IANATimeZone.V); err != nil || in.IANATimeZone.V == "Local" {
			v.Add("iana_time_zone", "InvalidValue", "IANA time zone: is not a known time zone")
		}
		u.IANATimeZone = in.IANATimeZone.V
		if !in.TimeZone.Has() {
			u.TimeZone = in.IANATimeZone.V
		}
	}
	if in.Locale.Has() {
		u.Locale = in.Locale.V
	}
	if in.LocaleID.Has() {
		if loc, ok := localeByID(in.LocaleID.V); ok {
			u.Locale = loc
		} else {
			v.Add("locale_id", "InvalidValue", "Locale: is not a supported locale")
		}
	}
	if in.TicketRestriction.Set {
		if in.TicketRestriction.Has() && !ticketRestrictions[in.TicketRestriction.V] {
			v.Add("ticket_restriction", "InvalidValue", "Ticket restriction: must be organization, groups, assigned or requested")
		}
		u.TicketRestriction = in.TicketRestriction.Ptr()
	}
	bools := []struct {
		o   interface{ Has() bool }
		val func() bool
		dst *bool
	}{
		{in.OnlyPrivateComments, func() bool { return in.OnlyPrivateComments.V }, &u.OnlyPrivateComments},
		{in.RestrictedAgent, func() bool { return in.RestrictedAgent.V }, &u.RestrictedAgent},
		{in.Moderator, func() bool { return in.Moderator.V }, &u.Moderator},
		{in.ReportCSV, func() bool { return in.ReportCSV.V }, &u.ReportCSV},
		{in.Shared, func() bool { return in.Shared.V }, &u.Shared},
		{in.SharedAgent, func() bool { return in.SharedAgent.V }, &u.SharedAgent},
		{in.ChatOnly, func() bool { return in.ChatOnly.V }, &u.ChatOnly},
	}
	for _, b := range bools {
		if b.o.Has() {
			*b.dst = b.val()
		}
	}
}

// railsZones are the Rails time zone names Zendesk clients send most; they
// are kept as sent and mapped to IANA names.
var railsZones = map[string]bool{"Eastern Time (US & Canada)": true, "Central Time (US & Canada)": true,
	"Mountain Time (US & Canada)": true, "Pacific Time (US & Canada)": true, "London": true, "Paris": true,
	"Berlin": true, "Rome": true, "Madrid": true, "Amsterdam": true, "Tokyo": true, "Osaka": true, "Sydney": true,
	"UTC": true}

var railsToIANA = map[string]string{"Eastern Time (US & Canada)": "America/New_York",
	"Central Time (US & Canada)": "America/Chicago", "Mountain Time (US & Canada)": "America/Denver",
	"Pacific Time (US & Canada)": "America/Los_Angeles", "London": "Europe/London", "Paris": "Europe/Paris",
	"Berlin": "Europe/Berlin", "Rome": "Europe/Rome", "Madrid": "Europe/Madrid", "Amsterdam": "Europe/Amsterdam",
	"Tokyo": "Asia/Tokyo", "Osaka": "Asia/Tokyo", "Sydney": "Australia/Sydney", "UTC": "UTC"}

func ianaOf(tz string) string {
	if z, ok := railsToIANA[tz]; ok {
		return z
	}
	return tz
}

// canEdit says whether actor a may change user u: admins anyone; agents end
// users and themselves; end users themselves.
func canEdit(a auth.Actor, u User) bool {
	switch {
	case a.IsAdmin():
		return true
	case a.IsAgent():
		return u.Role == auth.RoleEndUser || u.ID == a.UserID
	}
	return u.ID == a.UserID
}

// endUserEditable are the fields an end user may change on themselves.
func endUserOnly(in Input) bool {
	return !(in.Role.Set || in.CustomRoleID.Set || in.Verified.Set || in.Suspended.Set || in.ExternalID.Set ||
		in.OrganizationID.Set || in.Organization.Set || in.DefaultGroupID.Set || in.Details.Set || in.Notes.Set ||
		in.TicketRestriction.Set || in.OnlyPrivateComments.Set || in.RestrictedAgent.Set || in.Moderator.Set ||
		in.Tags.Set || in.UserFields.Set || in.Password.Set || in.Shared.Set || in.SharedAgent.Set || in.ReportCSV.Set ||
		in.ChatOnly.Set)
}

// UpdateUser applies a partial update.
func (s *Service) UpdateUser(ctx context.Context, id int64, in Input) (User, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return User{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error { return s.updateUser(ctx, a, id, in) })
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, a.AccountID, id)
}

// nullZeroIDs reads optional ids sent as 0 as "none".
func nullZeroIDs(in Input) Input {
	in.OrganizationID = opt.NullZero(in.OrganizationID)
	in.DefaultGroupID = opt.NullZero(in.DefaultGroupID)
	in.CustomRoleID = opt.NullZero(in.CustomRoleID)
	return in
}

func (s *Service) updateUser(ctx context.Context, a auth.Actor, id int64, in Input) error {
	in = nullZeroIDs(systemOnly(a, in))
	u, err := s.userByID(ctx, a.AccountID, id)
	if err != nil {
		return err
	}
	if !canSee(a, u) {
		return errs.NotFoundf("Not found")
	}
	if !canEdit(a, u) || (!a.IsAgent() && !endUserOnly(in)) {
		return errs.E(errs.Forbidden, "")
	}
	if u.DeletedAt != nil {
		return errs.Invalidf("base", "InvalidValue", "Deleted users cannot be updated")
	}
	var v errs.Validation
	if in.Name.Set {
		n := strings.TrimSpace(in.Name.V)
		if n == "" {
			v.Add("name", "BlankValue", "Name: cannot be blank")
		}
		u.Name = n
	}
	prevRole := u.Role
	if in.Role.Has() && auth.Role(in.Role.V) != u.Role {
		r := auth.Role(in.Role.V)
		switch {
		case !r.Valid():
			v.Add("role", "InvalidValue", "Role: is not valid (end-user, agent or admin)")
		case !a.IsAdmin():
			return errs.E(errs.Forbidden, "Only admins can change roles")
		case u.Owner && r != auth.RoleAdmin:
			v.Add("role", "InvalidValue", "Role: the account owner must stay an admin")
		}
		u.Role = r
		if r == auth.RoleEndUser {
			u.CustomRoleID, u.DefaultGroupID = nil, nil
			if u.TicketRestriction == nil {
				tr := "requested"
				u.TicketRestriction = &tr
			}
		} else if prevRole == auth.RoleEndUser {
			u.TicketRestriction = nil
		}
	}
	if in.CustomRoleID.Set {
		if !a.IsAdmin() {
			return errs.E(errs.Forbidden, "")
		}
		if in.CustomRoleID.Has() {
			if u.Role != auth.RoleAgent {
				v.Add("custom_role_id", "InvalidValue", "Custom role: only agents can have a custom role")
			} else if _, err := s.customRole(ctx, a.AccountID, in.CustomRoleID.V); err != nil {
				v.Add("custom_role_id", "InvalidValue", "Custom role: does not exist")
			}
		}
		u.CustomRoleID = in.CustomRoleID.Ptr()
	}
	if in.Suspended.Has() {
		if u.Owner && in.Suspended.V {
			v.Add("suspended", "InvalidValue", "Suspended: the account owner cannot be suspended")
		}
		if u.ID == a.UserID && in.Suspended.V {
			v.Add("suspended", "InvalidValue", "Suspended: you cannot suspend yourself")
		}
		if u.Role != auth.RoleEndUser && !a.IsAdmin() {
			return errs.E(errs.Forbidden, "")
		}
		u.Suspended = in.Suspended.V
	}
	if in.Verified.Has() {
		u.Verified = in.Verified.V
	}
	if in.ExternalID.Set && in.ExternalID.Has() && strings.TrimSpace(in.ExternalID.V) != "" {
		if other, err := s.userByExternalID(ctx, a.AccountID, in.ExternalID.V); err == nil && other.ID != u.ID {
			v.Add("external_id", "DuplicateValue", "External: has already been taken")
		}
	}
	s.applyPlain(&u, in, &v)
	var addTags, rmTags []string
	if in.UserFields.Set {
		defs, err := s.fieldDefs(ctx, a.AccountID, ResourceUser)
		if err != nil {
			return err
		}
		u.Fields, addTags, rmTags = applyFieldValues(defs, u.Fields, in.UserFields.V, &v, "user_fields")
	}
	if in.Password.Has() {
		if !a.IsAdmin() {
			return errs.E(errs.Forbidden, "")
		}
		if msg := passwordProblem(in.Password.V); msg != "" {
			v.Add("password", "InvalidValue", "Password: "+msg)
		} else if h, err := auth.HashPassword(s.argon, in.Password.V); err == nil {
			u.PasswordHash = h
		} else {
			return err
		}
	}
	var newEmail string
	if in.Email.Has() && strings.TrimSpace(in.Email.V) != "" {
		if _, ok := normEmail(in.Email.V); !ok {
			v.Add("email", "InvalidValue", "Email: "+in.Email.V+" is not properly formatted")
		} else {
			newEmail = strings.TrimSpace(in.Email.V)
		}
	}
	if in.OrganizationID.Has() {
		if _, err := s.orgByID(ctx, a.AccountID, in.OrganizationID.V); err != nil {
			v.Add("organization_id", "InvalidValue", "Organization: does not exist")
		}
	}
	if in.DefaultGroupID.Has() {
		if u.Role == auth.RoleEndUser {
			v.Add("default_group_id", "InvalidValue", "Default group: end users have no groups")
		} else if _, err := s.groupByID(ctx, a.AccountID, in.DefaultGroupID.V); err != nil {
			v.Add("default_group_id", "InvalidValue", "Default group: does not exist")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	u.UpdatedAt = s.now()
	if err := s.saveUser(ctx, u); err != nil {
		return err
	}
	if in.Tags.Set || len(addTags)+len(rmTags) > 0 {
		tags := u.Tags
		if in.Tags.Set {
			tags = in.Tags.V
		}
		tags = removeTags(NormalizeTags(append(tags, addTags...)), rmTags)
		if err := s.setUserTags(ctx, a.AccountID, u.ID, tags); err != nil {
			return err
		}
	}
	if newEmail != "" {
		if err := s.addEmailIfNew(ctx, u, newEmail); err != nil {
			return err
		}
	}
	if in.OrganizationID.Set {
		if in.OrganizationID.Has() {
			if err := s.addOrgMembership(ctx, a.AccountID, u.ID, in.OrganizationID.V, true); err != nil {
				return err
			}
		} else if u.OrganizationID != nil {
			if err := s.removeOrgMembership(ctx, a.AccountID, u.ID, *u.OrganizationID); err != nil {
				return err
			}
		}
	}
	if u.Role == auth.RoleEndUser && prevRole != auth.RoleEndUser {
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM group_memberships WHERE account_id = $1 AND user_id = $2`,
			a.AccountID, u.ID); err != nil {
			return err
		}
	}
	if u.Role != auth.RoleEndUser && prevRole == auth.RoleEndUser {
		if g, ok, err := s.defaultGroup(ctx, a.AccountID); err != nil {
			return err
		} else if ok {
			if err := s.addGroupMembership(ctx, a.AccountID, u.ID, g, true); err != nil {
				return err
			}
		}
	}
	if in.DefaultGroupID.Has() {
		if err := s.addGroupMembership(ctx, a.AccountID, u.ID, in.DefaultGroupID.V, true); err != nil {
			return err
		}
	}
	return nil
}

func removeTags(tags, rm []string) []string {
	if len(rm) == 0 {
		return tags
	}
	drop := map[string]bool{}
	for _, t := range rm {
		drop[strings.ToLower(t)] = true
	}
	out := tags[:0:0]
	for _, t := range tags {
		if !drop[t] {
			out = append(out, t)
		}
	}
	return out
}

// addEmailIfNew adds email as a secondary identity (Zendesk: user.email on
// update adds an identity; it becomes primary only if the user had none).
func (s *Service) addEmailIfNew(ctx context.Context, u User, email string) error {
	ids, err := s.identities(ctx, u.AccountID, []int64{u.ID})
	if err != nil {
		return err
	}
	hasEmail := false
	for _, i := range ids {
		if i.Type == "email" {
			if strings.EqualFold(i.Value, email) {
				return nil
			}
			hasEmail = true
		}
	}
	if _, err := s.insertIdentity(ctx, Identity{AccountID: u.AccountID, UserID: u.ID, Type: "email", Value: email,
		Verified: u.Verified, Primary: !hasEmail, CreatedAt: s.now()}); err != nil {
		return err
	}
	if !hasEmail {
		return s.syncPrimaryEmail(ctx, u.AccountID, u.ID)
	}
	return nil
}

// syncPrimaryEmail mirrors the primary email identity into users.email.
func (s *Service) syncPrimaryEmail(ctx context.Context, accountID, userID int64) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE users SET email = (SELECT i.value FROM user_identities i
		WHERE i.account_id = $1 AND i.user_id = $2 AND i.type = 'email' ORDER BY i.is_primary DESC, i.id LIMIT 1),
		updated_at = $3 WHERE account_id = $1 AND id = $2`, accountID, userID, s.now())
	return err
}

// DeleteUser soft-deletes a user (admins): active becomes false, their
// identities are removed so the addresses can be used again, and memberships
// end. The owner and the caller cannot be deleted.
func (s *Service) DeleteUser(ctx context.Context, id int64) (User, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return User{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error { return s.deleteUser(ctx, a, id) })
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, a.AccountID, id)
}

func (s *Service) deleteUser(ctx context.Context, a auth.Actor, id int64) error {
	u, err := s.userByID(ctx, a.AccountID, id)
	if err != nil {
		return err
	}
	if u.DeletedAt != nil {
		return errs.NotFoundf("Not found")
	}
	if u.Owner {
		return errs.Invalidf("base", "InvalidValue", "The account owner cannot be deleted")
	}
	if u.ID == a.UserID {
		return errs.Invalidf("base", "InvalidValue", "You cannot delete yourself")
	}
	if u.Shared {
		return errs.Invalidf("base", "InvalidValue", "Users created by ticket sharing cannot be deleted")
	}
	now := s.now()
	c := s.d.Conn(ctx)
	for _, q := range []string{
		`DELETE FROM user_identities WHERE account_id = $1 AND user_id = $2`,
		`DELETE FROM organization_memberships WHERE account_id = $1 AND user_id = $2`,
		`DELETE FROM group_memberships WHERE account_id = $1 AND user_id = $2`,
	} {
		if _, err := c.ExecContext(ctx, q, a.AccountID, id); err != nil {
			return err
		}
	}
	u.Active, u.DeletedAt, u.UpdatedAt = false, &now, now
	u.Email, u.OrganizationID, u.DefaultGroupID, u.ExternalID = nil, nil, nil, nil
	return s.saveUser(ctx, u)
}

// CreateOrUpdate matches an existing user by email or external_id (case
// insensitive) and updates it, or creates one. It reports whether it
// created.
func (s *Service) CreateOrUpdate(ctx context.Context, in Input) (User, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return User{}, false, err
	}
	var id int64
	created := false
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		id, created, err = s.createOrUpdate(ctx, a, in)
		return err
	})
	if err != nil {
		return User{}, false, err
	}
	u, err := s.userByID(ctx, a.AccountID, id)
	return u, created, err
}

func (s *Service) createOrUpdate(ctx context.Context, a auth.Actor, in Input) (int64, bool, error) {
	var existing User
	found := false
	if in.ID.Has() {
		u, err := s.userByID(ctx, a.AccountID, in.ID.V)
		if err == nil && u.DeletedAt == nil {
			existing, found = u, true
		}
	}
	if !found && in.ExternalID.Has() && in.ExternalID.V != "" {
		if u, err := s.userByExternalID(ctx, a.AccountID, in.ExternalID.V); err == nil {
			existing, found = u, true
		}
	}
	if !found && in.Email.Has() && in.Email.V != "" {
		if u, err := s.userByEmail(ctx, a.AccountID, in.Email.V); err == nil {
			existing, found = u, true
		}
	}
	if found {
		return existing.ID, false, s.updateUser(ctx, a, existing.ID, in)
	}
	id, err := s.createUser(ctx, a, in)
	return id, true, err
}

// SetPassword sets a user's password: admins for anyone; a user for
// themselves only with their current password.
func (s *Service) SetPassword(ctx context.Context, id int64, password, previous string, self bool) error {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return err
	}
	if msg := passwordProblem(password); msg != "" {
		return errs.Invalidf("password", "InvalidValue", "Password: %s", msg)
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		u, err := s.userByID(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if self {
			if u.ID != a.UserID {
				return errs.E(errs.Forbidden, "")
			}
			ok := false
			if u.PasswordHash != "" {
				ok, _ = auth.CheckPassword(u.PasswordHash, previous)
			}
			if !ok {
				return errs.Invalidf("previous_password", "InvalidValue", "Previous password: is incorrect")
			}
		} else if !a.IsAdmin() {
			return errs.E(errs.Forbidden, "")
		}
		h, err := auth.HashPassword(s.argon, password)
		if err != nil {
			return err
		}
		u.PasswordHash, u.UpdatedAt = h, s.now()
		return s.saveUser(ctx, u)
	})
}

// TagOp is how a tags call changes tags.
type TagOp int

// Tag operations: POST sets, PUT adds, DELETE removes.
const (
	TagsSet TagOp = iota
	TagsAdd
	TagsRemove
)

// ChangeUserTags applies a tags call to a user and returns the new tags.
func (s *Service) ChangeUserTags(ctx context.Context, id int64, op TagOp, tags []string) ([]string, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		u, err := s.userByID(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if op != TagsSet || tags != nil {
			out = mergeTags(u.Tags, op, tags)
		}
		if err := s.setUserTags(ctx, a.AccountID, id, out); err != nil {
			return err
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE users SET updated_at = $1 WHERE account_id = $2 AND id = $3`, s.now(), a.AccountID, id)
		return err
	})
	return out, err
}

func mergeTags(cur []string, op TagOp, tags []string) []string {
	switch op {
	case TagsAdd:
		return NormalizeTags(append(append([]string{}, cur...), tags...))
	case TagsRemove:
		return removeTags(cur, NormalizeTags(tags))
	}
	return NormalizeTags(tags)
}

// UserTags returns a user's tags (agents).
func (s *Service) UserTags(ctx context.Context, id int64) ([]string, error) {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if !auth.ActorFrom(ctx).IsAgent() {
		return nil, errs.E(errs.Forbidden, "")
	}
	return u.Tags, nil
}
