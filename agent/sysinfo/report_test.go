package sysinfo

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestReportJSONRoundTrip(t *testing.T) {
	for name, r := range map[string]Report{"sample": sampleReport(), "this machine": collected()} {
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

func TestReportJSONShape(t *testing.T) {
	b, err := json.Marshal(sampleReport().Categories[1])
	if err != nil {
		t.Fatal(err)
	}
	// The field names are the wire format the console decodes.
	want := `{"id":"disks","title":"Disks","sections":[{"note":"Showing 2 of 2 partitions.","table":{"columns":["Mount point","Size","Use"],"rows":[["/","232.9 GiB","41.0 %"],["/boot/efi","511.0 MiB","1.2 %"]]}}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
