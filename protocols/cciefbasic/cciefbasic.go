// Package cciefbasic dissects CC-Link IE Field Basic, the CC-Link
// family's cyclic protocol over standard Ethernet: every link scan the
// master broadcasts a cyclic data request on UDP 61450 and each slave
// answers with its own data. It reports the requests and responses by
// command, the master's group, station count, parameter number, timeout and
// run state, the slaves' end codes and run state, and the vendor, model
// and equipment version a slave's response carries as its identity. See
// README.md for the contract.
package cciefbasic

import (
	"encoding/binary"

	"mimamori/protocols"
)

// ID is the protocol id of CC-Link IE Field Basic events and identities.
const ID = "cclink-ief-basic"

// Port is the cyclic port: masters and slaves both send from and to it.
const Port = 61450

// The SLMP 3E header every frame starts with: subheader, network number,
// station number, module I/O number (LE), multidrop station number, data
// length (LE, the bytes after it), then the monitoring timer of a request
// or the reserved end-code word of a response.
const (
	headerLen   = 9
	lengthField = 7
	requestSub  = 0x50
	responseSub = 0xd0
	station     = 0xff
	moduleIO    = 0x03ff
	commandOff  = 11 // request: command, sub-command (LE)
	subOff      = 13
	maxDataLen  = 2048 // 16 stations of 76 bytes and the header stay far below
)

// Cyclic request (master → slaves), offsets into the UDP payload
// (reference §2.1, c-link cl_cciefb_req_header_t and its successors).
const (
	reqVersion      = 15
	reqCyclicOffset = 19
	reqCyclicValue  = 36
	reqUnitInfo     = 35
	reqGroup        = 51
	reqTimeout      = 55
	reqParameterNo  = 59
	reqStations     = 61
	reqSlaveIDs     = 67
	reqFixedLen     = reqSlaveIDs - headerLen // data length without stations
	reqPerStation   = 4 + 64 + 8              // slave ID, RWw, RY
)

// Cyclic response (slave → master).
const (
	respEndWord     = 9 // reserved, zero: a plain SLMP response has its end code here
	respVersion     = 11
	respEndCode     = 13
	respCyclicOff   = 15
	respCyclicValue = 40
	respVendor      = 31
	respModel       = 35
	respEquipment   = 39
	respUnitInfo    = 43
	respSlaveError  = 45
	respGroup       = 55
	respData        = 59
	respFixedLen    = respData - headerLen // data length without stations
	respPerStation  = 64 + 8               // RWr, RX
	maxStations     = 16
)

// Dissector is the CC-Link IE Field Basic dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector. The protocol is open to every
// CC-Link partner, so it implies no vendor.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "CC-Link IE Field Basic",
		UDPPorts:  []uint16{Port},
		Heuristic: protocols.UDP,
		// A slave's identity in every response is part of the key.
		KeysIdentities: true,
	}
}

// Frame implements protocols.Dissector: CC-Link IE Field Basic runs over
// UDP only.
func (*Dissector) Frame([]byte) (int, error) { return 0, protocols.ErrNotPDU }

// le16 reads a little-endian word.
func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }

// header checks the 3E header: subheader, the fixed own-station address
// (network 0, station 0xFF, module 0x03FF, multidrop 0) and a data length
// that matches the datagram exactly.
func header(b []byte) bool {
	if len(b) < headerLen+2 || b[1] != 0 || (b[0] != requestSub && b[0] != responseSub) {
		return false
	}
	if b[2] != 0 || b[3] != station || le16(b[4:]) != moduleIO || b[6] != 0 {
		return false
	}
	return headerLen+int(le16(b[lengthField:])) == len(b)
}

// Probe implements protocols.Dissector: a cyclic request or response
// found on another port. Besides the 3E header, a request must carry
// command 0x0E70 with sub-command 0, protocol version 1 or 2, the cyclic
// information at offset 36 and a length that fits its station count; a
// response a zero reserved word, version 1 or 2, the cyclic information at
// offset 40 and a length of whole stations.
func (*Dissector) Probe(b []byte, _ protocols.Conn) bool {
	if !header(b) {
		return false
	}
	if b[0] == requestSub {
		if len(b) < reqSlaveIDs || le16(b[commandOff:]) != cmdCyclic || le16(b[subOff:]) != 0 ||
			!knownVersion(le16(b[reqVersion:])) || le16(b[reqCyclicOffset:]) != reqCyclicValue {
			return false
		}
		n := int(le16(b[reqStations:]))
		return n >= 1 && n <= maxStations && len(b)-headerLen == reqFixedLen+n*reqPerStation
	}
	if len(b) < respData || le16(b[respEndWord:]) != 0 || !knownVersion(le16(b[respVersion:])) ||
		le16(b[respCyclicOff:]) != respCyclicValue {
		return false
	}
	n := (len(b) - headerLen - respFixedLen) / respPerStation
	return n >= 1 && n <= maxStations && len(b)-headerLen == respFixedLen+n*respPerStation
}

func knownVersion(v uint16) bool { return v == 1 || v == 2 }

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if !header(b) || int(le16(b[lengthField:])) > maxDataLen {
		return protocols.ErrMalformed
	}
	if b[0] == requestSub {
		return request(m, b)
	}
	return response(m, b)
}

// request reports a master's request: the cyclic data request with its
// group and configuration, or another command by its code.
func request(m *protocols.Message, b []byte) error {
	if len(b) < subOff+2 {
		return protocols.ErrMalformed
	}
	cmd := le16(b[commandOff:])
	e := m.Emit(uint32(cmd), commandName(cmd), protocols.KindRequest)
	if cmd != cmdCyclic {
		if sub := le16(b[subOff:]); sub != 0 {
			e.Add("sub_command", protocols.Hex(uint64(sub), 4))
		}
		return nil
	}
	// A cyclic request whose layout is not the one of versions 1 and 2
	// still counts; its details are not guessed at.
	if len(b) < reqSlaveIDs || le16(b[reqCyclicOffset:]) != reqCyclicValue {
		return nil
	}
	e.Add("protocol_version", protocols.Uint(uint64(le16(b[reqVersion:]))))
	e.Add("group", protocols.Uint(uint64(b[reqGroup])))
	e.Add("stations", protocols.Uint(uint64(le16(b[reqStations:]))))
	// The parameter number changes whenever the master's configuration
	// does.
	e.Add("parameter_no", protocols.Uint(uint64(le16(b[reqParameterNo:]))))
	addState(e, "master_state", le16(b[reqUnitInfo:]))
	// The time a slave may stay silent before the master disconnects it.
	e.Add("timeout_ms", protocols.Uint(uint64(le16(b[reqTimeout:]))))
	return nil
}

// response reports a slave's cyclic data response: its end code, run
// state and group, and its vendor, model and equipment version as an
// identity.
func response(m *protocols.Message, b []byte) error {
	if len(b) < respVersion {
		return protocols.ErrMalformed
	}
	// A plain SLMP response (an error to a command the slave did not
	// take) has its end code where the cyclic response has a reserved
	// word; it answers no command this dissector can name.
	if end := le16(b[respEndWord:]); end != 0 {
		e := m.Emit(0, "", protocols.KindResponse)
		e.Error = true
		e.Add("end_code", protocols.Hex(uint64(end), 4))
		return nil
	}
	e := m.Emit(cmdCyclic, commandName(cmdCyclic), protocols.KindResponse)
	if len(b) < respData || le16(b[respCyclicOff:]) != respCyclicValue {
		return nil
	}
	e.Add("protocol_version", protocols.Uint(uint64(le16(b[respVersion:]))))
	if end := le16(b[respEndCode:]); end != 0 {
		e.Error = true
		e.Add("end_code", protocols.Hex(uint64(end), 4))
	}
	e.Add("group", protocols.Uint(uint64(b[respGroup])))
	e.Add("stations", protocols.Uint(uint64((len(b)-respData)/respPerStation)))
	addState(e, "slave_state", le16(b[respUnitInfo:]))
	if serr := le16(b[respSlaveError:]); serr != 0 {
		e.Add("slave_error", protocols.Hex(uint64(serr), 4))
	}
	vendor, model := le16(b[respVendor:]), binary.LittleEndian.Uint32(b[respModel:])
	if vendor != 0 || model != 0 { // zero: the slave does not say
		id := m.Identify()
		id.Add("vendor_code", protocols.Hex(uint64(vendor), 4))
		id.Add("model_code", protocols.Hex(uint64(model), 8))
		id.Add("equipment_version", protocols.Hex(uint64(le16(b[respEquipment:])), 4))
	}
	return nil
}

// addState reports a unit's run state by name, or its number when the
// protocol does not define it.
func addState(e *protocols.Event, key string, v uint16) {
	if name := unitState(v); name != "" {
		e.Add(key, protocols.Text(name))
		return
	}
	e.Add(key, protocols.Hex(uint64(v), 4))
}

var _ protocols.Repeater = (*Dissector)(nil)

// RepeatMask implements protocols.RepeatMasker: the header, and the
// fields of a cyclic request or response that Repeat checks or keys (the
// equipment version always, though it counts only with a vendor or
// model).
func (*Dissector) RepeatMask(b []byte, _ bool, m *protocols.RepeatMask) bool {
	if len(b) < headerLen {
		return false
	}
	m.Set(0, headerLen)
	if b[0] == requestSub {
		m.Set(commandOff, 2)
		m.Set(reqVersion, 2)
		m.Set(reqCyclicOffset, 2)
		m.Set(reqUnitInfo, 2)
		m.Set(reqGroup, 1)
		m.Set(reqTimeout, 2)
		m.Set(reqParameterNo, 4) // and the station count
		return true
	}
	m.Set(respEndWord, 2)
	m.Set(respVersion, 4) // and the end code
	m.Set(respCyclicOff, 2)
	m.Set(respVendor, 2)
	m.Set(respModel, 4)
	m.Set(respEquipment, 2)
	m.Set(respUnitInfo, 4) // and the slave error
	m.Set(respGroup, 1)
	return true
}

// Repeat implements protocols.Repeater for the link scan: a cyclic
// request of the version 1 and 2 layout, and a cyclic response of that
// layout, with the identity the slave reports in it. The key holds the
// subheader and every field Dissect reports; the response's station
// count, which Dissect derives from the length, is keyed as the count.
// Left out are what changes every scan and is never reported: the
// master's clock, the sequence number, the slave list and the cyclic
// data (RWw, RY, RWr, RX). The header and the length must pass Dissect's
// checks first, so that the rest of the outcome does not depend on them.
// Other commands and plain SLMP error responses return 0.
func (*Dissector) Repeat(b []byte, _ bool, key *protocols.RepeatKey) int {
	if !header(b) || int(le16(b[lengthField:])) > maxDataLen {
		return 0
	}
	// The fields are packed into the key's three words with whole-word
	// loads: this runs for every scan of every slave.
	if b[0] == requestSub {
		if len(b) < reqSlaveIDs || le16(b[commandOff:]) != cmdCyclic || le16(b[reqCyclicOffset:]) != reqCyclicValue {
			return 0
		}
		// Parameter number and station count are adjacent: one load.
		binary.LittleEndian.PutUint64(key[0:], requestSub|uint64(le16(b[reqVersion:]))<<8|uint64(b[reqGroup])<<24|
			uint64(binary.LittleEndian.Uint32(b[reqParameterNo:]))<<32)
		binary.LittleEndian.PutUint32(key[8:], uint32(le16(b[reqUnitInfo:]))|uint32(le16(b[reqTimeout:]))<<16)
		return 12
	}
	if len(b) < respData || le16(b[respEndWord:]) != 0 || le16(b[respCyclicOff:]) != respCyclicValue {
		return 0
	}
	// At most (maxDataLen+headerLen-respData)/respPerStation = 27: a byte.
	stations := uint64((len(b) - respData) / respPerStation)
	// Version and end code are adjacent, as are unit information and
	// slave error.
	binary.LittleEndian.PutUint64(key[0:], responseSub|uint64(b[respGroup])<<8|stations<<16|
		uint64(binary.LittleEndian.Uint32(b[respVersion:]))<<24)
	// The slave's identity, which it repeats in every response; its
	// equipment version only counts when it names a vendor or model.
	vendor, model := le16(b[respVendor:]), binary.LittleEndian.Uint32(b[respModel:])
	binary.LittleEndian.PutUint64(key[8:], uint64(vendor)|uint64(model)<<16)
	ident := uint64(binary.LittleEndian.Uint32(b[respUnitInfo:]))
	if vendor != 0 || model != 0 {
		ident |= uint64(le16(b[respEquipment:]))<<32 | 1<<48
	}
	binary.LittleEndian.PutUint64(key[16:], ident)
	return 24
}
