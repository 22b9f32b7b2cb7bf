package intel

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"mimamori/edge/intel/osfp"
	"mimamori/edge/intel/p0f"
	"mimamori/edge/intel/services"
)

// Role estimation scores every role from the device's traffic; the role
// with the highest score wins, provided it reaches minRoleScore, and its
// reasons are kept. Roles scoring at least half the winner's are listed
// as other roles. The points below are documented in docs/INVENTORY.md.
const minRoleScore = 30

// SCADA-sized polling: this many controllers, or controllers outside the
// device's own subnet.
const scadaServers = 6

// Engineering sessions: an OT client whose connections start anew at
// least every other active minute, watched for at least this long, is
// programming rather than polling.
const engMinSpanMinutes = 10

// ioVendors build remote I/O and couplers more than controllers.
var ioVendors = []string{"WAGO", "Moxa", "Turck", "Balluff", "Beckhoff", "Advantech B+B", "ICP DAS", "Phoenix Contact"}

// panelVendors build HMI panels.
var panelVendors = []string{"Pro-face", "Digital Electronics", "Schneider Electric Japan", "Beijer", "Weintek",
	"Advantech", "Red Lion", "Hakko"}

type roleScore struct {
	role    Role
	score   int
	reasons []Reason
}

type scorer struct {
	scores map[Role]*roleScore
}

func (s *scorer) add(r Role, points int, code string, args ...string) {
	rs := s.scores[r]
	if rs == nil {
		rs = &roleScore{role: r}
		s.scores[r] = rs
	}
	rs.score += points
	rs.reasons = append(rs.reasons, Reason{Code: code, Args: args})
}

// assignRoles scores every device. It runs in two passes: historians are
// recognised by being fed by a SCADA server, which the first pass finds.
func assignRoles(inv *Inventory, devs []DeviceObs, feats []*features, g *graph) {
	scorers := make([]*scorer, len(devs))
	for i := range devs {
		scorers[i] = &scorer{scores: map[Role]*roleScore{}}
		scoreDevice(scorers[i], &inv.Devices[i], &devs[i], feats[i], feats, g, inv.Services)
		pick(&inv.Devices[i], scorers[i])
	}
	for i := range devs {
		if fedBySCADA(scorers[i], inv, feats[i], g) {
			pick(&inv.Devices[i], scorers[i])
		}
	}
}

func pick(d *Device, s *scorer) {
	all := make([]*roleScore, 0, len(s.scores))
	for _, rs := range s.scores {
		all = append(all, rs)
	}
	slices.SortFunc(all, func(a, b *roleScore) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(slices.Index(Roles, a.role), slices.Index(Roles, b.role)))
	})
	d.Role, d.RoleReasons, d.OtherRoles = RoleUnknown, []Reason{{Code: "no-evidence"}}, nil
	if len(all) == 0 || all[0].score < minRoleScore {
		return
	}
	d.Role, d.RoleReasons = all[0].role, all[0].reasons
	for _, rs := range all[1:] {
		if 2*rs.score >= all[0].score && rs.score >= minRoleScore {
			d.OtherRoles = append(d.OtherRoles, rs.role)
		}
	}
}

func scoreDevice(s *scorer, d *Device, o *DeviceObs, f *features, all []*features, g *graph, tbl *services.Table) {
	scoreNetwork(s, d, o)
	scoreOTServer(s, d, o, f, all, g, tbl)
	scoreOTClient(s, d, o, f, g, tbl)
	scoreIT(s, d, o, f, tbl)
}

// scoreNetwork: routers and switches announce themselves, own addresses
// in several subnets, or send for many addresses.
func scoreNetwork(s *scorer, d *Device, o *DeviceObs) {
	if l := o.Link; l != nil {
		proto := strings.ToUpper(l.Protocol)
		if l.Capabilities&capRouter != 0 {
			s.add(RoleRouter, 60, "link-router", proto)
		} else if l.Capabilities&capBridge != 0 {
			s.add(RoleSwitch, 50, "link-bridge", proto)
		}
	}
	if o.L2Protocols&L2STP != 0 {
		s.add(RoleSwitch, 40, "sends-stp")
	}
	if d.OS.Family == osfp.FamilyNetwork {
		// A switch or router naming its own software in LLDP or CDP is
		// network equipment for certain; which kind the capabilities say.
		sure := d.OS.Confidence >= osfp.ConfStrong
		s.add(RoleSwitch, pick2(sure, 35, 15), "network-os", d.OS.Name)
		s.add(RoleRouter, 10, "network-os", d.OS.Name)
	}
	subnets := map[netip.Prefix]bool{}
	ipOnly := 0
	for _, ip := range o.IPs {
		if ip.Claimed() && ip.Addr.Is4() {
			p, _ := ip.Addr.Prefix(24)
			subnets[p] = true
		}
		if !ip.Claimed() {
			ipOnly++
		}
	}
	if len(subnets) >= 2 {
		s.add(RoleRouter, 50, "gateway-subnets", strconv.Itoa(len(subnets)))
	}
	if ipOnly >= 5 && ipOnly > 2*(len(o.IPs)-ipOnly) {
		s.add(RoleRouter, 40, "many-ips", strconv.Itoa(ipOnly))
	}
	hops := 0
	for _, t := range o.TCP {
		if sig, err := p0f.ParseObserved(t.Sig); err == nil {
			if h := p0f.InitialTTL(sig.TTL) - sig.TTL; h > 0 && h > hops {
				hops = h
			}
		}
	}
	if hops > 0 {
		s.add(RoleRouter, 30, "forwarded", strconv.Itoa(hops))
	}
}

// LLDP capability bits.
const (
	capBridge = 0x0004
	capRouter = 0x0010
)

// scoreOTServer: controllers answer industrial requests and lead cyclic
// exchanges; field devices follow them.
func scoreOTServer(s *scorer, d *Device, o *DeviceObs, f *features, all []*features, g *graph, tbl *services.Table) {
	var otServed []string
	clients := map[int]bool{}
	for k, u := range f.served {
		if cyclicPorts[k] {
			continue // cyclic exchanges are judged below
		}
		if u.ot {
			otServed = append(otServed, tbl.Name(k.proto, k.port)+" ("+services.ProtoName(k.proto)+"/"+strconv.Itoa(int(k.port))+")")
			for c := range u.peers {
				clients[c] = true
			}
		}
	}
	for p := range f.otAsServer {
		if !slices.ContainsFunc(otServed, func(s string) bool { return strings.HasPrefix(s, p+" ") }) {
			otServed = append(otServed, p)
		}
	}
	slices.Sort(otServed)
	if len(otServed) > 0 {
		s.add(RolePLC, 55+min(10*(len(otServed)-1), 20), "serves-ot", strings.Join(otServed, ", "), strconv.Itoa(max(len(clients), 1)))
	} else {
		// A port no table names, polled steadily by clients that also poll
		// known industrial ports: an OT service on a configured port (SLMP
		// often is).
		for _, k := range sortedSvcs(f.served) {
			u := f.served[k]
			if u.ot || cyclicPorts[k] || !unnamedOrHigh(tbl, k) {
				continue
			}
			for _, c := range sortedNodes(u.peers) {
				if c < len(all) && pollsOT(all[c]) {
					s.add(RolePLC, 45, "serves-unknown-ot", services.ProtoName(k.proto)+"/"+strconv.Itoa(int(k.port)))
					otServed = append(otServed, "?")
					break
				}
			}
			if len(otServed) > 0 {
				break
			}
		}
	}
	for _, k := range sortedSvcs(f.broadcasts) {
		if cyclicPorts[k] {
			s.add(RolePLC, 45, "cyclic-master", tbl.Name(k.proto, k.port))
		}
	}
	for _, k := range sortedSvcs(f.used) {
		u := f.used[k]
		if !cyclicPorts[k] {
			continue
		}
		for _, m := range sortedNodes(u.peers) {
			if m < len(all) && all[m].broadcasts[k] {
				s.add(RoleFieldIO, 70, "cyclic-slave", tbl.Name(k.proto, k.port), nodeName(g, m))
				break
			}
		}
	}
	for _, id := range d.Identities {
		if id.Protocol == "opcua" {
			continue
		}
		what := strings.TrimSpace(id.Vendor + " " + firstOf(id.Model, id.Product))
		s.add(RolePLC, 20, "ot-identity", what, id.Protocol)
	}
	// A device on a field network with no address of its own is a
	// station of that network: I/O, a drive, a servo.
	if l2 := o.L2Protocols & L2FieldBus; l2 != 0 && len(o.IPs) == 0 {
		var names []string
		for _, n := range l2Names {
			if l2&n.bit != 0 {
				names = append(names, n.name)
			}
		}
		s.add(RoleFieldIO, 55, "field-l2", strings.Join(names, ", "))
	}
	if len(otServed) == 1 && len(f.otAsServer) <= 1 && vendorIn(d.Vendor, ioVendors) {
		s.add(RoleFieldIO, 65, "io-vendor", strings.TrimSuffix(otServed[0], "?"), d.Vendor)
	}
	if osfp.IndustrialVendor(d.Vendor) && (len(otServed) > 0 || len(f.broadcasts) > 0) {
		s.add(RolePLC, 5, "industrial-vendor", d.Vendor)
	}
}

// unnamedOrHigh reports whether a served port is not a known IT service.
func unnamedOrHigh(tbl *services.Table, k svcKey) bool {
	s, ok := tbl.Lookup(k.proto, k.port)
	return !ok || s.OT
}

// pollsOT reports whether a device's features show it polling a known
// industrial service.
func pollsOT(f *features) bool {
	for k, u := range f.used {
		if u.ot && !cyclicPorts[k] {
			return true
		}
	}
	return false
}

// scoreOTClient tells SCADA, HMI and engineering workstations apart by
// how many controllers they poll, where, and how.
func scoreOTClient(s *scorer, d *Device, o *DeviceObs, f *features, g *graph, tbl *services.Table) {
	servers := map[int]bool{}
	protos := map[string]bool{}
	subnets := map[netip.Prefix]bool{}
	own := map[netip.Prefix]bool{}
	for _, ip := range d.IPs {
		if ip.Is4() {
			p, _ := ip.Prefix(24)
			own[p] = true
		}
	}
	var flows, minutes uint64
	for n, ks := range f.otServersBy {
		for k := range ks {
			if cyclicPorts[k] {
				continue
			}
			servers[n] = true
			protos[tbl.Name(k.proto, k.port)] = true
		}
		if servers[n] {
			if ip, ok := g.addrOf(n); ok && ip.Is4() {
				p, _ := ip.Prefix(24)
				if !own[p] {
					subnets[p] = true
				}
			}
		}
	}
	for k, u := range f.used {
		if u.ot && !cyclicPorts[k] {
			flows += u.flows
			minutes += u.minutes
		}
	}
	for p := range f.otAsClient {
		protos[p] = true
	}
	protoList := strings.Join(sortedKeys(protos), ", ")
	if len(f.engOps) > 0 {
		s.add(RoleEngineering, 75, "eng-functions", strings.Join(sortedKeys(f.engOps), ", "))
	}
	melsoft := 0
	for k, u := range f.used {
		if melsoftPorts[k] {
			melsoft += len(u.peers)
		}
	}
	if melsoft > 0 {
		s.add(RoleEngineering, 65, "melsoft", strconv.Itoa(melsoft))
	}
	if len(servers) == 0 {
		return
	}
	span := o.LastSeen.Sub(o.FirstSeen).Minutes()
	short := minutes > 0 && 2*flows >= minutes && span >= engMinSpanMinutes
	switch {
	case short && len(servers) >= 2 && len(protos) >= 2:
		s.add(RoleEngineering, 60, "eng-sessions", strconv.Itoa(len(servers)), protoList)
	case len(servers) >= scadaServers || len(subnets) >= 1 && len(servers) >= 3:
		s.add(RoleSCADA, 55, "polls-ot", strconv.Itoa(len(servers)), protoList)
		if len(subnets) >= 1 {
			s.add(RoleSCADA, 10, "polls-subnets", strconv.Itoa(len(subnets)))
		}
		if strings.Contains(d.OS.Name, "Server") {
			s.add(RoleSCADA, 5, "desktop-os", d.OS.Name)
		}
	default:
		s.add(RoleHMI, 50, "polls-ot", strconv.Itoa(len(servers)), protoList)
		if vendorIn(d.Vendor, panelVendors) {
			s.add(RoleHMI, 15, "panel-vendor", d.Vendor)
		}
	}
}

// scoreIT recognises infrastructure servers, printers and plain clients.
func scoreIT(s *scorer, d *Device, o *DeviceObs, f *features, tbl *services.Table) {
	count := func(k svcKey) int {
		if u := f.served[k]; u != nil {
			return len(u.peers)
		}
		return 0
	}
	if n := count(svcKey{services.UDP, 53}) + count(svcKey{services.TCP, 53}); n > 0 {
		s.add(RoleDNS, 55+min(n, 10), "serves-dns", strconv.Itoa(n))
	}
	// DHCP servers answer from port 67 to port 68, so the flow table sees
	// them start the exchange toward port 68; relayed or renewing clients
	// reach them on 67.
	if f.used[svcKey{services.UDP, 68}] != nil || f.broadcasts[svcKey{services.UDP, 68}] || count(svcKey{services.UDP, 67}) > 0 {
		s.add(RoleDHCP, 70, "serves-dhcp")
	}
	if n := count(svcKey{services.UDP, 123}); n > 0 {
		s.add(RoleNTP, 50+min(n, 10), "serves-ntp", strconv.Itoa(n))
	}
	for _, k := range sortedSvcs(fileServices) {
		name := fileServices[k]
		if n := count(k); n > 0 {
			s.add(RoleFileServer, 55+min(n, 10), "serves-files", name, strconv.Itoa(n))
		}
	}
	for _, k := range sortedSvcs(printServices) {
		name := printServices[k]
		if count(k) > 0 {
			s.add(RolePrinter, 70, "serves-print", name)
		}
	}
	for _, k := range sortedSvcs(f.served) {
		if historianPorts[k] {
			s.add(RoleHistorian, 70, "historian-port", tbl.Name(k.proto, k.port))
		}
	}
	if b := o.Browser; b != nil {
		dc, print := osfp.BrowserRoles(b.ServerType)
		if dc {
			s.add(RoleDNS, 25, "domain-controller")
			s.add(RoleDHCP, 5, "domain-controller")
		}
		if print {
			s.add(RolePrinter, 20, "print-server")
		}
	}
	var other []string
	clients := 0
	for k, u := range f.served {
		if u.ot || cyclicPorts[k] || historianPorts[k] || k.port == 53 || k.port == 67 || incidentalPorts[k.port] {
			continue
		}
		if _, ok := fileServices[k]; ok {
			continue
		}
		if _, ok := printServices[k]; ok {
			continue
		}
		if sv, ok := tbl.Lookup(k.proto, k.port); ok && !sv.OT {
			other = append(other, sv.Name)
			clients = max(clients, len(u.peers))
		}
	}
	if len(other) > 0 {
		slices.Sort(other)
		s.add(RoleServer, 35, "serves-it", strings.Join(other, ", "), strconv.Itoa(clients))
	}
	var used []string
	for k, u := range f.used {
		if u.ot || cyclicPorts[k] || k.port == 68 {
			continue
		}
		used = append(used, tbl.Name(k.proto, k.port))
	}
	if len(used) > 0 && !servesAnything(f) {
		slices.Sort(used)
		used = slices.Compact(used)
		if len(used) > 4 {
			used = append(used[:4], "…")
		}
		s.add(RoleClient, 35, "uses-services", strings.Join(used, ", "))
		switch d.OS.Family {
		case osfp.FamilyWindows, osfp.FamilyMacOS, osfp.FamilyLinux:
			if !strings.Contains(d.OS.Name, "Server") {
				s.add(RoleClient, 10, "desktop-os", d.OS.Name)
			}
		}
	}
}

// fedBySCADA adds the historian score to a server whose clients include
// a SCADA server on a port that is neither OT nor common IT; it reports
// whether anything was added.
func fedBySCADA(s *scorer, inv *Inventory, f *features, g *graph) bool {
	for _, k := range sortedSvcs(f.served) {
		u := f.served[k]
		if u.ot || historianPorts[k] {
			continue
		}
		if sv, ok := inv.Services.Lookup(k.proto, k.port); ok && !sv.OT && k.port < 1024 {
			continue
		}
		for _, c := range sortedNodes(u.peers) {
			if c < g.n && inv.Devices[c].Role == RoleSCADA {
				s.add(RoleHistorian, 55, "fed-by-scada", nodeName(g, c))
				return true
			}
		}
	}
	return false
}

// nodeName names a node for a reason: its first address.
func nodeName(g *graph, n int) string {
	if ip, ok := g.addrOf(n); ok {
		return ip.String()
	}
	return "?"
}

// addrOf returns an address of a node.
func (g *graph) addrOf(n int) (netip.Addr, bool) {
	if n >= g.n {
		if i := n - g.n; i < len(g.addrs) {
			return g.addrs[i], true
		}
		return netip.Addr{}, false
	}
	var best netip.Addr
	for ip, m := range g.ipNode {
		if m == n && (!best.IsValid() || ip.Is4() && !best.Is4() || ip.Is4() == best.Is4() && ip.Less(best)) {
			best = ip
		}
	}
	return best, best.IsValid()
}

func vendorIn(vendor string, list []string) bool {
	lv := strings.ToLower(vendor)
	for _, v := range list {
		if lv != "" && strings.Contains(lv, strings.ToLower(v)) {
			return true
		}
	}
	return false
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func sortedNodes(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// incidentalPorts are served only in appearance: DHCP replies reach a
// client on 68, and name-service and discovery protocols answer on the
// port they ask from.
var incidentalPorts = map[uint16]bool{68: true, 123: true, 137: true, 138: true, 1900: true, 5353: true, 5355: true}

// servesAnything reports whether the device offers a service beyond the
// incidental ones.
func servesAnything(f *features) bool {
	for k := range f.served {
		if (k.proto == services.TCP || k.proto == services.UDP) && !incidentalPorts[k.port] {
			return true
		}
	}
	return false
}

func pick2(cond bool, a, b int) int {
	if cond {
		return a
	}
	return b
}
