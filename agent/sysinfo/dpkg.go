package sysinfo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// dpkgStatusPath is the dpkg database of installed packages on Debian,
// Ubuntu and their derivatives. It is read directly, not through
// dpkg-query: no process to start, no dependency on PATH, and the format
// (deb822 stanzas) is stable and simple.
const dpkgStatusPath = "/var/lib/dpkg/status"

// maxDpkgLine is the longest line the status parser keeps; the rest of a
// longer line is skipped. Real field values are far shorter; only
// description continuation lines get long, and those are skipped anyway.
const maxDpkgLine = 64 << 10

// pkgInfo is one installed package, from whichever database.
type pkgInfo struct {
	Name, Version, Arch string
	// State is dpkg's package state ("installed", "half-configured", ...);
	// empty for other sources.
	State string
}

// parseDpkgStatus reads a dpkg status file and returns the packages that
// are on the system (installed, or part-way through installation or
// removal: those are what break things), keeping at most limit of them in
// file order, and how many there are in total. Packages that were removed
// (not-installed) or whose configuration files alone remain (config-files)
// are skipped.
//
// The file is trusted to be dpkg's, but the parser does not rely on it: a
// malformed line is ignored, a stanza without a package name or a
// well-formed Status field is skipped, lines are cut at maxDpkgLine, and
// nothing it returns grows beyond limit entries. The error is only about
// reading.
func parseDpkgStatus(r io.Reader, limit int) (pkgs []pkgInfo, total int, err error) {
	br := bufio.NewReaderSize(r, 4096)
	var cur pkgInfo
	status := ""
	inStanza := false
	end := func() {
		if inStanza && cur.Name != "" {
			if state, ok := dpkgState(status); ok {
				total++
				if len(pkgs) < limit {
					cur.State = state
					pkgs = append(pkgs, cur)
				}
			}
		}
		cur, status, inStanza = pkgInfo{}, "", false
	}
	field := func(line string) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return // not a field; ignore the line
		}
		value = strings.TrimSpace(value)
		// Field names are case-insensitive in deb822.
		switch strings.ToLower(name) {
		case "package":
			cur.Name = value
		case "version":
			cur.Version = value
		case "architecture":
			cur.Arch = value
		case "status":
			status = value
		}
	}
	for {
		line, rerr := readLine(br, maxDpkgLine)
		if len(line) > 0 || rerr == nil {
			switch {
			case len(bytes.TrimSpace(line)) == 0:
				end() // a blank line ends a stanza
			case line[0] == ' ' || line[0] == '\t':
				// Continuation of a multi-line field (Description,
				// Conffiles): none of the fields we read has one.
			case line[0] == '#':
				// deb822 comment; dpkg never writes one, but be lenient.
			default:
				inStanza = true
				field(string(line))
			}
		}
		if rerr != nil {
			end()
			if errors.Is(rerr, io.EOF) {
				return pkgs, total, nil
			}
			return pkgs, total, fmt.Errorf("reading dpkg status: %w", rerr)
		}
	}
}

// dpkgState checks a Status value ("want flag state", e.g. "install ok
// installed") and returns the state if the package is on the system.
func dpkgState(status string) (string, bool) {
	f := strings.Fields(status)
	if len(f) != 3 {
		return "", false
	}
	switch f[2] {
	case "installed", "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending":
		return f[2], true
	}
	// not-installed, config-files, or something unknown.
	return "", false
}

// readLine returns the next line without its line ending, cut to max
// bytes (the rest of a longer line is read and dropped, so memory stays
// bounded whatever the input). At the end of the input it returns the last,
// unterminated line, if any, with io.EOF.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if room := max - len(line); room > 0 {
			line = append(line, chunk[:min(len(chunk), room)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimRight(line, "\r\n")
		return line, err
	}
}
