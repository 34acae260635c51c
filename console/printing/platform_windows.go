//go:build windows

package printing

// platformPrint prints through PowerShell on Windows.
var platformPrint = Printer.printWindows
