package decode

import (
	"encoding/binary"

	"github.com/google/gopacket/layers"
)

// VLAN tag EtherTypes: 802.1Q, 802.1ad (QinQ service tag) and the
// pre-standard 0x9100 that older switches still use for the outer tag.
const etherTypeQinQ9100 layers.EthernetType = 0x9100

// ARPHRD values in Linux cooked headers that carry an Ethernet source address.
const (
	arphrdEther    = 1
	arphrdLoopback = 772
)

func decodeEthernet(b []byte, p *Packet) error {
	if len(b) < 14 {
		return truncated(p)
	}
	p.HasEthernet = true
	p.HasDstMAC = true
	copy(p.DstMAC[:], b[0:6])
	copy(p.SrcMAC[:], b[6:12])
	return decodeEtherType(layers.EthernetType(be16(b[12:14])), b[14:], p)
}

// decodeEtherType reads any VLAN tags, then the network layer named by et.
func decodeEtherType(et layers.EthernetType, b []byte, p *Packet) error {
	for et == layers.EthernetTypeDot1Q || et == layers.EthernetTypeQinQ || et == etherTypeQinQ9100 {
		p.EtherType = et
		if len(b) < 4 {
			return truncated(p)
		}
		if p.VLANDepth == 0 {
			p.VLAN = be16(b[0:2]) & 0x0fff
		}
		if p.VLANDepth < 255 {
			p.VLANDepth++
		}
		et = layers.EthernetType(be16(b[2:4]))
		b = b[4:]
	}
	// Values up to 1500 are an 802.3 length, not a type; 1501-1535 are
	// undefined and treated the same way.
	if et < 0x0600 {
		et = layers.EthernetTypeLLC
	}
	return decodeNetwork(et, b, p)
}

// decodeNetwork dispatches on the innermost EtherType. Non-IP frames keep
// everything after the EtherType as Payload for the dissectors.
func decodeNetwork(et layers.EthernetType, b []byte, p *Packet) error {
	p.EtherType = et
	p.Payload = b
	switch et {
	case layers.EthernetTypeIPv4:
		return decodeIPv4(b, p)
	case layers.EthernetTypeIPv6:
		return decodeIPv6(b, p)
	case layers.EthernetTypeARP:
		return decodeARP(b, p)
	case layers.EthernetTypePPPoESession:
		return decodePPPoE(b, p)
	}
	return nil
}

// decodeSLL reads a Linux cooked v1 header: packet type, ARPHRD type,
// address length, 8 address bytes, protocol.
func decodeSLL(b []byte, p *Packet) error {
	if len(b) < 16 {
		return truncated(p)
	}
	cookedAddress(be16(b[2:4]), be16(b[4:6]), b[6:14], p)
	return decodeCookedProtocol(be16(b[14:16]), b[16:], p)
}

// cookedAddress keeps the sender's MAC when the cooked header carries one.
// The destination is not recorded in either cooked format.
func cookedAddress(hatype, alen uint16, addr []byte, p *Packet) {
	if (hatype == arphrdEther || hatype == arphrdLoopback) && alen == 6 {
		p.HasEthernet = true
		copy(p.SrcMAC[:], addr[:6])
	}
}

// decodeCookedProtocol handles the cooked protocol field, which holds an
// EtherType or, below 0x0600, a Linux pseudo-protocol (802.2 LLC, 802.3 raw,
// CAN, ...) that is never IP.
func decodeCookedProtocol(proto uint16, b []byte, p *Packet) error {
	if proto < 0x0600 {
		p.EtherType = layers.EthernetTypeLLC
		p.Payload = b
		return nil
	}
	return decodeEtherType(layers.EthernetType(proto), b, p)
}

// decodeRawIP reads a bare IP packet whose version nibble says which.
func decodeRawIP(b []byte, p *Packet) error {
	if len(b) < 1 {
		return truncated(p)
	}
	switch b[0] >> 4 {
	case 4:
		p.EtherType = layers.EthernetTypeIPv4
		return decodeIPv4(b, p)
	case 6:
		p.EtherType = layers.EthernetTypeIPv6
		return decodeIPv6(b, p)
	}
	return ErrMalformed
}

// Address families in BSD null/loopback headers. IPv6 has a different value
// on almost every OS; a capture file can come from any of them.
const (
	afINET         = 2
	afINET6Linux   = 10
	afINET6Windows = 23
	afINET6BSD     = 24 // NetBSD, OpenBSD, BSD/OS
	afINET6FreeBSD = 28
	afINET6Darwin  = 30
)

// decodeNull reads the 4-byte address family of DLT_NULL (host byte order
// of the capturing machine, so either order is accepted) or DLT_LOOP
// (always network order).
func decodeNull(b []byte, p *Packet, networkOrder bool) error {
	if len(b) < 4 {
		return truncated(p)
	}
	var family uint32
	if networkOrder {
		family = be32(b[0:4])
	} else {
		family = binary.LittleEndian.Uint32(b[0:4])
		// Families are small numbers: a value with high bits set was
		// written big-endian.
		if family&0xffff0000 != 0 {
			family = be32(b[0:4])
		}
	}
	b = b[4:]
	switch family {
	case afINET:
		p.EtherType = layers.EthernetTypeIPv4
		return decodeIPv4(b, p)
	case afINET6Linux, afINET6Windows, afINET6BSD, afINET6FreeBSD, afINET6Darwin:
		p.EtherType = layers.EthernetTypeIPv6
		return decodeIPv6(b, p)
	}
	p.Payload = b
	return nil
}

// PPP protocol numbers for the network layers we decode.
const (
	pppIPv4 = 0x0021
	pppIPv6 = 0x0057
)

// decodePPP reads PPP, optionally in HDLC-like framing (address 0xff,
// control 0x03 in front), with a one- or two-byte protocol field.
func decodePPP(b []byte, p *Packet) error {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	return decodePPPProtocol(b, p)
}

func decodePPPProtocol(b []byte, p *Packet) error {
	if len(b) < 1 {
		return truncated(p)
	}
	var proto uint16
	// Protocol-field compression: an odd first byte is a one-byte protocol.
	if b[0]&1 == 1 {
		proto, b = uint16(b[0]), b[1:]
	} else {
		if len(b) < 2 {
			return truncated(p)
		}
		proto, b = be16(b[0:2]), b[2:]
	}
	switch proto {
	case pppIPv4:
		p.EtherType = layers.EthernetTypeIPv4
		return decodeIPv4(b, p)
	case pppIPv6:
		p.EtherType = layers.EthernetTypeIPv6
		return decodeIPv6(b, p)
	}
	p.Payload = b
	return nil
}

// decodePPPoE reads a PPPoE session header (RFC 2516) and the PPP inside.
func decodePPPoE(b []byte, p *Packet) error {
	if len(b) < 6 {
		return truncated(p)
	}
	return decodePPPProtocol(b[6:], p)
}

// decodeCiscoHDLC reads Cisco HDLC: address, control, then an EtherType.
func decodeCiscoHDLC(b []byte, p *Packet) error {
	if len(b) < 4 {
		return truncated(p)
	}
	return decodeEtherType(layers.EthernetType(be16(b[2:4])), b[4:], p)
}
