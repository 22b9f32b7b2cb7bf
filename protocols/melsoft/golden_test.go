package melsoft_test

import (
	"strings"
	"testing"

	"mimamori/protocols/goldentest"
)

// captures are the corpus files that carry MELSOFT: the melsec-melsoft
// directory and the username brute force.
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "melsec-melsoft/") || rel == "attacks/nozomi_melsoft_cve_2021_20594_username_bruteforce.pcapng"
	})
}

// TestGolden pins the ot and identity records of every MELSOFT capture;
// -update rewrites them. tshark has no MELSOFT dissector: these files,
// checked against the captures by hand (README.md), are the evidence.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}
