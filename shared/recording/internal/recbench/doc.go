// Package recbench measures what session recording costs (make bench):
// the bytes a recording adds to the screen stream it records, the CPU
// time the console's recorder spends per frame beside the decoding the
// console does anyway, and the player's cost per frame and per seek. The
// frames are the screen corpus's (../shared/corpus), encoded by the real
// codec as the agent encodes them, in Standard mode and Screen Sampling.
// It writes the "recording" section of BENCHMARKS.md.
//
// It has only tests: TestRecordingCost skips unless LIFELINE_BENCH_OUT
// names the file to write, so make test never runs it as a timed test;
// TestMinuteLayout checks, always, the minute of records whose bytes the
// benchmark counts.
package recbench
