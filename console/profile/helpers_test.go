package profile

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"lifeline/shared/tlsutil"
)

// selfSigned starts a TLS server on 127.0.0.1 with a fresh self-signed
// certificate, which no system trusts, like the one a Lifeline server
// generates. (httptest's own certificate is the same for every server, so
// it could not play a replaced certificate.)
func selfSigned(t *testing.T) *httptest.Server {
	t.Helper()
	key := newKey(t)
	leaf := issue(t, &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"Lifeline"}, CommonName: "Lifeline self-signed certificate"},
		IPAddresses:           loopbackIP,
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}, nil, nil, key)
	return startTLS(t, &tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf})
}

// startTLS starts an HTTPS server on 127.0.0.1 serving cert. Handshake errors, which the refusal tests provoke on purpose,
// are not logged.
func startTLS(t *testing.T, cert *tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func fingerprintOf(srv *httptest.Server) string {
	return tlsutil.Fingerprint(srv.Certificate().Raw)
}

// testPKI is a root CA and an intermediate, standing in for the
// authorities a computer trusts.
type testPKI struct {
	roots    *x509.CertPool
	inter    *x509.Certificate
	interKey *ecdsa.PrivateKey
}

func newPKI(t *testing.T) *testPKI {
	t.Helper()
	rootKey := newKey(t)
	root := issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Test Root CA"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}, nil, nil, rootKey)
	interKey := newKey(t)
	inter := issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Test Intermediate CA"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}, root, rootKey, interKey)
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return &testPKI{roots: pool, inter: inter, interKey: interKey}
}

// serverCert issues a server certificate for the given IPs and names,
// signed by the intermediate. withChain sends the intermediate too, as a
// correctly configured server does.
func (p *testPKI) serverCert(t *testing.T, ips []net.IP, names []string, withChain bool) tls.Certificate {
	t.Helper()
	key := newKey(t)
	leaf := issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "support.test"},
		IPAddresses: ips,
		DNSNames:    names,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, p.inter, p.interKey, key)
	chain := [][]byte{leaf.Raw}
	if withChain {
		chain = append(chain, p.inter.Raw)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var serial atomic.Int64

// issue signs tmpl with parent/parentKey (self-signed when parent is nil).
func issue(t *testing.T, tmpl, parent *x509.Certificate, parentKey, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(serial.Add(1))
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var loopbackIP = []net.IP{net.IPv4(127, 0, 0, 1)}
