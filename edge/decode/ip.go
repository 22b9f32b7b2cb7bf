package decode

import (
	"net/netip"

	"github.com/google/gopacket/layers"
)

func decodeARP(b []byte, p *Packet) error {
	if len(b) < 8 {
		return truncated(p)
	}
	htype, ptype, hlen, plen := be16(b[0:2]), be16(b[2:4]), b[4], b[5]
	// Only Ethernet/IPv4 ARP binds a MAC to an address the way the device
	// table needs; other hardware or protocol types stay plain non-IP frames.
	if htype != 1 || ptype != uint16(layers.EthernetTypeIPv4) || hlen != 6 || plen != 4 {
		return nil
	}
	if len(b) < 28 {
		return truncated(p)
	}
	p.IsARP = true
	p.ARPOp = be16(b[6:8])
	copy(p.ARPSenderMAC[:], b[8:14])
	p.ARPSenderIP = netip.AddrFrom4([4]byte(b[14:18]))
	copy(p.ARPTargetMAC[:], b[18:24])
	p.ARPTargetIP = netip.AddrFrom4([4]byte(b[24:28]))
	return nil
}

func decodeIPv4(b []byte, p *Packet) error {
	if len(b) < 20 {
		return truncated(p)
	}
	if b[0]>>4 != 4 {
		return ErrMalformed
	}
	p.IPVersion = 4
	p.Payload = nil // set again once the transport header is read
	p.TTL = b[8]
	p.IPProto = layers.IPProtocol(b[9])
	p.SrcIP = netip.AddrFrom4([4]byte(b[12:16]))
	p.DstIP = netip.AddrFrom4([4]byte(b[16:20]))
	p.FragID = uint32(be16(b[4:6]))
	p.IPTOS = b[1]
	frag := be16(b[6:8])
	p.IPReservedBit = frag&0x8000 != 0
	p.IPDontFragment = frag&0x4000 != 0
	p.MoreFragments = frag&0x2000 != 0
	p.FragOffset = (frag & 0x1fff) * 8

	ihl := int(b[0]&0x0f) * 4
	total := int(be16(b[2:4]))
	switch {
	case ihl < 20:
		return ErrMalformed
	case total == 0:
		// Segmentation offload on the capturing host leaves the length
		// zero; trust the captured bytes.
	case total < ihl:
		return ErrMalformed
	case total < len(b):
		// Drop Ethernet padding so it does not count as payload.
		b = b[:total]
	}
	if len(b) < ihl {
		return truncated(p)
	}
	p.IPOptLen = uint8(ihl - 20)
	b = b[ihl:]
	if p.FragOffset != 0 {
		p.Fragment = true
		p.Payload = b
		return nil
	}
	return decodeTransport(b, p)
}

// IPv6 extension headers that the walk steps over. Each starts with a
// next-header byte; their length encodings differ.
const (
	ip6HopByHop  = 0
	ip6Routing   = 43
	ip6Fragment  = 44
	ip6AH        = 51
	ip6DestOpts  = 60
	ip6Mobility  = 135
	ip6HIP       = 139
	ip6Shim6     = 140
	ip6NoNextHdr = 59
)

func decodeIPv6(b []byte, p *Packet) error {
	if len(b) < 40 {
		return truncated(p)
	}
	if b[0]>>4 != 6 {
		return ErrMalformed
	}
	p.IPVersion = 6
	p.Payload = nil // set again once the transport header is read
	p.TTL = b[7]
	vtf := be32(b[0:4])
	p.IPTOS = uint8(vtf >> 20)
	p.IPFlowLabel = vtf & 0x000fffff
	p.SrcIP = netip.AddrFrom16([16]byte(b[8:24]))
	p.DstIP = netip.AddrFrom16([16]byte(b[24:40]))
	// A zero payload length means a jumbogram or offload; keep what was captured.
	if plen := int(be16(b[4:6])); plen != 0 && 40+plen < len(b) {
		b = b[:40+plen]
	}
	next := b[6]
	b = b[40:]
	// Every extension header is at least 8 bytes, so the walk ends within
	// len(b)/8 steps however the headers are chained.
	for {
		p.IPProto = layers.IPProtocol(next)
		switch next {
		case ip6HopByHop, ip6Routing, ip6DestOpts, ip6Mobility, ip6HIP, ip6Shim6, ip6AH:
			if len(b) < 8 {
				return truncated(p)
			}
			n := (int(b[1]) + 1) * 8
			if next == ip6AH {
				n = (int(b[1]) + 2) * 4
			}
			if len(b) < n {
				return truncated(p)
			}
			next, b = b[0], b[n:]
		case ip6Fragment:
			if len(b) < 8 {
				return truncated(p)
			}
			off := be16(b[2:4])
			p.FragOffset = off &^ 7
			p.MoreFragments = off&1 != 0
			p.FragID = be32(b[4:8])
			next, b = b[0], b[8:]
			if p.FragOffset != 0 {
				p.IPProto = layers.IPProtocol(next)
				p.Fragment = true
				p.Payload = b
				return nil
			}
		case ip6NoNextHdr:
			p.Payload = nil
			return nil
		default:
			return decodeTransport(b, p)
		}
	}
}
