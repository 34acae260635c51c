package server_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"lifeline/rendezvous/server"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// dialFrom is a dialer whose connections leave from a given loopback
// address, so that the server can tell the proxy from a client.
func dialFrom(ip string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return d.DialContext
}

// clientFrom is an API client of base whose connections leave from ip.
func clientFrom(base string, tlsConf *tls.Config, ip string) *client.Client {
	c := client.New(base, tlsConf)
	c.HTTP.Transport.(*http.Transport).DialContext = dialFrom(ip)
	return c
}

// TestBehindReverseProxy runs a session through a real reverse proxy that
// terminates TLS with a certificate of its own, as nginx would in front of
// the server: the proxy connects from 127.0.0.2, the one trusted address,
// and the people from 127.0.0.3.
func TestBehindReverseProxy(t *testing.T) {
	var backend atomic.Pointer[rendezvoustest.Server]
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			u, _ := url.Parse(backend.Load().URL)
			pr.SetURL(u)
			pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"] // appended to, as nginx's $proxy_add_x_forwarded_for
			pr.SetXForwarded()
		},
	}
	proxy := httptest.NewUnstartedServer(rp)
	proxy.StartTLS()
	t.Cleanup(proxy.Close)
	publicURL := proxy.URL + "/" // as an admin might type it

	ts := rendezvoustest.New(t, rendezvoustest.Options{Configure: func(s *server.Server) {
		u, err := server.CheckPublicURL(publicURL)
		if err != nil {
			t.Fatal(err)
		}
		s.PublicURL = u
		s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	}})
	backend.Store(ts)
	rp.Transport = &http.Transport{TLSClientConfig: ts.TLS, DialContext: dialFrom("127.0.0.2"), ForceAttemptHTTP2: false}

	proxyTLS := &tls.Config{RootCAs: proxy.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, MinVersion: tls.VersionTLS12}
	ctx := ctxT(t)

	// The CSR, through the proxy.
	ts.AddUser(t, "carol@example.com", "Carol", "csr", "proxy-test-password")
	csr := clientFrom(proxy.URL, proxyTLS, "127.0.0.3")
	if _, err := csr.Login(ctx, "carol@example.com", "proxy-test-password"); err != nil {
		t.Fatalf("login through the proxy: %v", err)
	}
	created, err := csr.CreateSession(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := proxy.URL + "/join/" + created.Number; created.JoinURL != want {
		t.Errorf("join link %q, want the public one %q", created.JoinURL, want)
	}

	// The customer, through the proxy, claiming to be somebody else: the
	// proxy's own hop is believed, the customer's claim is not.
	cust := clientFrom(proxy.URL, proxyTLS, "127.0.0.3")
	cust.HTTP.Transport = &headerTransport{base: cust.HTTP.Transport, name: "X-Forwarded-For", value: "203.0.113.66"}
	j, err := cust.Join(ctx, created.Number, "Paula", "paula@example.com")
	if err != nil {
		t.Fatalf("join through the proxy: %v", err)
	}
	parts, err := ts.Store.Participants(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	addrOf := func(id string) string {
		for _, p := range parts {
			if p.ID == id {
				return p.Addr
			}
		}
		return "(absent)"
	}
	if got := addrOf(j.ParticipantID); got != "127.0.0.3:0" {
		t.Errorf("the customer's address through the proxy = %q, want the client's 127.0.0.3 (not the proxy's, nor the made-up one)", got)
	}

	// The control connection, a WebSocket through the proxy.
	conn, err := cust.WithToken(j.Token).Dial(ctx)
	if err != nil {
		t.Fatalf("WebSocket through the proxy: %v", err)
	}
	defer conn.CloseNow()
	if _, err := conn.Request(ctx, j.SessionID, &protocol.Attach{}); err != nil {
		t.Fatalf("attach through the proxy: %v", err)
	}
	for {
		m, err := conn.Recv(ctx)
		if err != nil {
			t.Fatalf("the State through the proxy: %v", err)
		}
		if st, ok := m.Msg.(*protocol.State); ok {
			if st.You != j.ParticipantID {
				t.Errorf("State for %s, want %s", st.You, j.ParticipantID)
			}
			break
		}
	}

	// Straight to the server, not through the proxy: the header is a
	// client's claim and changes nothing.
	direct := clientFrom(ts.URL, ts.TLS, "127.0.0.3")
	direct.HTTP.Transport = &headerTransport{base: direct.HTTP.Transport, name: "X-Forwarded-For", value: "203.0.113.66"}
	j2, err := direct.Join(ctx, created.Number, "Sam", "")
	if err != nil {
		t.Fatal(err)
	}
	parts, _ = ts.Store.Participants(ctx, created.ID)
	if got := addrOf(j2.ParticipantID); !strings.HasPrefix(got, "127.0.0.3:") || got == "127.0.0.3:0" {
		t.Errorf("a direct client's address = %q, want its own connection's", got)
	}
}

// headerTransport adds one header to every request, as a client that
// makes up its forwarding headers would.
type headerTransport struct {
	base        http.RoundTripper
	name, value string
}

func (h *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return h.base.RoundTrip(r)
}
