package secretbox_test

import (
	"strings"
	"testing"

	"parley/internal/platform/secretbox"
)

const secret = "installation-secret-for-tests-0123456789"

func newBox(t *testing.T, installation, purpose string) *secretbox.Box {
	t.Helper()
	b, err := secretbox.New([]byte(installation), purpose)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := newBox(t, secret, "parley test v1")
	sealed := b.Seal("id-1", "hunter2")
	if sealed == "" || strings.Contains(sealed, "hunter2") || !strings.HasPrefix(sealed, "v1:") {
		t.Fatalf("sealed %q", sealed)
	}
	if again := b.Seal("id-1", "hunter2"); again == sealed {
		t.Error("two seals are equal: the nonce is not random")
	}
	got, err := b.Open("id-1", sealed)
	if err != nil || got != "hunter2" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Another box from the same secret and purpose (a restart) opens it.
	if got, err := newBox(t, secret, "parley test v1").Open("id-1", sealed); err != nil || got != "hunter2" {
		t.Errorf("Open after restart = %q, %v", got, err)
	}
}

// TestStoredFormat opens a value sealed by the webhook room before the box
// moved here: stored ciphertexts must keep opening.
func TestStoredFormat(t *testing.T) {
	b := newBox(t, secret, "parley webhook secrets v1")
	got, err := b.Open("01JWEBHOOKID", "v1:miytRxHkHVDnMVCJ0t5qS4LTGr0DI+kf63fLGu2B57fLPHg")
	if err != nil || got != "hunter2" {
		t.Errorf("Open = %q, %v", got, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	b := newBox(t, secret, "parley test v1")
	sealed := b.Seal("id-1", "hunter2")
	for _, c := range []struct {
		name       string
		box        *secretbox.Box
		id, sealed string
	}{
		{"wrong id", b, "id-2", sealed},
		{"wrong purpose", newBox(t, secret, "parley test v2"), "id-1", sealed},
		{"wrong secret", newBox(t, "another-installation-secret", "parley test v1"), "id-1", sealed},
		{"no prefix", b, "id-1", strings.TrimPrefix(sealed, "v1:")},
		{"corrupt base64", b, "id-1", "v1:***"},
		{"too short", b, "id-1", "v1:AAAA"},
	} {
		if got, err := c.box.Open(c.id, c.sealed); err == nil || got != "" {
			t.Errorf("%s: Open = %q, %v; want an error", c.name, got, err)
		} else if strings.Contains(err.Error(), "webhook") {
			t.Errorf("%s: error %q names a room", c.name, err)
		}
	}
}

func TestEmpty(t *testing.T) {
	b := newBox(t, secret, "parley test v1")
	if s := b.Seal("id-1", ""); s != "" {
		t.Errorf(`Seal("") = %q`, s)
	}
	if s, err := b.Open("id-1", ""); s != "" || err != nil {
		t.Errorf(`Open("") = %q, %v`, s, err)
	}
}

func TestShortSecret(t *testing.T) {
	if _, err := secretbox.New([]byte("too short"), "p"); err == nil {
		t.Error("a 9-byte secret was accepted")
	}
}
