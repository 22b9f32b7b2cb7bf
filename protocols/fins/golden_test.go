package fins_test

import (
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/fins"
	"mimamori/protocols/goldentest"
)

// captures are the corpus files that carry FINS: the whole fins directory.
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "fins/")
	})
}

// TestGolden pins the ot and identity records of every FINS capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// TestTshark checks our per-command counts against tshark's
// omron.command on every FINS capture. They agree exactly, except that
// we also count the FINS/TCP header commands (node address exchange,
// error notification), which tshark shows without a FINS command code:
// those codes (0x10000 and up) are left out of the comparison.
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	tf := goldentest.TsharkField{Filter: "omron", Field: "omron.command"}
	ours := func(code uint32) bool { return code >= fins.TCPCodeBase }
	for _, rel := range captures(t) {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			counts := goldentest.Counts(t, goldentest.OT(t, path), fins.ID)
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, ".txt")), tf, counts, ours)
		})
	}
}
