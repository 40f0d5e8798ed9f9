package notify_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/notify"
	"parley/internal/platform/blob"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/jobs"
	pmail "parley/internal/platform/mail"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/user"
)

var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

const mailDomain = "mail.test"

type settings struct{}

func (settings) SecureDownloads(context.Context, int64) (bool, error) { return false, nil }

// sink is a real SMTP server in the test process that keeps what it gets.
type sink struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	from string
	to   []string
	data []byte
}

type sinkSession struct {
	s   *sink
	cur received
}

func (k *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: k}, nil }

func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.s.mu.Lock()
	s.s.msgs = append(s.s.msgs, s.cur)
	s.s.mu.Unlock()
	return nil
}
func (s *sinkSession) Reset()        { s.cur = received{} }
func (s *sinkSession) Logout() error { return nil }

func startSink(t testing.TB) (*sink, string) {
	t.Helper()
	k := &sink{}
	srv := smtp.NewServer(k)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return k, ln.Addr().String()
}

// wait returns the sink's messages once there are n (fails after 20s).
func (k *sink) wait(t testing.TB, n int) []*mail.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		k.mu.Lock()
		got := len(k.msgs)
		msgs := append([]received{}, k.msgs...)
		k.mu.Unlock()
		if got >= n {
			var out []*mail.Message
			for _, r := range msgs {
				m, err := mail.ReadMessage(strings.NewReader(string(r.data)))
				if err != nil {
					t.Fatalf("sink got an unreadable message: %v\n%s", err, r.data)
				}
				out = append(out, m)
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink got %d messages, want %d", got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// env is one database with the rooms mail needs and two accounts.
type env struct {
	t       testing.TB
	d       *db.DB
	clk     *clock.Fake
	accts   *account.Service
	users   *user.Service
	tickets *ticket.Service
	svc     *notify.Service
	queue   *jobs.Queue
	workers *river.Workers
	relay   *relaySender
	acme    tenant
	beta    tenant
}

type tenant struct {
	id    int64
	sub   string
	owner int64
	admin context.Context
}

func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	clk := clock.NewFake(t0)
	log := slog.New(slog.DiscardHandler)
	b := bulk.NewService(d, clk, log)
	users := user.NewService(d, clk, log, b, user.Options{Argon2: auth.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}})
	files, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tickets := ticket.NewService(d, clk, log, ticket.Users{U: users}, files, settings{}, ticket.Options{})
	accts := account.NewService(d, clk, account.Options{BaseDomain: mailDomain})
	e := &env{t: t, d: d, clk: clk, accts: accts, users: users, tickets: tickets, workers: river.NewWorkers(), relay: &relaySender{}}
	q, err := jobs.New(d, e.workers, log, jobs.Options{Work: true, Workers: 2, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.queue = q
	e.svc = notify.New(d, clk, log, notify.Deps{Tickets: tickets, People: notify.UserDirectory(users),
		Accounts: notify.AccountDirectory(accts), Uploads: notify.TicketUploads(tickets), Queue: q},
		notify.Options{MailDomain: mailDomain, WebDomain: "help.test"})
	river.AddWorker(e.workers, e.svc.NewSendWorker(e.relay))
	e.acme = e.tenant("acme", "Acme Help")
	e.beta = e.tenant("beta", "Beta Desk")
	return e
}

func (e *env) tenant(sub, name string) tenant {
	t := e.t
	ctx := context.Background()
	acct, err := e.accts.Create(ctx, account.New{Subdomain: sub, Name: name})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	owner, err := e.users.Bootstrap(ctx, acct.ID, user.Owner{Name: "Olive Owner", Email: "owner@" + sub + ".example"})
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	if err := e.tickets.BootstrapAccount(ctx, acct.ID); err != nil {
		t.Fatalf("ticket bootstrap: %v", err)
	}
	a, err := e.users.ActorByID(ctx, acct.ID, owner)
	if err != nil {
		t.Fatal(err)
	}
	return tenant{id: acct.ID, sub: sub, owner: owner, admin: auth.WithActor(ctx, a)}
}

// relaySender sends through the relay set by startWorkers.
type relaySender struct {
	mu sync.Mutex
	s  pmail.Sender
}

func (r *relaySender) Send(ctx context.Context, m pmail.Message) error {
	r.mu.Lock()
	s := r.s
	r.mu.Unlock()
	if s == nil {
		return errors.New("no relay yet")
	}
	return s.Send(ctx, m)
}

// startWorkers points the mail worker at a relay and starts the queue.
func (e *env) startWorkers(relay string) {
	e.t.Helper()
	sender, err := pmail.NewSMTP(pmail.SMTPConfig{Addr: relay, TLS: "none", Timeout: 5 * time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	e.relay.mu.Lock()
	e.relay.s = sender
	e.relay.mu.Unlock()
	if err := e.queue.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.queue.Stop(ctx)
	})
}

func (e *env) user(tn tenant, name, email string, role auth.Role) user.User {
	e.t.Helper()
	in := user.Input{Name: opt.Of(name)}
	if email != "" {
		in.Email = opt.Of(email)
	}
	if role != auth.RoleEndUser {
		in.Role = opt.Of(string(role))
	}
	u, err := e.users.CreateUser(tn.admin, in)
	if err != nil {
		e.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func (e *env) actor(tn tenant, uid int64) auth.Actor {
	e.t.Helper()
	a, err := e.users.ActorByID(context.Background(), tn.id, uid)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) ticketCount(tn tenant) int {
	e.t.Helper()
	var n int
	if err := e.d.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM tickets WHERE account_id = $1`, tn.id).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) load(tn tenant, id int64) ticket.Ticket {
	e.t.Helper()
	tk, err := e.tickets.Load(context.Background(), tn.id, id)
	if err != nil {
		e.t.Fatalf("Load(%d): %v", id, err)
	}
	return tk
}

func (e *env) comments(tn tenant, id int64) []ticket.Comment {
	e.t.Helper()
	cs, err := e.tickets.RecentComments(context.Background(), tn.id, id, 50)
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

// receive runs one raw message through Receive.
func (e *env) receive(raw string, envl notify.Envelope) (notify.Result, error) {
	return e.svc.Receive(context.Background(), strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")), envl)
}

func (e *env) mustReceive(raw string) notify.Result {
	e.t.Helper()
	r, err := e.receive(raw, notify.Envelope{})
	if err != nil {
		e.t.Fatalf("Receive: %v\n%s", err, raw)
	}
	return r
}
