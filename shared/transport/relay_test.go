package transport

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"lifeline/rendezvous/relay"
	"lifeline/shared/rendezvoustest"
)

// TestThroughTheRelay: with only relayed candidates allowed, the viewer and
// the agent connect through the rendezvous TURN relay, using credentials
// as the server hands them to its participants, and frames flow.
func TestThroughTheRelay(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{Relay: true})
	ctx := context.Background()
	csr := ts.CSR(t, "carol@example.com", "Carol")
	created, err := csr.CreateSession(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	joined, err := ts.Client().Join(ctx, created.Number, "Ann", "")
	if err != nil {
		t.Fatal(err)
	}
	udp, tcp := ts.Relay.Addrs()
	ice := func(participant string) []webrtc.ICEServer {
		user, pass, _ := relay.Credentials(ts.Server.Relay.Secret, participant, time.Hour, time.Now())
		var out []webrtc.ICEServer
		for _, s := range relay.ICEServers("127.0.0.1", udp.(*net.UDPAddr).Port, tcp.(*net.TCPAddr).Port, user, pass) {
			out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
		}
		return out
	}
	viewer, agent := pairWith(t,
		Options{ICEServers: ice(created.ParticipantID), LoopbackOnly: true, ForceRelay: true},
		Options{ICEServers: ice(joined.ParticipantID), LoopbackOnly: true, ForceRelay: true})

	pairInfo, ok := viewer.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if ok != nil || pairInfo == nil || pairInfo.Local.Typ != webrtc.ICECandidateTypeRelay {
		t.Fatalf("selected pair %v (%v): not relayed", pairInfo, ok)
	}
	frames := make(chan []byte, 1)
	var fr *FrameReceiver
	fr = NewFrameReceiver(viewer.Channel(LabelScreen), func(id uint32, f []byte) {
		frames <- append([]byte(nil), f...)
		_ = fr.Ack(id)
	}, func(err error) { t.Errorf("receiver: %v", err) })
	frame := bytes.Repeat([]byte("relayed "), 40000)
	s := NewFrameSender(agent.Channel(LabelScreen))
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.Wait(wctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(frame); err != nil {
		t.Fatal(err)
	}
	select {
	case f := <-frames:
		if !bytes.Equal(f, frame) {
			t.Fatal("frame changed on the way")
		}
	case <-wctx.Done():
		t.Fatal("no frame through the relay")
	}
}
