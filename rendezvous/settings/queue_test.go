package settings

import (
	"strings"
	"testing"
)

// TestQueueKeys: a queue may set every setting but the report retention.
func TestQueueKeys(t *testing.T) {
	var names []string
	for _, k := range QueueKeys() {
		names = append(names, k.Name)
	}
	want := "session_mode max_customers tracking_code default_mode default_colors file_transfer max_transfer_mb scripts system_info reboot recording"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("queue keys:\n got %s\nwant %s", got, want)
	}
	if _, err := LookupQueue("retention-days"); err == nil || !strings.Contains(err.Error(), "retention-days is a site setting") {
		t.Errorf("retention-days for a queue: %v", err)
	}
	if _, err := LookupQueue("colour"); err == nil || !strings.Contains(err.Error(), "there is no setting") {
		t.Errorf("unknown setting for a queue: %v", err)
	}
}

// TestCheckQueue is what a queue's own value may be: the setting's values,
// or "site" (or nothing) to follow the site again.
func TestCheckQueue(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       string
		errHas     string
	}{
		{"scripts", "off", "off", ""},
		{"scripts", "ON", "on", ""},
		{"scripts", "site", "", ""},
		{"scripts", " Site ", "", ""},
		{"scripts", "", "", ""},
		{"scripts", "maybe", "", "scripts must be on or off"},
		{"max-customers", "1", "1", ""},
		{"max-customers", "30", "", "from 1 to 20"},
		{"session-mode", "single", "single", ""},
	} {
		k, err := LookupQueue(tc.key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.CheckQueue(tc.value)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s %q: error %v, want one with %q", tc.key, tc.value, err, tc.errHas)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %q = %q, %v; want %q", tc.key, tc.value, got, err, tc.want)
		}
	}
}

// TestForQueue: the queue's own values beat the site's; what it leaves
// alone follows the site; a stored value the setting refuses is an error
// rather than a quiet fall-back to the site's.
func TestForQueue(t *testing.T) {
	site := Defaults()
	site.Features.Recording = false
	site.MaxCustomers = 6

	got, err := site.ForQueue(map[string]string{
		"scripts": "off", "session_mode": "single", "default_colors": "256",
		"retention_days":     "1", // site-only: skipped
		"from_a_newer_build": "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Features.Scripts || got.SessionMode != ModeSingle || got.DefaultColors != Colors256 {
		t.Errorf("queue values not laid over: %+v", got)
	}
	if got.Features.Recording || !got.Features.FileTransfer || got.MaxCustomers != 6 || got.RetentionDays != site.RetentionDays {
		t.Errorf("site values not kept: %+v", got)
	}
	if mode, max := got.Effective(UserLimits{}); mode != ModeSingle || max != 1 {
		t.Errorf("a single-mode queue: %s %d", mode, max)
	}
	// The account's own limits beat the queue's.
	if mode, max := got.Effective(UserLimits{SessionMode: ModeMulti, MaxCustomers: 3}); mode != ModeMulti || max != 3 {
		t.Errorf("an account's own limits under a queue: %s %d", mode, max)
	}
	if _, err := site.ForQueue(map[string]string{"scripts": "sometimes"}); err == nil {
		t.Error("a refused stored value was accepted")
	}
}
