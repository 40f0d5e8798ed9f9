package db

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"parley/internal/platform/errs"
)

// Classify turns driver errors into errs Kinds once, by code, never by text:
// unique violations are Conflict, foreign-key violations Invalid.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return errs.Wrap(errs.Conflict, "record already exists", err)
		case "23503":
			return errs.Wrap(errs.Invalid, "referenced record does not exist", err)
		case "22001", "22003", "22P02":
			return errs.Wrap(errs.Invalid, "value out of range", err)
		}
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errs.Wrap(errs.Conflict, "record already exists", err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return errs.Wrap(errs.Invalid, "referenced record does not exist", err)
		}
	}
	return err
}

// IsUnique reports whether err is a unique-constraint violation.
func IsUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Time scans a timestamp from either engine: modernc returns time.Time for
// TIMESTAMP columns but text for expressions; pgx returns time.Time.
type Time struct {
	T     time.Time
	Valid bool
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05",
}

// Scan implements sql.Scanner.
func (t *Time) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*t = Time{}
		return nil
	case time.Time:
		*t = Time{T: x.UTC(), Valid: true}
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	}
	return fmt.Errorf("db.Time: cannot scan %T", v)
}

func (t *Time) parse(s string) error {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if p, err := time.Parse(l, s); err == nil {
			*t = Time{T: p.UTC(), Valid: true}
			return nil
		}
	}
	return fmt.Errorf("db.Time: cannot parse %q", s)
}

// Value implements driver.Valuer.
func (t Time) Value() (driver.Value, error) {
	if !t.Valid {
		return nil, nil
	}
	return t.T.UTC(), nil
}

// Ptr returns nil for NULL.
func (t Time) Ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.T
	return &v
}

// NullTime converts a pointer into a value for an INSERT/UPDATE argument.
func NullTime(p *time.Time) any {
	if p == nil {
		return nil
	}
	return p.UTC()
}

// CaseFold returns an expression comparing col case-insensitively to a
// lower-cased argument; both engines support lower().
func CaseFold(col string) string { return "lower(" + col + ")" }

// LikeEscape escapes % and _ for a LIKE pattern using '\' as the escape.
func LikeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
