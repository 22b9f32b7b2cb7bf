package protocols

import (
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
)

// Options bound a Tracker. Zero values take the defaults.
type Options struct {
	// MaxEvents bounds the distinct OT events (protocol, function, src,
	// dst, VLAN) counted per minute (default 16384, about 20 MB when full).
	// Messages of further events are counted as dropped.
	MaxEvents int
	// MaxIdentities bounds the identities kept per minute (default 4096).
	MaxIdentities int
	// MaxBuffers bounds the TCP reassembly buffers held at once (default
	// 512). A PDU that cannot get one is skipped and the stream resyncs.
	MaxBuffers int
	// BufferSize is the capacity of each reassembly buffer, and so the
	// largest PDU reassembled across segments (default 16 KiB). Longer
	// PDUs are skipped by their announced length.
	BufferSize int
	// MaxProbes is how many payload-bearing packets of a conversation
	// that no port claims are offered to the heuristics before it is
	// given up as not industrial (default 4).
	MaxProbes int
	// DissectRepeats has every message dissected, even one a Repeater
	// recognises as a repeat of an earlier message of its conversation. The
	// outcome is the same, only slower: tests compare the two.
	DissectRepeats bool
}

// Defaults of Options.
const (
	DefaultMaxEvents     = 16384
	DefaultMaxIdentities = 4096
	DefaultMaxBuffers    = 512
	DefaultBufferSize    = 16 << 10
	DefaultMaxProbes     = 4
)

func (o Options) withDefaults() Options {
	if o.MaxEvents <= 0 {
		o.MaxEvents = DefaultMaxEvents
	}
	if o.MaxIdentities <= 0 {
		o.MaxIdentities = DefaultMaxIdentities
	}
	if o.MaxBuffers <= 0 {
		o.MaxBuffers = DefaultMaxBuffers
	}
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	if o.MaxProbes <= 0 {
		o.MaxProbes = DefaultMaxProbes
	}
	o.MaxProbes = min(o.MaxProbes, 255)
	return o
}

// Stats counts a Tracker's work during one minute.
type Stats struct {
	EventsDropped     uint64 // messages whose event found the minute's table full
	IdentitiesDropped uint64 // identity reports that found the minute's table full
	Malformed         uint64 // messages a dissector rejected, and TCP streams whose framing was lost
	Gaps              uint64 // TCP segments that arrived after missing bytes
	Oversized         uint64 // TCP PDUs longer than the buffer size, skipped
	NoBuffer          uint64 // partial TCP PDUs dropped because every buffer was taken
	Buffers           int    // reassembly buffers still held after the flush
	// Repeats counts messages a Repeater recognised as repeats of their
	// conversation's earlier messages, counted without dissecting them.
	Repeats uint64
	// Templated counts the repeats among them told by their direction's
	// template, without asking for a key.
	Templated uint64
}

// Tracker runs a registry's dissectors over one capture source's packets
// and aggregates what they report into per-minute OT events and
// identities. It is the stateful half of the package: per-conversation
// classification, TCP reassembly and the minute's tables. A Tracker is not
// safe for concurrent use; one pipeline owns it.
type Tracker struct {
	reg  *Registry
	opts Options

	// convs is indexed by flow.Ref.Slot, so it never outgrows the flow
	// table; an entry whose id differs from the Ref's belongs to a flow
	// that has gone and is reset before use.
	convs   []conv
	scratch conv // for packets the flow table did not count
	twins   map[tupleKey]twinEntry
	pool    pool
	agg     aggregator
	ids     identities
	msg     Message
	stats   Stats
	cur     current
	key     RepeatKey
	mask    RepeatMask // a template's, as key
	// repeaters is the registry's, nil with Options.DissectRepeats.
	repeaters []repeaterOf
	reps      repeatTable
	tmpls     templates
	// holders are the conversations (slot + 1, convHeld) and layer-2
	// templates (-index - 1, frameTemplate.listed) that held repeats this
	// minute, folded in before the minute is rendered.
	holders []int32
	frames  frameRepeats
	ftmpls  frameTemplates
}

// current is the packet being dissected and its conversation. Packet sets
// it and the functions it calls read it, instead of passing the same
// handful of values down every call of the per-packet path. It is valid
// only during Packet.
type current struct {
	p   *decode.Packet
	c   *conv
	d   Dissector
	ref flow.Ref
	fc  bool // the sender is the conversation's client
}

// convStatus is where a conversation stands with the dissectors.
type convStatus uint8

const (
	convNew        convStatus = iota // not classified yet
	convClassified                   // disp is its dissector
	convRejected                     // no dissector wants it: ignored from now on
)

// conv is the tracker's state for one flow. The fields every packet reads,
// TCP's stream positions among them, fill the first 64 bytes, and the
// struct is padded to 256, so that in the slice of conversations
// (allocated aligned once it is large) a repeated message touches one
// cache line of its conversation besides its direction's repeat entry
// (the third and fourth lines); what only dissected messages use, the
// event cache and identities, is in the second.
type conv struct {
	id    uint64    // the flow.Ref ID it belongs to
	state uint64    // the dissector's Message.State
	dir   [2]stream // 0: sent by the flow's initiator, 1: by the responder
	twin  int32     // slot + 1 of the routed twin whose state it shares (twin.go); 0 for none
	port  uint16    // the server port that classified it; 0 for a heuristic match
	vlan  uint16    // the VLAN its events are counted under
	// status, disp and probes: where it stands with the dissectors, its
	// dissector index + 1, and the payload packets offered to the
	// heuristics so far.
	status convStatus
	disp   uint8
	probes uint8
	flags  convFlags
	// quiet counts, per direction (0: sent by the flow's initiator), the
	// messages in a row that were not repeats, and then those left to
	// dissect without asking for a key (see maxMisses).
	quiet [2]uint8
	// tmpl numbers its templates (Tracker.tmpls), 0 for none.
	tmpl uint16

	cache  [2]cacheEntry
	ident  identCache
	twinID uint64 // the ID of the conversation twin refers to
	_      [8]byte

	// rep holds each direction's last message dissected (0: sent by the
	// flow's initiator); older ones go to the Tracker's repeat table.
	rep [2]repeatEntry
}

// convFlags are a conversation's booleans.
type convFlags uint8

const (
	convPayload       convFlags = 1 << iota // payload was seen
	convFirstFromInit                       // the first payload came from the flow's initiator
	convTwoWay                              // payload went both ways
	// convClientIsInit: the flow's initiator is the conversation's
	// client (see fromClient), set when it is classified.
	convClientIsInit
	// convHeld: the conversation is in Tracker.holders.
	convHeld
)

// cacheEntry remembers where a conversation's last events are counted, so
// that the steady state (the same few functions polled over and over)
// skips the aggregator's map. srcIsInit is the event's orientation
// relative to the flow.
type cacheEntry struct {
	gen       uint32
	idx       int32
	code      uint32
	proto     uint8
	srcIsInit bool
}

// identCache remembers where the identity of one side of a conversation
// is kept, so that a device repeating its identity in every message skips
// the identity table's map. fromInit is the reporting side relative to the
// flow; vlan and proto complete the identity's key.
type identCache struct {
	gen      uint32
	idx      int32
	vlan     uint16
	proto    uint8
	fromInit bool
}

// NewTracker returns a Tracker for the dissectors of r.
func NewTracker(r *Registry, opts Options) *Tracker {
	opts = opts.withDefaults()
	t := &Tracker{
		reg:   r,
		opts:  opts,
		twins: map[tupleKey]twinEntry{},
		pool:  pool{max: opts.MaxBuffers, size: opts.BufferSize},
		agg:   newAggregator(opts.MaxEvents),
		ids:   newIdentities(opts.MaxIdentities),
	}
	if !opts.DissectRepeats {
		t.repeaters = r.repeaters
	}
	return t
}

// Packet offers one decoded packet, counted by the flow table as ref, to
// the dissectors. It returns false when the packet's flow will never
// interest them — not TCP or UDP, or a conversation no dissector
// recognised — so the caller may stop offering its packets
// (flow.Table.Ignore). Packets without payload cost a length check.
func (t *Tracker) Packet(p *decode.Packet, ref flow.Ref) bool {
	if len(p.Payload) == 0 {
		return true
	}
	// The steady state first: a classified conversation, whose flow is
	// TCP or UDP, and a packet that is no fragment.
	c := t.known(ref)
	if c == nil || c.status != convClassified || p.Fragment || p.MoreFragments {
		return t.otherPacket(c, p, ref)
	}
	if c.flags&convTwoWay == 0 {
		c.noteDirection(ref.FromInitiator)
	}
	if c.tmpl == 0 {
		t.keyed(c, p, ref, transportOf(p))
		return true
	}
	// The held path: p's message counted as a repeat of one of its
	// direction's templates if it is one — the same length, State, frame
	// addresses and marked bytes, not earlier than the last one held, and
	// over TCP a segment in step — and otherwise carried from the last
	// minute's templates, found by its key or dissected. It is spelled
	// out here rather than called: a call of its own cost six
	// instructions a packet.
	fromInit := ref.FromInitiator
	di := 1
	if fromInit {
		di = 0
	}
	ct := &t.tmpls.all[c.tmpl-1]
	// The direction's three templates in turn, spelled out: a loop costs
	// the held path a tenth more.
	x := &ct[di*templatesPerDir]
	if !x.agrees(p, c.state, t.agg.gen) {
		if x = &ct[di*templatesPerDir+1]; !x.agrees(p, c.state, t.agg.gen) {
			if x = &ct[di*templatesPerDir+2]; !x.agrees(p, c.state, t.agg.gen) {
				if !t.carry(c, ct, di, p, fromInit) {
					t.keyed(c, p, ref, transportOf(p))
				}
				return true
			}
		}
	}
	h := &x.held
	var s *stream
	if p.IPProto == layers.IPProtocolTCP {
		if s = &c.dir[di]; !s.inStep(p) {
			t.keyed(c, p, ref, TCP)
			return true
		}
	}
	if h.pend == 0 && !t.claim(c, h, fromInit) {
		t.keyed(c, p, ref, transportOf(p))
		return true
	}
	next := h.after
	if h.flags&repeatStepped != 0 {
		next = t.repeaters[c.disp-1].stateMask.NextState(p.Payload, c.senderIsClient(fromInit), c.state)
	}
	h.pend++
	h.last = p.TimestampNs
	c.state = next
	c.quiet[di] = 0 // a repeat, as in dissect: the direction does not rest
	if s != nil {
		s.next += uint32(len(p.Payload))
	}
	return true
}

// otherPacket is Packet for a packet with payload that is not a whole
// message of a classified conversation (c, nil when the Tracker does not
// have the flow): a layer-2 frame, a fragment, or a flow not classified
// yet or rejected.
func (t *Tracker) otherPacket(c *conv, p *decode.Packet, ref flow.Ref) bool {
	if p.IPVersion == 0 {
		if len(t.reg.ether) > 0 && !p.IsARP {
			t.frame(p)
		}
		return true
	}
	switch p.IPProto {
	case layers.IPProtocolTCP:
	case layers.IPProtocolUDP:
		if p.MoreFragments {
			return true // the rest of the datagram is in later fragments
		}
	default:
		return false
	}
	if p.Fragment {
		return true
	}
	if c == nil || c.status != convClassified {
		return t.newPacket(c, p, ref, transportOf(p))
	}
	// A TCP segment of a datagram cut in fragments, the segment's header
	// in this one: counted by its key or dissected, not held.
	if c.flags&convTwoWay == 0 {
		c.noteDirection(ref.FromInitiator)
	}
	t.keyed(c, p, ref, TCP)
	return true
}

// transportOf returns the transport of a TCP or UDP packet.
func transportOf(p *decode.Packet) Transport {
	if p.IPProto == layers.IPProtocolTCP {
		return TCP
	}
	return UDP
}

// keyed counts p's message as a repeat found by its key if it is one, and
// dissects it if not.
func (t *Tracker) keyed(c *conv, p *decode.Packet, ref flow.Ref, tr Transport) {
	if !t.counted(c, p, ref.FromInitiator, tr) {
		t.dissectPacket(c, p, ref, tr, false)
	}
}

// newPacket is Packet for a packet whose flow the Tracker has not
// classified yet (c, nil when the Tracker does not have it) or has
// rejected, and returns what Packet returns. It is a function of its own
// to keep the classified conversations' path in Packet short.
func (t *Tracker) newPacket(c *conv, p *decode.Packet, ref flow.Ref, tr Transport) bool {
	if c == nil {
		c = t.newConv(ref)
	}
	probed := false
	if c.status != convClassified {
		if c.status == convRejected {
			return false
		}
		var ok bool
		if ok, probed = t.classify(c, p, tr, ref); !ok {
			return c.status != convRejected
		}
		if fromClient(c, p, ref) == ref.FromInitiator {
			c.flags |= convClientIsInit
		}
	}
	c.noteDirection(ref.FromInitiator)
	t.dissectPacket(c, p, ref, tr, probed)
	return true
}

// dissectPacket hands p's payload to c's dissector: whole, or for TCP
// through reassembly. probed says the dissector's Probe accepted this
// payload a moment ago.
func (t *Tracker) dissectPacket(c *conv, p *decode.Packet, ref flow.Ref, tr Transport, probed bool) {
	// Field by field: a whole-struct assignment is a typed memory move,
	// several times dearer on this path.
	cur := &t.cur
	cur.p, cur.c, cur.d, cur.ref, cur.fc = p, c, t.reg.ds[c.disp-1], ref, c.senderIsClient(ref.FromInitiator)
	if tr == UDP {
		t.dissect(p.Payload, UDP)
	} else {
		t.tcp(probed)
	}
}

// senderIsClient says whether the sender of a packet one way of the flow,
// sent by its initiator or not, is the conversation's client.
func (c *conv) senderIsClient(fromInit bool) bool {
	return fromInit == (c.flags&convClientIsInit != 0)
}

// noteDirection records that payload was sent, by the flow's initiator
// or not.
func (c *conv) noteDirection(fromInit bool) {
	switch {
	case c.flags&convPayload == 0:
		c.flags |= convPayload
		if fromInit {
			c.flags |= convFirstFromInit
		}
	case fromInit != (c.flags&convFirstFromInit != 0):
		c.flags |= convTwoWay
	}
}

// known returns the state of ref's flow if the Tracker has it, nil
// otherwise. It is small enough to be inlined on the per-packet path.
func (t *Tracker) known(ref flow.Ref) *conv {
	if i := int(ref.Slot); i >= 0 && i < len(t.convs) {
		if c := &t.convs[i]; c.id == ref.ID {
			return c
		}
	}
	return nil
}

// newConv returns fresh state for ref's flow: a scratch conversation for a
// packet without a flow, else its slot, grown into or reset if the slot
// held a different flow.
func (t *Tracker) newConv(ref flow.Ref) *conv {
	if ref.Slot < 0 {
		t.scratch = conv{}
		return &t.scratch
	}
	i := int(ref.Slot)
	if i >= len(t.convs) {
		if i < cap(t.convs) {
			t.convs = t.convs[:i+1]
		} else {
			t.convs = append(t.convs, make([]conv, i+1-len(t.convs))...)
		}
		t.reps.fit(len(t.convs))
	}
	c := &t.convs[i]
	if c.id != ref.ID {
		t.fold(c)
		t.releaseConv(c)
		t.tmpls.release(c)
		*c = conv{id: ref.ID}
	}
	return c
}

// classify finds the conversation's dissector: its routed twin's, by
// server port, else by the heuristics. It reports whether one was found,
// and whether that was by probing this very payload.
func (t *Tracker) classify(c *conv, p *decode.Packet, tr Transport, ref flow.Ref) (ok, probed bool) {
	if t.linkTwin(c, p, ref) {
		return true, false
	}
	switch owner := t.reg.portOwner(tr, p.DstPort); {
	case owner != 0:
		c.disp, c.port = owner, p.DstPort
	default:
		if owner = t.reg.portOwner(tr, p.SrcPort); owner != 0 {
			c.disp, c.port = owner, p.SrcPort
			break
		}
		conn := Conn{Transport: tr, SrcPort: p.SrcPort, DstPort: p.DstPort}
		for _, i := range t.reg.heuristics(tr) {
			if t.reg.ds[i].Probe(p.Payload, conn) {
				c.disp, probed = i+1, true
				break
			}
		}
		if c.disp == 0 {
			c.probes++
			if int(c.probes) >= t.opts.MaxProbes {
				c.status = convRejected
			}
			return false, false
		}
	}
	c.status = convClassified
	c.vlan = p.VLAN
	t.indexTwin(p, ref)
	return true, probed
}

// fromClient decides whether p's sender is the conversation's client: the
// side not using the server port that classified it, else the flow's
// initiator. The answer is the same for every packet one way of a flow,
// so it is worked out once, when the conversation is classified
// (convClientIsInit).
func fromClient(c *conv, p *decode.Packet, ref flow.Ref) bool {
	if c.port != 0 {
		toServer, fromServer := p.DstPort == c.port, p.SrcPort == c.port
		if toServer != fromServer {
			return toServer
		}
	}
	return ref.FromInitiator
}

// dissect hands one message of the current packet's conversation to its
// dissector and records what it reports.
func (t *Tracker) dissect(payload []byte, tr Transport) {
	cur := &t.cur
	m := &t.msg
	st := &t.primary(cur.c).state
	// The key lives in the Tracker: passed to an interface method, one on
	// the stack would escape to the heap.
	key := &t.key
	di, dir := 1, repeatFlags(0)
	if cur.ref.FromInitiator {
		di, dir = 0, repeatFromInit
	}
	q, r := &cur.c.quiet[di], &cur.c.rep[di]
	n, mask, next, how := t.repeatKey(q, payload, key, *st)
	// found is the entry remembering this very message, in the
	// conversation or in the table; it is refreshed in place if the
	// message is dissected after all (an identity written since by
	// another conversation).
	var found *repeatEntry
	if n > 0 {
		if found = t.remembered(r, cur.c.id, dir, key, n, *st&mask); found != nil {
			if how == askedPlain {
				next = found.after
			}
			if t.repeated(found, cur.p, repeatToken(cur.c.id, cur.ref.FromInitiator), st, next) {
				*q = 0
				t.offerTemplate(cur.c, cur.p, di, cur.fc, tr, mask, payload, found)
				return
			}
		}
	}
	if how != notAsked {
		missed(q)
	}
	before := *st
	m.reset(payload, tr, cur.fc, before)
	if err := cur.d.Dissect(m); err != nil {
		t.stats.Malformed++
		return
	}
	*st = m.State
	idx, ident := int32(-1), int32(-1)
	var kind Kind
	var srcIsSender bool
	if m.emitted {
		if idx, kind, srcIsSender = t.ipEvent(m); idx < 0 {
			n = 0 // the minute's table is full: count it as dropped every time
		}
	}
	if m.identified {
		if ident = t.ipIdentity(m); ident < 0 || !t.reg.infos[cur.c.disp-1].KeysIdentities {
			n = 0
		}
	}
	if n > 0 && (idx >= 0 || ident >= 0) {
		if found == nil {
			// A new message: it becomes the direction's last, and the
			// last before it moves to the table.
			t.reps.keep(r, t.agg.gen)
			found = r
		}
		flags := dir
		if m.event.Error {
			flags |= repeatErr
		}
		if srcIsSender {
			flags |= repeatSrcIsSender
		}
		*found = repeatEntry{key: *key, before: before & mask, after: m.State, flow: cur.c.id, gen: t.agg.gen,
			idx: idx, ident: ident, n: uint8(n), kind: kind, flags: flags}
		if found == r {
			t.keepTemplate(cur.c, cur.p, t.templateSlot(cur.c, di, cur.p.TimestampNs, true), cur.fc, tr, cur.d, &t.repeaters[cur.c.disp-1], mask, payload, found, m.event.attrs[:m.event.n])
		}
	}
}

// ipIdentity keeps what the sender of the current packet said about
// itself, and returns where (-1 when the minute's table is full).
func (t *Tracker) ipIdentity(m *Message) int32 {
	c, p, ref := t.cur.c, t.cur.p, t.cur.ref
	proto := t.reg.protocol(c.disp, m.Variant)
	x := &c.ident
	if x.gen != t.agg.gen || x.proto != proto || x.vlan != p.VLAN || x.fromInit != ref.FromInitiator {
		k := idKey{proto: proto, vlan: p.VLAN, addr: p.SrcIP.As16(), v6: p.IPVersion == 6}
		idx := t.ids.slot(&k)
		if idx < 0 {
			return -1
		}
		*x = identCache{gen: t.agg.gen, idx: idx, vlan: p.VLAN, proto: proto, fromInit: ref.FromInitiator}
	}
	t.touchIdent(x.idx)
	t.ids.record(x.idx, p.SrcMAC, p.HasEthernet, t.reg.infos[c.disp-1].Vendor, &m.identity, p.TimestampNs, repeatToken(c.id, ref.FromInitiator))
	return x.idx
}

// ipEvent counts m's event. The event's src is the requester: the sender
// of a request or other message, the receiver of a response. It returns
// where the event is counted (-1 when the minute's table is full), the
// message's resolved kind and whether its sender is the event's src.
func (t *Tracker) ipEvent(m *Message) (int32, Kind, bool) {
	c, p, ref := t.cur.c, t.cur.p, t.cur.ref
	e := &m.event
	kind := resolve(e.Kind, m.FromClient)
	srcIsSender := kind != KindResponse
	srcIsInit := srcIsSender == ref.FromInitiator
	proto := t.reg.protocol(c.disp, m.Variant)
	idx := int32(-1)
	if x := &c.cache[0]; x.gen == t.agg.gen && x.code == e.Code && x.proto == proto && x.srcIsInit == srcIsInit {
		idx = x.idx
	} else if x := &c.cache[1]; x.gen == t.agg.gen && x.code == e.Code && x.proto == proto && x.srcIsInit == srcIsInit {
		idx = x.idx
		c.cache[0], c.cache[1] = c.cache[1], c.cache[0] // most recent first
	}
	if idx < 0 {
		k := aggKey{code: e.Code, proto: proto, vlan: c.vlan, v6: p.IPVersion == 6}
		src, dst := p.SrcIP.As16(), p.DstIP.As16()
		if srcIsSender {
			k.src, k.dst, k.sport, k.dport = src, dst, p.SrcPort, p.DstPort
		} else {
			k.src, k.dst, k.sport, k.dport = dst, src, p.DstPort, p.SrcPort
		}
		if idx = t.agg.slot(&k, e.Function); idx < 0 {
			return -1, kind, srcIsSender
		}
		c.cache[1] = c.cache[0]
		c.cache[0] = cacheEntry{gen: t.agg.gen, idx: idx, code: e.Code, proto: proto, srcIsInit: srcIsInit}
	}
	t.count(&t.agg.aggs[idx], p, kind, srcIsSender, e.Error, e.attrs[:e.n])
	return idx, kind, srcIsSender
}

// count adds one message, with details attrs, to an aggregate.
func (t *Tracker) count(a *aggregate, p *decode.Packet, kind Kind, srcIsSender, isErr bool, attrs []Attr) {
	t.touchAgg(a)
	fresh := a.count == 0
	if !fresh && a.single && (int(a.nattrs) > len(a.attrs) || !sameAttrs(a.attrs[:a.nattrs], attrs)) {
		a.single = false
	}
	a.count1(kind, isErr, p.TimestampNs)
	a.macs(p, srcIsSender)
	if len(attrs) > 0 {
		t.agg.merge(a, attrs)
	}
	if fresh {
		a.single = int(a.nattrs) == len(attrs) && !a.truncated
	}
}

// resolve turns KindAuto into a request or a response by the sender's role.
func resolve(k Kind, fromClient bool) Kind {
	if k != KindAuto {
		return k
	}
	if fromClient {
		return KindRequest
	}
	return KindResponse
}

// frame dissects a layer-2 frame by its EtherType. Layer-2 protocols have
// no conversation state: each frame stands alone.
func (t *Tracker) frame(p *decode.Packet) {
	owner := t.reg.etherOwner(uint16(p.EtherType))
	if owner == 0 || t.frameHeldRepeat(p, owner) {
		return
	}
	key := &t.key
	var r *frameRepeat
	n := t.frameKey(owner, p.Payload, key)
	if n > 0 {
		if r = t.frames.entry(p, owner, key, n); t.frameRepeated(r, p, owner, n) {
			t.keepFrameTemplate(p, owner, r.idx, r.kind, r.err, r.srcIsSender, false)
			return
		}
	}
	m := &t.msg
	m.reset(p.Payload, Ethernet, true, 0)
	if err := t.reg.ds[owner-1].Dissect(m); err != nil {
		t.stats.Malformed++
		return
	}
	if !m.emitted && !m.identified && r != nil {
		// A frame that reports nothing: its repeats need no dissecting.
		r.remember(p, owner, key, n, t.agg.gen, -1, 0, false, false)
		t.keepFrameTemplate(p, owner, -1, 0, false, false, true)
	}
	if m.emitted {
		e := &m.event
		kind := resolve(e.Kind, true)
		srcIsSender := kind != KindResponse
		k := aggKey{code: e.Code, proto: t.reg.protocol(owner, m.Variant), vlan: p.VLAN, l2: true}
		if srcIsSender {
			copy(k.src[:], p.SrcMAC[:])
			copy(k.dst[:], p.DstMAC[:])
		} else {
			copy(k.src[:], p.DstMAC[:])
			copy(k.dst[:], p.SrcMAC[:])
		}
		if idx := t.agg.slotRecent(&k, e.Function); idx >= 0 {
			t.count(&t.agg.aggs[idx], p, kind, srcIsSender, e.Error, e.attrs[:e.n])
			if r != nil && !m.identified {
				r.remember(p, owner, key, n, t.agg.gen, idx, kind, e.Error, srcIsSender)
				t.keepFrameTemplate(p, owner, idx, kind, e.Error, srcIsSender, true)
			}
		}
	}
	if m.identified {
		k := idKey{proto: t.reg.protocol(owner, m.Variant), vlan: p.VLAN, l2: true}
		copy(k.addr[:], p.SrcMAC[:])
		if idx := t.ids.slot(&k); idx >= 0 {
			t.touchIdent(idx)
			t.ids.record(idx, p.SrcMAC, p.HasEthernet, t.reg.infos[owner-1].Vendor, &m.identity, p.TimestampNs, 0)
		}
	}
}
