package cciefbasic_test

import (
	"testing"

	"mimamori/protocols/goldentest"
)

// captures are the corpus files that carry CC-Link IE Field Basic.
var captures = []string{
	"cclink-ief-basic/nttcom_cclink_ief_basic_only.pcap",
}

// TestGolden pins the ot and identity records of every CC-Link IE Field
// Basic capture; -update rewrites them. tshark has no dissector for the
// protocol (it shows the frames as data), so there are no counts to
// compare with; the golden file was checked by hand against the frames:
// 222 requests from the master to the broadcast address, 222 responses
// from the one slave.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures)
}
