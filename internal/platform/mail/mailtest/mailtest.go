// Package mailtest runs a real SMTP server inside a test process that keeps
// every message it receives, so tests check outbound mail over the wire.
package mailtest

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received message: the envelope and the parsed header
// and body (the raw bytes too, for MIME checks).
type Message struct {
	From   string
	To     []string
	Raw    []byte
	Header mail.Header
	Body   string
}

// Sink is a running SMTP server.
type Sink struct {
	// Addr is host:port to relay to.
	Addr string

	mu     sync.Mutex
	msgs   []Message
	notify chan struct{}
}

// Start runs a sink on a random loopback port until the test ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	k := &Sink{notify: make(chan struct{}, 1)}
	srv := smtp.NewServer(backend{k})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	k.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return k
}

// Messages returns what has arrived so far.
func (k *Sink) Messages() []Message {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Message(nil), k.msgs...)
}

// Wait returns the first message (in arrival order) for which match is
// true, or fails the test after timeout.
func (k *Sink) Wait(t testing.TB, timeout time.Duration, match func(Message) bool) Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		for _, m := range k.Messages() {
			if match(m) {
				return m
			}
		}
		select {
		case <-k.notify:
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			var got []string
			for _, m := range k.Messages() {
				got = append(got, strings.Join(m.To, ",")+": "+m.Header.Get("Subject"))
			}
			t.Fatalf("mailtest: no matching message within %s; got %d: %q", timeout, len(got), got)
		}
	}
}

// To matches messages whose envelope recipients include addr.
func To(addr string) func(Message) bool {
	return func(m Message) bool {
		for _, r := range m.To {
			if strings.EqualFold(r, addr) {
				return true
			}
		}
		return false
	}
}

type backend struct{ k *Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{k: b.k}, nil }

type session struct {
	k   *Sink
	cur Message
}

func (s *session) AuthPlain(string, string) error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.From = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Raw = b
	if m, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		s.cur.Header = m.Header
		body, _ := io.ReadAll(m.Body)
		s.cur.Body = string(body)
	}
	s.k.mu.Lock()
	s.k.msgs = append(s.k.msgs, s.cur)
	s.k.mu.Unlock()
	select {
	case s.k.notify <- struct{}{}:
	default:
	}
	s.cur = Message{}
	return nil
}
func (s *session) Reset()        { s.cur = Message{} }
func (s *session) Logout() error { return nil }
