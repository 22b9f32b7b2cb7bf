package melsoft_test

import (
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/goldentest"
)

// captures are the corpus files that carry MELSOFT: the melsec-melsoft
// directory and the username brute force.
func captures(t *testing.T) []string {
	dir := capturetest.Dir(t)
	var out []string
	for _, f := range capturetest.Files(t) {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "melsec-melsoft/") || rel == "attacks/nozomi_melsoft_cve_2021_20594_username_bruteforce.pcapng" {
			out = append(out, rel)
		}
	}
	return out
}

// TestGolden pins the ot and identity records of every MELSOFT capture;
// -update rewrites them. tshark has no MELSOFT dissector: these files,
// checked against the captures by hand (README.md), are the evidence.
func TestGolden(t *testing.T) {
	dir := capturetest.Dir(t)
	for _, rel := range captures(t) {
		t.Run(rel, func(t *testing.T) {
			got := goldentest.OT(t, filepath.Join(dir, rel))
			goldentest.CheckGolden(t, filepath.Join("testdata", "golden", goldentest.GoldenName(rel, ".jsonl")), got)
		})
	}
}
