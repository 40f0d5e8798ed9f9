package webhook

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"

	"parley/internal/platform/httpx"
)

// EventVersion is the zendesk_event_version of every event payload.
const EventVersion = "2022-11-06"

// Publish sends an event (user.*, organization.*, ...) to the account's
// active webhooks subscribed to eventType ("zen:event-type:user.created" or
// just "user.created"), inside the caller's transaction. detail is the
// resource snapshot (ids as strings), event the change data ({} when nil).
func (s *Service) Publish(ctx context.Context, accountID int64, eventType, subject string, detail, event any) error {
	if !strings.HasPrefix(eventType, eventPrefix) {
		eventType = eventPrefix + eventType
	}
	subs, err := s.subscribed(ctx, accountID, eventType)
	if err != nil || len(subs[eventType]) == 0 {
		return err
	}
	return s.publish(ctx, accountID, subs[eventType], eventType, subject, detail, event)
}

func (s *Service) publish(ctx context.Context, accountID int64, webhookIDs []string, eventType, subject string, detail, event any) error {
	if event == nil {
		event = map[string]any{}
	}
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(map[string]any{
		"account_id": accountID, "id": newUUID(), "time": httpx.Time(s.clock.Now()), "type": eventType,
		"zendesk_event_version": EventVersion, "subject": subject, "detail": detail, "event": event,
	})
	if err != nil {
		return fmt.Errorf("webhook: encode event: %w", err)
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		for _, id := range webhookIDs {
			if _, err := s.invoke(ctx, Webhook{AccountID: accountID, ID: id}, "event", eventType, string(b)); err != nil {
				return err
			}
		}
		return nil
	})
}

// newUUID is a random (version 4) UUID, the id of an event.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
