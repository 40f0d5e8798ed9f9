// Package bulk owns Zendesk job statuses: the bulk calls (create_many,
// update_many, destroy_many, create_or_update_many) record a job status and
// a River job in one transaction; the worker runs the room's item handler
// for each record, updating progress and results that clients poll at
// /api/v2/job_statuses/{id}.
package bulk

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// Status is a job status as Zendesk reports it.
type Status struct {
	Seq       int64
	ID        string
	AccountID int64
	JobType   string
	Total     *int
	Progress  *int
	Status    string // queued, working, completed, failed, killed
	Message   *string
	Results   json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ItemFunc handles one record of a bulk job and returns its result entry.
// An error becomes a failure entry for that record; the job goes on.
type ItemFunc func(ctx context.Context, index int, item json.RawMessage) (map[string]any, error)

// ActorLoader rebuilds the requesting user for the worker (user room).
type ActorLoader interface {
	ActorByID(ctx context.Context, accountID, userID int64) (auth.Actor, error)
}

// Enqueuer inserts River jobs (platform/jobs.Queue).
type Enqueuer interface {
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Service starts bulk jobs and reads job statuses.
type Service struct {
	d     *db.DB
	clock clock.Clock
	q     Enqueuer
	log   *slog.Logger

	mu       sync.RWMutex
	ops      map[string]ItemFunc
	actors   ActorLoader
	jobTypes map[string]string
}

// NewService builds the bulk service; q may be set later with SetQueue
// because River needs the workers before the queue exists.
func NewService(d *db.DB, c clock.Clock, log *slog.Logger) *Service {
	return &Service{d: d, clock: c, log: log, ops: map[string]ItemFunc{}, jobTypes: map[string]string{}}
}

// SetQueue wires the job queue.
func (s *Service) SetQueue(q Enqueuer) { s.q = q }

// SetActors wires the actor loader.
func (s *Service) SetActors(a ActorLoader) { s.actors = a }

// Register names an operation (e.g. "users.create_many") and its handler.
func (s *Service) Register(op, jobType string, fn ItemFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops[op] = fn
	s.jobTypes[op] = jobType
}

// Args is the River job: which job status, on whose behalf, which items.
type Args struct {
	JobID     string            `json:"job_id"`
	AccountID int64             `json:"account_id"`
	UserID    int64             `json:"user_id"`
	Op        string            `json:"op"`
	Items     []json.RawMessage `json:"items"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return "bulk" }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "V3-" + hex.EncodeToString(b[:])
}

// Start records a queued job status and enqueues its work in one
// transaction. Callers have already checked permissions and the 100-item
// limit.
func (s *Service) Start(ctx context.Context, op string, items []json.RawMessage) (Status, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return Status{}, err
	}
	s.mu.RLock()
	jobType, ok := s.jobTypes[op]
	s.mu.RUnlock()
	if !ok {
		return Status{}, fmt.Errorf("bulk: unknown op %q", op)
	}
	now := s.clock.Now()
	total := len(items)
	st := Status{ID: newID(), AccountID: a.AccountID, JobType: jobType, Total: &total, Status: "queued", CreatedAt: now, UpdatedAt: now}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO job_statuses
			(id, account_id, job_type, total, progress, status, message, results, created_at, updated_at)
			VALUES ($1, $2, $3, $4, NULL, 'queued', NULL, NULL, $5, $5)`, st.ID, st.AccountID, st.JobType, total, now); err != nil {
			return err
		}
		return s.q.Enqueue(ctx, Args{JobID: st.ID, AccountID: a.AccountID, UserID: a.UserID, Op: op, Items: items}, nil)
	})
	return st, err
}

const cols = `seq, id, account_id, job_type, total, progress, status, message, results, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Status, error) {
	var st Status
	var total, progress sql.NullInt64
	var msg, results sql.NullString
	var ca, ua db.Time
	if err := row.Scan(&st.Seq, &st.ID, &st.AccountID, &st.JobType, &total, &progress, &st.Status, &msg, &results, &ca, &ua); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return st, errs.NotFoundf("Not found")
		}
		return st, err
	}
	if total.Valid {
		n := int(total.Int64)
		st.Total = &n
	}
	if progress.Valid {
		n := int(progress.Int64)
		st.Progress = &n
	}
	if msg.Valid {
		st.Message = &msg.String
	}
	if results.Valid {
		st.Results = json.RawMessage(results.String)
	}
	st.CreatedAt, st.UpdatedAt = ca.T, ua.T
	return st, nil
}

// Get returns a job status of the caller's account.
func (s *Service) Get(ctx context.Context, id string) (Status, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return Status{}, err
	}
	return scan(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+cols+` FROM job_statuses WHERE account_id = $1 AND id = $2`, a.AccountID, id))
}

// Many returns the given job statuses of the caller's account.
func (s *Service) Many(ctx context.Context, ids []string) ([]Status, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{a.AccountID}
	q := `SELECT ` + cols + ` FROM job_statuses WHERE account_id = $1 AND id IN (` + db.Placeholders(&args, ids) + `) ORDER BY seq`
	return s.query(ctx, q, args...)
}

// Recent lists the caller's account's job statuses, newest first, keyset
// paged on seq (creation order).
func (s *Service) Recent(ctx context.Context, p db.Page) ([]Status, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, false, err
	}
	args := []any{a.AccountID}
	p.Sort, p.IDColumn = "", "seq"
	q := `SELECT ` + cols + ` FROM job_statuses WHERE account_id = $1` + p.Seek(&args) + p.OrderLimit(&args)
	out, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, false, err
	}
	out, more := db.Finish(p, out)
	return out, more, nil
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]Status, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Status
	for rows.Next() {
		st, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func (s *Service) setState(ctx context.Context, id string, status string, progress int, msg *string, results any) error {
	var res any
	if results != nil {
		b, err := json.Marshal(results)
		if err != nil {
			return err
		}
		res = string(b)
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE job_statuses SET status = $1, progress = $2, message = $3,
			results = COALESCE($4, results), updated_at = $5 WHERE id = $6`, status, progress, msg, res, s.clock.Now(), id)
		return err
	})
}

// Worker runs bulk jobs.
type Worker struct {
	river.WorkerDefaults[Args]
	s *Service
}

// NewWorker returns the River worker for bulk jobs.
func (s *Service) NewWorker() *Worker { return &Worker{s: s} }

// Work runs each item through the registered handler. Item failures are
// recorded in results; the job itself fails only if the status cannot be
// written, so River retries only what is safe to repeat.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	s := w.s
	a := job.Args
	s.mu.RLock()
	fn := s.ops[a.Op]
	s.mu.RUnlock()
	if fn == nil {
		msg := "unknown operation " + a.Op
		return s.setState(ctx, a.JobID, "failed", 0, &msg, nil)
	}
	cur, err := scan(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+cols+` FROM job_statuses WHERE id = $1`, a.JobID))
	if err != nil {
		return err
	}
	if cur.Status == "completed" || cur.Status == "failed" {
		return nil // already done by an earlier attempt
	}
	actor, err := s.actors.ActorByID(ctx, a.AccountID, a.UserID)
	if err != nil {
		msg := "the requesting user no longer exists"
		return s.setState(ctx, a.JobID, "failed", 0, &msg, nil)
	}
	actx := auth.System(ctx, actor)
	results := make([]map[string]any, 0, len(a.Items))
	for i, item := range a.Items {
		if i%10 == 0 {
			msg := fmt.Sprintf("Processing record %d of %d", i+1, len(a.Items))
			if err := s.setState(ctx, a.JobID, "working", i, &msg, nil); err != nil {
				return err
			}
		}
		res, err := fn(actx, i, item)
		if err != nil {
			if errs.KindOf(err) == errs.Internal {
				s.log.ErrorContext(ctx, "bulk item failed", slog.String("op", a.Op), slog.String("error", err.Error()))
			}
			results = append(results, failure(i, err))
			continue
		}
		if res == nil {
			res = map[string]any{}
		}
		if _, ok := res["index"]; !ok {
			res["index"] = i
		}
		results = append(results, res)
	}
	msg := "Completed at " + s.clock.Now().UTC().Format("2006-01-02 15:04:05 +0000")
	return s.setState(ctx, a.JobID, "completed", len(a.Items), &msg, results)
}

// failure is Zendesk's per-record error entry.
func failure(i int, err error) map[string]any {
	var e *errs.Error
	out := map[string]any{"index": i, "success": false}
	if errors.As(err, &e) && e.Kind != errs.Internal {
		code := e.Code
		if code == "" {
			code = "RecordInvalid"
		}
		out["error"] = code
		details := e.Msg
		for _, ds := range e.Fields {
			for _, d := range ds {
				details = d.Description
			}
		}
		out["details"] = details
		return out
	}
	out["error"] = "InternalError"
	out["details"] = "the record could not be processed"
	return out
}
