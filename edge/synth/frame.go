package synth

import "encoding/binary"

// Frames are assembled by hand into one reused buffer: appending headers and
// patching lengths and checksums at the end costs a fraction of gopacket's
// SerializeLayers and allocates nothing.

const (
	etherIPv4 = 0x0800
	etherARP  = 0x0806
	etherVLAN = 0x8100
	etherLLDP = 0x88cc

	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17

	minFrame = 60 // Ethernet minimum without FCS; shorter frames are zero-padded
)

// TCP flags.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

type mac [6]byte

var (
	macBroadcast = mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	macLLDP      = mac{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}
	macSTP       = mac{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}
	macMDNS      = mac{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb} // 224.0.0.251
	macLLMNR     = mac{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfc} // 224.0.0.252

	ipBroadcast = [4]byte{255, 255, 255, 255}
	ipZero      = [4]byte{}
	ipMDNS      = [4]byte{224, 0, 0, 251}
	ipLLMNR     = [4]byte{224, 0, 0, 252}
)

// frame builds one Ethernet frame. Callers append headers in order, then
// the payload to b, then call finish.
type frame struct {
	b     []byte
	ip    int // offset of the IPv4 header, -1 if none
	l4    int // offset of the transport header, -1 if none
	proto uint8
}

func newFrame() frame { return frame{b: make([]byte, 0, 2048), ip: -1, l4: -1} }

// ether starts a new frame. vlan 0 means untagged.
func (f *frame) ether(dst, src mac, vlan uint16, etype uint16) {
	f.b, f.ip, f.l4 = f.b[:0], -1, -1
	f.b = append(f.b, dst[:]...)
	f.b = append(f.b, src[:]...)
	if vlan != 0 {
		f.b = append(f.b, etherVLAN>>8, etherVLAN&0xff, byte(vlan>>8)&0x0f, byte(vlan))
	}
	f.b = append(f.b, byte(etype>>8), byte(etype))
}

// ipv4 appends an IPv4 header without options; length and checksum are
// filled in by finish.
func (f *frame) ipv4(src, dst [4]byte, proto, ttl uint8, id uint16, df bool) {
	f.ip, f.proto = len(f.b), proto
	var flags byte
	if df {
		flags = 0x40
	}
	f.b = append(f.b, 0x45, 0, 0, 0, byte(id>>8), byte(id), flags, 0, ttl, proto, 0, 0)
	f.b = append(f.b, src[:]...)
	f.b = append(f.b, dst[:]...)
}

func (f *frame) udp(sport, dport uint16) {
	f.l4 = len(f.b)
	f.b = append(f.b, byte(sport>>8), byte(sport), byte(dport>>8), byte(dport), 0, 0, 0, 0)
}

// tcp appends a TCP header; opts must be a multiple of 4 bytes long.
func (f *frame) tcp(sport, dport uint16, seq, ack uint32, flags uint8, win uint16, opts []byte) {
	f.l4 = len(f.b)
	off := byte((20 + len(opts)) / 4)
	f.b = append(f.b, byte(sport>>8), byte(sport), byte(dport>>8), byte(dport))
	f.b = binary.BigEndian.AppendUint32(f.b, seq)
	f.b = binary.BigEndian.AppendUint32(f.b, ack)
	f.b = append(f.b, off<<4, flags, byte(win>>8), byte(win), 0, 0, 0, 0)
	f.b = append(f.b, opts...)
}

// icmp appends the ICMP type and code; the checksum follows in finish.
func (f *frame) icmp(typ, code uint8) {
	f.l4 = len(f.b)
	f.b = append(f.b, typ, code, 0, 0)
}

// finish fills in IP and transport lengths and checksums, pads the frame
// to the Ethernet minimum and returns it.
func (f *frame) finish() []byte {
	if f.ip >= 0 {
		ip := f.b[f.ip:]
		binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
		binary.BigEndian.PutUint16(ip[10:], 0)
		binary.BigEndian.PutUint16(ip[10:], fold(sum(0, ip[:20])))
		if f.l4 >= 0 {
			seg := f.b[f.l4:]
			switch f.proto {
			case protoUDP:
				binary.BigEndian.PutUint16(seg[4:], uint16(len(seg)))
				binary.BigEndian.PutUint16(seg[6:], 0)
				c := fold(sum(pseudo(ip, len(seg)), seg))
				if c == 0 {
					c = 0xffff // 0 would mean "no checksum"
				}
				binary.BigEndian.PutUint16(seg[6:], c)
			case protoTCP:
				binary.BigEndian.PutUint16(seg[16:], 0)
				binary.BigEndian.PutUint16(seg[16:], fold(sum(pseudo(ip, len(seg)), seg)))
			case protoICMP:
				binary.BigEndian.PutUint16(seg[2:], 0)
				binary.BigEndian.PutUint16(seg[2:], fold(sum(0, seg)))
			}
		}
	}
	for len(f.b) < minFrame {
		f.b = append(f.b, 0)
	}
	return f.b
}

// pseudo returns the partial checksum of the IPv4 pseudo-header.
func pseudo(ip []byte, l4len int) uint64 {
	s := sum(0, ip[12:20])
	return s + uint64(ip[9]) + uint64(l4len)
}

// sum adds b to a one's-complement running sum, eight bytes at a time.
// Summing 64-bit big-endian words is equivalent to summing 16-bit words
// once the carries are folded back.
func sum(s uint64, b []byte) uint64 {
	for len(b) >= 8 {
		w := binary.BigEndian.Uint64(b)
		s += w >> 32
		s += w & 0xffffffff
		b = b[8:]
	}
	for len(b) >= 2 {
		s += uint64(b[0])<<8 | uint64(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return s
}

func fold(s uint64) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// Little helpers for payload builders.

func be16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func be32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// zeros appends n zero bytes.
func zeros(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, 0)
	}
	return b
}

// padded appends s truncated or space-padded to n bytes.
func padded(b []byte, s string, n int, pad byte) []byte {
	if len(s) > n {
		s = s[:n]
	}
	b = append(b, s...)
	for i := len(s); i < n; i++ {
		b = append(b, pad)
	}
	return b
}
