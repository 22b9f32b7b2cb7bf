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

// TestRepeatEntryHolds checks that a remembered message is only taken
// for one that agrees in everything the entry is found by: entries are
// found by a hash, so any two messages may meet in one set.
func TestRepeatEntryHolds(t *testing.T) {
	key := RepeatKey{1, 2, 3}
	base := repeatEntry{key: key, n: 3, before: 7, flow: 42, gen: 5, flags: repeatFromInit | repeatErr}
	type probe struct {
		flow   uint64
		dir    repeatFlags
		key    RepeatKey
		n      int
		before uint64
		gen    uint32
	}
	same := probe{42, repeatFromInit, key, 3, 7, 5}
	for _, tc := range []struct {
		name   string
		change func(*probe)
		want   bool
	}{
		{"the same message", func(*probe) {}, true},
		{"another flow", func(p *probe) { p.flow = 43 }, false},
		{"the other direction", func(p *probe) { p.dir = 0 }, false},
		{"another key", func(p *probe) { p.key[2] = 4 }, false},
		{"a longer key", func(p *probe) { p.n = 4 }, false},
		{"another State", func(p *probe) { p.before = 8 }, false},
		{"another minute", func(p *probe) { p.gen = 6 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := same
			tc.change(&p)
			if got := base.holds(p.flow, p.dir, &p.key, p.n, p.before, p.gen); got != tc.want {
				t.Errorf("holds = %v, want %v", got, tc.want)
			}
			var s repeatSet
			s[1] = base
			if got := s.find(p.flow, p.dir, &p.key, p.n, p.before, p.gen) != nil; got != tc.want {
				t.Errorf("find found %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRepeatTableKeep follows one set of the repeat table as a
// conversation's last messages move into it.
func TestRepeatTableKeep(t *testing.T) {
	var rt repeatTable
	rt.fit(1)
	const gen = 3
	// Keys that meet in one set: found by trying.
	entry := func(k byte) repeatEntry {
		return repeatEntry{key: RepeatKey{k}, n: 1, flow: 9, gen: gen, flags: repeatFromInit}
	}
	set := func(e *repeatEntry) *repeatSet {
		return rt.set(e.flow, e.flags&repeatFromInit, &e.key, int(e.n), e.before)
	}
	first := entry(1)
	var same []repeatEntry
	for k := 2; k < 256 && len(same) < 3; k++ {
		if e := entry(byte(k)); set(&e) == set(&first) {
			same = append(same, e)
		}
	}
	if len(same) < 3 {
		t.Fatal("no three keys meet the first in a set")
	}
	s := set(&first)
	has := func(e repeatEntry) bool {
		return s.find(e.flow, e.flags&repeatFromInit, &e.key, int(e.n), e.before, e.gen) != nil
	}
	stale := first
	stale.gen = gen - 1
	rt.keep(&stale, gen) // of an earlier minute: not kept
	if s[0].gen != 0 || s[1].gen != 0 {
		t.Fatal("an entry of an earlier minute was kept")
	}
	rt.keep(&first, gen)
	rt.keep(&same[0], gen)
	if !has(first) || !has(same[0]) {
		t.Fatal("two messages of one set are not both kept")
	}
	rt.keep(&same[1], gen) // a third evicts the older
	if has(first) || !has(same[0]) || !has(same[1]) {
		t.Errorf("a third message kept %v, %v, %v; want the two newer", has(first), has(same[0]), has(same[1]))
	}
	s[1].gen = gen - 1 // the minute has moved on for one of them
	rt.keep(&same[2], gen)
	if !has(same[1]) || !has(same[2]) {
		t.Error("a stale entry was not the one replaced")
	}
}

// TestRepeatTableFit checks that the table grows with the conversations,
// within its bounds, and never shrinks.
func TestRepeatTableFit(t *testing.T) {
	var rt repeatTable
	for _, tc := range []struct{ convs, sets int }{
		{1, 1 << minRepeatSetBits},
		{16, 1 << minRepeatSetBits},
		{17, 128},
		{1000, 4096},
		{10, 4096},
		{1 << 20, 1 << maxRepeatSetBits},
	} {
		rt.fit(tc.convs)
		if len(rt.sets) != tc.sets || 1<<(64-int(rt.shift)) != tc.sets {
			t.Errorf("fit(%d): %d sets (shift %d), want %d", tc.convs, len(rt.sets), rt.shift, tc.sets)
		}
	}
}
