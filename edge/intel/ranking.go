package intel

import (
	"cmp"
	"net/netip"
	"slices"

	"mimamori/edge/intel/services"
)

// Rankings (V4-1..V4-6). The device rankings read the conversations of a
// period (the caller picks the days), so they show what happened then;
// importance and vendors describe the inventory as a whole.

// DeviceRank is one row of a device ranking.
type DeviceRank struct {
	Device  *Device
	Bytes   uint64 // sent and received in the period
	Packets uint64
	Peers   int // distinct peers in the period
}

// ServiceRank is one row of a service ranking.
type ServiceRank struct {
	Proto   uint8
	Port    uint16
	Name    string
	OT      bool
	Bytes   uint64
	Packets uint64
	Flows   uint64
	Devices int // distinct devices using or offering it
	Clients int
	Servers int
}

// VendorRank is one row of the vendor ranking.
type VendorRank struct {
	Vendor  string // "" for unknown, "local" for locally administered MACs
	Label   string
	Devices []*Device
	IPs     []netip.Addr
}

// deviceTraffic sums conversations per device of the inventory.
func deviceTraffic(inv *Inventory, convs []Conversation) map[*Device]*DeviceRank {
	out := map[*Device]*DeviceRank{}
	peers := map[*Device]map[netip.Addr]bool{}
	get := func(ip netip.Addr) *DeviceRank {
		d, ok := inv.DeviceByIP(ip)
		if !ok {
			return nil
		}
		r := out[d]
		if r == nil {
			r = &DeviceRank{Device: d}
			out[d] = r
			peers[d] = map[netip.Addr]bool{}
		}
		return r
	}
	for i := range convs {
		c := &convs[i]
		for _, side := range [2]struct{ me, other netip.Addr }{{c.Client, c.Server}, {c.Server, c.Client}} {
			if r := get(side.me); r != nil {
				r.Bytes += c.Bytes()
				r.Packets += c.Packets()
				if !broadcastAddr(side.other) {
					peers[r.Device][side.other] = true
				}
			}
		}
	}
	for d, r := range out {
		r.Peers = len(peers[d])
	}
	return out
}

// DevicesByTraffic ranks devices by bytes sent and received (V4-1).
func DevicesByTraffic(inv *Inventory, convs []Conversation) []DeviceRank {
	rs := rankSlice(deviceTraffic(inv, convs))
	slices.SortStableFunc(rs, func(a, b DeviceRank) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), compareDevices(a.Device, b.Device))
	})
	return rs
}

// DevicesByPeers ranks devices by how many others they talked to (V4-2).
func DevicesByPeers(inv *Inventory, convs []Conversation) []DeviceRank {
	rs := rankSlice(deviceTraffic(inv, convs))
	slices.SortStableFunc(rs, func(a, b DeviceRank) int {
		return cmp.Or(cmp.Compare(b.Peers, a.Peers), cmp.Compare(b.Bytes, a.Bytes), compareDevices(a.Device, b.Device))
	})
	return rs
}

func rankSlice(m map[*Device]*DeviceRank) []DeviceRank {
	out := make([]DeviceRank, 0, len(m))
	for _, r := range m {
		out = append(out, *r)
	}
	return out
}

// DevicesByImportance ranks the inventory by importance (V4-3).
func DevicesByImportance(inv *Inventory) []*Device {
	out := make([]*Device, len(inv.Devices))
	for i := range inv.Devices {
		out[i] = &inv.Devices[i]
	}
	slices.SortStableFunc(out, func(a, b *Device) int {
		return cmp.Or(cmp.Compare(b.Importance, a.Importance), compareDevices(a, b))
	})
	return out
}

// serviceStats sums conversations per service.
func serviceStats(convs []Conversation, tbl *services.Table) []ServiceRank {
	type acc struct {
		r                ServiceRank
		clients, servers map[netip.Addr]bool
	}
	m := map[svcKey]*acc{}
	for i := range convs {
		c := &convs[i]
		if c.Proto != services.TCP && c.Proto != services.UDP {
			continue
		}
		k := svcKey{c.Proto, c.Port}
		a := m[k]
		if a == nil {
			s, _ := tbl.Lookup(c.Proto, c.Port)
			a = &acc{r: ServiceRank{Proto: c.Proto, Port: c.Port, Name: tbl.Name(c.Proto, c.Port), OT: s.OT},
				clients: map[netip.Addr]bool{}, servers: map[netip.Addr]bool{}}
			m[k] = a
		}
		a.r.Bytes += c.Bytes()
		a.r.Packets += c.Packets()
		a.r.Flows += c.Flows
		a.clients[c.Client] = true
		if !broadcastAddr(c.Server) {
			a.servers[c.Server] = true
		}
	}
	out := make([]ServiceRank, 0, len(m))
	for _, a := range m {
		all := map[netip.Addr]bool{}
		for ip := range a.clients {
			all[ip] = true
		}
		for ip := range a.servers {
			all[ip] = true
		}
		a.r.Clients, a.r.Servers, a.r.Devices = len(a.clients), len(a.servers), len(all)
		out = append(out, a.r)
	}
	return out
}

func compareServices(a, b ServiceRank) int {
	return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
}

// ServicesByTraffic ranks services (protocol and server port) by bytes
// (V4-4). Names come from tbl, a tenant's own names included.
func ServicesByTraffic(convs []Conversation, tbl *services.Table) []ServiceRank {
	rs := serviceStats(convs, tbl)
	slices.SortFunc(rs, func(a, b ServiceRank) int { return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), compareServices(a, b)) })
	return rs
}

// ServicesByDevices ranks services by the number of devices that use or
// offer them (V4-5).
func ServicesByDevices(convs []Conversation, tbl *services.Table) []ServiceRank {
	rs := serviceStats(convs, tbl)
	slices.SortFunc(rs, func(a, b ServiceRank) int {
		return cmp.Or(cmp.Compare(b.Devices, a.Devices), cmp.Compare(b.Bytes, a.Bytes), compareServices(a, b))
	})
	return rs
}

// VendorsByDevices ranks MAC vendors by their number of devices, with the
// devices' addresses (V4-6).
func VendorsByDevices(inv *Inventory) []VendorRank {
	m := map[string]*VendorRank{}
	for i := range inv.Devices {
		d := &inv.Devices[i]
		key, label, _ := category(d, MatrixVendor)
		r := m[key]
		if r == nil {
			r = &VendorRank{Vendor: key, Label: label}
			m[key] = r
		}
		r.Devices = append(r.Devices, d)
		r.IPs = append(r.IPs, d.IPs...)
	}
	out := make([]VendorRank, 0, len(m))
	for _, r := range m {
		slices.SortFunc(r.IPs, func(a, b netip.Addr) int { return a.Compare(b) })
		r.IPs = slices.Compact(r.IPs)
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b VendorRank) int {
		// Unknown vendors go last whatever their count.
		return cmp.Or(cmp.Compare(boolInt(a.Vendor == ""), boolInt(b.Vendor == "")),
			cmp.Compare(len(b.Devices), len(a.Devices)), cmp.Compare(a.Label, b.Label))
	})
	return out
}
