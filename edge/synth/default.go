package synth

import (
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"strings"
	"time"
)

// MaxCells bounds DefaultFactory: cell c uses 192.168.(9+c).0/24.
const MaxCells = 200

// CCIEFCycle is the CC-Link IE Field Basic link scan of the default factory.
const CCIEFCycle = 100 * time.Millisecond

// Organisationally unique identifiers, each checked against the IEEE
// registry (as shipped in Wireshark's manuf file).
var (
	ouiMitsubishi   = [3]byte{0x00, 0x26, 0x92} // Mitsubishi Electric Corporation
	ouiMitsubishi2  = [3]byte{0x28, 0xe9, 0x8e} // Mitsubishi Electric Corporation
	ouiOmron        = [3]byte{0x00, 0x00, 0x0a} // Omron Tateisi Electronics Co.
	ouiSiemens      = [3]byte{0x28, 0x63, 0x36} // Siemens AG
	ouiSiemensOld   = [3]byte{0x00, 0x1b, 0x1b} // Siemens AG
	ouiRockwell     = [3]byte{0x5c, 0x88, 0x16} // Rockwell Automation
	ouiRockwell2    = [3]byte{0xe4, 0x90, 0x69} // Rockwell Automation
	ouiTelemecaniqe = [3]byte{0x00, 0x80, 0xf4} // Telemecanique Electrique (Schneider Electric)
	ouiWAGO         = [3]byte{0x00, 0x30, 0xde} // WAGO Kontakttechnik GmbH
	ouiMoxa         = [3]byte{0x00, 0x90, 0xe8} // Moxa Technologies
	ouiProface      = [3]byte{0x00, 0x01, 0x23} // Schneider Electric Japan Holdings (Pro-face)
	ouiAdvantech    = [3]byte{0x00, 0xd0, 0xc9} // Advantech Co., Ltd.
	ouiAlliedKK     = [3]byte{0x00, 0x09, 0x41} // Allied Telesis K.K.
	ouiHirschmann   = [3]byte{0x00, 0x80, 0x63} // Richard Hirschmann GmbH & Co
	ouiCisco        = [3]byte{0x00, 0x1b, 0x54} // Cisco Systems, Inc
	ouiDell1        = [3]byte{0xd4, 0xbe, 0xd9} // Dell Inc.
	ouiDell2        = [3]byte{0x98, 0x90, 0x96} // Dell Inc.
	ouiDell3        = [3]byte{0xf8, 0xb1, 0x56} // Dell Inc.
	ouiDell4        = [3]byte{0x18, 0x66, 0xda} // Dell Inc.
	ouiDell5        = [3]byte{0xb8, 0xac, 0x6f} // Dell Inc.
	ouiDell6        = [3]byte{0xa4, 0x4c, 0xc8} // Dell Inc.
	ouiHP1          = [3]byte{0x3c, 0x52, 0x82} // Hewlett Packard
	ouiHP2          = [3]byte{0xec, 0xb1, 0xd7} // Hewlett Packard
	ouiHP3          = [3]byte{0xb4, 0xb5, 0x2f} // Hewlett Packard
	ouiLenovo       = [3]byte{0x10, 0xc5, 0x95} // Lenovo
)

// DefaultFactory describes a small discrete-manufacturing plant with the
// given number of production cells (1..MaxCells; out-of-range values are
// clamped). It is a pure function of cells: the same call always returns the
// same hosts, addresses and conversations.
//
// Subnets: "control" 192.168.1.0/24 (VLAN 10) with SCADA, historian,
// engineering workstation, NTP server and the core L3 switch; "office"
// 172.16.10.0/24 (untagged) with the domain controller (DHCP/DNS), a file
// server and DHCP desktops; and one subnet per cell, 192.168.(9+c).0/24 on
// VLAN 100+c. Each cell holds a MELSEC iQ-R (SLMP server and CC-Link IE
// Field Basic master of a remote I/O station and an inverter), an Omron PLC
// (FINS/UDP), a Siemens S7 (S7comm), a Rockwell Logix (EtherNet/IP/CIP), two
// Modbus/TCP I/O couplers, a Pro-face panel (polls MELSEC and Omron), an
// Advantech Windows panel PC (polls S7, Logix and Modbus I/O) and a managed
// switch. SCADA polls every PLC and I/O coupler once a second; the
// engineering workstation opens a short session to each PLC now and then.
func DefaultFactory(cells int) *Factory {
	cells = max(1, min(cells, MaxCells))
	b := &factoryBuilder{f: &Factory{
		Name:       fmt.Sprintf("default-%dcell", cells),
		Domain:     "plant.local",
		Workgroup:  "PLANT",
		Router:     "core-sw",
		DNSServer:  "dc01",
		DHCPServer: "dc01",
	}, macs: map[string]bool{}}
	f := b.f

	control := b.subnet("control", "192.168.1.0/24", 10)
	office := b.subnet("office", "172.16.10.0/24", 0)

	b.host(Host{Name: "core-sw", Role: RoleRouter, Vendor: "Cisco", Model: "Catalyst 9300-24T",
		OS: "Cisco IOS XE 17.6", Stack: StackCisco}, control, 1, ouiCisco, 0)
	b.host(Host{Name: "ntp01", Role: RoleNTP, Vendor: "Dell", Model: "PowerEdge R250",
		OS: "Linux (Ubuntu 22.04)", Stack: StackLinux}, control, 5, ouiDell6, 500*time.Millisecond)
	b.host(Host{Name: "scada01", Role: RoleSCADA, Vendor: "Dell", Model: "PowerEdge R650",
		OS: "Windows Server 2019", Stack: StackWindowsServer}, control, 10, ouiDell1, 1200*time.Millisecond)
	b.host(Host{Name: "hist01", Role: RoleHistorian, Vendor: "HP", Model: "ProLiant DL360 Gen10",
		OS: "Linux (Red Hat Enterprise Linux 8)", Stack: StackLinux}, control, 11, ouiHP1, time.Second)
	b.host(Host{Name: "ews01", Role: RoleEngineering, Vendor: "Dell", Model: "Precision 3660",
		OS: "Windows 10", Stack: StackWindows10}, control, 20, ouiDell2, 1500*time.Millisecond)

	b.host(Host{Name: "dc01", Role: RoleDHCPDNS, Vendor: "HP", Model: "ProLiant DL20 Gen10",
		OS: "Windows Server 2016", Stack: StackWindowsServer}, office, 10, ouiHP2, 700*time.Millisecond)
	b.host(Host{Name: "fs01", Role: RoleFileServer, Vendor: "Dell", Model: "PowerEdge T330",
		OS: "Windows Server 2012 R2", Stack: StackWindowsServer}, office, 11, ouiDell3, 900*time.Millisecond)
	desktops := []Host{
		{Name: "office-pc01", Vendor: "Dell", Model: "OptiPlex 7070", OS: "Windows 10", Stack: StackWindows10},
		{Name: "office-pc02", Vendor: "HP", Model: "EliteDesk 800 G4", OS: "Windows 10", Stack: StackWindows10},
		{Name: "office-pc03", Vendor: "Dell", Model: "OptiPlex 790", OS: "Windows 7", Stack: StackWindows7},
		{Name: "qa-laptop", Vendor: "Lenovo", Model: "ThinkPad T14", OS: "Linux (Ubuntu 22.04)", Stack: StackLinux},
	}
	desktopOUI := [][3]byte{ouiDell4, ouiHP3, ouiDell5, ouiLenovo}
	for i, h := range desktops {
		h.Role, h.DHCP = RoleWorkstation, true
		b.host(h, office, 101+i, desktopOUI[i], 3*time.Second+time.Duration(i)*2300*time.Millisecond)
	}

	for c := 1; c <= cells; c++ {
		b.cell(c)
	}

	// Control and office conversations.
	add := func(t Talk) { f.Talks = append(f.Talks, t) }
	add(Talk{Client: "scada01", Server: "hist01", Proto: ProtoHistorian, Cycle: 5 * time.Second,
		Start: 6 * time.Second, Lookup: true})
	add(Talk{Client: "ews01", Server: "fs01", Proto: ProtoSMB, Cycle: 1500 * time.Millisecond,
		PerConn: 4, Pause: 15 * time.Minute, Start: 90 * time.Second, Lookup: true})
	for i, h := range desktops {
		per, pause := 5, 4*time.Minute
		if h.Stack == StackLinux {
			per, pause = 3, 10*time.Minute
		}
		add(Talk{Client: h.Name, Server: "fs01", Proto: ProtoSMB, Cycle: 2 * time.Second,
			PerConn: per, Pause: pause, Start: 20*time.Second + time.Duration(i)*40*time.Second, Lookup: true})
	}
	// Time: Linux boxes and the switch follow ntp01 at chrony's 64 s minimum
	// poll; Windows domain members follow the domain controller every 1024 s.
	ntp := func(client, server string, every time.Duration) {
		add(Talk{Client: client, Server: server, Proto: ProtoNTP, Cycle: every, Start: 3 * time.Second})
	}
	ntp("core-sw", "ntp01", 64*time.Second)
	ntp("hist01", "ntp01", 64*time.Second)
	ntp("dc01", "ntp01", 64*time.Second)
	for _, name := range []string{"scada01", "ews01", "fs01", "office-pc01", "office-pc02", "office-pc03"} {
		ntp(name, "dc01", 1024*time.Second)
	}
	ntp("qa-laptop", "ntp01", 64*time.Second)
	return f
}

// cell adds the hosts and conversations of production cell c, polled by
// scada01 and visited by ews01.
func (b *factoryBuilder) cell(c int) { b.cellFor(c, "scada01", "ews01") }

// cellFor adds production cell c, polled by the SCADA server scada and
// visited by the engineering workstation ews.
func (b *factoryBuilder) cellFor(c int, scada, ews string) {
	f := b.f
	name := func(s string) string { return fmt.Sprintf("cell%d-%s", c, s) }
	sn := b.subnet(fmt.Sprintf("cell%d", c), fmt.Sprintf("192.168.%d.0/24", 9+c), uint16(100+c))
	boot := func(ms int) time.Duration {
		return time.Duration(ms)*time.Millisecond + time.Duration(c)*37*time.Millisecond
	}
	odd := c%2 == 1

	switch c % 3 {
	case 1:
		b.host(Host{Name: name("sw"), Role: RoleSwitch, Vendor: "Allied Telesis", Model: "AT-IE210L-10GP",
			OS: "AlliedWare Plus 5.5", Stack: StackSwitch}, sn, 2, ouiAlliedKK, boot(200))
	case 2:
		b.host(Host{Name: name("sw"), Role: RoleSwitch, Vendor: "Hirschmann", Model: "RSP35",
			OS: "HiOS 08.7", Stack: StackSwitch}, sn, 2, ouiHirschmann, boot(200))
	default:
		b.host(Host{Name: name("sw"), Role: RoleSwitch, Vendor: "Cisco", Model: "IE-4000-8GT4G4E",
			OS: "Cisco IOS 15.2", Stack: StackCisco}, sn, 2, ouiCisco, boot(200))
	}
	b.host(Host{Name: name("melsec"), Role: RolePLC, Vendor: "Mitsubishi Electric", Model: "MELSEC iQ-R R04CPU",
		OS: "MELSEC iQ-R firmware", Stack: StackMELSEC}, sn, 10, ouiMitsubishi, boot(1000))
	omron := Host{Name: name("omron"), Role: RolePLC, Vendor: "Omron", Model: "NJ501-1300",
		OS: "Omron NJ firmware", Stack: StackOmron}
	if !odd {
		omron.Model, omron.OS = "CJ2M-CPU33", "Omron CJ2 firmware"
	}
	b.host(omron, sn, 11, ouiOmron, boot(1030))
	if odd {
		b.host(Host{Name: name("s7"), Role: RolePLC, Vendor: "Siemens", Model: "S7-1500 CPU 1515-2 PN",
			OS: "Siemens S7-1500 firmware", Stack: StackSiemens}, sn, 12, ouiSiemens, boot(1060))
	} else {
		b.host(Host{Name: name("s7"), Role: RolePLC, Vendor: "Siemens", Model: "S7-300 CPU 315-2 PN/DP",
			OS: "Siemens S7-300 firmware", Stack: StackSiemens}, sn, 12, ouiSiemensOld, boot(1060))
	}
	if odd {
		b.host(Host{Name: name("logix"), Role: RolePLC, Vendor: "Rockwell Automation", Model: "CompactLogix 5069-L320ER",
			OS: "Logix 5000 firmware", Stack: StackRockwell}, sn, 13, ouiRockwell, boot(1090))
	} else {
		b.host(Host{Name: name("logix"), Role: RolePLC, Vendor: "Rockwell Automation", Model: "ControlLogix 1756-L83E",
			OS: "Logix 5000 firmware", Stack: StackRockwell}, sn, 13, ouiRockwell2, boot(1090))
	}
	b.host(Host{Name: name("rio1"), Role: RoleRemoteIO, Vendor: "Mitsubishi Electric", Model: "NZ2MFB1-32D",
		OS: "embedded", Stack: StackMELSEC}, sn, 21, ouiMitsubishi2, boot(1200))
	b.host(Host{Name: name("inv1"), Role: RoleDrive, Vendor: "Mitsubishi Electric", Model: "FR-E800-E",
		OS: "embedded", Stack: StackMELSEC}, sn, 22, ouiMitsubishi2, boot(1250))
	io := []struct {
		vendor, model string
		oui           [3]byte
	}{
		{"WAGO", "750-352 fieldbus coupler", ouiWAGO},
		{"Moxa", "ioLogik E1214", ouiMoxa},
		{"Schneider Electric", "Modicon STB NIP2311", ouiTelemecaniqe},
	}
	for k := 0; k < 2; k++ {
		v := io[(c+k)%len(io)]
		b.host(Host{Name: name(fmt.Sprintf("mbio%d", k+1)), Role: RoleIO, Vendor: v.vendor, Model: v.model,
			OS: "embedded", Stack: StackEmbedded}, sn, 31+k, v.oui, boot(1300+40*k))
	}
	b.host(Host{Name: name("hmi1"), Role: RoleHMI, Vendor: "Pro-face", Model: "GP-4501T",
		OS: "Pro-face GP4000 runtime", Stack: StackEmbedded}, sn, 51, ouiProface, boot(2000))
	panel := Host{Name: name("hmi2"), Role: RoleHMI, Vendor: "Advantech", Model: "TPC-1551T",
		OS: "Windows 10 IoT Enterprise", Stack: StackWindows10}
	if !odd {
		// An end-of-life OS on the shop floor, as the vulnerable-device
		// detector (D1-2) expects to find.
		panel.OS, panel.Stack = "Windows Embedded Standard 7", StackWindows7
	}
	b.host(panel, sn, 52, ouiAdvantech, boot(2500))

	add := func(t Talk) { f.Talks = append(f.Talks, t) }
	// Operator panels poll on fixed cycles.
	add(Talk{Client: name("hmi1"), Server: name("melsec"), Proto: ProtoSLMP, Port: 5001, Cycle: 100 * time.Millisecond, Start: 2 * time.Second})
	add(Talk{Client: name("hmi1"), Server: name("omron"), Proto: ProtoFINS, Cycle: 200 * time.Millisecond, Start: 2 * time.Second})
	add(Talk{Client: name("hmi2"), Server: name("s7"), Proto: ProtoS7, Cycle: 200 * time.Millisecond, Start: 3 * time.Second})
	add(Talk{Client: name("hmi2"), Server: name("logix"), Proto: ProtoENIP, Cycle: 250 * time.Millisecond, Start: 3 * time.Second})
	add(Talk{Client: name("hmi2"), Server: name("mbio1"), Proto: ProtoModbus, Cycle: 500 * time.Millisecond, Start: 3 * time.Second})
	add(Talk{Client: name("hmi2"), Server: name("mbio2"), Proto: ProtoModbus, Cycle: 500 * time.Millisecond, Start: 3 * time.Second})
	add(Talk{Client: name("hmi2"), Server: name("logix"), Proto: ProtoListIdentity, Cycle: time.Minute, Start: 2 * time.Second, Broadcast: true})
	// SCADA polls everything once a second over its own connections.
	add(Talk{Client: scada, Server: name("melsec"), Proto: ProtoSLMP, Port: 5002, Cycle: time.Second, Start: 5 * time.Second})
	add(Talk{Client: scada, Server: name("omron"), Proto: ProtoFINS, Cycle: time.Second, Start: 5 * time.Second})
	add(Talk{Client: scada, Server: name("s7"), Proto: ProtoS7, Cycle: time.Second, Start: 5 * time.Second})
	add(Talk{Client: scada, Server: name("logix"), Proto: ProtoENIP, Cycle: time.Second, Start: 5 * time.Second})
	add(Talk{Client: scada, Server: name("mbio1"), Proto: ProtoModbus, Cycle: time.Second, Start: 5 * time.Second})
	add(Talk{Client: scada, Server: name("mbio2"), Proto: ProtoModbus, Cycle: time.Second, Start: 5 * time.Second})
	// The engineering workstation visits each PLC in turn, 2.5 minutes apart
	// across the plant, the first 40 s into the run; then every ~45 minutes.
	for k, t := range []Talk{
		{Server: name("melsec"), Proto: ProtoSLMP, Port: 5003},
		{Server: name("omron"), Proto: ProtoFINS},
		{Server: name("s7"), Proto: ProtoS7},
		{Server: name("logix"), Proto: ProtoENIP},
	} {
		t.Client, t.Engineering = ews, true
		t.Cycle, t.PerConn, t.Pause = 400*time.Millisecond, 8, 45*time.Minute
		t.Start = 40*time.Second + time.Duration((c-1)*4+k)*150*time.Second
		add(t)
	}
	// Controllers and the switch keep their clocks on ntp01; Omron PLCs and
	// I/O couplers are left without time sync, as is common.
	for _, n := range []string{"melsec", "s7", "logix", "sw"} {
		add(Talk{Client: name(n), Server: "ntp01", Proto: ProtoNTP, Cycle: 64 * time.Second, Start: 5 * time.Second})
	}
	add(Talk{Client: name("hmi2"), Server: "ntp01", Proto: ProtoNTP, Cycle: 1024 * time.Second, Start: 5 * time.Second})

	f.CCIEF = append(f.CCIEF, CCIEFGroup{Master: name("melsec"), Slaves: []string{name("rio1"), name("inv1")}, Cycle: CCIEFCycle})
}

type factoryBuilder struct {
	f    *Factory
	macs map[string]bool
}

func (b *factoryBuilder) subnet(name, prefix string, vlan uint16) Subnet {
	p := netip.MustParsePrefix(prefix)
	s := Subnet{Name: name, Prefix: p, VLAN: vlan, Gateway: p.Addr().Next()}
	b.f.Subnets = append(b.f.Subnets, s)
	return s
}

// host places h at the given last octet of subnet s, with a MAC under oui
// whose lower half is derived from the name (so it is stable across runs).
func (b *factoryBuilder) host(h Host, s Subnet, octet int, oui [3]byte, boot time.Duration) {
	a := s.Prefix.Addr().As4()
	a[3] = byte(octet)
	h.IP = netip.AddrFrom4(a)
	h.Subnet, h.VLAN, h.Boot = s.Name, s.VLAN, boot
	if strings.HasPrefix(s.Name, "cell") {
		fmt.Sscanf(s.Name, "cell%d", &h.Cell)
	}
	h.MAC = macFor(h.Name, oui, b.macs)
	b.f.Hosts = append(b.f.Hosts, h)
}

// macFor derives a MAC under oui from name, stable across runs, that is not
// yet in used, and records it there.
func macFor(name string, oui [3]byte, used map[string]bool) net.HardwareAddr {
	for salt := uint64(0); ; salt++ {
		hash := fnv.New64a()
		hash.Write([]byte(name))
		// FNV alone leaves similar names with similar low bytes; a final
		// mix spreads them like a vendor's serial numbering would not.
		sum := hash.Sum64() + salt*0x9e3779b97f4a7c15
		sum ^= sum >> 33
		sum *= 0xff51afd7ed558ccd
		sum ^= sum >> 33
		mac := net.HardwareAddr{oui[0], oui[1], oui[2], byte(sum >> 16), byte(sum >> 8), byte(sum)}
		if !used[string(mac)] {
			used[string(mac)] = true
			return mac
		}
	}
}

// DemoFactory is DefaultFactory(cells) with a CC-Link IE Field network in
// the first cell (the MELSEC's network module as master, two servo
// amplifiers), so that the demonstration also shows layer-2 industrial
// traffic. DefaultFactory itself stays as it is: tests pin its hosts.
func DemoFactory(cells int) *Factory {
	f := DefaultFactory(cells)
	b := &factoryBuilder{f: f, macs: map[string]bool{}}
	for _, h := range f.Hosts {
		b.macs[string(h.MAC)] = true
	}
	b.fieldNetwork(1)
	return f
}
