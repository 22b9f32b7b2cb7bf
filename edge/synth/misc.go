package synth

import (
	"math"
	"time"
)

// historianApp is the SCADA server forwarding batches of tag samples to
// the historian on TCP 5450. The framing is a vendor-private one (length,
// message type, record count, then fixed 16-byte records); sensors see it
// as an unidentified long-lived TCP service with a steady bulk rhythm.
type historianApp struct {
	count int
}

func (a *historianApp) request(b []byte, x *exchange) []byte {
	a.count = 150 + x.rng.IntN(200)
	start := len(b)
	b = be32(b, 0)
	b = be16(b, 0x0001) // data batch
	b = be16(b, uint16(a.count))
	ms := uint64(x.now / int64(time.Millisecond))
	for i := 0; i < a.count; i++ {
		b = be32(b, uint32(1000+i))               // tag id
		b = append(b, byte(ms>>40), byte(ms>>32)) // 48-bit ms timestamp
		b = be32(b, uint32(ms))
		b = be32(b, math.Float32bits(float32(procWord(i, x.now, 23))/10))
		b = be16(b, 0x00c0) // quality: good
	}
	n := len(b) - start
	b[start], b[start+1], b[start+2], b[start+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return b
}

func (a *historianApp) response(b []byte, x *exchange) []byte {
	b = be32(b, 8)
	b = be16(b, 0x8001) // batch acknowledged
	return be16(b, uint16(a.count))
}

// ntpApp is an NTP client polling its server (RFC 5905 packets, 48 bytes).
type ntpApp struct {
	server *host
	ref    [4]byte // reference id of a stratum-2 server: its own time source
	tx     uint64  // client transmit timestamp, echoed as the server's origin
	vn     byte
}

// clientPort: the Windows time service binds 123; other clients an
// ephemeral port.
func (a *ntpApp) clientPort(c *host) uint16 {
	if c.prof.windows {
		return 123
	}
	return 0
}

// ntpTime converts Unix nanoseconds to the NTP 64-bit format.
func ntpTime(ns int64) uint64 {
	const unixToNTP = 2208988800
	sec := uint64(ns/int64(time.Second)) + unixToNTP
	frac := uint64(ns%int64(time.Second)) << 32 / uint64(time.Second)
	return sec<<32 | frac
}

func (a *ntpApp) request(b []byte, x *exchange) []byte {
	a.vn = 4
	poll := byte(6)
	if x.c.prof.windows {
		a.vn, poll = 3, 10 // w32time speaks NTPv3
	}
	b = append(b, a.vn<<3|3, 0, poll, 0xe9) // client mode, stratum 0, poll, precision 2^-23
	b = zeros(b, 12)                        // root delay, dispersion, reference id
	b = zeros(b, 24)                        // reference, origin, receive timestamps
	a.tx = ntpTime(x.now)
	return be32(be32(b, uint32(a.tx>>32)), uint32(a.tx))
}

func (a *ntpApp) response(b []byte, x *exchange) []byte {
	stratum, ref := byte(1), [4]byte{'G', 'P', 'S', 0} // ntp01 is GPS-disciplined
	if a.server.Role != RoleNTP {
		stratum, ref = 2, a.ref
	}
	b = append(b, a.vn<<3|4, stratum, 6, 0xe9) // server mode
	b = be32(b, 0x00000010)                    // root delay
	b = be32(b, 0x00000020)                    // root dispersion
	b = append(b, ref[:]...)
	rx := ntpTime(x.now + int64(150*time.Microsecond))
	b = be32(be32(b, uint32((rx>>32)-16)), 0) // reference: last sync 16 s ago
	b = be32(be32(b, uint32(a.tx>>32)), uint32(a.tx))
	b = be32(be32(b, uint32(rx>>32)), uint32(rx))
	txs := rx + 1<<22 // ~1 ms later
	return be32(be32(b, uint32(txs>>32)), uint32(txs))
}
