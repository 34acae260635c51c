package store

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/scriptlib"
)

// newScript is a valid script of owner, filed under category, created at c.
func newScript(id, name, category, owner string, published bool, c time.Time) Script {
	return Script{
		ID: id, Name: name, Category: category, Description: "about " + name, Published: published,
		OwnerUserID: owner, File: ScriptFile{Name: id + ".sh", Data: []byte("echo " + name + "\n")},
		CreatedAt: c, UpdatedAt: c,
	}
}

func mustScript(t *testing.T, s Store, sc Script) Script {
	t.Helper()
	if err := s.CreateScript(t.Context(), sc); err != nil {
		t.Fatalf("CreateScript(%s): %v", sc.Name, err)
	}
	got, err := s.ScriptByID(t.Context(), sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func mustCategory(t *testing.T, s Store, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := s.AddScriptCategory(t.Context(), name); err != nil {
			t.Fatalf("AddScriptCategory(%q): %v", name, err)
		}
	}
}

func scriptNames(scripts []Script) []string {
	var names []string
	for _, sc := range scripts {
		names = append(names, sc.Name)
	}
	return names
}

func TestScriptCategories(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		if got, err := s.ScriptCategories(ctx); err != nil || len(got) != 0 {
			t.Fatalf("a new site's categories = %q, %v; want none", got, err)
		}
		mustCategory(t, s, "printing", " Network ", "Ünïcode")
		for _, tc := range []struct {
			name string
			want error // nil: any error will do
		}{
			{"NETWORK", ErrExists},
			{"Printing", ErrExists},
			{"üNÏCODE", ErrExists}, // folded beyond ASCII
			{"", nil},
			{"a\nb", nil},
			{strings.Repeat("x", scriptlib.MaxCategoryLen+1), nil},
		} {
			if _, err := s.AddScriptCategory(ctx, tc.name); err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("AddScriptCategory(%q): %v, want %v", tc.name, err, tc.want)
			}
		}
		want := []string{"Network", "printing", "Ünïcode"} // as spelt, by name in any case
		if got, _ := s.ScriptCategories(ctx); !slices.Equal(got, want) {
			t.Errorf("ScriptCategories = %q, want %q", got, want)
		}

		// A category in use stays until its scripts are gone, and says how
		// many there are.
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustScript(t, s, newScript("scr_1", "One", "network", "u1", false, base))
		mustScript(t, s, newScript("scr_2", "Two", "NETWORK", "u1", true, base))
		err := s.RemoveScriptCategory(ctx, "Network")
		var inUse *CategoryInUseError
		if !errors.Is(err, ErrInUse) || !errors.As(err, &inUse) || inUse.Scripts != 2 {
			t.Errorf("RemoveScriptCategory of a category with 2 scripts: %v", err)
		}
		must(t, s.DeleteScript(ctx, "scr_1"))
		must(t, s.DeleteScript(ctx, "scr_2"))
		if err := s.RemoveScriptCategory(ctx, "NETWORK"); err != nil {
			t.Errorf("RemoveScriptCategory once empty: %v", err)
		}
		wantErr(t, "RemoveScriptCategory twice", s.RemoveScriptCategory(ctx, "Network"), ErrNotFound)
		if got, _ := s.ScriptCategories(ctx); !slices.Equal(got, want[1:]) {
			t.Errorf("after removal: %q, want %q", got, want[1:])
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateScript(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustCategory(t, s, "Network")
		full := Script{
			ID: "scr_full", Name: "  Flush DNS  ", Category: "NETWORK", Description: " Clears the cache.\nThen checks. ",
			Published: true, OwnerUserID: "u1", TimeLimit: 60,
			File:      ScriptFile{Name: `C:\fakepath\flush.BAT`, Data: []byte("ipconfig /flushdns\r\n")},
			Input:     ScriptFile{Name: "hosts.txt", Data: []byte{0, 1, 2, 255}},
			CreatedAt: at(time.Minute), UpdatedAt: at(2 * time.Minute),
		}
		got := mustScript(t, s, full)
		want := Script{
			ID: "scr_full", Name: "Flush DNS", Category: "Network", Description: "Clears the cache.\nThen checks.",
			Published: true, OwnerUserID: "u1", OwnerName: "Alice", OwnerEmail: "alice@example.com", TimeLimit: 60,
			File:      ScriptFile{Name: "flush.BAT", Size: 20},
			Input:     ScriptFile{Name: "hosts.txt", Size: 4},
			CreatedAt: at(time.Minute), UpdatedAt: at(2 * time.Minute),
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ScriptByID =\n%+v\nwant\n%+v", got, want)
		}
		if f, err := s.ScriptFileData(ctx, "scr_full", false); err != nil || f.Name != "flush.BAT" || !bytes.Equal(f.Data, full.File.Data) {
			t.Errorf("script file = %+v, %v", f, err)
		}
		if f, err := s.ScriptFileData(ctx, "scr_full", true); err != nil || f.Name != "hosts.txt" || !bytes.Equal(f.Data, full.Input.Data) {
			t.Errorf("input file = %+v, %v", f, err)
		}

		// The fewest fields: no category, no input, the default time limit.
		got = mustScript(t, s, newScript("scr_min", "Minimal", "", "u1", false, base))
		if got.Category != "" || !reflect.DeepEqual(got.Input, ScriptFile{}) || got.TimeLimit != scriptlib.DefaultTimeLimit || got.Published {
			t.Errorf("a minimal script = %+v", got)
		}
		_, err := s.ScriptFileData(ctx, "scr_min", true)
		wantErr(t, "the input file of a script without one", err, ErrNotFound)
		_, err = s.ScriptByID(ctx, "scr_none")
		wantErr(t, "ScriptByID of no script", err, ErrNotFound)

		// A file of exactly 1 MB is taken.
		big := newScript("scr_big", "Big", "", "u1", false, base)
		big.File.Data = bytes.Repeat([]byte("#"), scriptlib.MaxFileSize)
		big.Input = ScriptFile{Name: "in.bin", Data: bytes.Repeat([]byte{7}, scriptlib.MaxFileSize)}
		if got := mustScript(t, s, big); got.File.Size != scriptlib.MaxFileSize || got.Input.Size != scriptlib.MaxFileSize {
			t.Errorf("1 MB files: sizes %d, %d", got.File.Size, got.Input.Size)
		}

		before, _ := s.ListScripts(ctx, ScriptFilter{})
		tooBig := bytes.Repeat([]byte("#"), scriptlib.MaxFileSize+1)
		for _, tc := range []struct {
			name   string
			change func(*Script)
			want   error  // nil: any error will do
			msg    string // in the error
		}{
			{"the same name in another case", func(sc *Script) { sc.Name = "FLUSH dns" }, ErrExists, ""},
			{"an unknown category", func(sc *Script) { sc.Category = "Printing" }, ErrUnknownCategory, `"Printing"`},
			{"an unknown owner", func(sc *Script) { sc.OwnerUserID = "u9" }, ErrNotFound, "u9"},
			{"no name", func(sc *Script) { sc.Name = " " }, nil, "needs a name"},
			{"a name of two lines", func(sc *Script) { sc.Name = "a\nb" }, nil, "one line"},
			{"a script of 1 MB and a byte", func(sc *Script) { sc.File.Data = tooBig }, nil, "The script file is 1,048,577 bytes; the most is 1 MB."},
			{"an input of 1 MB and a byte", func(sc *Script) { sc.Input = ScriptFile{Name: "in", Data: tooBig} }, nil, "The input file is 1,048,577 bytes"},
			{"an empty script", func(sc *Script) { sc.File.Data = nil }, nil, "script file is empty"},
			{"input data without a name", func(sc *Script) { sc.Input = ScriptFile{Data: []byte("x")} }, nil, "input file needs a file name"},
			{"a Python script", func(sc *Script) { sc.File.Name = "fix.py" }, nil, "must end in .sh, .bash, .ps1, .bat or .cmd"},
			{"no file name", func(sc *Script) { sc.File.Name = "" }, nil, "needs a file name"},
			{"a file name Windows refuses", func(sc *Script) { sc.File.Name = "a:b.sh" }, nil, "cannot have"},
			{"a time limit of an hour and a second", func(sc *Script) { sc.TimeLimit = 3601 }, nil, "from 1 to 3600 seconds"},
			{"a negative time limit", func(sc *Script) { sc.TimeLimit = -1 }, nil, "from 1 to 3600 seconds"},
			{"no id", func(sc *Script) { sc.ID = "" }, nil, "required"},
			{"a taken id", func(sc *Script) { sc.ID = "scr_min" }, ErrExists, ""},
		} {
			sc := newScript("scr_new", "New", "", "u1", false, base)
			tc.change(&sc)
			err := s.CreateScript(ctx, sc)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s: %v; want %v with %q", tc.name, err, tc.want, tc.msg)
			}
		}
		if after, _ := s.ListScripts(ctx, ScriptFilter{}); !slices.Equal(scriptNames(after), scriptNames(before)) {
			t.Errorf("refused scripts were stored: %q, had %q", scriptNames(after), scriptNames(before))
		}
	})
}

func TestListScripts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "ua", "alice@example.com", "Alice")
		mustUser(t, s, "ub", "bob@example.com", "bob") // lower case: sorting ignores case
		mustCategory(t, s, "Network", "Printing", "disks")
		for _, sc := range []Script{
			newScript("scr_1", "alpha", "Network", "ua", false, at(3*time.Minute)),    // Alice's, private
			newScript("scr_2", "Bravo", "Printing", "ua", true, at(1*time.Minute)),    // Alice's, published
			newScript("scr_3", "charlie", "disks", "ub", true, at(4*time.Minute)),     // Bob's, published
			newScript("scr_4", "Delta", "", "ub", false, at(2*time.Minute)),           // Bob's, private
			newScript("scr_5", "echo", "network", "ub", true, at(5*time.Minute)),      // Bob's, published
			newScript("scr_6", "Foxtrot", "Printing", "ua", false, at(6*time.Minute)), // Alice's, private
		} {
			mustScript(t, s, sc)
		}
		// Descriptions that sort apart from the names.
		for id, desc := range map[string]string{"scr_1": "zz", "scr_2": "Yy", "scr_3": "xx", "scr_4": "ww", "scr_5": "VV", "scr_6": "uu"} {
			_, err := s.UpdateScript(ctx, id, ScriptUpdate{Description: &desc, At: at(time.Duration(id[4]-'0') * time.Minute)})
			must(t, err)
		}

		for _, tc := range []struct {
			name   string
			filter ScriptFilter
			want   []string
		}{
			{"everything, by name", ScriptFilter{}, []string{"alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot"}},
			{"Alice sees her own and the published", ScriptFilter{VisibleTo: "ua"}, []string{"alpha", "Bravo", "charlie", "echo", "Foxtrot"}},
			{"Bob sees his own and the published", ScriptFilter{VisibleTo: "ub"}, []string{"Bravo", "charlie", "Delta", "echo"}},
			{"someone with none sees the published", ScriptFilter{VisibleTo: "uc"}, []string{"Bravo", "charlie", "echo"}},
			{"one category, in any case", ScriptFilter{Category: "NETWORK"}, []string{"alpha", "echo"}},
			{"a category and visibility", ScriptFilter{VisibleTo: "ub", Category: "network"}, []string{"echo"}},
			{"an unknown category", ScriptFilter{Category: "Sales"}, nil},
			{"by name, descending", ScriptFilter{Sort: SortName, Desc: true}, []string{"Foxtrot", "echo", "Delta", "charlie", "Bravo", "alpha"}},
			// "" (none) first; ties by name ascending either way.
			{"by category", ScriptFilter{Sort: SortCategory}, []string{"Delta", "charlie", "alpha", "echo", "Bravo", "Foxtrot"}},
			{"by category, descending", ScriptFilter{Sort: SortCategory, Desc: true}, []string{"Bravo", "Foxtrot", "alpha", "echo", "charlie", "Delta"}},
			{"by description", ScriptFilter{Sort: SortDescription}, []string{"Foxtrot", "echo", "Delta", "charlie", "Bravo", "alpha"}},
			{"by description, descending", ScriptFilter{Sort: SortDescription, Desc: true}, []string{"alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot"}},
			{"by owner", ScriptFilter{Sort: SortOwner}, []string{"alpha", "Bravo", "Foxtrot", "charlie", "Delta", "echo"}},
			{"by owner, descending", ScriptFilter{Sort: SortOwner, Desc: true}, []string{"charlie", "Delta", "echo", "alpha", "Bravo", "Foxtrot"}},
			{"by update", ScriptFilter{Sort: SortUpdated}, []string{"alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot"}},
			{"by update, descending", ScriptFilter{Sort: SortUpdated, Desc: true}, []string{"Foxtrot", "echo", "Delta", "charlie", "Bravo", "alpha"}},
			{"by published, private first", ScriptFilter{Sort: SortPublished}, []string{"alpha", "Delta", "Foxtrot", "Bravo", "charlie", "echo"}},
			{"by published, descending", ScriptFilter{Sort: SortPublished, Desc: true}, []string{"Bravo", "charlie", "echo", "alpha", "Delta", "Foxtrot"}},
		} {
			got, err := s.ListScripts(ctx, tc.filter)
			if err != nil || !slices.Equal(scriptNames(got), tc.want) {
				t.Errorf("%s: %q, %v; want %q", tc.name, scriptNames(got), err, tc.want)
			}
		}

		if _, err := s.ListScripts(ctx, ScriptFilter{Sort: "size"}); err == nil || !strings.Contains(err.Error(), "name, category") {
			t.Errorf("an unknown order: %v", err)
		}
		// Lists leave the files' data out but give their sizes.
		got, _ := s.ListScripts(ctx, ScriptFilter{Category: "disks"})
		if len(got) != 1 || got[0].File.Data != nil || got[0].File.Size != int64(len("echo charlie\n")) || got[0].OwnerName != "bob" {
			t.Errorf("a listed script = %+v", got)
		}
	})
}

func TestUpdateScript(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustCategory(t, s, "Network", "Printing")
		orig := newScript("scr_1", "One", "Network", "u1", false, base)
		orig.Input = ScriptFile{Name: "in.txt", Data: []byte("input")}
		mustScript(t, s, orig)
		mustScript(t, s, newScript("scr_2", "Two", "", "u1", false, base))
		str := func(v string) *string { return &v }
		yes, limit := true, 90

		// Nothing but the time of the change.
		got, err := s.UpdateScript(ctx, "scr_1", ScriptUpdate{At: at(time.Hour)})
		if err != nil || got.Name != "One" || got.Category != "Network" || got.Input.Name != "in.txt" || !got.UpdatedAt.Equal(at(time.Hour)) || !got.CreatedAt.Equal(base) {
			t.Errorf("an empty update: %+v, %v", got, err)
		}

		// Every field at once.
		got, err = s.UpdateScript(ctx, "scr_1", ScriptUpdate{
			Name: str(" Uno "), Category: str("printing"), Description: str(" new "), Published: &yes, TimeLimit: &limit,
			File:  &ScriptFile{Name: "uno.ps1", Data: []byte("Write-Output 1")},
			Input: &ScriptFile{Name: "new.csv", Data: []byte("a,b")},
			At:    at(2 * time.Hour),
		})
		want := Script{ID: "scr_1", Name: "Uno", Category: "Printing", Description: "new", Published: true,
			OwnerUserID: "u1", OwnerName: "Alice", OwnerEmail: "alice@example.com", TimeLimit: 90,
			File: ScriptFile{Name: "uno.ps1", Size: 14}, Input: ScriptFile{Name: "new.csv", Size: 3},
			CreatedAt: base, UpdatedAt: at(2 * time.Hour)}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("a full update:\n%+v, %v\nwant\n%+v", got, err, want)
		}
		if f, _ := s.ScriptFileData(ctx, "scr_1", false); string(f.Data) != "Write-Output 1" {
			t.Errorf("the new script file holds %q", f.Data)
		}
		if f, _ := s.ScriptFileData(ctx, "scr_1", true); string(f.Data) != "a,b" {
			t.Errorf("the new input file holds %q", f.Data)
		}

		// Out of its category, and without its input.
		got, err = s.UpdateScript(ctx, "scr_1", ScriptUpdate{Category: str(""), RemoveInput: true, At: at(3 * time.Hour)})
		if err != nil || got.Category != "" || !reflect.DeepEqual(got.Input, ScriptFile{}) {
			t.Errorf("no category, no input: %+v, %v", got, err)
		}
		_, err = s.ScriptFileData(ctx, "scr_1", true)
		wantErr(t, "the removed input file", err, ErrNotFound)
		// Its own name in another case is not taken.
		if got, err = s.UpdateScript(ctx, "scr_1", ScriptUpdate{Name: str("UNO"), At: at(4 * time.Hour)}); err != nil || got.Name != "UNO" {
			t.Errorf("renamed in another case: %+v, %v", got, err)
		}

		kept, _ := s.ScriptByID(ctx, "scr_1")
		for _, tc := range []struct {
			name string
			id   string
			u    ScriptUpdate
			want error // nil: any error will do
		}{
			{"another's name", "scr_1", ScriptUpdate{Name: str("two"), Published: &yes}, ErrExists},
			{"an unknown category", "scr_1", ScriptUpdate{Category: str("Sales"), Published: &yes}, ErrUnknownCategory},
			{"no such script", "scr_9", ScriptUpdate{Published: &yes}, ErrNotFound},
			{"an empty name", "scr_1", ScriptUpdate{Name: str(""), Published: &yes}, nil},
			{"a file too large", "scr_1", ScriptUpdate{File: &ScriptFile{Name: "a.sh", Data: make([]byte, scriptlib.MaxFileSize+1)}}, nil},
			{"a script of another type", "scr_1", ScriptUpdate{File: &ScriptFile{Name: "a.exe", Data: []byte("MZ")}}, nil},
			{"an input replaced and removed", "scr_1", ScriptUpdate{Input: &ScriptFile{Name: "a", Data: []byte("a")}, RemoveInput: true}, nil},
			{"a time limit of 0", "scr_1", ScriptUpdate{TimeLimit: new(int)}, nil},
		} {
			tc.u.At = at(5 * time.Hour)
			_, err := s.UpdateScript(ctx, tc.id, tc.u)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		if got, _ := s.ScriptByID(ctx, "scr_1"); !reflect.DeepEqual(got, kept) {
			t.Errorf("refused updates changed the script:\n%+v\nwas\n%+v", got, kept)
		}
	})
}

func TestDeleteScript(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustScript(t, s, newScript("scr_1", "One", "", "u1", false, base))
		must(t, s.DeleteScript(ctx, "scr_1"))
		wantErr(t, "DeleteScript twice", s.DeleteScript(ctx, "scr_1"), ErrNotFound)
		_, err := s.ScriptFileData(ctx, "scr_1", false)
		wantErr(t, "the file of a deleted script", err, ErrNotFound)
		// Its name is free again.
		mustScript(t, s, newScript("scr_2", "one", "", "u1", false, base))
	})
}

// A database of version 2 gains an empty library and keeps its accounts.
func TestMigrationFromVersion2(t *testing.T) {
	forEachBackendURL(t, func(t *testing.T, url string) {
		ctx := t.Context()
		db := rawDB(t, url)
		d := newSQLiteDialect()
		if strings.HasPrefix(url, "postgres") {
			d = newPostgresDialect()
		}
		must(t, migrateTo(ctx, db, d, 2))
		if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, role) VALUES ('u1', 'old@example.com', 'csr')`); err != nil {
			t.Fatal(err)
		}
		s := openTest(t, url)
		if cats, err := s.ScriptCategories(ctx); err != nil || len(cats) != 0 {
			t.Errorf("categories after the migration: %q, %v", cats, err)
		}
		mustScript(t, s, newScript("scr_1", "One", "", "u1", false, base))
	})
}

// A category removed while a script is filed under it at the same moment:
// one of the two is refused, and no script is left in a category that is
// gone.
func TestRemoveScriptCategoryRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		for i := range 10 {
			cat := "Cat" + string(rune('A'+i))
			mustCategory(t, s, cat)
			errs := make(chan error, 2)
			go func() { errs <- s.CreateScript(ctx, newScript(NewID("scr_"), "S"+cat, cat, "u1", false, base)) }()
			go func() { errs <- s.RemoveScriptCategory(ctx, cat) }()
			e1, e2 := <-errs, <-errs
			if e1 != nil && e2 != nil {
				t.Fatalf("round %d: both refused: %v; %v", i, e1, e2)
			}
			for _, err := range []error{e1, e2} {
				if err != nil && !errors.Is(err, ErrInUse) && !errors.Is(err, ErrUnknownCategory) {
					t.Fatalf("round %d: %v", i, err)
				}
			}
		}
		cats, _ := s.ScriptCategories(ctx)
		scripts, _ := s.ListScripts(ctx, ScriptFilter{})
		for _, sc := range scripts {
			if !slices.Contains(cats, sc.Category) {
				t.Errorf("script %s is in category %q, which is gone (categories: %q)", sc.Name, sc.Category, cats)
			}
		}
	})
}
