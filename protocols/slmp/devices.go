package slmp

import "mimamori/protocols"

// Device specifications in requests. Sub-commands 0x0000 (word units) and
// 0x0001 (bit units) give a device as a 3-byte number and a 1-byte device
// code; 0x0002 and 0x0003 (MELSEC iQ-R) as a 4-byte number and a 2-byte
// code. Other sub-commands (extended specifications, 0x008x) are counted
// without their devices.
const (
	subWord     = 0x0000
	subBit      = 0x0001
	subWordIQR  = 0x0002
	subBitIQR   = 0x0003
	maxDevices  = 4 // distinct devices reported per message
	maxDevItems = 256
)

// spec describes a sub-command's device specification.
type spec struct {
	size int // bytes of number + code
	wide bool
	bits bool
}

func specOf(sub uint16) (spec, bool) {
	switch sub {
	case subWord:
		return spec{size: 4}, true
	case subBit:
		return spec{size: 4, bits: true}, true
	case subWordIQR:
		return spec{size: 6, wide: true}, true
	case subBitIQR:
		return spec{size: 6, wide: true, bits: true}, true
	}
	return spec{}, false
}

// device reads one device specification.
func (s spec) device(b []byte) (number uint32, code uint16) {
	if s.wide {
		return le32(b), le16(b[4:])
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16, uint16(b[3])
}

// ranges gathers the address range of each device a message covers.
type ranges struct {
	devs [maxDevices]struct {
		code   uint16
		lo, hi uint32
	}
	n int
}

func (r *ranges) add(code uint16, lo, hi uint32) {
	if hi < lo {
		hi = lo
	}
	for i := range r.devs[:r.n] {
		d := &r.devs[i]
		if d.code == code {
			d.lo, d.hi = min(d.lo, lo), max(d.hi, hi)
			return
		}
	}
	if r.n < len(r.devs) {
		r.devs[r.n].code, r.devs[r.n].lo, r.devs[r.n].hi = code, lo, hi
		r.n++
	}
}

// report adds the gathered ranges to e under key.
func (r *ranges) report(e *protocols.Event, key string) {
	for _, d := range r.devs[:r.n] {
		addRange(e, key, d.code, d.lo, d.hi)
	}
}

// addRange adds a device range to e. Devices whose code is not in the
// table are shown by their code ("0x12:100-131").
func addRange(e *protocols.Event, key string, code uint16, lo, hi uint32) {
	if name := deviceName(code); name != "" {
		e.Add(key, protocols.Range(name, uint64(lo), uint64(hi)))
		return
	}
	e.Add(key, protocols.RangeIn(uint64(code), 2, uint64(lo), uint64(hi)))
}

// devices adds the devices a device read or write request covers.
func devices(e *protocols.Event, h *header, cmd, sub uint16, data []byte) {
	key := "read_range"
	switch cmd {
	case cmdDeviceWrite, cmdDeviceWriteRandom, cmdDeviceWriteBlock:
		key = "write_range"
	case cmdDeviceRead, cmdDeviceReadRandom, cmdDeviceReadBlock:
	default:
		return
	}
	if h.kind.ascii() {
		if cmd == cmdDeviceRead || cmd == cmdDeviceWrite {
			if name, lo, hi, ok := asciiBatch(sub, data); ok {
				e.Add(key, protocols.Range(name, uint64(lo), uint64(hi)))
			}
		}
		return
	}
	s, ok := specOf(sub)
	if !ok {
		return
	}
	if cmd == cmdDeviceRead || cmd == cmdDeviceWrite {
		// One device: reported directly, the common case of polling.
		if code, lo, hi, ok := batch(s, data); ok {
			addRange(e, key, code, lo, hi)
		}
		return
	}
	var r ranges
	switch cmd {
	case cmdDeviceReadRandom:
		random(&r, s, data, 0, 0)
	case cmdDeviceWriteRandom:
		if s.bits {
			// Bit points only, each with its set/reset value.
			random(&r, s, data, bitValue(s), -1)
		} else {
			random(&r, s, data, 2, 4)
		}
	case cmdDeviceReadBlock:
		blocks(&r, s, data, false)
	case cmdDeviceWriteBlock:
		blocks(&r, s, data, true)
	}
	r.report(e, key)
}

// bitValue is the size of one bit point's value in a random bit write.
func bitValue(s spec) int {
	if s.wide {
		return 2
	}
	return 1
}

// batch reads a batch request: one device and a number of points.
func batch(s spec, d []byte) (code uint16, lo, hi uint32, ok bool) {
	if len(d) < s.size+2 {
		return 0, 0, 0, false
	}
	num, code := s.device(d)
	points := uint32(le16(d[s.size:]))
	if points == 0 {
		return 0, 0, 0, false
	}
	return code, num, num + points - 1, true
}

// random reads a random request: a count of word points and a count of
// double-word points (wordValue and dwordValue bytes of data after each
// device; dwordValue < 0 when there is only one count), each point one
// device.
func random(r *ranges, s spec, d []byte, wordValue, dwordValue int) {
	if len(d) < 1 {
		return
	}
	words, dwords := int(d[0]), 0
	d = d[1:]
	if dwordValue >= 0 {
		if len(d) < 1 {
			return
		}
		dwords = int(d[0])
		d = d[1:]
	} else {
		dwordValue = 0
	}
	for i := 0; i < words+dwords && i < maxDevItems; i++ {
		value, span := wordValue, uint32(0)
		if i >= words {
			value, span = dwordValue, 1 // a double word covers two words
		}
		if len(d) < s.size+value {
			return
		}
		num, code := s.device(d)
		r.add(code, num, num+span)
		d = d[s.size+value:]
	}
}

// blocks reads a block request: counts of word and bit blocks, each block
// a device and a number of points (words; bit blocks count 16-bit
// words too), followed in a write by the block's data.
func blocks(r *ranges, s spec, d []byte, write bool) {
	if len(d) < 2 {
		return
	}
	wordBlocks, n := int(d[0]), int(d[0])+int(d[1])
	d = d[2:]
	for i := 0; i < n && i < maxDevItems; i++ {
		if len(d) < s.size+2 {
			return
		}
		num, code := s.device(d)
		points := uint32(le16(d[s.size:]))
		d = d[s.size+2:]
		if points == 0 {
			continue
		}
		hi := num + points - 1
		if i >= wordBlocks {
			hi = num + points*16 - 1 // points of a bit block are 16-bit words
		}
		r.add(code, num, hi)
		if write {
			skip := int(points) * 2
			if len(d) < skip {
				return
			}
			d = d[skip:]
		}
	}
}

// asciiBatch reads an ASCII batch request: device (2 characters) and
// number (6), or for iQ-R sub-commands device (4) and number (8); then
// the number of points (4 hex digits).
func asciiBatch(sub uint16, d []byte) (name string, lo, hi uint32, ok bool) {
	devLen, numLen := 2, 6
	switch sub {
	case subWord, subBit:
	case subWordIQR, subBitIQR:
		devLen, numLen = 4, 8
	default:
		return "", 0, 0, false
	}
	if len(d) < devLen+numLen+4 {
		return "", 0, 0, false
	}
	field := d[:devLen]
	if devLen == 4 {
		// iQ-R pads the 2-character code with "**" or writes four.
		field = trimStars(field)
	}
	name, hex := asciiDevice(field)
	if name == "" {
		return "", 0, 0, false
	}
	numField := d[devLen : devLen+numLen]
	var num uint32
	var okNum bool
	if hex {
		num, okNum = hexField(numField)
	} else {
		num, okNum = decField(numField)
	}
	points, okPoints := hexField(d[devLen+numLen : devLen+numLen+4])
	if !okNum || !okPoints || points == 0 {
		return "", 0, 0, false
	}
	return name, num, num + points - 1, true
}

// trimStars turns a 4-character iQ-R device field ("D***", "SD**") into
// the 2-character form the table uses ("D*", "SD").
func trimStars(f []byte) []byte {
	if f[2] == '*' && f[3] == '*' {
		return f[:2]
	}
	return f
}
