package mail_test

import (
	"context"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	pmail "parley/internal/platform/mail"
)

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

type session struct {
	s   *sink
	cur received
}

func (k *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: k}, nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
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
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

func startSink(t *testing.T) (*sink, string) {
	t.Helper()
	k := &sink{}
	srv := smtp.NewServer(k)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return k, ln.Addr().String()
}

func TestSMTPSend(t *testing.T) {
	k, addr := startSink(t)
	s, err := pmail.NewSMTP(pmail.SMTPConfig{Addr: addr, TLS: "none", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), pmail.Message{
		From: "Acme Support <support@acme.example>", To: []string{"jane@customer.example"}, Cc: []string{"boss@customer.example"},
		Subject: "[#42] Printer on fire", Text: "We are on it.", HTML: "<p>We are <b>on it</b>.</p>",
		MessageID: "ticket-42-3@acme.example", InReplyTo: "ticket-42@acme.example",
		References:  []string{"ticket-42@acme.example", "ticket-42-2@acme.example"},
		Headers:     map[string]string{"X-Parley-Ticket": "42"},
		Attachments: []pmail.Attachment{{Name: "log.txt", ContentType: "text/plain", Data: []byte("smoke")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.msgs) != 1 {
		t.Fatalf("sink got %d messages", len(k.msgs))
	}
	got := k.msgs[0]
	if got.from != "support@acme.example" || strings.Join(got.to, ",") != "jane@customer.example,boss@customer.example" {
		t.Fatalf("envelope %s -> %v", got.from, got.to)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(got.data)))
	if err != nil {
		t.Fatal(err)
	}
	for h, want := range map[string]string{
		"Message-Id":      "<ticket-42-3@acme.example>",
		"In-Reply-To":     "<ticket-42@acme.example>",
		"References":      "<ticket-42@acme.example> <ticket-42-2@acme.example>",
		"Subject":         "[#42] Printer on fire",
		"X-Parley-Ticket": "42",
	} {
		if v := m.Header.Get(h); v != want {
			t.Errorf("%s = %q, want %q", h, v, want)
		}
	}
	body, _ := io.ReadAll(m.Body)
	for _, want := range []string{"We are on it.", "<b>on it</b>", "log.txt", "multipart/mixed"} {
		if !strings.Contains(string(body), want) && !strings.Contains(m.Header.Get("Content-Type"), want) {
			t.Errorf("message lacks %q", want)
		}
	}
}

func TestSMTPErrors(t *testing.T) {
	if _, err := pmail.NewSMTP(pmail.SMTPConfig{Addr: "nohost"}); err == nil {
		t.Fatal("address without port accepted")
	}
	if _, err := pmail.NewSMTP(pmail.SMTPConfig{Addr: "a:25", TLS: "sometimes"}); err == nil {
		t.Fatal("unknown TLS policy accepted")
	}
	s, _ := pmail.NewSMTP(pmail.SMTPConfig{Addr: "127.0.0.1:1", TLS: "none", Timeout: time.Second})
	if err := s.Send(context.Background(), pmail.Message{From: "a@b.example", To: []string{"c@d.example"}, Text: "x"}); err == nil {
		t.Fatal("sending to a closed port succeeded")
	}
	if err := s.Send(context.Background(), pmail.Message{From: "a@b.example", Text: "x"}); err == nil {
		t.Fatal("a message without recipients was accepted")
	}
}
