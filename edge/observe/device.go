package observe

import (
	"bytes"
	"net/netip"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// maxIPsPerDevice caps the addresses one MAC keeps per minute. A router
// forwards traffic for every remote host under its own MAC; without a cap
// one router would hold thousands of addresses.
const maxIPsPerDevice = 16

// Evidence bits, as in wirepb.Evidence, narrowed to fit one byte per address.
const (
	evidenceARP  = uint8(wirepb.Evidence_EVIDENCE_ARP)
	evidenceNDP  = uint8(wirepb.Evidence_EVIDENCE_NDP)
	evidenceDHCP = uint8(wirepb.Evidence_EVIDENCE_DHCP)
	evidenceIP   = uint8(wirepb.Evidence_EVIDENCE_IP)
)

// device is one MAC address's minute. Its addresses live in a fixed array
// so binding never allocates.
type device struct {
	mac         [6]byte
	first, last int64
	sentPackets uint64
	sentBytes   uint64
	recvPackets uint64
	recvBytes   uint64
	vlan        uint16
	evidence    uint8

	nips  int
	ips   [maxIPsPerDevice]netip.Addr
	ipsEv [maxIPsPerDevice]uint8 // evidence per address, to pick what to evict

	hostname    string
	vendorClass string
	params      []byte // capacity is kept across minutes

	// Fingerprints for OS and role estimation; buffers are kept across
	// minutes, so a device seen again allocates nothing.
	fps       [maxFingerprints]fingerprint
	nfps      int
	fpDropped uint32
	browser   browserInfo
	link      linkInfo
	l2        uint32 // wirepb.L2Protocol bits
	maxTTL    uint8  // of unicast IP packets sent: multicast and broadcast use their own TTLs
}

// macKey packs a MAC address into the device map's key. Maps hash a
// uint64 on a fast path; a [6]byte key goes through the generic hasher,
// which doubled the cost of every frame.
func macKey(mac [6]byte) uint64 {
	return uint64(mac[0])<<40 | uint64(mac[1])<<32 | uint64(mac[2])<<24 |
		uint64(mac[3])<<16 | uint64(mac[4])<<8 | uint64(mac[5])
}

// unicastMAC reports whether mac can name one device: not a group
// (broadcast or multicast) address and not all zeros.
func unicastMAC(mac [6]byte) bool {
	return mac[0]&0x01 == 0 && mac != [6]byte{}
}

// device returns mac's entry, creating it if there is room, and marks it
// seen at p's time. sender says whether mac sent p: a device's VLAN is the
// one it sends on, or where it was seen if it sent nothing this minute.
// It returns nil for group addresses and when the table is full.
func (t *Table) device(mac [6]byte, p *decode.Packet, sender bool) *device {
	if !unicastMAC(mac) {
		return nil
	}
	ts := p.TimestampNs
	key := macKey(mac)
	d, ok := t.devices[key]
	if !ok {
		if len(t.devices) >= t.maxDevices {
			t.drops.Devices++
			return nil
		}
		d = t.newDevice()
		d.mac = mac
		d.first, d.last = ts, ts
		t.devices[key] = d
	}
	if ts < d.first {
		d.first = ts
	}
	if ts > d.last {
		d.last = ts
	}
	if sender || d.sentPackets == 0 {
		d.vlan = p.VLAN
	}
	return d
}

func (t *Table) newDevice() *device {
	if n := len(t.freeDevices); n > 0 {
		d := t.freeDevices[n-1]
		t.freeDevices = t.freeDevices[:n-1]
		return d
	}
	return new(device)
}

// note marks mac as a device seen through ev without binding an address,
// for frames that name a MAC other than the Ethernet source (DHCP chaddr,
// NDP options) or that carry no usable address (an ARP probe).
func (t *Table) note(mac [6]byte, p *decode.Packet, ev uint8) *device {
	d := t.device(mac, p, false)
	if d != nil {
		d.evidence |= ev
	}
	return d
}

// bind records that ip belongs to d, seen through ev. When the address
// list is full, an address learned from ARP, NDP or DHCP pushes out one
// learned only from traffic: the former says what the device itself
// claims, the latter may be a routed stranger.
func (t *Table) bind(d *device, ip netip.Addr, ev uint8) {
	d.evidence |= ev
	ip = ip.Unmap().WithZone("")
	for i := 0; i < d.nips; i++ {
		if d.ips[i] == ip {
			d.ipsEv[i] |= ev
			return
		}
	}
	if d.nips < maxIPsPerDevice {
		d.ips[d.nips] = ip
		d.ipsEv[d.nips] = ev
		d.nips++
		return
	}
	if ev != evidenceIP {
		for i := d.nips - 1; i >= 0; i-- {
			if d.ipsEv[i] == evidenceIP {
				d.ips[i] = ip
				d.ipsEv[i] = ev
				t.drops.IPs++ // the evicted address is the one lost
				return
			}
		}
	}
	t.drops.IPs++
}

// setParams stores a DHCP parameter request list, reusing d's buffer.
func (d *device) setParams(b []byte) {
	if !bytes.Equal(d.params, b) {
		d.params = append(d.params[:0], b...)
	}
}

// reset clears d for reuse in a later minute, keeping its buffers.
func (d *device) reset() {
	var texts [maxFingerprints][]byte
	for i := range d.fps {
		texts[i] = d.fps[i].text[:0]
	}
	browser, link := d.browser, d.link
	browser.reset()
	link.reset()
	*d = device{params: d.params[:0], browser: browser, link: link}
	for i := range d.fps {
		d.fps[i].text = texts[i]
	}
}

// wire converts d into its wire form; the result shares nothing with d.
func (d *device) wire() *wirepb.Device {
	w := &wirepb.Device{
		Mac:             append([]byte(nil), d.mac[:]...),
		Evidence:        uint32(d.evidence),
		DhcpHostname:    d.hostname,
		DhcpVendorClass: d.vendorClass,
		FirstUnixNs:     d.first,
		LastUnixNs:      d.last,
		SentPackets:     d.sentPackets,
		SentBytes:       d.sentBytes,
		RecvPackets:     d.recvPackets,
		RecvBytes:       d.recvBytes,
		Vlan:            uint32(d.vlan),
	}
	if len(d.params) > 0 {
		w.DhcpParams = append([]byte(nil), d.params...)
	}
	for i := 0; i < d.nfps; i++ {
		w.Fingerprints = append(w.Fingerprints, d.fps[i].wire())
	}
	w.FingerprintsDropped = d.fpDropped
	w.Browser = d.browser.wire()
	w.Link = d.link.wire()
	w.L2Protocols = d.l2
	w.MaxTtl = uint32(d.maxTTL)
	if d.nips > 0 {
		ips := make([]netip.Addr, d.nips)
		copy(ips, d.ips[:d.nips])
		sortAddrs(ips)
		w.Ips = make([][]byte, len(ips))
		for i, ip := range ips {
			w.Ips[i] = ip.AsSlice()
		}
	}
	return w
}

// observeARP binds the sender of requests and replies alike: a gratuitous
// ARP (sender IP = target IP) is an announcement of exactly that binding.
// The target fields are not used: in a request they are what is asked for,
// and in a reply they echo the asker, whose own request already told us.
func (t *Table) observeARP(p *decode.Packet) {
	if p.ARPOp != 1 && p.ARPOp != 2 {
		return // RARP and the rest carry no binding we trust
	}
	ip := p.ARPSenderIP
	if !ip.IsValid() {
		return // not IPv4 over Ethernet
	}
	d := t.note(p.ARPSenderMAC, p, evidenceARP)
	if d == nil {
		return
	}
	// An ARP probe (RFC 5227) has sender IP 0.0.0.0: the host is checking
	// that an address is free, so it does not own one yet.
	if bindable(ip) {
		t.bind(d, ip, evidenceARP)
	}
}
