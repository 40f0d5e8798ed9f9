package blob

import (
	"context"
	"io"
	"strings"
	"testing"

	"parley/internal/platform/errs"
)

func TestLocal(t *testing.T) {
	ctx := context.Background()
	l, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	n, err := l.Put(ctx, "7/abc", strings.NewReader("hello"), 10)
	if err != nil || n != 5 {
		t.Fatalf("put: %d %v", n, err)
	}
	rc, err := l.Open(ctx, "7/abc")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "hello" {
		t.Fatalf("read %q", b)
	}
	if _, err := l.Put(ctx, "7/big", strings.NewReader("0123456789x"), 10); errs.KindOf(err) != errs.TooLarge {
		t.Fatalf("oversize: %v", err)
	}
	if _, err := l.Open(ctx, "7/big"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("an oversize blob must not exist: %v", err)
	}
	for _, bad := range []string{"../x", "/etc/passwd", "a/../b", "a b", ""} {
		if _, err := l.Put(ctx, bad, strings.NewReader("x"), 10); err == nil {
			t.Fatalf("key %q accepted", bad)
		}
	}
	if err := l.Delete(ctx, "7/abc"); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, "7/abc"); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := l.Open(ctx, "7/abc"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("deleted blob: %v", err)
	}
}
