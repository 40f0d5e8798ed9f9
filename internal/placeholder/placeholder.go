// Package placeholder renders Zendesk-style Liquid placeholders
// ({{ticket.title}}, {{current_user.name}}, {{satisfaction.rating_url}} ...)
// in the subjects and bodies that business rules send. It is pure: callers
// fill a Data value and get text back. Unknown placeholders render empty, as
// Zendesk does. Templates run in a sandbox: no file access, and bounded
// loops, output, value sizes and time (see the limits in sandbox.go).
package placeholder

import (
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/osteele/liquid/parser"
	"github.com/osteele/liquid/render"
)

// Data is what placeholders can show. Zero values render empty.
type Data struct {
	Account      Account
	Ticket       Ticket
	CurrentUser  User
	Satisfaction Satisfaction
	// PublicOnly keeps internal notes out of the comment placeholders
	// (mail to end users).
	PublicOnly bool
}

// Account is the help desk the mail comes from.
type Account struct {
	Name      string
	Subdomain string
}

// User is a person a placeholder names.
type User struct {
	ID    int64
	Name  string
	Email string
	Role  string
	Phone string
}

// Comment is one ticket comment, as plain text.
type Comment struct {
	ID         int64
	AuthorName string
	Body       string
	Public     bool
	CreatedAt  time.Time
}

// Field is a custom field value: its raw value and, for drop-downs, the
// title of the chosen option.
type Field struct {
	Value       string
	OptionTitle string
}

// Ticket is the ticket a placeholder reads.
type Ticket struct {
	ID          int64
	Title       string
	Description string
	Status      string // new, open, ... (rendered capitalised, as Zendesk does)
	Priority    string
	Type        string
	Via         string // channel name: web, email, api, rule ...
	URL         string // the agent link, e.g. acme.example.com/agent/tickets/7
	Tags        []string
	Requester   User
	Submitter   User
	Assignee    User
	GroupName   string
	OrgName     string
	// Comments are newest first.
	Comments  []Comment
	Fields    map[int64]Field
	CreatedAt time.Time
	UpdatedAt time.Time
	DueAt     *time.Time
}

// Satisfaction is the satisfaction survey of the ticket.
type Satisfaction struct {
	// RatingURL is where the requester rates the ticket.
	RatingURL string
	// CurrentRating is the score given so far ("good", "bad" or "").
	CurrentRating string
}

// Error is a template that does not parse or cannot be rendered.
type Error struct {
	Line int
	Msg  string
	// Limit reports that a sandbox limit stopped the render.
	Limit bool
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("Liquid error on line %d: %s", e.Line, e.Msg)
	}
	return "Liquid error: " + e.Msg
}

// Unwrap lets errors.Is(err, ErrLimit) find sandbox limits.
func (e *Error) Unwrap() error {
	if e.Limit {
		return ErrLimit
	}
	return nil
}

// Check parses tmpl and reports why it cannot be used (rules call it when
// they are saved, so a broken template never reaches a ticket write).
func Check(tmpl string) error {
	_, err := compile(tmpl)
	return err
}

// Render renders tmpl as plain text.
func Render(tmpl string, d Data) (string, error) {
	return run(tmpl, bindings(d, false))
}

// RenderHTML renders tmpl as an HTML fragment: the template's own text and
// every value are escaped, line breaks become <br>, and the formatted
// comment placeholders become simple HTML lists.
func RenderHTML(tmpl string, d Data) (string, error) {
	out, err := run(escapeText(tmpl), bindings(d, true))
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(out, "\n", "<br>\n"), nil
}

func compile(tmpl string) (render.Node, error) {
	if len(tmpl) > MaxTemplate {
		return nil, &Error{Msg: fmt.Sprintf("template longer than %d bytes", MaxTemplate), Limit: true}
	}
	// Liquid leaves an unterminated {{ or {% as text; Zendesk (Ruby Liquid)
	// rejects it, and it is nearly always a typo.
	rest := markup.ReplaceAllString(tmpl, "")
	for _, open := range []string{"{{", "{%"} {
		if i := strings.Index(rest, open); i >= 0 {
			line := 0
			if j := strings.Index(tmpl, rest[i:]); j >= 0 {
				line = 1 + strings.Count(tmpl[:j], "\n")
			}
			return nil, &Error{Line: line, Msg: fmt.Sprintf("%q was not properly terminated", open)}
		}
	}
	var node render.Node
	var perr parser.Error
	if err := protect(func() { node, perr = config().Compile(tmpl, parser.SourceLoc{}) }); err != nil {
		return nil, err
	}
	if perr != nil {
		return nil, wrapErr(perr)
	}
	return node, nil
}

func run(tmpl string, vars map[string]any) (string, error) {
	node, err := compile(tmpl)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	out := &capWriter{w: &sb}
	vars[budgetKey] = &budget{deadline: time.Now().Add(MaxDuration), out: out}
	var rerr render.Error
	if err := protect(func() { rerr = render.Render(node, out, vars, *config()) }); err != nil {
		return "", err
	}
	if rerr != nil {
		return "", wrapErr(rerr)
	}
	if out.over {
		return "", &Error{Msg: fmt.Sprintf("output longer than %d bytes", MaxOutput), Limit: true}
	}
	return sb.String(), nil
}

// protect turns a panic inside the Liquid library into an error: a
// template must never take a ticket write down.
func protect(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Msg: fmt.Sprintf("template failed: %v", r)}
		}
	}()
	fn()
	return nil
}

func wrapErr(err error) error {
	e := &Error{Msg: err.Error()}
	type located interface{ LineNumber() int }
	if l, ok := err.(located); ok {
		e.Line = l.LineNumber()
	}
	if c := cause(err); c != nil && c != err {
		e.Msg = c.Error()
	}
	if strings.Contains(e.Msg, ErrLimit.Error()) {
		e.Limit = true
	}
	return e
}

// markup finds Liquid objects and tags, whose text is not escaped.
var markup = regexp.MustCompile(`(?s)\{\{.*?\}\}|\{%.*?%\}`)

// escapeText HTML-escapes the literal text of a template, leaving its
// Liquid markup alone.
func escapeText(tmpl string) string {
	var sb strings.Builder
	last := 0
	for _, m := range markup.FindAllStringIndex(tmpl, -1) {
		sb.WriteString(html.EscapeString(tmpl[last:m[0]]))
		sb.WriteString(tmpl[m[0]:m[1]])
		last = m[1]
	}
	sb.WriteString(html.EscapeString(tmpl[last:]))
	return sb.String()
}

// Display names as Zendesk prints them.
var viaTitles = map[string]string{
	"web": "Web Form", "email": "Mail", "api": "Web Service", "rule": "Rule", "chat": "Chat", "voice": "Voice",
	"ticket_sharing": "Ticket Sharing", "helpcenter": "Help Center", "web_widget": "Web Widget", "mobile": "Mobile",
	"mobile_sdk": "Mobile SDK", "sms": "Text", "any_channel": "Channel Integration", "system": "System",
	"closed_ticket": "Closed Ticket", "sample_ticket": "Sample Ticket",
}

func title(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return title(s)
}

const dateLayout = "January 2, 2006 15:04"

// bindings turns d into the Liquid variables. In HTML mode every string is
// escaped here, so the template's filters work on the escaped text.
func bindings(d Data, asHTML bool) map[string]any {
	esc := func(s string) string {
		if asHTML {
			return html.EscapeString(s)
		}
		return s
	}
	block := func(s string) string { // multi-line text
		if asHTML {
			return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
		}
		return s
	}
	t := d.Ticket
	comments := t.Comments
	if d.PublicOnly {
		comments = nil
		for _, c := range t.Comments {
			if c.Public {
				comments = append(comments, c)
			}
		}
	}
	var public []Comment
	for _, c := range t.Comments {
		if c.Public {
			public = append(public, c)
		}
	}
	commentMaps := func(cs []Comment) []any {
		out := make([]any, len(cs))
		for i, c := range cs {
			out[i] = map[string]any{
				"id": c.ID, "value": block(c.Body), "body": block(c.Body), "public": c.Public,
				"author":                 map[string]any{"name": esc(c.AuthorName)},
				"created_at":             c.CreatedAt.UTC().Format(dateLayout),
				"created_at_with_time":   c.CreatedAt.UTC().Format(dateLayout),
				"created_at_with_format": c.CreatedAt.UTC().Format("2006-01-02"),
			}
		}
		return out
	}
	latest := func(cs []Comment) string {
		if len(cs) == 0 {
			return ""
		}
		return block(cs[0].Body)
	}
	tags := strings.Join(t.Tags, " ")
	via := viaTitles[t.Via]
	if via == "" {
		via = title(strings.ReplaceAll(t.Via, "_", " "))
	}
	tk := map[string]any{
		"id":                              t.ID,
		"title":                           esc(t.Title),
		"subject":                         esc(t.Title),
		"description":                     block(t.Description),
		"status":                          esc(title(t.Status)),
		"priority":                        esc(orDash(t.Priority)),
		"ticket_type":                     esc(orDash(t.Type)),
		"via":                             esc(via),
		"url":                             esc(t.URL),
		"link":                            esc(link(t.URL)),
		"account":                         esc(d.Account.Name),
		"tags":                            esc(tags),
		"requester":                       person(t.Requester, esc),
		"submitter":                       person(t.Submitter, esc),
		"assignee":                        person(t.Assignee, esc),
		"group":                           map[string]any{"name": esc(t.GroupName)},
		"organization":                    map[string]any{"name": esc(t.OrgName)},
		"comments":                        commentMaps(comments),
		"public_comments":                 commentMaps(public),
		"comments_formatted":              formatted(comments, asHTML),
		"latest_comment":                  latest(comments),
		"latest_comment_formatted":        formatted(first(comments), asHTML),
		"latest_public_comment":           latest(public),
		"latest_public_comment_formatted": formatted(first(public), asHTML),
		"created_at":                      date(t.CreatedAt),
		"created_at_with_time":            date(t.CreatedAt),
		"updated_at":                      date(t.UpdatedAt),
		"updated_at_with_time":            date(t.UpdatedAt),
		"due_date":                        "",
		"in_business_hours":               "",
	}
	if t.DueAt != nil {
		tk["due_date"] = t.DueAt.UTC().Format("2006-01-02")
	}
	for id, f := range t.Fields {
		k := strconv.FormatInt(id, 10)
		tk["ticket_field_"+k] = esc(f.Value)
		tk["ticket_field_option_title_"+k] = esc(f.OptionTitle)
	}
	sat := map[string]any{
		"rating_url":     esc(d.Satisfaction.RatingURL),
		"rating_section": ratingSection(d.Satisfaction.RatingURL, asHTML),
		"current_rating": esc(d.Satisfaction.CurrentRating),
	}
	return map[string]any{
		"ticket":       tk,
		"current_user": person(d.CurrentUser, esc),
		"satisfaction": sat,
		"account":      map[string]any{"name": esc(d.Account.Name), "subdomain": esc(d.Account.Subdomain)},
	}
}

func first(cs []Comment) []Comment {
	if len(cs) == 0 {
		return nil
	}
	return cs[:1]
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dateLayout)
}

func link(u string) string {
	if u == "" || strings.Contains(u, "://") {
		return u
	}
	return "https://" + u
}

func person(u User, esc func(string) string) map[string]any {
	first, last := u.Name, ""
	if i := strings.IndexByte(strings.TrimSpace(u.Name), ' '); i > 0 {
		n := strings.TrimSpace(u.Name)
		first, last = n[:i], strings.TrimSpace(n[i+1:])
	}
	m := map[string]any{
		"name": esc(u.Name), "first_name": esc(first), "last_name": esc(last), "email": esc(u.Email),
		"role": esc(u.Role), "phone": esc(u.Phone),
	}
	if u.ID != 0 {
		m["id"] = u.ID
	}
	return m
}

// formatted renders comments as Zendesk's *_formatted placeholders do:
// author, time and body of each, newest first.
func formatted(cs []Comment, asHTML bool) string {
	if len(cs) == 0 {
		return ""
	}
	var sb strings.Builder
	if asHTML {
		sb.WriteString(`<ul class="comments">`)
		for _, c := range cs {
			fmt.Fprintf(&sb, `<li><p><strong>%s</strong> <span>%s</span></p><p>%s</p></li>`,
				html.EscapeString(c.AuthorName), c.CreatedAt.UTC().Format(dateLayout),
				strings.ReplaceAll(html.EscapeString(c.Body), "\n", "<br>"))
		}
		sb.WriteString(`</ul>`)
		return sb.String()
	}
	for i, c := range cs {
		if i > 0 {
			sb.WriteString("\n")
		}
		sb.WriteString("----------------------------------------------\n\n")
		fmt.Fprintf(&sb, "%s, %s\n\n%s\n", c.AuthorName, c.CreatedAt.UTC().Format(dateLayout), c.Body)
	}
	return sb.String()
}

func ratingSection(u string, asHTML bool) string {
	if u == "" {
		return ""
	}
	good, bad := u+"?score=good", u+"?score=bad"
	if strings.Contains(u, "?") {
		good, bad = u+"&score=good", u+"&score=bad"
	}
	if asHTML {
		return fmt.Sprintf(`<p>How would you rate the support you received?</p><p><a href="%s">Good, I'm satisfied</a> `+
			`<a href="%s">Bad, I'm unsatisfied</a></p>`, html.EscapeString(good), html.EscapeString(bad))
	}
	return fmt.Sprintf("How would you rate the support you received?\n\nGood, I'm satisfied: %s\nBad, I'm unsatisfied: %s\n", good, bad)
}
