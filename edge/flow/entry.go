package flow

import (
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
)

// entry is one flow. dir[0] is the initiator's side ("src"), dir[1] the
// responder's ("dst").
type entry struct {
	key     key
	id      uint64 // see Ref.ID; assigned by Table.start
	ignored bool   // see Table.Ignore
	live    bool   // in the index (retired copies are not)
	aIsSrc  bool   // key endpoint a is the initiator
	certain bool   // the initiator was decided by a handshake or query
	// icmpFirst is type<<8|code of the flow's first ICMP message.
	icmpFirst uint16

	startNs int64 // first packet of the flow
	lastNs  int64 // latest packet of the flow

	// TCP state.
	handshake bool // the initiator sent a SYN
	rst       bool

	reported   bool // emitted by an earlier flush
	endedEarly bool // a retired copy: closed and reopened, or evicted

	// vlans is the VLAN each key endpoint's packets travel on (a, then b).
	// Both are key.vlan unless the flow is linked: the other endpoint's
	// packets were seen on another VLAN (a conversation routed between
	// VLANs), and the table also indexes the flow under that VLAN.
	vlans     [2]uint16
	linked    bool
	ownsTuple bool // the table's tuples index points here

	// The current minute.
	activeMinute bool
	firstNs      int64
	lastMinNs    int64
	dir          [2]direction
}

// direction holds one side's counters. packets, bytes and flags are
// per-minute deltas; the rest describes the flow's lifetime.
type direction struct {
	packets, bytes uint64
	flags          uint8

	seen   bool // the side has sent at least one packet
	fin    bool
	mac    [6]byte
	hasMAC bool
	ownMAC bool // mac came from the side's own frames, not a peer's destination
}

// start makes e a new flow for key k, first seen in p, whose sender is
// endpoint a iff senderIsA.
func (e *entry) start(k key, p *decode.Packet, senderIsA bool) {
	*e = entry{key: k, live: true, startNs: p.TimestampNs, lastNs: p.TimestampNs, vlans: [2]uint16{k.vlan, k.vlan}}
	sp, dp := k.aPort, k.bPort
	if !senderIsA {
		sp, dp = dp, sp
	}
	senderIsSrc, certain := initiator(p, sp, dp)
	e.aIsSrc = senderIsA == senderIsSrc
	e.certain = certain
	if isICMP(p.IPProto) {
		e.icmpFirst = uint16(p.ICMPType)<<8 | uint16(p.ICMPCode)
	}
}

// initiator decides from a flow's first packet whether its sender is the
// initiator, and whether that is certain. sp and dp are the sender's and
// receiver's ports.
func initiator(p *decode.Packet, sp, dp uint16) (senderIsSrc, certain bool) {
	switch {
	case p.IPProto == layers.IPProtocolTCP && !p.Fragment:
		switch p.TCPFlags & (decode.FlagSYN | decode.FlagACK) {
		case decode.FlagSYN:
			return true, true
		case decode.FlagSYN | decode.FlagACK:
			return false, true
		}
	case isICMP(p.IPProto):
		_, request, reply := icmpClass(p.IPProto, p.ICMPType)
		switch {
		case request:
			return true, true
		case reply:
			return false, true
		}
		return true, false
	}
	if hasPorts(p.IPProto) {
		senderService, receiverService := servicePort(sp), servicePort(dp)
		if senderService && !receiverService {
			return false, false // a reply from the server came first
		}
	}
	return true, false
}

// settle fixes the initiator once a handshake shows it; initiatorIsSrc says
// whether it is the side currently counted as src.
func (e *entry) settle(initiatorIsSrc bool) {
	if !initiatorIsSrc {
		e.aIsSrc = !e.aIsSrc
		e.dir[0], e.dir[1] = e.dir[1], e.dir[0]
		// The handshake flag belonged to the old src's SYNs, which were
		// not a handshake after all.
		e.handshake = false
	}
	e.certain = true
}

// endpoint returns the key endpoint (0 for a, 1 for b) of the sender.
func endpoint(senderIsA bool) int {
	if senderIsA {
		return 0
	}
	return 1
}

// sent reports whether key endpoint ep has sent a packet in the flow.
func (e *entry) sent(ep int) bool {
	if (ep == 0) == e.aIsSrc {
		return e.dir[0].seen
	}
	return e.dir[1].seen
}

// aliasKey is the key the flow is also indexed under when it is linked:
// its own with the other endpoint's VLAN.
func (e *entry) aliasKey() key {
	k := e.key
	if e.vlans[0] != k.vlan {
		k.vlan = e.vlans[0]
	} else {
		k.vlan = e.vlans[1]
	}
	return k
}

// srcVLAN and dstVLAN are the VLANs of the initiator's and the
// responder's packets.
func (e *entry) srcVLAN() uint16 {
	if e.aIsSrc {
		return e.vlans[0]
	}
	return e.vlans[1]
}

func (e *entry) dstVLAN() uint16 {
	if e.aIsSrc {
		return e.vlans[1]
	}
	return e.vlans[0]
}

// closed reports a TCP flow that has ended: reset, or FIN both ways.
func (e *entry) closed() bool {
	return e.key.proto == layers.IPProtocolTCP && (e.rst || (e.dir[0].fin && e.dir[1].fin))
}
