// Package opcua dissects OPC UA Binary over TCP (OPC UA Part 6): the
// transport messages (Hello, Acknowledge, Error), the security policy and
// mode of each OpenSecureChannel, and the service of every readable
// message — requests by their encoding NodeId, responses under their
// request's, ServiceFaults and bad service results as errors — with the
// applications that describe themselves in GetEndpoints and CreateSession
// as identities. Messages of encrypted channels are counted as such. See
// README.md for the contract.
package opcua

import (
	"encoding/binary"

	"mimamori/protocols"
)

// ID is the protocol id of OPC UA events and identities.
const ID = "opcua"

// Port is OPC UA Binary's registered TCP port.
const Port = 4840

// Message header (Part 6 §7.1.2): three ASCII letters of message type, a
// chunk type, and the chunk's size including the header, little-endian.
const (
	headerLen = 8
	// maxChunk bounds the chunk size a header may announce. Buffer sizes
	// are negotiated in Hello and Acknowledge; real stacks use 8 KiB to a
	// few MiB.
	maxChunk = 16 << 20
	// A secure conversation chunk (OPN, MSG, CLO) starts with the secure
	// channel id; MSG and CLO then have the token id and the sequence
	// header (sequence number, request id) before the body.
	symmetricBody = headerLen + 4 + 4 + 8
	helloLen      = headerLen + 20 // without its endpoint URL
	ackLen        = headerLen + 20
	errorLen      = headerLen + 4 // without its reason
)

// Chunk types.
const (
	chunkFinal        = 'F'
	chunkIntermediate = 'C'
	chunkAbort        = 'A'
)

// Dissector is the OPC UA Binary dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "OPC UA Binary",
		TCPPorts:  []uint16{Port},
		Heuristic: protocols.TCP,
	}
}

// msgType returns the message type of a header as its code, 0 when it is
// not one.
func msgType(b []byte) uint32 {
	t := uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	switch t {
	case codeHello, codeAcknowledge, codeError, codeReverseHello, codeOPNEncrypted, codeMSGEncrypted, codeCLOEncrypted:
		return t
	}
	return 0
}

// validChunk reports whether a message type may come in chunk type c:
// only secure conversation messages are split or aborted.
func validChunk(t uint32, c byte) bool {
	switch t {
	case codeOPNEncrypted, codeMSGEncrypted, codeCLOEncrypted:
		return c == chunkFinal || c == chunkIntermediate || c == chunkAbort
	}
	return c == chunkFinal
}

// minSize is the smallest chunk of a message type.
func minSize(t uint32) int {
	switch t {
	case codeHello:
		return helloLen + 4
	case codeAcknowledge:
		return ackLen
	case codeError:
		return errorLen + 4
	case codeReverseHello:
		return headerLen + 8
	case codeOPNEncrypted:
		return headerLen + 4 + 12 + 8
	}
	return symmetricBody
}

// Frame implements protocols.Dissector: the chunk's size.
func (*Dissector) Frame(b []byte) (int, error) {
	if len(b) < headerLen {
		if !headerPrefix(b) {
			return 0, protocols.ErrNotPDU
		}
		return 0, nil
	}
	t := msgType(b)
	if t == 0 || !validChunk(t, b[3]) {
		return 0, protocols.ErrNotPDU
	}
	n := binary.LittleEndian.Uint32(b[4:8])
	if n < uint32(minSize(t)) || n > maxChunk {
		return 0, protocols.ErrNotPDU
	}
	return int(n), nil
}

// headerPrefix reports whether b starts like a message header, as far as
// it goes.
func headerPrefix(b []byte) bool {
	if len(b) < 3 {
		for _, t := range [...]string{"HEL", "ACK", "ERR", "RHE", "OPN", "MSG", "CLO"} {
			if string(b) == t[:len(b)] {
				return true
			}
		}
		return false
	}
	t := msgType(b)
	return t != 0 && (len(b) == 3 || validChunk(t, b[3]))
}

// Probe implements protocols.Dissector: a message header with a known
// message and chunk type and a size within bounds; a Hello,
// Acknowledge or Error must be whole in the segment with protocol
// version 0 and its strings within the size, and a secure conversation
// chunk must at least reach its body.
func (d *Dissector) Probe(b []byte, c protocols.Conn) bool {
	if c.Transport != protocols.TCP {
		return false
	}
	n, err := d.Frame(b)
	if err != nil || n == 0 {
		return false
	}
	switch msgType(b) {
	case codeHello:
		if n > len(b) || binary.LittleEndian.Uint32(b[8:]) != 0 {
			return false
		}
		dec := decoder{b: b[helloLen:n]}
		dec.bytes()
		return !dec.bad && len(dec.b) == 0
	case codeAcknowledge:
		return n == ackLen && n <= len(b) && binary.LittleEndian.Uint32(b[8:]) == 0
	case codeError:
		if n > len(b) {
			return false
		}
		dec := decoder{b: b[errorLen:n]}
		dec.bytes()
		return !dec.bad && len(dec.b) == 0
	case codeReverseHello:
		if n > len(b) {
			return false
		}
		dec := decoder{b: b[headerLen:n]}
		dec.bytes()
		dec.bytes()
		return !dec.bad && len(dec.b) == 0
	}
	return len(b) >= minSize(msgType(b))
}

// Message.State: the security policy of the conversation's channel as
// its OpenSecureChannel said (bits 0-1), whether each side is in the
// middle of a multi-chunk message (bits 2 and 3), and the last two
// requests (bits 8-35 and 36-63: the request id's low 12 bits and the
// service code) so that a ServiceFault names the service it answers.
const (
	policyMask      = 0x3
	policyNone      = 0x1
	policySecured   = 0x2
	chunkingClient  = 0x4
	chunkingServer  = 0x8
	requestsShift   = 8
	requestBits     = 28
	requestMask     = 1<<requestBits - 1
	requestIDBits   = 12
	requestIDMask   = 1<<requestIDBits - 1
	requestsTracked = 2
)

func remember(state uint64, requestID, code uint32) uint64 {
	slot := uint64(code&0xffff)<<requestIDBits | uint64(requestID&requestIDMask)
	recent := state >> requestsShift & (1<<(requestBits*requestsTracked) - 1)
	recent = (recent<<requestBits | slot) & (1<<(requestBits*requestsTracked) - 1)
	return state&(1<<requestsShift-1) | recent<<requestsShift
}

func recall(state uint64, requestID uint32) (uint32, bool) {
	recent := state >> requestsShift
	for i := 0; i < requestsTracked; i++ {
		slot := recent >> (requestBits * i) & requestMask
		if code := uint32(slot >> requestIDBits); code != 0 && uint32(slot&requestIDMask) == requestID&requestIDMask {
			return code, true
		}
	}
	return 0, false
}

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if len(b) < headerLen {
		return protocols.ErrMalformed
	}
	t := msgType(b)
	if t == 0 || !validChunk(t, b[3]) || int(binary.LittleEndian.Uint32(b[4:8])) != len(b) || len(b) < minSize(t) {
		return protocols.ErrMalformed
	}
	switch t {
	case codeHello:
		m.Emit(codeHello, transportName(codeHello), protocols.KindRequest)
	case codeAcknowledge:
		m.Emit(codeAcknowledge, transportName(codeAcknowledge), protocols.KindResponse)
	case codeError:
		e := m.Emit(codeError, transportName(codeError), protocols.KindResponse)
		e.Error = true
		e.Add("status", protocols.Hex(uint64(binary.LittleEndian.Uint32(b[headerLen:])), 8))
	case codeReverseHello:
		m.Emit(codeReverseHello, transportName(codeReverseHello), protocols.KindOther)
	default:
		return secureChunk(m, t, b)
	}
	return nil
}

// secureChunk reads an OPN, MSG or CLO chunk. A message split into
// chunks is reported once, from its first chunk, which holds the
// service's NodeId.
func secureChunk(m *protocols.Message, t uint32, b []byte) error {
	chunking := uint64(chunkingServer)
	if m.FromClient {
		chunking = chunkingClient
	}
	continued := m.State&chunking != 0
	switch b[3] {
	case chunkIntermediate:
		m.State |= chunking
	default:
		m.State &^= chunking
	}
	if b[3] == chunkAbort {
		// The sender gave up a message it had begun: an error, with its
		// status when the body is readable.
		e := m.Emit(codeAbort, transportName(codeAbort), protocols.KindAuto)
		e.Error = true
		if t == codeMSGEncrypted && m.State&policyMask == policyNone {
			if d := b[symmetricBody:]; len(d) >= 4 {
				e.Add("status", protocols.Hex(uint64(binary.LittleEndian.Uint32(d)), 8))
			}
		}
		return nil
	}
	if continued {
		return nil
	}
	if t == codeOPNEncrypted {
		return openChunk(m, b)
	}
	d := decoder{b: b[headerLen+8:]}
	requestID := binary.LittleEndian.Uint32(b[headerLen+12:])
	d.skip(8)
	body := d.b
	ns, id, numeric := d.nodeID()
	readable := !d.bad && ns == 0 && numeric &&
		(m.State&policyMask == policyNone || known(id))
	if !readable {
		if m.State&policyMask == policyNone {
			return protocols.ErrMalformed
		}
		code := uint32(codeMSGEncrypted)
		if t == codeCLOEncrypted {
			code = codeCLOEncrypted
		}
		m.Emit(code, transportName(code), protocols.KindAuto)
		return nil
	}
	service(m, id, requestID, body)
	return nil
}

// openChunk reads an OpenSecureChannel chunk: its security policy is in
// the clear; its body only when the policy is None.
func openChunk(m *protocols.Message, b []byte) error {
	d := decoder{b: b[headerLen+4:]}
	uri := d.bytes()
	d.bytes() // sender certificate
	d.bytes() // receiver certificate thumbprint
	if d.bad {
		return protocols.ErrMalformed
	}
	policy := securityPolicyName(uri)
	m.State &^= policyMask
	if policy != "None" {
		m.State |= policySecured
		e := m.Emit(codeOPNEncrypted, transportName(codeOPNEncrypted), protocols.KindAuto)
		e.Add("security_policy", protocols.Text(policy))
		return nil
	}
	m.State |= policyNone
	d.skip(4) // sequence number
	requestID := d.u32()
	body := d.b
	ns, id, numeric := d.nodeID()
	if d.bad || ns != 0 || !numeric {
		return protocols.ErrMalformed
	}
	e := service(m, id, requestID, body)
	e.Add("security_policy", protocols.Text(policy))
	return nil
}
