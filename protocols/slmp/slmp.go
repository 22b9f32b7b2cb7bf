// Package slmp dissects SLMP, the Seamless Message Protocol of the CC-Link
// family, which is also the MELSEC communication ("MC") protocol's 3E and
// 4E frames: binary and ASCII, over TCP and UDP on whatever port the PLC
// is configured with, plus the 4E variant CC-Link IE TSN uses on UDP
// 45238/45239, reported as protocol cclink-ie-tsn-slmp. It reports
// commands by name, end codes as errors, the devices a read or write
// covers, and Read Type Name responses as identities. See README.md for
// the contract.
package slmp

import (
	"mimamori/protocols"
)

// ID is the protocol id of SLMP events and identities.
const ID = "slmp"

// TSNID is the protocol id of CC-Link IE TSN's SLMP variant (subheaders
// 0x6800 and 0xE800), the dissector's Variant 1.
const TSNID = "cclink-ie-tsn-slmp"

// variantTSN selects TSNID in Message.Variant.
const variantTSN = 1

// TSN ports: CC-Link IE TSN stations exchange their SLMP "IP frames" on
// UDP 45238 and 45239.
const (
	TSNPort  = 45238
	TSNPort2 = 45239
)

// ccIEFBasicPort is CC-Link IE Field Basic's cyclic port. Its frames
// borrow the SLMP 3E header (command 0x0E70) but belong to a protocol of
// their own, with a dissector of its own: SLMP leaves them alone.
const ccIEFBasicPort = 61450

// maxLength bounds the length field. SLMP messages stay far below it
// (a batch write of 960 words is under 2 KB); the heuristic holds to it.
const maxLength = 8192

// Dissector is the SLMP dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector. Generic SLMP has no port of its
// own: it is found by its headers alone. CC-Link IE TSN's variant has
// its UDP ports.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "SLMP / MELSEC MC protocol",
		Vendor:    "Mitsubishi Electric",
		UDPPorts:  []uint16{TSNPort, TSNPort2},
		Heuristic: protocols.TCP | protocols.UDP,
		Variants:  []string{TSNID},
	}
}

// Frame implements protocols.Dissector: header size plus the length field.
func (*Dissector) Frame(b []byte) (int, error) {
	// Binary 3E, the common case, needs only its subheader and length.
	if len(b) >= size3E && b[1] == 0 && (b[0] == 0x50 || b[0] == 0xd0) {
		return size3E + int(le16(b[7:])), nil
	}
	h, ok, short := parseHeader(b)
	if short {
		return 0, nil
	}
	if !ok {
		return 0, protocols.ErrNotPDU
	}
	return h.size + h.length, nil
}

// Probe implements protocols.Dissector. A payload is SLMP when it starts
// with a 3E, 4E or TSN subheader (binary or ASCII) whose reserved bytes
// are zero, addresses a plausible module, announces a length that the
// payload bears out — exactly, for a datagram; for a TCP segment followed
// only by further SLMP headers — and, for a request, names a known
// command.
func (*Dissector) Probe(b []byte, c protocols.Conn) bool {
	if c.Transport == protocols.UDP && (c.SrcPort == ccIEFBasicPort || c.DstPort == ccIEFBasicPort) {
		return false
	}
	h, ok, _ := parseHeader(b)
	if !ok || !plausibleModule(h.module) || h.length < h.minBody() || h.length > maxLength {
		return false
	}
	n := h.size + h.length
	switch {
	case n > len(b):
		return false
	case n < len(b):
		if c.Transport != protocols.TCP {
			return false
		}
		if next, ok, short := parseHeader(b[n:]); !ok && !short || ok && next.kind != h.kind {
			return false
		}
	}
	if h.response {
		return true
	}
	cmd, _, ok := requestCommand(b, &h)
	return ok && commandName(cmd) != ""
}

// requestCommand reads a request's command and sub-command.
func requestCommand(b []byte, h *header) (cmd, sub uint16, ok bool) {
	body := b[h.size:]
	if h.kind.ascii() {
		if len(body) < 12 {
			return 0, 0, false
		}
		c, ok1 := hexField(body[4:8])
		s, ok2 := hexField(body[8:12])
		return uint16(c), uint16(s), ok1 && ok2
	}
	if len(body) < 6 {
		return 0, 0, false
	}
	return le16(body[2:]), le16(body[4:]), true
}

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	h, ok, _ := parseHeader(b)
	if !ok || h.size+h.length != len(b) || h.length < h.minBody() {
		return protocols.ErrMalformed
	}
	if h.kind == frameTSN {
		m.Variant = variantTSN
	}
	if h.response {
		return response(m, &h)
	}
	return request(m, &h)
}

// request reports a request and remembers its command for the response.
func request(m *protocols.Message, h *header) error {
	cmd, sub, ok := requestCommand(m.Payload, h)
	if !ok {
		return protocols.ErrMalformed
	}
	e := m.Emit(uint32(cmd), commandName(cmd), protocols.KindRequest)
	addFrame(e, h.kind)
	e.Add("sub_command", protocols.Hex(uint64(sub), 4))
	var data []byte
	if h.kind.ascii() {
		data = m.Payload[h.size+12:]
	} else {
		data = m.Payload[h.size+requestBody:]
	}
	devices(e, h, cmd, sub, data)
	m.State = pushPending(m.State, cmd, h.serial)
	return nil
}

// response reports a response under the command it answers: the one the
// TSN variant repeats, or else the request remembered for the
// conversation (by serial number for 4E frames). A response whose request
// was not seen has code 0.
func response(m *protocols.Message, h *header) error {
	body := m.Payload[h.size:]
	var end uint32
	if h.kind.ascii() {
		v, ok := hexField(body[:4])
		if !ok {
			return protocols.ErrMalformed
		}
		end = v
	} else {
		end = uint32(le16(body))
	}
	var cmd uint16
	var matched bool
	switch h.kind {
	case frameTSN:
		cmd, matched = le16(body[2:]), true
	case frame3E, frame3EASCII:
		m.State, cmd, matched = popPending(m.State, 0, false)
	default:
		m.State, cmd, matched = popPending(m.State, h.serial, true)
	}
	code, name := uint32(0), ""
	if matched {
		code, name = uint32(cmd), commandName(cmd)
	}
	e := m.Emit(code, name, protocols.KindResponse)
	addFrame(e, h.kind)
	if end != 0 {
		e.Error = true
		e.Add("end_code", protocols.Hex(uint64(end), 4))
		return nil
	}
	if matched && cmd == cmdReadTypeName {
		typeName(m, h, body)
	}
	return nil
}

// addFrame reports the frame format, unless it is binary 3E: the format
// of nearly all SLMP traffic goes without saying, and leaving it out keeps
// polling cheap.
func addFrame(e *protocols.Event, k frameKind) {
	if k != frame3E {
		e.Add("frame", protocols.Text(k.name()))
	}
}

// typeName reads a Read Type Name response: the CPU model name (16
// characters) and model code (2 bytes; 4 hex digits in ASCII frames).
func typeName(m *protocols.Message, h *header, body []byte) {
	if h.kind.ascii() {
		d := body[4:]
		if len(d) < 16 {
			return
		}
		id := m.Identify()
		id.Model = d[:16]
		if len(d) >= 20 {
			if code, ok := hexField(d[16:20]); ok {
				id.Add("model_code", protocols.Hex(uint64(code), 4))
			}
		}
		return
	}
	d := body[responseBody:]
	if len(d) < 16 {
		return
	}
	id := m.Identify()
	id.Model = d[:16]
	if len(d) >= 18 {
		id.Add("model_code", protocols.Hex(uint64(le16(d[16:])), 4))
	}
}

// Pending requests are kept in Message.State as a queue of two 32-bit
// entries, oldest in the low half: bit 31 marks an entry, bits 16-30 hold
// the low 15 bits of the 4E serial number, bits 0-15 the command. Two are
// enough for the request/response rhythm of SLMP clients; a third
// outstanding request pushes out the oldest.
const pendingValid = 1 << 31

func pendingEntry(cmd, serial uint16) uint32 {
	return pendingValid | uint32(serial&0x7fff)<<16 | uint32(cmd)
}

func pushPending(state uint64, cmd, serial uint16) uint64 {
	oldest, newest := uint32(state), uint32(state>>32)
	e := pendingEntry(cmd, serial)
	switch {
	case oldest&pendingValid == 0:
		oldest = e
	case newest&pendingValid == 0:
		newest = e
	default:
		oldest, newest = newest, e
	}
	return uint64(newest)<<32 | uint64(oldest)
}

// popPending takes the request a response answers: the oldest one, or
// with bySerial the one with that serial number.
func popPending(state uint64, serial uint16, bySerial bool) (uint64, uint16, bool) {
	oldest, newest := uint32(state), uint32(state>>32)
	match := func(e uint32) bool {
		return e&pendingValid != 0 && (!bySerial || uint16(e>>16)&0x7fff == serial&0x7fff)
	}
	switch {
	case match(oldest):
		return uint64(newest), uint16(oldest), true
	case match(newest):
		return uint64(oldest), uint16(newest), true
	}
	return state, 0, false
}
