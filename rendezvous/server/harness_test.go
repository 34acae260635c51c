package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// party is one person in a test: an API client and a control connection.
type party struct {
	t       testing.TB
	name    string
	api     *client.Client
	conn    *client.Conn
	pid     string
	session string
	last    protocol.State
	lastSeq int64
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t testing.TB, api *client.Client) *client.Conn {
	t.Helper()
	conn, err := api.Dial(ctxT(t))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// startSession logs a CSR in, starts a session and attaches to it.
func startSession(t testing.TB, ts *rendezvoustest.Server, email, name string) *party {
	t.Helper()
	api := ts.CSR(t, email, name)
	created, err := api.CreateSession(ctxT(t), "", "")
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	p := &party{t: t, name: name, api: api, conn: dial(t, api), pid: created.ParticipantID, session: created.ID}
	p.attach(0)
	return p
}

func (p *party) attach(after int64) {
	p.t.Helper()
	if _, err := p.conn.Request(ctxT(p.t), p.session, &protocol.Attach{AfterSeq: after}); err != nil {
		p.t.Fatalf("%s: attach: %v", p.name, err)
	}
	p.expect(protocol.TypeState, nil) // attach answers with the state first
}

// customer joins a session by number and connects.
func customer(t testing.TB, ts *rendezvoustest.Server, number, name string) *party {
	t.Helper()
	j, err := ts.Client().Join(ctxT(t), number, name, name+"@example.com")
	if err != nil {
		t.Fatalf("join %s: %v", name, err)
	}
	api := ts.Client().WithToken(j.Token)
	p := &party{t: t, name: name, api: api, conn: dial(t, api), pid: j.ParticipantID, session: j.SessionID}
	p.attach(0)
	return p
}

// assistant logs a CSR in and joins a session by number as assistant.
func assistant(t testing.TB, ts *rendezvoustest.Server, number, email, name string) *party {
	t.Helper()
	api := ts.CSR(t, email, name)
	p := &party{t: t, name: name, api: api, conn: dial(t, api)}
	ack, err := p.conn.Request(ctxT(t), "", &protocol.Assist{Number: number})
	if err != nil {
		t.Fatalf("assist: %v", err)
	}
	p.session = ack.Session
	st := p.expect(protocol.TypeState, nil)
	p.pid = st.Msg.(*protocol.State).You
	return p
}

// expect reads messages until one of type typ for which ok is true (nil:
// any) arrives, and fails the test after 5 seconds.
func (p *party) expect(typ protocol.Type, ok func(client.Message) bool) client.Message {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		m, err := p.conn.Recv(ctx)
		if err != nil {
			p.t.Fatalf("%s: waiting for %s: %v", p.name, typ, err)
		}
		p.note(m)
		if m.Env.Type == typ && (ok == nil || ok(m)) {
			return m
		}
	}
}

func (p *party) note(m client.Message) {
	if st, ok := m.Msg.(*protocol.State); ok {
		p.last = *st
	}
	if m.Env.Seq > p.lastSeq {
		p.lastSeq = m.Env.Seq
	}
}

// expectNone fails if a message of type typ arrives within d.
func (p *party) expectNone(typ protocol.Type, d time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		m, err := p.conn.Recv(ctx)
		if err != nil {
			return
		}
		p.note(m)
		if m.Env.Type == typ {
			p.t.Fatalf("%s: got an unexpected %s: %s", p.name, typ, m.Env.Data)
		}
	}
}

// do sends a request and returns the refusal's code ("" when applied).
func (p *party) do(msg protocol.Message) string {
	p.t.Helper()
	_, err := p.conn.Request(ctxT(p.t), p.session, msg)
	if err == nil {
		return ""
	}
	var ae *client.APIError
	if e, ok := err.(*client.APIError); ok {
		ae = e
		return ae.Code
	}
	p.t.Fatalf("%s: %s: %v", p.name, msg.Type(), err)
	return ""
}

// roleOf finds a participant's role in the last state seen.
func (p *party) roleOf(id string) string {
	for _, x := range p.last.Participants {
		if x.ID == id {
			return x.Role
		}
	}
	return ""
}

// waitState reads states until cond holds.
func (p *party) waitState(what string, cond func(protocol.State) bool) protocol.State {
	p.t.Helper()
	if cond(p.last) {
		return p.last
	}
	m := p.expect(protocol.TypeState, func(m client.Message) bool { return cond(*m.Msg.(*protocol.State)) })
	_ = what
	return *m.Msg.(*protocol.State)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// cast is a full session: host CSR, assistant, primary and secondary customer.
type cast struct {
	ts                                  *rendezvoustest.Server
	number                              string
	host, assistant, primary, secondary *party
}

var castN int

func newCast(t *testing.T, ts *rendezvoustest.Server) *cast {
	t.Helper()
	castN++
	host := startSession(t, ts, fmt.Sprintf("host%d@example.com", castN), "Hannah Host")
	number := host.last.Number
	if number == "" {
		st, err := host.api.Session(ctxT(t), host.session)
		must(t, err)
		number = st.Number
	}
	c := &cast{ts: ts, number: number, host: host}
	c.primary = customer(t, ts, number, "Paula")
	c.secondary = customer(t, ts, number, "Sam")
	c.assistant = assistant(t, ts, number, fmt.Sprintf("asst%d@example.com", castN), "Alex Assistant")
	// Everyone has seen everyone connected before a case starts.
	for _, p := range []*party{c.host, c.primary, c.secondary, c.assistant} {
		p.waitState("all present", func(s protocol.State) bool {
			n := 0
			for _, x := range s.Participants {
				if x.Connected {
					n++
				}
			}
			return n == 4
		})
	}
	return c
}

// find returns participant id of a state (zero if absent).
func find(s protocol.State, id string) protocol.Participant {
	for _, p := range s.Participants {
		if p.ID == id {
			return p
		}
	}
	return protocol.Participant{}
}
