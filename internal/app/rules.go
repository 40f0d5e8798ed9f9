package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	"parley/internal/notify"
	"parley/internal/platform/mail"
	"parley/internal/platform/netguard"
	"parley/internal/rule/catalog"
	"parley/internal/rule/macro"
	"parley/internal/rule/trigger"
	"parley/internal/rule/view"
	"parley/internal/share"
	"parley/internal/ticket"
	"parley/internal/webhook"
)

// wireRules builds the business-rule rooms and sharing and hooks them into
// ticket writes: sharing's intake, triggers (they change the ticket), then
// webhooks' event subscriptions and sharing's outbox (which must see what
// triggers changed).
func (a *App) wireRules() error {
	cat := catalog.New(a.DB)
	p := people{ticket.Users{U: a.Users}}
	a.Triggers = trigger.NewService(a.DB, a.Clock, a.Log, a.Tickets, p)
	a.Triggers.SetCatalog(cat)
	a.Views = view.NewService(a.DB, a.Clock, a.Tickets, cat, a.Users)
	a.Macros = macro.NewService(a.DB, a.Clock, a.Tickets, cat)
	a.Tickets.SetMacros(a.Macros)
	allow, err := webhookAllow(a.Config.WebhookAllow)
	if err != nil {
		return err
	}
	a.Webhooks, err = webhook.NewService(a.DB, webhook.Options{Secret: a.secret, Allow: allow, Clock: a.Clock, Log: a.Log})
	if err != nil {
		return err
	}
	a.Webhooks.SetPeople(p)
	a.Triggers.SetWebhooks(a.Webhooks)
	a.Mail = notify.New(a.DB, a.Clock, a.Log, notify.Deps{Tickets: a.Tickets, People: notify.UserDirectory(a.Users),
		Accounts: notify.AccountDirectory(a.Accounts), Uploads: notify.TicketUploads(a.Tickets)},
		notify.Options{MailDomain: a.Config.MailHost(), WebDomain: a.Config.BaseDomain})
	a.Triggers.SetNotifier(a.Mail)
	a.Webhooks.SetRenderer(a.Mail)
	a.Tickets.SetRenderer(a.Mail)
	// Sharing: a ticket write first carries out sharing_agreement_ids (so
	// rules see "sent to"), then rules run, then partners hear what changed.
	a.Sharing, err = share.NewService(a.DB, a.Tickets, a.Users, a.Accounts, share.Options{Secret: a.secret, Allow: allow,
		BaseDomain: a.Config.BaseDomain, Clock: a.Clock, Log: a.Log, RetryBase: a.Config.SharingRetry})
	if err != nil {
		return err
	}
	a.Sharing.SetMailer(a.Mail)
	a.Triggers.SetSharer(a.Sharing)
	a.Tickets.SetMergeGuard(a.Sharing)
	a.Accounts.OnRename(a.Sharing.Renamed)
	a.Tickets.AddHook(a.Sharing.Intake())
	a.Tickets.AddHook(a.Triggers)
	a.Tickets.AddHook(a.Webhooks)
	a.Tickets.AddHook(a.Sharing.Outbox())
	return nil
}

// webhookAllow turns the configured hosts and networks into the guard's
// exceptions (nil: every private address is refused).
func webhookAllow(list []string) (netguard.AllowFunc, error) {
	if len(list) == 0 {
		return nil, nil
	}
	var ps []netip.Prefix
	for _, h := range list {
		if strings.Contains(h, "/") {
			p, err := netip.ParsePrefix(h)
			if err != nil {
				return nil, fmt.Errorf("webhook allow %q: %w", h, err)
			}
			ps = append(ps, p)
			continue
		}
		ip, err := netip.ParseAddr(h)
		if err != nil {
			return nil, fmt.Errorf("webhook allow %q: an IP address or CIDR is needed", h)
		}
		ps = append(ps, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return netguard.AllowPrefixes(ps...), nil
}

// sender is the outbound relay, or a sender that logs and drops mail when
// no relay is configured (a laptop demo has nowhere to send to).
func (a *App) sender() mail.Sender {
	c := a.Config
	if c.SMTPRelay == "" {
		return dropSender{a.Log}
	}
	s, err := mail.NewSMTP(mail.SMTPConfig{Addr: c.SMTPRelay, Username: c.SMTPUser, Password: c.SMTPPassword, TLS: c.SMTPTLS})
	if err != nil {
		// Config.Validate checked the address and policy already.
		panic(err)
	}
	return s
}

type dropSender struct{ log *slog.Logger }

func (d dropSender) Send(_ context.Context, m mail.Message) error {
	d.log.Info("mail not sent: no SMTP relay configured (PARLEY_SMTP_RELAY)",
		slog.Any("to", m.To), slog.String("subject", m.Subject))
	return nil
}
