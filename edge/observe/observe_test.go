package observe

import (
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"testing"

	"github.com/google/gopacket/layers"

	"mimamori/edge/wire/wirepb"
)

const (
	evARP  = uint32(wirepb.Evidence_EVIDENCE_ARP)
	evNDP  = uint32(wirepb.Evidence_EVIDENCE_NDP)
	evDHCP = uint32(wirepb.Evidence_EVIDENCE_DHCP)
	evIP   = uint32(wirepb.Evidence_EVIDENCE_IP)

	srcDNS   = wirepb.NameSource_NAME_SOURCE_DNS
	srcNBNS  = wirepb.NameSource_NAME_SOURCE_NBNS
	srcMDNS  = wirepb.NameSource_NAME_SOURCE_MDNS
	srcLLMNR = wirepb.NameSource_NAME_SOURCE_LLMNR
	srcDHCP  = wirepb.NameSource_NAME_SOURCE_DHCP
)

// wantDevice is the comparable part of a wirepb.Device (times are checked
// separately).
type wantDevice struct {
	MAC        string
	IPs        []string
	Evidence   uint32
	Hostname   string
	Params     []byte
	Vendor     string
	Sent, Recv uint64
	VLAN       uint32
}

type wantName struct {
	IP     string
	Name   string
	Source wirepb.NameSource
	Count  uint32
}

func gotDevices(ds []*wirepb.Device) []wantDevice {
	var out []wantDevice
	for _, d := range ds {
		w := wantDevice{
			MAC: net.HardwareAddr(d.Mac).String(), Evidence: d.Evidence,
			Hostname: d.DhcpHostname, Params: d.DhcpParams, Vendor: d.DhcpVendorClass,
			Sent: d.SentPackets, Recv: d.RecvPackets, VLAN: d.Vlan,
		}
		for _, b := range d.Ips {
			a, _ := netip.AddrFromSlice(b)
			w.IPs = append(w.IPs, a.String())
		}
		out = append(out, w)
	}
	return out
}

func gotNames(ns []*wirepb.Name) []wantName {
	var out []wantName
	for _, n := range ns {
		a, _ := netip.AddrFromSlice(n.Ip)
		out = append(out, wantName{IP: a.String(), Name: n.Name, Source: n.Source, Count: n.Count})
	}
	return out
}

// Test MAC addresses.
var (
	macA   = mac("02:00:00:00:00:0a")
	macB   = mac("02:00:00:00:00:0b")
	macC   = mac("02:00:00:00:00:0c")
	macPLC = mac("00:e0:62:60:35:d0")
	macSrv = mac("00:1d:09:99:b2:2c")
	zero   = mac("00:00:00:00:00:00")
	// IPv6 solicited-node and all-nodes multicast MACs.
	macSolicited = mac("33:33:ff:00:00:0b")
	macAllNodes  = mac("33:33:00:00:00:01")
	macAllRouter = mac("33:33:00:00:00:02")
	macMDNS4     = mac("01:00:5e:00:00:fb")
	macLLMNR4    = mac("01:00:5e:00:00:fc")
)

var observeTests = []struct {
	name        string
	frames      []frame
	wantDevices []wantDevice // nil: not checked
	wantNames   []wantName
}{
	{
		name:   "arp request binds the sender, not the target",
		frames: []frame{arpFrame(macA, broadcastMAC, layers.ARPRequest, macA, "10.0.0.10", zero, "10.0.0.11")},
		wantDevices: []wantDevice{
			{MAC: macA.String(), IPs: []string{"10.0.0.10"}, Evidence: evARP, Sent: 1},
		},
	},
	{
		name:   "arp reply binds the replier; the asker is only a receiver",
		frames: []frame{arpFrame(macB, macA, layers.ARPReply, macB, "10.0.0.11", macA, "10.0.0.10")},
		wantDevices: []wantDevice{
			{MAC: macA.String(), Recv: 1},
			{MAC: macB.String(), IPs: []string{"10.0.0.11"}, Evidence: evARP, Sent: 1},
		},
	},
	{
		name:   "gratuitous arp",
		frames: []frame{arpFrame(macC, broadcastMAC, layers.ARPRequest, macC, "10.0.0.12", zero, "10.0.0.12")},
		wantDevices: []wantDevice{
			{MAC: macC.String(), IPs: []string{"10.0.0.12"}, Evidence: evARP, Sent: 1},
		},
	},
	{
		name:   "arp probe notes the mac without a binding",
		frames: []frame{arpFrame(macC, broadcastMAC, layers.ARPRequest, macC, "0.0.0.0", zero, "10.0.0.13")},
		wantDevices: []wantDevice{
			{MAC: macC.String(), Evidence: evARP, Sent: 1},
		},
	},
	{
		name: "arp sender differing from the ethernet source",
		// A proxy or spoofer: the frame comes from A, the ARP speaks for B.
		frames: []frame{arpFrame(macA, broadcastMAC, layers.ARPReply, macB, "10.0.0.11", zero, "10.0.0.1")},
		wantDevices: []wantDevice{
			{MAC: macA.String(), Sent: 1},
			{MAC: macB.String(), IPs: []string{"10.0.0.11"}, Evidence: evARP},
		},
	},
	{
		name: "ndp neighbor solicitation with source link-layer option",
		frames: []frame{{src: macA, dst: macSolicited, ipSrc: "fe80::a", ipDst: "ff02::1:ff00:b",
			icmp6: &icmp6Msg{typ: ndpNeighborSolicitation, body: &layers.ICMPv6NeighborSolicitation{
				TargetAddress: ip("fe80::b"),
				Options:       layers.ICMPv6Options{lladdr(layers.ICMPv6OptSourceAddress, macA)},
			}}}},
		wantDevices: []wantDevice{
			{MAC: macA.String(), IPs: []string{"fe80::a"}, Evidence: evNDP | evIP, Sent: 1},
		},
	},
	{
		name: "ndp neighbor advertisement binds the target link-layer option to the target",
		// Sent by A on behalf of B (proxy): the option, not the frame, names B.
		frames: []frame{{src: macA, dst: macC, ipSrc: "fe80::a", ipDst: "fe80::c",
			icmp6: &icmp6Msg{typ: ndpNeighborAdvert, body: &layers.ICMPv6NeighborAdvertisement{
				Flags: 0x60, TargetAddress: ip("2001:db8::b"),
				Options: layers.ICMPv6Options{lladdr(layers.ICMPv6OptTargetAddress, macB)},
			}}}},
		wantDevices: []wantDevice{
			{MAC: macA.String(), IPs: []string{"fe80::a"}, Evidence: evIP, Sent: 1},
			{MAC: macB.String(), IPs: []string{"2001:db8::b"}, Evidence: evNDP},
			{MAC: macC.String(), Recv: 1},
		},
	},
	{
		name: "ndp duplicate address detection notes the mac only",
		frames: []frame{{src: macB, dst: macSolicited, ipSrc: "::", ipDst: "ff02::1:ff00:b",
			icmp6: &icmp6Msg{typ: ndpNeighborSolicitation, body: &layers.ICMPv6NeighborSolicitation{
				TargetAddress: ip("fe80::b"),
			}}}},
		wantDevices: []wantDevice{
			{MAC: macB.String(), Evidence: evNDP, Sent: 1},
		},
	},
	{
		name: "ndp router solicitation and advertisement",
		frames: []frame{
			{src: macA, dst: macAllRouter, ipSrc: "fe80::a", ipDst: "ff02::2",
				icmp6: &icmp6Msg{typ: ndpRouterSolicitation, body: &layers.ICMPv6RouterSolicitation{
					Options: layers.ICMPv6Options{lladdr(layers.ICMPv6OptSourceAddress, macA)},
				}}},
			{src: macC, dst: macAllNodes, ipSrc: "fe80::1", ipDst: "ff02::1",
				icmp6: &icmp6Msg{typ: ndpRouterAdvertisement, body: &layers.ICMPv6RouterAdvertisement{
					HopLimit: 64, RouterLifetime: 1800,
					Options: layers.ICMPv6Options{
						// A prefix information option (32 bytes) before the address.
						{Type: layers.ICMPv6OptPrefixInfo, Data: mustHex("40c0 00278d00 00093a80 00000000 20010db8000000000000000000000000")},
						lladdr(layers.ICMPv6OptSourceAddress, macC),
					},
				}}},
		},
		wantDevices: []wantDevice{
			{MAC: macA.String(), IPs: []string{"fe80::a"}, Evidence: evNDP | evIP, Sent: 1},
			{MAC: macC.String(), IPs: []string{"fe80::1"}, Evidence: evNDP | evIP, Sent: 1},
		},
	},
	{
		name: "dhcp discover, request, ack",
		frames: []frame{
			dhcpFrame(macPLC, broadcastMAC, "0.0.0.0", "255.255.255.255", dhcpMsg(layers.DHCPOpRequest, macPLC, "0.0.0.0", "0.0.0.0",
				dhcpType(layers.DHCPMsgTypeDiscover),
				dhcpOpt(layers.DHCPOptHostname, "plc-line3\x00"),
				dhcpOpt(layers.DHCPOptClassID, "Koyo DL405"),
				dhcpOpt(layers.DHCPOptParamsRequest, "\x01\x03\x1c\x06"))),
			dhcpFrame(macPLC, broadcastMAC, "0.0.0.0", "255.255.255.255", dhcpMsg(layers.DHCPOpRequest, macPLC, "0.0.0.0", "0.0.0.0",
				dhcpType(layers.DHCPMsgTypeRequest),
				dhcpOpt(layers.DHCPOptRequestIP, "\xc0\xa8\x0a\x83"),
				dhcpOpt(layers.DHCPOptServerID, "\xc0\xa8\x0a\x01"),
				dhcpOpt(layers.DHCPOptHostname, "plc-line3"),
				dhcpOpt(layers.DHCPOptClassID, "Koyo DL405"),
				dhcpOpt(layers.DHCPOptParamsRequest, "\x01\x03\x1c\x06"))),
			dhcpFrame(macSrv, macPLC, "192.168.10.1", "192.168.10.131", dhcpMsg(layers.DHCPOpReply, macPLC, "0.0.0.0", "192.168.10.131",
				dhcpType(layers.DHCPMsgTypeAck),
				dhcpOpt(layers.DHCPOptServerID, "\xc0\xa8\x0a\x01"),
				dhcpOpt(layers.DHCPOptSubnetMask, "\xff\xff\xff\x00"))),
		},
		wantDevices: []wantDevice{
			{MAC: macSrv.String(), IPs: []string{"192.168.10.1"}, Evidence: evIP, Sent: 1},
			{MAC: macPLC.String(), IPs: []string{"192.168.10.131"}, Evidence: evDHCP,
				Hostname: "plc-line3", Vendor: "Koyo DL405", Params: []byte{1, 3, 28, 6}, Sent: 2, Recv: 1},
		},
		wantNames: []wantName{{IP: "192.168.10.131", Name: "plc-line3", Source: srcDHCP, Count: 1}},
	},
	{
		name: "bootp reply with the server's host name for the client",
		// As in quickdraw's ConLgxEIP exchange: no option 53, the server names the client.
		frames: []frame{
			dhcpFrame(macSrv, broadcastMAC, "192.168.10.1", "255.255.255.255", dhcpMsg(layers.DHCPOpReply, macB, "0.0.0.0", "192.168.10.120",
				dhcpOpt(layers.DHCPOptHostname, "ConLgxEIP"))),
		},
		wantDevices: []wantDevice{
			{MAC: macSrv.String(), IPs: []string{"192.168.10.1"}, Evidence: evIP, Sent: 1},
			{MAC: macB.String(), IPs: []string{"192.168.10.120"}, Evidence: evDHCP, Hostname: "ConLgxEIP"},
		},
		wantNames: []wantName{{IP: "192.168.10.120", Name: "ConLgxEIP", Source: srcDHCP, Count: 1}},
	},
	{
		name: "dhcp offer and nak bind nothing",
		frames: []frame{
			dhcpFrame(macSrv, macB, "192.168.10.1", "192.168.10.99", dhcpMsg(layers.DHCPOpReply, macB, "0.0.0.0", "192.168.10.99",
				dhcpType(layers.DHCPMsgTypeOffer), dhcpOpt(layers.DHCPOptHostname, "offered"))),
			dhcpFrame(macSrv, macB, "192.168.10.1", "192.168.10.99", dhcpMsg(layers.DHCPOpReply, macB, "0.0.0.0", "0.0.0.0",
				dhcpType(layers.DHCPMsgTypeNak))),
		},
		wantDevices: []wantDevice{
			{MAC: macSrv.String(), IPs: []string{"192.168.10.1"}, Evidence: evIP, Sent: 2},
			{MAC: macB.String(), Evidence: evDHCP, Recv: 2},
		},
	},
	{
		name: "dhcp inform from a configured host names its ciaddr",
		frames: []frame{
			dhcpFrame(macA, broadcastMAC, "10.0.0.10", "255.255.255.255", dhcpMsg(layers.DHCPOpRequest, macA, "10.0.0.10", "0.0.0.0",
				dhcpType(layers.DHCPMsgTypeInform), dhcpOpt(layers.DHCPOptHostname, "HMI-01"),
				dhcpOpt(layers.DHCPOptClassID, "MSFT 5.0"), dhcpOpt(layers.DHCPOptParamsRequest, "\x01\x0f\x03\x06\x2c\x2e\x2f\x1f\x21\x79\xf9\x2b"))),
		},
		wantDevices: []wantDevice{
			{MAC: macA.String(), IPs: []string{"10.0.0.10"}, Evidence: evDHCP | evIP, Hostname: "HMI-01", Vendor: "MSFT 5.0",
				Params: []byte{1, 15, 3, 6, 44, 46, 47, 31, 33, 121, 249, 43}, Sent: 1},
		},
		wantNames: []wantName{{IP: "10.0.0.10", Name: "HMI-01", Source: srcDHCP, Count: 1}},
	},
	{
		name:   "dns response follows a compressed cname chain",
		frames: []frame{{src: macB, dst: macA, ipSrc: "10.0.0.53", ipDst: "10.0.0.10", udp: ports(53, 40000), data: dnsCNAMEChain}},
		wantNames: []wantName{
			{IP: "10.1.2.3", Name: "plc-7.plant.example", Source: srcDNS, Count: 1},
			{IP: "10.1.2.4", Name: "plc-7.plant.example", Source: srcDNS, Count: 1},
		},
	},
	{
		name: "captured dns response ignores name-server glue",
		frames: []frame{
			{src: macB, dst: macA, ipSrc: "10.0.0.53", ipDst: "10.0.0.10", udp: ports(53, 56426), data: dnsMailGoogle},
			{src: macB, dst: macA, ipSrc: "10.0.0.53", ipDst: "10.0.0.10", udp: ports(53, 56427), data: dnsMailGoogle},
		},
		wantDevices: []wantDevice{
			{MAC: macA.String(), Recv: 2},
			{MAC: macB.String(), IPs: []string{"10.0.0.53"}, Evidence: evIP, Sent: 2},
		},
		wantNames: []wantName{
			{IP: "74.125.239.53", Name: "mail.google.com", Source: srcDNS, Count: 2},
			{IP: "74.125.239.54", Name: "mail.google.com", Source: srcDNS, Count: 2},
		},
	},
	{
		name: "dns query is not an answer",
		frames: []frame{{src: macA, dst: macB, ipSrc: "10.0.0.10", ipDst: "10.0.0.53", udp: ports(40000, 53),
			data: dnsMsg(&layers.DNS{ID: 1, RD: true, Questions: []layers.DNSQuestion{{Name: []byte("plc.example"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}})}},
		wantNames: nil,
	},
	{
		name: "dns over tcp in one segment",
		frames: []frame{{src: macB, dst: macA, ipSrc: "10.0.0.53", ipDst: "10.0.0.10", tcp: ports(53, 40001),
			data: append([]byte{0, byte(len(dnsCNAMEChain))}, dnsCNAMEChain...)}},
		wantNames: []wantName{
			{IP: "10.1.2.3", Name: "plc-7.plant.example", Source: srcDNS, Count: 1},
			{IP: "10.1.2.4", Name: "plc-7.plant.example", Source: srcDNS, Count: 1},
		},
	},
	{
		name: "mdns announcement with answers and additional records",
		frames: []frame{{src: macC, dst: macMDNS4, ipSrc: "192.168.0.50", ipDst: "224.0.0.251", udp: ports(5353, 5353),
			data: dnsMsg(&layers.DNS{QR: true, AA: true,
				Answers: []layers.DNSResourceRecord{
					{Name: []byte("_http._tcp.local"), Type: layers.DNSTypePTR, Class: layers.DNSClassIN, TTL: 4500, PTR: []byte("Cam-01._http._tcp.local")},
					func() layers.DNSResourceRecord { r := rrA("Cam-01.local", "192.168.0.50"); r.Class = 0x8001; return r }(),
				},
				Additionals: []layers.DNSResourceRecord{
					func() layers.DNSResourceRecord { r := rrA("Cam-01.local", "fe80::50"); r.Class = 0x8001; return r }(),
				},
			})}},
		wantDevices: []wantDevice{
			{MAC: macC.String(), IPs: []string{"192.168.0.50"}, Evidence: evIP, Sent: 1},
		},
		wantNames: []wantName{
			{IP: "192.168.0.50", Name: "cam-01.local", Source: srcMDNS, Count: 1},
			{IP: "fe80::50", Name: "cam-01.local", Source: srcMDNS, Count: 1},
		},
	},
	{
		name: "mdns query with a known answer is not an announcement",
		frames: []frame{{src: macA, dst: macMDNS4, ipSrc: "192.168.0.10", ipDst: "224.0.0.251", udp: ports(5353, 5353),
			data: dnsMsg(&layers.DNS{
				Questions: []layers.DNSQuestion{{Name: []byte("Cam-01.local"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
				Answers:   []layers.DNSResourceRecord{rrA("Cam-01.local", "192.168.0.50")},
			})}},
		wantNames: nil,
	},
	{
		name: "llmnr response",
		frames: []frame{{src: macB, dst: macA, ipSrc: "192.168.0.20", ipDst: "192.168.0.10", udp: ports(5355, 61000),
			data: dnsMsg(&layers.DNS{ID: 0x44b9, QR: true,
				Questions: []layers.DNSQuestion{{Name: []byte("HMI-2"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
				Answers:   []layers.DNSResourceRecord{rrA("HMI-2", "192.168.0.20")},
			})}},
		wantNames: []wantName{{IP: "192.168.0.20", Name: "hmi-2", Source: srcLLMNR, Count: 1}},
	},
	{
		name: "llmnr query",
		frames: []frame{{src: macA, dst: macLLMNR4, ipSrc: "192.168.0.10", ipDst: "224.0.0.252", udp: ports(61000, 5355),
			data: dnsMsg(&layers.DNS{ID: 0x44b9,
				Questions: []layers.DNSQuestion{{Name: []byte("wpad"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
			})}},
		wantNames: nil,
	},
	{
		name: "nbns registrations: unique names kept, group names not",
		frames: []frame{
			{src: macA, dst: broadcastMAC, ipSrc: "192.168.1.1", ipDst: "192.168.1.255", udp: ports(137, 137), data: nbnsRegistration},
			{src: macA, dst: broadcastMAC, ipSrc: "192.168.1.1", ipDst: "192.168.1.255", udp: ports(137, 137), data: nbnsGroupRegistration},
			{src: macA, dst: broadcastMAC, ipSrc: "192.168.1.1", ipDst: "192.168.1.255", udp: ports(137, 137), data: nbnsRegistration},
		},
		wantDevices: []wantDevice{
			{MAC: macA.String(), IPs: []string{"192.168.1.1"}, Evidence: evIP, Sent: 3},
		},
		wantNames: []wantName{{IP: "192.168.1.1", Name: "KW-VLIPC", Source: srcNBNS, Count: 2}},
	},
	{
		name: "nbns query and its response",
		frames: []frame{
			{src: macA, dst: broadcastMAC, ipSrc: "192.168.10.22", ipDst: "192.168.10.255", udp: ports(137, 137), data: nbnsQuery},
			{src: macB, dst: macA, ipSrc: "192.168.10.105", ipDst: "192.168.10.22", udp: ports(137, 137), data: nbnsQueryResponse},
		},
		wantNames: []wantName{{IP: "192.168.10.105", Name: "DBLICENSESERVER", Source: srcNBNS, Count: 1}},
	},
	{
		name: "netbios browser datagram names its source",
		frames: []frame{
			{src: macA, dst: broadcastMAC, ipSrc: "192.168.10.22", ipDst: "192.168.10.255", udp: ports(138, 138), data: nbdgmBrowser},
		},
		wantNames: []wantName{{IP: "192.168.10.22", Name: "WIN2K3LAB022", Source: srcNBNS, Count: 1}},
	},
	{
		name: "ip traffic binds the source; vlan from the tag",
		frames: []frame{
			{src: macA, dst: macB, vlan: 100, ipSrc: "10.0.0.10", ipDst: "10.0.0.11", tcp: ports(49152, 502), data: []byte{0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1}},
			{src: macA, dst: macB, vlan: 100, ipSrc: "10.0.0.10", ipDst: "10.0.0.11", tcp: ports(49152, 502)},
			// Multicast and broadcast MACs are not devices.
			{src: macB, dst: macMDNS4, vlan: 100, ipSrc: "10.0.0.11", ipDst: "224.0.0.251", udp: ports(40000, 40000)},
		},
		wantDevices: []wantDevice{
			{MAC: macA.String(), IPs: []string{"10.0.0.10"}, Evidence: evIP, Sent: 2, VLAN: 100},
			{MAC: macB.String(), IPs: []string{"10.0.0.11"}, Evidence: evIP, Sent: 1, Recv: 2, VLAN: 100},
		},
	},
}

func TestObserve(t *testing.T) {
	for _, tt := range observeTests {
		t.Run(tt.name, func(t *testing.T) {
			tbl := New(Options{})
			observeFrames(t, tbl, tt.frames)
			devs, names := tbl.Flush()
			if tt.wantDevices != nil {
				if got := gotDevices(devs); !reflect.DeepEqual(got, tt.wantDevices) {
					t.Errorf("devices:\n got %s\nwant %s", fmtSlice(got), fmtSlice(tt.wantDevices))
				}
			}
			if got := gotNames(names); !reflect.DeepEqual(got, tt.wantNames) {
				t.Errorf("names:\n got %s\nwant %s", fmtSlice(got), fmtSlice(tt.wantNames))
			}
			if d := tbl.Dropped(); d != (Drops{}) {
				t.Errorf("Dropped() = %+v, want none", d)
			}
		})
	}
}

func fmtSlice[T any](s []T) string {
	out := "["
	for _, v := range s {
		out += fmt.Sprintf("\n\t%+v", v)
	}
	return out + "]"
}
