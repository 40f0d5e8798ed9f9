// Package mail sends email. Rooms build a Message; a Sender delivers it.
// Outbound mail is always sent from a job, never inside a request, so a
// slow relay never slows the help desk down.
package mail

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Attachment is a file sent with a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Message is one email. Threading headers (Message-ID, In-Reply-To,
// References) let replies land on the right ticket.
type Message struct {
	From        string // "Name <address>" or an address
	ReplyTo     string
	To          []string
	Cc          []string
	Subject     string
	Text        string
	HTML        string
	MessageID   string // without angle brackets
	InReplyTo   string
	References  []string
	Headers     map[string]string
	Attachments []Attachment
	Date        time.Time
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPConfig says how to reach the relay.
type SMTPConfig struct {
	Addr     string // host:port
	Username string
	Password string
	// TLS is "none", "opportunistic" (STARTTLS when offered) or "mandatory".
	TLS     string
	Timeout time.Duration
}

// SMTP sends through a relay.
type SMTP struct{ cfg SMTPConfig }

// NewSMTP validates cfg and returns a sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("mail: relay address %q: %w", cfg.Addr, err)
	}
	switch cfg.TLS {
	case "", "opportunistic", "none", "mandatory":
	default:
		return nil, fmt.Errorf("mail: TLS policy %q: use none, opportunistic or mandatory", cfg.TLS)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg}, nil
}

func angle(id string) string {
	if id == "" || strings.HasPrefix(id, "<") {
		return id
	}
	return "<" + id + ">"
}

// build turns a Message into a go-mail message.
func build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("mail: from %q: %w", m.From, err)
	}
	if len(m.To) == 0 && len(m.Cc) == 0 {
		return nil, fmt.Errorf("mail: no recipients")
	}
	if len(m.To) > 0 {
		if err := msg.To(m.To...); err != nil {
			return nil, fmt.Errorf("mail: to: %w", err)
		}
	}
	if len(m.Cc) > 0 {
		if err := msg.Cc(m.Cc...); err != nil {
			return nil, fmt.Errorf("mail: cc: %w", err)
		}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("mail: reply-to: %w", err)
		}
	}
	msg.Subject(m.Subject)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(strings.Trim(m.MessageID, "<>"))
	} else {
		msg.SetMessageID()
	}
	if m.InReplyTo != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, angle(m.InReplyTo))
	}
	if len(m.References) > 0 {
		refs := make([]string, len(m.References))
		for i, r := range m.References {
			refs[i] = angle(r)
		}
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	if m.Date.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.Date)
	}
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	}
	for _, a := range m.Attachments {
		opts := []gomail.FileOption{}
		if a.ContentType != "" {
			opts = append(opts, gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), opts...); err != nil {
			return nil, fmt.Errorf("mail: attach %s: %w", a.Name, err)
		}
	}
	return msg, nil
}

// Send delivers m through the relay.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := build(m)
	if err != nil {
		return err
	}
	host, portStr, _ := net.SplitHostPort(s.cfg.Addr)
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("mail: port %q: %w", portStr, err)
	}
	policy := gomail.TLSOpportunistic
	switch s.cfg.TLS {
	case "none":
		policy = gomail.NoTLS
	case "mandatory":
		policy = gomail.TLSMandatory
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTLSPolicy(policy), gomail.WithTimeout(s.cfg.Timeout)}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return fmt.Errorf("mail: client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send to %s: %w", s.cfg.Addr, err)
	}
	return nil
}
