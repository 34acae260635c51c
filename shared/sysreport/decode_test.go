package sysreport

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	good, err := json.Marshal(sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, json, err string
	}{
		{"a sample report", string(good), ""},
		{"empty report", `{"categories":[]}`, ""},
		{"not JSON", `{"categories":`, "malformed"},
		{"too large", `{"categories":[],"x":"` + strings.Repeat("a", MaxReportBytes) + `"}`, "more than"},
		{"category without id", `{"categories":[{"title":"T"}]}`, "without an id"},
		{"ragged table", `{"categories":[{"id":"a","title":"A","sections":[{"table":{"columns":["x","y"],"rows":[["1"]]}}]}]}`, "row of 1 cells for 2 columns"},
		{"table without columns", `{"categories":[{"id":"a","title":"A","sections":[{"table":{"columns":[],"rows":[]}}]}]}`, "0 columns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Decode([]byte(tc.json))
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got %v, want an error containing %q", err, tc.err)
			case tc.err == "" && tc.name == "a sample report" && r.Text() != sampleReport().Text():
				t.Error("the decoded report renders differently")
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := json.Marshal(sampleReport())
	f.Add(good)
	f.Add([]byte(`{"categories":[{"id":"a","title":"A","sections":[{"table":{"columns":["x"],"rows":[["1"],["2","3"]]}}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			return
		}
		_ = r.Text() // whatever passed must render without panicking
	})
}
