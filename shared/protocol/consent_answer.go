package protocol

func init() { register(func() Message { return new(ConsentAnswer) }) }

// TypeConsentAnswer is the customer's answer to a ConsentRequest. Only the
// participant the request was sent to may answer it, once. The server
// forwards it to the requester and stores it.
const TypeConsentAnswer Type = "consent_answer"

// ConsentAnswer grants or denies one request. ForSession is the customer's
// "grant permission for all actions during this session".
type ConsentAnswer struct {
	RequestID  string `json:"request_id"`
	Granted    bool   `json:"granted"`
	ForSession bool   `json:"for_session,omitempty"`
	// Action is filled in by the server from the request.
	Action string `json:"action,omitempty"`
}

func (*ConsentAnswer) Type() Type        { return TypeConsentAnswer }
func (m *ConsentAnswer) Validate() error { return checkID("request_id", m.RequestID) }
