// Package sysinfo collects the customer's system information for the
// console's System Information window: operating system and host, CPU,
// memory, disks, network, running processes, installed software and
// displays. The agent calls Collect after the customer has granted the
// "system information" request and sends the Report (JSON) over the data
// channel; the console shows one panel per Category and saves or prints
// Report.Text.
//
// Collection goes through github.com/shirou/gopsutil/v3 wherever it can,
// plus a few platform sources gopsutil does not cover: the dpkg status file
// or rpm for installed packages on Linux, the Uninstall registry keys on
// Windows, and RandR (through github.com/jezek/xgb) for the monitors of an
// X11 display.
//
// Every category is collected on its own goroutine with its own timeout; a
// category that fails or times out carries its Error text and the others are
// still reported.
//
// # Size bounds
//
// The report travels over a data channel, so it is bounded whatever the
// machine looks like. Collectors apply these limits, and Collect applies the
// generic ones (cell length, rows, sections) once more to the whole report
// as a backstop:
//
//   - every string (value, cell, note, error) at most MaxCell bytes, cut at a
//     rune boundary and ended with "..."; control characters are replaced so a
//     hostile process name cannot break the text layout;
//   - name/value rows at most MaxFields per section, table rows at most
//     MaxTableRows per table, sections at most MaxSections per category;
//   - processes: the MaxProcesses biggest by resident memory (plus the few
//     busiest by CPU, within the same cap), command lines cut to MaxCmdline
//     bytes;
//   - software: at most MaxPackages packages;
//   - network: at most MaxInterfaces interfaces, MaxAddrs addresses each;
//   - disks: at most MaxPartitions partitions;
//   - and whatever a collector does, each category holds at most
//     MaxCategoryBytes of text (counting a few bytes of JSON overhead per
//     string); rows past that are dropped and a note says so.
//
// So a report is at most about len(IDs()) * MaxCategoryBytes (4 MiB) of
// JSON. A typical desktop report is 50–300 KB, mostly the package list.
package sysinfo
