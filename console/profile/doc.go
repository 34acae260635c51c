// Package profile keeps what the desktop console remembers between runs:
// which servers the CSR has decided to trust, and the login that lets the
// CSR "stay logged in". It is plain Go (no GUI, no cgo) so that all of its
// decisions are tested without a display.
//
// # Trusting a server: the SSH model
//
// A Lifeline server either has a certificate from an authority this
// computer already trusts (a public CA, or a company CA installed on the
// machine), or, very often, the self-signed certificate it generated on
// first start. The second kind cannot be checked against anything, so the
// console does what SSH does with host keys:
//
//   - Probe connects, reads the server's certificate and reports its SHA-256
//     fingerprint (the same text the server prints when it starts) and
//     whether the system roots vouch for it.
//   - Check decides, before anything secret is sent: a CA-valid certificate
//     needs nothing more (TrustedBySystem). Otherwise the fingerprint is
//     looked up in KnownServers, the console's known_hosts: a match is
//     TrustedByPin; an unknown server is FirstUse, and the CSR is shown the
//     fingerprint and asked to compare it with the one the administrator
//     gave out before KnownServers.Remember pins it; a different fingerprint
//     is Changed, which is refused outright because it is exactly what an
//     interception looks like. Only an explicit KnownServers.Forget (the CSR
//     checked with the administrator that the certificate really was
//     replaced) lets the new certificate be offered as FirstUse again.
//   - TLSConfig turns the decision into the *tls.Config for every later
//     connection to that server. Pinned decisions pin the very fingerprint
//     the CSR saw, so there is no window between looking and connecting in
//     which another certificate could slip in.
//
// Plain http is accepted only for loopback addresses, mirroring the server,
// whose --insecure-http listens on loopback only.
//
// # Staying logged in
//
// Saved holds one login: the server, the email address and the bearer token
// the server issued (llu_…). As with the configuration files of gh or
// docker, the token is the credential: whoever can read the file can act as
// the CSR until the token expires or is revoked, which is why the file is
// readable by its owner only. Logging out clears the file and asks the
// server to invalidate the token, so a copied file is useless afterwards.
// The password is never stored.
//
// Both files live in DefaultDir (per user, mode 0700); every constructor
// takes the folder so that tests and portable setups can choose another.
package profile
