package room

import (
	"sync"
)

// Hub finds the rooms of live sessions. Only the map is shared; each
// room's state stays with its goroutine.
type Hub struct {
	mu    sync.RWMutex
	rooms map[string]*Room
	// present maps participant id → session id for everyone present in a
	// live session, read by the relay for every TURN request.
	present sync.Map
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{rooms: map[string]*Room{}} }

// Add registers a room.
func (h *Hub) Add(r *Room) {
	h.mu.Lock()
	h.rooms[r.ID] = r
	h.mu.Unlock()
}

// Remove forgets a room that has closed.
func (h *Hub) Remove(id string) {
	h.mu.Lock()
	delete(h.rooms, id)
	h.mu.Unlock()
}

// Get returns the room of a live session.
func (h *Hub) Get(id string) (*Room, bool) {
	h.mu.RLock()
	r, ok := h.rooms[id]
	h.mu.RUnlock()
	return r, ok
}

// Len is the number of live sessions.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.rooms)
}

// Rooms returns every live room.
func (h *Hub) Rooms() []*Room {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*Room, 0, len(h.rooms))
	for _, r := range h.rooms {
		out = append(out, r)
	}
	return out
}

// SetPresent records whether a participant is present in a live session.
func (h *Hub) SetPresent(participantID string, present bool) {
	if present {
		h.present.Store(participantID, struct{}{})
	} else {
		h.present.Delete(participantID)
	}
}

// Present reports whether a participant is in a live session now.
func (h *Hub) Present(participantID string) bool {
	_, ok := h.present.Load(participantID)
	return ok
}

// FollowSettings has every live session read its settings again; each
// sends a State only if its own changed.
func (h *Hub) FollowSettings() {
	for _, r := range h.Rooms() {
		r.FollowSettings()
	}
}
