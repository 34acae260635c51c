package auth

import "time"

// Lock-out policy: after MaxFailures wrong passwords in a row an account is
// locked for LockDuration; a correct password while locked does not unlock.
const (
	MaxFailures  = 5
	LockDuration = 15 * time.Minute
)

// AfterFailure returns the failure count and lock time to store after one
// more wrong password.
func AfterFailure(failures int, now time.Time) (int, time.Time) {
	failures++
	if failures >= MaxFailures {
		return 0, now.Add(LockDuration)
	}
	return failures, time.Time{}
}
