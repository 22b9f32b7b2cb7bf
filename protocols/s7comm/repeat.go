package s7comm

import (
	"encoding/binary"

	"mimamori/protocols"
)

var _ protocols.Repeater = Dissector{}

// Kinds of repeat key, its first byte, so that keys of different kinds of
// message never compare equal.
const (
	keyJob      = 'J' // S7comm job: PDU reference and parameter
	keyAckData  = 'A' // S7comm Ack_Data with a parameter: function, errors
	keyAck      = 'a' // S7comm Ack, or Ack_Data without a parameter: PDU reference, error
	keyUserdata = 'U' // S7comm Userdata without details from its data
	keyPlus     = 'P' // S7comm-plus PDU in one frame
)

// maxJobParam is the longest job parameter a key holds: a Read Var or
// Write Var of one item, Setup Communication.
const maxJobParam = len(protocols.RepeatKey{}) - 3

// Repeat implements protocols.Repeater for whole S7comm and S7comm-plus
// PDUs, each in one COTP DT with end of TSDU (length indicator 2). It runs
// the checks Dissect runs on the bytes it leaves out — the TPKT length,
// the S7comm header's parameter and data lengths against the message, the
// S7comm-plus frame length and trailer — and returns 0 when one fails. The
// key then holds what Dissect reports from the rest:
//
//   - a job: its PDU reference and parameter (at most maxJobParam bytes).
//     Dissect remembers the job's reference in the State for the Ack that
//     may refuse it, so the reference decides the State it leaves: jobs
//     repeat only while the client reuses the reference.
//   - an Ack_Data with a parameter: the function, the header error, the
//     first failed item's return code of a variable service and the PDU
//     size of Setup Communication; the reference, read values and item
//     lengths are left out (the reply is named by its own function, and it
//     leaves the State as it was).
//   - an Ack, or an Ack_Data without a parameter: the PDU reference, by
//     which Dissect names it after its job, and the error.
//   - a Userdata message other than Read SZL (whose answers identify the
//     module) and the block functions that report a block: its type,
//     function group and subfunction, and the long parameter's error code;
//     the sequence numbers and data are left out.
//   - an S7comm-plus PDU other than a CreateObject answer (which
//     identifies the PLC): version, opcode and function, the session id and
//     object and attribute a request names, the return value of a failed
//     answer; the sequence number, integrity digest and values are left
//     out.
//
// Other messages (COTP connection management, PDUs cut over several DTs
// or S7comm-plus frames) get 0.
//
// Every key is written whole, its unused bytes zero: the Tracker
// compares all of it.
func (Dissector) Repeat(b []byte, fromClient bool, key *protocols.RepeatKey) int {
	// TPKT, COTP DT (length indicator 2) with end of TSDU, and the PDU's
	// first byte.
	if len(b) < minPacket+1 || int(binary.BigEndian.Uint16(b[2:])) != len(b) ||
		b[4] != 2 || b[5] != tpduDT || b[6]&dtEOT == 0 {
		return 0
	}
	data := b[minPacket:]
	switch data[0] {
	case protoS7:
		return repeatS7(data, key)
	case protoS7Plus:
		return repeatPlus(data, key)
	}
	return 0
}

// repeatS7 keys a whole S7comm PDU (see Repeat).
func repeatS7(b []byte, key *protocols.RepeatKey) int {
	h, ok := parseHeader(b)
	if !ok || h.end > len(b) {
		return 0
	}
	switch {
	case h.rosctr == rosctrJob:
		if len(h.param) == 0 || len(h.param) > maxJobParam {
			return 0
		}
		*key = protocols.RepeatKey{keyJob, byte(h.ref >> 8), byte(h.ref)}
		return 3 + copy(key[3:], h.param)
	case h.rosctr == rosctrAckData && len(h.param) > 0:
		f := h.param[0]
		*key = protocols.RepeatKey{keyAckData, byte(h.errCode >> 8), byte(h.errCode), f}
		switch f {
		case funcReadVar, funcWriteVar:
			key[4] = failedItem(f, h.data)
		case funcSetupComm:
			if len(h.param) >= 8 {
				key[5], key[6], key[7] = 1, h.param[6], h.param[7]
			}
		}
		return 8
	case h.rosctr == rosctrAck || h.rosctr == rosctrAckData:
		*key = protocols.RepeatKey{keyAck, byte(h.ref >> 8), byte(h.ref), byte(h.errCode >> 8), byte(h.errCode)}
		return 5
	}
	return repeatUserdata(&h, key)
}

// repeatUserdata keys a Userdata message whose details come from its
// parameter alone (see Repeat).
func repeatUserdata(h *header, key *protocols.RepeatKey) int {
	p := h.param
	if len(p) < udParamShort || p[0] != 0 || p[1] != 1 || p[2] != 0x12 {
		return 0
	}
	group, sub := p[5]&0x0f, p[6]
	if group == groupCPU && sub == subReadSZL ||
		group == groupBlock && (sub == subListBlocksOfType || sub == subGetBlockInfo) {
		return 0
	}
	*key = protocols.RepeatKey{keyUserdata, p[5], sub}
	if p[3] == udParamLong-4 && len(p) >= udParamLong {
		key[3], key[4], key[5] = 1, p[10], p[11]
	}
	return 6
}

// repeatPlus keys an S7comm-plus PDU that is whole in one frame (see
// Repeat).
func repeatPlus(b []byte, key *protocols.RepeatKey) int {
	h, ok := parsePlusHeader(b)
	if !ok || !h.trailer {
		return 0
	}
	*key = protocols.RepeatKey{keyPlus, h.version}
	if h.version == plusKeepAliveVer {
		return 2
	}
	d := h.data
	if len(d) > 0 && d[0] == digestLen {
		if len(d) < 1+digestLen {
			return 0
		}
		d = d[1+digestLen:]
	}
	if len(d) == 0 {
		return 0
	}
	op := d[0]
	key[2] = op
	switch op {
	case plusRequest, plusResponse, plusResponse2:
	default:
		return 3 // Notification, or an unknown opcode: reported by it
	}
	if len(d) < plusFuncLen {
		return 0
	}
	f := binary.BigEndian.Uint16(d[3:])
	key[3], key[4] = d[3], d[4]
	if op != plusRequest {
		if f == plusCreateObject {
			return 0 // it may describe the PLC
		}
		if len(d) > plusFuncLen+1 {
			if rv, ok := vlq(d[plusFuncLen+1:]); ok && int16(uint16(rv)) < 0 {
				key[5] = 1
				binary.BigEndian.PutUint64(key[6:], rv)
			}
		}
		return 14
	}
	// key[5]: which of the session id (key[6:10]), object id
	// (key[10:14]) and attribute (key[14:22]) the request has.
	if len(d) >= plusFuncLen+4 {
		key[5] |= 1
		copy(key[6:10], d[plusFuncLen:])
	}
	if len(d) >= plusFuncLen+5 {
		switch f {
		case plusSetVariable, plusGetVariable, plusSetMultiVariables, plusDeleteObject:
			set := d[plusFuncLen+5:]
			if len(set) < 4 {
				break
			}
			key[5] |= 2
			copy(key[10:14], set)
			if f != plusSetVariable && f != plusGetVariable {
				break
			}
			set = set[4:]
			n, k := vlqLen(set)
			if k == 0 || n == 0 {
				break
			}
			if attr, k2 := vlqLen(set[k:]); k2 != 0 {
				key[5] |= 4
				binary.BigEndian.PutUint64(key[14:], attr)
			}
		}
	}
	return 22
}
