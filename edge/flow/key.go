package flow

import (
	"encoding/binary"

	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
)

// key identifies a flow regardless of direction. Addresses are in 16-byte
// form (IPv4 mapped) and ordered so that (a, aPort) < (b, bPort); for ICMP
// aPort and bPort are not endpoint ports but the message class and query
// identifier, and only the addresses are ordered. The struct is comparable
// and fixed-size so the map hashes it without allocating.
type key struct {
	a, b         [16]byte
	aPort, bPort uint16
	vlan         uint16
	proto        layers.IPProtocol
	v6           bool
}

// ICMP key classes. Query messages use the request type as class so that a
// request and its reply share a flow; other messages use icmpOtherClass
// plus their type, with the code in place of the identifier.
const icmpOtherClass = 0x100

// icmpClass returns the key class of an ICMP message, whether it is a query
// request or reply (0 for neither).
func icmpClass(proto layers.IPProtocol, typ uint8) (class uint16, request, reply bool) {
	if proto == layers.IPProtocolICMPv6 {
		switch typ {
		case 128:
			return 128, true, false
		case 129:
			return 128, false, true
		}
		return icmpOtherClass + uint16(typ), false, false
	}
	switch typ {
	case 8, 13, 15, 17: // echo, timestamp, information, address mask requests
		return uint16(typ), true, false
	case 0:
		return 8, false, true
	case 14, 16, 18:
		return uint16(typ) - 1, false, true
	}
	return icmpOtherClass + uint16(typ), false, false
}

// isICMP reports whether proto is ICMP for either IP version.
func isICMP(proto layers.IPProtocol) bool {
	return proto == layers.IPProtocolICMPv4 || proto == layers.IPProtocolICMPv6
}

// hasPorts reports whether proto carries the ports decode fills in.
func hasPorts(proto layers.IPProtocol) bool {
	return proto == layers.IPProtocolTCP || proto == layers.IPProtocolUDP
}

// endpointLess orders (address, port) pairs.
func endpointLess(a [16]byte, ap uint16, b [16]byte, bp uint16) bool {
	a0, b0 := binary.BigEndian.Uint64(a[0:8]), binary.BigEndian.Uint64(b[0:8])
	if a0 != b0 {
		return a0 < b0
	}
	a1, b1 := binary.BigEndian.Uint64(a[8:16]), binary.BigEndian.Uint64(b[8:16])
	if a1 != b1 {
		return a1 < b1
	}
	return ap < bp
}

// makeKey builds the normalised key of p, whose ports are sp and dp, and
// reports whether p's sender is endpoint a.
func makeKey(p *decode.Packet, sp, dp uint16) (k key, senderIsA bool) {
	src, dst := p.SrcIP.As16(), p.DstIP.As16()
	k.vlan = p.VLAN
	k.proto = p.IPProto
	k.v6 = p.IPVersion == 6
	if isICMP(p.IPProto) {
		// The class and identifier describe the exchange, not an endpoint,
		// so only the addresses are ordered.
		k.aPort, k.bPort = sp, dp
		senderIsA = !endpointLess(dst, 0, src, 0)
	} else {
		senderIsA = !endpointLess(dst, dp, src, sp)
		if !senderIsA {
			sp, dp = dp, sp
		}
		k.aPort, k.bPort = sp, dp
	}
	if senderIsA {
		k.a, k.b = src, dst
	} else {
		k.a, k.b = dst, src
	}
	return k, senderIsA
}

// servicePort reports whether a TCP or UDP port is a well-known service:
// every port below 1024 and the registered ports of industrial protocols
// and of the infrastructure found on plant networks. Port 0 is not a
// service.
func servicePort(port uint16) bool {
	if port != 0 && port < 1024 {
		return true
	}
	switch port {
	case 1433, 1521, 1883, 1900, 1911, 1962, // MSSQL, Oracle, MQTT, SSDP, Niagara Fox, PCWorx
		2221, 2222, 2404, 2455, // Rockwell CSP/ENIP I/O, IEC 60870-5-104, CODESYS
		3306, 3389, 3702, // MySQL, RDP, WS-Discovery
		4789, 4840, 4843, 4911, // VXLAN, OPC UA, OPC UA TLS, Niagara Fox TLS
		5006, 5007, 5094, // MELSEC MC (TCP/UDP), HART-IP
		5353, 5355, 5432, 5560, 5562, 5683, // mDNS, LLMNR, PostgreSQL, MELSEC iQ-R / SLMP, CoAP
		5900, 5985, 5986, // VNC, WinRM
		8080, 8443, 8883, 9600, // HTTP alt, HTTPS alt, MQTT TLS, OMRON FINS
		18245, 18246, 20000, 20547, // GE SRTP, DNP3, ProConOS
		34962, 34963, 34964, // PROFINET
		44818, 45238, 47808, // EtherNet/IP, CC-Link IE TSN SLMP, BACnet/IP
		61450, 61451: // CC-Link IE Field Basic
		return true
	}
	return false
}
