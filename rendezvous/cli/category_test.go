package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// The category commands, beside a running server whose CSRs file scripts
// under the categories at once.
func TestCategoryCommands(t *testing.T) {
	data := t.TempDir()
	ts := rendezvoustest.New(t, rendezvoustest.Options{DatabaseURL: filepath.Join(data, "lifeline.db")})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	addScript := func(name, category string) {
		t.Helper()
		if _, err := carol.CreateScript(t.Context(), client.NewScript{Name: name, Category: category, ScriptName: "s.sh", Script: []byte("echo")}); err != nil {
			t.Fatalf("CreateScript(%s, %s): %v", name, category, err)
		}
	}
	addScript("Filed under none", "") // before the site had categories

	steps := []struct {
		name   string
		args   []string
		code   int
		output string // a regular expression the output must match
		after  func()
	}{
		{"no categories", []string{"category", "list"}, 0, `no script categories, so scripts are filed under none`, nil},
		{"add one", []string{"category", "add", "Network"}, 0, `added script category Network\n`, func() { addScript("Flush DNS", "network") }},
		{"add one of two words", []string{"category", "add", "User", "accounts"}, 0, `added script category User accounts\n`, nil},
		{"the same in another case", []string{"category", "add", "NETWORK"}, 1, `already a script category named "NETWORK"`, nil},
		{"no name", []string{"category", "add"}, 2, `give the name of the category`, nil},
		{"a name too long", []string{"category", "add", strings.Repeat("x", 101)}, 2, `at most 100 bytes`, nil},
		{"list them with their scripts", []string{"category", "list"}, 0,
			`^CATEGORY\s+SCRIPTS\nNetwork\s+1\nUser accounts\s+0\n\(none\)\s+1\n$`, nil},
		{"one in use stays", []string{"category", "remove", "network"}, 1,
			`the script category Network still has 1 script; move them to another category or delete them in the console's Script Library first`, nil},
		{"remove an unknown one", []string{"category", "remove", "Sales"}, 1, `no script category named "Sales"`, nil},
		{"remove one in any case", []string{"category", "remove", "user", "ACCOUNTS"}, 0, `removed script category User accounts\n`, nil},
		{"an unknown category command", []string{"category", "rename"}, 2, `unknown command "rename"`, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, out, errs := run(t, "", append(s.args, "--data", data)...)
			if code != s.code || !regexp.MustCompile(s.output).MatchString(out+errs) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant: %s", code, s.code, out, errs, s.output)
			}
			if s.after != nil {
				s.after()
			}
		})
	}
	cats, err := carol.ScriptCategories(t.Context())
	if err != nil || len(cats) != 1 || cats[0] != "Network" {
		t.Errorf("the server's categories after the commands: %q, %v", cats, err)
	}
}
