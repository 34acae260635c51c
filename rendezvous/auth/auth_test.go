package auth

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id PHC", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	cases := []struct {
		name string
		hash string
		pw   string
		ok   bool
		err  bool
	}{
		{"right password", h, "correct horse battery", true, false},
		{"wrong password", h, "correct horse batterY", false, false},
		{"empty password", h, "", false, false},
		{"not argon2id", "$2a$10$abc", "x", false, true},
		{"truncated hash", h[:20], "x", false, true},
		{"absurd memory cost", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$a2V5", "x", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, err := VerifyPassword(c.hash, c.pw)
			if ok != c.ok || (err != nil) != c.err {
				t.Fatalf("VerifyPassword = %v, %v; want %v, error %v", ok, err, c.ok, c.err)
			}
		})
	}
}

func TestPasswordPolicy(t *testing.T) {
	if CheckPasswordPolicy("short") == nil {
		t.Fatal("a 5-character password was accepted")
	}
	if err := CheckPasswordPolicy("long enough pw"); err != nil {
		t.Fatal(err)
	}
}

func TestTokens(t *testing.T) {
	tok, hash, err := NewToken(UserTokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, UserTokenPrefix) || len(tok) < 40 {
		t.Fatalf("token %q", tok)
	}
	if string(HashToken(tok)) != string(hash) {
		t.Fatal("hash differs")
	}
	if got := BearerToken("Bearer " + tok); got != tok {
		t.Fatalf("BearerToken = %q", got)
	}
	if got := BearerToken("bearer " + tok); got != tok {
		t.Fatal("scheme must be case-insensitive")
	}
	if got := BearerToken("Basic abc"); got != "" {
		t.Fatalf("BearerToken(Basic) = %q", got)
	}
}

func TestLockout(t *testing.T) {
	now := time.Unix(1000, 0)
	failures, until := 0, time.Time{}
	for i := 1; i < MaxFailures; i++ {
		failures, until = AfterFailure(failures, now)
		if !until.IsZero() {
			t.Fatalf("locked after %d failures", i)
		}
	}
	failures, until = AfterFailure(failures, now)
	if !until.Equal(now.Add(LockDuration)) || failures != 0 {
		t.Fatalf("after %d failures: failures=%d until=%v", MaxFailures, failures, until)
	}
}
