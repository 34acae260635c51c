package profile

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestProbeSelfSigned(t *testing.T) {
	srv := selfSigned(t)
	p, err := Probe(context.Background(), srv.URL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	leaf := srv.Certificate()
	if !p.Encrypted || p.Fingerprint != fingerprintOf(srv) || p.SystemTrusted || p.VerifyError == nil {
		t.Errorf("Probe = %+v, want encrypted, fingerprint %s, not system trusted with a reason", p, fingerprintOf(srv))
	}
	if p.Subject != leaf.Subject.String() || p.Issuer != leaf.Issuer.String() || !p.NotAfter.Equal(leaf.NotAfter) {
		t.Errorf("Probe subject/issuer/expiry = %q/%q/%v, want %q/%q/%v", p.Subject, p.Issuer, p.NotAfter, leaf.Subject, leaf.Issuer, leaf.NotAfter)
	}
	if want := strings.TrimPrefix(srv.URL, "https://"); p.Server != want {
		t.Errorf("Server = %q, want %q", p.Server, want)
	}
}

func TestProbeSystemTrust(t *testing.T) {
	pki := newPKI(t)
	tests := []struct {
		name    string
		ips     bool
		names   []string
		chain   bool
		trusted bool
	}{
		{name: "chain with intermediate", ips: true, chain: true, trusted: true},
		// The intermediate is not in Options.Roots: without it the chain
		// cannot be built, as a misconfigured server would fail in browsers.
		{name: "intermediate missing", ips: true, chain: false, trusted: false},
		// Issued for another name than the address dialled.
		{name: "wrong host name", names: []string{"lifeline.test"}, chain: true, trusted: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ips = loopbackIP
			if !tt.ips {
				ips = nil
			}
			cert := pki.serverCert(t, ips, tt.names, tt.chain)
			srv := startTLS(t, &cert)
			p, err := Probe(context.Background(), srv.URL, Options{Roots: pki.roots})
			if err != nil {
				t.Fatal(err)
			}
			if p.SystemTrusted != tt.trusted || (p.VerifyError == nil) != tt.trusted {
				t.Errorf("SystemTrusted = %v (%v), want %v", p.SystemTrusted, p.VerifyError, tt.trusted)
			}
			// The system roots never know the test CA.
			p, err = Probe(context.Background(), srv.URL, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if p.SystemTrusted {
				t.Error("the test CA is trusted by the real system roots")
			}
		})
	}
}

func TestProbeHTTPIsNotContacted(t *testing.T) {
	// Nothing listens on this port; an http address is not dialled at all.
	p, err := Probe(context.Background(), "http://127.0.0.1:9", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Encrypted || p.Fingerprint != "" || p.Server != "127.0.0.1:9" {
		t.Errorf("Probe(http) = %+v, want unencrypted for 127.0.0.1:9", p)
	}
}

func TestProbeErrors(t *testing.T) {
	// A port that was just free: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + ln.Addr().String()
	ln.Close()
	if _, err := Probe(context.Background(), closed, Options{}); err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("Probe(closed port) error = %v, want cannot connect", err)
	}
	for _, bad := range []string{"", "support.example.com", "ftp://example.com", "https://", "https://a@example.com", "https://example.com:99999"} {
		if _, err := Probe(context.Background(), bad, Options{}); err == nil {
			t.Errorf("Probe(%q) succeeded", bad)
		}
	}
}

// silent accepts connections and never answers the TLS handshake.
func silent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "https://" + ln.Addr().String()
}

func TestDefaultTimeout(t *testing.T) {
	ctx, cancel := Options{}.context(context.Background())
	defer cancel()
	dl, ok := ctx.Deadline()
	if left := time.Until(dl); !ok || left > DefaultTimeout || left < DefaultTimeout-time.Second {
		t.Errorf("default deadline in %v (set %v), want %v", left, ok, DefaultTimeout)
	}
	// A longer deadline of the caller is kept: the context wins.
	parent, cancelParent := context.WithTimeout(context.Background(), time.Minute)
	defer cancelParent()
	ctx, cancel = Options{}.context(parent)
	defer cancel()
	if dl, _ := ctx.Deadline(); time.Until(dl) < 50*time.Second {
		t.Errorf("the caller's one-minute deadline became %v", time.Until(dl))
	}
}

func TestProbeTimeouts(t *testing.T) {
	url := silent(t)

	start := time.Now()
	_, err := Probe(context.Background(), url, Options{Timeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "did not answer in time") {
		t.Errorf("Probe(silent) error = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Options.Timeout 200ms took %v", d)
	}

	// A deadline on the context wins over Options.Timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = Probe(ctx, url, Options{Timeout: time.Minute})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Probe(silent, ctx deadline) error = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a 150ms context deadline took %v", d)
	}
}
