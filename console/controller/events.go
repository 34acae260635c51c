package controller

import (
	"lifeline/shared/protocol"
	"lifeline/shared/transport"
)

// EventKind names what happened.
type EventKind string

// Events, delivered in order on Controller.Events.
const (
	// Control plane (per session).
	EventJoined       EventKind = "joined"         // Participant joined the session
	EventLeft         EventKind = "left"           // Participant left it
	EventPresence     EventKind = "presence"       // Participant's connection dropped or came back (Participant.Connected)
	EventRole         EventKind = "role"           // Participant's role changed (make primary, transfer control), this console's own too
	EventChat         EventKind = "chat"           // a chat line: From, FromName, To ("" for everyone), Text
	EventNotes        EventKind = "notes"          // another CSR replaced the session notes: Text
	EventConsent      EventKind = "consent"        // an answer no request was waiting for any more: Action, Granted
	EventStopSharing  EventKind = "stop_sharing"   // sharing ended for everyone: Text is the reason
	EventEnded        EventKind = "ended"          // the session is over: Text is the reason
	EventServerError  EventKind = "server_error"   // the server refused something no request was waiting for: Text, Code
	EventDisconnected EventKind = "disconnected"   // the control connection dropped (Session ""); the console reconnects
	EventReconnected  EventKind = "reconnected"    // the control connection is back (Session "")
	EventStreamStart  EventKind = "stream_started" // the screen connection is open; frames follow
	EventStreamStop   EventKind = "stream_stopped" // the screen connection is closed: Text is the reason
	EventScriptResult EventKind = "script_result"  // a script of a run ended (any CSR's run): Script
	EventFileTransfer EventKind = "file_transfer"  // a file transfer ended: Transfer
	EventPublishEnded EventKind = "publish_ended"  // basic file transfer ended (the customer closed it, or the connection went): Text
	EventTransferred  EventKind = "transferred"    // the host transferred the session to a queue or a CSR: FromName, Text (where to)
	EventSettings     EventKind = "settings"       // the session's settings changed: Settings, the features to offer
	EventRecording    EventKind = "recording"      // the host started or stopped recording the session (any console's): From, FromName, Recording
	// EventRecordingStopped is this console's own recording stopping:
	// RecordingInfo, and Text saying why when the CSR did not stop it.
	EventRecordingStopped EventKind = "recording_stopped"
	// Data plane (from the customer's agent).
	EventScreen      EventKind = "screen"       // size and monitors of the shared screen: Screen
	EventPaused      EventKind = "paused"       // the customer took the mouse and keyboard back
	EventResumed     EventKind = "resumed"      // input flows again
	EventInputDenied EventKind = "input_denied" // the agent refused input: Text is its reason
)

// Event is something the user may want to see. Only the fields its Kind
// names are set.
type Event struct {
	Kind    EventKind
	Session string

	Participant *protocol.Participant
	From        string // participant id
	FromName    string
	To          string // private chat: the recipient's participant id
	Text        string
	Code        string
	Action      string
	Granted     bool
	Screen      *ScreenInfo
	Script      *protocol.ScriptResult
	Transfer    *protocol.FileTransfer
	Settings    *protocol.SessionSettings
	Recording   *protocol.Recording
	// RecordingInfo is set by EventRecordingStopped.
	RecordingInfo *RecordingInfo
}

// ScreenInfo describes the customer's shared screen, as the agent reports it.
type ScreenInfo struct {
	Width, Height int
	Monitors      []transport.Monitor
}

// eventQueue hands events to the one reader of Events without ever
// blocking the goroutine that produced them.
type eventQueue struct {
	box  *mailbox[Event]
	out  chan Event
	quit chan struct{}
	done chan struct{}
}

func newEventQueue() *eventQueue {
	q := &eventQueue{box: newMailbox[Event](), out: make(chan Event), quit: make(chan struct{}), done: make(chan struct{})}
	go q.run()
	return q
}

func (q *eventQueue) run() {
	defer close(q.done)
	defer close(q.out)
	for {
		select {
		case <-q.box.notify:
			for _, ev := range q.box.drain() {
				select {
				case q.out <- ev:
				case <-q.quit:
					return
				}
			}
		case <-q.quit:
			return
		}
	}
}

func (q *eventQueue) close() {
	close(q.quit)
	<-q.done
}
