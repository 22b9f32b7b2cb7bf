package observe

import (
	"errors"
	"net/netip"

	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// Default capacities. C2 designs for 1000 devices per sensor; 4096 leaves
// room for phones, laptops and MAC churn in one minute. Names are a few per
// device plus what the hosts look up.
const (
	DefaultMaxDevices = 4096
	DefaultMaxNames   = 16384
)

// Errors the payload parsers report. Observe never returns them: it counts
// them in Drops.Malformed, because one malformed frame must not stop the
// capture. They exist so tests can say which check rejected a payload.
var (
	errTruncated   = errors.New("observe: payload truncated")
	errBadLength   = errors.New("observe: bogus length field")
	errBadLabel    = errors.New("observe: bad name label")
	errPointerLoop = errors.New("observe: too many compression pointers")
	errNameTooLong = errors.New("observe: name longer than 255 bytes")
	errBadName     = errors.New("observe: name is not printable")
)

// Options bounds a Table. Zero values take the defaults.
type Options struct {
	// MaxDevices caps the MAC addresses kept per minute.
	MaxDevices int
	// MaxNames caps the distinct (ip, name, source) bindings kept per minute.
	MaxNames int
}

// Drops counts what a Table saw but did not keep, since New. The counters
// only grow, so a reader can take differences between two calls.
type Drops struct {
	// Devices counts observations of a MAC address that was not stored
	// because the device table was full.
	Devices uint64
	// Names counts name answers not stored because the name table was full.
	Names uint64
	// IPs counts addresses lost because a device already had 16 this
	// minute (typically a router): bindings not stored, and traffic-only
	// addresses pushed out by an ARP, NDP or DHCP binding.
	IPs uint64
	// Malformed counts DNS, NetBIOS, DHCP and NDP payloads that failed to
	// parse; what was read before the fault is kept.
	Malformed uint64
}

// Table collects one minute of device observations and name bindings.
type Table struct {
	maxDevices int
	maxNames   int

	devices     map[uint64]*device // keyed by macKey
	freeDevices []*device

	// names is keyed by source, address family, address and name, packed
	// into one string by addName.
	names     map[string]*nameEntry
	freeNames []*nameEntry

	drops Drops

	// Scratch space reused by every frame, so parsing does not allocate.
	keyBuf  []byte
	nameBuf []byte
	rrs     [maxRecords]resourceRecord
}

// New returns an empty Table.
func New(opts Options) *Table {
	if opts.MaxDevices <= 0 {
		opts.MaxDevices = DefaultMaxDevices
	}
	if opts.MaxNames <= 0 {
		opts.MaxNames = DefaultMaxNames
	}
	return &Table{
		maxDevices: opts.MaxDevices,
		maxNames:   opts.MaxNames,
		devices:    make(map[uint64]*device),
		names:      make(map[string]*nameEntry),
		keyBuf:     make([]byte, 0, nameKeyCap),
		nameBuf:    make([]byte, 0, maxNameLen+1),
	}
}

// Dropped reports what the Table could not keep since it was created.
func (t *Table) Dropped() Drops { return t.drops }

// Observe learns from one decoded frame. It keeps nothing that aliases p.
func (t *Table) Observe(p *decode.Packet) {
	var src *device
	if p.HasEthernet {
		if src = t.device(p.SrcMAC, p, true); src != nil {
			src.sentPackets++
			src.sentBytes += uint64(p.WireLen)
		}
		if p.HasDstMAC {
			if dst := t.device(p.DstMAC, p, false); dst != nil {
				dst.recvPackets++
				dst.recvBytes += uint64(p.WireLen)
			}
		}
	}

	if p.IsARP {
		t.observeARP(p)
		return
	}
	if p.IPVersion != 4 && p.IPVersion != 6 {
		if src != nil && t.observeL2(p, src) != nil {
			t.drops.Malformed++
		}
		return
	}
	// Whoever sends from a unicast address owns it, unless the frame was
	// routed: then src is the router, which is why devices cap their IPs.
	if src != nil && bindable(p.SrcIP) {
		t.bind(src, p.SrcIP, evidenceIP)
		// The TTL a host starts unicast packets with is an OS trait; mDNS,
		// SSDP and other group traffic set their own.
		if p.HasDstMAC && unicastMAC(p.DstMAC) && p.TTL > src.maxTTL {
			src.maxTTL = p.TTL
		}
	}
	if p.Fragment {
		return // no transport header, so no ports to dispatch on
	}

	var err error
	switch p.IPProto {
	case layers.IPProtocolUDP:
		err = t.observeUDP(p, src)
	case layers.IPProtocolTCP:
		// DNS over TCP is only read when one segment holds the whole
		// message; the sensor does not reassemble streams.
		if p.SrcPort == portDNS {
			err = t.observeTCPDNS(p)
		}
		if src != nil && p.Payload != nil {
			if p.TCPFlags&decode.FlagSYN != 0 {
				src.observeHandshake(p)
			}
			src.observeHTTP(p)
		}
	case layers.IPProtocolICMPv6:
		if p.IPVersion == 6 {
			err = t.observeNDP(p)
		}
	}
	if err != nil {
		t.drops.Malformed++
	}
}

// UDP ports of the protocols the Table reads.
const (
	portDNS        = 53
	portDHCPServer = 67
	portDHCPClient = 68
	portNBNS       = 137
	portNBDGM      = 138
	portSSDP       = 1900
	portMDNS       = 5353
	portLLMNR      = 5355
)

// observeUDP dispatches on the ports; src is the sender's device, nil when
// the frame had no usable source MAC.
func (t *Table) observeUDP(p *decode.Packet, src *device) error {
	sp, dp := p.SrcPort, p.DstPort
	switch {
	case sp == portMDNS || dp == portMDNS:
		// Announcements go 5353→5353; answers to legacy one-shot queries
		// leave from 5353 to the asker's port.
		return t.observeDNS(p, p.Payload, wirepb.NameSource_NAME_SOURCE_MDNS)
	case sp == portDNS:
		return t.observeDNS(p, p.Payload, wirepb.NameSource_NAME_SOURCE_DNS)
	case sp == portLLMNR:
		return t.observeDNS(p, p.Payload, wirepb.NameSource_NAME_SOURCE_LLMNR)
	case sp == portNBNS || dp == portNBNS:
		// Registrations are requests, so the destination port counts too.
		return t.observeNBNS(p, p.Payload)
	case sp == portNBDGM && dp == portNBDGM:
		return t.observeNBDGM(p, p.Payload, src)
	case (sp == portSSDP || dp == portSSDP) && src != nil:
		src.observeSSDP(p)
	case (sp == portDHCPServer || sp == portDHCPClient) && (dp == portDHCPServer || dp == portDHCPClient):
		return t.observeDHCP(p, p.Payload)
	}
	return nil
}

func (t *Table) observeTCPDNS(p *decode.Packet) error {
	b := p.Payload
	if len(b) < 2 {
		return nil // a bare ACK or a continuation; nothing to read
	}
	n := int(b[0])<<8 | int(b[1])
	if n != len(b)-2 {
		return nil // split across segments or several messages: skip
	}
	return t.observeDNS(p, b[2:], wirepb.NameSource_NAME_SOURCE_DNS)
}

// bindable reports whether ip can belong to one device: not unspecified,
// loopback, multicast or the IPv4 limited broadcast.
func bindable(ip netip.Addr) bool {
	ip = ip.Unmap() // as bind stores it: ::ffff:0.0.0.0 is 0.0.0.0
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsLoopback() || ip.IsMulticast() {
		return false
	}
	if ip.Is4() && ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	return true
}
