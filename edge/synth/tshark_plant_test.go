package synth

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTsharkPlantAttacks has Wireshark judge a scaled plant with every
// attack injected: nothing malformed, checksums right, no expert warnings
// other than those the attacks cause on purpose (the port scan's resets,
// the ARP spoofer's duplicate addresses), and the protocols the plant adds
// to the default one recognised.
func TestTsharkPlantAttacks(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed; skipping the Wireshark cross-check")
	}
	if testing.Short() {
		t.Skip("slow: runs tshark")
	}
	f, _, err := Plant{Devices: 60, FieldEvery: 1, Seed: 2}.Build()
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Talks {
		if f.Talks[i].Program != ProgramNone {
			f.Talks[i].Start = 30 * time.Second
		}
	}
	attacks, _ := ParseAttacks("all,plc-stop:s7,plc-stop:fins,plc-stop:enip,program-download:fins,program-download:slmp,signature:modbus")
	for i := range attacks {
		attacks[i].At = time.Duration(20+8*i) * time.Second
	}
	path := filepath.Join(t.TempDir(), "plant.pcapng")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// 10:00 on a Tuesday so the engineering sessions run.
	start := time.Date(2025, 4, 1, 10, 0, 0, 0, plantZone())
	g := New(Config{Seed: 2, Factory: f, Start: start, Duration: 3 * time.Minute, Attacks: attacks})
	if _, err := WriteCapture(out, g, FormatPcapng, 0, nil); err != nil {
		t.Fatal(err)
	}
	out.Close()
	for _, l := range g.Labels() {
		if !l.Emitted {
			t.Errorf("attack %s (%s) not emitted", l.ID, l.Kind)
		}
	}

	phs, err := exec.Command(tshark, "-n", "-r", path, "-q", "-z", "io,phs").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, phs)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(phs), "\n") {
		if fields := strings.Fields(line); len(fields) > 1 && strings.HasPrefix(fields[1], "frames:") {
			seen[fields[0]] = true
		}
	}
	for _, proto := range []string{"http", "smb", "smb2", "s7comm", "omron", "enip", "cip", "mbtcp", "dhcp", "nbns", "icmp", "arp"} {
		if !seen[proto] {
			t.Errorf("tshark did not recognise %s:\n%s", proto, phs)
		}
	}
	bad, err := exec.Command(tshark, "-n", "-r", path,
		"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-Y", "(_ws.malformed || _ws.expert.severity >= 6291456 || tcp.analysis.flags) && !arp.duplicate-address-detected && !(tcp.flags.reset == 1 && tcp.len == 0 && !tcp.analysis.retransmission)").CombinedOutput()
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
		t.Fatalf("tshark flags %d frames, e.g.:\n%s", len(lines), strings.Join(lines[:min(len(lines), 20)], "\n"))
	}
}
