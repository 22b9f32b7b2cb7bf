// Package protocols runs the sensor's OT protocol dissectors (E2, V5,
// D1-6, D1-7): it finds industrial conversations, cuts their byte streams
// into messages, hands each message to the dissector of its protocol and
// counts what the dissectors report into per-minute OT events and device
// identities for the batch (wirepb.OTEvent, wirepb.Identity).
//
// The package has two halves. A Registry is an immutable set of
// dissectors with the tables that route traffic to them; build it with
// NewRegistry from a list of constructors (protocols/all lists every
// dissector). A Tracker is the stateful half, one per capture source: it
// keeps per-conversation state, reassembles TCP, and aggregates.
//
// # Writing a dissector
//
// A dissector is one package under protocols/ (protocols/modbus is a
// complete example) exporting a constructor, New() Dissector, and listed
// in protocols/all. It implements four methods:
//
//   - Info describes the protocol: its stable lowercase ID (the
//     `protocol` of every event; never changed once released), a name for
//     people, the vendor it implies for identities, its well-known TCP and
//     UDP server ports, its EtherTypes if it is a layer-2 protocol, and on
//     which transports its heuristic should run.
//   - Probe decides from the first payload bytes of a conversation whether
//     it is this protocol. It is what finds an SLMP server on port 5001 or
//     a Modbus server on port 5020, so it must be strict: check every
//     length field against the payload, reserved bytes, known codes. It
//     must be cheap, because unclaimed conversations are probed (at most
//     Options.MaxProbes of their packets, then never again).
//   - Frame returns the length of the TCP PDU at the start of a byte
//     stream, from its length field. It reads only headers; a PDU sent in
//     pieces with headers of their own (S7comm's COTP DTs, a DNP3
//     fragment's link frames) may be framed whole, for Dissect to join
//     the pieces (on its stack or in Message.Scratch).
//   - Dissect decodes one complete message: a UDP datagram, a TCP PDU cut
//     by Frame, or the payload of a layer-2 frame. It calls m.Emit once
//     with the message's function code, the code's name from the
//     protocol's table ("" when unknown: the code is still counted, under
//     the function name "unknown") and its Kind (request, response, other,
//     or auto when the message does not say), then adds details to the
//     event; it calls m.Identify when the message's sender describes
//     itself (device identification, controller data, type name). It
//     returns ErrMalformed for a message that breaks the protocol.
//
// Protocols that share a port or EtherType and are told apart only by
// their messages (S7comm and S7comm-plus on TCP 102; CC-Link IE Field,
// Control and TSN on EtherType 0x890F; PROFINET DCP and RT on 0x8892) are
// one dissector that lists the further IDs in Info.Variants and sets
// Message.Variant on each message it reports under one of them.
//
// Dissectors are shared by every Tracker, so they keep no mutable state.
// What a dissector must remember about a conversation — typically the
// command of the last request, for protocols whose responses do not
// repeat it — it keeps in Message.State, 64 bits the Tracker stores per
// conversation and hands back with the next message.
//
// Dissect must not allocate: details are Values (numbers, ranges, constant
// strings) that become text only when the minute is flushed, and identity
// fields are byte slices into the message that the Tracker copies only
// when they change. It must not keep m.Payload, which aliases the capture
// buffer or a reassembly buffer. Message.Scratch, reused from message to
// message, allocates only when a joined message is longer than any
// before it.
//
// # Routing
//
// A layer-2 frame goes to the dissector registered for its EtherType, if
// any. A TCP or UDP packet with payload belongs to a flow of edge/flow;
// its conversation is classified once, on its first payload-bearing
// packet: by server port first (a dissector's TCPPorts or UDPPorts on
// either side), else by trying each dissector's Probe in registry order
// (most specific first). A conversation no Probe accepts within
// Options.MaxProbes payload packets is marked as not industrial: Packet
// returns false for it, and the pipeline marks its flow
// (flow.Table.Ignore) so that its packets bypass the Tracker altogether.
//
// The client of a conversation is the side not using the server port
// that classified it, or else the flow's initiator. An event's src is the
// requester: the sender of a request (or of an "other" message), the
// receiver of a response. Protocols whose messages say which they are
// (FINS, SLMP) report it; for the others (Modbus) the client's messages
// are requests.
//
// # TCP reassembly
//
// See stream.go for the rules. In brief: per conversation and direction
// the next sequence number is tracked; segments holding whole PDUs are
// dissected in place; a PDU that continues in a later segment is copied
// into one of at most Options.MaxBuffers buffers of Options.BufferSize
// bytes; retransmitted bytes are ignored; after a gap (lost or reordered
// segments) the partial PDU is dropped and the stream resumes at the next
// segment that starts a PDU — one that frames, on the protocol's own port,
// or that passes Probe, for a conversation found by heuristic. Buffers are
// returned on FIN and RST, when the flow's slot is reused, and after a
// minute without traffic.
//
// # Per-conversation state and its bound
//
// The Tracker keeps its conversation state in a slice indexed by the flow
// table's slot (flow.Ref), not in a map of its own: the flow table already
// bounds, expires and evicts conversations, a slot index costs no second
// hash lookup per packet, and a Ref's ID tells when a slot has been
// reused by another flow (the state is then reset and its buffers
// returned). The slice therefore never holds more entries than the flow
// table has slots (flow.Options.MaxFlows), 256 bytes each; TCP
// buffers are bounded separately as above. Layer-2 protocols have no
// conversation state.
//
// One more index exists, consulted only when a conversation is classified:
// classified conversations by their endpoints without VLAN, so that a
// conversation routed between VLANs — requests in one flow, responses in
// another — is linked into one (twin.go). Entries of flows that have gone
// are pruned at every flush, so it too stays within the flow table's
// bound.
//
// # Repeats
//
// Most industrial traffic is the same few requests polled over and over
// and answered the same way but for their process values, so most
// messages report exactly what an earlier message of their conversation
// in the same direction reported. A dissector that implements Repeater
// (repeat.go) names, for a message, the few bytes that decide what
// Dissect would report for it — function, addresses, lengths, status —
// leaving out transaction ids, sequence numbers and process values. The
// Tracker keeps, per conversation and direction, the last message's key,
// the State it was dissected with and the State it left, and where its
// event is counted; the messages before it move to a table shared by all
// conversations (two-way set-associative, eight entries per conversation,
// 4 MiB at most), so that a client polling several blocks in turn repeats
// too. A message with the same key and State as one remembered, of the
// same flow, direction and minute, is counted there (count, kind, error,
// time, MAC addresses) without being dissected, and its details are not
// merged again, which would change nothing. An entry evicted from the
// table only costs a dissection. Repeats of classified conversations are
// counted on a short path (Tracker.counted) that takes the packet's
// values as arguments; the conversation's fields a repeat reads, TCP
// stream positions included, share its first cache line, and an event's
// counters fill the first line of its aggregate. A
// message that reports an identity repeats only for dissectors whose keys
// decide what it says (Info.KeysIdentities), and only while its
// conversation and direction wrote that identity last. A dissector whose
// messages change the State with every message (S7comm remembers each
// job's reference for the Ack that may refuse it) implements
// StateRepeater instead: its key may draw on the State, it names the State
// bits the outcome depends on, which alone must match, and it works out
// the State the message leaves. A Repeater that also implements
// RepeatMasker (template.go) names which of a message's first 256 bytes
// its key was drawn from; a StateRepeater that implements StateMasker
// names them too, and works out the State a repeat leaves from its bytes
// (NextState). For the last three messages of each direction dissected,
// the Tracker keeps those bytes as a template of up to seven 8-byte
// words, with the State the message was dissected with (a StateMasker's:
// the bits its outcome depends on) and left, its frame addresses and
// where it was counted (a repeat found by its key
// takes the place of a template unused for a second, so a rare message
// between polls gives way again); a message of the same
// length, State and addresses that agrees with a template, not earlier
// than the last one, is held in it without asking for its key, framing it
// or touching its event (Tracker.Packet). Held repeats are folded into the
// event (count, kind, error, last time, the template's MAC addresses) and
// into the identity they report before anything else counts in that
// event or identity, before the minute is rendered and before the
// template or the conversation's slot is reused: the event or identity
// names the conversation holding repeats for it, so the outcome is that
// of counting each in turn (Stats.Templated). A template outlives its
// minute: the first repeat it tells in the next one starts its event
// there from the last minute's key and the details its message reported
// (kept beside the templates, up to two; without them, the event's own
// when every message counted in it reported exactly those), which is what
// dissecting it would have made (Tracker.carry). A direction whose
// last eight messages were no repeats is not asked for keys for its next
// 64. Layer-2 frames use a 1024-entry table found by their addresses,
// VLAN, EtherType and key, and in front of it templates of the last three
// kinds of frame between two stations (frametemplate.go); a kind that
// reports nothing (no event, no identity) is remembered too, so its
// repeats are not dissected. Results are the same as dissecting every message
// (Options.DissectRepeats does, for comparison); the contract is checked
// byte by byte by each dissector's fuzz target (protocolstest.CheckRepeat)
// and the two ways are compared on crafted, random, captured and generated
// traffic. Stats.Repeats counts the messages counted this way.
//
// # Aggregation
//
// Every message a dissector emits is counted in the minute's event keyed
// by protocol, code, src and dst (address and port for IP, MAC for layer
// 2) and VLAN: count, requests, responses, errors, first and last time,
// the MAC addresses last seen for each side, and its details. A detail is
// a key and a Value: values of one key are kept side by side (unit ids
// 1,2), except ranges of the same device or area, which widen into one
// range covering them all (D:100-131). At most sixteen distinct details are
// kept per event; beyond that the event carries `truncated: true`. The
// minute's table holds at most Options.MaxEvents events and
// Options.MaxIdentities identities; messages beyond them are counted as
// dropped (Stats, and the batch's capture statistics), never stored.
//
// A conversation remembers where its last two events are counted, and
// where the identity its sender reports is kept, so the steady state of
// polling traffic — the same functions over and over, a slave repeating
// its identity in every cyclic response — counts a message without
// touching the table's maps; layer-2 events, which have no conversation,
// go through a small cache of recent keys (checked exactly) instead. A
// message whose details are identical to the first ones its event keeps
// is merged by one straight comparison. An event holds its counters and
// six details (as many as one message carries) in 520 bytes, the rest of
// its sixteen in a slab the minute's table reuses, so that a minute of
// thousands of events, one touched per message in turn, takes less of
// the CPU's cache. With that, whole PDUs dissected in place and details kept
// as numbers, the per-packet path allocates nothing.
//
// Flush hands over the minute's events and identities, sorted so that the
// output is a deterministic function of the packets, and starts the next
// minute. docs/PROTOCOLS.md describes the output and each dissector's
// functions and details.
package protocols
