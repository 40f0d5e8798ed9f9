package share

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"parley/internal/platform/errs"
	"parley/internal/platform/netguard"
)

// Every message to a partner goes through the outbox: a row written in the
// transaction of the change that caused it, then delivered by a job. Rows
// of one agreement go out strictly in id order, one at a time (a lease on
// the agreement row), so a partner sees updates in the order they were
// made, and a partner that was down gets every one of them once it is back.

// DeliverArgs is the job that empties one agreement's outbox.
type DeliverArgs struct {
	AccountID   int64 `json:"account_id"`
	AgreementID int64 `json:"agreement_id"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "sharing_deliver" }

// InsertOpts: a partner may be down for a while; the periodic sweep
// re-queues anything left after the attempts run out.
func (DeliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 25} }

// message is one outbox row.
type message struct {
	ID       int64
	Method   string
	Path     string
	Body     string
	Attempts int
}

// send queues a protocol message to the partner of ag, in the caller's
// transaction.
func (s *Service) send(ctx context.Context, ag Agreement, shareID *int64, method, path string, body any) error {
	if s.q == nil {
		return errors.New("share: no job queue wired")
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	if _, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO sharing_outbox (account_id, agreement_id, share_id, method,
		path, body, status, created_at) VALUES ($1,$2,$3,$4,$5,$6,'pending',$7)`, ag.AccountID, ag.ID, shareID, method,
		path, string(b), s.clock.Now()); err != nil {
		return err
	}
	return s.q.Enqueue(ctx, DeliverArgs{AccountID: ag.AccountID, AgreementID: ag.ID}, nil)
}

// Worker delivers outboxes.
type Worker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// NewWorker returns the delivery worker to register with River.
func (s *Service) NewWorker() *Worker { return &Worker{s: s} }

// Work sends the agreement's pending messages in order. A job that finds
// another one delivering for the same agreement waits its turn.
func (w *Worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.s.deliverAll(ctx, job.Args)
}

// NextRetry follows the service's backoff (a partner outage).
func (w *Worker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return w.s.clock.Now().Add(w.s.backoff(job.Attempt))
}

// Timeout covers a handful of requests; the lease is renewed per message.
func (w *Worker) Timeout(*river.Job[DeliverArgs]) time.Duration { return 10 * time.Minute }

// lease is how long one delivery may hold an agreement's outbox.
func (s *Service) lease() time.Duration { return s.client.Timeout + 30*time.Second }

func (s *Service) takeLease(ctx context.Context, a DeliverArgs) (bool, error) {
	now := s.clock.Now()
	res, err := s.d.Writer().ExecContext(ctx, `UPDATE sharing_agreements SET delivering_until = $1
		WHERE account_id = $2 AND id = $3 AND (delivering_until IS NULL OR delivering_until < $4)`,
		now.Add(s.lease()), a.AccountID, a.AgreementID, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *Service) releaseLease(ctx context.Context, a DeliverArgs) {
	_, _ = s.d.Writer().ExecContext(context.WithoutCancel(ctx), `UPDATE sharing_agreements SET delivering_until = NULL
		WHERE account_id = $1 AND id = $2`, a.AccountID, a.AgreementID)
}

func (s *Service) deliverAll(ctx context.Context, a DeliverArgs) error {
	ok, err := s.takeLease(ctx, a)
	if err != nil {
		return err
	}
	if !ok {
		return river.JobSnooze(500 * time.Millisecond)
	}
	defer s.releaseLease(ctx, a)
	ag, err := s.agreementAny(ctx, a.AccountID, a.AgreementID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for {
		m, found, err := s.nextMessage(ctx, a)
		if err != nil || !found {
			return err
		}
		if _, err := s.d.Writer().ExecContext(ctx, `UPDATE sharing_agreements SET delivering_until = $1
			WHERE account_id = $2 AND id = $3`, s.clock.Now().Add(s.lease()), a.AccountID, a.AgreementID); err != nil {
			return err
		}
		status, body, err := s.deliver(ctx, ag, m)
		switch {
		case err == nil && status >= 200 && status < 300:
			if err := s.finishMessage(ctx, ag, m, "delivered", ""); err != nil {
				return err
			}
		case err == nil && status >= 400 && status < 500 && status != http.StatusRequestTimeout &&
			status != http.StatusConflict && status != http.StatusTooManyRequests:
			// The partner refuses this message for good: record why and
			// go on with the next, so one bad message blocks nothing.
			why := fmt.Sprintf("%s %s: partner answered %d %s", m.Method, m.Path, status, truncate(body, 300))
			if err := s.finishMessage(ctx, ag, m, "failed", why); err != nil {
				return err
			}
		default:
			why := fmt.Sprintf("%s %s: partner answered %d %s", m.Method, m.Path, status, truncate(body, 300))
			if err != nil {
				why = fmt.Sprintf("%s %s: %v", m.Method, m.Path, err)
			}
			_, _ = s.d.Writer().ExecContext(ctx, `UPDATE sharing_outbox SET attempts = attempts + 1, last_error = $1
				WHERE account_id = $2 AND id = $3`, why, a.AccountID, m.ID)
			s.log.WarnContext(ctx, "sharing delivery failed; will retry", "agreement_id", ag.ID, "error", why)
			return errors.New(why)
		}
	}
}

// agreementAny loads an agreement, deleted ones too (their last messages
// still go out).
func (s *Service) agreementAny(ctx context.Context, accountID, id int64) (Agreement, error) {
	return s.scanAgreement(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+agreementCols+` FROM sharing_agreements
		WHERE account_id = $1 AND id = $2`, accountID, id))
}

func (s *Service) nextMessage(ctx context.Context, a DeliverArgs) (message, bool, error) {
	var m message
	err := s.d.Writer().QueryRowContext(ctx, `SELECT id, method, path, body, attempts FROM sharing_outbox
		WHERE account_id = $1 AND agreement_id = $2 AND status = 'pending' ORDER BY id LIMIT 1`,
		a.AccountID, a.AgreementID).Scan(&m.ID, &m.Method, &m.Path, &m.Body, &m.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	return m, true, nil
}

func (s *Service) finishMessage(ctx context.Context, ag Agreement, m message, status, why string) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		c := s.d.Conn(ctx)
		var lastErr any
		if why != "" {
			lastErr = why
		}
		if _, err := c.ExecContext(ctx, `UPDATE sharing_outbox SET status = $1, attempts = attempts + 1, last_error = $2,
			delivered_at = $3 WHERE account_id = $4 AND id = $5`, status, lastErr, s.clock.Now(), ag.AccountID, m.ID); err != nil {
			return err
		}
		if why != "" {
			s.log.WarnContext(ctx, "sharing message refused by partner", "agreement_id", ag.ID, "error", why)
		}
		// failure is the last delivery's error, except on an agreement a
		// rename broke, where it says why (breakAgreement): the notice of
		// that break is itself delivered, and must not erase it.
		_, err := c.ExecContext(ctx, `UPDATE sharing_agreements SET failure = $1 WHERE account_id = $2 AND id = $3
			AND status <> $4`, lastErr, ag.AccountID, ag.ID, StatusConfigurationError)
		return err
	})
}

// deliver makes one request to the partner: in process for an account of
// this installation, over the network (behind the SSRF guard) otherwise.
func (s *Service) deliver(ctx context.Context, ag Agreement, m message) (int, string, error) {
	target := strings.TrimSuffix(ag.RemoteURL, "/") + m.Path
	req, err := http.NewRequestWithContext(ctx, m.Method, target, bytes.NewReader([]byte(m.Body)))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Ticket-Sharing-Token", ag.UUID+":"+ag.AccessKey)
	req.Header.Set("X-Ticket-Sharing-Version", "1")
	req.Header.Set("User-Agent", "Parley ticket sharing (NHD 1.0)")
	if ag.local() {
		partner, err := s.accounts.ByID(ctx, *ag.RemoteAccountID)
		if errs.Is(err, errs.NotFound) {
			return http.StatusNotFound, "the partner account no longer exists", nil
		}
		if err != nil {
			return 0, "", err
		}
		if s.local == nil {
			return 0, "", errors.New("share: no local handler wired")
		}
		req.Host = partner.Subdomain + "." + s.base
		req.URL.Path = "/sharing" + m.Path
		rec := &recorder{header: http.Header{}}
		s.local.ServeHTTP(rec, req.WithContext(withLocalSender(ctx, ag.AccountID)))
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		return rec.code, rec.body.String(), nil
	}
	resp, err := s.client.Do(req.WithContext(netguard.WithAccount(ctx, ag.AccountID)))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, string(b), nil
}

// recorder is the response of an in-process request.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// SweepArgs is the periodic job that re-queues outboxes whose delivery
// jobs gave up (a partner down for hours).
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "sharing_sweep" }

// SweepWorker re-queues pending outboxes.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

// NewSweepWorker returns the sweep worker to register with River.
func (s *Service) NewSweepWorker() *SweepWorker { return &SweepWorker{s: s} }

// Work queues one delivery per agreement with messages waiting longer
// than a minute.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	s := w.s
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT DISTINCT account_id, agreement_id FROM sharing_outbox
		WHERE status = 'pending' AND created_at < $1`, s.clock.Now().Add(-time.Minute))
	if err != nil {
		return err
	}
	var due []DeliverArgs
	for rows.Next() {
		var a DeliverArgs
		if err := rows.Scan(&a.AccountID, &a.AgreementID); err != nil {
			rows.Close()
			return err
		}
		due = append(due, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range due {
		if err := s.q.Enqueue(ctx, a, nil); err != nil {
			return err
		}
	}
	return nil
}

// PeriodicJobs is the sweep, every ten minutes (leader only).
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil }, nil)}
}
