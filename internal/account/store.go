package account

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

type store struct{ d *db.DB }

const cols = `id, subdomain, name, time_zone, locale, owner_id, api_rate_limit, settings, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var owner sql.NullInt64
	var settings string
	var ca, ua db.Time
	if err := row.Scan(&a.ID, &a.Subdomain, &a.Name, &a.TimeZone, &a.Locale, &owner, &a.RateLimit, &settings, &ca, &ua); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, errs.NotFoundf("Account not found")
		}
		return a, err
	}
	if owner.Valid {
		a.OwnerID = &owner.Int64
	}
	a.CreatedAt, a.UpdatedAt = ca.T, ua.T
	a.Settings = DefaultSettings()
	if err := unmarshalSettings([]byte(settings), &a.Settings); err != nil {
		return a, err
	}
	return a, nil
}

func (s store) byID(ctx context.Context, id int64) (Account, error) {
	return scan(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+cols+` FROM accounts WHERE id = $1`, id))
}

func (s store) bySubdomain(ctx context.Context, sub string) (Account, error) {
	return scan(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+cols+` FROM accounts WHERE subdomain = $1`, sub))
}

func (s store) first(ctx context.Context) (Account, error) {
	return scan(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+cols+` FROM accounts ORDER BY id LIMIT 1`))
}

func (s store) insert(ctx context.Context, a Account) (Account, error) {
	st, err := marshalSettings(a.Settings)
	if err != nil {
		return a, err
	}
	out, err := scan(s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO accounts
		(subdomain, name, time_zone, locale, owner_id, api_rate_limit, settings, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING `+cols,
		a.Subdomain, a.Name, a.TimeZone, a.Locale, a.OwnerID, a.RateLimit, st, a.CreatedAt))
	return out, db.Classify(err)
}

func (s store) update(ctx context.Context, a Account) error {
	st, err := marshalSettings(a.Settings)
	if err != nil {
		return err
	}
	_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE accounts SET subdomain = $1, name = $2, time_zone = $3,
		locale = $4, owner_id = $5, api_rate_limit = $6, settings = $7, updated_at = $8 WHERE id = $9`,
		a.Subdomain, a.Name, a.TimeZone, a.Locale, a.OwnerID, a.RateLimit, st, a.UpdatedAt, a.ID)
	return db.Classify(err)
}

func (s store) count(ctx context.Context) (int64, error) {
	var n int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n)
	return n, err
}

// marshalSettings writes the typed sections over any unknown ones.
func marshalSettings(st Settings) (string, error) {
	m := map[string]json.RawMessage{}
	for k, v := range st.Other {
		m[k] = v
	}
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	var typed map[string]json.RawMessage
	if err := json.Unmarshal(b, &typed); err != nil {
		return "", err
	}
	for k, v := range typed {
		m[k] = v
	}
	out, err := json.Marshal(m)
	return string(out), err
}

func unmarshalSettings(b []byte, st *Settings) error {
	if err := json.Unmarshal(b, st); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	typed := map[string]bool{"branding": true, "tickets": true, "user": true, "localization": true,
		"support_email": true, "secure_downloads": true, "ticket_sharing": true}
	for k, v := range all {
		if !typed[k] {
			if st.Other == nil {
				st.Other = map[string]json.RawMessage{}
			}
			st.Other[k] = v
		}
	}
	return nil
}
