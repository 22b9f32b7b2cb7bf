// Package protocolstest helps test dissectors: a harness that runs
// hand-built packets through a flow table and a Tracker exactly as the
// pipeline does, and builders for TCP conversations whose segments can be
// split, reordered, lost and repeated. Only tests import it.
package protocolstest

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"time"

	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
)

// Base is the start of the harness's first minute.
var Base = time.Date(2025, 4, 1, 9, 30, 0, 0, time.UTC).UnixNano()

// Harness feeds packets to a flow table and a Tracker.
type Harness struct {
	Flows   *flow.Table
	Tracker *protocols.Tracker
	// Now is the timestamp given to the next packet; each packet moves it
	// on by a millisecond.
	Now int64
}

// harnessFlows bounds the harness's flow table: tests use a handful of
// conversations, and fuzz targets build a harness per input.
const harnessFlows = 256

// New returns a harness for reg.
func New(reg *protocols.Registry, opts protocols.Options) *Harness {
	return &Harness{Flows: flow.New(flow.Options{MaxFlows: harnessFlows}), Tracker: protocols.NewTracker(reg, opts), Now: Base}
}

// Packet counts p in the flow table and offers it to the Tracker, as the
// pipeline does.
func (h *Harness) Packet(p *decode.Packet) {
	if p.TimestampNs == 0 {
		p.TimestampNs = h.Now
	}
	h.Now = max(h.Now, p.TimestampNs) + int64(time.Millisecond)
	ref := h.Flows.Packet(p)
	if !ref.Ignored && !h.Tracker.Packet(p, ref) {
		h.Flows.Ignore(ref)
	}
}

// Flush flushes the minute that holds the harness's first packet.
func (h *Harness) Flush() ([]*wirepb.OTEvent, []*wirepb.Identity, protocols.Stats) {
	minute := h.Now - h.Now%int64(time.Minute)
	return h.Tracker.Flush(minute)
}

// UDP sends one datagram from src to dst ("ip:port").
func (h *Harness) UDP(src, dst string, payload []byte) {
	h.Packet(Datagram(src, dst, payload))
}

// Datagram builds a UDP packet.
func Datagram(src, dst string, payload []byte) *decode.Packet {
	p := ipPacket(src, dst, layers.IPProtocolUDP)
	p.Payload = payload
	return p
}

func ipPacket(src, dst string, proto layers.IPProtocol) *decode.Packet {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	p := &decode.Packet{
		WireLen: 60, HasEthernet: true, HasDstMAC: true,
		SrcMAC: mac(s.Addr()), DstMAC: mac(d.Addr()),
		EtherType: layers.EthernetTypeIPv4, IPVersion: 4,
		SrcIP: s.Addr(), DstIP: d.Addr(), IPProto: proto,
		SrcPort: s.Port(), DstPort: d.Port(),
	}
	if s.Addr().Is6() {
		p.IPVersion, p.EtherType = 6, layers.EthernetTypeIPv6
	}
	return p
}

// mac gives each test address a recognisable MAC: 02:00:00:00:00:<last byte>.
func mac(a netip.Addr) [6]byte {
	b := a.AsSlice()
	return [6]byte{2, 0, 0, 0, 0, b[len(b)-1]}
}

// MAC returns the MAC the harness gives an address.
func MAC(addr string) [6]byte { return mac(netip.MustParseAddr(addr)) }

// Frame builds a layer-2 frame of the given EtherType.
func Frame(src, dst [6]byte, etherType uint16, payload []byte) *decode.Packet {
	return &decode.Packet{WireLen: 64, HasEthernet: true, HasDstMAC: true, SrcMAC: src, DstMAC: dst,
		EtherType: layers.EthernetType(etherType), Payload: payload}
}

// TCPConn is a TCP conversation whose handshake the harness has seen.
// ClientNext and ServerNext are each side's next sequence number.
type TCPConn struct {
	h                      *Harness
	Client, Server         string
	ClientNext, ServerNext uint32
}

// TCP opens a conversation with a handshake.
func (h *Harness) TCP(client, server string) *TCPConn {
	c := &TCPConn{h: h, Client: client, Server: server, ClientNext: 1000, ServerNext: 5000}
	h.Packet(c.Segment(true, c.ClientNext-1, decode.FlagSYN, nil))
	h.Packet(c.Segment(false, c.ServerNext-1, decode.FlagSYN|decode.FlagACK, nil))
	h.Packet(c.Segment(true, c.ClientNext, decode.FlagACK, nil))
	return c
}

// Segment builds a segment without sending it.
func (c *TCPConn) Segment(fromClient bool, seq uint32, flags uint8, payload []byte) *decode.Packet {
	src, dst := c.Client, c.Server
	if !fromClient {
		src, dst = dst, src
	}
	p := ipPacket(src, dst, layers.IPProtocolTCP)
	p.TCPSeq, p.TCPFlags, p.Payload = seq, flags, payload
	return p
}

// Send sends payload as one segment in order and advances the sender's
// sequence number.
func (c *TCPConn) Send(fromClient bool, payload []byte) {
	c.h.Packet(c.Next(fromClient, payload))
}

// Next builds the next in-order segment and advances the sequence number,
// without sending it (to send it later, out of order, or not at all).
func (c *TCPConn) Next(fromClient bool, payload []byte) *decode.Packet {
	seq := &c.ClientNext
	if !fromClient {
		seq = &c.ServerNext
	}
	p := c.Segment(fromClient, *seq, decode.FlagACK|decode.FlagPSH, payload)
	*seq += uint32(len(payload))
	return p
}

// Split cuts b at the given offsets.
func Split(b []byte, at ...int) [][]byte {
	var out [][]byte
	prev := 0
	for _, a := range at {
		out = append(out, b[prev:a])
		prev = a
	}
	return append(out, b[prev:])
}

// Bytes cuts b into segments of one byte each.
func Bytes(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}

// Hex decodes a hex dump, ignoring spaces and newlines, and panics on
// anything else: fixtures stay readable as dumps.
func Hex(s string) []byte {
	s = strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
