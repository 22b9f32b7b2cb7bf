package observe

import (
	"net/netip"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// BOOTP/DHCPv4 layout (RFC 2131 §2): a fixed 236-byte header, the magic
// cookie, then options.
const (
	bootpHeaderLen = 236
	bootpRequest   = 1
	bootpReply     = 2
	offCiaddr      = 12
	offYiaddr      = 16
	offChaddr      = 28
)

var dhcpMagic = [4]byte{99, 130, 83, 99}

// DHCP options read here.
const (
	optPad          = 0
	optHostname     = 12
	optRequestedIP  = 50
	optMessageType  = 53
	optParamRequest = 55
	optVendorClass  = 60
	optEnd          = 255
)

// DHCP message types (option 53).
const (
	dhcpNone    = 0 // plain BOOTP: no option 53
	dhcpRequest = 3
	dhcpAck     = 5
	dhcpRelease = 7
	dhcpInform  = 8
)

// dhcpOptions holds the options the Table uses, aliasing the packet.
type dhcpOptions struct {
	msgType     uint8
	hostname    []byte
	params      []byte
	vendorClass []byte
	requested   netip.Addr
}

// readDHCPOptions walks the option area. A repeated option keeps its first
// value: RFC 3396 concatenation is for long values the fields used here
// never have. Option overload (52) is not followed.
func readDHCPOptions(b []byte) (dhcpOptions, error) {
	var o dhcpOptions
	for len(b) > 0 {
		code := b[0]
		if code == optEnd {
			return o, nil
		}
		if code == optPad {
			b = b[1:]
			continue
		}
		if len(b) < 2 {
			return o, errTruncated
		}
		n := int(b[1])
		if 2+n > len(b) {
			return o, errBadLength
		}
		v := b[2 : 2+n]
		b = b[2+n:]
		switch code {
		case optMessageType:
			if n == 1 && o.msgType == 0 {
				o.msgType = v[0]
			}
		case optHostname:
			if o.hostname == nil {
				o.hostname = trimNUL(v)
			}
		case optParamRequest:
			if o.params == nil {
				o.params = v
			}
		case optVendorClass:
			if o.vendorClass == nil {
				o.vendorClass = trimNUL(v)
			}
		case optRequestedIP:
			if n == 4 && !o.requested.IsValid() {
				o.requested = netip.AddrFrom4([4]byte(v))
			}
		}
	}
	// Some embedded stacks stop without an end option; what was read holds.
	return o, nil
}

// trimNUL drops trailing NUL bytes, which some clients count into string
// options as C terminators.
func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// observeDHCP learns from a DHCPv4 or BOOTP message. Everything is about
// the client named by chaddr, whoever sent the frame: server replies and
// relayed messages describe the client too.
func (t *Table) observeDHCP(p *decode.Packet, msg []byte) error {
	if len(msg) < bootpHeaderLen {
		return errTruncated
	}
	op := msg[0]
	if op != bootpRequest && op != bootpReply {
		return nil
	}
	if msg[1] != 1 || msg[2] != 6 {
		return nil // hardware type is not Ethernet: chaddr is not a MAC
	}
	var opts dhcpOptions
	var err error
	// A BOOTP message without the cookie has vendor data we cannot read.
	if len(msg) >= bootpHeaderLen+4 && [4]byte(msg[bootpHeaderLen:]) == dhcpMagic {
		opts, err = readDHCPOptions(msg[bootpHeaderLen+4:])
	}
	d := t.note([6]byte(msg[offChaddr:]), p, evidenceDHCP)
	if d == nil {
		return err
	}
	ciaddr := netip.AddrFrom4([4]byte(msg[offCiaddr:]))
	yiaddr := netip.AddrFrom4([4]byte(msg[offYiaddr:]))

	if op == bootpRequest {
		// The client describes itself: these options fingerprint its
		// DHCP stack, and the host name is its own choice.
		if printableName(opts.hostname) && d.hostname != string(opts.hostname) {
			d.hostname = string(opts.hostname)
		}
		if len(opts.params) > 0 {
			d.setParams(opts.params)
		}
		if printableName(opts.vendorClass) && d.vendorClass != string(opts.vendorClass) {
			d.vendorClass = string(opts.vendorClass)
		}
		switch opts.msgType {
		case dhcpRequest:
			// The requested address is the client's claim, confirmed by
			// the ACK moments later; ciaddr is set while renewing and is
			// an address the client already holds.
			if bindable(opts.requested) {
				t.bind(d, opts.requested, evidenceDHCP)
			}
			t.dhcpLease(d, ciaddr, opts.hostname, p)
		case dhcpInform, dhcpRelease:
			t.dhcpLease(d, ciaddr, opts.hostname, p)
		}
		return err
	}

	// Server side. Only an ACK (or a BOOTP reply, which has no message
	// type) hands out an address; an OFFER may never be taken.
	if opts.msgType != dhcpAck && opts.msgType != dhcpNone {
		return err
	}
	// Servers may send the name they have on file for the client; the
	// client's own choice, if seen, wins.
	if d.hostname == "" && printableName(opts.hostname) {
		d.hostname = string(opts.hostname)
	}
	leased := yiaddr
	if leased.IsUnspecified() {
		leased = ciaddr // the ACK to an INFORM names no new address
	}
	t.dhcpLease(d, leased, opts.hostname, p)
	return err
}

// dhcpLease binds ip to d and, with a host name from this message or the
// client's earlier messages this minute, records the DHCP name binding.
func (t *Table) dhcpLease(d *device, ip netip.Addr, hostname []byte, p *decode.Packet) {
	if !bindable(ip) {
		return
	}
	t.bind(d, ip, evidenceDHCP)
	switch {
	case printableName(hostname):
		t.addName(ip, hostname, wirepb.NameSource_NAME_SOURCE_DHCP, p.TimestampNs)
	case d.hostname != "":
		t.addName(ip, append(t.nameBuf[:0], d.hostname...), wirepb.NameSource_NAME_SOURCE_DHCP, p.TimestampNs)
	}
}
