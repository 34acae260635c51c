package server_test

import (
	"testing"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// TestRules: every rule of the user guide that the server enforces, one
// named case each, whatever the clients send.
func TestRules(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	rules := []struct {
		name string
		run  func(t *testing.T, c *cast)
	}{
		{"only the host CSR ends a session", func(t *testing.T, c *cast) {
			if code := c.assistant.do(&protocol.End{}); code != "not_in_control" {
				t.Fatalf("assistant end: %q", code)
			}
			for _, p := range []*party{c.primary, c.secondary} {
				if code := p.do(&protocol.End{}); code != "customers_cannot_end" {
					t.Fatalf("%s end: %q", p.name, code)
				}
			}
			if code := c.host.do(&protocol.End{Notes: "fixed"}); code != "" {
				t.Fatalf("host end: %q", code)
			}
			for _, p := range []*party{c.assistant, c.primary, c.secondary} {
				p.expect(protocol.TypeEnded, nil)
			}
		}},
		{"customers cannot end through the API either", func(t *testing.T, c *cast) {
			if err := c.primary.api.EndSession(ctxT(t), c.primary.session, ""); !client.IsCode(err, "customers_cannot_end") {
				t.Fatalf("REST end by customer: %v", err)
			}
		}},
		{"customers may leave", func(t *testing.T, c *cast) {
			if code := c.secondary.do(&protocol.Leave{}); code != "" {
				t.Fatalf("leave: %q", code)
			}
			c.host.waitState("secondary left", func(s protocol.State) bool {
				for _, p := range s.Participants {
					if p.ID == c.secondary.pid {
						return p.LeftAt != nil
					}
				}
				return false
			})
		}},
		{"the host must end or transfer control before leaving", func(t *testing.T, c *cast) {
			if code := c.host.do(&protocol.Leave{}); code != "host_cannot_leave" {
				t.Fatalf("host leave: %q", code)
			}
			if err := c.host.api.LeaveSession(ctxT(t), c.host.session); !client.IsCode(err, "host_cannot_leave") {
				t.Fatalf("REST host leave: %v", err)
			}
		}},
		{"after transferring control the former host may leave but not end", func(t *testing.T, c *cast) {
			if code := c.host.do(&protocol.TransferControl{Participant: c.assistant.pid}); code != "" {
				t.Fatalf("transfer: %q", code)
			}
			c.host.waitState("transferred", func(s protocol.State) bool { return s.HostID == c.assistant.pid })
			if code := c.host.do(&protocol.End{}); code != "not_in_control" {
				t.Fatalf("former host end: %q", code)
			}
			if code := c.host.do(&protocol.Leave{}); code != "" {
				t.Fatalf("former host leave: %q", code)
			}
		}},
		{"control can come back, and then the host can end again", func(t *testing.T, c *cast) {
			must(t, errCode(c.host.do(&protocol.TransferControl{Participant: c.assistant.pid})))
			c.assistant.waitState("in control", func(s protocol.State) bool { return s.HostID == c.assistant.pid })
			must(t, errCode(c.assistant.do(&protocol.TransferControl{Participant: c.host.pid})))
			c.host.waitState("back", func(s protocol.State) bool { return s.HostID == c.host.pid })
			if c.host.roleOf(c.assistant.pid) != protocol.RoleAssistant || c.host.roleOf(c.host.pid) != protocol.RoleCSR {
				t.Fatalf("roles after transfer back: %+v", c.host.last.Participants)
			}
			must(t, errCode(c.host.do(&protocol.End{})))
		}},
		{"only the host transfers control, and only to an assistant", func(t *testing.T, c *cast) {
			if code := c.assistant.do(&protocol.TransferControl{Participant: c.assistant.pid}); code != "not_in_control" {
				t.Fatalf("assistant transfer: %q", code)
			}
			if code := c.host.do(&protocol.TransferControl{Participant: c.primary.pid}); code != "not_assistant" {
				t.Fatalf("transfer to customer: %q", code)
			}
		}},
		{"transferring control ends every sharing activity", func(t *testing.T, c *cast) {
			grantView(t, c)
			must(t, errCode(c.host.do(&protocol.TransferControl{Participant: c.assistant.pid})))
			c.primary.expect(protocol.TypeStopSharing, nil)
			st := c.primary.waitState("not sharing", func(s protocol.State) bool { return s.Sharing == "" })
			if len(st.Viewers) != 0 || st.Controller != "" {
				t.Fatalf("sharing left over: %+v", st)
			}
		}},
		{"only a CSR in control makes a secondary customer primary", func(t *testing.T, c *cast) {
			for _, p := range []*party{c.primary, c.secondary, c.assistant} {
				if code := p.do(&protocol.MakePrimary{Participant: c.secondary.pid}); code != "not_in_control" {
					t.Fatalf("%s make primary: %q", p.name, code)
				}
			}
			if code := c.host.do(&protocol.MakePrimary{Participant: c.primary.pid}); code != "not_secondary_customer" {
				t.Fatalf("make the primary primary: %q", code)
			}
		}},
		{"making a secondary primary demotes the old primary and ends sharing", func(t *testing.T, c *cast) {
			grantView(t, c)
			must(t, errCode(c.host.do(&protocol.MakePrimary{Participant: c.secondary.pid})))
			for _, p := range []*party{c.primary, c.secondary, c.assistant} {
				p.expect(protocol.TypeStopSharing, nil)
				p.waitState("roles swapped", func(s protocol.State) bool { return s.Sharing == "" })
				p.waitState("roles swapped", func(protocol.State) bool {
					return p.roleOf(c.secondary.pid) == protocol.RolePrimary && p.roleOf(c.primary.pid) == protocol.RoleSecondary
				})
			}
		}},
		{"chat to all reaches everyone", func(t *testing.T, c *cast) {
			must(t, errCode(c.primary.do(&protocol.Chat{Text: "hello all"})))
			for _, p := range []*party{c.host, c.assistant, c.primary, c.secondary} {
				m := p.expect(protocol.TypeChat, nil)
				if m.Msg.(*protocol.Chat).Text != "hello all" || m.Env.From != c.primary.pid || m.Env.Seq == 0 {
					t.Fatalf("%s got %+v %s", p.name, m.Env, m.Env.Data)
				}
			}
		}},
		{"chat to one participant reaches only them", func(t *testing.T, c *cast) {
			must(t, errCode(c.host.do(&protocol.Chat{To: c.primary.pid, Text: "just for you"})))
			c.primary.expect(protocol.TypeChat, func(m client.Message) bool { return m.Msg.(*protocol.Chat).Text == "just for you" })
			c.host.expect(protocol.TypeChat, nil) // the sender's own copy
			c.secondary.expectNone(protocol.TypeChat, 300*time.Millisecond)
			c.assistant.expectNone(protocol.TypeChat, 50*time.Millisecond)
		}},
		{"chat to someone not in the session is refused", func(t *testing.T, c *cast) {
			if code := c.host.do(&protocol.Chat{To: "par_nobody", Text: "x"}); code != "no_such_participant" {
				t.Fatalf("chat to nobody: %q", code)
			}
		}},
		{"only CSRs write notes, and only CSRs see them", func(t *testing.T, c *cast) {
			if code := c.primary.do(&protocol.Notes{Text: "customer notes"}); code != "csr_only" {
				t.Fatalf("customer notes: %q", code)
			}
			must(t, errCode(c.host.do(&protocol.Notes{Text: "printer driver reinstalled"})))
			c.assistant.expect(protocol.TypeNotes, nil)
			c.primary.expectNone(protocol.TypeNotes, 300*time.Millisecond)
		}},
		{"only the host asks for consent, and only the primary customer", func(t *testing.T, c *cast) {
			if code := c.assistant.do(&protocol.ConsentRequest{RequestID: "r1", To: c.primary.pid, Action: protocol.ActionView}); code != "not_in_control" {
				t.Fatalf("assistant request: %q", code)
			}
			if code := c.host.do(&protocol.ConsentRequest{RequestID: "r2", To: c.secondary.pid, Action: protocol.ActionView}); code != "not_primary_customer" {
				t.Fatalf("request to secondary: %q", code)
			}
			if code := c.primary.do(&protocol.ConsentRequest{RequestID: "r3", To: c.primary.pid, Action: protocol.ActionView}); code != "not_in_control" {
				t.Fatalf("customer request: %q", code)
			}
		}},
		{"only the asked customer answers a request, once", func(t *testing.T, c *cast) {
			must(t, errCode(c.host.do(&protocol.ConsentRequest{RequestID: "q1", To: c.primary.pid, Action: protocol.ActionControl})))
			c.primary.expect(protocol.TypeConsentRequest, nil)
			c.secondary.expectNone(protocol.TypeConsentRequest, 200*time.Millisecond)
			for _, p := range []*party{c.secondary, c.host, c.assistant} {
				if code := p.do(&protocol.ConsentAnswer{RequestID: "q1", Granted: true}); code != "no_such_request" {
					t.Fatalf("%s answered: %q", p.name, code)
				}
			}
			must(t, errCode(c.primary.do(&protocol.ConsentAnswer{RequestID: "q1", Granted: false})))
			a := c.host.expect(protocol.TypeConsentAnswer, nil).Msg.(*protocol.ConsentAnswer)
			if a.Granted || a.Action != protocol.ActionControl {
				t.Fatalf("answer = %+v", a)
			}
			if code := c.primary.do(&protocol.ConsentAnswer{RequestID: "q1", Granted: true}); code != "no_such_request" {
				t.Fatalf("second answer: %q", code)
			}
		}},
		{"a granted view shows who shares and who views", func(t *testing.T, c *cast) {
			grantView(t, c)
			st := c.assistant.waitState("sharing", func(s protocol.State) bool { return s.Sharing == c.primary.pid })
			if len(st.Viewers) != 1 || st.Viewers[0] != c.host.pid {
				t.Fatalf("viewers = %v", st.Viewers)
			}
		}},
		{"a secondary customer cannot stop someone else's sharing", func(t *testing.T, c *cast) {
			grantView(t, c)
			if code := c.secondary.do(&protocol.StopSharing{}); code != "not_sharing" {
				t.Fatalf("secondary stop: %q", code)
			}
			must(t, errCode(c.primary.do(&protocol.StopSharing{})))
			c.host.expect(protocol.TypeStopSharing, nil)
		}},
		{"signals reach only their addressee in the same session", func(t *testing.T, c *cast) {
			must(t, errCode(c.host.do(&protocol.Signal{To: c.primary.pid, Kind: protocol.SignalOffer, SDP: "v=0"})))
			m := c.primary.expect(protocol.TypeSignal, nil)
			if m.Env.From != c.host.pid || m.Msg.(*protocol.Signal).SDP != "v=0" {
				t.Fatalf("signal = %+v", m.Env)
			}
			c.secondary.expectNone(protocol.TypeSignal, 200*time.Millisecond)
		}},
		{"a participant of one session can do nothing in another", func(t *testing.T, c *cast) {
			other := newCast(t, c.ts)
			// A customer token of this session, used on the other one.
			if _, err := c.primary.api.Session(ctxT(t), other.host.session); !client.IsCode(err, "other_session") {
				t.Fatalf("customer reads other session: %v", err)
			}
			if err := c.primary.api.LeaveSession(ctxT(t), other.host.session); !client.IsCode(err, "other_session") {
				t.Fatalf("customer leaves other session: %v", err)
			}
			if _, err := c.primary.conn.Request(ctxT(t), other.host.session, &protocol.Attach{Session: other.host.session}); !client.IsCode(err, "other_session") {
				t.Fatalf("customer attaches other session: %v", err)
			}
			if _, err := c.primary.conn.Request(ctxT(t), other.host.session, &protocol.Chat{Text: "x"}); !client.IsCode(err, "not_attached") {
				t.Fatalf("customer chats into other session: %v", err)
			}
			// A CSR of this session on the other one.
			if err := c.host.api.EndSession(ctxT(t), other.host.session, ""); !client.IsCode(err, "not_a_participant") {
				t.Fatalf("CSR ends other session: %v", err)
			}
			if _, err := c.host.conn.Request(ctxT(t), other.host.session, &protocol.Attach{Session: other.host.session}); !client.IsCode(err, "not_a_participant") {
				t.Fatalf("CSR attaches other session: %v", err)
			}
			if _, err := c.host.api.Report(ctxT(t), other.host.session); !client.IsCode(err, "not_your_session") {
				t.Fatalf("CSR reads other session's report: %v", err)
			}
			// Participants of the other session cannot be reached from here.
			if code := c.host.do(&protocol.Chat{To: other.primary.pid, Text: "x"}); code != "no_such_participant" {
				t.Fatalf("chat across sessions: %q", code)
			}
			if code := c.host.do(&protocol.Signal{To: other.primary.pid, Kind: protocol.SignalOffer, SDP: "v=0"}); code != "no_such_participant" {
				t.Fatalf("signal across sessions: %q", code)
			}
		}},
		{"an ended session's number is dead and its tokens too", func(t *testing.T, c *cast) {
			must(t, errCode(c.host.do(&protocol.End{})))
			c.primary.expect(protocol.TypeEnded, nil)
			if _, err := c.ts.Client().Join(ctxT(t), c.number, "Late", ""); !client.IsCode(err, "unknown_session_number") {
				t.Fatalf("join ended session: %v", err)
			}
			if _, err := c.primary.api.Session(ctxT(t), c.primary.session); !client.IsCode(err, "participant_gone") {
				t.Fatalf("customer token after end: %v", err)
			}
			if err := c.host.api.EndSession(ctxT(t), c.host.session, ""); !client.IsCode(err, "session_ended") {
				t.Fatalf("end twice: %v", err)
			}
		}},
		{"the first customer is primary, later ones secondary", func(t *testing.T, c *cast) {
			if c.host.roleOf(c.primary.pid) != protocol.RolePrimary || c.host.roleOf(c.secondary.pid) != protocol.RoleSecondary {
				t.Fatalf("roles: %+v", c.host.last.Participants)
			}
			third := customer(t, c.ts, c.number, "Theo")
			c.host.waitState("third joined", func(protocol.State) bool { return c.host.roleOf(third.pid) == protocol.RoleSecondary })
		}},
		{"when the primary customer leaves, the longest-present secondary becomes primary", func(t *testing.T, c *cast) {
			must(t, errCode(c.primary.do(&protocol.Leave{})))
			c.host.waitState("promoted", func(protocol.State) bool { return c.host.roleOf(c.secondary.pid) == protocol.RolePrimary })
		}},
		{"customers do not see each other's email addresses; CSRs do", func(t *testing.T, c *cast) {
			for _, p := range c.secondary.last.Participants {
				if p.ID == c.primary.pid && p.Email != "" {
					t.Fatalf("secondary sees primary's email %q", p.Email)
				}
			}
			for _, p := range c.host.last.Participants {
				if p.ID == c.primary.pid && p.Email == "" {
					t.Fatal("CSR does not see the customer's email")
				}
			}
		}},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) { r.run(t, newCast(t, ts)) })
	}
}

func errCode(code string) error {
	if code == "" {
		return nil
	}
	return &client.APIError{Code: code, Message: "refused: " + code}
}

// grantView has the host ask the primary customer for a view, granted.
func grantView(t *testing.T, c *cast) {
	t.Helper()
	must(t, errCode(c.host.do(&protocol.ConsentRequest{RequestID: "view-1", To: c.primary.pid, Action: protocol.ActionView})))
	c.primary.expect(protocol.TypeConsentRequest, nil)
	must(t, errCode(c.primary.do(&protocol.ConsentAnswer{RequestID: "view-1", Granted: true})))
	c.host.expect(protocol.TypeConsentAnswer, nil)
	c.host.waitState("sharing", func(s protocol.State) bool { return s.Sharing == c.primary.pid })
}
