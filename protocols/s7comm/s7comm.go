// Package s7comm dissects Siemens S7 communication on ISO-on-TCP (TCP
// 102, RFC 1006: TPKT, then COTP, ISO 8073): S7comm (protocol id 0x32) of
// S7-300/400 and S7-1200/1500 PUT/GET, and S7comm-plus (0x72) of
// S7-1200/1500 engineering and HMI sessions, reported under the variant id
// s7comm-plus. It reports jobs, acknowledgements and userdata by function,
// header and parameter error codes as errors, the memory read and written,
// blocks up- and downloaded, PI services (PLC start, block insert and
// delete), SZL ids read, COTP connections with their TSAPs (rack and
// slot), and module and component identification as identities. Other
// traffic on port 102 (IEC 61850 MMS uses the same TPKT and COTP) is
// left alone. See README.md for the contract.
package s7comm

import (
	"encoding/binary"

	"mimamori/protocols"
)

// ID is the protocol id of S7comm events and identities; PlusID is that
// of S7comm-plus (Variant 1).
const (
	ID     = "s7comm"
	PlusID = "s7comm-plus"
)

// Port is ISO-on-TCP's port (RFC 1006).
const Port = 102

// TPKT (RFC 1006): version 3, a reserved zero byte and the length of the
// whole packet, header included.
const (
	tpktLen     = 4
	tpktVersion = 3
	minPacket   = tpktLen + 3 // the smallest COTP TPDU: DT, 3 bytes
)

// Protocol ids of the payload of a COTP DT.
const (
	protoS7     = 0x32
	protoS7Plus = 0x72
)

// Dissector is the S7comm and S7comm-plus dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// variantPlus is Message.Variant for S7comm-plus.
const variantPlus = 1

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "Siemens S7comm",
		Vendor:    "Siemens",
		TCPPorts:  []uint16{Port},
		Heuristic: protocols.TCP,
		Variants:  []string{PlusID},
	}
}

// Frame implements protocols.Dissector: the TPKT length, or for a COTP
// DT without end of TSDU the TPKT packets up to the DT that ends its TSDU,
// so that a PDU sent in several DTs is dissected whole (see Dissect). A
// TSDU broken off by anything but a DT is framed up to where it breaks.
func (*Dissector) Frame(b []byte) (int, error) {
	n, err := frameTPKT(b)
	if err != nil || n == 0 || n > len(b) || !openDT(b[:n]) {
		return n, err
	}
	for end := n; ; {
		rest := b[end:]
		if len(rest) < minPacket {
			return end + minPacket, nil // enough to tell the next TPDU
		}
		k, err := frameTPKT(rest)
		if err != nil || rest[4] < 2 || rest[5] != tpduDT {
			return end, nil
		}
		end += k
		if k > len(rest) || rest[6]&dtEOT != 0 {
			return end, nil
		}
	}
}

// frameTPKT is Frame for one TPKT packet.
func frameTPKT(b []byte) (int, error) {
	if len(b) > 0 && b[0] != tpktVersion || len(b) > 1 && b[1] != 0 {
		return 0, protocols.ErrNotPDU
	}
	if len(b) < tpktLen {
		return 0, nil
	}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if n < minPacket {
		return 0, protocols.ErrNotPDU
	}
	return n, nil
}

// openDT reports whether the whole TPKT packet b is a COTP DT whose TSDU
// continues in the next one.
func openDT(b []byte) bool {
	return b[4] >= 2 && b[5] == tpduDT && b[6]&dtEOT == 0
}

// Probe implements protocols.Dissector, for ISO-on-TCP away from port
// 102: one whole TPKT packet holding a COTP connection request or confirm
// to a Siemens TSAP, or a COTP DT with end of TSDU holding a whole S7comm
// PDU (known ROSCTR, reserved bytes zero, header and parameter lengths
// adding up) or S7comm-plus PDU (known version, length and trailer adding
// up). IEC 61850 MMS and other ISO transport users do not pass.
func (d *Dissector) Probe(b []byte, c protocols.Conn) bool {
	if c.Transport != protocols.TCP {
		return false
	}
	n, err := frameTPKT(b)
	if err != nil || n == 0 || n > len(b) {
		return false
	}
	t, ok := parseCOTP(b[:n])
	if !ok {
		return false
	}
	switch t.code {
	case tpduCR, tpduCC:
		k, _ := tsapKind(t.called)
		return k != tsapOther
	case tpduDT:
		if !t.eot || len(t.data) == 0 {
			return false
		}
		switch t.data[0] {
		case protoS7:
			h, ok := parseHeader(t.data)
			return ok && h.end == len(t.data) && h.reservedZero
		case protoS7Plus:
			p, ok := parsePlusHeader(t.data)
			return ok && p.trailer && p.version >= 1 && p.version <= 3
		}
	}
	return false
}

// tpdu is a COTP TPDU: its code (the high nibble of the type byte for
// connection management, 0xF0 for DT), the TSAPs of a CR or CC, and the
// user data of a DT.
type tpdu struct {
	code            uint8
	eot             bool
	calling, called []byte
	data            []byte
}

// COTP CR and CC: length indicator, type and credit, destination and
// source references (2 each), class and options, then parameters (code,
// length, value). DT: length indicator (2), type, end-of-TSDU bit and TPDU
// number, then the user data.
const (
	crFixed        = 7 // LI, type, dst ref, src ref, class
	paramCalling   = 0xc1
	paramCalled    = 0xc2
	dtEOT          = 0x80
	maxTSAPText    = 32
	tsapConnTypeHi = 0x03
)

// parseCOTP reads the COTP TPDU of a whole TPKT packet b.
func parseCOTP(b []byte) (tpdu, bool) {
	var t tpdu
	if len(b) < minPacket || int(binary.BigEndian.Uint16(b[2:])) != len(b) {
		return t, false
	}
	b = b[tpktLen:]
	li := int(b[0])
	if li < 2 || li+1 > len(b) {
		return t, false
	}
	typ := b[1]
	if typ == tpduDT {
		t.code = tpduDT
		t.eot = b[2]&dtEOT != 0
		t.data = b[li+1:]
		return t, true
	}
	t.code = typ & 0xf0
	if t.code != tpduCR && t.code != tpduCC {
		return t, true
	}
	if li+1 != len(b) || li < crFixed-1 {
		return t, false
	}
	for p := b[crFixed:]; len(p) >= 2; {
		l := int(p[1])
		if 2+l > len(p) {
			return t, false
		}
		switch p[0] {
		case paramCalling:
			t.calling = p[2 : 2+l]
		case paramCalled:
			t.called = p[2 : 2+l]
		}
		p = p[2+l:]
	}
	return t, true
}

// parseTSDU reads m's payload as Frame cut it: one TPKT packet, or the
// DTs of one TSDU, whose user data it joins in m's scratch buffer. The
// joined TPDU ends its TSDU only if its last DT does.
func parseTSDU(m *protocols.Message) (tpdu, bool) {
	b := m.Payload
	if len(b) < minPacket {
		return tpdu{}, false
	}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if n >= len(b) {
		return parseCOTP(b)
	}
	t, ok := parseCOTP(b[:n])
	if !ok || t.code != tpduDT || t.eot {
		return t, false
	}
	data := append(m.Scratch(len(b)), t.data...)
	for b = b[n:]; len(b) > 0; b = b[n:] {
		if len(b) < minPacket {
			return t, false
		}
		n = min(int(binary.BigEndian.Uint16(b[2:])), len(b))
		next, ok := parseCOTP(b[:n])
		if !ok || next.code != tpduDT {
			return t, false
		}
		data = append(data, next.data...)
		t.eot = next.eot
	}
	t.data = data
	return t, true
}

// What a TSAP says about the connection.
const (
	tsapOther = iota // not a Siemens S7 TSAP (MMS uses 0x0001)
	tsapS7           // two bytes: connection type (1 PG, 2 OP, 3 S7 basic), rack and slot
	tsapText         // S7-1200/1500 "SIMATIC-ROOT-..." TSAPs of S7comm-plus sessions
)

func tsapKind(t []byte) (kind int, name string) {
	switch {
	case len(t) == 2 && t[0] >= 1 && t[0] <= tsapConnTypeHi:
		return tsapS7, ""
	case len(t) > 8 && len(t) <= maxTSAPText && string(t[:8]) == "SIMATIC-":
		switch string(t) {
		case "SIMATIC-ROOT-ES":
			return tsapText, "SIMATIC-ROOT-ES"
		case "SIMATIC-ROOT-HMI":
			return tsapText, "SIMATIC-ROOT-HMI"
		case "SIMATIC-ROOT-OTHER":
			return tsapText, "SIMATIC-ROOT-OTHER"
		}
		return tsapText, "SIMATIC"
	}
	return tsapOther, ""
}

// Conversation state (Message.State): the last two jobs (PDU reference
// and function, to name the Ack that refuses one), whether the
// conversation is S7 at all (COTP disconnects are reported only then),
// whether it is S7comm-plus, per direction whether a PDU continues in the
// next COTP DT or S7comm-plus frame, and whether the last Userdata request
// asked for the rest of a long answer.
const (
	jobBits          = 25 // reference (16), function (8), valid (1)
	jobValid         = 1 << 24
	jobMask          = 1<<jobBits - 1
	stateS7          = 1 << 50
	statePlus        = 1 << 51
	stateContCli     = 1 << 52 // a DT from the client continues a PDU
	stateContSrv     = 1 << 53 // a DT from the server continues a PDU
	statePlusContCli = 1 << 54 // the client's next S7comm-plus frame continues a PDU
	statePlusContSrv = 1 << 55
	stateFollowUp    = 1 << 56 // the last Userdata request asked for the rest of an answer
)

// contBits returns the state bits of the sender's direction: a PDU
// continued in the next COTP DT, and an S7comm-plus PDU continued in the
// next S7comm-plus frame.
func contBits(fromClient bool) (cont, plusCont uint64) {
	if fromClient {
		return stateContCli, statePlusContCli
	}
	return stateContSrv, statePlusContSrv
}

// rememberJob records a job's PDU reference and function.
func rememberJob(s *uint64, ref uint16, f uint8) {
	job := uint64(ref) | uint64(f)<<16 | jobValid
	if *s&jobMask == job {
		return
	}
	*s = *s&^(jobMask<<jobBits|jobMask) | (*s&jobMask)<<jobBits | job
}

// jobFunction returns the function of the remembered job with PDU
// reference ref.
func jobFunction(s uint64, ref uint16) (uint8, bool) {
	for _, job := range [2]uint64{s & jobMask, s >> jobBits & jobMask} {
		if job&jobValid != 0 && uint16(job) == ref {
			return uint8(job >> 16), true
		}
	}
	return 0, false
}

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	if m.Transport != protocols.TCP {
		return protocols.ErrMalformed
	}
	t, ok := parseTSDU(m)
	if !ok {
		return protocols.ErrMalformed
	}
	if t.code != tpduDT {
		cotp(m, &t)
		return nil
	}
	cont, plusCont := contBits(m.FromClient)
	switch {
	case m.State&cont != 0:
		// The rest of a PDU whose start was reported with its first
		// DT: only its end matters.
		if t.eot {
			m.State &^= cont
		}
		return nil
	case m.State&plusCont != 0:
		// The next frame of an S7comm-plus PDU: each repeats the header,
		// the last ends with the trailer.
		if h, ok := parsePlusHeader(t.data); !ok || h.trailer {
			m.State &^= plusCont
		}
		return nil
	}
	if len(t.data) == 0 {
		return nil // an empty DT: S7-1200 sends them between requests
	}
	var err error
	switch t.data[0] {
	case protoS7:
		err = dissectS7(m, t.data, t.eot)
	case protoS7Plus:
		m.Variant = variantPlus
		var more bool
		more, err = dissectPlus(m, t.data, t.eot)
		if err == nil && more && t.eot {
			m.State |= plusCont
		}
	default:
		return nil // another ISO transport user, such as MMS
	}
	if err != nil {
		return err
	}
	m.State |= stateS7
	if !t.eot {
		m.State |= cont
	}
	return nil
}

// cotp reports a COTP connection message of an S7 conversation: a
// connection request or confirm to a Siemens TSAP, and disconnects and
// errors of a conversation already known to be S7.
func cotp(m *protocols.Message, t *tpdu) {
	kind := protocols.KindAuto
	switch t.code {
	case tpduCR, tpduCC:
		k, name := tsapKind(t.called)
		if k == tsapOther {
			return
		}
		m.State |= stateS7
		if k == tsapText {
			m.State |= statePlus
		}
		if t.code == tpduCR {
			kind = protocols.KindRequest
		} else {
			kind = protocols.KindResponse
		}
		e := emitCOTP(m, t.code, kind)
		if len(t.calling) == 2 {
			e.Add("calling_tsap", protocols.Hex(uint64(binary.BigEndian.Uint16(t.calling)), 4))
		}
		if k == tsapText {
			e.Add("called_tsap", protocols.Text(name))
			return
		}
		e.Add("called_tsap", protocols.Hex(uint64(binary.BigEndian.Uint16(t.called)), 4))
		// The called TSAP's second byte addresses the CPU: rack in
		// bits 7-5, slot in bits 4-0.
		e.Add("rack", protocols.Uint(uint64(t.called[1]>>5)))
		e.Add("slot", protocols.Uint(uint64(t.called[1]&0x1f)))
	case tpduDR, tpduDC, tpduER:
		if m.State&stateS7 == 0 {
			return
		}
		switch t.code {
		case tpduDC:
			kind = protocols.KindResponse
		case tpduER:
			kind = protocols.KindOther
		}
		e := emitCOTP(m, t.code, kind)
		e.Error = t.code == tpduER
	}
}

func emitCOTP(m *protocols.Message, code uint8, kind protocols.Kind) *protocols.Event {
	if m.State&statePlus != 0 {
		m.Variant = variantPlus
	}
	return m.Emit(COTPBase+uint32(code), cotpName(code), kind)
}
