package reboot

import (
	"encoding/xml"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The LaunchAgent of macOS: launchd loads the agents in
// ~/Library/LaunchAgents at login, and RunAtLoad starts this one then.

// LaunchAgentLabel names the LaunchAgent; its file is Label + ".plist".
const LaunchAgentLabel = "org.lifeline.rejoin"

// launchAgentPlist is the property list that runs args at login, in the
// graphical session only (Aqua): the agent shows the customer a window.
func launchAgentPlist(args []string) (string, error) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + LaunchAgentLabel + `</string>
	<key>ProgramArguments</key>
	<array>
`)
	for _, a := range args {
		// XML cannot hold most control characters; EscapeText would
		// change them silently.
		if !utf8.ValidString(a) ||
			strings.ContainsFunc(a, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' }) {
			return "", fmt.Errorf("argument %q cannot be written in a property list", a)
		}
		b.WriteString("\t\t<string>")
		if err := xml.EscapeText(&b, []byte(a)); err != nil {
			return "", err
		}
		b.WriteString("</string>\n")
	}
	b.WriteString(`	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
</dict>
</plist>
`)
	return b.String(), nil
}
