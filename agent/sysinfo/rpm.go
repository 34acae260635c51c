package sysinfo

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// rpmTimeout bounds the rpm query on its own: with a locked or damaged
// database rpm can wait a long time, and the category timeout would then
// report the whole category as timed out rather than why.
const rpmTimeout = 10 * time.Second

// maxRPMOutput caps what is read from rpm, comfortably above MaxPackages
// lines of name, version and architecture.
const maxRPMOutput = 4 << 20

// rpmQueryFormat prints one package per line: name, version-release and
// architecture, separated by tabs.
const rpmQueryFormat = `%{NAME}\t%{VERSION}-%{RELEASE}\t%{ARCH}\n`

// rpmPackages asks rpm (Fedora, RHEL, SUSE, ...) for the installed
// packages. Unlike dpkg's status file, the RPM database (Berkeley DB,
// NDB or SQLite depending on the distribution) is not a format to read by
// hand, so this is the one place the agent runs a program.
func rpmPackages(ctx context.Context, rpm string) ([]pkgInfo, int, error) {
	ctx, cancel := context.WithTimeout(ctx, rpmTimeout)
	defer cancel()
	var out limitedBuffer
	var stderr limitedBuffer
	out.max, stderr.max = maxRPMOutput, 4096
	cmd := exec.CommandContext(ctx, rpm, "-qa", "--qf", rpmQueryFormat)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("rpm -qa did not answer within %v", rpmTimeout)
		}
		return nil, 0, fmt.Errorf("rpm -qa: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	pkgs, total := parseRPMList(out.Bytes(), MaxPackages)
	return pkgs, total, nil
}

// parseRPMList parses rpmQueryFormat output, keeping at most limit
// packages; lines without a name are skipped.
func parseRPMList(b []byte, limit int) ([]pkgInfo, int) {
	var pkgs []pkgInfo
	total := 0
	for line := range bytes.Lines(b) {
		f := strings.Split(strings.TrimRight(string(line), "\r\n"), "\t")
		if len(f) != 3 || strings.TrimSpace(f[0]) == "" {
			continue
		}
		total++
		if len(pkgs) < limit {
			pkgs = append(pkgs, pkgInfo{Name: f[0], Version: f[1], Arch: f[2]})
		}
	}
	return pkgs, total
}

// limitedBuffer keeps the first max bytes written to it and discards the
// rest without failing the writer (a failing stdout would kill rpm with
// SIGPIPE and lose the exit status).
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
