package decode

import "github.com/google/gopacket/layers"

// decodeTransport reads the header named by p.IPProto from an IP payload
// that is already clipped to the IP length.
func decodeTransport(b []byte, p *Packet) error {
	p.Payload = b
	switch p.IPProto {
	case layers.IPProtocolTCP:
		return decodeTCP(b, p)
	case layers.IPProtocolUDP:
		return decodeUDP(b, p)
	case layers.IPProtocolICMPv4, layers.IPProtocolICMPv6:
		return decodeICMP(b, p)
	}
	return nil
}

func decodeTCP(b []byte, p *Packet) error {
	p.Payload = nil
	if len(b) < 4 {
		return truncated(p)
	}
	p.SrcPort, p.DstPort = be16(b[0:2]), be16(b[2:4])
	if len(b) < 20 {
		return truncated(p)
	}
	p.TCPSeq = be32(b[4:8])
	p.TCPAck = be32(b[8:12])
	p.TCPFlags = b[13]
	p.TCPWindow = be16(b[14:16])
	off := int(b[12]>>4) * 4
	if off < 20 {
		return ErrMalformed
	}
	if len(b) < off {
		return truncated(p)
	}
	// Only handshake segments are fingerprinted; reading every segment's
	// options would cost the hot path a third more for nothing.
	if p.TCPFlags&FlagSYN != 0 {
		p.TCPQuirks = tcpQuirks(b, p) | readTCPOptions(b[20:off], &p.TCPOpts, p.TCPFlags&FlagACK != 0)
	}
	p.Payload = b[off:]
	return nil
}

func decodeUDP(b []byte, p *Packet) error {
	p.Payload = nil
	if len(b) < 4 {
		return truncated(p)
	}
	p.SrcPort, p.DstPort = be16(b[0:2]), be16(b[2:4])
	if len(b) < 8 {
		return truncated(p)
	}
	// The UDP length clips trailing bytes; a length beyond the capture is a
	// snap length at work, and zero is an IPv6 jumbogram.
	if n := int(be16(b[4:6])); n >= 8 && n <= len(b) {
		b = b[:n]
	}
	p.Payload = b[8:]
	return nil
}

func decodeICMP(b []byte, p *Packet) error {
	p.Payload = nil
	if len(b) < 4 {
		if len(b) >= 1 {
			p.ICMPType = b[0]
		}
		if len(b) >= 2 {
			p.ICMPCode = b[1]
		}
		return truncated(p)
	}
	p.ICMPType, p.ICMPCode = b[0], b[1]
	p.Payload = b[4:]
	if icmpQuery(p.IPProto, p.ICMPType) {
		if len(b) < 6 {
			return truncated(p)
		}
		p.ICMPQuery = true
		p.ICMPID = be16(b[4:6])
	}
	return nil
}

// icmpQuery reports whether the message is a request or reply that carries
// an identifier after the 4-byte header.
func icmpQuery(proto layers.IPProtocol, typ uint8) bool {
	if proto == layers.IPProtocolICMPv6 {
		return typ == 128 || typ == 129 // echo request, reply
	}
	switch typ {
	case 0, 8, // echo reply, request
		13, 14, // timestamp request, reply
		15, 16, // information request, reply
		17, 18: // address mask request, reply
		return true
	}
	return false
}
