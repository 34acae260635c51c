//go:build !linux

package sysinfo

import (
	"context"
	"errors"
	"fmt"

	"github.com/kbinani/screenshot"
)

// collectDisplays lists the active displays through kbinani/screenshot
// (GDI on Windows, CoreGraphics on macOS), the same enumeration the
// capture package uses outside Linux: bounds only, the primary first.
func collectDisplays(ctx context.Context, _ *Options) (secs []Section, err error) {
	defer func() {
		// kbinani panics on some headless setups rather than failing.
		if r := recover(); r != nil {
			secs, err = nil, fmt.Errorf("listing displays: %v", r)
		}
	}()
	n := screenshot.NumActiveDisplays()
	if n == 0 {
		return nil, errors.New("listing displays: no active display found")
	}
	t := &Table{Columns: []string{"Display", "Primary", "Resolution", "Position"}}
	for i := range n {
		b := screenshot.GetDisplayBounds(i)
		t.Rows = append(t.Rows, []string{
			fmt.Sprint(i + 1), yesNo(i == 0),
			fmt.Sprintf("%d x %d", b.Dx(), b.Dy()), fmt.Sprintf("%+d%+d", b.Min.X, b.Min.Y),
		})
	}
	return []Section{{Rows: [][2]string{{"Displays", fmt.Sprint(n)}}, Table: t}}, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
