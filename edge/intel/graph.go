package intel

import (
	"net/netip"

	"mimamori/edge/intel/services"
)

// graph is the communication graph: one node per device (by its index in
// the sorted observations) and one per address no device owns (a host
// behind a router, a remote server).
type graph struct {
	n      int // devices; nodes >= n are bare addresses
	ipNode map[netip.Addr]int
	addrs  []netip.Addr   // addresses of the bare nodes, by node - n
	macs   map[string]int // device nodes by MAC
	// edges between nodes, weighted by packets, client to server.
	edges map[[2]int]float64
}

// newGraph maps every address to the device that owns it. An address
// claimed by ARP, NDP or DHCP belongs to its claimant; one only sent from
// belongs to the device with the fewest such addresses (a router sends
// from every address behind it).
func newGraph(inv *Inventory, devs []DeviceObs) *graph {
	g := &graph{n: len(devs), ipNode: map[netip.Addr]int{}, macs: map[string]int{}, edges: map[[2]int]float64{}}
	for i := range devs {
		g.macs[inv.Devices[i].MAC] = i
	}
	type claim struct {
		node    int
		claimed bool
		spread  int
	}
	best := map[netip.Addr]claim{}
	for i := range devs {
		for _, ip := range devs[i].IPs {
			c := claim{node: i, claimed: ip.Claimed(), spread: len(devs[i].IPs)}
			b, ok := best[ip.Addr]
			if !ok || c.claimed && !b.claimed || c.claimed == b.claimed && c.spread < b.spread {
				best[ip.Addr] = c
			}
		}
	}
	for ip, c := range best {
		g.ipNode[ip] = c.node
	}
	return g
}

// node returns the node of an address, creating a bare node for an
// address no device owns. Invalid addresses have no node (-1).
func (g *graph) node(ip netip.Addr) int {
	if !ip.IsValid() {
		return -1
	}
	if n, ok := g.ipNode[ip]; ok {
		return n
	}
	n := g.n + len(g.addrs)
	g.addrs = append(g.addrs, ip)
	g.ipNode[ip] = n
	return n
}

// features walks the conversations and OT activity once and returns each
// device's features, indexed like the devices.
func (g *graph) features(obs *Observations, tbl *services.Table) []*features {
	fs := make([]*features, g.n)
	for i := range fs {
		fs[i] = newFeatures()
	}
	dev := func(n int) *features {
		if n >= 0 && n < g.n {
			return fs[n]
		}
		return nil
	}
	// Pairs seen in industrial protocols, whatever their ports.
	otPairs := map[[2]netip.Addr]string{}
	for _, a := range obs.OT {
		if a.Src.IsValid() && a.Dst.IsValid() {
			otPairs[[2]netip.Addr{a.Src, a.Dst}] = a.Protocol
		}
		src, dst := g.macNode(a.SrcMAC, a.Src), g.macNode(a.DstMAC, a.Dst)
		if f := dev(src); f != nil {
			f.otAsClient[a.Protocol] = true
			if op, ok := engineeringOp(a.Protocol, a.Function, a.Code); ok && a.Requests > 0 {
				f.engOps[a.Protocol+" "+op] = true
			}
			if dst >= 0 && dst != src {
				f.peers[dst] = true
			}
		}
		if f := dev(dst); f != nil {
			f.otAsServer[a.Protocol] = true
			if src >= 0 && src != dst {
				f.peers[src] = true
			}
		}
	}
	weaker := weakerOrientations(obs.Conversations)
	for i := range obs.Conversations {
		c := &obs.Conversations[i]
		if weaker[i] {
			continue
		}
		k := svcKey{c.Proto, c.Port}
		svc, _ := tbl.Lookup(c.Proto, c.Port)
		_, pairOT := otPairs[[2]netip.Addr{c.Client, c.Server}]
		ported := c.Proto == services.TCP || c.Proto == services.UDP
		ot := ported && (svc.OT || pairOT)
		cn := g.node(c.Client)
		if broadcastAddr(c.Server) || c.Server.IsUnspecified() {
			if f := dev(cn); f != nil {
				f.broadcasts[k] = true
			}
			continue
		}
		sn := g.node(c.Server)
		if cn < 0 || sn < 0 || cn == sn {
			continue
		}
		// Replies that only look like requests (DHCP to port 68, name and
		// discovery protocols) would make two-node cycles that PageRank
		// mistakes for importance.
		if !ported || !replyPorts[c.Port] {
			g.edges[[2]int{cn, sn}] += float64(c.Packets())
		}
		if f := dev(cn); f != nil {
			u := f.used[k]
			if u == nil {
				u = &svcUse{}
				f.used[k] = u
			}
			u.add(sn, c, ot)
			f.peers[sn] = true
			if ot {
				if f.otServersBy[sn] == nil {
					f.otServersBy[sn] = map[svcKey]bool{}
				}
				f.otServersBy[sn][k] = true
			}
		}
		// A refused or unanswered connection offers nothing.
		if f := dev(sn); f != nil && c.Answered() {
			u := f.served[k]
			if u == nil {
				u = &svcUse{}
				f.served[k] = u
			}
			u.add(cn, c, ot)
			f.peers[cn] = true
		}
	}
	return fs
}

// macNode finds the node of an OT endpoint: its address when it has one,
// else the device with its MAC (layer-2 protocols).
func (g *graph) macNode(mac string, ip netip.Addr) int {
	if ip.IsValid() {
		return g.node(ip)
	}
	if n, ok := g.macs[mac]; ok {
		return n
	}
	return -1
}

// weakerOrientations marks UDP conversations seen both ways on one port
// (A→B:p and B→A:p) between the same port on both sides: protocols such as
// FINS and NTP use one port for both ends, so which side the flow table
// calls the client depends on which packet it saw first. The orientation seen in more minutes is kept
// and the other is dropped from role estimation (its traffic still counts
// for the rankings).
func weakerOrientations(cs []Conversation) map[int]bool {
	type key struct {
		a, b netip.Addr
		port uint16
	}
	idx := map[key]int{}
	for i := range cs {
		if cs[i].Proto == services.UDP && cs[i].SamePort {
			idx[key{cs[i].Client, cs[i].Server, cs[i].Port}] = i
		}
	}
	weak := map[int]bool{}
	for k, i := range idx {
		j, ok := idx[key{k.b, k.a, k.port}]
		if !ok || i > j {
			continue // each pair once
		}
		a, b := &cs[i], &cs[j]
		if a.Minutes > b.Minutes || a.Minutes == b.Minutes && a.Packets() >= b.Packets() {
			weak[j] = true
		} else {
			weak[i] = true
		}
	}
	return weak
}

// replyPorts carry answers and announcements rather than requests: DHCP
// replies reach clients on 68, and NetBIOS, SSDP, mDNS and LLMNR answer
// on the port they ask from.
var replyPorts = map[uint16]bool{68: true, 137: true, 138: true, 1900: true, 5353: true, 5355: true}
