package scriptlib

import (
	"fmt"
	"path"
	"strings"
)

// Platforms a script runs on.
const (
	PlatformUnix    = "unix"
	PlatformWindows = "windows"
)

// Interpreter is what runs a script file, chosen by its extension as the
// guide has it: a shell on Unix, PowerShell or batch on Windows. The agent
// runs the interpreter of the name the server gives; the console can tell
// from Platform whether a script suits the customer's computer.
type Interpreter struct {
	Name       string   // "sh", "bash", "powershell" or "cmd"
	Platform   string   // PlatformUnix or PlatformWindows
	Extensions []string // lower case, with the dot
}

// Interpreters are the kinds of script the library takes. Python and the
// like are left out on purpose: whether a customer's computer has them is
// unknown until the script fails there, while every Unix has sh and every
// Windows has PowerShell and cmd. A shell script can still call python3
// where it knows there is one.
var Interpreters = []Interpreter{
	{Name: "sh", Platform: PlatformUnix, Extensions: []string{".sh"}},
	{Name: "bash", Platform: PlatformUnix, Extensions: []string{".bash"}},
	{Name: "powershell", Platform: PlatformWindows, Extensions: []string{".ps1"}},
	{Name: "cmd", Platform: PlatformWindows, Extensions: []string{".bat", ".cmd"}},
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

// CheckScriptType says why a script file name is refused as a kind of
// script the library cannot run.
func CheckScriptType(fileName string) (Interpreter, error) {
	in, ok := InterpreterFor(fileName)
	if !ok {
		return Interpreter{}, fmt.Errorf("%q is not a kind of script the library runs: the file name must end in %s "+
			"(a shell script for Unix, PowerShell or batch for Windows)", fileName, Extensions())
	}
	return in, nil
}
