//go:build !windows

package printing

// platformPrint prints through CUPS everywhere but Windows (Linux, the
// BSDs, macOS).
var platformPrint = Printer.printCUPS
