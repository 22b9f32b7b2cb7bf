package observe

import (
	"net/netip"

	"mimamori/edge/decode"
)

// ICMPv6 Neighbor Discovery message types (RFC 4861 §4).
const (
	ndpRouterSolicitation   = 133
	ndpRouterAdvertisement  = 134
	ndpNeighborSolicitation = 135
	ndpNeighborAdvert       = 136
)

// NDP option types carrying a link-layer address.
const (
	ndpOptSourceLinkAddr = 1
	ndpOptTargetLinkAddr = 2
)

// observeNDP learns bindings from Neighbor Discovery, IPv6's ARP. The body
// is the ICMPv6 message after its 4-byte type/code/checksum header.
//
//   - Router and neighbor solicitations and router advertisements bind the
//     source link-layer address option to the IPv6 source address.
//   - Neighbor advertisements bind the target link-layer address option to
//     the target address: the advertiser speaks for that address.
//   - Duplicate address detection solicits from the unspecified address:
//     the host is still testing the address, so only the MAC is noted.
func (t *Table) observeNDP(p *decode.Packet) error {
	if p.ICMPCode != 0 {
		return nil // RFC 4861 receivers drop these too
	}
	body := p.Payload
	var fixed int // bytes before the options
	switch p.ICMPType {
	case ndpRouterSolicitation:
		fixed = 4 // reserved
	case ndpRouterAdvertisement:
		fixed = 12 // hop limit, flags, lifetime, reachable, retrans timers
	case ndpNeighborSolicitation, ndpNeighborAdvert:
		fixed = 20 // reserved or flags, target address
	default:
		return nil
	}
	if len(body) < fixed {
		return errTruncated
	}
	var sll, tll [6]byte
	var hasSLL, hasTLL bool
	opts := body[fixed:]
	for len(opts) > 0 {
		if len(opts) < 2 {
			return errTruncated
		}
		n := int(opts[1]) * 8 // length is in units of 8 bytes
		if n == 0 {
			// A zero length would never advance; RFC 4861 says discard.
			return errBadLength
		}
		if n > len(opts) {
			return errTruncated
		}
		// Ethernet addresses fill one 8-byte unit; longer ones are for
		// other links.
		if n == 8 {
			switch opts[0] {
			case ndpOptSourceLinkAddr:
				sll, hasSLL = [6]byte(opts[2:8]), true
			case ndpOptTargetLinkAddr:
				tll, hasTLL = [6]byte(opts[2:8]), true
			}
		}
		opts = opts[n:]
	}

	if p.ICMPType == ndpNeighborAdvert {
		if hasTLL {
			target := netip.AddrFrom16([16]byte(body[4:20]))
			t.bindNDP(tll, target, p)
		}
		return nil
	}
	if p.SrcIP.IsUnspecified() {
		if p.HasEthernet {
			t.note(p.SrcMAC, p, evidenceNDP)
		}
		return nil
	}
	if hasSLL {
		t.bindNDP(sll, p.SrcIP, p)
	}
	return nil
}

func (t *Table) bindNDP(mac [6]byte, ip netip.Addr, p *decode.Packet) {
	d := t.note(mac, p, evidenceNDP)
	if d != nil && bindable(ip) {
		t.bind(d, ip, evidenceNDP)
	}
}
