package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/turn/v5"

	"lifeline/rendezvous/store"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// TestSupportSessionFlow is a whole session over real WebSockets: a CSR
// and two customers join, chat to all and to one, the CSR makes the second
// customer primary, a colleague assists and receives control, control comes
// back, and the session ends with notes that the report keeps.
func TestSupportSessionFlow(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	host := startSession(t, ts, "carol@example.com", "Carol CSR")
	number := host.last.Number
	if len(number) != 9 {
		t.Fatalf("number %q", number)
	}
	ann := customer(t, ts, number, "Ann")
	bob := customer(t, ts, number, "Bob")
	host.waitState("both customers", func(s protocol.State) bool { return len(s.Participants) == 3 })

	must(t, errCode(ann.do(&protocol.Chat{Text: "My printer is broken"})))
	host.expect(protocol.TypeChat, nil)
	bob.expect(protocol.TypeChat, nil)
	must(t, errCode(host.do(&protocol.Chat{To: bob.pid, Text: "Bob, can you see it too?"})))
	bob.expect(protocol.TypeChat, func(m client.Message) bool { return m.Msg.(*protocol.Chat).To == bob.pid })

	must(t, errCode(host.do(&protocol.MakePrimary{Participant: bob.pid})))
	ann.waitState("ann secondary", func(protocol.State) bool { return ann.roleOf(ann.pid) == protocol.RoleSecondary })

	dave := assistant(t, ts, number, "dave@example.com", "Dave Senior")
	host.waitState("assistant in", func(protocol.State) bool { return host.roleOf(dave.pid) == protocol.RoleAssistant })
	must(t, errCode(host.do(&protocol.TransferControl{Participant: dave.pid})))
	dave.waitState("dave in control", func(s protocol.State) bool { return s.HostID == dave.pid })
	must(t, errCode(dave.do(&protocol.Notes{Text: "Escalated: driver issue"})))
	host.expect(protocol.TypeNotes, nil)
	must(t, errCode(dave.do(&protocol.TransferControl{Participant: host.pid})))
	host.waitState("carol back", func(s protocol.State) bool { return s.HostID == host.pid })
	must(t, errCode(dave.do(&protocol.Leave{})))

	if err := host.api.EndSession(ctxT(t), host.session, "Reinstalled the printer driver."); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*party{ann, bob} {
		p.expect(protocol.TypeEnded, nil)
		select { // a customer's connection has nothing left to do and closes
		case <-p.conn.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("%s's connection stayed open after the end", p.name)
		}
	}

	rep, err := host.api.Report(ctxT(t), host.session)
	must(t, err)
	if rep.Session.State != store.StateEnded || rep.Notes != "Reinstalled the printer driver." || rep.Session.CSR != "Carol CSR" {
		t.Fatalf("report session = %+v, notes %q", rep.Session, rep.Notes)
	}
	if len(rep.Participants) != 4 {
		t.Fatalf("report participants = %+v", rep.Participants)
	}
	for _, p := range rep.Participants {
		if p.JoinedAt == nil || p.LeftAt == nil {
			t.Fatalf("participant without join/leave time: %+v", p)
		}
	}
	var types []string
	for i, e := range rep.Events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: the log has a gap", i, e.Seq)
		}
		types = append(types, e.Type)
	}
	for _, want := range []string{"joined", "chat", "make_primary", "transfer_control", "notes", "left", "ended"} {
		if !strings.Contains(strings.Join(types, " "), want) {
			t.Errorf("report has no %s event: %v", want, types)
		}
	}
	if len(rep.Chat) != 2 || rep.Chat[1].To != "Bob" || rep.Chat[0].To != "everyone" {
		t.Fatalf("report chat = %+v", rep.Chat)
	}
	txt, err := host.api.ReportText(ctxT(t), host.session)
	must(t, err)
	for _, want := range []string{"Session Details", "Carol CSR", "Ann", "My printer is broken", "Reinstalled the printer driver."} {
		if !strings.Contains(txt, want) {
			t.Errorf("text report lacks %q:\n%s", want, txt)
		}
	}

	csvBytes, err := host.api.SessionsCSV(ctxT(t), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "")
	must(t, err)
	rows, err := csv.NewReader(bytes.NewReader(csvBytes)).ReadAll()
	must(t, err)
	if len(rows) != 2 || rows[1][1] != number || rows[1][4] != "Ann" || rows[1][3] != "carol@example.com" || rows[1][10] == "" {
		t.Fatalf("sessions CSV = %q", rows)
	}
	// Another CSR sees none of Carol's sessions, and may not ask for them.
	if b, err := dave.api.SessionsCSV(ctxT(t), time.Time{}, time.Time{}, ""); err != nil || strings.Count(string(b), "\n") != 1 {
		t.Fatalf("dave's CSV = %q, %v", b, err)
	}
	if _, err := dave.api.SessionsCSV(ctxT(t), time.Time{}, time.Time{}, "carol@example.com"); !client.IsCode(err, "not_your_sessions") {
		t.Fatalf("dave asks for carol's sessions: %v", err)
	}
	// Dave assisted, so he may read that session's report.
	if _, err := dave.api.Report(ctxT(t), host.session); err != nil {
		t.Fatalf("assistant reads report: %v", err)
	}
}

// TestReconnectWithinGrace: a customer whose connection drops keeps its
// place and receives what it missed; one that stays away loses it.
func TestReconnectWithinGrace(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{Grace: 1500 * time.Millisecond})
	host := startSession(t, ts, "carol@example.com", "Carol")
	ann := customer(t, ts, host.last.Number, "Ann")
	must(t, errCode(host.do(&protocol.Chat{Text: "first"})))
	ann.expect(protocol.TypeChat, nil)

	ann.conn.CloseNow()
	host.waitState("ann away", func(s protocol.State) bool { return !find(s, ann.pid).Connected && find(s, ann.pid).LeftAt == nil })
	must(t, errCode(host.do(&protocol.Chat{Text: "while you were away"})))
	must(t, errCode(host.do(&protocol.Chat{To: ann.pid, Text: "private, while away"})))

	ann.conn = dial(t, ann.api)
	ann.attach(ann.lastSeq)
	got := []string{ann.expect(protocol.TypeChat, nil).Msg.(*protocol.Chat).Text, ann.expect(protocol.TypeChat, nil).Msg.(*protocol.Chat).Text}
	if got[0] != "while you were away" || got[1] != "private, while away" {
		t.Fatalf("missed events = %q", got)
	}
	host.waitState("ann back", func(s protocol.State) bool { return find(s, ann.pid).Connected })

	// Now away for longer than the grace period.
	ann.conn.CloseNow()
	host.waitState("ann gone", func(s protocol.State) bool { return find(s, ann.pid).LeftAt != nil })
	if _, err := ann.api.Dial(ctxT(t)); !client.IsCode(err, "participant_gone") {
		t.Fatalf("redial after grace: %v", err)
	}
}

// TestRestartKeepsLiveSessions: what was acknowledged survives a restart
// of the server, and participants come back with their tokens.
func TestRestartKeepsLiveSessions(t *testing.T) {
	db := filepath.Join(t.TempDir(), "lifeline.db")
	ts := rendezvoustest.New(t, rendezvoustest.Options{DatabaseURL: db})
	host := startSession(t, ts, "carol@example.com", "Carol")
	ann := customer(t, ts, host.last.Number, "Ann")
	must(t, errCode(ann.do(&protocol.Chat{Text: "before the restart"})))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(t, ts.Server.Shutdown(ctx))
	ts.HTTP.Close()
	must(t, ts.Store.Close())

	ts2 := rendezvoustest.New(t, rendezvoustest.Options{DatabaseURL: db})
	// The same tokens work against the restarted server.
	ann.api = ts2.Client().WithToken(ann.api.Token)
	ann.conn = dial(t, ann.api)
	ann.attach(0)
	st := ann.expect(protocol.TypeState, nil)
	_ = st
	if ann.last.Number != host.last.Number || ann.roleOf(ann.pid) != protocol.RolePrimary {
		t.Fatalf("state after restart = %+v", ann.last)
	}
	host.api.BaseURL, host.api.HTTP = ts2.URL, ts2.Client().HTTP
	host.conn = dial(t, host.api)
	host.attach(0)
	rep, err := host.api.Report(ctxT(t), host.session)
	must(t, err)
	if len(rep.Chat) != 1 || rep.Chat[0].Text != "before the restart" {
		t.Fatalf("chat after restart = %+v", rep.Chat)
	}
	must(t, errCode(host.do(&protocol.End{})))
}

// TestBadMessages: oversized, malformed, unknown and misdirected messages
// get a clear error back and change nothing.
func TestBadMessages(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	host := startSession(t, ts, "carol@example.com", "Carol")
	before, err := host.api.Report(ctxT(t), host.session)
	must(t, err)

	ws, _, err := websocket.Dial(ctxT(t), "wss"+strings.TrimPrefix(ts.URL, "https")+"/api/v1/ws", &websocket.DialOptions{
		HTTPClient: ts.Client().HTTP, HTTPHeader: http.Header{"Authorization": {"Bearer " + host.api.Token}},
	})
	must(t, err)
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 20)
	read := func() protocol.Envelope {
		for {
			_, b, err := ws.Read(ctxT(t))
			must(t, err)
			var env protocol.Envelope
			must(t, json.Unmarshal(b, &env))
			if env.Type == protocol.TypeError || env.Type == protocol.TypeAck {
				return env
			}
		}
	}
	send := func(s string) { must(t, ws.Write(ctxT(t), websocket.MessageText, []byte(s))) }
	send(`{"v":1,"type":"attach","id":"a","data":{"session":"` + host.session + `"}}`)
	if env := read(); env.Type != protocol.TypeAck {
		t.Fatalf("attach: %s", env.Data)
	}
	cases := []struct{ name, msg, code string }{
		{"over 64 KiB", `{"v":1,"type":"chat","id":"1","session":"` + host.session + `","data":{"text":"` + strings.Repeat("x", 70000) + `"}}`, "message_too_large"},
		{"malformed JSON", `{"v":1,"type":"chat","id":"2",`, "malformed_message"},
		{"unknown type", `{"v":1,"type":"format_disk","id":"3","session":"` + host.session + `"}`, "unknown_type"},
		{"wrong data shape", `{"v":1,"type":"chat","id":"4","session":"` + host.session + `","data":{"text":["a"]}}`, "malformed_message"},
		{"server-only message", `{"v":1,"type":"ended","id":"5","session":"` + host.session + `","data":{"reason":"x"}}`, "not_for_server"},
		{"old protocol version", `{"v":0,"type":"chat","id":"6","session":"` + host.session + `","data":{"text":"x"}}`, "unsupported_version"},
		{"session not attached", `{"v":1,"type":"chat","id":"7","session":"ses_other","data":{"text":"x"}}`, "not_attached"},
	}
	for _, c := range cases {
		send(c.msg)
		env := read()
		var e protocol.Error
		must(t, json.Unmarshal(env.Data, &e))
		if env.Type != protocol.TypeError || e.Code != c.code || e.Error == "" {
			t.Errorf("%s: got %s %s, want error %s", c.name, env.Type, env.Data, c.code)
		}
	}
	// The connection still works, and nothing was recorded.
	send(`{"v":1,"type":"chat","id":"ok","session":"` + host.session + `","data":{"text":"still here"}}`)
	if env := read(); env.Type != protocol.TypeAck || env.ID != "ok" || env.Seq != before.Events[len(before.Events)-1].Seq+1 {
		t.Fatalf("after bad messages: %+v", env)
	}
}

// TestRelayCredentials: the TURN credentials a participant receives work
// on the server's relay while it is in the session, and not after.
func TestRelayCredentials(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{Relay: true})
	host := startSession(t, ts, "carol@example.com", "Carol")
	ann := customer(t, ts, host.last.Number, "Ann")
	ice := ann.last.ICEServers
	if len(ice) != 1 || len(ice[0].URLs) != 2 || ice[0].Username == "" {
		t.Fatalf("ice servers = %+v", ice)
	}
	udp, _ := ts.Relay.Addrs()
	allocate := func() error {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		must(t, err)
		defer pc.Close()
		c, err := turn.NewClient(&turn.ClientConfig{
			STUNServerAddr: udp.String(), TURNServerAddr: udp.String(), Conn: pc,
			Username: ice[0].Username, Password: ice[0].Credential, Realm: "lifeline",
		})
		must(t, err)
		defer c.Close()
		must(t, c.Listen())
		relayConn, err := c.Allocate()
		if err == nil {
			relayConn.Close()
		}
		return err
	}
	if err := allocate(); err != nil {
		t.Fatalf("allocate with session credentials: %v", err)
	}
	must(t, errCode(ann.do(&protocol.Leave{})))
	host.waitState("ann left", func(s protocol.State) bool { return find(s, ann.pid).LeftAt != nil })
	if err := allocate(); err == nil {
		t.Fatal("allocation still works after the participant left")
	}
}
