package slmp_test

import (
	"testing"

	"mimamori/protocols/goldentest"
)

// captures are the corpus files that carry SLMP. No public capture of
// generic SLMP or MC protocol traffic exists (the reference says so);
// CC-Link IE TSN's SLMP over UDP 45238 is the one real trace, and the
// synthetic factory's SLMP over TCP is pinned in protocols/all.
var captures = []string{
	"cclink-ie-tsn/nttcom_tsn_slmp_udp45238_test.pcap",
}

// TestGolden pins the ot and identity records of every SLMP capture;
// -update rewrites them. tshark has no SLMP dissector to compare with.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures)
}
