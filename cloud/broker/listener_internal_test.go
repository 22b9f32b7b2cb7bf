package broker

import (
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/mochi-mqtt/server/v2/packets"
)

// readerConn is a connection that only reads, from r.
type readerConn struct {
	net.Conn
	r io.Reader
}

func (c readerConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// guarded reads all of b through a connectGuard, chunk bytes at a time,
// and returns the guard's error, nil when it let everything through.
func guarded(b []byte, chunk int) error {
	g := &connectGuard{Conn: readerConn{r: bytes.NewReader(b)}}
	buf := make([]byte, chunk)
	for {
		_, err := g.Read(buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// FuzzConnectHeader checks the first-packet guard against mochi's own
// decoding of the remaining length, and that the guard's verdict does not
// depend on how the stream is split into reads.
func FuzzConnectHeader(f *testing.F) {
	f.Add([]byte{0x10, 0x2a})
	f.Add([]byte{0x10, 0xff, 0xff, 0x03})
	f.Add([]byte{0x10, 0x80, 0x80, 0x04})
	f.Add([]byte{0x10, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Add([]byte{0x30, 0x05, 0, 1, 'a', 'x', 'y'})
	f.Add(connectBytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		ok, complete := connectHeader(b)
		n, bu, err := -1, 0, error(nil)
		if len(b) > 0 {
			n, bu, err = packets.DecodeLength(bytes.NewReader(b[1:min(len(b), 5)]))
		}
		if complete && !ok {
			t.Fatalf("%x: complete but not ok", b)
		}
		if ok && complete && (b[0] != 0x10 || err != nil || n > maxConnectPacket) {
			t.Fatalf("%x: taken as a CONNECT header; mochi decodes %d (%v)", b, n, err)
		}
		if len(b) > 0 && b[0] == 0x10 && err == nil && bu <= 4 && n <= maxConnectPacket && !(ok && complete) {
			t.Fatalf("%x: a CONNECT of %d bytes refused (%v, %v)", b, n, ok, complete)
		}
		whole, bytewise := guarded(b, 4096), guarded(b, 1)
		if (whole == nil) != (bytewise == nil) {
			t.Fatalf("%x: read whole %v, byte by byte %v", b, whole, bytewise)
		}
		if (whole == nil) != ok {
			t.Fatalf("%x: the guard says %v, connectHeader ok=%v", b, whole, ok)
		}
	})
}

func connectBytes() []byte {
	body := []byte{0, 4, 'M', 'Q', 'T', 'T', 4, 0xc2, 0, 30, 0, 2, 'i', 'd', 0, 2, 's', '1', 0, 2, 'p', 'w'}
	return append([]byte{0x10, byte(len(body))}, body...)
}
