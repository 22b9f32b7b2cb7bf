// Package dnp3 dissects DNP3 (IEEE 1815) over TCP and UDP: the link
// layer frame with its CRCs, the transport layer, and the application
// layer's function codes by name, with the first object headers (the
// points a control names), the outstation's internal indications as
// errors, the link addresses, and device attributes (group 0) as
// identities. Link frames without user data are events of their own. See
// README.md for the contract.
package dnp3

import (
	"encoding/binary"
	"fmt"

	"mimamori/protocols"
)

// ID is the protocol id of DNP3 events and identities.
const ID = "dnp3"

// Port is DNP3's registered port, on TCP and UDP.
const Port = 20000

// Link frame (IEEE 1815-2012 §9.2.4): start bytes 0x05 0x64, length (the
// bytes from control to the end of the user data, CRCs not counted),
// control, destination and source addresses (little-endian), then a
// CRC over those eight bytes; the user data follow in blocks of at most 16
// bytes, each followed by its CRC.
const (
	start0       = 0x05
	start1       = 0x64
	headerLen    = 10
	crcLen       = 2
	blockLen     = 16
	minLength    = 5 // control and addresses alone
	maxUserData  = 255 - minLength
	maxFrameSize = headerLen + maxUserData + crcLen*((maxUserData+blockLen-1)/blockLen)
)

// Transport header (§8.2): FIN, FIR and a 6-bit sequence number.
const (
	transportFIN = 0x80
	transportFIR = 0x40
)

// Errors of malformed frames, made once: a stream of them must not
// allocate.
var (
	errCRC         = fmt.Errorf("%w: user data CRC", protocols.ErrMalformed)
	errShortHeader = fmt.Errorf("%w: application header cut short", protocols.ErrMalformed)
	errNoIIN       = fmt.Errorf("%w: response without internal indications", protocols.ErrMalformed)
)

// Dissector is the DNP3 dissector. It keeps no state.
type Dissector struct{}

// New returns the dissector, for protocols.NewRegistry.
func New() protocols.Dissector { return Dissector{} }

var _ protocols.Dissector = Dissector{}

// Info implements protocols.Dissector.
func (Dissector) Info() protocols.Info {
	return protocols.Info{
		ID:        ID,
		Name:      "DNP3",
		TCPPorts:  []uint16{Port},
		UDPPorts:  []uint16{Port},
		Heuristic: protocols.TCP | protocols.UDP,
	}
}

// frameLen is the byte length of a link frame whose length field is l:
// the header, the user data and a CRC per started block of 16.
func frameLen(l byte) int {
	n := int(l) - minLength
	return headerLen + n + crcLen*((n+blockLen-1)/blockLen)
}

// Frame implements protocols.Dissector: the link frame's length, from its
// length field, once the start bytes, a valid length and (when the header
// is there) its CRC say it is one.
func (Dissector) Frame(b []byte) (int, error) {
	if len(b) > 0 && b[0] != start0 || len(b) > 1 && b[1] != start1 {
		return 0, protocols.ErrNotPDU
	}
	if len(b) < 3 {
		return 0, nil
	}
	if b[2] < minLength {
		return 0, protocols.ErrNotPDU
	}
	if len(b) >= headerLen && !blockCRCOK(b[:headerLen]) {
		return 0, protocols.ErrNotPDU
	}
	return frameLen(b[2]), nil
}

// Probe implements protocols.Dissector: a whole link frame, with the start
// bytes, a valid length and a header CRC that checks.
func (d Dissector) Probe(b []byte, _ protocols.Conn) bool {
	if len(b) < headerLen {
		return false
	}
	n, err := d.Frame(b)
	return err == nil && n <= len(b)
}

// Dissect implements protocols.Dissector. A TCP PDU is one link frame; a
// UDP datagram is read from its first.
func (Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if len(b) < headerLen || b[0] != start0 || b[1] != start1 || b[2] < minLength || !blockCRCOK(b[:headerLen]) {
		return protocols.ErrMalformed
	}
	n := frameLen(b[2])
	if n > len(b) || m.Transport == protocols.TCP && n != len(b) {
		return protocols.ErrMalformed
	}
	ctrl := b[3]
	dst, src := binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:])
	// The user data without their CRCs, in a buffer of our own: the
	// payload may alias the capture and is not ours to change.
	var buf [maxUserData]byte
	ud, ok := userData(b[headerLen:n], &buf)
	if !ok {
		return errCRC
	}
	f := ctrl & (linkPRM | linkFuncMask)
	if len(ud) == 0 || f != linkPRM|linkConfirmedData && f != linkPRM|linkUnconfirmedData {
		kind := protocols.KindResponse
		if f&linkPRM != 0 {
			kind = protocols.KindRequest
		}
		e := m.Emit(LinkCodeBase+uint32(f), linkFunctionName(f), kind)
		e.Error = linkError(f)
		addresses(e, src, dst)
		return nil
	}
	if ud[0]&transportFIR == 0 {
		continuation(m, src, dst)
		return nil
	}
	app := ud[1:]
	if len(app) < 2 {
		return errShortHeader
	}
	fc := app[1]
	app = app[2:]
	response := fc == fcResponse || fc == fcUnsolicited || fc == fcAuthResponse
	if response && len(app) < 2 {
		return errNoIIN
	}
	remember(m, fc)
	e := m.Emit(uint32(fc), functionName(fc), functionKind(fc))
	addresses(e, src, dst)
	budget := protocols.MaxEventAttrs - 2
	if response {
		iin := binary.BigEndian.Uint16(app)
		if iin&iinErrors != 0 {
			e.Error = true
		}
		if iin&iinNotable != 0 {
			e.Add("iin", protocols.Hex(uint64(iin), 4))
			budget--
		}
		app = app[2:]
	}
	w := walker{m: m, e: e, fc: fc, payload: b[headerLen:n], udLen: len(ud)}
	w.objects(app, budget)
	return nil
}

// addresses adds the link addresses.
func addresses(e *protocols.Event, src, dst uint16) {
	e.Add("link_src", protocols.Uint(uint64(src)))
	e.Add("link_dst", protocols.Uint(uint64(dst)))
}

// The conversation's state is the function of the last first segment each
// side sent (bits 0-7 from the client, 8-15 from the server, bits 16 and
// 17 saying each is set), so that the segments continuing its fragment
// count as requests or responses like it.
const (
	stateClientSet = 1 << 16
	stateServerSet = 1 << 17
)

func remember(m *protocols.Message, fc uint8) {
	if m.FromClient {
		m.State = m.State&^0xff | uint64(fc) | stateClientSet
	} else {
		m.State = m.State&^0xff00 | uint64(fc)<<8 | stateServerSet
	}
}

// continuation reports a transport segment that continues a fragment: its
// application header came in the fragment's first segment, which is where
// the fragment is counted under its function.
func continuation(m *protocols.Message, src, dst uint16) {
	set, shift := uint64(stateClientSet), 0
	if !m.FromClient {
		set, shift = stateServerSet, 8
	}
	kind := protocols.KindAuto
	if m.State&set != 0 {
		kind = functionKind(uint8(m.State >> shift))
	}
	e := m.Emit(SegmentCode, "Transport Segment", kind)
	addresses(e, src, dst)
	if m.State&set != 0 {
		e.Add("fragment_function", protocols.Uint(uint64(uint8(m.State>>shift))))
	}
}

// userData copies the user data blocks of a link frame into buf without
// their CRCs, checking each.
func userData(b []byte, buf *[maxUserData]byte) ([]byte, bool) {
	n := 0
	for len(b) > 0 {
		l := min(len(b), blockLen+crcLen)
		if l <= crcLen || !blockCRCOK(b[:l]) {
			return nil, false
		}
		n += copy(buf[n:], b[:l-crcLen])
		b = b[l:]
	}
	return buf[:n], true
}

// blockCRCOK checks the CRC-16/DNP in a block's last two bytes
// (little-endian) against the bytes before it.
func blockCRCOK(b []byte) bool {
	d := len(b) - crcLen
	return crc16(b[:d]) == binary.LittleEndian.Uint16(b[d:])
}

// crc16 is CRC-16/DNP: polynomial 0x3D65 (reflected 0xA6BC), initial
// value 0, result inverted.
func crc16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c = c>>8 ^ crcTable[byte(c)^x]
	}
	return ^c
}

var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0xa6bc
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()
