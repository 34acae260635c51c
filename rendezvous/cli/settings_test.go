package cli

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"

	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

func TestSettingsCommands(t *testing.T) {
	data := t.TempDir()
	steps := []struct {
		name   string
		args   []string
		code   int
		output string // a regular expression the output must match
	}{
		{"show the defaults", []string{"settings", "show"}, 0,
			`(?s)SETTING\s+VALUE\s+TAKES\s+MEANING\n` +
				`session-mode\s+multi \(default\)\s+single\|multi.*\n` +
				`max-customers\s+4 \(default\)\s+1\.\.20.*\n` +
				`tracking-code\s+off \(default\)\s+off\|optional\|required.*\n` +
				`default-mode\s+standard \(default\).*\n` +
				`default-colors\s+full \(default\)\s+full\|16bit\|256.*\n` +
				`file-transfer\s+on \(default\)\s+on\|off.*\n` +
				`max-transfer-mb\s+150 \(default\)\s+1\.\.10240.*\n` +
				`scripts\s+on.*\nsystem-info\s+on.*\nreboot\s+on.*\nrecording\s+on.*\n` +
				`retention-days\s+92 \(default\)\s+1\.\.3650\s+days the record of an ended session is kept.*\n` +
				`\nsession types: none, so no type is asked.*\nquick phrases: 4`},
		{"set the maximum", []string{"settings", "set", "max-customers", "6"}, 0, `max-customers is now 6`},
		{"underscores and any case", []string{"settings", "set", "Tracking_Code", "Required"}, 0, `tracking-code is now required`},
		{"switch a feature off", []string{"settings", "set", "file-transfer", "off"}, 0, `file-transfer is now off`},
		{"a value out of range", []string{"settings", "set", "max-customers", "21"}, 2, `maximum number of customers must be a whole number from 1 to 20, not "21"`},
		{"set the largest transfer", []string{"settings", "set", "max-transfer-mb", "500"}, 0, `max-transfer-mb is now 500`},
		{"a transfer size out of range", []string{"settings", "set", "max-transfer-mb", "0"}, 2, `maximum transfer size must be a whole number from 1 to 10240, not "0" \(max-transfer-mb takes 1\.\.10240\)`},
		{"keep reports for a year", []string{"settings", "set", "retention-days", "365"}, 0, `retention-days is now 365`},
		{"a retention out of range", []string{"settings", "set", "retention-days", "0"}, 2, `the report retention must be a whole number from 1 to 3650, not "0" \(retention-days takes 1\.\.3650\)`},
		{"a value not on the list", []string{"settings", "set", "default-colors", "8bit"}, 2, `"full", "16bit" or "256"`},
		{"an unknown setting", []string{"settings", "set", "colour", "blue"}, 2, `no setting "colour"; the settings are session-mode, max-customers`},
		{"a value missing", []string{"settings", "set", "scripts"}, 2, `give a setting and its value`},
		{"show what changed", []string{"settings", "show"}, 0,
			`(?s)max-customers\s+6\s.*tracking-code\s+required\s.*file-transfer\s+off\s.*max-transfer-mb\s+500\s.*scripts\s+on \(default\).*retention-days\s+365\s`},

		{"list the seeded phrases", []string{"phrase", "list"}, 0,
			`(?s)ID\s+PHRASE\nqph_hello\s+Hello, I'm here to help.*qph_view\s+Could you.*qph_patience.*qph_anything_else\s+Is there anything else`},
		{"add a phrase, unquoted", []string{"phrase", "add", "Let", "me", "check", "that."}, 0, `added qph_\w+: Let me check that\.`},
		{"an empty phrase", []string{"phrase", "add", " "}, 2, `cannot be empty`},
		{"no phrase", []string{"phrase", "add"}, 2, `give the text`},
		{"remove a phrase", []string{"phrase", "remove", "qph_view"}, 0, `removed qph_view`},
		{"remove it again", []string{"phrase", "remove", "qph_view"}, 1, `no quick phrase with the id qph_view`},
		{"the new one is last", []string{"phrase", "list"}, 0, `(?s)qph_hello.*qph_patience.*qph_anything_else.*Let me check that\.\n$`},

		{"no session types", []string{"session-type", "list"}, 0, `no session types`},
		{"add one", []string{"session-type", "add", "Billing"}, 0, `added session type Billing`},
		{"add one of two words", []string{"session-type", "add", "Network", "issue"}, 0, `added session type Network issue`},
		{"the same in another case", []string{"session-type", "add", "BILLING"}, 1, `already a session type named "BILLING"`},
		{"list them", []string{"session-type", "list"}, 0, `^Billing\nNetwork issue\n$`},
		{"remove in any case", []string{"session-type", "remove", "network", "ISSUE"}, 0, `removed session type Network issue`},
		{"remove an unknown one", []string{"session-type", "remove", "Sales"}, 1, `no session type named "Sales"`},
		{"settings show the types", []string{"settings", "show"}, 0, `session types: Billing\n`},

		{"an unknown settings command", []string{"settings", "frobnicate"}, 2, `unknown command`},
		{"an unknown phrase command", []string{"phrase", "frobnicate"}, 2, `unknown command`},
		{"an unknown session-type command", []string{"session-type", "frobnicate"}, 2, `unknown command`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			args := append(s.args, "--data", data)
			code, out, errs := run(t, "", args...)
			if code != s.code || !regexp.MustCompile(s.output).MatchString(out+errs) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant: %s", code, s.code, out, errs, s.output)
			}
		})
	}
}

func TestUserLimitsCommand(t *testing.T) {
	data := t.TempDir()
	if code, out, errs := run(t, "long enough password", "user", "add", "--email", "carol@example.com", "--name", "Carol", "--password-stdin", "--data", data); code != 0 {
		t.Fatalf("user add: %d %s %s", code, out, errs)
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		output string
	}{
		{"show: the site's", []string{"carol@example.com"}, 0, `carol@example.com: session mode multi \(the site's\), at most 4 customers at once \(the site's\)`},
		{"its own maximum", []string{"carol@example.com", "--max-customers", "9"}, 0, `session mode multi \(the site's\), at most 9 customers at once \(its own\)`},
		{"single mode, the maximum kept for later", []string{"--session-mode", "single", "Carol@Example.com"}, 0, `session mode single \(its own\), at most 1 customer at once \(single mode\)`},
		{"multi again: the maximum is back", []string{"carol@example.com", "--session-mode", "multi"}, 0, `session mode multi \(its own\), at most 9 customers`},
		{"back to the site's", []string{"carol@example.com", "--session-mode", "site", "--max-customers", "0"}, 0, `session mode multi \(the site's\), at most 4 customers at once \(the site's\)`},
		{"a maximum out of range", []string{"carol@example.com", "--max-customers", "21"}, 2, `from 1 to 20, or 0 for the site's, not 21`},
		{"an unknown mode", []string{"carol@example.com", "--session-mode", "dual"}, 2, `--session-mode must be single, multi or site, not "dual"`},
		{"an unknown account", []string{"nobody@example.com", "--max-customers", "2"}, 1, `no account with the email nobody@example.com`},
		{"no account", []string{}, 2, `exactly one email`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			args := append(append([]string{"user", "limits"}, s.args...), "--data", data)
			code, out, errs := run(t, "", args...)
			if code != s.code || !regexp.MustCompile(s.output).MatchString(out+errs) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant: %s", code, s.code, out, errs, s.output)
			}
		})
	}
}

// The commands write beside a running server (SQLite in WAL mode), and the
// server reads the settings on every request: a change applies at once.
func TestSettingsApplyToARunningServer(t *testing.T) {
	data := t.TempDir()
	ts := rendezvoustest.New(t, rendezvoustest.Options{DatabaseURL: filepath.Join(data, "lifeline.db")})
	csr := ts.CSR(t, "carol@example.com", "Carol")
	ctx := context.Background()
	cli := func(args ...string) {
		t.Helper()
		if code, out, errs := run(t, "", append(args, "--data", data)...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}

	cli("session-type", "add", "Billing")
	cli("settings", "set", "tracking-code", "required")
	cli("user", "limits", "carol@example.com", "--session-mode", "single")
	s, err := csr.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.SessionMode != "single" || s.MaxCustomers != 1 || s.TrackingCode != "required" || len(s.SessionTypes) != 1 {
		t.Fatalf("settings after the commands: %+v", s)
	}
	if _, err := csr.CreateSession(ctx, "", "T-1"); !client.IsCode(err, client.CodeSessionTypeRequired) {
		t.Fatalf("start without a type: %v", err)
	}
	if _, err := csr.CreateSession(ctx, "Billing", "T-1"); err != nil {
		t.Fatal(err)
	}
	_, err = csr.CreateSession(ctx, "Billing", "T-2")
	var ae *client.APIError
	if !client.IsCode(err, client.CodeTooManySessions) || !asAPIError(err, &ae) || ae.Status != http.StatusConflict {
		t.Fatalf("a second session in single mode: %v", err)
	}
	cli("user", "limits", "carol@example.com", "--session-mode", "site")
	if _, err := csr.CreateSession(ctx, "Billing", "T-2"); err != nil {
		t.Fatalf("a second session back in multi mode: %v", err)
	}
}

func asAPIError(err error, ae **client.APIError) bool {
	e, ok := err.(*client.APIError)
	*ae = e
	return ok
}
