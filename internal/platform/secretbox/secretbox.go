// Package secretbox encrypts secrets at rest (webhook signing secrets,
// credentials of outbound targets) with AES-256-GCM under a key derived
// from the installation secret.
package secretbox

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

// Box seals and opens values for one purpose. The id of the owning record
// is the additional data, so a ciphertext copied onto another record does
// not open.
type Box struct{ aead cipher.AEAD }

const prefix = "v1:"

// New derives the key as HMAC-SHA256(secret, purpose), so each purpose
// gets its own key and values sealed for one do not open for another.
// Changing purpose makes existing ciphertexts unreadable.
func New(secret []byte, purpose string) (*Box, error) {
	if len(secret) < 16 {
		return nil, errors.New("secretbox: the installation secret must be at least 16 bytes")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain for the record id; "" stays "".
func (b *Box) Seal(id, plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(id))
	return prefix + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts a value sealed for id; "" stays "".
func (b *Box) Open(id, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", errors.New("secretbox: unknown secret encoding")
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize() {
		return "", errors.New("secretbox: corrupt secret")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, data[:n], data[n:], []byte(id))
	if err != nil {
		return "", errors.New("secretbox: secret does not decrypt (installation secret changed?)")
	}
	return string(plain), nil
}
