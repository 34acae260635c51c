package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/store"
	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// library is a site with two CSRs, an admin and a customer in a session.
type library struct {
	ts               *rendezvoustest.Server
	carol, dave, ann *client.Client // CSR, CSR, admin
	customer, nobody *client.Client // a participant token, no token
	carolID          string
}

func newLibrary(t *testing.T) *library {
	t.Helper()
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	l := &library{ts: ts, carol: ts.CSR(t, "carol@example.com", "Carol"), dave: ts.CSR(t, "dave@example.com", "Dave")}
	ts.AddUser(t, "ann@example.com", "Ann", store.RoleAdmin, "admin password")
	l.ann = ts.Client()
	_, err := l.ann.Login(ctxT(t), "ann@example.com", "admin password")
	must(t, err)
	me, err := l.carol.Me(ctxT(t))
	must(t, err)
	l.carolID = me.ID
	c, err := l.carol.CreateSession(ctxT(t), "", "")
	must(t, err)
	j, err := ts.Client().Join(ctxT(t), c.Number, "Ann Customer", "")
	must(t, err)
	l.customer = ts.Client().WithToken(j.Token)
	l.nobody = ts.Client()
	return l
}

// sh is a shell script of one line.
func sh(name string) client.NewScript {
	return client.NewScript{Name: name, Description: "about " + name, ScriptName: strings.ToLower(strings.ReplaceAll(name, " ", "-")) + ".sh",
		Script: []byte("echo " + name + "\n")}
}

func (l *library) add(t *testing.T, as *client.Client, s client.NewScript) client.Script {
	t.Helper()
	sc, err := as.CreateScript(ctxT(t), s)
	if err != nil {
		t.Fatalf("CreateScript(%s): %v", s.Name, err)
	}
	return sc
}

func names(scripts []client.Script) []string {
	out := []string{}
	for _, s := range scripts {
		out = append(out, s.Name)
	}
	return out
}

func (l *library) list(t *testing.T, as *client.Client, opts client.ScriptListOptions) []string {
	t.Helper()
	scripts, err := as.ListScripts(ctxT(t), opts)
	must(t, err)
	return names(scripts)
}

// rawRequest sends a request with a body and returns the status and body.
func rawRequest(t *testing.T, ts *rendezvoustest.Server, method, path, token, contentType string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, ts.URL+path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := ts.Client().HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// The exact shape of a script, field names included.
func TestScriptJSON(t *testing.T) {
	l := newLibrary(t)
	must(t, addCategories(l.ts, "Network"))
	s := client.NewScript{Name: "Flush DNS", Category: "network", Description: "Clears the DNS cache.", Published: true, TimeLimit: 60,
		ScriptName: "flush.bat", Script: []byte("ipconfig /flushdns\r\n"), InputName: "hosts.txt", Input: []byte("127.0.0.1 x\n")}
	created := l.add(t, l.carol, s)

	status, _, body := rawRequest(t, l.ts, "GET", "/api/v1/scripts/"+created.ID, l.carol.Token, "", nil)
	var got map[string]any
	if status != http.StatusOK || json.Unmarshal(body, &got) != nil {
		t.Fatalf("GET script = %d %s", status, body)
	}
	for _, k := range []string{"created_at", "updated_at"} {
		if _, err := time.Parse(time.RFC3339, got[k].(string)); err != nil {
			t.Errorf("%s = %v", k, got[k])
		}
		delete(got, k)
	}
	want := map[string]any{
		"id": created.ID, "name": "Flush DNS", "category": "Network", "description": "Clears the DNS cache.", "published": true,
		"owner": map[string]any{"id": l.carolID, "name": "Carol", "email": "carol@example.com"},
		"mine":  true, "editable": true,
		"script": map[string]any{"name": "flush.bat", "size": 20.0}, "input": map[string]any{"name": "hosts.txt", "size": 12.0},
		"interpreter": "cmd", "platform": "windows", "time_limit": 60.0,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GET script =\n%v\nwant\n%v", got, want)
	}

	// Without an input file, input is null; the default time limit is 300.
	bare := l.add(t, l.carol, client.NewScript{Name: "Bare", Category: "Network", ScriptName: "bare.sh", Script: []byte("true")})
	_, _, body = rawRequest(t, l.ts, "GET", "/api/v1/scripts/"+bare.ID, l.carol.Token, "", nil)
	if !bytes.Contains(body, []byte(`"input":null`)) || bare.TimeLimit != 300 || bare.Interpreter != "sh" || bare.Platform != "unix" || bare.Published {
		t.Errorf("a bare script = %s", body)
	}

	// A list holds the same as GET of one.
	status, _, body = rawRequest(t, l.ts, "GET", "/api/v1/scripts", l.carol.Token, "", nil)
	if status != http.StatusOK || !bytes.HasPrefix(body, []byte(`{"scripts":[{"id":"`)) {
		t.Errorf("GET scripts = %d %s", status, body)
	}
	status, _, body = rawRequest(t, l.ts, "GET", "/api/v1/scripts", l.dave.Token, "", nil)
	if status != http.StatusOK || !bytes.Contains(body, []byte(`"mine":false,"editable":false`)) {
		t.Errorf("GET scripts as Dave = %d %s", status, body)
	}
	// An empty list is [], not null.
	must(t, l.carol.DeleteScript(ctxT(t), created.ID))
	must(t, l.carol.DeleteScript(ctxT(t), bare.ID))
	if _, _, body = rawRequest(t, l.ts, "GET", "/api/v1/scripts", l.carol.Token, "", nil); string(body) != "{\"scripts\":[]}\n" {
		t.Errorf("an empty library = %s", body)
	}
}

func addCategories(ts *rendezvoustest.Server, names ...string) error {
	for _, n := range names {
		if _, err := ts.Store.AddScriptCategory(context.Background(), n); err != nil {
			return err
		}
	}
	return nil
}

// Who sees which script, in the list, as one and as its files.
func TestScriptVisibility(t *testing.T) {
	l := newLibrary(t)
	private := l.add(t, l.carol, sh("Carol private"))
	pub := sh("Carol published")
	pub.Published = true
	published := l.add(t, l.carol, pub)
	davePrivate := l.add(t, l.dave, sh("Dave private"))

	for _, tc := range []struct {
		who  string
		as   *client.Client
		list []string
		sees map[string]bool // by id
	}{
		{"the owner sees her own, private or not", l.carol, []string{"Carol private", "Carol published"},
			map[string]bool{private.ID: true, published.ID: true, davePrivate.ID: false}},
		{"another CSR sees the published and his own", l.dave, []string{"Carol published", "Dave private"},
			map[string]bool{private.ID: false, published.ID: true, davePrivate.ID: true}},
		{"an admin sees every script", l.ann, []string{"Carol private", "Carol published", "Dave private"},
			map[string]bool{private.ID: true, published.ID: true, davePrivate.ID: true}},
	} {
		t.Run(tc.who, func(t *testing.T) {
			if got := l.list(t, tc.as, client.ScriptListOptions{}); !slices.Equal(got, tc.list) {
				t.Errorf("list = %q, want %q", got, tc.list)
			}
			for id, sees := range tc.sees {
				_, err := tc.as.Script(ctxT(t), id)
				data, ferr := tc.as.ScriptFile(ctxT(t), id, client.ScriptPartScript)
				switch {
				case sees && (err != nil || ferr != nil || !bytes.HasPrefix(data, []byte("echo "))):
					t.Errorf("%s: %v, %v, %q; want it", id, err, ferr, data)
				case !sees && (!client.IsCode(err, client.CodeNoSuchScript) || !client.IsCode(ferr, client.CodeNoSuchScript)):
					// Not found, not forbidden: a private script's existence is its owner's business.
					t.Errorf("%s: %v, %v; want %s", id, err, ferr, client.CodeNoSuchScript)
				}
			}
		})
	}

	// Made private again, it leaves Dave's list.
	no := false
	_, err := l.carol.UpdateScript(ctxT(t), published.ID, client.ScriptChanges{Published: &no})
	must(t, err)
	if got := l.list(t, l.dave, client.ScriptListOptions{}); !slices.Equal(got, []string{"Dave private"}) {
		t.Errorf("Dave's list after Carol unpublished hers: %q", got)
	}
}

// Only the owner, or an admin, changes or deletes a script.
func TestScriptOwnership(t *testing.T) {
	l := newLibrary(t)
	yes := true
	for _, tc := range []struct {
		name      string
		published bool
		as        *client.Client
		code      string // "" when allowed
	}{
		{"the owner", false, nil, ""},
		{"another CSR, on a published script", true, l.dave, client.CodeNotYours},
		{"another CSR, on a private script", false, l.dave, client.CodeNoSuchScript},
		{"an admin", false, l.ann, ""},
		{"a customer", true, l.customer, "csr_only"},
		{"no one logged in", true, l.nobody, "unauthenticated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := tc.as
			if as == nil {
				as = l.carol
			}
			s := sh("Owned by Carol")
			s.Published = tc.published
			sc := l.add(t, l.carol, s)
			desc := "changed"
			_, uerr := as.UpdateScript(ctxT(t), sc.ID, client.ScriptChanges{Description: &desc, Published: &yes})
			derr := as.DeleteScript(ctxT(t), sc.ID)
			if tc.code == "" {
				if uerr != nil || derr != nil {
					t.Fatalf("update: %v; delete: %v", uerr, derr)
				}
				if _, err := l.carol.Script(ctxT(t), sc.ID); !client.IsCode(err, client.CodeNoSuchScript) {
					t.Errorf("after delete: %v", err)
				}
				return
			}
			if !client.IsCode(uerr, tc.code) || !client.IsCode(derr, tc.code) {
				t.Errorf("update: %v; delete: %v; want %s", uerr, derr, tc.code)
			}
			if tc.code == client.CodeNotYours && !strings.Contains(uerr.Error(), "Only Carol (carol@example.com), who added the script \"Owned by Carol\", or an administrator can change or delete it.") {
				t.Errorf("the refusal says: %v", uerr)
			}
			got, err := l.carol.Script(ctxT(t), sc.ID)
			if err != nil || got.Description != "about Owned by Carol" || got.Published != tc.published {
				t.Errorf("after refusals: %+v, %v; want it unchanged", got, err)
			}
			must(t, l.carol.DeleteScript(ctxT(t), sc.ID))
		})
	}
}

// Every refusal of a new script, and that none of them stores anything.
func TestCreateScriptRefusals(t *testing.T) {
	l := newLibrary(t)
	l.add(t, l.carol, sh("Taken")) // before there are categories
	must(t, addCategories(l.ts, "Printing", "Network", "Disks"))
	mb := client.MaxScriptFileSize
	before := l.list(t, l.ann, client.ScriptListOptions{})
	for _, tc := range []struct {
		name   string
		as     *client.Client
		change func(*client.NewScript)
		status int
		code   string
		msg    string
	}{
		{"no name", nil, func(s *client.NewScript) { s.Name = "  " }, 400, client.CodeFieldRequired, "Give the script a name."},
		{"no script file", nil, func(s *client.NewScript) { s.ScriptName, s.Script = "", nil }, 400, client.CodeFieldRequired, "Choose the script file"},
		{"a name taken, in another case", nil, func(s *client.NewScript) { s.Name = "TAKEN" }, 409, client.CodeNameTaken,
			`There is already a script named "TAKEN"; choose another name.`},
		{"an unknown category", nil, func(s *client.NewScript) { s.Category = "Sales" }, 400, client.CodeUnknownCategory,
			`"Sales" is not a script category of this site; choose Disks, Network or Printing.`},
		{"no category on a site with some", nil, func(s *client.NewScript) { s.Category = "" }, 400, client.CodeCategoryRequired,
			"Choose a category: Disks, Network or Printing."},
		{"a script file of 1 MB and a byte", nil, func(s *client.NewScript) { s.Script = bytes.Repeat([]byte("#"), mb+1) }, 413, client.CodeFileTooLarge,
			"The script file is 1,048,577 bytes; the most is 1 MB."},
		{"a script file of 1.4 MB", nil, func(s *client.NewScript) { s.Script = bytes.Repeat([]byte("#"), mb*14/10) }, 413, client.CodeFileTooLarge,
			"The script file is 1.4 MB; the most is 1 MB."},
		{"an input file of 1 MB and a byte", nil, func(s *client.NewScript) { s.InputName, s.Input = "in.bin", make([]byte, mb+1) }, 413, client.CodeFileTooLarge,
			"The input file is 1,048,577 bytes; the most is 1 MB."},
		{"a Python script", nil, func(s *client.NewScript) { s.ScriptName = "fix.py" }, 400, client.CodeUnsupportedScriptType,
			`"fix.py" is not a kind of script the library runs: the file name must end in .sh, .bash, .ps1, .bat or .cmd`},
		{"an executable", nil, func(s *client.NewScript) { s.ScriptName = "fix.exe" }, 400, client.CodeUnsupportedScriptType, ".sh, .bash, .ps1"},
		{"an empty script file", nil, func(s *client.NewScript) { s.Script = []byte{} }, 400, client.CodeInvalidField, "The script file is empty."},
		{"a script file without a name", nil, func(s *client.NewScript) { s.ScriptName = "" }, 400, client.CodeInvalidField, "without a file name"},
		{"an input file without content", nil, func(s *client.NewScript) { s.InputName = "in.txt" }, 400, client.CodeInvalidField, "The input file is empty."},
		{"a time limit over an hour", nil, func(s *client.NewScript) { s.TimeLimit = 3601 }, 400, client.CodeInvalidField,
			"The time limit must be a whole number of seconds from 1 to 3600, not 3601."},
		{"a negative time limit", nil, func(s *client.NewScript) { s.TimeLimit = -1 }, 400, client.CodeInvalidField, "from 1 to 3600"},
		{"a name of two lines", nil, func(s *client.NewScript) { s.Name = "one\ntwo" }, 400, client.CodeInvalidField, "A script's name must be one line"},
		{"a name too long", nil, func(s *client.NewScript) { s.Name = strings.Repeat("n", 101) }, 400, client.CodeInvalidField, "at most 100 characters"},
		{"a description too long", nil, func(s *client.NewScript) { s.Description = strings.Repeat("d", 2001) }, 400, client.CodeInvalidField, "at most 2000 characters"},
		{"a customer's token", l.customer, nil, 403, "csr_only", "Only support representatives"},
		{"no token", l.nobody, nil, 401, "unauthenticated", "Log in first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sh("New")
			s.Category = "Network"
			if tc.change != nil {
				tc.change(&s)
			}
			as := tc.as
			if as == nil {
				as = l.carol
			}
			_, err := as.CreateScript(ctxT(t), s)
			wantRefused(t, tc.name, err, tc.status, tc.code, tc.msg)
			if got := l.list(t, l.ann, client.ScriptListOptions{}); !slices.Equal(got, before) {
				t.Errorf("the library after a refusal: %q, want %q", got, before)
			}
		})
	}

	// The limits themselves are taken: 1 MB each, 3600 seconds.
	s := sh("Largest")
	s.Category, s.TimeLimit = "disks", 3600
	s.Script, s.InputName, s.Input = bytes.Repeat([]byte("#"), mb), "in.bin", bytes.Repeat([]byte{1}, mb)
	sc := l.add(t, l.carol, s)
	if sc.Script.Size != int64(mb) || sc.Input.Size != int64(mb) || sc.TimeLimit != 3600 || sc.Category != "Disks" {
		t.Errorf("the largest script = %+v", sc)
	}
	if data, err := l.dave.ScriptFile(ctxT(t), sc.ID, client.ScriptPartInput); !client.IsCode(err, client.CodeNoSuchScript) || data != nil {
		t.Errorf("Dave reading Carol's private input: %v", err)
	}
	if data, err := l.carol.ScriptFile(ctxT(t), sc.ID, client.ScriptPartInput); err != nil || !bytes.Equal(data, s.Input) {
		t.Errorf("the input file back: %d bytes, %v", len(data), err)
	}
}

// A site without categories files scripts under none, and refuses one
// named anyway.
func TestScriptsWithoutCategories(t *testing.T) {
	l := newLibrary(t)
	cats, err := l.carol.ScriptCategories(ctxT(t))
	if err != nil || cats == nil || len(cats) != 0 {
		t.Fatalf("categories of a new site = %#v, %v; want []", cats, err)
	}
	if sc := l.add(t, l.carol, sh("Uncategorised")); sc.Category != "" {
		t.Errorf("category = %q", sc.Category)
	}
	s := sh("Filed")
	s.Category = "Network"
	_, err = l.carol.CreateScript(ctxT(t), s)
	wantRefused(t, "a category on a site with none", err, 400, client.CodeUnknownCategory, "this site has none yet, so leave the category empty")

	must(t, addCategories(l.ts, "Network", "accounts"))
	cats, err = l.dave.ScriptCategories(ctxT(t))
	if err != nil || !slices.Equal(cats, []string{"accounts", "Network"}) {
		t.Errorf("categories = %q, %v", cats, err)
	}
	for _, who := range []*client.Client{l.customer, l.nobody} {
		if _, err := who.ScriptCategories(ctxT(t)); err == nil {
			t.Error("categories were listed without a CSR's login")
		}
	}
}

// Changing a script: any subset of its fields and files.
func TestUpdateScript(t *testing.T) {
	l := newLibrary(t)
	must(t, addCategories(l.ts, "Network", "Printing"))
	s := sh("Original")
	s.Category, s.InputName, s.Input = "Network", "in.txt", []byte("input")
	orig := l.add(t, l.carol, s)
	other := sh("Other")
	other.Category = "Network"
	l.add(t, l.carol, other)
	str := func(v string) *string { return &v }
	yes, ninety := true, 90

	for _, tc := range []struct {
		name  string
		ch    client.ScriptChanges
		check func(client.Script) bool
	}{
		{"nothing", client.ScriptChanges{}, func(sc client.Script) bool { return sc.Name == "Original" && sc.Input != nil }},
		{"only the description", client.ScriptChanges{Description: str(" new words ")},
			func(sc client.Script) bool {
				return sc.Description == "new words" && sc.Name == "Original" && sc.Category == "Network"
			}},
		{"name, category, published and time limit", client.ScriptChanges{Name: str("Renamed"), Category: str("printing"), Published: &yes, TimeLimit: &ninety},
			func(sc client.Script) bool {
				return sc.Name == "Renamed" && sc.Category == "Printing" && sc.Published && sc.TimeLimit == 90 && sc.Description == "new words"
			}},
		{"a PowerShell script for the shell script", client.ScriptChanges{ScriptName: "fix.ps1", Script: []byte("Get-Date")},
			func(sc client.Script) bool {
				return sc.Script == client.FileInfo{Name: "fix.ps1", Size: 8} && sc.Interpreter == "powershell" && sc.Platform == "windows"
			}},
		{"a new input file", client.ScriptChanges{InputName: "data.csv", Input: []byte("a,b\n")},
			func(sc client.Script) bool {
				return sc.Input != nil && *sc.Input == client.FileInfo{Name: "data.csv", Size: 4}
			}},
		{"no input file", client.ScriptChanges{RemoveInput: true}, func(sc client.Script) bool { return sc.Input == nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := l.carol.Script(ctxT(t), orig.ID)
			got, err := l.carol.UpdateScript(ctxT(t), orig.ID, tc.ch)
			if err != nil || !tc.check(got) {
				t.Fatalf("UpdateScript = %+v, %v", got, err)
			}
			if again, _ := l.carol.Script(ctxT(t), orig.ID); !reflect.DeepEqual(again, got) {
				t.Errorf("read back: %+v\nwant %+v", again, got)
			}
			if !got.UpdatedAt.After(before.UpdatedAt) && !got.UpdatedAt.Equal(before.UpdatedAt) || !got.CreatedAt.Equal(orig.CreatedAt) {
				t.Errorf("times: created %v (was %v), updated %v (was %v)", got.CreatedAt, orig.CreatedAt, got.UpdatedAt, before.UpdatedAt)
			}
		})
	}
	if data, err := l.carol.ScriptFile(ctxT(t), orig.ID, client.ScriptPartScript); err != nil || string(data) != "Get-Date" {
		t.Errorf("the new script file holds %q, %v", data, err)
	}
	_, err := l.carol.ScriptFile(ctxT(t), orig.ID, client.ScriptPartInput)
	wantRefused(t, "the removed input file", err, 404, client.CodeNoInputFile, `The script "Renamed" has no input file.`)

	kept, _ := l.carol.Script(ctxT(t), orig.ID)
	for _, tc := range []struct {
		name   string
		id     string
		ch     client.ScriptChanges
		status int
		code   string
		msg    string
	}{
		{"another script's name", orig.ID, client.ScriptChanges{Name: str("OTHER"), Published: &yes}, 409, client.CodeNameTaken, `already a script named "OTHER"`},
		{"an empty name", orig.ID, client.ScriptChanges{Name: str(""), Published: &yes}, 400, client.CodeInvalidField, "A script needs a name."},
		{"no category on a site with some", orig.ID, client.ScriptChanges{Category: str("")}, 400, client.CodeCategoryRequired, "Choose a category: Network or Printing."},
		{"an unknown category", orig.ID, client.ScriptChanges{Category: str("Sales")}, 400, client.CodeUnknownCategory, "choose Network or Printing"},
		{"an unsupported type", orig.ID, client.ScriptChanges{ScriptName: "fix.vbs", Script: []byte("x")}, 400, client.CodeUnsupportedScriptType, `"fix.vbs"`},
		{"a file too large", orig.ID, client.ScriptChanges{ScriptName: "a.sh", Script: make([]byte, client.MaxScriptFileSize+1)}, 413, client.CodeFileTooLarge, "1 MB"},
		{"an input both new and removed", orig.ID, client.ScriptChanges{InputName: "a", Input: []byte("a"), RemoveInput: true}, 400, client.CodeInvalidField, "not both"},
		{"a time limit of 0", orig.ID, client.ScriptChanges{TimeLimit: new(int)}, 400, client.CodeInvalidField, "from 1 to 3600, not 0"},
		{"no such script", "scr_nothing", client.ScriptChanges{Published: &yes}, 404, client.CodeNoSuchScript, "There is no such script"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.carol.UpdateScript(ctxT(t), tc.id, tc.ch)
			wantRefused(t, tc.name, err, tc.status, tc.code, tc.msg)
			if got, _ := l.carol.Script(ctxT(t), orig.ID); !reflect.DeepEqual(got, kept) {
				t.Errorf("a refused change changed the script:\n%+v\nwas\n%+v", got, kept)
			}
		})
	}
}

// The list sorts by each column, both ways.
func TestScriptSorting(t *testing.T) {
	l := newLibrary(t)
	must(t, addCategories(l.ts, "Accounts", "disks", "Network", "Printing"))
	erin := l.ts.CSR(t, "erin@example.com", "erin")
	for _, s := range []struct {
		as        *client.Client
		name, cat string
		desc      string
		published bool
	}{
		{l.carol, "Alpha", "Printing", "b second", false},
		{l.carol, "bravo", "disks", "D fourth", true},
		{l.dave, "Charlie", "Network", "a first", true},
		{erin, "delta", "Accounts", "C third", true},
		{l.dave, "Echo", "Network", "e fifth", false}, // Dave's, private: not in Carol's list
	} {
		ns := sh(s.name)
		ns.Category, ns.Description, ns.Published = s.cat, s.desc, s.published
		l.add(t, s.as, ns)
		time.Sleep(2 * time.Millisecond) // distinct update times, kept in milliseconds
	}
	for _, tc := range []struct {
		sort string
		asc  []string
	}{
		{"", []string{"Alpha", "bravo", "Charlie", "delta"}},
		{client.ScriptSortName, []string{"Alpha", "bravo", "Charlie", "delta"}},
		{client.ScriptSortCategory, []string{"delta", "bravo", "Charlie", "Alpha"}},
		{client.ScriptSortDescription, []string{"Charlie", "Alpha", "delta", "bravo"}},
		{client.ScriptSortOwner, []string{"Alpha", "bravo", "Charlie", "delta"}}, // Carol, Carol, Dave, erin
		{client.ScriptSortUpdated, []string{"Alpha", "bravo", "Charlie", "delta"}},
		{client.ScriptSortPublished, []string{"Alpha", "bravo", "Charlie", "delta"}}, // private first, then by name
	} {
		t.Run("by "+tc.sort, func(t *testing.T) {
			if got := l.list(t, l.carol, client.ScriptListOptions{Sort: tc.sort}); !slices.Equal(got, tc.asc) {
				t.Errorf("ascending: %q, want %q", got, tc.asc)
			}
			desc := slices.Clone(tc.asc)
			slices.Reverse(desc)
			switch tc.sort {
			case client.ScriptSortOwner:
				desc = []string{"delta", "Charlie", "Alpha", "bravo"} // Carol's two keep their order by name
			case client.ScriptSortPublished:
				desc = []string{"bravo", "Charlie", "delta", "Alpha"}
			}
			if got := l.list(t, l.carol, client.ScriptListOptions{Sort: tc.sort, Desc: true}); !slices.Equal(got, desc) {
				t.Errorf("descending: %q, want %q", got, desc)
			}
		})
	}
	if got := l.list(t, l.carol, client.ScriptListOptions{Category: "NETWORK"}); !slices.Equal(got, []string{"Charlie"}) {
		t.Errorf("Carol's scripts in Network: %q", got)
	}
	if got := l.list(t, l.ann, client.ScriptListOptions{Category: "network", Sort: "name", Desc: true}); !slices.Equal(got, []string{"Echo", "Charlie"}) {
		t.Errorf("all of Network, by name descending: %q", got)
	}
	for _, q := range []struct{ query, code, msg string }{
		{"sort=size", "invalid_sort", `Scripts can be sorted by name, category, description, owner, updated or published, not "size".`},
		{"order=up", "invalid_order", `The order is asc or desc, not "up".`},
	} {
		status, _, body := rawRequest(t, l.ts, "GET", "/api/v1/scripts?"+q.query, l.carol.Token, "", nil)
		if status != 400 || !bytes.Contains(body, []byte(q.code)) || !bytes.Contains(body, []byte(jsonText(q.msg))) {
			t.Errorf("?%s = %d %s", q.query, status, body)
		}
	}
}

// jsonText is s as encoding/json writes it inside a string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// multipartBody builds a form by hand, for what the client never sends.
type formPart struct {
	field, fileName, content string
	file                     bool
}

func multipartBody(parts ...formPart) (string, *bytes.Buffer) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		if p.file {
			fw, _ := w.CreateFormFile(p.field, p.fileName)
			io.WriteString(fw, p.content)
		} else {
			w.WriteField(p.field, p.content)
		}
	}
	w.Close()
	return w.FormDataContentType(), &b
}

// The multipart form as browsers and scripts may send it.
func TestScriptUploads(t *testing.T) {
	l := newLibrary(t)
	big := strings.Repeat("#", 3<<20)
	for _, tc := range []struct {
		name        string
		contentType string // "" for the form's own; else a body cut short is sent
		parts       []formPart
		status      int
		code        string
		msg         string
	}{
		{"fields the server does not know are ignored", "", []formPart{
			{field: "name", content: "Extra"}, {field: "csrf", content: "x"}, {field: "submit", content: "Add"},
			{field: "attachment", fileName: "a.txt", content: "ignored", file: true},
			{field: "script", fileName: "extra.sh", content: "echo", file: true}}, 201, "", ""},
		{"an empty file box for the input is no input", "", []formPart{
			{field: "name", content: "Empty box"}, {field: "published", content: "on"},
			{field: "script", fileName: "box.sh", content: "echo", file: true}, {field: "input", fileName: "", content: "", file: true}}, 201, "", ""},
		{"the script as a text field", "", []formPart{
			{field: "name", content: "Text"}, {field: "script", content: "echo hi"}}, 400, "invalid_field", "without a file name"},
		{"a field sent twice", "", []formPart{
			{field: "name", content: "One"}, {field: "name", content: "Two"},
			{field: "script", fileName: "a.sh", content: "echo", file: true}}, 400, "duplicate_field", "The field name was sent twice"},
		{"published neither yes nor no", "", []formPart{
			{field: "name", content: "Maybe"}, {field: "published", content: "maybe"},
			{field: "script", fileName: "a.sh", content: "echo", file: true}}, 400, "invalid_field", `published must be true or false, not "maybe"`},
		{"a time limit in words", "", []formPart{
			{field: "name", content: "Words"}, {field: "time_limit", content: "five minutes"},
			{field: "script", fileName: "a.sh", content: "echo", file: true}}, 400, "invalid_field", "whole number of seconds"},
		{"remove_input on a new script", "", []formPart{
			{field: "name", content: "Remove"}, {field: "remove_input", content: "true"},
			{field: "script", fileName: "a.sh", content: "echo", file: true}}, 400, "invalid_field", "no input file to remove"},
		{"a text field beyond 16 KB", "", []formPart{
			{field: "name", content: strings.Repeat("n", 17<<10)}, {field: "script", fileName: "a.sh", content: "echo", file: true}},
			400, "invalid_field", "The field name is longer than 16384 bytes."},
		{"no file at all", "", []formPart{{field: "name", content: "Nothing"}}, 400, "field_required", "Choose the script file"},
		{"a 3 MB script: the upload is cut off", "", []formPart{
			{field: "name", content: "Huge"}, {field: "script", fileName: "huge.sh", content: big, file: true}},
			413, "file_too_large", "The script file is more than 2.2 MB; the most is 1 MB."},
		{"a body that is not multipart", "application/json", nil, 400, "not_multipart", "Send the script as multipart/form-data"},
		{"a body cut short", "multipart/form-data; boundary=XYZ", nil, 400, "malformed_form", "not a complete multipart/form-data body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := multipartBody(tc.parts...)
			if tc.contentType != "" {
				ct = tc.contentType
				body = bytes.NewBufferString("--XYZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nunfinished")
			}
			status, _, b := rawRequest(t, l.ts, "POST", "/api/v1/scripts", l.carol.Token, ct, body)
			if status != tc.status || (tc.code != "" && (!bytes.Contains(b, []byte(`"code":"`+tc.code+`"`)) || !bytes.Contains(b, []byte(jsonText(tc.msg))))) {
				t.Errorf("= %d %s; want %d %s %q", status, b, tc.status, tc.code, tc.msg)
			}
		})
	}
	if got := l.list(t, l.carol, client.ScriptListOptions{}); !slices.Equal(got, []string{"Empty box", "Extra"}) {
		t.Errorf("stored: %q, want only the two accepted", got)
	}
	sc, _ := l.carol.ListScripts(ctxT(t), client.ScriptListOptions{})
	if sc[0].Input != nil || !sc[0].Published {
		t.Errorf("Empty box = %+v; want no input, published (a checkbox's on)", sc[0])
	}
}

// The files come back as they were uploaded, named for saving.
func TestScriptFileDownload(t *testing.T) {
	l := newLibrary(t)
	s := client.NewScript{Name: "Binary", Published: true, ScriptName: "répare.ps1", Script: []byte("Write-Host \"é\"\r\n"),
		InputName: "data.bin", Input: []byte{0, 1, 2, 0xff}}
	sc := l.add(t, l.carol, s)
	for _, tc := range []struct {
		part        string
		want        []byte
		disposition string
	}{
		{"script", s.Script, "attachment; filename*=utf-8''r%C3%A9pare.ps1"},
		{"input", s.Input, "attachment; filename=data.bin"},
	} {
		status, h, body := rawRequest(t, l.ts, "GET", "/api/v1/scripts/"+sc.ID+"/"+tc.part, l.dave.Token, "", nil)
		if status != 200 || !bytes.Equal(body, tc.want) || h.Get("Content-Type") != "application/octet-stream" ||
			h.Get("Content-Disposition") != tc.disposition || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d %q %v", tc.part, status, body, h)
		}
	}
	status, _, body := rawRequest(t, l.ts, "GET", "/api/v1/scripts/"+sc.ID+"/other", l.dave.Token, "", nil)
	if status != 404 || !bytes.Contains(body, []byte("no_such_endpoint")) {
		t.Errorf("GET /other = %d %s", status, body)
	}
	for _, who := range []struct {
		as   *client.Client
		code string
	}{{l.customer, "csr_only"}, {l.nobody, "unauthenticated"}} {
		if _, err := who.as.ScriptFile(ctxT(t), sc.ID, client.ScriptPartScript); !client.IsCode(err, who.code) {
			t.Errorf("the file without a CSR's login: %v, want %s", err, who.code)
		}
	}
}
