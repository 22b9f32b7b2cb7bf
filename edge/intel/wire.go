package intel

import (
	"cmp"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"mimamori/edge/intel/p0f"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

// Fingerprint kinds as stored and shown: the TCP ones, then the Text*
// kinds.
const (
	KindTCPSYN    = "tcp_syn"
	KindTCPSYNACK = "tcp_synack"
)

// FingerprintKind names a wire fingerprint kind; "" for an unknown one.
func FingerprintKind(k wirepb.FingerprintKind) string {
	switch k {
	case wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN:
		return KindTCPSYN
	case wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN_ACK:
		return KindTCPSYNACK
	case wirepb.FingerprintKind_FINGERPRINT_KIND_HTTP_USER_AGENT:
		return TextUserAgent
	case wirepb.FingerprintKind_FINGERPRINT_KIND_HTTP_SERVER:
		return TextHTTPServer
	case wirepb.FingerprintKind_FINGERPRINT_KIND_SSDP_SERVER:
		return TextSSDPServer
	case wirepb.FingerprintKind_FINGERPRINT_KIND_SSDP_USER_AGENT:
		return TextSSDPUserAgent
	}
	return ""
}

// SignatureText writes a wire TCP signature and the TTL it arrived with
// in p0f notation, the form observations are stored and matched in.
func SignatureText(t *wirepb.TCPSignature, ttl uint32) string {
	if t == nil {
		return ""
	}
	g := p0f.Sig{
		Version: int(t.IpVersion), TTL: int(min(max(ttl, 1), 255)), OptLen: int(min(t.IpOptionsLen, 255)),
		MSS: int(min(t.Mss, 65535)), Win: p0f.Window{Kind: p0f.WindowFixed, N: int(min(t.Window, 65535))},
		Scale: int(max(t.WindowScale, 0)), EOLPad: int(min(t.EolPadding, 40)), Quirks: t.Quirks,
	}
	if g.Version != 4 && g.Version != 6 {
		g.Version = 4
	}
	if t.Payload {
		g.Payload = 1
	}
	opts := t.Options
	if len(opts) > 40 {
		opts = opts[:40]
	}
	g.Layout = append([]uint8(nil), opts...)
	return g.String()
}

// LinkProtocol names a wire L2 protocol.
func LinkProtocol(p wirepb.L2Protocol) string {
	if p == wirepb.L2Protocol_L2_PROTOCOL_CDP {
		return "cdp"
	}
	return "lldp"
}

// Accumulator merges the batches of one capture into Observations, the
// way the cloud merges them in its store: devices by MAC, conversations
// by client, server and service, industrial activity by endpoints and
// function. `mimamori analyze` feeds it every minute.
type Accumulator struct {
	devices map[string]*devAcc
	convs   map[convKey]*convAcc
	ot      map[otKey]*OTActivity
	names   map[nameKey]*NameObs
	last    time.Time
}

type devAcc struct {
	obs   DeviceObs
	ips   map[netip.Addr]uint32
	tcp   map[string]*TCPObs
	texts map[string]*TextObs
}

type convKey struct {
	client, server netip.Addr
	proto          uint8
	port           uint16
}

type convAcc struct {
	c          Conversation
	lastMinute int64
}

type otKey struct {
	protocol string
	code     uint32
	src, dst netip.Addr
	srcMAC   string
	dstMAC   string
}

type nameKey struct {
	ip     netip.Addr
	name   string
	source string
}

// NewAccumulator returns an empty Accumulator.
func NewAccumulator() *Accumulator {
	return &Accumulator{devices: map[string]*devAcc{}, convs: map[convKey]*convAcc{},
		ot: map[otKey]*OTActivity{}, names: map[nameKey]*NameObs{}}
}

// Last is the start of the newest minute added.
func (a *Accumulator) Last() time.Time { return a.last }

func addrOf(b []byte) netip.Addr {
	ip, _ := netip.AddrFromSlice(b)
	return ip.Unmap()
}

func macOf(b []byte) string {
	if len(b) != 6 {
		return ""
	}
	return net.HardwareAddr(b).String()
}

// Add merges one minute's batch.
func (a *Accumulator) Add(b *wirepb.Batch) {
	minute := time.Unix(b.Minute, 0).UTC()
	if minute.After(a.last) {
		a.last = minute
	}
	for _, d := range b.Devices {
		a.addDevice(d, minute)
	}
	for _, f := range b.Flows {
		a.addFlow(f, b.Minute)
	}
	for _, n := range b.Names {
		k := nameKey{addrOf(n.Ip), n.Name, wire.NameSourceString(n.Source)}
		if !k.ip.IsValid() || k.name == "" {
			continue
		}
		e := a.names[k]
		if e == nil {
			e = &NameObs{IP: k.ip, Name: k.name, Source: k.source}
			a.names[k] = e
		}
		e.Count += uint64(max(n.Count, 1))
		e.LastSeen = maxTime(e.LastSeen, time.Unix(0, n.LastUnixNs))
	}
	for _, e := range b.OtEvents {
		a.addOT(e)
	}
	for _, id := range b.Identities {
		a.addIdentity(id)
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (a *Accumulator) device(mac string) *devAcc {
	d := a.devices[mac]
	if d == nil {
		d = &devAcc{obs: DeviceObs{MAC: mac}, ips: map[netip.Addr]uint32{}, tcp: map[string]*TCPObs{}, texts: map[string]*TextObs{}}
		a.devices[mac] = d
	}
	return d
}

func (a *Accumulator) addDevice(w *wirepb.Device, minute time.Time) {
	mac := macOf(w.Mac)
	if mac == "" {
		return
	}
	d := a.device(mac)
	o := &d.obs
	first, last := time.Unix(0, w.FirstUnixNs).UTC(), time.Unix(0, w.LastUnixNs).UTC()
	if w.FirstUnixNs == 0 {
		first = minute
	}
	if w.LastUnixNs == 0 {
		last = first
	}
	if o.FirstSeen.IsZero() || first.Before(o.FirstSeen) {
		o.FirstSeen = first
	}
	o.LastSeen = maxTime(o.LastSeen, last)
	for _, b := range w.Ips {
		if ip := addrOf(b); ip.IsValid() {
			d.ips[ip] |= w.Evidence
		}
	}
	if w.DhcpHostname != "" {
		o.DHCPHostname = w.DhcpHostname
	}
	if len(w.DhcpParams) > 0 {
		o.DHCPParams = append([]byte(nil), w.DhcpParams...)
	}
	if w.DhcpVendorClass != "" {
		o.DHCPVendorClass = w.DhcpVendorClass
	}
	if w.Vlan != 0 {
		o.VLAN = uint16(w.Vlan)
	}
	o.SentPackets += w.SentPackets
	o.SentBytes += w.SentBytes
	o.RecvPackets += w.RecvPackets
	o.RecvBytes += w.RecvBytes
	o.L2Protocols |= w.L2Protocols
	o.MaxTTL = max(o.MaxTTL, uint8(min(w.MaxTtl, 255)))
	for _, f := range w.Fingerprints {
		kind := FingerprintKind(f.Kind)
		ip := addrOf(f.Ip)
		switch kind {
		case "":
		case KindTCPSYN, KindTCPSYNACK:
			sig := SignatureText(f.Tcp, f.Ttl)
			key := kind + " " + sig + " " + ip.String()
			t := d.tcp[key]
			if t == nil {
				t = &TCPObs{Response: kind == KindTCPSYNACK, Sig: sig, IP: ip}
				d.tcp[key] = t
			}
			t.Count += uint64(max(f.Count, 1))
		default:
			key := kind + " " + f.Text + " " + ip.String()
			t := d.texts[key]
			if t == nil {
				t = &TextObs{Kind: kind, Value: f.Text, IP: ip, TTL: uint8(min(f.Ttl, 255))}
				d.texts[key] = t
			}
			t.Count += uint64(max(f.Count, 1))
		}
	}
	if b := w.Browser; b != nil {
		o.Browser = &BrowserObs{Name: b.Name, Major: uint8(min(b.OsMajor, 255)), Minor: uint8(min(b.OsMinor, 255)),
			ServerType: b.ServerType, Comment: b.Comment}
	}
	if l := w.Link; l != nil {
		o.Link = &LinkObs{Protocol: LinkProtocol(l.Protocol), SystemName: l.SystemName, Description: l.SystemDescription,
			Platform: l.Platform, Port: l.Port, Capabilities: l.Capabilities, ManagementIP: addrOf(l.ManagementIp)}
	}
}

func (a *Accumulator) addFlow(f *wirepb.Flow, minute int64) {
	k := convKey{client: addrOf(f.SrcIp), server: addrOf(f.DstIp), proto: uint8(f.IpProto)}
	if f.IpProto == 6 || f.IpProto == 17 {
		k.port = uint16(f.DstPort)
	}
	if !k.client.IsValid() || !k.server.IsValid() {
		return
	}
	c := a.convs[k]
	if c == nil {
		c = &convAcc{c: Conversation{Client: k.client, Server: k.server, Proto: k.proto, Port: k.port}, lastMinute: -1}
		a.convs[k] = c
	}
	cv := &c.c
	if m := macOf(f.SrcMac); m != "" {
		cv.ClientMAC = m
	}
	if m := macOf(f.DstMac); m != "" {
		cv.ServerMAC = m
	}
	if f.State == wirepb.FlowState_FLOW_STATE_NEW {
		cv.Flows++
	}
	if c.lastMinute != minute {
		cv.Minutes++
		c.lastMinute = minute
	}
	cv.ClientPackets += f.SrcPackets
	cv.ClientBytes += f.SrcBytes
	cv.ServerPackets += f.DstPackets
	cv.ServerBytes += f.DstBytes
	cv.ServerTCPFlags |= uint8(f.DstTcpFlags)
	cv.SamePort = cv.SamePort || (k.port != 0 && f.SrcPort == f.DstPort)
	first, last := time.Unix(0, f.FirstUnixNs).UTC(), time.Unix(0, f.LastUnixNs).UTC()
	if cv.FirstSeen.IsZero() || first.Before(cv.FirstSeen) {
		cv.FirstSeen = first
	}
	cv.LastSeen = maxTime(cv.LastSeen, last)
}

func (a *Accumulator) addOT(e *wirepb.OTEvent) {
	k := otKey{protocol: e.Protocol, code: e.Code, src: addrOf(e.SrcIp), dst: addrOf(e.DstIp),
		srcMAC: macOf(e.SrcMac), dstMAC: macOf(e.DstMac)}
	o := a.ot[k]
	if o == nil {
		o = &OTActivity{Protocol: e.Protocol, Code: e.Code, Function: e.Function, Src: k.src, Dst: k.dst,
			SrcMAC: k.srcMAC, DstMAC: k.dstMAC}
		a.ot[k] = o
	}
	o.Count += e.Count
	o.Requests += e.Requests
	o.Replies += e.Responses
	o.Errors += e.Errors
}

// addIdentity attaches an identity to the device with its MAC, or else
// the device that claims its address (resolved in Observations).
func (a *Accumulator) addIdentity(id *wirepb.Identity) {
	o := IdentityObs{Protocol: id.Protocol, Vendor: id.Vendor, Product: id.Product, Model: id.Model,
		Serial: id.Serial, Firmware: id.Firmware, Name: id.Name, IP: addrOf(id.Ip), MAC: macOf(id.Mac),
		Seen: time.Unix(0, id.SeenUnixNs).UTC()}
	if o.MAC == "" {
		o.MAC = "ip:" + o.IP.String()
	}
	d := a.device(o.MAC)
	for i, old := range d.obs.Identities {
		if old.Protocol == o.Protocol && old.IP == o.IP {
			d.obs.Identities[i] = o
			return
		}
	}
	d.obs.Identities = append(d.obs.Identities, o)
}

// Observations returns what has been accumulated. The result shares
// nothing the Accumulator changes later.
func (a *Accumulator) Observations() *Observations {
	obs := &Observations{}
	owner := map[netip.Addr]string{}
	for mac, d := range a.devices {
		if strings.HasPrefix(mac, "ip:") {
			continue
		}
		for ip, ev := range d.ips {
			if ev&(EvidenceARP|EvidenceNDP|EvidenceDHCP) != 0 {
				owner[ip] = mac
			}
		}
	}
	for mac, d := range a.devices {
		if strings.HasPrefix(mac, "ip:") {
			continue
		}
		o := d.obs
		o.IPs = nil
		for ip, ev := range d.ips {
			o.IPs = append(o.IPs, IPObs{Addr: ip, Evidence: ev})
		}
		o.TCP = nil
		for _, t := range d.tcp {
			o.TCP = append(o.TCP, *t)
		}
		o.Texts = nil
		for _, t := range d.texts {
			o.Texts = append(o.Texts, *t)
		}
		o.Identities = append([]IdentityObs(nil), d.obs.Identities...)
		obs.Devices = append(obs.Devices, o)
	}
	// Identities reported without a MAC go to the address's claimant.
	for mac, d := range a.devices {
		if !strings.HasPrefix(mac, "ip:") {
			continue
		}
		for _, id := range d.obs.Identities {
			for i := range obs.Devices {
				if owner[id.IP] == obs.Devices[i].MAC {
					obs.Devices[i].Identities = append(obs.Devices[i].Identities, id)
				}
			}
		}
	}
	for _, c := range a.convs {
		obs.Conversations = append(obs.Conversations, c.c)
	}
	for _, o := range a.ot {
		obs.OT = append(obs.OT, *o)
	}
	for _, n := range a.names {
		obs.Names = append(obs.Names, *n)
	}
	sortObservations(obs)
	return obs
}

// sortObservations orders everything deterministically, so inventories
// built from equal input are equal.
func sortObservations(obs *Observations) {
	slices.SortFunc(obs.Devices, func(a, b DeviceObs) int { return cmp.Compare(a.MAC, b.MAC) })
	for i := range obs.Devices {
		d := &obs.Devices[i]
		slices.SortFunc(d.IPs, func(a, b IPObs) int { return a.Addr.Compare(b.Addr) })
		slices.SortFunc(d.TCP, func(a, b TCPObs) int {
			return cmp.Or(cmp.Compare(boolInt(a.Response), boolInt(b.Response)), cmp.Compare(a.Sig, b.Sig), a.IP.Compare(b.IP))
		})
		slices.SortFunc(d.Texts, func(a, b TextObs) int {
			return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value), a.IP.Compare(b.IP))
		})
		slices.SortFunc(d.Identities, func(a, b IdentityObs) int {
			return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), a.IP.Compare(b.IP))
		})
	}
	slices.SortFunc(obs.Conversations, func(a, b Conversation) int {
		return cmp.Or(a.Client.Compare(b.Client), a.Server.Compare(b.Server), cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
	slices.SortFunc(obs.OT, func(a, b OTActivity) int {
		return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Code, b.Code), a.Src.Compare(b.Src),
			a.Dst.Compare(b.Dst), cmp.Compare(a.SrcMAC, b.SrcMAC), cmp.Compare(a.DstMAC, b.DstMAC))
	})
	slices.SortFunc(obs.Names, func(a, b NameObs) int {
		return cmp.Or(a.IP.Compare(b.IP), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Source, b.Source))
	})
}
