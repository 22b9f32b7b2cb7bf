package decode

import (
	"net/netip"

	"github.com/google/gopacket/layers"
)

// Packet is one decoded frame. The Decoder fills it in place and reuses it
// for the next frame, so nothing here may be retained after the call that
// produced it: byte slices alias the caller's frame buffer.
//
// Field groups are valid only when their guard says so; zero values elsewhere
// are meaningless rather than "absent".
type Packet struct {
	// TimestampNs is the capture time in Unix nanoseconds.
	TimestampNs int64
	// WireLen is the frame's original length on the wire (what byte counters use).
	WireLen int
	// Link is the capture's link type.
	Link layers.LinkType

	// HasEthernet reports whether the frame had an Ethernet (or SLL) header;
	// SrcMAC/DstMAC are valid iff it did. SLL carries only the source address.
	HasEthernet bool
	SrcMAC      [6]byte
	DstMAC      [6]byte
	HasDstMAC   bool
	// EtherType is the innermost EtherType after any VLAN tags. Links without
	// an EtherType (raw IP, null, PPP) set the IPv4 or IPv6 value for IP
	// frames and leave it zero otherwise; 802.3 length frames report
	// layers.EthernetTypeLLC (0).
	EtherType layers.EthernetType
	// VLAN is the outer 802.1Q VLAN id (0 when untagged); VLANDepth counts tags (QinQ = 2).
	VLAN      uint16
	VLANDepth uint8

	// ARP fields are valid iff IsARP.
	IsARP        bool
	ARPOp        uint16
	ARPSenderMAC [6]byte
	ARPSenderIP  netip.Addr
	ARPTargetMAC [6]byte
	ARPTargetIP  netip.Addr

	// IP fields are valid iff IPVersion is 4 or 6.
	IPVersion uint8
	SrcIP     netip.Addr
	DstIP     netip.Addr
	// IPProto is the transport protocol (after IPv6 extension headers).
	IPProto layers.IPProtocol
	TTL     uint8 // TTL or hop limit
	// Fragment is true for a non-first IP fragment: it has no transport header.
	Fragment bool
	// MoreFragments, FragOffset (in bytes) and FragID describe IP
	// fragmentation: a first fragment has MoreFragments set and offset 0.
	// FragID is the IPv4 identification or the IPv6 fragment header's id.
	MoreFragments bool
	FragOffset    uint16
	FragID        uint32
	// Header details that passive OS fingerprinting reads (valid iff
	// IPVersion is 4 or 6): IPv4 don't-fragment and reserved flag bits,
	// the IPv4 TOS or IPv6 traffic class byte (ECN in its low two bits),
	// the IPv6 flow label, and the length of IPv4 options in bytes.
	IPDontFragment bool
	IPReservedBit  bool
	IPTOS          uint8
	IPOptLen       uint8
	IPFlowLabel    uint32

	// Transport fields: ports are valid iff IPProto is TCP or UDP and !Fragment.
	SrcPort   uint16
	DstPort   uint16
	TCPFlags  uint8 // FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80
	TCPSeq    uint32
	TCPAck    uint32
	TCPWindow uint16
	// TCPOpts is the parsed option area and TCPQuirks the Quirk* bits of
	// the IP and TCP headers of a handshake segment: both are valid iff
	// TCPFlags has SYN and the TCP header was read in full (Payload is not
	// nil), and zero otherwise. Options after a malformed one are not read
	// (QuirkOptBad).
	TCPOpts   TCPOptions
	TCPQuirks uint32
	// ICMPType/ICMPCode are valid iff IPProto is ICMPv4 or ICMPv6.
	ICMPType uint8
	ICMPCode uint8
	// ICMPID is the identifier of an ICMP query (echo, timestamp, information
	// and address-mask request or reply); valid iff ICMPQuery.
	ICMPID    uint16
	ICMPQuery bool

	// Payload is the transport payload (TCP/UDP data, ICMP body after the
	// 4-byte header, the rest of a non-first fragment, the IP payload of
	// other protocols) for IP frames, or the bytes after the EtherType for
	// non-IP frames. It is nil for an IP frame whose transport header could
	// not be read. It aliases the frame.
	Payload []byte

	// Truncated is set when the frame ended before a header it announced;
	// the fields decoded up to that point remain valid.
	Truncated bool
}

// TCP flag bits as they appear in Packet.TCPFlags.
const (
	FlagFIN = 0x01
	FlagSYN = 0x02
	FlagRST = 0x04
	FlagPSH = 0x08
	FlagACK = 0x10
	FlagURG = 0x20
	FlagECE = 0x40
	FlagCWR = 0x80
)
