// Package decode turns one captured frame into a Packet: link layer, VLAN
// tags, ARP, IPv4/IPv6 and the TCP, UDP or ICMP header. It is the first step
// of the sensor's hot path (E1, E2) and of `mimamori analyze`; the flow table
// and the device observer read the Packet it fills.
//
// The parser is hand-rolled over the frame bytes, in the style of a
// reusable-struct decoder: Decode fills a caller-owned Packet in place, never
// allocates, and never copies payload. gopacket supplies the vocabulary
// (layers.LinkType, layers.EthernetType, layers.IPProtocol) and the capture
// readers, but not the decoding. A gopacket DecodingLayerParser would need a
// dozen preallocated layers to cover QinQ, Linux SLL, PPP and every IPv6
// extension header, loses everything decoded so far when a later layer is
// cut short, and costs roughly twice as much per packet; the hand-rolled
// parser keeps partial results (Packet.Truncated) and stays well inside the
// per-packet budget at 1 Gbit/s.
//
// Supported link types: Ethernet (with any number of 802.1Q, 802.1ad and
// 0x9100 tags, and PPPoE sessions), Linux cooked capture (v1), raw IP
// (LINKTYPE_RAW 101, DLT_RAW 12 and 14, LINKTYPE_IPV4 228, LINKTYPE_IPV6
// 229), BSD null and loopback, PPP with or without HDLC address/control
// bytes, and Cisco HDLC. Tunnels (GRE, VXLAN, MPLS) are not opened: their
// outer header is what the Packet describes.
//
// For SYN and SYN+ACK segments the TCP option area is read as well (the
// order of options, MSS, window scale, SACK permitted, timestamps) together
// with the IP and TCP header quirks p0f-style fingerprints use (don't
// fragment, IP ID, ECN, flow label, zero sequence numbers, stray urgent
// pointers, bytes after the end of options). Passive OS estimation
// (edge/intel) matches these in the cloud; the sensor only forwards them.
//
// Errors are the sentinels below, returned without wrapping so that a bad
// frame costs no allocation; the fields decoded before the problem stay
// valid and callers are expected to use them.
package decode
