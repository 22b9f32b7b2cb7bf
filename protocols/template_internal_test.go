package protocols

import (
	"math/rand/v2"
	"testing"

	"mimamori/edge/decode"
)

// TestRepeatMask checks Set, Has and next against a plain list of bytes.
func TestRepeatMask(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var m RepeatMask
		var want [maskedBytes + 8]bool
		beyond := false
		for range rng.IntN(6) {
			off, n := rng.IntN(maskedBytes+4)-2, rng.IntN(70)
			m.Set(off, n)
			for i := max(off, 0); i < off+n && i < maskedBytes; i++ {
				want[i] = true
			}
			beyond = beyond || n > 0 && off+n > maskedBytes
		}
		for i := maskedBytes; i < len(want); i++ {
			want[i] = beyond // every byte past the reach, once one is marked
		}
		next := maskedBytes
		for i := maskedBytes + 1; i >= -1; i-- {
			if m.Has(i) != (i >= 0 && want[i]) {
				t.Fatalf("Has(%d) = %v", i, m.Has(i))
			}
			if i >= 0 && i < maskedBytes && want[i] {
				next = i
			}
			if i >= 0 && i <= maskedBytes {
				if got := m.next(i); got != next {
					t.Fatalf("next(%d) = %d, want %d", i, got, next)
				}
			}
		}
	}
}

// TestRepeatTemplate checks that a template matches a payload exactly
// when it has the same length and the same marked bytes, that a
// direction's template (dirTemplate.agrees, which spells the comparison
// out again) agrees with it, and that it is refused when the marked bytes
// need more than its words.
func TestRepeatTemplate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fitted := 0
	for range 2000 {
		n := 8 + rng.IntN(300)
		payload := make([]byte, n)
		for i := range payload {
			payload[i] = byte(rng.Uint32())
		}
		var m RepeatMask
		for range 1 + rng.IntN(8) {
			m.Set(rng.IntN(n), 1+rng.IntN(6))
		}
		var tp repeatTemplate
		words := templateWordsFor(&m, n)
		if ok := tp.set(payload, &m); ok != (words <= templateWords && !m.beyond) {
			t.Fatalf("set = %v for marked bytes needing %d words, beyond the mask's reach %v", ok, words, m.beyond)
		} else if !ok {
			if tp.plen != 0 || tp.matches(payload) {
				t.Fatal("a refused template matches")
			}
			continue
		}
		fitted++
		if !tp.matches(payload) {
			t.Fatal("the template does not match its own payload")
		}
		x := dirTemplate{held: heldRepeat{plen: uint16(n), gen: 1}, words: tp}
		if !x.agrees(&decode.Packet{Payload: payload}, 0, 1) {
			t.Fatal("the direction's template does not agree with its own payload")
		}
		other := make([]byte, n)
		for i := range n {
			copy(other, payload)
			other[i] ^= byte(1 + rng.IntN(255))
			if got, want := tp.matches(other), !m.Has(i); got != want {
				t.Fatalf("byte %d of %d changed (marked %v): matches = %v", i, n, m.Has(i), got)
			}
			if got, want := x.agrees(&decode.Packet{Payload: other}, 0, 1), !m.Has(i); got != want {
				t.Fatalf("byte %d of %d changed (marked %v): agrees = %v", i, n, m.Has(i), got)
			}
		}
		if tp.matches(append(payload[:n:n], 0)) || tp.matches(payload[:n-1]) {
			t.Fatal("the template matches a payload of another length")
		}
	}
	if fitted < 500 {
		t.Errorf("only %d of 2000 templates fitted", fitted)
	}
	var tp repeatTemplate
	var m RepeatMask
	m.Set(0, 4)
	if tp.set(make([]byte, 7), &m) || tp.matches(make([]byte, 7)) {
		t.Error("a template of a payload shorter than a word")
	}
	m = RepeatMask{}
	m.Set(maskedBytes-1, 2)
	if tp.set(make([]byte, maskedBytes+8), &m) {
		t.Error("a template of a mask marking a byte beyond its reach")
	}
}

// templateWordsFor counts the words repeatTemplate.set needs for the
// bytes m marks in a payload n bytes long, worked out byte by byte.
func templateWordsFor(m *RepeatMask, n int) int {
	words, covered := 0, -1
	for i := range min(n, maskedBytes) {
		if m.Has(i) && i > covered {
			words++
			covered = min(i, n-8) + 7
		}
	}
	return words
}

// TestTemplatesReused checks that templates go back to the pool when a
// conversation's slot goes to another flow, and that a full pool gives
// none.
func TestTemplatesReused(t *testing.T) {
	var ts templates
	var a, b conv
	ta := ts.get(&a)
	ta[0].held.plen = 9
	if ts.get(&a) != ta || a.tmpl != 1 {
		t.Fatal("a conversation's templates moved")
	}
	ts.release(&a)
	if a.tmpl != 0 {
		t.Fatal("released templates still numbered")
	}
	if tb := ts.get(&b); tb != ta || tb[0].held.plen != 0 || len(ts.all) != 1 {
		t.Fatalf("released templates not reused cleared: %d allocated, plen %d", len(ts.all), tb[0].held.plen)
	}
	ts.all = make([]convTemplates, maxTemplates)
	ts.free = nil
	var c conv
	if ts.get(&c) != nil || c.tmpl != 0 {
		t.Error("templates beyond the bound")
	}
}
