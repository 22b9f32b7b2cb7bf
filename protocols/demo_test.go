package protocols_test

import (
	"encoding/binary"

	"mimamori/protocols"
)

// demo is a made-up protocol for the framework's tests. A PDU is "DM",
// a 2-byte big-endian length of what follows the 4-byte header, a kind
// byte ('Q' request, 'R' response, 'O' other, 'A' auto, 'S' a response
// that answers the last request, as SLMP's do), a code byte and data. Code 0xEE carries the sender's model name as data; code 0xE0 is
// an error response.
type demo struct{}

const (
	demoPort      = 7000
	demoEtherType = 0x88b5
)

func newDemo() protocols.Dissector { return demo{} }

func (demo) Info() protocols.Info {
	return protocols.Info{ID: "demo", Name: "Demo", Vendor: "Acme",
		TCPPorts: []uint16{demoPort}, UDPPorts: []uint16{demoPort},
		EtherTypes: []uint16{demoEtherType}, Heuristic: protocols.TCP | protocols.UDP, KeysIdentities: true}
}

func (demo) Frame(b []byte) (int, error) {
	if len(b) >= 1 && b[0] != 'D' || len(b) >= 2 && b[1] != 'M' {
		return 0, protocols.ErrNotPDU
	}
	if len(b) < 4 {
		return 0, nil
	}
	return 4 + int(binary.BigEndian.Uint16(b[2:])), nil
}

func (d demo) Probe(b []byte, _ protocols.Conn) bool {
	n, err := d.Frame(b)
	return err == nil && n >= 6 && n <= len(b)
}

func (demo) Dissect(m *protocols.Message) error {
	b := m.Payload
	if len(b) < 6 || b[0] != 'D' || b[1] != 'M' || 4+int(binary.BigEndian.Uint16(b[2:])) != len(b) {
		return protocols.ErrMalformed
	}
	kind := protocols.KindAuto
	switch b[4] {
	case 'Q':
		kind = protocols.KindRequest
	case 'R':
		kind = protocols.KindResponse
	case 'O':
		kind = protocols.KindOther
	}
	code := b[5]
	switch {
	case b[4] == 'S':
		// A response that names no code: it answers the last request.
		kind, code = protocols.KindResponse, uint8(m.State)
	case kind == protocols.KindRequest:
		m.State = uint64(code)
	}
	name := ""
	if code < 0x80 {
		name = "Demo Function"
	}
	e := m.Emit(uint32(code), name, kind)
	e.Add("size", protocols.Uint(uint64(len(b)-6)))
	switch code {
	case 0xee:
		m.Identify().Model = b[6:]
	case 0xe0:
		if kind == protocols.KindResponse {
			e.Error = true
			e.Add("status", protocols.Hex(0x2a, 2))
		}
	}
	if len(b) >= 8 && code == 0x10 {
		a := uint64(binary.BigEndian.Uint16(b[6:]))
		e.Add("write_range", protocols.Range("D", a, a+1))
	}
	return nil
}

// Repeat implements protocols.Repeater: the header says all but the
// written address of a write and the model name of an identity (whose
// code an 'S' response takes from the State), and the size of what
// follows. Model names too long for the key are never repeats.
func (demo) Repeat(b []byte, _ bool, key *protocols.RepeatKey) int {
	if len(b) < 6 || 4+int(binary.BigEndian.Uint16(b[2:])) != len(b) {
		return 0
	}
	n := copy(key[:], b[:6])
	switch {
	case b[5] == 0xee || b[4] == 'S':
		if len(b)-6 > len(key)-n {
			return 0
		}
		n += copy(key[n:], b[6:])
	case b[5] == 0x10 && len(b) >= 8:
		n += copy(key[n:], b[6:8])
	}
	return n
}

// RepeatMask implements protocols.RepeatMasker: the header, and what
// Repeat keys of the data.
func (demo) RepeatMask(b []byte, _ bool, m *protocols.RepeatMask) bool {
	if len(b) < 6 {
		return false
	}
	m.Set(0, 6)
	switch {
	case b[5] == 0xee || b[4] == 'S':
		m.Set(6, len(b)-6)
	case b[5] == 0x10 && len(b) >= 8:
		m.Set(6, 2)
	}
	return true
}

// pdu builds a demo PDU.
func pdu(kind byte, code byte, data ...byte) []byte {
	b := []byte{'D', 'M', 0, 0, kind, code}
	b = append(b, data...)
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-4))
	return b
}

// demoRegistry returns a registry holding only demo.
func demoRegistry() *protocols.Registry {
	r, err := protocols.NewRegistry(newDemo)
	if err != nil {
		panic(err)
	}
	return r
}
