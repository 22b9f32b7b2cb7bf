package intel

import (
	"cmp"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"mimamori/edge/intel/eol"
	"mimamori/edge/intel/osfp"
	"mimamori/edge/intel/oui"
	"mimamori/edge/intel/p0f"
	"mimamori/edge/intel/services"
)

// MAC kinds as Device.MACKind writes them.
const (
	MACGlobal = "global" // an IEEE-assigned address
	MACLocal  = "local"  // locally administered: a VM, or a randomised address
)

// ServiceUse is a service a device offers or uses.
type ServiceUse struct {
	Proto   uint8
	Port    uint16
	Name    string
	OT      bool
	Peers   int // clients of a served service, servers of a used one
	Packets uint64
	Bytes   uint64
}

// Device is the inferred view of one MAC address.
type Device struct {
	MAC          string
	MACKind      string
	IPs          []netip.Addr
	Hostname     string
	VLAN         uint16
	Vendor       string // the registrant's short name; "" when unknown or local
	VendorFull   string
	VendorPrefix string
	OS           osfp.Estimate
	EOL          eol.Status
	Role         Role
	RoleReasons  []Reason
	OtherRoles   []Role // further roles the traffic supports
	Importance   float64
	ImportanceOf ImportanceParts
	Peers        int
	Served       []ServiceUse
	Used         []ServiceUse
	OTProtocols  []string
	Identities   []IdentityObs
	Browser      *BrowserObs
	Link         *LinkObs
	SentPackets  uint64
	SentBytes    uint64
	RecvPackets  uint64
	RecvBytes    uint64
	FirstSeen    time.Time
	LastSeen     time.Time
}

// PrimaryIP is the address the device is listed under: the lowest claimed
// IPv4 address, else the lowest address; invalid when it has none.
func (d *Device) PrimaryIP() netip.Addr {
	if len(d.IPs) == 0 {
		return netip.Addr{}
	}
	return d.IPs[0]
}

// Traffic is the bytes sent and received.
func (d *Device) Traffic() uint64 { return d.SentBytes + d.RecvBytes }

// Inventory is the inferred view of every device, in a stable order: by
// primary IP address (IPv4 first), devices without one last, then MAC.
type Inventory struct {
	Devices       []Device
	Conversations []Conversation
	Services      *services.Table
	At            time.Time // the time EOL was judged at
	byMAC         map[string]int
	byIP          map[netip.Addr]int
}

// Device returns the device with a MAC address.
func (inv *Inventory) Device(mac string) (*Device, bool) {
	i, ok := inv.byMAC[strings.ToLower(mac)]
	if !ok {
		return nil, false
	}
	return &inv.Devices[i], true
}

// DeviceByIP returns the device an address belongs to.
func (inv *Inventory) DeviceByIP(ip netip.Addr) (*Device, bool) {
	i, ok := inv.byIP[ip]
	if !ok {
		return nil, false
	}
	return &inv.Devices[i], true
}

// Build infers the inventory from observations. custom are the tenant's
// own service names (S1-5), overriding the built-in ones. at is when
// support status is judged: now in the cloud, the capture's time in
// `mimamori analyze`.
func (e *Engine) Build(obs *Observations, custom []services.Service, at time.Time) *Inventory {
	inv := &Inventory{
		Services:      e.services.WithCustom(custom),
		Conversations: obs.Conversations,
		At:            at,
		byMAC:         map[string]int{},
		byIP:          map[netip.Addr]int{},
	}
	devs := slices.Clone(obs.Devices)
	slices.SortFunc(devs, func(a, b DeviceObs) int { return cmp.Compare(a.MAC, b.MAC) })
	names := bestNames(obs.Names)
	inv.Devices = make([]Device, len(devs))
	for i := range devs {
		inv.Devices[i] = e.describe(&devs[i], names, at)
	}
	g := newGraph(inv, devs)
	feats := g.features(obs, inv.Services)
	for i := range inv.Devices {
		d := &inv.Devices[i]
		f := feats[i]
		d.Peers = len(f.peers)
		d.Served, d.Used = serviceUses(f.served, inv.Services), serviceUses(f.used, inv.Services)
		d.OTProtocols = otProtocols(f, e.services)
	}
	assignRoles(inv, devs, feats, g)
	assignImportance(inv, g)

	// Stable listing order.
	order := make([]int, len(inv.Devices))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return compareDevices(&inv.Devices[a], &inv.Devices[b]) })
	sorted := make([]Device, len(order))
	for i, j := range order {
		sorted[i] = inv.Devices[j]
	}
	inv.Devices = sorted
	for i := range inv.Devices {
		d := &inv.Devices[i]
		inv.byMAC[d.MAC] = i
		for _, ip := range d.IPs {
			if _, taken := inv.byIP[ip]; !taken {
				inv.byIP[ip] = i
			}
		}
	}
	// Addresses map to their owner as the graph decided.
	for ip, n := range g.ipNode {
		if n < len(devs) {
			if i, ok := inv.byMAC[devs[n].MAC]; ok {
				inv.byIP[ip] = i
			}
		}
	}
	return inv
}

func compareDevices(a, b *Device) int {
	ai, bi := a.PrimaryIP(), b.PrimaryIP()
	switch {
	case ai.IsValid() && !bi.IsValid():
		return -1
	case !ai.IsValid() && bi.IsValid():
		return 1
	case ai.IsValid():
		if c := cmp.Compare(boolInt(!ai.Is4()), boolInt(!bi.Is4())); c != 0 {
			return c
		}
		if c := ai.Compare(bi); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.MAC, b.MAC)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// describe fills what a device's own packets say: vendor, name, OS, EOL.
func (e *Engine) describe(o *DeviceObs, names map[netip.Addr]string, at time.Time) Device {
	d := Device{
		MAC: strings.ToLower(o.MAC), VLAN: o.VLAN, Identities: o.Identities, Browser: o.Browser, Link: o.Link,
		SentPackets: o.SentPackets, SentBytes: o.SentBytes, RecvPackets: o.RecvPackets, RecvBytes: o.RecvBytes,
		FirstSeen: o.FirstSeen, LastSeen: o.LastSeen, MACKind: MACGlobal,
	}
	d.IPs = orderIPs(o.IPs)
	if hw, err := net.ParseMAC(d.MAC); err == nil && len(hw) == 6 {
		mac := [6]byte(hw)
		switch oui.KindOf(mac) {
		case oui.Local, oui.Group:
			d.MACKind = MACLocal
		}
		if v, ok := e.oui.Lookup(mac); ok {
			d.Vendor, d.VendorFull, d.VendorPrefix = v.Short, v.Name, v.Prefix
		}
	}
	d.Hostname = o.Hostname
	if d.Hostname == "" {
		d.Hostname = o.DHCPHostname
	}
	if d.Hostname == "" {
		for _, ip := range d.IPs {
			if n, ok := names[ip]; ok {
				d.Hostname = n
				break
			}
		}
	}
	if d.Hostname == "" && o.Browser != nil {
		d.Hostname = o.Browser.Name
	}
	if d.Hostname == "" && o.Link != nil {
		d.Hostname = o.Link.SystemName
	}
	d.OS = e.os.Estimate(osInput(o, d.Vendor))
	d.EOL = eol.Lookup(d.OS.Name, at)
	return d
}

// orderIPs lists addresses claimed ones first (ARP, NDP, DHCP), IPv4
// before IPv6, then by value.
func orderIPs(ips []IPObs) []netip.Addr {
	s := slices.Clone(ips)
	slices.SortFunc(s, func(a, b IPObs) int {
		return cmp.Or(cmp.Compare(boolInt(!a.Claimed()), boolInt(!b.Claimed())),
			cmp.Compare(boolInt(!a.Addr.Is4()), boolInt(!b.Addr.Is4())), a.Addr.Compare(b.Addr))
	})
	out := make([]netip.Addr, 0, len(s))
	for _, ip := range s {
		if len(out) == 0 || out[len(out)-1] != ip.Addr {
			out = append(out, ip.Addr)
		}
	}
	return out
}

// osInput gathers a device's OS evidence. Handshakes and headers sent
// from an address the device does not claim, when it claims some, came
// from hosts behind it (a router) and are left out.
func osInput(o *DeviceObs, vendor string) osfp.Input {
	claimed := map[netip.Addr]bool{}
	for _, ip := range o.IPs {
		if ip.Claimed() {
			claimed[ip.Addr] = true
		}
	}
	own := func(ip netip.Addr) bool { return len(claimed) == 0 || !ip.IsValid() || claimed[ip] }
	in := osfp.Input{DHCPParams: o.DHCPParams, DHCPVendorClass: o.DHCPVendorClass, Vendor: vendor, TTL: o.MaxTTL}
	for _, t := range o.TCP {
		if !own(t.IP) {
			continue
		}
		sig, err := p0f.ParseObserved(t.Sig)
		if err != nil {
			continue
		}
		in.TCP = append(in.TCP, osfp.TCPObservation{Response: t.Response, Sig: sig, Count: t.Count})
	}
	for _, t := range o.Texts {
		if !own(t.IP) {
			continue
		}
		x := osfp.Text{Value: t.Value, Count: t.Count}
		switch t.Kind {
		case TextUserAgent, TextSSDPUserAgent:
			in.UserAgents = append(in.UserAgents, x)
		case TextHTTPServer:
			in.HTTPServers = append(in.HTTPServers, x)
		case TextSSDPServer:
			in.SSDPServers = append(in.SSDPServers, x)
		}
	}
	if b := o.Browser; b != nil {
		in.Browser = &osfp.Browser{Major: b.Major, Minor: b.Minor, ServerType: b.ServerType, Comment: b.Comment}
	}
	if l := o.Link; l != nil {
		in.Link = &osfp.Link{CDP: l.Protocol == "cdp", SystemName: l.SystemName, Description: l.Description,
			Platform: l.Platform, Capabilities: l.Capabilities}
	}
	for _, id := range o.Identities {
		in.Identities = append(in.Identities, osfp.Identity{Protocol: id.Protocol, Vendor: id.Vendor,
			Product: id.Product, Model: id.Model, Firmware: id.Firmware})
	}
	return in
}

// nameSourceRank prefers names a host gives itself.
var nameSourceRank = map[string]int{"dhcp": 5, "nbns": 4, "mdns": 3, "llmnr": 2, "dns": 1}

// bestNames picks one name per address: by source, then how often it was
// seen, then how recently.
func bestNames(ns []NameObs) map[netip.Addr]string {
	best := map[netip.Addr]NameObs{}
	for _, n := range ns {
		b, ok := best[n.IP]
		if !ok || cmp.Or(cmp.Compare(nameSourceRank[n.Source], nameSourceRank[b.Source]),
			cmp.Compare(n.Count, b.Count), n.LastSeen.Compare(b.LastSeen), cmp.Compare(b.Name, n.Name)) > 0 {
			best[n.IP] = n
		}
	}
	out := make(map[netip.Addr]string, len(best))
	for ip, n := range best {
		out[ip] = n.Name
	}
	return out
}

func serviceUses(m map[svcKey]*svcUse, tbl *services.Table) []ServiceUse {
	out := make([]ServiceUse, 0, len(m))
	for k, u := range m {
		s, _ := tbl.Lookup(k.proto, k.port)
		out = append(out, ServiceUse{Proto: k.proto, Port: k.port, Name: tbl.Name(k.proto, k.port),
			OT: s.OT || u.ot, Peers: len(u.peers), Packets: u.packets, Bytes: u.bytes})
	}
	slices.SortFunc(out, func(a, b ServiceUse) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
	return out
}

func otProtocols(f *features, tbl *services.Table) []string {
	set := map[string]bool{}
	for p := range f.otAsServer {
		set[p] = true
	}
	for p := range f.otAsClient {
		set[p] = true
	}
	for _, m := range []map[svcKey]*svcUse{f.served, f.used} {
		for k, u := range m {
			if s, ok := tbl.Lookup(k.proto, k.port); ok && s.OT && u.ot {
				set[s.Name] = true
			}
		}
	}
	return sortedKeys(set)
}
