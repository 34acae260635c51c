package server

import (
	"time"

	"lifeline/rendezvous/relay"
	"lifeline/shared/protocol"
)

func iceServers(r *Relay, host, participantID string, now time.Time) []protocol.ICEServer {
	user, pass, _ := relay.Credentials(r.Secret, participantID, r.TTL, now)
	var out []protocol.ICEServer
	for _, s := range relay.ICEServers(host, r.UDPPort, r.TCPPort, user, pass) {
		out = append(out, protocol.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}
