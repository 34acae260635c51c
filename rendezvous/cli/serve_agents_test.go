package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/server"
	"lifeline/shared/tlsutil"
)

func TestServeRefusesMissingAgentDir(t *testing.T) {
	code, _, errs := run(t, "", "serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--turn-listen", "off",
		"--agent-dir", filepath.Join(t.TempDir(), "missing"))
	if code != 2 || !strings.Contains(errs, "--agent-dir") || !strings.Contains(errs, "is not a folder") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestOfferAgents(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out bytes.Buffer
	var a server.AgentDownloads
	if err := offerAgents(dir, &a, &out, log); err != nil || a.Dir == "" || !strings.Contains(out.String(), "none yet") {
		t.Fatalf("an empty folder: %v, %q, %q", err, a.Dir, out.String())
	}
	for _, name := range []string{"lifeline-agent-linux-amd64", "lifeline-agent-windows-amd64.exe", "README"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("program"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	if err := offerAgents(dir, &a, &out, log); err != nil || !strings.Contains(out.String(), "Agent downloads: windows-amd64, linux-amd64 from "+dir) {
		t.Fatalf("a folder with two agents: %v, %q", err, out.String())
	}
	out.Reset()
	a = server.AgentDownloads{}
	if err := offerAgents("", &a, &out, log); err != nil || a.Dir != "" || !strings.Contains(out.String(), "No --agent-dir") {
		t.Fatalf("no folder: %v, %q", err, out.String())
	}
}

func TestSelfSigned(t *testing.T) {
	generated, _, _, err := tlsutil.LoadOrCreate(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !selfSigned(generated) {
		t.Error("the generated certificate is not taken as self-signed")
	}
	// A certificate issued by a CA: the agent trusts it through the
	// system's roots, and gets no fingerprint.
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "support.example.com"},
		DNSNames: []string{"support.example.com"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if selfSigned(tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key}) {
		t.Error("a CA-issued certificate is taken as self-signed")
	}
}

func TestServeRefusesBadProxySettings(t *testing.T) {
	for _, tc := range []struct {
		flag, value, errHas string
	}{
		{"--public-url", "support.example.com", "--public-url: the public URL \"support.example.com\" must start with https://"},
		{"--trusted-proxy", "10.0.0.1, nginx", "--trusted-proxy: \"nginx\" is neither an address nor a network"},
	} {
		code, _, errs := run(t, "", "serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--turn-listen", "off", tc.flag, tc.value)
		if code != 2 || !strings.Contains(errs, tc.errHas) {
			t.Errorf("%s %s: exit %d: %s", tc.flag, tc.value, code, errs)
		}
	}
}
