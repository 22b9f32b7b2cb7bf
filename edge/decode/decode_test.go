package decode

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// mustHexDecode reads a hex dump; spaces and newlines are ignored so
// fixtures can be laid out by header.
func mustHexDecode(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Frame building blocks, named by what they are.
const (
	ethIPv4 = "0011 2233 4455 6677 8899 aabb 0800"
	ethIPv6 = "0011 2233 4455 6677 8899 aabb 86dd"

	// 192.168.0.1:50000 → 192.168.0.2:502, SYN, MSS option.
	ipv4TCPSyn = "4500 002c 0001 4000 4006 0000 c0a8 0001 c0a8 0002" +
		"c350 01f6 0000 0001 0000 0000 6002 7210 0000 0000 0204 05b4"
	// 10.0.0.1:47686 → 10.0.0.255:47808, "hello".
	ipv4UDP = "4500 0021 0002 0000 4011 0000 0a00 0001 0a00 00ff" +
		"ba46 bac0 000d 0000 6865 6c6c 6f"
	ipv6Hdr = "2001 0db8 0000 0000 0000 0000 0000 0001 2001 0db8 0000 0000 0000 0000 0000 0002"
)

var (
	macA = [6]byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	macB = [6]byte{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}

	ip192_1 = netip.MustParseAddr("192.168.0.1")
	ip192_2 = netip.MustParseAddr("192.168.0.2")
	ip10_1  = netip.MustParseAddr("10.0.0.1")
	ip10_2  = netip.MustParseAddr("10.0.0.2")
	ip10_bc = netip.MustParseAddr("10.0.0.255")
	ip6_1   = netip.MustParseAddr("2001:db8::1")
	ip6_2   = netip.MustParseAddr("2001:db8::2")
)

// decodeTest is one frame and what Decode must make of it. want leaves out
// TimestampNs, WireLen and Link, which the test fills from the frame.
type decodeTest struct {
	name    string
	link    layers.LinkType
	frame   []byte
	want    Packet
	wantErr error
}

// synEth is the Ethernet fields of a frame from macB to macA.
func synEth(p Packet) Packet {
	p.HasEthernet, p.HasDstMAC, p.SrcMAC, p.DstMAC = true, true, macB, macA
	return p
}

var tcpSyn = Packet{
	EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip192_1, DstIP: ip192_2,
	IPProto: layers.IPProtocolTCP, TTL: 64, FragID: 1, IPDontFragment: true,
	SrcPort: 50000, DstPort: 502, TCPFlags: FlagSYN, TCPSeq: 1, TCPWindow: 0x7210,
	TCPOpts:   TCPOptions{Layout: [MaxTCPOptions]uint8{TCPOptMSS}, N: 1, MSS: 1460, HasMSS: true},
	TCPQuirks: QuirkDF | QuirkIDNonZero,
	Payload:   []byte{},
}

var udpHello = Packet{
	EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip10_1, DstIP: ip10_bc,
	IPProto: layers.IPProtocolUDP, TTL: 64, FragID: 2,
	SrcPort: 47686, DstPort: 47808, Payload: []byte("hello"),
}

func withVLAN(p Packet, vlan uint16, depth uint8) Packet {
	p.VLAN, p.VLANDepth = vlan, depth
	return p
}

func noEth(p Packet) Packet {
	p.HasEthernet, p.HasDstMAC, p.SrcMAC, p.DstMAC = false, false, [6]byte{}, [6]byte{}
	return p
}

func cooked(p Packet) Packet {
	p = noEth(p)
	p.HasEthernet, p.SrcMAC = true, macA
	return p
}

var decodeTests = []decodeTest{
	{
		name:  "ethernet_ipv4_tcp_syn",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + ipv4TCPSyn),
		want:  synEth(tcpSyn),
	},
	{
		name:  "ethernet_ipv4_udp_padded",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + ipv4UDP + "0000 0000 0000 0000 0000 0000 00"),
		want:  synEth(udpHello),
	},
	{
		name:  "vlan_8100",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode("0011 2233 4455 6677 8899 aabb 8100 2064 0800" + ipv4UDP),
		want:  withVLAN(synEth(udpHello), 100, 1),
	},
	{
		name:  "qinq_88a8_8100",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode("0011 2233 4455 6677 8899 aabb 88a8 00c8 8100 000a 0800" + ipv4TCPSyn),
		want:  withVLAN(synEth(tcpSyn), 200, 2),
	},
	{
		name:  "vlan_9100",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode("0011 2233 4455 6677 8899 aabb 9100 0fff 0800" + ipv4UDP),
		want:  withVLAN(synEth(udpHello), 4095, 1),
	},
	{
		name: "arp_request",
		link: layers.LinkTypeEthernet,
		frame: mustHexDecode("ffff ffff ffff 0011 2233 4455 0806" +
			"0001 0800 0604 0001 0011 2233 4455 c0a8 0001 0000 0000 0000 c0a8 0002"),
		want: Packet{
			HasEthernet: true, HasDstMAC: true, SrcMAC: macA, DstMAC: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			EtherType: layers.EthernetTypeARP, IsARP: true, ARPOp: 1,
			ARPSenderMAC: macA, ARPSenderIP: ip192_1, ARPTargetIP: ip192_2,
			Payload: mustHexDecode("0001 0800 0604 0001 0011 2233 4455 c0a8 0001 0000 0000 0000 c0a8 0002"),
		},
	},
	{
		name:  "llc_8023_length",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode("0180 c200 0000 6677 8899 aabb 0026 4242 0300 00"),
		want: Packet{
			HasEthernet: true, HasDstMAC: true, SrcMAC: macB, DstMAC: [6]byte{0x01, 0x80, 0xc2, 0, 0, 0},
			EtherType: layers.EthernetTypeLLC, Payload: mustHexDecode("4242 0300 00"),
		},
	},
	{
		name:  "profinet_rt_non_ip",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode("0011 2233 4455 6677 8899 aabb 8892 8000 0102"),
		want:  synEth(Packet{EtherType: 0x8892, Payload: mustHexDecode("8000 0102")}),
	},
	{
		name: "ipv6_hop_routing_dest_udp",
		link: layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv6 + "6000 0000 0024 0040" + ipv6Hdr +
			"2b00 0104 0000 0000" + // hop-by-hop, PadN → routing
			"3c00 0000 0000 0000" + // routing → destination options
			"1100 0104 0000 0000" + // destination options → UDP
			"1234 0035 000c 0000 abcd 0102"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv6, IPVersion: 6, SrcIP: ip6_1, DstIP: ip6_2,
			IPProto: layers.IPProtocolUDP, TTL: 64, SrcPort: 0x1234, DstPort: 53,
			Payload: mustHexDecode("abcd 0102"),
		}),
	},
	{
		name: "ipv6_first_fragment",
		link: layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv6 + "6000 0000 0014 2c40" + ipv6Hdr +
			"1100 0001 0000 abcd" + // fragment: offset 0, M=1
			"1234 0035 0010 0000 dead beef"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv6, IPVersion: 6, SrcIP: ip6_1, DstIP: ip6_2,
			IPProto: layers.IPProtocolUDP, TTL: 64, MoreFragments: true, FragID: 0xabcd,
			SrcPort: 0x1234, DstPort: 53, Payload: mustHexDecode("dead beef"),
		}),
	},
	{
		name: "ipv6_later_fragment",
		link: layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv6 + "6000 0000 000c 2c40" + ipv6Hdr +
			"1100 0010 0000 abcd" + // fragment: offset 16 bytes, last
			"0102 0304"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv6, IPVersion: 6, SrcIP: ip6_1, DstIP: ip6_2,
			IPProto: layers.IPProtocolUDP, TTL: 64, Fragment: true, FragOffset: 16, FragID: 0xabcd,
			Payload: mustHexDecode("0102 0304"),
		}),
	},
	{
		name: "ipv4_first_fragment",
		link: layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + "4500 0020 0003 2000 4011 0000 0a00 0001 0a00 0002" +
			"1234 0035 0018 0000 0102 0304"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip10_1, DstIP: ip10_2,
			IPProto: layers.IPProtocolUDP, TTL: 64, MoreFragments: true, FragID: 3,
			SrcPort: 0x1234, DstPort: 53, Payload: mustHexDecode("0102 0304"),
		}),
	},
	{
		name: "ipv4_later_fragment",
		link: layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + "4500 001c 0003 0002 4011 0000 0a00 0001 0a00 0002" +
			"090a 0b0c 0d0e 0f10"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip10_1, DstIP: ip10_2,
			IPProto: layers.IPProtocolUDP, TTL: 64, Fragment: true, FragOffset: 16, FragID: 3,
			Payload: mustHexDecode("090a 0b0c 0d0e 0f10"),
		}),
	},
	{
		name: "ipv4_options_icmp_echo",
		link: layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + "4600 0020 0004 0000 4001 0000 0a00 0001 0a00 0002 9404 0000" +
			"0800 0000 1234 0001"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip10_1, DstIP: ip10_2,
			IPProto: layers.IPProtocolICMPv4, TTL: 64, FragID: 4, IPOptLen: 4,
			ICMPType: 8, ICMPQuery: true, ICMPID: 0x1234, Payload: mustHexDecode("1234 0001"),
		}),
	},
	{
		name:  "icmpv6_echo_reply",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv6 + "6000 0000 0008 3a40" + ipv6Hdr + "8100 0000 0042 0007"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv6, IPVersion: 6, SrcIP: ip6_1, DstIP: ip6_2,
			IPProto: layers.IPProtocolICMPv6, TTL: 64,
			ICMPType: 129, ICMPQuery: true, ICMPID: 0x42, Payload: mustHexDecode("0042 0007"),
		}),
	},
	{
		name:  "icmp_port_unreachable",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + "4500 0024 0005 0000 4001 0000 0a00 0002 0a00 0001 0303 0000 0000 0000 4500 0020"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip10_2, DstIP: ip10_1,
			IPProto: layers.IPProtocolICMPv4, TTL: 64, FragID: 5,
			ICMPType: 3, ICMPCode: 3, Payload: mustHexDecode("0000 0000 4500 0020"),
		}),
	},
	{
		name:  "gre_not_opened",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + "4500 0018 0006 0000 402f 0000 0a00 0001 0a00 0002 0000 0800"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip10_1, DstIP: ip10_2,
			IPProto: layers.IPProtocolGRE, TTL: 64, FragID: 6, Payload: mustHexDecode("0000 0800"),
		}),
	},
	{
		name:  "pppoe_session_ipv4",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode("0011 2233 4455 6677 8899 aabb 8864 1100 0001 0023 0021" + ipv4UDP),
		want:  synEth(udpHello),
	},

	// Other link types.
	{
		name:  "linux_sll",
		link:  layers.LinkTypeLinuxSLL,
		frame: mustHexDecode("0000 0001 0006 0011 2233 4455 0000 0800" + ipv4UDP),
		want:  cooked(udpHello),
	},
	{
		name:  "linux_sll_vlan",
		link:  layers.LinkTypeLinuxSLL,
		frame: mustHexDecode("0004 0001 0006 0011 2233 4455 0000 8100 0007 0800" + ipv4UDP),
		want:  withVLAN(cooked(udpHello), 7, 1),
	},
	{
		name:  "raw_ipv4_228",
		link:  layers.LinkTypeIPv4,
		frame: mustHexDecode(ipv4TCPSyn),
		want:  noEth(tcpSyn),
	},
	{
		name:  "raw_101",
		link:  layers.LinkTypeRaw,
		frame: mustHexDecode(ipv4UDP),
		want:  noEth(udpHello),
	},
	{
		name:  "raw_12_ipv6",
		link:  linkTypeDLTRaw,
		frame: mustHexDecode("6000 0000 0008 3a40" + ipv6Hdr + "8100 0000 0042 0007"),
		want: Packet{
			EtherType: layers.EthernetTypeIPv6, IPVersion: 6, SrcIP: ip6_1, DstIP: ip6_2,
			IPProto: layers.IPProtocolICMPv6, TTL: 64,
			ICMPType: 129, ICMPQuery: true, ICMPID: 0x42, Payload: mustHexDecode("0042 0007"),
		},
	},
	{
		name:  "raw_ipv6_229",
		link:  layers.LinkTypeIPv6,
		frame: mustHexDecode("6000 0000 0008 3a40" + ipv6Hdr + "8100 0000 0042 0007"),
		want: Packet{
			EtherType: layers.EthernetTypeIPv6, IPVersion: 6, SrcIP: ip6_1, DstIP: ip6_2,
			IPProto: layers.IPProtocolICMPv6, TTL: 64,
			ICMPType: 129, ICMPQuery: true, ICMPID: 0x42, Payload: mustHexDecode("0042 0007"),
		},
	},
	{
		name:  "null_little_endian_ipv4",
		link:  layers.LinkTypeNull,
		frame: mustHexDecode("0200 0000" + ipv4TCPSyn),
		want:  noEth(tcpSyn),
	},
	{
		name:  "null_big_endian_ipv6_darwin",
		link:  layers.LinkTypeNull,
		frame: mustHexDecode("0000 001e 6000 0000 0008 3a40" + ipv6Hdr + "8100 0000 0042 0007"),
		want: Packet{
			EtherType: layers.EthernetTypeIPv6, IPVersion: 6, SrcIP: ip6_1, DstIP: ip6_2,
			IPProto: layers.IPProtocolICMPv6, TTL: 64,
			ICMPType: 129, ICMPQuery: true, ICMPID: 0x42, Payload: mustHexDecode("0042 0007"),
		},
	},
	{
		name:  "loop_ipv4",
		link:  layers.LinkTypeLoop,
		frame: mustHexDecode("0000 0002" + ipv4UDP),
		want:  noEth(udpHello),
	},
	{
		name:  "null_unknown_family",
		link:  layers.LinkTypeNull,
		frame: mustHexDecode("0700 0000 0102"),
		want:  Packet{Payload: mustHexDecode("0102")},
	},
	{
		name:  "ppp_hdlc_framing",
		link:  layers.LinkTypePPP,
		frame: mustHexDecode("ff03 0021" + ipv4TCPSyn),
		want:  noEth(tcpSyn),
	},
	{
		name:  "ppp_compressed_protocol",
		link:  layers.LinkTypePPP,
		frame: mustHexDecode("21" + ipv4UDP),
		want:  noEth(udpHello),
	},
	{
		name:  "ppp_lcp",
		link:  layers.LinkTypePPP_HDLC,
		frame: mustHexDecode("ff03 c021 0101 0004"),
		want:  Packet{Payload: mustHexDecode("0101 0004")},
	},
	{
		name:  "cisco_hdlc",
		link:  layers.LinkTypeC_HDLC,
		frame: mustHexDecode("0f00 0800" + ipv4UDP),
		want:  noEth(udpHello),
	},

	// Truncated and malformed frames keep what came before the problem.
	{
		name:    "truncated_ethernet",
		link:    layers.LinkTypeEthernet,
		frame:   mustHexDecode("0011 2233 4455 6677 88"),
		want:    Packet{Truncated: true},
		wantErr: ErrTruncated,
	},
	{
		name:    "truncated_vlan_tag",
		link:    layers.LinkTypeEthernet,
		frame:   mustHexDecode("0011 2233 4455 6677 8899 aabb 8100 00"),
		want:    synEth(Packet{EtherType: layers.EthernetTypeDot1Q, Truncated: true}),
		wantErr: ErrTruncated,
	},
	{
		name:    "truncated_ipv4_header",
		link:    layers.LinkTypeEthernet,
		frame:   mustHexDecode(ethIPv4 + "4500 0028 0000"),
		want:    synEth(Packet{EtherType: layers.EthernetTypeIPv4, Payload: mustHexDecode("4500 0028 0000"), Truncated: true}),
		wantErr: ErrTruncated,
	},
	{
		name:  "truncated_tcp_after_ports",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + "4500 0028 0001 4000 4006 0000 c0a8 0001 c0a8 0002 c350 01f6 0000"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip192_1, DstIP: ip192_2,
			IPProto: layers.IPProtocolTCP, TTL: 64, FragID: 1, IPDontFragment: true,
			SrcPort: 50000, DstPort: 502, Truncated: true,
		}),
		wantErr: ErrTruncated,
	},
	{
		name:  "truncated_tcp_options",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + "4500 0030 0001 4000 4006 0000 c0a8 0001 c0a8 0002" + "c350 01f6 0000 0001 0000 0000 7012 7210 0000 0000 0204"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip192_1, DstIP: ip192_2,
			IPProto: layers.IPProtocolTCP, TTL: 64, FragID: 1, IPDontFragment: true, SrcPort: 50000, DstPort: 502,
			TCPFlags: FlagSYN | FlagACK, TCPSeq: 1, TCPWindow: 0x7210, Truncated: true,
		}),
		wantErr: ErrTruncated,
	},
	{
		name:  "truncated_ipv6_extension",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv6 + "6000 0000 0008 0040" + ipv6Hdr + "1100 00"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv6, IPVersion: 6, SrcIP: ip6_1, DstIP: ip6_2,
			IPProto: 0, TTL: 64, Truncated: true,
		}),
		wantErr: ErrTruncated,
	},
	{
		name:  "truncated_arp",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode("ffff ffff ffff 0011 2233 4455 0806 0001 0800 0604 0001 0011"),
		want: Packet{
			HasEthernet: true, HasDstMAC: true, SrcMAC: macA, DstMAC: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			EtherType: layers.EthernetTypeARP, Payload: mustHexDecode("0001 0800 0604 0001 0011"), Truncated: true,
		},
		wantErr: ErrTruncated,
	},
	{
		name:    "truncated_sll",
		link:    layers.LinkTypeLinuxSLL,
		frame:   mustHexDecode("0000 0001 0006 0011"),
		want:    Packet{Truncated: true},
		wantErr: ErrTruncated,
	},
	{
		name:  "malformed_ipv4_ihl",
		link:  layers.LinkTypeEthernet,
		frame: mustHexDecode(ethIPv4 + "4400 0014 0007 0000 4011 0000 0a00 0001 0a00 0002"),
		want: synEth(Packet{
			EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip10_1, DstIP: ip10_2,
			IPProto: layers.IPProtocolUDP, TTL: 64, FragID: 7,
		}),
		wantErr: ErrMalformed,
	},
	{
		name:  "malformed_tcp_offset",
		link:  layers.LinkTypeIPv4,
		frame: mustHexDecode("4500 0028 0001 4000 4006 0000 c0a8 0001 c0a8 0002 c350 01f6 0000 0001 0000 0000 4002 7210 0000 0000"),
		want: noEth(Packet{
			EtherType: layers.EthernetTypeIPv4, IPVersion: 4, SrcIP: ip192_1, DstIP: ip192_2,
			IPProto: layers.IPProtocolTCP, TTL: 64, FragID: 1, IPDontFragment: true, SrcPort: 50000, DstPort: 502,
			TCPFlags: FlagSYN, TCPSeq: 1, TCPWindow: 0x7210,
		}),
		wantErr: ErrMalformed,
	},
	{
		name:    "malformed_raw_version",
		link:    layers.LinkTypeRaw,
		frame:   mustHexDecode("5500 0014"),
		wantErr: ErrMalformed,
	},
	{
		name:    "unsupported_link",
		link:    layers.LinkTypeIEEE802_11,
		frame:   mustHexDecode("0800 0000"),
		wantErr: ErrLinkType,
	},
	{
		name:    "empty_frame",
		link:    layers.LinkTypeEthernet,
		frame:   []byte{},
		want:    Packet{Truncated: true},
		wantErr: ErrTruncated,
	},
}

var testTime = time.Date(2025, 4, 1, 9, 30, 15, 123456789, time.UTC)

func captureInfo(frame []byte) gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: testTime, CaptureLength: len(frame), Length: len(frame)}
}

func TestDecode(t *testing.T) {
	d := New()
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			var got Packet
			err := d.Decode(tt.frame, captureInfo(tt.frame), tt.link, &got)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			want := tt.want
			want.TimestampNs = testTime.UnixNano()
			want.WireLen = len(tt.frame)
			want.Link = tt.link
			if !bytes.Equal(got.Payload, want.Payload) {
				t.Errorf("Payload = %x, want %x", got.Payload, want.Payload)
			}
			got.Payload, want.Payload = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestDecodeWireLen(t *testing.T) {
	frame := mustHexDecode(ethIPv4 + ipv4TCPSyn)
	d := New()
	var p Packet
	ci := captureInfo(frame)
	ci.Length = 1514 // captured with a snap length
	if err := d.Decode(frame, ci, layers.LinkTypeEthernet, &p); err != nil {
		t.Fatal(err)
	}
	if p.WireLen != 1514 {
		t.Errorf("WireLen = %d, want the original length 1514", p.WireLen)
	}
	ci.Length = 0 // writer did not record it
	if err := d.Decode(frame, ci, layers.LinkTypeEthernet, &p); err != nil {
		t.Fatal(err)
	}
	if p.WireLen != len(frame) {
		t.Errorf("WireLen = %d, want the captured length %d", p.WireLen, len(frame))
	}
}

// TestDecodeResets checks that nothing from a previous frame survives.
func TestDecodeResets(t *testing.T) {
	d := New()
	var p Packet
	tcp := mustHexDecode("0011 2233 4455 6677 8899 aabb 8100 0064 0800" + ipv4TCPSyn)
	if err := d.Decode(tcp, captureInfo(tcp), layers.LinkTypeEthernet, &p); err != nil {
		t.Fatal(err)
	}
	arp := decodeTests[5]
	if arp.name != "arp_request" {
		t.Fatalf("fixture order changed: %s", arp.name)
	}
	if err := d.Decode(arp.frame, captureInfo(arp.frame), arp.link, &p); err != nil {
		t.Fatal(err)
	}
	if p.IPVersion != 0 || p.SrcPort != 0 || p.TCPFlags != 0 || p.VLAN != 0 || p.VLANDepth != 0 {
		t.Errorf("fields of the previous frame survived: %+v", p)
	}
}

// TestDecodeAllocs pins the zero-allocation promise on every fixture.
func TestDecodeAllocs(t *testing.T) {
	d := New()
	var p Packet
	for _, tt := range decodeTests {
		ci := captureInfo(tt.frame)
		allocs := testing.AllocsPerRun(100, func() {
			_ = d.Decode(tt.frame, ci, tt.link, &p)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Decode, want 0", tt.name, allocs)
		}
	}
}
