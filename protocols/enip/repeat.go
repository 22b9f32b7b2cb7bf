package enip

import (
	"encoding/binary"

	"mimamori/protocols"
)

var _ protocols.Repeater = (*Dissector)(nil)

// Kinds of repeat key, its first byte, so that keys of different kinds of
// message never compare equal.
const (
	keyIO      = 'I' // implicit I/O: the connection id
	keyRequest = 'Q' // CIP request: service and path as reported
	keyReply   = 'R' // CIP reply: service and status
)

// Repeat implements protocols.Repeater for the steady state of EtherNet/IP:
// CIP requests and replies in SendRRData and SendUnitData with a zero
// encapsulation status, and implicit I/O. It runs the checks Dissect runs
// on the bytes it leaves out — encapsulation and item lengths, the path
// size, the additional status size — and returns 0 when one fails, so a
// key is only ever made for a message Dissect reads in full; the key then
// holds what Dissect reports from the rest. Left out are the session
// handle, sender context, options, interface handle, timeout, address
// items, the connected sequence count, the tag names of symbolic paths
// (Dissect reports their class only), the request and reply data and the
// I/O sequence and data. Messages that describe their sender or whose
// details come from their data (Identity Get_Attributes_All and
// Forward_Open replies, Multiple Service Packet requests) get 0.
//
// Every key is written whole, its unused bytes zero: the Tracker
// compares all of it.
func (*Dissector) Repeat(b []byte, fromClient bool, key *protocols.RepeatKey) int {
	if !isEncapsulation(b) {
		// Dissect reads it as I/O over UDP and refuses it over TCP:
		// either way the same for every message with its key, since
		// every one is not an encapsulation message.
		return repeatIO(b, key)
	}
	cmd := binary.LittleEndian.Uint16(b)
	if cmd != cmdSendRRData && cmd != cmdSendUnitData || binary.LittleEndian.Uint32(b[8:12]) != 0 {
		return 0
	}
	data, ok := repeatCIPData(b[headerLen:], cmd)
	if !ok || len(data) < 2 {
		return 0
	}
	if data[0]&svcResponse != 0 {
		return repeatReply(data, key)
	}
	return repeatRequest(data, key)
}

// repeatCIPData returns what cipData returns, without walking the item
// list twice for the usual layout: two items, an address item and then
// the data item.
func repeatCIPData(body []byte, cmd uint16) ([]byte, bool) {
	if len(body) < 16 || binary.LittleEndian.Uint16(body[6:8]) != 2 {
		return cipData(body, cmd)
	}
	list := body[8:]
	if typ := binary.LittleEndian.Uint16(list); typ == itemConnectedData || typ == itemUnconnectedData {
		return cipData(body, cmd)
	}
	at := 4 + int(binary.LittleEndian.Uint16(list[2:4])) // the second item
	if at+4 > len(list) || at+4+int(binary.LittleEndian.Uint16(list[at+2:])) != len(list) {
		return nil, false // the items do not fill the body
	}
	data := list[at+4:]
	switch binary.LittleEndian.Uint16(list[at:]) {
	case itemUnconnectedData:
		return data, true
	case itemConnectedData:
		if cmd == cmdSendUnitData && len(data) >= 2 {
			return data[2:], true
		}
		return data, true
	}
	return nil, false
}

// repeatIO keys implicit I/O that io accepts by its connection id.
func repeatIO(b []byte, key *protocols.RepeatKey) int {
	if len(b) < 2 {
		return 0
	}
	n, list := int(binary.LittleEndian.Uint16(b)), b[2:]
	if n < 2 || n > maxItems || len(list) < 8 {
		return 0
	}
	typ, l := binary.LittleEndian.Uint16(list), int(binary.LittleEndian.Uint16(list[2:4]))
	if (typ != itemSequencedAddress || l != 8) && (typ != itemConnectedAddress || l != 4) {
		return 0
	}
	if 4+l > len(list) {
		return 0
	}
	rest := list[4+l:]
	for i := 1; i < n; i++ {
		if len(rest) < 4 {
			return 0
		}
		il := 4 + int(binary.LittleEndian.Uint16(rest[2:4]))
		if il > len(rest) {
			return 0
		}
		rest = rest[il:]
	}
	if len(rest) != 0 {
		return 0
	}
	*key = protocols.RepeatKey{keyIO, list[4], list[5], list[6], list[7]}
	return 5
}

// repeatRequest keys a CIP request by what cipRequest reports: the
// service and the class, instance and attribute its path (or the path of
// the request an Unconnected Send carries) addresses, which also decide
// the State it leaves.
func repeatRequest(b []byte, key *protocols.RepeatKey) int {
	if b[0] == svcMultipleServicePacket {
		return 0 // its details are the services it carries
	}
	service, p, data, ok := request(b)
	if !ok {
		return 0
	}
	via := false
	if service == svcUnconnectedSend && p.hasClass && p.class == classConnectionManager {
		if msg, ok := unconnectedSend(data); ok {
			if s, q, _, ok := request(msg); ok {
				service, p, via = s, q, true
			}
		}
	}
	if service == svcMultipleServicePacket {
		return 0 // carried by an Unconnected Send
	}
	var flags byte
	*key = protocols.RepeatKey{keyRequest, service}
	if p.hasClass {
		flags |= 1
		binary.LittleEndian.PutUint32(key[3:], p.class)
	}
	if p.hasInstance {
		flags |= 2
		binary.LittleEndian.PutUint32(key[7:], p.instance)
	}
	if p.hasAttribute {
		flags |= 4
		binary.LittleEndian.PutUint32(key[11:], p.attribute)
	}
	if via {
		flags |= 8
	}
	key[2] = flags
	return 15
}

// repeatReply keys a CIP reply by its service, general status and, in an
// error reply, the extended status cipReply reports. The rest of its
// outcome comes from the State (the request's path), which the Tracker
// compares itself; a reply leaves the State as it was.
func repeatReply(b []byte, key *protocols.RepeatKey) int {
	if len(b) < 4 || 4+2*int(b[3]) > len(b) {
		return 0
	}
	switch b[0] &^ svcResponse {
	case svcGetAttributesAll, svcForwardOpen, svcLargeForwardOpen:
		// Their details or identity come from the reply data.
		return 0
	}
	*key = protocols.RepeatKey{keyReply, b[0], b[2]}
	if b[2] == 0 {
		return 3
	}
	if b[3] > 0 {
		key[3], key[4], key[5] = 1, b[4], b[5]
	}
	return 6
}

var _ protocols.RepeatMasker = (*Dissector)(nil)

// RepeatMask implements protocols.RepeatMasker for the encapsulation
// messages Repeat keys: the command, length, status and options of the
// header, the item count and every item's type and length, and of the
// CIP message the bytes Repeat reads. Those are a reply's service, status
// and additional status, and a request's service, path size and path,
// with an Unconnected Send's message size and the request it carries; a
// symbolic segment's name is left out, since Dissect reports only that
// the path is symbolic, so a panel reading one tag after another keeps
// the same template for all names of one length. Implicit I/O keeps no
// template.
func (*Dissector) RepeatMask(b []byte, _ bool, m *protocols.RepeatMask) bool {
	if !isEncapsulation(b) {
		return false
	}
	m.Set(0, 4)  // command, length
	m.Set(8, 4)  // status
	m.Set(20, 4) // options, which Frame checks
	cmd := binary.LittleEndian.Uint16(b)
	if cmd != cmdSendRRData && cmd != cmdSendUnitData {
		return true
	}
	n, list, ok := items(b[headerLen:])
	if !ok {
		return true
	}
	m.Set(headerLen+6, 2) // item count
	at := len(b) - len(list)
	for i := 0; i < n; i++ {
		m.Set(at, 4) // type, length
		at += 4 + int(binary.LittleEndian.Uint16(b[at+2:]))
	}
	data, ok := repeatCIPData(b[headerLen:], cmd)
	if !ok || len(data) < 2 {
		return true
	}
	// data runs to the end of its item, which is not always the end of
	// the message: its offset from the capacities both share.
	off := cap(b) - cap(data)
	if data[0]&svcResponse != 0 {
		m.Set(off, 4) // service, reserved, general status, additional status size
		if len(data) >= 6 && data[2] != 0 && data[3] > 0 {
			m.Set(off+4, 2) // the extended status reported
		}
		return true
	}
	maskRequest(data, off, m)
	return true
}

// maskRequest marks a CIP request at off in the message: its service, path
// size and path, and for an Unconnected Send the message size and the
// request it carries, as repeatRequest reads them.
func maskRequest(b []byte, off int, m *protocols.RepeatMask) {
	m.Set(off, 2) // service, path size
	l := 2 + 2*int(b[1])
	if l > len(b) {
		return
	}
	maskPath(b[2:l], off+2, m)
	data := b[l:]
	if b[0] != svcUnconnectedSend || len(data) < 4 {
		return
	}
	m.Set(off+l+2, 2) // message size
	if msg, ok := unconnectedSend(data); ok && len(msg) >= 2 {
		maskRequest(msg, off+l+4, m)
	}
}

// maskPath marks a path at off in the message, as parsePath reads it: a
// symbolic segment's type and size, not its name; every other segment,
// and all that follows one, whole.
func maskPath(p []byte, off int, m *protocols.RepeatMask) {
	for i := 0; i < len(p); {
		var n int
		switch seg := p[i]; {
		case seg>>5 == 3: // symbolic segment
			m.Set(off+i, 1)
			n = 1 + int(seg&0x1f)
		case seg == 0x91 && i+1 < len(p): // ANSI extended symbol
			m.Set(off+i, 2)
			n = 2 + int(p[i+1])
		default:
			m.Set(off+i, len(p)-i)
			return
		}
		i += n + n&1
	}
}
