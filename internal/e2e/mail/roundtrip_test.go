// Package mail_test is the end-to-end proof of email in and out: a message
// arrives over SMTP and becomes a ticket, the default trigger acknowledges
// it by mail, an agent's API reply reaches the requester threaded, and the
// requester's emailed answer lands on the same ticket.
package mail_test

import (
	"encoding/json"
	"fmt"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/mail/mailtest"
)

const customer = "carla.customer@example.org"

func send(t *testing.T, addr, to string, headers map[string]string, body string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "From: Carla Customer <%s>\r\nTo: %s\r\nDate: %s\r\n", customer, to, time.Now().UTC().Format(time.RFC1123Z))
	for k, v := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	if err := smtp.SendMail(addr, nil, customer, []string{to}, []byte(b.String())); err != nil {
		t.Fatalf("send mail: %v", err)
	}
}

type ticketList struct {
	Tickets []struct {
		ID          int64  `json:"id"`
		Subject     string `json:"subject"`
		Status      string `json:"status"`
		RequesterID int64  `json:"requester_id"`
		Via         struct {
			Channel string `json:"channel"`
			Source  struct {
				From map[string]any `json:"from"`
				To   map[string]any `json:"to"`
			} `json:"source"`
		} `json:"via"`
	} `json:"tickets"`
}

type commentList struct {
	Comments []struct {
		AuthorID int64  `json:"author_id"`
		Body     string `json:"body"`
		Public   bool   `json:"public"`
		Via      struct {
			Channel string `json:"channel"`
		} `json:"via"`
	} `json:"comments"`
}

// waitFor polls fn until it returns true (the mail pipeline is jobs).
func waitFor(t *testing.T, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if fn() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func msgIDs(h string) []string {
	var out []string
	for _, f := range strings.Fields(h) {
		out = append(out, strings.Trim(f, "<>"))
	}
	return out
}

func TestMailRoundTrip(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			sink := mailtest.Start(t)
			s := apptest.Start(t, d, apptest.WithSMTPRelay(sink.Addr), apptest.WithSMTPListen())
			tn := s.Default
			support := "support@" + tn.Subdomain + "." + apptest.BaseDomain
			do := func(method, path string, body any, out any) {
				t.Helper()
				res := s.Do(t, apptest.Request{Method: method, Path: path, Host: tn.Host, Auth: tn.TokenAuth(), Body: body})
				if res.Status >= 300 {
					t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
				}
				if out != nil {
					if err := json.Unmarshal(res.Body, out); err != nil {
						t.Fatalf("%s %s: decode: %v", method, path, err)
					}
				}
			}

			// 1. The customer writes to the support address.
			send(t, s.SMTPAddr, support, map[string]string{"Subject": "Printer on fire",
				"Message-ID": "<first-1@example.org>"}, "The printer in room 4 is on fire.\nPlease help.")
			var id int64
			var requester int64
			waitFor(t, "the ticket", func() bool {
				var l ticketList
				do("GET", "/api/v2/tickets.json", nil, &l)
				for _, tk := range l.Tickets {
					if tk.Subject == "Printer on fire" {
						if tk.Via.Channel != "email" || tk.Via.Source.From["address"] != customer ||
							!strings.EqualFold(fmt.Sprint(tk.Via.Source.To["address"]), support) {
							t.Fatalf("via = %+v, want email from %s to %s", tk.Via, customer, support)
						}
						id, requester = tk.ID, tk.RequesterID
						return true
					}
				}
				return false
			})

			// 2. The default trigger acknowledges it by mail, threaded on the
			// customer's message.
			ack := sink.Wait(t, 20*time.Second, mailtest.To(customer))
			if !strings.Contains(ack.Header.Get("Subject"), "Printer on fire") {
				t.Errorf("acknowledgement subject = %q", ack.Header.Get("Subject"))
			}
			if !strings.Contains(ack.Body, "has been received") {
				t.Errorf("acknowledgement body lacks the default text: %q", ack.Body)
			}
			if ack.Header.Get("Message-ID") == "" || ack.Header.Get("References") == "" {
				t.Errorf("acknowledgement lacks threading headers: %v", ack.Header)
			}
			if !strings.Contains(ack.Header.Get("In-Reply-To")+ack.Header.Get("References"), "first-1@example.org") {
				t.Errorf("acknowledgement does not thread on the customer's message: In-Reply-To %q References %q",
					ack.Header.Get("In-Reply-To"), ack.Header.Get("References"))
			}

			// The audit of the creation carries the trigger's Notification.
			var audits struct {
				Audits []struct {
					Events []map[string]any `json:"events"`
				} `json:"audits"`
			}
			do("GET", fmt.Sprintf("/api/v2/tickets/%d/audits.json", id), nil, &audits)
			found := false
			for _, au := range audits.Audits {
				for _, e := range au.Events {
					if e["type"] == "Notification" {
						via, _ := e["via"].(map[string]any)
						src, _ := via["source"].(map[string]any)
						if via["channel"] == "rule" && src["rel"] == "trigger" {
							found = true
						}
					}
				}
			}
			if !found {
				t.Errorf("no Notification event with a trigger as source in %v", audits)
			}

			// 3. An agent replies publicly through the API.
			before := len(sink.Messages())
			do("PUT", fmt.Sprintf("/api/v2/tickets/%d.json", id), map[string]any{"ticket": map[string]any{
				"status": "pending", "comment": map[string]any{"body": "We are sending the fire brigade.", "public": true}}}, nil)
			var reply mailtest.Message
			waitFor(t, "the reply mail", func() bool {
				for _, m := range sink.Messages()[before:] {
					if mailtest.To(customer)(m) && strings.Contains(m.Body, "fire brigade") {
						reply = m
						return true
					}
				}
				return false
			})
			refs := msgIDs(reply.Header.Get("References"))
			if reply.Header.Get("In-Reply-To") == "" || len(refs) == 0 {
				t.Fatalf("reply lacks In-Reply-To/References: %v", reply.Header)
			}
			ackRefs := msgIDs(ack.Header.Get("References"))
			if len(ackRefs) == 0 || ackRefs[0] != refs[0] {
				t.Errorf("the acknowledgement and the reply do not share a thread root: %v vs %v", ackRefs, refs)
			}

			// 4. The customer answers the reply from a mail client: only the
			// threading headers point to the ticket (no id in the subject).
			replyID := strings.Trim(reply.Header.Get("Message-ID"), "<>")
			send(t, s.SMTPAddr, support, map[string]string{"Subject": "Re: the fire",
				"Message-ID": "<second-2@example.org>", "In-Reply-To": "<" + replyID + ">",
				"References": "<first-1@example.org> <" + replyID + ">"},
				"Thank you, it is out now.\n\nOn Monday, Support wrote:\n> We are sending the fire brigade.")
			var cl commentList
			waitFor(t, "the emailed reply on the ticket", func() bool {
				do("GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", id), nil, &cl)
				return len(cl.Comments) == 3
			})
			last := cl.Comments[2]
			if last.AuthorID != requester || !last.Public || last.Via.Channel != "email" {
				t.Errorf("emailed reply = %+v, want a public email comment by the requester %d", last, requester)
			}
			if !strings.Contains(last.Body, "it is out now") || strings.Contains(last.Body, "fire brigade") {
				t.Errorf("emailed reply body = %q, want the new text without the quote", last.Body)
			}
			// The requester's answer reopens the pending ticket, and no
			// second ticket was made.
			var l ticketList
			do("GET", "/api/v2/tickets.json", nil, &l)
			n := 0
			for _, tk := range l.Tickets {
				if tk.RequesterID == requester {
					n++
					if tk.ID == id && tk.Status != "open" {
						t.Errorf("status after the requester's reply = %s, want open", tk.Status)
					}
				}
			}
			if n != 1 {
				t.Errorf("the customer has %d tickets, want 1", n)
			}
		})
	}
}
