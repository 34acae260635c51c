// Package transferbench measures file throughput from the agent to the
// console (make bench): the agent's filetransfer.Server on one end of a
// real pion peer connection on loopback (ICE, DTLS, SCTP, as in
// production), the console's filetransfer.Client.Get on the other, next
// to curl downloading the same file over HTTPS from a local Go server in
// the same run. It writes the "filetransfer" section of BENCHMARKS.md.
//
// It has only a test, TestFileThroughput, which skips unless
// LIFELINE_BENCH_OUT names the file to write, so make test never runs it.
package transferbench
