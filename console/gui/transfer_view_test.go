package gui

import (
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lifeline/shared/client"
)

// targetsOf is a fixed list for the goldens: three queues (one the CSR
// serves, one nobody online serves, one without members), colleagues
// online first.
func targetsOf() client.TransferTargets {
	return client.TransferTargets{
		Queues: []client.TargetQueue{
			{Name: "billing", DisplayName: "Billing", Waiting: 1},
			{Name: "network", DisplayName: "Network help", Waiting: 0, Members: 2},
			{Name: "printers", DisplayName: "Printer help", Waiting: 3, Members: 3, MembersOnline: 2, YouServe: true},
		},
		CSRs: []client.TargetCSR{
			{Email: "dave@example.com", Name: "Dave Okafor", Online: true},
			{Email: "mia@example.com", Name: "Mia Santos", Online: true},
			{Email: "erin@example.com", Name: "Erin Walsh"},
		},
	}
}

// A transfer message is counted as the server counts it: characters,
// trimmed, a Windows line break being one.
func TestMessageLength(t *testing.T) {
	for _, c := range []struct {
		text string
		want int
	}{
		{"", 0}, {"  hello \n", 5}, {"a\r\nb", 3}, {"a\rb", 3}, {"héllo wörld", 11}, {"日本語", 3},
		{strings.Repeat("x", 345), 345},
	} {
		if got := messageLength(c.text); got != c.want {
			t.Errorf("messageLength(%q) = %d, want %d", c.text, got, c.want)
		}
	}
}

func TestTransferViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	d := newTransferView()
	renderShot(t, "transfer_loading.xml", d.content, fyne.NewSize(640, 720))

	d.SetTargets(targetsOf())
	if !d.choose("network") {
		t.Fatal("network is not listed")
	}
	d.message.SetText("Printer fine; the VPN drops every few minutes. She has tried another network cable.")
	renderShot(t, "transfer_queue.xml", d.content, fyne.NewSize(640, 720))

	// Narrowed to one colleague, who is offline; the server refused.
	d.find.SetText("erin")
	if !d.choose("erin@example.com") {
		t.Fatal("Erin is not listed")
	}
	d.SetError("The session was not transferred: Erin Walsh's account is disabled; transfer the session to someone else.")
	renderShot(t, "transfer_csr.xml", d.content, fyne.NewSize(640, 720))

	// The list could not be read: a typed name still goes.
	none := newTransferView()
	none.SetTargetsError("The list of queues and colleagues could not be read: Could not read where sessions can be " +
		"transferred to: cannot reach the server at https://support.example.com.")
	none.find.SetText("billing")
	renderShot(t, "transfer_unlisted.xml", none.content, fyne.NewSize(640, 720))
}

// The list: queues first, with their lines and who serves them; then
// colleagues, online or offline; what is typed narrows both.
func TestTransferRows(t *testing.T) {
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{"", []string{"Queues", "billing: 1 waiting · no members", "network: 0 waiting · 0 of 2 members online",
			"printers: 3 waiting · 2 of 3 members online · you serve it",
			"Colleagues", "dave@example.com: dave@example.com", "mia@example.com: mia@example.com", "erin@example.com: erin@example.com"}},
		{"  HELP ", []string{"Queues", "network: 0 waiting · 0 of 2 members online", "printers: 3 waiting · 2 of 3 members online · you serve it"}},
		{"example.com", []string{"Colleagues", "dave@example.com: dave@example.com", "mia@example.com: mia@example.com", "erin@example.com: erin@example.com"}},
		{"in", []string{"Queues", "billing: 1 waiting · no members", "printers: 3 waiting · 2 of 3 members online · you serve it",
			"Colleagues", "erin@example.com: erin@example.com"}},
		{"zoe", nil},
	} {
		var got []string
		for _, r := range targetRows(targetsOf(), c.filter) {
			if r.kind == rowHeading {
				got = append(got, r.title)
			} else {
				got = append(got, r.to()+": "+r.detail())
			}
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("filter %q:\n got %q\nwant %q", c.filter, got, c.want)
		}
	}
}

// Where the dialog sends the session, from what the CSR chose or typed,
// and what the line under the list says about it.
func TestTransferTarget(t *testing.T) {
	test.NewTempApp(t)
	billingCSR := targetsOf()
	billingCSR.CSRs = append(billingCSR.CSRs, client.TargetCSR{Email: "bill@example.com", Name: "Billing"})
	for _, c := range []struct {
		name          string
		targets       *client.TransferTargets // nil: targetsOf; empty: the list could not be read
		choose, typed string
		to, words     string
		problem       string
	}{
		{name: "a queue from the list", choose: "network", to: "network",
			words: "the Network help queue — none of the representatives who serve it is online now"},
		{name: "a queue the CSR serves", choose: "printers", to: "printers", words: "the Printer help queue"},
		{name: "a queue without members", choose: "billing", to: "billing", words: "the Billing queue — no representative serves it"},
		{name: "a colleague online", choose: "dave@example.com", to: "dave@example.com", words: "Dave Okafor (dave@example.com)"},
		{name: "a colleague offline", choose: "erin@example.com", to: "erin@example.com",
			words: "Erin Walsh (erin@example.com) — offline now: the customer waits until they open their console"},
		{name: "a queue's display name typed whole", typed: " network HELP ", to: "network", words: "the Network help queue"},
		{name: "a listed address typed in another case", typed: "DAVE@example.com", to: "dave@example.com", words: "Dave Okafor"},
		{name: "a colleague's name typed whole", typed: "erin walsh", to: "erin@example.com", words: "Erin Walsh"},
		{name: "a queue not listed", typed: "sales", to: "sales", words: "the queue named “sales” (not in the list"},
		{name: "an address not listed", typed: "zoe@example.com", to: "zoe@example.com", words: "zoe@example.com (not in the list"},
		{name: "part of listed names", typed: "pri", problem: "“pri” is only part of a name"},
		{name: "not a queue's name", typed: "help desk", problem: "A queue's name has only letters"},
		{name: "not an address", typed: "dave@", problem: "“dave@” is not an email address"},
		{name: "two at signs", typed: "a@b@c", problem: "“a@b@c” is not an email address"},
		{name: "nothing", problem: "Choose a queue or a colleague"},
		{name: "one name for two targets", targets: &billingCSR, typed: "billing", problem: "More than one queue or colleague is called “billing”"},
		{name: "the list could not be read: typed as it is", targets: &client.TransferTargets{}, typed: "network", to: "network",
			words: "the queue named “network” (not in the list"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newTransferView()
			targets := targetsOf()
			if c.targets != nil {
				targets = *c.targets
			}
			d.SetTargets(targets)
			if c.choose != "" && !d.choose(c.choose) {
				t.Fatalf("%s is not listed", c.choose)
			}
			d.find.SetText(c.typed)
			if c.choose != "" && c.typed == "" && !d.choose(c.choose) {
				t.Fatalf("%s is not listed", c.choose)
			}
			to, problem := d.Target()
			if to != c.to || !strings.HasPrefix(problem, c.problem) || (c.problem == "") != (problem == "") {
				t.Fatalf("Target() = %q %q, want %q %q", to, problem, c.to, c.problem)
			}
			if shown := d.choice.Visible(); shown != (c.to != "") || !strings.HasPrefix(d.choice.Text, "Transfer to "+c.words) {
				t.Fatalf("the choice line: shown %v, %q; want it to start with %q", shown, d.choice.Text, "Transfer to "+c.words)
			}
			test.Tap(d.sendBtn)
			if d.errLabel.Visible() != (problem != "") || (problem != "" && d.errLabel.Text != problem) {
				t.Fatalf("after Transfer Session: %q", d.errLabel.Text)
			}
		})
	}
}

// Typing after choosing chooses anew; a heading is no choice; a list read
// again keeps the choice while it is listed.
func TestTransferChoiceChanges(t *testing.T) {
	test.NewTempApp(t)
	d := newTransferView()
	var sent []string
	d.OnTransfer = func(to, message string) { sent = append(sent, to+" "+message) }
	d.SetTargets(targetsOf())
	d.list.Select(0) // the Queues heading
	if to, _ := d.Target(); to != "" || d.selected != -1 {
		t.Fatalf("a heading was chosen: %q", to)
	}
	d.choose("mia@example.com")
	d.SetTargets(targetsOf())
	if to, _ := d.Target(); to != "mia@example.com" {
		t.Fatalf("after reading the list again: %q", to)
	}
	gone := targetsOf()
	gone.CSRs = gone.CSRs[:1]
	d.SetTargets(gone)
	if to, problem := d.Target(); to != "" || !strings.HasPrefix(problem, "Choose") {
		t.Fatalf("Mia is gone from the list, yet chosen: %q", to)
	}
	d.choose("printers")
	test.Type(d.find, "sales")
	if to, _ := d.Target(); to != "sales" {
		t.Fatalf("typed after choosing: %q", to)
	}
	d.message.SetText("  Her VPN drops. \n")
	test.Tap(d.sendBtn)
	if len(sent) != 1 || sent[0] != "sales Her VPN drops." {
		t.Fatalf("sent %q", sent)
	}
	// Refresh asks the glue, and waits for it; the list shown stays.
	d.find.SetText("")
	refreshed := 0
	d.OnRefresh = func() { refreshed++ }
	test.Tap(d.refreshBtn)
	d.SetLoading()
	test.Tap(d.refreshBtn)
	if refreshed != 1 || !d.refreshBtn.Disabled() || d.listNote.Visible() || len(d.rows) == 0 {
		t.Fatalf("Refresh: %d times, note %q, %d rows", refreshed, d.listNote.Text, len(d.rows))
	}
	// A list that cannot be read says so in its place, whatever is typed.
	d.SetTargetsError("The list of queues and colleagues could not be read: Could not reach the server.")
	test.Type(d.find, "x")
	if !strings.HasPrefix(d.listNote.Text, "The list of queues and colleagues could not be read") || d.refreshBtn.Disabled() {
		t.Fatalf("after a failure: %q", d.listNote.Text)
	}
	d.find.SetText("")
	d.SetLoading()
	if d.listNote.Text != "Reading the queues and colleagues from the server…" {
		t.Fatalf("reading again: %q", d.listNote.Text)
	}
}

// FuzzTypedTarget: whatever is typed and whatever the server lists, the
// dialog sends a listed target or the text as typed, only when it could
// be a queue's name or an address, and otherwise says why not.
func FuzzTypedTarget(f *testing.F) {
	f.Add("network", "Network help", "Dave", "dave@example.com")
	f.Add("billing", "Billing", "Billing", "bill@example.com")
	f.Add(" DAVE@example.com ", "x", "y", "dave@example.com")
	f.Add("a@b@c", "", "", "")
	f.Add("help desk", "Help desk", "Help", "help@example.com")
	f.Add("\u00a0@\u2028", "\x00", "é", "@")
	f.Add("\x84", "0", "\xcf", "") // a colleague without an address is no target
	f.Fuzz(func(t *testing.T, typed, queueDisplay, csrName, csrEmail string) {
		// As encoding/json hands them over.
		queueDisplay = strings.ToValidUTF8(queueDisplay, "\uFFFD")
		csrName, csrEmail = strings.ToValidUTF8(csrName, "\uFFFD"), strings.ToValidUTF8(csrEmail, "\uFFFD")
		targets := client.TransferTargets{
			Queues: []client.TargetQueue{{Name: "network", DisplayName: queueDisplay}},
			CSRs:   []client.TargetCSR{{Email: csrEmail, Name: csrName}},
		}
		to, words, problem := typedTarget(targets, typed)
		if (to == "") == (problem == "") || (to == "") != (words == "") {
			t.Fatalf("typedTarget(%q) = %q, %q, %q", typed, to, words, problem)
		}
		if to == "" {
			if r := []rune(problem); !unicode.IsUpper(r[0]) && r[0] != '“' || !strings.HasSuffix(problem, ".") {
				t.Fatalf("not a sentence: %q", problem)
			}
			return
		}
		listed := to == "network" || to == csrEmail
		asTyped := to == strings.TrimSpace(typed) && (isQueueName(to) || strings.Count(to, "@") == 1 &&
			!strings.ContainsFunc(to, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }))
		if !listed && !asTyped {
			t.Fatalf("typedTarget(%q) sends to %q, neither listed nor a name or address as typed", typed, to)
		}
	})
}
