package notify_test

import (
	"bytes"
	"context"
	"testing"

	"parley/internal/notify"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// FuzzReceive feeds raw bytes to the inbound path: parsing, routing,
// classification and ticket writes must never panic, and every outcome is
// a Result or an error. Every input touches the database, so minimising is
// slow: fuzz with -fuzzminimizetime 1x.
func FuzzReceive(f *testing.F) {
	seeds := []string{
		msg(newMail, "hello"),
		"From: a@b.example\r\nTo: support@acme.mail.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nAAA\r\n--x--\r\n",
		"From: a@b.example\r\nTo: support+id1@acme.mail.test\r\nIn-Reply-To: <ticket-1-2@acme.mail.test>\r\nSubject: [#1]\r\n\r\n> q\r\n",
		"From: =?utf-8?B?SsOpcsO0bWU=?= <j@b.example>\r\nTo: support@acme.mail.test\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>caf=E9</p>\r\n",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"\"\r\n\r\n",
		"\x00\xff",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	d := dbtest.Open(f, db.SQLite)
	e := newEnv(f, d)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := e.svc.Receive(context.Background(), bytes.NewReader(raw), notify.Envelope{})
		if err == nil {
			switch r.Action {
			case notify.Created, notify.Updated, notify.Followup:
				if r.TicketID == 0 {
					t.Fatalf("%s without a ticket", r.Action)
				}
			case notify.Dropped:
				if r.Reason == "" {
					t.Fatal("dropped without a reason")
				}
			default:
				t.Fatalf("unknown action %q", r.Action)
			}
		}
	})
}
