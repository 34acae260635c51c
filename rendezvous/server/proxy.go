package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Behind a reverse proxy that terminates TLS (nginx, Caddy, a cloud load
// balancer), the server sees the proxy as every client, on a scheme and
// port the clients never use. Two settings put that right:
//
//   - PublicURL is the address clients use. Join links, the server baked
//     into downloaded agents and the help page's next step name it, and a
//     login cookie is Secure when it is https.
//   - TrustedProxies are the proxies whose X-Forwarded-For and
//     X-Forwarded-Proto are believed. Only those: from anyone else the
//     headers are a client's claim, and believing them would let one
//     client dodge the per-address limits on wrong session numbers and
//     help requests by naming a new address on every try.

// CheckPublicURL returns the public URL as the server uses it (without a
// trailing slash), or says why it is refused. It must be an absolute http
// or https URL of a host, with no query or fragment; a path is kept, for a
// proxy that serves Lifeline under one.
func CheckPublicURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return "", fmt.Errorf("the public URL %q is not a URL: %v", raw, err)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("the public URL %q must start with https:// (or http:// for a test on this computer)", raw)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("the public URL %q has no host name", raw)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("the public URL %q must be a plain address, without a user name, query or fragment", raw)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// ParseTrustedProxies reads a comma-separated list of addresses and
// networks ("10.0.0.5, 192.168.0.0/24, ::1").
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a network like 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

type forwardedHTTPSKey struct{}

// fromProxy rewrites a request that came through a trusted proxy as the
// client sent it: RemoteAddr becomes the client's address, and a request
// the proxy received over https is marked so (isHTTPS). A request from
// anyone else passes untouched, headers and all.
func (s *Server) fromProxy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.trusted(r.RemoteAddr) {
			next.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		if client := s.forwardedFor(r.Header.Values("X-Forwarded-For")); client.IsValid() {
			// Port 0: the client's port is the proxy's business; the
			// address keeps the host:port shape every reader expects.
			r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
		}
		if strings.EqualFold(lastHop(r.Header.Values("X-Forwarded-Proto")), "https") {
			r2 = r2.WithContext(context.WithValue(r2.Context(), forwardedHTTPSKey{}, true))
		}
		next.ServeHTTP(w, r2)
	})
}

// trusted says whether addr (host:port) is one of the trusted proxies.
func (s *Server) trusted(addr string) bool {
	if len(s.TrustedProxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return false
	}
	return s.trustedAddr(ap.Addr())
}

func (s *Server) trustedAddr(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor is the client's address in X-Forwarded-For: the last hop
// that is not itself a trusted proxy. Earlier entries were written by
// whoever sent the request and may be made up; the hops after the client
// are our own proxies, each of which appended what it saw.
func (s *Server) forwardedFor(values []string) netip.Addr {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{} // a garbled chain: keep the proxy's address
		}
		if !s.trustedAddr(a) || i == 0 {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}

// lastHop is the last entry of a header a chain of proxies appends to.
func lastHop(values []string) string {
	if len(values) == 0 {
		return ""
	}
	hops := strings.Split(values[len(values)-1], ",")
	return strings.TrimSpace(hops[len(hops)-1])
}

// isHTTPS says whether the client reached the server over https: directly,
// or through a trusted proxy that says so.
func isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	v, _ := r.Context().Value(forwardedHTTPSKey{}).(bool)
	return v
}

// baseURL is the server's own URL as clients use it: PublicURL when set,
// otherwise as this request reached it (with PublicHost for the host).
func (s *Server) baseURL(r *http.Request) string {
	if s.PublicURL != "" {
		return s.PublicURL
	}
	scheme := "http"
	if isHTTPS(r) {
		scheme = "https"
	}
	host := r.Host
	if s.PublicHost != "" {
		if _, port, err := net.SplitHostPort(r.Host); err == nil && port != "443" {
			host = net.JoinHostPort(s.PublicHost, port)
		} else {
			host = s.PublicHost
		}
	}
	return scheme + "://" + host
}
