package transport

import (
	"net"

	ptransport "github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// udpReadBuffer is the kernel receive buffer asked for on each UDP socket
// ICE opens. SCTP has no flow control between the kernel and pion's read
// goroutine: when that goroutine waits for a core (a busy machine, or a
// burst at LAN speed), datagrams beyond the socket's buffer are dropped,
// and pion's SCTP recovers from some losses only by its retransmission
// timer, at least one second (its RTO minimum) of a stalled transfer. The
// Linux default (208 KiB) holds about 100 of SCTP's 1.2 kB datagrams. The
// kernel caps the request at net.core.rmem_max, which is the same 208 KiB
// on a stock kernel: there this changes nothing unless rmem_max is raised.
// On loopback it took the drops during a 64 MiB transfer on a busy machine
// from 100–300 to none (BENCHMARKS.md, file transfer).
const udpReadBuffer = 4 << 20

// bigBufferNet is the standard network with larger UDP receive buffers.
type bigBufferNet struct{ *stdnet.Net }

func newNet() (ptransport.Net, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return bigBufferNet{n}, nil
}

func (n bigBufferNet) ListenUDP(network string, laddr *net.UDPAddr) (ptransport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err == nil {
		growReadBuffer(c)
	}
	return c, err
}

func (n bigBufferNet) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if err == nil {
		growReadBuffer(c)
	}
	return c, err
}

func growReadBuffer(c any) {
	if u, ok := c.(interface{ SetReadBuffer(int) error }); ok {
		_ = u.SetReadBuffer(udpReadBuffer)
		_ = u // best effort: a smaller buffer still works
	}
}
