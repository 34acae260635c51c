package server

import (
	"context"
	"time"
)

// DefaultSettingsInterval is how often the server looks for settings
// changed behind its back. A change made on the admin pages reaches the
// sessions at once; one made with the command line (another process,
// writing the database directly) reaches them within this interval.
const DefaultSettingsInterval = 30 * time.Second

// watchSettings has every live session follow its settings when they may
// have changed, until Shutdown: at once when settingsChanged is called,
// and when the store's settings stamp moved since the last look, checked
// every SettingsInterval. A quiet site costs one small query per
// interval, however many sessions run; a session sends a State only when
// its own settings changed.
func (s *Server) watchSettings() {
	defer s.wg.Done()
	t := time.NewTicker(s.SettingsInterval)
	defer t.Stop()
	last := s.settingsStamp()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			stamp := s.settingsStamp()
			if stamp == last || stamp == "" {
				continue
			}
			last = stamp
		case <-s.settingsNow:
			last = s.settingsStamp()
		}
		s.hub.FollowSettings()
		s.tellBoard()
	}
}

// settingsStamp is the store's settings stamp, or "" when it cannot be
// read (the next look tries again).
func (s *Server) settingsStamp() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stamp, err := s.Store.SettingsStamp(ctx)
	if err != nil {
		s.Log.Warn("settings stamp not read", "err", err)
		return ""
	}
	return stamp
}

// settingsChanged wakes watchSettings without waiting; changes made while
// it is already awake are taken by the pass under way or the next one.
func (s *Server) settingsChanged() {
	select {
	case s.settingsNow <- struct{}{}:
	default:
	}
}
