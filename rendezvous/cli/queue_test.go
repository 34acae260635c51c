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
