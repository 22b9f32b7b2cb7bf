package slmp

import "encoding/binary"

// frameKind is the message format: 3E and 4E, each in binary or ASCII,
// and the CC-Link IE TSN variant of 4E.
type frameKind uint8

const (
	frame3E frameKind = iota + 1
	frame4E
	frameTSN
	frame3EASCII
	frame4EASCII
)

// name is the frame's value in the "frame" detail.
func (k frameKind) name() string {
	switch k {
	case frame3E:
		return "3e"
	case frame4E:
		return "4e"
	case frameTSN:
		return "tsn"
	case frame3EASCII:
		return "3e_ascii"
	case frame4EASCII:
		return "4e_ascii"
	}
	return ""
}

func (k frameKind) ascii() bool { return k == frame3EASCII || k == frame4EASCII }

// header is what precedes a message's body. length counts the body:
// bytes for binary frames, characters for ASCII ones.
type header struct {
	kind     frameKind
	response bool
	serial   uint16
	module   uint16 // request destination module I/O number
	size     int    // header bytes, up to and including the length field
	length   int
}

// Header sizes: 3E is subheader (2), network, station, module I/O (2),
// multidrop, length (2). 4E inserts a serial number and two reserved bytes
// after the subheader; the TSN variant adds three more reserved bytes
// before the length. ASCII frames write every byte as two hex digits.
const (
	size3E      = 9
	size4E      = 13
	sizeTSN     = 16
	size3EASCII = 18
	size4EASCII = 26
	// minHeader is the fewest bytes that tell every format apart.
	minHeader = size3E
)

// Body sizes before the data: a request has monitoring timer, command and
// sub-command; a response the end code (TSN responses then repeat the
// command and sub-command).
const (
	requestBody  = 6
	responseBody = 2
	tsnResponse  = 6
)

// parseHeader reads a message header. ok is false when b does not start
// one; short when b is too short to tell.
func parseHeader(b []byte) (h header, ok, short bool) {
	if len(b) < 2 {
		if len(b) == 1 {
			switch b[0] {
			case 0x50, 0xd0, 0x54, 0xd4, 0x68, 0xe8, '5', 'D':
			default:
				return h, false, false
			}
		}
		return h, false, true
	}
	switch {
	case b[1] == 0x00 && (b[0] == 0x50 || b[0] == 0xd0):
		if len(b) < size3E {
			return h, false, true
		}
		h = header{kind: frame3E, response: b[0] == 0xd0, size: size3E,
			module: le16(b[4:]), length: int(le16(b[7:]))}
	case b[1] == 0x00 && (b[0] == 0x54 || b[0] == 0xd4):
		if len(b) < size4E {
			return h, false, true
		}
		if b[4] != 0 || b[5] != 0 {
			return h, false, false
		}
		h = header{kind: frame4E, response: b[0] == 0xd4, serial: le16(b[2:]), size: size4E,
			module: le16(b[8:]), length: int(le16(b[11:]))}
	case b[1] == 0x00 && (b[0] == 0x68 || b[0] == 0xe8):
		if len(b) < sizeTSN {
			return h, false, true
		}
		if b[4] != 0 || b[5] != 0 {
			return h, false, false
		}
		h = header{kind: frameTSN, response: b[0] == 0xe8, serial: le16(b[2:]), size: sizeTSN,
			module: le16(b[8:]), length: int(le16(b[14:]))}
	default:
		return parseASCIIHeader(b)
	}
	return h, true, false
}

// parseASCIIHeader reads "5000"/"D000" (3E) and "5400"/"D400" (4E) frames.
func parseASCIIHeader(b []byte) (h header, ok, short bool) {
	if len(b) < 4 {
		return h, false, asciiPrefix(b)
	}
	if !asciiPrefix(b[:4]) {
		return h, false, false
	}
	h.response = b[0] == 'D'
	r := b[4:] // routing onwards
	if b[1] == '0' {
		h.kind, h.size = frame3EASCII, size3EASCII
	} else {
		h.kind, h.size = frame4EASCII, size4EASCII
		if len(b) < 12 {
			return h, false, true
		}
		serial, ok1 := hexField(b[4:8])
		reserved, ok2 := hexField(b[8:12])
		if !ok1 || !ok2 || reserved != 0 {
			return h, false, false
		}
		h.serial = uint16(serial)
		r = b[12:]
	}
	if len(b) < h.size {
		return h, false, true
	}
	// Network (2), station (2), module I/O (4), multidrop (2), length (4).
	if _, ok := hexField(r[0:4]); !ok {
		return h, false, false
	}
	module, ok1 := hexField(r[4:8])
	_, ok2 := hexField(r[8:10])
	length, ok3 := hexField(r[10:14])
	if !ok1 || !ok2 || !ok3 {
		return h, false, false
	}
	h.module, h.length = uint16(module), int(length)
	return h, true, false
}

// asciiPrefix reports whether b (up to 4 bytes) starts one of the ASCII
// subheaders "5000", "D000", "5400" and "D400".
func asciiPrefix(b []byte) bool {
	for i, c := range b {
		switch i {
		case 0:
			if c != '5' && c != 'D' {
				return false
			}
		case 1:
			if c != '0' && c != '4' {
				return false
			}
		default:
			if c != '0' {
				return false
			}
		}
	}
	return true
}

// minBody is the shortest body a message of h's kind and direction has.
func (h *header) minBody() int {
	n := requestBody
	if h.response {
		n = responseBody
		if h.kind == frameTSN {
			n = tsnResponse
		}
	}
	if h.kind.ascii() {
		n *= 2
	}
	return n
}

// plausibleModule accepts the request destination module I/O numbers a
// client can address: a module (0x0000-0x01FF, the I/O number divided by
// 16), the own station 0x03FF, the control/standby/system CPUs
// 0x03D0-0x03D3 and the multi-CPU numbers 0x03E0-0x03E3.
func plausibleModule(m uint16) bool {
	return m <= 0x01ff || m == 0x03ff || (m >= 0x03d0 && m <= 0x03d3) || (m >= 0x03e0 && m <= 0x03e3)
}

// hexField parses upper- or lower-case hexadecimal digits.
func hexField(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 8 {
		return 0, false
	}
	var v uint32
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(c)
	}
	return v, true
}

// decField parses decimal digits.
func decField(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	var v uint32
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint32(c-'0')
	}
	return v, true
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
