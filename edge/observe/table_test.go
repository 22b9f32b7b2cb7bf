package observe

import (
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/google/gopacket/layers"
)

func TestDeviceCap(t *testing.T) {
	tbl := New(Options{MaxDevices: 2})
	observeFrames(t, tbl, []frame{
		{src: macA, dst: macB, ipSrc: "10.0.0.10", ipDst: "10.0.0.11", udp: ports(1, 2)},
		{src: macC, dst: macA, ipSrc: "10.0.0.12", ipDst: "10.0.0.10", udp: ports(1, 2)}, // C does not fit
	})
	devs, _ := tbl.Flush()
	want := []wantDevice{
		{MAC: macA.String(), IPs: []string{"10.0.0.10"}, Evidence: evIP, Sent: 1, Recv: 1},
		{MAC: macB.String(), Recv: 1},
	}
	if got := gotDevices(devs); !reflect.DeepEqual(got, want) {
		t.Errorf("devices:\n got %s\nwant %s", fmtSlice(got), fmtSlice(want))
	}
	if got := tbl.Dropped().Devices; got != 1 {
		t.Errorf("Dropped().Devices = %d, want 1", got)
	}
	// The next minute has room again.
	observeFrames(t, tbl, []frame{{src: macC, dst: macA, ipSrc: "10.0.0.12", ipDst: "10.0.0.10", udp: ports(1, 2)}})
	if devs, _ := tbl.Flush(); len(devs) != 2 {
		t.Errorf("next minute: %d devices, want 2", len(devs))
	}
}

func TestNameCap(t *testing.T) {
	tbl := New(Options{MaxNames: 1})
	dns := frame{src: macB, dst: macA, ipSrc: "10.0.0.53", ipDst: "10.0.0.10", udp: ports(53, 40000), data: dnsCNAMEChain}
	observeFrames(t, tbl, []frame{dns, dns})
	_, names := tbl.Flush()
	want := []wantName{{IP: "10.1.2.3", Name: "plc-7.plant.example", Source: srcDNS, Count: 2}}
	if got := gotNames(names); !reflect.DeepEqual(got, want) {
		t.Errorf("names:\n got %s\nwant %s", fmtSlice(got), fmtSlice(want))
	}
	if got := tbl.Dropped().Names; got != 2 {
		t.Errorf("Dropped().Names = %d, want 2", got)
	}
}

// TestRouterIPCap: a router forwards for many hosts under one MAC. It keeps
// maxIPsPerDevice addresses, and its own ARP-announced address displaces a
// traffic-only one.
func TestRouterIPCap(t *testing.T) {
	router := mac("02:00:00:00:00:fe")
	tbl := New(Options{})
	var frames []frame
	for i := 1; i <= 20; i++ {
		frames = append(frames, frame{src: router, dst: macA, ipSrc: fmt.Sprintf("172.16.0.%d", i), ipDst: "10.0.0.10", udp: ports(1, 2)})
	}
	frames = append(frames, arpFrame(router, broadcastMAC, layers.ARPRequest, router, "10.0.0.254", zero, "10.0.0.10"))
	observeFrames(t, tbl, frames)
	devs, _ := tbl.Flush()
	got := gotDevices(devs)
	i := slices.IndexFunc(got, func(d wantDevice) bool { return d.MAC == router.String() })
	if i < 0 {
		t.Fatal("router not observed")
	}
	r := got[i]
	if len(r.IPs) != maxIPsPerDevice {
		t.Errorf("router keeps %d IPs, want %d", len(r.IPs), maxIPsPerDevice)
	}
	if !slices.Contains(r.IPs, "10.0.0.254") {
		t.Errorf("router's ARP address was not kept: %v", r.IPs)
	}
	if r.Evidence != evARP|evIP {
		t.Errorf("evidence = %d, want ARP|IP", r.Evidence)
	}
	// 4 addresses never fitted, 1 was displaced by the ARP binding.
	if d := tbl.Dropped().IPs; d != 5 {
		t.Errorf("Dropped().IPs = %d, want 5", d)
	}
}

// TestFlushOrderAndReset checks the batch is sorted whatever the arrival
// order, and that the next minute starts empty although entries are reused.
func TestFlushOrderAndReset(t *testing.T) {
	tbl := New(Options{})
	observeFrames(t, tbl, []frame{
		dhcpFrame(macC, broadcastMAC, "10.0.0.12", "255.255.255.255", dhcpMsg(layers.DHCPOpRequest, macC, "10.0.0.12", "0.0.0.0",
			dhcpType(layers.DHCPMsgTypeInform), dhcpOpt(layers.DHCPOptHostname, "zeta"), dhcpOpt(layers.DHCPOptParamsRequest, "\x01\x03"))),
		{src: macB, dst: macA, ipSrc: "fe80::b", ipDst: "fe80::a", udp: ports(5355, 5000),
			data: dnsMsg(&layers.DNS{QR: true,
				Questions: []layers.DNSQuestion{{Name: []byte("zeta"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
				Answers:   []layers.DNSResourceRecord{rrA("zeta", "10.0.0.12"), rrA("zeta", "fe80::c")},
			})},
		{src: macB, dst: macA, ipSrc: "10.0.0.11", ipDst: "10.0.0.10", udp: ports(5355, 5000),
			data: dnsMsg(&layers.DNS{QR: true,
				Questions: []layers.DNSQuestion{{Name: []byte("alpha"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
				Answers:   []layers.DNSResourceRecord{rrA("alpha", "10.0.0.12")},
			})},
		{src: macA, dst: macB, ipSrc: "10.0.0.10", ipDst: "10.0.0.11", udp: ports(1, 2)},
		{src: macA, dst: macB, ipSrc: "10.0.0.9", ipDst: "10.0.0.11", udp: ports(1, 2)},
	})
	devs, names := tbl.Flush()
	var macs []string
	for _, d := range gotDevices(devs) {
		macs = append(macs, d.MAC)
	}
	if want := []string{macA.String(), macB.String(), macC.String()}; !reflect.DeepEqual(macs, want) {
		t.Errorf("device order %v, want %v", macs, want)
	}
	if a := gotDevices(devs)[0]; !reflect.DeepEqual(a.IPs, []string{"10.0.0.9", "10.0.0.10"}) {
		t.Errorf("device A IPs %v, want sorted [10.0.0.9 10.0.0.10]", a.IPs)
	}
	wantNames := []wantName{
		{IP: "10.0.0.12", Name: "alpha", Source: srcLLMNR, Count: 1},
		{IP: "10.0.0.12", Name: "zeta", Source: srcLLMNR, Count: 1},
		{IP: "10.0.0.12", Name: "zeta", Source: srcDHCP, Count: 1},
		{IP: "fe80::c", Name: "zeta", Source: srcLLMNR, Count: 1},
	}
	if got := gotNames(names); !reflect.DeepEqual(got, wantNames) {
		t.Errorf("names:\n got %s\nwant %s", fmtSlice(got), fmtSlice(wantNames))
	}

	if devs, names := tbl.Flush(); len(devs) != 0 || len(names) != 0 {
		t.Fatalf("second Flush returned %d devices, %d names; want none", len(devs), len(names))
	}

	// Reused entries must not carry last minute's data.
	observeFrames(t, tbl, []frame{
		{src: macC, dst: macA, ipSrc: "10.0.0.40", ipDst: "10.0.0.10", udp: ports(1, 2)},
		{src: macB, dst: macA, ipSrc: "10.0.0.11", ipDst: "10.0.0.10", udp: ports(5355, 5000),
			data: dnsMsg(&layers.DNS{QR: true,
				Questions: []layers.DNSQuestion{{Name: []byte("beta"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
				Answers:   []layers.DNSResourceRecord{rrA("beta", "10.0.0.40")},
			})},
	})
	devs, names = tbl.Flush()
	wantDevs := []wantDevice{
		{MAC: macA.String(), Recv: 2},
		{MAC: macB.String(), IPs: []string{"10.0.0.11"}, Evidence: evIP, Sent: 1},
		{MAC: macC.String(), IPs: []string{"10.0.0.40"}, Evidence: evIP, Sent: 1},
	}
	if got := gotDevices(devs); !reflect.DeepEqual(got, wantDevs) {
		t.Errorf("next minute devices:\n got %s\nwant %s", fmtSlice(got), fmtSlice(wantDevs))
	}
	if got, want := gotNames(names), []wantName{{IP: "10.0.0.40", Name: "beta", Source: srcLLMNR, Count: 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("next minute names:\n got %s\nwant %s", fmtSlice(got), fmtSlice(want))
	}
}

// TestTimes: first/last follow packet time, even out of order.
func TestTimes(t *testing.T) {
	tbl := New(Options{})
	llmnr := frame{src: macB, dst: macA, ipSrc: "10.0.0.11", ipDst: "10.0.0.10", udp: ports(5355, 5000),
		data: dnsMsg(&layers.DNS{QR: true,
			Questions: []layers.DNSQuestion{{Name: []byte("b"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
			Answers:   []layers.DNSResourceRecord{rrA("b", "10.0.0.11")},
		})}
	for _, ts := range []int64{50, 10, 90, 30} {
		tbl.Observe(toPacket(llmnr.bytes(), ts))
	}
	devs, names := tbl.Flush()
	if len(devs) != 2 || len(names) != 1 {
		t.Fatalf("got %d devices, %d names; want 2, 1", len(devs), len(names))
	}
	for _, d := range devs {
		if d.FirstUnixNs != 10 || d.LastUnixNs != 90 {
			t.Errorf("device %s first/last = %d/%d, want 10/90", net.HardwareAddr(d.Mac), d.FirstUnixNs, d.LastUnixNs)
		}
	}
	if n := names[0]; n.FirstUnixNs != 10 || n.LastUnixNs != 90 || n.Count != 4 {
		t.Errorf("name first/last/count = %d/%d/%d, want 10/90/4", n.FirstUnixNs, n.LastUnixNs, n.Count)
	}
}

// TestByteCounters: bytes are wire lengths, sent by the source and
// received by the destination.
func TestByteCounters(t *testing.T) {
	tbl := New(Options{})
	p := toPacket(frame{src: macA, dst: macB, ipSrc: "10.0.0.10", ipDst: "10.0.0.11", udp: ports(1, 2)}.bytes(), 1)
	p.WireLen = 1514 // as if the capture were cut at a snap length
	tbl.Observe(p)
	tbl.Observe(p)
	devs, _ := tbl.Flush()
	if len(devs) != 2 {
		t.Fatalf("got %d devices, want 2", len(devs))
	}
	if a := devs[0]; a.SentBytes != 3028 || a.RecvBytes != 0 {
		t.Errorf("A sent/recv bytes = %d/%d, want 3028/0", a.SentBytes, a.RecvBytes)
	}
	if b := devs[1]; b.SentBytes != 0 || b.RecvBytes != 3028 {
		t.Errorf("B sent/recv bytes = %d/%d, want 0/3028", b.SentBytes, b.RecvBytes)
	}
}

// TestNoEthernet: raw-IP captures have no MACs; names are still learned.
func TestNoEthernet(t *testing.T) {
	tbl := New(Options{})
	p := udpPacket(53, 40000, dnsCNAMEChain)
	p.HasEthernet, p.HasDstMAC = false, false
	p.Link = layers.LinkTypeRaw
	tbl.Observe(p)
	devs, names := tbl.Flush()
	if len(devs) != 0 || len(names) != 2 {
		t.Errorf("got %d devices, %d names; want 0, 2", len(devs), len(names))
	}
}

func TestBindable(t *testing.T) {
	for _, tt := range []struct {
		ip   string
		want bool
	}{
		{"10.0.0.1", true}, {"fe80::1", true}, {"2001:db8::1", true},
		{"0.0.0.0", false}, {"::", false}, {"127.0.0.1", false}, {"::1", false},
		{"224.0.0.251", false}, {"ff02::fb", false}, {"255.255.255.255", false},
		// IPv4-mapped addresses are judged as the IPv4 address bind keeps.
		{"::ffff:10.0.0.1", true}, {"::ffff:0.0.0.0", false}, {"::ffff:127.0.0.1", false},
		{"::ffff:255.255.255.255", false},
	} {
		if got := bindable(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("bindable(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
	if bindable(netip.Addr{}) {
		t.Error("the zero Addr is bindable")
	}
}
