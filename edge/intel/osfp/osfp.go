package osfp

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"mimamori/edge/intel/eol"
	"mimamori/edge/intel/p0f"
)

// OS families. Family is what matrices colour by and what accuracy is
// measured on; Name says more where the evidence allows.
const (
	FamilyWindows  = "Windows"
	FamilyLinux    = "Linux"
	FamilyMacOS    = "macOS"
	FamilyIOS      = "iOS"
	FamilyAndroid  = "Android"
	FamilyBSD      = "BSD"
	FamilyUnix     = "Unix"
	FamilyNetwork  = "Network OS" // router and switch software: Cisco IOS, AlliedWare, HiOS
	FamilyEmbedded = "Embedded"   // controller firmware and RTOS stacks
	FamilyOther    = "Other"
)

// Families lists the families in display order.
var Families = []string{FamilyWindows, FamilyLinux, FamilyMacOS, FamilyIOS, FamilyAndroid,
	FamilyBSD, FamilyUnix, FamilyNetwork, FamilyEmbedded, FamilyOther}

// OS is an operating system or firmware.
type OS struct {
	Family string
	Name   string // "Windows 7", "Linux 4.x and newer", "Cisco IOS 12.2"
}

func (o OS) known() bool { return o.Family != "" }

// Sources of evidence: the packet types the seed gives confidence for.
const (
	SourceTCPSYN     = "tcp_syn"
	SourceTCPSYNACK  = "tcp_synack"
	SourceDHCP       = "dhcp"
	SourceBrowser    = "smb_browser"
	SourceUserAgent  = "http_user_agent"
	SourceHTTPServer = "http_server"
	SourceSSDP       = "ssdp"
	SourceLLDP       = "lldp"
	SourceCDP        = "cdp"
	SourceIdentity   = "ot_identity"
	SourceVendor     = "mac_vendor"
	SourceTTL        = "ttl"
)

// Confidence runs from 1 (a hint) to 5 (the device says so itself).
const (
	ConfHint     = 1
	ConfWeak     = 2
	ConfModerate = 3
	ConfStrong   = 4
	ConfCertain  = 5
)

// Evidence is one observation's contribution to the estimate.
type Evidence struct {
	Source     string
	OS         OS     // empty when the packet names no OS (a scanner, an application)
	Confidence int    // 1..5
	Detail     string // what was seen and what it matched
	Count      uint64 // how often it was seen
}

// Estimate is a device's OS with the confidence of the combination and
// every piece of evidence behind it.
type Estimate struct {
	OS
	Confidence int // 0 when unknown
	Evidence   []Evidence
}

// TCPObservation is a SYN or SYN+ACK signature a device sent.
type TCPObservation struct {
	Response bool    // SYN+ACK
	Sig      p0f.Sig // as observed (ParseObserved)
	Count    uint64
}

// Browser is a computer-browser announcement.
type Browser struct {
	Major, Minor uint8
	ServerType   uint32
	Comment      string
}

// Link is an LLDP or CDP self-description.
type Link struct {
	CDP          bool
	SystemName   string
	Description  string
	Platform     string
	Capabilities uint32
}

// Identity is what a device reported in an industrial protocol.
type Identity struct {
	Protocol, Vendor, Product, Model, Firmware string
}

// Text is a header value with how often it was seen.
type Text struct {
	Value string
	Count uint64
}

// Input is everything known about one device that bears on its OS.
type Input struct {
	TCP             []TCPObservation
	DHCPParams      []byte
	DHCPVendorClass string
	Browser         *Browser
	UserAgents      []Text // HTTP User-Agent and SSDP USER-AGENT
	HTTPServers     []Text
	SSDPServers     []Text
	Link            *Link
	Identities      []Identity
	Vendor          string // the MAC vendor's short name
	TTL             uint8  // highest TTL of the device's unicast packets, 0 if unknown
}

// Estimator estimates operating systems. It is immutable and safe for
// concurrent use.
type Estimator struct {
	db *p0f.DB
}

// New returns an Estimator matching TCP handshakes against db.
func New(db *p0f.DB) *Estimator { return &Estimator{db: db} }

// Estimate combines every piece of evidence in in into one OS.
//
// Each piece votes for a family with weight confidence²: one statement by
// the device itself (5) outweighs several weak hints. The family with the
// most weight wins; its name comes from the most confident evidence for
// it (the most specific name among equals). The confidence is that
// evidence's, one more when two or more kinds of packet agree (at most 5),
// one less when another family holds at least half the weight (at least 1).
func (e *Estimator) Estimate(in Input) Estimate {
	var ev []Evidence
	ev = append(ev, e.tcpEvidence(in.TCP)...)
	ev = append(ev, dhcpEvidence(in.DHCPParams, in.DHCPVendorClass)...)
	if in.Browser != nil {
		ev = append(ev, browserEvidence(*in.Browser))
	}
	for _, t := range in.UserAgents {
		if os, conf, ok := ParseUserAgent(t.Value); ok {
			ev = append(ev, Evidence{Source: SourceUserAgent, OS: os, Confidence: conf, Detail: t.Value, Count: t.Count})
		}
	}
	for _, t := range in.HTTPServers {
		if os, conf, ok := ParseServer(t.Value); ok {
			ev = append(ev, Evidence{Source: SourceHTTPServer, OS: os, Confidence: conf, Detail: t.Value, Count: t.Count})
		}
	}
	for _, t := range in.SSDPServers {
		if os, conf, ok := ParseServer(t.Value); ok {
			ev = append(ev, Evidence{Source: SourceSSDP, OS: os, Confidence: conf, Detail: t.Value, Count: t.Count})
		}
	}
	if in.Link != nil {
		ev = append(ev, linkEvidence(*in.Link))
	}
	for _, id := range in.Identities {
		if x, ok := identityEvidence(id); ok {
			ev = append(ev, x)
		}
	}
	if x, ok := vendorEvidence(in.Vendor); ok {
		ev = append(ev, x)
	}
	if x, ok := ttlEvidence(in.TTL, in.Vendor); ok {
		ev = append(ev, x)
	}
	return combine(ev)
}

func combine(ev []Evidence) Estimate {
	slices.SortStableFunc(ev, func(a, b Evidence) int {
		return cmp.Or(cmp.Compare(b.Confidence, a.Confidence), cmp.Compare(a.Source, b.Source), cmp.Compare(a.Detail, b.Detail))
	})
	est := Estimate{Evidence: ev}
	weight := map[string]int{}
	rank := map[string]int{} // the most trusted kind of packet behind each family
	for _, x := range ev {
		if x.OS.known() {
			weight[x.OS.Family] += x.Confidence * x.Confidence
			rank[x.OS.Family] = max(rank[x.OS.Family], sourceRank[x.Source])
		}
	}
	if len(weight) == 0 {
		return est
	}
	// Families in order of weight; on equal weight the family backed by
	// the more trustworthy kind of packet wins (a TCP stack over an
	// application's User-Agent), then Families' order.
	order := slices.Clone(Families)
	slices.SortStableFunc(order, func(a, b string) int {
		return cmp.Or(cmp.Compare(weight[b], weight[a]), cmp.Compare(rank[b], rank[a]))
	})
	best, second := order[0], weight[order[1]]
	var top *Evidence
	sources := map[string]bool{}
	for i := range ev {
		x := &ev[i]
		if x.OS.Family != best {
			continue
		}
		sources[sourceKind(x.Source)] = true
		if top == nil || x.Confidence > top.Confidence ||
			x.Confidence == top.Confidence && specificity(x.OS.Name) > specificity(top.OS.Name) {
			top = x
		}
	}
	est.OS = refine(top, ev)
	est.Confidence = top.Confidence
	if len(sources) >= 2 {
		est.Confidence = min(est.Confidence+1, ConfCertain)
	}
	if 2*second >= weight[best] {
		est.Confidence = max(est.Confidence-1, ConfHint)
	}
	return est
}

// refine narrows the winning name with weaker evidence of the same family
// that names a subset of its releases: a DHCP fingerprint says "Windows 8
// or newer", the SYN "Windows 10 or 11", and both hold. Releases are those
// of the lifecycle table; names it does not know are left alone.
func refine(top *Evidence, ev []Evidence) OS {
	best := top.OS
	bestSet := eol.Candidates(best.Name)
	if len(bestSet) < 2 {
		return best
	}
	for i := range ev {
		x := &ev[i]
		if x == top || x.OS.Family != top.OS.Family {
			continue
		}
		set := eol.Candidates(x.OS.Name)
		if len(set) > 0 && len(set) < len(bestSet) && subset(set, bestSet) {
			best, bestSet = x.OS, set
		}
	}
	return best
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// sourceRank orders the kinds of evidence by how hard they are to fake
// or get wrong, for breaking ties.
var sourceRank = map[string]int{
	SourceIdentity: 9, SourceBrowser: 8, SourceLLDP: 7, SourceCDP: 7, SourceDHCP: 6,
	SourceTCPSYN: 5, SourceTCPSYNACK: 5, SourceHTTPServer: 4, SourceSSDP: 3, SourceUserAgent: 2,
	SourceVendor: 1, SourceTTL: 0,
}

// sourceKind groups the two TCP directions: SYN and SYN+ACK of one stack
// are one kind of evidence, not two.
func sourceKind(s string) string {
	if s == SourceTCPSYNACK {
		return SourceTCPSYN
	}
	return s
}

// specificity ranks names: one with a version number says more than one
// without, and "or"/"newer" hedges say less.
func specificity(name string) int {
	n := 0
	if strings.ContainsAny(name, "0123456789") {
		n += 2
	}
	for _, hedge := range []string{" or ", "newer", "/", "kernel", "RTOS"} {
		if strings.Contains(name, hedge) {
			n--
		}
	}
	return n
}

// tcpEvidence matches each handshake against the signature database. A
// handshake whose TTL shows router hops was forwarded by the device, not
// sent by it, and is left out; one that matches nothing still says
// something through its initial TTL.
func (e *Estimator) tcpEvidence(obs []TCPObservation) []Evidence {
	var out []Evidence
	for _, o := range obs {
		src, dir := SourceTCPSYN, p0f.Request
		if o.Response {
			src, dir = SourceTCPSYNACK, p0f.Response
		}
		raw := o.Sig.String()
		m, ok := e.db.Match(dir, o.Sig)
		if !ok {
			if os, ok := ttlHint(o.Sig.TTL); ok {
				out = append(out, Evidence{Source: SourceTTL, OS: os, Confidence: ConfHint,
					Detail: fmt.Sprintf("TTL %d (%s)", o.Sig.TTL, raw), Count: o.Count})
			}
			continue
		}
		if m.Distance > 0 {
			continue
		}
		x := Evidence{Source: src, Confidence: ConfModerate, Count: o.Count,
			Detail: raw + " = " + m.Label.String() + " (" + m.Label.Source + ")"}
		if m.Label.Generic {
			x.Confidence = ConfWeak
		}
		if m.Fuzzy {
			x.Confidence = max(x.Confidence-1, ConfHint)
			x.Detail += " ~"
		}
		if !m.Label.App() {
			x.OS = labelOS(m.Label)
		}
		out = append(out, x)
	}
	return out
}

// labelOS maps a p0f label to an OS.
func labelOS(l *p0f.Label) OS {
	name := l.String()
	switch {
	case l.Class == "win":
		return OS{FamilyWindows, name}
	case l.Name == "Linux" && strings.Contains(l.Flavor, "Android"):
		return OS{FamilyAndroid, "Android"}
	case l.Name == "Linux":
		return OS{FamilyLinux, name}
	case strings.HasPrefix(l.Name, "Mac OS") || strings.HasPrefix(l.Name, "MacOS"):
		return OS{FamilyMacOS, "macOS " + l.Flavor}
	case l.Name == "iOS":
		return OS{FamilyIOS, "iOS"}
	case strings.HasSuffix(l.Name, "BSD"):
		return OS{FamilyBSD, name}
	case l.Name == "Cisco IOS":
		return OS{FamilyNetwork, "Cisco IOS"}
	case l.Name == "Siemens S7":
		return OS{FamilyEmbedded, "Siemens S7 firmware"}
	case l.Name == "VxWorks" || l.Name == "Embedded":
		return OS{FamilyEmbedded, name}
	case l.Class == "unix":
		return OS{FamilyUnix, name}
	}
	return OS{FamilyOther, name}
}

// pcVendors make PCs and servers; their hardware with a TTL of 64 most
// often runs Linux (Macs come from Apple).
var pcVendors = []string{"Dell", "HP", "Lenovo", "Fujitsu", "NEC", "Supermicro", "Super Micro", "ASUSTek",
	"Gigabyte", "Intel", "Acer", "Toshiba", "Panasonic", "Microsoft", "Raspberry Pi"}

// ttlEvidence reads the TTL a device starts unicast packets with: the
// weakest of hints, but all there is for a host that only serves UDP.
func ttlEvidence(ttl uint8, vendor string) (Evidence, bool) {
	if ttl == 0 {
		return Evidence{}, false
	}
	detail := fmt.Sprintf("unicast TTL %d", ttl)
	if os, ok := ttlHint(int(ttl)); ok {
		return Evidence{Source: SourceTTL, OS: os, Confidence: ConfHint, Detail: detail}, true
	}
	if p0f.InitialTTL(int(ttl)) == 64 {
		lv := strings.ToLower(vendor)
		for _, v := range pcVendors {
			if lv != "" && strings.HasPrefix(lv, strings.ToLower(v)) {
				return Evidence{Source: SourceTTL, OS: OS{FamilyLinux, "Linux"}, Confidence: ConfHint,
					Detail: detail + " on " + vendor + " hardware"}, true
			}
		}
	}
	return Evidence{}, false
}

// ttlHint reads the initial TTL of a handshake no signature matched:
// Windows uses 128, network equipment 255, Siemens stacks 30.
func ttlHint(ttl int) (OS, bool) {
	switch p0f.InitialTTL(ttl) {
	case 128:
		return OS{FamilyWindows, "Windows"}, true
	case 255:
		return OS{FamilyNetwork, "network equipment"}, true
	case 30, 32:
		return OS{FamilyEmbedded, "embedded stack"}, true
	}
	return OS{}, false
}
