package sysinfo

import (
	"context"
	"fmt"
	"lifeline/shared/sysreport"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/host"
)

// collectOS reports the host and operating system, then who is logged in.
func collectOS(ctx context.Context, _ *Options) ([]Section, error) {
	info, err := host.InfoWithContext(ctx)
	if err != nil && info == nil {
		return nil, fmt.Errorf("reading host information: %w", err)
	}
	// gopsutil returns partial information with an error when one source
	// fails (e.g. no virtualization detection in a container); show what
	// there is.
	now := time.Now()
	main := Section{Rows: [][2]string{
		{sysreport.HostNameRow, info.Hostname},
		{"Operating system", osName(info)},
		{"Platform", info.Platform},
		{"Platform family", info.PlatformFamily},
		{"Version", info.PlatformVersion},
		{"Kernel", info.KernelVersion},
		{"Architecture", arch(info.KernelArch)},
	}}
	if info.Uptime > 0 {
		main.Rows = append(main.Rows, [2]string{"Uptime", formatUptime(time.Duration(info.Uptime) * time.Second)})
	}
	if info.BootTime > 0 {
		main.Rows = append(main.Rows, [2]string{"Boot time", formatTime(time.Unix(int64(info.BootTime), 0))})
	}
	main.Rows = append(main.Rows,
		[2]string{"Virtualization", virtualization(info)},
		[2]string{"Processes", fmt.Sprint(info.Procs)},
		[2]string{"Local time", formatTime(now)},
		[2]string{"Time zone", timeZone(now)},
	)
	main.Rows = dropEmpty(main.Rows)
	if err != nil {
		main.Note = fmt.Sprintf("Some details could not be read: %v", err)
	}
	return []Section{main, usersSection(ctx)}, nil
}

// osName is the one line a CSR wants first: "Ubuntu 24.04.1 LTS",
// "Microsoft Windows 11 Pro 23H2", "darwin 14.5".
func osName(info *host.InfoStat) string {
	name := info.Platform
	if name == "" {
		name = info.OS
	}
	if info.PlatformVersion != "" && !strings.Contains(name, info.PlatformVersion) {
		name += " " + info.PlatformVersion
	}
	return name
}

// arch prefers what the kernel says (a 64-bit kernel under a 32-bit agent
// build) and falls back to the agent's own build.
func arch(kernel string) string {
	if kernel != "" {
		return kernel
	}
	return runtime.GOARCH
}

func virtualization(info *host.InfoStat) string {
	switch {
	case info.VirtualizationSystem == "":
		return "none detected"
	case info.VirtualizationRole == "":
		return info.VirtualizationSystem
	default:
		return info.VirtualizationSystem + " (" + info.VirtualizationRole + ")"
	}
}

func timeZone(now time.Time) string {
	name, _ := now.Zone()
	off := "UTC" + now.Format("-07:00")
	if name == "" || name[0] == '+' || name[0] == '-' {
		// Zones without an abbreviation report the offset as their name.
		return off
	}
	return name + " (" + off + ")"
}

// usersSection lists login sessions. Their absence is common (Windows
// without the terminal services API, containers without utmp), so failure
// is a note, not an error of the category.
func usersSection(ctx context.Context) Section {
	s := Section{Title: "Logged-in users"}
	users, err := host.UsersWithContext(ctx)
	if err != nil {
		s.Note = fmt.Sprintf("Not available on this system (%v).", err)
		return s
	}
	if len(users) == 0 {
		s.Note = "No login sessions reported."
		return s
	}
	sort.SliceStable(users, func(i, j int) bool { return users[i].Started < users[j].Started })
	t := &Table{Columns: []string{"User", "Terminal", "From", "Since"}}
	for _, u := range users {
		since := "-"
		if u.Started > 0 {
			since = formatTime(time.Unix(int64(u.Started), 0))
		}
		t.Rows = append(t.Rows, []string{u.User, orDash(u.Terminal), orDash(u.Host), since})
	}
	s.Table = t
	return s
}

// dropEmpty removes rows without a value: an empty "Kernel:" line tells
// the CSR nothing.
func dropEmpty(rows [][2]string) [][2]string {
	out := rows[:0]
	for _, r := range rows {
		if strings.TrimSpace(r[1]) != "" {
			out = append(out, r)
		}
	}
	return out
}
