// Package ptp dissects the Precision Time Protocol (IEEE 1588), version 2
// and the generalised profile IEEE 802.1AS that CC-Link IE TSN
// synchronises its stations with: on EtherType 0x88F7 and on UDP 319 and
// 320. It reports every message by type with its domain and profile
// (transportSpecific), and an Announce's grandmaster as an identity of
// its sender. See README.md for the contract.
package ptp

import (
	"encoding/binary"

	"mimamori/protocols"
)

// ID is the protocol id of PTP events and identities.
const ID = "ptp"

// EtherType is PTP's EtherType (IEEE 1588 Annex F, IEEE 802.1AS).
const EtherType = 0x88f7

// UDP ports (IEEE 1588 Annex D): event messages (Sync, the delay
// requests and responses) and general messages (the rest).
const (
	EventPort   = 319
	GeneralPort = 320
)

// Common header (IEEE 1588-2008 §13.3): transportSpecific and
// messageType, versionPTP, messageLength (BE), domainNumber, reserved,
// flags, correctionField, reserved, sourcePortIdentity (clock identity
// and port number), sequenceId, controlField, logMessageInterval.
const (
	headerLen     = 34
	offVersion    = 1
	offLength     = 2
	offDomain     = 4
	offClockID    = 20
	maxMessageLen = 1500
	versionMask   = 0x0f
	version1      = 1
	version2      = 2
	v1HeaderLen   = 40 // PTPv1: versionPTP and versionNetwork (2 bytes each), … control at 32
	v1OffControl  = 32
)

// Announce body after the header (§13.5): originTimestamp (10),
// currentUtcOffset (2), reserved, grandmasterPriority1,
// grandmasterClockQuality (class, accuracy, variance), grandmasterPriority2,
// grandmasterIdentity (8), stepsRemoved (2), timeSource.
const (
	announceLen   = 64
	offPriority1  = 47
	offClockClass = 48
	offGrandmastr = 53
)

// Dissector is the PTP dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector. PTP is found by its EtherType and
// its UDP ports; it has no heuristic: its header has too few fixed bits
// to tell it from other traffic on other ports.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:         ID,
		Name:       "PTP (IEEE 1588 / 802.1AS)",
		UDPPorts:   []uint16{EventPort, GeneralPort},
		EtherTypes: []uint16{EtherType},
	}
}

// Probe implements protocols.Dissector: PTP is found by EtherType and
// port only.
func (*Dissector) Probe([]byte, protocols.Conn) bool { return false }

// Frame implements protocols.Dissector: PTP does not run over TCP.
func (*Dissector) Frame([]byte) (int, error) { return 0, protocols.ErrNotPDU }

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if len(b) < 2 {
		return protocols.ErrMalformed
	}
	switch b[offVersion] & versionMask {
	case version2:
		return v2(m, b)
	case version1:
		return v1(m, b)
	}
	return protocols.ErrMalformed
}

// v2 reports a PTPv2 message. A message longer than its messageLength is
// accepted (Ethernet pads short frames); one cut short of its header is
// not. A body shorter than its type needs still counts, without the
// body's details.
func v2(m *protocols.Message, b []byte) error {
	if len(b) < headerLen {
		return protocols.ErrMalformed
	}
	n := int(binary.BigEndian.Uint16(b[offLength:]))
	if n < headerLen || n > len(b) || n > maxMessageLen {
		return protocols.ErrMalformed
	}
	b = b[:n]
	t := b[0] & 0x0f
	e := m.Emit(uint32(t), messageName(t), messageKind(t))
	e.Add("version", protocols.Uint(version2))
	e.Add("domain", protocols.Uint(uint64(b[offDomain])))
	// transportSpecific (majorSdoId) is 1 for IEEE 802.1AS, the profile
	// CC-Link IE TSN uses; 0 for the default profiles.
	e.Add("transport_specific", protocols.Uint(uint64(b[0]>>4)))
	if t != msgAnnounce || len(b) < announceLen {
		return nil
	}
	gm := binary.BigEndian.Uint64(b[offGrandmastr:])
	e.Add("grandmaster", protocols.Hex(gm, 16))
	id := m.Identify()
	id.Add("clock_identity", protocols.Hex(binary.BigEndian.Uint64(b[offClockID:]), 16))
	id.Add("grandmaster", protocols.Hex(gm, 16))
	id.Add("clock_class", protocols.Uint(uint64(b[offClockClass])))
	id.Add("priority1", protocols.Uint(uint64(b[offPriority1])))
	return nil
}

// v1 reports a PTPv1 message (IEEE 1588-2002, UDP only) by its control
// field.
func v1(m *protocols.Message, b []byte) error {
	if len(b) < v1HeaderLen || b[0] != 0 {
		return protocols.ErrMalformed
	}
	c := b[v1OffControl]
	e := m.Emit(V1Base+uint32(c), v1Name(c), v1Kind(c))
	e.Add("version", protocols.Uint(version1))
	return nil
}
