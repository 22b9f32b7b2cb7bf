package wire

import (
	"bytes"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire/wirepb"
)

// devicesToColumns lays devices out as DeviceColumns in MAC order, adding
// their addresses and MACs to t. Times become whole seconds from minute.
func devicesToColumns(devices []*wirepb.Device, minute int64, t *tables) *wirepb.DeviceColumns {
	devices = slices.Clone(devices)
	slices.SortStableFunc(devices, func(x, y *wirepb.Device) int { return bytes.Compare(x.Mac, y.Mac) })
	n := len(devices)
	c := &wirepb.DeviceColumns{
		Mac: make([]uint32, n), Ips: make([]uint32, n), Evidence: make([]uint32, n),
		FirstS: make([]int64, n), SpanS: make([]uint64, n),
		SentPackets: make([]uint64, n), SentBytes: make([]uint64, n),
		RecvPackets: make([]uint64, n), RecvBytes: make([]uint64, n),
		Vlan: make([]uint32, n), L2Protocols: make([]uint32, n), MaxTtl: make([]uint32, n),
	}
	for i, d := range devices {
		c.Mac[i], c.Ips[i], c.Evidence[i] = t.mac(d.Mac), uint32(len(d.Ips)), d.Evidence
		for _, ip := range d.Ips {
			c.Ip = append(c.Ip, t.addr(ip))
		}
		c.FirstS[i], c.SpanS[i] = secondsFrom(d.FirstUnixNs, minute), span(d.FirstUnixNs, d.LastUnixNs)
		c.SentPackets[i], c.SentBytes[i] = d.SentPackets, d.SentBytes
		c.RecvPackets[i], c.RecvBytes[i] = d.RecvPackets, d.RecvBytes
		c.Vlan[i], c.L2Protocols[i], c.MaxTtl[i] = d.Vlan, d.L2Protocols, d.MaxTtl
		if rest := deviceRest(d, minute); rest != nil {
			c.RestIndex = append(c.RestIndex, uint32(i))
			c.Rest = append(c.Rest, rest)
		}
	}
	return c
}

// deviceRest is a copy of the fields of d that have no column, or nil if
// it has none of them.
func deviceRest(d *wirepb.Device, minute int64) *wirepb.Device {
	if d.DhcpHostname == "" && len(d.DhcpParams) == 0 && d.DhcpVendorClass == "" && len(d.Fingerprints) == 0 &&
		d.FingerprintsDropped == 0 && d.Browser == nil && d.Link == nil {
		return nil
	}
	return &wirepb.Device{
		DhcpHostname: d.DhcpHostname, DhcpParams: d.DhcpParams, DhcpVendorClass: d.DhcpVendorClass,
		Fingerprints: d.Fingerprints, FingerprintsDropped: d.FingerprintsDropped, Browser: d.Browser, Link: d.Link,
	}
}

// columnsToDevices turns device columns back into devices, resolving
// addresses and MACs in the flow columns' tables (ft).
func columnsToDevices(c *wirepb.DeviceColumns, ft *wirepb.FlowColumns, minute int64) ([]*wirepb.Device, error) {
	n := len(c.Mac)
	if n > MaxColumnFlows {
		return nil, fmt.Errorf("%w: %d devices", ErrColumns, n)
	}
	if err := sameLen(n, "device", len(c.Ips), len(c.Evidence), len(c.FirstS), len(c.SpanS), len(c.SentPackets),
		len(c.SentBytes), len(c.RecvPackets), len(c.RecvBytes), len(c.Vlan), len(c.L2Protocols), len(c.MaxTtl)); err != nil {
		return nil, err
	}
	if len(c.RestIndex) != len(c.Rest) {
		return nil, fmt.Errorf("%w: %d rest positions for %d devices", ErrColumns, len(c.RestIndex), len(c.Rest))
	}
	l := lookup{ft}
	msgs := make([]wirepb.Device, n)
	out := make([]*wirepb.Device, n)
	next, rest := 0, 0
	for i := range msgs {
		d := &msgs[i]
		out[i] = d
		if rest < len(c.RestIndex) && c.RestIndex[rest] == uint32(i) {
			r := c.Rest[rest]
			if r == nil {
				return nil, fmt.Errorf("%w: empty rest for device %d", ErrColumns, i)
			}
			proto.Merge(d, r)
			rest++
		}
		var err error
		if d.Mac, err = l.mac(c.Mac[i]); err != nil {
			return nil, err
		}
		k := int(c.Ips[i])
		if k > len(c.Ip)-next {
			return nil, fmt.Errorf("%w: device %d has %d addresses, %d are left", ErrColumns, i, k, len(c.Ip)-next)
		}
		if k > 0 {
			d.Ips = make([][]byte, k)
			for j := range d.Ips {
				if d.Ips[j], err = l.addr(c.Ip[next+j]); err != nil {
					return nil, err
				}
				if d.Ips[j] == nil {
					return nil, fmt.Errorf("%w: device %d has an empty address", ErrColumns, i)
				}
			}
			next += k
		}
		d.Evidence, d.Vlan, d.L2Protocols, d.MaxTtl = c.Evidence[i], c.Vlan[i], c.L2Protocols[i], c.MaxTtl[i]
		d.SentPackets, d.SentBytes, d.RecvPackets, d.RecvBytes = c.SentPackets[i], c.SentBytes[i], c.RecvPackets[i], c.RecvBytes[i]
		first := minute + c.FirstS[i]
		d.FirstUnixNs, d.LastUnixNs = first*1e9, (first+int64(min(c.SpanS[i], maxSpan)))*1e9
	}
	if rest != len(c.RestIndex) {
		return nil, fmt.Errorf("%w: rest positions out of order or past the devices", ErrColumns)
	}
	if next != len(c.Ip) {
		return nil, fmt.Errorf("%w: %d addresses for %d counted", ErrColumns, len(c.Ip), next)
	}
	return out, nil
}
