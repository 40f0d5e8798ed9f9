package notify

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/emersion/go-smtp"

	"parley/internal/platform/errs"
)

// SMTPServer returns an SMTP server for inbound mail on addr: it accepts
// recipients on the support domains of known accounts only (550 otherwise)
// and hands every message to Receive. Serve it with ListenAndServe or
// Serve; Close or Shutdown stop it. ctx is the base of every delivery.
func (s *Service) SMTPServer(ctx context.Context, addr string) *smtp.Server {
	srv := smtp.NewServer(&backend{s: s, ctx: ctx})
	srv.Addr = addr
	srv.Domain = s.o.MailDomain
	srv.MaxMessageBytes = s.o.MaxMessageBytes
	srv.MaxRecipients = 50
	srv.ReadTimeout = 2 * time.Minute
	srv.WriteTimeout = 2 * time.Minute
	srv.ErrorLog = smtpLog{s}
	return srv
}

// ListenSMTP serves inbound mail on addr until ctx ends (parley serve
// --smtp ADDR). It returns once the listener is closed.
func (s *Service) ListenSMTP(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.ServeSMTP(ctx, ln)
}

// ServeSMTP serves inbound mail on ln until ctx ends.
func (s *Service) ServeSMTP(ctx context.Context, ln net.Listener) error {
	srv := s.SMTPServer(ctx, ln.Addr().String())
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				_ = srv.Close()
			}
		case <-done:
		}
	}()
	err := srv.Serve(ln)
	close(done)
	if errors.Is(err, smtp.ErrServerClosed) || ctx.Err() != nil {
		return nil
	}
	return err
}

type smtpLog struct{ s *Service }

func (l smtpLog) Printf(format string, v ...any) { l.s.log.Warn("smtp", "msg", format, "args", v) }
func (l smtpLog) Println(v ...any)               { l.s.log.Warn("smtp", "args", v) }

type backend struct {
	s   *Service
	ctx context.Context
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b    *backend
	from string
	to   []string
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ok, err := x.b.s.RecipientKnown(x.b.ctx, to)
	if err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}
	}
	if !ok {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	from := x.from
	if from == "" {
		from = "<>"
	}
	_, err := x.b.s.Receive(x.b.ctx, r, Envelope{From: from, To: x.to})
	switch {
	case err == nil:
		return nil
	case errs.Is(err, errs.NotFound):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
	case errs.Is(err, errs.TooLarge):
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "message too big"}
	case errs.Is(err, errs.BadRequest), errs.Is(err, errs.Invalid):
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message rejected: " + firstLine(err.Error())}
	default:
		x.b.s.log.Error("inbound mail failed", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}
	}
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' || c == '\r' || i > 200 {
			return s[:i]
		}
	}
	return s
}

func (x *session) Reset() { x.from, x.to = "", nil }

func (x *session) Logout() error { return nil }
