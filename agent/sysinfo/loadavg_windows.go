package sysinfo

// Windows has no load average; gopsutil estimates one from the processor
// queue, which would only mislead next to real ones.
const hasLoadAvg = false
