package settings

import (
	"fmt"
	"strconv"
	"strings"
)

// Key is one site setting, as the store keeps it and the command line and
// the API name it. Every setting is stored as text under its Name, which is
// also its JSON name; a key that was never set has its default.
type Key struct {
	Name   string // "max_customers"; the command line also takes "max-customers"
	Label  string // "the maximum number of customers", for sentences
	Help   string // what it means, one line
	Values string // what it takes: "1..20", "on|off"
	// PerQueue says a support queue may set its own value, for the
	// sessions that come through it (see ForQueue).
	PerQueue bool

	get func(*Site) string
	set func(*Site, string) error
}

// keys is every setting in the order people read them.
var keys = []Key{
	oneOf("session_mode", "the session mode",
		"one session at a time (single) or several side by side (multi)",
		func(s *Site) *string { return &s.SessionMode }, ModeSingle, ModeMulti).perQueue(),
	intRange("max_customers", "the maximum number of customers",
		"live sessions a CSR may host at once in multi mode (single mode: 1)",
		func(s *Site) *int { return &s.MaxCustomers }, MinCustomers, MaxCustomers).perQueue(),
	oneOf("tracking_code", "the tracking code setting",
		"whether a tracking code is asked when a session starts, and whether it must be given",
		func(s *Site) *string { return &s.TrackingCode }, TrackingOff, TrackingOptional, TrackingRequired).perQueue(),
	oneOf("default_mode", "the default screen mode",
		"the viewer's screen mode at first: standard (lossless) or sampling (Screen Sampling)",
		func(s *Site) *string { return &s.DefaultMode }, ViewStandard, ViewSampling).perQueue(),
	oneOf("default_colors", "the default colours",
		"the viewer's colours at first: full, 16bit (High color) or 256",
		func(s *Site) *string { return &s.DefaultColors }, ColorsFull, Colors16, Colors256).perQueue(),
	onOff("file_transfer", "file transfer", "whether CSRs may send and fetch the customer's files",
		func(s *Site) *bool { return &s.Features.FileTransfer }).perQueue(),
	intRange("max_transfer_mb", "the maximum transfer size",
		"the most megabytes (MiB) one file transfer may carry, either way",
		func(s *Site) *int { return &s.MaxTransferMB }, MinTransferMB, LargestTransferMB).perQueue(),
	onOff("scripts", "scripts", "whether CSRs may run scripts on the customer's computer",
		func(s *Site) *bool { return &s.Features.Scripts }).perQueue(),
	onOff("system_info", "system information", "whether CSRs may read the customer's system information",
		func(s *Site) *bool { return &s.Features.SystemInfo }).perQueue(),
	onOff("reboot", "reboot", "whether CSRs may reboot the customer's computer and have it rejoin",
		func(s *Site) *bool { return &s.Features.Reboot }).perQueue(),
	onOff("recording", "recording", "whether CSRs may ask the customer to record the shared screen to a file on the CSR's computer (the console's Record button)",
		func(s *Site) *bool { return &s.Features.Recording }).perQueue(),
	intRange("retention_days", "the report retention",
		"days the record of an ended session is kept for the reports; the server deletes older ones daily",
		func(s *Site) *int { return &s.RetentionDays }, MinRetentionDays, MaxRetentionDays),
}

func oneOf(name, label, help string, field func(*Site) *string, values ...string) Key {
	return Key{
		Name: name, Label: label, Help: help, Values: strings.Join(values, "|"),
		get: func(s *Site) string { return *field(s) },
		set: func(s *Site, v string) error {
			v = strings.ToLower(v)
			for _, ok := range values {
				if v == ok {
					*field(s) = v
					return nil
				}
			}
			return fmt.Errorf("must be %s", orList(values))
		},
	}
}

// intRange is a whole number from lo to hi.
func intRange(name, label, help string, field func(*Site) *int, lo, hi int) Key {
	return Key{
		Name: name, Label: label, Help: help, Values: fmt.Sprintf("%d..%d", lo, hi),
		get: func(s *Site) string { return strconv.Itoa(*field(s)) },
		set: func(s *Site, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
			}
			*field(s) = n
			return nil
		},
	}
}

// onOff is a support feature's switch.
func onOff(name, label, help string, field func(*Site) *bool) Key {
	return Key{
		Name: name, Label: label, Help: help, Values: "on|off",
		get: func(s *Site) string {
			if *field(s) {
				return "on"
			}
			return "off"
		},
		set: func(s *Site, v string) error {
			switch strings.ToLower(v) {
			case "on", "true":
				*field(s) = true
			case "off", "false":
				*field(s) = false
			default:
				return fmt.Errorf("must be on or off")
			}
			return nil
		},
	}
}

// orList renders ["a","b","c"] as `"a", "b" or "c"`.
func orList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// Keys returns every setting in display order.
func Keys() []Key { return append([]Key(nil), keys...) }

// Lookup finds a setting by its name, with - or _ between words
// ("max-customers" or "max_customers"), in any case.
func Lookup(name string) (Key, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	for _, k := range keys {
		if k.Name == n {
			return k, nil
		}
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.CLIName()
	}
	return Key{}, fmt.Errorf("there is no setting %q; the settings are %s", name, strings.Join(names, ", "))
}

// CLIName is the name on the command line: "max-customers".
func (k Key) CLIName() string { return strings.ReplaceAll(k.Name, "_", "-") }

// Get returns the value of k in s, as it is stored.
func (k Key) Get(s Site) string { return k.get(&s) }

// Set sets k in s to value, or says why value is refused; s is unchanged
// then.
func (k Key) Set(s *Site, value string) error {
	if err := k.set(s, strings.TrimSpace(value)); err != nil {
		return fmt.Errorf("%s %v, not %q", k.Label, err, value)
	}
	return nil
}

// Check returns value as it is stored for k ("ON" becomes "on", " 5" "5"),
// or says why it is refused.
func (k Key) Check(value string) (string, error) {
	s := Defaults()
	if err := k.Set(&s, value); err != nil {
		return "", err
	}
	return k.Get(s), nil
}

// FromValues builds the settings from stored values: the defaults, with each
// stored value laid over. Names this build does not know are skipped, so an
// older server still runs beside a database where a newer one stored a
// setting; a known name with a value it refuses is an error, since quietly
// using the default could lift a limit the site set.
func FromValues(values map[string]string) (Site, error) {
	s := Defaults()
	for _, k := range keys {
		v, ok := values[k.Name]
		if !ok {
			continue
		}
		if err := k.Set(&s, v); err != nil {
			return Defaults(), fmt.Errorf("stored setting %s: %w", k.Name, err)
		}
	}
	return s, nil
}
