package ratelimit

import (
	"testing"
	"time"
)

func TestKey(t *testing.T) {
	cases := []struct{ addr, want string }{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"192.0.2.7", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
	}
	for _, c := range cases {
		if got := Key(c.addr); got != c.want {
			t.Errorf("Key(%q) = %q, want %q", c.addr, got, c.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(3, time.Minute)
	l.Now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if b, _ := l.Blocked("a"); b {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail("a")
	}
	b, wait := l.Blocked("a")
	if !b || wait != time.Minute {
		t.Fatalf("after 3 failures: blocked=%v wait=%v", b, wait)
	}
	if b, _ := l.Blocked("b"); b {
		t.Fatal("another address is blocked too")
	}
	now = now.Add(40 * time.Second)
	if _, wait := l.Blocked("a"); wait != 20*time.Second {
		t.Fatalf("wait = %v, want 20s", wait)
	}
	now = now.Add(20 * time.Second)
	if b, _ := l.Blocked("a"); b {
		t.Fatal("still blocked after the window")
	}
}
