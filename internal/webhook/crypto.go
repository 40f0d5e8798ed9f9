package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// box encrypts webhook secrets at rest with AES-256-GCM under a key derived
// from the installation secret. The webhook id is the additional data, so a
// ciphertext copied onto another webhook does not open.
type box struct{ aead cipher.AEAD }

const boxPrefix = "v1:"

func newBox(secret []byte) (*box, error) {
	if len(secret) < 16 {
		return nil, errors.New("webhook: Options.Secret must be at least 16 bytes")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("parley webhook secrets v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &box{aead: aead}, nil
}

// seal encrypts plain for the webhook id; "" stays "".
func (b *box) seal(id, plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(id))
	return boxPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// open decrypts a value sealed for id.
func (b *box) open(id, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(sealed, boxPrefix)
	if !ok {
		return "", errors.New("webhook: unknown secret encoding")
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize() {
		return "", errors.New("webhook: corrupt secret")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, data[:n], data[n:], []byte(id))
	if err != nil {
		return "", errors.New("webhook: secret does not decrypt (installation secret changed?)")
	}
	return string(plain), nil
}

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
