package observe

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/gopacket/pcapgo"

	"mimamori/edge/capture/capturetest"
	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// observeCapture runs a pcap file through the sensor's decoder and a Table.
func observeCapture(t *testing.T, path string) ([]*wirepb.Device, []*wirepb.Name, Drops) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dec := decode.New()
	tbl := New(Options{})
	var p decode.Packet
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		// Decode errors still leave the fields read before the fault, and
		// the sensor observes such frames too.
		_ = dec.Decode(data, ci, r.LinkType(), &p)
		tbl.Observe(&p)
	}
	devs, names := tbl.Flush()
	return devs, names, tbl.Dropped()
}

// captureDevice is what a capture must show about one MAC: IPs and
// evidence bits it must include, and the exact values of the other fields
// that are set.
type captureDevice struct {
	MAC        string
	IPs        []string
	Evidence   uint32
	Hostname   string
	Params     []byte
	Vendor     string
	Sent, Recv uint64
}

var captureTests = []struct {
	file       string
	numDevices int
	devices    []captureDevice
	names      []wantName // must be present, with these counts
	notNames   []string   // must not be present
}{
	{
		// Frames from and to unicast MACs, counted with:
		//   tshark -r FILE -T fields -e eth.src -e eth.dst | tr '\t' '\n' | sort -u
		// DHCP (the PLC takes .131 from the server's ACK, which names it):
		//   tshark -r FILE -Y dhcp -T fields -e eth.src -e dhcp.option.dhcp -e dhcp.hw.mac_addr
		//     -e dhcp.ip.your -e dhcp.option.hostname -e dhcp.option.request_list_item
		//   frame 2948: ACK, chaddr 00:e0:62:60:35:d0, yiaddr 192.168.10.131, hostname KoyoDL405
		//   frame 3359: BOOTP reply, chaddr 00:00:bc:3e:eb:e4, yiaddr 192.168.10.120, hostname ConLgxEIP
		// ARP (the attack moves the PLC to .136):
		//   tshark -r FILE -Y arp -T fields -e arp.opcode -e arp.src.hw_mac -e arp.src.proto_ipv4 | sort | uniq -c
		// Sent/received frames:
		//   tshark -r FILE -Y 'eth.src==MAC' | wc -l; tshark -r FILE -Y 'eth.dst==MAC' | wc -l
		// NetBIOS:
		//   tshark -r FILE -Y nbns -T fields -e ip.src -e nbns.flags.response -e nbns.name -e nbns.addr
		//   tshark -r FILE -Y nbdgm -T fields -e nbdgm.src.ip -e nbdgm.source_name
		file:       "pcaps/attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap",
		numDevices: 12,
		devices: []captureDevice{
			{MAC: "00:e0:62:60:35:d0", IPs: []string{"192.168.10.131", "192.168.10.136"}, Evidence: evARP | evDHCP,
				Hostname: "KoyoDL405", Params: []byte{1, 3, 28, 6}, Sent: 9},
			{MAC: "00:00:bc:3e:eb:e4", IPs: []string{"192.168.10.120", "192.168.10.125"}, Evidence: evARP | evDHCP | evIP,
				Hostname: "ConLgxEIP", Sent: 692, Recv: 584},
			{MAC: "00:15:17:68:39:f4", IPs: []string{"192.168.10.1"}, Evidence: evARP},
			{MAC: "00:1d:09:99:b2:2c", IPs: []string{"192.168.10.105"}, Evidence: evARP | evIP},
		},
		names: []wantName{
			{IP: "192.168.10.21", Name: "WIN2K3LAB021", Source: srcNBNS, Count: 1},
			{IP: "192.168.10.22", Name: "WIN2K3LAB022", Source: srcNBNS, Count: 1},
			{IP: "192.168.10.24", Name: "WIN2K3LAB024", Source: srcNBNS, Count: 1},
			{IP: "192.168.10.105", Name: "DBLICENSESERVER", Source: srcNBNS, Count: 3},
			{IP: "192.168.10.120", Name: "ConLgxEIP", Source: srcDHCP, Count: 1},
			{IP: "192.168.10.131", Name: "KoyoDL405", Source: srcDHCP, Count: 1},
		},
		notNames: []string{"WORKGROUP"},
	},
	{
		// 509 ARP requests from one host, all broadcast:
		//   tshark -r FILE -T fields -e arp.opcode -e arp.src.hw_mac -e arp.src.proto_ipv4 | sort | uniq -c
		//   tshark -r FILE -T fields -e eth.dst | sort | uniq -c
		file:       "pcaps/attacks/sgr_arp_scan.pcap",
		numDevices: 1,
		devices: []captureDevice{
			{MAC: "00:0c:29:20:a8:7f", IPs: []string{"10.0.0.128"}, Evidence: evARP, Sent: 509},
		},
	},
	{
		// DHCP discovers (no lease), NetBIOS registrations with a group
		// name, a browser datagram, a router solicitation with a source
		// link-layer option and a DAD solicitation:
		//   tshark -r FILE -Y dhcp -T fields -e eth.src -e dhcp.option.dhcp -e dhcp.option.hostname
		//     -e dhcp.option.vendor_class_id -e dhcp.option.request_list_item | sort | uniq -c
		//   tshark -r FILE -Y 'nbns.flags.opcode!=0' -T fields -e ip.src -e nbns.nb_flags -e nbns.name | sort | uniq -c
		//   tshark -r FILE -Y nbdgm -T fields -e nbdgm.src.ip -e nbdgm.source_name
		//   tshark -r FILE -Y icmpv6 -T fields -e eth.src -e ipv6.src -e icmpv6.type -e icmpv6.opt.linkaddr | sort | uniq -c
		file:       "pcaps/profinet/icsnpp_profinet_io_cm_mixed_1.pcap",
		numDevices: 11,
		devices: []captureDevice{
			{MAC: "e4:11:5b:5a:d9:73", IPs: []string{"169.254.216.43", "fe80::8132:2f4e:e1e2:d82b"}, Evidence: evDHCP | evIP,
				Hostname: "LT-US-DSWANSON", Vendor: "MSFT 5.0", Params: []byte{1, 15, 3, 6, 44, 46, 47, 31, 33, 121, 249, 43}, Sent: 250},
			{MAC: "00:0e:8c:ef:75:c5", Evidence: evDHCP, Hostname: "siemens-x208-switch", Params: []byte{1, 28, 3}, Sent: 58},
			{MAC: "00:a0:45:6d:d3:44", IPs: []string{"192.168.1.1", "fe80::14ea:3851:8243:3893"}, Evidence: evNDP | evIP, Sent: 921},
		},
		names: []wantName{
			{IP: "169.254.216.43", Name: "LT-US-DSWANSON", Source: srcNBNS, Count: 2},
			{IP: "192.168.1.1", Name: "KW-VLIPC", Source: srcNBNS, Count: 16},
		},
		notNames: []string{"WORKGROUP", "wpad", "isatap"},
	},
	{
		// Loopback traffic with all-zero MACs: no devices, but the DNS
		// answers count, following the CNAME and skipping NS glue:
		//   tshark -r FILE -Y 'dns.flags.response==1' -T fields -e dns.qry.name -e dns.a -e dns.cname
		file:       "pcaps/modbus/iti_bro_modbusSmall.pcap",
		numDevices: 0,
		names: []wantName{
			{IP: "74.125.239.53", Name: "mail.google.com", Source: srcDNS, Count: 1},
			{IP: "74.125.239.54", Name: "mail.google.com", Source: srcDNS, Count: 1},
			{IP: "74.125.239.117", Name: "mail.google.com", Source: srcDNS, Count: 1},
			{IP: "74.125.239.118", Name: "mail.google.com", Source: srcDNS, Count: 1},
			{IP: "91.189.89.22", Name: "videosearch.ubuntu.com", Source: srcDNS, Count: 1},
			{IP: "91.189.89.134", Name: "videosearch.ubuntu.com", Source: srcDNS, Count: 1},
		},
		notNames: []string{"ns1.google.com", "googlemail.l.google.com"},
	},
}

func TestCaptures(t *testing.T) {
	for _, tt := range captureTests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			path := capturetest.Path(t, strings.TrimPrefix(tt.file, "pcaps/"))
			devs, names, drops := observeCapture(t, path)
			if drops.Devices != 0 || drops.Names != 0 {
				t.Errorf("drops %+v with default caps", drops)
			}
			if len(devs) != tt.numDevices {
				var macs []string
				for _, d := range devs {
					macs = append(macs, net.HardwareAddr(d.Mac).String())
				}
				t.Errorf("%d devices %v, want %d", len(devs), macs, tt.numDevices)
			}
			for _, want := range tt.devices {
				checkCaptureDevice(t, devs, want)
			}
			got := gotNames(names)
			for _, want := range tt.names {
				if !slices.Contains(got, want) {
					t.Errorf("name %+v missing; got %s", want, fmtSlice(got))
				}
			}
			for _, n := range got {
				if slices.Contains(tt.notNames, n.Name) {
					t.Errorf("unexpected name %+v", n)
				}
			}
		})
	}
}

func checkCaptureDevice(t *testing.T, devs []*wirepb.Device, want captureDevice) {
	t.Helper()
	i := slices.IndexFunc(devs, func(d *wirepb.Device) bool { return net.HardwareAddr(d.Mac).String() == want.MAC })
	if i < 0 {
		t.Errorf("device %s not found", want.MAC)
		return
	}
	d := devs[i]
	for _, s := range want.IPs {
		ip := netip.MustParseAddr(s).AsSlice()
		if !slices.ContainsFunc(d.Ips, func(b []byte) bool { return bytes.Equal(b, ip) }) {
			t.Errorf("device %s: IP %s missing; have %v", want.MAC, s, fmtIPs(d.Ips))
		}
	}
	if d.Evidence&want.Evidence != want.Evidence {
		t.Errorf("device %s: evidence %04b, want at least %04b", want.MAC, d.Evidence, want.Evidence)
	}
	if want.Hostname != "" && d.DhcpHostname != want.Hostname {
		t.Errorf("device %s: hostname %q, want %q", want.MAC, d.DhcpHostname, want.Hostname)
	}
	if want.Vendor != "" && d.DhcpVendorClass != want.Vendor {
		t.Errorf("device %s: vendor class %q, want %q", want.MAC, d.DhcpVendorClass, want.Vendor)
	}
	if want.Params != nil && !bytes.Equal(d.DhcpParams, want.Params) {
		t.Errorf("device %s: params %v, want %v", want.MAC, d.DhcpParams, want.Params)
	}
	if want.Sent != 0 && d.SentPackets != want.Sent {
		t.Errorf("device %s: sent %d, want %d", want.MAC, d.SentPackets, want.Sent)
	}
	if want.Recv != 0 && d.RecvPackets != want.Recv {
		t.Errorf("device %s: received %d, want %d", want.MAC, d.RecvPackets, want.Recv)
	}
	if d.FirstUnixNs == 0 || d.FirstUnixNs > d.LastUnixNs {
		t.Errorf("device %s: first %d, last %d", want.MAC, d.FirstUnixNs, d.LastUnixNs)
	}
}

func fmtIPs(ips [][]byte) string {
	var s []string
	for _, b := range ips {
		a, _ := netip.AddrFromSlice(b)
		s = append(s, a.String())
	}
	return strings.Join(s, " ")
}
