// Package cclinkie dissects the layer-2 frames of CC-Link IE Field,
// CC-Link IE Control and CC-Link IE TSN, which share EtherType 0x890F and
// are told apart by frame type and the header's protocol version byte. It
// reports every frame by its type — token, cyclic data, persuasion, test
// data, myStatus, transient and the TSN frames — with the node type,
// node id and source node number the header carries, transient commands
// by name (run, stop, write memory …), and the vendor, model and device
// type of IE TSN stations as identities. See README.md for the contract.
package cclinkie

import (
	"encoding/binary"

	"mimamori/protocols"
)

// IDs: the dissector reports under ID and its two variants.
const (
	ID        = "cclink-ie-field"
	ControlID = "cclink-ie-control"
	TSNID     = "cclink-ie-tsn"
)

// Message.Variant values for ControlID and TSNID.
const (
	variantField   uint8 = 0
	variantControl uint8 = 1
	variantTSN     uint8 = 2
)

// EtherType is CC-Link IE's EtherType.
const EtherType = 0x890f

// Header offsets (§2.3.1). The field-style header: frame type, data type,
// node id (BE), connection info, node type, source node number (BE),
// protocol version type, reserved, header check (4). The control-style
// header: frame type, priority, scan number (3), reserved, source node
// number, reserved (2), header check. Both are 14 bytes.
const (
	headerLen   = 14
	offDataType = 1
	offNodeID   = 2
	offConnInfo = 4
	offNodeType = 5
	offSrcNode  = 6
	offVersion  = 8
)

// Protocol version types (byte 8 of the field-style header).
const (
	versionControl  = 0x00
	versionField    = 0x01
	versionTSN      = 0x02
	versionTSNField = 0x03
)

// Transient command offsets (§2.3.4).
const (
	offCommonCT   = 52 // transient1, data type 0x05
	offFieldCmd   = 30 // transient1, data types 0x07 and 0x08
	offFieldSub   = 31
	offTransient2 = 36
	subResponse   = 0x80
	ctSLMPRequest = 0x30
	ctSLMPResp    = 0xb0
)

// IE TSN frame offsets (§2.4.1 and the CLPA's frame layout): the
// detection frame's version; the detection ack's node type, version,
// device version, vendor code, model code and device type (big-endian).
const (
	tsnMinLen        = 2
	offDetectVersion = 4
	offAckNodeType   = 2
	offAckVersion    = 3
	offDeviceVersion = 118
	offVendorCode    = 120
	offModelCode     = 122
	offDeviceType    = 128
	ackIdentityLen   = offDeviceType + 2
)

// Dissector is the CC-Link IE dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector. CC-Link IE is open to every
// CC-Link partner, so it implies no vendor.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:         ID,
		Name:       "CC-Link IE Field / Control / TSN",
		EtherTypes: []uint16{EtherType},
		Variants:   []string{ControlID, TSNID},
	}
}

// Probe implements protocols.Dissector: the frames are found by their
// EtherType, never on TCP or UDP.
func (*Dissector) Probe([]byte, protocols.Conn) bool { return false }

// Frame implements protocols.Dissector: CC-Link IE has no TCP.
func (*Dissector) Frame([]byte) (int, error) { return 0, protocols.ErrNotPDU }

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if len(b) == 0 {
		return protocols.ErrMalformed
	}
	t := b[0]
	switch familyOf(t) {
	case familyTSN:
		if len(b) < tsnMinLen {
			return protocols.ErrMalformed
		}
		m.Variant = variantTSN
		tsnFrame(m, t, b)
		return nil
	case familyControl:
		if len(b) < headerLen {
			return protocols.ErrMalformed
		}
		m.Variant = variantControl
		e := m.Emit(uint32(t), frameName(t, variantControl), kindOf(t))
		e.Add("src_node", protocols.Hex(uint64(binary.BigEndian.Uint16(b[offSrcNode:])), 4))
		return nil
	case familyField:
		if len(b) < headerLen {
			return protocols.ErrMalformed
		}
		fieldFrame(m, t, b)
		return nil
	}
	// A frame type no table names is still counted, under the network
	// its version byte names when it has a whole header.
	if len(b) >= headerLen {
		m.Variant = variantOf(b[offVersion])
	}
	m.Emit(uint32(t), "", protocols.KindOther)
	return nil
}

// variantOf maps the protocol version type to the network. An unknown
// value is reported as IE Field, with the value as a detail.
func variantOf(v byte) uint8 {
	switch v {
	case versionControl:
		return variantControl
	case versionTSN, versionTSNField:
		return variantTSN
	}
	return variantField
}

// kindOf says which frames ask and which answer: test data, setup,
// measure and connect are acknowledged by the frame type that follows
// them; IE TSN's detection by its ack. The rest (tokens, cyclic data,
// status broadcasts) are neither.
func kindOf(t byte) protocols.Kind {
	switch t {
	case typeTestData, typeSetup, typeMeasure, typeConnect, typeAcyclicDetection:
		return protocols.KindRequest
	case typeTestDataAck, typeSetupAck, typeMeasureAck, typeConnectAck, typeAcyclicDetectionAck:
		return protocols.KindResponse
	}
	return protocols.KindOther
}

// fieldFrame reports a frame with the field-style header, under the
// network its protocol version byte names.
func fieldFrame(m *protocols.Message, t byte, b []byte) {
	ver := b[offVersion]
	v := variantOf(ver)
	m.Variant = v
	e := m.Emit(uint32(t), frameName(t, v), kindOf(t))
	switch t {
	case typePersuasion, typeTestData, typeTestDataAck, typeTimer:
		// Persuasion and test data carry a priority where the others
		// have the node id; the timer has neither.
	default:
		e.Add("node_id", protocols.Uint(uint64(binary.BigEndian.Uint16(b[offNodeID:]))))
	}
	e.Add("src_node", protocols.Hex(uint64(binary.BigEndian.Uint16(b[offSrcNode:])), 4))
	if ver > versionTSN {
		e.Add("protocol_version", protocols.Uint(uint64(ver)))
	}
	switch t {
	case typePersuasion, typeTestData, typeTestDataAck, typeMyStatus:
		if v != variantTSN {
			addName(e, "node_type", nodeTypeName(b[offNodeType], v), uint64(b[offNodeType]), 2)
		}
	case typeTransient1:
		e.Add("connection_info", protocols.Hex(uint64(b[offConnInfo]), 2))
		transient1(e, b)
	case typeTransient2:
		e.Add("connection_info", protocols.Hex(uint64(b[offConnInfo]), 2))
		if len(b) > offTransient2 {
			ct := b[offTransient2]
			addName(e, "command", transient2Command(ct, v), uint64(ct), 2)
		}
	case typeTransientAck, typeIPTransient:
		e.Add("connection_info", protocols.Hex(uint64(b[offConnInfo]), 2))
	}
}

// transient1 reports a transient1 frame's data type and command, and
// whether the command is a request or a response.
func transient1(e *protocols.Event, b []byte) {
	dt := b[offDataType]
	e.Add("data_type", protocols.Hex(uint64(dt), 2))
	switch dt {
	case dataTypeCommon:
		if len(b) <= offCommonCT {
			return
		}
		ct := b[offCommonCT]
		addName(e, "command", transient1Command(dt, ct), uint64(ct), 2)
		switch ct {
		case ctSLMPRequest:
			e.Kind = protocols.KindRequest
		case ctSLMPResp:
			e.Kind = protocols.KindResponse
		}
	case dataTypeField, dataTypeMotion:
		if len(b) <= offFieldSub {
			return
		}
		cmd := b[offFieldCmd]
		addName(e, "command", transient1Command(dt, cmd), uint64(cmd), 2)
		switch b[offFieldSub] {
		case 0x00:
			e.Kind = protocols.KindRequest
		case subResponse:
			e.Kind = protocols.KindResponse
		}
	}
}

// tsnFrame reports an IE TSN frame; a detection ack also describes its
// sender.
func tsnFrame(m *protocols.Message, t byte, b []byte) {
	e := m.Emit(uint32(t), frameName(t, variantTSN), kindOf(t))
	switch t {
	case typeAcyclicDetection:
		if len(b) > offDetectVersion {
			e.Add("detection_version", protocols.Uint(uint64(b[offDetectVersion])))
		}
	case typeAcyclicDetectionAck:
		if len(b) <= offAckVersion {
			return
		}
		nt := b[offAckNodeType]
		addName(e, "node_type", tsnNodeTypeName(nt), uint64(nt), 2)
		e.Add("detection_version", protocols.Uint(uint64(b[offAckVersion])))
		if len(b) < ackIdentityLen {
			return
		}
		dt := binary.BigEndian.Uint16(b[offDeviceType:])
		addName(e, "device_type", deviceTypeName(dt), uint64(dt), 4)
		id := m.Identify()
		id.Add("vendor_code", protocols.Hex(uint64(binary.BigEndian.Uint16(b[offVendorCode:])), 4))
		id.Add("model_code", protocols.Hex(uint64(binary.BigEndian.Uint32(b[offModelCode:])), 8))
		id.Add("device_version", protocols.Hex(uint64(binary.BigEndian.Uint16(b[offDeviceVersion:])), 4))
		if name := deviceTypeName(dt); name != "" {
			id.Add("device_type", protocols.Text(name))
		} else {
			id.Add("device_type", protocols.Hex(uint64(dt), 4))
		}
	}
}

// addName reports a code by its name from the tables, or as a number of
// the given hex digits when the tables do not name it.
func addName(e *protocols.Event, key, name string, code uint64, digits int) {
	if name != "" {
		e.Add(key, protocols.Text(name))
		return
	}
	e.Add(key, protocols.Hex(code, digits))
}

var _ protocols.Repeater = (*Dissector)(nil)

// Repeat implements protocols.Repeater for the frames a running network
// sends over and over: every field-style frame (cyclic data, tokens,
// myStatus, transients …), the control-style frames, and IE TSN's frames
// but a detection ack that describes its sender. The key is the frame
// type followed, at fixed places, by exactly the bytes Dissect reads for
// that type — the protocol version type, node id, source node number,
// node type, connection info, transient data type and command — and a
// flag for each byte Dissect reads only when the frame is long enough.
// Left out are the header check, the data type of frames that do not
// report it, and the body: cyclic data (RWw, RY, RWr, RX), myStatus
// counters and transient payloads, which Dissect never reads. Frames too
// short for their header (malformed), unknown frame types and identities
// return 0.
func (*Dissector) Repeat(b []byte, _ bool, key *protocols.RepeatKey) int {
	if len(b) < tsnMinLen {
		return 0
	}
	t := b[0]
	*key = protocols.RepeatKey{}
	key[0] = t
	switch familyOf(t) {
	case familyField:
		if len(b) < headerLen {
			return 0
		}
		fieldKey(t, b, key)
		return 12
	case familyControl:
		if len(b) < headerLen {
			return 0
		}
		key[1], key[2] = b[offSrcNode], b[offSrcNode+1]
		return 3
	case familyTSN:
		switch t {
		case typeAcyclicDetection:
			if len(b) > offDetectVersion {
				key[1], key[2] = 1, b[offDetectVersion]
			}
		case typeAcyclicDetectionAck:
			if len(b) >= ackIdentityLen {
				return 0 // it identifies its sender: always dissected
			}
			if len(b) > offAckVersion {
				key[1], key[2], key[3] = 1, b[offAckNodeType], b[offAckVersion]
			}
		}
		return 4
	}
	return 0
}

var _ protocols.RepeatMasker = (*Dissector)(nil)

// RepeatMask implements protocols.RepeatMasker: the first nine bytes,
// which hold every byte Repeat reads of a frame (type, data type, node
// ids, connection information, node type, version) but a transient
// frame's command fields, and those. The rest of the header, which
// changes from one scan to the next, is left out.
func (*Dissector) RepeatMask(b []byte, _ bool, m *protocols.RepeatMask) bool {
	m.Set(0, min(len(b), offVersion+1))
	if len(b) < headerLen || familyOf(b[0]) != familyField {
		return true
	}
	switch b[0] {
	case typeTransient1:
		m.Set(offFieldCmd, 2)
		m.Set(offCommonCT, 1)
	case typeTransient2:
		m.Set(offTransient2, 1)
	}
	return true
}

// fieldKey writes the bytes fieldFrame reads for a frame of type t into
// key[1:12]; bytes a type does not read stay zero.
func fieldKey(t byte, b []byte, key *protocols.RepeatKey) {
	ver := b[offVersion]
	key[1] = ver
	switch t {
	case typePersuasion, typeTestData, typeTestDataAck, typeTimer:
	default:
		key[2], key[3] = b[offNodeID], b[offNodeID+1]
	}
	key[4], key[5] = b[offSrcNode], b[offSrcNode+1]
	switch t {
	case typePersuasion, typeTestData, typeTestDataAck, typeMyStatus:
		if variantOf(ver) != variantTSN {
			key[6] = b[offNodeType]
		}
	case typeTransient1:
		key[7] = b[offConnInfo]
		dt := b[offDataType]
		key[8] = dt
		switch dt {
		case dataTypeCommon:
			if len(b) > offCommonCT {
				key[9], key[10] = 1, b[offCommonCT]
			}
		case dataTypeField, dataTypeMotion:
			if len(b) > offFieldSub {
				key[9], key[10], key[11] = 1, b[offFieldCmd], b[offFieldSub]
			}
		}
	case typeTransient2:
		key[7] = b[offConnInfo]
		if len(b) > offTransient2 {
			key[9], key[10] = 1, b[offTransient2]
		}
	case typeTransientAck, typeIPTransient:
		key[7] = b[offConnInfo]
	}
}
