package ticket

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

// StatusCategories are the categories a custom status belongs to; closed
// is a state, not a category.
var StatusCategories = []string{"new", "open", "pending", "hold", "solved"}

// CustomStatus is an account's named status within a category.
type CustomStatus struct {
	ID                    int64
	AccountID             int64
	Category              string
	AgentLabel            string
	RawAgentLabel         string
	EndUserLabel          string
	RawEndUserLabel       string
	Description           string
	RawDescription        string
	EndUserDescription    string
	RawEndUserDescription string
	Active                bool
	Default               bool
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// StatusInput creates or changes a custom status.
type StatusInput struct {
	StatusCategory     opt.Opt[string] `json:"status_category"`
	AgentLabel         opt.Opt[string] `json:"agent_label"`
	EndUserLabel       opt.Opt[string] `json:"end_user_label"`
	Description        opt.Opt[string] `json:"description"`
	EndUserDescription opt.Opt[string] `json:"end_user_description"`
	Active             opt.Opt[bool]   `json:"active"`
}

// defaultStatuses are every account's starting statuses.
var defaultStatuses = []struct{ cat, agent, eu, desc, eudesc string }{
	{"new", "New", "Open", "Ticket is awaiting assignment to an agent", "We are working on a response for you"},
	{"open", "Open", "Open", "Staff is working on the ticket", "We are working on a response for you"},
	{"pending", "Pending", "Awaiting your reply", "Staff is waiting for the requester to reply", "We are waiting for you to respond"},
	{"hold", "On-hold", "Open", "Staff is waiting for a third party", "We are working on a response for you"},
	{"solved", "Solved", "Solved", "The ticket has been solved", "We hope your request has been resolved"},
}

const statusCols = `id, account_id, status_category, agent_label, raw_agent_label, end_user_label, raw_end_user_label,
	description, raw_description, end_user_description, raw_end_user_description, active, is_default, created_at, updated_at`

func scanStatus(row interface{ Scan(...any) error }) (CustomStatus, error) {
	var c CustomStatus
	var ca, ua db.Time
	err := row.Scan(&c.ID, &c.AccountID, &c.Category, &c.AgentLabel, &c.RawAgentLabel, &c.EndUserLabel, &c.RawEndUserLabel,
		&c.Description, &c.RawDescription, &c.EndUserDescription, &c.RawEndUserDescription, &c.Active, &c.Default, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFoundf("Not found")
	}
	c.CreatedAt, c.UpdatedAt = ca.T, ua.T
	return c, err
}

// Bootstrap gives a new account its default custom statuses (operator
// action; idempotent).
func (s *Service) Bootstrap(ctx context.Context, accountID int64) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		var n int
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM custom_statuses WHERE account_id = $1`, accountID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		now := s.clock.Now()
		for _, d := range defaultStatuses {
			if _, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO custom_statuses (account_id, status_category, agent_label,
				raw_agent_label, end_user_label, raw_end_user_label, description, raw_description, end_user_description,
				raw_end_user_description, active, is_default, created_at, updated_at)
				VALUES ($1,$2,$3,$3,$4,$4,$5,$5,$6,$6,TRUE,TRUE,$7,$7)`, accountID, d.cat, d.agent, d.eu, d.desc, d.eudesc, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) loadStatuses(ctx context.Context, accountID int64) ([]CustomStatus, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+statusCols+` FROM custom_statuses WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CustomStatus
	for rows.Next() {
		c, err := scanStatus(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Service) status(ctx context.Context, accountID, id int64) (CustomStatus, error) {
	c, err := s.config(ctx, accountID)
	if err != nil {
		return CustomStatus{}, err
	}
	for _, st := range c.statuses {
		if st.ID == id {
			return st, nil
		}
	}
	return CustomStatus{}, errs.NotFoundf("Not found")
}

func (s *Service) defaultStatus(ctx context.Context, accountID int64, category string) (CustomStatus, error) {
	c, err := s.config(ctx, accountID)
	if err != nil {
		return CustomStatus{}, err
	}
	for _, st := range c.statuses { // in id order
		if st.Category == category && st.Default {
			return st, nil
		}
	}
	return CustomStatus{}, errs.Ef(errs.Internal, "account %d has no default %s status", accountID, category)
}

// StatusFilter narrows the status list.
type StatusFilter struct {
	Categories []string
	Active     *bool
	Default    *bool
}

// ListStatuses lists custom statuses; any signed-in user may (end users
// see the end-user labels).
func (s *Service) ListStatuses(ctx context.Context, f StatusFilter) ([]CustomStatus, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.statuses(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, c := range all {
		if len(f.Categories) > 0 && !oneOf(f.Categories, c.Category) {
			continue
		}
		if f.Active != nil && c.Active != *f.Active {
			continue
		}
		if f.Default != nil && c.Default != *f.Default {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// GetStatus returns one custom status.
func (s *Service) GetStatus(ctx context.Context, id int64) (CustomStatus, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return CustomStatus{}, err
	}
	return s.status(ctx, a.AccountID, id)
}

// CreateStatus adds a custom status (admins).
func (s *Service) CreateStatus(ctx context.Context, in StatusInput) (CustomStatus, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return CustomStatus{}, err
	}
	var v errs.Validation
	cat := in.StatusCategory.V
	if !oneOf(StatusCategories, cat) {
		v.Add("status_category", "InvalidValue", "Status category: must be new, open, pending, hold or solved")
	}
	label := strings.TrimSpace(in.AgentLabel.V)
	if label == "" {
		v.Add("agent_label", "BlankValue", "Agent label: cannot be blank")
	}
	eu := strings.TrimSpace(in.EndUserLabel.Or(label))
	if err := v.Err(); err != nil {
		return CustomStatus{}, err
	}
	var out CustomStatus
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		desc, eudesc := in.Description.Or(""), in.EndUserDescription.Or("")
		var err error
		out, err = scanStatus(s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO custom_statuses (account_id, status_category,
			agent_label, raw_agent_label, end_user_label, raw_end_user_label, description, raw_description,
			end_user_description, raw_end_user_description, active, is_default, created_at, updated_at)
			VALUES ($1,$2,$3,$3,$4,$4,$5,$5,$6,$6,$7,FALSE,$8,$8) RETURNING `+statusCols,
			a.AccountID, cat, label, eu, desc, eudesc, in.Active.Or(true), now))
		return err
	})
	return out, err
}

// UpdateStatus changes a custom status (admins). The category is fixed; a
// default status cannot be deactivated.
func (s *Service) UpdateStatus(ctx context.Context, id int64, in StatusInput) (CustomStatus, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return CustomStatus{}, err
	}
	var out CustomStatus
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		c, err := s.status(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		var v errs.Validation
		if in.StatusCategory.Set && in.StatusCategory.V != c.Category {
			v.Add("status_category", "InvalidValue", "Status category: cannot be changed")
		}
		if in.AgentLabel.Set {
			if c.AgentLabel = strings.TrimSpace(in.AgentLabel.V); c.AgentLabel == "" {
				v.Add("agent_label", "BlankValue", "Agent label: cannot be blank")
			}
			c.RawAgentLabel = c.AgentLabel
		}
		if in.EndUserLabel.Set {
			c.EndUserLabel, c.RawEndUserLabel = in.EndUserLabel.V, in.EndUserLabel.V
		}
		if in.Description.Set {
			c.Description, c.RawDescription = in.Description.V, in.Description.V
		}
		if in.EndUserDescription.Set {
			c.EndUserDescription, c.RawEndUserDescription = in.EndUserDescription.V, in.EndUserDescription.V
		}
		if in.Active.Has() {
			if c.Default && !in.Active.V {
				v.Add("active", "InvalidValue", "Active: a default status cannot be deactivated")
			}
			c.Active = in.Active.V
		}
		if err := v.Err(); err != nil {
			return err
		}
		c.UpdatedAt = s.clock.Now()
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE custom_statuses SET agent_label = $1, raw_agent_label = $2,
			end_user_label = $3, raw_end_user_label = $4, description = $5, raw_description = $6, end_user_description = $7,
			raw_end_user_description = $8, active = $9, updated_at = $10 WHERE account_id = $11 AND id = $12`,
			c.AgentLabel, c.RawAgentLabel, c.EndUserLabel, c.RawEndUserLabel, c.Description, c.RawDescription,
			c.EndUserDescription, c.RawEndUserDescription, c.Active, c.UpdatedAt, a.AccountID, id)
		out = c
		return err
	})
	return out, err
}

// SetDefaultStatuses makes the given statuses the defaults of their
// categories (admins). Each must be active.
func (s *Service) SetDefaultStatuses(ctx context.Context, ids []int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		seen := map[string]bool{}
		for _, id := range ids {
			c, err := s.status(ctx, a.AccountID, id)
			if err != nil {
				return errs.Invalidf("ids", "InvalidValue", "Custom status %d does not exist", id)
			}
			if !c.Active {
				return errs.Invalidf("ids", "InvalidValue", "Custom status %d is not active", id)
			}
			if seen[c.Category] {
				return errs.Invalidf("ids", "InvalidValue", "Only one default per status category")
			}
			seen[c.Category] = true
			if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE custom_statuses SET is_default = (id = $1), updated_at = $2
				WHERE account_id = $3 AND status_category = $4`, id, s.clock.Now(), a.AccountID, c.Category); err != nil {
				return err
			}
		}
		return nil
	})
}
