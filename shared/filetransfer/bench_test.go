package filetransfer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkTransfer sends one 64 MB file over the in-memory pipe, SHA-256
// on both sides and the receiver's disk writes included: a baseline for
// later work (the data channel adds its own cost on top).
func BenchmarkTransfer(b *testing.B) {
	const size = 64 << 20
	src := b.TempDir()
	writeFile(b, src, "big.bin", size)
	p := planPaths(b, filepath.Join(src, "big.bin"))
	dst := b.TempDir()
	b.SetBytes(size)
	for b.Loop() {
		a, c := Pipe()
		o := transfer(context.Background(), p, &Sender{}, &Receiver{Limits: Limits{MaxTotalBytes: size}}, dst, a, c)
		if o.sendErr != nil || o.recErr != nil {
			b.Fatalf("send: %v, receive: %v", o.sendErr, o.recErr)
		}
		b.StopTimer()
		must(b, os.Remove(filepath.Join(dst, "big.bin")))
		b.StartTimer()
	}
}
