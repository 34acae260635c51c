package headless

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lifeline/console/controller"
)

// command is one parsed line.
type command struct {
	name    string
	action  string        // request: view or control
	timeout time.Duration // 0: the command's default
	n       int64         // wait-frames
	x, y    int           // click, move
	button  string        // click
	dy      int           // scroll
	text    string        // key (the combination), type, chat, notes, end; mode, colors
	path    string        // snapshot
	fresh   bool          // snapshot --fresh
	monitor int           // monitor
	sub     string        // files: ls, put, get, mkdir, rename, rm, publish, unpublish, close
	args    []string      // files, scripts run: the operands
	// queue accept: the new session's type and tracking code, as Start
	// Session asks for them ("" when not given).
	sessionType, trackingCode string
}

// usage is each command's synopsis, for errors and help.
var usage = map[string]string{
	"start":            "start [--type TYPE] [--tracking-code CODE]",
	"wait-customer":    "wait-customer [TIMEOUT_S]",
	"request":          "request view|control [TIMEOUT_S]",
	"mode":             "mode standard|sampling",
	"colors":           "colors full|16bit|256",
	"monitor":          "monitor N",
	"snapshot":         "snapshot PATH [--fresh]",
	"click":            "click X Y [left|right|middle]",
	"move":             "move X Y",
	"scroll":           "scroll DY",
	"key":              "key COMBO",
	"type":             "type TEXT",
	"stats":            "stats",
	"status":           "status",
	"chat":             "chat TEXT",
	"notes":            "notes TEXT",
	"stop-sharing":     "stop-sharing",
	"wait-frames":      "wait-frames N [TIMEOUT_S]",
	"wait-stopped":     "wait-stopped [TIMEOUT_S]",
	"end":              "end [NOTES]",
	"assist":           "assist NUMBER",
	"participants":     "participants",
	"make-primary":     "make-primary PARTICIPANT_ID",
	"transfer-control": "transfer-control PARTICIPANT_ID",
	"leave":            "leave",
	"sysinfo":          "sysinfo PATH",
	"files":            "files ls [REMOTE_DIR] | put LOCAL REMOTE_DIR | get REMOTE LOCAL_DIR | mkdir REMOTE | rename REMOTE NEW_NAME | rm REMOTE | publish LOCAL | unpublish NAME | close",
	"scripts":          "scripts run NAME [NAME…]",
	"reboot":           "reboot [TIMEOUT_S]",
	"record":           "record start [PATH] | record stop",
	"queue":            "queue list | accept QUEUE [--type TYPE] [--tracking-code CODE] | take REQUEST_ID",
	"transfer-session": "transfer-session QUEUE|CSR_EMAIL MESSAGE",
	"transfer-targets": "transfer-targets",
	"help":             "help",
	"quit":             "quit",
}

// commandNames in the order help lists them.
var commandNames = []string{
	"start", "wait-customer", "request", "mode", "colors", "monitor", "snapshot",
	"click", "move", "scroll", "key", "type", "stats", "status", "chat", "notes",
	"stop-sharing", "wait-frames", "wait-stopped", "end", "assist", "participants", "make-primary",
	"transfer-control", "leave", "sysinfo", "files", "scripts", "reboot", "record", "queue", "transfer-session", "transfer-targets",
	"help", "quit",
}

// filesOperands is how many operands each files subcommand takes (min, max).
var filesOperands = map[string][2]int{
	"ls": {0, 1}, "put": {2, 2}, "get": {2, 2}, "mkdir": {1, 1}, "rename": {2, 2},
	"rm": {1, 1}, "publish": {1, 1}, "unpublish": {1, 1}, "close": {0, 0},
}

var errEmpty = errors.New("empty line")

// parse reads one command line. Words are separated by spaces; the text of
// type, chat, notes and end is the rest of the line after the command and
// one space, verbatim. Blank lines and lines starting with # are errEmpty.
func parse(line string) (command, error) {
	line = strings.TrimRight(line, "\r\n")
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "#") {
		return command{}, errEmpty
	}
	name, rest, _ := strings.Cut(strings.TrimLeft(line, " \t"), " ")
	name = strings.TrimSpace(name)
	words := strings.Fields(rest)
	cmd := command{name: name}
	syn, known := usage[name]
	if !known {
		return cmd, fmt.Errorf("unknown command %q; send help for the list", name)
	}
	bad := func(format string, args ...any) (command, error) {
		return cmd, fmt.Errorf("%s (usage: %s)", fmt.Sprintf(format, args...), syn)
	}
	count := func(lo, hi int) error {
		switch {
		case len(words) < lo:
			return fmt.Errorf("%s needs more arguments (usage: %s)", name, syn)
		case len(words) > hi:
			return fmt.Errorf("%s takes at most %d argument(s) (usage: %s)", name, hi, syn)
		}
		return nil
	}
	var err error
	switch name {
	case "start":
		var args []string
		if args, err = splitArgs(rest); err == nil {
			if err = sessionOptions(name, &cmd, args); err != nil {
				return bad("%v", err)
			}
		}
	case "stats", "status", "stop-sharing", "participants", "leave", "transfer-targets", "help", "quit":
		err = count(0, 0)
	case "assist":
		// The number may be written with spaces, as it is read out.
		cmd.text = strings.Join(words, "")
		if len(cmd.text) != 9 || strings.Trim(cmd.text, "0123456789") != "" {
			return bad("a session number has 9 digits, not %q", strings.TrimSpace(rest))
		}
	case "make-primary", "transfer-control":
		if err = count(1, 1); err == nil {
			cmd.text = words[0]
		}
	case "wait-customer", "wait-stopped":
		if err = count(0, 1); err == nil && len(words) == 1 {
			cmd.timeout, err = parseTimeout(words[0], syn)
		}
	case "request":
		if err = count(1, 2); err != nil {
			break
		}
		cmd.action = words[0]
		if cmd.action != "view" && cmd.action != "control" {
			return bad("request view or request control, not %q", cmd.action)
		}
		if len(words) == 2 {
			cmd.timeout, err = parseTimeout(words[1], syn)
		}
	case "mode":
		if err = count(1, 1); err == nil {
			cmd.text = words[0]
			if cmd.text != "standard" && cmd.text != "sampling" {
				return bad("the mode is standard or sampling, not %q", cmd.text)
			}
		}
	case "colors":
		if err = count(1, 1); err == nil {
			cmd.text = words[0]
			if cmd.text != "full" && cmd.text != "16bit" && cmd.text != "256" {
				return bad("colors are full, 16bit or 256, not %q", cmd.text)
			}
		}
	case "monitor":
		if err = count(1, 1); err == nil {
			if cmd.monitor, err = strconv.Atoi(words[0]); err != nil || cmd.monitor < -1 || cmd.monitor > 64 {
				return bad("the monitor is a number from 0 (the first) or -1 (all), not %q", words[0])
			}
		}
	case "snapshot":
		var pos []string
		for _, w := range words {
			if w == "--fresh" {
				cmd.fresh = true
			} else {
				pos = append(pos, w)
			}
		}
		if len(pos) != 1 {
			return bad("snapshot needs one PATH (without spaces)")
		}
		cmd.path = pos[0]
	case "click", "move":
		most := 3
		if name == "move" {
			most = 2
		}
		if err = count(2, most); err != nil {
			break
		}
		if cmd.x, cmd.y, err = parsePoint(words[0], words[1]); err != nil {
			return bad("%v", err)
		}
		if name == "click" {
			cmd.button = "left"
			if len(words) == 3 {
				cmd.button = words[2]
				if cmd.button != "left" && cmd.button != "right" && cmd.button != "middle" {
					return bad("the button is left, right or middle, not %q", cmd.button)
				}
			}
		}
	case "scroll":
		if err = count(1, 1); err == nil {
			if cmd.dy, err = strconv.Atoi(words[0]); err != nil || cmd.dy == 0 || cmd.dy < -100 || cmd.dy > 100 {
				return bad("DY is a number of lines from -100 (up) to 100 (down), not %q", words[0])
			}
		}
	case "key":
		if err = count(1, 1); err == nil {
			if _, kerr := controller.ParseKey(words[0]); kerr != nil {
				return cmd, kerr
			}
			cmd.text = words[0]
		}
	case "type", "chat", "notes":
		cmd.text = rest
		if strings.TrimSpace(cmd.text) == "" {
			return bad("%s needs the text", name)
		}
	case "end":
		cmd.text = strings.TrimSpace(rest)
	case "sysinfo":
		var args []string
		if args, err = splitArgs(rest); err == nil && len(args) != 1 {
			return bad("sysinfo needs one PATH")
		}
		if err == nil {
			cmd.path = args[0]
		}
	case "files":
		var args []string
		if args, err = splitArgs(rest); err != nil {
			break
		}
		if len(args) == 0 {
			return bad("files needs a subcommand")
		}
		n, ok := filesOperands[args[0]]
		switch {
		case !ok:
			return bad("unknown files subcommand %q", args[0])
		case len(args)-1 < n[0] || len(args)-1 > n[1]:
			return bad("files %s takes %d to %d operands, not %d", args[0], n[0], n[1], len(args)-1)
		}
		cmd.sub, cmd.args = args[0], args[1:]
	case "scripts":
		var args []string
		if args, err = splitArgs(rest); err != nil {
			break
		}
		if len(args) < 2 || args[0] != "run" {
			return bad("scripts run needs the names of the scripts to run")
		}
		cmd.sub, cmd.args = "run", args[1:]
	case "queue":
		var args []string
		if args, err = splitArgs(rest); err != nil {
			break
		}
		switch {
		case len(args) == 1 && args[0] == "list":
			cmd.sub = "list"
		case len(args) == 2 && args[0] == "take":
			cmd.sub, cmd.text = args[0], args[1]
		case len(args) >= 2 && args[0] == "accept":
			cmd.sub, cmd.text = args[0], args[1]
			if err = sessionOptions("queue accept", &cmd, args[2:]); err != nil {
				return bad("%v", err)
			}
		default:
			return bad("queue list, queue accept QUEUE or queue take REQUEST_ID")
		}
	case "transfer-session":
		to, msg, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
		if to == "" {
			return bad("transfer-session needs a queue or a support representative's email address")
		}
		if n := utf8.RuneCountInString(msg); n > controller.MaxTransferMessage {
			return bad("the message can be at most %d characters long; this one has %d", controller.MaxTransferMessage, n)
		}
		cmd.sub, cmd.text = to, msg
	case "record":
		var args []string
		if args, err = splitArgs(rest); err != nil {
			break
		}
		switch {
		case len(args) == 1 && args[0] == "stop":
			cmd.sub = "stop"
		case len(args) >= 1 && len(args) <= 2 && args[0] == "start":
			cmd.sub = "start"
			if len(args) == 2 {
				cmd.path = args[1]
			}
		default:
			return bad("record start [PATH] or record stop")
		}
	case "reboot":
		if err = count(0, 1); err == nil && len(words) == 1 {
			cmd.timeout, err = parseTimeout(words[0], syn)
		}
	case "wait-frames":
		if err = count(1, 2); err != nil {
			break
		}
		if cmd.n, err = strconv.ParseInt(words[0], 10, 64); err != nil || cmd.n < 1 {
			return bad("N is a number of frames, 1 or more, not %q", words[0])
		}
		if len(words) == 2 {
			cmd.timeout, err = parseTimeout(words[1], syn)
		}
	}
	return cmd, err
}

// sessionOptions reads the options of a command that starts a session
// (start, queue accept): the session type and tracking code, each at most
// once, a value with spaces in quotes.
func sessionOptions(what string, cmd *command, opts []string) error {
	seen := map[string]bool{}
	for len(opts) > 0 {
		name, value, inline := strings.Cut(opts[0], "=")
		var dst *string
		switch name {
		case "--type":
			dst = &cmd.sessionType
		case "--tracking-code":
			dst = &cmd.trackingCode
		default:
			return fmt.Errorf("%s takes --type and --tracking-code, not %q", what, opts[0])
		}
		if seen[name] {
			return fmt.Errorf("%s is given twice", name)
		}
		seen[name] = true
		if !inline {
			if len(opts) < 2 {
				return fmt.Errorf("%s needs a value", name)
			}
			value, opts = opts[1], opts[1:]
		}
		*dst, opts = value, opts[1:]
	}
	return nil
}

func parseTimeout(s, syn string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 24*3600 || math.IsNaN(f) {
		return 0, fmt.Errorf("the timeout is a number of seconds above 0, not %q (usage: %s)", s, syn)
	}
	return time.Duration(f * float64(time.Second)), nil
}

func parsePoint(xs, ys string) (int, int, error) {
	x, err1 := strconv.Atoi(xs)
	y, err2 := strconv.Atoi(ys)
	if err1 != nil || err2 != nil || x < 0 || y < 0 {
		return 0, 0, fmt.Errorf("the position is two numbers of pixels, 0 or more, not %q %q", xs, ys)
	}
	return x, y, nil
}

// splitArgs splits operands at spaces; an operand with spaces is written
// in double quotes, with Go's escapes ("My Documents", "a \"b\"").
func splitArgs(s string) ([]string, error) {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		if s[0] != '"' {
			w, rest, _ := strings.Cut(s, " ")
			out, s = append(out, w), rest
			continue
		}
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return nil, fmt.Errorf("an unterminated or malformed quoted operand: %s", s)
		}
		w, _ := strconv.Unquote(q)
		out, s = append(out, w), s[len(q):]
		if s != "" && s[0] != ' ' && s[0] != '\t' {
			return nil, fmt.Errorf("a quoted operand must be followed by a space: %s", s)
		}
	}
}
