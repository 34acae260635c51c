//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/tlsutil"
	"lifeline/shared/xvfbtest"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds the three programs once per test process, as agent/e2e
// does: the test runs what a CSR and a customer run, not a test double.
func binaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		binDir, buildErr = os.MkdirTemp("", "lifeline-console-e2e-bin")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-tags", "x11", "-o", binDir+string(os.PathSeparator), "./rendezvous", "./agent", "./console")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// TestMain removes the binaries built for the run.
func TestMain(m *testing.M) {
	// xgb logs every connection made without an .Xauthority file, which
	// Xvfb does not need.
	xgb.Logger = log.New(io.Discard, "", 0)
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// proc is a running program whose standard output is read line by line;
// everything it writes is kept for the failure log.
type proc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string   // standard output
	done  chan struct{} // closed when the program has exited
	mu    sync.Mutex
	log   []string
}

// startProc starts a program and stops it when the test ends: SIGTERM
// (the console and the agent then leave cleanly), SIGKILL after 5 s.
func startProc(t *testing.T, name string, env []string, path string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	// Should the test binary die without its cleanups (a -timeout panic),
	// the kernel ends the programs too rather than leaving them on the
	// displays.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("%s: stdin: %v", name, err)
	}
	p := &proc{t: t, name: name, cmd: cmd, stdin: stdin, lines: make(chan string, 1024), done: make(chan struct{})}
	// Writers rather than pipes: Wait then returns only once all output
	// has been read, so a program's last words are never lost.
	cmd.Stdout = &logWriter{p: p, lines: true}
	cmd.Stderr = &logWriter{p: p, prefix: "stderr: "}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		err := cmd.Wait()
		p.record(fmt.Sprintf("(exited: %v)", err))
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Logf("%s did not stop within 5 s of SIGTERM; killed", name)
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			p.mu.Lock()
			t.Logf("%s output:\n%s", name, strings.Join(p.log, "\n"))
			p.mu.Unlock()
		}
	})
	return p
}

func (p *proc) record(s string) {
	p.mu.Lock()
	p.log = append(p.log, s)
	p.mu.Unlock()
}

// logWriter splits a program's output into lines for the log and, for
// standard output, for expect.
type logWriter struct {
	p      *proc
	prefix string
	lines  bool
	buf    []byte
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		l := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		w.p.record(w.prefix + l)
		if w.lines {
			select {
			case w.p.lines <- l:
			default: // nobody is waiting for lines this far back
			}
		}
	}
}

// expect waits for an output line matching re and returns its submatches.
func (p *proc) expect(re string, timeout time.Duration) []string {
	p.t.Helper()
	m, err := p.await(re, timeout)
	if err != nil {
		p.t.Fatal(err)
	}
	return m
}

// await is expect that returns the failure rather than ending the test.
func (p *proc) await(re string, timeout time.Duration) ([]string, error) {
	rx := regexp.MustCompile(re)
	deadline := time.After(timeout)
	for {
		select {
		case l := <-p.lines:
			if m := rx.FindStringSubmatch(l); m != nil {
				return m, nil
			}
		case <-p.done:
			// Lines written just before the exit may still be queued.
			for len(p.lines) > 0 {
				if m := rx.FindStringSubmatch(<-p.lines); m != nil {
					return m, nil
				}
			}
			return nil, fmt.Errorf("%s exited while waiting for %q", p.name, re)
		case <-deadline:
			return nil, fmt.Errorf("%s: no line matching %q within %v", p.name, re, timeout)
		}
	}
}

func (p *proc) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("write to %s: %v", p.name, err)
	}
}

// exited reports whether the program has ended (it should not have).
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// rig is a running rendezvous server with one CSR account, logged in over
// the REST API.
type rig struct {
	bin         string
	url         string
	fingerprint string
	email, name string
	api         *client.Client // logged in as the CSR
}

// startServer starts lifeline-rendezvous (self-signed TLS, loopback only)
// with a CSR account, and logs that CSR in.
func startServer(t *testing.T, bin string) *rig {
	t.Helper()
	r := &rig{bin: bin, email: "carol@example.com", name: "Carol CSR"}
	data := t.TempDir()
	const password = "e2e-password-123"
	add := exec.Command(filepath.Join(bin, "rendezvous"), "user", "add", "--data", data, "--email", r.email, "--name", r.name, "--password-stdin")
	add.Stdin = strings.NewReader(password + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("rendezvous user add: %v\n%s", err, out)
	}
	s := startProc(t, "rendezvous", nil, filepath.Join(bin, "rendezvous"), "serve", "--data", data, "--listen", "127.0.0.1:0", "--turn-listen", "off")
	r.fingerprint = s.expect(`fingerprint: (\S+)`, 20*time.Second)[1]
	port := s.expect(`listening on https://localhost:(\d+)`, 20*time.Second)[1]
	r.url = "https://127.0.0.1:" + port

	tlsConf, err := tlsutil.ClientConfig(tlsutil.ClientOptions{Fingerprint: r.fingerprint})
	if err != nil {
		t.Fatalf("TLS configuration for %s: %v", r.fingerprint, err)
	}
	r.api = client.New(r.url, tlsConf)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := r.api.Login(ctx, r.email, password); err != nil {
		t.Fatalf("log in as %s over REST: %v", r.email, err)
	}
	return r
}

// poll calls f every 100 ms until it reports done, and fails the test
// with what it last said after timeout.
func poll(t *testing.T, what string, timeout time.Duration, f func(ctx context.Context) (done bool, last string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		done, last := f(ctx)
		cancel()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v (last: %s)", what, timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// primaryConnected reports whether the session's sharing customer is in.
func primaryConnected(st protocol.State) bool {
	for _, p := range st.Participants {
		if p.Role == protocol.RolePrimary && p.Connected {
			return true
		}
	}
	return false
}

// xtool runs an X client (xdotool, xsetroot) on a display, bounded by a
// timeout so that a hung X server cannot hang the test.
func xtool(d *xvfbtest.Display, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = d.Env()
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = strings.TrimSpace(string(ee.Stderr))
		}
		return string(out), fmt.Errorf("%s %s: %w %s", name, strings.Join(args, " "), err, stderr)
	}
	return string(out), nil
}

// window is a mapped top-level window and where it is on the screen.
type window struct {
	id   string
	name string
	rect image.Rectangle
}

// findWindow waits for a visible window whose name matches pattern (a
// POSIX extended regular expression for xdotool; ASCII only, since
// xdotool matches bytes in the C locale) and returns the only one.
func findWindow(t *testing.T, d *xvfbtest.Display, pattern string, timeout time.Duration, alive *proc) window {
	t.Helper()
	var w window
	poll(t, "a window named like "+strconv.Quote(pattern)+" on "+d.Name, timeout, func(context.Context) (bool, string) {
		if alive.exited() {
			t.Fatalf("%s exited before its window %q appeared", alive.name, pattern)
		}
		out, err := xtool(d, "xdotool", "search", "--onlyvisible", "--name", pattern)
		ids := strings.Fields(out)
		if err != nil || len(ids) == 0 {
			return false, "none"
		}
		if len(ids) > 1 {
			return false, fmt.Sprintf("%d windows: %v", len(ids), ids)
		}
		w.id = ids[0]
		name, err := xtool(d, "xdotool", "getwindowname", w.id)
		if err != nil {
			return false, err.Error()
		}
		w.name = strings.TrimSpace(name)
		geo, err := xtool(d, "xdotool", "getwindowgeometry", "--shell", w.id)
		if err != nil {
			return false, err.Error()
		}
		v := map[string]int{}
		for _, l := range strings.Fields(geo) {
			k, s, _ := strings.Cut(l, "=")
			v[k], _ = strconv.Atoi(s)
		}
		w.rect = image.Rect(v["X"], v["Y"], v["X"]+v["WIDTH"], v["Y"]+v["HEIGHT"])
		return !w.rect.Empty(), fmt.Sprintf("geometry %q", geo)
	})
	return w
}

// press sends a key combination (xdotool's syntax, e.g. ctrl+shift+c) to
// a window through XTEST, as a keyboard would. Without a window manager X
// delivers keys to the focused window, so the window is focused first; the
// pointer is moved over it too, so that the default PointerRoot focus
// agrees should anything reset the focus.
func press(t *testing.T, d *xvfbtest.Display, w window, combo string) {
	t.Helper()
	c := w.rect.Min.Add(w.rect.Size().Div(2))
	steps := [][]string{
		{"mousemove", strconv.Itoa(c.X), strconv.Itoa(c.Y)},
		{"windowfocus", "--sync", w.id},
		{"key", "--clearmodifiers", combo},
	}
	for _, s := range steps {
		if _, err := xtool(d, "xdotool", s...); err != nil {
			t.Fatalf("press %s in %q: %v", combo, w.name, err)
		}
	}
}

// screenshot is the X server's own picture of the whole screen, as
// `import -window root` would take it, without ImageMagick's round trip
// through a file.
func screenshot(t *testing.T, d *xvfbtest.Display) *image.RGBA {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, d.Width, d.Height))
	raw := grab(t, d, img.Rect)
	// BGRX to RGBA, two pixels per step: under -race every slice access
	// is checked, and pixel by pixel a 1080p screenshot takes half a second.
	for o := 0; o+8 <= len(raw); o += 8 {
		v := binary.LittleEndian.Uint64(raw[o:])
		v = v&0x0000ff000000ff00 | (v&0x000000ff000000ff)<<16 | (v>>16)&0x000000ff000000ff | 0xff000000ff000000
		binary.LittleEndian.PutUint64(img.Pix[o:], v)
	}
	return img
}

// grab returns the pixels of r on the screen as the X server keeps them:
// depth 24 is 32 bits per pixel, blue first.
func grab(t *testing.T, d *xvfbtest.Display, r image.Rectangle) []byte {
	t.Helper()
	c, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		t.Fatalf("screenshot of %s: connect: %v", d.Name, err)
	}
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	w := r.Dx()
	out := make([]byte, 0, w*r.Dy()*4)
	// In bands, to stay under the maximum request length.
	for y := r.Min.Y; y < r.Max.Y; y += 64 {
		bh := min(64, r.Max.Y-y)
		rep, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(root), int16(r.Min.X), int16(y), uint16(w), uint16(bh), 0xffffffff).Reply()
		if err != nil {
			t.Fatalf("screenshot of %v on %s: %v", r, d.Name, err)
		}
		if len(rep.Data) != w*bh*4 {
			t.Fatalf("screenshot of %s: %d bytes for %d×%d pixels; not 32 bits per pixel", d.Name, len(rep.Data), w, bh)
		}
		out = append(out, rep.Data...)
	}
	return out
}

// shotsEnv names the folder the screenshots are kept in.
const shotsEnv = "LIFELINE_CONSOLE_E2E_SHOTS"

// savePNG writes a screenshot as name in $LIFELINE_CONSOLE_E2E_SHOTS, or
// in dir when that is not set.
func savePNG(t *testing.T, dir, name string, img image.Image) {
	t.Helper()
	if d := os.Getenv(shotsEnv); d != "" {
		dir = d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
	// The best compression saves 4 % and takes seconds under -race.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		t.Fatalf("encode %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("save %s: %v", path, err)
	}
	t.Logf("screenshot: %s", path)
}
