package enip

import (
	"encoding/binary"

	"mimamori/protocols"
)

// path is what an EPATH (Vol 1 Appendix C) addresses: the last class,
// instance and attribute logical segments, or a Logix tag named by a
// symbolic segment, which is an instance of the Symbol class.
type path struct {
	class, instance, attribute          uint32
	hasClass, hasInstance, hasAttribute bool
}

// parsePath reads the segments of an EPATH. It stops at the first segment
// it cannot size (data type segments, reserved types) and keeps what it
// found before.
func parsePath(b []byte) path {
	var p path
	for len(b) > 0 {
		seg := b[0]
		n := 0
		switch seg >> 5 {
		case 0: // port segment: port id, link address
			n = 2
			if seg&0x10 != 0 { // extended link address: size byte, then the address
				if len(b) < 2 {
					return p
				}
				n = 2 + int(b[1])
			}
			if seg&0x0f == 0x0f { // extended port id
				n += 2
			}
			n += n & 1
		case 1: // logical segment
			v, l, ok := logical(b)
			if !ok {
				return p
			}
			n = l
			switch seg & 0x1c {
			case 0x00:
				p.class, p.hasClass = v, true
				p.hasInstance, p.hasAttribute = false, false
			case 0x04:
				p.instance, p.hasInstance = v, true
			case 0x10:
				p.attribute, p.hasAttribute = v, true
			}
		case 2: // network segment
			n = 2
			if seg&0x10 != 0 { // length in words follows
				if len(b) < 2 {
					return p
				}
				n = 2 + 2*int(b[1])
			}
		case 3: // symbolic segment: size in the low bits, then the name
			n = 1 + int(seg&0x1f)
			n += n & 1
			p.class, p.hasClass = classSymbol, true
			p.hasInstance, p.hasAttribute = false, false
		case 4: // data segment
			if len(b) < 2 {
				return p
			}
			switch seg {
			case 0x80: // simple data: size in words
				n = 2 + 2*int(b[1])
			case 0x91: // ANSI extended symbol: size in bytes, padded
				n = 2 + int(b[1])
				n += n & 1
				p.class, p.hasClass = classSymbol, true
				p.hasInstance, p.hasAttribute = false, false
			default:
				return p
			}
		default:
			return p
		}
		if n > len(b) {
			return p
		}
		b = b[n:]
	}
	return p
}

// logical reads a logical segment's value and the segment's length: 8,
// 16 or 32-bit values, the wider ones after a pad byte. The electronic
// key segment (0x34) has its own fixed length.
func logical(b []byte) (v uint32, n int, ok bool) {
	if b[0] == 0x34 { // electronic key: format 4, 8 bytes of key
		return 0, 10, len(b) >= 10
	}
	switch b[0] & 0x03 {
	case 0:
		if len(b) < 2 {
			return 0, 0, false
		}
		return uint32(b[1]), 2, true
	case 1:
		if len(b) < 4 {
			return 0, 0, false
		}
		return uint32(binary.LittleEndian.Uint16(b[2:4])), 4, true
	case 2:
		if len(b) < 6 {
			return 0, 0, false
		}
		return binary.LittleEndian.Uint32(b[2:6]), 6, true
	}
	return 0, 0, false
}

// request splits a CIP request into its service, path and data.
func request(b []byte) (service uint8, p path, data []byte, ok bool) {
	if len(b) < 2 || b[0]&svcResponse != 0 {
		return 0, path{}, nil, false
	}
	l := 2 + 2*int(b[1])
	if l > len(b) {
		return 0, path{}, nil, false
	}
	return b[0], parsePath(b[2:l]), b[l:], true
}

// unconnectedSend returns the message an Unconnected Send request carries:
// priority/time tick (1), timeout ticks (1), message size (2), message,
// then the route to the target.
func unconnectedSend(data []byte) ([]byte, bool) {
	if len(data) < 4 {
		return nil, false
	}
	l := int(binary.LittleEndian.Uint16(data[2:4]))
	if 4+l > len(data) {
		return nil, false
	}
	return data[4 : 4+l], true
}

// embedded returns service i of a Multiple Service Packet's data: the
// number of services (2), their offsets from the start of the data (2
// each), then the services.
func embedded(data []byte, i int) ([]byte, bool) {
	if len(data) < 2 {
		return nil, false
	}
	n := int(binary.LittleEndian.Uint16(data))
	if i >= n || len(data) < 2+2*n {
		return nil, false
	}
	start := int(binary.LittleEndian.Uint16(data[2+2*i:]))
	end := len(data)
	if i+1 < n {
		end = int(binary.LittleEndian.Uint16(data[2+2*(i+1):]))
	}
	if start < 2+2*n || start > end || end > len(data) {
		return nil, false
	}
	return data[start:end], true
}

// services returns the number of services a Multiple Service Packet
// announces, if its offset table fits.
func services(data []byte) int {
	if len(data) < 2 {
		return 0
	}
	n := int(binary.LittleEndian.Uint16(data))
	if len(data) < 2+2*n {
		return 0
	}
	return n
}

// cip reads a CIP explicit message (request or reply) and reports it
// under the cip variant.
func cip(m *protocols.Message, b []byte) error {
	if len(b) < 2 {
		return protocols.ErrMalformed
	}
	if b[0]&svcResponse == 0 {
		return cipRequest(m, b)
	}
	return cipReply(m, b)
}

// cipRequest reports a request. An Unconnected Send to the Connection
// Manager is reported as the request it carries, which is what the
// target is asked to do; the route only says how it gets there.
func cipRequest(m *protocols.Message, b []byte) error {
	service, p, data, ok := request(b)
	if !ok {
		return protocols.ErrMalformed
	}
	via := false
	if service == svcUnconnectedSend && p.hasClass && p.class == classConnectionManager {
		if msg, ok := unconnectedSend(data); ok {
			if s, q, d, ok := request(msg); ok {
				service, p, data, via = s, q, d, true
			}
		}
	}
	m.Variant = variantCIP
	code := serviceCode(service, p.class, p.hasClass)
	e := m.Emit(code, serviceName(code), protocols.KindRequest)
	if service != svcMultipleServicePacket {
		addPath(e, p)
	} else {
		// The packet goes to the Message Router; what matters is what
		// it carries, so its details are the services, as many as fit.
		for i := 0; i < services(data) && len(e.Attrs()) < protocols.MaxEventAttrs; i++ {
			msg, ok := embedded(data, i)
			if !ok {
				break
			}
			if s, q, _, ok := request(msg); ok {
				addService(e, serviceCode(s, q.class, q.hasClass))
			}
		}
	}
	m.State = pack(service, p, via)
	return nil
}

// cipReply reports a reply: service | 0x80, a reserved byte, the general
// status, the size of the additional status in words and the status,
// then the reply data. Replies do not repeat the path, so the class,
// instance and attribute come from the request the conversation
// remembers, when its service matches.
func cipReply(m *protocols.Message, b []byte) error {
	if len(b) < 4 || 4+2*int(b[3]) > len(b) {
		return protocols.ErrMalformed
	}
	service, status := b[0]&^svcResponse, b[2]
	var p path
	s, req, via := unpack(m.State)
	switch {
	case s == service && m.State != 0:
		p = req
	case via && service == svcUnconnectedSend:
		// The Connection Manager could not deliver the request it was
		// asked to route.
		p = path{class: classConnectionManager, hasClass: true, instance: 1, hasInstance: true}
	}
	m.Variant = variantCIP
	code := serviceCode(service, p.class, p.hasClass)
	e := m.Emit(code, serviceName(code), protocols.KindResponse)
	if service != svcMultipleServicePacket {
		addPath(e, p)
	}
	if status != 0 {
		e.Error = true
		e.Add("general_status", protocols.Hex(uint64(status), 2))
		if b[3] > 0 {
			e.Add("extended_status", protocols.Hex(uint64(binary.LittleEndian.Uint16(b[4:6])), 4))
		}
		return nil
	}
	data := b[4+2*int(b[3]):]
	switch {
	case service == svcGetAttributesAll && p.hasClass && p.class == classIdentity && !via:
		// A request routed by Unconnected Send is answered by a module
		// behind the device (a slot of its backplane), not by the
		// device at this address: its identity is not the address's.
		identityObject(m, data)
	case (service == svcForwardOpen || service == svcLargeForwardOpen) && p.hasClass && p.class == classConnectionManager && len(data) >= 8:
		// The connection ids the connection was opened with (O->T, then
		// T->O): its I/O Data events carry the same ids.
		e.Add("connection_id", protocols.Hex(uint64(binary.LittleEndian.Uint32(data)), 8))
		e.Add("connection_id", protocols.Hex(uint64(binary.LittleEndian.Uint32(data[4:])), 8))
	}
	return nil
}

// addPath adds the class, instance and attribute a message addresses.
func addPath(e *protocols.Event, p path) {
	if p.hasClass {
		e.Add("class", protocols.Hex(uint64(p.class), 2))
	}
	if p.hasInstance {
		e.Add("instance", protocols.Hex(uint64(p.instance), 2))
	}
	if p.hasAttribute {
		e.Add("attribute", protocols.Hex(uint64(p.attribute), 2))
	}
}

// addService adds an embedded service's code once.
func addService(e *protocols.Event, code uint32) {
	for _, a := range e.Attrs() {
		if a.Key == "service" && a.Value.Lo == uint64(code) {
			return
		}
	}
	e.Add("service", protocols.Hex(uint64(code), 2))
}

// Message.State remembers the last CIP request of a conversation, for
// its reply: the service (bits 0-6), a valid bit (7), the class (8-23),
// instance (24-43) and attribute (44-55), flags saying which of them the
// path had (56-58), and whether the request came in an Unconnected Send
// (59). An instance or attribute too wide for its bits is forgotten.
const (
	stateValid    = 1 << 7
	stateClass    = 1 << 56
	stateInstance = 1 << 57
	stateAttr     = 1 << 58
	stateVia      = 1 << 59
)

func pack(service uint8, p path, via bool) uint64 {
	s := uint64(service&0x7f) | stateValid
	if p.hasClass && p.class <= 0xffff {
		s |= uint64(p.class)<<8 | stateClass
	}
	if p.hasInstance && p.instance < 1<<20 {
		s |= uint64(p.instance)<<24 | stateInstance
	}
	if p.hasAttribute && p.attribute < 1<<12 {
		s |= uint64(p.attribute)<<44 | stateAttr
	}
	if via {
		s |= stateVia
	}
	return s
}

func unpack(s uint64) (service uint8, p path, via bool) {
	if s&stateValid == 0 {
		return 0, path{}, false
	}
	p.class, p.hasClass = uint32(s>>8&0xffff), s&stateClass != 0
	p.instance, p.hasInstance = uint32(s>>24&0xfffff), s&stateInstance != 0
	p.attribute, p.hasAttribute = uint32(s>>44&0xfff), s&stateAttr != 0
	return uint8(s & 0x7f), p, s&stateVia != 0
}
