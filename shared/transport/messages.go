package transport

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Input is one input event from the viewer, sent as JSON on the input
// channel. Coordinates are pixels of the shared screen as the viewer
// decoded it (the agent maps them to the real display).
type Input struct {
	Kind   string   `json:"k"`           // move, down, up, click, wheel, key, text
	X      int      `json:"x,omitempty"` // move, down, up, click
	Y      int      `json:"y,omitempty"`
	Button string   `json:"b,omitempty"` // left, right, middle
	Double bool     `json:"dbl,omitempty"`
	DY     int      `json:"dy,omitempty"` // wheel: lines, positive = down
	DX     int      `json:"dx,omitempty"`
	Key    string   `json:"key,omitempty"`  // key: a key name (Return, a, F5, …)
	Mods   []string `json:"mods,omitempty"` // key: ctrl, shift, alt, super
	Text   string   `json:"text,omitempty"` // text: typed as is, any script
	// SentAt is the viewer's clock (Unix nanoseconds) when the event was
	// sent, echoed in screen statistics for latency measurement.
	SentAt int64 `json:"t,omitempty"`
}

// Input kinds.
const (
	InputMove  = "move"
	InputDown  = "down"
	InputUp    = "up"
	InputClick = "click"
	InputWheel = "wheel"
	InputKey   = "key"
	InputText  = "text"
)

const maxInputText = 4096

// ParseInput decodes and checks one input event. Input comes from the
// other side and is never trusted.
func ParseInput(b []byte) (Input, error) {
	var in Input
	if len(b) > 2*maxInputText {
		return in, fmt.Errorf("transport: input event of %d bytes", len(b))
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return in, fmt.Errorf("transport: input event: %w", err)
	}
	switch in.Kind {
	case InputMove, InputDown, InputUp, InputClick:
		if in.X < 0 || in.Y < 0 || in.X > 1<<16 || in.Y > 1<<16 {
			return in, fmt.Errorf("transport: input position %d,%d out of range", in.X, in.Y)
		}
		switch in.Button {
		case "", "left", "right", "middle":
		default:
			return in, fmt.Errorf("transport: unknown mouse button %q", in.Button)
		}
	case InputWheel:
		if in.DY < -100 || in.DY > 100 || in.DX < -100 || in.DX > 100 {
			return in, fmt.Errorf("transport: wheel step out of range")
		}
	case InputKey:
		if in.Key == "" || len(in.Key) > 32 || len(in.Mods) > 4 {
			return in, fmt.Errorf("transport: bad key event")
		}
		for _, m := range in.Mods {
			switch m {
			case "ctrl", "shift", "alt", "super":
			default:
				return in, fmt.Errorf("transport: unknown modifier %q", m)
			}
		}
	case InputText:
		if in.Text == "" || len(in.Text) > maxInputText || !utf8.ValidString(in.Text) {
			return in, fmt.Errorf("transport: bad text event")
		}
	default:
		return in, fmt.Errorf("transport: unknown input kind %q", in.Kind)
	}
	return in, nil
}

// Control is a message on the control channel, JSON, both ways.
type Control struct {
	Type string `json:"type"`
	// viewer → agent
	Mode    string `json:"mode,omitempty"`    // "standard" or "sampling"
	Colors  string `json:"colors,omitempty"`  // "full", "16bit" or "256"
	Monitor *int   `json:"monitor,omitempty"` // -1: all monitors as one screen
	// agent → viewer
	Width    int       `json:"width,omitempty"`
	Height   int       `json:"height,omitempty"`
	Monitors []Monitor `json:"monitors,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	// LatencyOf echoes the SentAt of the last input event applied before
	// the frame with id Frame was captured.
	LatencyOf int64  `json:"latency_of,omitempty"`
	Frame     uint32 `json:"frame,omitempty"`
}

// Monitor describes one of the sharing side's monitors.
type Monitor struct {
	Index   int  `json:"index"`
	X       int  `json:"x"`
	Y       int  `json:"y"`
	Width   int  `json:"width"`
	Height  int  `json:"height"`
	Primary bool `json:"primary,omitempty"`
}

// Control message types.
const (
	ControlKeyframe    = "keyframe"     // viewer asks for a full frame
	ControlOptions     = "options"      // viewer sets mode, colours or monitor
	ControlScreen      = "screen"       // agent: size and monitors of the shared screen
	ControlPaused      = "paused"       // agent: the customer took back the mouse/keyboard
	ControlResumed     = "resumed"      // viewer clicked again: input flows again
	ControlFrameInfo   = "frame_info"   // agent: latency echo for a frame
	ControlInputDenied = "input_denied" // agent: input arrived without a control grant
)

// ParseControl decodes and checks one control message.
func ParseControl(b []byte) (Control, error) {
	var c Control
	if len(b) > 64<<10 {
		return c, fmt.Errorf("transport: control message of %d bytes", len(b))
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("transport: control message: %w", err)
	}
	switch c.Type {
	case ControlKeyframe, ControlScreen, ControlPaused, ControlResumed, ControlFrameInfo, ControlInputDenied:
	case ControlOptions:
		switch c.Mode {
		case "", "standard", "sampling":
		default:
			return c, fmt.Errorf("transport: unknown mode %q", c.Mode)
		}
		switch c.Colors {
		case "", "full", "16bit", "256":
		default:
			return c, fmt.Errorf("transport: unknown colour mode %q", c.Colors)
		}
		if c.Monitor != nil && (*c.Monitor < -1 || *c.Monitor > 64) {
			return c, fmt.Errorf("transport: monitor %d out of range", *c.Monitor)
		}
	default:
		return c, fmt.Errorf("transport: unknown control message %q", c.Type)
	}
	return c, nil
}
