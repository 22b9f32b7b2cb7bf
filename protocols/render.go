package protocols

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"

	"mimamori/edge/wire/wirepb"
)

// minuteNs is one minute in nanoseconds.
const minuteNs = int64(60e9)

// unknownFunction names codes that the protocol's table does not.
const unknownFunction = "unknown"

// truncatedKey is the detail added to an event that had more distinct
// details than it could keep.
const truncatedKey = "truncated"

// Flush returns the OT events and identities of the minute that starts at
// minuteStartNs, each sorted so the output is a deterministic function of
// the packets, and the minute's statistics; then it starts the next
// minute. Reassembly buffers idle for the whole minute are released.
func (t *Tracker) Flush(minuteStartNs int64) ([]*wirepb.OTEvent, []*wirepb.Identity, Stats) {
	t.foldAll()
	events := t.renderEvents()
	ids := t.renderIdentities()
	st := t.stats
	st.EventsDropped = t.agg.dropped
	st.IdentitiesDropped = t.ids.dropped
	t.sweep(minuteStartNs)
	t.pruneTwins()
	st.Buffers = t.pool.inUse()
	t.stats = Stats{}
	t.agg.reset()
	t.ids.reset()
	return events, ids, st
}

// protocolID returns the ID of a protocol number (Registry.protocol).
func (t *Tracker) protocolID(proto uint8) string { return t.reg.ids[proto-1] }

func (t *Tracker) renderEvents() []*wirepb.OTEvent {
	n := len(t.agg.aggs)
	if n == 0 {
		return nil
	}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	aggs := t.agg.aggs
	slices.SortFunc(order, func(x, y int32) int { return t.compareAggs(&aggs[x].key, &aggs[y].key) })

	out := make([]*wirepb.OTEvent, n)
	msgs := make([]wirepb.OTEvent, n)
	slab := make([]byte, 0, n*(16+16+6+6))
	take := func(b []byte) []byte {
		start := len(slab)
		slab = append(slab, b...)
		return slab[start:len(slab):len(slab)]
	}
	var buf [maxAggAttrs]Attr
	var ar attrRenderer
	for i, o := range order {
		a := &aggs[o]
		k := &a.key
		e := &msgs[i]
		out[i] = e
		e.Protocol = t.protocolID(k.proto)
		e.Code = k.code
		e.Function = cmp.Or(a.function, unknownFunction)
		if !k.l2 {
			e.SrcIp, e.DstIp = take(addrBytes(&k.src, k.v6)), take(addrBytes(&k.dst, k.v6))
			e.SrcPort, e.DstPort = uint32(k.sport), uint32(k.dport)
		}
		if a.hasSrcMAC {
			e.SrcMac = take(a.srcMAC[:])
		}
		if a.hasDstMAC {
			e.DstMac = take(a.dstMAC[:])
		}
		e.Vlan = uint32(k.vlan)
		e.Count, e.Requests, e.Responses, e.Errors = a.count, a.requests, a.responses, uint64(a.errors)
		e.FirstUnixNs, e.LastUnixNs = a.first, a.last
		e.Extras = ar.render(t.agg.attrs(a, &buf), a.truncated)
	}
	return out
}

// compareAggs orders events by protocol, endpoints (as their wire bytes),
// VLAN and code.
func (t *Tracker) compareAggs(x, y *aggKey) int {
	// One comparison at a time: cmp.Or would make every one of them,
	// for each of a minute's thousands of comparisons.
	if c := cmp.Compare(t.reg.rank[x.proto-1], t.reg.rank[y.proto-1]); c != 0 {
		return c // as the IDs compare: they are distinct
	}
	if c := bytes.Compare(keyAddr(&x.src, x.v6, x.l2), keyAddr(&y.src, y.v6, y.l2)); c != 0 {
		return c
	}
	if c := cmp.Compare(x.sport, y.sport); c != 0 {
		return c
	}
	if c := bytes.Compare(keyAddr(&x.dst, x.v6, x.l2), keyAddr(&y.dst, y.v6, y.l2)); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(x.dport, y.dport), cmp.Compare(x.vlan, y.vlan), cmp.Compare(x.code, y.code))
}

// addrBytes is the wire form of a 16-byte key address.
func addrBytes(a *[16]byte, v6 bool) []byte {
	if v6 {
		return a[:]
	}
	return a[12:]
}

// keyAddr is the sortable form of a key address: IP or MAC.
func keyAddr(a *[16]byte, v6, l2 bool) []byte {
	if l2 {
		return a[:6]
	}
	return addrBytes(a, v6)
}

func (t *Tracker) renderIdentities() []*wirepb.Identity {
	n := len(t.ids.ids)
	if n == 0 {
		return nil
	}
	out := make([]*wirepb.Identity, n)
	msgs := make([]wirepb.Identity, n)
	var ar attrRenderer
	for i := range t.ids.ids {
		e := &t.ids.ids[i]
		k := &e.key
		id := &msgs[i]
		out[i] = id
		id.Protocol = t.protocolID(k.proto)
		if !k.l2 {
			id.Ip = slices.Clone(addrBytes(&k.addr, k.v6))
		}
		if e.hasMAC {
			id.Mac = slices.Clone(e.mac[:])
		}
		id.Vlan = uint32(k.vlan)
		id.Vendor, id.Product, id.Model = e.vendor, e.product, e.model
		id.Serial, id.Firmware, id.Name = e.serial, e.firmware, e.name
		id.SeenUnixNs = e.seen
		id.Extras = ar.render(e.attrs[:e.nattrs], false)
	}
	slices.SortFunc(out, func(x, y *wirepb.Identity) int {
		return cmp.Or(cmp.Compare(x.Protocol, y.Protocol), bytes.Compare(x.Ip, y.Ip),
			bytes.Compare(x.Mac, y.Mac), cmp.Compare(x.Vlan, y.Vlan))
	})
	return out
}

// attrRenderer turns details into wire Attrs for one Flush, taking the
// Attrs, the pointers to them and their values' bytes from slabs rather
// than allocating each: a minute's events have thousands of details.
type attrRenderer struct {
	sorted []Attr // scratch: one event's details, sorted
	attrs  []wirepb.Attr
	ptrs   []*wirepb.Attr
	values []byte // the values of the event being rendered
	ends   []int  // where each Attr's value ends in values
}

// attrSlab is how many Attrs attrRenderer allocates at a time.
const attrSlab = 512

// render turns details into one Attr per key, sorted by key, each key's
// values sorted and comma-separated.
func (r *attrRenderer) render(attrs []Attr, truncated bool) []*wirepb.Attr {
	if len(attrs) == 0 && !truncated {
		return nil
	}
	sorted := append(r.sorted[:0], attrs...)
	r.sorted = sorted
	slices.SortFunc(sorted, func(x, y Attr) int {
		return cmp.Or(cmp.Compare(x.Key, y.Key), compareValues(&x.Value, &y.Value))
	})
	// Keys, in order, with truncated among them where it sorts.
	n := 0
	for i := range sorted {
		if i == 0 || sorted[i].Key != sorted[i-1].Key {
			n++
		}
	}
	if truncated {
		n++
	}
	if len(r.attrs)+n > cap(r.attrs) {
		r.attrs = make([]wirepb.Attr, 0, max(attrSlab, n))
		r.ptrs = make([]*wirepb.Attr, 0, max(attrSlab, n))
	}
	out := r.attrs[len(r.attrs) : len(r.attrs)+n : len(r.attrs)+n]
	ptrs := r.ptrs[len(r.ptrs) : len(r.ptrs)+n : len(r.ptrs)+n]
	r.attrs, r.ptrs = r.attrs[:len(r.attrs)+n], r.ptrs[:len(r.ptrs)+n]
	r.values, r.ends = r.values[:0], r.ends[:0]
	k := 0
	for i := 0; i < len(sorted); k++ {
		if truncated && truncatedKey < sorted[i].Key {
			truncated = false
			out[k].Key, out[k].Value = truncatedKey, "true"
			r.ends = append(r.ends, -1)
			continue
		}
		key := sorted[i].Key
		out[k].Key = key
		for j := i; i < len(sorted) && sorted[i].Key == key; i++ {
			if i > j {
				r.values = append(r.values, ',')
			}
			r.values = sorted[i].Value.appendTo(r.values)
		}
		r.ends = append(r.ends, len(r.values))
	}
	if truncated {
		out[k].Key, out[k].Value = truncatedKey, "true"
		r.ends = append(r.ends, -1)
	}
	// One string for the event's values, each Attr's a part of it.
	all, start := string(r.values), 0
	for k := range out {
		ptrs[k] = &out[k]
		if end := r.ends[k]; end >= 0 {
			out[k].Value = all[start:end]
			start = end
		}
	}
	return ptrs
}

func compareValues(x, y *Value) int {
	return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Tag, y.Tag), cmp.Compare(x.Width, y.Width),
		cmp.Compare(x.Area, y.Area), cmp.Compare(x.Lo, y.Lo), cmp.Compare(x.Hi, y.Hi))
}

// String renders a value as the wire and the analyze output show it.
func (v Value) String() string {
	if v.Kind == ValueText {
		return v.Tag
	}
	return string(v.appendTo(nil))
}

// appendTo appends the value as String renders it.
func (v Value) appendTo(b []byte) []byte {
	switch v.Kind {
	case ValueUint:
		return strconv.AppendUint(b, v.Lo, 10)
	case ValueHex:
		return appendHex(b, v.Lo, v.Width)
	case ValueRange:
		switch {
		case v.Tag != "":
			b = append(b, v.Tag...)
			b = append(b, ':')
		case v.Width > 0:
			b = appendHex(b, v.Area, v.Width)
			b = append(b, ':')
		}
		b = strconv.AppendUint(b, v.Lo, 10)
		if v.Hi != v.Lo {
			b = append(b, '-')
			b = strconv.AppendUint(b, v.Hi, 10)
		}
		return b
	case ValueText:
		return append(b, v.Tag...)
	}
	return b
}

// appendHex appends v as 0x followed by at least digits hex digits.
func appendHex(b []byte, v uint64, digits uint8) []byte {
	b = append(b, "0x"...)
	n := 1
	for x := v >> 4; x != 0; x >>= 4 {
		n++
	}
	for ; int(digits) > n; digits-- {
		b = append(b, '0')
	}
	return strconv.AppendUint(b, v, 16)
}
