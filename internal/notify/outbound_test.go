package notify_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"parley/internal/auth"
	"parley/internal/notify"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/ticket"
	"parley/internal/user"
)

type notifyNote = rule.Notification

// hookFunc lets a test act inside ticket writes, as the trigger room does.
type hookFunc func(ctx context.Context, w *ticket.Write) error

func (h hookFunc) AfterWrite(ctx context.Context, w *ticket.Write) error { return h(ctx, w) }

// cast is the people of the notification tests.
type cast struct {
	jane, bob, sus, bot, nomail user.User
	sam, ann                    user.User
	group                       int64
	ticket                      int64
}

func (e *env) cast() cast {
	e.t.Helper()
	var c cast
	c.sam = e.user(e.acme, "Sam Agent", "sam@acme.example", auth.RoleAgent)
	c.ann = e.user(e.acme, "Ann Agent", "ann@acme.example", auth.RoleAgent)
	g, err := e.users.CreateGroup(e.acme.admin, user.GroupInput{Name: opt.Of("Tier 2")})
	if err != nil {
		e.t.Fatal(err)
	}
	c.group = g.ID
	for _, u := range []int64{c.sam.ID, c.ann.ID} {
		if _, err := e.users.CreateGroupMembership(e.acme.admin, user.MembershipInput{UserID: opt.Of(u), GroupID: opt.Of(g.ID)}); err != nil {
			e.t.Fatal(err)
		}
	}
	c.bob = e.user(e.acme, "Bob Boss", "bob@customer.example", auth.RoleEndUser)
	c.sus = e.user(e.acme, "Sus Pended", "sus@customer.example", auth.RoleEndUser)
	c.bot = e.user(e.acme, "Other Desk", "support@beta.mail.test", auth.RoleEndUser)
	c.nomail = e.user(e.acme, "No Mail", "", auth.RoleEndUser)
	if err := e.users.Suspend(context.Background(), e.acme.id, c.sus.ID); err != nil {
		e.t.Fatal(err)
	}
	r := e.mustReceive(msg(`
From: Jane Doe <jane@customer.example>
To: support@acme.mail.test
Subject: Printer on fire
Message-ID: <first-1@customer.example>
`, "It is smoking."))
	c.ticket = r.TicketID
	var err2 error
	c.jane, err2 = e.users.LookupEmail(context.Background(), e.acme.id, "jane@customer.example")
	if err2 != nil {
		e.t.Fatal(err2)
	}
	ccs := []ticket.CCChange{}
	for _, u := range []int64{c.bob.ID, c.sus.ID, c.bot.ID, c.nomail.ID} {
		ccs = append(ccs, ticket.CCChange{UserID: opt.Of(u), Action: "put"})
	}
	_, _, err = e.tickets.UpdateAs(context.Background(), e.actor(e.acme, e.acme.owner), c.ticket, ticket.Input{
		AssigneeID: opt.Of(c.sam.ID), GroupID: opt.Of(c.group), EmailCCs: opt.Of(ccs),
		Comment: opt.Of(ticket.CommentInput{Body: "internal: check the wiring", Public: opt.Of(false)}),
	}, ticket.Via{})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func TestNotifyRecipients(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		c := e.cast()
		tk := e.load(e.acme, c.ticket)
		w := &ticket.Write{Actor: e.actor(e.acme, c.sam.ID), Ticket: tk}
		src := ticket.RuleRef{Kind: "trigger", ID: 9, Title: "Notify"}
		cases := []struct {
			group     bool
			recipient string
			want      []int64
		}{
			// Suspended, address-less and own-domain CCs get nothing; the
			// actor (Sam) is not mailed about his own update.
			{false, "requester_and_ccs", []int64{c.jane.ID, c.bob.ID}},
			{false, "requester_id", []int64{c.jane.ID}},
			{false, "assignee_id", []int64{}},
			{false, "current_user", []int64{c.sam.ID}},
			{false, "all_agents", []int64{e.acme.owner, c.ann.ID}},
			{false, fmt.Sprint(c.bob.ID), []int64{c.bob.ID}},
			{false, fmt.Sprint(c.sus.ID), []int64{}},
			{false, fmt.Sprint(c.sam.ID), []int64{c.sam.ID}},
			{false, "999999", []int64{}},
			{false, "nonsense", []int64{}},
			{true, "group_id", []int64{c.ann.ID}},
			{true, fmt.Sprint(c.group), []int64{c.ann.ID}},
			{true, "424242", []int64{}},
		}
		for _, cs := range cases {
			got, err := e.svc.Notify(context.Background(), w, notifyNote{Group: cs.group, Recipient: cs.recipient, Subject: "s", Body: "b"}, src)
			if err != nil {
				t.Fatalf("%s: %v", cs.recipient, err)
			}
			slices.Sort(got)
			slices.Sort(cs.want)
			if !slices.Equal(got, cs.want) {
				t.Errorf("Notify(group=%v, %q) mailed %v, want %v", cs.group, cs.recipient, got, cs.want)
			}
		}
		// Assignee when someone else acts.
		w.Actor = e.actor(e.acme, c.ann.ID)
		if got, _ := e.svc.Notify(context.Background(), w, notifyNote{Recipient: "assignee_id", Subject: "s", Body: "b"}, src); !slices.Equal(got, []int64{c.sam.ID}) {
			t.Errorf("assignee_id mailed %v", got)
		}
		// A group notification for a ticket without a group mails nobody.
		w.Ticket.GroupID = nil
		if got, _ := e.svc.Notify(context.Background(), w, notifyNote{Group: true, Recipient: "group_id", Subject: "s", Body: "b"}, src); len(got) != 0 {
			t.Errorf("group_id without a group mailed %v", got)
		}
	})
}

func TestNotifyDelivers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		k, relay := startSink(t)
		c := e.cast()
		var mailed []int64
		e.tickets.AddHook(hookFunc(func(ctx context.Context, w *ticket.Write) error {
			if w.Actor.UserID != c.sam.ID {
				return nil
			}
			ids, err := e.svc.Notify(ctx, w, notifyNote{Recipient: "requester_and_ccs",
				Subject: "[{{ticket.account}}] Re: {{ticket.title}}",
				Body: "Hi {{ticket.requester.first_name}},\n\n{{ticket.latest_comment}}\n\n" +
					"{{ticket.comments_formatted}}\n{{current_user.name}} ({{ticket.group.name}})"},
				ticket.RuleRef{Kind: "trigger", ID: 1, Title: "Notify requester"})
			mailed = ids
			return err
		}))
		if _, _, err := e.tickets.UpdateAs(context.Background(), e.actor(e.acme, c.sam.ID), c.ticket, ticket.Input{
			Comment: opt.Of(ticket.CommentInput{Body: "We are on it <now> & soon.", Public: opt.Of(true)}),
		}, ticket.Via{}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(mailed)
		want := []int64{c.jane.ID, c.bob.ID}
		slices.Sort(want)
		if !slices.Equal(mailed, want) {
			t.Fatalf("mailed %v, want %v", mailed, want)
		}
		e.startWorkers(relay)
		msgs := k.wait(t, 2)
		var tos []string
		for _, m := range msgs {
			tos = append(tos, m.Header.Get("To"))
			thread := fmt.Sprintf("<ticket-%d-%d@acme.mail.test>", e.acme.id, c.ticket)
			for h, want := range map[string]string{
				"From":             `"Acme Help" <support@acme.mail.test>`,
				"Reply-To":         fmt.Sprintf(`"Acme Help" <support+id%d@acme.mail.test>`, c.ticket),
				"Subject":          "[Acme Help] Re: Printer on fire",
				"In-Reply-To":      "<first-1@customer.example>",
				"References":       thread + " <first-1@customer.example>",
				"Auto-Submitted":   "auto-generated",
				"X-Parley-Ticket":  fmt.Sprint(c.ticket),
				"X-Parley-Account": "acme",
			} {
				if got := m.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			id := m.Header.Get("Message-Id")
			if !strings.HasPrefix(id, fmt.Sprintf("<ticket-%d-", c.ticket)) || !strings.HasSuffix(id, "@acme.mail.test>") {
				t.Errorf("Message-Id %q", id)
			}
			raw, _ := io.ReadAll(m.Body)
			body := string(raw)
			for _, want := range []string{"Hi Jane,", "We are on it <now> & soon.", "Sam Agent (Tier 2)", "text/html",
				"We are on it &lt;now&gt; &amp; soon.", "It is smoking."} {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q:\n%s", want, body)
				}
			}
			if strings.Contains(body, "check the wiring") {
				t.Errorf("an internal note was mailed to an end user:\n%s", body)
			}
		}
		slices.Sort(tos)
		if strings.Join(tos, ";") != `"Bob Boss" <bob@customer.example>;"Jane Doe" <jane@customer.example>` {
			t.Errorf("To headers %v", tos)
		}

		// Jane answers the notification: it lands on the ticket.
		r := e.mustReceive(msg(`
From: Jane Doe <jane@customer.example>
To: support+id`+fmt.Sprint(c.ticket)+`@acme.mail.test
Subject: Re: [Acme Help] Re: Printer on fire
Message-ID: <jane-2@customer.example>
In-Reply-To: `+msgs[0].Header.Get("Message-Id")+`
`, "Thanks!\n\nOn Fri, Acme Help wrote:\n> Hi Jane"))
		if r.Action != notify.Updated || r.TicketID != c.ticket || e.comments(e.acme, c.ticket)[0].Body != "Thanks!" {
			t.Fatalf("reply to the notification: %+v", r)
		}
	})
}
