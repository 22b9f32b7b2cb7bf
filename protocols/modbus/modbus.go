// Package modbus dissects Modbus/TCP (MBAP-framed Modbus over TCP, and the
// same ADU over UDP): every function by name, exceptions as errors, the
// unit id and the address ranges read and written, the sub-function of
// Diagnostics, the MEI type of function 43 with Read Device Identification
// responses as identities, and Schneider's UMAS (function 90) with its
// sub-function codes. See README.md for the contract.
package modbus

import (
	"encoding/binary"

	"mimamori/protocols"
)

// ID is the protocol id of Modbus events and identities.
const ID = "modbus"

// Port is the Modbus/TCP server port.
const Port = 502

// MBAP header: transaction id (2), protocol id (2) = 0, length (2) =
// bytes after it (unit id + PDU), unit id (1); then the function code.
const (
	mbapLen = 6
	// minLength is a unit id and a function code.
	minLength = 2
	// maxLength bounds the length field. The specification allows 254
	// (a 260-byte ADU); Schneider's UMAS is seen one byte over it, so
	// framing accepts some slack and only the heuristic holds to 254.
	maxLength       = 512
	maxProbedLength = 254
)

// Dissector is the Modbus/TCP dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "Modbus/TCP",
		TCPPorts:  []uint16{Port},
		UDPPorts:  []uint16{Port},
		Heuristic: protocols.TCP,
	}
}

// Frame implements protocols.Dissector: the MBAP length.
func (*Dissector) Frame(b []byte) (int, error) {
	if len(b) < mbapLen {
		return 0, nil
	}
	n, err := adu(b, maxLength)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// adu checks an MBAP header and returns the ADU's length.
func adu(b []byte, maxLen int) (int, error) {
	if binary.BigEndian.Uint16(b[2:4]) != 0 {
		return 0, protocols.ErrNotPDU
	}
	l := int(binary.BigEndian.Uint16(b[4:6]))
	if l < minLength || l > maxLen {
		return 0, protocols.ErrNotPDU
	}
	return mbapLen + l, nil
}

// Probe implements protocols.Dissector. A segment is Modbus when it holds
// one or more MBAP frames back to back — protocol id 0, a length within
// the specification — the first of them complete, with a known function
// code and a PDU length that fits the function; the last may continue in
// the next segment.
func (*Dissector) Probe(b []byte, _ protocols.Conn) bool {
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < mbapLen {
			return off > 0
		}
		n, err := adu(rest, maxProbedLength)
		if err != nil {
			return false
		}
		if n > len(rest) {
			return off > 0
		}
		if off == 0 && !plausible(rest[mbapLen+1:n]) {
			return false
		}
		off += n
	}
	return true
}

// plausible checks a PDU's length against its function, for either
// direction: a read request is 5 bytes, its response 2 + byte count, and
// so on. Functions without a fixed layout pass.
func plausible(pdu []byte) bool {
	fc := pdu[0]
	if fc&exceptionBit != 0 {
		return knownFunction(fc&^exceptionBit) && len(pdu) == 2
	}
	if !knownFunction(fc) {
		return false
	}
	switch fc {
	case fcReadCoils, fcReadDiscreteInputs, fcReadHoldingRegisters, fcReadInputRegisters:
		return len(pdu) == 5 || (len(pdu) >= 2 && len(pdu) == 2+int(pdu[1]))
	case fcWriteSingleCoil, fcWriteSingleRegister:
		return len(pdu) == 5
	case fcWriteMultipleCoils, fcWriteMultipleRegs:
		return len(pdu) == 5 || (len(pdu) >= 6 && len(pdu) == 6+int(pdu[5]))
	}
	return true
}

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if len(b) < mbapLen+minLength {
		return protocols.ErrMalformed
	}
	n, err := adu(b, maxLength)
	if err != nil || n != len(b) {
		return protocols.ErrMalformed
	}
	unit, fc := b[mbapLen], b[mbapLen+1]
	pdu := b[mbapLen+1:]
	if fc&exceptionBit != 0 {
		code := fc &^ exceptionBit
		e := m.Emit(uint32(code), functionName(code), protocols.KindResponse)
		e.Error = true
		e.Add("unit_id", protocols.Uint(uint64(unit)))
		if len(pdu) >= 2 {
			e.Add("exception", protocols.Hex(uint64(pdu[1]), 2))
		}
		if code == fcUMAS {
			umasPending(m, e)
		}
		return nil
	}
	e := m.Emit(uint32(fc), functionName(fc), protocols.KindAuto)
	e.Add("unit_id", protocols.Uint(uint64(unit)))
	if m.FromClient {
		request(m, e, pdu)
	} else {
		response(m, e, pdu)
	}
	return nil
}

// request adds what a request says: the addresses it reads or writes, the
// sub-function it asks for.
func request(m *protocols.Message, e *protocols.Event, pdu []byte) {
	fc, d := pdu[0], pdu[1:]
	switch fc {
	case fcReadCoils, fcReadDiscreteInputs, fcReadHoldingRegisters, fcReadInputRegisters:
		addRange(e, "read_range", d, 0, 2)
	case fcWriteSingleCoil, fcWriteSingleRegister, fcMaskWriteRegister:
		if len(d) >= 2 {
			a := uint64(be16(d))
			e.Add("write_range", protocols.Range("", a, a))
		}
	case fcWriteMultipleCoils, fcWriteMultipleRegs:
		addRange(e, "write_range", d, 0, 2)
	case fcReadWriteMultiple:
		addRange(e, "read_range", d, 0, 2)
		addRange(e, "write_range", d, 4, 6)
	case fcReadFIFOQueue:
		if len(d) >= 2 {
			a := uint64(be16(d))
			e.Add("read_range", protocols.Range("", a, a))
		}
	case fcDiagnostics:
		subFunction(e, d)
	case fcEncapsulated:
		if len(d) >= 1 {
			e.Add("mei_type", protocols.Hex(uint64(d[0]), 2))
		}
	case fcUMAS:
		// Session byte, then the UMAS function. The response does not
		// repeat it, so the conversation remembers it.
		if len(d) >= 2 {
			e.Add("umas_function", protocols.Hex(uint64(d[1]), 2))
			m.State = umasValid | uint64(d[1])
		}
	}
}

// response adds what a response says.
func response(m *protocols.Message, e *protocols.Event, pdu []byte) {
	fc, d := pdu[0], pdu[1:]
	switch fc {
	case fcDiagnostics:
		subFunction(e, d)
	case fcEncapsulated:
		if len(d) >= 1 {
			e.Add("mei_type", protocols.Hex(uint64(d[0]), 2))
			if d[0] == meiDeviceIdentity {
				deviceIdentification(m, d[1:])
			}
		}
	case fcUMAS:
		umasPending(m, e)
		if len(d) >= 2 && d[1] == umasError {
			e.Error = true
		}
	}
}

// umasValid marks Message.State as holding the UMAS function of the last
// request (in its low byte).
const umasValid = 1 << 8

// umasPending adds the UMAS function of the request a response answers.
func umasPending(m *protocols.Message, e *protocols.Event) {
	if m.State&umasValid != 0 {
		e.Add("umas_function", protocols.Hex(m.State&0xff, 2))
	}
}

// addRange adds the range given by a 2-byte start at d[start] and a
// 2-byte quantity at d[qty].
func addRange(e *protocols.Event, key string, d []byte, start, qty int) {
	if len(d) < qty+2 {
		return
	}
	a, n := uint64(be16(d[start:])), uint64(be16(d[qty:]))
	if n == 0 {
		return
	}
	e.Add(key, protocols.Range("", a, a+n-1))
}

func subFunction(e *protocols.Event, d []byte) {
	if len(d) >= 2 {
		e.Add("sub_function", protocols.Hex(uint64(be16(d)), 4))
	}
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
