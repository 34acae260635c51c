package sysinfo

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseDpkgStatus(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  []pkgInfo
		total int // defaults to len(want)
		limit int // defaults to 100
	}{
		{name: "empty"},
		{
			name: "one package",
			in: "Package: bash\nStatus: install ok installed\nPriority: required\nArchitecture: amd64\n" +
				"Version: 5.2.15-2+b7\nDescription: GNU Bourne Again SHell\n Bash is an sh-compatible command language interpreter.\n .\n Bash also incorporates useful features.\n",
			want: []pkgInfo{{"bash", "5.2.15-2+b7", "amd64", "installed"}},
		},
		{
			name: "several stanzas, multi-line fields, CRLF and no final newline",
			in: "Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\nConffiles:\r\n /etc/a.conf 0123456789abcdef\r\n Package: not-a-field\r\n\r\n" +
				"Package: b\nStatus: install ok installed\nDescription: multi\n line\n Version: 9\nVersion: 2\nArchitecture: all",
			want: []pkgInfo{{"a", "1", "", "installed"}, {"b", "2", "all", "installed"}},
		},
		{
			name: "deinstalled and purged packages are skipped",
			in: "Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n" +
				"Package: purged\nStatus: purge ok not-installed\n\n" +
				"Package: kept\nStatus: install ok installed\nVersion: 3\n",
			want: []pkgInfo{{"kept", "3", "", "installed"}},
		},
		{
			name: "part-way states are kept with their state",
			in: "Package: broken\nStatus: install reinstreq half-configured\nVersion: 1\n\n" +
				"Package: unpacked\nStatus: install ok unpacked\nVersion: 2\n\n" +
				"Package: trig\nStatus: install ok triggers-pending\nVersion: 3\n",
			want: []pkgInfo{{"broken", "1", "", "half-configured"}, {"unpacked", "2", "", "unpacked"}, {"trig", "3", "", "triggers-pending"}},
		},
		{
			name: "malformed lines are ignored",
			in:   "Package: ok\nthis line has no colon\n: empty field name\nBad Field: x\nStatus: install ok installed\n# a comment\nVersion:   7.1  \n",
			want: []pkgInfo{{"ok", "7.1", "", "installed"}},
		},
		{
			name: "stanzas without a name or a well-formed status are skipped",
			in: "Status: install ok installed\nVersion: 1\n\n" +
				"Package: nostatus\nVersion: 1\n\n" +
				"Package: shortstatus\nStatus: installed\n\n" +
				"Package: oddstate\nStatus: install ok flying\n\n" +
				"Package: \nStatus: install ok installed\n",
		},
		{
			name: "field names are case-insensitive, blank lines may hold spaces",
			in:   "package: lower\nSTATUS: install ok installed\nversion: 1\n  \t \nPackage: next\nStatus: hold ok installed\n",
			want: []pkgInfo{{"lower", "1", "", "installed"}, {"next", "", "", "installed"}},
		},
		{
			name: "multi-arch duplicates are both kept",
			in:   "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n\nPackage: libc6\nStatus: install ok installed\nArchitecture: i386\n",
			want: []pkgInfo{{"libc6", "", "amd64", "installed"}, {"libc6", "", "i386", "installed"}},
		},
		{
			name:  "limit keeps the first and counts all",
			in:    "Package: a\nStatus: install ok installed\n\nPackage: b\nStatus: install ok installed\n\nPackage: c\nStatus: install ok installed\n",
			limit: 2,
			want:  []pkgInfo{{"a", "", "", "installed"}, {"b", "", "", "installed"}},
			total: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := tt.limit
			if limit == 0 {
				limit = 100
			}
			total := tt.total
			if total == 0 {
				total = len(tt.want)
			}
			// One byte at a time too, so stanza handling does not depend
			// on how the reader splits the input.
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				got, n, err := parseDpkgStatus(r, limit)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) || n != total {
					t.Errorf("got %d packages %+v\nwant %d packages %+v", n, got, total, tt.want)
				}
			}
		})
	}
}

func TestParseDpkgStatusLongLine(t *testing.T) {
	in := "Package: " + strings.Repeat("x", 3*maxDpkgLine) + "\nStatus: install ok installed\n\nPackage: after\nStatus: install ok installed\n"
	got, n, err := parseDpkgStatus(strings.NewReader(in), 10)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(got) != 2 || len(got[0].Name) > maxDpkgLine || got[1].Name != "after" {
		t.Fatalf("got %d: %d-byte name, %+v", n, len(got[0].Name), got[1:])
	}
}

func TestParseDpkgStatusReadError(t *testing.T) {
	boom := errors.New("boom")
	in := io.MultiReader(strings.NewReader("Package: a\nStatus: install ok installed\n\n"), iotest.ErrReader(boom))
	got, _, err := parseDpkgStatus(in, 10)
	if !errors.Is(err, boom) || len(got) != 1 {
		t.Fatalf("got %v, %v; want the package read so far and the error", got, err)
	}
}

func FuzzParseDpkgStatus(f *testing.F) {
	f.Add("Package: bash\nStatus: install ok installed\nVersion: 5.2\nDescription: x\n y\n .\n z\n\nPackage: b\nStatus: deinstall ok config-files\n")
	f.Add("Package: a\r\nStatus: install ok unpacked\r\n\r\n\r\nPackage:\r\n")
	f.Add(":\n \n#\nPackage: \x00\xff\nStatus: a b installed")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		const limit = 3
		got, total, err := parseDpkgStatus(strings.NewReader(in), limit)
		if err != nil {
			t.Fatalf("error from a strings.Reader: %v", err)
		}
		if len(got) > limit || total < len(got) {
			t.Fatalf("%d packages kept, %d counted, limit %d", len(got), total, limit)
		}
		for _, p := range got {
			if p.Name == "" {
				t.Fatalf("package without a name: %+v", p)
			}
			if _, ok := dpkgState("a b " + p.State); !ok {
				t.Fatalf("package in state %q", p.State)
			}
			for _, s := range []string{p.Name, p.Version, p.Arch} {
				if strings.ContainsAny(s, "\n") || s != strings.TrimSpace(s) {
					t.Fatalf("field %q not a trimmed single line", s)
				}
			}
		}
		// The section built from it is within bounds whatever the input.
		for _, s := range bound(Category{ID: CatSoftware, Sections: packageSections("dpkg", got, total)}).Sections {
			if s.Table != nil {
				for _, row := range s.Table.Rows {
					if len(row) != len(s.Table.Columns) {
						t.Fatalf("row %q for columns %q", row, s.Table.Columns)
					}
				}
			}
		}
	})
}

func TestParseRPMList(t *testing.T) {
	in := "bash\t5.2.26-3.fc40\tx86_64\ngpg-pubkey\ta15b79cc-63d04c2c\t(none)\n\nbroken line\n\tnoname\tx\n" + "glibc\t2.39-22.fc40\ti686\r\n"
	got, n := parseRPMList([]byte(in), 2)
	want := []pkgInfo{{Name: "bash", Version: "5.2.26-3.fc40", Arch: "x86_64"}, {Name: "gpg-pubkey", Version: "a15b79cc-63d04c2c", Arch: "(none)"}}
	if n != 3 || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d %+v", n, got)
	}
}

func TestPackageSections(t *testing.T) {
	secs := packageSections("dpkg", []pkgInfo{
		{"zsh", "5.9", "amd64", "installed"},
		{"Apt", "2.6", "amd64", "installed"},
		{"half", "1", "all", "half-configured"},
	}, 4)
	if len(secs) != 2 {
		t.Fatalf("%d sections, want the list and the not-fully-installed table", len(secs))
	}
	rows := secs[0].Table.Rows
	if rows[0][0] != "Apt" || rows[1][0] != "half" || rows[2][0] != "zsh" {
		t.Errorf("not sorted by name, case-insensitively: %q", rows)
	}
	if !strings.Contains(secs[0].Note, "4 packages installed") || !strings.Contains(secs[0].Note, "first 3") {
		t.Errorf("note %q should give the total and say the list is capped", secs[0].Note)
	}
	if got := secs[1].Table.Rows; len(got) != 1 || got[0][2] != "half-configured" {
		t.Errorf("not fully installed: %q", got)
	}
}
