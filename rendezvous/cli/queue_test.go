package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// The queue commands, beside a running server whose CSRs and customers see
// the queues at once.
func TestQueueCommands(t *testing.T) {
	data := t.TempDir()
	ts := rendezvoustest.New(t, rendezvoustest.Options{DatabaseURL: filepath.Join(data, "lifeline.db")})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	ts.CSR(t, "dave@example.com", "Dave")
	var paula client.QueueTicket

	steps := []struct {
		name   string
		args   []string
		code   int
		output string // a regular expression the output must match
		after  func(t *testing.T)
	}{
		{"no queues", []string{"queue", "list"}, 0, `no queues; add one with`, nil},
		{"add one", []string{"queue", "add", "Billing", "--display-name", "Billing and invoices"}, 0,
			`added queue billing \(Billing and invoices\); its help link is /help/billing`, nil},
		{"add one without a display name", []string{"queue", "add", "tier-2"}, 0, `added queue tier-2 \(tier-2\)`, nil},
		{"the same in another case", []string{"queue", "add", "BILLING"}, 1, `there is already a queue named billing`, nil},
		{"a name that cannot be a link", []string{"queue", "add", "first line"}, 2, `only the letters a to z, digits and hyphens`, nil},
		{"a display name of two lines", []string{"queue", "add", "x", "--display-name", "a\nb"}, 2, `one line of text`, nil},
		{"no name", []string{"queue", "add"}, 2, `give the name of the queue`, nil},
		{"a member", []string{"queue", "member", "add", "billing", "Carol@example.com"}, 0, `Carol <carol@example.com> now serves the queue billing`,
			func(t *testing.T) {
				b, err := carol.Queues(t.Context())
				if err != nil || len(b.Queues) != 1 || b.Queues[0].DisplayName != "Billing and invoices" {
					t.Fatalf("Carol's queues: %+v, %v", b, err)
				}
			}},
		{"a member twice", []string{"queue", "member", "add", "billing", "carol@example.com"}, 1, `carol@example.com already serves the queue billing`, nil},
		{"an unknown account", []string{"queue", "member", "add", "billing", "eve@example.com"}, 1, `no account with the email eve@example.com`, nil},
		{"an unknown queue", []string{"queue", "member", "add", "sales", "carol@example.com"}, 1, `no queue named "sales"`, nil},
		{"only the queue", []string{"queue", "member", "add", "billing"}, 2, `give the name of the queue and the CSR's email address`, nil},
		{"no queue to list", []string{"queue", "member", "list"}, 2, `queue member list: give the name of the queue`, nil},
		{"a word after the queue to list", []string{"queue", "member", "list", "billing", "all"}, 2, `queue member list: unexpected argument "all"`, nil},
		{"another member", []string{"queue", "member", "add", "billing", "dave@example.com"}, 0, `Dave`, func(t *testing.T) {
			var err error
			paula, err = ts.Client().EnterQueue(t.Context(), "billing", client.QueueEntry{Name: "Paula", Email: "paula@example.com"})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"list the members", []string{"queue", "member", "list", "billing"}, 0,
			`^EMAIL\s+NAME\s+ROLE\s+STATE\ncarol@example.com\s+Carol\s+csr\s+active\ndave@example.com\s+Dave\s+csr\s+active\n$`, nil},
		{"list the queues", []string{"queue", "list"}, 0,
			`^QUEUE\s+DISPLAY NAME\s+MEMBERS\s+WAITING\s+HELP LINK\nbilling\s+Billing and invoices\s+2\s+1\s+/help/billing\ntier-2\s+tier-2\s+0\s+0\s+/help/tier-2\n$`, nil},
		{"remove a member", []string{"queue", "member", "remove", "billing", "dave@example.com"}, 0, `Dave <dave@example.com> no longer serves the queue billing`, nil},
		{"remove a member twice", []string{"queue", "member", "remove", "billing", "dave@example.com"}, 1, `dave@example.com does not serve the queue billing`, nil},
		{"nobody serves it", []string{"queue", "member", "list", "tier-2"}, 0, `nobody serves the queue tier-2`, nil},
		{"a queue with a customer waiting stays", []string{"queue", "remove", "billing"}, 1,
			`the queue billing has 1 customer waiting; accept them, or wait until they leave`, func(t *testing.T) {
				if err := ts.Client().WithToken(paula.Token).LeaveQueue(t.Context(), paula.ID); err != nil {
					t.Fatal(err)
				}
			}},
		{"then it goes", []string{"queue", "remove", "Billing"}, 0, `removed queue billing; its requests stay in the reports`, func(t *testing.T) {
			_, err := ts.Client().EnterQueue(t.Context(), "billing", client.QueueEntry{Name: "Paula", Email: "paula@example.com"})
			if !client.IsCode(err, client.CodeNoSuchQueue) {
				t.Fatalf("entering the removed queue: %v", err)
			}
		}},
		{"remove an unknown queue", []string{"queue", "remove", "billing"}, 1, `no queue named "billing"`, nil},
		{"an unknown queue command", []string{"queue", "rename"}, 2, `unknown command "rename"`, nil},
		{"an unknown member command", []string{"queue", "member", "move"}, 2, `unknown command "move"`, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, out, errs := run(t, "", append(s.args, "--data", data)...)
			if code != s.code || !regexp.MustCompile(s.output).MatchString(out+errs) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant: %s", code, s.code, out, errs, s.output)
			}
			if s.after != nil {
				s.after(t)
			}
		})
	}
	if code, out, _ := run(t, "", "help"); code != 0 || !strings.Contains(out, "queue member list NAME|add NAME EMAIL|remove NAME EMAIL") {
		t.Errorf("the usage does not list the queue commands:\n%s", out)
	}
}

// A queue's own settings and phrases: what it sets, what it follows, and
// the refusals, in the same sentences as the site's settings commands.
func TestQueueSettingsCommands(t *testing.T) {
	data := t.TempDir()
	if code, out, errs := run(t, "", "queue", "add", "billing", "--data", data); code != 0 {
		t.Fatalf("queue add: %d %s %s", code, out, errs)
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		output string // a regular expression the output must match
	}{
		{"everything follows the site", []string{"queue", "settings", "billing"}, 0,
			`(?s)^SETTING\s+VALUE\s+TAKES\n` +
				`session-mode\s+site \(multi\)\s+single\|multi\|site\n` +
				`max-customers\s+site \(4\)\s+1\.\.20\|site\n` +
				`tracking-code\s+site \(off\)\s.*\n` +
				`default-mode\s+site \(standard\)\s.*\n` +
				`default-colors\s+site \(full\)\s.*\n` +
				`file-transfer\s+site \(on\)\s+on\|off\|site\n` +
				`max-transfer-mb\s+site \(150\)\s.*\n` +
				`scripts\s+site \(on\)\s.*\nsystem-info\s+site \(on\)\s.*\nreboot\s+site \(on\)\s.*\nrecording\s+site \(on\)\s.*\n` +
				`\nquick phrases: the site's, then 0 of its own`},
		{"switch scripts off", []string{"queue", "set", "Billing", "scripts", "OFF"}, 0, `^scripts of the queue billing is now off\n$`},
		{"one customer at a time", []string{"queue", "set", "billing", "session_mode", "single"}, 0, `session-mode of the queue billing is now single`},
		{"a value out of range", []string{"queue", "set", "billing", "max-customers", "21"}, 2,
			`maximum number of customers must be a whole number from 1 to 20, not "21" \(max-customers takes 1\.\.20, or site to follow the site's\)`},
		{"a value not on the list", []string{"queue", "set", "billing", "default-colors", "8bit"}, 2, `"full", "16bit" or "256"`},
		{"a site-only setting", []string{"queue", "set", "billing", "retention-days", "30"}, 2, `retention-days is a site setting: a queue cannot set its own`},
		{"a site-only setting, even to follow", []string{"queue", "set", "billing", "retention-days", "site"}, 2, `retention-days is a site setting`},
		{"an unknown setting", []string{"queue", "set", "billing", "colour", "blue"}, 2, `no setting "colour"; the settings are session-mode`},
		{"a value missing", []string{"queue", "set", "billing", "scripts"}, 2, `give the name of the queue, a setting and its value`},
		{"a word too many", []string{"queue", "set", "billing", "scripts", "off", "now"}, 2, `give the name of the queue, a setting and its value`},
		{"a word after the name", []string{"queue", "settings", "billing", "scripts"}, 2, `queue settings: unexpected argument "scripts"`},
		{"an unknown queue", []string{"queue", "set", "sales", "scripts", "off"}, 1, `no queue named "sales"`},
		{"the site changes", []string{"settings", "set", "max-customers", "7"}, 0, `max-customers is now 7`},
		{"what the queue set, and what follows the site's new value", []string{"queue", "settings", "billing"}, 0,
			`(?s)session-mode\s+single\s.*max-customers\s+site \(7\)\s.*scripts\s+off\s+on\|off\|site\n`},
		{"follow the site again", []string{"queue", "set", "billing", "scripts", "site"}, 0, `scripts of the queue billing follows the site's again \(now on\)`},
		{"it follows", []string{"queue", "settings", "billing"}, 0, `(?s)session-mode\s+single\s.*scripts\s+site \(on\)`},

		{"no phrases of its own", []string{"queue", "phrase", "list", "billing"}, 0, `the queue billing has no quick phrases of its own`},
		{"add one, unquoted", []string{"queue", "phrase", "add", "billing", "Your", "invoice", "is", "on", "its", "way."}, 0,
			`^added qph_\w+ to the queue billing: Your invoice is on its way\.\n$`},
		{"an empty phrase", []string{"queue", "phrase", "add", "billing", " "}, 2, `cannot be empty`},
		{"no phrase", []string{"queue", "phrase", "add", "billing"}, 2, `give the name of the queue and the text of the phrase`},
		{"a word after the name of the list", []string{"queue", "phrase", "list", "billing", "all"}, 2, `queue phrase list: unexpected argument "all"`},
		{"two ids", []string{"queue", "phrase", "remove", "billing", "qph_a", "qph_b"}, 2, `give the name of the queue and the id of the phrase`},
		{"list them", []string{"queue", "phrase", "list", "billing"}, 0, `^ID\s+PHRASE\nqph_\w+\s+Your invoice is on its way\.\n$`},
		{"the site's list does not have it", []string{"phrase", "list"}, 0, `^(?s:[^Y]*)$`},
		{"a site phrase is not the queue's to remove", []string{"queue", "phrase", "remove", "billing", "qph_hello"}, 1,
			`the queue billing has no quick phrase with the id qph_hello`},
		{"the settings count them", []string{"queue", "settings", "billing"}, 0, `quick phrases: the site's, then 1 of its own`},
		{"an unknown queue command", []string{"queue", "phrase", "move", "billing"}, 2, `unknown command "move"`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, out, errs := run(t, "", append(s.args, "--data", data)...)
			if code != s.code || !regexp.MustCompile(s.output).MatchString(out+errs) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant: %s", code, s.code, out, errs, s.output)
			}
		})
	}

	// Removing: the id is read from the list, as an administrator would.
	_, out, _ := run(t, "", "queue", "phrase", "list", "billing", "--data", data)
	id := regexp.MustCompile(`qph_\w+`).FindString(out)
	if code, out, errs := run(t, "", "queue", "phrase", "remove", "billing", id, "--data", data); code != 0 || out != "removed "+id+" from the queue billing\n" {
		t.Fatalf("queue phrase remove: %d %q %s", code, out, errs)
	}
	if _, out, _ := run(t, "", "queue", "phrase", "list", "billing", "--data", data); !strings.Contains(out, "no quick phrases of its own") {
		t.Fatalf("after the removal: %s", out)
	}
	if _, out, _ := run(t, "", "phrase", "list", "--data", data); !strings.Contains(out, "qph_hello") {
		t.Fatalf("the site's phrases after a queue's was removed: %s", out)
	}
	if code, out, _ := run(t, "", "help"); code != 0 || !strings.Contains(out, "queue set NAME KEY VALUE|site") {
		t.Errorf("the usage does not list the queue settings commands:\n%s", out)
	}
}
