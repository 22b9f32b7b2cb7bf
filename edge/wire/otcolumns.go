package wire

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	"mimamori/edge/wire/wirepb"
)

// otToColumns lays events out as OTColumns, adding their addresses and
// MACs to t. Times become whole seconds from minute.
func otToColumns(events []*wirepb.OTEvent, minute int64, t *tables) *wirepb.OTColumns {
	events = slices.Clone(events)
	slices.SortStableFunc(events, compareOT)
	n := len(events)
	c := &wirepb.OTColumns{
		Protocol: make([]uint32, n), Code: make([]uint32, n), Function: make([]uint32, n),
		SrcIp: make([]uint32, n), DstIp: make([]uint32, n), SrcPort: make([]uint32, n), DstPort: make([]uint32, n),
		SrcMac: make([]uint32, n), DstMac: make([]uint32, n), Vlan: make([]uint32, n),
		Requests: make([]uint64, n), Responses: make([]uint64, n), Others: make([]int64, n), Errors: make([]uint64, n),
		FirstS: make([]int64, n), SpanS: make([]uint64, n), Extras: make([]uint32, n),
	}
	s := stringTable{list: &c.Strings, index: make(map[string]uint32)}
	for i, e := range events {
		c.Protocol[i], c.Code[i], c.Function[i] = s.code(e.Protocol), e.Code, s.code(e.Function)
		c.SrcIp[i], c.DstIp[i] = t.addr(e.SrcIp), t.addr(e.DstIp)
		c.SrcPort[i], c.DstPort[i] = e.SrcPort, e.DstPort
		c.SrcMac[i], c.DstMac[i], c.Vlan[i] = t.mac(e.SrcMac), t.mac(e.DstMac), e.Vlan
		c.Requests[i], c.Responses[i], c.Errors[i] = e.Requests, e.Responses, e.Errors
		c.Others[i] = int64(e.Count - e.Requests - e.Responses)
		c.FirstS[i], c.SpanS[i] = secondsFrom(e.FirstUnixNs, minute), span(e.FirstUnixNs, e.LastUnixNs)
		c.Extras[i] = uint32(len(e.Extras))
		for _, a := range e.Extras {
			c.ExtraKey = append(c.ExtraKey, s.code(a.Key))
			c.ExtraValue = append(c.ExtraValue, s.code(a.Value))
		}
	}
	return c
}

// compareOT orders events for the columns: by protocol, destination,
// source and code. One comparison at a time: cmp.Or would make all eight
// for each of a minute's thousands of comparisons.
func compareOT(x, y *wirepb.OTEvent) int {
	if c := cmp.Compare(x.Protocol, y.Protocol); c != 0 {
		return c
	}
	if c := bytes.Compare(x.DstIp, y.DstIp); c != 0 {
		return c
	}
	if c := bytes.Compare(x.DstMac, y.DstMac); c != 0 {
		return c
	}
	if c := cmp.Compare(x.DstPort, y.DstPort); c != 0 {
		return c
	}
	if c := bytes.Compare(x.SrcIp, y.SrcIp); c != 0 {
		return c
	}
	if c := bytes.Compare(x.SrcMac, y.SrcMac); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(x.SrcPort, y.SrcPort), cmp.Compare(x.Code, y.Code))
}

// columnsToOT turns OT columns back into events, resolving addresses and
// MACs in the flow columns' tables (ft, which may be nil if no event has
// any).
func columnsToOT(c *wirepb.OTColumns, ft *wirepb.FlowColumns, minute int64) ([]*wirepb.OTEvent, error) {
	n := len(c.Protocol)
	if n > MaxColumnFlows {
		return nil, fmt.Errorf("%w: %d OT events", ErrColumns, n)
	}
	if err := sameLen(n, "OT event", len(c.Code), len(c.Function), len(c.SrcIp), len(c.DstIp), len(c.SrcPort),
		len(c.DstPort), len(c.SrcMac), len(c.DstMac), len(c.Vlan), len(c.Requests), len(c.Responses),
		len(c.Others), len(c.Errors), len(c.FirstS), len(c.SpanS), len(c.Extras)); err != nil {
		return nil, err
	}
	if len(c.ExtraKey) != len(c.ExtraValue) {
		return nil, fmt.Errorf("%w: %d extra keys for %d values", ErrColumns, len(c.ExtraKey), len(c.ExtraValue))
	}
	l := lookup{ft}
	msgs := make([]wirepb.OTEvent, n)
	out := make([]*wirepb.OTEvent, n)
	next := 0 // the first extra of event i
	for i := range msgs {
		e := &msgs[i]
		out[i] = e
		var err error
		if e.Protocol, err = str(c.Strings, c.Protocol[i]); err != nil {
			return nil, err
		}
		if e.Function, err = str(c.Strings, c.Function[i]); err != nil {
			return nil, err
		}
		if e.SrcIp, err = l.addr(c.SrcIp[i]); err != nil {
			return nil, err
		}
		if e.DstIp, err = l.addr(c.DstIp[i]); err != nil {
			return nil, err
		}
		if e.SrcMac, err = l.mac(c.SrcMac[i]); err != nil {
			return nil, err
		}
		if e.DstMac, err = l.mac(c.DstMac[i]); err != nil {
			return nil, err
		}
		e.Code, e.SrcPort, e.DstPort, e.Vlan = c.Code[i], c.SrcPort[i], c.DstPort[i], c.Vlan[i]
		e.Requests, e.Responses, e.Errors = c.Requests[i], c.Responses[i], c.Errors[i]
		e.Count = e.Requests + e.Responses + uint64(c.Others[i])
		first := minute + c.FirstS[i]
		e.FirstUnixNs, e.LastUnixNs = first*1e9, (first+int64(min(c.SpanS[i], maxSpan)))*1e9
		k := int(c.Extras[i])
		if k > len(c.ExtraKey)-next {
			return nil, fmt.Errorf("%w: event %d has %d extras, %d are left", ErrColumns, i, k, len(c.ExtraKey)-next)
		}
		if k > 0 {
			e.Extras = make([]*wirepb.Attr, k)
			for j := range e.Extras {
				key, err := str(c.Strings, c.ExtraKey[next+j])
				if err != nil {
					return nil, err
				}
				val, err := str(c.Strings, c.ExtraValue[next+j])
				if err != nil {
					return nil, err
				}
				e.Extras[j] = &wirepb.Attr{Key: key, Value: val}
			}
			next += k
		}
	}
	if next != len(c.ExtraKey) {
		return nil, fmt.Errorf("%w: %d extras for %d counted", ErrColumns, len(c.ExtraKey), next)
	}
	return out, nil
}
