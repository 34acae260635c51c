package controller

import (
	"context"
	"errors"

	"lifeline/shared/protocol"
)

// Reboot asks the customer to let the CSR restart their computer, and
// returns once the customer's agent has told the server it is restarting
// (the participant shows Restarting until it is back, and the session
// waits for it). A customer whose agent cannot restart the computer
// refuses with a chat line saying why.
func (s *Session) Reboot(ctx context.Context) error {
	p, ok := PrimaryCustomer(s.State())
	if !ok {
		return ErrNoCustomer
	}
	if err := s.grant(ctx, protocol.ActionReboot, ""); err != nil {
		return err
	}
	_, err := s.WaitState(ctx, func(st protocol.State) bool {
		for _, q := range st.Participants {
			if q.ID == p.ID {
				return q.Restarting || q.LeftAt != nil
			}
		}
		return true
	})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return errors.New("the customer allowed the restart, but the computer has not begun restarting")
		}
		return err
	}
	return nil
}

// WaitRejoined waits until the primary customer is connected and no
// longer restarting.
func (s *Session) WaitRejoined(ctx context.Context) (protocol.Participant, error) {
	st, err := s.WaitState(ctx, func(st protocol.State) bool {
		p, ok := PrimaryCustomer(st)
		return ok && p.Connected && !p.Restarting
	})
	if err != nil {
		return protocol.Participant{}, err
	}
	p, _ := PrimaryCustomer(st)
	return p, nil
}
