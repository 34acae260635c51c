package input

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// recordStream is the data connection of an X RECORD context.
//
// xgb cannot read RECORD's data stream: EnableContext answers with one reply
// per intercepted chunk, all with the same sequence number, and xgb matches
// one reply per request. So the data connection is a minimal X client of
// its own: it connects (with the MIT-MAGIC-COOKIE-1 cookie from the
// Xauthority file, like xgb), sends the one EnableContext request and then
// only reads. The context itself is created and freed on an ordinary xgb
// connection.
type recordStream struct {
	conn net.Conn
	r    *bufio.Reader
}

// X protocol constants used by the stream.
const (
	recordEnableContext = 5 // RECORD minor opcode
	recordFromServer    = 0 // reply categories
	recordEndOfData     = 5
	xGenericEvent       = 35
)

// openRecordStream connects to display and enables context ctx of the
// RECORD extension whose major opcode is opcode.
func openRecordStream(display string, opcode byte, ctx uint32) (*recordStream, error) {
	conn, host, num, err := dialX(display)
	if err != nil {
		return nil, err
	}
	name, data := xauthCookie(host, num)
	if err := xSetup(conn, name, data); err != nil {
		conn.Close()
		return nil, err
	}
	req := make([]byte, 8)
	req[0] = opcode
	req[1] = recordEnableContext
	binary.LittleEndian.PutUint16(req[2:], 2) // length in 4-byte units
	binary.LittleEndian.PutUint32(req[4:], ctx)
	if _, err := conn.Write(req); err != nil {
		conn.Close()
		return nil, fmt.Errorf("input: record: %w", err)
	}
	return &recordStream{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}, nil
}

// run reads the stream until it ends or fails, calling ev with every
// intercepted device event (32 bytes, valid during the call).
func (s *recordStream) run(ev func([]byte)) error {
	hdr := make([]byte, 32)
	var body []byte
	for {
		if _, err := io.ReadFull(s.r, hdr); err != nil {
			return err
		}
		switch {
		case hdr[0] == 0: // error
			return fmt.Errorf("input: record: X error %d", hdr[1])
		case hdr[0] == 1: // reply: one chunk of recorded data
			n := int(binary.LittleEndian.Uint32(hdr[4:])) * 4
			if n > 64<<20 {
				return fmt.Errorf("input: record: reply of %d bytes", n)
			}
			if cap(body) < n {
				body = make([]byte, n)
			}
			body = body[:n]
			if _, err := io.ReadFull(s.r, body); err != nil {
				return err
			}
			switch hdr[1] {
			case recordFromServer:
				// No element headers were asked for: the data is a
				// sequence of 32-byte device events.
				for i := 0; i+32 <= len(body); i += 32 {
					ev(body[i : i+32])
				}
			case recordEndOfData:
				return nil
			}
		case hdr[0]&0x7f == xGenericEvent: // longer than 32 bytes
			n := int64(binary.LittleEndian.Uint32(hdr[4:])) * 4
			if _, err := io.CopyN(io.Discard, s.r, n); err != nil {
				return err
			}
		default:
			// An event every client gets (MappingNotify): ignore.
		}
	}
}

func (s *recordStream) Close() error { return s.conn.Close() }

// dialX connects to an X display the way xgb does: ":N[.S]" and "unix:N" on
// /tmp/.X11-unix/XN, "/path/sock:N" on that socket, "host:N" (or
// "proto/host:N") over TCP port 6000+N. It returns the host and display
// number for the Xauthority lookup.
func dialX(display string) (net.Conn, string, string, error) {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	colon := strings.LastIndex(display, ":")
	if colon < 0 {
		return nil, "", "", fmt.Errorf("input: bad display %q", display)
	}
	var protocol, host, socket string
	if strings.HasPrefix(display, "/") {
		socket = display[:colon]
	} else if slash := strings.LastIndex(display[:colon], "/"); slash >= 0 {
		protocol, host = display[:slash], display[slash+1:colon]
	} else {
		host = display[:colon]
	}
	num := display[colon+1:]
	if dot := strings.LastIndex(num, "."); dot >= 0 {
		num = num[:dot]
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return nil, "", "", fmt.Errorf("input: bad display %q", display)
	}
	var conn net.Conn
	d := net.Dialer{Timeout: 5 * time.Second}
	switch {
	case socket != "":
		conn, err = d.Dial("unix", socket+":"+num)
	case host != "" && host != "unix":
		if protocol == "" {
			protocol = "tcp"
		}
		conn, err = d.Dial(protocol, net.JoinHostPort(host, strconv.Itoa(6000+n)))
	default:
		host = ""
		conn, err = d.Dial("unix", "/tmp/.X11-unix/X"+num)
	}
	if err != nil {
		return nil, "", "", fmt.Errorf("input: cannot connect to %s: %w", display, err)
	}
	return conn, host, num, nil
}

// xauthCookie returns the MIT-MAGIC-COOKIE-1 for display number num from
// $XAUTHORITY or ~/.Xauthority, or nothing (a server without access
// control, such as the tests' Xvfb, needs none).
func xauthCookie(host, num string) (string, []byte) {
	const familyLocal, familyWild = 256, 65535
	if host == "" || host == "localhost" {
		host, _ = os.Hostname()
	}
	fname := os.Getenv("XAUTHORITY")
	if fname == "" {
		home := os.Getenv("HOME")
		if home == "" {
			return "", nil
		}
		fname = home + "/.Xauthority"
	}
	f, err := os.Open(fname)
	if err != nil {
		return "", nil
	}
	defer f.Close()
	r := bufio.NewReader(f)
	str := func() ([]byte, error) {
		var n uint16
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			return nil, err
		}
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	for {
		var family uint16
		if err := binary.Read(r, binary.BigEndian, &family); err != nil {
			return "", nil
		}
		addr, err1 := str()
		disp, err2 := str()
		name, err3 := str()
		data, err4 := str()
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return "", nil
		}
		addrOK := family == familyWild || (family == familyLocal && string(addr) == host)
		dispOK := len(disp) == 0 || string(disp) == num
		if addrOK && dispOK && string(name) == "MIT-MAGIC-COOKIE-1" && len(data) == 16 {
			return string(name), data
		}
	}
}

// xSetup performs the connection handshake (little-endian, protocol 11.0).
func xSetup(conn net.Conn, authName string, authData []byte) error {
	pad := func(n int) int { return (n + 3) &^ 3 }
	buf := make([]byte, 12+pad(len(authName))+pad(len(authData)))
	buf[0] = 'l'
	binary.LittleEndian.PutUint16(buf[2:], 11)
	binary.LittleEndian.PutUint16(buf[6:], uint16(len(authName)))
	binary.LittleEndian.PutUint16(buf[8:], uint16(len(authData)))
	copy(buf[12:], authName)
	copy(buf[12+pad(len(authName)):], authData)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	defer conn.SetDeadline(time.Time{})
	if _, err := conn.Write(buf); err != nil {
		return fmt.Errorf("input: record: setup: %w", err)
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(conn, head); err != nil {
		return fmt.Errorf("input: record: setup: %w", err)
	}
	rest := make([]byte, int(binary.LittleEndian.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(conn, rest); err != nil {
		return fmt.Errorf("input: record: setup: %w", err)
	}
	if head[0] != 1 {
		reason := rest
		if head[0] == 0 && int(head[1]) <= len(rest) {
			reason = rest[:head[1]]
		}
		return fmt.Errorf("input: record: connection refused: %s", strings.TrimSpace(string(reason)))
	}
	return nil
}
