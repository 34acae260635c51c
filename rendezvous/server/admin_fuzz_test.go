package server

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"lifeline/rendezvous/settings"
)

// The notice cookie comes back from the browser, which may change it:
// anything but a line of text is no notice, and a notice survives the
// trip.
func FuzzDecodeNotice(f *testing.F) {
	for _, s := range []string{"", encodeNotice("Saved — Scripts: Off."), "%%%", "AAAA", encodeNotice("a\nb"), encodeNotice("\xff")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got := decodeNotice(value)
		if got != "" && (!utf8.ValidString(got) || strings.ContainsFunc(got, unicode.IsControl)) {
			t.Fatalf("decodeNotice(%q) = %q, not a line of text", value, got)
		}
		if utf8.ValidString(value) && !strings.ContainsFunc(value, unicode.IsControl) && len(value) < 3000 {
			if back := decodeNotice(encodeNotice(value)); back != value {
				t.Fatalf("the notice %q came back as %q", value, back)
			}
		}
	})
}

// A settings form is whatever a browser, or anyone with the form's
// token, posts: every change it yields is a value the settings package
// accepts as stored, for a key of the form's, and differs from what is
// stored; a value is either a change, a refusal or the same as before.
func FuzzReadSettingsForm(f *testing.F) {
	for _, s := range []string{
		"scripts=off&max_customers=6", "max_customers=30&scripts=sometimes", "scripts=site&max_customers=",
		"session_mode=SINGLE&session_mode=multi", "retention_days=%00", "default_colors=16bit&unknown=x", "max_transfer_mb=+7",
	} {
		f.Add(s)
	}
	site := settings.Defaults()
	current := map[string]string{}
	for _, k := range settings.Keys() {
		current[k.Name] = k.Get(site)
	}
	own := map[string]string{"scripts": "off"}
	f.Fuzz(func(t *testing.T, query string) {
		form, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		for _, tc := range []struct {
			keys    []settings.Key
			current map[string]string
			check   func(settings.Key, string) (string, error)
		}{
			{settings.Keys(), current, settings.Key.Check},
			{settings.QueueKeys(), own, settings.Key.CheckQueue},
		} {
			changes, refused := readSettingsForm(tc.keys, tc.current, form, tc.check)
			seen := map[string]bool{}
			for _, c := range changes {
				if seen[c.Key.Name] {
					t.Fatalf("%q: %s changed twice", query, c.Key.Name)
				}
				seen[c.Key.Name] = true
				if _, ok := refused[c.Key.Name]; ok {
					t.Fatalf("%q: %s both changed and refused", query, c.Key.Name)
				}
				if again, err := tc.check(c.Key, c.Value); err != nil || again != c.Value {
					t.Fatalf("%q: %s changes to %q, which checks as %q, %v", query, c.Key.Name, c.Value, again, err)
				}
				if c.Value == tc.current[c.Key.Name] {
					t.Fatalf("%q: %s changes to what it is", query, c.Key.Name)
				}
				if _, ok := form[c.Key.Name]; !ok {
					t.Fatalf("%q: %s changes though the form leaves it out", query, c.Key.Name)
				}
			}
			for name, msg := range refused {
				if _, ok := form[name]; !ok || msg == "" || !strings.HasSuffix(msg, ".") {
					t.Fatalf("%q: refusal of %s: %q", query, name, msg)
				}
			}
		}
	})
}

// The page a form belongs to is where the browser goes to log in and
// back: a path under the form's, never another site.
func FuzzAdminPageOf(f *testing.F) {
	for _, s := range []string{"/admin/settings", "/admin/queues/billing/members/remove", "/admin/queues", "/admin", "/admin//x", "/admin/phrases/qph_1/remove"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		if !strings.HasPrefix(path, "/admin") {
			return
		}
		page := adminPageOf(path)
		if !strings.HasPrefix(page, "/admin") || strings.HasPrefix(page, "//") {
			t.Fatalf("adminPageOf(%q) = %q", path, page)
		}
		if !strings.HasPrefix("/"+strings.Trim(path, "/"), page) {
			t.Fatalf("adminPageOf(%q) = %q, not a part of it", path, page)
		}
	})
}
