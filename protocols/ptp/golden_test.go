package ptp_test

import (
	"path/filepath"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/ptp"
)

// captures are the corpus files that carry PTP: CC-Link IE TSN's time
// synchronisation (IEEE 802.1AS on EtherType 0x88F7).
var captures = []string{
	"cclink-ie-tsn/nttcom_tsn_ptp_test.pcapng",
}

// TestGolden pins the ot and identity records of every PTP capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures)
}

// TestTshark checks our per-message-type counts against tshark's
// ptp.v2.messagetype on every PTP capture. They agree exactly, the 60
// Follow_Up and Announce messages tshark calls malformed (their bodies
// are cut short of what the types need) included: both count them by
// their header. PTPv1 messages (codes 0x100 and up) have no
// ptp.v2.messagetype and are left out.
func TestTshark(t *testing.T) {
	tf := goldentest.TsharkField{Filter: "ptp", Field: "ptp.v2.messagetype"}
	ours := func(code uint32) bool { return code >= ptp.V1Base }
	for _, rel := range captures {
		t.Run(rel, func(t *testing.T) {
			path := capturetest.Path(t, rel)
			counts := goldentest.Counts(t, goldentest.OT(t, path), ptp.ID)
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, ".txt")), tf, counts, ours)
		})
	}
}
