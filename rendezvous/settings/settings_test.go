package settings

import (
	"strings"
	"testing"
	"time"

	"lifeline/shared/protocol"
)

func TestDefaults(t *testing.T) {
	want := map[string]string{
		"session_mode": "multi", "max_customers": "4", "tracking_code": "off",
		"default_mode": "standard", "default_colors": "full",
		"file_transfer": "on", "scripts": "on", "system_info": "on", "reboot": "on", "recording": "on",
		"max_transfer_mb": "150", "retention_days": "92",
	}
	d := Defaults()
	if len(Keys()) != len(want) {
		t.Errorf("%d keys, want %d", len(Keys()), len(want))
	}
	for _, k := range Keys() {
		if got := k.Get(d); got != want[k.Name] {
			t.Errorf("default %s = %q, want %q", k.Name, got, want[k.Name])
		}
		if k.Label == "" || k.Help == "" || k.Values == "" {
			t.Errorf("%s lacks a label, help or values", k.Name)
		}
	}
}

// TestCheck is the list of values each setting takes and refuses.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       string // the stored form; "" means refused
		errHas     string // a part of the refusal
	}{
		{"session-mode", "single", "single", ""},
		{"session_mode", "MULTI", "multi", ""},
		{"session-mode", "both", "", `the session mode must be "single" or "multi", not "both"`},
		{"max-customers", "1", "1", ""},
		{"max-customers", " 20 ", "20", ""},
		{"max-customers", "0", "", "from 1 to 20"},
		{"max-customers", "21", "", "from 1 to 20"},
		{"max-customers", "four", "", `not "four"`},
		{"max-customers", "4.5", "", "whole number"},
		{"tracking-code", "off", "off", ""},
		{"tracking-code", "optional", "optional", ""},
		{"tracking-code", "Required", "required", ""},
		{"tracking-code", "yes", "", `"off", "optional" or "required"`},
		{"default-mode", "sampling", "sampling", ""},
		{"default-mode", "standard", "standard", ""},
		{"default-mode", "lossy", "", "default screen mode"},
		{"default-colors", "full", "full", ""},
		{"default-colors", "16bit", "16bit", ""},
		{"default-colors", "256", "256", ""},
		{"default-colors", "8bit", "", `"full", "16bit" or "256"`},
		{"file-transfer", "off", "off", ""},
		{"max-transfer-mb", "1", "1", ""},
		{"max_transfer_mb", "10240", "10240", ""},
		{"max-transfer-mb", " 500 ", "500", ""},
		{"max-transfer-mb", "0", "", "the maximum transfer size must be a whole number from 1 to 10240"},
		{"max-transfer-mb", "10241", "", "from 1 to 10240"},
		{"max-transfer-mb", "150MB", "", `not "150MB"`},
		{"max-transfer-mb", "-5", "", "from 1 to 10240"},
		{"retention-days", "1", "1", ""},
		{"retention_days", "3650", "3650", ""},
		{"retention-days", " 30 ", "30", ""},
		{"retention-days", "0", "", "the report retention must be a whole number from 1 to 3650"},
		{"retention-days", "3651", "", "from 1 to 3650"},
		{"retention-days", "3 months", "", `not "3 months"`},
		{"scripts", "ON", "on", ""},
		{"system-info", "false", "off", ""},
		{"reboot", "true", "on", ""},
		{"recording", "maybe", "", "recording must be on or off"},
		{"recording", "", "", "recording must be on or off"},
	} {
		k, err := Lookup(tc.key)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", tc.key, err)
		}
		got, err := k.Check(tc.value)
		switch {
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("%s %q: got %q, %v; want %q", tc.key, tc.value, got, err, tc.want)
		case tc.want == "" && err == nil:
			t.Errorf("%s %q: accepted as %q", tc.key, tc.value, got)
		case tc.want == "" && !strings.Contains(err.Error(), tc.errHas):
			t.Errorf("%s %q: error %q lacks %q", tc.key, tc.value, err, tc.errHas)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"max-customers", "max_customers", "Max-Customers", " max-customers "} {
		if k, err := Lookup(name); err != nil || k.Name != "max_customers" || k.CLIName() != "max-customers" {
			t.Errorf("Lookup(%q) = %q, %v", name, k.Name, err)
		}
	}
	_, err := Lookup("colour")
	if err == nil || !strings.Contains(err.Error(), "session-mode, max-customers") {
		t.Errorf("Lookup(colour): %v; want the list of settings", err)
	}
}

func TestFromValues(t *testing.T) {
	got, err := FromValues(map[string]string{
		"max_customers": "7", "scripts": "off", "tracking_code": "required", "max_transfer_mb": "2048",
		"retention_days": "31",
		"queue_color":    "teal", // a newer build's setting: skipped
	})
	want := Defaults()
	want.MaxCustomers, want.Features.Scripts, want.TrackingCode, want.MaxTransferMB = 7, false, TrackingRequired, 2048
	want.RetentionDays = 31
	if err != nil || got != want {
		t.Errorf("FromValues = %+v, %v; want %+v", got, err, want)
	}
	if _, err := FromValues(map[string]string{"max_customers": "500"}); err == nil ||
		!strings.Contains(err.Error(), "max_customers") {
		t.Errorf("a bad stored value: %v; want an error naming it", err)
	}
}

// TestEffective is how a CSR's own limits combine with the site's.
func TestEffective(t *testing.T) {
	multi4 := Defaults()
	single := Defaults()
	single.SessionMode = ModeSingle
	for _, tc := range []struct {
		name     string
		site     Site
		user     UserLimits
		wantMode string
		wantMax  int
	}{
		{"the site's", multi4, UserLimits{}, ModeMulti, 4},
		{"the account's maximum beats the site's", multi4, UserLimits{MaxCustomers: 9}, ModeMulti, 9},
		{"the account in single mode", multi4, UserLimits{SessionMode: ModeSingle}, ModeSingle, 1},
		{"single mode ignores the account's maximum", multi4, UserLimits{SessionMode: ModeSingle, MaxCustomers: 9}, ModeSingle, 1},
		{"a single-mode site", single, UserLimits{}, ModeSingle, 1},
		{"a single-mode site, an account with a maximum only", single, UserLimits{MaxCustomers: 9}, ModeSingle, 1},
		{"a single-mode site, an account in multi mode", single, UserLimits{SessionMode: ModeMulti}, ModeMulti, 4},
		{"a single-mode site, an account in multi mode with a maximum", single, UserLimits{SessionMode: ModeMulti, MaxCustomers: 2}, ModeMulti, 2},
	} {
		mode, n := tc.site.Effective(tc.user)
		if mode != tc.wantMode || n != tc.wantMax {
			t.Errorf("%s: %s, %d; want %s, %d", tc.name, mode, n, tc.wantMode, tc.wantMax)
		}
	}
}

func TestUserLimitsValidate(t *testing.T) {
	for _, tc := range []struct {
		l  UserLimits
		ok bool
	}{
		{UserLimits{}, true},
		{UserLimits{SessionMode: ModeSingle}, true},
		{UserLimits{SessionMode: ModeMulti, MaxCustomers: 20}, true},
		{UserLimits{MaxCustomers: 1}, true},
		{UserLimits{SessionMode: "site"}, false}, // "site" is the command line's word for ""
		{UserLimits{MaxCustomers: 21}, false},
		{UserLimits{MaxCustomers: -1}, false},
	} {
		if err := tc.l.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v, want ok=%v", tc.l, err, tc.ok)
		}
	}
}

func TestCheckPhraseAndSessionType(t *testing.T) {
	for _, tc := range []struct {
		check func(string) (string, error)
		in    string
		want  string // "" means refused
	}{
		{CheckPhrase, "  Thank you for your patience.  ", "Thank you for your patience."},
		{CheckPhrase, "Merci, j'arrive ☺", "Merci, j'arrive ☺"},
		{CheckPhrase, strings.Repeat("é", MaxPhraseLen), strings.Repeat("é", MaxPhraseLen)},
		{CheckPhrase, strings.Repeat("é", MaxPhraseLen+1), ""},
		{CheckPhrase, "   ", ""},
		{CheckPhrase, "two\nlines", ""},
		{CheckPhrase, "bad \xff byte", ""},
		{CheckSessionType, " Billing ", "Billing"},
		{CheckSessionType, strings.Repeat("x", MaxSessionTypeLen), strings.Repeat("x", MaxSessionTypeLen)},
		{CheckSessionType, strings.Repeat("x", MaxSessionTypeLen+1), ""},
		{CheckSessionType, "", ""},
		{CheckSessionType, "a\tb", ""},
	} {
		got, err := tc.check(tc.in)
		if (tc.want == "") != (err != nil) || got != tc.want {
			t.Errorf("check(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if FoldSessionType(" BILLING ") != FoldSessionType("billing") {
		t.Error("FoldSessionType is case-sensitive")
	}
}

// Every consent action a feature can switch off is named, and viewing and
// control are never switched off.
func TestFeaturesAllow(t *testing.T) {
	none := Features{}
	for _, action := range protocol.Actions {
		feature, ok := none.Allows(action)
		always := action == protocol.ActionView || action == protocol.ActionControl
		if ok != always || (feature == "") != always {
			t.Errorf("%s with every feature off: %q, %v", action, feature, ok)
		}
		if _, ok := Defaults().Features.Allows(action); !ok {
			t.Errorf("%s is refused by the default features", action)
		}
	}
	only := Features{Scripts: true}
	if _, ok := only.Allows(protocol.ActionScripts); !ok {
		t.Error("scripts on, yet refused")
	}
	if _, ok := only.Allows(protocol.ActionFiles); ok {
		t.Error("file transfer off, yet allowed")
	}
}

func TestMaxTransferBytes(t *testing.T) {
	for _, tc := range []struct {
		mb   int
		want int64
	}{
		{DefaultTransferMB, 150 << 20},
		{MinTransferMB, 1 << 20},
		{LargestTransferMB, 10 << 30}, // beyond 32 bits: counted in int64
	} {
		s := Defaults()
		s.MaxTransferMB = tc.mb
		if got := s.MaxTransferBytes(); got != tc.want {
			t.Errorf("%d MB = %d bytes, want %d", tc.mb, got, tc.want)
		}
	}
}

// The cutoff is whole days of 24 hours, so that a day's sessions go in
// the order they ended, whatever the time zone or daylight saving.
func TestRetentionCutoff(t *testing.T) {
	now := time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		days int
		want time.Time
	}{
		{1, time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)},
		{DefaultRetentionDays, time.Date(2025, 12, 28, 12, 0, 0, 0, time.UTC)},
		{MaxRetentionDays, time.Date(2016, 4, 1, 12, 0, 0, 0, time.UTC)},
	} {
		s := Defaults()
		s.RetentionDays = tc.days
		if got := s.RetentionCutoff(now); !got.Equal(tc.want) {
			t.Errorf("%d days: cutoff %v, want %v", tc.days, got, tc.want)
		}
	}
}
