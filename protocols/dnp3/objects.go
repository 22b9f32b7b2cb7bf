package dnp3

import (
	"encoding/binary"
	"strconv"

	"mimamori/protocols"
)

// Object tags "g12v1" for the groups and variations that exist (groups
// below 128, variations below 32, and every variation of group 0, the
// device attributes), built once so that a detail never formats text.
// Other objects are reported by number, group<<8 | variation.
const (
	tagGroups     = 128
	tagVariations = 32
)

var (
	objectTags    [tagGroups][tagVariations]string
	attributeTags [256]string
)

func init() {
	for g := range tagGroups {
		for v := range tagVariations {
			objectTags[g][v] = "g" + strconv.Itoa(g) + "v" + strconv.Itoa(v)
		}
	}
	for v := range attributeTags {
		attributeTags[v] = "g0v" + strconv.Itoa(v)
	}
}

// objectTag returns the tag of an object, "" when it has none.
func objectTag(g, v uint8) string {
	switch {
	case g == 0:
		return attributeTags[v]
	case g < tagGroups && v < tagVariations:
		return objectTags[g][v]
	}
	return ""
}

// objectValue is the detail for one object header: the points it names
// as a range tagged with the object ("g12v1:3-5"), or the object alone
// when the header names no points (qualifier 0x06, all points).
func objectValue(g, v uint8, r pointRange) protocols.Value {
	tag := objectTag(g, v)
	switch {
	case tag == "":
		return protocols.Hex(uint64(g)<<8|uint64(v), 4)
	case r.known:
		return protocols.Range(tag, r.lo, r.hi)
	}
	return protocols.Text(tag)
}

// Object sizes in bits per point: packed bits for binary inputs, outputs
// and IIN (1 or 2 bits), else whole bytes (IEEE 1815-2012 Annex A). 0 means
// the size is not known here, which stops the walk over the objects.
func objectBits(g, v uint8) int {
	b := objectBytes(g, v)
	switch {
	case (g == 1 || g == 10 || g == 80) && v == 1, g == 12 && v == 3:
		return 1
	case g == 3 && v == 1:
		return 2
	}
	return 8 * b
}

func objectBytes(g, v uint8) int {
	switch g {
	case 1, 3, 10:
		return sizeOf(v, 0, 0, 1)
	case 2, 4, 11, 13:
		return sizeOf(v, 0, 1, 7, 3)
	case 12:
		return sizeOf(v, 0, 11, 11)
	case 20:
		return sizeOf(v, 0, 5, 3, 5, 3, 4, 2, 4, 2)
	case 21:
		return sizeOf(v, 0, 5, 3, 5, 3, 11, 9, 11, 9, 4, 2, 4, 2)
	case 22, 23:
		return sizeOf(v, 0, 5, 3, 5, 3, 11, 9, 11, 9)
	case 30:
		return sizeOf(v, 0, 5, 3, 4, 2, 5, 9)
	case 31:
		return sizeOf(v, 0, 5, 3, 11, 9, 4, 2, 5, 9)
	case 32, 33, 42, 43:
		return sizeOf(v, 0, 5, 3, 11, 9, 5, 9, 11, 15)
	case 34:
		return sizeOf(v, 0, 2, 4, 4)
	case 40, 41:
		return sizeOf(v, 0, 5, 3, 5, 9)
	case 50:
		return sizeOf(v, 0, 6, 10, 6, 11)
	case 51:
		return sizeOf(v, 0, 6, 6)
	case 52:
		return sizeOf(v, 0, 2, 2)
	}
	return 0
}

// sizeOf returns the size of variation v from the sizes of variations 0,
// 1, 2 …; 0 beyond them.
func sizeOf(v uint8, sizes ...int) int {
	if int(v) < len(sizes) {
		return sizes[v]
	}
	return 0
}

// noObjectData reports functions whose requests name objects without
// carrying their values: reads, freezes, (un)solicited enabling and class
// assignment.
func noObjectData(fc uint8) bool {
	return fc == fcRead || fc >= fcImmediateFreeze && fc <= fcFreezeAtTimeNR ||
		fc == fcEnableUnsol || fc == fcDisableUnsol || fc == fcAssignClass
}

// pointRange is the points an object header names, when it names them.
type pointRange struct {
	lo, hi uint64
	known  bool
}

// objectHeader is one object header and where its objects end.
type objectHeader struct {
	group, variation, qualifier uint8
	points                      pointRange
	count                       uint64
	data                        []byte // the objects, prefixes included
	size                        int    // bytes they take; -1 when unknown
}

// parseHeader reads the object header at the start of b (IEEE 1815-2012
// §4.2.2.7.3): group, variation, qualifier (object prefix code in bits
// 6-4, range specifier code in bits 3-0) and the range field.
func parseHeader(b []byte, fc uint8) (objectHeader, bool) {
	var h objectHeader
	if len(b) < 3 {
		return h, false
	}
	h.group, h.variation, h.qualifier = b[0], b[1], b[2]
	prefix, rng := int(h.qualifier>>4&7), h.qualifier&0x0f
	r := b[3:]
	width := 0
	switch rng {
	case 0, 1, 2, 3, 4, 5: // start and stop index (or virtual address)
		width = [...]int{1, 2, 4, 1, 2, 4}[rng]
		if len(r) < 2*width {
			return h, false
		}
		lo, hi := uintLE(r[:width]), uintLE(r[width:2*width])
		if hi < lo {
			return h, false
		}
		h.points = pointRange{lo: lo, hi: hi, known: true}
		h.count = hi - lo + 1
		r = r[2*width:]
	case 6: // all points, no range field
	case 7, 8, 9, 0x0b: // count (0x0b: free-format objects, 1-byte count)
		width = 1
		if rng == 8 {
			width = 2
		} else if rng == 9 {
			width = 4
		}
		if len(r) < width {
			return h, false
		}
		h.count = uintLE(r[:width])
		r = r[width:]
	default:
		return h, false
	}
	h.data = r
	h.size = dataSize(&h, prefix, fc)
	if prefix >= 1 && prefix <= 3 && h.count > 0 && len(r) >= prefixLen(prefix) {
		// Points named by index prefixes: the first, and the last when
		// the objects can be walked (all of them are in the data).
		first := uintLE(r[:prefixLen(prefix)])
		h.points = pointRange{lo: first, hi: first, known: true}
		if stride := h.size / int(max(h.count, 1)); h.size > 0 && h.size <= len(r) && h.count > 1 {
			last := (int(h.count) - 1) * stride
			h.points.hi = uintLE(r[last : last+prefixLen(prefix)])
		}
	}
	return h, true
}

// prefixLen is the byte length of an index or size prefix code.
func prefixLen(p int) int {
	switch p {
	case 1, 4:
		return 1
	case 2, 5:
		return 2
	case 3, 6:
		return 4
	}
	return 0
}

// maxObjects bounds a header's count: no fragment holds more points.
const maxObjects = 1 << 16

// dataSize is how many bytes a header's objects take after the header,
// -1 when not known (or beyond the data).
func dataSize(h *objectHeader, prefix int, fc uint8) int {
	if h.qualifier&0x0f == 6 || h.group == 60 {
		return 0
	}
	if h.count > maxObjects {
		return -1
	}
	// Size-prefixed objects (file transfer, authentication) carry data
	// even in a read; other objects of a read, freeze or class request
	// are named without values.
	if prefix < 4 && noObjectData(fc) {
		return 0
	}
	n := int(h.count)
	if h.group == 0 || prefix >= 4 {
		// Device attributes carry a type and a length before each value;
		// size-prefixed objects their size.
		pos := 0
		for range n {
			if prefix >= 4 {
				l := prefixLen(prefix)
				if pos+l > len(h.data) {
					return -1
				}
				pos += l + int(uintLE(h.data[pos:pos+l]))
			} else {
				pos += prefixLen(prefix)
				if pos+2 > len(h.data) {
					return -1
				}
				pos += 2 + int(h.data[pos+1])
			}
			if pos > len(h.data) {
				return -1
			}
		}
		return pos
	}
	bits := objectBits(h.group, h.variation)
	switch {
	case bits == 0:
		return -1
	case prefix == 0:
		return (n*bits + 7) / 8
	case bits%8 != 0:
		return -1
	}
	return n * (prefixLen(prefix) + bits/8)
}

func uintLE(b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return 0
}

// Device attribute variations (group 0, IEEE 1815-2012 §A.1) that
// describe the outstation.
const (
	attrSoftwareVersion = 242
	attrDeviceName      = 247
	attrSerialNumber    = 248
	attrProductModel    = 250
	attrManufacturer    = 252
)

// maxObjectDetails is how many object headers are reported per message.
const maxObjectDetails = 3

// walker walks the object headers of an application fragment's first
// segment.
type walker struct {
	m       *protocols.Message
	e       *protocols.Event
	id      *protocols.Identity
	fc      uint8
	payload []byte // the link frame's user data blocks, CRCs included
	udLen   int    // their length without CRCs
	// joined says the application data are a fragment of several frames
	// joined in the dissector's buffer; payload is then nil.
	joined bool
}

// objects reports the first few object headers of b as details (at most
// budget) and the device attributes of a response as the sender's
// identity.
func (w *walker) objects(b []byte, budget int) {
	for n := 0; len(b) > 0; n++ {
		h, ok := parseHeader(b, w.fc)
		if !ok {
			return
		}
		if n == 0 && w.crob(h) {
			budget--
		}
		if n < min(budget, maxObjectDetails) {
			w.e.Add("objects", objectValue(h.group, h.variation, h.points))
		}
		if h.group == 0 && (w.fc == fcResponse || w.fc == fcUnsolicited) && h.size > 0 && h.count == 1 &&
			h.qualifier>>4&7 <= 3 {
			w.attribute(h)
		}
		if h.size < 0 || h.size > len(h.data) {
			return
		}
		b = h.data[h.size:]
	}
}

// attribute reads one device attribute — type code, length, value — into
// the message's identity, which it creates on first use so that one
// identity collects every attribute of the message.
func (w *walker) attribute(h objectHeader) {
	v := h.data[prefixLen(int(h.qualifier>>4&7)):]
	const visibleString = 1 // attribute data type code
	if len(v) < 2 || int(v[1]) > len(v)-2 || v[0] != visibleString {
		return
	}
	var f *[]byte
	if w.id == nil {
		switch h.variation {
		case attrSoftwareVersion, attrDeviceName, attrSerialNumber, attrProductModel, attrManufacturer:
			w.id = w.m.Identify()
		default:
			return
		}
	}
	switch h.variation {
	case attrSoftwareVersion:
		f = &w.id.Firmware
	case attrDeviceName:
		f = &w.id.Name
	case attrSerialNumber:
		f = &w.id.Serial
	case attrProductModel:
		f = &w.id.Model
	case attrManufacturer:
		f = &w.id.Vendor
	default:
		return
	}
	if w.joined {
		*f = append([]byte(nil), v[2:2+int(v[1])]...) // v is in the dissector's buffer
		return
	}
	*f = w.text(w.udLen-len(v)+2, int(v[1]))
}

// text returns the user data bytes [off, off+n) as they are in the
// payload: a slice of it when they lie within one CRC block, else a copy
// (identity fields must not point into the dissector's buffer, which
// lives only during Dissect). Device attributes are read rarely, so the
// copy is not on any polling path.
func (w *walker) text(off, n int) []byte {
	at := func(i int) int { return i + crcLen*(i/blockLen) }
	if n == 0 || off/blockLen == (off+n-1)/blockLen {
		return w.payload[at(off) : at(off)+n]
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = w.payload[at(off+i)]
	}
	return out
}

// Control relay output block (g12v1, IEEE 1815-2012 §A.8.1): control code,
// count, on time, off time (4 bytes each), status. The control code's
// bits 3-0 are the operation, bits 7-6 the trip-close code.
const (
	crobLen       = 11
	crobStatusAt  = 10
	crobOperation = 0x0f
	crobTCC       = 0xc0
)

// crob reports the first control relay output block of a control request
// (Select, Operate, Direct Operate) as the control it asks for, and of a
// response as its status: a status other than 0 (success) says the
// control failed, so the response is an error. It reports whether it
// added a detail.
func (w *walker) crob(h objectHeader) bool {
	if h.group != 12 || h.variation != 1 || h.count == 0 || h.size <= 0 {
		return false
	}
	off := prefixLen(int(h.qualifier >> 4 & 7))
	if off+crobLen > len(h.data) {
		return false
	}
	o := h.data[off : off+crobLen]
	switch {
	case w.fc >= 3 && w.fc <= 6: // Select, Operate, Direct Operate (No Ack)
		w.e.Add("control", controlValue(o[0]))
		return true
	case w.fc == fcResponse && o[crobStatusAt] != 0:
		w.e.Error = true
		w.e.Add("control_status", protocols.Uint(uint64(o[crobStatusAt])))
		return true
	}
	return false
}

// controlValue names a control code: the operation (pulse on, pulse off,
// latch on, latch off) and, when set, the trip-close code; other codes
// as a number.
func controlValue(code uint8) protocols.Value {
	op, tcc := code&crobOperation, code&crobTCC>>6
	if op >= 1 && op <= 4 && tcc <= 2 {
		return protocols.Text(controlNames[tcc][op-1])
	}
	return protocols.Hex(uint64(code), 2)
}

var controlNames = [3][4]string{
	{"pulse_on", "pulse_off", "latch_on", "latch_off"},
	{"pulse_on/close", "pulse_off/close", "latch_on/close", "latch_off/close"},
	{"pulse_on/trip", "pulse_off/trip", "latch_on/trip", "latch_off/trip"},
}
