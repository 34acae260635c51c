package profile

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	"lifeline/shared/tlsutil"
)

// DefaultTimeout bounds a probe (connection and TLS handshake) when neither
// the context nor Options.Timeout says otherwise: long enough for a slow
// network, short enough that a wrong address is reported while the CSR is
// still looking at the login window.
const DefaultTimeout = 5 * time.Second

// Options adjust Probe and Check. The zero value is what the console uses.
type Options struct {
	// Roots replaces the system roots when deciding whether a certificate
	// is SystemTrusted, and is the RootCAs of the configuration TLSConfig
	// returns for TrustedBySystem. Tests use it to let a test CA play the
	// part of the system; nil means this computer's trusted authorities.
	Roots *x509.CertPool

	// Timeout bounds the probe when ctx has no deadline; 0 means
	// DefaultTimeout. A deadline on ctx always wins.
	Timeout time.Duration

	// Override, when set, is the trust the CSR chose explicitly on the
	// command line (--ca-file or --server-fingerprint, built with
	// tlsutil.ClientConfig). Check then skips trust on first use: the
	// server must pass a handshake with Override, and the decision is
	// TrustedByConfig. Probe ignores it.
	Override *tls.Config
}

func (o Options) context(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	d := o.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	return context.WithTimeout(ctx, d)
}

// ProbeResult is what a server presented, for display and for Check.
type ProbeResult struct {
	// Server is the server's key (host:port, see ServerKey).
	Server string
	// Encrypted is false for an http:// address, which is not contacted;
	// the certificate fields are then empty.
	Encrypted bool
	// Fingerprint is the SHA-256 of the server's certificate in the form the
	// server prints at start ("AB:CD:…").
	Fingerprint string
	// SystemTrusted reports whether the certificate chain verifies against
	// the system roots (or Options.Roots) for the server's host name.
	SystemTrusted bool
	// VerifyError says why SystemTrusted is false (for a self-signed
	// certificate: signed by an unknown authority); nil when it is true.
	VerifyError error
	// Subject and Issuer are the certificate's distinguished names and
	// NotAfter its expiry, to show to the CSR.
	Subject  string
	Issuer   string
	NotAfter time.Time
}

// Probe connects to the server at serverURL, reads its certificate and
// reports who it claims to be and whether this computer's authorities vouch
// for it. Nothing but a TLS handshake is sent; it does not decide trust (see
// Check). An http:// address is not contacted: the result has Encrypted
// false and no error.
func Probe(ctx context.Context, serverURL string, opts Options) (ProbeResult, error) {
	a, err := parseAddress(serverURL)
	if err != nil {
		return ProbeResult{}, err
	}
	if a.scheme != "https" {
		return ProbeResult{Server: a.key()}, nil
	}
	// The chain is verified below, by hand, so that an untrusted
	// certificate can still be read and shown instead of only failing.
	conf := &tls.Config{InsecureSkipVerify: true, ServerName: a.host, MinVersion: tls.VersionTLS12} //nolint:gosec // verified in describe
	certs, err := handshake(ctx, a, conf, opts)
	if err != nil {
		return ProbeResult{}, err
	}
	return describe(a, certs, opts.Roots), nil
}

// handshake connects to a with conf and returns the certificates the
// server presented.
func handshake(ctx context.Context, a address, conf *tls.Config, opts Options) ([]*x509.Certificate, error) {
	ctx, cancel := opts.context(ctx)
	defer cancel()
	d := &tls.Dialer{Config: conf}
	conn, err := d.DialContext(ctx, "tcp", a.key())
	if err != nil {
		var mismatch *tlsutil.FingerprintMismatchError
		var timeout net.Error
		switch {
		case errors.As(err, &mismatch):
			return nil, err // already a full explanation
		case errors.Is(err, context.DeadlineExceeded), errors.As(err, &timeout) && timeout.Timeout():
			return nil, &UnreachableError{fmt.Errorf("the server at %s did not answer in time; check the address and that the server is running: %w", a.key(), err)}
		}
		var netErr *net.OpError
		if errors.As(err, &netErr) && netErr.Op == "dial" {
			return nil, &UnreachableError{fmt.Errorf("cannot connect to the server at %s; check the address and that the server is running: %w", a.key(), err)}
		}
		return nil, fmt.Errorf("cannot set up an encrypted connection to the server at %s: %w", a.key(), err)
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		// crypto/tls refuses an empty chain already; keep the guard so an
		// index below can never panic.
		return nil, fmt.Errorf("the server at %s sent no certificate", a.key())
	}
	return certs, nil
}

func describe(a address, certs []*x509.Certificate, roots *x509.CertPool) ProbeResult {
	leaf := certs[0]
	r := ProbeResult{
		Server:      a.key(),
		Encrypted:   true,
		Fingerprint: tlsutil.Fingerprint(leaf.Raw),
		Subject:     leaf.Subject.String(),
		Issuer:      leaf.Issuer.String(),
		NotAfter:    leaf.NotAfter,
	}
	// The same verification crypto/tls would do: the rest of the chain as
	// intermediates, the host name the CSR typed, server authentication.
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		DNSName:       a.host,
		Roots:         roots,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	r.SystemTrusted = err == nil
	r.VerifyError = err
	return r
}

// UnreachableError is a server that could not be reached at all (no
// answer, connection refused), as opposed to one whose certificate failed.
type UnreachableError struct{ err error }

func (e *UnreachableError) Error() string { return e.err.Error() }
func (e *UnreachableError) Unwrap() error { return e.err }
