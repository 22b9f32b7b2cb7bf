package synth

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

func digest(t *testing.T, cfg Config) (string, int) {
	t.Helper()
	g := New(cfg)
	h := sha256.New()
	n := 0
	var ts [8]byte
	for {
		f, at, ok := g.Next()
		if !ok {
			return fmt.Sprintf("%x", h.Sum(nil)), n
		}
		binary.BigEndian.PutUint64(ts[:], uint64(at))
		h.Write(ts[:])
		h.Write(f)
		n++
	}
}

func TestDeterministic(t *testing.T) {
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	cfg := Config{Seed: 42, Start: start, Duration: 2 * time.Minute}
	a, n := digest(t, cfg)
	b, m := digest(t, cfg)
	if a != b || n != m {
		t.Fatalf("same seed and start gave different streams: %s/%d vs %s/%d", a, n, b, m)
	}
	cfg.Seed = 43
	if c, _ := digest(t, cfg); c == a {
		t.Fatal("a different seed gave the same stream")
	}
	cfg.Seed, cfg.Start = 42, start.Add(time.Hour)
	if c, _ := digest(t, cfg); c == a {
		t.Fatal("a different start gave the same stream")
	}
}

// TestFramesValid checks every frame of four minutes of the default plant:
// gopacket decodes it without error, lengths and checksums are right, time
// never goes backwards, TCP sequence and acknowledgement numbers advance
// exactly, and addresses agree with the ground truth.
func TestFramesValid(t *testing.T) {
	g := New(Config{Seed: 7, Duration: 4 * time.Minute})
	hosts := g.Hosts()
	byMAC := map[mac]Host{}
	byIP := map[[4]byte]Host{}
	for _, h := range hosts {
		var m mac
		copy(m[:], h.MAC)
		byMAC[m] = h
		byIP[h.IP.As4()] = h
	}
	f := g.Factory()
	router := byMAC[g.router.mac]
	gateways := map[[4]byte]Subnet{}
	prefixes := map[string]netip.Prefix{}
	for _, s := range f.Subnets {
		gateways[s.Gateway.As4()] = s
		prefixes[s.Name] = s.Prefix
	}

	next := map[string]uint32{} // per direction: next expected sequence number
	var last int64
	count := 0
	for {
		frame, ts, ok := g.Next()
		if !ok {
			break
		}
		count++
		if ts < last {
			t.Fatalf("frame %d: time went backwards (%d < %d)", count, ts, last)
		}
		last = ts
		if len(frame) < 60 || len(frame) > 1518 {
			t.Fatalf("frame %d: length %d outside 60..1518", count, len(frame))
		}
		pk := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
		if el := pk.ErrorLayer(); el != nil {
			t.Fatalf("frame %d: gopacket: %v\n%s", count, el.Error(), pk.Dump())
		}
		p := parse(t, frame, ts)

		// Layer 2 and ground truth.
		src, known := byMAC[p.src]
		if !known {
			t.Fatalf("frame %d: source MAC %x is no host's", count, p.src)
		}
		if p.etype == etherARP {
			var sip [4]byte
			copy(sip[:], p.l3[14:18])
			_, isGW := gateways[sip]
			if sip != ([4]byte{}) && sip != src.IP.As4() && !(src.Name == router.Name && isGW) {
				t.Fatalf("frame %d: ARP sender %v from %s (%v)", count, sip, src.Name, src.IP)
			}
		}
		if p.vlan != src.VLAN && p.etype == etherIPv4 {
			t.Fatalf("frame %d: %s sent on VLAN %d, lives on %d", count, src.Name, p.vlan, src.VLAN)
		}
		if !p.ip {
			continue
		}

		// IPv4 header.
		ip := p.l3[:p.ipLen]
		if rfc1071(ip[:20]) != 0 {
			t.Fatalf("frame %d: bad IPv4 header checksum", count)
		}
		if p.sip != ([4]byte{}) && p.sip != src.IP.As4() {
			t.Fatalf("frame %d: %s sent from IP %v", count, src.Name, netip.AddrFrom4(p.sip))
		}
		if p.dst[0]&1 == 0 { // unicast: L2 destination is the host itself or the router
			dst, ok := byIP[p.dip]
			if !ok {
				t.Fatalf("frame %d: unicast to unknown IP %v", count, netip.AddrFrom4(p.dip))
			}
			want := dst.MAC
			if dst.Subnet != src.Subnet {
				want = router.MAC
			}
			if !bytes.Equal(p.dst[:], want) {
				t.Fatalf("frame %d: %s -> %s via MAC %x, want %x", count, src.Name, dst.Name, p.dst, want)
			}
		}

		// Transport checksum and length.
		l4 := ip[int(ip[0]&0x0f)*4:]
		ph := append(append([]byte{}, ip[12:20]...), 0, p.proto, byte(len(l4)>>8), byte(len(l4)))
		switch p.proto {
		case protoUDP:
			if int(binary.BigEndian.Uint16(l4[4:])) != len(l4) {
				t.Fatalf("frame %d: UDP length %d, segment %d", count, binary.BigEndian.Uint16(l4[4:]), len(l4))
			}
			if rfc1071(ph, l4) != 0 {
				t.Fatalf("frame %d: bad UDP checksum", count)
			}
		case protoTCP:
			if rfc1071(ph, l4) != 0 {
				t.Fatalf("frame %d: bad TCP checksum", count)
			}
			fwd := fmt.Sprintf("%v:%d>%v:%d", p.sip, p.sport, p.dip, p.dport)
			rev := fmt.Sprintf("%v:%d>%v:%d", p.dip, p.dport, p.sip, p.sport)
			n := uint32(len(p.payload))
			if p.flags&(tcpSYN|tcpFIN) != 0 {
				n++
			}
			if p.flags&tcpSYN == 0 {
				if want, ok := next[fwd]; !ok || p.seq != want {
					t.Fatalf("frame %d: %s seq %d, want %d", count, fwd, p.seq, want)
				}
			}
			if p.flags&tcpACK != 0 && p.ack != next[rev] {
				t.Fatalf("frame %d: %s ack %d, want %d", count, fwd, p.ack, next[rev])
			}
			next[fwd] = p.seq + n
		case protoICMP:
			if rfc1071(l4) != 0 {
				t.Fatalf("frame %d: bad ICMP checksum", count)
			}
		}
	}
	if count < 50000 {
		t.Fatalf("only %d frames in four minutes", count)
	}
	t.Logf("%d frames checked", count)
}

// TestPayloads checks the OT payloads no stock dissector covers: SLMP 3E
// and CC-Link IE Field Basic, by their length fields and command codes.
func TestPayloads(t *testing.T) {
	var slmpReq, slmpResp, ccReq, ccResp int
	for _, p := range collect(t, Config{Seed: 3, Duration: 90 * time.Second}) {
		pl := p.payload
		switch {
		case p.proto == protoTCP && len(pl) > 0 && (p.dport == 5001 || p.dport == 5002 || p.dport == 5003):
			if pl[0] != 0x50 || pl[1] != 0x00 || int(binary.LittleEndian.Uint16(pl[7:]))+9 != len(pl) {
				t.Fatalf("bad SLMP request % x", pl)
			}
			if cmd := binary.LittleEndian.Uint16(pl[11:]); cmd != 0x0401 && cmd != 0x0101 {
				t.Fatalf("unexpected SLMP command %#04x", cmd)
			}
			slmpReq++
		case p.proto == protoTCP && len(pl) > 0 && (p.sport == 5001 || p.sport == 5002 || p.sport == 5003):
			if pl[0] != 0xd0 || int(binary.LittleEndian.Uint16(pl[7:]))+9 != len(pl) || pl[9]|pl[10] != 0 {
				t.Fatalf("bad SLMP response % x", pl)
			}
			slmpResp++
		case p.proto == protoUDP && p.dport == ccPort:
			if int(binary.LittleEndian.Uint16(pl[7:]))+9 != len(pl) {
				t.Fatalf("bad CC-Link IE Field Basic length % x", pl[:16])
			}
			switch pl[0] {
			case 0x50:
				if binary.LittleEndian.Uint16(pl[11:]) != ccCyclicCmd || p.dip[3] != 255 {
					t.Fatalf("bad cyclic request % x", pl[:16])
				}
				n := int(binary.LittleEndian.Uint16(pl[61:]))
				if len(pl) != 67+4*n+64*n+8*n {
					t.Fatalf("cyclic request for %d stations is %d bytes", n, len(pl))
				}
				ccReq++
			case 0xd0:
				if dl := int(binary.LittleEndian.Uint16(pl[7:])); (dl-50)%72 != 0 {
					t.Fatalf("cyclic response dl %d is not 50+72n", dl)
				}
				ccResp++
			default:
				t.Fatalf("bad CC-Link IE Field Basic subheader %#x", pl[0])
			}
		}
	}
	// A request just before the end may have its reply cut off.
	if slmpReq == 0 || slmpReq-slmpResp > 10 || ccReq == 0 || 2*ccReq-ccResp > 6 {
		t.Fatalf("SLMP %d/%d, CCIEF %d/%d", slmpReq, slmpResp, ccReq, ccResp)
	}
}

func TestHostsGroundTruth(t *testing.T) {
	// Vendors as the IEEE registry names each OUI used (Wireshark's manuf).
	registry := map[string]string{
		"00:26:92": "Mitsubishi Electric", "28:e9:8e": "Mitsubishi Electric",
		"00:00:0a": "Omron", "28:63:36": "Siemens", "00:1b:1b": "Siemens",
		"5c:88:16": "Rockwell Automation", "e4:90:69": "Rockwell Automation",
		"00:80:f4": "Schneider Electric", "00:30:de": "WAGO", "00:90:e8": "Moxa",
		"00:01:23": "Pro-face", "00:d0:c9": "Advantech", "00:09:41": "Allied Telesis",
		"00:80:63": "Hirschmann", "00:1b:54": "Cisco", "d4:be:d9": "Dell", "98:90:96": "Dell",
		"f8:b1:56": "Dell", "18:66:da": "Dell", "b8:ac:6f": "Dell", "a4:4c:c8": "Dell",
		"3c:52:82": "HP", "ec:b1:d7": "HP", "b4:b5:2f": "HP", "10:c5:95": "Lenovo",
	}
	for _, cells := range []int{1, 3, 10} {
		g := New(Config{Cells: cells})
		hosts := g.Hosts()
		if cells == 3 && (len(hosts) < 30 || len(hosts) > 50) {
			t.Errorf("default plant has %d hosts, want 30..50", len(hosts))
		}
		f := g.Factory()
		subnets := map[string]Subnet{}
		for _, s := range f.Subnets {
			subnets[s.Name] = s
		}
		macs, ips, names := map[string]bool{}, map[netip.Addr]bool{}, map[string]bool{}
		for _, h := range hosts {
			if macs[h.MAC.String()] || ips[h.IP] || names[h.Name] {
				t.Fatalf("%d cells: duplicate MAC, IP or name at %s", cells, h.Name)
			}
			macs[h.MAC.String()], ips[h.IP], names[h.Name] = true, true, true
			s := subnets[h.Subnet]
			if !s.Prefix.Contains(h.IP) || h.VLAN != s.VLAN {
				t.Errorf("%s: %v / VLAN %d not in subnet %s", h.Name, h.IP, h.VLAN, s.Name)
			}
			if v, ok := registry[h.MAC.String()[:8]]; !ok || v != h.Vendor {
				t.Errorf("%s: MAC %v (registry %q) does not match vendor %q", h.Name, h.MAC, v, h.Vendor)
			}
			if h.Role == "" || h.OS == "" || h.Model == "" {
				t.Errorf("%s: incomplete ground truth %+v", h.Name, h)
			}
		}
	}
	for _, h := range New(Config{Untagged: true}).Hosts() {
		if h.VLAN != 0 {
			t.Fatalf("Untagged: %s still on VLAN %d", h.Name, h.VLAN)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, cells := range []int{1, 2, 3, 7, MaxCells} {
		if err := DefaultFactory(cells).Validate(); err != nil {
			t.Fatalf("DefaultFactory(%d): %v", cells, err)
		}
	}
	bad := map[string]func(f *Factory){
		"unknown host":    func(f *Factory) { f.Talks[0].Server = "nobody" },
		"duplicate MAC":   func(f *Factory) { f.Hosts[1].MAC = f.Hosts[2].MAC },
		"duplicate IP":    func(f *Factory) { f.Hosts[1].IP = f.Hosts[2].IP },
		"IP off subnet":   func(f *Factory) { f.Hosts[1].IP = netip.MustParseAddr("10.9.9.9") },
		"short cycle":     func(f *Factory) { f.Talks[0].Cycle = time.Millisecond },
		"no pause":        func(f *Factory) { f.Talks[0].PerConn, f.Talks[0].Pause = 3, 0 },
		"remote DHCP":     func(f *Factory) { f.DHCPServer = "scada01" },
		"slave elsewhere": func(f *Factory) { f.CCIEF[0].Slaves[0] = "scada01" },
		"no router":       func(f *Factory) { f.Router = "" },
	}
	for name, mutate := range bad {
		f := DefaultFactory(1).Clone()
		mutate(f)
		if err := f.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
}

func TestDuration(t *testing.T) {
	start := defaultStart()
	ps := collect(t, Config{Seed: 1, Duration: 30 * time.Second})
	end := start.Add(30 * time.Second).UnixNano()
	if len(ps) == 0 || ps[len(ps)-1].ts >= end || ps[0].ts < start.UnixNano() {
		t.Fatalf("frames outside [start, start+30s)")
	}
}

func TestWritePcap(t *testing.T) {
	var buf bytes.Buffer
	n, err := WritePcap(&buf, New(Config{Seed: 5, Duration: 20 * time.Second}), 0)
	if err != nil || n == 0 {
		t.Fatalf("WritePcap: %d, %v", n, err)
	}
	r, err := pcapgo.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v", r.LinkType())
	}
	m := 0
	for {
		_, _, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		m++
	}
	if m != n {
		t.Fatalf("wrote %d packets, read back %d", n, m)
	}
	if _, err := WritePcap(io.Discard, New(Config{}), 0); err == nil {
		t.Fatal("endless generator without a limit was accepted")
	}
	if n, err := WritePcap(io.Discard, New(Config{}), 100); err != nil || n != 100 {
		t.Fatalf("limited write: %d, %v", n, err)
	}
}

// TestUntagged: no 802.1Q tags on the wire when asked.
func TestUntagged(t *testing.T) {
	for _, p := range collect(t, Config{Seed: 2, Duration: 10 * time.Second, Untagged: true}) {
		if p.vlan != 0 || binary.BigEndian.Uint16(p.raw[12:]) == etherVLAN {
			t.Fatal("tagged frame in an untagged stream")
		}
	}
}

// TestCustomFactory shows the declarative description being edited: a
// one-cell plant with an extra Modbus poller on a fast cycle.
func TestCustomFactory(t *testing.T) {
	f := DefaultFactory(1)
	f.Talks = append(f.Talks, Talk{Client: "scada01", Server: "cell1-mbio1", Proto: ProtoModbus,
		Port: 503, Cycle: 50 * time.Millisecond, Start: time.Second})
	n := 0
	for _, p := range collect(t, Config{Seed: 9, Factory: f, Duration: 30 * time.Second}) {
		if p.proto == protoTCP && p.dport == 503 && len(p.payload) > 0 {
			n++
		}
	}
	// ~25 s of polling at 20 per second.
	if n < 400 || n > 560 {
		t.Fatalf("%d requests on the added talk", n)
	}
	if strings.Contains(f.Name, "3cell") {
		t.Fatal("factory name not derived from cells")
	}
}
