package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// newSigningSecret is 32 random bytes, base64, as Zendesk issues them.
func newSigningSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Sign computes the X-Zendesk-Webhook-Signature of a request: base64 of
// HMAC-SHA256 keyed with the signing secret (as text) over the timestamp
// header followed directly by the raw body.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TestSigningSecret signs test requests for webhooks that do not exist
// yet, as Zendesk does.
const TestSigningSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
