package synth

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTshark writes a pcap and has Wireshark's dissectors judge it: nothing
// malformed, no expert warnings or errors (checksums verified, TCP analysis
// on), and every expected protocol recognised.
func TestTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed; skipping the Wireshark cross-check")
	}
	if testing.Short() {
		t.Skip("slow: runs tshark")
	}
	// One cell, with the engineering workstation's visits pulled forward so
	// a three-minute capture contains all of them.
	f := DefaultFactory(1)
	for i, k := 0, 0; i < len(f.Talks); i++ {
		if f.Talks[i].Engineering {
			f.Talks[i].Start = time.Duration(20+25*k) * time.Second
			k++
		}
	}
	path := filepath.Join(t.TempDir(), "plant.pcap")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WritePcap(out, New(Config{Seed: 21, Factory: f, Duration: 3 * time.Minute}), 0); err != nil {
		t.Fatal(err)
	}
	out.Close()

	phs, err := exec.Command(tshark, "-n", "-r", path, "-q", "-z", "io,phs").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, phs)
	}
	if strings.Contains(string(phs), "_ws.malformed") {
		t.Fatalf("tshark reports malformed frames:\n%s", phs)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(phs), "\n") {
		if fields := strings.Fields(line); len(fields) > 1 && strings.HasPrefix(fields[1], "frames:") {
			seen[fields[0]] = true
		}
	}
	for _, proto := range []string{"vlan", "arp", "lldp", "stp", "icmp", "dhcp", "dns", "nbns", "llmnr", "mdns",
		"ntp", "nbss", "smb2", "mbtcp", "modbus", "tpkt", "cotp", "s7comm", "omron", "enip", "cip"} {
		if !seen[proto] {
			t.Errorf("tshark did not recognise %s:\n%s", proto, phs)
		}
	}

	bad, err := exec.Command(tshark, "-n", "-r", path,
		"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-Y", "_ws.malformed || _ws.expert.severity >= 6291456 || tcp.analysis.flags").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, bad)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(bad)), "\n") {
		if l != "" && !strings.Contains(l, "Running as user") {
			lines = append(lines, l)
		}
	}
	if len(lines) > 0 {
		t.Fatalf("tshark flags %d frames (malformed, expert warning/error or TCP analysis), e.g.:\n%s",
			len(lines), strings.Join(lines[:min(len(lines), 20)], "\n"))
	}
}
