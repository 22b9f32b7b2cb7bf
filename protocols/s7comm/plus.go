package s7comm

import (
	"encoding/binary"

	"mimamori/protocols"
)

// S7comm-plus frame: protocol id 0x72, version (1, 2, 3; 0xFE for a
// keep-alive), length of the data (2), the data, and, in the last frame of
// a PDU, a trailer repeating the id and version with a zero length. In
// version 3 the data starts with an integrity part: a digest length
// (0x20) and the 32-byte digest. Then the opcode (0x31 request, 0x32
// response, 0x33 notification), and in requests and responses: reserved
// (2), function code (2), reserved (2), sequence number (2); a request
// goes on with the session id (4) and transport flags, a response with
// its transport flags and return value.
const (
	plusHeaderLen    = 4
	plusTrailerLen   = 4
	plusKeepAliveVer = 0xfe
	digestLen        = 0x20
	plusFuncLen      = 9 // opcode to sequence number
)

type plusHeader struct {
	version uint8
	data    []byte
	trailer bool // the frame ends the PDU
}

// parsePlusHeader reads an S7comm-plus frame: its data must be there in
// full, followed by the trailer or by nothing (a PDU continued in the
// next frame).
func parsePlusHeader(b []byte) (plusHeader, bool) {
	var h plusHeader
	if len(b) < plusHeaderLen || b[0] != protoS7Plus {
		return h, false
	}
	h.version = b[1]
	end := plusHeaderLen + int(binary.BigEndian.Uint16(b[2:]))
	switch {
	case end == len(b):
	case end+plusTrailerLen == len(b) && b[end] == protoS7Plus && b[end+1] == h.version && b[end+2] == 0 && b[end+3] == 0:
		h.trailer = true
	default:
		return h, false
	}
	h.data = b[plusHeaderLen:end]
	return h, true
}

// dissectPlus reads an S7comm-plus frame (the first, or only, frame of a
// PDU) and reports whether the PDU continues in further frames.
func dissectPlus(m *protocols.Message, b []byte, eot bool) (more bool, err error) {
	h, ok := parsePlusHeader(b)
	if !ok {
		if eot || len(b) < plusHeaderLen {
			return false, protocols.ErrMalformed
		}
		// The frame continues in the next COTP DT: report what is here.
		h = plusHeader{version: b[1], data: b[plusHeaderLen:], trailer: true}
	}
	more = !h.trailer
	m.State |= statePlus
	if h.version == plusKeepAliveVer {
		m.Emit(PlusKeepAlive, "Keep Alive", protocols.KindAuto)
		return more, nil
	}
	d := h.data
	if len(d) > 0 && d[0] == digestLen {
		if len(d) < 1+digestLen {
			return false, protocols.ErrMalformed
		}
		d = d[1+digestLen:]
	}
	if len(d) == 0 {
		return false, protocols.ErrMalformed
	}
	op := d[0]
	switch op {
	case plusRequest, plusResponse, plusResponse2:
	case plusNotification:
		e := m.Emit(PlusNotification, "Notification", protocols.KindOther)
		e.Add("version", protocols.Uint(uint64(h.version)))
		return more, nil
	default:
		e := m.Emit(0x20000+uint32(op), "", protocols.KindAuto)
		e.Add("version", protocols.Uint(uint64(h.version)))
		return more, nil
	}
	if len(d) < plusFuncLen {
		return false, protocols.ErrMalformed
	}
	f := binary.BigEndian.Uint16(d[3:])
	if op == plusRequest {
		e := m.Emit(uint32(f), plusFunctionName(f), protocols.KindRequest)
		e.Add("version", protocols.Uint(uint64(h.version)))
		if len(d) >= plusFuncLen+4 {
			e.Add("session_id", protocols.Hex(uint64(binary.BigEndian.Uint32(d[plusFuncLen:])), 8))
		}
		if len(d) >= plusFuncLen+5 {
			plusRequestSet(e, f, d[plusFuncLen+5:])
		}
		return more, nil
	}
	e := m.Emit(uint32(f), plusFunctionName(f), protocols.KindResponse)
	e.Add("version", protocols.Uint(uint64(h.version)))
	// Transport flags, then the return value (a variable-length
	// quantity). Its low 16 bits are an error code, negative on failure.
	if len(d) > plusFuncLen+1 {
		if rv, ok := vlq(d[plusFuncLen+1:]); ok && int16(uint16(rv)) < 0 {
			e.Error = true
			e.Add("return_value", protocols.Hex(rv, 4))
		}
	}
	if f == plusCreateObject {
		plusIdentity(m, d[plusFuncLen:])
	}
	return more, nil
}

// Objects and attributes of an S7-1200/1500 that say what a request
// changes: writing the CPU execution unit's operating state request is
// how S7comm-plus starts and stops the PLC.
const (
	objectCPUExecUnit     = 52   // NativeObjects.theCPUexecUnit_Rid
	attrOperatingStateReq = 2167 // CPUexecUnit.operatingStateREQ
)

// plusRequestSet reports the object a request acts on: the request set
// of SetVariable, GetVariable, SetMultiVariables and DeleteObject starts
// with the object id (4 bytes); SetVariable and GetVariable go on with the
// number of addresses and the addresses (attribute ids), variable-length
// quantities.
func plusRequestSet(e *protocols.Event, f uint16, b []byte) {
	switch f {
	case plusSetVariable, plusGetVariable, plusSetMultiVariables, plusDeleteObject:
	default:
		return
	}
	if len(b) < 4 {
		return
	}
	obj := binary.BigEndian.Uint32(b)
	e.Add("object_id", protocols.Hex(uint64(obj), 8))
	if f != plusSetVariable && f != plusGetVariable {
		return
	}
	b = b[4:]
	n, k := vlqLen(b)
	if k == 0 || n == 0 {
		return
	}
	attr, k2 := vlqLen(b[k:])
	if k2 == 0 {
		return
	}
	e.Add("attribute", protocols.Uint(attr))
	if f == plusSetVariable && obj == objectCPUExecUnit && attr == attrOperatingStateReq {
		e.Add("plc_control", protocols.Text("operating state request"))
	}
}

// vlqLen decodes an unsigned S7comm-plus variable-length quantity (7
// bits per byte, most significant first, the high bit set on every byte
// but the last; a ninth byte gives all its 8 bits) and returns it with its
// length in bytes, 0 when b ends before it does.
func vlqLen(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		if i == 8 {
			return v<<8 | uint64(c), 9
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// vlq decodes an unsigned variable-length quantity (see vlqLen).
func vlq(b []byte) (uint64, bool) {
	v, n := vlqLen(b)
	return v, n > 0
}

// plusIdentity finds the PLC's description in a CreateObject response:
// a string value (type 0x15, length) of the form "1;6ES7 214-1HE30-0XB0
// ;V2.2": a digit, the order number and the firmware version.
func plusIdentity(m *protocols.Message, d []byte) {
	const typeString = 0x15
	for i := 0; i+4 < len(d); i++ {
		if d[i] != typeString || d[i+1] >= 0x80 {
			continue
		}
		n := int(d[i+1])
		if i+2+n > len(d) || n < 6 {
			continue
		}
		s := d[i+2 : i+2+n]
		if s[0] < '0' || s[0] > '9' || s[1] != ';' {
			continue
		}
		for j := 2; j+1 < len(s); j++ {
			if s[j] == ';' && s[j+1] == 'V' {
				id := m.Identify()
				id.Model, id.Firmware = s[2:j], s[j+1:]
				return
			}
		}
	}
}
