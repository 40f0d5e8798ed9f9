package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"parley/internal/auth"
	"parley/internal/notify"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/ticket"
)

func msg(headers, body string) string {
	return strings.TrimLeft(headers, "\n") + "\n" + body
}

const newMail = `
From: Jane Doe <Jane@Customer.example>
To: Acme Support <support@acme.mail.test>, Bob Boss <bob@customer.example>
Cc: carol@partner.example, support@beta.mail.test
Subject: Printer on fire
Message-ID: <first-1@customer.example>
Date: Fri, 01 Mar 2024 09:00:00 +0000
Content-Type: text/plain; charset=utf-8
`

func TestReceiveNewTicket(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.mustReceive(msg(newMail, "It is smoking.\nPlease help.\n"))
		if r.Action != notify.Created || r.TicketID == 0 || r.CommentID == 0 || r.AccountID != e.acme.id {
			t.Fatalf("result %+v, want a created ticket in acme", r)
		}
		tk := e.load(e.acme, r.TicketID)
		if tk.Subject != "Printer on fire" || tk.Via.Channel != "email" {
			t.Errorf("ticket subject %q via %q", tk.Subject, tk.Via.Channel)
		}
		var src struct {
			From struct{ Address, Name string }
			To   struct{ Address, Name string }
			Rel  *string
		}
		if err := json.Unmarshal(tk.Via.Source, &src); err != nil {
			t.Fatal(err)
		}
		if src.From.Address != "jane@customer.example" || src.From.Name != "Jane Doe" ||
			src.To.Address != "support@acme.mail.test" || src.To.Name != "Acme Help" || src.Rel != nil {
			t.Errorf("via source %s", tk.Via.Source)
		}
		// The requester was created on the fly as an end user.
		req, err := e.users.LookupEmail(context.Background(), e.acme.id, "jane@customer.example")
		if err != nil || req.Role != auth.RoleEndUser || req.Name != "Jane Doe" || tk.RequesterID != req.ID {
			t.Fatalf("requester %+v (%v), ticket requester %d", req, err, tk.RequesterID)
		}
		// CCs from To and Cc, without support addresses and the sender.
		var ccs []string
		for _, id := range tk.EmailCCIDs {
			u, err := e.users.Lookup(context.Background(), e.acme.id, id)
			if err != nil {
				t.Fatal(err)
			}
			ccs = append(ccs, *u.Email)
		}
		if strings.Join(ccs, ",") != "bob@customer.example,carol@partner.example" {
			t.Errorf("CCs %v", ccs)
		}
		cs := e.comments(e.acme, r.TicketID)
		if len(cs) != 1 || !cs[0].Public || cs[0].AuthorID != req.ID || cs[0].Body != "It is smoking.\nPlease help." {
			t.Fatalf("comments %+v", cs)
		}
		// The same message delivered again is not a second ticket.
		again := e.mustReceive(msg(newMail, "It is smoking.\nPlease help.\n"))
		if again.Action != notify.Dropped || again.Reason != "duplicate" || e.ticketCount(e.acme) != 1 {
			t.Fatalf("redelivery: %+v, %d tickets", again, e.ticketCount(e.acme))
		}
		// Nothing reached the other account.
		if e.ticketCount(e.beta) != 0 {
			t.Fatal("beta got a ticket")
		}
	})
}

func TestReceiveReplies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		first := e.mustReceive(msg(newMail, "It is smoking."))
		id := first.TicketID

		// 1. By threading header: a reply to the customer's own first message.
		r := e.mustReceive(msg(`
From: Jane Doe <jane@customer.example>
To: support@acme.mail.test
Subject: Re: Printer on fire
Message-ID: <reply-1@customer.example>
In-Reply-To: <first-1@customer.example>
References: <first-1@customer.example>
`, "Now it is worse.\n\nOn Fri, Mar 1, 2024 at 9:00 AM Acme Help <support@acme.mail.test>\nwrote:\n> It is smoking.\n"))
		if r.Action != notify.Updated || r.TicketID != id {
			t.Fatalf("threaded reply: %+v", r)
		}
		cs := e.comments(e.acme, id)
		if cs[0].Body != "Now it is worse." || !cs[0].Public || cs[0].Via.Channel != "email" {
			t.Fatalf("reply comment %q (quoted text must be stripped)", cs[0].Body)
		}

		// 2. By plus address (no headers, other subject).
		r = e.mustReceive(msg(`
From: jane@customer.example
To: support+id`+fmt.Sprint(id)+`@acme.mail.test
Subject: something else
Message-ID: <reply-2@customer.example>
`, "Plus addressed.\n-----Original Message-----\nFrom: Acme\nold stuff"))
		if r.Action != notify.Updated || r.TicketID != id || e.comments(e.acme, id)[0].Body != "Plus addressed." {
			t.Fatalf("plus-addressed reply: %+v %q", r, e.comments(e.acme, id)[0].Body)
		}

		// 3. By ticket id in the subject, from a CC.
		r = e.mustReceive(msg(`
From: Bob Boss <bob@customer.example>
To: support@acme.mail.test
Subject: Re: [#`+fmt.Sprint(id)+`] Printer on fire
Message-ID: <reply-3@customer.example>
`, "Bob here."))
		if r.Action != notify.Updated || r.TicketID != id {
			t.Fatalf("subject-id reply from a CC: %+v", r)
		}

		// 4. The subject id from a stranger is a new ticket, not a comment on
		// someone else's ticket.
		r = e.mustReceive(msg(`
From: mallory@evil.example
To: support@acme.mail.test
Subject: Request #`+fmt.Sprint(id)+`
Message-ID: <evil-1@evil.example>
`, "Let me in."))
		if r.Action != notify.Created || r.TicketID == id {
			t.Fatalf("stranger's subject id: %+v", r)
		}
		for _, c := range e.comments(e.acme, id) {
			if strings.Contains(c.Body, "Let me in") {
				t.Fatal("a stranger commented on another requester's ticket")
			}
		}

		// 5. An agent replying by email comments publicly as the agent.
		agent := e.user(e.acme, "Sam Agent", "sam@acme.example", auth.RoleAgent)
		r = e.mustReceive(msg(`
From: Sam Agent <sam@acme.example>
To: support+id`+fmt.Sprint(id)+`@acme.mail.test
Subject: Re: Printer on fire
Message-ID: <agent-1@acme.example>
`, "Technician on the way."))
		cs = e.comments(e.acme, id)
		if r.Action != notify.Updated || cs[0].AuthorID != agent.ID || !cs[0].Public {
			t.Fatalf("agent reply: %+v, comment %+v", r, cs[0])
		}
		if tk := e.load(e.acme, id); len(tk.EmailCCIDs) != 2 {
			t.Errorf("CCs changed by replies: %v", tk.EmailCCIDs)
		}
	})
}

func TestReceiveReplyToNotification(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		first := e.mustReceive(msg(newMail, "Hello"))
		// A notification went out; the customer answers it.
		w := &ticket.Write{Actor: ticket.SystemActor(e.acme.id), Ticket: e.load(e.acme, first.TicketID)}
		if _, err := e.svc.Notify(context.Background(), w, ruleNote(false, "requester_id", "Re: {{ticket.title}}", "{{ticket.latest_comment}}"),
			ticket.RuleRef{Kind: "trigger", ID: 1, Title: "notify"}); err != nil {
			t.Fatal(err)
		}
		var out string
		if err := d.Reader().QueryRowContext(context.Background(), `SELECT message_id FROM mail_messages WHERE account_id = $1
			AND direction = 'out'`, e.acme.id).Scan(&out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out, fmt.Sprintf("ticket-%d-", first.TicketID)) || !strings.HasSuffix(out, "@acme.mail.test") {
			t.Fatalf("outgoing message id %q", out)
		}
		// A reply from someone new (a forwarded thread) still lands, because
		// the random Message-ID proves it answers our mail.
		r := e.mustReceive(msg(`
From: dave@customer.example
To: support@acme.mail.test
Subject: Re: Re: Printer on fire
Message-ID: <dave-1@customer.example>
In-Reply-To: <`+out+`>
`, "Dave adds something."))
		if r.Action != notify.Updated || r.TicketID != first.TicketID {
			t.Fatalf("reply to a notification: %+v", r)
		}
		// The stable thread id is guessable, so it needs a participant.
		thread := fmt.Sprintf("ticket-%d-%d@acme.mail.test", e.acme.id, first.TicketID)
		r = e.mustReceive(msg(`
From: jane@customer.example
To: support@acme.mail.test
Subject: no id here
Message-ID: <jane-9@customer.example>
References: <unknown@x.example> <`+thread+`>
`, "Via the thread id."))
		if r.Action != notify.Updated || r.TicketID != first.TicketID {
			t.Fatalf("reply by thread id: %+v", r)
		}
	})
}

func TestReceiveFollowup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		first := e.mustReceive(msg(newMail, "Hello"))
		if _, err := d.Writer().ExecContext(context.Background(), `UPDATE tickets SET status = 'closed' WHERE account_id = $1 AND id = $2`,
			e.acme.id, first.TicketID); err != nil {
			t.Fatal(err)
		}
		r := e.mustReceive(msg(`
From: jane@customer.example
To: support@acme.mail.test
Subject: Re: Printer on fire
Message-ID: <late@customer.example>
In-Reply-To: <first-1@customer.example>
`, "It is back."))
		if r.Action != notify.Followup || r.TicketID == first.TicketID {
			t.Fatalf("reply to a closed ticket: %+v", r)
		}
		tk := e.load(e.acme, r.TicketID)
		if tk.FollowupSourceID == nil || *tk.FollowupSourceID != first.TicketID || tk.Via.Channel != "email" {
			t.Fatalf("follow-up %+v", tk)
		}
		if len(e.comments(e.acme, first.TicketID)) != 1 {
			t.Fatal("the closed ticket got a comment")
		}
	})
}

func TestReceiveAttachmentsAndHTML(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.mustReceive(msg(`
From: Jane <jane@customer.example>
To: support@acme.mail.test
Subject: Logs attached
Message-ID: <att-1@customer.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"
`, `--XX
Content-Type: text/plain; charset=utf-8

See the log.
--XX
Content-Type: text/plain; name="log.txt"
Content-Disposition: attachment; filename="log.txt"

line one
line two
--XX
Content-Type: image/png
Content-Disposition: attachment; filename="shot.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--XX--
`))
		cs := e.comments(e.acme, r.TicketID)
		if len(cs) != 1 || cs[0].Body != "See the log." {
			t.Fatalf("comment %+v", cs)
		}
		var names []string
		for _, a := range cs[0].Attachments {
			names = append(names, a.FileName+":"+a.ContentType+":"+fmt.Sprint(a.Size))
		}
		if strings.Join(names, ",") != "log.txt:text/plain:18,shot.png:image/png:8" {
			t.Fatalf("attachments %v", names)
		}

		r = e.mustReceive(msg(`
From: Jane <jane@customer.example>
To: support@acme.mail.test
Subject: HTML only
Message-ID: <html-1@customer.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
`, `<p>Hello <b>team</b>,</p><p>the printer is <i>still</i> broken.</p><script>alert(1)</script>`))
		c := e.comments(e.acme, r.TicketID)[0]
		if !strings.Contains(c.Body, "team") || strings.Contains(c.Body, "<b>") {
			t.Errorf("HTML-only body as text: %q", c.Body)
		}
		if !strings.Contains(c.HTMLBody, "<b>team</b>") || strings.Contains(c.HTMLBody, "<script>") {
			t.Errorf("HTML-only html_body: %q", c.HTMLBody)
		}
	})
}

func TestReceiveDropsMachines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		base := "From: jane@customer.example\nTo: support@acme.mail.test\nSubject: Out of office\n"
		cases := []struct {
			name, raw string
			envl      notify.Envelope
		}{
			{"auto-submitted", base + "Auto-Submitted: auto-replied\nMessage-ID: <a1@x>\n", notify.Envelope{}},
			{"x-autoreply", base + "X-Autoreply: yes\n", notify.Envelope{}},
			{"x-autorespond", base + "X-Autorespond: yes\n", notify.Envelope{}},
			{"precedence bulk", base + "Precedence: bulk\n", notify.Envelope{}},
			{"precedence list", base + "Precedence: list\n", notify.Envelope{}},
			{"null return path", "Return-Path: <>\n" + base, notify.Envelope{}},
			{"null smtp sender", base, notify.Envelope{From: "", To: []string{"support@acme.mail.test"}}},
			{"mailer-daemon", "From: MAILER-DAEMON@mx.customer.example\nTo: support@acme.mail.test\nSubject: Undelivered\n", notify.Envelope{}},
			{"delivery report", base + "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n", notify.Envelope{}},
			{"our own message", base + "Message-ID: <ticket-1-abcdef@acme.mail.test>\n", notify.Envelope{}},
			{"from a support address", "From: support@beta.mail.test\nTo: support@acme.mail.test\nSubject: hi\n", notify.Envelope{}},
		}
		for _, c := range cases {
			raw := c.raw + "\n"
			if strings.Contains(raw, "multipart/report") {
				raw += "--b\nContent-Type: text/plain\n\nDelivery failed.\n--b--\n"
			} else {
				raw += "I am away.\n"
			}
			r, err := e.receive(raw, c.envl)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if r.Action != notify.Dropped || r.Reason == "" {
				t.Errorf("%s: %+v, want dropped with a reason", c.name, r)
			}
		}
		// Auto-Submitted: no is a person.
		if r := e.mustReceive(base + "Auto-Submitted: no\n\nReal person.\n"); r.Action != notify.Created {
			t.Errorf("Auto-Submitted: no: %+v", r)
		}
		if n := e.ticketCount(e.acme); n != 1 {
			t.Fatalf("%d tickets, want only the person's", n)
		}
		// A suspended requester is dropped.
		u := e.user(e.acme, "Spammer", "spam@spam.example", auth.RoleEndUser)
		if err := e.users.Suspend(context.Background(), e.acme.id, u.ID); err != nil {
			t.Fatal(err)
		}
		if r := e.mustReceive("From: spam@spam.example\nTo: support@acme.mail.test\nSubject: buy\n\nbuy now\n"); r.Action != notify.Dropped {
			t.Fatalf("suspended sender: %+v", r)
		}
	})
}

func TestReceiveRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		cases := []struct {
			name, raw string
			kind      errs.Kind
		}{
			{"unknown account", "From: a@b.example\nTo: support@nobody.mail.test\nSubject: x\n\nbody\n", errs.NotFound},
			{"foreign domain", "From: a@b.example\nTo: someone@elsewhere.example\nSubject: x\n\nbody\n", errs.NotFound},
			{"nested domain", "From: a@b.example\nTo: support@x.acme.mail.test\nSubject: x\n\nbody\n", errs.NotFound},
			{"no from", "To: support@acme.mail.test\nSubject: x\n\nbody\n", errs.BadRequest},
			{"bad from", "From: not an address\nTo: support@acme.mail.test\nSubject: x\n\nbody\n", errs.BadRequest},
			{"empty", "", errs.BadRequest},
			{"garbage", "\x00\x01\x02 this is not mail", errs.BadRequest},
		}
		for _, c := range cases {
			r, err := e.receive(c.raw, notify.Envelope{})
			if err == nil || errs.KindOf(err) != c.kind {
				t.Errorf("%s: %+v, %v; want a %v error", c.name, r, err, c.kind)
			}
		}
		if _, err := e.receive("From: a@b.example\nTo: x@y.example\n\nbody", notify.Envelope{To: []string{"support@nobody.mail.test"}}); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown envelope recipient: %v", err)
		}
		if e.ticketCount(e.acme)+e.ticketCount(e.beta) != 0 {
			t.Fatal("a refused message made a ticket")
		}
		if notify.ExitCode(nil) != 0 || notify.ExitCode(errs.E(errs.NotFound, "")) != 67 ||
			notify.ExitCode(errs.E(errs.BadRequest, "")) != 65 || notify.ExitCode(errs.E(errs.Internal, "")) != 75 {
			t.Error("ExitCode mapping")
		}
	})
}

func TestStripQuoted(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Thanks!\n\nOn Mon, Jan 1, 2024 at 10:00 AM Acme <support@acme.example> wrote:\n> old\n> older", "Thanks!"},
		{"Thanks!\nOn Mon, Jan 1, 2024 at 10:00 AM Acme <support@acme.example>\nwrote:\n> old", "Thanks!"},
		{"Fixed.\n\n-----Original Message-----\nFrom: Acme\nSent: today\nold", "Fixed."},
		{"Fixed.\n________________________________\nFrom: Acme\nSent: today", "Fixed."},
		{"Yes.\nFrom: Acme Support <support@acme.example>\nSent: Monday\nSubject: x", "Yes."},
		{"Merci.\n\nLe lun. 1 janv. 2024 à 10:00, Acme <s@a.example> a écrit :\n> vieux", "Merci."},
		{"Grazie.\n\nIl giorno lun 1 gen 2024 alle 10:00 Acme <s@a.example> ha scritto:\n> vecchio", "Grazie."},
		{"Danke.\n\nAm 01.01.2024 um 10:00 schrieb Acme <s@a.example>:\n> alt", "Danke."},
		{"Gracias.\n\nEl lun, 1 ene 2024 a las 10:00, Acme (<s@a.example>) escribió:\n> viejo", "Gracias."},
		{"top\n> quoted inline\nbottom", "top\nbottom"},
		{"> only quoted\n> text", "> only quoted\n> text"},
		{"From: the start of a sentence is fine\nand more", "From: the start of a sentence is fine\nand more"},
		{"plain", "plain"},
	}
	for _, c := range cases {
		if got := notify.StripQuoted(c.in); got != c.want {
			t.Errorf("StripQuoted(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func ruleNote(group bool, recipient, subject, body string) notifyNote {
	return notifyNote{Group: group, Recipient: recipient, Subject: subject, Body: body}
}
