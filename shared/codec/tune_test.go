package codec

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestTuningReport prints the ablation table of docs/codec.md ("Tuning").
// It is slow and only runs with CODEC_TUNE=1:
//
//	CODEC_TUNE=1 go test ./shared/codec -run TuningReport -v
func TestTuningReport(t *testing.T) {
	if os.Getenv("CODEC_TUNE") == "" {
		t.Skip("set CODEC_TUNE=1 to print the tuning report")
	}
	type variant struct {
		name  string
		opts  Options
		setup func() func()
	}
	set := func(p *int, v int) func() func() {
		return func() func() { old := *p; *p = v; return func() { *p = old } }
	}
	variants := []variant{
		{"default (frame palette, MED/raw by runs, adaptive zstd)", Options{}, nil},
		{"no frame palette (local palettes instead)", Options{}, func() func() {
			useFramePalette = false
			undo := set(&localMax, 256)()
			return func() { useFramePalette = true; undo() }
		}},
		{"never predictor (raw)", Options{}, func() func() {
			a, b := set(&predManyRuns, 101)(), set(&predFewRuns, 101)()
			return func() { a(); b() }
		}},
		{"always predictor", Options{}, func() func() {
			a, b := set(&predManyRuns, 0)(), set(&predFewRuns, 0)()
			return func() { a(); b() }
		}},
		{"no copy detection", Options{NoMotion: true}, nil},
		{"zstd Fastest", Options{Level: zstd.SpeedFastest}, nil},
		{"zstd Default", Options{Level: zstd.SpeedDefault}, nil},
		{"zstd Better", Options{Level: zstd.SpeedBetterCompression}, nil},
		{"zstd Best", Options{Level: zstd.SpeedBestCompression}, nil},
	}
	scen := []string{"typing", "terminal-scroll", "web-scroll", "window-drag"}
	var b strings.Builder
	fmt.Fprintf(&b, "| variant (Standard, full colour; frames 0–19) |")
	for _, sc := range scen {
		fmt.Fprintf(&b, " %s key / deltas |", sc)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(scen)) + "\n")
	for _, v := range variants {
		undo := func() {}
		if v.setup != nil {
			undo = v.setup()
		}
		fmt.Fprintf(&b, "| %s |", v.name)
		for _, sc := range scen {
			enc, dec := NewEncoder(v.opts), NewDecoder()
			key, deltas := 0, 0
			for i := 0; i < 20; i++ {
				f := corpusFrame(t, sc, i)
				msg, _, err := enc.Encode(f, nil)
				if err != nil {
					t.Fatal(err)
				}
				mustDecode(t, dec, msg)
				if i == 0 {
					key = len(msg)
				} else {
					deltas += len(msg)
				}
			}
			wantShown(t, dec, corpusFrame(t, sc, 19), ColorFull, v.name)
			fmt.Fprintf(&b, " %d / %d |", key, deltas)
		}
		b.WriteString("\n")
		undo()
	}
	fmt.Print(b.String())
}
