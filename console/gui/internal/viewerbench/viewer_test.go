package viewerbench

// TestViewerRedraw (make bench, LIFELINE_BENCH_OUT=BENCHMARKS.md) starts
// a private Xvfb and, for each row of the table, runs this test binary
// again as a child whose TestMain opens a real Fyne window on it (GLFW,
// GLX, Mesa's software GL: the CI machine has no GPU) and feeds it real
// 1080p frames the way the console's pump does. Each child reports what
// it measured as JSON; the parent writes the "viewer" section of
// BENCHMARKS.md. Nothing here asserts a speed: figures are read, not
// enforced, on this shared machine.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"

	"lifeline/console/gui"
	"lifeline/shared/benchdoc"
	"lifeline/shared/xvfbtest"
)

// childEnv carries a child's configuration (JSON); its presence makes
// TestMain run the window instead of the tests.
const childEnv = "LIFELINE_VIEWERBENCH_CHILD"

// scenarios are the corpus folders played, perScenario frames each, in
// order: typing and scrolling change a little or a lot of the screen,
// the window drag and the video a region; the texture is re-uploaded
// whole either way (see the section's text).
var scenarios = []string{"typing", "web-scroll", "window-drag", "video-region"}

const (
	perScenario = 6
	measureFor  = 10 * time.Second // per row and round
	rounds      = 2                // rows alternate, rounds are pooled: this machine is noisy
	offeredFPS  = 60               // the pump's frameInterval in console/gui/sharing.go
)

func TestMain(m *testing.M) {
	if c := os.Getenv(childEnv); c != "" {
		if err := child(c); err != nil {
			fmt.Fprintln(os.Stderr, "viewerbench child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// row is one measured configuration.
type row struct {
	Window  string // "1280×720"
	W, H    int
	Viewer  string // what is measured, for the table
	Variant string // "lifeline", "fresh", "before", "repaint" or "backdrop"
	Fit     bool
}

var rows = []row{
	{Window: "1280×720", W: 1280, H: 720, Viewer: "**Lifeline** (screen.go: GPU scaling, backdrop only around the picture)", Variant: "lifeline", Fit: true},
	{Window: "1280×720", W: 1280, H: 720, Viewer: "peer: the viewer before (canvas.Image, Fyne's smooth scaling, backdrop under it)", Variant: "before", Fit: true},
	{Window: "1280×720", W: 1280, H: 720, Viewer: "floor: the same window repainted, no new picture", Variant: "repaint", Fit: true},
	{Window: "1920×1080", W: 1920, H: 1080, Viewer: "**Lifeline**", Variant: "lifeline", Fit: true},
	{Window: "1920×1080", W: 1920, H: 1080, Viewer: "Lifeline with a new image per frame (as `Snapshot` makes) instead of the one `SetFrame` handed back", Variant: "fresh", Fit: true},
	{Window: "1920×1080", W: 1920, H: 1080, Viewer: "peer: the viewer before", Variant: "before", Fit: true},
	{Window: "1920×1080", W: 1920, H: 1080, Viewer: "floor: repainted, no new picture", Variant: "repaint", Fit: true},
	{Window: "1920×1080", W: 1920, H: 1080, Viewer: "ablation: Lifeline over a backdrop filling the area", Variant: "backdrop", Fit: true},
	{Window: "1280×720, 1:1", W: 1280, H: 720, Viewer: "**Lifeline** at 1:1 in a scroll container", Variant: "lifeline", Fit: false},
}

type childConfig struct {
	Row    row
	Corpus string
	Out    string
}

// childResult is what a child measured; the parent adds rounds up.
type childResult struct {
	Scale     float32
	Seconds   float64 // measured
	Handed    int     // frames handed to the UI thread
	Skipped   int     // pump ticks skipped: the last frame was not taken yet
	Painted   int     // paints that showed a new frame
	XFrames   int     // paints that reached the X server (XDamage), -1 if unknown
	Redraw    []float64
	Wait      []float64
	MainCPUms float64 // the main thread's CPU time
	ProcCPUms float64 // the process's CPU time, all threads
}

func (x *childResult) add(y childResult) {
	x.Scale = y.Scale
	x.Seconds += y.Seconds
	x.Handed += y.Handed
	x.Skipped += y.Skipped
	x.Painted += y.Painted
	if x.XFrames >= 0 && y.XFrames >= 0 {
		x.XFrames += y.XFrames
	} else {
		x.XFrames = -1
	}
	x.Redraw = append(x.Redraw, y.Redraw...)
	x.Wait = append(x.Wait, y.Wait...)
	x.MainCPUms += y.MainCPUms
	x.ProcCPUms += y.ProcCPUms
}

func TestViewerRedraw(t *testing.T) {
	out := os.Getenv("LIFELINE_BENCH_OUT")
	if out == "" {
		t.Skip("set LIFELINE_BENCH_OUT=BENCHMARKS.md to run the viewer benchmark (make bench)")
	}
	if !filepath.IsAbs(out) {
		// go test runs in the package's directory; a relative name means
		// the repository's BENCHMARKS.md, where make bench runs.
		root, err := moduleRoot()
		if err != nil {
			t.Fatal(err)
		}
		out = filepath.Join(root, out)
	}
	corpus, err := corpusDir()
	if err != nil {
		t.Fatal(err)
	}
	frames, err := loadFrames(corpus, 1)
	if err != nil {
		t.Fatal(err)
	}
	machine := benchdoc.Machine() // before this test loads the machine
	copyFresh, copyReused := copyFigures(frames[0])

	d := xvfbtest.Start(t, 1920, 1080)
	results := make([]childResult, len(rows))
	started := time.Now()
	for round := 0; round < rounds; round++ {
		for i, r := range rows {
			res, err := runChild(t, d, childConfig{Row: r, Corpus: corpus})
			if err != nil {
				t.Fatalf("%s, %s: %v", r.Window, r.Variant, err)
			}
			results[i].add(res)
			t.Logf("round %d, %s, %s: %.1f fps painted, %d handed, %d skipped, %d reached X; redraw %.1f / %.1f ms; a task waits %.1f / %.1f ms",
				round+1, r.Window, r.Variant, res.fps(), res.Handed, res.Skipped, res.XFrames,
				benchdoc.Percentile(res.Redraw, 50), benchdoc.Percentile(res.Redraw, 99),
				benchdoc.Percentile(res.Wait, 50), benchdoc.Percentile(res.Wait, 99))
		}
	}
	section := report(results, machine, copyFresh, copyReused, time.Since(started))
	if err := benchdoc.UpdateSection(out, "viewer", section); err != nil {
		t.Fatal(err)
	}
	t.Log(section)
}

// runChild runs one row in a child process on display d.
func runChild(t *testing.T, d *xvfbtest.Display, c childConfig) (childResult, error) {
	dir := t.TempDir()
	c.Out = filepath.Join(dir, "result.json")
	b, err := json.Marshal(c)
	if err != nil {
		return childResult{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	// FYNE_SCALE=1: a 1280×720 window is 1280×720 pixels whatever DPI
	// the server reports; XDG_CONFIG_HOME keeps Fyne's settings out of
	// the user's.
	cmd.Env = append(d.Env(), childEnv+"="+string(b), "FYNE_SCALE=1", "XDG_CONFIG_HOME="+dir)
	outb, err := cmd.CombinedOutput()
	if err != nil {
		return childResult{}, fmt.Errorf("child: %w\n%s", err, outb)
	}
	rb, err := os.ReadFile(c.Out)
	if err != nil {
		return childResult{}, fmt.Errorf("child wrote no result: %w\n%s", err, outb)
	}
	var res childResult
	if err := json.Unmarshal(rb, &res); err != nil {
		return childResult{}, fmt.Errorf("child result: %w", err)
	}
	if res.Painted == 0 {
		return res, fmt.Errorf("nothing was painted\n%s", outb)
	}
	return res, nil
}

// moduleRoot is the directory of go.mod above the test's directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// corpusDir is LIFELINE_CORPUS or ../shared/corpus next to the module.
func corpusDir() (string, error) {
	if d := os.Getenv("LIFELINE_CORPUS"); d != "" {
		return d, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("%w; set LIFELINE_CORPUS", err)
	}
	c := filepath.Clean(filepath.Join(root, "..", "shared", "corpus"))
	if _, err := os.Stat(filepath.Join(c, scenarios[0])); err != nil {
		return "", fmt.Errorf("the screen corpus is not at %s (set LIFELINE_CORPUS): %w", c, err)
	}
	return c, nil
}

// loadFrames decodes the first n frames of each scenario.
func loadFrames(dir string, n int) ([]*image.RGBA, error) {
	var out []*image.RGBA
	for _, sc := range scenarios {
		for i := 0; i < n; i++ {
			name := filepath.Join(dir, sc, fmt.Sprintf("%04d.png", i))
			f, err := os.Open(name)
			if err != nil {
				return nil, fmt.Errorf("corpus: %w", err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("corpus: %s: %w", name, err)
			}
			rgba := image.NewRGBA(img.Bounds())
			draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
			out = append(out, rgba)
		}
	}
	return out, nil
}

// snapshot copies src as controller.Session.Snapshot does: a new image,
// row by row.
func snapshot(src *image.RGBA) *image.RGBA {
	dst := image.NewRGBA(src.Rect)
	copyInto(dst, src)
	return dst
}

func copyInto(dst, src *image.RGBA) {
	for y := src.Rect.Min.Y; y < src.Rect.Max.Y; y++ {
		copy(dst.Pix[dst.PixOffset(src.Rect.Min.X, y):dst.PixOffset(src.Rect.Max.X, y)],
			src.Pix[src.PixOffset(src.Rect.Min.X, y):src.PixOffset(src.Rect.Max.X, y)])
	}
}

// copyFigures times the hand-off copy off the UI thread: a new image per
// frame (what Snapshot does), and a copy into an image used again.
func copyFigures(src *image.RGBA) (fresh, reused []float64) {
	dst := image.NewRGBA(src.Rect)
	for i := 0; i < 60; i++ {
		t0 := time.Now()
		img := snapshot(src)
		fresh = append(fresh, ms(time.Since(t0)))
		img.Pix[0]++ // keep it
		t0 = time.Now()
		copyInto(dst, src)
		reused = append(reused, ms(time.Since(t0)))
	}
	return fresh, reused
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ---- the child: one window, on the main thread ---------------------------

// backdrop is the sharing window's screenBackdrp.
var backdrop = color.NRGBA{0x20, 0x22, 0x26, 0xff}

// viewer is a child's window and what it measures. Its fields are used on
// the UI thread only, but for the frames and spare channels.
type viewer struct {
	cfg    childConfig
	frames []*image.RGBA
	win    fyne.Window
	status *widget.Label
	marker *canvas.Raster
	set    func(*image.RGBA) // shows a frame
	spare  chan *image.RGBA  // images SetFrame handed back, to copy the next frame into

	measuring bool
	lastSet   time.Duration // the last show's time on the UI thread
	res       childResult
}

func child(cfgJSON string) error {
	v := &viewer{spare: make(chan *image.RGBA, 2)}
	if err := json.Unmarshal([]byte(cfgJSON), &v.cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var err error
	if v.frames, err = loadFrames(v.cfg.Corpus, perScenario); err != nil {
		return err
	}
	a := app.NewWithID("lifeline.viewerbench")
	v.win = a.NewWindow("Customer's screen — viewer benchmark")

	var view fyne.CanvasObject
	switch v.cfg.Row.Variant {
	case "lifeline", "repaint", "fresh", "backdrop":
		area := gui.NewScreenArea()
		area.SetScale(v.cfg.Row.Fit)
		v.set = func(img *image.RGBA) {
			if old := area.SetFrame(img); old != nil && v.cfg.Row.Variant != "fresh" {
				select {
				case v.spare <- old:
				default:
				}
			}
		}
		view = area
		switch {
		case !v.cfg.Row.Fit:
			view = container.NewScroll(area)
		case v.cfg.Row.Variant == "backdrop":
			// Ablation: a backdrop under the whole area, as the widget
			// before drew it.
			view = container.NewStack(canvas.NewRectangle(backdrop), area)
		}
	case "before":
		// The screen widget as it was: a canvas.Image letterboxed by the
		// painter, smoothed by Fyne, over a backdrop filling the area.
		img := canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 16, 9)))
		img.FillMode = canvas.ImageFillContain
		img.ScaleMode = canvas.ImageScaleSmooth
		v.set = func(f *image.RGBA) {
			img.Image = f
			img.Refresh()
		}
		view = container.NewStack(canvas.NewRectangle(backdrop), img)
	default:
		return fmt.Errorf("unknown variant %q", v.cfg.Row.Variant)
	}

	// The marker is the first object the painter meets in the window: its
	// raster is generated while painting every frame that refreshed it,
	// which is how the paint is timed (see the section's text).
	markerPix := image.NewRGBA(image.Rect(0, 0, 1, 1))
	v.marker = canvas.NewRaster(func(int, int) image.Image {
		start, set, counted := time.Now(), v.lastSet, v.measuring
		fyne.Do(func() { // runs when the main loop is free again
			if counted {
				v.res.Painted++
				v.res.Redraw = append(v.res.Redraw, ms(set+time.Since(start)))
			}
		})
		return markerPix
	})
	v.marker.Resize(fyne.NewSize(1, 1))
	v.status = widget.NewLabel("Waiting for the customer's screen…")
	v.status.Truncation = fyne.TextTruncateEllipsis
	v.win.SetContent(container.NewStack(container.NewWithoutLayout(v.marker),
		container.NewBorder(nil, container.NewPadded(v.status), nil, nil, view)))
	v.win.Resize(fyne.NewSize(float32(v.cfg.Row.W), float32(v.cfg.Row.H)))
	v.win.Show()

	var runErr error
	go func() {
		defer fyne.Do(a.Quit)
		if runErr = v.drive(); runErr != nil {
			return
		}
		b, err := json.Marshal(v.res)
		if err == nil {
			err = os.WriteFile(v.cfg.Out, b, 0o644)
		}
		runErr = err
	}()
	a.Run()
	return runErr
}

// show hands img (nil: none) to the screen and refreshes the marker; on
// the UI thread.
func (v *viewer) show(img *image.RGBA) {
	start := time.Now()
	if img != nil {
		v.set(img)
	}
	v.marker.Refresh()
	v.lastSet = time.Since(start)
}

// next is the frame to hand over: a copy into an image SetFrame handed
// back, as the console's pump makes with SnapshotInto, or (variant
// "fresh", and before any image came back) a new copy, as Snapshot makes.
func (v *viewer) next(i int) *image.RGBA {
	src := v.frames[i%len(v.frames)]
	select {
	case img := <-v.spare:
		copyInto(img, src)
		return img
	default:
		return snapshot(src)
	}
}

// drive feeds frames like the console's pump: every 1/60 s, unless the
// UI thread has not taken the last one yet, a frame is handed over with
// fyne.Do; the status line changes every second.
func (v *viewer) drive() error {
	// Warm up: the first picture (a new size: layout, textures) and a
	// second of frames.
	fyne.DoAndWait(func() { v.show(v.next(0)) })
	time.Sleep(time.Second)

	xw, err := watchX(os.Getenv("DISPLAY"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "viewerbench: XDamage unavailable, frames reaching X not counted:", err)
	}
	var waits []float64
	stopProbe, probeDone := make(chan struct{}), make(chan struct{})
	go func() { // a task posted to the UI thread at random moments
		defer close(probeDone)
		for {
			select {
			case <-stopProbe:
				return
			case <-time.After(time.Duration(5+rand.IntN(10)) * time.Millisecond):
			}
			posted := time.Now()
			fyne.Do(func() {
				if v.measuring {
					waits = append(waits, ms(time.Since(posted)))
				}
			})
		}
	}()

	fyne.DoAndWait(func() { v.measuring = true })
	mainTask := fmt.Sprintf("/proc/self/task/%d/stat", os.Getpid()) // the main thread's id is the process's
	main0, proc0 := cpuTicks(mainTask), cpuTicks("/proc/self/stat")
	start := time.Now()
	tick := time.NewTicker(time.Second / offeredFPS)
	defer tick.Stop()
	busy := make(chan struct{}, 1) // as in pump: one hand-over in flight
	handed, skipped := 0, 0
	lastStatus := start
	for time.Since(start) < measureFor {
		<-tick.C
		select {
		case busy <- struct{}{}:
			var img *image.RGBA
			if v.cfg.Row.Variant != "repaint" {
				img = v.next(handed + 1)
			}
			handed++
			fyne.Do(func() {
				v.show(img)
				<-busy
			})
		default:
			skipped++
		}
		if now := time.Now(); now.Sub(lastStatus) >= time.Second {
			lastStatus = now
			text := fmt.Sprintf("Live · 1920×1080 · %d fps · %d kbit/s · latency %d ms", 28+rand.IntN(3), 1800+rand.IntN(400), 8+rand.IntN(8))
			fyne.Do(func() { v.status.SetText(text) })
		}
	}
	fyne.DoAndWait(func() { v.measuring = false }) // paints starting from now are not counted
	elapsed := time.Since(start)
	main1, proc1 := cpuTicks(mainTask), cpuTicks("/proc/self/stat")
	time.Sleep(500 * time.Millisecond) // the last counted paint's report
	close(stopProbe)
	<-probeDone
	fyne.DoAndWait(func() {
		v.res.Wait = waits
		v.res.Scale = v.win.Canvas().Scale()
	})
	v.res.Seconds = elapsed.Seconds()
	v.res.Handed, v.res.Skipped = handed, skipped
	v.res.XFrames = -1
	if xw != nil {
		v.res.XFrames = xw.frames(start, start.Add(elapsed))
		xw.close()
	}
	// USER_HZ is 100: a tick is 10 ms.
	v.res.MainCPUms, v.res.ProcCPUms = (main1-main0)*10, (proc1-proc0)*10
	return nil
}

// cpuTicks is utime+stime of a /proc stat file, in clock ticks.
func cpuTicks(path string) float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return ut + st
}

// xWatch counts the paints that reach the X server: every SwapBuffers of
// the software GL puts the window's pixels to the server, which damages
// the root window. The events of one paint come within a millisecond or
// two; paints are at least a 60 Hz tick apart.
type xWatch struct {
	conn  *xgb.Conn
	mu    sync.Mutex
	times []time.Time
}

func watchX(display string) (*xWatch, error) {
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", display, err)
	}
	fail := func(err error) (*xWatch, error) {
		conn.Close()
		return nil, err
	}
	if err := xfixes.Init(conn); err != nil {
		return fail(fmt.Errorf("XFIXES: %w", err))
	}
	if err := damage.Init(conn); err != nil {
		return fail(fmt.Errorf("DAMAGE: %w", err))
	}
	// Both extensions refuse requests from clients that have not
	// announced the version they speak.
	if _, err := xfixes.QueryVersion(conn, 5, 0).Reply(); err != nil {
		return fail(fmt.Errorf("XFIXES version: %w", err))
	}
	if _, err := damage.QueryVersion(conn, 1, 1).Reply(); err != nil {
		return fail(fmt.Errorf("DAMAGE version: %w", err))
	}
	dmg, err := damage.NewDamageId(conn)
	if err != nil {
		return fail(err)
	}
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	if err := damage.CreateChecked(conn, dmg, xproto.Drawable(root), damage.ReportLevelNonEmpty).Check(); err != nil {
		return fail(fmt.Errorf("create damage: %w", err))
	}
	x := &xWatch{conn: conn}
	go func() {
		for {
			ev, xerr := conn.WaitForEvent()
			if ev == nil && xerr == nil {
				return // closed
			}
			if _, ok := ev.(damage.NotifyEvent); ok {
				x.mu.Lock()
				x.times = append(x.times, time.Now())
				x.mu.Unlock()
				damage.Subtract(conn, dmg, 0, 0) // re-arm: NonEmpty reports once until emptied
			}
		}
	}()
	return x, nil
}

// frames counts bursts of damage between from and to.
func (x *xWatch) frames(from, to time.Time) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	var last time.Time
	for _, t := range x.times {
		if t.Before(from) || t.After(to) {
			continue
		}
		if last.IsZero() || t.Sub(last) > 4*time.Millisecond {
			n++
		}
		last = t
	}
	return n
}

func (x *xWatch) close() { x.conn.Close() }

// ---- the report ------------------------------------------------------------

func report(res []childResult, machine string, copyFresh, copyReused []float64, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Viewer redraw (console sharing window)\n\n")
	fmt.Fprintf(&b, "Command: `make bench` (runs `LIFELINE_BENCH_OUT=BENCHMARKS.md LIFELINE_REQUIRE_X=1 go test -tags x11 -count=1 -timeout 15m -run TestViewerRedraw ./console/gui/internal/viewerbench`)  \n")
	fmt.Fprintf(&b, "Date: %s  \nMachine: %s when the run started; run time %.0f s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), machine, took.Seconds())
	fmt.Fprintf(&b, "The target: the viewer redraws 1080p updates at ≥ 30 fps without blocking the UI thread. "+
		"Measured on the real console stack on a private Xvfb at 1920×1080×24 with no GPU: Fyne v2.8.1's GLFW driver, GLX and Mesa's software OpenGL (llvmpipe), `FYNE_SCALE=1` (canvas scale %g). "+
		"The window holds the screen widget in fit mode over a status line, as the sharing window does. "+
		"It is fed %d real 1920×1080 frames (%d each of %s from `../shared/corpus`, decoded to `*image.RGBA` beforehand) the way the console's `pump` does: every 1/%d s, unless the UI thread has not taken the last frame yet, a fresh copy (as `Session.Snapshot` makes) is handed over with `fyne.Do`; the status line changes every second. "+
		"Each row is a process of its own, measured for %.0f s after a second of warm-up; the rows are run in turn, %d times, and the figures pool the runs.\n\n",
		res[0].Scale, perScenario*len(scenarios), perScenario, strings.Join(scenarios, ", "), offeredFPS, measureFor.Seconds(), rounds)
	fmt.Fprintf(&b, "| window | viewer | frames painted / s (%d offered) | paints reaching X / s | UI thread per redraw, median / p99 (ms) | UI thread busy redrawing | a UI task waits, median / p99 (ms) | CPU per frame: UI thread / whole process (ms) |\n", offeredFPS)
	fmt.Fprintf(&b, "|---|---|---:|---:|---:|---:|---:|---:|\n")
	for i, r := range rows {
		x := res[i]
		xs := "—"
		if x.XFrames >= 0 {
			xs = fmt.Sprintf("%.1f", float64(x.XFrames)/x.Seconds)
		}
		fmt.Fprintf(&b, "| %s | %s | %.1f | %s | %.1f / %.1f | %.0f %% | %.1f / %.1f | %.1f / %.1f |\n",
			r.Window, r.Viewer, x.fps(), xs,
			benchdoc.Percentile(x.Redraw, 50), benchdoc.Percentile(x.Redraw, 99), x.busy()*100,
			benchdoc.Percentile(x.Wait, 50), benchdoc.Percentile(x.Wait, 99), x.MainCPUms/float64(x.Painted), x.ProcCPUms/float64(x.Painted))
	}
	fmt.Fprintf(&b, "\n%s\n\n", verdict(res))
	fmt.Fprintf(&b, "Also in the same run, the hand-off copy on the pump's goroutine (not the UI thread): a 1080p frame copied into a new image, as `Snapshot` does, takes %.2f ms (median of 60; p99 %.2f), into an image used again %.2f ms (p99 %.2f). "+
		"A new image per frame is 8 MB of garbage 30 times a second, so the console's pump copies each frame into the picture `SetFrame` handed back (which nothing reads any more) with `Session.SnapshotInto`, as the Lifeline rows do; the row \"with a new image per frame\" shows the viewer without that recycling.\n\n",
		benchdoc.Percentile(copyFresh, 50), benchdoc.Percentile(copyFresh, 99), benchdoc.Percentile(copyReused, 50), benchdoc.Percentile(copyReused, 99))
	fmt.Fprintf(&b, "How it is measured. *UI thread per redraw* is the `SetFrame` call plus the paint: from the moment the painter reaches the window's first object (a 1×1 raster refreshed with each frame, whose generator Fyne calls while painting) to the moment the main loop runs its next task (a `fyne.Do` that generator queued), that is after `SwapBuffers`. It leaves out the event poll and the freeing of the old texture just before painting, which the UI thread's CPU time includes. *Busy* is the sum of those times over the run. *A UI task waits* is how long a `fyne.Do` posted at a random moment (every 5–15 ms) waited for the UI thread: what a click or a key handler would wait. *Paints reaching X* counts bursts of XDamage events on the root window (software GL puts every frame to the X server); it includes the status line's repaints. CPU figures are from `/proc` (10 ms ticks), per painted frame; the process's figure includes llvmpipe's rendering threads and the copies.\n\n")
	fmt.Fprintf(&b, "Why the figures are what they are. Fyne repaints the whole window for every new picture, and a `canvas.Image` gets a new texture on every `Refresh`: the old one is deleted and the picture uploaded whole with `glTexImage2D` (textures are cached per object, not per image; there is no partial update). "+
		"Before, `ImageScaleSmooth` also made the painter resample the 1080p picture on the CPU (`x/image/draw` Catmull-Rom) to the widget's size, on the UI thread, for every frame. "+
		"The screen widget now leaves scaling to GL (`ImageScaleFastest`: bilinear in fit mode; nearest at 1:1, where a texel is a pixel) and draws its backdrop only in the bars around the picture: with software GL a rectangle under the whole picture costs about as much again (ablation row). "+
		"What is left is close to the floor row, the cost of rasterising and presenting a window of that size on the CPU, most of it spent waiting for llvmpipe's threads and the X server (the UI thread's own CPU per frame is small); on a machine with a GPU those steps are the GPU's.\n")
	return b.String()
}

func (x *childResult) fps() float64 { return float64(x.Painted) / x.Seconds }

// busy is the share of the run the UI thread spent redrawing.
func (x *childResult) busy() float64 {
	var sum float64
	for _, v := range x.Redraw {
		sum += v
	}
	return sum / 1000 / x.Seconds
}

// verdict puts the Lifeline rows beside the floor of the same window.
func verdict(res []childResult) string {
	floor := map[string]*childResult{}
	for i, r := range rows {
		if r.Variant == "repaint" {
			floor[r.Window] = &res[i]
		}
	}
	var parts []string
	for i, r := range rows {
		f := floor[r.Window]
		if r.Variant != "lifeline" || f == nil {
			continue
		}
		x := &res[i]
		parts = append(parts, fmt.Sprintf("at %s the viewer painted %.1f of the %d frames a second offered (the floor, which uploads no picture, %.1f), its UI thread busy redrawing %.0f %% of the time (floor %.0f %%), and a UI task waited %.1f ms at the median, %.1f ms at p99",
			r.Window, x.fps(), offeredFPS, f.fps(), x.busy()*100, f.busy()*100, benchdoc.Percentile(x.Wait, 50), benchdoc.Percentile(x.Wait, 99)))
	}
	return "On this machine, " + strings.Join(parts, "; ") + ". Even the floor paints a little under 30: the pump skips a tick whenever the UI thread has not yet taken the previous frame."
}
