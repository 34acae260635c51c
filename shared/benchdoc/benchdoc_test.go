package benchdoc

import (
	"os"
	"path/filepath"
	"testing"
)

func TestUpdateSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	steps := []struct {
		name, section, content, want string
	}{
		{"a new file", "a", "A1", "# Benchmarks\n\n<!-- a:begin -->\nA1\n<!-- a:end -->\n"},
		{"another section is appended", "b", "B1\n", "# Benchmarks\n\n<!-- a:begin -->\nA1\n<!-- a:end -->\n\n<!-- b:begin -->\nB1\n<!-- b:end -->\n"},
		{"a section is replaced in place", "a", "A2", "# Benchmarks\n\n<!-- a:begin -->\nA2\n<!-- a:end -->\n\n<!-- b:begin -->\nB1\n<!-- b:end -->\n"},
	}
	for _, s := range steps {
		if err := UpdateSection(path, s.section, s.content); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if string(b) != s.want {
			t.Fatalf("%s:\n%q\nwant\n%q", s.name, b, s.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	v := []float64{5, 1, 4, 2, 3}
	for _, c := range []struct{ p, want float64 }{{50, 3}, {0, 1}, {100, 5}, {99, 5}, {20, 1}} {
		if got := Percentile(v, c.p); got != c.want {
			t.Errorf("Percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty")
	}
}
