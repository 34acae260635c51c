package transport

import (
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The sockets ICE opens get udpReadBuffer, as far as the kernel allows:
// Linux grants min(asked, net.core.rmem_max) and reports twice that.
func TestUDPSocketsGetALargerReceiveBuffer(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		t.Skipf("rmem_max: %v", err)
	}
	rmemMax, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	want := 2 * min(udpReadBuffer, rmemMax)
	n, err := newNet()
	if err != nil {
		t.Fatal(err)
	}
	u, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	p, err := n.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for name, c := range map[string]any{"ListenUDP": u, "ListenPacket": p} {
		sc, ok := c.(syscall.Conn)
		if !ok {
			t.Fatalf("%s: %T has no file descriptor", name, c)
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var got int
		var gerr error
		if err := raw.Control(func(fd uintptr) {
			got, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		}); err != nil || gerr != nil {
			t.Fatal(err, gerr)
		}
		if got < want {
			t.Errorf("%s: receive buffer %d bytes, want %d (rmem_max %d)", name, got, want, rmemMax)
		}
	}
}
