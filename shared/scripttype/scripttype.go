// Package scripttype is the one table of the kinds of script Lifeline runs:
// which interpreter runs a script file, chosen by its extension, on which
// kind of computer. The server's Script Library (rendezvous/scriptlib)
// refuses any other kind when a script is added, and the customer's agent
// (agent/scriptrun) runs each script with the command given here, so the
// two cannot disagree.
package scripttype

import (
	"path"
	"strings"
)

// Platforms a script runs on.
const (
	PlatformUnix    = "unix"
	PlatformWindows = "windows"
)

// Time limits of one script, in seconds: it is stopped when it runs
// longer. An hour bounds what a support session can wait for.
const (
	DefaultTimeLimit = 300
	MinTimeLimit     = 1
	MaxTimeLimit     = 3600
)

// Interpreter is what runs a script file, chosen by its extension as the
// guide has it: a shell on Unix, PowerShell or batch on Windows.
type Interpreter struct {
	Name       string   // "sh", "bash", "powershell" or "cmd"
	Platform   string   // PlatformUnix or PlatformWindows
	Extensions []string // lower case, with the dot
	// Kind names scripts of this interpreter for people, in the plural:
	// "PowerShell scripts cannot run on Linux".
	Kind string
	// Command runs a script: the script file's path is its last argument.
	// PowerShell is told to load no profile (the customer's profile could
	// change what the script does), never to prompt (nobody is there to
	// answer), and to run an unsigned script despite the execution policy
	// (the customer granted this run, and the library's scripts are not
	// signed). cmd is told to skip the AutoRun commands of the registry
	// (/d) and to take the rest of its command line as it is (/s), which
	// the agent wraps in one more pair of quotes so that any folder name
	// works.
	Command []string
}

// Interpreters are the kinds of script the library takes. Python and the
// like are left out on purpose: whether a customer's computer has them is
// unknown until the script fails there, while every Unix has sh and every
// Windows has PowerShell and cmd. A shell script can still call python3
// where it knows there is one.
var Interpreters = []Interpreter{
	{Name: "sh", Platform: PlatformUnix, Extensions: []string{".sh"}, Kind: "Shell scripts",
		Command: []string{"sh"}},
	{Name: "bash", Platform: PlatformUnix, Extensions: []string{".bash"}, Kind: "Bash scripts",
		Command: []string{"bash"}},
	{Name: "powershell", Platform: PlatformWindows, Extensions: []string{".ps1"}, Kind: "PowerShell scripts",
		Command: []string{"powershell", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File"}},
	{Name: "cmd", Platform: PlatformWindows, Extensions: []string{".bat", ".cmd"}, Kind: "Batch files",
		Command: []string{"cmd", "/d", "/s", "/c"}},
}

// InterpreterFor finds the interpreter of a script file by its extension,
// in any case ("FIX.BAT" is a batch file).
func InterpreterFor(fileName string) (Interpreter, bool) {
	ext := strings.ToLower(path.Ext(fileName))
	for _, in := range Interpreters {
		for _, e := range in.Extensions {
			if e == ext {
				return in, true
			}
		}
	}
	return Interpreter{}, false
}

// Extensions lists every extension taken, for messages: ".sh, .bash, .ps1,
// .bat or .cmd".
func Extensions() string {
	var all []string
	for _, in := range Interpreters {
		all = append(all, in.Extensions...)
	}
	return strings.Join(all[:len(all)-1], ", ") + " or " + all[len(all)-1]
}

// PlatformOf says which platform a computer running goos (a GOOS value)
// is: Windows, or else a Unix (Linux, macOS, the BSDs).
func PlatformOf(goos string) string {
	if goos == "windows" {
		return PlatformWindows
	}
	return PlatformUnix
}
