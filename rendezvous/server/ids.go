package server

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// newNumber returns a 9-digit session number from the whole space
// 100000000–999999999, so it never starts with 0 when read out.
func newNumber() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(900_000_000))
	if err != nil {
		return "", fmt.Errorf("session number: %w", err)
	}
	return fmt.Sprintf("%09d", n.Int64()+100_000_000), nil
}

// normalizeNumber accepts a number as people type it: "123 456 789",
// "123-456-789".
func normalizeNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.':
		default:
			return ""
		}
	}
	return b.String()
}
