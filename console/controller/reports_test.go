package controller

import (
	"strings"
	"testing"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// The reports come back as the server gives them, and a refusal as a
// *Refused with the server's sentence to show.
func TestReports(t *testing.T) {
	carol, _, _ := loggedIn(t, rendezvoustest.Options{})
	ctx := ctxT(t, 30*time.Second)
	s, err := carol.StartSession(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.End(ctx, "Done."); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC()
	week := client.ReportQuery{From: today.AddDate(0, 0, -6), To: today}
	got, err := carol.QuerySessions(ctx, week)
	if err != nil || len(got) != 1 || got[0].Number != s.Number() {
		t.Fatalf("QuerySessions = %+v, %v; want session %s", got, err, s.Number())
	}
	d, err := carol.SessionDetails(ctx, got[0].ID)
	if err != nil || d.Session.Number != s.Number() || d.Notes != "Done." || d.Session.CreatedAt == nil {
		t.Fatalf("SessionDetails = %+v, %v", d.Session, err)
	}
	csv, err := carol.QuerySessionsCSV(ctx, week)
	if err != nil || !strings.HasPrefix(string(csv), "session_id,") || !strings.Contains(string(csv), s.Number()) {
		t.Fatalf("QuerySessionsCSV = %q, %v", csv, err)
	}
	vol, err := carol.CallVolume(ctx, week)
	if err != nil || len(vol.Days) != 7 {
		t.Fatalf("CallVolume = %+v, %v; want 7 days", vol, err)
	}
	if _, err := carol.CSRActivity(ctx, week); err != nil {
		t.Fatal(err)
	}
	for _, csv := range []func() ([]byte, error){
		func() ([]byte, error) { return carol.CallVolumeCSV(ctx, week) },
		func() ([]byte, error) { return carol.CSRActivityCSV(ctx, week) },
	} {
		if b, err := csv(); err != nil || len(b) == 0 {
			t.Fatalf("CSV = %q, %v", b, err)
		}
	}

	long := client.ReportQuery{From: today.AddDate(0, -6, 0), To: today}
	_, err = carol.QuerySessions(ctx, long)
	if !IsCode(err, "range_too_long") || !strings.Contains(err.Error(), "at most three months") {
		t.Fatalf("six months: %v", err)
	}
}
