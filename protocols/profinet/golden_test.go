package profinet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/profinet"
)

// captures are the corpus files that carry PROFINET: the profinet
// directory, but for iti_Profinet_Failed.pcap, which despite its name
// holds none (LLDP, ARP, S7comm).
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "profinet/") && rel != "profinet/iti_Profinet_Failed.pcap"
	})
}

// TestGolden pins the ot and identity records of every PROFINET capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// TestTshark checks our per-service counts of DCP against tshark's
// pn_dcp.service_id; our per-code counts of the other frames on the
// EtherType against tshark's pn_rt.frame_id of the frames that are not
// DCP, with tshark's cyclic frame IDs summed per RT class as we count
// them (RTCode); and our per-operation counts of IO-CM against tshark's
// dcerpc.opnum of the packets it dissects as PNIO. All agree exactly,
// except that we also count the connectionless RPC's own packets (ping,
// nocall, fack: codes RPCCodeBase and up), which carry no PNIO operation
// and which tshark does not dissect as PNIO; they are left out. A
// fragmented operation counts once: on its first fragment here, on the
// last (where it reassembles it) in tshark.
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	dcp := goldentest.TsharkField{Filter: "pn_dcp", Field: "pn_dcp.service_id"}
	rt := goldentest.TsharkField{Filter: "pn_rt && !pn_dcp", Field: "pn_rt.frame_id",
		Fold: func(id uint32) uint32 { return profinet.RTCode(uint16(id)) }}
	iocm := goldentest.TsharkField{
		Filter: "dcerpc && (pn_io_device || pn_io_controller || pn_io_supervisor || pn_io_parameterserver)",
		Field:  "dcerpc.opnum",
	}
	rpc := func(code uint32) bool { return code >= profinet.RPCCodeBase }
	for _, rel := range captures(t) {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			// TestGolden checks that the golden file is the capture's
			// output; reading it saves analysing the capture again.
			out, err := os.ReadFile(filepath.Join("testdata", "golden", goldentest.GoldenName(rel, ".jsonl")))
			if err != nil {
				t.Fatal(err)
			}
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, ".txt")), dcp,
				goldentest.Counts(t, out, profinet.ID), nil)
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, "_rt.txt")), rt,
				goldentest.Counts(t, out, profinet.RTID), nil)
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, "_iocm.txt")), iocm,
				goldentest.Counts(t, out, profinet.IOCMID), rpc)
		})
	}
}
