package wire

import (
	"fmt"

	"mimamori/edge/wire/wirepb"
)

// tables codes addresses and MACs as indexes into the batch's flow columns
// tables, adding what the flows did not already bring. Index 0 means none;
// n means entry n-1.
type tables struct {
	c     *wirepb.FlowColumns
	addrs map[string]uint32
	macs  map[string]uint32
}

func newTables(c *wirepb.FlowColumns) *tables {
	t := &tables{c: c, addrs: make(map[string]uint32, len(c.Addresses)), macs: make(map[string]uint32, len(c.Macs))}
	for i, a := range c.Addresses {
		if _, ok := t.addrs[string(a)]; !ok {
			t.addrs[string(a)] = uint32(i + 1)
		}
	}
	for i, m := range c.Macs {
		if _, ok := t.macs[string(m)]; !ok {
			t.macs[string(m)] = uint32(i + 1)
		}
	}
	return t
}

func (t *tables) addr(b []byte) uint32 { return index(b, &t.c.Addresses, t.addrs) }

func (t *tables) mac(b []byte) uint32 { return index(b, &t.c.Macs, t.macs) }

// index is b's position in list plus one, appending b if it is new; 0 for
// an empty b.
func index(b []byte, list *[][]byte, seen map[string]uint32) uint32 {
	if len(b) == 0 {
		return 0
	}
	i, ok := seen[string(b)]
	if !ok {
		*list = append(*list, b)
		i = uint32(len(*list))
		seen[string(b)] = i
	}
	return i
}

// strings codes strings as indexes into a list of distinct ones.
type stringTable struct {
	list  *[]string
	index map[string]uint32
}

func (s *stringTable) code(v string) uint32 {
	i, ok := s.index[v]
	if !ok {
		i = uint32(len(*s.list))
		*s.list = append(*s.list, v)
		s.index[v] = i
	}
	return i
}

// lookup resolves table indexes while decoding, failing on any index
// outside its table.
type lookup struct {
	c *wirepb.FlowColumns
}

func (l lookup) addr(i uint32) ([]byte, error) { return entry(l.c.GetAddresses(), i, "address") }

func (l lookup) mac(i uint32) ([]byte, error) { return entry(l.c.GetMacs(), i, "MAC") }

// entry is list[i-1], nil for i == 0, and an error for an index past the
// list.
func entry(list [][]byte, i uint32, what string) ([]byte, error) {
	if i == 0 {
		return nil, nil
	}
	if int(i) > len(list) {
		return nil, fmt.Errorf("%w: %s %d is not in the table", ErrColumns, what, i)
	}
	return list[i-1], nil
}

func str(list []string, i uint32) (string, error) {
	if int(i) >= len(list) {
		return "", fmt.Errorf("%w: string %d of %d", ErrColumns, i, len(list))
	}
	return list[i], nil
}

// secondsFrom codes a time in nanoseconds as whole seconds from minute
// (Unix seconds); zero, no time, comes back as the minute's start, which
// is what readers take a missing time for.
func secondsFrom(ns, minute int64) int64 {
	if ns == 0 {
		return 0
	}
	return ns/1e9 - minute
}

// span is last minus first in whole seconds, never negative.
func span(firstNs, lastNs int64) uint64 {
	if lastNs == 0 || lastNs/1e9 <= firstNs/1e9 {
		return 0
	}
	return uint64(lastNs/1e9 - firstNs/1e9)
}

// maxSpan bounds a decoded span so that first + span cannot overflow.
const maxSpan = 1 << 40

func sameLen(n int, what string, lens ...int) error {
	for _, l := range lens {
		if l != n {
			return fmt.Errorf("%w: a %s column has %d entries for %d", ErrColumns, what, l, n)
		}
	}
	return nil
}
