package flow

import (
	"time"

	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
)

// Options bound the table and set its idle timeouts. Zero values take the
// defaults.
type Options struct {
	// MaxFlows is the most flows held at once (default 262144).
	MaxFlows int
	// TCPEstablished is the idle timeout of a TCP flow that is neither
	// opening nor closing (default 5 minutes).
	TCPEstablished time.Duration
	// TCPTransitory is the idle timeout of a TCP flow whose handshake was
	// never answered or that was closed in one direction only (default 30 s).
	TCPTransitory time.Duration
	// UDP is the idle timeout of UDP flows (default 2 minutes).
	UDP time.Duration
	// Other is the idle timeout of every other protocol (default 1 minute).
	Other time.Duration
}

// DefaultMaxFlows bounds the table when Options.MaxFlows is zero. At about
// 200 bytes per entry plus the index it is some 60 MB when full.
const DefaultMaxFlows = 262144

func (o Options) withDefaults() Options {
	if o.MaxFlows <= 0 {
		o.MaxFlows = DefaultMaxFlows
	}
	if o.TCPEstablished <= 0 {
		o.TCPEstablished = 5 * time.Minute
	}
	if o.TCPTransitory <= 0 {
		o.TCPTransitory = 30 * time.Second
	}
	if o.UDP <= 0 {
		o.UDP = 2 * time.Minute
	}
	if o.Other <= 0 {
		o.Other = time.Minute
	}
	return o
}

// evictSample is how many entries eviction compares; the longest idle of
// them goes. Eight makes a poor choice unlikely without a per-packet LRU list.
const evictSample = 8

// fragSlots is the size of the first-fragment cache (a power of two).
const fragSlots = 256

// Table is the flow table. Create it with New.
type Table struct {
	opts  Options
	index map[key]int32
	// tuples indexes flows by their key without the VLAN, so that the
	// second half of a conversation routed between VLANs finds the first
	// (see link). It holds the first live flow of each such key.
	tuples map[key]int32
	// The tuples index is kept once new flows have come on two VLANs.
	anyVLAN, multiVLAN bool
	firstVLAN          uint16
	entries            []entry
	free               []int32
	// retired holds finished incarnations (a flow closed and reopened by a
	// new SYN, or evicted) whose minute is not yet flushed. Its length is
	// bounded by maxRetired.
	retired    []entry
	maxRetired int
	active     int // entries and retired incarnations with activity this minute
	cursor     int // where the next eviction sample starts
	frags      [fragSlots]fragment

	aliases          int    // index entries that are linked flows' second keys
	expired, evicted uint64 // since the last flush
	nextID           uint64 // the last flow ID handed out
}

// New returns an empty table.
func New(opts Options) *Table {
	opts = opts.withDefaults()
	return &Table{
		opts:       opts,
		index:      make(map[key]int32, min(opts.MaxFlows, 4096)),
		tuples:     make(map[key]int32, min(opts.MaxFlows, 4096)),
		maxRetired: max(1024, opts.MaxFlows/8),
	}
}

// Len returns the number of flows in the table.
func (t *Table) Len() int { return len(t.index) - t.aliases }

// Ref names the flow a packet was counted in, for later stages that keep
// per-flow state of their own (the OT dissectors): they index a slice of
// their own by Slot and compare ID to notice that the slot now holds a
// different flow. Slot is below Options.MaxFlows, so such a slice is
// bounded by the table.
type Ref struct {
	// Slot is the flow's place in the table, or -1 when the packet was not
	// counted in a flow (not IP, or the table could not make room).
	Slot int32
	// ID is unique per flow for the table's lifetime: a slot reused by a
	// new flow (after expiry, eviction, or a closed connection reopened)
	// gets a new ID.
	ID uint64
	// FromInitiator reports that the packet's sender is the flow's
	// initiator (its src), as decided so far.
	FromInitiator bool
	// Ignored reports that a later stage has said, through Ignore, that
	// the flow's packets do not interest it.
	Ignored bool
}

// Packet accounts one decoded packet and returns its flow. Frames without
// an IP header are ignored.
func (t *Table) Packet(p *decode.Packet) Ref {
	if p.IPVersion == 0 {
		return Ref{Slot: -1}
	}
	sp, dp := t.ports(p)
	k, senderIsA := makeKey(p, sp, dp)
	idx, ok := t.index[k]
	var e *entry
	if ok {
		e = &t.entries[idx]
		if e.linked && e.vlans[endpoint(senderIsA)] != p.VLAN {
			// The sender was linked to another VLAN: the two halves were
			// two conversations after all (the same addresses in two
			// VLANs). They part from here on.
			t.unlink(e)
			ok = k == e.key
		}
	}
	if ok {
		if e.closed() && p.IPProto == layers.IPProtocolTCP && pureSYN(p.TCPFlags) && len(t.retired) < t.maxRetired {
			// A new connection reuses the ports of one that has ended.
			t.retire(e)
			t.unindex(e)
			t.start(e, k, p, senderIsA)
			t.indexNew(k, idx)
		}
	} else {
		var tupleTaken bool
		if t.noteVLAN(k.vlan) {
			idx, ok, tupleTaken = t.link(k, senderIsA)
		}
		if ok {
			e = &t.entries[idx]
		} else {
			idx, ok = t.alloc()
			if !ok {
				return Ref{Slot: -1}
			}
			e = &t.entries[idx]
			t.start(e, k, p, senderIsA)
			t.index[k] = idx
			if t.multiVLAN && !tupleTaken {
				k.vlan = 0
				t.tuples[k] = idx
				e.ownsTuple = true
			}
		}
	}
	t.account(e, p, senderIsA)
	return Ref{Slot: idx, ID: e.id, FromInitiator: senderIsA == e.aIsSrc, Ignored: e.ignored}
}

// link finds the other half of a conversation routed between VLANs for a
// packet whose key k is not in the index: a flow with the same addresses,
// ports and protocol on another VLAN in which only the other endpoint has
// sent so far. The packet's sender is then the peer answering (or asking)
// through a router, and the flow is indexed under k as well. The rule is
// the one the OT dissectors' twin linking uses; two cells that reuse the
// same addresses in different VLANs stay apart because each side of each
// conversation is heard on its own VLAN, and if a link turns out wrong
// (an endpoint heard on both VLANs) Packet undoes it.
func (t *Table) link(k key, senderIsA bool) (idx int32, linked, tupleTaken bool) {
	tk := k
	tk.vlan = 0
	idx, tupleTaken = t.tuples[tk]
	if !tupleTaken {
		return 0, false, false
	}
	e := &t.entries[idx]
	if !e.live || e.linked || e.key.vlan == k.vlan || e.sent(endpoint(senderIsA)) || e.closed() {
		return 0, false, true
	}
	e.linked = true
	e.vlans[endpoint(senderIsA)] = k.vlan
	t.index[k] = idx
	t.aliases++
	return idx, true, true
}

// noteVLAN records the VLAN of a packet that starts or links a flow and
// reports whether the tuples index is in use. Until the mirror has shown
// two VLANs no conversation can be routed between them, so the index is
// neither kept nor consulted and a single-VLAN or untagged mirror pays
// nothing for it; when a second VLAN appears, the flows so far are
// indexed.
func (t *Table) noteVLAN(v uint16) bool {
	switch {
	case t.multiVLAN:
		return true
	case !t.anyVLAN:
		t.anyVLAN, t.firstVLAN = true, v
		return false
	case v == t.firstVLAN:
		return false
	}
	t.multiVLAN = true
	for i := range t.entries {
		if e := &t.entries[i]; e.live {
			k := e.key
			k.vlan = 0
			if _, taken := t.tuples[k]; !taken {
				t.tuples[k] = int32(i)
				e.ownsTuple = true
			}
		}
	}
	return true
}

// unlink ends e's link: the flow keeps its own VLAN and its alias key
// leaves the index. What was counted while linked stays counted.
func (t *Table) unlink(e *entry) {
	delete(t.index, e.aliasKey())
	t.aliases--
	e.linked = false
	e.vlans = [2]uint16{e.key.vlan, e.key.vlan}
}

// indexNew indexes a new flow at idx under k, and by its key without the
// VLAN unless another flow holds that.
func (t *Table) indexNew(k key, idx int32) {
	t.index[k] = idx
	if !t.multiVLAN {
		return
	}
	k.vlan = 0
	if _, taken := t.tuples[k]; !taken {
		t.tuples[k] = idx
		t.entries[idx].ownsTuple = true
	}
}

// unindex removes every index entry of e.
func (t *Table) unindex(e *entry) {
	if e.linked {
		delete(t.index, e.aliasKey())
		t.aliases--
	}
	delete(t.index, e.key)
	if e.ownsTuple {
		k := e.key
		k.vlan = 0
		delete(t.tuples, k)
		e.ownsTuple = false
	}
}

// Ignore marks the flow ref names as of no interest to later stages: its
// next Refs say Ignored, so they can skip its packets without a lookup of
// their own. The mark ends with the flow.
func (t *Table) Ignore(ref Ref) {
	if ref.Slot < 0 || int(ref.Slot) >= len(t.entries) {
		return
	}
	if e := &t.entries[ref.Slot]; e.live && e.id == ref.ID {
		e.ignored = true
	}
}

// start begins a new flow in e and gives it the next ID.
func (t *Table) start(e *entry, k key, p *decode.Packet, senderIsA bool) {
	e.start(k, p, senderIsA)
	t.nextID++
	e.id = t.nextID
}

// ports returns the ports that key p: transport ports, the first
// fragment's ports for later fragments, or the ICMP class and identifier.
func (t *Table) ports(p *decode.Packet) (sp, dp uint16) {
	switch {
	case hasPorts(p.IPProto) && p.Fragment:
		return t.fragmentPorts(p)
	case hasPorts(p.IPProto):
		if p.MoreFragments {
			t.rememberFragment(p)
		}
		return p.SrcPort, p.DstPort
	case isICMP(p.IPProto):
		class, _, _ := icmpClass(p.IPProto, p.ICMPType)
		if class >= icmpOtherClass {
			return class, uint16(p.ICMPCode)
		}
		return class, p.ICMPID
	}
	return 0, 0
}

// alloc returns a free entry slot, growing the slice up to MaxFlows and
// evicting beyond it.
func (t *Table) alloc() (int32, bool) {
	if n := len(t.free); n > 0 {
		idx := t.free[n-1]
		t.free = t.free[:n-1]
		return idx, true
	}
	if len(t.entries) < t.opts.MaxFlows {
		t.entries = append(t.entries, entry{})
		return int32(len(t.entries) - 1), true
	}
	return t.evict()
}

// evict frees the longest-idle entry of a small sample, preferring one
// that is already closed. Its minute so far is kept for the flush when
// there is room.
func (t *Table) evict() (int32, bool) {
	n := len(t.entries)
	if n == 0 {
		return 0, false
	}
	victim := -1
	for i := 0; i < evictSample; i++ {
		j := (t.cursor + i) % n
		e := &t.entries[j]
		if !e.live {
			continue
		}
		if e.closed() {
			victim = j
			break
		}
		if victim < 0 || e.lastNs < t.entries[victim].lastNs {
			victim = j
		}
	}
	t.cursor = (t.cursor + evictSample) % n
	if victim < 0 {
		return 0, false
	}
	e := &t.entries[victim]
	if e.activeMinute {
		if len(t.retired) < t.maxRetired {
			t.retire(e)
		} else {
			t.active-- // its minute is lost; the eviction count says so
		}
	}
	t.unindex(e)
	*e = entry{}
	t.evicted++
	return int32(victim), true
}

// retire moves e's minute to the retired list, marked ended, so the flush
// still reports it after e is reused.
func (t *Table) retire(e *entry) {
	if e.activeMinute {
		r := *e
		r.endedEarly = true
		t.retired = append(t.retired, r)
		// The retired copy keeps its place in the active count; the
		// reused entry starts inactive.
		e.activeMinute = false
	}
}

// account adds p to e's counters for the minute.
func (t *Table) account(e *entry, p *decode.Packet, senderIsA bool) {
	fromSrc := senderIsA == e.aIsSrc
	if p.IPProto == layers.IPProtocolTCP && !e.certain {
		// A handshake packet settles who initiated a flow first seen midstream.
		switch p.TCPFlags & (decode.FlagSYN | decode.FlagACK) {
		case decode.FlagSYN:
			e.settle(fromSrc)
			fromSrc = true
		case decode.FlagSYN | decode.FlagACK:
			e.settle(!fromSrc)
			fromSrc = false
		}
	}
	ts := p.TimestampNs
	if !e.activeMinute {
		e.activeMinute = true
		e.firstNs, e.lastMinNs = ts, ts
		t.active++
	}
	e.firstNs = min(e.firstNs, ts)
	e.lastMinNs = max(e.lastMinNs, ts)
	e.lastNs = max(e.lastNs, ts)

	d := &e.dir[0]
	if !fromSrc {
		d = &e.dir[1]
	}
	d.packets++
	d.bytes += uint64(p.WireLen)
	d.flags |= p.TCPFlags
	d.seen = true
	if p.IPProto == layers.IPProtocolTCP {
		if p.TCPFlags&decode.FlagFIN != 0 {
			d.fin = true
		}
		if p.TCPFlags&decode.FlagRST != 0 {
			e.rst = true
		}
		if p.TCPFlags&decode.FlagSYN != 0 && fromSrc {
			e.handshake = true
		}
	}
	if p.HasEthernet {
		d.mac, d.hasMAC, d.ownMAC = p.SrcMAC, true, true
		other := &e.dir[1]
		if !fromSrc {
			other = &e.dir[0]
		}
		// The destination MAC of a frame stands in for the peer's own
		// until the peer is heard from.
		if p.HasDstMAC && !other.ownMAC {
			other.mac, other.hasMAC = p.DstMAC, true
		}
	}
}

// pureSYN reports a connection request: SYN without ACK.
func pureSYN(flags uint8) bool {
	return flags&(decode.FlagSYN|decode.FlagACK) == decode.FlagSYN
}

// SetBack tells the table that the clock was set back to nowNs: flows last
// seen after it count as last seen now, so that they still expire when
// idle and eviction still picks the flows idle longest, rather than
// waiting for the clock to catch up with the old times.
func (t *Table) SetBack(nowNs int64) {
	for i := range t.entries {
		e := &t.entries[i]
		if e.live {
			e.startNs, e.lastNs = min(e.startNs, nowNs), min(e.lastNs, nowNs)
		}
	}
}

// timeout returns e's idle timeout in nanoseconds.
func (t *Table) timeout(e *entry) int64 {
	switch e.key.proto {
	case layers.IPProtocolTCP:
		if e.dir[0].fin || e.dir[1].fin || (e.handshake && !e.dir[1].seen) {
			return int64(t.opts.TCPTransitory)
		}
		return int64(t.opts.TCPEstablished)
	case layers.IPProtocolUDP:
		return int64(t.opts.UDP)
	}
	return int64(t.opts.Other)
}
