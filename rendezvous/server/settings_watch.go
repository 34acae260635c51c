package server

import "time"

// DefaultSettingsInterval is how often every live session reads its
// settings again. A change made on the admin pages reaches the sessions at
// once; one made with the command line (another process, writing the
// database directly) reaches them within this interval.
const DefaultSettingsInterval = 30 * time.Second

// watchSettings has every live session follow its settings every
// SettingsInterval, and at once when settingsChanged is called, until
// Shutdown. A session sends a State only when its own settings changed,
// so a quiet site costs one small read per session per interval.
func (s *Server) watchSettings() {
	defer s.wg.Done()
	t := time.NewTicker(s.SettingsInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		case <-s.settingsNow:
		}
		s.hub.FollowSettings()
	}
}

// settingsChanged wakes watchSettings without waiting; changes made while
// it is already awake are taken by the pass under way or the next one.
func (s *Server) settingsChanged() {
	select {
	case s.settingsNow <- struct{}{}:
	default:
	}
}
