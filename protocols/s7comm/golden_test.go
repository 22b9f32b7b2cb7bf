package s7comm_test

import (
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/s7comm"
)

// captures are the corpus files that carry S7comm or S7comm-plus: the
// s7comm directory, and a PROFINET capture in which an HMI opens (and
// never uses) an S7 connection to the PLC.
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "s7comm/") || rel == "profinet/iti_Profinet_Failed.pcap"
	})
}

// TestGolden pins the ot and identity records of every S7 capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// TestTshark checks our S7comm counts against tshark's on every S7
// capture, four ways:
//
//   - per job function (s7comm.param.func, shown for Job and Ack_Data
//     PDUs): our codes below 0x100. Left out: Acks (codes 0x0200 and
//     up), which carry no function in tshark — we name them after the job
//     they refuse; Userdata (0x7000 and up), compared below; and the COTP
//     connection events (0x10000 and up), which tshark shows as COTP
//     without an S7 function.
//   - Acks (ROSCTR 2) in all: our codes 0x0200-0x02FF.
//   - per Userdata function group (s7comm.param.userdata.funcgroup).
//   - per Userdata subfunction (s7comm.param.userdata.subfunc), except
//     mode transitions (group 0), whose subfunction tshark shows as
//     another field.
//
// S7comm-plus is not in tshark 4.0: its golden records are checked by
// hand against the captures' bytes and the icsnpp-s7comm logs.
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	isUserdata := func(c uint32) bool { return c >= s7comm.UserdataBase && c < s7comm.UserdataBase+0x1000 }
	checks := []struct {
		suffix string
		tf     goldentest.TsharkField
		key    func(code uint32) (uint32, bool) // our code → tshark's value
	}{
		{"", goldentest.TsharkField{Filter: "s7comm", Field: "s7comm.param.func"},
			func(c uint32) (uint32, bool) { return c, c < s7comm.AckBase }},
		{"_ack", goldentest.TsharkField{Filter: "s7comm.header.rosctr == 2", Field: "s7comm.header.rosctr"},
			func(c uint32) (uint32, bool) { return 2, c >= s7comm.AckBase && c < s7comm.AckBase+0x100 }},
		{"_funcgroup", goldentest.TsharkField{Filter: "s7comm.header.rosctr == 7", Field: "s7comm.param.userdata.funcgroup"},
			func(c uint32) (uint32, bool) { return c >> 8 & 0xf, isUserdata(c) }},
		{"_subfunc", goldentest.TsharkField{Filter: "s7comm.header.rosctr == 7", Field: "s7comm.param.userdata.subfunc"},
			func(c uint32) (uint32, bool) { return c & 0xff, isUserdata(c) && c>>8&0xf != 0 }},
	}
	for _, rel := range captures(t) {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			counts := goldentest.Counts(t, goldentest.OT(t, path), s7comm.ID)
			for _, c := range checks {
				mine := map[uint32]uint64{}
				for code, n := range counts {
					if k, ok := c.key(code); ok {
						mine[k] += n
					}
				}
				file := filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, c.suffix+".txt"))
				goldentest.CheckTshark(t, path, file, c.tf, mine, nil)
			}
		})
	}
}

// TestNotMalformed replays every S7 capture, and the IEC 61850 capture
// whose MMS shares port 102, through a Tracker and checks that no message
// is counted as malformed: what the dissector does not know it reports
// under its code or leaves alone, it does not reject.
func TestNotMalformed(t *testing.T) {
	dir := capturetest.Dir(t)
	for _, rel := range append(captures(t), "misc-ics/iti_iec61850_mms_and_goose.pcap") {
		t.Run(rel, func(t *testing.T) {
			src, err := capture.OpenFile(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			h := protocolstest.New(registry(t), protocols.Options{})
			dec := decode.New()
			var p decode.Packet
			for {
				data, ci, link, err := src.ReadPacket()
				if err != nil {
					break
				}
				if dec.Decode(data, ci, link, &p) == nil {
					h.Packet(&p)
				}
			}
			if _, _, st := h.Flush(); st.Malformed != 0 {
				t.Errorf("%d messages malformed", st.Malformed)
			}
		})
	}
}
