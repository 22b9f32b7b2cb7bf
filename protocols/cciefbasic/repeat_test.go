package cciefbasic_test

import (
	"encoding/binary"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/cciefbasic"
	"mimamori/protocols/protocolstest"
)

// scan returns a copy of frame as a later link scan sends it: the
// master's clock and the sequence number moved on, and the cyclic data
// (RWw and RY of the request, RWr and RX of the response) changed.
func scan(frame []byte, cycle int) []byte {
	b := append([]byte(nil), frame...)
	if b[0] == 0x50 {
		binary.LittleEndian.PutUint64(b[39:], uint64(0x1816_8daf_2b00+cycle*50)) // clock, ms
		binary.LittleEndian.PutUint16(b[53:], uint16(0x06d8+cycle))              // sequence number
		for i := 71; i < len(b); i++ {                                           // RWw, RY
			b[i] = byte(i*7 + cycle)
		}
		return b
	}
	binary.LittleEndian.PutUint16(b[57:], uint16(0x06d8+cycle)) // sequence number
	for i := 59; i < len(b); i++ {                              // RWr, RX
		b[i] = byte(i*5 + cycle)
	}
	return b
}

// stations returns a cyclic response carrying n stations' data.
func stations(n int) []byte {
	b := append(hex(cyclicResp), make([]byte, (n-1)*(64+8))...)
	binary.LittleEndian.PutUint16(b[7:], uint16(len(b)-9))
	return b
}

func twoStations() []byte { return stations(2) }

// put returns a copy of b with the 16-bit word at off set to v.
func put(b []byte, off int, v uint16) []byte {
	c := append([]byte(nil), b...)
	binary.LittleEndian.PutUint16(c[off:], v)
	return c
}

func key(t *testing.T, b []byte) (protocols.RepeatKey, int) {
	t.Helper()
	return protocolstest.RepeatKey(t, cciefbasic.New(), b, true)
}

// TestRepeatKeys checks that link scans which differ only in what is left
// out of the key (clock, sequence number, cyclic data) share a key, and
// that anything Dissect reports differently changes it or rules the
// message out.
func TestRepeatKeys(t *testing.T) {
	withVendor := withWord(cyclicResp, 31, 0x0001)
	withModel := hex(cyclicResp)
	binary.LittleEndian.PutUint32(withModel[35:], 0x00000001)
	same := []struct {
		name string
		a, b []byte
	}{
		{"cyclic request", hex(cyclicReq), scan(hex(cyclicReq), 1)},
		{"cyclic request, far apart", scan(hex(cyclicReq), 3), scan(hex(cyclicReq), 200)},
		{"cyclic request, other sub-command", hex(cyclicReq), withWord(cyclicReq, 13, 1)},
		{"cyclic response", hex(cyclicResp), scan(hex(cyclicResp), 1)},
		{"cyclic response with an end code", withWord(cyclicResp, 13, 0xcff0), scan(withWord(cyclicResp, 13, 0xcff0), 9)},
		{"two stations", twoStations(), scan(twoStations(), 2)},
		{"equipment version alone", hex(cyclicResp), withWord(cyclicResp, 39, 3)},
		{"a slave telling its identity", withModel, scan(append([]byte(nil), withModel...), 4)},
	}
	for _, tt := range same {
		ka, na := key(t, tt.a)
		kb, nb := key(t, tt.b)
		if na == 0 || na != nb || ka != kb {
			t.Errorf("%s: keys %x (%d) and %x (%d), want equal", tt.name, ka[:na], na, kb[:nb], nb)
		}
	}
	apart := []struct {
		name string
		a, b []byte
	}{
		{"request, response", hex(cyclicReq), hex(cyclicResp)},
		{"version", hex(cyclicReq), withWord(cyclicReq, 15, 2)},
		{"master state", hex(cyclicReq), withWord(cyclicReq, 35, 2)},
		{"group", hex(cyclicReq), withWord(cyclicReq, 51, 2)},
		{"timeout", hex(cyclicReq), withWord(cyclicReq, 55, 1000)},
		{"parameter number", hex(cyclicReq), withWord(cyclicReq, 59, 12)},
		{"station total", hex(cyclicReq), withWord(cyclicReq, 61, 2)},
		{"response version", hex(cyclicResp), withWord(cyclicResp, 11, 2)},
		{"end code", hex(cyclicResp), withWord(cyclicResp, 13, 0xcfe0)},
		{"end code value", withWord(cyclicResp, 13, 0xcfe0), withWord(cyclicResp, 13, 0xcfe1)},
		{"slave state", hex(cyclicResp), withWord(cyclicResp, 43, 0)},
		{"slave error", hex(cyclicResp), withWord(cyclicResp, 45, 0x0102)},
		{"response group", hex(cyclicResp), withWord(cyclicResp, 55, 2)},
		{"response stations", hex(cyclicResp), twoStations()},
		{"vendor code", hex(cyclicResp), withVendor},
		{"model code", hex(cyclicResp), withModel},
		{"another model", withModel, put(withModel, 35, 2)},
		{"equipment version of an identity", withModel, put(withModel, 39, 3)},
	}
	for _, tt := range apart {
		ka, na := key(t, tt.a)
		kb, nb := key(t, tt.b)
		if na == 0 {
			t.Errorf("%s: no key for the first message", tt.name)
		}
		if nb != 0 && na == nb && ka == kb {
			t.Errorf("%s: both keyed %x", tt.name, ka[:na])
		}
	}
	none := []struct {
		name string
		b    []byte
	}{
		{"other command", hex("500000ffff0300 0800 0000 4242 0100 0000")},
		{"cyclic request of another layout", withWord(cyclicReq, 19, 40)},
		{"cyclic response of another layout", withWord(cyclicResp, 15, 36)},
		{"plain SLMP error response", hex("d00000ffff0300 0b00 59c0 00ffff0300700e0000")},
		{"length wrong", hex(cyclicReq + "00")},
		{"length field wrong", withWord(cyclicReq, 7, 0x0085)},
		{"longer than any link scan", stations(28)},
		{"other station", withWord(cyclicReq, 2, 0x0100)},
		{"not 3E", hex("540000ffff0300 0200 0000")},
		{"request too short for its command", hex("500000ffff0300 0200 0000")},
		{"truncated", hex("500000ffff03")},
		{"empty", nil},
	}
	for _, tt := range none {
		if k, n := key(t, tt.b); n != 0 {
			t.Errorf("%s: keyed %x, want 0", tt.name, k[:n])
		}
	}
}

// TestRepeatContract checks the Repeater contract byte by byte on every
// kind of message the dissector sees, keyed or not.
func TestRepeatContract(t *testing.T) {
	endCode := withWord(cyclicResp, 13, 0xcfe0)
	for _, b := range [][]byte{
		hex(cyclicReq), scan(hex(cyclicReq), 5), withWord(cyclicReq, 15, 2), withWord(cyclicReq, 35, 7),
		withWord(cyclicReq, 61, 16), withWord(cyclicReq, 19, 40),
		hex(cyclicResp), scan(hex(cyclicResp), 5), endCode, withWord(cyclicResp, 45, 0x0102),
		withWord(cyclicResp, 43, 9), withWord(cyclicResp, 31, 1), twoStations(), stations(27), stations(28),
		hex("500000ffff0300 0800 0000 4242 0100 0000"),
		hex("d00000ffff0300 0b00 59c0 00ffff0300700e0000"),
		hex(cyclicReq + "00"), hex("540000ffff0300 0200 0000"), hex("500000ffff0300 0200 0000"),
		hex(cyclicReq)[:66], hex(cyclicResp)[:58],
	} {
		protocolstest.CheckRepeat(t, cciefbasic.New(), b)
	}
}
