package synth

import (
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Role is a host's job in the plant. The values are the ground-truth labels
// that role estimation (V1-6) is measured against.
type Role string

// Roles used by DefaultFactory.
const (
	RolePLC         Role = "plc"
	RoleRemoteIO    Role = "remote-io"   // CC-Link IE Field Basic slave I/O station
	RoleDrive       Role = "drive"       // inverter / servo on a field network
	RoleIO          Role = "io"          // Modbus/TCP I/O coupler
	RoleHMI         Role = "hmi"         // operator panel polling PLCs
	RoleSCADA       Role = "scada"       // supervisory server polling every PLC
	RoleEngineering Role = "engineering" // programming workstation
	RoleHistorian   Role = "historian"
	RoleFileServer  Role = "file-server"
	RoleDHCPDNS     Role = "dhcp-dns-server"
	RoleNTP         Role = "ntp-server"
	RoleSwitch      Role = "switch"
	RoleRouter      Role = "router" // L3 core switch routing between subnets
	RoleWorkstation Role = "workstation"
	RoleProxy       Role = "web-proxy"  // forwards office web traffic to the internet
	RoleFieldNode   Role = "field-node" // CC-Link IE Field station without an IP address
	RoleUnknown     Role = "unknown"    // a device nobody declared (injected attacks)
)

// Proto is an application protocol a Talk speaks.
type Proto uint8

// Protocols a Talk can speak.
const (
	ProtoSLMP         Proto = iota + 1 // MELSEC SLMP / MC protocol, 3E binary frames over TCP
	ProtoFINS                          // Omron FINS over UDP 9600
	ProtoModbus                        // Modbus/TCP, port 502
	ProtoS7                            // S7comm over TPKT/COTP, TCP 102
	ProtoENIP                          // EtherNet/IP explicit messaging (CIP in SendRRData), TCP 44818
	ProtoListIdentity                  // EtherNet/IP ListIdentity, UDP 44818
	ProtoSMB                           // SMB2 over TCP 445
	ProtoHistorian                     // historian data feed, TCP 5450, opaque payload
	ProtoNTP                           // NTP client/server, UDP 123
	ProtoHTTP                          // HTTP through the office web proxy, TCP 8080
)

type protoInfo struct {
	name string
	udp  bool
	port uint16
}

var protos = [...]protoInfo{
	// SLMP has no fixed port; 5001 rather than the common 5000 because
	// Wireshark decodes TCP 5000 as GSM over IP and would misread it.
	ProtoSLMP:         {"slmp", false, 5001},
	ProtoFINS:         {"fins", true, 9600},
	ProtoModbus:       {"modbus", false, 502},
	ProtoS7:           {"s7comm", false, 102},
	ProtoENIP:         {"enip", false, 44818},
	ProtoListIdentity: {"enip-listidentity", true, 44818},
	ProtoSMB:          {"smb2", false, 445},
	ProtoHistorian:    {"historian", false, 5450},
	ProtoNTP:          {"ntp", true, 123},
	ProtoHTTP:         {"http", false, 8080},
}

func (p Proto) valid() bool { return p > 0 && int(p) < len(protos) }

// String returns a short lower-case name such as "slmp".
func (p Proto) String() string {
	if !p.valid() {
		return fmt.Sprintf("proto(%d)", uint8(p))
	}
	return protos[p].name
}

// OT reports whether the protocol is an industrial one: what the plant's
// OT share counts.
func (p Proto) OT() bool {
	switch p {
	case ProtoSLMP, ProtoFINS, ProtoModbus, ProtoS7, ProtoENIP, ProtoListIdentity:
		return true
	}
	return false
}

// UDP reports whether the protocol runs over UDP (otherwise TCP).
func (p Proto) UDP() bool { return p.valid() && protos[p].udp }

// Port is the protocol's usual server port.
func (p Proto) Port() uint16 {
	if !p.valid() {
		return 0
	}
	return protos[p].port
}

// Host is one device of the plant, with the ground truth a sensor should
// eventually infer about it. In a Factory it is also the declaration of the
// device: Subnet, Stack, DHCP and Boot shape the traffic it produces.
type Host struct {
	Name   string // host name as used in DNS, NetBIOS, DHCP option 12 and LLDP
	Role   Role
	Vendor string // manufacturer; the MAC carries one of its real OUIs
	Model  string
	OS     string // operating system or firmware family
	MAC    net.HardwareAddr
	IP     netip.Addr
	VLAN   uint16 // 802.1Q id of the host's access VLAN as seen on the mirror; 0 = untagged
	Subnet string // name of the Subnet the host sits in
	Cell   int    // production cell number; 0 outside the cells
	DHCP   bool   // obtains IP by DHCP at boot (IP is the address it is given)
	Stack  Stack  // TCP/IP behaviour: TTL, SYN options, windows, delayed ACK
	// Boot is when the host powers up, relative to Config.Start. Everything it
	// sends happens after Boot.
	Boot time.Duration
	// NoIP marks a station that only speaks layer 2 (a CC-Link IE Field
	// node): it has no IP address, sends no ARP and takes part in no Talk.
	NoIP bool
	// Injected marks a host that is not part of the plant's declared
	// inventory: an attack brought it in (a rogue device, an attacker's
	// laptop). Scoring treats it as something a sensor should flag.
	Injected bool
}

// Subnet is one IP subnet / VLAN of the plant. All subnets are routed by a
// single router host that owns every Gateway address.
type Subnet struct {
	Name    string
	Prefix  netip.Prefix
	VLAN    uint16 // 0 = untagged (native VLAN of the mirror)
	Gateway netip.Addr
}

// Talk is a recurring client/server conversation: an HMI polling a PLC, an
// engineering workstation's occasional session, an NTP client.
type Talk struct {
	Client, Server string // host names
	Proto          Proto
	Port           uint16        // server port; 0 = Proto.Port()
	Cycle          time.Duration // time between request starts within a connection
	// PerConn is the number of exchanges per connection (per burst for UDP).
	// 0 keeps one connection open and polling for the whole run.
	PerConn int
	// Pause is the mean idle time between connections when PerConn > 0; each
	// pause is drawn uniformly from [Pause/2, 3*Pause/2].
	Pause time.Duration
	// Start delays the first activity after both hosts are up. A poller
	// (PerConn == 0) then begins at a random phase within its first Cycle;
	// a short-session talk opens its first connection exactly at Start.
	Start time.Duration
	// Engineering makes the client behave like a programming tool: ping the
	// target first, then read identity and status before data.
	Engineering bool
	// Broadcast sends each UDP request to the subnet's broadcast address; the
	// Server answers by unicast. Client and Server must share a subnet.
	Broadcast bool
	// Lookup resolves the server's name through Factory.DNSServer before each
	// connection.
	Lookup bool
	// Scheduled makes the talk's connection rate follow Factory.Schedule:
	// the pause between connections is stretched when the plant is quiet,
	// and deferred to the next active hour when activity is zero.
	Scheduled bool
	// Bytes is the mean size of a bulk response (HTTP bodies); 0 is the
	// protocol's default. Each response is drawn around this mean.
	Bytes int
	// Segment caps the payload of each TCP segment (0 = the MSS), as an
	// application that writes in small chunks with Nagle off does. It sets
	// the frame-size mix of bulk transfers.
	Segment int
	// Program makes an engineering session transfer a program after its
	// identity reads: upload (read the PLC's program) or download (write a
	// new one). S7, FINS and SLMP only.
	Program Program
}

// Program is a program transfer an engineering session performs.
type Program uint8

// Program transfers.
const (
	ProgramNone     Program = iota
	ProgramUpload           // the workstation reads the PLC's program
	ProgramDownload         // the workstation writes a new program into the PLC
)

// CCIEFGroup is one CC-Link IE Field Basic group: the master broadcasts a
// cyclic request to the subnet every Cycle and each slave answers by unicast.
type CCIEFGroup struct {
	Master string
	Slaves []string // each occupies one station
	Cycle  time.Duration
}

// Factory declares a whole plant: subnets, hosts and who talks to whom. The
// generator derives every frame from it; background behaviour (ARP, DHCP,
// name services, LLDP/STP, gratuitous ARP) follows from host roles and stacks.
type Factory struct {
	Name       string
	Domain     string // DNS domain of internal names, e.g. "plant.local"
	Workgroup  string // NetBIOS domain/workgroup registered by Windows hosts
	Router     string // host routing between all subnets (owns every Gateway)
	DNSServer  string // answers DNS queries
	DHCPServer string // serves DHCP clients in its own subnet
	Subnets    []Subnet
	Hosts      []Host
	Talks      []Talk
	CCIEF      []CCIEFGroup
	// Field lists CC-Link IE Field networks whose layer-2 frames the
	// mirror port sees.
	Field []FieldNetwork
	// Schedule is the plant's activity by weekday and hour, which Talks
	// marked Scheduled follow. The zero value is constant full activity.
	Schedule Schedule
}

// FieldNetwork is one CC-Link IE Field network (EtherType 0x890F): every
// Cycle the master sends its link devices (RWw, RY) and each station
// answers with its own (RWr, RX); all stations report their status every
// second. Master and stations are NoIP hosts of one subnet.
type FieldNetwork struct {
	Master   string
	Stations []string
	Cycle    time.Duration
}

// Clone returns a deep copy, so a caller can derive variants of a factory
// without touching the original.
func (f *Factory) Clone() *Factory {
	c := *f
	c.Subnets = append([]Subnet(nil), f.Subnets...)
	c.Hosts = make([]Host, len(f.Hosts))
	for i, h := range f.Hosts {
		h.MAC = append(net.HardwareAddr(nil), h.MAC...)
		c.Hosts[i] = h
	}
	c.Talks = append([]Talk(nil), f.Talks...)
	c.CCIEF = make([]CCIEFGroup, len(f.CCIEF))
	for i, g := range f.CCIEF {
		g.Slaves = append([]string(nil), g.Slaves...)
		c.CCIEF[i] = g
	}
	c.Field = make([]FieldNetwork, len(f.Field))
	for i, n := range f.Field {
		n.Stations = append([]string(nil), n.Stations...)
		c.Field[i] = n
	}
	return &c
}

// Validate checks that the description is internally consistent: unique
// names, MACs and IPs, every reference resolvable, every address inside its
// subnet, and the constraints the generator relies on.
func (f *Factory) Validate() error {
	subnets := make(map[string]*Subnet, len(f.Subnets))
	for i := range f.Subnets {
		s := &f.Subnets[i]
		if s.Name == "" || subnets[s.Name] != nil {
			return fmt.Errorf("synth: subnet %d: empty or duplicate name %q", i, s.Name)
		}
		if !s.Prefix.Addr().Is4() || !s.Prefix.Contains(s.Gateway) {
			return fmt.Errorf("synth: subnet %s: gateway %v outside IPv4 prefix %v", s.Name, s.Gateway, s.Prefix)
		}
		if s.VLAN > 4094 {
			return fmt.Errorf("synth: subnet %s: VLAN %d out of range", s.Name, s.VLAN)
		}
		subnets[s.Name] = s
	}
	hosts := make(map[string]*Host, len(f.Hosts))
	macs := make(map[string]string, len(f.Hosts))
	ips := make(map[netip.Addr]string, len(f.Hosts))
	for i := range f.Hosts {
		h := &f.Hosts[i]
		if h.Name == "" || hosts[h.Name] != nil {
			return fmt.Errorf("synth: host %d: empty or duplicate name %q", i, h.Name)
		}
		hosts[h.Name] = h
		s := subnets[h.Subnet]
		if s == nil {
			return fmt.Errorf("synth: host %s: unknown subnet %q", h.Name, h.Subnet)
		}
		if h.NoIP {
			if h.IP.IsValid() || h.DHCP || h.Name == f.Router {
				return fmt.Errorf("synth: host %s: a NoIP host has no IP, no DHCP and cannot route", h.Name)
			}
		} else if !s.Prefix.Contains(h.IP) || (h.IP == s.Gateway) != (h.Name == f.Router) {
			// Only the router may own its subnet's gateway address.
			return fmt.Errorf("synth: host %s: IP %v not a valid address in %v (gateway %v)", h.Name, h.IP, s.Prefix, s.Gateway)
		}
		if len(h.MAC) != 6 || h.MAC[0]&1 != 0 {
			return fmt.Errorf("synth: host %s: MAC %v is not a unicast EUI-48", h.Name, h.MAC)
		}
		if other, dup := macs[string(h.MAC)]; dup {
			return fmt.Errorf("synth: hosts %s and %s share MAC %v", other, h.Name, h.MAC)
		}
		macs[string(h.MAC)] = h.Name
		if other, dup := ips[h.IP]; dup && !h.NoIP {
			return fmt.Errorf("synth: hosts %s and %s share IP %v", other, h.Name, h.IP)
		}
		if !h.NoIP {
			ips[h.IP] = h.Name
		}
		if !h.Stack.valid() {
			return fmt.Errorf("synth: host %s: unknown stack %d", h.Name, h.Stack)
		}
		if h.Boot < 0 {
			return fmt.Errorf("synth: host %s: negative boot time", h.Name)
		}
	}
	need := func(what, name string) (*Host, error) {
		h := hosts[name]
		if h == nil {
			return nil, fmt.Errorf("synth: %s: unknown host %q", what, name)
		}
		return h, nil
	}
	router, err := need("router", f.Router)
	if err != nil {
		return err
	}
	if router.DHCP {
		return fmt.Errorf("synth: router %s cannot use DHCP", router.Name)
	}
	dns, err := need("dns server", f.DNSServer)
	if err != nil {
		return err
	}
	if dns.NoIP || router.NoIP {
		return fmt.Errorf("synth: router and DNS server need IP addresses")
	}
	var dhcp *Host
	for i := range f.Hosts {
		h := &f.Hosts[i]
		if !h.DHCP {
			continue
		}
		if dhcp == nil {
			if dhcp, err = need("dhcp server", f.DHCPServer); err != nil {
				return err
			}
		}
		// No DHCP relay is modelled: the server must hear the client's broadcast.
		if h.Subnet != dhcp.Subnet {
			return fmt.Errorf("synth: DHCP client %s is not in DHCP server %s's subnet", h.Name, dhcp.Name)
		}
	}
	for i, t := range f.Talks {
		what := fmt.Sprintf("talk %d (%s %s>%s)", i, t.Proto, t.Client, t.Server)
		c, err := need(what, t.Client)
		if err != nil {
			return err
		}
		s, err := need(what, t.Server)
		if err != nil {
			return err
		}
		if c == s {
			return fmt.Errorf("synth: %s: client and server are the same host", what)
		}
		if c.NoIP || s.NoIP {
			return fmt.Errorf("synth: %s: a NoIP host cannot talk over IP", what)
		}
		if !t.Proto.valid() {
			return fmt.Errorf("synth: %s: unknown protocol", what)
		}
		// Cycles shorter than a reply would let exchanges overlap, which the
		// one-request-in-flight model does not represent.
		if t.Cycle < 10*time.Millisecond {
			return fmt.Errorf("synth: %s: cycle %v below 10ms", what, t.Cycle)
		}
		if t.PerConn < 0 || (t.PerConn > 0 && t.Pause <= 0) {
			return fmt.Errorf("synth: %s: PerConn needs a positive Pause", what)
		}
		if t.Broadcast && (!t.Proto.UDP() || c.Subnet != s.Subnet) {
			return fmt.Errorf("synth: %s: broadcast needs UDP and a shared subnet", what)
		}
		if (t.Client == f.Router || t.Server == f.Router) && c.Subnet != s.Subnet {
			return fmt.Errorf("synth: %s: the router only talks inside its own subnet", what)
		}
		if t.Bytes < 0 || t.Segment < 0 || (t.Segment > 0 && t.Segment < 16) {
			return fmt.Errorf("synth: %s: negative Bytes or Segment below 16", what)
		}
		if t.Program != ProgramNone {
			if !t.Engineering || t.PerConn == 0 || (t.Proto != ProtoS7 && t.Proto != ProtoFINS && t.Proto != ProtoSLMP) {
				return fmt.Errorf("synth: %s: program transfers need an engineering S7, FINS or SLMP session with PerConn", what)
			}
		}
	}
	for i, g := range f.CCIEF {
		m, err := need(fmt.Sprintf("cciefb group %d master", i), g.Master)
		if err != nil {
			return err
		}
		if m.NoIP {
			return fmt.Errorf("synth: cciefb group %d: master %s has no IP", i, m.Name)
		}
		if len(g.Slaves) == 0 || len(g.Slaves) > 16 {
			return fmt.Errorf("synth: cciefb group %d: %d slaves, want 1..16", i, len(g.Slaves))
		}
		if g.Cycle < 10*time.Millisecond {
			return fmt.Errorf("synth: cciefb group %d: cycle %v below 10ms", i, g.Cycle)
		}
		for _, name := range g.Slaves {
			sl, err := need(fmt.Sprintf("cciefb group %d slave", i), name)
			if err != nil {
				return err
			}
			if sl.Subnet != m.Subnet || sl.NoIP {
				return fmt.Errorf("synth: cciefb group %d: slave %s not an IP host in master's subnet", i, name)
			}
		}
	}
	for i, n := range f.Field {
		what := fmt.Sprintf("field network %d", i)
		m, err := need(what+" master", n.Master)
		if err != nil {
			return err
		}
		if len(n.Stations) == 0 || len(n.Stations) > 120 || n.Cycle < time.Millisecond {
			return fmt.Errorf("synth: %s: %d stations (want 1..120), cycle %v (want >= 1ms)", what, len(n.Stations), n.Cycle)
		}
		for _, name := range append([]string{n.Master}, n.Stations...) {
			st, err := need(what+" station", name)
			if err != nil {
				return err
			}
			if !st.NoIP || st.Subnet != m.Subnet {
				return fmt.Errorf("synth: %s: station %s must be a NoIP host in the master's subnet", what, name)
			}
		}
	}
	return f.Schedule.validate()
}
