package synth

// SLMP / MELSEC MC protocol, 3E binary frames (ot_protocols.md §2.2).
// Request: 50 00 | network | station FF | module I/O 03FF (LE) | multidrop |
// length (LE, from the timer on) | timer (LE, 250 ms units) | command (LE) |
// sub-command (LE) | data. Response: D0 00 | same routing | length | end
// code (LE) | data.

const (
	slmpTypeNameRead = 0x0101
	slmpDeviceRead   = 0x0401

	slmpDevD  = 0xa8 // data register
	slmpDevM  = 0x90 // internal relay
	slmpDevSD = 0xa9 // special register
)

type slmpApp struct {
	eng   bool
	base  uint32 // first D register this client reads
	words int
	// What the pending request asked for, so the reply matches.
	cmd   uint16
	bits  bool
	count int
}

func newSLMP(t *Talk, c *host) *slmpApp {
	a := &slmpApp{eng: t.Engineering, base: 100, words: 32}
	if c.Role == RoleSCADA {
		a.base, a.words = 200, 64
	}
	return a
}

func slmpHeader(b []byte, sub byte) []byte {
	return append(b, sub, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0, 0) // length patched by slmpLength
}

// slmpLength patches the length field of a frame that starts at start.
func slmpLength(b []byte, start int) []byte {
	n := len(b) - start - 9
	b[start+7], b[start+8] = byte(n), byte(n>>8)
	return b
}

func (a *slmpApp) request(b []byte, x *exchange) []byte {
	start := len(b)
	b = slmpHeader(b, 0x50)
	b = le16(b, 0x0010) // monitoring timer: 4 s
	if a.eng && x.n == 0 {
		a.cmd = slmpTypeNameRead
		b = le16(b, slmpTypeNameRead)
		b = le16(b, 0)
		return slmpLength(b, start)
	}
	a.cmd = slmpDeviceRead
	dev, addr := byte(slmpDevD), a.base
	a.bits, a.count = false, a.words
	switch {
	case a.eng && x.n%3 == 1:
		dev, addr, a.count = slmpDevSD, 200, 16 // CPU status area
	case x.total%5 == 4:
		dev, addr, a.bits, a.count = slmpDevM, 0, true, 32
	}
	b = le16(b, slmpDeviceRead)
	if a.bits {
		b = le16(b, 0x0001)
	} else {
		b = le16(b, 0x0000)
	}
	b = append(b, byte(addr), byte(addr>>8), byte(addr>>16), dev)
	b = le16(b, uint16(a.count))
	return slmpLength(b, start)
}

func (a *slmpApp) response(b []byte, x *exchange) []byte {
	start := len(b)
	b = slmpHeader(b, 0xd0)
	b = le16(b, 0x0000) // end code: success
	switch {
	case a.cmd == slmpTypeNameRead:
		b = padded(b, "R04CPU", 16, ' ')
		b = le16(b, 0x4801) // CPU model code
	case a.bits:
		// Bit units pack two points per byte, high nibble first.
		for i := 0; i < a.count/2; i++ {
			v := byte(0)
			if procWord(i, x.now, 7)&1 != 0 {
				v |= 0x10
			}
			if procWord(i+1, x.now, 7)&2 != 0 {
				v |= 0x01
			}
			b = append(b, v)
		}
	default:
		for i := 0; i < a.count; i++ {
			b = le16(b, procWord(i, x.now, a.base))
		}
	}
	return slmpLength(b, start)
}
