package notify_test

import (
	"context"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// TestSMTPListener drives the listener with a real SMTP client.
func TestSMTPListener(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.svc.ServeSMTP(ctx, ln) }()
		defer func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("ServeSMTP: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("ServeSMTP did not stop")
			}
		}()
		addr := ln.Addr().String()
		body := strings.ReplaceAll("From: Jane Doe <jane@customer.example>\nTo: support@acme.mail.test\n"+
			"Subject: By SMTP\nMessage-ID: <smtp-1@customer.example>\n\nHello over SMTP.\n", "\n", "\r\n")
		if err := smtp.SendMail(addr, nil, "jane@customer.example", []string{"support@acme.mail.test"}, []byte(body)); err != nil {
			t.Fatalf("SendMail: %v", err)
		}
		if n := e.ticketCount(e.acme); n != 1 {
			t.Fatalf("%d tickets after SMTP delivery", n)
		}
		cs := e.comments(e.acme, 1)
		if len(cs) != 1 || cs[0].Body != "Hello over SMTP." {
			t.Fatalf("comments %+v", cs)
		}

		// A recipient of no account is refused at RCPT with 550.
		c, err := smtp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Mail("jane@customer.example"); err != nil {
			t.Fatal(err)
		}
		err = c.Rcpt("support@nobody.mail.test")
		if err == nil || !strings.HasPrefix(err.Error(), "550") {
			t.Fatalf("unknown recipient: %v, want 550", err)
		}
		if err := c.Rcpt("info@elsewhere.example"); err == nil || !strings.HasPrefix(err.Error(), "550") {
			t.Fatalf("foreign recipient: %v, want 550", err)
		}
		// A malformed message is refused with 554, and makes no ticket.
		if err := c.Rcpt("support@acme.mail.test"); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("To: support@acme.mail.test\r\nSubject: no sender\r\n\r\nx\r\n"))
		if err := w.Close(); err == nil || !strings.HasPrefix(err.Error(), "554") {
			t.Fatalf("malformed message: %v, want 554", err)
		}
		_ = c.Quit()

		// A bounce (null sender) is accepted and dropped.
		c, err = smtp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Mail(""); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("support@acme.mail.test"); err != nil {
			t.Fatal(err)
		}
		w, err = c.Data()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("From: someone@customer.example\r\nTo: support@acme.mail.test\r\nSubject: Undeliverable\r\n\r\nbounce\r\n"))
		if err := w.Close(); err != nil {
			t.Fatalf("bounce refused: %v", err)
		}
		_ = c.Quit()
		if n := e.ticketCount(e.acme); n != 1 {
			t.Fatalf("%d tickets, want 1", n)
		}
	})
}
