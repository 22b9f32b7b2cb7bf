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
	transportSeq = 0x3f
)

// An application fragment is read whole when it spans at most
// maxFragmentFrames link frames over TCP (4 KB of application data; an
// outstation's fragments are commonly 2,048 bytes, 9 frames). The
// segments of a longer one past the first maxFragmentFrames are reported
// as Transport Segments.
const (
	maxFragmentFrames = 16
	maxFragmentData   = maxFragmentFrames * (maxUserData - 1)
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
func New() protocols.Dissector { return &Dissector{} }

var _ protocols.Dissector = (*Dissector)(nil)

// Info implements protocols.Dissector.
func (*Dissector) Info() protocols.Info {
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
// is there) its CRC say it is one. A frame whose transport segment starts
// an application fragment without finishing it (FIR without FIN) is joined
// by the frames that continue the fragment from the same station, in
// sequence, up to the one with FIN (at most maxFragmentFrames): the PDU is
// the whole fragment, so its objects can be read and it counts once.
func (*Dissector) Frame(b []byte) (int, error) {
	n, err := linkFrame(b)
	if err != nil || n == 0 || n > len(b) || !opensFragment(b) {
		return n, err
	}
	src, seq := binary.LittleEndian.Uint16(b[6:]), b[headerLen]&transportSeq
	for k := 1; k < maxFragmentFrames; k++ {
		next := b[n:]
		if len(next) <= headerLen {
			return n + headerLen + 1, nil // the next header and transport byte decide
		}
		m, err := linkFrame(next)
		if err != nil || !continuesFragment(next, src, (seq+byte(k))&transportSeq) {
			return n, nil // the fragment was left unfinished
		}
		if m > len(next) {
			return n + m, nil
		}
		n += m
		if next[headerLen]&transportFIN != 0 {
			break
		}
	}
	return n, nil
}

// linkFrame is the length of the link frame at b[0], as Frame reports it.
func linkFrame(b []byte) (int, error) {
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

// userDataFrame reports whether the complete link frame header at b[0]
// (with at least the transport byte after it) is primary user data.
func userDataFrame(b []byte) bool {
	f := b[3] & (linkPRM | linkFuncMask)
	return b[2] > minLength && (f == linkPRM|linkConfirmedData || f == linkPRM|linkUnconfirmedData)
}

// opensFragment reports whether the link frame at b[0] carries a
// transport segment that starts a fragment and does not end it.
func opensFragment(b []byte) bool {
	return len(b) > headerLen && userDataFrame(b) && b[headerLen]&(transportFIR|transportFIN) == transportFIR
}

// continuesFragment reports whether the link frame at b[0] carries the
// segment numbered seq that continues a fragment sent by station src.
func continuesFragment(b []byte, src uint16, seq byte) bool {
	return userDataFrame(b) && binary.LittleEndian.Uint16(b[6:]) == src &&
		b[headerLen]&transportFIR == 0 && b[headerLen]&transportSeq == seq
}

// Probe implements protocols.Dissector: a whole link frame, with the start
// bytes, a valid length and a header CRC that checks.
func (d *Dissector) Probe(b []byte, _ protocols.Conn) bool {
	if len(b) < headerLen {
		return false
	}
	n, err := d.Frame(b)
	return err == nil && n <= len(b)
}

// Dissect implements protocols.Dissector. A TCP PDU is one link frame; a
// UDP datagram is read from its first.
func (*Dissector) Dissect(m *protocols.Message) error {
	b := m.Payload
	if len(b) < headerLen || b[0] != start0 || b[1] != start1 || b[2] < minLength || !blockCRCOK(b[:headerLen]) {
		return protocols.ErrMalformed
	}
	n := frameLen(b[2])
	if n > len(b) || m.Transport == protocols.TCP && n != len(b) && !opensFragment(b) {
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
	if m.Transport == protocols.TCP && n < len(b) {
		return fragment(m, b, n, ud[1:], src, dst)
	}
	return application(m, ud[1:], walker{m: m, payload: b[headerLen:n], udLen: len(ud)}, src, dst)
}

// fragment dissects an application fragment of several link frames (Frame
// joined them), first being the first frame's application data.
func fragment(m *protocols.Message, b []byte, n int, first []byte, src, dst uint16) error {
	var buf [maxFragmentData]byte
	app, ok := joinFragment(b, n, first, &buf)
	if !ok {
		return errCRC
	}
	return application(m, app, walker{m: m, joined: true}, src, dst)
}

// application dissects the application layer of a fragment's first
// segment (or of the whole fragment), app being what follows the
// transport byte.
func application(m *protocols.Message, app []byte, w walker, src, dst uint16) error {
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
	w.e, w.fc = e, fc
	w.objects(app, budget)
	return nil
}

// joinFragment copies the application data of the first frame (first,
// already without CRCs and transport byte) and of the frames after it in
// b (from offset n on, each CRC-checked, transport byte dropped) into buf.
func joinFragment(b []byte, n int, first []byte, buf *[maxFragmentData]byte) ([]byte, bool) {
	l := copy(buf[:], first)
	var one [maxUserData]byte
	for n < len(b) {
		if len(b)-n < headerLen || !blockCRCOK(b[n:n+headerLen]) {
			return nil, false
		}
		end := n + frameLen(b[n+2])
		if end > len(b) {
			return nil, false
		}
		ud, ok := userData(b[n+headerLen:end], &one)
		if !ok || len(ud) == 0 {
			return nil, false
		}
		l += copy(buf[l:], ud[1:])
		n = end
	}
	return buf[:l:l], true
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
// their CRCs, checking each. The slice it returns ends where the data do
// (capacity included), so that a read past them fails loudly instead of
// reading the buffer's stale bytes.
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
	return buf[:n:n], true
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
