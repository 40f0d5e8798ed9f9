package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
)

// Envelope is the SMTP envelope of an incoming message. For a message piped
// in by an MTA (parley mail receive) it is empty and the headers are used.
type Envelope struct {
	From string
	To   []string
}

// Actions of a Result.
const (
	Created  = "created"  // a new ticket
	Updated  = "updated"  // a comment on an existing ticket
	Followup = "followup" // a new ticket following up a closed one
	Dropped  = "dropped"  // recognised and ignored (Reason says why)
)

// Result says what became of an incoming message.
type Result struct {
	Action    string
	Reason    string
	AccountID int64
	TicketID  int64
	CommentID int64
}

// maxCCs is how many CCs one message may add (Zendesk's limit).
const maxCCs = 48

// Receive turns one RFC 5322 message into a ticket or a comment. It returns
// errs.NotFound when no recipient is a support address of a known account,
// errs.BadRequest for a message that cannot be parsed, errs.TooLarge for
// one over the size limit, and a Dropped result (no error) for
// auto-replies, bounces, mail loops, duplicates and suspended senders.
func (s *Service) Receive(ctx context.Context, raw io.Reader, envl Envelope) (res Result, err error) {
	defer func() {
		// The MIME libraries are fed by strangers: never let them crash the
		// listener.
		if r := recover(); r != nil {
			res, err = Result{}, errs.Ef(errs.BadRequest, "malformed message: %v", r)
		}
	}()
	data, err := io.ReadAll(io.LimitReader(raw, s.o.MaxMessageBytes+1))
	if err != nil {
		return Result{}, errs.Wrap(errs.BadRequest, "reading message", err)
	}
	if int64(len(data)) > s.o.MaxMessageBytes {
		return Result{}, errs.Ef(errs.TooLarge, "message larger than %d bytes", s.o.MaxMessageBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Result{}, errs.E(errs.BadRequest, "malformed message: empty")
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(data))
	if err != nil {
		return Result{}, errs.Wrap(errs.BadRequest, "malformed message", err)
	}
	from, err := sender(env)
	if err != nil {
		return Result{}, err
	}

	acct, routes, err := s.account(ctx, env, envl)
	if err != nil {
		return Result{}, err
	}
	res = Result{Action: Dropped, AccountID: acct.ID}
	if reason := s.automatic(env, envl, from); reason != "" {
		res.Reason = reason
		s.log.Info("mail dropped", "account", acct.Subdomain, "from", from.Address, "reason", reason)
		return res, nil
	}
	msgID := normID(env.GetHeader("Message-Id"))
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		if msgID != "" {
			if tid, dir, err := s.ticketOfMessage(ctx, acct.ID, msgID); err != nil {
				return err
			} else if tid > 0 && dir == dirIn {
				res.Reason, res.TicketID = "duplicate", tid
				return nil
			}
		}
		p, err := s.deps.People.EnsureEndUser(ctx, acct.ID, from.Name, from.Address)
		if err != nil {
			if errs.Is(err, errs.Invalid) {
				return errs.Ef(errs.BadRequest, "malformed message: sender %q is not a valid address", from.Address)
			}
			return err
		}
		if p.Suspended {
			res.Reason = "suspended sender"
			return nil
		}
		actor := auth.Actor{AccountID: acct.ID, UserID: p.ID, Name: p.Name, Email: p.Email, Role: p.Role, Method: "email"}
		ctx = auth.System(ctx, actor)
		target, err := s.thread(ctx, acct, routes, env, p)
		if err != nil {
			return err
		}
		in, err := s.commentInput(ctx, acct, env)
		if err != nil {
			return err
		}
		ccs := s.ccs(env, from.Address)
		via := s.emailVia(acct, from)
		var au ticket.Audit
		var t ticket.Ticket
		// Notifications the write triggers answer this very message; it is
		// recorded only once the ticket exists, so it travels in ctx.
		ctx = context.WithValue(ctx, inboundKey{}, msgID)
		switch {
		case target.ID > 0 && target.Status != "closed":
			up := ticket.Input{Comment: opt.Of(in)}
			if len(ccs) > 0 {
				up.EmailCCs = opt.Of(ccs)
			}
			t, au, err = s.deps.Tickets.UpdateAs(ctx, actor, target.ID, up, via)
			res.Action = Updated
		default:
			cr := ticket.Input{Comment: opt.Of(in)}
			if subj := strings.TrimSpace(env.GetHeader("Subject")); subj != "" {
				cr.Subject = opt.Of(subj)
			}
			if len(ccs) > 0 {
				cr.EmailCCs = opt.Of(ccs)
			}
			res.Action = Created
			if target.ID > 0 {
				cr.ViaFollowupSourceID = opt.Of(target.ID)
				res.Action = Followup
			}
			t, au, err = s.deps.Tickets.CreateAs(ctx, actor, cr, via)
		}
		if err != nil {
			return err
		}
		res.Reason, res.TicketID = "", t.ID
		for _, e := range au.Events {
			if e.Type == "Comment" {
				res.CommentID = e.CommentID
			}
		}
		return s.recordMessage(ctx, acct.ID, msgID, t.ID, res.CommentID, dirIn)
	})
	if err != nil {
		return Result{AccountID: acct.ID}, err
	}
	if res.Action == Dropped {
		s.log.Info("mail dropped", "account", acct.Subdomain, "from", from.Address, "reason", res.Reason)
	}
	return res, nil
}

// sender is the From address of the message.
func sender(env *enmime.Envelope) (*mail.Address, error) {
	list, err := env.AddressList("From")
	if err != nil || len(list) == 0 || list[0].Address == "" {
		return nil, errs.E(errs.BadRequest, "malformed message: no valid From address")
	}
	a := list[0]
	a.Address = strings.ToLower(strings.TrimSpace(a.Address))
	return a, nil
}

// account finds the account the message is for: the first recipient on
// one of our account domains (SMTP envelope first, then the headers).
func (s *Service) account(ctx context.Context, env *enmime.Envelope, envl Envelope) (Account, []route, error) {
	rcpts := envl.To
	if len(rcpts) == 0 {
		for _, h := range []string{"Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"} {
			if list, err := env.AddressList(h); err == nil {
				for _, a := range list {
					rcpts = append(rcpts, a.Address)
				}
			} else {
				rcpts = append(rcpts, env.GetHeaderValues(h)...)
			}
		}
	}
	var acct Account
	var routes []route
	for _, r := range rcpts {
		rt, ok := s.parseRecipient(r)
		if !ok {
			continue
		}
		if acct.ID == 0 {
			a, err := s.deps.Accounts.AccountBySubdomain(ctx, rt.subdomain)
			if errs.Is(err, errs.NotFound) {
				continue
			} else if err != nil {
				return Account{}, nil, err
			}
			acct = a
		}
		if rt.subdomain == acct.Subdomain {
			routes = append(routes, rt)
		}
	}
	if acct.ID == 0 {
		return Account{}, nil, errs.E(errs.NotFound, "no such mailbox: no recipient is a support address of this help desk")
	}
	return acct, routes, nil
}

// RecipientKnown reports whether mail to addr would reach an account (the
// SMTP listener refuses other recipients at RCPT).
func (s *Service) RecipientKnown(ctx context.Context, addr string) (bool, error) {
	rt, ok := s.parseRecipient(addr)
	if !ok {
		return false, nil
	}
	_, err := s.deps.Accounts.AccountBySubdomain(ctx, rt.subdomain)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// automatic says why a message is machine-made and must not become a
// ticket ("" for mail from a person): auto-replies (RFC 3834), bounces,
// list and bulk mail, and our own mail coming back.
func (s *Service) automatic(env *enmime.Envelope, envl Envelope, from *mail.Address) string {
	h := func(k string) string { return strings.ToLower(strings.TrimSpace(env.GetHeader(k))) }
	if v := h("Auto-Submitted"); v != "" && v != "no" {
		return "auto-submitted: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply"} {
		if env.GetHeader(k) != "" {
			return "auto-reply (" + k + ")"
		}
	}
	switch h("Precedence") {
	case "bulk", "junk", "list", "auto_reply":
		return "precedence: " + h("Precedence")
	}
	if rp := env.GetHeaderValues("Return-Path"); len(rp) > 0 && strings.TrimSpace(rp[0]) == "<>" {
		return "bounce (null return path)"
	}
	if envl.To != nil && (envl.From == "" || envl.From == "<>") {
		return "bounce (null envelope sender)"
	}
	local := from.Address
	if at := strings.LastIndexByte(local, '@'); at >= 0 {
		if s.ours(local[at+1:]) {
			return "loop: sent from one of our support addresses"
		}
		local = local[:at]
	}
	switch local {
	case "mailer-daemon", "postmaster", "noreply-dmarc-support":
		return "bounce (" + local + ")"
	}
	if ct, params, err := mime.ParseMediaType(env.GetHeader("Content-Type")); err == nil && ct == "multipart/report" {
		return "delivery report (" + params["report-type"] + ")"
	}
	if id := normID(env.GetHeader("Message-Id")); id != "" {
		if at := strings.LastIndexByte(id, '@'); at >= 0 && s.ours(id[at+1:]) {
			return "loop: our own message came back"
		}
	}
	if env.GetHeader("X-Parley-Ticket") != "" {
		return "loop: our own notification came back"
	}
	return ""
}

var (
	bracketed = regexp.MustCompile(`<([^<>\s]+)>`)
	rootID    = regexp.MustCompile(`^ticket-(\d+)-(\d+)@(.+)$`)
	sentID    = regexp.MustCompile(`^ticket-(\d+)-[0-9a-f]+@(.+)$`)
	subjectID = regexp.MustCompile(`(?i)\[#(\d+)\]|\b(?:request|ticket)\s*#\s*(\d+)`)
)

func messageIDs(v string) []string {
	var out []string
	for _, m := range bracketed.FindAllStringSubmatch(v, -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		out = strings.Fields(v)
	}
	return out
}

// thread finds the ticket a message answers (zero Ticket: none). A
// Message-ID we recorded identifies the ticket outright; the guessable
// references (the thread id, a plus address, a ticket number in the
// subject) count only when the sender already takes part in the ticket or
// is an agent, so a stranger cannot comment on someone else's ticket.
func (s *Service) thread(ctx context.Context, acct Account, routes []route, env *enmime.Envelope, p Person) (ticket.Ticket, error) {
	var weak []int64
	ids := messageIDs(env.GetHeader("In-Reply-To"))
	refs := messageIDs(env.GetHeader("References"))
	slices.Reverse(refs) // newest first
	ids = append(ids, refs...)
	domain := s.MailDomainOf(acct.Subdomain)
	for _, id := range ids {
		id = strings.ToLower(normID(id))
		tid, _, err := s.ticketOfMessage(ctx, acct.ID, id)
		if err != nil {
			return ticket.Ticket{}, err
		}
		if tid > 0 {
			if t, ok, err := s.load(ctx, acct.ID, tid); err != nil || ok {
				return t, err
			}
			continue
		}
		if m := rootID.FindStringSubmatch(id); m != nil && m[3] == domain && m[1] == strconv.FormatInt(acct.ID, 10) {
			if n, err := strconv.ParseInt(m[2], 10, 64); err == nil {
				weak = append(weak, n)
			}
		} else if m := sentID.FindStringSubmatch(id); m != nil && m[2] == domain {
			if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
				weak = append(weak, n)
			}
		}
	}
	for _, r := range routes {
		if r.ticketID > 0 {
			weak = append(weak, r.ticketID)
		}
	}
	for _, m := range subjectID.FindAllStringSubmatch(env.GetHeader("Subject"), -1) {
		n := m[1] + m[2]
		if v, err := strconv.ParseInt(n, 10, 64); err == nil {
			weak = append(weak, v)
		}
	}
	for _, tid := range weak {
		t, ok, err := s.load(ctx, acct.ID, tid)
		if err != nil {
			return ticket.Ticket{}, err
		}
		if ok && takesPart(t, p) {
			return t, nil
		}
	}
	return ticket.Ticket{}, nil
}

func (s *Service) load(ctx context.Context, accountID, id int64) (ticket.Ticket, bool, error) {
	t, err := s.deps.Tickets.Load(ctx, accountID, id)
	if errs.Is(err, errs.NotFound) {
		return ticket.Ticket{}, false, nil
	}
	if err != nil {
		return ticket.Ticket{}, false, err
	}
	if t.DeletedAt != nil {
		return ticket.Ticket{}, false, nil
	}
	return t, true, nil
}

func takesPart(t ticket.Ticket, p Person) bool {
	return p.Role == auth.RoleAgent || p.Role == auth.RoleAdmin || t.RequesterID == p.ID ||
		slices.Contains(t.EmailCCIDs, p.ID) || slices.Contains(t.FollowerIDs, p.ID) || slices.Contains(t.CollaboratorIDs, p.ID)
}

// commentInput builds the comment: the reply without the quoted history,
// the HTML of HTML-only mail, and the attachments as uploads.
func (s *Service) commentInput(ctx context.Context, acct Account, env *enmime.Envelope) (ticket.CommentInput, error) {
	text := strings.ReplaceAll(env.Text, "\r\n", "\n")
	in := ticket.CommentInput{Body: StripQuoted(text), Public: opt.Of(true)}
	if strings.TrimSpace(textPart(env)) == "" && strings.TrimSpace(env.HTML) != "" {
		in.HTMLBody = env.HTML
	}
	parts := append(append([]*enmime.Part{}, env.Attachments...), env.Inlines...)
	for i, part := range parts {
		if len(part.Content) == 0 {
			continue
		}
		name := strings.TrimSpace(part.FileName)
		if name == "" {
			name = "attachment-" + strconv.Itoa(i+1)
			if exts, _ := mime.ExtensionsByType(part.ContentType); len(exts) > 0 {
				name += exts[0]
			}
		}
		tok, err := s.deps.Uploads.AttachUpload(ctx, acct.ID, name, part.ContentType, part.Content)
		if err != nil {
			return ticket.CommentInput{}, err
		}
		in.Uploads = append(in.Uploads, tok)
	}
	if strings.TrimSpace(in.Body) == "" && strings.TrimSpace(in.HTMLBody) == "" {
		in.Body = "(no message body)"
	}
	return in, nil
}

// textPart is the text/plain body the sender wrote ("" when enmime made
// the text from HTML).
func textPart(env *enmime.Envelope) string {
	if env.Root == nil {
		return env.Text
	}
	var found string
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		for ; p != nil && found == ""; p = p.NextSibling {
			if p.ContentType == "text/plain" && p.Disposition != "attachment" && len(p.Content) > 0 {
				found = string(p.Content)
				return
			}
			walk(p.FirstChild)
		}
	}
	if env.Root.ContentType == "" || strings.HasPrefix(env.Root.ContentType, "text/plain") {
		return env.Text
	}
	walk(env.Root)
	return found
}

// ccs are the people the message was also sent to: To and Cc without our
// own addresses and the sender.
func (s *Service) ccs(env *enmime.Envelope, from string) []ticket.CCChange {
	var out []ticket.CCChange
	seen := map[string]bool{from: true}
	for _, h := range []string{"To", "Cc"} {
		list, err := env.AddressList(h)
		if err != nil {
			continue
		}
		for _, a := range list {
			addr := strings.ToLower(strings.TrimSpace(a.Address))
			at := strings.LastIndexByte(addr, '@')
			if at <= 0 || seen[addr] || s.ours(addr[at+1:]) {
				continue
			}
			seen[addr] = true
			out = append(out, ticket.CCChange{UserEmail: addr, UserName: a.Name, Action: "put"})
			if len(out) == maxCCs {
				return out
			}
		}
	}
	return out
}

// emailVia is the via of a write by email (reference §2.6).
func (s *Service) emailVia(acct Account, from *mail.Address) ticket.Via {
	src, _ := json.Marshal(map[string]any{
		"from": map[string]any{"address": from.Address, "name": from.Name},
		"to":   map[string]any{"address": s.SupportAddress(acct.Subdomain), "name": acct.Name},
		"rel":  nil,
	})
	return ticket.Via{Channel: "email", Source: src}
}

// Reply separators: where the quoted history of a reply starts.
var separators = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^-{2,}\s*original message\s*-{2,}$`),
	regexp.MustCompile(`(?i)^-{2,}\s*(forwarded message|reply above this line).*$`),
	regexp.MustCompile(`^_{10,}$`), // Outlook: a rule, then From:/Sent:
	regexp.MustCompile(`(?i)^on\b.{0,200}\bwrote:$`),
	regexp.MustCompile(`(?i)^le\b.{0,200}\ba écrit\s?:$`),
	regexp.MustCompile(`(?i)^am\b.{0,200}\bschrieb.{0,80}:$`),
	regexp.MustCompile(`(?i)^el\b.{0,200}\bescribió:$`),
	regexp.MustCompile(`(?i)^il\b.{0,200}\bha scritto:$`),
}

var (
	// An Outlook header block: "From: ..." followed by "Sent:" or "Date:".
	outlookFrom = regexp.MustCompile(`(?i)^from:\s.+$`)
	outlookSent = regexp.MustCompile(`(?i)^(sent|date):\s`)
)

// separator reports whether line i starts the quoted history.
func separator(lines []string, i int) bool {
	l := strings.TrimSpace(lines[i])
	next := ""
	if i+1 < len(lines) {
		next = strings.TrimSpace(lines[i+1])
	}
	if outlookFrom.MatchString(l) && outlookSent.MatchString(next) {
		return true
	}
	for _, re := range separators {
		// "On Mon, Jan 1, 2024, Jane <jane@x>\nwrote:" wraps onto two lines.
		if re.MatchString(l) || (next != "" && re.MatchString(l+" "+next)) {
			return true
		}
	}
	return false
}

// StripQuoted removes the quoted history below a reply: everything from a
// reply separator ("-----Original Message-----", "On ... wrote:" and its
// translations, an Outlook header block) on, and lines quoted with ">".
// When nothing would remain it keeps the text as it was.
func StripQuoted(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	cut := len(lines)
	for i := range lines {
		if separator(lines, i) {
			cut = i
			break
		}
	}
	var kept []string
	for _, l := range lines[:cut] {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), ">") {
			continue
		}
		kept = append(kept, l)
	}
	out := strings.TrimSpace(strings.Join(kept, "\n"))
	if out == "" {
		return strings.TrimSpace(text)
	}
	return out
}

// ExitCode is the sysexits(3) status `parley mail receive` should exit
// with for err, so the MTA that piped the message bounces or retries it.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errs.Is(err, errs.NotFound):
		return 67 // EX_NOUSER
	case errs.Is(err, errs.BadRequest), errs.Is(err, errs.Invalid), errs.Is(err, errs.TooLarge):
		return 65 // EX_DATAERR
	default:
		return 75 // EX_TEMPFAIL
	}
}

// Describe is a one-line summary of a Result for logs and the CLI.
func (r Result) Describe() string {
	switch r.Action {
	case Dropped:
		return "dropped: " + r.Reason
	default:
		return fmt.Sprintf("%s ticket %d (comment %d)", r.Action, r.TicketID, r.CommentID)
	}
}

type inboundKey struct{}

// inboundOf is the Message-ID of the mail whose write is running, if any.
func inboundOf(ctx context.Context) string {
	id, _ := ctx.Value(inboundKey{}).(string)
	return id
}
