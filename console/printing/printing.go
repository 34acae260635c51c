// Package printing sends a plain-text document to the CSR's default
// printer: the console's Print of a customer's system information.
//
// On Linux, the BSDs and macOS it goes through CUPS: `lpstat -d` names the
// default destination ($LPDEST or $PRINTER win, as they do for lp), then
// `lp` reads the text from its standard input. On Windows PowerShell asks
// for the default printer and Out-Printer prints a UTF-8 copy of the text
// from a temporary file. A computer without a printer (or without CUPS)
// gets ErrNoPrinter; its message, as a sentence, is what the CSR reads:
// "No printer is set up on this computer."
//
// The commands run through Printer.Run, so that tests check the exact
// commands without printing anything.
package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// ErrNoPrinter says that this computer has no printer to print on.
var ErrNoPrinter = errors.New("no printer is set up on this computer")

// Runner runs the program name with args, stdin as its standard input (nil
// for none), and returns what it wrote to standard output and standard
// error. An error is returned when it could not be started or exited
// unsuccessfully (exec.ErrNotFound, wrapped, when it is not installed).
type Runner func(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error)

// Printer prints text. The zero value prints for real.
type Printer struct {
	// Run runs the print commands; nil runs them with os/exec.
	Run Runner
	// Getenv reads the environment ($LPDEST, $PRINTER); nil is os.Getenv.
	Getenv func(string) string
	// TempDir is where Windows' copy of the text is written; "" is the
	// system's temporary folder.
	TempDir string
}

// PrintText prints text on the default printer under the job title title
// and returns the printer's name. The call returns once the print system
// took the job (not when the paper is out).
func PrintText(ctx context.Context, title, text string) (string, error) {
	return Printer{}.PrintText(ctx, title, text)
}

// PrintText prints text on the default printer, as the package's
// PrintText.
func (p Printer) PrintText(ctx context.Context, title, text string) (string, error) {
	return platformPrint(p, ctx, title, text)
}

func (p Printer) run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	if p.Run != nil {
		return p.Run(ctx, stdin, name, args...)
	}
	return execRun(ctx, stdin, name, args...)
}

func (p Printer) getenv(k string) string {
	if p.Getenv != nil {
		return p.Getenv(k)
	}
	return os.Getenv(k)
}

func execRun(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return cmd.CombinedOutput()
}

// printCUPS prints through CUPS's lp, to $LPDEST, $PRINTER or the
// destination lpstat names as the default.
func (p Printer) printCUPS(ctx context.Context, title, text string) (string, error) {
	dest := strings.TrimSpace(p.getenv("LPDEST"))
	if dest == "" {
		dest = strings.TrimSpace(p.getenv("PRINTER"))
	}
	if dest == "" {
		out, err := p.run(ctx, nil, "lpstat", "-d")
		if err != nil {
			// Not installed, or no scheduler to ask: nothing can print.
			if ctx.Err() != nil {
				return "", fmt.Errorf("asking for the default printer: %w", ctx.Err())
			}
			return "", ErrNoPrinter
		}
		if dest = lpstatDefault(out); dest == "" {
			return "", ErrNoPrinter
		}
	}
	out, err := p.run(ctx, []byte(text), "lp", "-d", dest, "-t", title)
	if err != nil {
		return "", fmt.Errorf("the printer %s did not take the document: %s", dest, reason(err, out))
	}
	return dest, nil
}

// lpstatDefault reads the default destination from `lpstat -d`: "system
// default destination: NAME" (in any language: the name follows the last
// ": "); "no system default destination" has none.
func lpstatDefault(out []byte) string {
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "lpstat:") {
			continue // a complaint, not an answer
		}
		if i := strings.LastIndex(line, ": "); i >= 0 {
			if name := strings.TrimSpace(line[i+2:]); name != "" && !strings.ContainsAny(name, " \t") {
				return name
			}
		}
	}
	return ""
}

// psDefaultPrinter prints the name of Windows' default printer, or nothing.
const psDefaultPrinter = "(Get-CimInstance -ClassName Win32_Printer -Filter 'Default=TRUE' | Select-Object -First 1).Name"

// printWindows prints through PowerShell's Out-Printer on the default
// printer; the text goes through a temporary UTF-8 file, which PowerShell
// reads with the right encoding whatever the console's code page.
// Out-Printer names the job itself: the title is not used.
func (p Printer) printWindows(ctx context.Context, _, text string) (string, error) {
	out, err := p.run(ctx, nil, "powershell.exe", "-NoProfile", "-NonInteractive", "-Command", psDefaultPrinter)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("asking for the default printer: %w", ctx.Err())
		}
		return "", ErrNoPrinter
	}
	dest := strings.TrimSpace(string(out))
	if dest == "" {
		return "", ErrNoPrinter
	}
	f, err := os.CreateTemp(p.TempDir, "lifeline-print-*.txt")
	if err != nil {
		return "", fmt.Errorf("writing the document to print: %w", err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing the document to print: %w", err)
	}
	script := "Get-Content -LiteralPath " + psQuote(name) + " -Encoding UTF8 | Out-Printer -Name " + psQuote(dest)
	out, err = p.run(ctx, nil, "powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script)
	if err != nil {
		return "", fmt.Errorf("the printer %s did not take the document: %s", dest, reason(err, out))
	}
	return dest, nil
}

// psQuote makes s a PowerShell single-quoted string, in which nothing is
// expanded and a quote is written twice.
func psQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// reason is what a failed command said, else how it failed.
func reason(err error, out []byte) string {
	if msg := strings.TrimSpace(string(out)); msg != "" {
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return msg
	}
	return err.Error()
}
