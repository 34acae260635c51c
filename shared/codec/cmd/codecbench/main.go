// Command codecbench measures the screen codec on the screen corpus and
// writes the results into BENCHMARKS.md between the markers
// <!-- codec:begin --> and <!-- codec:end --> (everything else in the file
// is left untouched). It also runs ffmpeg's VP8 (libvpx) on the same frames
// as the peer when ffmpeg is installed.
//
//	go run ./shared/codec/cmd/codecbench -corpus ../shared/corpus -out BENCHMARKS.md
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"lifeline/shared/benchdoc"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"lifeline/shared/codec"
)

const fps = 30

var scenarios = []string{"typing", "terminal-scroll", "web-scroll", "window-drag", "video-region", "idle"}

type modeSpec struct {
	name string
	opts codec.Options
}

var modes = []modeSpec{
	{"Standard full", codec.Options{Mode: codec.Standard, Color: codec.ColorFull}},
	{"Standard 16-bit", codec.Options{Mode: codec.Standard, Color: codec.Color16}},
	{"Standard 256", codec.Options{Mode: codec.Standard, Color: codec.Color256}},
	{"Sampling full", codec.Options{Mode: codec.Sampling, Color: codec.ColorFull}},
}

func main() {
	corpus := flag.String("corpus", "../shared/corpus", "screen corpus directory (one folder per scenario)")
	out := flag.String("out", "BENCHMARKS.md", "Markdown file to update (section between codec markers)")
	only := flag.String("scenarios", "", "comma-separated subset of scenarios (default: all)")
	noVP8 := flag.Bool("novp8", false, "skip the ffmpeg VP8 peer")
	flag.Parse()
	log.SetFlags(0)
	runtime.LockOSThread() // thread CPU time measures this goroutine only
	loadStart := loadAvg()

	list := scenarios
	if *only != "" {
		list = strings.Split(*only, ",")
	}
	ffmpeg, ffErr := exec.LookPath("ffmpeg")
	if *noVP8 {
		ffmpeg, ffErr = "", fmt.Errorf("disabled by -novp8")
	}
	started := time.Now()

	var rows []result
	var peers []peer
	var fullScreen []*image.RGBA
	for _, sc := range list {
		dir := filepath.Join(*corpus, sc)
		frames, err := loadFrames(dir)
		if err != nil {
			log.Fatalf("codecbench: %s: %v", sc, err)
		}
		log.Printf("%s: %d frames", sc, len(frames))
		for _, m := range modes {
			r := run(sc, m, frames)
			rows = append(rows, r)
			log.Printf("  %-16s %9d bytes  enc %.2f/%.2f ms  dec %.2f/%.2f ms  %s", m.name, r.bytes, r.encMed, r.encP99, r.decMed, r.decP99, r.quality)
		}
		if ffErr == nil {
			p, err := runVP8(ffmpeg, dir, len(frames))
			if err != nil {
				log.Printf("  VP8: %v", err)
				p.err = err
			} else {
				log.Printf("  VP8 %9d bytes  %.1f ms/frame", p.bytes, p.msPerFrame)
			}
			p.scenario = sc
			peers = append(peers, p)
		}
		if sc == "web-scroll" || sc == "typing" {
			fullScreen = append(fullScreen, frames[0])
		}
		frames = nil
		runtime.GC()
	}
	// Full-screen change: alternate two different desktops as delta frames.
	var fs []result
	if len(fullScreen) == 2 {
		seq := make([]*image.RGBA, 0, 31)
		for i := 0; i < 31; i++ {
			seq = append(seq, fullScreen[i%2])
		}
		for _, m := range []modeSpec{modes[0], modes[3]} {
			r := run("full-screen change", m, seq)
			fs = append(fs, r)
			log.Printf("full-screen %-16s enc %.2f/%.2f ms", m.name, r.encMed, r.encP99)
		}
	}

	md := render(rows, peers, fs, ffErr, time.Since(started), loadStart+" → "+loadAvg())
	if err := updateFile(*out, md); err != nil {
		log.Fatalf("codecbench: %v", err)
	}
	log.Printf("wrote %s (%.0f s)", *out, time.Since(started).Seconds())
}

type result struct {
	scenario, mode string
	frames         int
	bytes          int
	keyBytes       int
	encMed, encP99 float64 // ms, delta frames only (the first frame is a keyframe)
	encWallMed     float64
	keyEncMs       float64
	decMed, decP99 float64
	decWallMed     float64
	quality        string // "exact", or PSNR
	copies         int
	lossyTiles     int
	refresh        int
	emptyFrames    int
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// clock and since measure the CPU time of the calling thread (the goroutine
// is locked to it in main), falling back to wall time where unsupported.
func clock() (time.Duration, time.Time) { return threadCPU(), time.Now() }

func since(c0 time.Duration, t0 time.Time) (cpu, wall time.Duration) {
	wall = time.Since(t0)
	if threadCPUSupported {
		return threadCPU() - c0, wall
	}
	return wall, wall
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// run encodes the frames in order (twice: the first pass warms up, the
// second is timed) and decodes them, checking exactness or measuring PSNR.
func run(sc string, m modeSpec, frames []*image.RGBA) result {
	r := result{scenario: sc, mode: m.name, frames: len(frames)}
	var msgs [][]byte
	var enc, encWall []float64
	e := codec.NewEncoder(m.opts)
	for pass := 0; pass < 2; pass++ {
		// The second pass reuses the warmed-up encoder from a forced
		// keyframe, which is byte-identical to a fresh encoder's output.
		e.ForceKeyframe()
		msgs = msgs[:0]
		enc, encWall = enc[:0], encWall[:0]
		r.bytes, r.copies, r.lossyTiles, r.refresh, r.emptyFrames = 0, 0, 0, 0, 0
		for i, f := range frames {
			c0, t0 := clock()
			msg, st, err := e.Encode(f, nil)
			d, wall := since(c0, t0)
			if err != nil {
				log.Fatalf("%s %s frame %d: %v", sc, m.name, i, err)
			}
			if i == 0 {
				r.keyBytes = len(msg)
				r.keyEncMs = ms(d)
			} else {
				enc = append(enc, ms(d))
				encWall = append(encWall, ms(wall))
			}
			r.bytes += len(msg)
			r.copies += st.Copies
			r.lossyTiles += st.LossyTiles
			r.refresh += st.RefreshTiles
			if len(msg) == 0 {
				r.emptyFrames++
			}
			msgs = append(msgs, msg)
		}
	}
	r.encMed, r.encP99, r.encWallMed = median(enc), p99(enc), median(encWall)

	// Warm-up decode pass, then the timed and checked pass.
	dec := codec.NewDecoder()
	for i, msg := range msgs {
		if len(msg) > 0 {
			if _, err := dec.Decode(msg); err != nil {
				log.Fatalf("%s %s frame %d: decode: %v", sc, m.name, i, err)
			}
		}
	}
	var dts, dwall []float64
	exact := true
	var psnrs []float64
	for i, msg := range msgs {
		if len(msg) > 0 {
			c0, t0 := clock()
			if _, err := dec.Decode(msg); err != nil {
				log.Fatalf("%s %s frame %d: decode: %v", sc, m.name, i, err)
			}
			d, wall := since(c0, t0)
			dts = append(dts, ms(d))
			dwall = append(dwall, ms(wall))
		}
		want := frames[i]
		if m.opts.Color != codec.ColorFull {
			want = codec.Quantized(m.opts.Color, frames[i])
		}
		if !sameRGB(want, dec.Image()) {
			exact = false
		}
		psnrs = append(psnrs, psnr(frames[i], dec.Image()))
	}
	r.decMed, r.decP99, r.decWallMed = median(dts), p99(dts), median(dwall)
	switch {
	case m.opts.Mode == codec.Standard && m.opts.Color == codec.ColorFull:
		if !exact {
			log.Fatalf("%s %s: lossless round trip is not exact", sc, m.name)
		}
		r.quality = "exact"
	case m.opts.Mode == codec.Standard:
		if !exact {
			log.Fatalf("%s %s: decoded image differs from the documented quantisation", sc, m.name)
		}
		r.quality = fmt.Sprintf("= quantised; %.1f dB vs source", meanDB(psnrs))
	default:
		last := psnrs[len(psnrs)-1]
		r.quality = fmt.Sprintf("mean %.1f dB, min %.1f dB, last frame %s", meanDB(psnrs), minDB(psnrs), fmtDB(last))
	}
	return r
}

func fmtDB(v float64) string {
	if math.IsInf(v, 1) {
		return "exact"
	}
	return fmt.Sprintf("%.1f dB", v)
}

// meanDB averages PSNR values, counting identical frames as 99 dB.
func meanDB(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += math.Min(x, 99)
	}
	return s / float64(len(v))
}

func minDB(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return math.Min(m, 99)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func p99(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(math.Ceil(0.99*float64(len(s)))) - 1
	return s[max(0, i)]
}

func sameRGB(a, b *image.RGBA) bool {
	if a.Rect.Dx() != b.Rect.Dx() || a.Rect.Dy() != b.Rect.Dy() {
		return false
	}
	for y := 0; y < a.Rect.Dy(); y++ {
		ra := a.Pix[a.PixOffset(a.Rect.Min.X, a.Rect.Min.Y+y):]
		rb := b.Pix[b.PixOffset(b.Rect.Min.X, b.Rect.Min.Y+y):]
		for x := 0; x < a.Rect.Dx(); x++ {
			if ra[4*x] != rb[4*x] || ra[4*x+1] != rb[4*x+1] || ra[4*x+2] != rb[4*x+2] {
				return false
			}
		}
	}
	return true
}

func psnr(a, b *image.RGBA) float64 {
	var se float64
	n := 0
	for y := 0; y < a.Rect.Dy(); y++ {
		ra := a.Pix[a.PixOffset(a.Rect.Min.X, a.Rect.Min.Y+y):]
		rb := b.Pix[b.PixOffset(b.Rect.Min.X, b.Rect.Min.Y+y):]
		for x := 0; x < 4*a.Rect.Dx(); x += 4 {
			for c := 0; c < 3; c++ {
				d := float64(ra[x+c]) - float64(rb[x+c])
				se += d * d
			}
		}
		n += 3 * a.Rect.Dx()
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

func loadFrames(dir string) ([]*image.RGBA, error) {
	names, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9][0-9].png"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no NNNN.png frames in %s", dir)
	}
	slices.Sort(names)
	var out []*image.RGBA
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		m, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", n, err)
		}
		rgba, ok := m.(*image.RGBA)
		if !ok {
			bb := m.Bounds()
			rgba = image.NewRGBA(image.Rect(0, 0, bb.Dx(), bb.Dy()))
			draw.Draw(rgba, rgba.Rect, m, bb.Min, draw.Src)
		}
		out = append(out, rgba)
	}
	return out, nil
}

type peer struct {
	scenario    string
	frames      int
	bytes       int     // .webm file size
	packets     []int   // per-frame packet sizes (ffprobe), if available
	msPerFrame  float64 // wall
	cpuPerFrame float64 // user+system CPU of ffmpeg (all its threads)
	err         error
}

// runVP8 encodes the scenario with libvpx exactly as specified for the peer.
func runVP8(ffmpeg, dir string, frames int) (peer, error) {
	p := peer{frames: frames}
	tmp, err := os.MkdirTemp("", "codecbench-vp8-")
	if err != nil {
		return p, err
	}
	defer os.RemoveAll(tmp)
	outFile := filepath.Join(tmp, "out.webm")
	cmd := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-framerate", "30",
		"-i", filepath.Join(dir, "%04d.png"), "-c:v", "libvpx", "-deadline", "realtime",
		"-cpu-used", "12", "-b:v", "1390k", outFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return p, fmt.Errorf("ffmpeg: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	p.msPerFrame = ms(time.Since(t0)) / float64(frames)
	if ps := cmd.ProcessState; ps != nil {
		p.cpuPerFrame = ms(ps.UserTime()+ps.SystemTime()) / float64(frames)
	}
	fi, err := os.Stat(outFile)
	if err != nil {
		return p, err
	}
	p.bytes = int(fi.Size())
	if ffprobe, err := exec.LookPath("ffprobe"); err == nil {
		o, err := exec.Command(ffprobe, "-v", "error", "-select_streams", "v", "-show_entries", "packet=size",
			"-of", "csv=p=0", outFile).Output()
		if err == nil {
			for _, l := range strings.Fields(string(o)) {
				if n, err := strconv.Atoi(strings.TrimSuffix(l, ",")); err == nil {
					p.packets = append(p.packets, n)
				}
			}
		}
	}
	return p, nil
}

func kbps(bytes, frames int) float64 {
	if frames == 0 {
		return 0
	}
	return float64(bytes) * 8 / (float64(frames) / fps) / 1000
}

func render(rows []result, peers []peer, fs []result, ffErr error, took time.Duration, load string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("## Screen codec (`shared/codec`)\n\n")
	w("Generated by `go run ./shared/codec/cmd/codecbench -corpus ../shared/corpus -out BENCHMARKS.md` (`make bench`).\n\n")
	w("- Date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	w("- Machine: %s, %s, %d cores (single goroutine used for encode and decode)\n", unameM(), benchdoc.CPUModel(), runtime.NumCPU())
	w("- Go: %s\n", runtime.Version())
	w("- Run time: %.0f s; load average (1/5/15 min) at start → end: %s\n\n", took.Seconds(), load)
	w("Each scenario is played in order as a 30 fps screen; the first frame is a keyframe. ")
	w("Times are CPU milliseconds of the single encoding/decoding thread (`CLOCK_THREAD_CPUTIME_ID`), ")
	w("so they mean \"ms on one core\" even when the machine is shared; the median wall-clock time is shown in brackets. ")
	w("Encode times are for the delta frames (median / p99; the keyframe is listed separately), ")
	w("decode times for every non-empty message. Sizes include the 20-byte frame header.\n\n")
	w("| scenario | mode | frames | total bytes | keyframe bytes | kbit/s @30fps | enc ms med / p99 [wall] | keyframe enc ms | dec ms med / p99 [wall] | copies | lossy tiles / refreshes | quality |\n")
	w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range rows {
		w("| %s | %s | %d | %d | %d | %.0f | %.2f / %.2f [%.2f] | %.1f | %.2f / %.2f [%.2f] | %d | %d / %d | %s |\n",
			r.scenario, r.mode, r.frames, r.bytes, r.keyBytes, kbps(r.bytes, r.frames), r.encMed, r.encP99, r.encWallMed, r.keyEncMs,
			r.decMed, r.decP99, r.decWallMed, r.copies, r.lossyTiles, r.refresh, r.quality)
	}
	if len(fs) > 0 {
		w("\nFull-screen change (synthetic): the first frames of `typing` and `web-scroll` alternated as delta frames, so every tile changes every frame.\n\n")
		w("| mode | enc ms med / p99 [wall] | fps (1 core, median) | dec ms med / p99 | bytes/frame |\n|---|---:|---:|---:|---:|\n")
		for _, r := range fs {
			w("| %s | %.1f / %.1f [%.1f] | %.0f | %.1f / %.1f | %d |\n", r.mode, r.encMed, r.encP99, r.encWallMed, 1000/r.encMed, r.decMed, r.decP99, (r.bytes-r.keyBytes)/max(1, r.frames-1))
		}
	}
	w("\n### Peer: VP8 (libvpx via ffmpeg)\n\n")
	if ffErr != nil {
		w("ffmpeg not available (%v): VP8 peer skipped.\n", ffErr)
	} else {
		w("`ffmpeg -framerate 30 -i %%04d.png -c:v libvpx -deadline realtime -cpu-used 12 -b:v 1390k out.webm` (lossy; wall and CPU time include ffmpeg's PNG decoding; CPU is user+system of all ffmpeg threads). ")
		w("Ratio = Lifeline Standard full (lossless) bytes / VP8 .webm bytes; the steady-state ratio leaves out the first frame on both sides (VP8 packet sizes from ffprobe).\n\n")
		w("| scenario | VP8 bytes | VP8 kbit/s | VP8 first frame | VP8 ms/frame wall / CPU | Lifeline lossless bytes | ratio | steady-state ratio |\n")
		w("|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, p := range peers {
			if p.err != nil {
				w("| %s | failed: %v | | | | | | |\n", p.scenario, p.err)
				continue
			}
			var ll result
			for _, r := range rows {
				if r.scenario == p.scenario && r.mode == modes[0].name {
					ll = r
				}
			}
			first, steady := "n/a", "n/a"
			if len(p.packets) > 1 {
				first = strconv.Itoa(p.packets[0])
				rest := 0
				for _, n := range p.packets[1:] {
					rest += n
				}
				steady = fmt.Sprintf("%.2f", float64(ll.bytes-ll.keyBytes)/float64(rest))
			}
			w("| %s | %d | %.0f | %s | %.1f / %.1f | %d | %.2f | %s |\n", p.scenario, p.bytes, kbps(p.bytes, p.frames), first, p.msPerFrame, p.cpuPerFrame, ll.bytes, float64(ll.bytes)/float64(p.bytes), steady)
		}
	}
	return b.String()
}

func unameM() string {
	if o, err := exec.Command("uname", "-m").Output(); err == nil {
		return strings.TrimSpace(string(o))
	}
	return runtime.GOARCH
}

// updateFile replaces the codec section of path.
func updateFile(path, section string) error { return benchdoc.UpdateSection(path, "codec", section) }
