package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckPublicURL(t *testing.T) {
	for _, tc := range []struct {
		in, want, errHas string
	}{
		{"https://support.example.com", "https://support.example.com", ""},
		{"https://support.example.com/", "https://support.example.com", ""},
		{" https://example.com:8443/lifeline/ ", "https://example.com:8443/lifeline", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"support.example.com", "", "must start with https://"},
		{"ftp://example.com", "", "must start with https://"},
		{"https://", "", "has no host name"},
		{"https://:443", "", "has no host name"},
		{"https://a@example.com", "", "without a user name"},
		{"https://example.com/?x=1", "", "query"},
		{"https://example.com/#top", "", "fragment"},
	} {
		got, err := CheckPublicURL(tc.in)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("CheckPublicURL(%q) = %q, %v; want an error with %q", tc.in, got, err, tc.errHas)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CheckPublicURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.5, 192.168.1.77/24,::1,, ::ffff:10.1.1.1")
	want := []string{"10.0.0.5/32", "192.168.1.0/24", "::1/128", "10.1.1.1/32"}
	if err != nil || len(got) != len(want) {
		t.Fatalf("ParseTrustedProxies = %v, %v", got, err)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("proxy %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.5, proxy.example.com"); err == nil || !strings.Contains(err.Error(), `"proxy.example.com" is neither`) {
		t.Errorf("a host name: %v", err)
	}
}

// TestFromProxy is what the server believes of a request: the headers of
// a trusted proxy only, and of them the last hop that is not a proxy.
func TestFromProxy(t *testing.T) {
	s := &Server{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("::1/128")}}
	for _, tc := range []struct {
		name, remote string
		xff          []string
		proto        string
		wantAddr     string
		wantHTTPS    bool
	}{
		{"no proxy", "198.51.100.7:5000", nil, "", "198.51.100.7:5000", false},
		{"a client's own headers are ignored", "198.51.100.7:5000", []string{"203.0.113.1"}, "https", "198.51.100.7:5000", false},
		{"through the proxy", "10.0.0.5:40000", []string{"198.51.100.7"}, "https", "198.51.100.7:0", true},
		{"over plain http through the proxy", "10.0.0.5:40000", []string{"198.51.100.7"}, "http", "198.51.100.7:0", false},
		{"a made-up first hop is not believed", "10.0.0.5:40000", []string{"203.0.113.1, 198.51.100.7"}, "", "198.51.100.7:0", false},
		{"two proxies", "10.0.0.5:40000", []string{"198.51.100.7, 10.0.0.9"}, "http, https", "198.51.100.7:0", true},
		{"headers on separate lines", "10.0.0.5:40000", []string{"203.0.113.1", "198.51.100.7"}, "", "198.51.100.7:0", false},
		{"IPv6 proxy and client", "[::1]:40000", []string{"2001:db8::7"}, "", "[2001:db8::7]:0", false},
		{"a garbled chain keeps the proxy", "10.0.0.5:40000", []string{"198.51.100.7, nonsense"}, "", "10.0.0.5:40000", false},
		{"no header keeps the proxy", "10.0.0.5:40000", nil, "", "10.0.0.5:40000", false},
		{"only proxies: the first", "10.0.0.5:40000", []string{"10.0.0.7, 10.0.0.9"}, "", "10.0.0.7:0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var gotAddr string
			var gotHTTPS bool
			h := s.fromProxy(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				gotAddr, gotHTTPS = r.RemoteAddr, isHTTPS(r)
			}))
			r := httptest.NewRequest("GET", "http://lifeline.test/healthz", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tc.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if gotAddr != tc.wantAddr || gotHTTPS != tc.wantHTTPS {
				t.Errorf("RemoteAddr %q https %v; want %q %v", gotAddr, gotHTTPS, tc.wantAddr, tc.wantHTTPS)
			}
		})
	}
}

// TestBaseURL: links name the public URL when there is one.
func TestBaseURL(t *testing.T) {
	r := httptest.NewRequest("GET", "http://10.0.0.2:8443/api/v1/sessions", nil)
	if got := (&Server{}).baseURL(r); got != "http://10.0.0.2:8443" {
		t.Errorf("without settings: %s", got)
	}
	if got := (&Server{PublicHost: "support.example.com"}).baseURL(r); got != "http://support.example.com:8443" {
		t.Errorf("with a public host: %s", got)
	}
	if got := (&Server{PublicHost: "x", PublicURL: "https://support.example.com/ll"}).baseURL(r); got != "https://support.example.com/ll" {
		t.Errorf("with a public URL: %s", got)
	}
}
