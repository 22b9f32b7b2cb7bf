package synth

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"time"
)

// defaultStart is the stream's origin when Config.Start is zero and the
// stream is not paced in real time: a Tuesday morning shift in Japan.
func defaultStart() time.Time { return time.Date(2025, 4, 1, 8, 30, 0, 0, plantZone()) }

// plantZone is the plant's local time zone, used for wall-clock fields
// inside payloads.
func plantZone() *time.Location { return time.FixedZone("JST", 9*3600) }

// Config selects the plant and the stretch of time to generate.
type Config struct {
	// Seed drives every random choice (jitter, ports, sequence numbers,
	// process values). Same Seed and Start give byte-identical output.
	Seed int64
	// Start is the timestamp of the stream's origin; hosts boot relative to
	// it. Zero means 2025-04-01 08:30 JST, or the current time when the
	// stream is paced in real time by NewSource.
	Start time.Time
	// Duration ends the stream; 0 means it never ends.
	Duration time.Duration
	// Skip withholds the frames of the first Skip of the stream: the plant
	// boots and settles (DHCP, ARP, connections opening) but the stream
	// starts with it already running. Attacks without a time are spread
	// over what remains.
	Skip time.Duration
	// Cells is the number of production cells of DefaultFactory (default 3).
	// Ignored when Factory is set.
	Cells int
	// Factory replaces DefaultFactory(Cells). It is copied, not retained.
	Factory *Factory
	// Untagged strips 802.1Q tags, as a mirror port configured without
	// VLAN encapsulation would.
	Untagged bool
	// Attacks are injected into the traffic, each with a Label.
	Attacks []Attack
	// Loopback moves every IPv4 address into 127.0.0.0/8 (see
	// LoopbackFactory), including broadcast, multicast and unspecified
	// addresses, so that frames sent onto a test interface can address
	// nothing outside the machine.
	Loopback bool
}

// Generator produces the frames of a plant in timestamp order. It is not
// safe for concurrent use.
type Generator struct {
	cfg     Config
	fac     *Factory
	hosts   []*host
	byName  map[string]*host
	byIP    map[[4]byte]*host
	subnets []*subnet
	router  *host
	dns     *host
	dhcp    *host

	arps     map[arpKey]*arpPair
	arpOrder []*arpPair // registration order, for deterministic scheduling
	started  bool
	startNs  int64
	endNs    int64 // 0 = endless

	queue queue
	seq   uint64
	now   int64
	fr    frame
	noise []byte // deterministic filler for bulk payloads

	plans []*plan // injected attacks

	// origIP maps loopback addresses back to the plant's own, so random
	// sources keyed by address are the same in loopback mode.
	origIP map[[4]byte]netip.Addr

	// Addresses that are not any host's: limited broadcast, unspecified,
	// and the mDNS and LLMNR groups (moved into 127/8 by Config.Loopback).
	ipBcast, ipAny, ipMDNS, ipLLMNR [4]byte
}

// New builds a generator for cfg. It panics if cfg.Factory fails Validate
// or an attack cannot be placed (NewChecked returns the error instead);
// DefaultFactory without attacks always passes.
func New(cfg Config) *Generator {
	g, err := NewChecked(cfg)
	if err != nil {
		panic(err)
	}
	return g
}

// NewChecked is New returning an invalid factory or attack as an error.
func NewChecked(cfg Config) (*Generator, error) {
	if cfg.Cells <= 0 {
		cfg.Cells = 3
	}
	fac := cfg.Factory
	if fac == nil {
		fac = DefaultFactory(cfg.Cells)
	} else {
		fac = fac.Clone()
	}
	if err := fac.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg, fac: fac, fr: newFrame(),
		ipBcast: ipBroadcast, ipAny: ipZero, ipMDNS: ipMDNS, ipLLMNR: ipLLMNR}
	plans, err := planAttacks(cfg, fac, g.Start())
	if err != nil {
		return nil, err
	}
	g.plans = plans
	if cfg.Loopback {
		if g.fac, err = LoopbackFactory(fac); err != nil {
			return nil, err
		}
		g.origIP = map[[4]byte]netip.Addr{}
		for i, h := range fac.Hosts {
			if !h.NoIP {
				g.origIP[g.fac.Hosts[i].IP.As4()] = h.IP
			}
		}
		for i, s := range fac.Subnets {
			g.origIP[g.fac.Subnets[i].Gateway.As4()] = s.Gateway
		}
		g.ipBcast, g.ipAny = loopback4(ipBroadcast), loopback4(ipZero)
		g.ipMDNS, g.ipLLMNR = loopback4(ipMDNS), loopback4(ipLLMNR)
	}
	if err := g.fac.Validate(); err != nil {
		return nil, err
	}
	g.cfg.Factory = nil
	g.resolve()
	return g, nil
}

// Hosts returns the ground truth of every host, in factory order. VLAN is
// 0 for every host when Config.Untagged is set.
func (g *Generator) Hosts() []Host {
	out := make([]Host, len(g.hosts))
	for i, h := range g.hosts {
		out[i] = h.Host
		out[i].MAC = append(out[i].MAC[:0:0], h.Host.MAC...)
	}
	return out
}

// Factory returns a copy of the plant description in use.
func (g *Generator) Factory() *Factory { return g.fac.Clone() }

// Start returns the stream's origin (after defaulting).
func (g *Generator) Start() time.Time {
	if g.cfg.Start.IsZero() {
		return defaultStart()
	}
	return g.cfg.Start
}

// Duration returns Config.Duration (0 = endless).
func (g *Generator) Duration() time.Duration { return g.cfg.Duration }

// setStart moves the origin before the first frame; NewSource uses it to
// anchor a real-time stream at the current time.
func (g *Generator) setStart(t time.Time) {
	if !g.started {
		g.cfg.Start = t
	}
}

// Next returns the next frame, its timestamp in Unix nanoseconds, and
// whether there was one (false once Config.Duration has elapsed). The frame
// is only valid until the following call.
func (g *Generator) Next() (frame []byte, tsNs int64, ok bool) {
	if !g.started {
		g.start()
		g.skip()
	}
	for g.queue.len() > 0 {
		ev := g.queue.pop()
		if g.endNs != 0 && ev.at >= g.endNs {
			g.queue.clear()
			break
		}
		g.now = ev.at
		if ev.p.fire(g, ev) {
			return g.fr.finish(), ev.at, true
		}
	}
	return nil, 0, false
}

// skip runs the events before Start+Skip, discarding their frames, and
// forgets what the attacks counted in that time.
func (g *Generator) skip() {
	until := g.startNs + int64(g.cfg.Skip)
	for g.queue.len() > 0 && g.queue.ev[0].at < until {
		ev := g.queue.pop()
		if g.endNs != 0 && ev.at >= g.endNs {
			g.queue.clear()
			break
		}
		g.now = ev.at
		ev.p.fire(g, ev)
	}
	for _, p := range g.plans {
		*p.run = attackRun{plan: p}
	}
}

// process is anything that emits frames over time. fire handles one of the
// process's scheduled events and reports whether it built a frame in g.fr.
type process interface {
	fire(g *Generator, ev event) bool
}

type event struct {
	at  int64
	seq uint64 // schedule order: ties at equal times keep it, so output is deterministic
	p   process
	op  uint8
	arg uint16
}

// at schedules op of p at absolute time t (Unix ns).
func (g *Generator) at(t int64, p process, op uint8, arg uint16) {
	g.seq++
	g.queue.push(event{at: t, seq: g.seq, p: p, op: op, arg: arg})
}

// after schedules op of p d nanoseconds after the current event.
func (g *Generator) after(d int64, p process, op uint8, arg uint16) { g.at(g.now+d, p, op, arg) }

// rng returns a random source private to one process. Keying it by a stable
// name keeps a conversation's randomness unchanged when others are added
// to the factory.
func (g *Generator) rng(key string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(key))
	return rand.New(rand.NewPCG(uint64(g.cfg.Seed), h.Sum64()))
}

// start creates every process and schedules its first event.
func (g *Generator) start() {
	g.started = true
	g.startNs = g.Start().UnixNano()
	if g.cfg.Duration > 0 {
		g.endNs = g.startNs + int64(g.cfg.Duration)
	}
	g.now = g.startNs
	r := g.rng("noise")
	g.noise = make([]byte, 64<<10)
	for i := range g.noise {
		g.noise[i] = byte(r.Uint32())
	}
	g.arps = make(map[arpKey]*arpPair)

	for _, h := range g.hosts {
		g.startHost(h)
	}
	for i := range g.fac.Talks {
		g.startTalk(&g.fac.Talks[i])
	}
	for i := range g.fac.CCIEF {
		g.startCCIEF(&g.fac.CCIEF[i])
	}
	for i := range g.fac.Field {
		g.startField(&g.fac.Field[i])
	}
	g.startAttacks()
	g.scheduleARP()
}

// host is a Host plus what the generator needs to send as it.
type host struct {
	Host
	mac    mac
	ip     [4]byte
	vlan   uint16
	sub    *subnet
	prof   *stackProfile
	ipID   uint16
	port   uint16 // next ephemeral port for sequential allocators
	rng    *rand.Rand
	bootNs int64 // absolute boot time, set at start
	// run counts the frames of a host an attack brought in, for its label.
	run *attackRun
}

type subnet struct {
	Subnet
	gw    [4]byte
	bcast [4]byte
	mask  [4]byte
	vlan  uint16
}

func (g *Generator) resolve() {
	g.byName = make(map[string]*host, len(g.fac.Hosts))
	g.byIP = make(map[[4]byte]*host, len(g.fac.Hosts))
	subs := make(map[string]*subnet, len(g.fac.Subnets))
	for _, s := range g.fac.Subnets {
		sn := &subnet{Subnet: s, gw: s.Gateway.As4(), vlan: s.VLAN}
		if g.cfg.Untagged {
			sn.vlan = 0
		}
		bits := s.Prefix.Bits()
		base := s.Prefix.Masked().Addr().As4()
		for i := 0; i < 4; i++ {
			n := max(0, min(8, bits-8*i))
			sn.mask[i] = byte(0xff << (8 - n))
			sn.bcast[i] = base[i] | ^sn.mask[i]
		}
		subs[s.Name] = sn
		g.subnets = append(g.subnets, sn)
	}
	for _, h := range g.fac.Hosts {
		x := &host{Host: h, sub: subs[h.Subnet], prof: h.Stack.profile()}
		copy(x.mac[:], h.MAC)
		x.vlan = x.sub.vlan
		x.Host.VLAN = x.vlan
		g.hosts = append(g.hosts, x)
		g.byName[h.Name] = x
		if !h.NoIP {
			x.ip = h.IP.As4()
			g.byIP[x.ip] = x
		}
	}
	g.router = g.byName[g.fac.Router]
	g.dns = g.byName[g.fac.DNSServer]
	g.dhcp = g.byName[g.fac.DHCPServer]
}

// startHost seeds per-host state and the host's own background processes.
func (g *Generator) startHost(h *host) {
	h.rng = g.rng("host/" + h.Name)
	h.bootNs = g.startNs + int64(h.Boot)
	h.ipID = uint16(h.rng.Uint32())
	lo, hi := h.prof.ephemeral[0], h.prof.ephemeral[1]
	h.port = lo + uint16(h.rng.IntN(int(hi-lo)+1))
	if h.NoIP {
		return // a field station's frames come from its network's process
	}

	if h.DHCP {
		g.startDHCP(h)
	} else {
		g.startAnnounce(h)
	}
	if h.Role == RoleSwitch || h.Role == RoleRouter {
		g.startSwitch(h)
	}
	if h.prof.windows || (h.prof.mdns && desktop(h.Role)) {
		g.startNames(h)
	}
}

// ready is when h can first send IP traffic: after boot, and after its
// DHCP exchange for DHCP clients.
func (h *host) ready() int64 {
	if h.DHCP {
		return h.bootNs + int64(time.Second)
	}
	return h.bootNs
}

func desktop(r Role) bool {
	return r == RoleWorkstation || r == RoleEngineering || r == RoleHMI
}

// nextID returns the host's next IPv4 identification value. One counter per
// host is what Windows and most embedded stacks do.
func (h *host) nextID() uint16 {
	h.ipID++
	return h.ipID
}

// ephemeralPort allocates a client port the way the host's stack does.
func (h *host) ephemeralPort() uint16 {
	lo, hi := h.prof.ephemeral[0], h.prof.ephemeral[1]
	if !h.prof.seqPorts {
		return lo + uint16(h.rng.IntN(int(hi-lo)+1))
	}
	p := h.port
	if h.port >= hi {
		h.port = lo
	} else {
		h.port++
	}
	return p
}

// route returns how a unicast IP packet from h to d appears on h's link:
// the L2 destination (d itself, or the router for another subnet).
func (g *Generator) route(h, d *host) mac {
	if h.sub == d.sub {
		return d.mac
	}
	return g.router.mac
}

// beginIP starts a unicast IPv4 frame from h to d on h's link.
func (g *Generator) beginIP(h, d *host, proto uint8, df bool) {
	g.fr.ether(g.route(h, d), h.mac, h.vlan, etherIPv4)
	g.fr.ipv4(h.ip, d.ip, proto, h.prof.ttl, h.nextID(), df)
}

// beginUDP starts a unicast UDP datagram; the caller appends the payload.
func (g *Generator) beginUDP(h, d *host, sport, dport uint16) {
	g.beginIP(h, d, protoUDP, h.prof.df)
	g.fr.udp(sport, dport)
}

// beginUDPTo starts a UDP datagram to a broadcast or multicast group.
func (g *Generator) beginUDPTo(h *host, dmac mac, dip [4]byte, ttl uint8, sport, dport uint16) {
	g.fr.ether(dmac, h.mac, h.vlan, etherIPv4)
	g.fr.ipv4(h.ip, dip, protoUDP, ttl, h.nextID(), false)
	g.fr.udp(sport, dport)
}

func (g *Generator) host(name string) *host {
	h := g.byName[name]
	if h == nil {
		panic(fmt.Sprintf("synth: unknown host %q", name)) // Validate rules this out
	}
	return h
}

// timeSource is the reference id stratum-2 servers report: the plant's NTP
// server, or the local clock when there is none.
func (g *Generator) timeSource() [4]byte {
	for _, h := range g.hosts {
		if h.Role == RoleNTP {
			return h.ip
		}
	}
	return [4]byte{127, 127, 1, 0} // LOCAL clock driver: already loopback
}

// fqdn is h's DNS name.
func (g *Generator) fqdn(h *host) string { return h.Name + "." + g.fac.Domain }

// keyIP is the address as random-source keys spell it: the plant's own
// address even in loopback mode.
func (g *Generator) keyIP(a [4]byte) string {
	if o, ok := g.origIP[a]; ok {
		return o.String()
	}
	return addrOf(a).String()
}

// addrOf converts a generator address back to netip.
func addrOf(a [4]byte) netip.Addr { return netip.AddrFrom4(a) }

// uniform returns a duration drawn uniformly from [lo, hi].
func uniform(r *rand.Rand, lo, hi time.Duration) int64 {
	if hi <= lo {
		return int64(lo)
	}
	return int64(lo) + r.Int64N(int64(hi-lo)+1)
}

// queue is a binary min-heap of events ordered by (at, seq). A typed heap
// avoids container/heap's interface boxing, which would allocate per event.
type queue struct{ ev []event }

func (q *queue) len() int { return len(q.ev) }
func (q *queue) clear()   { q.ev = q.ev[:0] }

func (q *queue) less(i, j int) bool {
	a, b := &q.ev[i], &q.ev[j]
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (q *queue) push(e event) {
	q.ev = append(q.ev, e)
	i := len(q.ev) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.ev[i], q.ev[p] = q.ev[p], q.ev[i]
		i = p
	}
}

func (q *queue) pop() event {
	top := q.ev[0]
	last := len(q.ev) - 1
	q.ev[0] = q.ev[last]
	q.ev[last] = event{}
	q.ev = q.ev[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && q.less(l, m) {
			m = l
		}
		if r < last && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q.ev[i], q.ev[m] = q.ev[m], q.ev[i]
		i = m
	}
	return top
}
