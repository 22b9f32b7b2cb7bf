package synth

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/netip"
	"time"
)

// Plant is a small declarative description of a whole site at scale, from
// which Build derives a complete Factory: how many devices, how busy, how
// much of it is OT. Everything else follows from the same building blocks
// as DefaultFactory: production cells of Mitsubishi (SLMP, CC-Link IE
// Field Basic, optionally CC-Link IE Field), Omron (FINS), Siemens (S7),
// Rockwell (EtherNet/IP) and Modbus devices with their HMIs; SCADA servers
// polling every cell once a second; an engineering workstation visiting
// controllers and transferring programs in working hours; office desktops
// (Windows 10/11, Linux, one Windows 7, one Windows XP) browsing through a
// web proxy and using a file server; and the DHCP, DNS, NTP, NetBIOS,
// mDNS, LLMNR, ARP, LLDP and STP background all of that implies.
//
// Machine polling runs around the clock; office and engineering traffic
// follow Schedule. Rate targets (ConnsPerMin, OTShare, BitsPerSec,
// MeanFrame) hold at full activity; Build meets them by sizing the office
// web traffic, the one part of a plant whose volume varies freely.
type Plant struct {
	// Name of the factory (default "plant-<devices>").
	Name string
	// Devices is how many devices (MAC addresses) the plant has, at least
	// MinPlantDevices (default 100).
	Devices int
	// CellShare is the share of devices in production cells (default
	// 0.75); the rest are office desktops and servers.
	CellShare float64
	// FieldEvery puts a CC-Link IE Field network, visible on the mirror,
	// into every FieldEvery-th cell (default 10; negative: none).
	FieldEvery int
	// ConnsPerMin is the number of new TCP connections and UDP flows per
	// minute (default 2 per device).
	ConnsPerMin int
	// OTShare is the share of frames that are OT protocols (0: whatever
	// the rest gives).
	OTShare float64
	// BitsPerSec is the mean traffic rate (0: whatever the rest gives).
	BitsPerSec float64
	// MeanFrame is the mean frame size in bytes (0: whatever the rest
	// gives). OTShare, BitsPerSec and MeanFrame together over-determine
	// the traffic; give at most two.
	MeanFrame float64
	// Schedule is the week's activity (zero: ShiftSchedule, unless Flat).
	Schedule Schedule
	// Flat keeps activity constant at full, ignoring Schedule.
	Flat bool
	// Seed drives calibration; use the generator's seed.
	Seed int64
}

// MinPlantDevices is the smallest plant Build makes: one cell, the core
// servers and a handful of desktops.
const MinPlantDevices = 30

// PlantReport says what Build made and what traffic it planned.
type PlantReport struct {
	Devices       int `json:"devices"`
	Cells         int `json:"cells"`
	FieldNetworks int `json:"field_networks"`
	Desktops      int `json:"desktops"`
	Servers       int `json:"servers"`
	// Planned rates at full activity.
	ConnsPerMin  float64 `json:"conns_per_min"`
	FramesPerSec float64 `json:"frames_per_sec"`
	BitsPerSec   float64 `json:"bits_per_sec"`
	MeanFrame    float64 `json:"mean_frame"`
	OTShare      float64 `json:"ot_share"`
	// The web traffic sized to meet the targets.
	WebConnsPerMin float64 `json:"web_conns_per_min"`
	WebMeanBytes   int     `json:"web_mean_bytes"`
	WebSegment     int     `json:"web_segment"`
	// Notes explain targets that could not be met.
	Notes []string `json:"notes,omitempty"`
}

// Per-connection shape of a proxied web request with n response segments
// of s bytes: handshake, request, segments, the client's ACK for every
// second one, and the close. The proxy sits on a tagged VLAN, the desktops
// are untagged.
const (
	webFrames0 = 6.5 // frames per connection besides the response segments
	webFrames1 = 1.5 // frames per response segment (with ACKs)
	webBytes0  = 702.0
	webBytes1  = 88.0 // header bytes per response segment, ACK included
	maxSegment = 1460
)

// Build derives the factory. It runs the generator briefly to measure the
// plant's machine traffic before sizing the office web traffic, so it
// takes a fraction of a second for a thousand devices.
func (p Plant) Build() (*Factory, PlantReport, error) {
	var rep PlantReport
	if p.Devices == 0 {
		p.Devices = 100
	}
	if p.Devices < MinPlantDevices {
		return nil, rep, fmt.Errorf("synth: plant: %d devices, want at least %d", p.Devices, MinPlantDevices)
	}
	if p.CellShare == 0 {
		p.CellShare = 0.75
	}
	if p.FieldEvery == 0 {
		p.FieldEvery = 10
	}
	if p.ConnsPerMin == 0 {
		p.ConnsPerMin = 2 * p.Devices
	}
	targets := 0
	for _, set := range []bool{p.OTShare > 0, p.BitsPerSec > 0, p.MeanFrame > 0} {
		if set {
			targets++
		}
	}
	switch {
	case p.CellShare <= 0 || p.CellShare >= 1 || p.OTShare < 0 || p.OTShare >= 1 || p.BitsPerSec < 0 || p.MeanFrame < 0 || p.ConnsPerMin < 0:
		return nil, rep, errors.New("synth: plant: CellShare and OTShare must be in (0, 1), rates positive")
	case targets == 3:
		return nil, rep, errors.New("synth: plant: OTShare, BitsPerSec and MeanFrame together over-determine the traffic; give at most two")
	case p.MeanFrame > 0 && p.MeanFrame < 64:
		return nil, rep, errors.New("synth: plant: MeanFrame below the Ethernet minimum")
	}
	if p.Name == "" {
		p.Name = fmt.Sprintf("plant-%d", p.Devices)
	}
	if p.Schedule.IsZero() && !p.Flat {
		p.Schedule = ShiftSchedule()
	}

	f, desktops, err := p.layout(&rep)
	if err != nil {
		return nil, rep, err
	}
	// Measure the machine and background traffic at full activity.
	flat := f.Clone()
	flat.Schedule = Schedule{}
	base := Measure(flat, p.Seed, 2*time.Minute, time.Minute)
	p.addWeb(f, desktops, base, &rep)
	if !p.Flat {
		f.Schedule = p.Schedule
	}
	return f, rep, f.Validate()
}

// Sizes of the core: control (router, NTP, historian, engineering),
// office (DC, file server), DMZ (proxy), plus one SCADA server per 25 cells.
const (
	coreHosts     = 7
	cellsPerSCADA = 25
	cellHosts     = 11
	fieldHosts    = 3 // master port and two servo amplifiers
)

// layout places hosts and the machine talks; it returns the desktops.
func (p Plant) layout(rep *PlantReport) (*Factory, []string, error) {
	b := &factoryBuilder{f: &Factory{
		Name: p.Name, Domain: "plant.local", Workgroup: "PLANT",
		Router: "core-sw", DNSServer: "dc01", DHCPServer: "dc01",
	}, macs: map[string]bool{}}
	f := b.f
	perCell := float64(cellHosts)
	if p.FieldEvery > 0 {
		perCell += float64(fieldHosts) / float64(p.FieldEvery)
	}
	cells := int(p.CellShare * float64(p.Devices-coreHosts) / perCell)
	cells = max(1, min(cells, MaxCells))
	scadas := (cells + cellsPerSCADA - 1) / cellsPerSCADA
	fieldNets := 0
	if p.FieldEvery > 0 {
		fieldNets = cells / p.FieldEvery
	}
	desktops := p.Devices - coreHosts - scadas - cells*cellHosts - fieldNets*fieldHosts
	if desktops < 4 {
		return nil, nil, fmt.Errorf("synth: plant: %d devices leave %d desktops; lower CellShare", p.Devices, desktops)
	}
	if desktops > 1700 {
		return nil, nil, fmt.Errorf("synth: plant: %d desktops do not fit the office /21", desktops)
	}

	control := b.subnet("control", "192.168.1.0/24", 10)
	dmz := b.subnet("dmz", "172.16.1.0/24", 20)
	office := b.subnet("office", "172.16.8.0/21", 0)
	b.host(Host{Name: "core-sw", Role: RoleRouter, Vendor: "Cisco", Model: "Catalyst 9300-48T",
		OS: "Cisco IOS XE 17.9", Stack: StackCisco}, control, 1, ouiCisco, 0)
	b.host(Host{Name: "ntp01", Role: RoleNTP, Vendor: "Dell", Model: "PowerEdge R250",
		OS: "Linux (Ubuntu 22.04)", Stack: StackLinux}, control, 5, ouiDell6, 500*time.Millisecond)
	for k := 1; k <= scadas; k++ {
		b.host(Host{Name: fmt.Sprintf("scada%02d", k), Role: RoleSCADA, Vendor: "Dell", Model: "PowerEdge R650",
			OS: "Windows Server 2019", Stack: StackWindowsServer}, control, 9+k, ouiDell1, 1200*time.Millisecond)
	}
	b.host(Host{Name: "hist01", Role: RoleHistorian, Vendor: "HP", Model: "ProLiant DL360 Gen10",
		OS: "Linux (Red Hat Enterprise Linux 8)", Stack: StackLinux}, control, 30, ouiHP1, time.Second)
	b.host(Host{Name: "ews01", Role: RoleEngineering, Vendor: "Dell", Model: "Precision 3660",
		OS: "Windows 10", Stack: StackWindows10}, control, 40, ouiDell2, 1500*time.Millisecond)
	b.host(Host{Name: "proxy01", Role: RoleProxy, Vendor: "Dell", Model: "PowerEdge R350",
		OS: "Linux (Debian 12)", Stack: StackLinux}, dmz, 10, ouiDell6, 800*time.Millisecond)
	b.host(Host{Name: "dc01", Role: RoleDHCPDNS, Vendor: "HP", Model: "ProLiant DL20 Gen10",
		OS: "Windows Server 2016", Stack: StackWindowsServer}, office, 10, ouiHP2, 700*time.Millisecond)
	b.host(Host{Name: "fs01", Role: RoleFileServer, Vendor: "Dell", Model: "PowerEdge T330",
		OS: "Windows Server 2012 R2", Stack: StackWindowsServer}, office, 11, ouiDell3, 900*time.Millisecond)

	var names []string
	for i := 0; i < desktops; i++ {
		h := desktopModel(i)
		h.Name = fmt.Sprintf("office-pc%03d", i+1)
		h.Role, h.DHCP = RoleWorkstation, true
		a := office.Prefix.Addr().As4()
		a[2] += byte(1 + i/250)
		a[3] = byte(1 + i%250)
		h.IP, h.Subnet, h.VLAN = netip.AddrFrom4(a), office.Name, office.VLAN
		h.Boot = 3*time.Second + time.Duration(spread(h.Name, int64(20*time.Second)))
		h.MAC = macFor(h.Name, desktopOUIs[i%len(desktopOUIs)], b.macs)
		f.Hosts = append(f.Hosts, h)
		names = append(names, h.Name)
	}

	for c := 1; c <= cells; c++ {
		scada := fmt.Sprintf("scada%02d", 1+(c-1)/cellsPerSCADA)
		b.cellFor(c, scada, "ews01")
		if p.FieldEvery > 0 && c%p.FieldEvery == 0 {
			b.fieldNetwork(c)
		}
	}
	add := func(t Talk) { f.Talks = append(f.Talks, t) }
	for k := 1; k <= scadas; k++ {
		add(Talk{Client: fmt.Sprintf("scada%02d", k), Server: "hist01", Proto: ProtoHistorian, Cycle: 5 * time.Second,
			Start: 6 * time.Second, Lookup: true})
	}
	ntp := func(client, server string, every time.Duration) {
		add(Talk{Client: client, Server: server, Proto: ProtoNTP, Cycle: every, Start: 3 * time.Second})
	}
	ntp("core-sw", "ntp01", 64*time.Second)
	ntp("hist01", "ntp01", 64*time.Second)
	ntp("dc01", "ntp01", 64*time.Second)
	ntp("proxy01", "ntp01", 64*time.Second)
	for k := 1; k <= scadas; k++ {
		ntp(fmt.Sprintf("scada%02d", k), "dc01", 1024*time.Second)
	}
	ntp("ews01", "dc01", 1024*time.Second)
	ntp("fs01", "dc01", 1024*time.Second)
	// Office work: short file-server sessions, NTP.
	add(Talk{Client: "ews01", Server: "fs01", Proto: ProtoSMB, Cycle: 1500 * time.Millisecond,
		PerConn: 4, Pause: 15 * time.Minute, Start: 90 * time.Second, Lookup: true, Scheduled: true})
	for i, name := range names {
		per, pause := 5, 4*time.Minute
		if desktopModel(i).Stack == StackLinux {
			per, pause = 3, 10*time.Minute
			ntp(name, "ntp01", 64*time.Second)
		} else {
			ntp(name, "dc01", 1024*time.Second)
		}
		add(Talk{Client: name, Server: "fs01", Proto: ProtoSMB, Cycle: 2 * time.Second, PerConn: per, Pause: pause,
			Start: 10*time.Second + time.Duration(spread(name+"/smb", int64(pause))), Lookup: true, Scheduled: true})
	}
	// Engineering: visits follow the working day; each controller's program
	// is uploaded (backed up) about twice a day, and a new one downloaded
	// about once a day per cell, all in working hours.
	for i := range f.Talks {
		if f.Talks[i].Engineering {
			f.Talks[i].Scheduled = true
		}
	}
	for c := 1; c <= cells; c++ {
		for k, t := range []Talk{
			{Server: fmt.Sprintf("cell%d-melsec", c), Proto: ProtoSLMP, Port: 5003, Program: ProgramUpload, Pause: 12 * time.Hour},
			{Server: fmt.Sprintf("cell%d-omron", c), Proto: ProtoFINS, Program: ProgramUpload, Pause: 12 * time.Hour},
			{Server: fmt.Sprintf("cell%d-s7", c), Proto: ProtoS7, Program: ProgramUpload, Pause: 12 * time.Hour},
			{Server: fmt.Sprintf("cell%d-s7", c), Proto: ProtoS7, Program: ProgramDownload, Pause: 24 * time.Hour},
		} {
			t.Client, t.Engineering, t.Scheduled = "ews01", true, true
			t.Cycle, t.PerConn = 400*time.Millisecond, 1
			t.Start = time.Duration(spread(fmt.Sprintf("prog/%d/%d", c, k), int64(t.Pause)))
			add(t)
		}
	}
	rep.Devices, rep.Cells, rep.FieldNetworks = len(f.Hosts), cells, fieldNets
	rep.Desktops, rep.Servers = desktops, coreHosts+scadas
	return f, names, nil
}

// desktopOUIs rotate the desktops across the usual PC vendors.
var desktopOUIs = [][3]byte{ouiDell4, ouiHP3, ouiLenovo, ouiDell5, ouiHP1}

// desktopModel is the i-th desktop: the first two are the legacy Windows 7
// and Windows XP machines every plant still has, then mostly Windows 10
// and 11 with some Linux.
func desktopModel(i int) Host {
	vendor := []string{"Dell", "HP", "Lenovo", "Dell", "HP"}[i%len(desktopOUIs)]
	switch {
	case i == 0:
		return Host{Vendor: vendor, Model: "OptiPlex 790", OS: "Windows 7", Stack: StackWindows7}
	case i == 1:
		return Host{Vendor: vendor, Model: "Compaq dc7800", OS: "Windows XP", Stack: StackWindowsXP}
	case i%7 == 6:
		return Host{Vendor: vendor, Model: "ThinkPad T14", OS: "Linux (Ubuntu 22.04)", Stack: StackLinux}
	case i%5 == 4:
		return Host{Vendor: vendor, Model: "EliteDesk 800 G9", OS: "Windows 11", Stack: StackWindows10}
	}
	return Host{Vendor: vendor, Model: "OptiPlex 7090", OS: "Windows 10", Stack: StackWindows10}
}

// spread maps a name to a stable offset in [0, span).
func spread(name string, span int64) int64 {
	if span <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64() % uint64(span))
}

// fieldNetwork adds a CC-Link IE Field network to cell c: the MELSEC's
// network module as master and two servo amplifiers.
func (b *factoryBuilder) fieldNetwork(c int) {
	sn := fmt.Sprintf("cell%d", c)
	var s Subnet
	for _, x := range b.f.Subnets {
		if x.Name == sn {
			s = x
		}
	}
	add := func(name, model string, role Role) string {
		h := Host{Name: fmt.Sprintf("cell%d-%s", c, name), Role: role, Vendor: "Mitsubishi Electric", Model: model,
			OS: "embedded", Stack: StackMELSEC, NoIP: true, Subnet: s.Name, VLAN: s.VLAN, Cell: c,
			Boot: 1100 * time.Millisecond}
		h.MAC = macFor(h.Name, ouiMitsubishi2, b.macs)
		b.f.Hosts = append(b.f.Hosts, h)
		return h.Name
	}
	m := add("gf11", "RJ71GF11-T2", RoleFieldNode)
	n := FieldNetwork{Master: m, Cycle: 50 * time.Millisecond}
	for k := 1; k <= 2; k++ {
		n.Stations = append(n.Stations, add(fmt.Sprintf("servo%d", k), "MR-J4-10GF", RoleDrive))
	}
	b.f.Field = append(b.f.Field, n)
}

// addWeb gives every desktop a web talk through the proxy, sized so the
// plant meets its targets given the measured base traffic.
func (p Plant) addWeb(f *Factory, desktops []string, base TrafficStats, rep *PlantReport) {
	note := func(format string, a ...any) { rep.Notes = append(rep.Notes, fmt.Sprintf(format, a...)) }
	pB, bB, pOT := base.FramesPerSec(), base.BitsPerSec()/8, base.FramesPerSec()*base.OTShare()
	cWeb := float64(p.ConnsPerMin) - base.ConnsPerMin()
	if floor := float64(len(desktops)) / 10; cWeb < floor {
		if p.ConnsPerMin > 0 && float64(p.ConnsPerMin) < base.ConnsPerMin() {
			note("the plant alone opens %.0f connections/min, above the %d asked", base.ConnsPerMin(), p.ConnsPerMin)
		}
		cWeb = floor // every desktop browses now and then
	}
	c := cWeb / 60 // web connections per second

	// Target web frames and bytes per second; NaN where free.
	pWeb, bWeb := math.NaN(), math.NaN()
	switch {
	case p.OTShare > 0:
		pTot := pOT / p.OTShare
		pWeb = pTot - pB
		if p.MeanFrame > 0 {
			bWeb = pTot*p.MeanFrame - bB
		} else if p.BitsPerSec > 0 {
			bWeb = p.BitsPerSec/8 - bB
		}
	case p.BitsPerSec > 0 && p.MeanFrame > 0:
		pWeb = p.BitsPerSec/8/p.MeanFrame - pB
		bWeb = p.BitsPerSec/8 - bB
	case p.BitsPerSec > 0:
		bWeb = p.BitsPerSec/8 - bB
	}
	// Solve for n segments of s bytes per response.
	var n, s float64
	switch {
	case !math.IsNaN(pWeb) && !math.IsNaN(bWeb):
		n = (pWeb/c - webFrames0) / webFrames1
		if n >= 1 {
			s = (bWeb/c-webBytes0)/n - webBytes1
		} else {
			n = 1
			s = bWeb/c - webBytes0 - webBytes1
		}
	case !math.IsNaN(pWeb):
		s = maxSegment
		n = (pWeb/c - webFrames0) / webFrames1
	case !math.IsNaN(bWeb):
		s = maxSegment
		n = (bWeb/c - webBytes0) / (s + webBytes1)
	case p.MeanFrame > 0:
		// (bB + c·Y(n)) / (pB + c·F(n)) = M, with s = MSS: linear in n.
		s = maxSegment
		m := p.MeanFrame
		n = (m*(pB+c*webFrames0) - bB - c*webBytes0) / (c * (s + webBytes1 - m*webFrames1))
	default:
		s = maxSegment
		n = float64(defaultHTTPBytes)/s + 0.5
	}
	if n < 1 || math.IsNaN(n) || math.IsInf(n, 0) {
		note("the targets need fewer web frames than %.0f connections/min carry; web responses kept to one segment", cWeb)
		n = 1
	}
	if s < 16 || math.IsNaN(s) {
		note("the targets need smaller web frames than TCP allows; segments kept at 16 bytes")
		s = 16
	}
	if s > maxSegment {
		note("the targets need larger web frames than the MSS; segments kept at %d bytes", maxSegment)
		s = maxSegment
	}
	seg := int(s)
	mean := max(256, int((n-0.5)*s))
	pause := time.Duration(float64(len(desktops)) / c * float64(time.Second))
	for _, name := range desktops {
		t := Talk{Client: name, Server: "proxy01", Proto: ProtoHTTP, Cycle: time.Second, PerConn: 1,
			Pause: pause, Start: time.Second + time.Duration(spread(name+"/web", int64(pause))),
			Bytes: mean, Scheduled: true}
		if seg < maxSegment {
			t.Segment = seg
		}
		f.Talks = append(f.Talks, t)
	}
	rep.WebConnsPerMin, rep.WebMeanBytes, rep.WebSegment = cWeb, mean, seg
	fw := c * (webFrames0 + webFrames1*n)
	bw := c * (webBytes0 + n*(s+webBytes1))
	rep.FramesPerSec = pB + fw
	rep.BitsPerSec = 8 * (bB + bw)
	rep.MeanFrame = (bB + bw) / rep.FramesPerSec
	rep.OTShare = pOT / rep.FramesPerSec
	rep.ConnsPerMin = base.ConnsPerMin() + cWeb
}
