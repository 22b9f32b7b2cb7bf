// Package melsoft dissects MELSOFT, the engineering protocol of
// Mitsubishi Electric's GX Works and the MELSEC iQ-R/iQ-F CPUs, over TCP
// (ports 5007 and 5562) and UDP (5560): commands by code (login, user
// registration, remote RUN/STOP, safety mode change, file access), failed
// commands as errors, and the CPU model of Open Initial responses as
// identities. See README.md for the contract.
package melsoft

import (
	"encoding/binary"

	"mimamori/protocols"
)

// ID is the protocol id of MELSOFT events and identities.
const ID = "melsoft"

// MELSOFT's ports: TCP 5007 (Q and iQ-R Safety CPUs), TCP 5562 (iQ-R,
// iQ-F), UDP 5560 (search and discovery).
const (
	TCPPort     = 5007
	TCPPortIQ   = 5562
	UDPPort     = 5560
	CodeBase    = 0x10000 // codes of frames without a command code
	checkCode   = CodeBase
	requestByte = 0x57 // first byte of a request
	respByte    = 0xD7 // first byte of a response
	checkReq    = 0x5A // first byte of the short connection check
	checkResp   = 0xDA
)

// The "Ethernet header" (21 bytes): magic (2), sequence number, ...,
// network number (byte 9), unit (10), I/O number (11, 2 bytes LE), ...,
// the size of what follows (19, 2 bytes LE). Bytes 5 and 6 are 0x11 in
// every frame. The command header follows: its type (0x1C in requests,
// 0x9C in responses), a byte, and the size of the rest of it (22 in
// requests, 24 in responses); a response's status is at offset 4 of it.
// Then the command data: command code (2, big-endian), packet reference
// (2), size of the rest (2), the command's data; then the Ethernet
// footer: its size (2), a parameter count and (type, size) pairs.
const (
	headerLen      = 0x15
	sizeOffset     = 0x13
	reqCmdHeader   = 0x18
	respCmdHeader  = 0x1a
	cmdDataHeader  = 6
	minSize        = reqCmdHeader + cmdDataHeader
	statusOffset   = headerLen + 4
	checkReqLen    = 4
	checkRespLen   = 28
	networkOffset  = 9
	ioNumberOffset = 11
)

// Dissector is the MELSOFT dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "MELSOFT",
		Vendor:    "Mitsubishi Electric",
		TCPPorts:  []uint16{TCPPort, TCPPortIQ},
		UDPPorts:  []uint16{UDPPort},
		Heuristic: protocols.TCP | protocols.UDP,
	}
}

// Frame implements protocols.Dissector: the size field of the Ethernet
// header, or the fixed length of a connection check.
func (*Dissector) Frame(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	switch b[0] {
	case checkReq, checkResp:
		// Only the forms seen on TCP: 5A 00 00 FF and its 28-byte
		// answer DA 00 00 FF ...
		for i, want := range [...]byte{b[0], 0x00, 0x00, 0xff} {
			if i >= len(b) {
				return 0, nil
			}
			if b[i] != want {
				return 0, protocols.ErrNotPDU
			}
		}
		if b[0] == checkReq {
			return checkReqLen, nil
		}
		return checkRespLen, nil
	case requestByte, respByte:
	default:
		return 0, protocols.ErrNotPDU
	}
	if len(b) >= 2 && b[1] > 1 || len(b) >= 6 && b[5] != 0x11 || len(b) >= 7 && b[6] != 0x11 {
		return 0, protocols.ErrNotPDU
	}
	if len(b) < headerLen {
		return 0, nil
	}
	size := int(binary.LittleEndian.Uint16(b[sizeOffset:]))
	if size < minSize {
		return 0, protocols.ErrNotPDU
	}
	return headerLen + size, nil
}

// Probe implements protocols.Dissector: a whole request or response with
// the header's constant bytes, a consistent size and the command header
// of its direction.
func (d *Dissector) Probe(b []byte, c protocols.Conn) bool {
	n, err := d.Frame(b)
	if err != nil || n == 0 || n > len(b) || b[0] == checkReq || b[0] == checkResp {
		return false
	}
	if c.Transport == protocols.UDP && n != len(b) {
		return false
	}
	_, ok := commandData(b[:n])
	return ok
}

// commandData returns the command data of a request or response (from
// its command code on) after checking the command header.
func commandData(b []byte) ([]byte, bool) {
	typ, rest := byte(0x1c), byte(reqCmdHeader-2)
	if b[0] == respByte {
		typ, rest = 0x9c, respCmdHeader-2
	}
	if len(b) < headerLen+int(rest)+2+cmdDataHeader || b[headerLen] != typ || b[headerLen+2] != rest {
		return nil, false
	}
	return b[headerLen+2+int(rest):], true
}

// Dissect implements protocols.Dissector.
func (d *Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if len(b) >= 4 && (b[0] == checkReq || b[0] == checkResp) && b[1] == 0 && b[2] == 0 {
		// The short exchange that opens a connection (and, with other
		// forms, UDP discovery): no command code.
		kind := protocols.KindRequest
		if b[0] == checkResp {
			kind = protocols.KindResponse
		}
		m.Emit(checkCode, "", kind)
		return nil
	}
	n, err := d.Frame(b)
	if err != nil || n != len(b) && m.Transport == protocols.TCP || n > len(b) || n == 0 {
		return protocols.ErrMalformed
	}
	b = b[:n]
	data, ok := commandData(b)
	if !ok {
		return protocols.ErrMalformed
	}
	cmd := binary.BigEndian.Uint16(data)
	if b[0] == requestByte {
		e := m.Emit(uint32(cmd), commandName(cmd), protocols.KindRequest)
		e.Add("network", protocols.Uint(uint64(b[networkOffset])))
		e.Add("io_number", protocols.Hex(uint64(binary.LittleEndian.Uint16(b[ioNumberOffset:])), 4))
		request(e, cmd, data)
		return nil
	}
	e := m.Emit(uint32(cmd), commandName(cmd), protocols.KindResponse)
	if status := binary.BigEndian.Uint16(b[statusOffset:]); status != 0 {
		e.Error = true
		e.Add("status", protocols.Hex(uint64(status), 4))
		return nil
	}
	if cmd == cmdOpenInitial {
		openInitial(m, data[cmdDataHeader:])
	}
	return nil
}

// request adds the details of a request's command data: the users a
// registration writes and their access level, and whether the footer
// carries an authorization token.
func request(e *protocols.Event, cmd uint16, data []byte) {
	size := int(binary.LittleEndian.Uint16(data[4:]))
	body := data[cmdDataHeader:]
	if size > len(body) {
		return
	}
	if cmd == cmdUserInfoRegist && size >= 4+0x4A {
		// A count (2, after 2 bytes) and 74-byte user records: name
		// (40, UTF-16), password hash (32), access level (2).
		e.Add("users", protocols.Uint(uint64(binary.LittleEndian.Uint16(body[2:]))))
		level := binary.LittleEndian.Uint16(body[4+0x48:])
		if name := accessLevelName(level); name != "" {
			e.Add("access_level", protocols.Text(name))
		} else {
			e.Add("access_level", protocols.Hex(uint64(level), 4))
		}
	}
	footer := body[size:]
	if len(footer) < 3 {
		return
	}
	params := footer[3:]
	for i := 0; i < int(footer[2]) && 2*i+1 < len(params); i++ {
		if params[2*i] == footerAuthToken {
			e.Add("authorization", protocols.Text("token"))
			return
		}
	}
}

// modelLen is the width of the CPU model name in an Open Initial
// response.
const modelLen = 16

// openInitial reports the CPU model that starts the data of an Open
// Initial response ("R08SFCPU", "FX5U-32MT/ES").
func openInitial(m *protocols.Message, body []byte) {
	if len(body) < modelLen {
		return
	}
	model := body[:modelLen]
	for i, c := range model {
		if c == 0 {
			if i == 0 {
				return
			}
			break
		}
		if c < 0x20 || c > 0x7e {
			return
		}
	}
	m.Identify().Model = model
}
