// Package fins dissects Omron FINS, over UDP (the datagram is the FINS
// frame) and over TCP (each frame behind the 16-byte FINS/TCP header): the
// command by name, end codes as errors, the memory areas and addresses
// read and written, and Controller Data Read responses (model and
// version) as identities. See README.md for the contract.
package fins

import (
	"encoding/binary"

	"mimamori/protocols"
)

// ID is the protocol id of FINS events and identities.
const ID = "fins"

// Port is FINS's default port, on UDP and TCP.
const Port = 9600

// FINS header (W227 §2): ICF, RSV, GCT, DNA, DA1, DA2, SNA, SA1, SA2, SID,
// then the command code (MRC, SRC) and, in a response, the end code (MRES,
// SRES).
const (
	headerLen    = 10
	commandLen   = headerLen + 2
	responseLen  = commandLen + 2
	icfGateway   = 0x80 // bit 7: gateway used, always set
	icfResponse  = 0x40 // bit 6: 1 = response
	icfReserved  = 0x3e // bits 5-1: must be zero
	endCodeMask  = 0x7f3f
	maxFrameSize = 2048 // a FINS frame is at most about 2 KB (2012 data bytes)
)

// FINS/TCP header: "FINS", length (bytes after this field), command,
// error code, all 4-byte big-endian.
const (
	tcpMagic     = "FINS"
	tcpHeaderLen = 16
	tcpLenField  = 8
)

// Dissector is the FINS dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "Omron FINS",
		Vendor:    "OMRON",
		TCPPorts:  []uint16{Port},
		UDPPorts:  []uint16{Port},
		Heuristic: protocols.TCP | protocols.UDP,
	}
}

// Frame implements protocols.Dissector: the FINS/TCP length.
func (*Dissector) Frame(b []byte) (int, error) {
	if len(b) < tcpLenField {
		if !magicPrefix(b) {
			return 0, protocols.ErrNotPDU
		}
		return 0, nil
	}
	if string(b[:4]) != tcpMagic {
		return 0, protocols.ErrNotPDU
	}
	l := binary.BigEndian.Uint32(b[4:8])
	if l < tcpHeaderLen-tcpLenField || l > maxFrameSize+tcpHeaderLen {
		return 0, protocols.ErrNotPDU
	}
	return tcpLenField + int(l), nil
}

// magicPrefix reports whether b starts like the FINS/TCP magic, as far as
// it goes.
func magicPrefix(b []byte) bool {
	for i := 0; i < len(b) && i < len(tcpMagic); i++ {
		if b[i] != tcpMagic[i] {
			return false
		}
	}
	return true
}

// Probe implements protocols.Dissector. Over TCP: FINS/TCP frames back to
// back, the first complete with a known header command. Over UDP: a FINS
// header with the gateway bit set, reserved bits and byte zero, a gateway
// count of 2 (7 on some CS/CJ routes) and a known command code.
func (d *Dissector) Probe(b []byte, c protocols.Conn) bool {
	if c.Transport == protocols.TCP {
		n, err := d.Frame(b)
		if err != nil || n == 0 || n > len(b) {
			return false
		}
		cmd := binary.BigEndian.Uint32(b[8:12])
		if cmd == tcpFrameSend {
			return n >= tcpHeaderLen+commandLen && plausibleHeader(b[tcpHeaderLen:n])
		}
		return tcpCommandName(cmd) != ""
	}
	return plausibleHeader(b)
}

func plausibleHeader(b []byte) bool {
	if len(b) < commandLen {
		return false
	}
	icf, gct := b[0], b[2]
	if icf&icfGateway == 0 || icf&icfReserved != 0 || b[1] != 0 || (gct != 2 && gct != 7) {
		return false
	}
	if icf&icfResponse != 0 && len(b) < responseLen {
		return false
	}
	return commandName(binary.BigEndian.Uint16(b[headerLen:])) != ""
}

// Dissect implements protocols.Dissector.
func (*Dissector) Dissect(m *protocols.Message) error {
	if m.Transport == protocols.TCP {
		return dissectTCP(m)
	}
	return dissectFrame(m, m.Payload)
}

// dissectTCP reads a FINS/TCP frame: a FINS frame, or one of the header
// commands that set up the connection.
func dissectTCP(m *protocols.Message) error {
	b := m.Payload
	if len(b) < tcpHeaderLen || string(b[:4]) != tcpMagic || tcpLenField+int(binary.BigEndian.Uint32(b[4:8])) != len(b) {
		return protocols.ErrMalformed
	}
	cmd := binary.BigEndian.Uint32(b[8:12])
	errCode := binary.BigEndian.Uint32(b[12:16])
	data := b[tcpHeaderLen:]
	if cmd == tcpFrameSend && errCode == 0 {
		return dissectFrame(m, data)
	}
	kind := protocols.KindAuto
	switch cmd {
	case tcpNodeAddressClient:
		kind = protocols.KindRequest
	case tcpNodeAddressServer, tcpFrameSendError:
		kind = protocols.KindResponse
	}
	e := m.Emit(TCPCodeBase+cmd, tcpCommandName(cmd), kind)
	if errCode != 0 || cmd == tcpFrameSendError {
		e.Error = true
		e.Add("tcp_error", protocols.Hex(uint64(errCode), 2))
	}
	switch {
	case cmd == tcpNodeAddressClient && len(data) >= 4:
		e.Add("client_node", protocols.Uint(uint64(binary.BigEndian.Uint32(data))))
	case cmd == tcpNodeAddressServer && len(data) >= 8:
		e.Add("client_node", protocols.Uint(uint64(binary.BigEndian.Uint32(data))))
		e.Add("server_node", protocols.Uint(uint64(binary.BigEndian.Uint32(data[4:]))))
	}
	return nil
}

// dissectFrame reads a FINS frame (a command or a response).
func dissectFrame(m *protocols.Message, b []byte) error {
	if len(b) < commandLen {
		return protocols.ErrMalformed
	}
	cmd := binary.BigEndian.Uint16(b[headerLen:])
	if b[0]&icfResponse == 0 {
		e := m.Emit(uint32(cmd), commandName(cmd), protocols.KindRequest)
		command(m, e, cmd, b[commandLen:])
		return nil
	}
	e := m.Emit(uint32(cmd), commandName(cmd), protocols.KindResponse)
	if len(b) < responseLen {
		return nil // a response cut short of its end code still counts
	}
	// The end code's flag bits (network relay error, PLC fatal and
	// non-fatal error) describe the PLC, not this command; the rest is
	// the command's result.
	if end := binary.BigEndian.Uint16(b[commandLen:]) & endCodeMask; end != 0 {
		e.Error = true
		e.Add("end_code", protocols.Hex(uint64(end), 4))
		return nil
	}
	if cmd == cmdControllerDataRead {
		controllerData(m, b[responseLen:])
	}
	return nil
}
