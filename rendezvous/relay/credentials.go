package relay

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // HMAC-SHA1 is what the TURN REST API convention specifies.
	"encoding/base64"
	"net"
	"strconv"
	"strings"
	"time"
)

// Credentials returns TURN credentials for participantID that expire ttl
// after now, following the TURN REST API convention
// (draft-uberti-behave-turn-rest): username is "<unix-expiry>:<participant-id>"
// and password is base64(HMAC-SHA1(secret, username)). expires is the expiry
// encoded in the username (now+ttl rounded down to a whole second).
//
// The expiry only bounds how long the credentials can be used to create and
// refresh allocations; a participant who leaves loses the relay sooner, through
// Server.Allowed. Pick a ttl at least as long as a session may last: once the
// username has expired the client can no longer refresh its allocation or its
// permissions, and the relayed path dies within minutes.
func Credentials(secret []byte, participantID string, ttl time.Duration, now time.Time) (username, password string, expires time.Time) {
	expires = time.Unix(now.Add(ttl).Unix(), 0)
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + participantID
	return username, credentialPassword(secret, username), expires
}

func credentialPassword(secret []byte, username string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// parseUsername splits a TURN REST username "<unix-expiry>:<participant-id>".
// The participant ID is everything after the first colon, so it may contain
// colons itself.
func parseUsername(username string) (expires time.Time, participantID string, ok bool) {
	ts, id, found := strings.Cut(username, ":")
	if !found || id == "" {
		return time.Time{}, "", false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, "", false
	}
	return time.Unix(sec, 0), id, true
}

// ICEServer is one entry of RTCConfiguration.iceServers, ready to be sent to
// a browser or a pion/webrtc client as JSON.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICEServers describes the relay at host for a client: one ICEServer carrying
// turn:host:udpPort?transport=udp and turn:host:tcpPort?transport=tcp (a port
// of 0 or less leaves that URL out) and the credentials. IPv6 literal hosts
// are bracketed. It returns nil when both ports are unset.
func ICEServers(host string, udpPort, tcpPort int, username, password string) []ICEServer {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	var urls []string
	if udpPort > 0 {
		urls = append(urls, "turn:"+net.JoinHostPort(host, strconv.Itoa(udpPort))+"?transport=udp")
	}
	if tcpPort > 0 {
		urls = append(urls, "turn:"+net.JoinHostPort(host, strconv.Itoa(tcpPort))+"?transport=tcp")
	}
	if len(urls) == 0 {
		return nil
	}
	return []ICEServer{{URLs: urls, Username: username, Credential: password}}
}
