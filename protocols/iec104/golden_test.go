package iec104_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/iec104"
)

// captures are the corpus files that carry IEC 104: the whole iec104
// directory.
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "iec104/")
	})
}

// TestGolden pins the ot and identity records of every IEC 104 capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// tsharkViews are the three ways tshark's counts are compared with ours:
// ASDU type identifications (our I-format codes), U-format functions
// (tshark's utype is the first control octet shifted right by two), and
// APDU formats (tshark's type: 0 I, 1 S, 3 U).
var tsharkViews = []struct {
	name  string
	field goldentest.TsharkField
	ours  func(code uint32) (uint32, bool)
}{
	{"typeid", goldentest.TsharkField{Filter: "iec60870_asdu", Field: "iec60870_asdu.typeid"},
		func(c uint32) (uint32, bool) { return c, c < iec104.UCodeBase }},
	{"utype", goldentest.TsharkField{Filter: "iec60870_104.type == 3", Field: "iec60870_104.utype"},
		func(c uint32) (uint32, bool) {
			return (c - iec104.UCodeBase) >> 2, c > iec104.UCodeBase && c < iec104.SCode
		}},
	{"type", goldentest.TsharkField{Filter: "iec60870_104", Field: "iec60870_104.type"},
		func(c uint32) (uint32, bool) {
			switch {
			case c < iec104.UCodeBase:
				return 0, true
			case c == iec104.SCode:
				return 1, true
			}
			return 3, true
		}},
}

// TestTshark checks our counts against tshark's on every IEC 104 capture,
// in each of tsharkViews. They agree exactly on iti_090813_diverse. The
// other capture, iti_TestDissectIec104, is a dissector test: its first
// five conversations are APDUs behind garbage prefixes, cut short or
// with impossible lengths. tshark skips bytes until it finds a start byte
// and shows what follows, even when cut short; we cut the stream by the
// APDU length from its start and drop what does not start with one (the
// stream resumes at the next segment that does), and an I-format APDU
// too short for an ASDU header is malformed. There the comparison is
// limited to the capture's one well-formed conversation (client port
// 1578), on which the counts agree exactly.
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	for _, rel := range captures(t) {
		port := 0
		if strings.HasSuffix(rel, "iti_TestDissectIec104.pcap") {
			port = 1578
		}
		for _, v := range tsharkViews {
			t.Run(rel+"/"+v.name, func(t *testing.T) {
				path := filepath.Join(dir, rel)
				mine := map[uint32]uint64{}
				for c, n := range countsOn(t, goldentest.OT(t, path), port) {
					if k, ok := v.ours(c); ok {
						mine[k] += n
					}
				}
				tf := v.field
				if port != 0 {
					tf.Filter = fmt.Sprintf("%s && tcp.port == %d", tf.Filter, port)
				}
				file := filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, "."+v.name+".txt"))
				goldentest.CheckTshark(t, path, file, tf, mine, nil)
			})
		}
	}
}

// countsOn sums the count of our ot records per code, only those with
// port on either side unless port is 0.
func countsOn(t *testing.T, out []byte, port int) map[uint32]uint64 {
	counts := map[uint32]uint64{}
	for _, line := range bytes.Split(out, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r struct {
			Type, Protocol string
			Code           uint32
			Count          uint64
			SrcPort        int `json:"src_port"`
			DstPort        int `json:"dst_port"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		if r.Type == "ot" && r.Protocol == iec104.ID && (port == 0 || r.SrcPort == port || r.DstPort == port) {
			counts[r.Code] += r.Count
		}
	}
	return counts
}
