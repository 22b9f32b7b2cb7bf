// Package flow keeps the sensor's bidirectional flow table and turns it
// into per-minute flow records (E2), the input of the cloud's traffic views
// and learning detectors (V2, V3, D1-3, D1-4).
//
// A flow is one conversation between two IP endpoints on one VLAN: the IP
// protocol plus the two address/port pairs, stored in a normalised order so
// both directions find the same entry. A conversation routed between two
// VLANs, which a mirror port shows with each direction on its sender's
// VLAN, is one flow too: when a packet's key is unknown but the same
// endpoints are in a flow on another VLAN in which only the other endpoint
// has sent, the packet is its answer, and the flow is indexed under both
// VLANs (the same rule the OT dissectors use to link such halves). Cells
// that reuse the same addresses on different VLANs stay apart, because each
// side of each of their conversations is heard on its own VLAN first; an
// endpoint later heard on the VLAN it was not linked to undoes the link.
// The record carries the initiator's VLAN and, for a routed flow, the
// responder's. The index of flows by endpoints without the VLAN that this
// needs is kept only once new flows have come on two different VLANs, so
// an untagged or single-VLAN mirror does not pay for it. ICMP queries are keyed by their
// identifier and the request/reply pair they belong to (echo, timestamp,
// information, address mask); other ICMP messages by type and code.
//
// The initiator ("src") is decided as follows:
//   - TCP: the sender of a SYN without ACK; if the first packet seen is a
//     SYN+ACK, its receiver. A handshake seen later corrects an earlier guess.
//   - ICMP: the sender of a query request, or the receiver of a reply.
//   - Otherwise the sender of the first packet, unless (TCP and UDP only)
//     one side uses a service port and the other does not: then the service
//     side is the server. Service ports are those below 1024 and the
//     industrial and infrastructure ports listed in servicePort.
//
// initiator_certain is true only for the first two rules.
//
// Counters are per direction: packets, bytes on the wire (the frame
// length, as tshark counts them), the OR of TCP flags, and the MAC address
// each side last used. Flush hands over what each flow did during one
// minute and resets those deltas. It also retires flows: TCP flows closed by
// FIN in both directions or by RST are removed after the flush that reports
// them, and flows idle for longer than their timeout (measured in packet
// time at the end of the minute) are removed and reported as ended if they
// were active in that minute. A SYN on a closed flow starts a new flow with
// the same key.
//
// Non-first IP fragments carry no ports; a small cache of recent first
// fragments lends them the ports of the datagram they belong to, so they
// count in the right flow.
//
// The table is bounded by Options.MaxFlows. When it is full, a new flow
// evicts the longest-idle of a few sampled entries (an approximation of LRU
// that costs O(1)), and the eviction is counted. Entries live in a slice
// reused through a free list and are indexed by a map keyed by a fixed-size
// comparable struct, so steady-state packet processing does not allocate.
//
// Packet returns a Ref naming the packet's flow by its slot in the table
// and an ID unique to the flow, and saying whether the sender is the
// initiator. Later stages (the OT dissectors) keep per-flow state in a
// slice of their own indexed by the slot, so that state is bounded by the
// table and costs no second lookup; the ID tells them when a slot has been
// reused by another flow.
//
// A Table is not safe for concurrent use: one pipeline owns it.
package flow
