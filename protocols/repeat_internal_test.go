package protocols

import "testing"

// TestRepeatDetails checks that a repeat's compact form of its details
// tells apart every two lists of details that merging would not treat as
// one, and that details without a compact form are not remembered.
func TestRepeatDetails(t *testing.T) {
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTracker(reg, Options{})
	key := "read_range"
	keyCopy := string([]byte(key)) // the same text elsewhere in memory
	type attr struct {
		key string
		v   Value
	}
	for _, tc := range []struct {
		name       string
		first, nth []attr
		packs      bool // first has a compact form
		same       bool // nth repeats first
	}{
		{"same range", []attr{{key, Range("D", 100, 131)}}, []attr{{key, Range("D", 100, 131)}}, true, true},
		{"other low", []attr{{key, Range("D", 100, 131)}}, []attr{{key, Range("D", 101, 131)}}, true, false},
		{"other high", []attr{{key, Range("D", 100, 131)}}, []attr{{key, Range("D", 100, 132)}}, true, false},
		{"other tag", []attr{{key, Range("D", 100, 131)}}, []attr{{key, Range("M", 100, 131)}}, true, false},
		{"other area", []attr{{key, RangeIn(0x82, 2, 1, 2)}}, []attr{{key, RangeIn(0x84, 2, 1, 2)}}, true, false},
		{"other width", []attr{{key, RangeIn(0x82, 2, 1, 2)}}, []attr{{key, RangeIn(0x82, 4, 1, 2)}}, true, false},
		{"key elsewhere", []attr{{key, Uint(1)}}, []attr{{keyCopy, Uint(1)}}, true, false},
		{"other kind", []attr{{key, Uint(1)}}, []attr{{key, Hex(1, 2)}}, true, false},
		{"other value", []attr{{key, Uint(1)}}, []attr{{key, Uint(2)}}, true, false},
		{"high bits of a number", []attr{{key, Uint(1)}}, []attr{{key, Uint(1 | 1<<32)}}, true, false},
		{"a number's Hi", []attr{{key, Uint(1)}}, []attr{{key, Value{Kind: ValueUint, Lo: 1, Hi: 5}}}, true, false},
		{"a number's Area", []attr{{key, Uint(1)}}, []attr{{key, Value{Kind: ValueUint, Lo: 1, Area: 5}}}, true, false},
		{"one more detail", []attr{{key, Uint(1)}}, []attr{{key, Uint(1)}, {key, Uint(2)}}, true, false},
		{"one fewer", []attr{{key, Uint(1)}, {key, Uint(2)}}, []attr{{key, Uint(1)}}, true, false},
		{"order", []attr{{key, Uint(1)}, {key, Uint(2)}}, []attr{{key, Uint(2)}, {key, Uint(1)}}, true, false},
		{"none", nil, nil, true, true},
		{"text", []attr{{"frame", Text("3E")}}, []attr{{"frame", Text("3E")}}, true, true},
		{"other text", []attr{{"frame", Text("3E")}}, []attr{{"frame", Text("4E")}}, true, false},
		{"six", []attr{{key, Uint(1)}, {key, Uint(2)}, {key, Uint(3)}, {key, Uint(4)}, {key, Uint(5)}, {key, Hex(6, 4)}},
			[]attr{{key, Uint(1)}, {key, Uint(2)}, {key, Uint(3)}, {key, Uint(4)}, {key, Uint(5)}, {key, Hex(6, 4)}}, true, true},
		{"wide number", []attr{{key, Uint(1 << 32)}}, nil, false, false},
		{"wide range", []attr{{key, Range("D", 1<<16, 1<<16)}}, nil, false, false},
		{"long range", []attr{{key, Range("D", 0, 256)}}, nil, false, false},
		{"big area", []attr{{key, RangeIn(0x100, 2, 0, 1)}}, nil, false, false},
		{"longest range", []attr{{key, Range("D", 0xffff, 0xffff+255)}}, []attr{{key, Range("D", 0xffff, 0xffff+255)}}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var first, nth Event
			for _, a := range tc.first {
				first.Add(a.key, a.v)
			}
			for _, a := range tc.nth {
				nth.Add(a.key, a.v)
			}
			var x repeat
			packs := true
			for i := range int(first.n) {
				w, ok := packValue(&first.attrs[i].Value)
				packs = packs && ok
				x.vals[i] = w
			}
			if packs != tc.packs {
				t.Fatalf("compact form %v, want %v", packs, tc.packs)
			}
			if !packs {
				return
			}
			x.shapes = tr.shapes.find(&first, 0)
			if x.shapes == 0 {
				t.Fatal("no shape list")
			}
			if !tr.sameDetails(&x, &first) {
				t.Error("the first message does not repeat itself")
			}
			if got := tr.sameDetails(&x, &nth); got != tc.same {
				t.Errorf("repeat %v, want %v", got, tc.same)
			}
			if again := tr.shapes.find(&first, 0); again != x.shapes {
				t.Errorf("shape list %d, then %d", x.shapes, again)
			}
		})
	}
}

// TestAggregateOwners checks that an aggregate records two conversations'
// entries for it and refuses a third.
func TestAggregateOwners(t *testing.T) {
	var a aggregate
	for _, step := range []struct {
		slot int32
		want bool
	}{{5, true}, {5, true}, {1, true}, {8, false}, {1, true}, {5, true}} {
		if got := a.own(step.slot); got != step.want {
			t.Errorf("own(%d) = %v after %v, want %v", step.slot, got, a.owners, step.want)
		}
	}
}
