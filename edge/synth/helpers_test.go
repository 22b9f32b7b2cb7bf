package synth

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// pkt is a frame as the tests see it, parsed independently of frame.go.
type pkt struct {
	ts       int64
	raw      []byte
	dst, src mac
	vlan     uint16
	etype    uint16
	l3       []byte // bytes after the Ethernet (and VLAN) header
	ip       bool
	sip, dip [4]byte
	proto    uint8
	ipLen    int
	sport    uint16
	dport    uint16
	flags    uint8
	icmpType uint8
	seq, ack uint32
	payload  []byte
}

func parse(t testing.TB, b []byte, ts int64) pkt {
	t.Helper()
	p := pkt{ts: ts, raw: b}
	copy(p.dst[:], b[0:6])
	copy(p.src[:], b[6:12])
	off := 12
	p.etype = binary.BigEndian.Uint16(b[off:])
	if p.etype == etherVLAN {
		p.vlan = binary.BigEndian.Uint16(b[off+2:]) & 0x0fff
		off += 4
		p.etype = binary.BigEndian.Uint16(b[off:])
	}
	off += 2
	p.l3 = b[off:]
	if p.etype != etherIPv4 {
		return p
	}
	ip := p.l3
	p.ip = true
	hl := int(ip[0]&0x0f) * 4
	p.ipLen = int(binary.BigEndian.Uint16(ip[2:]))
	if p.ipLen > len(ip) {
		t.Fatalf("IP length %d exceeds frame (%d)", p.ipLen, len(ip))
	}
	ip = ip[:p.ipLen]
	copy(p.sip[:], ip[12:16])
	copy(p.dip[:], ip[16:20])
	p.proto = ip[9]
	l4 := ip[hl:]
	switch p.proto {
	case protoUDP:
		p.sport, p.dport = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		p.payload = l4[8:]
	case protoTCP:
		p.sport, p.dport = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		p.seq, p.ack = binary.BigEndian.Uint32(l4[4:]), binary.BigEndian.Uint32(l4[8:])
		p.flags = l4[13]
		p.payload = l4[int(l4[12]>>4)*4:]
	case protoICMP:
		p.icmpType = l4[0]
		p.payload = l4[4:]
	}
	return p
}

// collect runs a generator to its end and returns every frame (copied).
func collect(t testing.TB, cfg Config) []pkt {
	t.Helper()
	g := New(cfg)
	var out []pkt
	for {
		f, ts, ok := g.Next()
		if !ok {
			return out
		}
		out = append(out, parse(t, append([]byte(nil), f...), ts))
	}
}

// rfc1071 is the textbook Internet checksum, kept deliberately simple and
// separate from frame.go's word-at-a-time version.
func rfc1071(parts ...[]byte) uint16 {
	var s uint32
	for _, b := range parts {
		for i := 0; i+1 < len(b); i += 2 {
			s += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			s += uint32(b[len(b)-1]) << 8
		}
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func mustIP(s string) netip.Addr       { return netip.MustParseAddr(s) }
