package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
)

// Metrics are a ticket's service measures, derived from its audit trail
// (nothing extra is stored, so they can never disagree with the history).
// Business-hour figures equal calendar ones until schedules exist.
type Metrics struct {
	TicketID             int64
	CreatedAt, UpdatedAt time.Time
	GroupStations        int
	AssigneeStations     int
	Reopens              int
	Replies              int
	AssigneeUpdatedAt    *time.Time
	RequesterUpdatedAt   *time.Time
	StatusUpdatedAt      *time.Time
	InitiallyAssignedAt  *time.Time
	AssignedAt           *time.Time
	SolvedAt             *time.Time
	LatestCommentAddedAt *time.Time
	ReplyTime            *int64
	FirstResolutionTime  *int64
	FullResolutionTime   *int64
	AgentWaitTime        int64
	RequesterWaitTime    int64
	OnHoldTime           int64
}

type metricEvent struct {
	ticketID int64
	at       time.Time
	author   int64
	field    string
	value    any
}

type metricComment struct {
	ticketID int64
	at       time.Time
	author   int64
	public   bool
}

// MetricsFor computes the metrics of the given live tickets (agents), in
// three queries whatever the number of tickets.
func (s *Service) MetricsFor(ctx context.Context, ts []Ticket) ([]Metrics, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	args := []any{a.AccountID}
	in := db.Placeholders(&args, ids)
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT e.ticket_id, au.created_at, au.author_id, e.field_name, e.value
		FROM ticket_events e JOIN ticket_audits au ON au.id = e.audit_id
		WHERE e.account_id = $1 AND e.ticket_id IN (`+in+`) AND e.field_name IN ('status', 'assignee_id', 'group_id')
		ORDER BY au.created_at, e.id`, args...)
	if err != nil {
		return nil, err
	}
	events := map[int64][]metricEvent{}
	for rows.Next() {
		var ev metricEvent
		var at db.Time
		var val sql.NullString
		if err := rows.Scan(&ev.ticketID, &at, &ev.author, &ev.field, &val); err != nil {
			rows.Close()
			return nil, err
		}
		ev.at = at.T
		if val.Valid {
			_ = json.Unmarshal([]byte(val.String), &ev.value)
		}
		events[ev.ticketID] = append(events[ev.ticketID], ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	crows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT ticket_id, created_at, author_id, public FROM ticket_comments
		WHERE account_id = $1 AND ticket_id IN (`+in+`) ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	comments := map[int64][]metricComment{}
	for crows.Next() {
		var c metricComment
		var at db.Time
		if err := crows.Scan(&c.ticketID, &at, &c.author, &c.public); err != nil {
			crows.Close()
			return nil, err
		}
		c.at = at.T
		comments[c.ticketID] = append(comments[c.ticketID], c)
	}
	crows.Close()
	if err := crows.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := make([]Metrics, len(ts))
	for i, t := range ts {
		out[i] = computeMetrics(t, events[t.ID], comments[t.ID], now)
	}
	return out, nil
}

func minutes(d time.Duration) int64 { return int64(d / time.Minute) }

func computeMetrics(t Ticket, evs []metricEvent, cs []metricComment, now time.Time) Metrics {
	m := Metrics{TicketID: t.ID, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	at := func(x time.Time) *time.Time { return &x }
	status, since := "new", t.CreatedAt
	wasSolved := false
	account := func(until time.Time) {
		d := minutes(until.Sub(since))
		switch status {
		case "pending":
			m.AgentWaitTime += d
		case "hold":
			m.OnHoldTime += d
			m.RequesterWaitTime += d
		case "new", "open":
			m.RequesterWaitTime += d
		}
	}
	for _, e := range evs {
		switch e.field {
		case "status":
			s, _ := e.value.(string)
			if s == "" || s == status {
				continue
			}
			account(e.at)
			if wasSolved && s != "solved" && s != "closed" {
				m.Reopens++
			}
			status, since = s, e.at
			m.StatusUpdatedAt = at(e.at)
			if s == "solved" {
				m.SolvedAt = at(e.at)
				if m.FirstResolutionTime == nil {
					v := minutes(e.at.Sub(t.CreatedAt))
					m.FirstResolutionTime = &v
				}
				v := minutes(e.at.Sub(t.CreatedAt))
				m.FullResolutionTime = &v
				wasSolved = true
			}
			if s != "solved" && s != "closed" {
				wasSolved = false
			}
		case "assignee_id":
			if e.value != nil {
				m.AssigneeStations++
				if m.InitiallyAssignedAt == nil {
					m.InitiallyAssignedAt = at(e.at)
				}
				m.AssignedAt = at(e.at)
			}
		case "group_id":
			if e.value != nil {
				m.GroupStations++
			}
		}
		if t.AssigneeID != nil && e.author == *t.AssigneeID {
			m.AssigneeUpdatedAt = at(e.at)
		}
		if e.author == t.RequesterID {
			m.RequesterUpdatedAt = at(e.at)
		}
	}
	if status != "solved" && status != "closed" {
		account(now)
	}
	for i, c := range cs {
		m.LatestCommentAddedAt = at(c.at)
		if c.author == t.RequesterID {
			m.RequesterUpdatedAt = at(c.at)
			continue
		}
		if i == 0 || !c.public {
			continue
		}
		m.Replies++
		if m.ReplyTime == nil {
			v := minutes(c.at.Sub(t.CreatedAt))
			m.ReplyTime = &v
		}
	}
	return m
}
