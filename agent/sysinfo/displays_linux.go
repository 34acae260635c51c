package sysinfo

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"
)

// collectDisplays describes the X display the agent shares: the screen,
// then the monitors and outputs RandR knows, with resolution, position,
// refresh rate and physical size. It talks X11 through xgb, as the capture
// package does; no xrandr binary needed.
func collectDisplays(ctx context.Context, opt *Options) ([]Section, error) {
	name := opt.Display
	if name == "" {
		name = os.Getenv("DISPLAY")
	}
	if name == "" {
		why := "DISPLAY is not set, so there is no X display to ask (the agent runs outside a graphical session)."
		if os.Getenv("WAYLAND_DISPLAY") != "" {
			why = "this is a Wayland session and DISPLAY is not set; monitors are only read through X11."
		}
		return []Section{{Note: "Displays are not available: " + why}}, nil
	}
	conn, err := dialX(name)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// Closing the connection makes a pending reply fail, so an abandoned
	// collector on a stuck server still ends.
	defer context.AfterFunc(ctx, conn.Close)()

	setup := xproto.Setup(conn)
	screen := setup.DefaultScreen(conn)
	main := Section{Rows: [][2]string{
		{"Display", name},
		{"X server", xServer(setup)},
		{"Screen size", fmt.Sprintf("%d x %d pixels", screen.WidthInPixels, screen.HeightInPixels)},
		{"Colour depth", fmt.Sprintf("%d bits", screen.RootDepth)},
	}}
	if len(setup.Roots) > 1 {
		main.Rows = append(main.Rows, [2]string{"X screens", fmt.Sprint(len(setup.Roots))})
	}
	if screen.WidthInMillimeters > 0 && screen.HeightInMillimeters > 0 {
		dpi := float64(screen.WidthInPixels) / (float64(screen.WidthInMillimeters) / 25.4)
		main.Rows = append(main.Rows, [2]string{"Resolution (DPI)", fmt.Sprintf("%.0f", dpi)})
	}

	if err := randr.Init(conn); err != nil {
		main.Note = "The X server has no RandR extension, so individual monitors cannot be listed."
		return []Section{main}, nil
	}
	v, err := randr.QueryVersion(conn, 1, 5).Reply()
	if err != nil {
		return []Section{main}, fmt.Errorf("asking the RandR version: %w", err)
	}
	main.Rows = append(main.Rows, [2]string{"RandR version", fmt.Sprintf("%d.%d", v.MajorVersion, v.MinorVersion)})
	secs := []Section{main}
	atLeast := func(minor uint32) bool { return v.MajorVersion > 1 || v.MinorVersion >= minor }
	if atLeast(5) {
		secs = append(secs, monitorsSection(conn, screen.Root))
	}
	if atLeast(3) {
		secs = append(secs, outputsSection(conn, screen.Root))
	}
	return secs, nil
}

// dialX connects to an X display, turning xgb's panics on odd display
// strings into errors.
func dialX(name string) (conn *xgb.Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			conn, err = nil, fmt.Errorf("connecting to X display %s: %v", name, r)
		}
	}()
	conn, err = xgb.NewConnDisplay(name)
	if err != nil {
		return nil, fmt.Errorf("connecting to X display %s: %w", name, err)
	}
	return conn, nil
}

// xServer names the X server and its version; X.Org packs its version
// into one number (1.21.1.11 is 12101011).
func xServer(setup *xproto.SetupInfo) string {
	r := setup.ReleaseNumber
	if strings.Contains(setup.Vendor, "X.Org") && r >= 10000000 {
		return fmt.Sprintf("%s %d.%d.%d", setup.Vendor, r/10000000, r/100000%100, r/1000%100)
	}
	return fmt.Sprintf("%s (release %d)", setup.Vendor, r)
}

// monitorsSection lists RandR 1.5 monitors: what desktops treat as one
// screen each (an output, or a user-defined area).
func monitorsSection(conn *xgb.Conn, root xproto.Window) Section {
	s := Section{Title: "Monitors"}
	reply, err := randr.GetMonitors(conn, root, true).Reply()
	if err != nil {
		s.Note = fmt.Sprintf("Monitors could not be listed: %v", err)
		return s
	}
	t := &Table{Columns: []string{"Monitor", "Primary", "Resolution", "Position", "Physical size"}}
	for _, m := range reply.Monitors {
		t.Rows = append(t.Rows, []string{
			atomName(conn, m.Name), yesNo(m.Primary),
			fmt.Sprintf("%d x %d", m.Width, m.Height), fmt.Sprintf("%+d%+d", m.X, m.Y),
			physical(m.WidthInMillimeters, m.HeightInMillimeters),
		})
	}
	if len(t.Rows) == 0 {
		s.Note = "No active monitors reported."
	} else {
		s.Table = t
	}
	return s
}

// outputsSection lists the connected RandR outputs (the video connectors)
// with their current mode and refresh rate.
func outputsSection(conn *xgb.Conn, root xproto.Window) Section {
	s := Section{Title: "Outputs"}
	res, err := randr.GetScreenResourcesCurrent(conn, root).Reply()
	if err != nil {
		s.Note = fmt.Sprintf("Outputs could not be listed: %v", err)
		return s
	}
	modes := make(map[uint32]randr.ModeInfo, len(res.Modes))
	for _, m := range res.Modes {
		modes[m.Id] = m
	}
	t := &Table{Columns: []string{"Output", "Status", "Mode", "Refresh", "Position", "Rotation", "Physical size"}}
	disconnected := 0
	for _, o := range res.Outputs {
		info, err := randr.GetOutputInfo(conn, o, res.ConfigTimestamp).Reply()
		if err != nil {
			continue // the output went away meanwhile
		}
		if info.Connection == randr.ConnectionDisconnected {
			disconnected++
			continue
		}
		row := []string{string(info.Name), connection(info.Connection), "off", "-", "-", "-", physical(info.MmWidth, info.MmHeight)}
		if info.Crtc != 0 {
			if c, err := randr.GetCrtcInfo(conn, info.Crtc, res.ConfigTimestamp).Reply(); err == nil && c.Mode != 0 {
				row[2] = fmt.Sprintf("%d x %d", c.Width, c.Height)
				if m, ok := modes[uint32(c.Mode)]; ok {
					row[3] = refresh(m)
				}
				row[4] = fmt.Sprintf("%+d%+d", c.X, c.Y)
				row[5] = rotation(c.Rotation)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	if disconnected > 0 {
		s.Note = fmt.Sprintf("%s not shown.", plural(disconnected, "disconnected output"))
	}
	if len(t.Rows) > 0 {
		s.Table = t
	}
	return s
}

func atomName(conn *xgb.Conn, a xproto.Atom) string {
	if a == 0 {
		return "-"
	}
	r, err := xproto.GetAtomName(conn, a).Reply()
	if err != nil {
		return fmt.Sprintf("atom %d", a)
	}
	return r.Name
}

func connection(c byte) string {
	switch c {
	case randr.ConnectionConnected:
		return "connected"
	case randr.ConnectionDisconnected:
		return "disconnected"
	}
	return "unknown"
}

// refresh computes a mode's refresh rate from its timings, as xrandr does.
func refresh(m randr.ModeInfo) string {
	v := float64(m.Vtotal)
	if m.ModeFlags&randr.ModeFlagDoubleScan != 0 {
		v *= 2
	}
	if m.ModeFlags&randr.ModeFlagInterlace != 0 {
		v /= 2
	}
	if m.Htotal == 0 || v == 0 || m.DotClock == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f Hz", float64(m.DotClock)/(float64(m.Htotal)*v))
}

func rotation(r uint16) string {
	switch {
	case r&randr.RotationRotate90 != 0:
		return "left"
	case r&randr.RotationRotate180 != 0:
		return "inverted"
	case r&randr.RotationRotate270 != 0:
		return "right"
	}
	return "normal"
}

// physical renders a monitor's size in millimetres with its diagonal in
// inches, the figure people know their monitor by.
func physical(wmm, hmm uint32) string {
	if wmm == 0 || hmm == 0 {
		return "-"
	}
	diag := math.Hypot(float64(wmm), float64(hmm)) / 25.4
	return fmt.Sprintf("%d x %d mm (%.1f\")", wmm, hmm, diag)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
