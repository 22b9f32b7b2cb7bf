package s7comm_test

import (
	"slices"
	"strings"
	"testing"

	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/s7comm"
)

// dts sends the S7 PDU of pkt, a whole TPKT packet with one COTP DT, in
// several DTs instead, cut at the given offsets into the PDU; only the
// last DT ends the TSDU.
func dts(pkt string, cuts ...int) []byte {
	pdu := hex(pkt)[7:]
	var out []byte
	from := 0
	for i, to := range append(cuts, len(pdu)) {
		eot := byte(0)
		if i == len(cuts) {
			eot = 0x80
		}
		part := pdu[from:to]
		n := 7 + len(part) // TPKT, then COTP DT: length indicator 2
		out = append(out, 3, 0, byte(n>>8), byte(n), 2, 0xf0, eot)
		out = append(out, part...)
		from = to
	}
	return out
}

// TestTSDUInSeveralDTs sends part of the session of TestSegmentation,
// the write job and the SZL answer each cut into COTP DTs — inside the S7
// header, the parameters and the data — and checks that every way of
// cutting the stream into segments gives the events and the identity
// the PDUs give in one DT.
func TestTSDUInSeveralDTs(t *testing.T) {
	whole := session()[2:8] // setup, the SZL read, the write
	cut := slices.Clone(whole)
	cut[3].Data = dts(szl11Resp, 6, 20, 60, 100)
	cut[4].Data = dts(writeBit, 12)
	play := func(exchange []protocolstest.PDU) ([]string, []*wirepb.Identity, protocols.Stats) {
		h := protocolstest.New(registry(t), protocols.Options{})
		c := h.TCP("10.0.0.1:40000", "10.0.0.2:102")
		for _, p := range exchange {
			c.Send(p.FromClient, p.Data)
		}
		events, ids, st := h.Flush()
		return protocolstest.Summaries(events), ids, st
	}
	want, _, _ := play(whole)
	if !strings.Contains(strings.Join(want, "\n"), "write_range=M:16-19") {
		t.Fatalf("the whole PDUs give no write range: %q", want)
	}
	protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:40000", "10.0.0.2:102", false, cut, want)
	for name, exchange := range map[string][]protocolstest.PDU{"whole": whole, "cut": cut} {
		_, ids, st := play(exchange)
		if len(ids) != 1 || ids[0].GetModel() != "6ES7 315-2EH14-0AB0" || ids[0].GetFirmware() != "V3.2.7" {
			t.Errorf("%s: identities %v", name, ids)
		}
		if st.Malformed != 0 {
			t.Errorf("%s: %d malformed", name, st.Malformed)
		}
	}
}

// TestTSDUBrokenOff sends a job whose TSDU breaks off after its first DT,
// followed by a disconnect: the job is reported from what came, as a DT
// was before TSDUs were framed whole, and the disconnect stays a message
// of its own however the stream is cut — byte by byte too, where the
// framing of the job asks for more bytes than it then takes.
func TestTSDUBrokenOff(t *testing.T) {
	first := dts(writeBit, 12)
	first = first[:int(first[3])] // the first DT only
	stream := slices.Concat(hex(setupJob), first, hex(cotpDR))
	want := []string{
		`s7comm 0x0005 "Write Var" 0a000001:40000>0a000002:102 n=1 q=1 r=0 e=0`,
		`s7comm 0x00f0 "Setup communication" 0a000001:40000>0a000002:102 n=1 q=1 r=0 e=0 pdu_size=480`,
		`s7comm 0x10080 "COTP Disconnect Request" 0a000001:40000>0a000002:102 n=1 q=1 r=0 e=0`,
	}
	ways := map[string][][]byte{
		"each TPDU":              {hex(setupJob), first, hex(cotpDR)},
		"coalesced":              {stream},
		"disconnect cut":         {stream[:len(stream)-5], stream[len(stream)-5:]},
		"inside the next header": protocolstest.Split(stream, len(setupJob)/2+len(first)+3),
		"a byte per segment":     protocolstest.Bytes(stream),
	}
	for name, segs := range ways {
		h := protocolstest.New(registry(t), protocols.Options{})
		c := h.TCP("10.0.0.1:40000", "10.0.0.2:102")
		for _, seg := range segs {
			c.Send(true, seg)
		}
		events, _, st := h.Flush()
		if got := protocolstest.Summaries(events); !slices.Equal(got, want) {
			t.Errorf("%s: events\n got %q\nwant %q", name, got, want)
		}
		if st.Buffers != 0 || st.Malformed != 0 {
			t.Errorf("%s: stats %+v", name, st)
		}
	}
}

func TestFrameTSDU(t *testing.T) {
	two := dts(writeBit, 12)
	firstLen := int(two[3])
	tests := []struct {
		name   string
		stream []byte
		n      int
	}{
		{"whole TSDU", two, len(two)},
		{"first DT only", two[:firstLen], firstLen + 7},
		{"next header cut", two[:firstLen+5], firstLen + 7},
		{"next DT cut", two[:firstLen+9], len(two)},
		{"broken off by a disconnect", append(two[:firstLen:firstLen], hex(cotpDR)...), firstLen},
		{"broken off by garbage", append(two[:firstLen:firstLen], "XXXXXXXX"...), firstLen},
	}
	for _, tt := range tests {
		n, err := s7comm.New().Frame(tt.stream)
		if n != tt.n || err != nil {
			t.Errorf("%s: Frame = %d, %v; want %d", tt.name, n, err, tt.n)
		}
	}
}
