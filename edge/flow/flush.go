package flow

import (
	"mimamori/edge/wire/wirepb"
)

// minuteNs is one minute in nanoseconds.
const minuteNs = int64(60e9)

// FlushStats counts what a flush did.
type FlushStats struct {
	Active  uint64 // flows left in the table
	Expired uint64 // flows removed: closed, or idle past their timeout
	Evicted uint64 // flows pushed out since the previous flush because the table was full
}

// Flush returns the flows active in the minute that starts at
// minuteStartNs, resets their per-minute counters and removes closed and
// idle flows. Idle time is measured at the end of the minute in packet
// time. Records come in table order, which is deterministic for a given
// packet sequence; callers that need a canonical order sort them.
func (t *Table) Flush(minuteStartNs int64) ([]*wirepb.Flow, FlushStats) {
	end := minuteStartNs + minuteNs
	out := newRecords(t.active)
	for i := range t.retired {
		out.add(&t.retired[i], true)
	}
	clear(t.retired) // drop references held by old copies
	t.retired = t.retired[:0]

	for i := range t.entries {
		e := &t.entries[i]
		if !e.live {
			continue
		}
		gone := e.closed() || end-e.lastNs > t.timeout(e)
		if e.activeMinute {
			out.add(e, gone)
		}
		if gone {
			t.unindex(e)
			*e = entry{}
			t.free = append(t.free, int32(i))
			t.expired++
			continue
		}
		if e.activeMinute {
			e.reported = true
			e.activeMinute = false
			for d := range e.dir {
				e.dir[d].packets, e.dir[d].bytes, e.dir[d].flags = 0, 0, 0
			}
		}
	}
	stats := FlushStats{Active: uint64(t.Len()), Expired: t.expired, Evicted: t.evicted}
	t.active, t.expired, t.evicted = 0, 0, 0
	return out.flows, stats
}

// records builds a flush's output with three allocations whatever its
// size: the pointer slice, the messages and the bytes they point into.
type records struct {
	flows []*wirepb.Flow
	msgs  []wirepb.Flow
	bytes []byte
}

// recordBytes is the address and MAC space one record needs at most.
const recordBytes = 16 + 16 + 6 + 6

func newRecords(n int) *records {
	return &records{
		flows: make([]*wirepb.Flow, 0, n),
		msgs:  make([]wirepb.Flow, n),
		bytes: make([]byte, 0, n*recordBytes),
	}
}

// take returns a capacity-limited copy of b in the shared byte slab.
func (r *records) take(b []byte) []byte {
	start := len(r.bytes)
	r.bytes = append(r.bytes, b...)
	return r.bytes[start:len(r.bytes):len(r.bytes)]
}

func (r *records) add(e *entry, ended bool) {
	if len(r.flows) == len(r.msgs) {
		// The active count is exact, so this only guards against a bug
		// turning into a panic.
		r.msgs = append(r.msgs[:len(r.msgs):len(r.msgs)], make([]wirepb.Flow, 16)...)
	}
	f := &r.msgs[len(r.flows)]
	r.flows = append(r.flows, f)

	k := &e.key
	srcIP, dstIP := k.a, k.b
	srcPort, dstPort := k.aPort, k.bPort
	if !e.aIsSrc {
		srcIP, dstIP = dstIP, srcIP
		srcPort, dstPort = dstPort, srcPort
	}
	if isICMP(k.proto) {
		srcPort, dstPort = e.icmpFirst, 0
		if k.aPort < icmpOtherClass {
			dstPort = k.bPort // the query identifier
		}
	}
	if k.v6 {
		f.SrcIp, f.DstIp = r.take(srcIP[:]), r.take(dstIP[:])
	} else {
		f.SrcIp, f.DstIp = r.take(srcIP[12:]), r.take(dstIP[12:])
	}
	src, dst := &e.dir[0], &e.dir[1]
	if src.hasMAC {
		f.SrcMac = r.take(src.mac[:])
	}
	if dst.hasMAC {
		f.DstMac = r.take(dst.mac[:])
	}
	f.IpProto = uint32(k.proto)
	f.SrcPort, f.DstPort = uint32(srcPort), uint32(dstPort)
	f.Vlan = uint32(e.srcVLAN())
	if e.linked {
		f.Routed, f.DstVlan = true, uint32(e.dstVLAN())
	}
	f.SrcPackets, f.SrcBytes, f.SrcTcpFlags = src.packets, src.bytes, uint32(src.flags)
	f.DstPackets, f.DstBytes, f.DstTcpFlags = dst.packets, dst.bytes, uint32(dst.flags)
	f.FirstUnixNs, f.LastUnixNs = e.firstNs, e.lastMinNs
	f.State = wirepb.FlowState_FLOW_STATE_NEW
	if e.reported {
		f.State = wirepb.FlowState_FLOW_STATE_CONTINUED
	}
	f.Ended = ended || e.endedEarly
	f.InitiatorCertain = e.certain
}
