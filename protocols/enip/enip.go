// Package enip dissects EtherNet/IP (ODVA) and the CIP messages it
// carries: the encapsulation commands on TCP and UDP 44818 (ListIdentity,
// RegisterSession, SendRRData, …) with their status as errors, the CIP
// explicit messages inside SendRRData and SendUnitData — services by name,
// the class, instance and attribute they address, general status as
// errors, Unconnected Send unwrapped and Multiple Service Packets listing
// their services — and implicit I/O on UDP 2222. ListIdentity replies and
// Identity object Get_Attributes_All replies are identities. Encapsulation
// messages are reported as protocol enip; CIP messages and I/O as cip.
// See README.md for the contract.
package enip

import (
	"encoding/binary"

	"mimamori/protocols"
)

// ID is the protocol id of encapsulation events and ListIdentity
// identities; CIPID (the dissector's variant 1) that of CIP events and
// Identity object identities.
const (
	ID    = "enip"
	CIPID = "cip"
)

// variantCIP is Message.Variant for CIP messages.
const variantCIP = 1

// Port is the EtherNet/IP encapsulation port (TCP and UDP); IOPort carries
// implicit I/O (class 0/1 connections) over UDP.
const (
	Port   = 44818
	IOPort = 2222
)

// Encapsulation header (Vol 2 §2-3.1), all little-endian: command (2),
// length of the data after the header (2), session handle (4), status
// (4), sender context (8), options (4).
const (
	headerLen = 24
	maxLength = 65511 // the data of one encapsulation message
)

// Dissector is the EtherNet/IP and CIP dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "EtherNet/IP",
		TCPPorts:  []uint16{Port},
		UDPPorts:  []uint16{Port, IOPort},
		Heuristic: protocols.TCP,
		Variants:  []string{CIPID},
	}
}

// Frame implements protocols.Dissector: the encapsulation length. A
// header must have a command in the 8-bit range the specification
// allocates and zero options (receivers discard other options), which
// keeps resynchronisation after lost segments from starting mid-message.
func (*Dissector) Frame(b []byte) (int, error) {
	if len(b) >= 2 && b[1] != 0 {
		return 0, protocols.ErrNotPDU
	}
	if len(b) < headerLen {
		return 0, nil
	}
	if binary.LittleEndian.Uint32(b[20:24]) != 0 {
		return 0, protocols.ErrNotPDU
	}
	return headerLen + int(binary.LittleEndian.Uint16(b[2:4])), nil
}

// Probe implements protocols.Dissector, for TCP conversations off port
// 44818: a complete encapsulation message with a known command other than
// NOP (all zeros would pass), zero options, and a body that fits the
// command: RegisterSession with protocol version 1, an empty List*
// request, or SendRRData/SendUnitData whose item list exactly fills the
// message.
func (d *Dissector) Probe(b []byte, c protocols.Conn) bool {
	if c.Transport != protocols.TCP {
		return false
	}
	n, err := d.Frame(b)
	if err != nil || n == 0 || n > len(b) {
		return false
	}
	body := b[headerLen:n]
	switch binary.LittleEndian.Uint16(b) {
	case cmdRegisterSession:
		return len(body) == 4 && binary.LittleEndian.Uint16(body) == 1
	case cmdListIdentity, cmdListServices, cmdListInterfaces:
		return len(body) == 0 && binary.LittleEndian.Uint32(b[4:8]) == 0
	case cmdSendRRData, cmdSendUnitData:
		_, _, ok := items(body)
		return ok && binary.LittleEndian.Uint32(b[4:8]) != 0 // a registered session
	case cmdUnRegisterSession:
		return len(body) == 0 && binary.LittleEndian.Uint32(b[4:8]) != 0
	}
	return false
}

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if m.Transport == protocols.UDP && !isEncapsulation(b) {
		return io(m, b)
	}
	if !isEncapsulation(b) {
		return protocols.ErrMalformed
	}
	cmd := binary.LittleEndian.Uint16(b)
	status := binary.LittleEndian.Uint32(b[8:12])
	body := b[headerLen:]
	if (cmd == cmdSendRRData || cmd == cmdSendUnitData) && status == 0 {
		if data, ok := cipData(body, cmd); ok {
			if err := cip(m, data); err == nil {
				return nil
			}
			// Not a CIP message after all: reported as the
			// encapsulation command alone.
			m.Variant = 0
		}
	}
	kind := protocols.KindAuto
	switch cmd {
	case cmdListIdentity, cmdListServices, cmdListInterfaces:
		// A request is the bare header; a reply carries an item list.
		kind = protocols.KindRequest
		if len(body) > 0 {
			kind = protocols.KindResponse
		}
	}
	e := m.Emit(uint32(cmd), commandName(cmd), kind)
	if status != 0 {
		e.Error = true
		e.Add("status", protocols.Hex(uint64(status), 4))
		return nil
	}
	if cmd == cmdListIdentity && kind == protocols.KindResponse {
		listIdentity(m, body)
	}
	return nil
}

// isEncapsulation reports whether b is one whole encapsulation message.
func isEncapsulation(b []byte) bool {
	return len(b) >= headerLen && b[1] == 0 &&
		headerLen+int(binary.LittleEndian.Uint16(b[2:4])) == len(b)
}

// items checks a SendRRData or SendUnitData body — interface handle (4),
// timeout (2), then a Common Packet Format item list — and returns the
// item list's count and the items. ok requires the items to fill the
// body exactly.
func items(body []byte) (n int, list []byte, ok bool) {
	if len(body) < 8 {
		return 0, nil, false
	}
	n, list = int(binary.LittleEndian.Uint16(body[6:8])), body[8:]
	if n == 0 || n > maxItems {
		return 0, nil, false
	}
	rest := list
	for i := 0; i < n; i++ {
		if len(rest) < 4 {
			return 0, nil, false
		}
		l := 4 + int(binary.LittleEndian.Uint16(rest[2:4]))
		if l > len(rest) {
			return 0, nil, false
		}
		rest = rest[l:]
	}
	return n, list, len(rest) == 0
}

// maxItems bounds a Common Packet Format item list: an address item, a
// data item and optional socket address items.
const maxItems = 8

// cipData returns the CIP message in a SendRRData (unconnected data item)
// or SendUnitData (connected data item, after its 2-byte sequence count).
func cipData(body []byte, cmd uint16) ([]byte, bool) {
	n, list, ok := items(body)
	if !ok {
		return nil, false
	}
	for i := 0; i < n; i++ {
		typ, l := binary.LittleEndian.Uint16(list), int(binary.LittleEndian.Uint16(list[2:4]))
		data := list[4 : 4+l]
		list = list[4+l:]
		switch {
		case typ == itemUnconnectedData:
			return data, true
		case typ == itemConnectedData && cmd == cmdSendUnitData && len(data) >= 2:
			return data[2:], true
		case typ == itemConnectedData:
			return data, true
		}
	}
	return nil, false
}

// io reads implicit I/O: a Common Packet Format item list of a sequenced
// (or connected) address item with the connection id, then the connected
// data item. Its sender is the producer; there is no request or reply.
func io(m *protocols.Message, b []byte) error {
	if len(b) < 2 {
		return protocols.ErrMalformed
	}
	n, list := int(binary.LittleEndian.Uint16(b)), b[2:]
	if n < 2 || n > maxItems || len(list) < 8 {
		return protocols.ErrMalformed
	}
	typ, l := binary.LittleEndian.Uint16(list), int(binary.LittleEndian.Uint16(list[2:4]))
	if (typ != itemSequencedAddress || l != 8) && (typ != itemConnectedAddress || l != 4) {
		return protocols.ErrMalformed
	}
	if 4+l > len(list) {
		return protocols.ErrMalformed
	}
	conn := binary.LittleEndian.Uint32(list[4:8])
	rest := list[4+l:]
	for i := 1; i < n; i++ {
		if len(rest) < 4 {
			return protocols.ErrMalformed
		}
		il := 4 + int(binary.LittleEndian.Uint16(rest[2:4]))
		if il > len(rest) {
			return protocols.ErrMalformed
		}
		rest = rest[il:]
	}
	if len(rest) != 0 {
		return protocols.ErrMalformed
	}
	m.Variant = variantCIP
	e := m.Emit(IOCode, serviceName(IOCode), protocols.KindOther)
	e.Add("connection_id", protocols.Hex(uint64(conn), 8))
	return nil
}
