package recbench

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"lifeline/shared/benchdoc"
	"lifeline/shared/codec"
	"lifeline/shared/recording"
	"lifeline/shared/rgba"
)

const (
	// clipFrames is how many frames of each scenario are used: six
	// scenarios make 60 corpus frames, which keeps the run under a minute.
	clipFrames = 10
	// runs is how many times every timing is taken; the figures are
	// medians.
	runs = 5
)

// scenario is a folder of the corpus and the rate its frames were taken
// at (../shared/corpus/README.md: 30 fps, but idle's a second apart).
type scenario struct {
	name string
	fps  int
}

var scenarios = []scenario{
	{"typing", 30}, {"terminal-scroll", 30}, {"web-scroll", 30},
	{"window-drag", 30}, {"video-region", 30}, {"idle", 1},
}

// modes are the agent's two screen modes, in full colour as it starts.
var modes = []struct {
	name string
	opts codec.Options
}{
	{"Standard", codec.Options{Mode: codec.Standard}},
	{"Screen Sampling", codec.Options{Mode: codec.Sampling}},
}

var hdr = recording.Header{Session: "123456789", Customer: "Benchmark Customer", StartedAt: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}

// clip is one scenario in one mode: the stream the agent sent, the
// pictures the console showed, the recorder's keyframes and a recording
// of it on disk.
type clip struct {
	sc   scenario
	mode string
	msgs [][]byte // the agent's messages in order; msgs[0] is its keyframe
	at   []time.Duration
	// keyAt are the indices of the messages after which the recorder's
	// keyframes are made: the first (the recording starts there), the
	// middle one (in its place, as DueKeyframe places them) and the last.
	keyAt []int
	pics  []*image.RGBA // the console's picture after msgs[keyAt[i]]
	keys  [][]byte      // the recorder's keyframes of pics
	last  *image.RGBA   // the console's picture after the last message
	file  string        // the recording of the clip
	mid   int           // index of the message the middle keyframe replaces

	agentKey int // bytes of the agent's keyframe
	// Bytes of one minute at the scenario's rate.
	streamMin, recMin, recKeysMin int64
	keysMin                       int64 // the recorder's keyframes in that minute, the opening one included

	// Timings, one per run (CPU time of this thread).
	decodeKey, decodeFrame []time.Duration // console: the agent's keyframe, a delta (mean)
	write                  []time.Duration // recorder: writing a delta's record (mean)
	clone, encodeKey       []time.Duration // recorder: copying the picture, encoding its keyframe
	open, play, playKey    []time.Duration // player: open, a delta (mean), the middle keyframe
	seekMid, seekLast      []time.Duration // player: to the middle keyframe, to the last frame
}

func TestRecordingCost(t *testing.T) {
	out := os.Getenv("LIFELINE_BENCH_OUT")
	if out == "" {
		t.Skip("set LIFELINE_BENCH_OUT=BENCHMARKS.md to run the recording benchmark (make bench)")
	}
	corpus, err := corpusDir()
	if err != nil {
		t.Fatal(err)
	}
	// Thread CPU time measures this goroutine only: lock it to its thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	machine, started := benchdoc.Machine(), time.Now()

	var clips []*clip
	for _, sc := range scenarios {
		frames, err := loadFrames(filepath.Join(corpus, sc.name), clipFrames)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range modes {
			c, err := newClip(sc, m.name, m.opts, frames, t.TempDir())
			if err != nil {
				t.Fatalf("%s, %s: %v", sc.name, m.name, err)
			}
			clips = append(clips, c)
		}
	}
	for run := range runs {
		for _, c := range clips {
			if err := c.measure(t.TempDir()); err != nil {
				t.Fatalf("%s, %s, run %d: %v", c.sc.name, c.mode, run+1, err)
			}
		}
	}
	doc := report(reportData{machine: machine, loadAfter: benchdoc.LoadAverage(), date: started.UTC(), runTime: time.Since(started), clips: clips})
	if err := benchdoc.UpdateSection(out, "recording", doc); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote the recording section of %s in %.0f s", out, time.Since(started).Seconds())
}

// newClip encodes frames as the agent does, decodes them as the console
// does, makes the recorder's keyframes, counts a minute's bytes and writes
// the clip's recording, checking that it plays back to the console's
// pictures.
func newClip(sc scenario, mode string, opts codec.Options, frames []*image.RGBA, dir string) (*clip, error) {
	c := &clip{sc: sc, mode: mode}
	enc := codec.NewEncoder(opts)
	for i, f := range frames {
		msg, _, err := enc.Encode(f, nil)
		if err != nil {
			return nil, fmt.Errorf("encode frame %d: %w", i, err)
		}
		if len(msg) == 0 {
			continue // nothing changed: the agent sends nothing
		}
		c.msgs = append(c.msgs, msg)
		c.at = append(c.at, time.Duration(i)*time.Second/time.Duration(sc.fps))
	}
	if len(c.msgs) < 4 {
		return nil, fmt.Errorf("only %d messages: too few to measure", len(c.msgs))
	}
	c.agentKey = len(c.msgs[0])
	c.mid = len(c.msgs) / 2
	c.keyAt = []int{0, c.mid, len(c.msgs) - 1}

	dec := codec.NewDecoder()
	for i, msg := range c.msgs {
		if _, err := dec.Decode(msg); err != nil {
			return nil, fmt.Errorf("decode message %d: %w", i, err)
		}
		for _, k := range c.keyAt {
			if k == i {
				key, err := recorderKeyframe(dec.Image(), msg)
				if err != nil {
					return nil, err
				}
				c.pics = append(c.pics, rgba.Clone(dec.Image()))
				c.keys = append(c.keys, key)
			}
		}
	}
	c.last = rgba.Clone(dec.Image())
	hdr := hdr
	hdr.Width, hdr.Height = c.last.Rect.Dx(), c.last.Rect.Dy()

	stream, w, err := writeMinute(io.Discard, hdr, sc.fps, c.msgs[1:], c.keys)
	if err != nil {
		return nil, fmt.Errorf("a minute's recording: %w", err)
	}
	c.streamMin, c.recMin, c.keysMin = stream, w.Bytes(), w.Keyframes()
	for i := range w.Keyframes() {
		c.recKeysMin += int64(len(c.keys[i%int64(len(c.keys))]))
	}

	c.file = filepath.Join(dir, "clip"+recording.Extension)
	if err := c.writeFile(hdr); err != nil {
		return nil, err
	}
	return c, c.checkPlayback()
}

// recorderKeyframe is the keyframe the recorder makes of the picture the
// console shows after msg, as console/controller does.
func recorderKeyframe(pic *image.RGBA, msg []byte) ([]byte, error) {
	p, err := recording.ParsePacket(msg)
	if err != nil {
		return nil, err
	}
	return recording.Keyframe(rgba.Clone(pic), p.Depth, p.Seq)
}

// writeFile records the clip as the recorder does when it starts after
// the agent's keyframe was shown: a size record and its keyframe, then
// the agent's deltas, the middle one replaced by the recorder's keyframe
// (as DueKeyframe places them: the clip is too short to reach one).
func (c *clip) writeFile(hdr recording.Header) error {
	w, err := recording.Create(c.file, hdr)
	if err != nil {
		return err
	}
	err = errors.Join(w.Size(0, hdr.Width, hdr.Height), w.Keyframe(0, c.keys[0]))
	for i := 1; i < len(c.msgs) && err == nil; i++ {
		if i == c.mid {
			err = w.Keyframe(c.at[i], c.keys[1])
		} else {
			err = w.Frame(c.at[i], c.msgs[i])
		}
	}
	return errors.Join(err, w.Close(c.at[len(c.at)-1], 0))
}

// checkPlayback plays the recording and compares the pictures at the
// middle keyframe and at the end with the console's: a benchmark of a
// player that shows something else would be worthless.
func (c *clip) checkPlayback() error {
	p, err := recording.OpenPlayer(c.file)
	if err != nil {
		return err
	}
	defer p.Close()
	if s := p.Summary(); !s.Complete || s.Keyframes != 2 || s.Frames != int64(len(c.msgs)) {
		return fmt.Errorf("the clip's recording has %d frames and %d keyframes (complete: %v), want %d and 2", s.Frames, s.Keyframes, s.Complete, len(c.msgs))
	}
	if _, err := p.Advance(c.at[c.mid]); err != nil {
		return err
	}
	if !samePixels(p.Image(), c.pics[1]) {
		return errors.New("the player's picture at the middle keyframe differs from the console's")
	}
	if _, err := p.Advance(p.Duration()); err != nil {
		return err
	}
	if !samePixels(p.Image(), c.last) || p.DecodeErrors() != 0 {
		return fmt.Errorf("the player's last picture differs from the console's (%d frames not decoded)", p.DecodeErrors())
	}
	return nil
}

// measure takes one run of every timing.
func (c *clip) measure(dir string) error {
	// The deltas timed are those the clip's recording holds as received:
	// all but the one the middle keyframe replaces, so that the console,
	// the recorder and the player are timed on the same frames.
	n := time.Duration(len(c.msgs) - 2)
	runtime.GC() // the last clip's garbage is not this one's cost

	// The console decodes the agent's keyframe, then every delta.
	dec := codec.NewDecoder()
	t0 := threadCPU()
	if _, err := dec.Decode(c.msgs[0]); err != nil {
		return err
	}
	decodeKey, decode := threadCPU()-t0, time.Duration(0)
	for i := 1; i < len(c.msgs); i++ {
		t0 = threadCPU()
		if _, err := dec.Decode(c.msgs[i]); err != nil {
			return err
		}
		if i != c.mid {
			decode += threadCPU() - t0
		}
	}
	c.decodeKey = append(c.decodeKey, decodeKey)
	c.decodeFrame = append(c.decodeFrame, decode/n)

	// The recorder writes every delta's record to a new file, and flushes.
	hdr := hdr
	hdr.Width, hdr.Height = c.last.Rect.Dx(), c.last.Rect.Dy()
	w, err := recording.Create(filepath.Join(dir, "write"+recording.Extension), hdr)
	if err != nil {
		return err
	}
	t0 = threadCPU()
	for i := 1; i < len(c.msgs); i++ {
		if i == c.mid {
			continue
		}
		if err := w.Frame(c.at[i], c.msgs[i]); err != nil {
			return err
		}
	}
	err = w.Flush()
	t1 := threadCPU()
	if err = errors.Join(err, w.Close(c.at[len(c.at)-1], 0)); err != nil {
		return err
	}
	c.write = append(c.write, (t1-t0)/n)

	// A keyframe: the display copies the picture (under its lock, on the
	// decode goroutine), the recorder's goroutine encodes it.
	for i, pic := range c.pics {
		p, err := recording.ParsePacket(c.msgs[c.keyAt[i]])
		if err != nil {
			return err
		}
		t0 = threadCPU()
		cp := rgba.Clone(pic)
		t1 = threadCPU()
		if _, err := recording.Keyframe(cp, p.Depth, p.Seq); err != nil {
			return err
		}
		t2 := threadCPU()
		c.clone = append(c.clone, t1-t0)
		c.encodeKey = append(c.encodeKey, t2-t1)
	}

	// The player: open (a pass for the index, the first keyframe decoded),
	// play frame by frame, seek back to the middle keyframe, then to the end.
	t0 = threadCPU()
	p, err := recording.OpenPlayer(c.file)
	if err != nil {
		return err
	}
	defer p.Close()
	t1 = threadCPU()
	var play, playKey time.Duration
	for i := 1; i < len(c.msgs); i++ {
		s := threadCPU()
		if _, err := p.Advance(c.at[i]); err != nil {
			return err
		}
		if d := threadCPU() - s; i == c.mid {
			playKey = d
		} else {
			play += d
		}
	}
	t2 := threadCPU()
	if err := p.Seek(c.at[c.mid]); err != nil {
		return err
	}
	t3 := threadCPU()
	if err := p.Seek(p.Duration()); err != nil {
		return err
	}
	t4 := threadCPU()
	if p.DecodeErrors() != 0 {
		return fmt.Errorf("the player could not decode %d frames", p.DecodeErrors())
	}
	c.open = append(c.open, t1-t0)
	c.play = append(c.play, play/n)
	c.playKey = append(c.playKey, playKey)
	c.seekMid = append(c.seekMid, t3-t2)
	c.seekLast = append(c.seekLast, t4-t3)
	return nil
}

func samePixels(a, b *image.RGBA) bool {
	if a.Rect != b.Rect {
		return false
	}
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		ra := a.Pix[a.PixOffset(a.Rect.Min.X, y):][:4*a.Rect.Dx()]
		rb := b.Pix[b.PixOffset(b.Rect.Min.X, y):][:4*b.Rect.Dx()]
		if string(ra) != string(rb) {
			return false
		}
	}
	return true
}

// loadFrames decodes the first n frames of a scenario.
func loadFrames(dir string, n int) ([]*image.RGBA, error) {
	var out []*image.RGBA
	for i := range n {
		name := filepath.Join(dir, fmt.Sprintf("%04d.png", i))
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		m, err := png.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("corpus: %s: %w", name, err)
		}
		img, ok := m.(*image.RGBA)
		if !ok {
			img = image.NewRGBA(image.Rect(0, 0, m.Bounds().Dx(), m.Bounds().Dy()))
			draw.Draw(img, img.Rect, m, m.Bounds().Min, draw.Src)
		}
		out = append(out, img)
	}
	return out, nil
}

// corpusDir is LIFELINE_CORPUS or ../shared/corpus next to the module.
func corpusDir() (string, error) {
	if d := os.Getenv("LIFELINE_CORPUS"); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory; set LIFELINE_CORPUS")
		}
		dir = parent
	}
	c := filepath.Clean(filepath.Join(dir, "..", "shared", "corpus"))
	if _, err := os.Stat(filepath.Join(c, scenarios[0].name)); err != nil {
		return "", fmt.Errorf("the screen corpus is not at %s (set LIFELINE_CORPUS): %w", c, err)
	}
	return c, nil
}
