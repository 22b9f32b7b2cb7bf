package synth

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// A talk runs one Talk: it connects (DNS lookup, pings, TCP handshake as
// configured), runs request/response exchanges every Cycle, and for short
// sessions closes and pauses before reconnecting. Each phase is laid out as
// a small plan of timed steps, one frame per step; exactly one event per
// talk is pending at any time, so a talk's frames never interleave out of
// order and TCP sequence numbers simply advance as segments are emitted.

// app produces the payloads of one application protocol. For each exchange
// the talk calls request and then response, so an app may remember what the
// reply has to echo (transaction ids, counts). An empty response means the
// server sends none.
type app interface {
	request(b []byte, x *exchange) []byte
	response(b []byte, x *exchange) []byte
}

// bulker is implemented by apps whose responses carry a body too large to
// build in memory (HTTP downloads): response returns the headers, and
// bulk the number of body bytes that follow, which the talk fills from
// the generator's noise as it emits the segments.
type bulker interface {
	bulk(x *exchange) int
}

// fixedPorter is implemented by apps whose clients bind a well-known source
// port (FINS 9600, Windows NTP 123) instead of an ephemeral one.
type fixedPorter interface {
	clientPort(c *host) uint16
}

// setupper is implemented by apps whose first exchanges set up a session
// (COTP connect, RegisterSession, SMB negotiate): the client sends the next
// request as soon as each setup reply arrives instead of waiting a cycle.
type setupper interface {
	setupExchanges() int
}

// scripted is implemented by apps that run a fixed sequence of exchanges
// per connection (a program transfer, an attack tool's session); the
// sequence's length replaces Talk.PerConn.
type scripted interface {
	exchanges() int
}

// exchange is what an app knows about the request it is building.
type exchange struct {
	n     int    // index within the connection (0 = first after connecting)
	total uint64 // exchanges so far on this talk
	last  bool   // the connection closes after this exchange
	now   int64  // request time, Unix ns
	rng   *rand.Rand
	c, s  *host
	t     *Talk
}

const (
	talkOpConnect = iota
	talkOpExchange
	talkOpClose
	talkOpStep
)

const (
	phaseConnect = iota
	phaseExchange
	phaseClose
)

type stepKind uint8

const (
	stSeg      stepKind = iota // TCP segment
	stDgram                    // UDP datagram
	stDNSQuery                 // client asks the DNS server for the server's name
	stDNSReply
	stPing // ICMP echo request client -> server
	stPong
)

type step struct {
	at     int64 // offset from the plan's start
	kind   stepKind
	client bool // sent by the client
	flags  uint8
	off, n int32 // payload bytes of req (client) or resp (server)
}

type talk struct {
	t      *Talk
	c, s   *host
	app    app
	rng    *rand.Rand
	udp    bool
	period int64
	seg    int // largest segment payload; 0 = MSS
	// perConn is the exchanges per connection: Talk.PerConn, or the length
	// of a scripted app's sequence.
	perConn int
	once    bool       // one connection, then the talk ends (attacks)
	label   *attackRun // counts the frames of an attack; nil otherwise

	sport, dport uint16

	// TCP connection state.
	cNxt, sNxt     uint32 // next sequence number each side sends
	cWin, sWin     uint16 // windows advertised after the handshake
	mss            int
	ws, sack, ts   bool // negotiated options
	cTSoff, sTSoff uint32
	cTS, sTS       uint32 // last TSval each side sent
	opt            [40]byte

	phase  uint8
	gap    int64 // delay between the connect plan and the first exchange
	setup  int   // exchanges that follow each other without waiting a cycle
	n      int
	total  uint64
	next   int64 // start of the next exchange
	t0     int64 // start of the current plan
	plan   []step
	pos    int
	req    []byte
	resp   []byte
	respN  int // response length: resp plus any bulk body
	x      exchange
	dnsID  uint16
	dnsSrc uint16
	pingID uint16
	pingSq uint16
}

func (g *Generator) startTalk(t *Talk) {
	g.launchTalk(t, "talk", nil, 0, nil)
}

// launchTalk starts t under the random-source key prefix key. A nil app is
// the protocol's own; at > 0 opens the first connection at that absolute
// time (Unix ns) and makes the talk a single connection, as an attack's
// session is; run, when set, counts the talk's frames for the labels.
func (g *Generator) launchTalk(t *Talk, key string, a app, at int64, run *attackRun) {
	c, s := g.host(t.Client), g.host(t.Server)
	port := t.Port
	if port == 0 {
		port = t.Proto.Port()
	}
	p := &talk{
		t: t, c: c, s: s, udp: t.Proto.UDP(), dport: port, period: int64(t.Cycle), seg: t.Segment,
		rng:   g.rng(fmt.Sprintf("%s/%s>%s/%s/%d", key, t.Client, t.Server, t.Proto, port)),
		req:   make([]byte, 0, 1500),
		resp:  make([]byte, 0, 1500),
		once:  at > 0,
		label: run,
	}
	p.app = a
	if a == nil {
		p.app = g.newApp(t, c, s)
	}
	if su, ok := p.app.(setupper); ok {
		p.setup = su.setupExchanges()
	}
	p.perConn = t.PerConn
	if sc, ok := p.app.(scripted); ok {
		p.perConn = sc.exchanges()
	}
	p.pingID = 1
	p.pingSq = uint16(p.rng.IntN(4000))
	first := max(c.ready(), s.ready()) + int64(t.Start)
	if t.PerConn == 0 {
		first += uniform(p.rng, 0, t.Cycle) // where in its cycle a poller happens to start
	}
	if at > 0 {
		first = max(at, c.ready(), s.ready())
	}
	g.at(first, p, talkOpConnect, 0)

	if t.Broadcast {
		g.needARP(s, c, first)
	} else {
		g.needARP(c, s, first)
		if c.sub != s.sub {
			g.needARP(s, c, first)
		}
	}
	if t.Lookup && c != g.dns {
		g.needARP(c, g.dns, first)
		if c.sub != g.dns.sub {
			g.needARP(g.dns, c, first)
		}
	}
}

func (g *Generator) newApp(t *Talk, c, s *host) app {
	if t.Program != ProgramNone {
		return newProgramApp(t, c, s)
	}
	if t.Proto == ProtoSMB && c.Stack == StackWindowsXP {
		return newSMB1(g, c, s)
	}
	switch t.Proto {
	case ProtoSLMP:
		return newSLMP(t, c)
	case ProtoFINS:
		return &finsApp{eng: t.Engineering}
	case ProtoModbus:
		return &modbusApp{hmi: c.Role == RoleHMI}
	case ProtoS7:
		return newS7(t, c, s)
	case ProtoENIP:
		return newENIP(t, s)
	case ProtoListIdentity:
		return &listIdentityApp{}
	case ProtoSMB:
		return newSMB(g, c, s)
	case ProtoHistorian:
		return &historianApp{}
	case ProtoNTP:
		return &ntpApp{server: s, ref: g.timeSource()}
	case ProtoHTTP:
		return newHTTP(g, t)
	}
	panic("synth: no app for " + t.Proto.String()) // Validate rules this out
}

func (p *talk) fire(g *Generator, ev event) bool {
	switch ev.op {
	case talkOpConnect:
		p.phase = phaseConnect
		p.planConnect(g)
	case talkOpExchange:
		p.phase = phaseExchange
		p.planExchange(g)
	case talkOpClose:
		p.phase = phaseClose
		p.planClose(g)
	case talkOpStep:
		return p.step(g)
	}
	p.t0, p.pos = g.now, 0
	switch {
	case len(p.plan) == 0:
		p.done(g)
		return false
	case p.plan[0].at > 0:
		g.at(p.t0+p.plan[0].at, p, talkOpStep, 0)
		return false
	}
	return p.step(g)
}

// step emits the plan's next frame and schedules the one after.
func (p *talk) step(g *Generator) bool {
	st := &p.plan[p.pos]
	p.pos++
	p.emit(g, st)
	if p.label != nil {
		p.label.note(g.now, len(g.fr.b))
	}
	if p.pos < len(p.plan) {
		g.at(p.t0+p.plan[p.pos].at, p, talkOpStep, 0)
	} else {
		p.done(g)
	}
	return true
}

// done decides what follows a finished plan.
func (p *talk) done(g *Generator) {
	switch p.phase {
	case phaseConnect:
		g.after(p.gap, p, talkOpExchange, 0)
	case phaseExchange:
		switch {
		case p.perConn == 0 || p.n < p.perConn:
			if p.n <= p.setup {
				g.after(uniform(p.rng, 100*time.Microsecond, time.Millisecond), p, talkOpExchange, 0)
				break
			}
			g.at(max(p.next, g.now+1), p, talkOpExchange, 0)
		case p.udp:
			if !p.once {
				g.after(p.pause(g), p, talkOpConnect, 0)
			}
		default:
			g.after(uniform(p.rng, time.Millisecond, 20*time.Millisecond), p, talkOpClose, 0)
		}
	case phaseClose:
		if !p.once {
			g.after(p.pause(g), p, talkOpConnect, 0)
		}
	}
}

func (p *talk) pause(g *Generator) int64 {
	d := uniform(p.rng, p.t.Pause/2, p.t.Pause*3/2)
	if p.t.Scheduled {
		d = g.fac.Schedule.stretch(g.now, d)
	}
	return d
}

func (p *talk) add(at int64, kind stepKind, client bool, flags uint8, off, n int) {
	p.plan = append(p.plan, step{at: at, kind: kind, client: client, flags: flags, off: int32(off), n: int32(n)})
}

// planConnect lays out the lookup, pings and handshake of a new connection.
func (p *talk) planConnect(g *Generator) {
	p.plan, p.n = p.plan[:0], 0
	r, us := p.rng, time.Microsecond
	t := int64(0)
	// The application sends its first request right after the handshake.
	p.gap = uniform(r, 200*us, 2*time.Millisecond)
	if p.t.Lookup && p.c != g.dns {
		p.add(t, stDNSQuery, true, 0, 0, 0)
		t += uniform(r, 200*us, 900*us)
		p.add(t, stDNSReply, false, 0, 0, 0)
		t += uniform(r, 100*us, 400*us)
	}
	if p.t.Engineering {
		// Programming tools (and their users) ping a controller before going online.
		for i := 0; i < 4; i++ {
			p.add(t, stPing, true, 0, 0, 0)
			p.add(t+uniform(r, 300*us, 1500*us), stPong, false, 0, 0, 0)
			t += int64(time.Second)
		}
		// The last echo reply was planned a second ago; the user then goes online.
		t += uniform(r, 500*time.Millisecond, 3*time.Second) - int64(time.Second)
		if p.udp {
			p.gap = t - p.plan[len(p.plan)-1].at
		}
	} else if p.udp {
		p.gap = 0
	}
	if p.udp {
		p.sport = 0
		if fp, ok := p.app.(fixedPorter); ok {
			p.sport = fp.clientPort(p.c)
		}
		if p.sport == 0 {
			p.sport = p.c.ephemeralPort()
		}
		return
	}
	p.sport = p.c.ephemeralPort()
	cp, sp := p.c.prof, p.s.prof
	p.ws = cp.wscale >= 0 && sp.wscale >= 0
	p.sack = cp.sack && sp.sack
	p.ts = cp.tstamp && sp.tstamp
	p.mss = int(min(cp.mss, sp.mss))
	if p.ts {
		p.mss -= 12
	}
	p.cWin, p.sWin = window(cp, p.ws), window(sp, p.ws)
	p.cNxt, p.sNxt = r.Uint32(), r.Uint32()
	p.cTSoff, p.sTSoff = r.Uint32(), r.Uint32()
	p.cTS, p.sTS = 0, 0

	p.add(t, stSeg, true, tcpSYN, 0, 0)
	t += int64(sp.latency[0]/8) + uniform(r, 50*us, 300*us)
	p.add(t, stSeg, false, tcpSYN|tcpACK, 0, 0)
	t += uniform(r, 30*us, 100*us)
	p.add(t, stSeg, true, tcpACK, 0, 0)
}

// window is what a stack advertises after the handshake.
func window(sp *stackProfile, scaled bool) uint16 {
	if scaled && sp.wscale > 0 {
		return uint16(sp.win >> uint(sp.wscale))
	}
	return uint16(min(sp.win, 65535))
}

// planExchange builds both payloads and lays out one request/response.
func (p *talk) planExchange(g *Generator) {
	p.plan = p.plan[:0]
	r, us := p.rng, time.Microsecond
	closing := p.perConn > 0 && p.n+1 >= p.perConn
	p.x = exchange{n: p.n, total: p.total, last: closing, now: g.now, rng: r, c: p.c, s: p.s, t: p.t}
	p.req = p.app.request(p.req[:0], &p.x)
	p.resp = p.app.response(p.resp[:0], &p.x)
	p.respN = len(p.resp)
	if bk, ok := p.app.(bulker); ok && !p.udp {
		p.respN += bk.bulk(&p.x)
	}
	p.n++
	p.total++
	p.next = g.now + p.period + uniform(r, 0, time.Duration(p.period/50))
	if p.n <= p.setup {
		p.next = g.now // the next request follows the reply at once (see done)
	}
	latency := uniform(r, p.s.prof.latency[0], p.s.prof.latency[1])

	if p.udp {
		p.add(0, stDgram, true, 0, 0, len(p.req))
		if len(p.resp) > 0 {
			p.add(latency, stDgram, false, 0, 0, len(p.resp))
		}
		return
	}
	t, pending := p.addData(true, len(p.req), 0)
	if p.respN == 0 {
		if pending && !closing {
			p.add(t+int64(p.s.prof.delack), stSeg, false, tcpACK, 0, 0)
		}
		return
	}
	if p.s.prof.quickAck {
		p.add(t+uniform(r, 50*us, 150*us), stSeg, false, tcpACK, 0, 0)
	}
	t, pending = p.addData(false, p.respN, t+latency)
	// The client acknowledges the last of the reply with its next request
	// if that comes soon enough; otherwise its delayed-ACK timer fires.
	if pending && !closing && p.next-(g.now+t) > int64(p.c.prof.delack) {
		p.add(t+int64(p.c.prof.delack), stSeg, true, tcpACK, 0, 0)
	}
}

// addData lays out n bytes from one side as MSS-sized segments starting at
// offset t, with the receiver acknowledging every second segment. It
// returns the time of the last segment and whether it is still unacknowledged.
func (p *talk) addData(client bool, n int, t int64) (int64, bool) {
	mss := p.mss
	if p.seg > 0 {
		mss = min(mss, p.seg)
	}
	segs := max(1, (n+mss-1)/mss)
	for i := 0; i < segs; i++ {
		off := i * mss
		size := min(mss, n-off)
		flags := uint8(tcpACK)
		if i == segs-1 {
			flags |= tcpPSH
		}
		if i > 0 {
			t += int64(12 * time.Microsecond) // back to back at 1 Gbit/s
		}
		p.add(t, stSeg, client, flags, off, size)
		if i%2 == 1 && i < segs-1 {
			t += uniform(p.rng, 20*time.Microsecond, 60*time.Microsecond)
			p.add(t, stSeg, !client, tcpACK, 0, 0)
		}
	}
	return t, segs%2 == 1
}

// planClose lays out an orderly close started by the client.
func (p *talk) planClose(g *Generator) {
	p.plan = p.plan[:0]
	if p.udp {
		return
	}
	t := uniform(p.rng, 100*time.Microsecond, time.Millisecond)
	p.add(0, stSeg, true, tcpFIN|tcpACK, 0, 0)
	p.add(t, stSeg, false, tcpFIN|tcpACK, 0, 0)
	p.add(t+uniform(p.rng, 30*time.Microsecond, 100*time.Microsecond), stSeg, true, tcpACK, 0, 0)
}

// windowsPing is the payload of Windows' ping.exe.
const windowsPing = "abcdefghijklmnopqrstuvwabcdefghi"

func (p *talk) emit(g *Generator, st *step) {
	c, s := p.c, p.s
	switch st.kind {
	case stSeg:
		p.segment(g, st)
	case stDgram:
		if st.client {
			if p.t.Broadcast {
				g.beginUDPTo(c, macBroadcast, c.sub.bcast, c.prof.ttl, p.sport, p.dport)
			} else {
				g.beginUDP(c, s, p.sport, p.dport)
			}
			g.fr.b = append(g.fr.b, p.req[st.off:st.off+st.n]...)
		} else {
			g.beginUDP(s, c, p.dport, p.sport)
			g.fr.b = append(g.fr.b, p.resp[st.off:st.off+st.n]...)
		}
	case stDNSQuery:
		p.dnsID, p.dnsSrc = uint16(p.rng.Uint32()), c.ephemeralPort()
		g.beginUDP(c, g.dns, p.dnsSrc, 53)
		g.fr.b = dnsQuery(g.fr.b, p.dnsID, g.fqdn(s), dnsTypeA)
	case stDNSReply:
		g.beginUDP(g.dns, c, 53, p.dnsSrc)
		g.fr.b = dnsAnswer(g.fr.b, p.dnsID, g.fqdn(s), g.fac.Domain, true, s.ip)
	case stPing, stPong:
		from, to, typ := c, s, uint8(8)
		if st.kind == stPong {
			from, to, typ = s, c, 0
		}
		g.beginIP(from, to, protoICMP, false)
		g.fr.icmp(typ, 0)
		g.fr.b = be16(g.fr.b, p.pingID)
		g.fr.b = be16(g.fr.b, p.pingSq)
		g.fr.b = append(g.fr.b, windowsPing...)
		if st.kind == stPong {
			p.pingSq++
		}
	}
}

// segment emits one TCP segment and advances the sender's sequence number.
func (p *talk) segment(g *Generator, st *step) {
	src, dst := p.c, p.s
	sport, dport := p.sport, p.dport
	seq, ack, win, data := p.cNxt, p.sNxt, p.cWin, p.req
	if !st.client {
		src, dst = dst, src
		sport, dport = dport, sport
		seq, ack, win, data = p.sNxt, p.cNxt, p.sWin, p.resp
	}
	if st.flags&tcpSYN != 0 {
		win = src.prof.synWin
	}
	if st.flags&tcpACK == 0 {
		ack = 0
	}
	opts := p.options(g, st.client, st.flags)
	g.beginIP(src, dst, protoTCP, src.prof.df)
	g.fr.tcp(sport, dport, seq, ack, st.flags, win, opts)
	g.fr.b = appendBody(g.fr.b, data, g.noise, int(st.off), int(st.n))
	adv := uint32(st.n)
	if st.flags&(tcpSYN|tcpFIN) != 0 {
		adv++
	}
	if st.client {
		p.cNxt += adv
	} else {
		p.sNxt += adv
	}
}

// appendBody appends n bytes of a message starting at off: from head while
// it lasts, then from noise (cycling), which stands in for a bulk body.
func appendBody(b, head, noise []byte, off, n int) []byte {
	if off < len(head) {
		k := min(n, len(head)-off)
		b = append(b, head[off:off+k]...)
		off, n = off+k, n-k
	}
	for n > 0 {
		i := (off - len(head)) % len(noise)
		k := min(n, len(noise)-i)
		b = append(b, noise[i:i+k]...)
		off, n = off+k, n-k
	}
	return b
}

// options returns the TCP options of a segment: the sender's SYN options
// in its OS's order (a SYN-ACK only echoes what the SYN offered), and
// timestamps on every segment once both sides agreed to them.
func (p *talk) options(g *Generator, client bool, flags uint8) []byte {
	sp := p.c.prof
	if !client {
		sp = p.s.prof
	}
	b := p.opt[:0]
	if flags&tcpSYN == 0 {
		if p.ts {
			b = append(b, 1, 1)
			b = p.tsOption(g, b, client)
		}
		return b
	}
	synAck := flags&tcpACK != 0
	ws := sp.wscale >= 0 && (!synAck || p.ws)
	sack := sp.sack && (!synAck || p.sack)
	ts := sp.tstamp && (!synAck || p.ts)
	b = append(b, 2, 4, byte(sp.mss>>8), byte(sp.mss))
	if sp.tstamp { // Linux order: MSS, SACK_PERM, TS, NOP, WS
		switch {
		case sack && ts:
			b = append(b, 4, 2)
			b = p.tsOption(g, b, client)
		case ts:
			b = append(b, 1, 1)
			b = p.tsOption(g, b, client)
		case sack:
			b = append(b, 1, 1, 4, 2)
		}
		if ws {
			b = append(b, 1, 3, 3, byte(sp.wscale))
		}
		return b
	}
	// Windows and embedded order: MSS, NOP, WS, NOP, NOP, SACK_PERM
	if ws {
		b = append(b, 1, 3, 3, byte(sp.wscale))
	}
	if sack {
		b = append(b, 1, 1, 4, 2)
	}
	return b
}

// tsOption appends a 10-byte timestamp option: the sender's millisecond
// clock and an echo of the last value it saw from its peer.
func (p *talk) tsOption(g *Generator, b []byte, client bool) []byte {
	ms := uint32(g.now / int64(time.Millisecond))
	val, ecr := ms+p.cTSoff, p.sTS
	if !client {
		val, ecr = ms+p.sTSoff, p.cTS
	}
	if client {
		p.cTS = val
	} else {
		p.sTS = val
	}
	b = append(b, 8, 10)
	b = be32(b, val)
	return be32(b, ecr)
}
