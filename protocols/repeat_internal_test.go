package protocols

import (
	"testing"

	"mimamori/edge/decode"
)

// TestFrameRepeatedMatchesWholeFrame checks that a remembered layer-2
// frame is only taken for a frame that agrees in everything the entry
// holds: entries are found by a hash, so any two frames may meet in one.
func TestFrameRepeatedMatchesWholeFrame(t *testing.T) {
	tr := &Tracker{agg: newAggregator(16)}
	tr.agg.aggs = make([]aggregate, 1)
	base := decode.Packet{SrcMAC: [6]byte{2, 0, 0, 0, 0, 1}, DstMAC: [6]byte{2, 0, 0, 0, 0, 2}, VLAN: 10,
		HasEthernet: true, TimestampNs: 1}
	key := RepeatKey{1, 2, 3}
	const owner, n = 3, 3
	for _, tc := range []struct {
		name   string
		change func(p *decode.Packet, k *RepeatKey, owner, n *int, gen *uint32)
		want   bool
	}{
		{"the same frame", func(*decode.Packet, *RepeatKey, *int, *int, *uint32) {}, true},
		{"another sender", func(p *decode.Packet, _ *RepeatKey, _, _ *int, _ *uint32) { p.SrcMAC[5] = 9 }, false},
		{"another receiver", func(p *decode.Packet, _ *RepeatKey, _, _ *int, _ *uint32) { p.DstMAC[0] = 9 }, false},
		{"another VLAN", func(p *decode.Packet, _ *RepeatKey, _, _ *int, _ *uint32) { p.VLAN = 20 }, false},
		{"another key", func(_ *decode.Packet, k *RepeatKey, _, _ *int, _ *uint32) { k[2] = 4 }, false},
		{"a longer key", func(_ *decode.Packet, _ *RepeatKey, _, n *int, _ *uint32) { *n = 4 }, false},
		{"another dissector", func(_ *decode.Packet, _ *RepeatKey, o, _ *int, _ *uint32) { *o = 4 }, false},
		{"another minute", func(_ *decode.Packet, _ *RepeatKey, _, _ *int, g *uint32) { *g++ }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r frameRepeat
			p := base
			r.remember(&p, owner, &key, n, tr.agg.gen, 0, KindOther, false, true)
			o, m, gen := owner, n, tr.agg.gen
			tr.key = key
			tc.change(&p, &tr.key, &o, &m, &gen)
			tr.agg.gen = gen
			defer func() { tr.agg.gen = r.gen }()
			before := tr.stats.Repeats
			if got := tr.frameRepeated(&r, &p, uint8(o), m); got != tc.want {
				t.Errorf("frameRepeated = %v, want %v", got, tc.want)
			}
			if counted := tr.stats.Repeats - before; (counted == 1) != tc.want {
				t.Errorf("%d repeats counted", counted)
			}
		})
	}
}
