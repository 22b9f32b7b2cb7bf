package observe

import (
	"bytes"
	"net/netip"

	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// Link-layer discovery and spanning tree: switches and routers describe
// themselves in LLDP (IEEE 802.1AB) and Cisco's CDP, and every bridge with
// spanning tree on sends BPDUs. Who sends these is the strongest sign that
// a MAC belongs to network equipment (V1-6), and the system description
// names its OS.

const etherTypeLLDP layers.EthernetType = 0x88cc

// LLDP TLV types read here.
const (
	lldpEnd        = 0
	lldpPortID     = 2
	lldpSystemName = 5
	lldpSystemDesc = 6
	lldpSystemCaps = 7
	lldpManagement = 8
	// Port ID subtypes that are not text: a MAC or a network address.
	lldpPortIDMAC  = 3
	lldpPortIDAddr = 4
)

// CDP TLV types read here, and its capability bits.
const (
	cdpDeviceID     = 0x0001
	cdpPortID       = 0x0003
	cdpCapabilities = 0x0004
	cdpVersion      = 0x0005
	cdpPlatform     = 0x0006

	cdpCapRouter   = 0x01
	cdpCapTBBridge = 0x02
	cdpCapSRBridge = 0x04
	cdpCapSwitch   = 0x08
	cdpCapHost     = 0x10
	cdpCapRepeater = 0x40
)

// LLDP capability bits (IEEE 802.1AB 8.5.8), which LinkAnnouncement uses
// for both protocols.
const (
	lldpCapRepeater = 0x0002
	lldpCapBridge   = 0x0004
	lldpCapRouter   = 0x0010
	lldpCapStation  = 0x0080
)

var (
	// cdpSNAP is the LLC/SNAP header of CDP: AA AA 03, Cisco OUI, type 0x2000.
	cdpSNAP = []byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00}
	// stpLLC is the LLC header of spanning-tree BPDUs.
	stpLLC = []byte{0x42, 0x42, 0x03}
)

// linkInfo is the newest LLDP or CDP description a device sent; its
// buffers keep their capacity across minutes.
type linkInfo struct {
	has      bool
	proto    wirepb.L2Protocol
	caps     uint32
	mgmt     netip.Addr
	name     []byte
	desc     []byte
	platform []byte
	port     []byte
}

func (l *linkInfo) reset() {
	*l = linkInfo{name: l.name[:0], desc: l.desc[:0], platform: l.platform[:0], port: l.port[:0]}
}

// keep copies v into *dst, cut to maxTextLen (system descriptions run to
// a few hundred bytes on some switches) and with line breaks and other
// control bytes turned into spaces: CDP software versions span lines. The
// buffer keeps its capacity, so a repeated announcement does not allocate.
func keep(dst *[]byte, v []byte) {
	v = clipText(v)
	out := (*dst)[:0]
	for _, c := range v {
		if c < 0x20 || c == 0x7f {
			c = ' '
		}
		out = append(out, c)
	}
	*dst = out
}

func (l *linkInfo) wire() *wirepb.LinkAnnouncement {
	if !l.has {
		return nil
	}
	w := &wirepb.LinkAnnouncement{Protocol: l.proto, Capabilities: l.caps}
	for _, f := range []struct {
		dst *string
		v   []byte
	}{{&w.SystemName, l.name}, {&w.SystemDescription, l.desc}, {&w.Platform, l.platform}, {&w.Port, l.port}} {
		if printableText(f.v) {
			*f.dst = string(f.v)
		}
	}
	if l.mgmt.IsValid() {
		w.ManagementIp = l.mgmt.AsSlice()
	}
	return w
}

// Industrial layer-2 EtherTypes: a device sending these is on a field
// network, often without any IP address of its own.
var industrialL2 = map[layers.EthernetType]wirepb.L2Protocol{
	0x890f: wirepb.L2Protocol_L2_PROTOCOL_CCLINK_IE,
	0x8892: wirepb.L2Protocol_L2_PROTOCOL_PROFINET,
	0x88a4: wirepb.L2Protocol_L2_PROTOCOL_ETHERCAT,
	0x88ab: wirepb.L2Protocol_L2_PROTOCOL_POWERLINK,
	0x88b8: wirepb.L2Protocol_L2_PROTOCOL_IEC61850,
	0x88ba: wirepb.L2Protocol_L2_PROTOCOL_IEC61850,
}

// observeL2 looks at a non-IP frame that d sent for LLDP, CDP, STP and
// the industrial layer-2 protocols.
func (t *Table) observeL2(p *decode.Packet, d *device) error {
	if bit, ok := industrialL2[p.EtherType]; ok {
		d.l2 |= uint32(bit)
		return nil
	}
	switch p.EtherType {
	case etherTypeLLDP:
		d.l2 |= uint32(wirepb.L2Protocol_L2_PROTOCOL_LLDP)
		return d.observeLLDP(p.Payload)
	case layers.EthernetTypeLLC:
		b := p.Payload
		switch {
		case bytes.HasPrefix(b, cdpSNAP):
			d.l2 |= uint32(wirepb.L2Protocol_L2_PROTOCOL_CDP)
			return d.observeCDP(b[len(cdpSNAP):])
		case bytes.HasPrefix(b, stpLLC):
			d.l2 |= uint32(wirepb.L2Protocol_L2_PROTOCOL_STP)
		}
	}
	return nil
}

// observeLLDP reads an LLDPDU's TLVs. What was read before a fault is kept.
func (d *device) observeLLDP(b []byte) error {
	l := &d.link
	l.has, l.proto = true, wirepb.L2Protocol_L2_PROTOCOL_LLDP
	for len(b) >= 2 {
		typ, n := b[0]>>1, int(b[0]&1)<<8|int(b[1])
		if 2+n > len(b) {
			return errBadLength
		}
		v := b[2 : 2+n]
		b = b[2+n:]
		switch typ {
		case lldpEnd:
			return nil
		case lldpPortID:
			if n > 1 && v[0] != lldpPortIDMAC && v[0] != lldpPortIDAddr {
				keep(&l.port, v[1:])
			}
		case lldpSystemName:
			keep(&l.name, v)
		case lldpSystemDesc:
			keep(&l.desc, v)
		case lldpSystemCaps:
			if n == 4 {
				l.caps = uint32(be16(v[2:4])) // enabled capabilities
			}
		case lldpManagement:
			// length, subtype (1 IPv4, 2 IPv6), address, then interface fields.
			if n >= 6 && v[1] == 1 && v[0] == 5 {
				l.mgmt = netip.AddrFrom4([4]byte(v[2:6]))
			} else if n >= 18 && v[1] == 2 && v[0] == 17 {
				l.mgmt = netip.AddrFrom16([16]byte(v[2:18]))
			}
		}
	}
	return nil
}

// observeCDP reads a CDP message after its SNAP header: version, TTL,
// checksum, then type-length-value fields whose length includes the
// 4-byte header.
func (d *device) observeCDP(b []byte) error {
	if len(b) < 4 {
		return errTruncated
	}
	l := &d.link
	l.has, l.proto = true, wirepb.L2Protocol_L2_PROTOCOL_CDP
	b = b[4:]
	for len(b) >= 4 {
		typ, n := be16(b[0:2]), int(be16(b[2:4]))
		if n < 4 || n > len(b) {
			return errBadLength
		}
		v := b[4:n]
		b = b[n:]
		switch typ {
		case cdpDeviceID:
			keep(&l.name, v)
		case cdpPortID:
			keep(&l.port, v)
		case cdpVersion:
			keep(&l.desc, v)
		case cdpPlatform:
			keep(&l.platform, v)
		case cdpCapabilities:
			if len(v) == 4 {
				l.caps = cdpToLLDPCaps(uint32(be16(v[0:2]))<<16 | uint32(be16(v[2:4])))
			}
		}
	}
	return nil
}

// cdpToLLDPCaps maps CDP capability bits onto LLDP's, so consumers read
// one set of bits whichever protocol the device spoke.
func cdpToLLDPCaps(c uint32) uint32 {
	var out uint32
	if c&cdpCapRouter != 0 {
		out |= lldpCapRouter
	}
	if c&(cdpCapTBBridge|cdpCapSRBridge|cdpCapSwitch) != 0 {
		out |= lldpCapBridge
	}
	if c&cdpCapHost != 0 {
		out |= lldpCapStation
	}
	if c&cdpCapRepeater != 0 {
		out |= lldpCapRepeater
	}
	return out
}
