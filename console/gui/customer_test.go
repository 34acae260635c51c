package gui

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"time"

	"lifeline/agent/consent"
	"lifeline/agent/session"
	"lifeline/agent/stream"
	"lifeline/shared/client"
	"lifeline/shared/transport"
)

// corpusDir holds real 1920×1080 desktop frames (see its README); the
// screenshots show them as the customer's screen when it is there.
const corpusDir = "/work/shared/corpus/typing"

// corpusSource plays PNG frames as a screen, a new one every 150 ms.
type corpusSource struct {
	mu     sync.Mutex
	frames []*image.RGBA
	i      int
	shown  int
	next   time.Time
}

func loadCorpus(dir string, n int) (*corpusSource, error) {
	s := &corpusSource{shown: -1}
	for i := 0; i < n; i++ {
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("%04d.png", i)))
		if err != nil {
			break
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
		s.frames = append(s.frames, rgba)
	}
	if len(s.frames) == 0 {
		return nil, fmt.Errorf("no frames in %s", dir)
	}
	return s, nil
}

func (s *corpusSource) Size() image.Point { return s.frames[0].Rect.Size() }

func (s *corpusSource) Capture(dst *image.RGBA) ([]image.Rectangle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := time.Now(); now.After(s.next) {
		s.next = now.Add(150 * time.Millisecond)
		s.i = (s.i + 1) % len(s.frames)
	}
	if s.i == s.shown {
		return nil, nil
	}
	s.shown = s.i
	copy(dst.Pix, s.frames[s.i].Pix)
	return []image.Rectangle{dst.Rect}, nil
}

func (s *corpusSource) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(150 * time.Millisecond):
		return nil
	}
}

func (s *corpusSource) Close() error { return nil }

// nullInjector accepts input without touching any desktop.
type nullInjector struct{}

func (nullInjector) Apply(transport.Input) error { return nil }
func (nullInjector) SetRegion(image.Rectangle)   {}
func (nullInjector) Close() error                { return nil }

// allowUI is a customer who allows every request.
type allowUI struct{}

func (allowUI) Ask(context.Context, session.Request) consent.Answer { return consent.AllowOnce }
func (allowUI) Show(session.Event)                                  {}

// joinRealAgent runs the agent's session core as the customer, sharing the
// corpus frames, with tools for the customer's computer. It returns the
// agent and a stop function.
func joinRealAgent(api *client.Client, number, name string, src *corpusSource, tools session.Tools) (*session.Agent, func()) {
	size := src.Size()
	screen := &session.Screen{
		Monitors: []transport.Monitor{{Index: 0, Width: size.X, Height: size.Y, Primary: true}},
		Open:     func(int) (stream.Source, error) { return src, nil },
		Region:   func(int) image.Rectangle { return image.Rectangle{Max: size} },
		Input:    func() (session.Injector, error) { return nullInjector{}, nil },
	}
	a := session.New(session.Config{API: api, Number: number, Name: name, Email: "ann@example.com",
		LoopbackOnly: true, Screen: screen, Tools: tools}, allowUI{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.Run(ctx)
	}()
	return a, func() { cancel(); <-done }
}
