package sysinfo

import (
	"testing"
	"time"
)

func TestFormatBytes(t *testing.T) {
	tests := map[uint64]string{
		0:               "0 B",
		1023:            "1023 B",
		1536:            "1.5 KiB",
		16 << 30:        "16.0 GiB",
		3 << 40:         "3.0 TiB",
		1<<64 - 1:       "16.0 EiB",
		250_059_350_016: "232.9 GiB",
		123 << 20:       "123.0 MiB",
	}
	for n, want := range tests {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", 12345: "12,345"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFormatUptime(t *testing.T) {
	tests := map[time.Duration]string{
		42 * time.Second:                 "42 seconds",
		time.Minute:                      "1 minute",
		time.Hour:                        "1 hour",
		26*time.Hour + 5*time.Minute + 3: "1 day, 2 hours, 5 minutes",
		72 * time.Hour:                   "3 days",
		3*time.Hour + 59*time.Second:     "3 hours",
	}
	for d, want := range tests {
		if got := formatUptime(d); got != want {
			t.Errorf("formatUptime(%v) = %q, want %q", d, got, want)
		}
	}
}
