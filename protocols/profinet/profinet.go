// Package profinet dissects PROFINET: on EtherType 0x8892, DCP (device
// discovery and configuration: Identify, Get, Set, Hello) under the
// protocol id profinet-dcp, with the options a Set changes as details and
// Identify responses as identities (name of station, vendor and device
// ID, role, IP address), and the real-time frames (cyclic IO data per RT
// class, alarms, PTCP time synchronisation) under profinet-rt; over UDP,
// IO context management (DCE/RPC Connect, Release, Read, Write, Control)
// under profinet-io-cm. See README.md for the contract.
package profinet

import (
	"encoding/binary"

	"mimamori/protocols"
)

// IDs of the protocols the dissector reports.
const (
	ID     = "profinet-dcp"   // DCP, the dissector's main ID
	RTID   = "profinet-rt"    // every other frame on the EtherType
	IOCMID = "profinet-io-cm" // IO context management over UDP (DCE/RPC)
)

// IOCMPort is the UDP port of a PROFINET IO device's RPC endpoint.
const IOCMPort = 34964

// EtherType is PROFINET's EtherType.
const EtherType = 0x8892

// Variants of Message.Variant (Info.Variants).
const (
	variantRT   = 1
	variantIOCM = 2
)

// DCP header after the frame ID: ServiceID, ServiceType, Xid (4),
// ResponseDelay or Reserved (2), DCPDataLength (2); then blocks of
// Option, Suboption, DCPBlockLength (2) and data padded to an even length.
const (
	frameIDLen     = 2
	dcpHeaderLen   = frameIDLen + 10
	blockHeaderLen = 4
	blockInfoLen   = 2 // BlockInfo of response blocks, BlockQualifier of Set blocks
)

// DCP service types: bit 0 says response, a response that is not 1
// (success) reports the request as not supported.
const (
	typeResponse        = 0x01
	typeResponseSuccess = 0x01
)

// The trailer of a cyclic frame: CycleCounter (2), DataStatus,
// TransferStatus.
const cyclicTrailerLen = 4

// RTA-PDU of an alarm frame: AlarmDstEndpoint (2), AlarmSrcEndpoint (2),
// PDUType, AddFlags, SendSeqNum (2), AckSeqNum (2), VarPartLen (2).
const rtaHeaderLen = 12

// Dissector is the PROFINET dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:         ID,
		Name:       "PROFINET",
		UDPPorts:   []uint16{IOCMPort},
		EtherTypes: []uint16{EtherType},
		Heuristic:  protocols.UDP,
		Variants:   []string{RTID, IOCMID},
	}
}

// Probe implements protocols.Dissector: PROFINET on layer 2 is found by
// its EtherType alone; IO-CM between other UDP ports than 34964 by a
// connectionless DCE/RPC header of a PNIO interface.
func (*Dissector) Probe(b []byte, c protocols.Conn) bool {
	return c.Transport == protocols.UDP && isPNIORPC(b)
}

// Frame implements protocols.Dissector: PROFINET does not use TCP.
func (*Dissector) Frame([]byte) (int, error) { return 0, protocols.ErrNotPDU }

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	switch m.Transport {
	case protocols.UDP:
		return dissectIOCM(m)
	case protocols.TCP:
		return protocols.ErrMalformed
	}
	b := m.Payload
	if len(b) < frameIDLen {
		return protocols.ErrMalformed
	}
	frameID := binary.BigEndian.Uint16(b)
	if isDCP(frameID) {
		return dissectDCP(m, b)
	}
	m.Variant = variantRT
	return dissectRT(m, frameID, b[frameIDLen:])
}

// dissectRT reports a real-time frame by its frame ID.
func dissectRT(m *protocols.Message, frameID uint16, b []byte) error {
	code := RTCode(frameID)
	kind := protocols.KindOther
	switch frameID {
	case frameDelayReq:
		kind = protocols.KindRequest
	case frameDelayResFU, frameDelayFU, frameDelayRes:
		kind = protocols.KindResponse
	}
	e := m.Emit(code, rtName(code), kind)
	switch {
	case isCyclic(frameID):
		// Cyclic data: which IO connection (the frame ID) and the
		// provider's data status (run/stop, data valid, problem
		// indicator).
		e.Add("frame_id", protocols.Hex(uint64(frameID), 4))
		if len(b) >= cyclicTrailerLen {
			e.Add("data_status", protocols.Hex(uint64(b[len(b)-2]), 2))
		}
	case frameID == frameAlarmHigh || frameID == frameAlarmLow:
		alarm(e, b)
	}
	return nil
}

// alarm adds the details of an alarm frame's RTA-PDU: its type, and for
// an error PDU its PNIOStatus (an error), for an alarm notification the
// alarm type and the slot and subslot it concerns.
func alarm(e *protocols.Event, b []byte) {
	if len(b) < rtaHeaderLen {
		return
	}
	pduType := b[4] & 0x0f
	if name := rtaName(pduType); name != "" {
		e.Add("pdu_type", protocols.Text(name))
	} else {
		e.Add("pdu_type", protocols.Hex(uint64(pduType), 2))
	}
	varLen := int(binary.BigEndian.Uint16(b[10:]))
	v := b[rtaHeaderLen:]
	if varLen > len(v) {
		return
	}
	v = v[:varLen]
	switch pduType {
	case rtaErr:
		e.Error = true
		if len(v) >= 4 {
			e.Add("pnio_status", protocols.Hex(uint64(binary.BigEndian.Uint32(v)), 8))
		}
	case rtaData:
		// AlarmNotification block: BlockHeader (type, length, version),
		// AlarmType, API (4), SlotNumber, SubslotNumber.
		if len(v) < 16 {
			return
		}
		if bt := binary.BigEndian.Uint16(v); bt != 0x0001 && bt != 0x0002 {
			return
		}
		at := binary.BigEndian.Uint16(v[6:])
		if name := alarmTypeName(at); name != "" {
			e.Add("alarm_type", protocols.Text(name))
		} else {
			e.Add("alarm_type", protocols.Hex(uint64(at), 4))
		}
		e.Add("slot", protocols.Uint(uint64(binary.BigEndian.Uint16(v[12:]))))
		e.Add("subslot", protocols.Hex(uint64(binary.BigEndian.Uint16(v[14:])), 4))
	}
}

// dissectDCP reports a DCP frame by its service ID.
func dissectDCP(m *protocols.Message, b []byte) error {
	if len(b) < dcpHeaderLen {
		return protocols.ErrMalformed
	}
	service, stype := b[2], b[3]
	dataLen := int(binary.BigEndian.Uint16(b[10:]))
	if dataLen > len(b)-dcpHeaderLen {
		return protocols.ErrMalformed
	}
	data := b[dcpHeaderLen : dcpHeaderLen+dataLen]
	response := stype&typeResponse != 0
	kind := protocols.KindRequest
	if response {
		kind = protocols.KindResponse
	}
	e := m.Emit(uint32(service), serviceName(service), kind)
	if response && stype != typeResponseSuccess {
		e.Error = true
		e.Add("service_type", protocols.Hex(uint64(stype), 2))
	}
	switch {
	case service == serviceGet && !response:
		// A Get request lists option and suboption pairs, without
		// lengths.
		for i := 0; i+2 <= len(data); i += 2 {
			addOption(e, binary.BigEndian.Uint16(data[i:]))
		}
	case service == serviceSet && response:
		setResponse(e, data)
	case service == serviceIdentify && response, service == serviceHello && !response, service == serviceGet && response:
		// The sender describes itself; blocks carry BlockInfo.
		describe(m, data)
	default:
		// Set and Identify requests: the options set or filtered on.
		forBlocks(data, func(opt uint16, _ []byte) { addOption(e, opt) })
	}
	return nil
}

// addOption adds an option and suboption as the `option` detail.
func addOption(e *protocols.Event, opt uint16) {
	if name := optionName(opt); name != "" {
		e.Add("option", protocols.Text(name))
		return
	}
	e.Add("option", protocols.Hex(uint64(opt), 4))
}

// forBlocks calls f with each block's option and suboption and its data,
// up to the first block that overruns the DCP data.
func forBlocks(data []byte, f func(opt uint16, block []byte)) {
	for len(data) >= blockHeaderLen {
		opt := binary.BigEndian.Uint16(data)
		n := int(binary.BigEndian.Uint16(data[2:]))
		if blockHeaderLen+n > len(data) {
			return
		}
		f(opt, data[blockHeaderLen:blockHeaderLen+n])
		n += n & 1 // blocks are padded to an even length
		if blockHeaderLen+n > len(data) {
			return
		}
		data = data[blockHeaderLen+n:]
	}
}

// setResponse reads the Control/Response blocks of a Set response: each
// names an option that was set and its BlockError, non-zero on failure.
func setResponse(e *protocols.Event, data []byte) {
	forBlocks(data, func(opt uint16, block []byte) {
		if opt != optControlResponse || len(block) < blockResponseLength {
			return
		}
		addOption(e, binary.BigEndian.Uint16(block))
		if block[2] != 0 {
			e.Error = true
			e.Add("block_error", protocols.Hex(uint64(block[2]), 2))
		}
	})
}

// describe reports the identity in the blocks of an Identify or Get
// response or a Hello: name of station, the vendor's device type text,
// vendor and device ID, role and IP address.
func describe(m *protocols.Message, data []byte) {
	var id *protocols.Identity
	ident := func() *protocols.Identity {
		if id == nil {
			id = m.Identify()
		}
		return id
	}
	forBlocks(data, func(opt uint16, block []byte) {
		if len(block) < blockInfoLen {
			return
		}
		v := block[blockInfoLen:]
		switch opt {
		case optNameOfStation:
			if len(v) > 0 {
				ident().Name = v
			}
		case optDeviceVendor:
			if len(v) > 0 {
				ident().Product = v
			}
		case optDeviceID:
			if len(v) >= 4 {
				vid := binary.BigEndian.Uint16(v)
				ident().Add("vendor_id", protocols.Hex(uint64(vid), 4))
				id.Add("device_id", protocols.Hex(uint64(binary.BigEndian.Uint16(v[2:])), 4))
				if name := vendor(vid); name != nil {
					id.Vendor = name
				}
			}
		case optDeviceRole:
			if len(v) >= 1 {
				ident().Add("device_role", protocols.Hex(uint64(v[0]), 2))
			}
		case optIPParameter:
			if len(v) >= 4 {
				ident().Add("ip_address", protocols.Hex(uint64(binary.BigEndian.Uint32(v)), 8))
			}
		}
	})
}
