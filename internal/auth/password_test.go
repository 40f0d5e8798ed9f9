package auth

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	p := Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	h, err := HashPassword(p, "correct horse")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q %v", h, err)
	}
	h2, _ := HashPassword(p, "correct horse")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if ok, err := CheckPassword(h, "correct horse"); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := CheckPassword(h, "correct horsf"); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=x$a$b", "$argon2id$v=19$m=64,t=1,p=1$!!$!!"} {
		if ok, err := CheckPassword(bad, "x"); ok || err == nil {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
}

func TestTokens(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if len(a) != 40 || a == b {
		t.Fatalf("secrets %q %q", a, b)
	}
	if HashToken(a) == HashToken(b) || len(HashToken(a)) != 64 || HashToken(a) != HashToken(a) {
		t.Fatal("token hashes")
	}
}
