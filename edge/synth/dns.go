package synth

import "strings"

// DNS-format messages: unicast DNS to the plant's DNS server, and the
// multicast/broadcast cousins Windows and Linux desktops use (LLMNR, mDNS,
// NetBIOS name service).

const (
	dnsTypeA   = 1
	dnsTypeSOA = 6
	dnsTypePTR = 12
	nbTypeNB   = 0x20
)

// appendName appends name in DNS label format.
func appendName(b []byte, name string) []byte {
	for name != "" {
		label := name
		if i := strings.IndexByte(name, '.'); i >= 0 {
			label, name = name[:i], name[i+1:]
		} else {
			name = ""
		}
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	return append(b, 0)
}

// dnsHeader appends a header with the given counts.
func dnsHeader(b []byte, id, flags uint16, qd, an, ns, ar uint16) []byte {
	b = be16(b, id)
	b = be16(b, flags)
	b = be16(b, qd)
	b = be16(b, an)
	b = be16(b, ns)
	return be16(b, ar)
}

// dnsQuery appends a standard recursive query for one name.
func dnsQuery(b []byte, id uint16, name string, qtype uint16) []byte {
	b = dnsHeader(b, id, 0x0100, 1, 0, 0, 0)
	b = appendName(b, name)
	b = be16(b, qtype)
	return be16(b, 1)
}

// dnsAnswer appends the server's reply to dnsQuery(name, A): the address
// when found, otherwise NXDOMAIN with the zone's SOA, as Windows DNS does.
func dnsAnswer(b []byte, id uint16, name, zone string, found bool, ip [4]byte) []byte {
	flags, an, ns := uint16(0x8580), uint16(1), uint16(0) // response, authoritative, RD, RA
	if !found {
		flags, an, ns = 0x8583, 0, 1
	}
	b = dnsHeader(b, id, flags, 1, an, ns, 0)
	b = appendName(b, name)
	b = be16(b, dnsTypeA)
	b = be16(b, 1)
	if found {
		b = append(b, 0xc0, 12) // pointer to the question name
		b = be16(b, dnsTypeA)
		b = be16(b, 1)
		b = be32(b, 1200)
		b = be16(b, 4)
		return append(b, ip[:]...)
	}
	// The zone is the question name's suffix; point into it.
	zoneOff := 12 + len(name) - len(zone)
	b = append(b, 0xc0|byte(zoneOff>>8), byte(zoneOff))
	b = be16(b, dnsTypeSOA)
	b = be16(b, 1)
	b = be32(b, 3600)
	lenAt := len(b)
	b = be16(b, 0)
	b = append(b, 4)
	b = append(b, "dc01"...)
	b = append(b, 0xc0|byte(zoneOff>>8), byte(zoneOff))
	b = append(b, 10)
	b = append(b, "hostmaster"...)
	b = append(b, 0xc0|byte(zoneOff>>8), byte(zoneOff))
	b = be32(b, 20250401) // serial
	b = be32(b, 900)      // refresh
	b = be32(b, 600)      // retry
	b = be32(b, 86400)    // expire
	b = be32(b, 3600)     // minimum
	rdlen := len(b) - lenAt - 2
	b[lenAt], b[lenAt+1] = byte(rdlen>>8), byte(rdlen)
	return b
}

// appendNBName appends a NetBIOS name in its first-level encoding: padded
// to 15 characters, the suffix byte appended, each nibble written as 'A'+n.
func appendNBName(b []byte, name string, suffix byte) []byte {
	var raw [16]byte
	for i := range raw[:15] {
		raw[i] = ' '
	}
	copy(raw[:15], strings.ToUpper(name))
	raw[15] = suffix
	b = append(b, 32)
	for _, c := range raw {
		b = append(b, 'A'+c>>4, 'A'+c&0x0f)
	}
	return append(b, 0)
}
