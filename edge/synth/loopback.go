package synth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// Loopback mode exists so generated traffic can be sent onto a real
// (virtual) interface in tests without any frame addressing a machine
// outside this one: every IPv4 address moves into 127.0.0.0/8 by replacing
// its first octet with 127 (192.168.11.10 becomes 127.168.11.10). The plant
// is otherwise unchanged, so the traffic is the same apart from addresses
// and checksums.

// loopback4 moves one address into 127.0.0.0/8.
func loopback4(a [4]byte) [4]byte {
	a[0] = 127
	return a
}

// LoopbackFactory returns a copy of f with every subnet, gateway and host
// address moved into 127.0.0.0/8. It fails when two subnets or hosts would
// collide, which happens only if they differ in nothing but their first
// octet.
func LoopbackFactory(f *Factory) (*Factory, error) {
	c := f.Clone()
	move := func(a netip.Addr) netip.Addr { return netip.AddrFrom4(loopback4(a.As4())) }
	seen := map[netip.Prefix]string{}
	for i := range c.Subnets {
		s := &c.Subnets[i]
		if s.Prefix.Bits() < 8 {
			return nil, fmt.Errorf("synth: loopback: subnet %s is wider than /8", s.Name)
		}
		s.Prefix = netip.PrefixFrom(move(s.Prefix.Addr()), s.Prefix.Bits())
		s.Gateway = move(s.Gateway)
		if other, dup := seen[s.Prefix.Masked()]; dup {
			return nil, fmt.Errorf("synth: loopback: subnets %s and %s collide in 127/8", other, s.Name)
		}
		seen[s.Prefix.Masked()] = s.Name
	}
	for i := range c.Hosts {
		if h := &c.Hosts[i]; !h.NoIP {
			h.IP = move(h.IP)
		}
	}
	return c, c.Validate()
}

// ErrNotLoopback means a frame carries an IPv4 or ARP address outside
// 127.0.0.0/8, or an IPv6 packet.
var ErrNotLoopback = errors.New("synth: frame addresses something outside 127.0.0.0/8")

// CheckLoopback verifies that an Ethernet frame can address nothing beyond
// this machine: every IPv4 source and destination and every ARP sender and
// target protocol address is in 127.0.0.0/8, and it carries no IPv6.
// Frames without IP addressing (LLDP, STP, CC-Link IE Field) pass. A
// transmitter calls it on every frame before sending.
func CheckLoopback(frame []byte) error {
	if len(frame) < 14 {
		return fmt.Errorf("%w: %d-byte frame", ErrNotLoopback, len(frame))
	}
	off := 12
	etype := binary.BigEndian.Uint16(frame[off:])
	for etype == etherVLAN || etype == 0x88a8 {
		off += 4
		if len(frame) < off+2 {
			return fmt.Errorf("%w: truncated VLAN tag", ErrNotLoopback)
		}
		etype = binary.BigEndian.Uint16(frame[off:])
	}
	l3 := frame[off+2:]
	switch etype {
	case etherIPv4:
		if len(l3) < 20 {
			return fmt.Errorf("%w: truncated IPv4 header", ErrNotLoopback)
		}
		if l3[12] != 127 || l3[16] != 127 {
			return fmt.Errorf("%w: IPv4 %v > %v", ErrNotLoopback,
				netip.AddrFrom4([4]byte(l3[12:16])), netip.AddrFrom4([4]byte(l3[16:20])))
		}
	case etherARP:
		if len(l3) < 28 {
			return fmt.Errorf("%w: truncated ARP", ErrNotLoopback)
		}
		if l3[14] != 127 || l3[24] != 127 {
			return fmt.Errorf("%w: ARP %v > %v", ErrNotLoopback,
				netip.AddrFrom4([4]byte(l3[14:18])), netip.AddrFrom4([4]byte(l3[24:28])))
		}
	case 0x86dd:
		return fmt.Errorf("%w: IPv6", ErrNotLoopback)
	}
	return nil
}
