package synth

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// AttackKind names an attack the generator can inject into a plant's
// traffic. Every injected attack is labelled (see Label), so detectors can
// be scored against exactly what happened.
type AttackKind string

// Attack kinds.
const (
	// AttackNewDevice: a device nobody declared (a Raspberry Pi data
	// logger) is plugged into a cell and starts polling Modbus.
	AttackNewDevice AttackKind = "new-device"
	// AttackARPSpoof: a rogue laptop in a cell tells a PLC and its panel
	// that the other's IP address is at the laptop's MAC.
	AttackARPSpoof AttackKind = "arp-spoof"
	// AttackHostScan: a ping sweep of a cell subnet (an ARP sweep when the
	// attacker is on the same subnet).
	AttackHostScan AttackKind = "host-scan"
	// AttackPortScan: a TCP SYN scan of a controller's ports 1-1024 and
	// the usual OT ports.
	AttackPortScan AttackKind = "port-scan"
	// AttackPLCStop, AttackPLCRun, AttackPLCWrite: a controller is put in
	// STOP, in RUN, or has memory written, from a host that never talks
	// to it (SLMP, FINS, S7, CIP; writes also Modbus).
	AttackPLCStop  AttackKind = "plc-stop"
	AttackPLCRun   AttackKind = "plc-run"
	AttackPLCWrite AttackKind = "plc-write"
	// AttackDownload: the engineering workstation downloads a program into
	// a controller outside the maintenance window (S7, FINS, SLMP).
	AttackDownload AttackKind = "program-download"
	// AttackFlood: one host floods another with UDP datagrams.
	AttackFlood AttackKind = "flood"
	// AttackOffHours: a workstation pulls hundreds of megabytes from the
	// file server at night.
	AttackOffHours AttackKind = "off-hours"
	// AttackEOLOS: a Windows XP laptop joins the office network.
	AttackEOLOS AttackKind = "eol-os"
	// AttackSignature: traffic that a published IDS rule matches.
	AttackSignature AttackKind = "signature"
)

// AttackKinds lists every kind, in a stable order.
func AttackKinds() []AttackKind {
	return []AttackKind{AttackNewDevice, AttackARPSpoof, AttackHostScan, AttackPortScan,
		AttackPLCStop, AttackPLCRun, AttackPLCWrite, AttackDownload, AttackFlood,
		AttackOffHours, AttackEOLOS, AttackSignature}
}

// Attack asks the generator to inject one attack. Only Kind is required.
type Attack struct {
	Kind AttackKind
	// At is when the attack starts, relative to Config.Start. Zero spreads
	// the attacks evenly over Config.Duration (five minutes apart on an
	// endless stream); an off-hours attack without At goes to the first
	// quiet hour of the run, if it has one.
	At time.Duration
	// Duration is how long a scan, flood, ARP spoofing or off-hours
	// transfer lasts; zero is the kind's default.
	Duration time.Duration
	// Attacker and Victim name hosts of the factory; empty picks the kind's
	// default: a rogue device brought in for the purpose, or the first host
	// whose role fits.
	Attacker, Victim string
	// Proto is the protocol of PLC attacks and program downloads (default
	// SLMP, and S7 for downloads), and of signatures: ProtoHTTP (default,
	// an ET Open rule) or ProtoModbus (a QuickDraw rule).
	Proto Proto
	// Rate is a flood's packets per second (default 2000).
	Rate int
}

// Default durations and rates.
const (
	defaultSpoofFor   = 2 * time.Minute
	defaultFloodFor   = 30 * time.Second
	defaultFloodRate  = 2000
	defaultOffHourFor = 5 * time.Minute
	attackSpacing     = 5 * time.Minute // between attacks on an endless stream
)

// ParseAttacks reads a comma-separated list of attacks, each
// KIND[:PROTO][@AT][+DURATION], e.g. "plc-stop:fins@90s,flood@5m+20s".
// "all" expands to one attack of every kind.
func ParseAttacks(spec string) ([]Attack, error) {
	var out []Attack
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if item == "all" {
			for _, k := range AttackKinds() {
				out = append(out, Attack{Kind: k})
			}
			continue
		}
		var a Attack
		var err error
		if rest, dur, ok := strings.Cut(item, "+"); ok {
			if a.Duration, err = time.ParseDuration(dur); err != nil || a.Duration <= 0 {
				return nil, fmt.Errorf("synth: attack %q: bad duration %q", item, dur)
			}
			item = rest
		}
		if rest, at, ok := strings.Cut(item, "@"); ok {
			if a.At, err = time.ParseDuration(at); err != nil || a.At <= 0 {
				return nil, fmt.Errorf("synth: attack %q: bad start %q", item, at)
			}
			item = rest
		}
		kind, proto, _ := strings.Cut(item, ":")
		a.Kind = AttackKind(kind)
		if !validKind(a.Kind) {
			return nil, fmt.Errorf("synth: unknown attack kind %q (known: %v)", kind, AttackKinds())
		}
		if proto != "" {
			if a.Proto = ProtoByName(proto); a.Proto == 0 {
				return nil, fmt.Errorf("synth: attack %q: unknown protocol %q", item, proto)
			}
		}
		out = append(out, a)
	}
	return out, nil
}

func validKind(k AttackKind) bool {
	for _, x := range AttackKinds() {
		if k == x {
			return true
		}
	}
	return false
}

// ProtoByName returns the protocol named like Proto.String (also "s7" and
// "cip"), or 0.
func ProtoByName(name string) Proto {
	switch name = strings.ToLower(name); name {
	case "s7":
		return ProtoS7
	case "cip":
		return ProtoENIP
	}
	for p := Proto(1); p.valid(); p++ {
		if p.String() == name {
			return p
		}
	}
	return 0
}

// plan is an attack resolved against the factory: concrete hosts, time,
// protocol, and the label it will produce.
type plan struct {
	Attack
	id       string
	attacker string
	victims  []string
	port     uint16 // server port of the attacked service
	fn       Function
	sig      *Signature
	at       int64 // absolute start, Unix ns, set when the stream starts
	run      *attackRun
}

// planAttacks resolves cfg.Attacks against f, adding the hosts the attacks
// bring in. start is the stream's origin.
func planAttacks(cfg Config, f *Factory, start time.Time) ([]*plan, error) {
	var plans []*plan
	n := len(cfg.Attacks)
	for i, a := range cfg.Attacks {
		if !validKind(a.Kind) {
			return nil, fmt.Errorf("synth: unknown attack kind %q", a.Kind)
		}
		p := &plan{Attack: a, id: fmt.Sprintf("a%d", i+1)}
		if p.At <= 0 {
			switch {
			case a.Kind == AttackOffHours && quietHour(f, start, cfg.Skip, cfg.Duration) >= 0:
				p.At = quietHour(f, start, cfg.Skip, cfg.Duration)
			case cfg.Duration > cfg.Skip:
				p.At = cfg.Skip + (cfg.Duration-cfg.Skip)*time.Duration(i+1)/time.Duration(n+1)
			default:
				p.At = cfg.Skip + 2*time.Minute + time.Duration(i)*attackSpacing
			}
		}
		if err := resolve(p, f); err != nil {
			return nil, fmt.Errorf("synth: attack %s (%s): %w", p.id, p.Kind, err)
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// quietHour returns the offset of the first whole minute within
// [start+from, start+d) where the plant's schedule (or, without one, the
// default shift pattern) is below 0.3, or -1.
func quietHour(f *Factory, start time.Time, from, d time.Duration) time.Duration {
	s := f.Schedule
	if s.IsZero() {
		s = ShiftSchedule()
	}
	for off := from + time.Minute; off < d-time.Minute; off += time.Minute {
		if s.At(start.Add(off)) < 0.3 {
			return off
		}
	}
	return -1
}

// resolve fills in the kind's default hosts, protocol and function.
func resolve(p *plan, f *Factory) error {
	hosts := make(map[string]*Host, len(f.Hosts))
	for i := range f.Hosts {
		hosts[f.Hosts[i].Name] = &f.Hosts[i]
	}
	for _, name := range []string{p.Attacker, p.Victim} {
		if name != "" && hosts[name] == nil {
			return fmt.Errorf("unknown host %q", name)
		}
	}
	pick := func(given string, def func() string) (string, error) {
		if given != "" {
			return given, nil
		}
		if name := def(); name != "" {
			return name, nil
		}
		return "", fmt.Errorf("the factory has no host that fits")
	}
	office := func() string { return officePC(f) }
	var err error
	switch p.Kind {
	case AttackNewDevice:
		victim, err := pick(p.Victim, func() string { return serverOf(f, ProtoModbus) })
		if err != nil {
			return err
		}
		p.victims = []string{victim}
		p.attacker = inject(f, p, hosts[victim].Subnet, "rogue-rpi", Host{
			Role: RoleUnknown, Vendor: "Raspberry Pi", Model: "Raspberry Pi 4 Model B",
			OS: "Linux (Raspberry Pi OS)", Stack: StackRaspbian,
		}, ouiRaspberry, p.At)
		p.Proto, p.fn = ProtoModbus, Function{mbReadHolding, "read-holding-registers"}
	case AttackARPSpoof:
		victim, err := pick(p.Victim, func() string { return serverOf(f, ProtoSLMP) })
		if err != nil {
			return err
		}
		spoofed := peerOf(f, victim)
		if spoofed == "" {
			return fmt.Errorf("victim %s has no peer on its subnet to impersonate", victim)
		}
		p.victims = []string{victim, spoofed}
		if p.attacker = p.Attacker; p.attacker == "" {
			p.attacker = inject(f, p, hosts[victim].Subnet, "rogue-laptop", Host{
				Role: RoleUnknown, Vendor: "Lenovo", Model: "ThinkPad X1 Carbon",
				OS: "Linux (Kali)", Stack: StackLinux,
			}, ouiLenovo, p.At-30*time.Second)
		}
		p.Duration = orDefault(p.Duration, defaultSpoofFor)
	case AttackHostScan:
		if p.attacker, err = pick(p.Attacker, office); err != nil {
			return err
		}
		victim, err := pick(p.Victim, func() string { return serverOf(f, ProtoSLMP) })
		if err != nil {
			return err
		}
		p.victims = []string{victim}
	case AttackPortScan:
		if p.attacker, err = pick(p.Attacker, office); err != nil {
			return err
		}
		victim, err := pick(p.Victim, func() string { return serverOf(f, ProtoSLMP) })
		if err != nil {
			return err
		}
		p.victims = []string{victim}
	case AttackPLCStop, AttackPLCRun, AttackPLCWrite, AttackDownload:
		o := map[AttackKind]plcOp{AttackPLCStop: opStop, AttackPLCRun: opRun, AttackPLCWrite: opWrite, AttackDownload: opDownload}[p.Kind]
		if p.Proto == 0 {
			p.Proto = ProtoSLMP
			if o == opDownload {
				p.Proto = ProtoS7
			}
		}
		fn, ok := plcFunctions[p.Proto][o]
		if !ok {
			return fmt.Errorf("%s cannot be done over %s", p.Kind, p.Proto)
		}
		p.fn = fn
		def := office
		if o == opDownload {
			def = func() string { return withRole(f, RoleEngineering) }
		}
		if p.attacker, err = pick(p.Attacker, def); err != nil {
			return err
		}
		victim, err := pick(p.Victim, func() string { return serverOf(f, p.Proto) })
		if err != nil {
			return err
		}
		p.victims = []string{victim}
		p.port = portOf(f, victim, p.Proto)
	case AttackFlood:
		if p.attacker, err = pick(p.Attacker, func() string { return clientOf(f, ProtoS7) }); err != nil {
			return err
		}
		victim, err := pick(p.Victim, func() string { return serverOf(f, ProtoS7) })
		if err != nil {
			return err
		}
		p.victims = []string{victim}
		p.Duration = orDefault(p.Duration, defaultFloodFor)
		if p.Rate <= 0 {
			p.Rate = defaultFloodRate
		}
	case AttackOffHours:
		if p.attacker, err = pick(p.Attacker, office); err != nil {
			return err
		}
		victim, err := pick(p.Victim, func() string { return serverOf(f, ProtoSMB) })
		if err != nil {
			return err
		}
		p.victims = []string{victim}
		p.Proto, p.fn = ProtoSMB, Function{smbRead, "read"}
		p.Duration = orDefault(p.Duration, defaultOffHourFor)
	case AttackEOLOS:
		if f.DHCPServer == "" || hosts[f.DHCPServer] == nil {
			return fmt.Errorf("needs a DHCP server")
		}
		p.attacker = inject(f, p, hosts[f.DHCPServer].Subnet, "xp-legacy01", Host{
			Role: RoleWorkstation, Vendor: "HP", Model: "Compaq dc7900",
			OS: "Windows XP", Stack: StackWindowsXP, DHCP: true,
		}, ouiHP1, p.At)
		if fs := serverOf(f, ProtoSMB); fs != "" {
			p.victims = []string{fs}
		}
	case AttackSignature:
		if p.Proto == 0 {
			p.Proto = ProtoHTTP
		}
		sig, ok := signatures[p.Proto]
		if !ok {
			return fmt.Errorf("no signature over %s", p.Proto)
		}
		p.sig = &sig
		if p.attacker, err = pick(p.Attacker, office); err != nil {
			return err
		}
		target := ProtoS7
		if p.Proto == ProtoModbus {
			target = ProtoModbus
		}
		victim, err := pick(p.Victim, func() string { return serverOf(f, target) })
		if err != nil {
			return err
		}
		p.victims = []string{victim}
		p.port = 80
		if p.Proto == ProtoModbus {
			p.port = ProtoModbus.Port()
			p.fn = Function{0x08, "diagnostics/force-listen-only"}
		} else {
			p.fn = Function{0, "GET /Images/CPU1200/"}
		}
	}
	if p.attacker == "" || (hosts[p.attacker] == nil && !injectedIn(f, p.attacker)) {
		return fmt.Errorf("no attacker")
	}
	for _, v := range p.victims {
		if v == p.attacker {
			return fmt.Errorf("attacker %s is also its victim", v)
		}
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Raspberry Pi Foundation's OUI, from the IEEE registry.
var ouiRaspberry = [3]byte{0xb8, 0x27, 0xeb}

// inject adds a host the attack brings in to subnet sn, at the first free
// address from .200 up, booting at boot, and returns its name. The name
// gets the attack's id so several attacks do not collide.
func inject(f *Factory, p *plan, sn string, base string, h Host, oui [3]byte, boot time.Duration) string {
	h.Name = base + "-" + p.id
	h.Subnet, h.Injected = sn, true
	h.Boot = max(0, boot)
	var s *Subnet
	for i := range f.Subnets {
		if f.Subnets[i].Name == sn {
			s = &f.Subnets[i]
		}
	}
	used := map[netip.Addr]bool{s.Gateway: true}
	macs := map[string]bool{}
	for _, x := range f.Hosts {
		used[x.IP] = true
		macs[string(x.MAC)] = true
	}
	a := s.Prefix.Masked().Addr().As4()
	a[3] = 200
	ip := netip.AddrFrom4(a)
	for used[ip] || !s.Prefix.Contains(ip) {
		ip = ip.Next()
	}
	h.IP, h.VLAN = ip, s.VLAN
	h.MAC = macFor(h.Name, oui, macs)
	f.Hosts = append(f.Hosts, h)
	return h.Name
}

func injectedIn(f *Factory, name string) bool {
	for _, h := range f.Hosts {
		if h.Name == name {
			return true
		}
	}
	return false
}

// officePC is the first Windows 10 workstation: a phished desktop is the
// usual foothold.
func officePC(f *Factory) string {
	for _, h := range f.Hosts {
		if h.Role == RoleWorkstation && h.Stack == StackWindows10 && !h.Injected {
			return h.Name
		}
	}
	return withRole(f, RoleWorkstation)
}

func withRole(f *Factory, r Role) string {
	for _, h := range f.Hosts {
		if h.Role == r && !h.Injected {
			return h.Name
		}
	}
	return ""
}

// serverOf is the first host serving proto to some Talk.
func serverOf(f *Factory, proto Proto) string {
	for _, t := range f.Talks {
		if t.Proto == proto {
			return t.Server
		}
	}
	return ""
}

// clientOf is the first client of proto on the same subnet as its server.
func clientOf(f *Factory, proto Proto) string {
	sub := map[string]string{}
	for _, h := range f.Hosts {
		sub[h.Name] = h.Subnet
	}
	for _, t := range f.Talks {
		if t.Proto == proto && sub[t.Client] == sub[t.Server] {
			return t.Client
		}
	}
	return ""
}

// peerOf is a host on victim's subnet that polls it: whom a spoofer
// impersonates.
func peerOf(f *Factory, victim string) string {
	sub := map[string]string{}
	for _, h := range f.Hosts {
		sub[h.Name] = h.Subnet
	}
	for _, t := range f.Talks {
		if t.Server == victim && sub[t.Client] == sub[victim] {
			return t.Client
		}
	}
	return ""
}

// portOf is the port victim serves proto on (the first Talk's).
func portOf(f *Factory, victim string, proto Proto) uint16 {
	for _, t := range f.Talks {
		if t.Server == victim && t.Proto == proto && t.Port != 0 {
			return t.Port
		}
	}
	return proto.Port()
}
