package analyze

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/edge/intel"
	"mimamori/edge/wire/wirepb"
)

var update = flag.Bool("update", false, "rewrite testdata/synthetic.pcap and the golden JSON Lines files")

// analyzeFile runs one file and returns its output.
func analyzeFile(t *testing.T, path string) []byte {
	t.Helper()
	var out bytes.Buffer
	var log bytes.Buffer
	// The golden files must not depend on whether p0f is installed.
	opts := Options{Logger: slog.New(slog.NewTextHandler(&log, nil)),
		Intel: intel.Options{P0fPath: "testdata/no-such.fp", OUIOverridePath: "testdata/no-such.txt"}}
	if err := Run(context.Background(), []string{path}, &out, opts); err != nil {
		t.Fatalf("Run(%s): %v", path, err)
	}
	if log.Len() > 0 {
		t.Logf("warnings: %s", log.Bytes())
	}
	return out.Bytes()
}

// records parses JSON Lines, failing on any line that is not an object
// with a type.
func records(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", len(recs)+1, err, sc.Bytes())
		}
		if _, ok := r["type"].(string); !ok {
			t.Fatalf("line %d has no type: %s", len(recs)+1, sc.Bytes())
		}
		recs = append(recs, r)
	}
	return recs
}

// TestCorpus analyses every shared capture. Each must run without error,
// every line must be a typed JSON object, and the stats records must
// account for every frame the file holds.
func TestCorpus(t *testing.T) {
	dir := capturetest.Dir(t)
	for _, path := range capturetest.Files(t) {
		rel, _ := filepath.Rel(dir, path)
		t.Run(rel, func(t *testing.T) {
			recs := records(t, analyzeFile(t, path))
			var packets, flowPackets float64
			for _, r := range recs {
				switch r["type"] {
				case "stats":
					packets += r["packets"].(float64)
					if r["source"] != path {
						t.Errorf("stats source %v", r["source"])
					}
				case "flow":
					flowPackets += r["src_packets"].(float64) + r["dst_packets"].(float64)
				}
			}
			frames := len(capturetest.Frames(t, []string{path}, 0))
			if int(packets) != frames {
				t.Errorf("stats count %v packets, the file holds %d", packets, frames)
			}
			if flowPackets > packets {
				t.Errorf("flows hold %v packets, more than the %v seen", flowPackets, packets)
			}
		})
	}
}

// goldenCases are the captures whose whole output is pinned. Paths are
// relative to the test's working directory once it has moved there, so
// the source names in the output do not depend on the machine.
var goldenCorpus = []string{
	"dnp3/iti_bro_dnp3_read.pcap",                          // one DNP3 connection, open to close
	"attacks/malcolm_bro-simple-scan_multiport_scan.pcap",  // VLANs, SYN scan, ICMP errors, reordered times
	"opcua/icsnpp_python_opcua-client-server_minimal.pcap", // BSD loopback, IPv4 and IPv6
}

func TestGoldenSynthetic(t *testing.T) {
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		writeSynthetic(t, filepath.Join(testdata, "synthetic.pcap"))
	}
	t.Chdir(testdata)
	checkGolden(t, analyzeFile(t, "synthetic.pcap"), filepath.Join(testdata, "golden", "synthetic.jsonl"))
}

func TestGoldenCorpus(t *testing.T) {
	golden, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(capturetest.Dir(t))
	for _, rel := range goldenCorpus {
		t.Run(rel, func(t *testing.T) {
			if _, err := os.Stat(rel); err != nil {
				t.Skipf("corpus file missing: %v", err)
			}
			name := strings.ReplaceAll(strings.TrimSuffix(rel, filepath.Ext(rel)), "/", "_") + ".jsonl"
			checkGolden(t, analyzeFile(t, rel), filepath.Join(golden, name))
		})
	}
}

func checkGolden(t *testing.T, got []byte, path string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (run with -update if the change is intended):\n got  %s\n want %s", path, i+1, g, w)
			}
		}
	}
}

// TestSyntheticContent spells out what the synthetic capture must yield,
// so the golden file is not the only check of it.
func TestSyntheticContent(t *testing.T) {
	path := filepath.Join("testdata", "synthetic.pcap")
	recs := records(t, analyzeFile(t, path))
	find := func(typ string, match func(map[string]any) bool) map[string]any {
		for _, r := range recs {
			if r["type"] == typ && match(r) {
				return r
			}
		}
		t.Fatalf("no %s record matches", typ)
		return nil
	}
	modbus := find("flow", func(r map[string]any) bool { return r["src_port"] == 50000.0 })
	want := map[string]any{
		"proto": "tcp", "src_ip": "10.0.0.30", "dst_ip": "10.0.0.20", "dst_port": 502.0, "vlan": 10.0,
		"src_packets": 5.0, "dst_packets": 3.0, "src_tcp_flags": "SAFP", "dst_tcp_flags": "SAFP",
		"state": "new", "ended": true, "initiator_certain": true,
		"src_mac": "02:00:00:00:00:1e", "dst_mac": "02:00:00:00:00:14",
	}
	for k, v := range want {
		if modbus[k] != v {
			t.Errorf("modbus flow %s = %v, want %v", k, modbus[k], v)
		}
	}
	spanning := 0
	for _, r := range recs {
		if r["type"] == "flow" && r["src_port"] == 50001.0 {
			spanning++
			if (r["minute"] == "2025-04-01T09:30:00Z") != (r["state"] == "new") {
				t.Errorf("spanning flow in %v has state %v", r["minute"], r["state"])
			}
		}
	}
	if spanning != 2 {
		t.Errorf("the connection across the minute boundary gave %d records, want 2", spanning)
	}
	icmp := find("flow", func(r map[string]any) bool { return r["proto"] == "icmp" })
	if icmp["src_ip"] != "10.0.0.30" || icmp["src_port"] != 2048.0 || icmp["dst_port"] != 0x77+0.0 || icmp["initiator_certain"] != true {
		t.Errorf("icmp flow %v", icmp)
	}
	find("flow", func(r map[string]any) bool { return r["proto"] == "icmpv6" && r["src_ip"] == "fe80::1e" })
	stats := find("stats", func(r map[string]any) bool { return r["minute"] == "2025-04-01T09:31:00Z" })
	if stats["decode_errors"] != 1.0 || stats["packets"] != 4.0 {
		t.Errorf("minute 1 stats %v", stats)
	}
	if t.Failed() {
		return
	}
	// Device and name records come from the observer; check the DHCP and
	// DNS facts that the synthetic traffic plants.
	hmi := find("device", func(r map[string]any) bool { return r["mac"] == "02:00:00:00:00:1e" })
	if hmi["dhcp_hostname"] != "hmi-01" || hmi["dhcp_vendor_class"] != "MSFT 5.0" {
		t.Errorf("HMI device %v", hmi)
	}
	find("name", func(r map[string]any) bool { return r["name"] == "plc1.factory.local" && r["ip"] == "10.0.0.20" })
}

func TestWriteBatchIsSortedAndPure(t *testing.T) {
	f := func(proto uint32, src byte, sport uint32) *wirepb.Flow {
		return &wirepb.Flow{IpProto: proto, SrcIp: []byte{10, 0, 0, src}, SrcPort: sport, DstIp: []byte{10, 0, 0, 9}, DstPort: 502}
	}
	b := &wirepb.Batch{
		Minute: 1743499800,
		Flows:  []*wirepb.Flow{f(17, 2, 5), f(6, 3, 1), f(6, 2, 7), f(6, 2, 6)},
		Devices: []*wirepb.Device{
			{Mac: []byte{2, 0, 0, 0, 0, 2}}, {Mac: []byte{2, 0, 0, 0, 0, 1}},
		},
		Names:    []*wirepb.Name{{Ip: []byte{10, 0, 0, 2}, Name: "b"}, {Ip: []byte{10, 0, 0, 1}, Name: "a"}},
		Captures: []*wirepb.CaptureStats{{Source: "eth0", Packets: 4}},
	}
	orig := []*wirepb.Flow{b.Flows[0], b.Flows[1], b.Flows[2], b.Flows[3]}
	var out bytes.Buffer
	if err := WriteBatch(&out, b); err != nil {
		t.Fatal(err)
	}
	for i := range orig {
		if b.Flows[i] != orig[i] {
			t.Fatal("WriteBatch reordered the caller's batch")
		}
	}
	var got []string
	for _, r := range records(t, out.Bytes()) {
		switch r["type"] {
		case "flow":
			got = append(got, r["proto"].(string)+" "+r["src_ip"].(string))
		case "device":
			got = append(got, r["mac"].(string))
		case "name":
			got = append(got, r["name"].(string))
		case "stats":
			got = append(got, r["source"].(string))
		}
	}
	want := "tcp 10.0.0.2,tcp 10.0.0.2,tcp 10.0.0.3,udp 10.0.0.2,02:00:00:00:00:01,02:00:00:00:00:02,a,b,eth0"
	if strings.Join(got, ",") != want {
		t.Errorf("order\n got  %s\n want %s", strings.Join(got, ","), want)
	}
}

func TestFormatting(t *testing.T) {
	for flags, want := range map[uint32]string{0: "", 0x02: "S", 0x12: "SA", 0x13: "SAF", 0x14: "AR", 0x18: "AP", 0xff: "SAFRPUEC"} {
		if got := TCPFlagLetters(flags); got != want {
			t.Errorf("TCPFlagLetters(%#x) = %q, want %q", flags, got, want)
		}
	}
	for p, want := range map[uint32]string{6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", 47: "47", 132: "132"} {
		if got := ProtoName(p); got != want {
			t.Errorf("ProtoName(%d) = %q, want %q", p, got, want)
		}
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "notes.txt")
	os.WriteFile(bad, []byte("not a capture"), 0o644)
	good := filepath.Join("testdata", "synthetic.pcap")
	var out bytes.Buffer
	err := Run(context.Background(), []string{bad, good, filepath.Join(dir, "missing.pcap")}, &out, Options{})
	if err == nil || !strings.Contains(err.Error(), "notes.txt") || !strings.Contains(err.Error(), "missing.pcap") {
		t.Fatalf("Run = %v, want both failures reported", err)
	}
	if len(records(t, out.Bytes())) == 0 {
		t.Error("the readable file between two bad ones produced no output")
	}
	// A file cut short inside a record is analysed up to the cut, with a
	// warning and no error.
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcap")
	os.WriteFile(cut, whole[:len(whole)-10], 0o644)
	out.Reset()
	var log bytes.Buffer
	if err := Run(context.Background(), []string{cut}, &out, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))}); err != nil {
		t.Errorf("cut file: %v", err)
	}
	if !strings.Contains(log.String(), "ends inside a record") || len(records(t, out.Bytes())) == 0 {
		t.Errorf("cut file: warning %q, %d bytes of output", log.String(), out.Len())
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, []string{good}, &out, Options{}); err == nil {
		t.Error("Run with a cancelled context returned nil")
	}
}
