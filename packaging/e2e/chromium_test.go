package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// browser is a headless Chromium driven over the DevTools protocol: one
// page, its downloads allowed into a folder. Only what the join test needs.
type browser struct {
	t       *testing.T
	conn    *websocket.Conn
	session string // the page's flat session
	ctx     context.Context

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpMessage
	waiters []*waiter
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

type waiter struct {
	method string
	match  func(json.RawMessage) bool
	ch     chan json.RawMessage
}

// chromiumPath finds Debian's chromium. Without it the test is skipped,
// unless LIFELINE_REQUIRE_CHROMIUM is set (make test sets it), when it
// fails: CI must not pass without the browser test.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("LIFELINE_REQUIRE_CHROMIUM") != "" {
		t.Fatal("Chromium is not installed but LIFELINE_REQUIRE_CHROMIUM is set: install Debian's chromium (packaging/scripts/deps.sh test)")
	}
	t.Skip("Chromium is not installed: apt-get install chromium (packaging/scripts/deps.sh test does it), or set LIFELINE_REQUIRE_CHROMIUM=1 to make this a failure")
	return ""
}

// startBrowser starts Chromium headless with a fresh profile. The page's
// viewport is width×height CSS pixels; downloads go to downloads.
func startBrowser(t *testing.T, width, height int, downloads string) *browser {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--user-data-dir="+profile,
		"--remote-debugging-port=0", "--ignore-certificate-errors",
		// Only the test's server on loopback: no background traffic, no
		// name resolved but the loopback address.
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-pings",
		"--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		fmt.Sprintf("--window-size=%d,%d", width, height), "about:blank")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", path, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("chromium's stderr:\n%s", stderr.String())
		}
	})
	// Chromium writes the port it chose, and the browser's path, here.
	var port, wsPath string
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort"))
		if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); err == nil && len(lines) == 2 {
			port, wsPath = lines[0], lines[1]
			break
		}
		select {
		case <-exited:
			t.Fatalf("chromium exited at start:\n%s", stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromium did not open its DevTools port in 30 s:\n%s", stderr.String())
		}
	}
	conn, _, err := websocket.Dial(ctx, "ws://127.0.0.1:"+port+wsPath, nil)
	if err != nil {
		t.Fatalf("connect to chromium's DevTools: %v", err)
	}
	conn.SetReadLimit(64 << 20) // screenshots arrive in one message
	b := &browser{t: t, conn: conn, ctx: ctx, pending: map[int64]chan cdpMessage{}}
	go b.read()

	var target struct{ TargetID string }
	b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	b.call(b.session, "Page.enable", nil, nil)
	b.call(b.session, "Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	b.call("", "Browser.setDownloadBehavior", map[string]any{"behavior": "allow", "downloadPath": downloads, "eventsEnabled": true}, nil)
	return b
}

func (b *browser) read() {
	for {
		_, data, err := b.conn.Read(b.ctx)
		if err != nil {
			b.mu.Lock()
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.pending[m.ID]; ch != nil {
				ch <- m
				delete(b.pending, m.ID)
			}
		} else {
			kept := b.waiters[:0]
			for _, w := range b.waiters {
				if w.method == m.Method && (w.match == nil || w.match(m.Params)) {
					w.ch <- m.Params
					continue
				}
				kept = append(kept, w)
			}
			b.waiters = kept
		}
		b.mu.Unlock()
	}
}

// call sends a command (to the page's session, or the browser's with "")
// and decodes its result into out.
func (b *browser) call(session, method string, params any, out any) {
	b.t.Helper()
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	raw, err := json.Marshal(params)
	if err != nil {
		b.t.Fatal(err)
	}
	if params == nil {
		raw = nil
	}
	msg, _ := json.Marshal(cdpMessage{ID: id, Method: method, Params: raw, SessionID: session})
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := b.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			b.t.Fatalf("%s: the connection to chromium closed", method)
		}
		if m.Error != nil {
			b.t.Fatalf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				b.t.Fatalf("%s: %v", method, err)
			}
		}
	case <-ctx.Done():
		b.t.Fatalf("%s: no answer in 30 s", method)
	}
}

// on registers interest in the next event method (matching match, if
// given) before the command that causes it is sent.
func (b *browser) on(method string, match func(json.RawMessage) bool) <-chan json.RawMessage {
	w := &waiter{method: method, match: match, ch: make(chan json.RawMessage, 1)}
	b.mu.Lock()
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	return w.ch
}

func (b *browser) wait(what string, ch <-chan json.RawMessage, timeout time.Duration) json.RawMessage {
	b.t.Helper()
	select {
	case p := <-ch:
		return p
	case <-time.After(timeout):
		b.t.Fatalf("waited %v for %s", timeout, what)
		return nil
	}
}

// navigate opens url and waits until the page has loaded.
func (b *browser) navigate(url string) {
	b.t.Helper()
	loaded := b.on("Page.loadEventFired", nil)
	var res struct{ ErrorText string }
	b.call(b.session, "Page.navigate", map[string]any{"url": url}, &res)
	if res.ErrorText != "" {
		b.t.Fatalf("open %s: %s", url, res.ErrorText)
	}
	b.wait("the page "+url+" to load", loaded, 30*time.Second)
}

// eval runs a JavaScript expression in the page (the test's hands; the
// pages themselves have no script) and returns its value as JSON.
func (b *browser) eval(expr string) json.RawMessage {
	b.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct{ Text string } `json:"exceptionDetails"`
	}
	b.call(b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if res.ExceptionDetails != nil {
		b.t.Fatalf("%s: %s", expr, res.ExceptionDetails.Text)
	}
	return res.Result.Value
}

func (b *browser) text(expr string) string {
	b.t.Helper()
	var s string
	if err := json.Unmarshal(b.eval(expr), &s); err != nil {
		b.t.Fatalf("%s is not a string: %v", expr, err)
	}
	return s
}

// typeInto focuses the field and types text as keyboard input would.
func (b *browser) typeInto(selector, text string) {
	b.t.Helper()
	b.eval(fmt.Sprintf("document.querySelector(%q).focus()", selector))
	b.call(b.session, "Input.insertText", map[string]any{"text": text}, nil)
}

// click clicks the element with the mouse, at its centre, as a person
// would (a form submits, a link downloads, without any script of the
// page's own).
func (b *browser) click(selector string) {
	b.t.Helper()
	var box struct{ X, Y float64 }
	if err := json.Unmarshal(b.eval(fmt.Sprintf(
		`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return {x: r.x + r.width/2, y: r.y + r.height/2}; })()`,
		selector)), &box); err != nil {
		b.t.Fatal(err)
	}
	for _, typ := range []string{"mousePressed", "mouseReleased"} {
		b.call(b.session, "Input.dispatchMouseEvent", map[string]any{"type": typ, "x": box.X, "y": box.Y, "button": "left", "clickCount": 1}, nil)
	}
}

// submit clicks a button that navigates, and waits for the next page.
func (b *browser) clickAndLoad(selector string) {
	b.t.Helper()
	loaded := b.on("Page.loadEventFired", nil)
	b.click(selector)
	b.wait("the next page after clicking "+selector, loaded, 30*time.Second)
}

// screenshot returns the page as PNG.
func (b *browser) screenshot() []byte {
	b.t.Helper()
	var res struct{ Data string }
	b.call(b.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &res)
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	return png
}
