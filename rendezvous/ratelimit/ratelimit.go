// Package ratelimit counts failures per network address so that guessing
// session numbers is slow: after Max failures within Window, an address is
// refused until the window that began with its first failure is over.
// IPv6 addresses are counted per /64, since one host usually owns a whole
// /64 and could otherwise rotate addresses for free.
package ratelimit

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Limiter counts failures per key. The zero value is not usable; use New.
type Limiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu      sync.Mutex
	entries map[string]*entry
	sweep   time.Time
}

type entry struct {
	start    time.Time
	failures int
}

// New returns a limiter allowing max failures per window.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now, entries: map[string]*entry{}}
}

// Key is the counting key of a remote address ("ip:port" or "ip"): the
// IPv4 address, or the /64 of an IPv6 address.
func Key(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// Blocked reports whether key is refused now, and for how long.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	e := l.entries[key]
	if e == nil || now.Sub(e.start) >= l.Window {
		return false, 0
	}
	if e.failures >= l.Max {
		return true, e.start.Add(l.Window).Sub(now)
	}
	return false, 0
}

// Fail records one failure for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	l.sweepLocked(now)
	e := l.entries[key]
	if e == nil || now.Sub(e.start) >= l.Window {
		e = &entry{start: now}
		l.entries[key] = e
	}
	e.failures++
}

// sweepLocked drops expired entries once per window so the map cannot
// grow without bound under a spray of addresses.
func (l *Limiter) sweepLocked(now time.Time) {
	if now.Sub(l.sweep) < l.Window {
		return
	}
	l.sweep = now
	for k, e := range l.entries {
		if now.Sub(e.start) >= l.Window {
			delete(l.entries, k)
		}
	}
}
