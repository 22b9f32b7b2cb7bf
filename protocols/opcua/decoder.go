package opcua

import "encoding/binary"

// decoder reads the OPC UA binary encoding (Part 6 §5.2): little-endian
// integers, Strings and ByteStrings as an int32 length (-1 for null) and
// bytes, NodeIds by their encoding byte. A read beyond the message sets
// bad and returns zero values, so a caller checks once at the end.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) take(n int) []byte {
	if d.bad || n < 0 || len(d.b) < n {
		d.bad = true
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) skip(n int) { d.take(n) }

func (d *decoder) u8() uint8 {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if v := d.take(2); v != nil {
		return binary.LittleEndian.Uint16(v)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if v := d.take(4); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

// bytes reads a String or ByteString; nil for a null one.
func (d *decoder) bytes() []byte {
	n := int32(d.u32())
	if d.bad || n <= 0 {
		if n < -1 {
			d.bad = true
		}
		return nil
	}
	return d.take(int(n))
}

// count reads an array length (-1 for a null array, read as empty).
func (d *decoder) count() int {
	n := int32(d.u32())
	if n < -1 || int(n) > len(d.b) {
		d.bad = true
		return 0
	}
	return max(int(n), 0)
}

// NodeId encodings (the low six bits of the encoding byte).
const (
	nodeTwoByte    = 0
	nodeFourByte   = 1
	nodeNumeric    = 2
	nodeString     = 3
	nodeGUID       = 4
	nodeByteString = 5
)

// nodeID reads a NodeId; numeric is false for the string, GUID and
// opaque forms (id is then 0).
func (d *decoder) nodeID() (ns uint16, id uint32, numeric bool) {
	enc := d.u8()
	switch enc {
	case nodeTwoByte:
		return 0, uint32(d.u8()), true
	case nodeFourByte:
		ns = uint16(d.u8())
		return ns, uint32(d.u16()), true
	case nodeNumeric:
		ns = d.u16()
		return ns, d.u32(), true
	case nodeString, nodeByteString:
		ns = d.u16()
		d.bytes()
		return ns, 0, false
	case nodeGUID:
		ns = d.u16()
		d.skip(16)
		return ns, 0, false
	}
	d.bad = true
	return 0, 0, false
}

// extensionObject skips an ExtensionObject and returns its type id.
func (d *decoder) extensionObject() (id uint32) {
	_, id, _ = d.nodeID()
	switch d.u8() {
	case 0:
	case 1, 2:
		d.bytes()
	default:
		d.bad = true
	}
	return id
}

// localizedText reads a LocalizedText and returns its text.
func (d *decoder) localizedText() []byte {
	mask := d.u8()
	if mask&0x01 != 0 {
		d.bytes() // locale
	}
	if mask&0x02 != 0 {
		return d.bytes()
	}
	return nil
}

// maxDiagnosticDepth bounds the chain of inner DiagnosticInfos followed.
const maxDiagnosticDepth = 8

// diagnosticInfo skips a DiagnosticInfo and its inner ones.
func (d *decoder) diagnosticInfo() {
	for depth := 0; depth < maxDiagnosticDepth; depth++ {
		mask := d.u8()
		for _, bit := range [...]uint8{0x01, 0x02, 0x04, 0x08} { // symbolic id, namespace, localized text, locale
			if mask&bit != 0 {
				d.skip(4)
			}
		}
		if mask&0x10 != 0 {
			d.bytes() // additional info
		}
		if mask&0x20 != 0 {
			d.skip(4) // inner status code
		}
		if mask&0x40 == 0 || d.bad {
			return
		}
	}
	d.bad = true
}

// requestHeader skips a RequestHeader: authentication token, timestamp,
// request handle, diagnostics mask, audit entry id, timeout hint and
// additional header.
func (d *decoder) requestHeader() {
	d.nodeID()
	d.skip(8 + 4 + 4)
	d.bytes()
	d.skip(4)
	d.extensionObject()
}

// responseHeader reads a ResponseHeader and returns its service result.
func (d *decoder) responseHeader() uint32 {
	d.skip(8 + 4)
	status := d.u32()
	d.diagnosticInfo()
	for i, n := 0, d.count(); i < n && !d.bad; i++ {
		d.bytes() // string table
	}
	d.extensionObject()
	return status
}
