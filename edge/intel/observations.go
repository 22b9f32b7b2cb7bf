package intel

import (
	"net/netip"
	"time"
)

// Observations are the raw material of an inventory: what the sensors
// forwarded, merged over a period. The cloud fills them from its store,
// `mimamori analyze` from the batches of one capture (Accumulator).
type Observations struct {
	Devices       []DeviceObs
	Conversations []Conversation
	OT            []OTActivity
	// Names bind addresses to host names learned from name resolution;
	// a device without a DHCP host name takes one of these.
	Names []NameObs
}

// IP evidence bits, as wirepb.Evidence.
const (
	EvidenceARP  = 1
	EvidenceNDP  = 2
	EvidenceDHCP = 4
	EvidenceIP   = 8
)

// IPObs is an address bound to a device and how the binding was seen.
type IPObs struct {
	Addr     netip.Addr
	Evidence uint32
}

// Claimed reports whether the device itself announced the address (ARP,
// NDP, DHCP) rather than only sending from it, which a router does for
// every host behind it.
func (ip IPObs) Claimed() bool { return ip.Evidence&(EvidenceARP|EvidenceNDP|EvidenceDHCP) != 0 }

// TCPObs is a SYN or SYN+ACK signature a device sent, in p0f notation with
// the TTL as captured ("4:64:0:1460:64240,7:mss,sok,ts,nop,ws:df,id+:0").
type TCPObs struct {
	Response bool
	Sig      string
	IP       netip.Addr
	Count    uint64
}

// Text kinds, as the sensor reports them.
const (
	TextUserAgent     = "http_user_agent"
	TextHTTPServer    = "http_server"
	TextSSDPServer    = "ssdp_server"
	TextSSDPUserAgent = "ssdp_user_agent"
)

// TextObs is a header value a device sent.
type TextObs struct {
	Kind  string
	Value string
	IP    netip.Addr
	TTL   uint8
	Count uint64
}

// BrowserObs is a Windows browser announcement.
type BrowserObs struct {
	Name         string
	Major, Minor uint8
	ServerType   uint32
	Comment      string
}

// LinkObs is an LLDP or CDP self-description.
type LinkObs struct {
	Protocol     string // "lldp" or "cdp"
	SystemName   string
	Description  string
	Platform     string
	Port         string
	Capabilities uint32 // LLDP capability bits
	ManagementIP netip.Addr
}

// L2 protocol bits, as wirepb.L2Protocol.
const (
	L2LLDP      = 1
	L2CDP       = 2
	L2STP       = 4
	L2CCLinkIE  = 8
	L2PROFINET  = 16
	L2EtherCAT  = 32
	L2Powerlink = 64
	L2IEC61850  = 128

	// L2Industrial are the industrial layer-2 protocols.
	L2Industrial = L2CCLinkIE | L2PROFINET | L2EtherCAT | L2Powerlink | L2IEC61850
	// L2FieldBus are those only field stations speak: PROFINET (DCP)
	// and GOOSE are spoken by switches and controllers too.
	L2FieldBus = L2CCLinkIE | L2EtherCAT | L2Powerlink
)

// l2Names names the industrial bits for reasons.
var l2Names = []struct {
	bit  uint32
	name string
}{{L2CCLinkIE, "CC-Link IE"}, {L2PROFINET, "PROFINET"}, {L2EtherCAT, "EtherCAT"}, {L2Powerlink, "POWERLINK"}, {L2IEC61850, "IEC 61850 GOOSE/SV"}}

// IdentityObs is what a device said about itself in an industrial
// protocol.
type IdentityObs struct {
	Protocol, Vendor, Product, Model, Serial, Firmware, Name string
	IP                                                       netip.Addr
	MAC                                                      string
	Seen                                                     time.Time
}

// DeviceObs is everything observed about one MAC address.
type DeviceObs struct {
	MAC             string // aa:bb:cc:dd:ee:ff
	IPs             []IPObs
	DHCPHostname    string
	Hostname        string // the best name already resolved (the store's choice); "" to let Build pick
	DHCPParams      []byte
	DHCPVendorClass string
	TCP             []TCPObs
	Texts           []TextObs
	Browser         *BrowserObs
	Link            *LinkObs
	L2Protocols     uint32
	MaxTTL          uint8 // highest TTL of unicast packets it sent
	Identities      []IdentityObs
	VLAN            uint16
	FirstSeen       time.Time
	LastSeen        time.Time
	SentPackets     uint64
	SentBytes       uint64
	RecvPackets     uint64
	RecvBytes       uint64
}

// Conversation is the traffic between a client and a server port, summed
// over a period. Client is the side that started the flows.
type Conversation struct {
	Client, Server       netip.Addr
	ClientMAC, ServerMAC string // as last seen on the flows, "" if unknown
	Proto                uint8
	Port                 uint16
	Flows                uint64 // flows started (new flows)
	Minutes              uint64 // minutes with traffic
	ClientPackets        uint64
	ClientBytes          uint64
	ServerPackets        uint64
	ServerBytes          uint64
	ServerTCPFlags       uint8 // OR of the TCP flags the server sent
	// SamePort is set when flows used the server port on both sides
	// (FINS 9600↔9600, NTP 123↔123): which side started them is then a
	// guess of the flow table.
	SamePort            bool
	FirstSeen, LastSeen time.Time
}

// TCP flag bits, as the flow table records them.
const (
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
)

// Answered reports whether the server took part. For TCP it must have
// sent more than a refusal (a reset without a SYN+ACK or data). UDP
// servers may answer from another port (PROFINET CM does), so a UDP
// conversation counts even without a reply on it.
func (c *Conversation) Answered() bool {
	if c.Proto != 6 {
		return true
	}
	if c.ServerPackets == 0 {
		return false
	}
	return c.ServerTCPFlags&(tcpSYN|tcpPSH) != 0 || c.ServerTCPFlags&tcpRST == 0
}

// Bytes is the traffic in both directions.
func (c *Conversation) Bytes() uint64 { return c.ClientBytes + c.ServerBytes }

// Packets is the packets in both directions.
func (c *Conversation) Packets() uint64 { return c.ClientPackets + c.ServerPackets }

// OTActivity is industrial-protocol traffic of one function between a
// requester and a responder, summed over a period. Layer-2 protocols have
// MACs and no addresses.
type OTActivity struct {
	Protocol string
	Code     uint32
	Function string
	Src, Dst netip.Addr
	SrcMAC   string
	DstMAC   string
	Count    uint64
	Requests uint64
	Replies  uint64
	Errors   uint64
}

// NameObs binds an address to a name.
type NameObs struct {
	IP       netip.Addr
	Name     string
	Source   string // dns, nbns, mdns, llmnr, dhcp
	Count    uint64
	LastSeen time.Time
}
