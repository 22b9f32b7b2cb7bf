package observe

import (
	"encoding/hex"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
)

// This file builds test frames with gopacket's serializers and turns them
// into decode.Packet values the way the sensor's decoder does, using
// gopacket's own decoding. The tests therefore exercise the Table on the
// field contract of decode.Packet without depending on the decoder.

// mustHex decodes a readable hex dump; whitespace and "|" are ignored.
func mustHex(s string) []byte {
	s = strings.NewReplacer(" ", "", "\n", "", "\t", "", "|", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func mac(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

func ip(s string) net.IP {
	a := netip.MustParseAddr(s)
	return net.IP(a.AsSlice())
}

var broadcastMAC = mac("ff:ff:ff:ff:ff:ff")

// serialize builds a frame, fixing lengths and checksums.
func serialize(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		panic(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// frame describes one test frame at the IP or ARP level.
type frame struct {
	src, dst net.HardwareAddr
	vlan     uint16 // 0: untagged
	// One of the following.
	arp   *layers.ARP
	ipSrc string
	ipDst string
	udp   *[2]uint16 // source and destination port
	tcp   *[2]uint16
	icmp6 *icmp6Msg
	data  []byte // UDP/TCP payload
}

type icmp6Msg struct {
	typ  uint8
	body gopacket.SerializableLayer
}

func ports(src, dst uint16) *[2]uint16 { return &[2]uint16{src, dst} }

// bytes serializes f into an Ethernet frame.
func (f frame) bytes() []byte {
	eth := &layers.Ethernet{SrcMAC: f.src, DstMAC: f.dst}
	var ls []gopacket.SerializableLayer
	ls = append(ls, eth)
	inner := &eth.EthernetType
	if f.vlan != 0 {
		eth.EthernetType = layers.EthernetTypeDot1Q
		tag := &layers.Dot1Q{VLANIdentifier: f.vlan}
		ls = append(ls, tag)
		inner = &tag.Type
	}
	if f.arp != nil {
		*inner = layers.EthernetTypeARP
		return serialize(append(ls, f.arp)...)
	}
	var nl gopacket.NetworkLayer
	if strings.Contains(f.ipSrc, ":") {
		*inner = layers.EthernetTypeIPv6
		v6 := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: ip(f.ipSrc), DstIP: ip(f.ipDst)}
		nl = v6
		ls = append(ls, v6)
		switch {
		case f.udp != nil:
			v6.NextHeader = layers.IPProtocolUDP
		case f.tcp != nil:
			v6.NextHeader = layers.IPProtocolTCP
		case f.icmp6 != nil:
			v6.NextHeader = layers.IPProtocolICMPv6
			v6.HopLimit = 255
		}
	} else {
		*inner = layers.EthernetTypeIPv4
		v4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, SrcIP: ip(f.ipSrc), DstIP: ip(f.ipDst)}
		nl = v4
		ls = append(ls, v4)
		switch {
		case f.udp != nil:
			v4.Protocol = layers.IPProtocolUDP
		case f.tcp != nil:
			v4.Protocol = layers.IPProtocolTCP
		}
	}
	switch {
	case f.udp != nil:
		u := &layers.UDP{SrcPort: layers.UDPPort(f.udp[0]), DstPort: layers.UDPPort(f.udp[1])}
		_ = u.SetNetworkLayerForChecksum(nl)
		ls = append(ls, u, gopacket.Payload(f.data))
	case f.tcp != nil:
		tc := &layers.TCP{SrcPort: layers.TCPPort(f.tcp[0]), DstPort: layers.TCPPort(f.tcp[1]), ACK: true, PSH: true, Window: 1024}
		_ = tc.SetNetworkLayerForChecksum(nl)
		ls = append(ls, tc, gopacket.Payload(f.data))
	case f.icmp6 != nil:
		ic := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(f.icmp6.typ, 0)}
		_ = ic.SetNetworkLayerForChecksum(nl)
		ls = append(ls, ic, f.icmp6.body)
	}
	return serialize(ls...)
}

// toPacket fills a decode.Packet from an Ethernet frame as the sensor's
// decoder would: innermost EtherType, outer VLAN, ARP fields, IP and
// transport fields, and Payload pointing at the transport payload (the
// ICMP body after its 4-byte header; the bytes after the EtherType for
// other frames).
func toPacket(b []byte, ts int64) *decode.Packet {
	pkt := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default)
	p := &decode.Packet{TimestampNs: ts, WireLen: len(b), Link: layers.LinkTypeEthernet}
	if l, ok := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet); ok {
		p.HasEthernet, p.HasDstMAC = true, true
		p.SrcMAC = [6]byte(l.SrcMAC)
		p.DstMAC = [6]byte(l.DstMAC)
		p.EtherType = l.EthernetType
		p.Payload = l.Payload
	}
	for _, l := range pkt.Layers() {
		if tag, ok := l.(*layers.Dot1Q); ok {
			if p.VLANDepth == 0 {
				p.VLAN = tag.VLANIdentifier
			}
			p.VLANDepth++
			p.EtherType = tag.Type
			p.Payload = tag.Payload
		}
	}
	if a, ok := pkt.Layer(layers.LayerTypeARP).(*layers.ARP); ok {
		p.IsARP = true
		p.ARPOp = a.Operation
		p.ARPSenderMAC = [6]byte(a.SourceHwAddress)
		p.ARPTargetMAC = [6]byte(a.DstHwAddress)
		p.ARPSenderIP, _ = netip.AddrFromSlice(a.SourceProtAddress)
		p.ARPTargetIP, _ = netip.AddrFromSlice(a.DstProtAddress)
		return p
	}
	if v4, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
		p.IPVersion = 4
		p.SrcIP, _ = netip.AddrFromSlice(v4.SrcIP.To4())
		p.DstIP, _ = netip.AddrFromSlice(v4.DstIP.To4())
		p.IPProto, p.TTL = v4.Protocol, v4.TTL
		p.Payload = v4.Payload
	}
	if v6, ok := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
		p.IPVersion = 6
		p.SrcIP, _ = netip.AddrFromSlice(v6.SrcIP)
		p.DstIP, _ = netip.AddrFromSlice(v6.DstIP)
		p.IPProto, p.TTL = v6.NextHeader, v6.HopLimit
		p.Payload = v6.Payload
	}
	if u, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
		p.SrcPort, p.DstPort = uint16(u.SrcPort), uint16(u.DstPort)
		p.Payload = u.Payload
	}
	if tc, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
		p.SrcPort, p.DstPort = uint16(tc.SrcPort), uint16(tc.DstPort)
		p.Payload = tc.Payload
	}
	if ic, ok := pkt.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6); ok {
		p.ICMPType, p.ICMPCode = ic.TypeCode.Type(), ic.TypeCode.Code()
		p.Payload = ic.Payload
	}
	return p
}

func observeFrames(t testing.TB, tbl *Table, frames []frame) {
	t.Helper()
	for i, f := range frames {
		tbl.Observe(toPacket(f.bytes(), int64(i+1)*1e9))
	}
}

// Frame builders for the protocols under test.

func arpFrame(src, dst net.HardwareAddr, op uint16, sha net.HardwareAddr, spa string, tha net.HardwareAddr, tpa string) frame {
	return frame{src: src, dst: dst, arp: &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: op,
		SourceHwAddress: sha, SourceProtAddress: ip(spa).To4(),
		DstHwAddress: tha, DstProtAddress: ip(tpa).To4(),
	}}
}

func lladdr(typ layers.ICMPv6Opt, m net.HardwareAddr) layers.ICMPv6Option {
	return layers.ICMPv6Option{Type: typ, Data: m}
}

func dhcpFrame(src, dst net.HardwareAddr, ipSrc, ipDst string, d *layers.DHCPv4) frame {
	sp, dp := uint16(68), uint16(67)
	if d.Operation == layers.DHCPOpReply {
		sp, dp = 67, 68
	}
	return frame{src: src, dst: dst, ipSrc: ipSrc, ipDst: ipDst, udp: ports(sp, dp), data: serialize(d)}
}

func dhcpMsg(op layers.DHCPOp, client net.HardwareAddr, ciaddr, yiaddr string, opts ...layers.DHCPOption) *layers.DHCPv4 {
	opts = append(opts, layers.NewDHCPOption(layers.DHCPOptEnd, nil))
	return &layers.DHCPv4{
		Operation: op, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: 0x3903f326,
		ClientIP: ip(ciaddr), YourClientIP: ip(yiaddr), NextServerIP: ip("0.0.0.0"), RelayAgentIP: ip("0.0.0.0"),
		ClientHWAddr: client, Options: opts,
	}
}

func dhcpType(t layers.DHCPMsgType) layers.DHCPOption {
	return layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(t)})
}

func dhcpOpt(code layers.DHCPOpt, v string) layers.DHCPOption {
	return layers.NewDHCPOption(code, []byte(v))
}

// dnsMsg serializes a DNS message; gopacket writes names uncompressed.
func dnsMsg(d *layers.DNS) []byte { return serialize(d) }

func rrA(name, addr string) layers.DNSResourceRecord {
	r := layers.DNSResourceRecord{Name: []byte(name), Class: layers.DNSClassIN, TTL: 120, IP: ip(addr)}
	r.Type = layers.DNSTypeA
	if strings.Contains(addr, ":") {
		r.Type = layers.DNSTypeAAAA
	}
	return r
}
