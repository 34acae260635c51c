package recbench

import (
	"fmt"
	"strings"
	"time"

	"lifeline/shared/benchdoc"
	"lifeline/shared/recording"
)

type reportData struct {
	machine, loadAfter string
	date               time.Time
	runTime            time.Duration
	clips              []*clip
}

// med is the median of a run's timings, in nanoseconds.
func med(d []time.Duration) float64 {
	v := make([]float64, len(d))
	for i, x := range d {
		v[i] = float64(x)
	}
	return benchdoc.Percentile(v, 50)
}

// framesPerKey is how many frames the stream carries per keyframe of the
// recorder's in the minute written at the scenario's rate.
func (c *clip) framesPerKey() float64 {
	return float64(c.sc.fps) * 60 / float64(max(c.keysMin, 1))
}

// keyCost is the recorder's cost of one keyframe: copying the picture and
// encoding it.
func (c *clip) keyCost() float64 { return med(c.clone) + med(c.encodeKey) }

// recordCost is the recorder's CPU time per frame: writing the frame's
// record, and its share of a keyframe.
func (c *clip) recordCost() float64 { return med(c.write) + c.keyCost()/c.framesPerKey() }

func (c *clip) byteRatio() float64 { return float64(c.recMin) / float64(c.streamMin) }

func report(d reportData) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Session recording (`shared/recording`)\n\n")
	fmt.Fprintf(&b, "Command: `make bench` (runs `LIFELINE_BENCH_OUT=BENCHMARKS.md LIFELINE_CORPUS=../shared/corpus go test -tags x11 -count=1 -v -timeout 10m -run TestRecordingCost ./shared/recording/internal/recbench`)  \n")
	fmt.Fprintf(&b, "Date: %s  \nMachine: %s when the run started, %s when it ended; run time %.0f s. The machine is shared with other work and noisy: read the medians and the ratios, which compare figures taken in the same run.\n\n",
		d.date.Format("2006-01-02 15:04 MST"), d.machine, d.loadAfter, d.runTime.Seconds())

	fmt.Fprintf(&b, "The first %d frames of each corpus scenario (`../shared/corpus`, 1920×1080), encoded in order by the real codec as the agent encodes them (a fresh `codec.Encoder`, full colour; a frame that changed nothing sends no message), "+
		"decoded by a `codec.Decoder` as the console decodes them, and recorded as the console's recorder records them: it starts after the agent's keyframe was shown, with a keyframe of its own (`recording.Keyframe`: lossless Standard of the console's picture), then writes every message as received, "+
		"and a keyframe of its own in the place of a message where `recording.DueKeyframe` calls for one (%v or more after the last, once the deltas since weigh half of it). Frames are %d fps apart, idle's 1 s (as the corpus was taken). "+
		"Every recording made is played back and its pictures compared with the console's, pixel for pixel.\n\n",
		clipFrames, every, 30)

	fmt.Fprintf(&b, "**Bytes per minute.** A minute of stream at the scenario's rate repeats the clip's messages in turn; its recording is written by `recording.Writer` as the recorder writes it: "+
		"header, size record, the opening keyframe, every message with its record's framing (kind, time, length, CRC-32), the messages where `recording.DueKeyframe` calls for one (15 s or more after the last once the deltas since weigh half of it, 5 min at most) replaced by the recorder's keyframes of the clip's pictures in turn, and the end record. "+
		"The peer is the stream itself: the same minute's codec messages without a recording (the transport's framing left out on that side). MB are 10⁶ bytes. "+
		"The stream's rate is that of the clip's %d frames, repeated: it differs from the codec section's, which plays whole scenarios (Screen Sampling's first deltas carry JPEG tiles and the refreshes that follow them).\n\n", clipFrames)
	fmt.Fprintf(&b, "| scenario | mode | rate | stream MB/min (peer) | recording MB/min | recording / stream | recorder's keyframes, MB/min | keyframe bytes: agent's / recorder's (mean) |\n")
	fmt.Fprintf(&b, "|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range d.clips {
		keys := 0
		for _, k := range c.keys {
			keys += len(k)
		}
		fmt.Fprintf(&b, "| %s | %s | %d fps | %.2f | %.2f | **%.2f** | %.2f | %d / %d |\n",
			c.sc.name, c.mode, c.sc.fps, mb(c.streamMin), mb(c.recMin), c.byteRatio(), mb(c.recKeysMin), c.agentKey, keys/len(c.keys))
	}

	fmt.Fprintf(&b, "\n**CPU per frame.** CPU time of the one thread doing the work (`CLOCK_THREAD_CPUTIME_ID`, so other processes do not count; the write system calls do), median of %d runs. "+
		"The frames are the clip's deltas but the one the middle keyframe replaces (the same frames in every column). "+
		"The peer is the console's decoding of the same frames, which it does whether or not it records: `Decoder.Decode` of each delta, timed on its own (mean per frame of a run). "+
		"Writing is `Writer.Frame` of the deltas to a new file in the temporary folder, then `Flush`, timed together (mean per frame of a run). "+
		"A keyframe is the display's copy of its picture (`rgba.Clone`, on the decode goroutine, under the display's lock) and its encoding on the recorder's goroutine (`recording.Keyframe`; the median over the clip's first, middle and last pictures); "+
		"the recorder makes as many as the minute above has, and its share per frame is that cost divided over the minute's frames. The last column is the work per second of screen at the scenario's rate, as a share of one core.\n\n",
		runs)
	fmt.Fprintf(&b, "| scenario | mode | console decodes a delta, ns (peer) | recorder writes it, ns | write / decode | recorder's keyframe: copy + encode, ms | its share per frame, ns | recording / decoding, per frame | %% of a core: recording / decoding |\n")
	fmt.Fprintf(&b, "|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range d.clips {
		dec := med(c.decodeFrame)
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %.3f | %.1f + %.1f | %.0f | **%.2f** | %.2f / %.2f |\n",
			c.sc.name, c.mode, dec, med(c.write), med(c.write)/dec, med(c.clone)/1e6, med(c.encodeKey)/1e6,
			c.keyCost()/c.framesPerKey(), c.recordCost()/dec, c.perSecond(c.recordCost()), c.perSecond(dec))
	}

	fmt.Fprintf(&b, "\n**Player.** `recording.OpenPlayer` of the clip's recording (one pass for the index of keyframes, then the opening keyframe decoded), "+
		"`Advance` to every frame's time in turn, each timed on its own (mean per delta; the recorder's keyframe in the middle apart), `Seek` back to that middle keyframe, then `Seek` to the last frame (the middle keyframe and the deltas after it decoded). "+
		"Each is read from the file (in the page cache), its CRC checked and decoded. The peer is again the console's decoding of the same frames, and of the agent's keyframe.\n\n")
	fmt.Fprintf(&b, "| scenario | mode | console decodes a delta, ns (peer) | player plays a delta, ns | player / console | console decodes the agent's keyframe, ms | player decodes the recorder's keyframe, ms | open, ms | seek to the middle keyframe, ms | seek to the last frame, ms |\n")
	fmt.Fprintf(&b, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range d.clips {
		dec := med(c.decodeFrame)
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | **%.2f** | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
			c.sc.name, c.mode, dec, med(c.play), med(c.play)/dec, med(c.decodeKey)/1e6, med(c.playKey)/1e6,
			med(c.open)/1e6, med(c.seekMid)/1e6, med(c.seekLast)/1e6)
	}
	b.WriteString("\n" + summary(d.clips))
	return b.String()
}

// summary states the ranges of the ratios over the scenarios that change
// at 30 fps, and idle's apart, from this run's figures.
func summary(clips []*clip) string {
	type span struct{ lo, hi float64 }
	add := func(s *span, v float64) {
		if s.lo == 0 || v < s.lo {
			s.lo = v
		}
		s.hi = max(s.hi, v)
	}
	var bytes, cpu, core, play, sampledKeys span
	var idle []string
	for _, c := range clips {
		if c.mode == modes[1].name {
			keys := 0
			for _, k := range c.keys {
				keys += len(k)
			}
			add(&sampledKeys, float64(keys)/float64(len(c.keys))/float64(c.agentKey))
		}
		if c.sc.fps != 30 {
			idle = append(idle, fmt.Sprintf("%.1f× in %s", c.byteRatio(), c.mode))
			continue
		}
		add(&bytes, c.byteRatio())
		add(&cpu, c.recordCost()/med(c.decodeFrame))
		add(&core, c.perSecond(c.recordCost()))
		add(&play, med(c.play)/med(c.decodeFrame))
	}
	return fmt.Sprintf("In this run, over the five scenarios at 30 fps and both modes: a recording is %.2f–%.2f× the stream's bytes. "+
		"The recorder's CPU time per frame is %.2f–%.2f× the console's decoding of it, mostly its keyframes' share, which is what makes it exceed the decoding where the deltas are cheap to decode; "+
		"in all it is %.2f–%.2f %% of a core, on the recorder's goroutine but for the copy of the picture. The player spends %.2f–%.2f× the console's time per frame, and a seek costs about one keyframe's decoding plus the deltas after it. "+
		"In Screen Sampling the recorder's keyframes, lossless encodings of the console's picture, are %.1f–%.1f× the size of the agent's first keyframe, which has JPEG tiles. "+
		"Idle, a clock changing once a second: its deltas are tiny, so the recorder waits up to %v for its next keyframe, and its recording is %s the stream.\n",
		bytes.lo, bytes.hi, cpu.lo, cpu.hi, core.lo, core.hi, play.lo, play.hi, sampledKeys.lo, sampledKeys.hi, recording.KeyframeAtMost, strings.Join(idle, " and "))
}

func mb(n int64) float64 { return float64(n) / 1e6 }

// every is KeyframeEvery in words.
var every = fmt.Sprintf("%.0f s", recording.KeyframeEvery.Seconds())

// perSecond is the share of one core that a cost per frame takes at the
// scenario's rate, in per cent.
func (c *clip) perSecond(perFrame float64) float64 { return perFrame * float64(c.sc.fps) / 1e9 * 100 }
