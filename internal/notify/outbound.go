package notify

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	gomail "github.com/wneessen/go-mail"

	"parley/internal/auth"
	"parley/internal/placeholder"
	pmail "parley/internal/platform/mail"
	"parley/internal/rule"
	"parley/internal/ticket"
)

// Recipient values of notification actions (reference §5.3).
const (
	RecipientRequester       = "requester_id"
	RecipientAssignee        = "assignee_id"
	RecipientCurrentUser     = "current_user"
	RecipientAllAgents       = "all_agents"
	RecipientRequesterAndCCs = "requester_and_ccs"
	RecipientTicketGroup     = "group_id"
)

// Notify sends the notification n of rule src about the write w: it
// resolves the recipients, renders subject and body with placeholders, and
// enqueues one mail job per recipient inside the write's transaction. It
// returns the ids of the users mailed, for the Notification audit event
// the caller records. Users without email, suspended users, addresses of
// this installation, and the author of the write (unless named as
// current_user) get nothing. A template that fails to render is sent as
// written rather than failing the ticket write.
func (s *Service) Notify(ctx context.Context, w *ticket.Write, n rule.Notification, src ticket.RuleRef) ([]int64, error) {
	var sent []int64
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		sent, err = s.notify(ctx, w, n, src)
		return err
	})
	return sent, err
}

func (s *Service) notify(ctx context.Context, w *ticket.Write, n rule.Notification, src ticket.RuleRef) ([]int64, error) {
	t := w.Ticket
	acct, err := s.deps.Accounts.AccountByID(ctx, t.AccountID)
	if err != nil {
		return nil, fmt.Errorf("notify: account %d: %w", t.AccountID, err)
	}
	ids, err := s.recipients(ctx, w, n)
	if err != nil {
		return nil, err
	}
	var people []Person
	for _, id := range ids {
		p, err := s.deps.People.Person(ctx, t.AccountID, id)
		if err != nil {
			continue // deleted since; nobody to mail
		}
		if p.Email == "" || p.Suspended || !validAddress(p.Email) {
			continue
		}
		if at := strings.LastIndexByte(p.Email, '@'); s.ours(p.Email[at+1:]) {
			continue // loop guard: never mail our own support domains
		}
		people = append(people, p)
	}
	if len(people) == 0 {
		return []int64{}, nil
	}
	data, err := s.placeholderData(ctx, acct, w)
	if err != nil {
		return nil, err
	}
	// Agents see internal notes in the comment placeholders; end users
	// do not. Render each variant at most once.
	type rendered struct{ subject, text, html string }
	variants := map[bool]*rendered{}
	render := func(publicOnly bool) *rendered {
		if r := variants[publicOnly]; r != nil {
			return r
		}
		d := data
		d.PublicOnly = publicOnly
		r := &rendered{}
		r.subject = s.renderOr(placeholder.Render, n.Subject, d, src)
		r.subject = strings.Join(strings.Fields(r.subject), " ")
		r.text = s.renderOr(placeholder.Render, n.Body, d, src)
		r.html = s.renderOr(placeholder.RenderHTML, n.Body, d, src)
		variants[publicOnly] = r
		return r
	}
	thread := s.ThreadID(acct, t.ID)
	refs := []string{thread}
	inReplyTo := thread
	last := inboundOf(ctx)
	if last == "" {
		if last, err = s.lastInbound(ctx, acct.ID, t.ID); err != nil {
			return nil, err
		}
	}
	if last != "" {
		refs = append(refs, last)
		inReplyTo = last
	}
	from := (&mail.Address{Name: acct.Name, Address: s.SupportAddress(acct.Subdomain)}).String()
	replyTo := (&mail.Address{Name: acct.Name, Address: s.ReplyAddress(acct.Subdomain, t.ID)}).String()
	var commentID int64
	if w.Comment != nil {
		commentID = w.Comment.ID
	}
	sent := make([]int64, 0, len(people))
	for _, p := range people {
		r := render(p.Role == auth.RoleEndUser)
		msgID := s.newMessageID(acct, t.ID)
		m := Message{
			From: from, ReplyTo: replyTo, To: (&mail.Address{Name: p.Name, Address: p.Email}).String(),
			Subject: r.subject, Text: r.text, HTML: wrapHTML(r.html),
			MessageID: msgID, InReplyTo: inReplyTo, References: refs,
			Headers: map[string]string{
				"Auto-Submitted":   "auto-generated",
				"X-Parley-Ticket":  strconv.FormatInt(t.ID, 10),
				"X-Parley-Account": acct.Subdomain,
			},
		}
		if err := s.recordMessage(ctx, acct.ID, msgID, t.ID, commentID, dirOut); err != nil {
			return nil, err
		}
		if err := s.deps.Queue.Enqueue(ctx, SendArgs{AccountID: acct.ID, TicketID: t.ID, UserID: p.ID, Message: m},
			&river.InsertOpts{MaxAttempts: s.o.MaxAttempts}); err != nil {
			return nil, err
		}
		sent = append(sent, p.ID)
	}
	return sent, nil
}

// recipients resolves the recipient of n to user ids, without duplicates.
func (s *Service) recipients(ctx context.Context, w *ticket.Write, n rule.Notification) ([]int64, error) {
	t := w.Ticket
	actor := w.Actor.UserID
	var ids []int64
	explicitActor := false
	if n.Group {
		gid := int64(0)
		if n.Recipient == RecipientTicketGroup {
			if t.GroupID != nil {
				gid = *t.GroupID
			}
		} else if v, err := strconv.ParseInt(strings.TrimSpace(n.Recipient), 10, 64); err == nil {
			gid = v
		}
		if gid > 0 {
			members, err := s.deps.People.GroupMembers(ctx, t.AccountID, gid)
			if err != nil {
				return nil, err
			}
			ids = append(ids, members...)
		}
	} else {
		switch r := strings.TrimSpace(n.Recipient); r {
		case RecipientRequester:
			// The requester hears about their own request (the "request
			// received" acknowledgement goes to the person who wrote).
			ids = append(ids, t.RequesterID)
			explicitActor = true
		case RecipientAssignee:
			if t.AssigneeID != nil {
				ids = append(ids, *t.AssigneeID)
			}
		case RecipientCurrentUser:
			ids = append(ids, actor)
			explicitActor = true
		case RecipientAllAgents:
			agents, err := s.deps.People.Agents(ctx, t.AccountID)
			if err != nil {
				return nil, err
			}
			ids = append(ids, agents...)
		case RecipientRequesterAndCCs:
			ids = append(ids, t.RequesterID)
			ids = append(ids, t.EmailCCIDs...)
			explicitActor = actor == t.RequesterID
		default:
			if v, err := strconv.ParseInt(r, 10, 64); err == nil {
				ids = append(ids, v)
				explicitActor = v == actor
			}
		}
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id <= 0 || slices.Contains(out, id) || (id == actor && !explicitActor) {
			continue
		}
		out = append(out, id)
	}
	return out, nil
}

// renderOr renders tmpl, or returns it as written when it cannot be
// rendered (rules are checked when saved; a sandbox limit can still stop
// a render, and a ticket write must not fail over a notification).
func (s *Service) renderOr(fn func(string, placeholder.Data) (string, error), tmpl string, d placeholder.Data, src ticket.RuleRef) string {
	out, err := fn(tmpl, d)
	if err != nil {
		s.log.Warn("notification template did not render", "rule_kind", src.Kind, "rule_id", src.ID, "err", err)
		return tmpl
	}
	return out
}

func wrapHTML(body string) string {
	return `<!DOCTYPE html><html><body><div style="font-family:sans-serif;font-size:14px">` + body + `</div></body></html>`
}

func validAddress(a string) bool {
	p, err := mail.ParseAddress(a)
	return err == nil && p.Address != ""
}

// placeholderData fills the placeholders from the ticket of the write.
func (s *Service) placeholderData(ctx context.Context, acct Account, w *ticket.Write) (placeholder.Data, error) {
	t := w.Ticket
	acctID := t.AccountID
	names := map[int64]Person{}
	person := func(id int64) Person {
		if id <= 0 {
			return Person{}
		}
		if p, ok := names[id]; ok {
			return p
		}
		p, err := s.deps.People.Person(ctx, acctID, id)
		if err != nil {
			p = Person{}
		}
		names[id] = p
		return p
	}
	user := func(p Person) placeholder.User {
		return placeholder.User{ID: p.ID, Name: p.Name, Email: p.Email, Role: string(p.Role)}
	}
	pt := placeholder.Ticket{
		ID: t.ID, Title: t.Subject, Description: t.Description, Status: t.Status, Via: t.Via.Channel,
		URL: s.ticketURL(acct.Subdomain, t.ID), Tags: t.Tags, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, DueAt: t.DueAt,
		Requester: user(person(t.RequesterID)), Submitter: user(person(t.SubmitterID)),
	}
	if t.Priority != nil {
		pt.Priority = *t.Priority
	}
	if t.Type != nil {
		pt.Type = *t.Type
	}
	if t.AssigneeID != nil {
		pt.Assignee = user(person(*t.AssigneeID))
	}
	if t.GroupID != nil {
		name, err := s.deps.People.GroupName(ctx, acctID, *t.GroupID)
		if err != nil {
			return placeholder.Data{}, err
		}
		pt.GroupName = name
	}
	if t.OrganizationID != nil {
		name, err := s.deps.People.OrganizationName(ctx, acctID, *t.OrganizationID)
		if err != nil {
			return placeholder.Data{}, err
		}
		pt.OrgName = name
	}
	comments, err := s.deps.Tickets.RecentComments(ctx, acctID, t.ID, 50)
	if err != nil {
		return placeholder.Data{}, err
	}
	for _, c := range comments {
		body := c.PlainBody
		if body == "" {
			body = c.Body
		}
		pt.Comments = append(pt.Comments, placeholder.Comment{ID: c.ID, AuthorName: person(c.AuthorID).Name, Body: body,
			Public: c.Public, CreatedAt: c.CreatedAt})
	}
	if len(t.Fields) > 0 {
		titles, err := s.optionTitles(ctx, acctID)
		if err != nil {
			return placeholder.Data{}, err
		}
		pt.Fields = map[int64]placeholder.Field{}
		for id, v := range t.Fields {
			f := placeholder.Field{Value: fieldString(v)}
			f.OptionTitle = titles[id][f.Value]
			pt.Fields[id] = f
		}
	}
	d := placeholder.Data{
		Account:     placeholder.Account{Name: acct.Name, Subdomain: acct.Subdomain},
		Ticket:      pt,
		CurrentUser: user(person(w.Actor.UserID)),
		Satisfaction: placeholder.Satisfaction{
			RatingURL: fmt.Sprintf("%s://%s.%s/requests/%d/satisfaction", s.o.WebScheme, acct.Subdomain, s.o.WebDomain, t.ID),
		},
	}
	if w.Actor.UserID < 0 {
		d.CurrentUser = placeholder.User{Name: acct.Name}
	}
	if t.Rating != nil {
		d.Satisfaction.CurrentRating = t.Rating.Score
	}
	return d, nil
}

// optionTitles maps field id → option value → option title.
func (s *Service) optionTitles(ctx context.Context, accountID int64) (map[int64]map[string]string, error) {
	fs, err := s.deps.Tickets.ListFields(auth.System(ctx, ticket.SystemActor(accountID)))
	if err != nil {
		return nil, err
	}
	out := map[int64]map[string]string{}
	for _, f := range fs {
		if len(f.Options) == 0 {
			continue
		}
		m := map[string]string{}
		for _, o := range f.Options {
			m[o.Value] = o.Name
		}
		out[f.ID] = m
	}
	return out, nil
}

func fieldString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		return strings.Join(x, " ")
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, " ")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// MailAdmins queues a notice about the account itself (not a ticket) to
// every admin with an address, inside the caller's transaction: a partner
// deactivated a sharing agreement, for example.
func (s *Service) MailAdmins(ctx context.Context, accountID int64, subject, text string) error {
	ids, err := s.deps.People.Admins(ctx, accountID)
	if err != nil {
		return err
	}
	return s.mailPeople(ctx, accountID, ids, subject, text)
}

// MailUser queues a message to one user (a password reset link), inside
// the caller's transaction; a user without an address gets nothing.
func (s *Service) MailUser(ctx context.Context, accountID, userID int64, subject, text string) error {
	return s.mailPeople(ctx, accountID, []int64{userID}, subject, text)
}

func (s *Service) mailPeople(ctx context.Context, accountID int64, ids []int64, subject, text string) error {
	acct, err := s.deps.Accounts.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	from := (&mail.Address{Name: acct.Name, Address: s.SupportAddress(acct.Subdomain)}).String()
	for _, id := range ids {
		p, err := s.deps.People.Person(ctx, accountID, id)
		if err != nil || p.Email == "" || p.Suspended || !validAddress(p.Email) {
			continue
		}
		m := Message{From: from, To: (&mail.Address{Name: p.Name, Address: p.Email}).String(), Subject: subject,
			Text: text, HTML: wrapHTML(strings.ReplaceAll(html.EscapeString(text), "\n", "<br>")), MessageID: s.newMessageID(acct, 0),
			Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Parley-Account": acct.Subdomain}}
		if err := s.deps.Queue.Enqueue(ctx, SendArgs{AccountID: acct.ID, UserID: p.ID, Message: m},
			&river.InsertOpts{MaxAttempts: s.o.MaxAttempts}); err != nil {
			return err
		}
	}
	return nil
}

// Message is an outgoing mail as a job carries it.
type Message struct {
	From       string            `json:"from"`
	ReplyTo    string            `json:"reply_to"`
	To         string            `json:"to"`
	Subject    string            `json:"subject"`
	Text       string            `json:"text"`
	HTML       string            `json:"html"`
	MessageID  string            `json:"message_id"`
	InReplyTo  string            `json:"in_reply_to"`
	References []string          `json:"references"`
	Headers    map[string]string `json:"headers"`
}

// SendArgs is the job that delivers one notification.
type SendArgs struct {
	AccountID int64   `json:"account_id"`
	TicketID  int64   `json:"ticket_id"`
	UserID    int64   `json:"user_id"`
	Message   Message `json:"message"`
}

// Kind names the job.
func (SendArgs) Kind() string { return "notify_mail" }

// SendWorker delivers notification mail through the relay; River retries
// it with backoff when the relay fails for a while, and gives up at once
// when the relay refuses the message for good.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	sender pmail.Sender
	clock  func() time.Time
}

// NewSendWorker returns the worker the lead registers with River.
func (s *Service) NewSendWorker(sender pmail.Sender) *SendWorker {
	return &SendWorker{sender: sender, clock: s.clock.Now}
}

// Work sends one message.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	m := job.Args.Message
	err := w.sender.Send(ctx, pmail.Message{
		From: m.From, ReplyTo: m.ReplyTo, To: []string{m.To}, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References, Headers: m.Headers, Date: w.clock(),
	})
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		return river.JobCancel(fmt.Errorf("notify: relay refused mail to %s: %w", m.To, err))
	}
	return fmt.Errorf("notify: send to %s: %w", m.To, err)
}

// Timeout bounds one delivery attempt.
func (w *SendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return 2 * time.Minute }

// Render fills a template's placeholders from a ticket write, as a
// notification would (webhook bodies use it).
func (s *Service) Render(ctx context.Context, w *ticket.Write, tmpl string) (string, error) {
	acct, err := s.deps.Accounts.AccountByID(ctx, w.Ticket.AccountID)
	if err != nil {
		return "", err
	}
	d, err := s.placeholderData(ctx, acct, w)
	if err != nil {
		return "", err
	}
	return placeholder.Render(tmpl, d)
}
