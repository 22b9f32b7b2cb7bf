package cclinkie_test

import (
	"errors"
	"io"
	"maps"
	"testing"

	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/decode"
	"mimamori/protocols/cclinkie"
	"mimamori/protocols/goldentest"
)

// captures are the corpus files that carry CC-Link IE frames: NTT's IE
// Field/Control test frames (22 field-style frame types, all version
// Field) and its IE TSN frames (the six TSN types, and test data frames
// of each protocol version).
var captures = []string{
	"cclink-ie-field-control/nttcom_cc_link_ief.pcap",
	"cclink-ie-tsn/nttcom_noip_test2_tsn_l2frames.pcapng",
}

// TestGolden pins the ot and identity records of every CC-Link IE
// capture; -update rewrites them. tshark has no dissector for EtherType
// 0x890F (it shows the frames as data), so there are no counts to compare
// with; TestFrameCounts checks the per-type counts against the frames'
// first bytes instead.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures)
}

// TestFrameCounts checks, in place of a tshark comparison, that every
// 0x890F frame of each capture is counted once under its frame type: the
// per-code counts over the three protocol ids equal a tally of the
// frames' first bytes.
func TestFrameCounts(t *testing.T) {
	for _, rel := range captures {
		t.Run(rel, func(t *testing.T) {
			path := capturetest.Path(t, rel)
			out := goldentest.OT(t, path)
			got := map[uint32]uint64{}
			for _, id := range []string{cclinkie.ID, cclinkie.ControlID, cclinkie.TSNID} {
				for code, n := range goldentest.Counts(t, out, id) {
					got[code] += n
				}
			}
			if want := frameTypes(t, path); !maps.Equal(got, want) {
				t.Errorf("counts per frame type %v, frames %v", got, want)
			}
		})
	}
}

// frameTypes tallies the first payload byte of a capture's 0x890F frames.
func frameTypes(t *testing.T, path string) map[uint32]uint64 {
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dec := decode.New()
	var p decode.Packet
	counts := map[uint32]uint64{}
	for {
		data, ci, link, err := src.ReadPacket()
		if errors.Is(err, io.EOF) {
			return counts
		}
		if err != nil {
			t.Fatal(err)
		}
		if dec.Decode(data, ci, link, &p) == nil && uint16(p.EtherType) == cclinkie.EtherType && len(p.Payload) > 0 {
			counts[uint32(p.Payload[0])]++
		}
	}
}
