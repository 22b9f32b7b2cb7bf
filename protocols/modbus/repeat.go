package modbus

import "mimamori/protocols"

var _ protocols.Repeater = (*Dissector)(nil)

// Repeat implements protocols.Repeater. The key is the MBAP length, the
// unit id, the function code and the few PDU bytes Dissect reports: the
// exception code; in a request the start and quantity of a read or write
// (the address of a single write), the Diagnostics sub-function, the MEI
// type, the UMAS function; in a response the Diagnostics sub-function,
// the MEI type, the UMAS status. Left out are the transaction id and the
// values read and written, which Dissect never looks at. The protocol id
// and the MBAP length are checked as Dissect checks them, and the length
// is in the key, so the key also fixes how many PDU bytes there are and
// thus which of them Dissect reads. A Read Device Identification response
// identifies its sender and is never a repeat.
func (*Dissector) Repeat(b []byte, fromClient bool, key *protocols.RepeatKey) int {
	// The Tracker compares whole keys: clear what an earlier, longer key
	// left.
	*key = protocols.RepeatKey{}
	if len(b) < mbapLen+minLength || b[2] != 0 || b[3] != 0 {
		return 0
	}
	if l := int(be16(b[4:])); l > maxLength || mbapLen+l != len(b) {
		return 0
	}
	n := copy(key[:], b[4:mbapLen+minLength]) // length, unit id, function code
	d := b[mbapLen+minLength:]
	off, k, ok := keyed(b[mbapLen+1], fromClient, d)
	if !ok {
		return 0
	}
	return n + copy(key[n:], d[off:off+k])
}

// RepeatMask implements protocols.RepeatMasker: the protocol id, the
// MBAP length, the unit id, the function code and the PDU bytes keyed.
func (*Dissector) RepeatMask(b []byte, fromClient bool, m *protocols.RepeatMask) bool {
	if len(b) < mbapLen+minLength {
		return false
	}
	m.Set(2, mbapLen+minLength-2)
	d := b[mbapLen+minLength:]
	off, k, _ := keyed(b[mbapLen+1], fromClient, d)
	m.Set(mbapLen+minLength+off, k)
	return true
}

// keyed returns the bytes of a PDU's data d (what follows the function
// code fc) that Dissect reports, the k bytes from off, and false for a
// message that is never a repeat.
func keyed(fc byte, fromClient bool, d []byte) (off, k int, ok bool) {
	switch {
	case fc&exceptionBit != 0:
		k = 1 // exception code
	case fromClient:
		switch fc {
		case fcReadCoils, fcReadDiscreteInputs, fcReadHoldingRegisters, fcReadInputRegisters,
			fcWriteMultipleCoils, fcWriteMultipleRegs:
			k = 4 // start, quantity
		case fcWriteSingleCoil, fcWriteSingleRegister, fcMaskWriteRegister, fcReadFIFOQueue, fcDiagnostics:
			k = 2 // address, or sub-function
		case fcReadWriteMultiple:
			k = 8 // read start and quantity, write start and quantity
		case fcEncapsulated:
			k = 1 // MEI type
		case fcUMAS:
			// The session byte is not reported; the UMAS function is,
			// and becomes the conversation's State.
			off, k = 1, 1
		}
	default:
		switch fc {
		case fcDiagnostics:
			k = 2 // sub-function
		case fcEncapsulated:
			if len(d) >= 1 && d[0] == meiDeviceIdentity {
				return 0, 0, false // an identity
			}
			k = 1 // MEI type
		case fcUMAS:
			// Session byte, then the status that makes it an error.
			off, k = 1, 1
		}
	}
	if off+k > len(d) {
		// What there is of the bytes; the UMAS function or status only
		// whole.
		if off > 0 {
			return 0, 0, true
		}
		k = len(d)
	}
	return off, k, true
}
