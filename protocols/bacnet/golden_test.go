package bacnet_test

import (
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/bacnet"
	"mimamori/protocols/goldentest"
)

// captures are the corpus files that carry BACnet: the whole bacnet
// directory.
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "bacnet/")
	})
}

// TestGolden pins the ot and identity records of every BACnet capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// TestTshark checks our per-service counts against tshark's on every
// BACnet capture, layer by layer: confirmed services
// (bacapp.confirmed_service, which tshark shows on requests, SimpleACK,
// ComplexACK — each segment — and Error PDUs), unconfirmed services
// (bacapp.unconfirmed_service), network layer messages (bacnet.mesgtyp)
// and BVLC functions that carry no NPDU (bvlc.function). They agree
// exactly. Segment-ACK, and Reject and Abort PDUs whose request was not
// seen, have no service in tshark and are left out (codes 0x400 and up);
// a Reject or Abort that answers a request seen in the capture would be
// counted under the request's service, which tshark does not do, but no
// capture of the corpus has one.
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	layers := []struct {
		name string
		base uint32
		tf   goldentest.TsharkField
	}{
		{"confirmed", 0, goldentest.TsharkField{Filter: "bacapp.confirmed_service", Field: "bacapp.confirmed_service"}},
		{"unconfirmed", 0x100, goldentest.TsharkField{Filter: "bacapp.unconfirmed_service", Field: "bacapp.unconfirmed_service"}},
		{"network", 0x200, goldentest.TsharkField{Filter: "bacnet.mesgtyp", Field: "bacnet.mesgtyp"}},
		{"bvlc", 0x300, goldentest.TsharkField{
			Filter: "bvlc && bvlc.function != 4 && bvlc.function != 9 && bvlc.function != 10 && bvlc.function != 11", Field: "bvlc.function"}},
	}
	for _, rel := range captures(t) {
		path := filepath.Join(dir, rel)
		counts := goldentest.Counts(t, goldentest.OT(t, path), bacnet.ID)
		for _, l := range layers {
			t.Run(rel+"/"+l.name, func(t *testing.T) {
				ours := map[uint32]uint64{}
				for code, n := range counts {
					if code >= l.base && code < l.base+0x100 {
						ours[code-l.base] = n
					}
				}
				file := filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, "_"+l.name+".txt"))
				goldentest.CheckTshark(t, path, file, l.tf, ours, nil)
			})
		}
	}
}
