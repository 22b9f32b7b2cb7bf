package s7comm

import (
	"encoding/binary"
	"strconv"
	"sync"

	"mimamori/protocols"
)

// SZL (system status list) answers, after the SZL id and index: length of
// one record (2), record count (2), records. The partial lists that
// describe the module (the low byte of the SZL id; the high byte selects
// which records):
//
//   - 0x11 module identification, 28-byte records: index (2), order
//     number (MLFB, 20 characters), module type id (2), version (2 + 2).
//     Index 1 is the module, 6 its basic hardware, 7 its basic firmware,
//     whose version is "V" and three numbers: 'V', major, minor, patch.
//   - 0x1C component identification, 34-byte records: index (2), text
//     (32 characters). Index 1 is the automation system's name, 2 the
//     module's name, 3 the plant designation, 4 the copyright, 5 the
//     serial number, 7 the module type name.
const (
	szlModuleID    = 0x11
	szlComponentID = 0x1c
	moduleRecLen   = 28
	componentLen   = 34
)

// szl reports the identity in a Read SZL response's data d (starting at
// the SZL id).
func szl(m *protocols.Message, d []byte) {
	if len(d) < 8 {
		return
	}
	id := binary.BigEndian.Uint16(d)
	recLen, count := int(binary.BigEndian.Uint16(d[4:])), int(binary.BigEndian.Uint16(d[6:]))
	recs := d[8:]
	switch {
	case id&0xff == szlModuleID && recLen == moduleRecLen:
		moduleID(m, recs, count)
	case id&0xff == szlComponentID && recLen == componentLen:
		componentID(m, recs, count)
	}
}

func moduleID(m *protocols.Message, recs []byte, count int) {
	var model []byte
	var fw []byte
	var fwCode uint32
	for i := 0; i < count && len(recs) >= moduleRecLen; i++ {
		r := recs[:moduleRecLen]
		recs = recs[moduleRecLen:]
		switch binary.BigEndian.Uint16(r) {
		case 0x0001:
			model = r[2:22]
		case 0x0006:
			if model == nil {
				model = r[2:22]
			}
		case 0x0007:
			if r[24] == 'V' {
				fw = versionText(r[25], r[26], r[27])
				fwCode = binary.BigEndian.Uint32(r[24:])
			}
		}
	}
	if model == nil && fwCode == 0 {
		return
	}
	id := m.Identify()
	id.Model, id.Firmware = model, fw
	if fw == nil && fwCode != 0 {
		id.Add("firmware_code", protocols.Hex(uint64(fwCode), 8))
	}
}

func componentID(m *protocols.Message, recs []byte, count int) {
	var name, module, typeName, serial []byte
	for i := 0; i < count && len(recs) >= componentLen; i++ {
		r := recs[:componentLen]
		recs = recs[componentLen:]
		text := r[2:]
		switch binary.BigEndian.Uint16(r) {
		case 0x0001:
			name = text
		case 0x0002:
			module = text
		case 0x0005:
			serial = text
		case 0x0007:
			typeName = text
		}
	}
	if name == nil && module == nil && typeName == nil && serial == nil {
		return
	}
	id := m.Identify()
	id.Name, id.Serial, id.Product = name, serial, typeName
	if typeName == nil {
		id.Product = module
	}
}

// Firmware versions come as numbers; an identity's fields are text in
// the message or in constant storage, so the text of every version up to
// V15.15.31 is laid out once, on first use.
const (
	versionMajors  = 16
	versionMinors  = 16
	versionPatches = 32
	versionSlot    = 10 // "V15.15.31" and room
)

type versionTable struct {
	text [versionMajors * versionMinors * versionPatches * versionSlot]byte
	n    [versionMajors * versionMinors * versionPatches]uint8
}

var versions = sync.OnceValue(func() *versionTable {
	t := new(versionTable)
	for i := range t.n {
		major, minor, patch := i/(versionMinors*versionPatches), i/versionPatches%versionMinors, i%versionPatches
		b := t.text[i*versionSlot : i*versionSlot : (i+1)*versionSlot]
		b = append(b, 'V')
		b = strconv.AppendUint(b, uint64(major), 10)
		b = append(b, '.')
		b = strconv.AppendUint(b, uint64(minor), 10)
		b = append(b, '.')
		b = strconv.AppendUint(b, uint64(patch), 10)
		t.n[i] = uint8(len(b))
	}
	return t
})

// versionText returns "Vmajor.minor.patch", or nil beyond the table.
func versionText(major, minor, patch uint8) []byte {
	if major >= versionMajors || minor >= versionMinors || patch >= versionPatches {
		return nil
	}
	i := (int(major)*versionMinors+int(minor))*versionPatches + int(patch)
	t := versions()
	return t.text[i*versionSlot : i*versionSlot+int(t.n[i]) : i*versionSlot+int(t.n[i])]
}

// Data block ranges carry the DB number in their tag ("DB12:0-15"). Tags
// must be constants, so the names of DB 0 to 16383 are laid out once, on
// first use, in one string; higher numbers (rare) are shown as "DB?" and
// still kept apart by number.
const (
	dbNames = 16384
	dbSlot  = 7 // "DB16383"
)

var dbNameText = sync.OnceValue(func() string {
	b := make([]byte, 0, dbNames*dbSlot)
	for i := range dbNames {
		start := len(b)
		b = append(b, 'D', 'B')
		b = strconv.AppendUint(b, uint64(i), 10)
		for len(b) < start+dbSlot {
			b = append(b, ' ')
		}
	}
	return string(b)
})

// dbRange is a byte range in data block db.
func dbRange(db uint16, lo, hi uint32) protocols.Value {
	if int(db) >= dbNames {
		v := protocols.Range("DB?", uint64(lo), uint64(hi))
		v.Area = uint64(db)
		return v
	}
	s := dbNameText()
	n := 3 // "DB" and one digit
	for x := db; x >= 10; x /= 10 {
		n++
	}
	i := int(db) * dbSlot
	return protocols.Range(s[i:i+n], uint64(lo), uint64(hi))
}
