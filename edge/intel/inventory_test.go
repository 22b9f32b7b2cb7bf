package intel

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"mimamori/edge/intel/services"
)

func testEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(Options{P0fPath: "testdata/no-such.fp", OUIOverridePath: "testdata/no-such.txt"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var t0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func dev(mac string, ips ...string) DeviceObs {
	d := DeviceObs{MAC: mac, FirstSeen: t0, LastSeen: t0.Add(time.Hour)}
	for _, s := range ips {
		d.IPs = append(d.IPs, IPObs{Addr: ip(s), Evidence: EvidenceARP | EvidenceIP})
	}
	return d
}

func conv(client, server string, proto uint8, port uint16, flows, minutes uint64) Conversation {
	return Conversation{Client: ip(client), Server: ip(server), Proto: proto, Port: port, Flows: flows, Minutes: minutes,
		ClientPackets: 10 * minutes, ClientBytes: 1000 * minutes, ServerPackets: 10 * minutes, ServerBytes: 2000 * minutes,
		ServerTCPFlags: 0x12}
}

// plantObservations is a small plant: a router, a switch, a DNS/DHCP
// server, a SCADA server polling six controllers in another subnet, an HMI
// polling two, an engineering station with a download, and an office PC.
func plantObservations() *Observations {
	router := dev("00:1b:54:00:00:01", "10.0.1.1", "10.0.2.1")
	sw := dev("00:09:41:00:00:02")
	sw.L2Protocols = L2STP | L2LLDP
	sw.Link = &LinkObs{Protocol: "lldp", SystemName: "cell-sw", Description: "Allied Telesis AT-IE210L, AlliedWare Plus 5.5", Capabilities: 0x04}
	dns := dev("3c:52:82:00:00:03", "10.0.1.10")
	scada := dev("d4:be:d9:00:00:04", "10.0.1.20")
	scada.TCP = []TCPObs{{Sig: "4:128:0:1460:65535,8:mss,nop,ws,nop,nop,sok:df,id+:0", IP: ip("10.0.1.20"), Count: 6}}
	ews := dev("98:90:96:00:00:05", "10.0.1.30")
	ews.TCP = []TCPObs{{Sig: "4:128:0:1460:64240,8:mss,nop,ws,nop,nop,sok:df,id+:0", IP: ip("10.0.1.30"), Count: 3}}
	pc := dev("18:66:da:00:00:06", "10.0.1.40")
	pc.DHCPParams = []byte{1, 15, 3, 6, 44, 46, 47, 31, 33, 121, 249, 43}
	pc.DHCPVendorClass = "MSFT 5.0"
	pc.DHCPHostname = "office-pc"
	hmi := dev("00:01:23:00:00:07", "10.0.2.50")
	obs := &Observations{Devices: []DeviceObs{router, sw, dns, scada, ews, pc, hmi}}
	for i := range 6 {
		plc := dev(fmt.Sprintf("00:26:92:00:01:%02x", i), fmt.Sprintf("10.0.2.%d", 10+i))
		plc.TCP = []TCPObs{{Response: true, Sig: fmt.Sprintf("4:64:0:1460:8192,0:mss::0"), Count: 1}}
		obs.Devices = append(obs.Devices, plc)
		obs.Conversations = append(obs.Conversations, conv("10.0.1.20", plc.IPs[0].Addr.String(), 6, 502, 1, 60))
		if i < 2 {
			obs.Conversations = append(obs.Conversations, conv("10.0.2.50", plc.IPs[0].Addr.String(), 6, 502, 1, 60))
		}
	}
	obs.Conversations = append(obs.Conversations,
		conv("10.0.1.30", "10.0.2.10", 6, 102, 4, 4),
		conv("10.0.1.40", "10.0.1.10", 17, 53, 3, 3),
		conv("10.0.1.20", "10.0.1.10", 17, 53, 1, 2),
		conv("10.0.1.10", "10.0.1.40", 17, 68, 1, 1), // a DHCP reply
	)
	obs.OT = []OTActivity{{Protocol: "s7comm", Code: 0x1b, Function: "Download block", Src: ip("10.0.1.30"), Dst: ip("10.0.2.10"),
		Count: 8, Requests: 4, Replies: 4}}
	obs.Names = []NameObs{{IP: ip("10.0.2.10"), Name: "plc-a.plant.local", Source: "dns", Count: 2, LastSeen: t0}}
	return obs
}

func TestBuildRoles(t *testing.T) {
	inv := testEngine(t).Build(plantObservations(), nil, t0)
	want := map[string]Role{
		"00:1b:54:00:00:01": RoleRouter, "00:09:41:00:00:02": RoleSwitch, "3c:52:82:00:00:03": RoleDHCP,
		"d4:be:d9:00:00:04": RoleSCADA, "98:90:96:00:00:05": RoleEngineering, "18:66:da:00:00:06": RoleClient,
		"00:01:23:00:00:07": RoleHMI, "00:26:92:00:01:00": RolePLC, "00:26:92:00:01:05": RolePLC,
	}
	for mac, role := range want {
		d, ok := inv.Device(mac)
		if !ok {
			t.Fatalf("%s missing", mac)
		}
		var reasons []string
		for _, r := range d.RoleReasons {
			reasons = append(reasons, r.English())
			if strings.Contains(r.English(), "%!") || strings.Contains(r.Japanese(), "%!") {
				t.Errorf("%s: reason %q / %q has a formatting error", mac, r.English(), r.Japanese())
			}
		}
		if d.Role != role {
			t.Errorf("%s: role %s (%s), want %s", mac, d.Role, strings.Join(reasons, "; "), role)
		}
	}
	dns, _ := inv.Device("3c:52:82:00:00:03")
	if len(dns.OtherRoles) != 1 || dns.OtherRoles[0] != RoleDNS {
		t.Errorf("DHCP server's other roles: %v, want [dns-server]", dns.OtherRoles)
	}
}

func TestBuildDescribes(t *testing.T) {
	inv := testEngine(t).Build(plantObservations(), nil, t0)
	pc, _ := inv.Device("18:66:da:00:00:06")
	if pc.Vendor != "Dell" || pc.Hostname != "office-pc" || pc.OS.Family != "Windows" || pc.OS.Name != "Windows 7 or Vista" || !pc.EOL.Vulnerable() {
		t.Errorf("office PC: vendor %q host %q OS %+v EOL %s", pc.Vendor, pc.Hostname, pc.OS.OS, pc.EOL.State)
	}
	plc, _ := inv.Device("00:26:92:00:01:00")
	if plc.Vendor != "Mitsubishi Electric" || plc.Hostname != "plc-a.plant.local" || plc.OS.Family != "Embedded" {
		t.Errorf("PLC: %q %q %+v", plc.Vendor, plc.Hostname, plc.OS.OS)
	}
	if len(plc.Served) != 2 || plc.Served[0].Name != "modbus" || plc.Served[0].Peers != 2 {
		t.Errorf("PLC services: %+v", plc.Served)
	}
	sw, _ := inv.Device("00:09:41:00:00:02")
	if sw.OS.Name != "AlliedWare Plus 5.5" || sw.OS.Confidence < 4 || sw.Hostname != "cell-sw" {
		t.Errorf("switch: %+v %q", sw.OS.OS, sw.Hostname)
	}
	// The inventory is in address order, devices without one last.
	if inv.Devices[0].MAC != "00:1b:54:00:00:01" || inv.Devices[len(inv.Devices)-1].MAC != "00:09:41:00:00:02" {
		t.Errorf("order: first %s, last %s", inv.Devices[0].MAC, inv.Devices[len(inv.Devices)-1].MAC)
	}
	if d, ok := inv.DeviceByIP(ip("10.0.2.1")); !ok || d.MAC != "00:1b:54:00:00:01" {
		t.Errorf("DeviceByIP(10.0.2.1) = %v", d)
	}
}

func TestImportance(t *testing.T) {
	inv := testEngine(t).Build(plantObservations(), nil, t0)
	ranked := DevicesByImportance(inv)
	top := ranked[0]
	if top.Role != RolePLC && top.Role != RoleSCADA {
		t.Errorf("most important device is a %s (%s)", top.Role, top.MAC)
	}
	sw, _ := inv.Device("00:09:41:00:00:02")
	pc, _ := inv.Device("18:66:da:00:00:06")
	if pc.Importance >= top.Importance || sw.Importance <= 0 || top.Importance > 100 {
		t.Errorf("importance: top %.1f, PC %.1f, switch %.1f", top.Importance, pc.Importance, sw.Importance)
	}
	if sw.ImportanceOf.PageRank != 0 {
		t.Errorf("a device without peers has a PageRank share: %+v", sw.ImportanceOf)
	}
	// Deterministic: the same input gives the same numbers.
	again := testEngine(t).Build(plantObservations(), nil, t0)
	for i := range inv.Devices {
		if inv.Devices[i].Importance != again.Devices[i].Importance {
			t.Fatalf("importance of %s differs between builds", inv.Devices[i].MAC)
		}
	}
}

func TestPageRank(t *testing.T) {
	// A star: three clients use one server; the hub ranks first.
	pr := pageRank(4, map[[2]int]float64{{1, 0}: 10, {2, 0}: 10, {3, 0}: 10})
	sum := 0.0
	for _, r := range pr {
		sum += r
	}
	if pr[0] <= pr[1] || sum < 0.999 || sum > 1.001 {
		t.Errorf("PageRank %v (sum %f): the server must rank first", pr, sum)
	}
}

func TestMatrix(t *testing.T) {
	inv := testEngine(t).Build(plantObservations(), nil, t0)
	m := BuildMatrix(inv, MatrixRole, 1)
	if m.Pages != 1 || len(m.Cells) != len(inv.Devices) || m.Cells[1].Col != 1 || m.Cells[0].Device != &inv.Devices[0] {
		t.Fatalf("matrix: %d pages, %d cells", m.Pages, len(m.Cells))
	}
	total := 0
	for _, l := range m.Legend {
		total += l.Devices
	}
	if total != len(inv.Devices) || m.Legend[0].Key != string(RolePLC) || m.Legend[0].Devices != 6 {
		t.Errorf("legend: %+v", m.Legend)
	}
	for _, c := range m.Cells {
		if c.Legend < 0 || c.Legend >= len(m.Legend) {
			t.Fatalf("cell legend %d out of range", c.Legend)
		}
	}
	// Many devices: pages, and categories beyond fifteen share "others".
	obs := &Observations{}
	for i := range 300 {
		d := dev(fmt.Sprintf("02:00:00:00:%02x:%02x", i/256, i%256), fmt.Sprintf("10.1.%d.%d", i/200, i%200+1))
		obs.Devices = append(obs.Devices, d)
	}
	big := testEngine(t).Build(obs, nil, t0)
	m = BuildMatrix(big, MatrixVendor, 2)
	if m.Pages != 2 || m.Page != 2 || len(m.Cells) != 300-256 || m.Cells[0].Device.MAC != big.Devices[256].MAC {
		t.Errorf("page 2: %d/%d, %d cells", m.Page, m.Pages, len(m.Cells))
	}
	if len(m.Legend) != 1 || m.Legend[0].Label != "ローカル管理MAC" {
		t.Errorf("locally administered MACs: %+v", m.Legend)
	}
	if m := BuildMatrix(big, MatrixOS, 99); m.Page != 2 {
		t.Errorf("page clamp: %d", m.Page)
	}
}

func TestRankings(t *testing.T) {
	obs := plantObservations()
	inv := testEngine(t).Build(obs, nil, t0)
	tbl := inv.Services
	byTraffic := DevicesByTraffic(inv, obs.Conversations)
	if byTraffic[0].Device.MAC != "d4:be:d9:00:00:04" {
		t.Errorf("top talker %s, want the SCADA server", byTraffic[0].Device.MAC)
	}
	byPeers := DevicesByPeers(inv, obs.Conversations)
	if byPeers[0].Device.MAC != "d4:be:d9:00:00:04" || byPeers[0].Peers != 7 {
		t.Errorf("most peers: %s with %d", byPeers[0].Device.MAC, byPeers[0].Peers)
	}
	svc := ServicesByTraffic(obs.Conversations, tbl)
	if svc[0].Name != "modbus" || svc[0].Servers != 6 || svc[0].Clients != 2 || !svc[0].OT {
		t.Errorf("top service: %+v", svc[0])
	}
	byDevs := ServicesByDevices(obs.Conversations, tbl)
	if byDevs[0].Name != "modbus" || byDevs[0].Devices != 8 {
		t.Errorf("service with most devices: %+v", byDevs[0])
	}
	custom := tbl.WithCustom([]services.Service{{Proto: 6, Port: 502, Name: "line-io"}})
	if got := ServicesByTraffic(obs.Conversations, custom)[0].Name; got != "line-io" {
		t.Errorf("custom name not used: %s", got)
	}
	vendors := VendorsByDevices(inv)
	if vendors[0].Label != "Mitsubishi Electric" || len(vendors[0].Devices) != 6 || len(vendors[0].IPs) != 6 {
		t.Errorf("top vendor: %+v", vendors[0])
	}
}
