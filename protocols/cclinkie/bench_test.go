package cclinkie_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/cclinkie"
	"mimamori/protocols/protocolstest"
)

// linkScan is a steady link scan: an IE Field master's RWw and RY, one
// station's RWr and RX, and an IE TSN master's cyclic frame.
func linkScan() []*decode.Packet {
	master, station := [6]byte{0x28, 0xe9, 0x8e, 0, 0, 1}, [6]byte{0x28, 0xe9, 0x8e, 0, 0, 2}
	return []*decode.Packet{
		protocolstest.Frame(master, station, cclinkie.EtherType, field(0x82, 0, 0, 1, '0', 0, 0x01, 14+32)),
		protocolstest.Frame(master, station, cclinkie.EtherType, field(0x83, 0, 0, 1, '0', 0, 0x01, 14+8)),
		protocolstest.Frame(station, master, cclinkie.EtherType, field(0x84, 0, 1, 1, '4', 1, 0x01, 14+32)),
		protocolstest.Frame(station, master, cclinkie.EtherType, field(0x85, 0, 1, 1, '4', 1, 0x01, 14+8)),
		protocolstest.Frame(master, station, cclinkie.EtherType, hex(cyclicM)),
	}
}

// BenchmarkCCLinkIE measures the steady state of a link scan, per frame.
func BenchmarkCCLinkIE(b *testing.B) {
	protocolstest.BenchmarkFrames(b, registry(b), linkScan())
}

// TestSteadyStateAllocs checks that a link scan's steady state allocates
// nothing per frame.
func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckFramesAllocs(t, registry(t), linkScan())
}

// BenchmarkRepeat measures what recognising a frame of the link scan as a
// repeat costs the dissector: Repeat's key, per frame.
func BenchmarkRepeat(b *testing.B) {
	var frames [][]byte
	for _, p := range linkScan() {
		frames = append(frames, p.Payload)
	}
	rp := cclinkie.New().(protocols.Repeater)
	key := new(protocols.RepeatKey)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if rp.Repeat(frames[i%len(frames)], true, key) == 0 {
			b.Fatal("no repeat key")
		}
	}
}
