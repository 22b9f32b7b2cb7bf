package fins

import (
	"encoding/binary"

	"mimamori/protocols"
)

// Memory area commands address a variable as area code (1 byte), word
// address (2) and bit (1). The area codes differ between PLC families (CV
// and CS/CJ/NJ number them differently), so areas are reported by code
// ("0x82:100-119"); in every family an area code with bit 7 set is a word
// area and counts words, a code without it a bit area that counts bits.
// Ranges are in word addresses either way.
const (
	addrLen    = 4 // area, word address (2), bit
	maxAreas   = 4 // distinct areas reported per message
	maxItems   = 256
	wordArea   = 0x80
	areaDigits = 2
)

// areas gathers the word range of each area a message covers.
type areas struct {
	a [maxAreas]struct {
		code   uint8
		lo, hi uint32
	}
	n int
}

// wordRange returns the area and the word range of count items from the
// address at b.
func wordRange(b []byte, count uint32) (code uint8, lo, hi uint32) {
	code, lo, bit := b[0], uint32(binary.BigEndian.Uint16(b[1:])), uint32(b[3])
	hi = lo
	switch {
	case count == 0:
	case code&wordArea != 0:
		hi = lo + count - 1
	default:
		hi = lo + (bit+count-1)/16
	}
	return code, lo, hi
}

// add records count items from the address at b.
func (r *areas) add(b []byte, count uint32) {
	code, word, hi := wordRange(b, count)
	for i := range r.a[:r.n] {
		x := &r.a[i]
		if x.code == code {
			x.lo, x.hi = min(x.lo, word), max(x.hi, hi)
			return
		}
	}
	if r.n < len(r.a) {
		r.a[r.n].code, r.a[r.n].lo, r.a[r.n].hi = code, word, hi
		r.n++
	}
}

func (r *areas) report(e *protocols.Event, key string) {
	for _, x := range r.a[:r.n] {
		e.Add(key, protocols.RangeIn(uint64(x.code), areaDigits, uint64(x.lo), uint64(x.hi)))
	}
}

// command adds what a command says: the memory it reads or writes.
func command(m *protocols.Message, e *protocols.Event, cmd uint16, d []byte) {
	switch cmd {
	case cmdMemoryAreaRead, cmdMemoryAreaWrite, cmdMemoryAreaFill:
		// One area: reported directly, the common case of polling.
		if len(d) < addrLen+2 {
			return
		}
		key := "read_range"
		if cmd != cmdMemoryAreaRead {
			key = "write_range"
		}
		code, lo, hi := wordRange(d, uint32(binary.BigEndian.Uint16(d[addrLen:])))
		e.Add(key, protocols.RangeIn(uint64(code), areaDigits, uint64(lo), uint64(hi)))
		return
	case cmdMultipleMemoryRead:
		var read areas
		for i := 0; len(d) >= addrLen && i < maxItems; i++ {
			read.add(d, 1)
			d = d[addrLen:]
		}
		read.report(e, "read_range")
	case cmdMemoryAreaTransfer:
		if len(d) < 2*addrLen+2 {
			return
		}
		n := uint32(binary.BigEndian.Uint16(d[2*addrLen:]))
		code, lo, hi := wordRange(d, n)
		e.Add("read_range", protocols.RangeIn(uint64(code), areaDigits, uint64(lo), uint64(hi)))
		code, lo, hi = wordRange(d[addrLen:], n)
		e.Add("write_range", protocols.RangeIn(uint64(code), areaDigits, uint64(lo), uint64(hi)))
	case cmdControllerDataRead:
		// The response does not say what was asked: model and version
		// (no parameter, or 0x00) or the area data (0x01).
		param := uint64(paramAll)
		if len(d) >= 1 {
			param = uint64(d[0])
		}
		m.State = pendingControllerData | param
	}
}

// Message.State remembers the parameter of the last Controller Data Read.
const (
	pendingControllerData = 1 << 8
	paramAll              = 0xff // no parameter: everything
	paramAreaData         = 0x01
)

// controllerData reads a Controller Data Read response: model (20
// characters) and version (20), unless the request asked only for the
// area data. Devices pad with NULs or spaces.
func controllerData(m *protocols.Message, d []byte) {
	asked := m.State
	m.State = 0
	if asked&pendingControllerData != 0 && asked&0xff == paramAreaData {
		return
	}
	if len(d) < 20 || !printable(d[:20]) {
		return
	}
	id := m.Identify()
	id.Model = d[:20]
	if len(d) >= 40 && printable(d[20:40]) {
		id.Firmware = d[20:40]
	}
}

// printable reports a text field: printable ASCII up to NUL padding, not
// empty.
func printable(b []byte) bool {
	n := 0
	for _, c := range b {
		if c == 0 {
			break
		}
		if c < 0x20 || c > 0x7e {
			return false
		}
		n++
	}
	return n > 0
}
