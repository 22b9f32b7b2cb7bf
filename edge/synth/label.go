package synth

import (
	"time"
)

// Label describes one injected attack as it happened: the ground truth a
// detector's alerts are scored against. Start and End are the first and
// last frame the attack produced (its plan when it produced none).
type Label struct {
	ID       string     `json:"id"`
	Kind     AttackKind `json:"kind"`
	Start    time.Time  `json:"start"`
	End      time.Time  `json:"end"`
	Attacker Endpoint   `json:"attacker"`
	Victims  []Endpoint `json:"victims,omitempty"`
	// Protocol and Function say what was used against the victim, for
	// attacks that use a protocol function; Code is the function code as
	// the protocol numbers it.
	Protocol  string     `json:"protocol,omitempty"`
	Function  string     `json:"function,omitempty"`
	Code      uint32     `json:"code,omitempty"`
	Signature *Signature `json:"signature,omitempty"`
	// Packets and Bytes count the frames the attack itself produced.
	Packets int `json:"packets"`
	Bytes   int `json:"bytes"`
	// Detectors lists the specification's detectors (D1-x) expected to
	// raise an alert for it.
	Detectors   []string `json:"detectors"`
	Description string   `json:"description"`
	// Emitted is false when the attack fell outside the generated stretch
	// of time.
	Emitted bool `json:"emitted"`
}

// Endpoint is a host as labels name it.
type Endpoint struct {
	Name string `json:"name"`
	MAC  string `json:"mac"`
	IP   string `json:"ip,omitempty"`
	// Injected is true for hosts the attack brought in.
	Injected bool `json:"injected,omitempty"`
}

// Signature identifies a published IDS rule the attack's traffic matches.
type Signature struct {
	Source string `json:"source"` // rule set
	SID    int    `json:"sid"`
	Rev    int    `json:"rev"`
	Msg    string `json:"msg"`
}

// signatures are the rules AttackSignature can trigger, by protocol.
var signatures = map[Proto]Signature{
	ProtoHTTP: {Source: "ET Open emerging-scada.rules", SID: 2048684, Rev: 1,
		Msg: "ET SCADA [nsacyber/ELITEWOLF] Possible Siemens S7-1200 Unauthorized Access Attempt - Request for /Images/CPU1200/"},
	ProtoModbus: {Source: "Digital Bond QuickDraw modbus_1_2.rules", SID: 1111001, Rev: 2,
		Msg: "SCADA_IDS: Modbus TCP - Force Listen Only Mode"},
}

// kindInfo is what every label of a kind says.
var kindInfo = map[AttackKind]struct {
	detectors []string
	what      string
}{
	AttackNewDevice: {[]string{"D1-1", "D1-3", "D1-6"}, "an undeclared device joins a cell and polls an I/O coupler over Modbus"},
	AttackARPSpoof:  {[]string{"D1-9"}, "unsolicited ARP replies bind the victims' IP addresses to the attacker's MAC (man in the middle)"},
	AttackHostScan:  {[]string{"D1-9", "D1-3"}, "a sweep of every address of the victim's subnet"},
	AttackPortScan:  {[]string{"D1-9", "D1-3"}, "a TCP SYN scan of ports 1-1024 and the usual OT ports"},
	AttackPLCStop:   {[]string{"D1-6", "D1-3"}, "the controller is switched to STOP from a host that never talks to it"},
	AttackPLCRun:    {[]string{"D1-6", "D1-3"}, "the controller is switched to RUN from a host that never talks to it"},
	AttackPLCWrite:  {[]string{"D1-6", "D1-3"}, "controller memory is written from a host that never talks to it"},
	AttackDownload:  {[]string{"D1-6", "D1-5"}, "a program is downloaded into the controller outside the maintenance window"},
	AttackFlood:     {[]string{"D1-4", "D1-5"}, "a UDP flood between a pair of hosts"},
	AttackOffHours:  {[]string{"D1-4", "D1-5"}, "hundreds of megabytes read from the file server outside working hours"},
	AttackEOLOS:     {[]string{"D1-1", "D1-2"}, "a Windows XP host (support ended 2014-04-08) joins the network"},
	AttackSignature: {[]string{"D1-8"}, "traffic matching a published IDS signature"},
}

// attackRun counts an attack's frames as the generator emits them.
type attackRun struct {
	plan          *plan
	first, last   int64
	packets, size int
}

// note records one frame of n bytes (before padding) sent at now.
func (r *attackRun) note(now int64, n int) {
	if r.packets == 0 {
		r.first = now
	}
	r.last = now
	r.packets++
	r.size += max(n, minFrame)
}

// Labels returns the label of every injected attack, in the order they
// were configured, with what the generator has emitted so far.
func (g *Generator) Labels() []Label {
	out := make([]Label, 0, len(g.plans))
	for _, p := range g.plans {
		r := p.run
		l := Label{
			ID: p.id, Kind: p.Kind,
			Attacker:  g.endpoint(p.attacker),
			Function:  p.fn.Name,
			Code:      p.fn.Code,
			Signature: p.sig,
			Packets:   r.packets,
			Bytes:     r.size,
			Detectors: kindInfo[p.Kind].detectors,
			Emitted:   r.packets > 0,
		}
		l.Description = kindInfo[p.Kind].what
		if p.Proto != 0 && p.Kind != AttackHostScan && p.Kind != AttackPortScan && p.Kind != AttackFlood {
			l.Protocol = p.Proto.String()
		}
		if p.Kind == AttackEOLOS {
			l.Protocol, l.Function = "", ""
		}
		for _, v := range p.victims {
			l.Victims = append(l.Victims, g.endpoint(v))
		}
		start, end := r.first, r.last
		if r.packets == 0 {
			start, end = p.at, p.at
		}
		l.Start, l.End = time.Unix(0, start).In(plantZone()), time.Unix(0, end).In(plantZone())
		out = append(out, l)
	}
	return out
}

func (g *Generator) endpoint(name string) Endpoint {
	h := g.byName[name]
	e := Endpoint{Name: name, MAC: h.Host.MAC.String(), Injected: h.Injected}
	if !h.NoIP {
		e.IP = addrOf(h.ip).String()
	}
	return e
}
