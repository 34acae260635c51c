// Package settings is the site's policy for its support representatives:
// how many customers a CSR may serve at once, what is asked when a session
// starts, which support features are switched on, and the console's
// defaults. It holds the values, their defaults and their validation, and
// nothing else: the store keeps them, the server enforces them, the command
// line and (later) the admin page edit them, all through this one list, so
// that a value refused in one place is refused everywhere with the same
// sentence.
package settings

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Session modes: whether a CSR works on one session at a time or on several
// side by side (the console's tabs).
const (
	ModeSingle = "single"
	ModeMulti  = "multi"
)

// Tracking code policies: whether the console asks for a tracking code (a
// ticket or case number) when a session starts, and whether it must be given.
const (
	TrackingOff      = "off"
	TrackingOptional = "optional"
	TrackingRequired = "required"
)

// Screen modes of the viewer, as the user guide names them.
const (
	ViewStandard = "standard" // lossless
	ViewSampling = "sampling" // "Screen Sampling": lossy for photo-like areas
)

// Colour modes of the viewer.
const (
	ColorsFull = "full"
	Colors16   = "16bit" // "High color"
	Colors256  = "256"
)

// The range of max_customers. More than 20 customers at once is beyond what
// one person can follow, and a typo like 400 should be refused, not obeyed.
const (
	MinCustomers = 1
	MaxCustomers = 20
)

// The range of max_transfer_mb, the largest file transfer, in megabytes of
// MB bytes. The default is what the user guide promises; the top is where a
// transfer over a support session stops being the right tool.
const (
	MinTransferMB     = 1
	LargestTransferMB = 10240
	DefaultTransferMB = 150
	// MB is the megabyte of max_transfer_mb, as file managers count it.
	MB = 1 << 20
)

// The range of retention_days, how long the record of an ended session
// (and of a customer who gave up waiting) is kept for the reports. The
// default is the three months of report data the user guide promises,
// rounded up to whole months; the top is ten years, beyond which a typo
// is likelier than a policy.
const (
	MinRetentionDays     = 1
	MaxRetentionDays     = 3650
	DefaultRetentionDays = 92
)

// Features are the support features that need the customer's consent
// beyond viewing and control. Switched off, the console hides them and the
// server refuses to ask for them.
type Features struct {
	FileTransfer bool
	Scripts      bool
	SystemInfo   bool
	Reboot       bool
	Recording    bool
}

// Site is every site-wide setting with its value.
type Site struct {
	SessionMode   string // ModeSingle or ModeMulti
	MaxCustomers  int    // MinCustomers..MaxCustomers, in multi mode
	TrackingCode  string // TrackingOff, TrackingOptional or TrackingRequired
	DefaultMode   string // ViewStandard or ViewSampling
	DefaultColors string // ColorsFull, Colors16 or Colors256
	Features      Features
	// MaxTransferMB is the largest file transfer (the total of one
	// transfer), MinTransferMB..LargestTransferMB megabytes.
	MaxTransferMB int
	// RetentionDays is how many days the record of an ended session is
	// kept: the server deletes what is older (see store.Purge).
	RetentionDays int
}

// RetentionCutoff is the instant before which report data is deleted at
// now: RetentionDays whole days of 24 hours back.
func (s Site) RetentionCutoff(now time.Time) time.Time {
	return now.Add(-time.Duration(s.RetentionDays) * 24 * time.Hour)
}

// MaxTransferBytes is MaxTransferMB in bytes, as State.MaxTransferBytes
// carries it to both ends of a transfer.
func (s Site) MaxTransferBytes() int64 { return int64(s.MaxTransferMB) * MB }

// Defaults are the settings of a site where nobody has changed any.
func Defaults() Site {
	return Site{
		SessionMode:   ModeMulti,
		MaxCustomers:  4,
		TrackingCode:  TrackingOff,
		DefaultMode:   ViewStandard,
		DefaultColors: ColorsFull,
		Features:      Features{FileTransfer: true, Scripts: true, SystemInfo: true, Reboot: true, Recording: true},
		MaxTransferMB: DefaultTransferMB,
		RetentionDays: DefaultRetentionDays,
	}
}

// UserLimits are one account's own session mode and maximum, which beat the
// site's. Their zero values follow the site.
type UserLimits struct {
	SessionMode  string // "" (the site's), ModeSingle or ModeMulti
	MaxCustomers int    // 0 (the site's), or MinCustomers..MaxCustomers
}

// Validate says, in a sentence, what is wrong with l.
func (l UserLimits) Validate() error {
	switch l.SessionMode {
	case "", ModeSingle, ModeMulti:
	default:
		return fmt.Errorf("the session mode must be single, multi or the site's, not %q", l.SessionMode)
	}
	if l.MaxCustomers != 0 && (l.MaxCustomers < MinCustomers || l.MaxCustomers > MaxCustomers) {
		return fmt.Errorf("the maximum number of customers must be from %d to %d, or 0 for the site's, not %d",
			MinCustomers, MaxCustomers, l.MaxCustomers)
	}
	return nil
}

// Effective is what applies to one CSR: the site's settings with the
// account's own limits laid over them.
func (s Site) Effective(l UserLimits) (mode string, maxCustomers int) {
	mode, maxCustomers = s.SessionMode, s.MaxCustomers
	if l.SessionMode != "" {
		mode = l.SessionMode
	}
	if l.MaxCustomers != 0 {
		maxCustomers = l.MaxCustomers
	}
	// Single mode is one session at a time whatever the maximum says, so
	// that switching an account to single and back keeps its maximum.
	if mode == ModeSingle {
		maxCustomers = 1
	}
	return mode, maxCustomers
}

// Limits on the lists kept beside the settings.
const (
	MaxPhraseLen      = 500 // characters of a quick phrase: a chat line, not a letter
	MaxSessionTypeLen = 100 // bytes, as POST /sessions accepts for a type
)

// CheckPhrase returns a quick phrase as it is stored (without surrounding
// space), or says why it is refused.
func CheckPhrase(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", fmt.Errorf("a quick phrase cannot be empty")
	case !utf8.ValidString(text):
		return "", fmt.Errorf("a quick phrase must be valid UTF-8 text")
	case utf8.RuneCountInString(text) > MaxPhraseLen:
		return "", fmt.Errorf("a quick phrase can be at most %d characters long", MaxPhraseLen)
	case strings.ContainsFunc(text, unicode.IsControl):
		// A chat line is one line; a tab or newline would render differently
		// in every client.
		return "", fmt.Errorf("a quick phrase must be one line of text, without tabs or line breaks")
	}
	return text, nil
}

// CheckSessionType returns a session type name as it is stored (without
// surrounding space), or says why it is refused.
func CheckSessionType(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fmt.Errorf("a session type needs a name")
	case !utf8.ValidString(name):
		return "", fmt.Errorf("a session type name must be valid UTF-8 text")
	case len(name) > MaxSessionTypeLen:
		return "", fmt.Errorf("a session type name can be at most %d bytes long", MaxSessionTypeLen)
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", fmt.Errorf("a session type name must be one line of text, without tabs or line breaks")
	}
	return name, nil
}

// FoldSessionType is the form in which session type names are compared:
// "Billing" and "billing " are one type. Done in Go because SQLite's lower()
// folds only ASCII.
func FoldSessionType(name string) string { return strings.ToLower(strings.TrimSpace(name)) }
