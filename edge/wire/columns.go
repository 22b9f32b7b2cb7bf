package wire

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"

	"mimamori/edge/wire/wirepb"
)

// ErrColumns means a batch's flow columns are inconsistent: columns of
// different lengths or an index outside its table.
var ErrColumns = errors.New("wire: malformed flow columns")

// MaxColumnFlows bounds the flows one batch's columns may describe, so a
// hostile payload cannot make Decode allocate without limit. A sensor's
// flow table holds at most a quarter of it.
const MaxColumnFlows = 1 << 20

// FlowsToColumns lays flows out as FlowColumns of schema 2 for the minute
// starting at minute (Unix seconds). Times keep microsecond precision. The
// flows are ordered by protocol, server, service port, client and client
// port, so that a server's conversations sit together and the columns
// repeat.
func FlowsToColumns(flows []*wirepb.Flow, minute int64) *wirepb.FlowColumns {
	return flowsToColumns(flows, minute, false)
}

// compareFlows orders flows for the columns: by IP protocol, server
// address and port, client address and port. One comparison at a time:
// cmp.Or would make all five, two of them byte-slice comparisons, for
// each of a minute's tens of thousands of comparisons.
func compareFlows(x, y *wirepb.Flow) int {
	if c := cmp.Compare(x.IpProto, y.IpProto); c != 0 {
		return c
	}
	if c := bytes.Compare(x.DstIp, y.DstIp); c != 0 {
		return c
	}
	if c := cmp.Compare(x.DstPort, y.DstPort); c != 0 {
		return c
	}
	if c := bytes.Compare(x.SrcIp, y.SrcIp); c != 0 {
		return c
	}
	return cmp.Compare(x.SrcPort, y.SrcPort)
}

// flowsToColumns is FlowsToColumns; compact selects schema 3's layout:
// times in milliseconds, byte counters as mean frame size and remainder.
func flowsToColumns(flows []*wirepb.Flow, minute int64, compact bool) *wirepb.FlowColumns {
	flows = slices.Clone(flows)
	slices.SortStableFunc(flows, compareFlows)
	n := len(flows)
	c := &wirepb.FlowColumns{
		IpProto: make([]uint32, n), SrcIp: make([]uint32, n), SrcPort: make([]int32, n),
		DstIp: make([]uint32, n), DstPort: make([]uint32, n), SrcMac: make([]uint32, n),
		DstMac: make([]uint32, n), Vlan: make([]uint32, n),
		SrcPackets: make([]uint64, n), SrcBytes: make([]uint64, n),
		DstPackets: make([]uint64, n), DstBytes: make([]uint64, n),
		SrcTcpFlags: make([]uint32, n), DstTcpFlags: make([]uint32, n),
		FirstUs: make([]int64, n), DurationUs: make([]uint64, n), Flags: make([]uint32, n),
	}
	if compact {
		c.FirstMs, c.DurationMs = make([]int64, n), make([]uint64, n)
		c.SrcFrame, c.DstFrame = make([]uint64, n), make([]uint64, n)
	}
	addrs := make(map[string]uint32)
	macs := make(map[[6]byte]uint32)
	addr := func(b []byte) uint32 {
		i, ok := addrs[string(b)]
		if !ok {
			i = uint32(len(c.Addresses))
			addrs[string(b)] = i
			c.Addresses = append(c.Addresses, b)
		}
		return i
	}
	// memo is the MAC each address was last coded with.
	memo := make(map[uint32][6]byte)
	mac := func(b []byte, a uint32) uint32 {
		if len(b) != 6 {
			return 0
		}
		m := [6]byte(b)
		if old, ok := memo[a]; ok && old == m {
			return 1
		}
		memo[a] = m
		i, ok := macs[m]
		if !ok {
			c.Macs = append(c.Macs, b)
			i = uint32(len(c.Macs)) + 1
			macs[m] = i
		}
		return i
	}
	minuteUS := minute * 1e6
	for i, f := range flows {
		c.IpProto[i] = f.IpProto
		c.SrcIp[i], c.DstIp[i], c.DstPort[i] = addr(f.SrcIp), addr(f.DstIp), f.DstPort
		c.SrcPort[i] = int32(f.SrcPort)
		if i > 0 && sameClient(c, i) {
			c.SrcPort[i] = int32(f.SrcPort) - int32(flows[i-1].SrcPort)
		}
		c.SrcMac[i], c.DstMac[i] = mac(f.SrcMac, c.SrcIp[i]), mac(f.DstMac, c.DstIp[i])
		c.Vlan[i] = f.Vlan
		c.SrcPackets[i], c.SrcBytes[i] = f.SrcPackets, f.SrcBytes
		c.DstPackets[i], c.DstBytes[i] = f.DstPackets, f.DstBytes
		c.SrcTcpFlags[i], c.DstTcpFlags[i] = f.SrcTcpFlags, f.DstTcpFlags
		first := f.FirstUnixNs / 1000
		last := first
		if f.LastUnixNs != 0 {
			last = max(f.LastUnixNs/1000, first)
		}
		c.FirstUs[i], c.DurationUs[i] = first-minuteUS, uint64(last-first)
		if compact {
			c.FirstMs[i], c.DurationMs[i] = floorDiv(first-minuteUS, 1000), uint64(floorDiv(last-minuteUS, 1000)-floorDiv(first-minuteUS, 1000))
			c.SrcFrame[i], c.SrcBytes[i] = frames(f.SrcBytes, f.SrcPackets)
			c.DstFrame[i], c.DstBytes[i] = frames(f.DstBytes, f.DstPackets)
		}
		var fl wirepb.FlowFlag
		switch f.State {
		case wirepb.FlowState_FLOW_STATE_NEW:
			fl |= wirepb.FlowFlag_FLOW_FLAG_NEW
		case wirepb.FlowState_FLOW_STATE_CONTINUED:
			fl |= wirepb.FlowFlag_FLOW_FLAG_CONTINUED
		}
		if f.Ended {
			fl |= wirepb.FlowFlag_FLOW_FLAG_ENDED
		}
		if f.InitiatorCertain {
			fl |= wirepb.FlowFlag_FLOW_FLAG_INITIATOR_CERTAIN
		}
		if f.Routed {
			fl |= wirepb.FlowFlag_FLOW_FLAG_ROUTED
			c.DstVlan = append(c.DstVlan, f.DstVlan)
		}
		c.Flags[i] = uint32(fl)
	}
	if compact {
		c.FirstUs, c.DurationUs = nil, nil
	}
	return c
}

// frames splits a byte counter into the mean frame size and the remainder.
func frames(bytes, packets uint64) (frame, rest uint64) {
	if packets == 0 {
		return 0, bytes
	}
	return bytes / packets, bytes % packets
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// ColumnsToFlows turns flow columns back into flows. Times come back in
// whole microseconds; a flow without a last time gets its first.
func ColumnsToFlows(c *wirepb.FlowColumns, minute int64) ([]*wirepb.Flow, error) {
	n := len(c.IpProto)
	if n > MaxColumnFlows {
		return nil, fmt.Errorf("%w: %d flows", ErrColumns, n)
	}
	ms := n > 0 && len(c.FirstMs) == n
	firsts, durations := len(c.FirstUs), len(c.DurationUs)
	if ms {
		firsts, durations = len(c.FirstMs), len(c.DurationMs)
	}
	framed := n > 0 && len(c.SrcFrame) == n
	srcFrames, dstFrames := n, n
	if framed {
		srcFrames, dstFrames = len(c.SrcFrame), len(c.DstFrame)
	}
	for _, l := range []int{len(c.SrcIp), len(c.SrcPort), len(c.DstIp), len(c.DstPort), len(c.SrcMac),
		len(c.DstMac), len(c.Vlan), len(c.SrcPackets), len(c.SrcBytes), len(c.DstPackets), len(c.DstBytes),
		len(c.SrcTcpFlags), len(c.DstTcpFlags), firsts, durations, len(c.Flags), srcFrames, dstFrames} {
		if l != n {
			return nil, fmt.Errorf("%w: a column has %d entries for %d flows", ErrColumns, l, n)
		}
	}
	addr := func(i uint32) ([]byte, error) {
		if int(i) >= len(c.Addresses) {
			return nil, fmt.Errorf("%w: address %d of %d", ErrColumns, i, len(c.Addresses))
		}
		return c.Addresses[i], nil
	}
	memo := make(map[uint32][]byte)
	mac := func(i, a uint32) ([]byte, error) {
		switch {
		case i == 0:
			return nil, nil
		case i == 1:
			m, ok := memo[a]
			if !ok {
				return nil, fmt.Errorf("%w: no earlier MAC for address %d", ErrColumns, a)
			}
			return m, nil
		case int(i-2) >= len(c.Macs):
			return nil, fmt.Errorf("%w: MAC %d of %d", ErrColumns, i-2, len(c.Macs))
		}
		memo[a] = c.Macs[i-2]
		return c.Macs[i-2], nil
	}
	msgs := make([]wirepb.Flow, n)
	out := make([]*wirepb.Flow, n)
	minuteUS := minute * 1e6
	routed := 0
	for i := range msgs {
		f := &msgs[i]
		out[i] = f
		var err error
		f.IpProto = c.IpProto[i]
		if f.SrcIp, err = addr(c.SrcIp[i]); err != nil {
			return nil, err
		}
		if f.DstIp, err = addr(c.DstIp[i]); err != nil {
			return nil, err
		}
		if f.SrcMac, err = mac(c.SrcMac[i], c.SrcIp[i]); err != nil {
			return nil, err
		}
		if f.DstMac, err = mac(c.DstMac[i], c.DstIp[i]); err != nil {
			return nil, err
		}
		port := c.SrcPort[i]
		if i > 0 && sameClient(c, i) {
			port += int32(msgs[i-1].SrcPort)
		}
		if port < 0 || port > 0xffff {
			return nil, fmt.Errorf("%w: port %d", ErrColumns, port)
		}
		f.SrcPort, f.DstPort, f.Vlan = uint32(port), c.DstPort[i], c.Vlan[i]
		f.SrcPackets, f.SrcBytes = c.SrcPackets[i], c.SrcBytes[i]
		f.DstPackets, f.DstBytes = c.DstPackets[i], c.DstBytes[i]
		if framed {
			f.SrcBytes += c.SrcFrame[i] * f.SrcPackets
			f.DstBytes += c.DstFrame[i] * f.DstPackets
		}
		f.SrcTcpFlags, f.DstTcpFlags = c.SrcTcpFlags[i], c.DstTcpFlags[i]
		if ms {
			first := minute*1000 + c.FirstMs[i]
			f.FirstUnixNs = first * 1e6
			f.LastUnixNs = (first + int64(min(c.DurationMs[i], 1<<40))) * 1e6
		} else {
			first := minuteUS + c.FirstUs[i]
			f.FirstUnixNs = first * 1000
			f.LastUnixNs = (first + int64(min(c.DurationUs[i], 1<<40))) * 1000
		}
		fl := wirepb.FlowFlag(c.Flags[i])
		switch {
		case fl&wirepb.FlowFlag_FLOW_FLAG_CONTINUED != 0:
			f.State = wirepb.FlowState_FLOW_STATE_CONTINUED
		case fl&wirepb.FlowFlag_FLOW_FLAG_NEW != 0:
			f.State = wirepb.FlowState_FLOW_STATE_NEW
		}
		f.Ended = fl&wirepb.FlowFlag_FLOW_FLAG_ENDED != 0
		f.InitiatorCertain = fl&wirepb.FlowFlag_FLOW_FLAG_INITIATOR_CERTAIN != 0
		if fl&wirepb.FlowFlag_FLOW_FLAG_ROUTED != 0 {
			if routed >= len(c.DstVlan) {
				return nil, fmt.Errorf("%w: more routed flows than dst_vlan entries", ErrColumns)
			}
			f.Routed, f.DstVlan = true, c.DstVlan[routed]
			routed++
		}
	}
	if routed != len(c.DstVlan) {
		return nil, fmt.Errorf("%w: %d dst_vlan entries for %d routed flows", ErrColumns, len(c.DstVlan), routed)
	}
	return out, nil
}

// sameClient reports whether flow i of c has the protocol, server, service
// port and client of flow i-1.
func sameClient(c *wirepb.FlowColumns, i int) bool {
	return c.IpProto[i] == c.IpProto[i-1] && c.DstIp[i] == c.DstIp[i-1] &&
		c.DstPort[i] == c.DstPort[i-1] && c.SrcIp[i] == c.SrcIp[i-1]
}
