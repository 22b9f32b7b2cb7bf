package synth

import (
	"math/rand/v2"
	"time"
)

// startAttacks starts the process of every planned attack. It runs in
// start, after the hosts and before ARP is scheduled, so the neighbour
// entries the attacks need are registered in time.
func (g *Generator) startAttacks() {
	for _, p := range g.plans {
		p.at = g.startNs + int64(p.At)
		p.run = &attackRun{plan: p}
		a := g.host(p.attacker)
		var v *host
		if len(p.victims) > 0 {
			v = g.host(p.victims[0])
		}
		key := "attack/" + p.id
		switch p.Kind {
		case AttackNewDevice:
			a.run = p.run
			t := &Talk{Client: a.Name, Server: v.Name, Proto: ProtoModbus, Cycle: 2 * time.Second}
			g.launchTalk(t, key, nil, p.at+int64(3*time.Second), p.run)
		case AttackEOLOS:
			a.run = p.run
			if v != nil {
				t := &Talk{Client: a.Name, Server: v.Name, Proto: ProtoSMB, Cycle: 2 * time.Second, PerConn: 6}
				g.launchTalk(t, key, nil, p.at+int64(20*time.Second), p.run)
			}
		case AttackARPSpoof:
			s := &arpSpoof{run: p.run, a: a, v: v, peer: g.host(p.victims[1]), end: p.at + int64(p.Duration), rng: g.rng(key)}
			g.at(p.at, s, 0, 0)
		case AttackHostScan:
			g.startHostScan(p, a, v, key)
		case AttackPortScan:
			g.startPortScan(p, a, v, key)
		case AttackPLCStop, AttackPLCRun, AttackPLCWrite, AttackDownload:
			o := map[AttackKind]plcOp{AttackPLCStop: opStop, AttackPLCRun: opRun, AttackPLCWrite: opWrite, AttackDownload: opDownload}[p.Kind]
			t := &Talk{Client: a.Name, Server: v.Name, Proto: p.Proto, Port: p.port, Cycle: 100 * time.Millisecond}
			g.launchTalk(t, key, plcScript(p.Proto, o, a, v, programBytes), p.at, p.run)
		case AttackFlood:
			f := &flood{run: p.run, a: a, v: v, every: int64(time.Second) / int64(p.Rate), end: p.at + int64(p.Duration)}
			f.sport = a.ephemeralPortAt(g.rng(key))
			g.needARP(a, v, p.at)
			g.at(p.at, f, 0, 0)
		case AttackOffHours:
			const cycle = 20 * time.Millisecond
			t := &Talk{Client: a.Name, Server: v.Name, Proto: ProtoSMB, Cycle: cycle, PerConn: 2 + int(p.Duration/cycle)}
			g.launchTalk(t, key, nil, p.at, p.run)
		case AttackSignature:
			t := &Talk{Client: a.Name, Server: v.Name, Proto: ProtoHTTP, Port: p.port, Cycle: 100 * time.Millisecond}
			app := httpSignature()
			if p.Proto == ProtoModbus {
				t.Proto = ProtoModbus
				app = modbusListenOnly()
			}
			g.launchTalk(t, key, app, p.at, p.run)
		}
	}
}

// ephemeralPortAt draws a client port in the host's range without
// touching the host's own allocator.
func (h *host) ephemeralPortAt(r *rand.Rand) uint16 {
	lo, hi := h.prof.ephemeral[0], h.prof.ephemeral[1]
	return lo + uint16(r.IntN(int(hi-lo)+1))
}

// httpSignature requests a path that ET Open rule 2048684 looks for on a
// Siemens PLC's web server; the controller answers 404.
func httpSignature() *scriptApp {
	return &scriptApp{ops: []op{{
		req: func(b []byte, x *exchange) []byte {
			b = append(b, "GET /Images/CPU1200/ HTTP/1.1\r\nHost: "...)
			b = append(b, addrOf(x.s.ip).String()...)
			return append(b, "\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\nConnection: close\r\n\r\n"...)
		},
		resp: func(b []byte, x *exchange) []byte {
			return append(b, "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"...)
		},
	}}}
}

// modbusListenOnly sends diagnostics sub-function 4 (force listen only
// mode), which QuickDraw rule 1111001 matches. The device goes silent and
// does not answer.
func modbusListenOnly() *scriptApp {
	return &scriptApp{ops: []op{{
		req: func(b []byte, x *exchange) []byte {
			start := len(b)
			b = be16(b, 1)
			b = be16(b, 0)
			b = be16(b, 0)
			b = append(b, mbUnit, 0x08)
			b = be16(b, 0x0004)
			b = be16(b, 0x0000)
			return mbapLength(b, start)
		},
	}}}
}

// arpSpoof poisons two neighbour caches every two seconds: the victim
// learns that its peer's IP is at the attacker's MAC, and the peer the same
// about the victim.
type arpSpoof struct {
	run        *attackRun
	a, v, peer *host
	end        int64
	rng        *rand.Rand
}

func (s *arpSpoof) fire(g *Generator, ev event) bool {
	if ev.op == 0 {
		g.arpFrame(s.v.mac, s.v.vlan, arpReply, s.a.mac, s.peer.ip, s.v.mac, s.v.ip)
		g.after(uniform(s.rng, 50*time.Microsecond, 200*time.Microsecond), s, 1, 0)
		if next := g.now + int64(2*time.Second) + uniform(s.rng, 0, 20*time.Millisecond); next < s.end {
			g.at(next, s, 0, 0)
		}
	} else {
		g.arpFrame(s.peer.mac, s.peer.vlan, arpReply, s.a.mac, s.v.ip, s.peer.mac, s.peer.ip)
	}
	s.run.note(g.now, len(g.fr.b))
	return true
}

// flood sends fixed-size UDP datagrams from a to v at a steady rate.
type flood struct {
	run   *attackRun
	a, v  *host
	sport uint16
	every int64
	end   int64
}

const floodPayload = 1024

func (f *flood) fire(g *Generator, ev event) bool {
	// Flood tools send a fixed filler, zeros here, to the discard port.
	g.beginUDP(f.a, f.v, f.sport, 9)
	g.fr.b = zeros(g.fr.b, floodPayload)
	if next := g.now + f.every; next < f.end {
		g.at(next, f, 0, 0)
	}
	f.run.note(g.now, len(g.fr.b))
	return true
}

// hostScan sweeps the /24 around the victim: with ARP requests when the
// attacker shares the subnet, otherwise with ICMP echo requests through
// the router, which then asks ARP for every address it has never seen.
type hostScan struct {
	run  *attackRun
	a    *host
	sub  *subnet
	base [4]byte
	same bool
	rng  *rand.Rand
}

const (
	scanOpProbe = iota
	scanOpARPReply
	scanOpRouterARP
	scanOpEchoReply
)

func (g *Generator) startHostScan(p *plan, a, v *host, key string) {
	s := &hostScan{run: p.run, a: a, sub: v.sub, base: v.ip, same: a.sub == v.sub, rng: g.rng(key)}
	s.base[3] = 0
	if !s.same && a != g.router {
		g.arpEntry(a.mac, a.ip, g.router.mac, a.sub.gw, a.vlan, p.at)
	}
	g.at(p.at, s, scanOpProbe, 1)
}

func (s *hostScan) target(i uint16) [4]byte {
	ip := s.base
	ip[3] = byte(i)
	return ip
}

func (s *hostScan) fire(g *Generator, ev event) bool {
	ip := s.target(ev.arg)
	t := g.byIP[ip]
	switch ev.op {
	case scanOpProbe:
		if ev.arg < 254 {
			g.after(int64(15*time.Millisecond)+uniform(s.rng, 0, 5*time.Millisecond), s, scanOpProbe, ev.arg+1)
		}
		if ip == s.a.ip {
			return false
		}
		if s.same {
			g.arpFrame(macBroadcast, s.a.vlan, arpRequest, s.a.mac, s.a.ip, mac{}, ip)
			if (t != nil && !t.NoIP) || ip == s.sub.gw {
				g.after(uniform(s.rng, 100*time.Microsecond, time.Millisecond), s, scanOpARPReply, ev.arg)
			}
		} else {
			g.fr.ether(g.router.mac, s.a.mac, s.a.vlan, etherIPv4)
			g.fr.ipv4(s.a.ip, ip, protoICMP, s.a.prof.ttl, s.a.nextID(), false)
			g.fr.icmp(8, 0)
			g.fr.b = be16(g.fr.b, 0x0400|ev.arg>>8)
			g.fr.b = be16(g.fr.b, ev.arg)
			if t != nil && !t.NoIP && t != g.router {
				g.after(uniform(s.rng, 300*time.Microsecond, 2*time.Millisecond), s, scanOpEchoReply, ev.arg)
			} else if ip != s.sub.gw && ip != s.sub.bcast {
				g.after(uniform(s.rng, 100*time.Microsecond, 400*time.Microsecond), s, scanOpRouterARP, ev.arg)
			}
		}
	case scanOpARPReply:
		if ip == s.sub.gw { // the router answers for its gateway address
			g.arpFrame(s.a.mac, s.sub.vlan, arpReply, g.router.mac, ip, s.a.mac, s.a.ip)
			break
		}
		g.arpFrame(s.a.mac, t.vlan, arpReply, t.mac, t.ip, s.a.mac, s.a.ip)
	case scanOpRouterARP:
		g.arpFrame(macBroadcast, s.sub.vlan, arpRequest, g.router.mac, s.sub.gw, mac{}, ip)
	case scanOpEchoReply:
		g.beginIP(t, s.a, protoICMP, false)
		g.fr.icmp(0, 0)
		g.fr.b = be16(g.fr.b, 0x0400|ev.arg>>8)
		g.fr.b = be16(g.fr.b, ev.arg)
	}
	s.run.note(g.now, len(g.fr.b))
	return true
}

// portScan is a TCP SYN scan: a bare SYN per port from one source port;
// closed ports answer RST, open ones SYN-ACK, which the scanner resets.
type portScan struct {
	run   *attackRun
	a, v  *host
	ports []uint16
	open  map[uint16]bool
	sport uint16
	seq   uint32
	rng   *rand.Rand
}

const (
	portOpSYN = iota
	portOpReply
	portOpReset
)

// otPorts are the industrial services a scanner adds to the first 1024.
var otPorts = []uint16{1089, 2222, 2404, 4840, 5000, 5001, 5002, 5003, 5007, 5562, 9600, 18245, 20000, 34964, 44818, 47808}

func (g *Generator) startPortScan(p *plan, a, v *host, key string) {
	s := &portScan{run: p.run, a: a, v: v, open: map[uint16]bool{}, rng: g.rng(key)}
	for port := uint16(1); port <= 1024; port++ {
		s.ports = append(s.ports, port)
	}
	s.ports = append(s.ports, otPorts...)
	// Scanners probe in random order so rate limits and IDS thresholds see
	// no sequence.
	s.rng.Shuffle(len(s.ports), func(i, j int) { s.ports[i], s.ports[j] = s.ports[j], s.ports[i] })
	for _, t := range g.fac.Talks {
		if t.Server == v.Name && !t.Proto.UDP() {
			port := t.Port
			if port == 0 {
				port = t.Proto.Port()
			}
			s.open[port] = true
		}
	}
	if v.Role == RolePLC {
		s.open[80] = true // controllers' built-in web servers
	}
	s.sport = 40000 + uint16(s.rng.IntN(20000))
	s.seq = s.rng.Uint32()
	g.needARP(a, v, p.at)
	if a.sub != v.sub {
		g.needARP(v, a, p.at)
	}
	g.at(p.at, s, portOpSYN, 0)
}

func (s *portScan) fire(g *Generator, ev event) bool {
	i := int(ev.arg)
	port := s.ports[i]
	switch ev.op {
	case portOpSYN:
		g.fr.ether(g.route(s.a, s.v), s.a.mac, s.a.vlan, etherIPv4)
		g.fr.ipv4(s.a.ip, s.v.ip, protoTCP, 48, uint16(s.rng.Uint32()), false)
		g.fr.tcp(s.sport, port, s.seq, 0, tcpSYN, 1024, []byte{2, 4, 0x05, 0xb4})
		if i+1 < len(s.ports) {
			g.after(uniform(s.rng, 700*time.Microsecond, 1300*time.Microsecond), s, portOpSYN, ev.arg+1)
		}
		g.after(uniform(s.rng, s.v.prof.latency[0]/4, s.v.prof.latency[1]/2), s, portOpReply, ev.arg)
	case portOpReply:
		g.beginIP(s.v, s.a, protoTCP, s.v.prof.df)
		if s.open[port] {
			g.fr.tcp(port, s.sport, s.rng.Uint32(), s.seq+1, tcpSYN|tcpACK, s.v.prof.synWin,
				[]byte{2, 4, byte(s.v.prof.mss >> 8), byte(s.v.prof.mss)})
			g.after(uniform(s.rng, 50*time.Microsecond, 150*time.Microsecond), s, portOpReset, ev.arg)
		} else {
			g.fr.tcp(port, s.sport, 0, s.seq+1, tcpRST|tcpACK, 0, nil)
		}
	case portOpReset:
		g.fr.ether(g.route(s.a, s.v), s.a.mac, s.a.vlan, etherIPv4)
		g.fr.ipv4(s.a.ip, s.v.ip, protoTCP, 48, uint16(s.rng.Uint32()), false)
		g.fr.tcp(s.sport, port, s.seq+1, 0, tcpRST, 0, nil)
	}
	s.run.note(g.now, len(g.fr.b))
	return true
}
