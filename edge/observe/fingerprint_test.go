package observe

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"google.golang.org/protobuf/proto"

	"mimamori/edge/capture/capturetest"
	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// decodeFrame runs a hex-dumped Ethernet frame through the sensor's own
// decoder, which (unlike gopacket) fills the TCP options.
func decodeFrame(t testing.TB, hexFrame string, ts int64) *decode.Packet {
	t.Helper()
	b := mustHex(hexFrame)
	p := new(decode.Packet)
	ci := gopacket.CaptureInfo{CaptureLength: len(b), Length: len(b)}
	if err := decode.New().Decode(b, ci, layers.LinkTypeEthernet, p); err != nil {
		t.Fatalf("decode: %v", err)
	}
	p.TimestampNs = ts
	return p
}

func protoEqual(a, b proto.Message) bool { return proto.Equal(a, b) }

func netipAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// Handshake frames: a Windows 10 SYN from macA (10.0.0.10, TTL 128) and a
// Linux SYN+ACK from macB (10.0.0.11, TTL 64).
const (
	synWindows = "0200 0000 000b 0200 0000 000a 0800" +
		"4500 0034 1234 4000 8006 0000 0a00 000a 0a00 000b" +
		"c350 01bd 0000 0001 0000 0000 8002 faf0 0000 0000 0204 05b4 0103 0308 0101 0402"
	synAckLinux = "0200 0000 000a 0200 0000 000b 0800" +
		"4500 003c 0000 4000 4006 0000 0a00 000b 0a00 000a" +
		"01bd c350 0000 0009 0000 0002 a012 fe88 0000 0000" +
		"0204 05b4 0402 080a 0000 5678 0000 1234 0103 0307"
)

func TestHandshakeFingerprints(t *testing.T) {
	tbl := New(Options{})
	tbl.Observe(decodeFrame(t, synWindows, 1))
	tbl.Observe(decodeFrame(t, synWindows, 2)) // a retransmission: counted, not kept twice
	tbl.Observe(decodeFrame(t, synAckLinux, 3))
	devs, _ := tbl.Flush()
	if len(devs) != 2 {
		t.Fatalf("%d devices, want 2", len(devs))
	}
	want := map[string]*wirepb.Fingerprint{
		"02:00:00:00:00:0a": {
			Kind: wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN, Ip: []byte{10, 0, 0, 10}, Ttl: 128, Count: 2,
			Tcp: &wirepb.TCPSignature{IpVersion: 4, Mss: 1460, Window: 64240, WindowScale: 8,
				Options: []byte{2, 1, 3, 1, 1, 4}, Quirks: uint32(wirepb.TCPQuirk_TCP_QUIRK_DF | wirepb.TCPQuirk_TCP_QUIRK_ID_NONZERO)},
		},
		"02:00:00:00:00:0b": {
			Kind: wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN_ACK, Ip: []byte{10, 0, 0, 11}, Ttl: 64, Count: 1,
			Tcp: &wirepb.TCPSignature{IpVersion: 4, Mss: 1460, Window: 65160, WindowScale: 7,
				Options: []byte{2, 4, 8, 1, 3}, Quirks: uint32(wirepb.TCPQuirk_TCP_QUIRK_DF)},
		},
	}
	for _, d := range devs {
		mac := net.HardwareAddr(d.Mac).String()
		if len(d.Fingerprints) != 1 {
			t.Fatalf("%s: %d fingerprints, want 1", mac, len(d.Fingerprints))
		}
		if got := d.Fingerprints[0]; !protoEqual(got, want[mac]) {
			t.Errorf("%s:\n got  %v\n want %v", mac, got, want[mac])
		}
		if d.MaxTtl != want[mac].Ttl {
			t.Errorf("%s: max TTL %d, want %d", mac, d.MaxTtl, want[mac].Ttl)
		}
	}
}

// TestQuirkBitsMatchWire pins the decoder's quirk bits to the wire enum,
// which documents them for the cloud.
func TestQuirkBitsMatchWire(t *testing.T) {
	pairs := []struct {
		dec  uint32
		wire wirepb.TCPQuirk
	}{
		{decode.QuirkDF, wirepb.TCPQuirk_TCP_QUIRK_DF},
		{decode.QuirkIDNonZero, wirepb.TCPQuirk_TCP_QUIRK_ID_NONZERO},
		{decode.QuirkIDZero, wirepb.TCPQuirk_TCP_QUIRK_ID_ZERO},
		{decode.QuirkECN, wirepb.TCPQuirk_TCP_QUIRK_ECN},
		{decode.QuirkMBZ, wirepb.TCPQuirk_TCP_QUIRK_MBZ},
		{decode.QuirkFlow, wirepb.TCPQuirk_TCP_QUIRK_FLOW},
		{decode.QuirkSeqZero, wirepb.TCPQuirk_TCP_QUIRK_SEQ_ZERO},
		{decode.QuirkAckNonZero, wirepb.TCPQuirk_TCP_QUIRK_ACK_NONZERO},
		{decode.QuirkAckZero, wirepb.TCPQuirk_TCP_QUIRK_ACK_ZERO},
		{decode.QuirkURGPtr, wirepb.TCPQuirk_TCP_QUIRK_URG_PTR},
		{decode.QuirkURG, wirepb.TCPQuirk_TCP_QUIRK_URG},
		{decode.QuirkPUSH, wirepb.TCPQuirk_TCP_QUIRK_PUSH},
		{decode.QuirkTS1Zero, wirepb.TCPQuirk_TCP_QUIRK_TS1_ZERO},
		{decode.QuirkTS2NonZero, wirepb.TCPQuirk_TCP_QUIRK_TS2_NONZERO},
		{decode.QuirkOptTrailing, wirepb.TCPQuirk_TCP_QUIRK_OPT_TRAILING},
		{decode.QuirkWScaleExcess, wirepb.TCPQuirk_TCP_QUIRK_WSCALE_EXCESS},
		{decode.QuirkOptBad, wirepb.TCPQuirk_TCP_QUIRK_OPT_BAD},
	}
	for _, p := range pairs {
		if p.dec != uint32(p.wire) {
			t.Errorf("%v: decoder bit %#x, wire %#x", p.wire, p.dec, uint32(p.wire))
		}
	}
}

func TestFingerprintCap(t *testing.T) {
	tbl := New(Options{})
	// A router forwards SYNs of eight hosts under its own MAC.
	for i := range 8 {
		p := decodeFrame(t, synWindows, int64(i+1))
		p.SrcIP = netipAddr(fmt.Sprintf("10.0.1.%d", i+1))
		tbl.Observe(p)
	}
	devs, _ := tbl.Flush()
	d := devs[0]
	if len(d.Fingerprints) != maxFingerprints || d.FingerprintsDropped != 2 {
		t.Errorf("kept %d, dropped %d; want %d and 2", len(d.Fingerprints), d.FingerprintsDropped, maxFingerprints)
	}
}

const (
	httpRequest = "GET /index.html HTTP/1.1\r\nHost: plc\r\nuser-agent:  Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko \r\nAccept: */*\r\n\r\n"
	httpReply   = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: GoAhead-Webs\r\n\r\n<html>"
	ssdpNotifyM = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux/3.10 UPnP/1.0 Portable SDK for UPnP devices/1.6.19\r\n\r\n"
	ssdpSearchM = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\nUSER-AGENT: Microsoft Edge/120.0 Windows\r\n\r\n"
)

// httpFrames are the text-fingerprint frames, also part of the allocation
// test's fixtures.
func httpFrames() []frame {
	return []frame{
		{src: macA, dst: macB, ipSrc: "10.0.0.10", ipDst: "10.0.0.11", tcp: ports(50001, 80), data: []byte(httpRequest)},
		{src: macB, dst: macA, ipSrc: "10.0.0.11", ipDst: "10.0.0.10", tcp: ports(80, 50001), data: []byte(httpReply)},
		{src: macC, dst: mac("01:00:5e:7f:ff:fa"), ipSrc: "10.0.0.12", ipDst: "239.255.255.250", udp: ports(1900, 1900), data: []byte(ssdpNotifyM)},
		{src: macA, dst: mac("01:00:5e:7f:ff:fa"), ipSrc: "10.0.0.10", ipDst: "239.255.255.250", udp: ports(50002, 1900), data: []byte(ssdpSearchM)},
	}
}

func TestTextFingerprints(t *testing.T) {
	tbl := New(Options{})
	observeFrames(t, tbl, httpFrames())
	observeFrames(t, tbl, httpFrames()[:1])
	devs, _ := tbl.Flush()
	got := map[string][]string{}
	for _, d := range devs {
		for _, f := range d.Fingerprints {
			got[net.HardwareAddr(d.Mac).String()] = append(got[net.HardwareAddr(d.Mac).String()],
				fmt.Sprintf("%s %d %q", f.Kind, f.Count, f.Text))
		}
	}
	want := map[string][]string{
		"02:00:00:00:00:0a": {
			`FINGERPRINT_KIND_HTTP_USER_AGENT 2 "Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko"`,
			`FINGERPRINT_KIND_SSDP_USER_AGENT 1 "Microsoft Edge/120.0 Windows"`,
		},
		"02:00:00:00:00:0b": {`FINGERPRINT_KIND_HTTP_SERVER 1 "GoAhead-Webs"`},
		"02:00:00:00:00:0c": {`FINGERPRINT_KIND_SSDP_SERVER 1 "Linux/3.10 UPnP/1.0 Portable SDK for UPnP devices/1.6.19"`},
	}
	for mac, w := range want {
		if fmt.Sprint(got[mac]) != fmt.Sprint(w) {
			t.Errorf("%s:\n got  %q\n want %q", mac, got[mac], w)
		}
	}
}

func TestHeaderValue(t *testing.T) {
	long := "GET / HTTP/1.1\r\nX: " + string(make([]byte, maxHeaderScan)) + "\r\nUser-Agent: late\r\n\r\n"
	for _, tt := range []struct {
		name, msg, header, want string
		ok                      bool
	}{
		{"plain", "GET / HTTP/1.1\r\nUser-Agent: curl/8.0\r\n\r\n", "user-agent", "curl/8.0", true},
		{"case and spacing", "GET / HTTP/1.1\r\nUSER-AGENT:\tcurl/8.0  \r\n", "user-agent", "curl/8.0", true},
		{"bare newlines", "GET / HTTP/1.1\nHost: a\nUser-Agent: x\n\n", "user-agent", "x", true},
		{"cut by the segment end", "GET / HTTP/1.1\r\nUser-Agent: Mozi", "user-agent", "Mozi", true},
		{"after the headers", "GET / HTTP/1.1\r\nHost: a\r\n\r\nUser-Agent: body", "user-agent", "", false},
		{"prefix of another header", "GET / HTTP/1.1\r\nUser-Agent-X: a\r\n\r\n", "user-agent", "", false},
		{"in the request line", "GET /User-Agent: HTTP/1.1\r\n\r\n", "user-agent", "", false},
		{"beyond the scan limit", long, "user-agent", "", false},
		{"no lines", "GET / HTTP/1.1", "user-agent", "", false},
	} {
		v, ok := headerValue([]byte(tt.msg), []byte(tt.header))
		if ok != tt.ok || string(v) != tt.want {
			t.Errorf("%s: got %q %v, want %q %v", tt.name, v, ok, tt.want, tt.ok)
		}
	}
}

func TestClipText(t *testing.T) {
	s := make([]byte, 0, 300)
	for len(s) < 300 {
		s = append(s, "日本"...)
	}
	got := clipText(s)
	if len(got) > maxTextLen || !printableText(got) {
		t.Errorf("clipped to %d bytes, printable %v", len(got), printableText(got))
	}
}

func TestBrowserAnnouncement(t *testing.T) {
	tbl := New(Options{})
	observeFrames(t, tbl, []frame{{src: macA, dst: broadcastMAC, ipSrc: "192.168.10.22", ipDst: "192.168.10.255",
		udp: ports(138, 138), data: nbdgmBrowser}})
	devs, _ := tbl.Flush()
	b := devs[0].Browser
	if b == nil {
		t.Fatal("no browser announcement kept")
	}
	// tshark: Host Announcement, WIN2K3LAB022, OS 5.2, server type
	// 0x00829003 (workstation, server, NT workstation, potential browser,
	// DFS); the fixture stops before the comment.
	want := &wirepb.BrowserAnnouncement{Name: "WIN2K3LAB022", OsMajor: 5, OsMinor: 2, ServerType: 0x00829003, Command: 1}
	if !protoEqual(b, want) {
		t.Errorf("got %v, want %v", b, want)
	}
}

// TestParseAnnouncementRejects covers the non-announcement and broken cases.
func TestParseAnnouncementRejects(t *testing.T) {
	good := nbdgmBrowser[nbdgmHeaderLen+34+34:]
	for _, tt := range []struct {
		name    string
		smb     []byte
		ok      bool
		wantErr error
	}{
		{"announcement", good, true, nil},
		{"not smb", []byte("hello, world, this is not an SMB message at all"), false, nil},
		{"header only", good[:smbHeaderLen+1], false, errTruncated},
		{"cut in the announcement", good[:len(good)-20], false, errTruncated},
		{"election", withOpcode(good, 0x08), false, nil},
		{"domain announcement", withOpcode(good, 0x0c), false, nil},
	} {
		_, ok, err := parseAnnouncement(tt.smb)
		if ok != tt.ok || err != tt.wantErr {
			t.Errorf("%s: ok %v err %v, want %v %v", tt.name, ok, err, tt.ok, tt.wantErr)
		}
	}
}

// withOpcode returns a copy of an announcement's SMB with another browser opcode.
func withOpcode(smb []byte, op byte) []byte {
	b := append([]byte(nil), smb...)
	off := int(b[smbOffDataOffset]) | int(b[smbOffDataOffset+1])<<8
	b[off] = op
	return b
}

// TestLinkAnnouncementsFromCaptures reads LLDP, CDP and STP from real
// captures. Expected values from
//
//	tshark -r FILE -Y 'lldp || cdp || stp' -T fields -e eth.src -e cdp.deviceid -e cdp.platform ...
func TestLinkAnnouncementsFromCaptures(t *testing.T) {
	dir := capturetest.Dir(t)
	quick, _, _ := observeCapture(t, filepath.Join(dir, "attacks", "quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap"))
	profinet, _, _ := observeCapture(t, filepath.Join(dir, "profinet", "icsnpp_profinet_io_cm_mixed_1.pcap"))
	byMAC := map[string]*wirepb.Device{}
	for _, d := range append(quick, profinet...) {
		byMAC[net.HardwareAddr(d.Mac).String()] = d
	}
	lldp := uint32(wirepb.L2Protocol_L2_PROTOCOL_LLDP)
	cdp := uint32(wirepb.L2Protocol_L2_PROTOCOL_CDP)
	stp := uint32(wirepb.L2Protocol_L2_PROTOCOL_STP)
	for _, tt := range []struct {
		mac      string
		l2       uint32
		proto    wirepb.L2Protocol
		name     string
		desc     string
		platform string
		port     string
		mgmt     []byte
	}{
		// Cisco Catalyst Express 500 announcing itself by CDP and sending BPDUs.
		{mac: "00:1e:f6:73:59:81", l2: cdp | stp, proto: wirepb.L2Protocol_L2_PROTOCOL_CDP, name: "Ns5gt",
			platform: "cisco WS-CE500-24TT", port: "GigabitEthernet1",
			desc: "Cisco IOS Software, CE500 Software (CE500-LANBASE-M), Version 12.2(25)SEG4, RELEASE SOFTWARE (fc1) Copyright (c) 1986-2007 by Cisco Systems, Inc. Compiled Mon 13-Aug-07 17:34 by yenanh"},
		// D-Link switch: LLDP with a management address, no system name.
		{mac: "00:21:91:06:f1:66", l2: lldp, proto: wirepb.L2Protocol_L2_PROTOCOL_LLDP, port: "19", mgmt: []byte{208, 73, 217, 142}},
		// Siemens SCALANCE X-200 ports.
		{mac: "00:0e:8c:ef:75:c9", l2: lldp, proto: wirepb.L2Protocol_L2_PROTOCOL_LLDP,
			desc: "Siemens AG SIMATIC S7 MULTIPORT SCALANCE X 200 FAM"},
	} {
		d := byMAC[tt.mac]
		if d == nil || d.Link == nil {
			t.Errorf("%s: no link announcement", tt.mac)
			continue
		}
		l := d.Link
		if d.L2Protocols&tt.l2 != tt.l2 || l.Protocol != tt.proto || l.SystemName != tt.name ||
			(tt.desc != "" && l.SystemDescription != tt.desc) || (tt.platform != "" && l.Platform != tt.platform) ||
			(tt.port != "" && l.Port != tt.port) || (tt.mgmt != nil && string(l.ManagementIp) != string(tt.mgmt)) {
			t.Errorf("%s: l2 %b, link %v", tt.mac, d.L2Protocols, l)
		}
	}
	// Field-network frames mark their senders.
	field, _, _ := observeCapture(t, filepath.Join(dir, "cclink-ie-field-control", "nttcom_cc_link_ief.pcap"))
	rt, _, _ := observeCapture(t, filepath.Join(dir, "profinet", "iti_PROFINET-RT.pcap"))
	for _, d := range append(field, rt...) {
		byMAC[net.HardwareAddr(d.Mac).String()] = d
	}
	if d := byMAC["00:11:11:11:11:11"]; d == nil || d.L2Protocols&uint32(wirepb.L2Protocol_L2_PROTOCOL_CCLINK_IE) == 0 {
		t.Errorf("CC-Link IE Field sender: %v", d)
	}
	if d := byMAC["00:1b:1b:02:9a:c3"]; d == nil || d.L2Protocols&uint32(wirepb.L2Protocol_L2_PROTOCOL_PROFINET) == 0 {
		t.Errorf("PROFINET RT sender: %v", d)
	}
	// A domain announcement names the workgroup, not the laptop's OS.
	if d := byMAC["e4:11:5b:5a:d9:73"]; d == nil || d.Browser != nil {
		t.Errorf("laptop e4:11:5b:5a:d9:73: %v, want a device without a browser announcement", d)
	}
	if d := byMAC["00:0c:29:e8:32:7a"]; d == nil || d.Browser == nil || d.Browser.Name != "WIN2K3LAB022" ||
		d.Browser.OsMajor != 5 || d.Browser.OsMinor != 2 || len(d.Fingerprints) == 0 {
		t.Errorf("WIN2K3LAB022: %v", d)
	}
}

// Link-layer frames captured in
// attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap: frame
// 256 (LLDP from a D-Link switch) and frame 272 (CDP from a Cisco CE500).
const (
	lldpDLink = "0180c200000e00219106f16688cc02070400219106f166040301313906020078100c0501d049d98e02000000000000" +
		"000000000000000000000000000000"
	cdpCE500 = "01000ccccccc001ef6735981014faaaa0300000c200002b40ab0000100094e73356774000500bc436973636f20494f" +
		"5320536f6674776172652c20434535303020536f667477617265202843453530302d4c414e424153452d4d292c2056" +
		"657273696f6e2031322e3228323529534547342c2052454c4541534520534f4654574152452028666331290a436f70" +
		"7972696768742028632920313938362d3230303720627920436973636f2053797374656d732c20496e632e0a436f6d" +
		"70696c6564204d6f6e2031332d4175672d30372031373a33342062792079656e616e6800060017636973636f205753" +
		"2d43453530302d3234545400020011000000010101cc0004c0a80afd000300144769676162697445746865726e6574" +
		"31000400080000002800090004000a00060003000b0005010012000500001300050000160011000000010101cc0004" +
		"c0a80afd001a00100000000100000000ffffffff"
)

// fingerprintPackets are frames of every fingerprint kind, decoded.
func fingerprintPackets(t testing.TB) []*decode.Packet {
	pkts := []*decode.Packet{
		decodeFrame(t, synWindows, 1), decodeFrame(t, synAckLinux, 2),
		decodeFrame(t, lldpDLink, 3), decodeFrame(t, cdpCE500, 4),
	}
	for i, f := range httpFrames() {
		pkts = append(pkts, toPacket(f.bytes(), int64(10+i)))
	}
	browser := frame{src: macA, dst: broadcastMAC, ipSrc: "192.168.10.22", ipDst: "192.168.10.255",
		udp: ports(138, 138), data: nbdgmBrowser}
	return append(pkts, toPacket(browser.bytes(), 20))
}

// TestFingerprintAllocs: once a device's fingerprints are known, seeing
// them again allocates nothing, and neither does the next minute after
// the buffers exist.
func TestFingerprintAllocs(t *testing.T) {
	pkts := fingerprintPackets(t)
	tbl := New(Options{})
	for _, p := range pkts {
		tbl.Observe(p)
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, p := range pkts {
			tbl.Observe(p)
		}
	}); n != 0 {
		t.Errorf("steady state: %v allocations, want 0", n)
	}
	tbl.Flush()
	for _, p := range pkts {
		tbl.Observe(p)
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, p := range pkts {
			tbl.Observe(p)
		}
		for _, d := range tbl.devices {
			d.reset()
			tbl.freeDevices = append(tbl.freeDevices, d)
		}
		clear(tbl.devices)
	}); n != 0 {
		t.Errorf("next minute: %v allocations, want 0", n)
	}
}

func BenchmarkObserveFingerprints(b *testing.B) {
	pkts := fingerprintPackets(b)
	tbl := New(Options{})
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pkts {
			tbl.Observe(p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/frame")
}

// FuzzFingerprints feeds arbitrary payloads to the HTTP, SSDP, browser,
// LLDP and CDP readers and checks the batch invariants.
func FuzzFingerprints(f *testing.F) {
	f.Add(uint8(0), []byte(httpRequest))
	f.Add(uint8(0), []byte(httpReply))
	f.Add(uint8(1), []byte(ssdpNotifyM))
	f.Add(uint8(1), []byte(ssdpSearchM))
	f.Add(uint8(2), append([]byte(nil), nbdgmBrowser...))
	f.Add(uint8(3), mustHex(lldpDLink)[14:])
	f.Add(uint8(4), mustHex(cdpCE500)[14:])
	f.Fuzz(func(t *testing.T, kind uint8, payload []byte) {
		tbl := New(fuzzLimits)
		var p *decode.Packet
		switch kind % 5 {
		case 0:
			p = udpPacket(50000, 80, payload)
			p.IPProto = layers.IPProtocolTCP
		case 1:
			p = udpPacket(1900, 1900, payload)
		case 2:
			p = udpPacket(138, 138, payload)
		case 3, 4:
			p = udpPacket(0, 0, payload)
			p.IPVersion, p.IPProto, p.SrcIP, p.DstIP = 0, 0, netip.Addr{}, netip.Addr{}
			p.EtherType = etherTypeLLDP
			if kind%5 == 4 {
				p.EtherType = layers.EthernetTypeLLC
			}
		}
		tbl.Observe(p)
		devs, _ := tbl.Flush()
		for _, d := range devs {
			if len(d.Fingerprints) > maxFingerprints {
				t.Fatalf("%d fingerprints", len(d.Fingerprints))
			}
			for _, fp := range d.Fingerprints {
				if len(fp.Text) > maxTextLen || (fp.Text != "" && !printableText([]byte(fp.Text))) {
					t.Fatalf("text %q", fp.Text)
				}
			}
			if _, err := proto.Marshal(d); err != nil {
				t.Fatalf("device does not encode: %v", err)
			}
		}
	})
}
