package protocols

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"mimamori/edge/wire/wirepb"
)

// TestRenderAttrs compares attrRenderer, over many events rendered in a
// row as in one Flush, with the rendering spelled out plainly: values
// formatted with fmt, grouped by key, sorted, and truncated added.
func TestRenderAttrs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	keys := []string{"area", "class", "truncated", "unit", "zone"}
	var r attrRenderer
	var got [][]*wirepb.Attr
	var want [][]string
	for range 3000 {
		var attrs []Attr
		for range rng.IntN(6) {
			v := Value{Kind: ValueKind(1 + rng.IntN(4)), Lo: rng.Uint64N(1 << uint(1+rng.IntN(40))), Width: uint8(rng.IntN(9))}
			switch v.Kind {
			case ValueRange:
				v.Hi = v.Lo + rng.Uint64N(3)
				v.Area = rng.Uint64N(300)
				if rng.IntN(2) == 0 {
					v.Tag = "D"
				}
			case ValueText:
				v.Tag = fmt.Sprint("t", rng.IntN(3))
			}
			attrs = append(attrs, Attr{Key: keys[rng.IntN(len(keys))], Value: v})
		}
		truncated := rng.IntN(4) == 0
		got = append(got, r.render(attrs, truncated))
		want = append(want, plainAttrs(attrs, truncated))
	}
	for i := range got {
		var g []string
		for _, a := range got[i] {
			g = append(g, a.Key+"="+a.Value)
		}
		if !slices.Equal(g, want[i]) {
			t.Fatalf("event %d: rendered %q, want %q", i, g, want[i])
		}
	}
}

// plainAttrs is what render returns, as key=value strings.
func plainAttrs(attrs []Attr, truncated bool) []string {
	sorted := slices.Clone(attrs)
	slices.SortFunc(sorted, func(x, y Attr) int {
		if x.Key != y.Key {
			return strings.Compare(x.Key, y.Key)
		}
		return compareValues(&x.Value, &y.Value)
	})
	var out []string
	for i := 0; i < len(sorted); {
		var vals []string
		j := i
		for ; j < len(sorted) && sorted[j].Key == sorted[i].Key; j++ {
			vals = append(vals, plainValue(sorted[j].Value))
		}
		out = append(out, sorted[i].Key+"="+strings.Join(vals, ","))
		i = j
	}
	if truncated {
		out = append(out, truncatedKey+"=true")
		sort.SliceStable(out, func(a, b int) bool {
			return strings.SplitN(out[a], "=", 2)[0] < strings.SplitN(out[b], "=", 2)[0]
		})
	}
	return out
}

// plainValue formats v as Value's documentation says.
func plainValue(v Value) string {
	hex := func(x uint64) string { return fmt.Sprintf("0x%0*x", int(v.Width), x) }
	switch v.Kind {
	case ValueUint:
		return fmt.Sprint(v.Lo)
	case ValueHex:
		return hex(v.Lo)
	case ValueRange:
		s := fmt.Sprint(v.Lo)
		if v.Hi != v.Lo {
			s += fmt.Sprint("-", v.Hi)
		}
		switch {
		case v.Tag != "":
			return v.Tag + ":" + s
		case v.Width > 0:
			return hex(v.Area) + ":" + s
		}
		return s
	case ValueText:
		return v.Tag
	}
	return ""
}
