package pipeline

import (
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/edge/observe"
	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
	"mimamori/protocols/all"
)

// Observer learns devices and names from decoded frames and hands over a
// minute's worth on Flush. observe.Table is the production implementation.
type Observer interface {
	Observe(p *decode.Packet)
	Flush() (devices []*wirepb.Device, names []*wirepb.Name)
}

var _ Observer = (*observe.Table)(nil)

// Options configure a Pipeline.
type Options struct {
	// Source names the capture in the batch's statistics.
	Source string
	// Flow bounds the flow table and sets its timeouts.
	Flow flow.Options
	// Observer learns devices and names; nil means a new observe.Table
	// with default bounds.
	Observer Observer
	// Protocols are the OT dissectors run on every packet with payload;
	// nil means all of them (protocols/all). An empty registry turns them
	// off.
	Protocols *protocols.Registry
	// OT bounds the dissectors' per-minute tables and reassembly buffers.
	OT protocols.Options
	// OnMinute receives each sealed minute. The batch is the receiver's.
	OnMinute func(*wirepb.Batch)
	// SealDelay is how long after a minute's end Advance waits before
	// sealing it, so frames still queued in the kernel make it in
	// (default 2 s).
	SealDelay time.Duration
	// Live says the packets' times come from this machine's clock, as
	// they do from a NIC: a packet far before the current minute then
	// means the clock was set back (see clockJump). In a capture file it
	// is only a late packet (files merged from several captures).
	Live bool
}

// minuteNs is one minute in nanoseconds.
const minuteNs = int64(time.Minute)

// clockJump is how far before the current minute a live source's packet
// time, or the wall clock of an idle live source, must fall to be taken
// for a clock set back (a sensor whose clock ran ahead, corrected by NTP)
// rather than for a late packet. The minute in progress is then sealed
// and counting goes on from the new time: otherwise nothing would be
// sealed until the clock caught up again, an hour later for a clock an
// hour ahead.
const clockJump = 2 * minuteNs

// Pipeline decodes frames and accumulates one source's minutes.
type Pipeline struct {
	opts  Options
	dec   *decode.Decoder
	flows *flow.Table
	obs   Observer
	ot    *protocols.Tracker
	pkt   decode.Packet

	started bool
	closed  bool
	minute  int64 // start of the current minute, Unix ns
	stats   counters

	drops       uint64 // cumulative kernel drops, as last reported
	dropsSealed uint64 // drops already attributed to a sealed minute
}

// counters are the current minute's capture statistics.
type counters struct {
	packets, bytes, decodeErrors, nonIP uint64
}

// New returns a Pipeline.
func New(opts Options) *Pipeline {
	if opts.SealDelay <= 0 {
		opts.SealDelay = 2 * time.Second
	}
	obs := opts.Observer
	if obs == nil {
		obs = observe.New(observe.Options{})
	}
	reg := opts.Protocols
	if reg == nil {
		reg = all.Default()
	}
	return &Pipeline{
		opts:  opts,
		dec:   decode.New(),
		flows: flow.New(opts.Flow),
		obs:   obs,
		ot:    protocols.NewTracker(reg, opts.OT),
	}
}

// Packet processes one captured frame. A frame that fails to decode is
// counted as a decode error and still contributes what was decoded.
func (p *Pipeline) Packet(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
	if p.closed {
		return
	}
	err := p.dec.Decode(data, ci, link, &p.pkt)
	m := minuteStart(p.pkt.TimestampNs)
	switch {
	case !p.started:
		p.started, p.minute = true, m
	case m > p.minute:
		p.seal()
		p.minute = m
	case p.opts.Live && m < p.minute-clockJump:
		p.seal()
		p.minute = m
		p.flows.SetBack(p.pkt.TimestampNs)
	}
	p.stats.packets++
	p.stats.bytes += uint64(p.pkt.WireLen)
	if err != nil {
		p.stats.decodeErrors++
	} else if p.pkt.IPVersion == 0 {
		p.stats.nonIP++
	}
	ref := p.flows.Packet(&p.pkt)
	p.obs.Observe(&p.pkt)
	// Conversations the dissectors have given up on are marked in the
	// flow table, so their packets cost nothing more here.
	if len(p.pkt.Payload) > 0 && !ref.Ignored && !p.ot.Packet(&p.pkt, ref) {
		p.flows.Ignore(ref)
	}
}

// Advance seals the current minute when the wall clock (nowNs, Unix ns)
// has passed its end by SealDelay, for sources whose timestamps follow the
// wall clock. Call it when a live source is idle; it does nothing while
// packets keep the minutes moving.
func (p *Pipeline) Advance(nowNs int64) {
	if p.closed {
		return
	}
	if !p.started {
		p.started, p.minute = true, minuteStart(nowNs)
		return
	}
	if nowNs < p.minute-clockJump {
		p.seal()
		p.minute = minuteStart(nowNs)
		p.flows.SetBack(nowNs)
		return
	}
	if nowNs-int64(p.opts.SealDelay) < p.minute+minuteNs {
		return
	}
	p.seal()
	// After a long stall skip the empty minutes in between rather than
	// sealing each.
	p.minute = max(p.minute+minuteNs, minuteStart(nowNs-int64(p.opts.SealDelay)))
}

// SetKernelDrops reports the source's cumulative drop count; each sealed
// minute carries the increase since the previous one.
func (p *Pipeline) SetKernelDrops(total uint64) {
	if total < p.dropsSealed {
		p.dropsSealed = 0 // the source was reopened and restarted its count
	}
	p.drops = total
}

// Close seals the minute in progress. The Pipeline ignores frames after it.
func (p *Pipeline) Close() {
	if p.closed {
		return
	}
	if p.started {
		p.seal()
	}
	p.closed = true
}

// seal hands the current minute to OnMinute and starts a fresh one.
func (p *Pipeline) seal() {
	flows, fs := p.flows.Flush(p.minute)
	devices, names := p.obs.Flush()
	events, ids, ots := p.ot.Flush(p.minute)
	b := &wirepb.Batch{
		Minute:     p.minute / int64(time.Second),
		Flows:      flows,
		Devices:    devices,
		Names:      names,
		OtEvents:   events,
		Identities: ids,
		Captures: []*wirepb.CaptureStats{{
			Source:       p.opts.Source,
			Packets:      p.stats.packets,
			Bytes:        p.stats.bytes,
			KernelDrops:  p.drops - p.dropsSealed,
			DecodeErrors: p.stats.decodeErrors,
			NonIpPackets: p.stats.nonIP,
			FlowsActive:  fs.Active,
			FlowsExpired: fs.Expired,
			FlowsEvicted: fs.Evicted,

			OtEventsDropped:   ots.EventsDropped,
			IdentitiesDropped: ots.IdentitiesDropped,
			OtMalformed:       ots.Malformed,
		}},
	}
	p.dropsSealed = p.drops
	p.stats = counters{}
	if p.opts.OnMinute != nil {
		p.opts.OnMinute(b)
	}
}

// minuteStart returns the start of the minute holding ts (floor, also for
// times before 1970).
func minuteStart(ts int64) int64 {
	r := ts % minuteNs
	if r < 0 {
		r += minuteNs
	}
	return ts - r
}
