package profile

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"lifeline/shared/tlsutil"
)

// Kind is what Check decided about a server.
type Kind int

const (
	_ Kind = iota // the zero Decision decides nothing

	// TrustedBySystem: the certificate chain verifies against this
	// computer's authorities for the server's name, as in a browser.
	// Nothing is pinned: CA certificates are renewed often, and the CA
	// vouches for each new one.
	TrustedBySystem

	// TrustedByPin: the CSR trusted this certificate before (KnownServers)
	// and the server still presents it.
	TrustedByPin

	// FirstUse: an unknown server with a certificate nobody vouches for.
	// Show Probe.Fingerprint and Message, and only if the CSR confirms that
	// it matches the fingerprint the administrator gave out, Remember it.
	FirstUse

	// Changed: the server presents a different certificate than the one
	// the CSR trusted. Refused; see Message.
	Changed

	// Unencrypted: an http:// address. Allowed for loopback addresses only
	// (Refused reports the rest), like the server's --insecure-http.
	Unencrypted

	// TrustedByConfig: the caller's Options.Override (--ca-file or
	// --server-fingerprint) accepted the server; trust on first use was not
	// consulted.
	TrustedByConfig
)

func (k Kind) String() string {
	switch k {
	case TrustedBySystem:
		return "trusted by system"
	case TrustedByPin:
		return "trusted by pin"
	case FirstUse:
		return "first use"
	case Changed:
		return "changed"
	case Unencrypted:
		return "unencrypted"
	case TrustedByConfig:
		return "trusted by configuration"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Decision is the outcome of Check, for the server at one address.
type Decision struct {
	Kind Kind
	// URL is the address checked, as given (trimmed).
	URL string
	// Server is its key, host:port (see ServerKey).
	Server string
	// Probe is what the server presented (not contacted for http).
	Probe ProbeResult
	// Known is the remembered entry for TrustedByPin and Changed.
	Known KnownServer
	// Message explains the decision to the CSR in a few sentences; for
	// refusals it says what to do next.
	Message string

	loopback bool
	opts     Options
}

// Refused reports whether the console must not connect: a Changed
// certificate, or plain http to another computer.
func (d Decision) Refused() bool {
	return d.Kind == Changed || (d.Kind == Unencrypted && !d.loopback) || d.Kind == 0
}

// NeedsConfirmation reports whether the CSR must compare and confirm the
// fingerprint before the console connects (FirstUse).
func (d Decision) NeedsConfirmation() bool { return d.Kind == FirstUse }

// Pin is the fingerprint TLSConfig pins, "" when it does not pin
// (system or configured trust, http). Saved logins record it.
func (d Decision) Pin() string {
	if d.Kind == TrustedByPin || d.Kind == FirstUse {
		return d.Probe.Fingerprint
	}
	return ""
}

// Err is nil when the decision lets the console connect (after the CSR's
// confirmation for FirstUse), and otherwise an error carrying Message.
func (d Decision) Err() error {
	if !d.Refused() {
		return nil
	}
	if d.Kind == 0 {
		return errors.New("no server was checked")
	}
	return &RefusedError{Decision: d}
}

// RefusedError is returned by TLSConfig and Decision.Err for a refused
// decision; its text is the decision's Message.
type RefusedError struct {
	Decision Decision
}

func (e *RefusedError) Error() string { return e.Decision.Message }

// Check decides whether, and how, the console may talk to the server at
// serverURL, before any password or token is sent. See the package
// documentation for the model. store may be nil only with
// Options.Override.
//
// An error means no decision could be made (a bad address, an unreachable
// server, an unreadable known-servers file, or a server that fails the
// configured Override); refusals are decisions, see Decision.Refused.
func Check(ctx context.Context, store *KnownServers, serverURL string, opts Options) (Decision, error) {
	a, err := parseAddress(serverURL)
	if err != nil {
		return Decision{}, err
	}
	d := Decision{URL: strings.TrimSpace(serverURL), Server: a.key(), loopback: a.loopback(), opts: opts}

	if a.scheme != "https" {
		d.Kind = Unencrypted
		d.Probe = ProbeResult{Server: a.key()}
		if d.loopback {
			d.Message = fmt.Sprintf("The connection to %s is not encrypted (http). That is allowed only for a server on this computer, for testing.", a.key())
		} else {
			d.Message = fmt.Sprintf("The address %s is not encrypted (http), so the password and everything the customer shares could be read on the way. "+
				"Plain http is allowed only for a server on this computer (localhost), for testing: use the server's https:// address.", d.URL)
		}
		return d, nil
	}

	if opts.Override != nil {
		conf := opts.Override.Clone()
		if conf.ServerName == "" {
			conf.ServerName = a.host
		}
		certs, err := handshake(ctx, a, conf, opts)
		var unreachable *UnreachableError
		if errors.As(err, &unreachable) {
			return Decision{}, err
		}
		if err != nil {
			return Decision{}, fmt.Errorf("the server at %s is not trusted as configured (--ca-file or --server-fingerprint): %w", a.key(), err)
		}
		d.Kind = TrustedByConfig
		d.Probe = describe(a, certs, opts.Roots)
		d.Message = fmt.Sprintf("The certificate of %s is checked as configured when the console was started (--ca-file or --server-fingerprint). Its fingerprint (SHA-256) is %s.",
			a.key(), d.Probe.Fingerprint)
		return d, nil
	}

	if store == nil {
		return Decision{}, errors.New("cannot check the server: the console has no list of trusted servers")
	}
	p, err := Probe(ctx, serverURL, opts)
	if err != nil {
		return Decision{}, err
	}
	d.Probe = p
	if p.SystemTrusted {
		// A CA vouches for it. A pin remembered from an earlier
		// self-signed certificate is not consulted: the CA's word is what
		// browsers rely on, and a server moving to a CA certificate must
		// not look like an attack.
		d.Kind = TrustedBySystem
		d.Message = fmt.Sprintf("The certificate of %s was issued by %s, an authority this computer trusts.", a.key(), p.Issuer)
		return d, nil
	}

	known, ok, err := store.Lookup(serverURL)
	if err != nil {
		return Decision{}, err
	}
	switch {
	case !ok:
		d.Kind = FirstUse
		d.Message = fmt.Sprintf("The console has not connected to %s before, and no authority this computer trusts vouches for its certificate. "+
			"Compare its fingerprint (SHA-256) with the one your administrator gave you (the server prints it when it starts), "+
			"and trust it only if they are the same:\n%s", a.key(), p.Fingerprint)
	case known.Fingerprint == p.Fingerprint:
		d.Kind = TrustedByPin
		d.Known = known
		d.Message = fmt.Sprintf("This is the server %s you trusted on %s; its certificate fingerprint (SHA-256) is still %s.",
			a.key(), day(known.FirstTrusted), p.Fingerprint)
	default:
		d.Kind = Changed
		d.Known = known
		d.Message = fmt.Sprintf("The certificate of %s has changed since you trusted it on %s, so the console will not connect.\n"+
			"Trusted fingerprint: %s\nFingerprint now: %s\n"+
			"Either the administrator replaced the server's certificate, or someone is intercepting the connection. "+
			"Ask your administrator for the server's current fingerprint. Only if it is the new one above, forget the trusted certificate of %s "+
			"and connect again to confirm the new one.",
			a.key(), day(known.FirstTrusted), known.Fingerprint, p.Fingerprint, a.key())
	}
	return d, nil
}

// TLSConfig is the configuration for every connection to the decision's
// server from now on (client.New, the controller, WebSockets):
//
//   - TrustedBySystem: the system roots (or Options.Roots), names and dates
//     checked as usual.
//   - TrustedByPin and FirstUse: pinned to the fingerprint Check saw, with
//     tlsutil.ClientConfig. For FirstUse, call it only once the CSR has
//     confirmed; it pins what the CSR was shown, whether or not it was
//     remembered.
//   - TrustedByConfig: a copy of Options.Override.
//   - Unencrypted (loopback): nil, as there is no TLS.
//
// A refused decision returns a *RefusedError.
func TLSConfig(d Decision) (*tls.Config, error) {
	if err := d.Err(); err != nil {
		return nil, err
	}
	switch d.Kind {
	case TrustedBySystem:
		return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: d.opts.Roots}, nil
	case TrustedByPin, FirstUse:
		return tlsutil.ClientConfig(tlsutil.ClientOptions{Fingerprint: d.Pin()})
	case TrustedByConfig:
		return d.opts.Override.Clone(), nil
	case Unencrypted:
		return nil, nil
	}
	return nil, fmt.Errorf("no connection settings for a decision of kind %v", d.Kind)
}
