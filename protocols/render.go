package protocols

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"strings"

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
		e.Extras = renderAttrs(t.agg.attrs(a, &buf), a.truncated)
	}
	return out
}

// compareAggs orders events by protocol, endpoints (as their wire bytes),
// VLAN and code.
func (t *Tracker) compareAggs(x, y *aggKey) int {
	if c := cmp.Compare(t.protocolID(x.proto), t.protocolID(y.proto)); c != 0 {
		return c
	}
	return cmp.Or(
		bytes.Compare(keyAddr(&x.src, x.v6, x.l2), keyAddr(&y.src, y.v6, y.l2)),
		cmp.Compare(x.sport, y.sport),
		bytes.Compare(keyAddr(&x.dst, x.v6, x.l2), keyAddr(&y.dst, y.v6, y.l2)),
		cmp.Compare(x.dport, y.dport),
		cmp.Compare(x.vlan, y.vlan),
		cmp.Compare(x.code, y.code),
	)
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
		id.Extras = renderAttrs(e.attrs[:e.nattrs], false)
	}
	slices.SortFunc(out, func(x, y *wirepb.Identity) int {
		return cmp.Or(cmp.Compare(x.Protocol, y.Protocol), bytes.Compare(x.Ip, y.Ip),
			bytes.Compare(x.Mac, y.Mac), cmp.Compare(x.Vlan, y.Vlan))
	})
	return out
}

// renderAttrs turns details into one Attr per key, sorted by key, each
// key's values sorted and comma-separated.
func renderAttrs(attrs []Attr, truncated bool) []*wirepb.Attr {
	if len(attrs) == 0 && !truncated {
		return nil
	}
	sorted := slices.Clone(attrs)
	slices.SortFunc(sorted, func(x, y Attr) int {
		return cmp.Or(cmp.Compare(x.Key, y.Key), compareValues(&x.Value, &y.Value))
	})
	var out []*wirepb.Attr
	var sb strings.Builder
	for i := 0; i < len(sorted); {
		j := i
		sb.Reset()
		for ; j < len(sorted) && sorted[j].Key == sorted[i].Key; j++ {
			if j > i {
				sb.WriteByte(',')
			}
			sb.WriteString(sorted[j].Value.String())
		}
		out = append(out, &wirepb.Attr{Key: sorted[i].Key, Value: sb.String()})
		i = j
	}
	if truncated {
		out = append(out, &wirepb.Attr{Key: truncatedKey, Value: "true"})
		slices.SortStableFunc(out, func(x, y *wirepb.Attr) int { return cmp.Compare(x.Key, y.Key) })
	}
	return out
}

func compareValues(x, y *Value) int {
	return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Tag, y.Tag), cmp.Compare(x.Width, y.Width),
		cmp.Compare(x.Area, y.Area), cmp.Compare(x.Lo, y.Lo), cmp.Compare(x.Hi, y.Hi))
}

// String renders a value as the wire and the analyze output show it.
func (v Value) String() string {
	switch v.Kind {
	case ValueUint:
		return strconv.FormatUint(v.Lo, 10)
	case ValueHex:
		return hexString(v.Lo, v.Width)
	case ValueRange:
		var b []byte
		switch {
		case v.Tag != "":
			b = append(b, v.Tag...)
			b = append(b, ':')
		case v.Width > 0:
			b = append(b, hexString(v.Area, v.Width)...)
			b = append(b, ':')
		}
		b = strconv.AppendUint(b, v.Lo, 10)
		if v.Hi != v.Lo {
			b = append(b, '-')
			b = strconv.AppendUint(b, v.Hi, 10)
		}
		return string(b)
	case ValueText:
		return v.Tag
	}
	return ""
}

// hexString renders v as 0x followed by at least digits hex digits.
func hexString(v uint64, digits uint8) string {
	h := strconv.FormatUint(v, 16)
	if pad := int(digits) - len(h); pad > 0 {
		h = strings.Repeat("0", pad) + h
	}
	return "0x" + h
}
