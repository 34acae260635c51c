package queue

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		fault    string // a part of the refusal; "" when accepted
	}{
		{"billing", "billing", ""},
		{"  Tier-2 ", "tier-2", ""},
		{"B2B", "b2b", ""},
		{"", "", "needs a name"},
		{"   ", "", "needs a name"},
		{strings.Repeat("a", MaxNameLen), strings.Repeat("a", MaxNameLen), ""},
		{strings.Repeat("a", MaxNameLen+1), "", "at most 40 characters"},
		{"-billing", "", "cannot begin or end with a hyphen"},
		{"billing-", "", "cannot begin or end with a hyphen"},
		{"first line", "", `has ' '`},
		{"bill/ing", "", `has '/'`},
		{"café", "", `has 'é'`},
		{"a?b", "", `has '?'`},
	} {
		got, err := CheckName(tc.in)
		switch {
		case tc.fault == "" && (err != nil || got != tc.want):
			t.Errorf("CheckName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case tc.fault != "" && (err == nil || !strings.Contains(err.Error(), tc.fault)):
			t.Errorf("CheckName(%q) = %q, %v; want a refusal with %q", tc.in, got, err, tc.fault)
		}
	}
}

func TestCheckDisplayName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "billing", true}, // the name stands in
		{" Billing and invoices ", "Billing and invoices", true},
		{"Facturación", "Facturación", true},
		{strings.Repeat("é", MaxDisplayNameLen), strings.Repeat("é", MaxDisplayNameLen), true},
		{strings.Repeat("é", MaxDisplayNameLen+1), "", false},
		{"two\nlines", "", false},
		{"bad \xff", "", false},
	} {
		got, err := CheckDisplayName(tc.in, "billing")
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("CheckDisplayName(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestCheckCustomer(t *testing.T) {
	good := Customer{Name: "Paula Customer", Email: "paula@example.com", Problem: "The printer is offline.", Referrer: "https://example.com/support?x=1"}
	with := func(f func(*Customer)) Customer { c := good; f(&c); return c }
	for _, tc := range []struct {
		name  string
		in    Customer
		field string // "" when accepted
		msg   string // a part of the sentence
	}{
		{"everything", good, "", ""},
		{"only name and email", Customer{Name: "Paula", Email: "p@example.com"}, "", ""},
		{"no name", with(func(c *Customer) { c.Name = "  " }), FieldName, "Please enter your name"},
		{"a name too long", with(func(c *Customer) { c.Name = strings.Repeat("n", 101) }), FieldName, "at most 100 characters"},
		{"a name of two lines", with(func(c *Customer) { c.Name = "Paula\nCustomer" }), FieldName, "on one line"},
		{"no email", with(func(c *Customer) { c.Email = "" }), FieldEmail, "Please enter your email address"},
		{"an email without @", with(func(c *Customer) { c.Email = "paula.example.com" }), FieldEmail, "like name@example.com"},
		{"an email with two @", with(func(c *Customer) { c.Email = "a@b@example.com" }), FieldEmail, "email"},
		{"an email without a dot in the domain", with(func(c *Customer) { c.Email = "paula@localhost" }), FieldEmail, "email"},
		{"an email with a space", with(func(c *Customer) { c.Email = "paula @example.com" }), FieldEmail, "email"},
		{"an email too long", with(func(c *Customer) { c.Email = strings.Repeat("a", 250) + "@x.com" }), FieldEmail, "email"},
		{"a problem of 500 characters", with(func(c *Customer) { c.Problem = strings.Repeat("é", 500) }), "", ""},
		{"a problem of 501 characters", with(func(c *Customer) { c.Problem = strings.Repeat("é", 501) }), FieldProblem, "at most 500 characters; this description has 501."},
		{"a problem with a bell", with(func(c *Customer) { c.Problem = "ding\a" }), FieldProblem, "without control characters"},
		{"a referrer that is not a URL", with(func(c *Customer) { c.Referrer = "somewhere" }), FieldReferrer, "http or https address"},
		{"a javascript referrer", with(func(c *Customer) { c.Referrer = "javascript:alert(1)" }), FieldReferrer, "http or https address"},
		{"a referrer too long", with(func(c *Customer) { c.Referrer = "https://example.com/" + strings.Repeat("a", 2000) }), FieldReferrer, "at most 2000 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckCustomer(tc.in)
			var fe *FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Msg, tc.msg)):
				t.Fatalf("CheckCustomer = %v; want field %s with %q", err, tc.field, tc.msg)
			case tc.field != "":
				if !strings.HasSuffix(fe.Msg, ".") || fe.Msg[0] < 'A' || fe.Msg[0] > 'Z' {
					t.Errorf("%q is not a sentence", fe.Msg)
				}
			case got.Name != strings.TrimSpace(tc.in.Name):
				t.Errorf("name stored as %q", got.Name)
			}
		})
	}
	// What is stored: trimmed, line endings as \n.
	got, err := CheckCustomer(Customer{Name: " Paula ", Email: " p@example.com ", Problem: "\r\n line 1\r\nline 2\rline 3 \n", Referrer: " https://example.com/a "})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Customer{Name: "Paula", Email: "p@example.com", Problem: "line 1\nline 2\nline 3", Referrer: "https://example.com/a"}); got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
}

func TestCheckMessage(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, fault string
	}{
		{"empty", "", "", ""},
		{"a line", "  Printer driver issue, needs tier 2. ", "Printer driver issue, needs tier 2.", ""},
		{"345 characters", strings.Repeat("ü", 345), strings.Repeat("ü", 345), ""},
		{"346 characters", strings.Repeat("ü", 346), "", "The message to the next support representative can be at most 345 characters long; this one has 346."},
		{"several lines", "one\r\ntwo", "one\ntwo", ""},
		{"an escape", "\x1b[2J", "", "without control characters other than line breaks and tabs."},
		{"not UTF-8", "\xff\xfe", "", "must be text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckMessage(tc.in)
			var fe *FieldError
			switch {
			case tc.fault == "" && (err != nil || got != tc.want):
				t.Fatalf("CheckMessage = %q, %v; want %q", got, err, tc.want)
			case tc.fault != "" && (!errors.As(err, &fe) || fe.Field != FieldMessage || !strings.Contains(fe.Msg, tc.fault)):
				t.Fatalf("CheckMessage = %q, %v; want a refusal with %q", got, err, tc.fault)
			}
		})
	}
}

func TestEstimate(t *testing.T) {
	m := time.Minute
	for _, tc := range []struct {
		name     string
		waits    []time.Duration
		position int
		want     time.Duration
		ok       bool
	}{
		{"nobody accepted yet", nil, 1, 0, false},
		{"not waiting", []time.Duration{m}, 0, 0, false},
		{"one wait, first in line", []time.Duration{3 * m}, 1, 3 * m, true},
		{"one wait, third in line", []time.Duration{3 * m}, 3, 9 * m, true},
		{"the median of an odd count, not the mean", []time.Duration{m, 2 * m, 60 * m}, 1, 2 * m, true},
		{"the median of an even count", []time.Duration{m, 2 * m, 4 * m, 60 * m}, 2, 6 * m, true},
		{"rounded up to whole minutes", []time.Duration{90 * time.Second}, 1, 2 * m, true},
		{"never under a minute", []time.Duration{time.Second}, 1, m, true},
		{"unordered samples", []time.Duration{5 * m, m, 3 * m}, 1, 3 * m, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]time.Duration(nil), tc.waits...)
			got, ok := Estimate(tc.waits, tc.position)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Estimate = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
			for i := range in {
				if in[i] != tc.waits[i] {
					t.Fatalf("Estimate reordered its argument: %v", tc.waits)
				}
			}
		})
	}
}

// FuzzCheckCustomer: whatever a customer sends, what is accepted is within
// every limit, and what is refused is said in a sentence naming a field.
func FuzzCheckCustomer(f *testing.F) {
	f.Add("Paula", "paula@example.com", "The printer is offline.", "https://example.com/help")
	f.Add("", "", "", "")
	f.Add("a\x00b", "@", "\r\r\n\x1b", "http://")
	f.Add(strings.Repeat("n", 101), "a@b.c", strings.Repeat("x", 600), "ftp://example.com")
	f.Fuzz(func(t *testing.T, name, email, problem, referrer string) {
		c, err := CheckCustomer(Customer{Name: name, Email: email, Problem: problem, Referrer: referrer})
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" || !strings.HasSuffix(fe.Msg, ".") {
				t.Fatalf("refusal %v is not a field's sentence", err)
			}
			return
		}
		if c.Name == "" || utf8.RuneCountInString(c.Name) > MaxCustomerNameLen || !utf8.ValidString(c.Name) ||
			len(c.Email) > MaxEmailLen || !strings.Contains(c.Email, "@") ||
			utf8.RuneCountInString(c.Problem) > MaxProblemLen || !utf8.ValidString(c.Problem) || strings.Contains(c.Problem, "\r") ||
			len(c.Referrer) > MaxReferrerLen || (c.Referrer != "" && !strings.HasPrefix(c.Referrer, "http")) {
			t.Fatalf("accepted out of bounds: %+v", c)
		}
		if again, err := CheckCustomer(c); err != nil || again != c {
			t.Fatalf("what is stored does not check the same: %+v, %v", again, err)
		}
	})
}

// FuzzCheckMessage: an accepted message is at most 345 characters of text.
func FuzzCheckMessage(f *testing.F) {
	f.Add("Needs tier 2.")
	f.Add(strings.Repeat("ü", 346))
	f.Add("\x1b\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		msg, err := CheckMessage(in)
		if err != nil {
			return
		}
		if utf8.RuneCountInString(msg) > MaxMessageLen || !utf8.ValidString(msg) || strings.Contains(msg, "\r") {
			t.Fatalf("accepted %q", msg)
		}
	})
}
