package s7comm

import (
	"encoding/binary"

	"mimamori/protocols"
)

// S7comm header: protocol id 0x32, ROSCTR, redundancy identification
// (reserved, zero), PDU reference, parameter length, data length, and in
// Ack and Ack_Data the error class and code.
const (
	headerLen    = 10
	ackHeaderLen = 12
)

// ROSCTR, the PDU type.
const (
	rosctrJob      = 1
	rosctrAck      = 2
	rosctrAckData  = 3
	rosctrUserdata = 7
)

type header struct {
	rosctr       uint8
	ref          uint16
	errCode      uint16 // error class and code
	param, data  []byte
	end          int // header, parameter and data lengths added up
	reservedZero bool
}

// parseHeader reads the S7comm header at b and cuts the parameter and
// data parts, as far as b holds them (a PDU continued in a later COTP DT
// is cut short).
func parseHeader(b []byte) (header, bool) {
	var h header
	if len(b) < headerLen || b[0] != protoS7 {
		return h, false
	}
	h.rosctr = b[1]
	hl := headerLen
	switch h.rosctr {
	case rosctrJob, rosctrUserdata:
	case rosctrAck, rosctrAckData:
		hl = ackHeaderLen
		if len(b) < hl {
			return h, false
		}
		h.errCode = binary.BigEndian.Uint16(b[10:])
	default:
		return h, false
	}
	h.reservedZero = b[2] == 0 && b[3] == 0
	h.ref = binary.BigEndian.Uint16(b[4:])
	pl, dl := int(binary.BigEndian.Uint16(b[6:])), int(binary.BigEndian.Uint16(b[8:]))
	h.end = hl + pl + dl
	rest := b[hl:]
	h.param = rest[:min(pl, len(rest))]
	rest = rest[len(h.param):]
	h.data = rest[:min(dl, len(rest))]
	return h, true
}

// dissectS7 reads an S7comm PDU. whole is false for the first part of a
// PDU continued in the next COTP DT: its header and parameters are
// reported from what is there.
func dissectS7(m *protocols.Message, b []byte, whole bool) error {
	h, ok := parseHeader(b)
	if !ok || whole && h.end > len(b) {
		return protocols.ErrMalformed
	}
	switch h.rosctr {
	case rosctrJob:
		return job(m, &h)
	case rosctrAck, rosctrAckData:
		ack(m, &h)
		return nil
	}
	return userdata(m, &h)
}

// job reports a job request by its function and remembers it, so that an
// Ack refusing it can be named.
func job(m *protocols.Message, h *header) error {
	if len(h.param) == 0 {
		return protocols.ErrMalformed
	}
	f := h.param[0]
	rememberJob(&m.State, h.ref, f)
	e := m.Emit(uint32(f), functionName(f), protocols.KindRequest)
	switch f {
	case funcReadVar, funcWriteVar:
		items(e, f, h.param)
	case funcSetupComm:
		setupComm(e, h.param)
	case funcRequestDownload, funcDownloadBlock, funcDownloadEnded, funcStartUpload:
		// function, status, 2 unknown bytes, upload id (4), then the
		// block's file name with its length.
		if len(h.param) > 9 {
			if n := int(h.param[8]); 9+n <= len(h.param) {
				blockFile(e, h.param[9:9+n])
			}
		}
	case funcPIService:
		piService(e, h.param)
	case funcPLCStop:
		// function, 5 unknown bytes, then the service name with its
		// length (P_PROGRAM).
		if len(h.param) > 6 {
			if n := int(h.param[6]); 7+n <= len(h.param) {
				if s := piServiceName(h.param[7 : 7+n]); s != "" {
					e.Add("pi_service", protocols.Text(s))
				}
			}
		}
	}
	return nil
}

// ack reports an Ack_Data, which repeats its job's function, or an Ack,
// which does not and is named after the remembered job. A non-zero error
// class or code is an error, as are failed items of a variable service.
func ack(m *protocols.Message, h *header) {
	var e *protocols.Event
	if h.rosctr == rosctrAckData && len(h.param) > 0 {
		f := h.param[0]
		e = m.Emit(uint32(f), functionName(f), protocols.KindResponse)
		switch f {
		case funcReadVar, funcWriteVar:
			itemResults(e, f, h.data)
		case funcSetupComm:
			setupComm(e, h.param)
		}
	} else if f, ok := jobFunction(m.State, h.ref); ok {
		e = m.Emit(AckBase+uint32(f), ackName(f), protocols.KindResponse)
	} else {
		e = m.Emit(AckBase, "Ack", protocols.KindResponse)
	}
	if h.errCode != 0 {
		e.Error = true
		e.Add("error", protocols.Hex(uint64(h.errCode), 4))
	}
}

// setupComm reports the PDU size asked for (job) or granted (Ack_Data):
// function, reserved, max AmQ calling and called (2 each), PDU size.
func setupComm(e *protocols.Event, p []byte) {
	if len(p) >= 8 {
		e.Add("pdu_size", protocols.Uint(uint64(binary.BigEndian.Uint16(p[6:]))))
	}
}

// Variable items: specification type 0x12, length of the rest, syntax id,
// then for the S7ANY syntax: transport size, element count (2), DB number
// (2), area, address (3 bytes: byte address << 3 | bit).
const (
	itemSpec     = 0x12
	syntaxS7Any  = 0x10
	syntaxDBRead = 0xb0
	s7AnyLen     = 12                      // the whole item, spec and length included
	maxAreas     = protocols.MaxEventAttrs // distinct areas reported per message
)

// areas gathers the byte range of each area (and DB) a message covers.
type areas struct {
	a [maxAreas]struct {
		area   uint8
		db     uint16
		lo, hi uint32
	}
	n int
}

func (r *areas) add(area uint8, db uint16, lo, hi uint32) {
	if area != areaDB && area != areaDI {
		db = 0
	}
	for i := range r.a[:r.n] {
		x := &r.a[i]
		if x.area == area && x.db == db {
			x.lo, x.hi = min(x.lo, lo), max(x.hi, hi)
			return
		}
	}
	if r.n < len(r.a) {
		x := &r.a[r.n]
		x.area, x.db, x.lo, x.hi = area, db, lo, hi
		r.n++
	}
}

func (r *areas) report(e *protocols.Event, key string) {
	for _, x := range r.a[:r.n] {
		e.Add(key, areaRange(x.area, x.db, x.lo, x.hi))
	}
}

// areaRange is a range in an area: DB12:0-15, M:100-103, or by area code.
func areaRange(area uint8, db uint16, lo, hi uint32) protocols.Value {
	if area == areaDB {
		return dbRange(db, lo, hi)
	}
	if tag := areaTag(area); tag != "" {
		v := protocols.Range(tag, uint64(lo), uint64(hi))
		v.Area = uint64(db) // instance DBs keep apart
		return v
	}
	return protocols.RangeIn(uint64(area), 2, uint64(lo), uint64(hi))
}

// items reports the memory a Read Var or Write Var job covers, in bytes
// (timers and counters in element numbers).
func items(e *protocols.Event, f uint8, p []byte) {
	if len(p) < 2 {
		return
	}
	count := int(p[1])
	var r areas
	b := p[2:]
	for i := 0; i < count && len(b) >= 2 && b[0] == itemSpec; i++ {
		l := 2 + int(b[1])
		if l > len(b) {
			break
		}
		it := b[:l]
		b = b[l:]
		if l >= 4 && it[2] == syntaxDBRead {
			// DB-read (S7-400): a count, then per area the byte count,
			// DB number (2) and start address (2).
			for a, k := it[4:], 0; k < int(it[3]) && len(a) >= 5; k, a = k+1, a[5:] {
				start := uint32(binary.BigEndian.Uint16(a[3:]))
				r.add(areaDB, binary.BigEndian.Uint16(a[1:]), start, start+max(uint32(a[0]), 1)-1)
			}
			continue
		}
		if l != s7AnyLen || it[2] != syntaxS7Any {
			continue // symbolic and NC addresses carry no byte range
		}
		ts, n := it[3], uint32(binary.BigEndian.Uint16(it[4:]))
		db, area := binary.BigEndian.Uint16(it[6:]), it[8]
		addr := uint32(it[9])<<16 | uint32(it[10])<<8 | uint32(it[11])
		var lo, hi uint32
		switch {
		case area == areaCounter || area == areaTimer || area == areaIECCount || area == areaIECTimer:
			lo, hi = addr, addr+max(n, 1)-1
		case ts == tsBit:
			lo, hi = addr>>3, (addr+max(n, 1)-1)>>3
		default:
			lo = addr >> 3
			hi = lo + max(n, 1)*elementSize(ts) - 1
		}
		r.add(area, db, lo, hi)
	}
	key := "read_range"
	if f == funcWriteVar {
		key = "write_range"
	}
	r.report(e, key)
}

// itemResults marks an Ack_Data of a variable service as an error when an
// item failed: Read Var data holds per item a return code, transport
// size, length and the value (padded to even length); Write Var data a
// return code per item. 0xFF is success.
func itemResults(e *protocols.Event, f uint8, d []byte) {
	if failed := failedItem(f, d); failed != 0 {
		e.Error = true
		e.Add("item_error", protocols.Hex(uint64(failed), 2))
	}
}

// failedItem returns the first return code of an Ack_Data's items that
// is not success (0xFF), 0 when all succeeded.
func failedItem(f uint8, d []byte) uint8 {
	const success = 0xff
	if f == funcWriteVar {
		for _, rc := range d {
			if rc != success {
				return rc
			}
		}
		return 0
	}
	for len(d) >= 4 {
		if rc := d[0]; rc != success {
			return rc
		}
		d = d[min(readItemLen(d), len(d)):]
	}
	return 0
}

// readItemLen returns the length of the Read Var data item d begins
// with (at least 4 bytes): return code, transport size, length and
// data, padded to an even length.
func readItemLen(d []byte) int {
	// Transport sizes 3, 4 and 5 count bits; 7 and 9 bytes.
	n := int(binary.BigEndian.Uint16(d[2:]))
	if ts := d[1]; ts == 0x03 || ts == 0x04 || ts == 0x05 {
		n = (n + 7) / 8
	}
	n += 4
	return n + n%2
}

// blockFile reports the block a block file name names: "_", block type
// (2 characters), number (5 digits), file system (A active, P passive, B
// both): "_0A00001P" is DB 1.
func blockFile(e *protocols.Event, name []byte) {
	if len(name) < 8 || name[0] != '_' {
		return
	}
	block(e, name[1:8])
}

// block reports a block given as type (2 characters) and number (5
// digits).
func block(e *protocols.Event, b []byte) {
	tag := blockTypeTag(b[:2])
	if tag == "" {
		return
	}
	var n uint64
	for _, c := range b[2:7] {
		if c < '0' || c > '9' {
			return
		}
		n = n*10 + uint64(c-'0')
	}
	e.Add("block", protocols.Range(tag, n, n))
}

// piService reports a PI-Service job: function, 7 unknown bytes,
// parameter block with its length (2), then the service name with its
// length. The block services (_INSE, _DELE, ...) list their blocks in the
// parameter block: a count, a reserved byte, then 8 characters per block
// (type, number, file system).
func piService(e *protocols.Event, p []byte) {
	if len(p) < 11 {
		return
	}
	pl := int(binary.BigEndian.Uint16(p[8:]))
	if 10+pl >= len(p) {
		return
	}
	pb := p[10 : 10+pl]
	nl := int(p[10+pl])
	if 11+pl+nl > len(p) {
		return
	}
	if s := piServiceName(p[11+pl : 11+pl+nl]); s != "" {
		e.Add("pi_service", protocols.Text(s))
	}
	if len(pb) < 2 || (len(pb)-2)%8 != 0 || int(pb[0]) != (len(pb)-2)/8 {
		return
	}
	for b := pb[2:]; len(b) >= 8; b = b[8:] {
		block(e, b[:7])
	}
}

// Userdata parameter: head 00 01 12, length of the rest (4 or 8), method
// (0x11 request, 0x12 response), type (high nibble: 0 push, 4 request, 8
// response; +3 for NC) and function group (low nibble), subfunction,
// sequence number; with length 8 also data unit reference, last data unit
// and error code.
const (
	udParamShort = 8
	udParamLong  = 12
)

// userdataKind is a Userdata message's kind by the type in its parameter
// p: pushed by the PLC (cyclic data, alarms), request or response.
func userdataKind(p []byte) protocols.Kind {
	switch p[5] >> 4 &^ 3 {
	case 0:
		return protocols.KindOther
	case 4:
		return protocols.KindRequest
	case 8:
		return protocols.KindResponse
	}
	return protocols.KindAuto
}

// followUpState returns the State after a Userdata message of kind, with
// the long parameter or not. A request with the long parameter asks for
// the next part of an answer too long for one PDU (an SZL list); the
// response to it carries only the rest of the data, with no SZL header to
// read.
func followUpState(st uint64, kind protocols.Kind, long bool) uint64 {
	switch {
	case kind == protocols.KindRequest && long:
		return st | stateFollowUp
	case kind == protocols.KindRequest, kind == protocols.KindResponse:
		return st &^ stateFollowUp
	}
	return st
}

// userdata reports a Userdata message by function group and subfunction.
func userdata(m *protocols.Message, h *header) error {
	p := h.param
	if len(p) < udParamShort || p[0] != 0 || p[1] != 1 || p[2] != 0x12 {
		return protocols.ErrMalformed
	}
	group, sub := p[5]&0x0f, p[6]
	kind := userdataKind(p)
	e := m.Emit(UserdataBase+uint32(group)<<8+uint32(sub), userdataName(group, sub), kind)
	long := p[3] == udParamLong-4 && len(p) >= udParamLong
	var errCode uint16
	if long {
		errCode = binary.BigEndian.Uint16(p[10:])
	}
	followUp := m.State&stateFollowUp != 0
	m.State = followUpState(m.State, kind, long)
	if errCode != 0 {
		e.Error = true
		e.Add("error", protocols.Hex(uint64(errCode), 4))
	}
	// Data: return code, transport size, length (2), then the data.
	d := h.data
	if len(d) < 4 || d[0] != 0xff || followUp && kind == protocols.KindResponse {
		return nil
	}
	d = d[4:]
	switch {
	case group == groupCPU && sub == subReadSZL && len(d) >= 4:
		// A request (or the first response) starts with the SZL id and
		// index; follow-up requests carry none (their return code is
		// 0x0A), so they never get here.
		e.Add("szl_id", protocols.Hex(uint64(binary.BigEndian.Uint16(d)), 4))
		e.Add("szl_index", protocols.Hex(uint64(binary.BigEndian.Uint16(d[2:])), 4))
		if kind == protocols.KindResponse {
			szl(m, d)
		}
	case group == groupBlock && sub == subListBlocksOfType && kind == protocols.KindRequest && len(d) >= 2:
		if tag := blockTypeTag(d[:2]); tag != "" {
			e.Add("block_type", protocols.Text(tag))
		}
	case group == groupBlock && sub == subGetBlockInfo && kind == protocols.KindRequest && len(d) >= 7:
		block(e, d[:7])
	}
	return nil
}
