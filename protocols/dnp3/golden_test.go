package dnp3_test

import (
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/dnp3"
	"mimamori/protocols/goldentest"
)

// captures are the corpus files that carry DNP3: the whole dnp3
// directory, and a QuickDraw capture that reads a DNP3 outstation besides
// its EtherNet/IP traffic.
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "dnp3/") || rel == "attacks/quickdraw_enip_CL5000EIP-View_Device_Status.pcap"
	})
}

// TestGolden pins the ot and identity records of every DNP3 capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// TestTshark checks our per-function counts against tshark's dnp3.al.func
// on every DNP3 capture. tshark shows an application function once per
// fragment, on the link frame whose transport segment completes it (FIN);
// we count it once too, on the segment that starts it (FIR), which holds
// the application header. The counts agree exactly. Left out of the
// comparison, because tshark shows them without an application function:
// link frames without user data (LinkCodeBase and up: Reset Link States,
// Link Status, ...) and the segments that continue a fragment
// (SegmentCode).
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	tf := goldentest.TsharkField{Filter: "dnp3", Field: "dnp3.al.func"}
	ours := func(code uint32) bool { return code >= dnp3.LinkCodeBase }
	for _, rel := range captures(t) {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			counts := goldentest.Counts(t, goldentest.OT(t, path), dnp3.ID)
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, ".txt")), tf, counts, ours)
		})
	}
}
