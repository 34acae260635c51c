package headless

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"lifeline/console/internal/fakeagent"
	"lifeline/shared/recording"
	"lifeline/shared/rendezvoustest"
)

// TestHeadlessRecord: record start asks the customer and writes the shared
// screen to a file until record stop, whose reply says what it holds; every
// console is told; the file reads back whole.
func TestHeadlessRecord(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	h := shellFor(t, ts, "carol@example.com", "carol-password-1")
	number := h.ok("start")["number"].(string)
	agent := fakeagent.Join(t, ts, number, fakeagent.Options{Name: "Ann", Grant: true, Width: 320, Height: 200})
	h.ok("wait-customer 20")

	h.fail("record stop", "not being recorded")
	h.fail("record start", "view or control the customer's screen first")
	h.ok("request view")
	sent, _, err := agent.WaitIdle(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	h.ok(fmt.Sprintf("wait-frames %d 20", sent))

	path := filepath.Join(t.TempDir(), "ann.llrec")
	if r := h.ok("record start " + path); r["path"] != path {
		t.Fatalf("record start = %v", r)
	}
	h.event("recording", func(m map[string]any) bool { return m["state"] == "started" })
	h.fail("record start "+path+"2", "already being recorded")
	r := h.ok("record stop")
	if r["path"] != path || num(r, "frames") < 1 || num(r, "keyframes") < 1 || num(r, "bytes") < 1 {
		t.Fatalf("record stop = %v", r)
	}
	h.event("recording", func(m map[string]any) bool { return m["state"] == "stopped" })

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sum, err := recording.Scan(f)
	if err != nil || !sum.Complete || sum.Frames != int64(num(r, "frames")) || sum.Header.Session != number ||
		sum.Header.Width != 320 || sum.Header.Height != 200 {
		t.Fatalf("the file: %+v, %v", sum, err)
	}
}
