package observe

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// udpPacket fills a decode.Packet by hand for a UDP payload.
func udpPacket(sport, dport uint16, payload []byte) *decode.Packet {
	return &decode.Packet{
		TimestampNs: 1e9, WireLen: 42 + len(payload), Link: layers.LinkTypeEthernet,
		HasEthernet: true, HasDstMAC: true,
		SrcMAC: [6]byte{2, 0, 0, 0, 0, 1}, DstMAC: [6]byte{2, 0, 0, 0, 0, 2},
		EtherType: layers.EthernetTypeIPv4, IPVersion: 4,
		SrcIP: netip.MustParseAddr("10.0.0.1"), DstIP: netip.MustParseAddr("10.0.0.2"),
		IPProto: layers.IPProtocolUDP, TTL: 64,
		SrcPort: sport, DstPort: dport, Payload: payload,
	}
}

// icmp6Packet fills a decode.Packet by hand for an ICMPv6 body.
func icmp6Packet(typ uint8, src string, body []byte) *decode.Packet {
	return &decode.Packet{
		TimestampNs: 1e9, WireLen: 58 + len(body), Link: layers.LinkTypeEthernet,
		HasEthernet: true, HasDstMAC: true,
		SrcMAC: [6]byte{2, 0, 0, 0, 0, 1}, DstMAC: [6]byte{0x33, 0x33, 0, 0, 0, 1},
		EtherType: layers.EthernetTypeIPv6, IPVersion: 6,
		SrcIP: netip.MustParseAddr(src), DstIP: netip.MustParseAddr("ff02::1"),
		IPProto: layers.IPProtocolICMPv6, TTL: 255,
		ICMPType: typ, Payload: body,
	}
}

// dhcpWith returns a BOOTREQUEST header for chaddr 02:00:00:00:00:0d with
// the magic cookie, followed by opts.
func dhcpWith(opts []byte) []byte {
	b := make([]byte, bootpHeaderLen, bootpHeaderLen+4+len(opts))
	b[0], b[1], b[2] = bootpRequest, 1, 6
	copy(b[offChaddr:], []byte{2, 0, 0, 0, 0, 0x0d})
	b = append(b, dhcpMagic[:]...)
	return append(b, opts...)
}

var malformedTests = []struct {
	name    string
	parse   func(t *Table) error
	wantErr error
	// wantNames lists names (as "ip name") still learned before the fault.
	wantNames []string
}{
	{
		name:    "dns shorter than its header",
		parse:   dnsParse(mustHex("1234 8180 0001")),
		wantErr: errTruncated,
	},
	{
		name: "dns name pointing at itself",
		parse: dnsParse(mustHex(`1234 8180 0001 0001 0000 0000
			c00c 0001 0001
			c00c 0001 0001 0000003c 0004 0a000001`)),
		wantErr: errPointerLoop,
	},
	{
		name: "dns pointer loop through a label",
		parse: dnsParse(mustHex(`1234 8180 0001 0001 0000 0000
			01 61 c00c 0001 0001
			c00c 0001 0001 0000003c 0004 0a000001`)),
		wantErr: errPointerLoop,
	},
	{
		name: "dns pointer past the end",
		parse: dnsParse(mustHex(`1234 8180 0001 0001 0000 0000
			c0ff 0001 0001
			c00c 0001 0001 0000003c 0004 0a000001`)),
		wantErr: errTruncated,
	},
	{
		name: "dns rdlength beyond the message",
		parse: dnsParse(mustHex(`1234 8180 0001 0001 0000 0000
			01 61 00 0001 0001
			c00c 0001 0001 0000003c ffff 0a000001`)),
		wantErr: errBadLength,
	},
	{
		name: "dns answer count larger than the message",
		parse: dnsParse(mustHex(`1234 8180 0001 0009 0000 0000
			01 61 00 0001 0001
			c00c 0001 0001 0000003c 0004 0a000001`)),
		wantErr:   errTruncated,
		wantNames: []string{"10.0.0.1 a"},
	},
	{
		name: "dns extended label type",
		parse: dnsParse(mustHex(`1234 8180 0001 0001 0000 0000
			41 61 00 0001 0001`)),
		wantErr: errBadLabel,
	},
	{
		name: "dns name over 255 bytes",
		parse: dnsParse(append(append(mustHex("1234 8180 0001 0001 0000 0000"),
			bytes.Repeat(append([]byte{63}, bytes.Repeat([]byte("a"), 63)...), 5)...),
			mustHex("00 0001 0001 c00c 0001 0001 0000003c 0004 0a000001")...)),
		wantErr: errNameTooLong,
	},
	{
		name: "dns control byte in a label",
		parse: dnsParse(mustHex(`1234 8180 0001 0001 0000 0000
			03 610162 00 0001 0001
			c00c 0001 0001 0000003c 0004 0a000001`)),
		wantErr: errBadName,
	},
	{
		name: "dns dot inside a label",
		parse: dnsParse(mustHex(`1234 8180 0001 0001 0000 0000
			03 612e62 00 0001 0001
			c00c 0001 0001 0000003c 0004 0a000001`)),
		wantErr: errBadName,
	},
	{
		name: "dns cname loop ends at the chain bound",
		// a CNAME b, b CNAME a, b A 10.0.0.2: the loop is cut, the address still found.
		parse: dnsParse(mustHex(`1234 8180 0001 0003 0000 0000
			01 61 00 0001 0001
			c00c 0005 0001 0000003c 0004 | 01 62 c00c
			c01f 0005 0001 0000003c 0002 | c00c
			c01f 0001 0001 0000003c 0004 | 0a000002`)),
		wantNames: []string{"10.0.0.2 a"},
	},
	{
		name: "nbns name with characters outside A-P",
		parse: nbnsParse(mustHex(`0001 8500 0000 0001 0000 0000
			20 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a 00 0020 0001
			000493e0 0006 0000 c0a80a69`)),
		wantErr: errBadName,
	},
	{
		name: "nbns rdata not a multiple of six",
		parse: nbnsParse(mustHex(`0001 8500 0000 0001 0000 0000
			20 45454543454d454a45444546454f4644454646444546464346474546464343 41 00 0020 0001
			000493e0 0005 0000 c0a80a`)),
		wantErr: errBadLength,
	},
	{
		name: "nbns wildcard name",
		parse: nbnsParse(mustHex(`0001 8500 0000 0001 0000 0000
			20 434b414141414141414141414141414141414141414141414141414141414141 00 0021 0001
			000493e0 0006 0000 c0a80a69`)),
		// type NBSTAT, so skipped before the name is read
	},
	{
		name: "nbns wildcard name in an NB answer",
		parse: nbnsParse(mustHex(`0001 8500 0000 0001 0000 0000
			20 434b414141414141414141414141414141414141414141414141414141414141 00 0020 0001
			000493e0 0006 0000 c0a80a69`)),
		wantErr: errBadName,
	},
	{
		name: "nbns first label of the wrong length",
		parse: nbnsParse(mustHex(`0001 8500 0000 0001 0000 0000
			04 41414141 00 0020 0001
			000493e0 0006 0000 c0a80a69`)),
		wantErr: errBadName,
	},
	{
		name:    "nbdgm shorter than its header",
		parse:   nbdgmParse(mustHex("1102 9787 c0a80a16 008a")),
		wantErr: errTruncated,
	},
	{
		name:    "nbdgm source name cut short",
		parse:   nbdgmParse(nbdgmBrowser[:30]),
		wantErr: errTruncated,
	},
	{
		name:    "dhcp shorter than the bootp header",
		parse:   dhcpParse(make([]byte, 100)),
		wantErr: errTruncated,
	},
	{
		name: "dhcp option length past the end keeps what came before",
		// INFORM from 10.0.0.13 named "ok", then an option claiming 200 bytes.
		parse: dhcpParse(func() []byte {
			b := dhcpWith(mustHex("3501 08 0c02 6f6b 3cc8 4142"))
			copy(b[offCiaddr:], []byte{10, 0, 0, 13})
			return b
		}()),
		wantErr:   errBadLength,
		wantNames: []string{"10.0.0.13 ok"},
	},
	{
		name:    "dhcp option code without a length",
		parse:   dhcpParse(dhcpWith([]byte{optHostname})),
		wantErr: errTruncated,
	},
	{
		name:    "ndp body shorter than its fixed part",
		parse:   ndpParse(ndpNeighborSolicitation, "fe80::1", mustHex("00000000 fe80")),
		wantErr: errTruncated,
	},
	{
		name:    "ndp option of length zero",
		parse:   ndpParse(ndpRouterSolicitation, "fe80::1", mustHex("00000000 0100 020000000001")),
		wantErr: errBadLength,
	},
	{
		name:    "ndp option longer than the body",
		parse:   ndpParse(ndpRouterSolicitation, "fe80::1", mustHex("00000000 0102 020000000001")),
		wantErr: errTruncated,
	},
	{
		name:    "ndp lone option type byte",
		parse:   ndpParse(ndpRouterSolicitation, "fe80::1", mustHex("00000000 01")),
		wantErr: errTruncated,
	},
}

func dnsParse(msg []byte) func(*Table) error {
	return func(t *Table) error {
		return t.observeDNS(udpPacket(53, 40000, msg), msg, wirepb.NameSource_NAME_SOURCE_DNS)
	}
}

func nbnsParse(msg []byte) func(*Table) error {
	return func(t *Table) error { return t.observeNBNS(udpPacket(137, 137, msg), msg) }
}

func nbdgmParse(msg []byte) func(*Table) error {
	return func(t *Table) error { return t.observeNBDGM(udpPacket(138, 138, msg), msg, new(device)) }
}

func dhcpParse(msg []byte) func(*Table) error {
	return func(t *Table) error { return t.observeDHCP(udpPacket(68, 67, msg), msg) }
}

func ndpParse(typ uint8, src string, body []byte) func(*Table) error {
	return func(t *Table) error { return t.observeNDP(icmp6Packet(typ, src, body)) }
}

func TestMalformed(t *testing.T) {
	for _, tt := range malformedTests {
		t.Run(tt.name, func(t *testing.T) {
			tbl := New(Options{})
			err := tt.parse(tbl)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			_, names := tbl.Flush()
			var got []string
			for _, n := range names {
				a, _ := netip.AddrFromSlice(n.Ip)
				got = append(got, a.String()+" "+n.Name)
			}
			if strings.Join(got, ",") != strings.Join(tt.wantNames, ",") {
				t.Errorf("names = %q, want %q", got, tt.wantNames)
			}
		})
	}
}

// TestMalformedCounted checks that Observe counts a fault instead of
// failing, and that a valid message after it is read normally.
func TestMalformedCounted(t *testing.T) {
	tbl := New(Options{})
	bad := mustHex("1234 8180 0001 0001 0000 0000 c00c 0001 0001 c00c 0001 0001 0000003c 0004 0a000001")
	tbl.Observe(udpPacket(53, 40000, bad))
	tbl.Observe(udpPacket(53, 40000, dnsCNAMEChain))
	if got := tbl.Dropped().Malformed; got != 1 {
		t.Errorf("Malformed = %d, want 1", got)
	}
	if _, names := tbl.Flush(); len(names) != 2 {
		t.Errorf("got %d names after the fault, want 2", len(names))
	}
}

// TestTruncatedPrefixes feeds every prefix of every name-bearing fixture:
// nothing may panic, and a prefix may only yield names the whole message
// yields.
func TestTruncatedPrefixes(t *testing.T) {
	fixtures := []struct {
		name         string
		sport, dport uint16
		msg          []byte
	}{
		{"dns cname chain", 53, 40000, dnsCNAMEChain},
		{"dns captured", 53, 40000, dnsMailGoogle},
		{"nbns registration", 137, 137, nbnsRegistration},
		{"nbns response", 137, 137, nbnsQueryResponse},
		{"nbdgm", 138, 138, nbdgmBrowser},
		{"dhcp inform", 68, 67, func() []byte {
			b := dhcpWith(mustHex("3501 08 0c06 484d492d3031 3708 010f03062c2e2f1f ff"))
			copy(b[offCiaddr:], []byte{10, 0, 0, 13})
			return b
		}()},
	}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			full := New(Options{})
			full.Observe(udpPacket(fx.sport, fx.dport, fx.msg))
			_, all := full.Flush()
			if len(all) == 0 {
				t.Fatal("the whole message yields no names")
			}
			allowed := map[string]bool{}
			for _, n := range all {
				allowed[string(n.Ip)+"|"+n.Name] = true
			}
			for i := 0; i < len(fx.msg); i++ {
				tbl := New(Options{})
				tbl.Observe(udpPacket(fx.sport, fx.dport, fx.msg[:i]))
				_, names := tbl.Flush()
				for _, n := range names {
					if !allowed[string(n.Ip)+"|"+n.Name] {
						t.Errorf("prefix %d yields %q, not in the whole message", i, n.Name)
					}
				}
			}
		})
	}
}
