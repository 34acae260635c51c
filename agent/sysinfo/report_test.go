package sysinfo

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestReportJSONRoundTrip(t *testing.T) {
	for name, r := range map[string]Report{"this machine": collected()} {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var back Report
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !back.CollectedAt.Equal(r.CollectedAt) {
				t.Errorf("time %v, want %v", back.CollectedAt, r.CollectedAt)
			}
			if _, off := back.CollectedAt.Zone(); off != func() int { _, o := r.CollectedAt.Zone(); return o }() {
				t.Errorf("the customer's UTC offset was lost: %v", back.CollectedAt)
			}
			back.CollectedAt = r.CollectedAt
			if !reflect.DeepEqual(back, r) {
				t.Errorf("round trip changed the report:\n%s\nbecame\n%s", r.Text(), back.Text())
			}
			if back.Text() != r.Text() {
				t.Error("the decoded report renders differently")
			}
			if len(b) > len(IDs())*(MaxCategoryBytes+MaxCell) {
				t.Errorf("%d bytes of JSON, beyond the documented bound", len(b))
			}
		})
	}
}
