// Package iec104 dissects IEC 60870-5-104 on TCP 2404: I-format APDUs by
// their ASDU type identification, with the cause of transmission (negative
// confirmations and unknown type, cause, address or object as errors), the
// common address and the information object addresses a command names;
// S-format and U-format APDUs (STARTDT, STOPDT, TESTFR) in a code space of
// their own. See README.md for the contract.
package iec104

import (
	"encoding/binary"
	"fmt"

	"mimamori/protocols"
)

// ID is the protocol id of IEC 104 events.
const ID = "iec104"

// Port is IEC 104's registered port.
const Port = 2404

// APCI (IEC 60870-5-104 §5): start byte 0x68, the APDU's length after
// this byte pair (at most 253), four control octets. Bit 0 of the first
// control octet clear means an I-format APDU, else bits 1-0 = 01 an
// S-format and 11 a U-format APDU.
const (
	startByte  = 0x68
	apciLen    = 6
	minLength  = 4
	maxLength  = 253
	formatMask = 0x03
	formatS    = 0x01
	formatU    = 0x03
)

// ASDU header (IEC 60870-5-101 §7 with the -104 field sizes): type
// identification, variable structure qualifier (SQ bit, number of
// objects), cause of transmission (T and P/N bits and the cause; then the
// originator address), common address (2 octets); then objects, each
// with a 3-octet information object address.
const (
	asduHeaderLen = 6
	ioaLen        = 3
	vsqSQ         = 0x80
	vsqNumber     = 0x7f
	cotNegative   = 0x40
	cotCause      = 0x3f
)

// errShortASDU is made once: a stream of malformed APDUs must not
// allocate.
var errShortASDU = fmt.Errorf("%w: ASDU shorter than its header", protocols.ErrMalformed)

// Dissector is the IEC 104 dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "IEC 60870-5-104",
		TCPPorts:  []uint16{Port},
		Heuristic: protocols.TCP,
	}
}

// Frame implements protocols.Dissector: 2 + the APDU length.
func (*Dissector) Frame(b []byte) (int, error) {
	if len(b) > 0 && b[0] != startByte {
		return 0, protocols.ErrNotPDU
	}
	if len(b) < 2 {
		return 0, nil
	}
	if b[1] < minLength || b[1] > maxLength {
		return 0, protocols.ErrNotPDU
	}
	return 2 + int(b[1]), nil
}

// Probe implements protocols.Dissector: a whole APDU with a valid control
// field. An S-format or U-format APDU is exactly the APCI, with its
// reserved bits clear and, for U-format, exactly one function; an
// I-format APDU carries an ASDU of a known type with at least one
// object and a known cause of transmission.
func (d *Dissector) Probe(b []byte, _ protocols.Conn) bool {
	n, err := d.Frame(b)
	if err != nil || n == 0 || n > len(b) {
		return false
	}
	c := b[2:apciLen]
	switch {
	case c[0]&formatMask == formatU:
		return n == apciLen && uName(c[0]) != "" && c[1] == 0 && c[2] == 0 && c[3] == 0
	case c[0]&formatMask == formatS:
		return n == apciLen && c[0] == formatS && c[1] == 0 && c[2]&1 == 0
	}
	// I-format: the receive sequence number's spare bit is zero.
	if c[2]&1 != 0 || n < apciLen+asduHeaderLen+ioaLen {
		return false
	}
	a := b[apciLen:n]
	cause := a[2] & cotCause
	return typeName(a[0]) != "" && a[1]&vsqNumber != 0 && cause != 0 && cause <= cotUnknownObject
}

// Dissect implements protocols.Dissector: one APDU.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if len(b) < apciLen || b[0] != startByte || int(b[1]) != len(b)-2 || b[1] < minLength {
		return protocols.ErrMalformed
	}
	c := b[2]
	switch {
	case c&formatMask == formatU:
		kind := protocols.KindRequest
		if c&(uStartDTCon|uStopDTCon|uTestFRCon)&^formatMask != 0 {
			kind = protocols.KindResponse
		}
		m.Emit(UCodeBase+uint32(c), uName(c), kind)
		return nil
	case c&formatMask == formatS:
		m.Emit(SCode, "S-format", protocols.KindOther)
		return nil
	}
	return asdu(m, b[apciLen:])
}

// asdu reads an I-format APDU's ASDU.
func asdu(m *protocols.Message, a []byte) error {
	if len(a) < asduHeaderLen {
		return errShortASDU
	}
	t, vsq, cot := a[0], a[1], a[2]
	cause := cot & cotCause
	e := m.Emit(uint32(t), typeName(t), causeKind(cause))
	// A negative confirmation, or a reply that the type, cause, common
	// address or object is unknown, says the command failed.
	e.Error = cot&cotNegative != 0 || cause >= cotUnknownType && cause <= cotUnknownObject
	e.Add("cot", protocols.Uint(uint64(cause)))
	e.Add("common_address", protocols.Uint(uint64(binary.LittleEndian.Uint16(a[4:]))))
	if t >= firstCommand {
		if lo, hi, ok := objectRange(t, vsq, a[asduHeaderLen:]); ok {
			e.Add("ioa", protocols.Range("", lo, hi))
		}
		if se, ok := selectExecute(t, a[asduHeaderLen:]); ok {
			e.Add("mode", se)
		}
	}
	return nil
}

// selectExecute reads the S/E bit of a command's first object (bit 7 of
// its SCO, DCO, RCO or QOS): a select, the first half of select before
// operate, or an execute.
func selectExecute(t uint8, objects []byte) (protocols.Value, bool) {
	at := -1 // the qualifier's offset in the element
	switch t {
	case 45, 46, 47, 58, 59, 60: // single, double, regulating step
		at = 0
	case 48, 49, 61, 62: // set points, normalised and scaled: value, QOS
		at = 2
	case 50, 63: // set point, short float: value, QOS
		at = 4
	}
	if at < 0 || len(objects) <= ioaLen+at {
		return protocols.Value{}, false
	}
	if objects[ioaLen+at]&0x80 != 0 {
		return protocols.Text("select"), true
	}
	return protocols.Text("execute"), true
}

// firstCommand is the first type identification in the control direction
// (C_SC_NA_1); from it on (commands, system commands, parameters, file
// transfer) the information object addresses are reported.
const firstCommand = 45

// objectRange returns the lowest and highest information object address
// of the ASDU's objects: the first plus the count for a sequence (SQ=1),
// else each object's own, walked while the element size is known (only
// the first otherwise).
func objectRange(t, vsq uint8, b []byte) (lo, hi uint64, ok bool) {
	if len(b) < ioaLen {
		return 0, 0, false
	}
	ioa := func(p []byte) uint64 { return uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 }
	lo = ioa(b)
	hi = lo
	n := int(vsq & vsqNumber)
	if vsq&vsqSQ != 0 {
		return lo, lo + uint64(max(n, 1)-1), true
	}
	size := elementSize(t)
	if size < 0 {
		return lo, hi, true
	}
	for i := 1; i < n; i++ {
		p := i * (ioaLen + size)
		if p+ioaLen > len(b) {
			break
		}
		v := ioa(b[p:])
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi, true
}
