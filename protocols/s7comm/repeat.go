package s7comm

import (
	"encoding/binary"

	"mimamori/protocols"
)

var _ protocols.StateRepeater = (*Dissector)(nil)

// Kinds of repeat key, its first byte, so that keys of different kinds of
// message never compare equal.
const (
	keyJob      = 'J' // S7comm job: parameter
	keyJobAny   = 'V' // S7comm variable job of S7ANY items: function, count, items without spec
	keyAckData  = 'A' // S7comm Ack_Data with a parameter: function, errors
	keyAck      = 'a' // S7comm Ack, or Ack_Data without a parameter: the job it names, error
	keyUserdata = 'U' // S7comm Userdata without details from its data
	keyPlus     = 'P' // S7comm-plus PDU in one frame
)

// maxJobParam is the longest job parameter a key holds: a Read Var or
// Write Var of one item, Setup Communication.
const maxJobParam = len(protocols.RepeatKey{}) - 1

// RepeatState implements protocols.StateRepeater for whole S7comm and
// S7comm-plus PDUs, each in one COTP DT with end of TSDU (length
// indicator 2), sent while no PDU of the sender's direction continues
// (the State bits of that, the mask of every key, are then clear). It
// runs the checks Dissect runs on the bytes it leaves out — the TPKT
// length, the S7comm header's parameter and data lengths against the
// message, the S7comm-plus frame length and trailer — and returns 0 when
// one fails. The key then holds what Dissect reports from the rest:
//
//   - a job: its parameter (at most maxJobParam bytes), or for a Read Var
//     or Write Var of S7ANY items too long for that, the function, the
//     item count and each item but for the three bytes every S7ANY item
//     starts with (two items fit). The PDU reference
//     is left out: Dissect only remembers it in the State, for the Ack
//     that may refuse the job, and next remembers it the same way, so a
//     client that counts its references up repeats its polls.
//   - an Ack_Data with a parameter: the function, the header error, the
//     first failed item's return code of a variable service and the PDU
//     size of Setup Communication; the reference, read values and item
//     lengths are left out (the reply is named by its own function).
//   - an Ack, or an Ack_Data without a parameter: the function of the job
//     its reference names in the State (which is how Dissect names it),
//     and the error.
//   - a Userdata message other than Read SZL (whose answers identify the
//     module) and the block functions that report a block: its type,
//     function group and subfunction, and the long parameter's error code;
//     the sequence numbers and data are left out. Its mask also holds
//     the follow-up bit, which next sets as Dissect does.
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
func (*Dissector) RepeatState(b []byte, fromClient bool, st uint64, key *protocols.RepeatKey) (n int, mask, next uint64) {
	// TPKT, COTP DT (length indicator 2) with end of TSDU, and the PDU's
	// first byte.
	if len(b) < minPacket+1 || int(binary.BigEndian.Uint16(b[2:])) != len(b) ||
		b[4] != 2 || b[5] != tpduDT || b[6]&dtEOT == 0 {
		return 0, 0, 0
	}
	cont, plusCont := contBits(fromClient)
	mask = cont | plusCont
	if st&mask != 0 {
		return 0, 0, 0 // the end of a PDU begun earlier
	}
	data := b[minPacket:]
	switch data[0] {
	case protoS7:
		n, next = repeatS7(data, st, key, &mask)
	case protoS7Plus:
		n, next = repeatPlus(data, key), st|statePlus
	}
	if n == 0 {
		return 0, 0, 0
	}
	return n, mask, next | stateS7
}

var _ protocols.StateMasker = (*Dissector)(nil)

// RepeatMaskState implements protocols.StateMasker for the S7comm PDUs
// RepeatState keys by their own bytes — jobs, Ack_Data with a parameter
// and Userdata — marking the TPKT and COTP headers, the S7comm header but
// for the PDU reference, the parameter, and of an Ack_Data the return
// codes, transport sizes and lengths of its data items. An Ack, or an
// Ack_Data without a parameter, is named by the job its reference names
// in the State, and S7comm-plus keeps no template.
func (*Dissector) RepeatMaskState(b []byte, _ bool, m *protocols.RepeatMask) bool {
	if len(b) < minPacket+1 || b[minPacket] != protoS7 {
		return false
	}
	pdu := b[minPacket:]
	h, ok := parseHeader(pdu)
	if !ok || h.end > len(pdu) {
		return false
	}
	m.Set(0, minPacket+4) // TPKT, COTP DT, protocol id, ROSCTR, reserved
	m.Set(minPacket+6, 4) // parameter and data lengths
	at := minPacket + headerLen
	switch {
	case h.rosctr == rosctrJob || h.rosctr == rosctrUserdata:
	case h.rosctr == rosctrAckData && len(h.param) > 0:
		m.Set(minPacket+headerLen, 2) // error class and code
		at = minPacket + ackHeaderLen
	default:
		return false
	}
	m.Set(at, len(h.param))
	if h.rosctr != rosctrAckData {
		return true
	}
	at += len(h.param)
	switch h.param[0] {
	case funcWriteVar:
		m.Set(at, len(h.data)) // a return code for each item
	case funcReadVar:
		// As failedItem walks them: each item's return code, transport
		// size and length, which says where the next one starts.
		for d := h.data; len(d) >= 4; {
			m.Set(at, 4)
			n := readItemLen(d)
			d = d[min(n, len(d)):]
			at += n
		}
	}
	return true
}

// NextState implements protocols.StateMasker: a job's reference and
// function remembered, and a Userdata message's follow-up bit, as
// RepeatState works them out, from a message RepeatMaskState marked.
func (*Dissector) NextState(b []byte, _ bool, st uint64) uint64 {
	pdu := b[minPacket:]
	switch pdu[1] {
	case rosctrJob:
		rememberJob(&st, binary.BigEndian.Uint16(pdu[4:]), pdu[headerLen])
	case rosctrUserdata:
		p := pdu[headerLen : headerLen+int(binary.BigEndian.Uint16(pdu[6:]))]
		st = followUpState(st, userdataKind(p), p[3] == udParamLong-4 && len(p) >= udParamLong)
	}
	return st | stateS7
}

// repeatS7 keys a whole S7comm PDU sent with State st, returns the State
// it leaves but for stateS7, and adds to mask the bits its outcome
// depends on (see RepeatState).
func repeatS7(b []byte, st uint64, key *protocols.RepeatKey, mask *uint64) (int, uint64) {
	h, ok := parseHeader(b)
	if !ok || h.end > len(b) {
		return 0, 0
	}
	switch {
	case h.rosctr == rosctrJob:
		n := 0
		switch {
		case len(h.param) == 0:
		case len(h.param) <= maxJobParam:
			*key = protocols.RepeatKey{keyJob}
			n = 1 + copy(key[1:], h.param)
		default:
			n = keyAnyItems(h.param, key)
		}
		if n == 0 {
			return 0, 0
		}
		rememberJob(&st, h.ref, h.param[0])
		return n, st
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
		return 8, st
	case h.rosctr == rosctrAck || h.rosctr == rosctrAckData:
		*key = protocols.RepeatKey{keyAck, 0, 0, byte(h.errCode >> 8), byte(h.errCode)}
		if f, ok := jobFunction(st, h.ref); ok {
			key[1], key[2] = 1, f
		}
		return 5, st
	}
	n := repeatUserdata(&h, key)
	if n == 0 {
		return 0, 0
	}
	*mask |= stateFollowUp
	long := h.param[3] == udParamLong-4 && len(h.param) >= udParamLong
	return n, followUpState(st, userdataKind(h.param), long)
}

// keyAnyItems keys the parameter p of a Read Var or Write Var job whose
// items are all S7ANY addresses, as the function, the item count and each
// item without the specification type, length and syntax id, which are
// the same in all of them; 0 when p is not such a parameter or the items
// do not fit in the key.
func keyAnyItems(p []byte, key *protocols.RepeatKey) int {
	if len(p) < 2 || p[0] != funcReadVar && p[0] != funcWriteVar {
		return 0
	}
	count := int(p[1])
	if len(p) != 2+count*s7AnyLen || 3+count*(s7AnyLen-3) > len(key) {
		return 0
	}
	*key = protocols.RepeatKey{keyJobAny, p[0], p[1]}
	n := 3
	for it := p[2:]; len(it) >= s7AnyLen; it = it[s7AnyLen:] {
		if it[0] != itemSpec || it[1] != s7AnyLen-2 || it[2] != syntaxS7Any {
			return 0
		}
		n += copy(key[n:], it[3:s7AnyLen])
	}
	return n
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
