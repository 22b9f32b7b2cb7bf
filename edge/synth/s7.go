package synth

import "strings"

// S7comm over ISO-on-TCP: TPKT (03 00 length) carries COTP, which first
// connects (CR/CC with TSAPs) and then carries S7 PDUs in DT TPDUs. After
// "setup communication" a panel reads variables (Read Var); a programming
// tool first reads the module identification list (SZL 0x0011).

const (
	s7Job      = 0x01
	s7AckData  = 0x03
	s7UserData = 0x07

	s7FuncReadVar  = 0x04
	s7FuncWriteVar = 0x05
	s7FuncSetup    = 0xf0

	s7AreaM  = 0x83
	s7AreaDB = 0x84
)

type s7Item struct {
	area   byte
	db     uint16
	offset int // byte offset
	size   int // bytes
}

type s7App struct {
	eng              bool
	srcTSAP, dstTSAP uint16
	pdu              uint16 // negotiated PDU size the CPU answers with
	mlfb             string
	ref              uint16
	kind             byte // what the pending request was
	items            []s7Item
}

func newS7(t *Talk, c, s *host) *s7App {
	a := &s7App{eng: t.Engineering, srcTSAP: 0x0200, dstTSAP: 0x0102, pdu: 240, mlfb: "6ES7 315-2EH14-0AB0"}
	if t.Engineering {
		a.srcTSAP = 0x0100 // PG connection
	}
	if strings.Contains(s.Model, "1500") {
		a.dstTSAP, a.pdu, a.mlfb = 0x0101, 480, "6ES7 515-2AM02-0AB0"
	}
	a.items = []s7Item{{s7AreaDB, 10, 0, 64}}
	if c.Role == RoleSCADA {
		a.items = []s7Item{{s7AreaDB, 1, 0, 32}, {s7AreaM, 0, 0, 16}}
	}
	return a
}

const (
	s7KindConnect = iota
	s7KindSetup
	s7KindSZL
	s7KindRead
)

// tpkt starts a TPKT + COTP DT frame; s7Finish patches the TPKT length.
func tpktDT(b []byte) []byte { return append(b, 0x03, 0x00, 0, 0, 0x02, 0xf0, 0x80) }

func tpktLength(b []byte, start int) []byte {
	n := len(b) - start
	b[start+2], b[start+3] = byte(n>>8), byte(n)
	return b
}

// s7Header appends an S7 header; lengths are patched by s7Lengths.
func (a *s7App) s7Header(b []byte, rosctr byte) []byte {
	b = append(b, 0x32, rosctr, 0, 0)
	b = be16(b, a.ref)
	b = append(b, 0, 0, 0, 0)
	if rosctr == s7AckData {
		b = append(b, 0, 0) // error class, error code
	}
	return b
}

func s7Lengths(b []byte, hdr, param, data int) []byte {
	b[hdr+6], b[hdr+7] = byte(param>>8), byte(param)
	b[hdr+8], b[hdr+9] = byte(data>>8), byte(data)
	return b
}

func (a *s7App) request(b []byte, x *exchange) []byte {
	start := len(b)
	switch {
	case x.n == 0:
		a.kind = s7KindConnect
		b = append(b, 0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00)
		b = append(b, 0xc1, 0x02, byte(a.srcTSAP>>8), byte(a.srcTSAP))
		b = append(b, 0xc2, 0x02, byte(a.dstTSAP>>8), byte(a.dstTSAP))
		return append(b, 0xc0, 0x01, 0x0a) // TPDU size 1024
	case x.n == 1:
		a.kind = s7KindSetup
		a.ref++
		b = tpktDT(b)
		hdr := len(b)
		b = a.s7Header(b, s7Job)
		b = append(b, s7FuncSetup, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0)
		return tpktLength(s7Lengths(b, hdr, 8, 0), start)
	case a.eng && x.n == 2:
		a.kind = s7KindSZL
		a.ref++
		b = tpktDT(b)
		hdr := len(b)
		b = a.s7Header(b, s7UserData)
		// Parameter head, length 4, request, CPU functions, read SZL, seq 0.
		b = append(b, 0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00)
		b = append(b, 0xff, 0x09, 0x00, 0x04, 0x00, 0x11, 0x00, 0x00) // SZL-ID 0x0011, index 0
		return tpktLength(s7Lengths(b, hdr, 8, 8), start)
	}
	a.kind = s7KindRead
	a.ref++
	b = tpktDT(b)
	hdr := len(b)
	b = a.s7Header(b, s7Job)
	b = append(b, s7FuncReadVar, byte(len(a.items)))
	for _, it := range a.items {
		b = append(b, 0x12, 0x0a, 0x10, 0x02) // variable spec, S7ANY, BYTE
		b = be16(b, uint16(it.size))
		b = be16(b, it.db)
		bit := it.offset * 8
		b = append(b, it.area, byte(bit>>16), byte(bit>>8), byte(bit))
	}
	return tpktLength(s7Lengths(b, hdr, 2+12*len(a.items), 0), start)
}

func (a *s7App) response(b []byte, x *exchange) []byte {
	start := len(b)
	switch a.kind {
	case s7KindConnect:
		b = append(b, 0x03, 0x00, 0x00, 0x16, 0x11, 0xd0, 0x00, 0x01, 0x44, 0x31, 0x00)
		b = append(b, 0xc0, 0x01, 0x0a)
		b = append(b, 0xc1, 0x02, byte(a.srcTSAP>>8), byte(a.srcTSAP))
		return append(b, 0xc2, 0x02, byte(a.dstTSAP>>8), byte(a.dstTSAP))
	case s7KindSetup:
		b = tpktDT(b)
		hdr := len(b)
		b = a.s7Header(b, s7AckData)
		b = append(b, s7FuncSetup, 0x00, 0x00, 0x01, 0x00, 0x01)
		b = be16(b, a.pdu)
		return tpktLength(s7Lengths(b, hdr, 8, 0), start)
	case s7KindSZL:
		b = tpktDT(b)
		hdr := len(b)
		b = a.s7Header(b, s7UserData)
		b = append(b, 0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00)
		b = append(b, 0xff, 0x09, 0x00, 36, 0x00, 0x11, 0x00, 0x00, 0x00, 28, 0x00, 0x01)
		b = be16(b, 0x0001) // record index: module
		b = padded(b, a.mlfb, 20, ' ')
		b = append(b, 0x00, 0xc0, 0x00, 0x04, 0x00, 0x01)
		return tpktLength(s7Lengths(b, hdr, 12, 40), start)
	}
	b = tpktDT(b)
	hdr := len(b)
	b = a.s7Header(b, s7AckData)
	b = append(b, s7FuncReadVar, byte(len(a.items)))
	dataStart := len(b)
	for i, it := range a.items {
		b = append(b, 0xff, 0x04) // success, length in bits
		b = be16(b, uint16(it.size*8))
		for k := 0; k < it.size; k += 2 {
			b = be16(b, procWord(k/2, x.now, uint32(it.db)))
		}
		if it.size%2 == 1 && i < len(a.items)-1 {
			b = append(b, 0)
		}
	}
	return tpktLength(s7Lengths(b, hdr, 2, len(b)-dataStart), start)
}

// setupExchanges: COTP connect and S7 setup communication.
func (a *s7App) setupExchanges() int { return 2 }
