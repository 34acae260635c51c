package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Token prefixes tell the kinds of token apart without a database lookup:
// a CSR's login token, a participant token that reaches one session only,
// and a resume token that a rebooting customer's agent trades, once, for a
// new participant token (never a bearer token itself).
const (
	UserTokenPrefix        = "llu_"
	ParticipantTokenPrefix = "llp_"
	ResumeTokenPrefix      = "llr_"
)

// TokenLifetime is how long a login stays valid: long enough that a CSR
// stays logged in across restarts of the console for weeks of work.
const TokenLifetime = 30 * 24 * time.Hour

// NewToken returns a fresh random token with the prefix, and its hash for
// storage. Only the hash is ever stored.
func NewToken(prefix string) (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is the stored form of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// BearerToken extracts the token of an "Authorization: Bearer …" header.
func BearerToken(header string) string {
	const p = "Bearer "
	if len(header) > len(p) && strings.EqualFold(header[:len(p)], p) {
		return strings.TrimSpace(header[len(p):])
	}
	return ""
}
