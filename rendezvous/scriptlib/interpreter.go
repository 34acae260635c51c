package scriptlib

import (
	"fmt"

	"lifeline/shared/scripttype"
)

// Platforms a script runs on.
const (
	PlatformUnix    = scripttype.PlatformUnix
	PlatformWindows = scripttype.PlatformWindows
)

// Interpreter is what runs a script file, chosen by its extension. The
// table lives in shared/scripttype, where the customer's agent reads it
// too: the kind of script the library takes is the kind the agent runs.
type Interpreter = scripttype.Interpreter

// Interpreters are the kinds of script the library takes.
var Interpreters = scripttype.Interpreters

// InterpreterFor finds the interpreter of a script file by its extension,
// in any case ("FIX.BAT" is a batch file).
func InterpreterFor(fileName string) (Interpreter, bool) { return scripttype.InterpreterFor(fileName) }

// Extensions lists every extension taken, for messages: ".sh, .bash, .ps1,
// .bat or .cmd".
func Extensions() string { return scripttype.Extensions() }

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
