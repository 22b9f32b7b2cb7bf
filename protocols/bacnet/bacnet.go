// Package bacnet dissects BACnet/IP (ASHRAE 135 Annex J): the BVLC
// function, the network layer message, and the APDU's service — by name,
// with the objects and properties read and written, the devices
// reinitialized or silenced, Error, Reject and Abort as errors of the
// service they answer — and the devices' I-Am announcements and Device
// object properties as identities. See README.md for the contract.
package bacnet

import (
	"encoding/binary"

	"mimamori/protocols"
)

// ID is the protocol id of BACnet events and identities.
const ID = "bacnet"

// Port is BACnet/IP's UDP port, 0xBAC0.
const Port = 47808

// BVLC header (Annex J.2): type 0x81 (BACnet/IP), function, length of
// the whole message.
const (
	bvlcType      = 0x81
	bvlcHeaderLen = 4
)

// NPDU (§6.2): version 1, then the control octet.
const (
	npduVersion     = 0x01
	ctlNetworkMsg   = 0x80 // a network layer message, not an APDU
	ctlReserved     = 0x50 // bits 6 and 4: must be zero
	ctlDestination  = 0x20 // DNET, DLEN, DADR and a hop count follow
	ctlSource       = 0x08 // SNET, SLEN, SADR follow
	netProprietary  = 0x80 // message types from here carry a vendor id
	wildcardDevice  = 0x3fffff
	maxDetailedList = 3 // objects reported from one Read/WritePropertyMultiple
)

// Dissector is the BACnet/IP dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "BACnet/IP",
		UDPPorts:  []uint16{Port},
		Heuristic: protocols.UDP,
	}
}

// Frame implements protocols.Dissector: BACnet/IP is UDP only.
func (*Dissector) Frame([]byte) (int, error) { return 0, protocols.ErrNotPDU }

// Probe implements protocols.Dissector: a BVLC header of type 0x81 with a
// known function and the datagram's length, and behind it either an NPDU
// of version 1 with its reserved control bits clear and a known APDU
// type, or a link layer message of its function's fixed size.
func (*Dissector) Probe(b []byte, c protocols.Conn) bool {
	if c.Transport != protocols.UDP || len(b) < bvlcHeaderLen || b[0] != bvlcType ||
		int(binary.BigEndian.Uint16(b[2:])) != len(b) {
		return false
	}
	n := len(b) - bvlcHeaderLen
	switch b[1] {
	case bvlcResult, bvlcRegisterFD:
		return n == 2
	case bvlcReadBDT, bvlcReadFDT:
		return n == 0
	case bvlcDeleteFDTEntry:
		return n == 6
	case bvlcWriteBDT, bvlcReadBDTAck, bvlcReadFDTAck:
		return n%10 == 0
	case bvlcForwardedNPDU:
		return n > bvlcForwardedAddressLength && plausibleNPDU(b[bvlcHeaderLen+bvlcForwardedAddressLength:])
	case bvlcDistributeBroadcast, bvlcOriginalUnicast, bvlcOriginalBroadcast:
		return plausibleNPDU(b[bvlcHeaderLen:])
	}
	return false
}

// plausibleNPDU checks an NPDU's version, reserved bits and addresses,
// and that an APDU of a defined type follows.
func plausibleNPDU(b []byte) bool {
	apdu, network, ok := npdu(b)
	if !ok || len(apdu) == 0 {
		return false
	}
	return network || apdu[0]>>4 <= pduAbort
}

// npdu skips an NPDU's header and returns what follows: the APDU, or the
// network layer message (its type first) when network is true.
func npdu(b []byte) (rest []byte, network, ok bool) {
	if len(b) < 2 || b[0] != npduVersion || b[1]&ctlReserved != 0 {
		return nil, false, false
	}
	ctl := b[1]
	i := 2
	if ctl&ctlDestination != 0 {
		if len(b) < i+3 {
			return nil, false, false
		}
		i += 3 + int(b[i+2])
	}
	if ctl&ctlSource != 0 {
		if len(b) < i+3 || b[i+2] == 0 {
			return nil, false, false
		}
		i += 3 + int(b[i+2])
	}
	if ctl&ctlDestination != 0 {
		i++ // hop count
	}
	if i > len(b) {
		return nil, false, false
	}
	return b[i:], ctl&ctlNetworkMsg != 0, true
}

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	// The datagram is the message: like tshark, a BVLC length that
	// disagrees with it (some test generators write the NPDU's length)
	// does not stop the dissection once the conversation is BACnet's.
	if len(b) < bvlcHeaderLen || b[0] != bvlcType || binary.BigEndian.Uint16(b[2:]) < bvlcHeaderLen {
		return protocols.ErrMalformed
	}
	f := b[1]
	switch f {
	case bvlcForwardedNPDU:
		if len(b) < bvlcHeaderLen+bvlcForwardedAddressLength {
			return protocols.ErrMalformed
		}
		// A BBMD forwarded it: the sender is not the device that spoke.
		return dissectNPDU(m, b[bvlcHeaderLen+bvlcForwardedAddressLength:], true)
	case bvlcDistributeBroadcast, bvlcOriginalUnicast, bvlcOriginalBroadcast:
		return dissectNPDU(m, b[bvlcHeaderLen:], false)
	}
	dissectBVLC(m, f, b[bvlcHeaderLen:])
	return nil
}

// dissectBVLC reports a link layer message that carries no NPDU: the
// broadcast distribution and foreign device table management of BBMDs.
func dissectBVLC(m *protocols.Message, f uint8, d []byte) {
	kind := protocols.KindAuto
	switch f {
	case bvlcWriteBDT, bvlcReadBDT, bvlcRegisterFD, bvlcReadFDT, bvlcDeleteFDTEntry:
		kind = protocols.KindRequest
	case bvlcResult, bvlcReadBDTAck, bvlcReadFDTAck:
		kind = protocols.KindResponse
	case bvlcSecureBVLL:
		kind = protocols.KindOther
	}
	e := m.Emit(bvlcBase+uint32(f), bvlcName(f), kind)
	switch {
	case f == bvlcResult && len(d) >= 2:
		// Result codes other than successful completion are NAKs of a
		// table write, read, registration or distribution.
		if code := binary.BigEndian.Uint16(d); code != 0 {
			e.Error = true
			e.Add("bvlc_result", protocols.Hex(uint64(code), 4))
		}
	case f == bvlcRegisterFD && len(d) >= 2:
		e.Add("ttl", protocols.Uint(uint64(binary.BigEndian.Uint16(d))))
	}
}

// dissectNPDU reports a network layer message or hands the APDU on.
// routed says the IP sender is not the device that sent the APDU (the
// message was forwarded by a BBMD or came through a router from another
// network), so the APDU describes no identity of the sender.
func dissectNPDU(m *protocols.Message, b []byte, routed bool) error {
	rest, network, ok := npdu(b)
	if !ok {
		return protocols.ErrMalformed
	}
	if b[1]&ctlSource != 0 {
		routed = true
	}
	if !network {
		return dissectAPDU(m, rest, routed)
	}
	if len(rest) < 1 {
		return protocols.ErrMalformed
	}
	t := rest[0]
	d := rest[1:]
	if t >= netProprietary {
		if len(d) < 2 {
			return protocols.ErrMalformed
		}
		d = d[2:]
	}
	e := m.Emit(networkBase+uint32(t), networkName(t), protocols.KindOther)
	if t == netRejectMessageToNetwork {
		e.Error = true
		if len(d) >= 3 {
			e.Add("reject_reason", protocols.Uint(uint64(d[0])))
			e.Add("network", protocols.Uint(uint64(binary.BigEndian.Uint16(d[1:]))))
		}
	}
	return nil
}
