package modbus_test

import (
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/modbus"
)

// captures are the corpus files that carry Modbus/TCP: the Modbus
// directory, the Modbus attacks, and the Modicon (UMAS) capture.
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "modbus/") || strings.HasPrefix(rel, "attacks/") && strings.Contains(rel, "modbus") ||
			strings.HasSuffix(rel, "iti_modicon_test.pcap")
	})
}

// TestGolden pins the ot and identity records of every Modbus capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// TestTshark checks our per-function counts against tshark's
// modbus.func_code on every Modbus capture: they agree exactly (tshark
// reports an exception under its function code without the 0x80 bit, as
// we do).
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	tf := goldentest.TsharkField{Filter: "mbtcp", Field: "modbus.func_code"}
	for _, rel := range captures(t) {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			ours := goldentest.Counts(t, goldentest.OT(t, path), modbus.ID)
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, ".txt")), tf, ours, nil)
		})
	}
}
