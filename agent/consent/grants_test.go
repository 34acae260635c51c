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
