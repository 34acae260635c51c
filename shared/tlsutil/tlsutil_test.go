package tlsutil

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestLoadOrCreate(t *testing.T) {
	dir := t.TempDir()

	cert, fp, created, err := LoadOrCreate(dir, []string{"relay.example.com", "192.0.2.7", "[2001:db8::1]", " "})
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Fatal("first call: created = false")
	}
	if fp != Fingerprint(cert.Certificate[0]) {
		t.Fatalf("fingerprint %s does not match certificate", fp)
	}
	leaf := cert.Leaf
	if leaf == nil {
		t.Fatal("Leaf not set")
	}
	if pub, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Fatalf("public key is %T, want ECDSA P-256", leaf.PublicKey)
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1", "relay.example.com", "192.0.2.7", "2001:db8::1"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("certificate does not cover %s: %v", h, err)
		}
	}
	if d := time.Until(leaf.NotAfter); d < Validity-2*time.Hour || d > Validity+time.Hour {
		t.Errorf("validity ends in %v, want about 10 years", d)
	}
	if runtime.GOOS != "windows" {
		checkMode(t, filepath.Join(dir, SubDir), 0o700)
		checkMode(t, filepath.Join(dir, SubDir, KeyFile), 0o600)
	}

	// Second call loads the same certificate, also when asking for a subset
	// of the hosts or hosts it already has by default.
	for _, hosts := range [][]string{nil, {"relay.example.com"}, {"localhost", "::1", "RELAY.example.com."}} {
		_, fp2, created, err := LoadOrCreate(dir, hosts)
		if err != nil {
			t.Fatal(err)
		}
		if created || fp2 != fp {
			t.Fatalf("hosts %v: created=%v fingerprint changed=%v, want the stored certificate", hosts, created, fp2 != fp)
		}
	}

	// A new host forces a new certificate.
	cert3, fp3, created, err := LoadOrCreate(dir, []string{"other.example.net"})
	if err != nil {
		t.Fatal(err)
	}
	if !created || fp3 == fp {
		t.Fatalf("new host: created=%v, fingerprint unchanged=%v", created, fp3 == fp)
	}
	if err := cert3.Leaf.VerifyHostname("other.example.net"); err != nil {
		t.Fatal(err)
	}

	// An expired one is replaced too.
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return time.Now().Add(Validity + 24*time.Hour) }
	_, fp4, created, err := LoadOrCreate(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !created || fp4 == fp3 {
		t.Fatalf("expired: created=%v, fingerprint unchanged=%v", created, fp4 == fp3)
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

func TestLoadOrCreateErrors(t *testing.T) {
	write := func(t *testing.T, dir, name, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, SubDir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, SubDir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	caSigned := func(t *testing.T, dir string) {
		// A leaf issued by some CA, as an operator might install.
		caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		ca, _ := x509.ParseCertificate(caDER)
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "server"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
		write(t, dir, CertFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
		write(t, dir, KeyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	}

	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		hosts   []string
		wantErr string
	}{
		{"bad host", nil, []string{"https://example.com"}, "neither an IP address nor a DNS name"},
		{"host with port", nil, []string{"example.com:443"}, "neither an IP address nor a DNS name"},
		{"key missing", func(t *testing.T, dir string) { write(t, dir, CertFile, "x") }, nil, "read private key"},
		{"cert missing", func(t *testing.T, dir string) { write(t, dir, KeyFile, "x") }, nil, "read certificate"},
		{"garbage", func(t *testing.T, dir string) {
			write(t, dir, CertFile, "not pem")
			write(t, dir, KeyFile, "not pem")
		}, nil, "load"},
		{"CA-issued lacking host is not replaced", caSigned, []string{"new.example.com"}, "not generated by Lifeline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			_, _, _, err := LoadOrCreate(dir, tc.hosts)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}

	// The CA-issued certificate is used as is when it fits.
	dir := t.TempDir()
	caSigned(t, dir)
	cert, _, created, err := LoadOrCreate(dir, []string{"localhost"})
	if err != nil || created || cert.Leaf.Subject.CommonName != "server" {
		t.Fatalf("CA-issued certificate: created=%v err=%v", created, err)
	}
}

func TestFingerprint(t *testing.T) {
	// SHA-256 of the empty input.
	const want = "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55"
	if got := Fingerprint(nil); got != want {
		t.Fatalf("Fingerprint(nil) = %s, want %s", got, want)
	}
	plain := strings.ReplaceAll(want, ":", "")

	tests := []struct {
		in      string
		wantErr string
	}{
		{in: want},
		{in: strings.ToLower(want)},
		{in: plain},
		{in: strings.ToLower(plain)},
		{in: "sha256:" + want},
		{in: "SHA256:" + strings.ToLower(plain)},
		{in: "  SHA256:" + want + "\n"},
		{in: "", wantErr: "empty"},
		{in: "sha256:", wantErr: "empty"},
		{in: want[:len(want)-3], wantErr: "32 bytes"},
		{in: plain + "00", wantErr: "32 bytes"},
		{in: plain[:63] + "G", wantErr: "not hexadecimal"},
		{in: plain[:63], wantErr: "not hexadecimal"},
		{in: "E3B0:" + want[6:], wantErr: "two hex digits"},
		{in: want + ":", wantErr: "two hex digits"},
		{in: "md5:" + plain, wantErr: "invalid certificate fingerprint"},
	}
	for _, tc := range tests {
		b, err := ParseFingerprint(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseFingerprint(%q) err = %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseFingerprint(%q): %v", tc.in, err)
			continue
		}
		if got := formatFingerprint(b); got != want {
			t.Errorf("ParseFingerprint(%q) = %s", tc.in, got)
		}
	}
}

func TestClientConfigErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("-----BEGIN NOTHING-----\n-----END NOTHING-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    ClientOptions
		wantErr string
	}{
		{"both", ClientOptions{CAFile: empty, Fingerprint: strings.Repeat("00", 32)}, "not both"},
		{"unreadable CA", ClientOptions{CAFile: filepath.Join(dir, "missing.pem")}, "read CA file"},
		{"CA without certificate", ClientOptions{CAFile: empty}, "contains no PEM certificate"},
		{"bad fingerprint", ClientOptions{Fingerprint: "abc"}, "invalid certificate fingerprint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ClientConfig(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("cfg=%v err=%v, want error containing %q", cfg != nil, err, tc.wantErr)
			}
		})
	}

	cfg, err := ClientConfig(ClientOptions{ServerName: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RootCAs != nil || cfg.InsecureSkipVerify || cfg.MinVersion != tls.VersionTLS12 || cfg.ServerName != "example.com" {
		t.Fatalf("system-roots config: %+v", cfg)
	}
}

// TestHandshake runs real TLS handshakes over 127.0.0.1.
func TestHandshake(t *testing.T) {
	dir := t.TempDir()
	cert, fp, _, err := LoadOrCreate(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, SubDir, CertFile)

	otherDir := t.TempDir()
	_, otherFP, _, err := LoadOrCreate(otherDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	otherCA := filepath.Join(otherDir, SubDir, CertFile)

	addr := serveTLS(t, ServerConfig(cert))

	colonless := strings.ToLower(strings.ReplaceAll(fp, ":", ""))
	tests := []struct {
		name    string
		opts    ClientOptions
		wantErr []string
	}{
		{name: "pinned", opts: ClientOptions{Fingerprint: fp}},
		{name: "pinned plain hex, any name", opts: ClientOptions{Fingerprint: "sha256:" + colonless, ServerName: "not-in-cert.example"}},
		{name: "pin mismatch", opts: ClientOptions{Fingerprint: otherFP}, wantErr: []string{"expected SHA-256 fingerprint " + otherFP, "presented " + fp}},
		{name: "CA file, IP", opts: ClientOptions{CAFile: caFile}},
		{name: "CA file, localhost", opts: ClientOptions{CAFile: caFile, ServerName: "localhost"}},
		{name: "CA file, wrong name", opts: ClientOptions{CAFile: caFile, ServerName: "example.com"}, wantErr: []string{"example.com"}},
		{name: "other CA file", opts: ClientOptions{CAFile: otherCA}, wantErr: []string{"x509"}},
		{name: "system roots", opts: ClientOptions{}, wantErr: []string{"x509"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ClientConfig(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			err = handshake(addr, cfg)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("handshake: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("handshake succeeded, want failure")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tc.opts.Fingerprint != "" {
				var mm *FingerprintMismatchError
				if !errors.As(err, &mm) || mm.Expected != otherFP || mm.Got != fp {
					t.Errorf("error %v is not a FingerprintMismatchError with both fingerprints", err)
				}
			}
		})
	}
}

// serveTLS accepts TLS connections on 127.0.0.1:0 and answers "ok" to each.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				if tc, ok := c.(*tls.Conn); ok && tc.Handshake() == nil {
					_, _ = io.WriteString(c, "ok")
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func handshake(addr string, cfg *tls.Config) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := tls.Dialer{Config: cfg, NetDialer: &net.Dialer{}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if string(buf) != "ok" {
		return errors.New("unexpected reply " + string(buf))
	}
	return nil
}
