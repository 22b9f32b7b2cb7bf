package observe

import (
	"bytes"
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"mimamori/edge/wire/wirepb"
)

// maxNameLen is the longest name kept, the DNS limit for a presentation
// name without its trailing dot.
const maxNameLen = 255

// nameKeyCap is the longest key: source, family, a 16-byte address, a name.
const nameKeyCap = 2 + 16 + maxNameLen

// nameEntry is one (ip, name, source) binding's minute.
type nameEntry struct {
	ip          netip.Addr
	name        string // shares memory with the map key
	source      wirepb.NameSource
	count       uint32
	first, last int64
}

// addName counts one answer binding name to ip. name is scratch memory and
// is copied only when the binding is new this minute: the lookup converts
// the key with string(b) inside the index expression, which the compiler
// does without allocating.
func (t *Table) addName(ip netip.Addr, name []byte, src wirepb.NameSource, ts int64) {
	ip = ip.Unmap().WithZone("")
	if !bindable(ip) || len(name) == 0 || len(name) > maxNameLen {
		return
	}
	key := append(t.keyBuf[:0], byte(src))
	if ip.Is4() {
		a := ip.As4()
		key = append(append(key, 4), a[:]...)
	} else {
		a := ip.As16()
		key = append(append(key, 6), a[:]...)
	}
	prefix := len(key)
	key = append(key, name...)
	t.keyBuf = key

	if e, ok := t.names[string(key)]; ok {
		e.count++
		if ts < e.first {
			e.first = ts
		}
		if ts > e.last {
			e.last = ts
		}
		return
	}
	if len(t.names) >= t.maxNames {
		t.drops.Names++
		return
	}
	e := t.newName()
	k := string(key)
	*e = nameEntry{ip: ip, name: k[prefix:], source: src, count: 1, first: ts, last: ts}
	t.names[k] = e
}

func (t *Table) newName() *nameEntry {
	if n := len(t.freeNames); n > 0 {
		e := t.freeNames[n-1]
		t.freeNames = t.freeNames[:n-1]
		return e
	}
	return new(nameEntry)
}

// printableName reports whether b can go into a protobuf string and be
// shown in the portal: valid UTF-8 without control characters. Names are
// for people; one that fails this is worse than none.
func printableName(b []byte) bool {
	if len(b) == 0 || len(b) > maxNameLen {
		return false
	}
	ascii := true
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.Valid(b)
}

// Flush returns the minute's observations and starts a new minute. Devices
// are sorted by MAC and names by (ip, name, source), so equal input gives
// equal batches. The drop counters are not reset.
func (t *Table) Flush() (devices []*wirepb.Device, names []*wirepb.Name) {
	if len(t.devices) > 0 {
		devices = make([]*wirepb.Device, 0, len(t.devices))
		for _, d := range t.devices {
			devices = append(devices, d.wire())
			d.reset()
			t.freeDevices = append(t.freeDevices, d)
		}
		clear(t.devices)
		slices.SortFunc(devices, func(a, b *wirepb.Device) int {
			return bytes.Compare(a.Mac, b.Mac)
		})
	}

	if len(t.names) > 0 {
		entries := make([]*nameEntry, 0, len(t.names))
		for _, e := range t.names {
			entries = append(entries, e)
		}
		slices.SortFunc(entries, func(a, b *nameEntry) int {
			return cmp.Or(a.ip.Compare(b.ip), strings.Compare(a.name, b.name), cmp.Compare(a.source, b.source))
		})
		names = make([]*wirepb.Name, len(entries))
		for i, e := range entries {
			names[i] = &wirepb.Name{
				Ip:          e.ip.AsSlice(),
				Name:        e.name,
				Source:      e.source,
				Count:       e.count,
				FirstUnixNs: e.first,
				LastUnixNs:  e.last,
			}
			*e = nameEntry{}
		}
		clear(t.names)
		t.freeNames = append(t.freeNames, entries...)
	}
	return devices, names
}

func sortAddrs(ips []netip.Addr) {
	slices.SortFunc(ips, func(a, b netip.Addr) int { return a.Compare(b) })
}
