package protocols

import (
	"errors"
	"strconv"
)

// Transport is how a protocol's messages travel. Info uses it as a set of
// bits; a Message carries exactly one.
type Transport uint8

// The transports a dissector can handle.
const (
	TCP      Transport = 1 << iota // a byte stream, cut into PDUs by Frame
	UDP                            // one message per datagram
	Ethernet                       // one message per frame, found by EtherType
)

func (t Transport) String() string {
	switch t {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case Ethernet:
		return "ethernet"
	}
	return "transport" + strconv.Itoa(int(t))
}

// Info describes a dissector to the registry. It is read once, when the
// registry is built.
type Info struct {
	// ID is the protocol's stable lowercase identifier ("modbus"): the
	// `protocol` of every OT event and identity. Lowercase letters, digits
	// and hyphens only ("cclink-ief-basic").
	ID string
	// Name is the protocol's name for people ("Modbus/TCP").
	Name string
	// Vendor is the vendor a protocol implies (FINS is Omron's), given to
	// identities whose messages do not name one.
	Vendor string
	// TCPPorts and UDPPorts are the protocol's well-known server ports. A
	// conversation to or from one of them is the protocol's without
	// probing, and the side using the port is the server. A port belongs
	// to one dissector only.
	TCPPorts, UDPPorts []uint16
	// EtherTypes lists the layer-2 EtherTypes the protocol uses.
	EtherTypes []uint16
	// Heuristic lists the transports (TCP, UDP or both) on which Probe is
	// tried for conversations that no port claims.
	Heuristic Transport
	// Variants lists further protocol IDs the dissector reports under,
	// for protocols that share a port or EtherType and are told apart by
	// their messages (S7comm and S7comm-plus on TCP 102, CC-Link IE Field
	// and Control on EtherType 0x890F). A message is reported under
	// Variants[i-1] when Dissect sets Message.Variant to i. The IDs follow
	// the rules of ID and must be unique across the registry.
	Variants []string
	// KeysIdentities says that the dissector's repeat keys (Repeater)
	// also decide what an identity says, so that a message reporting one
	// may be counted as a repeat too. Without it, such messages are
	// dissected every time.
	KeysIdentities bool
}

// Conn describes the conversation a payload belongs to, for Probe.
type Conn struct {
	Transport        Transport
	SrcPort, DstPort uint16 // the payload's sender's and receiver's ports
}

// Dissector decodes one protocol. The registry calls it from a single
// goroutine per Tracker, but several Trackers (one per capture source)
// share it, so a Dissector must keep no mutable state: what it needs to
// remember about a conversation lives in Message.State.
type Dissector interface {
	// Info describes the protocol and how to find it.
	Info() Info
	// Probe reports whether payload, the first bytes a conversation
	// carried in one direction (a datagram, or the start of a TCP
	// segment), is this protocol. It must be cheap, strict enough that
	// other protocols do not pass (check lengths against len(payload),
	// reserved bytes, known codes) and must not keep payload.
	Probe(payload []byte, c Conn) bool
	// Frame returns the length of the TCP PDU that starts at stream[0]:
	// n > len(stream) when more bytes are needed, 0 when even the header is
	// incomplete, and ErrNotPDU when stream does not start with a PDU.
	// Only the headers are read. A PDU sent in pieces, each with a header
	// of its own (S7comm's COTP DTs), may be framed whole: n is then what
	// the headers seen so far need, and may grow, or settle on fewer bytes
	// than asked for where the pieces break off, as more arrive.
	// Dissectors without TCP return ErrNotPDU.
	Frame(stream []byte) (n int, err error)
	// Dissect decodes one message — a datagram, a PDU cut by Frame, or the
	// bytes after an EtherType — and reports what it found through
	// m.Emit and m.Identify. It returns ErrMalformed (or an error wrapping
	// it) when the message is not a valid one; what it emitted before
	// deciding so is discarded. It must not keep m.Payload.
	Dissect(m *Message) error
}

// Constructor makes a dissector. A registry is built from a list of them.
type Constructor func() Dissector

var (
	// ErrNotPDU means bytes do not start a PDU of the protocol (Frame).
	ErrNotPDU = errors.New("protocols: not a PDU")
	// ErrMalformed means a message violates its protocol (Dissect).
	ErrMalformed = errors.New("protocols: malformed message")
	// ErrInvalidID means a dissector's ID is empty or not lowercase
	// letters, digits and hyphens.
	ErrInvalidID = errors.New("protocols: invalid protocol id")
	// ErrDuplicateID means two dissectors share an ID.
	ErrDuplicateID = errors.New("protocols: duplicate protocol id")
	// ErrPortClaimed means two dissectors claim the same port or EtherType.
	ErrPortClaimed = errors.New("protocols: port or EtherType claimed twice")
	// ErrTooMany means a registry was given more dissectors than it can
	// number (255).
	ErrTooMany = errors.New("protocols: too many dissectors")
	// ErrRepeaterKinds means a dissector is both a Repeater and a
	// StateRepeater: the Tracker would not know which to ask.
	ErrRepeaterKinds = errors.New("protocols: both a Repeater and a StateRepeater")
)
