package consent

import (
	"testing"

	"lifeline/shared/protocol"
)

func TestGrants(t *testing.T) {
	g := New()
	steps := []struct {
		name   string
		do     func()
		who    string
		action string
		want   bool
	}{
		{"nothing is allowed at first", func() {}, "carol", protocol.ActionView, false},
		{"a denial allows nothing", func() { g.Record("carol", protocol.ActionView, Deny) }, "carol", protocol.ActionView, false},
		{"allow once allows that action", func() { g.Record("carol", protocol.ActionView, AllowOnce) }, "carol", protocol.ActionView, true},
		{"but not another action", func() {}, "carol", protocol.ActionControl, false},
		{"nor another CSR", func() {}, "dave", protocol.ActionView, false},
		{"control implies view", func() { g.Record("dave", protocol.ActionControl, AllowOnce) }, "dave", protocol.ActionView, true},
		{"stop revokes everything", func() { g.Revoke() }, "dave", protocol.ActionControl, false},
		{"allow all is remembered", func() { g.Record("carol", protocol.ActionFiles, AllowAll) }, "carol", protocol.ActionFiles, true},
		{"a participant who leaves loses its grants", func() { g.RevokeParticipant("carol") }, "carol", protocol.ActionFiles, false},
	}
	for _, s := range steps {
		s.do()
		if got := g.Allowed(s.who, s.action); got != s.want {
			t.Fatalf("%s: Allowed(%s, %s) = %v", s.name, s.who, s.action, got)
		}
	}
	if !g.AllowsAll() {
		t.Fatal("allow all forgotten")
	}
	g.Revoke()
	if g.AllowsAll() {
		t.Fatal("stop must also withdraw allow all")
	}
}

func TestOneOffGrants(t *testing.T) {
	g := New()
	g.Record("carol", protocol.ActionScripts, AllowOnce)
	g.Record("carol", protocol.ActionView, AllowOnce)
	steps := []struct {
		name string
		do   func() bool
		want bool
	}{
		{"an allowed run is taken", func() bool { return g.Take("carol", protocol.ActionScripts) }, true},
		{"and cannot be taken twice", func() bool { return g.Take("carol", protocol.ActionScripts) }, false},
		{"nothing never allowed is taken", func() bool { return g.Take("carol", protocol.ActionReboot) }, false},
		{"the end of sharing withdraws view", func() bool { g.RevokeActions(protocol.ActionView); return g.Allowed("carol", protocol.ActionView) }, false},
		{"but not a file transfer", func() bool {
			g.Record("carol", protocol.ActionFiles, AllowOnce)
			g.RevokeActions(protocol.ActionView, protocol.ActionControl)
			return g.Allowed("carol", protocol.ActionFiles)
		}, true},
		{"after allow all, a one-off action stays allowed", func() bool {
			g.Record("carol", protocol.ActionSysinfo, AllowAll)
			first := g.Take("carol", protocol.ActionSysinfo)
			second := g.Take("carol", protocol.ActionSysinfo)
			return first && second
		}, true},
	}
	for _, s := range steps {
		if got := s.do(); got != s.want {
			t.Fatalf("%s: got %v", s.name, got)
		}
	}
}
