package reboot

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The XDG autostart entry (Desktop Entry Specification 1.5, "The Exec
// key"), used on Linux and the BSDs.

// DesktopFile is the autostart entry's file name.
const DesktopFile = "lifeline-rejoin.desktop"

// desktopEntry is the autostart entry that runs args.
func desktopEntry(args []string) (string, error) {
	exec, err := QuoteExec(args)
	if err != nil {
		return "", err
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Lifeline — rejoin support session\n" +
		"Comment=Rejoins the support session after the restart the support representative asked for\n" +
		"Exec=" + exec + "\n" +
		"Terminal=false\n" +
		"NoDisplay=true\n" +
		"X-GNOME-Autostart-enabled=true\n", nil
}

// reservedExec are the characters that make an argument need quotes.
const reservedExec = " \t\n\"'\\><~|&;$*?#`()"

// QuoteExec writes args as the value of an Exec key: each argument with a
// reserved character in double quotes, with ", `, $ and \ escaped by a
// backslash; % doubled, so that no argument reads as a field code; and
// then the escapes of every string value of a desktop file (\\, \n, \t,
// \r), which the spec applies before the quoting. Arguments must be UTF-8
// without control characters other than tab, newline and carriage return.
func QuoteExec(args []string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("no program to run")
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		if !utf8.ValidString(a) || strings.ContainsFunc(a, func(r rune) bool {
			return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
		}) {
			return "", fmt.Errorf("argument %q cannot be written in a desktop entry", a)
		}
		a = strings.ReplaceAll(a, "%", "%%")
		if a == "" || strings.ContainsAny(a, reservedExec) || strings.ContainsFunc(a, func(r rune) bool { return r > unicode.MaxASCII }) {
			a = `"` + strings.NewReplacer(`"`, `\"`, "`", "\\`", `$`, `\$`, `\`, `\\`).Replace(a) + `"`
		}
		quoted[i] = a
	}
	line := strings.Join(quoted, " ")
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(line), nil
}

// ParseExec reads the value of an Exec key (what follows "Exec=") into
// the program and its arguments, as the spec has it: first the escapes
// of string values, then the quoting, then the field codes, of which only
// %% (a literal %) is taken; the others need a file or URL to expand to,
// which an autostart entry has not. What the spec calls invalid is
// refused: a reserved character outside quotes, an argument only partly
// quoted, an unknown escape within quotes.
func ParseExec(line string) ([]string, error) {
	s, err := unescapeString(line)
	if err != nil {
		return nil, err
	}
	var args []string
	for i := 0; ; {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			break
		}
		var arg strings.Builder
		if s[i] == '"' {
			i++
			for {
				if i == len(s) {
					return nil, errors.New("a quote is not closed")
				}
				c := s[i]
				if c == '"' {
					i++
					break
				}
				if c == '\\' {
					if i+1 == len(s) || !strings.ContainsRune("\"`$\\", rune(s[i+1])) {
						return nil, fmt.Errorf("invalid escape %q in a quoted argument", s[i:min(i+2, len(s))])
					}
					i++
					c = s[i]
				}
				arg.WriteByte(c)
				i++
			}
			if i < len(s) && s[i] != ' ' {
				return nil, errors.New("an argument must be quoted as a whole")
			}
		} else {
			for ; i < len(s) && s[i] != ' '; i++ {
				if strings.IndexByte(reservedExec, s[i]) >= 0 {
					return nil, fmt.Errorf("%q must be quoted", s[i])
				}
				arg.WriteByte(s[i])
			}
		}
		a, err := expandFieldCodes(arg.String())
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	if len(args) == 0 {
		return nil, errors.New("no program to run")
	}
	return args, nil
}

// unescapeString undoes the escapes of a desktop file's string value.
// Other backslashes stay for the quoting to read ("\$" within quotes).
func unescapeString(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("the line is not UTF-8")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			return "", errors.New("the line ends in a backslash")
		}
		i++
		switch s[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

func expandFieldCodes(a string) (string, error) {
	if !strings.Contains(a, "%") {
		return a, nil
	}
	var b strings.Builder
	for i := 0; i < len(a); i++ {
		if a[i] != '%' {
			b.WriteByte(a[i])
			continue
		}
		if i+1 == len(a) {
			return "", errors.New("an argument ends in a lone %")
		}
		i++
		if a[i] != '%' {
			return "", fmt.Errorf("the field code %%%c is not supported", a[i])
		}
		b.WriteByte('%')
	}
	return b.String(), nil
}
