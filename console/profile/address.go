package profile

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// address is a server URL reduced to what identifies the server for trust
// purposes: the scheme and where it listens. Paths, trailing slashes and the
// case of the host name do not make a different server.
type address struct {
	scheme string // "https" or "http"
	host   string // lower case, no trailing dot, IPs in canonical form, no brackets
	port   string // decimal, default port filled in
}

// key is host:port as used in KnownServers (brackets around IPv6).
func (a address) key() string { return net.JoinHostPort(a.host, a.port) }

// loopback reports whether the address is this computer, by the same rule
// as the server's --insecure-http check: "localhost" or a loopback IP.
func (a address) loopback() bool {
	if a.host == "localhost" {
		return true
	}
	ip := net.ParseIP(a.host)
	return ip != nil && ip.IsLoopback()
}

// ServerKey returns how a server is identified in KnownServers: host:port
// with the host in lower case and the default port (443 for https, 80 for
// http) filled in, so that "HTTPS://Support.Example.com:443/" and
// "https://support.example.com" are the same server.
func ServerKey(serverURL string) (string, error) {
	a, err := parseAddress(serverURL)
	if err != nil {
		return "", err
	}
	return a.key(), nil
}

func parseAddress(serverURL string) (address, error) {
	s := strings.TrimSpace(serverURL)
	invalid := func(why string) (address, error) {
		return address{}, fmt.Errorf("%q is not a server address like https://support.example.com:8443: %s", serverURL, why)
	}
	if s == "" {
		return address{}, fmt.Errorf("no server address was given; it looks like https://support.example.com:8443")
	}
	u, err := url.Parse(s)
	if err != nil {
		return invalid("it cannot be read as a URL")
	}
	var a address
	switch strings.ToLower(u.Scheme) {
	case "https":
		a.scheme, a.port = "https", "443"
	case "http":
		a.scheme, a.port = "http", "80"
	case "":
		return invalid("it must start with https://")
	default:
		return invalid("it must start with https:// (not " + u.Scheme + "://)")
	}
	if u.Opaque != "" || u.Host == "" {
		return invalid("it has no host name")
	}
	// "https://support.example.com@evil.example" reads like the first host
	// but connects to the second; no Lifeline address has a user name.
	if u.User != nil {
		return invalid("it contains a user name (the part before @)")
	}
	a.host = strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if a.host == "" {
		return invalid("it has no host name")
	}
	if ip := net.ParseIP(a.host); ip != nil {
		a.host = ip.String()
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return invalid("the port must be a number from 1 to 65535")
		}
		a.port = strconv.Itoa(n)
	}
	return a, nil
}
