package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/shared/agentconfig"
	"lifeline/shared/e2etest"
	"lifeline/shared/xvfbtest"
)

// The screenshots of docs/screenshots/join-*.png come from this test:
//
//	LIFELINE_JOIN_SCREENSHOTS=$PWD/docs/screenshots go test -tags x11 -run TestJoinPage ./packaging/e2e/
//
// Without the variable they are taken, checked and thrown away.

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binaries builds lifeline-rendezvous and lifeline-agent once, the way
// make agents builds the Linux agent.
func binaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		if binDir, buildErr = os.MkdirTemp("", "lifeline-join-e2e"); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-tags", "x11", "-o", binDir+string(os.PathSeparator), "./rendezvous", "./agent")
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

// startServer starts lifeline-rendezvous with a CSR account and the agent
// folder, as `make run` does.
func startServer(t *testing.T, bin, agentDir string, setup ...[]string) *e2etest.Server {
	t.Helper()
	s := &e2etest.Server{Email: "carol@example.com", Name: "Carol CSR", Password: "e2e-password-123"}
	data := t.TempDir()
	add := exec.Command(filepath.Join(bin, "rendezvous"), "user", "add", "--data", data, "--email", s.Email, "--name", s.Name, "--password-stdin")
	add.Stdin = strings.NewReader(s.Password + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("rendezvous user add: %v\n%s", err, out)
	}
	// More set-up before the server starts: rendezvous commands, with
	// DATA standing for the data folder.
	for _, args := range setup {
		args = slices.Clone(args)
		for i, a := range args {
			if a == "DATA" {
				args[i] = data
			}
		}
		cmd := exec.Command(filepath.Join(bin, "rendezvous"), args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rendezvous %v: %v\n%s", args, err, out)
		}
	}
	p := e2etest.Start(t, "rendezvous", nil, filepath.Join(bin, "rendezvous"), "serve", "--data", data,
		"--listen", "127.0.0.1:0", "--turn-listen", "off", "--agent-dir", agentDir)
	p.Expect(`^Agent downloads: `+runtime.GOOS+`-`+runtime.GOARCH+` from `, 20*time.Second)
	s.Fingerprint = p.Expect(`fingerprint: (\S+)`, 20*time.Second)[1]
	port := p.Expect(`listening on https://localhost:(\d+)`, 20*time.Second)[1]
	s.URL = "https://127.0.0.1:" + port
	return s
}

// TestJoinPageDownloadsAnAgentThatJoins is the customer's way in from the
// join link: a browser opens the page, the customer types a wrong number
// (the form again, with a sentence), opens the CSR's link (the number
// prefilled), types a name and email, presses Join, downloads the agent
// for this computer from the download page, and runs the downloaded file
// with no session flags — it joins the session as the customer, trusting
// the server's self-signed certificate by the fingerprint baked into it:
// in a terminal (--no-gui), and as a double-click on a desktop (the window
// joins without a press). A damaged copy is refused.
func TestJoinPageDownloadsAnAgentThatJoins(t *testing.T) {
	chromiumPath(t) // skip before building when there is no browser
	bin := binaries(t)
	agents := t.TempDir()
	if err := os.Symlink(filepath.Join(bin, "agent"), filepath.Join(agents, "lifeline-agent-"+runtime.GOOS+"-"+runtime.GOARCH)); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, bin, agents)
	api := srv.Login(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	created, err := api.CreateSession(ctx, "", "")
	if err != nil {
		t.Fatalf("start a session: %v", err)
	}
	number := created.Number
	spaced := number[:3] + " " + number[3:6] + " " + number[6:]

	downloads := t.TempDir()
	b := startBrowser(t, 900, 900, downloads)
	shots := os.Getenv("LIFELINE_JOIN_SCREENSHOTS")

	// A wrong number: the form again, with a sentence, and a guess counted.
	wrong := "100 000 000"
	if number == "100000000" {
		wrong = "100 000 001"
	}
	b.navigate(srv.URL + "/join")
	b.typeInto("#number", wrong)
	b.typeInto("#name", "Dana Scully")
	b.clickAndLoad("button[type=submit]")
	if got := b.text("document.body.innerText"); !strings.Contains(got, "There is no support session with this number.") {
		t.Fatalf("after a wrong number the page says:\n%s", got)
	}
	if got := b.text(`document.querySelector("#name").value`); got != "Dana Scully" {
		t.Errorf("the form again lost the name: %q", got)
	}
	keepScreenshot(t, b, shots, "join-wrong-number.png")

	// The link the CSR sends, with the number in it.
	if !strings.HasSuffix(created.JoinURL, "/join/"+number) {
		t.Fatalf("join link %q", created.JoinURL)
	}
	b.navigate(created.JoinURL)
	if got := b.text(`document.querySelector("#number").value`); got != spaced {
		t.Fatalf("the link's number is not prefilled: %q", got)
	}
	b.typeInto("#name", "Dana Scully")
	b.typeInto("#email", "dana@example.com")
	keepScreenshot(t, b, shots, "join-form.png")
	b.clickAndLoad("button[type=submit]")

	page := b.text("document.body.innerText")
	for _, want := range []string{
		"Join support session " + spaced,
		"Open the downloaded file; it joins session " + spaced + " as Dana Scully.",
		"Download Lifeline for Linux",
	} {
		if !strings.Contains(page, want) {
			t.Fatalf("the download page lacks %q:\n%s", want, page)
		}
	}
	keepScreenshot(t, b, shots, "join-download.png")

	// Download with the page's own button, as the customer would.
	began := b.on("Browser.downloadWillBegin", nil)
	completed := b.on("Browser.downloadProgress", func(p json.RawMessage) bool {
		var e struct{ State string }
		return json.Unmarshal(p, &e) == nil && (e.State == "completed" || e.State == "canceled")
	})
	b.click("a.button")
	var begin struct{ SuggestedFilename, URL string }
	if err := json.Unmarshal(b.wait("the download to begin", began, 30*time.Second), &begin); err != nil {
		t.Fatal(err)
	}
	if begin.SuggestedFilename != "lifeline-agent-"+number {
		t.Errorf("the download is called %q", begin.SuggestedFilename)
	}
	var end struct{ State string }
	if err := json.Unmarshal(b.wait("the download to finish", completed, 2*time.Minute), &end); err != nil || end.State != "completed" {
		t.Fatalf("download %s: %v", end.State, err)
	}
	downloaded := filepath.Join(downloads, begin.SuggestedFilename)
	baked, found, err := agentconfig.Read(downloaded)
	if err != nil || !found {
		t.Fatalf("the downloaded agent carries no configuration: %v, %v", found, err)
	}
	want := agentconfig.Config{Server: srv.URL, Fingerprint: srv.Fingerprint, Session: number, Name: "Dana Scully", Email: "dana@example.com"}
	if baked != want {
		t.Fatalf("the downloaded agent carries\n %+v, want\n %+v", baked, want)
	}

	// A browser saves a download without the permission to run; the page
	// tells the customer to give it, and so does the test.
	if err := os.Chmod(downloaded, 0o755); err != nil {
		t.Fatal(err)
	}
	agent := e2etest.Start(t, "downloaded agent", []string{"DISPLAY="}, downloaded, "--no-gui", "--loopback-only")
	agent.Expect(`^STATUS Connected to session`, 60*time.Second)
	st, err := api.Session(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	var dana bool
	for _, p := range st.Participants {
		if p.Name == "Dana Scully" && p.Email == "dana@example.com" && p.Role == "primary_customer" {
			dana = true
		}
	}
	if !dana {
		t.Fatalf("the CSR does not see Dana Scully as the customer: %+v", st.Participants)
	}

	// The same file double-clicked on a desktop: the window opens and joins
	// without a press, as a second customer here.
	d := xvfbtest.Start(t, 1024, 768)
	e2etest.Start(t, "downloaded agent, window", []string{"DISPLAY=" + d.Name}, downloaded)
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := api.Session(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		joined := 0
		for _, p := range st.Participants {
			if p.Name == "Dana Scully" && p.Connected {
				joined++
			}
		}
		if joined == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent's window did not join by itself in 60 s: %+v", st.Participants)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if shots != "" {
		time.Sleep(time.Second) // the window's last redraw after joining
		if out, err := d.Command("import", "-window", "root", filepath.Join(shots, "join-agent-window.png")).CombinedOutput(); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
	}

	// The same file damaged: refused with a sentence, nothing joined.
	data, err := os.ReadFile(downloaded)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndex(data, []byte(`"session":"`))
	data[i+len(`"session":"`)] ^= 1
	damaged := filepath.Join(t.TempDir(), "lifeline-agent-damaged")
	if err := os.WriteFile(damaged, data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(damaged, "--no-gui", "--loopback-only").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "damaged") || !strings.Contains(string(out), "download the agent again") {
		t.Fatalf("a damaged download: %v\n%s", err, out)
	}
}

// keepScreenshot takes the page, checks it is a picture of the page (the
// viewport's size, not blank), and writes it to dir when one is given.
func keepScreenshot(t *testing.T, b *browser, dir, name string) {
	t.Helper()
	pngData := b.screenshot()
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got := img.Bounds().Size(); got != (image.Point{900, 900}) {
		t.Errorf("%s is %v, want the viewport 900×900", name, got)
	}
	ink := 0
	for y := 0; y < img.Bounds().Dy(); y += 4 {
		for x := 0; x < img.Bounds().Dx(); x += 4 {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xc000 || g < 0xc000 || bl < 0xc000 {
				ink++
			}
		}
	}
	if ink < 200 {
		t.Errorf("%s is nearly blank (%d dark samples)", name, ink)
	}
	if dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), pngData, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
