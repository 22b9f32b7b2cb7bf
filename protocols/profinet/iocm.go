package profinet

import (
	"encoding/binary"

	"mimamori/protocols"
)

// PROFINET IO context management: DCE/RPC connectionless (version 4)
// over UDP, to the device's port 34964 and between the ports the
// endpoints then choose. The 80-byte RPC header is in the byte order its
// data representation says; the PNIO blocks after the NDR array header
// are big-endian.
const (
	rpcHeaderLen    = 80
	rpcVersion      = 4
	rpcDrepOffset   = 4
	rpcIfOffset     = 24 // interface UUID
	rpcOpnumOffset  = 68
	rpcLenOffset    = 74
	rpcFragOffset   = 76
	rpcFlags1Offset = 2
	rpcFlagFrag     = 0x04 // flags1: the PDU is one of several fragments
	ndrHeaderLen    = 20   // request: ArgsMaximum, ArgsLength, array max, offset, count; response: PNIOStatus first
	pnioBlockHeader = 6    // BlockType, BlockLength, BlockVersion
)

// RPC packet types.
const (
	rpcRequest  = 0
	rpcResponse = 2
	rpcFault    = 3
	rpcReject   = 6
)

// RPCCodeBase is added to the RPC packet type of the connectionless
// RPC's own packets (ping, fack, reject, ...), which carry no PNIO
// operation.
const RPCCodeBase = 0x100

// pnioUUIDTail is the last 8 bytes of the PNIO interface UUIDs
// DEA0000x-6C97-11D1-8271-00A02442DF7D (x = 1 device, 2 controller,
// 3 supervisor, 4 parameter server).
var pnioUUIDTail = [8]byte{0x82, 0x71, 0x00, 0xa0, 0x24, 0x42, 0xdf, 0x7d}

// rpcOrder returns the byte order of an RPC header's data
// representation.
func rpcOrder(b []byte) binary.ByteOrder {
	if b[rpcDrepOffset]&0x10 != 0 {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// isPNIORPC reports whether b is a connectionless DCE/RPC packet of a
// PNIO interface.
func isPNIORPC(b []byte) bool {
	if len(b) < rpcHeaderLen || b[0] != rpcVersion || b[1] > 10 {
		return false
	}
	o := rpcOrder(b)
	u := b[rpcIfOffset:]
	if v := o.Uint32(u); v < 0xDEA00001 || v > 0xDEA00004 {
		return false
	}
	return o.Uint16(u[4:]) == 0x6C97 && o.Uint16(u[6:]) == 0x11D1 && [8]byte(u[8:16]) == pnioUUIDTail
}

// opnumName names a PNIO operation.
func opnumName(op uint16) string {
	switch op {
	case 0:
		return "Connect"
	case 1:
		return "Release"
	case 2:
		return "Read"
	case 3:
		return "Write"
	case 4:
		return "Control"
	case 5:
		return "Read Implicit"
	}
	return ""
}

// rpcName names the connectionless RPC's own packet types
// (RPCCodeBase + type).
func rpcName(code uint32) string {
	switch code - RPCCodeBase {
	case 1:
		return "RPC Ping"
	case 4:
		return "RPC Working"
	case 5:
		return "RPC Nocall"
	case rpcReject:
		return "RPC Reject"
	case 7:
		return "RPC Ack"
	case 8:
		return "RPC Cancel"
	case 9:
		return "RPC Fack"
	case 10:
		return "RPC Cancel Ack"
	}
	return ""
}

// controlCommandName names the bit of a ControlCommand.
func controlCommandName(cmd uint16) string {
	switch cmd {
	case 0x0001:
		return "prm_end"
	case 0x0002:
		return "application_ready"
	case 0x0004:
		return "release"
	case 0x0008:
		return "done"
	case 0x0010:
		return "ready_for_companion"
	case 0x0020:
		return "ready_for_rt_class_3"
	case 0x0040:
		return "prm_begin"
	}
	return ""
}

// PNIO block types and record indexes the dissector reads.
const (
	blockIODWriteReq = 0x0008
	blockIODReadReq  = 0x0009
	blockARReq       = 0x0101
	blockIM0         = 0x0020
	indexIM0         = 0xAFF0
	// recordIndexOffset is where the record index is in an IOD read or
	// write header: block header (6), SeqNumber (2), ARUUID (16), API
	// (4), SlotNumber (2), SubslotNumber (2), padding (2).
	recordIndexOffset = 34
)

// dissectIOCM reports a PNIO RPC packet: requests, responses and faults
// by operation number, the RPC's own packets by RPCCodeBase + type.
func dissectIOCM(m *protocols.Message) error {
	b := m.Payload
	if !isPNIORPC(b) {
		return protocols.ErrMalformed
	}
	m.Variant = variantIOCM
	o := rpcOrder(b)
	ptype := b[1]
	bodyLen := int(o.Uint16(b[rpcLenOffset:]))
	if bodyLen > len(b)-rpcHeaderLen {
		return protocols.ErrMalformed
	}
	body := b[rpcHeaderLen : rpcHeaderLen+bodyLen]
	switch ptype {
	case rpcRequest, rpcResponse, rpcFault:
	default:
		code := RPCCodeBase + uint32(ptype)
		e := m.Emit(code, rpcName(code), protocols.KindAuto)
		e.Error = ptype == rpcReject
		return nil
	}
	// A fragmented operation is counted once, on its first fragment,
	// which holds the PNIO headers.
	if b[rpcFlags1Offset]&rpcFlagFrag != 0 && o.Uint16(b[rpcFragOffset:]) != 0 {
		return nil
	}
	op := o.Uint16(b[rpcOpnumOffset:])
	if ptype == rpcRequest {
		e := m.Emit(uint32(op), opnumName(op), protocols.KindRequest)
		if len(body) >= ndrHeaderLen {
			pnioRequest(m, e, op, body[ndrHeaderLen:])
		}
		return nil
	}
	e := m.Emit(uint32(op), opnumName(op), protocols.KindResponse)
	if ptype == rpcFault {
		e.Error = true
		if len(body) >= 4 {
			e.Add("rpc_status", protocols.Hex(uint64(o.Uint32(body)), 8))
		}
		return nil
	}
	if len(body) < ndrHeaderLen {
		return nil
	}
	if status := binary.BigEndian.Uint32(body); status != 0 {
		e.Error = true
		e.Add("pnio_status", protocols.Hex(uint64(status), 8))
		return nil
	}
	if op == 2 || op == 5 {
		readResponse(m, body[ndrHeaderLen:])
	}
	return nil
}

// pnioRequest adds the details of a request's first PNIO block: the AR
// type of a Connect (and the controller's identity), the record index,
// slot and subslot of a Read or Write, the command of a Control or
// Release.
func pnioRequest(m *protocols.Message, e *protocols.Event, op uint16, b []byte) {
	if len(b) < pnioBlockHeader {
		return
	}
	bt := binary.BigEndian.Uint16(b)
	switch {
	case bt == blockARReq && len(b) >= 58:
		e.Add("ar_type", protocols.Hex(uint64(binary.BigEndian.Uint16(b[6:])), 4))
		initiator(m, b)
	case (bt == blockIODReadReq || bt == blockIODWriteReq) && len(b) >= recordIndexOffset+2:
		// SeqNumber (2), ARUUID (16), API (4), Slot, Subslot, padding,
		// Index.
		e.Add("index", protocols.Hex(uint64(binary.BigEndian.Uint16(b[recordIndexOffset:])), 4))
		e.Add("slot", protocols.Uint(uint64(binary.BigEndian.Uint16(b[28:]))))
		e.Add("subslot", protocols.Hex(uint64(binary.BigEndian.Uint16(b[30:])), 4))
	case (op == 1 || op == 4) && len(b) >= 30:
		// Reserved (2), ARUUID (16), SessionKey (2), reserved (2),
		// ControlCommand.
		cmd := binary.BigEndian.Uint16(b[28:])
		if name := controlCommandName(cmd); name != "" {
			e.Add("control_command", protocols.Text(name))
		} else {
			e.Add("control_command", protocols.Hex(uint64(cmd), 4))
		}
	}
}

// initiator reports the IO controller that sends a Connect: its station
// name, and the vendor and device ID in its object UUID
// (DEA00000-6C97-11D1-8271-<instance><device ID><vendor ID>).
func initiator(m *protocols.Message, b []byte) {
	// ARType (2), ARUUID (16), SessionKey (2), CMInitiatorMacAdd (6),
	// CMInitiatorObjectUUID (16), ARProperties (4), timeout (2), UDP
	// port (2), StationNameLength (2), the name.
	const uuid, nameLen = 32, 56
	n := int(binary.BigEndian.Uint16(b[nameLen:]))
	if n == 0 || nameLen+2+n > len(b) {
		return
	}
	id := m.Identify()
	id.Name = b[nameLen+2 : nameLen+2+n]
	vid := binary.BigEndian.Uint16(b[uuid+14:])
	id.Add("vendor_id", protocols.Hex(uint64(vid), 4))
	id.Add("device_id", protocols.Hex(uint64(binary.BigEndian.Uint16(b[uuid+12:])), 4))
	if name := vendor(vid); name != nil {
		id.Vendor = name
	}
}

// readResponse reports the I&M0 record of a Read response as the
// device's identity: order ID (model), serial number, hardware and
// software revision.
func readResponse(m *protocols.Message, b []byte) {
	// IODReadResHeader: as the request's header.
	if len(b) < recordIndexOffset+2 || binary.BigEndian.Uint16(b) != 0x8000|blockIODReadReq ||
		binary.BigEndian.Uint16(b[recordIndexOffset:]) != indexIM0 {
		return
	}
	next := 4 + int(binary.BigEndian.Uint16(b[2:]))
	if next > len(b) {
		return
	}
	r := b[next:]
	// I&M0: block header, VendorID (2), OrderID (20), IM_Serial_Number
	// (16), IM_Hardware_Revision (2), IM_Software_Revision (prefix and
	// three numbers), ...
	const order, serial, hw, sw, end = 8, 28, 44, 46, 50
	if len(r) < end || binary.BigEndian.Uint16(r) != blockIM0 {
		return
	}
	id := m.Identify()
	vid := binary.BigEndian.Uint16(r[pnioBlockHeader:])
	if name := vendor(vid); name != nil {
		id.Vendor = name
	}
	id.Model = r[order:serial]
	id.Serial = r[serial:hw]
	id.Add("vendor_id", protocols.Hex(uint64(vid), 4))
	id.Add("hw_revision", protocols.Uint(uint64(binary.BigEndian.Uint16(r[hw:]))))
	// The software revision as its three numbers, 0x020100 for V2.1.0.
	id.Add("sw_revision", protocols.Hex(uint64(r[sw+1])<<16|uint64(r[sw+2])<<8|uint64(r[sw+3]), 6))
}
