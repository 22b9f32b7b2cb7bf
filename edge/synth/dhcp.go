package synth

import (
	"math/rand/v2"
	"strings"
	"time"
)

// DHCP: each DHCP client runs DISCOVER/OFFER/REQUEST/ACK at boot, then
// checks its address with an ARP probe and announces it. The options follow
// what each OS family sends, since DHCP fingerprints (option 55 order,
// option 60 "MSFT 5.0") are the strongest passive OS hints on a LAN.

const dhcpLease = 8 * 24 * time.Hour // Windows Server's default lease

// Parameter request lists (option 55), in each client's order.
var (
	prlWindows10 = []byte{1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252}
	prlWindows7  = []byte{1, 15, 3, 6, 44, 46, 47, 31, 33, 121, 249, 43}
	prlWindowsXP = []byte{1, 15, 3, 6, 44, 46, 47, 31, 33, 249, 43, 252}
	prlLinux     = []byte{1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42} // ISC dhclient defaults
)

const (
	dhcpDiscover = 1
	dhcpOffer    = 2
	dhcpRequest  = 3
	dhcpAck      = 5
)

// Operations of a dhcpClient, in the order they happen.
const (
	dhcpOpDiscover = iota
	dhcpOpOffer
	dhcpOpRequest
	dhcpOpAck
	dhcpOpProbe
	dhcpOpAnnounce
	dhcpOpRenew
	dhcpOpRenewAck
)

type dhcpClient struct {
	h, srv *host
	rng    *rand.Rand
	xid    uint32
}

func (g *Generator) startDHCP(h *host) {
	c := &dhcpClient{h: h, srv: g.dhcp, rng: g.rng("dhcp/" + h.Name)}
	g.at(h.bootNs, c, dhcpOpDiscover, 0)
}

func (c *dhcpClient) fire(g *Generator, ev event) bool {
	h, srv, r := c.h, c.srv, c.rng
	ms := time.Millisecond
	switch ev.op {
	case dhcpOpDiscover:
		c.xid = r.Uint32()
		c.clientMsg(g, dhcpDiscover, false)
		g.after(uniform(r, ms, 3*ms), c, dhcpOpOffer, 0)
	case dhcpOpOffer:
		c.serverMsg(g, dhcpOffer)
		g.after(uniform(r, 2*ms, 10*ms), c, dhcpOpRequest, 0)
	case dhcpOpRequest:
		c.clientMsg(g, dhcpRequest, false)
		g.after(uniform(r, ms, 3*ms), c, dhcpOpAck, 0)
	case dhcpOpAck:
		c.serverMsg(g, dhcpAck)
		g.after(uniform(r, 5*ms, 40*ms), c, dhcpOpProbe, 0)
	case dhcpOpProbe:
		// Address conflict detection: "who has my new address?" from 0.0.0.0.
		g.arpFrame(macBroadcast, h.vlan, arpRequest, h.mac, g.ipAny, mac{}, h.ip)
		g.after(uniform(r, 200*ms, 400*ms), c, dhcpOpAnnounce, 0)
	case dhcpOpAnnounce:
		g.arpFrame(macBroadcast, h.vlan, arpRequest, h.mac, h.ip, mac{}, h.ip)
		g.after(int64(dhcpLease/2), c, dhcpOpRenew, 0)
	case dhcpOpRenew:
		c.xid = r.Uint32()
		c.clientMsg(g, dhcpRequest, true)
		g.after(uniform(r, ms, 3*ms), c, dhcpOpRenewAck, 0)
	case dhcpOpRenewAck:
		g.beginUDP(srv, h, 67, 68)
		g.fr.b = c.options(g, c.bootp(g.fr.b, 2, h.ip, h.ip), dhcpAck)
		g.after(int64(dhcpLease/2), c, dhcpOpRenew, 0)
	}
	if h.run != nil {
		h.run.note(g.now, len(g.fr.b))
	}
	return true
}

// clientMsg sends a DISCOVER or REQUEST: broadcast from 0.0.0.0 while
// acquiring, unicast to the server when renewing.
func (c *dhcpClient) clientMsg(g *Generator, typ byte, renew bool) {
	h := c.h
	if renew {
		g.beginUDP(h, c.srv, 68, 67)
		g.fr.b = c.clientOptions(g, c.bootp(g.fr.b, 1, h.ip, ipZero), typ, renew)
		return
	}
	g.fr.ether(macBroadcast, h.mac, h.vlan, etherIPv4)
	g.fr.ipv4(g.ipAny, g.ipBcast, protoUDP, h.prof.ttl, h.nextID(), false)
	g.fr.udp(68, 67)
	g.fr.b = c.clientOptions(g, c.bootp(g.fr.b, 1, ipZero, ipZero), typ, renew)
}

// serverMsg sends an OFFER or ACK by unicast to the offered address (the
// clients here do not set the broadcast flag).
func (c *dhcpClient) serverMsg(g *Generator, typ byte) {
	g.beginUDP(c.srv, c.h, 67, 68)
	g.fr.b = c.options(g, c.bootp(g.fr.b, 2, ipZero, c.h.ip), typ)
}

// bootp appends the fixed BOOTP part up to and including the magic cookie.
func (c *dhcpClient) bootp(b []byte, op byte, ciaddr, yiaddr [4]byte) []byte {
	b = append(b, op, 1, 6, 0)
	b = be32(b, c.xid)
	b = append(b, 0, 0, 0, 0) // secs, flags (unicast replies)
	b = append(b, ciaddr[:]...)
	if op == 1 {
		b = append(b, ipZero[:]...)
	} else {
		b = append(b, yiaddr[:]...)
	}
	b = zeros(b, 8) // siaddr, giaddr
	b = append(b, c.h.mac[:]...)
	b = zeros(b, 10+64+128) // chaddr padding, sname, file
	return append(b, 99, 130, 83, 99)
}

// clientOptions appends the options of a client message in the order its
// OS sends them, then pads the message to BOOTP's 300-byte minimum.
func (c *dhcpClient) clientOptions(g *Generator, b []byte, typ byte, renew bool) []byte {
	start := len(b) - 240
	h := c.h
	b = append(b, 53, 1, typ)
	switch h.Stack {
	case StackLinux, StackRaspbian:
		if !renew {
			b = append(b, 50, 4)
			b = append(b, h.ip[:]...)
		}
		if typ == dhcpRequest && !renew {
			b = append(b, 54, 4)
			b = append(b, c.srv.ip[:]...)
		}
		b = append(b, 12, byte(len(h.Name)))
		b = append(b, h.Name...)
		b = append(b, 55, byte(len(prlLinux)))
		b = append(b, prlLinux...)
	default: // Windows
		name := strings.ToUpper(h.Name)
		b = append(b, 61, 7, 1)
		b = append(b, h.mac[:]...)
		if !renew {
			b = append(b, 50, 4)
			b = append(b, h.ip[:]...)
		}
		if typ == dhcpRequest && !renew {
			b = append(b, 54, 4)
			b = append(b, c.srv.ip[:]...)
		}
		b = append(b, 12, byte(len(name)))
		b = append(b, name...)
		if typ == dhcpRequest {
			// Client FQDN: the client asks the server to register its A record.
			fq := name + "." + g.fac.Domain
			b = append(b, 81, byte(3+len(fq)), 0, 0, 0)
			b = append(b, fq...)
		}
		b = append(b, 60, 8)
		b = append(b, "MSFT 5.0"...)
		prl := prlWindows10
		switch h.Stack {
		case StackWindows7:
			prl = prlWindows7
		case StackWindowsXP:
			prl = prlWindowsXP
		}
		b = append(b, 55, byte(len(prl)))
		b = append(b, prl...)
	}
	b = append(b, 255)
	for len(b)-start < 300 {
		b = append(b, 0)
	}
	return b
}

// options appends the server's options.
func (c *dhcpClient) options(g *Generator, b []byte, typ byte) []byte {
	start := len(b) - 240
	s := c.h.sub
	lease := uint32(dhcpLease / time.Second)
	b = append(b, 53, 1, typ)
	b = append(b, 58, 4)
	b = be32(b, lease/2)
	b = append(b, 59, 4)
	b = be32(b, lease/8*7)
	b = append(b, 51, 4)
	b = be32(b, lease)
	b = append(b, 54, 4)
	b = append(b, c.srv.ip[:]...)
	b = append(b, 1, 4)
	b = append(b, s.mask[:]...)
	b = append(b, 3, 4)
	b = append(b, s.gw[:]...)
	b = append(b, 6, 4)
	b = append(b, g.dns.ip[:]...)
	b = append(b, 15, byte(len(g.fac.Domain)))
	b = append(b, g.fac.Domain...)
	b = append(b, 255)
	for len(b)-start < 300 {
		b = append(b, 0)
	}
	return b
}
