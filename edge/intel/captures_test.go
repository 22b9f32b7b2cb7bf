package intel

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/pipeline"
	"mimamori/edge/wire/wirepb"
)

var update = flag.Bool("update", false, "rewrite testdata/captures.md")

// analyzeCapture runs a shared capture through the sensor's pipeline and
// builds its inventory with Mimamori's own signatures only, so the result
// does not depend on whether p0f is installed.
func analyzeCapture(t *testing.T, e *Engine, rel string) *Inventory {
	t.Helper()
	src, err := capture.OpenFile(filepath.Join(capturetest.Dir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	acc := NewAccumulator()
	p := pipeline.New(pipeline.Options{Source: rel, OnMinute: func(b *wirepb.Batch) { acc.Add(b) }})
	if err := pipeline.Run(context.Background(), src, p); err != nil && !errors.Is(err, capture.ErrShortFile) {
		t.Fatalf("%s: %v", rel, err)
	}
	p.Close()
	return e.Build(acc.Observations(), nil, judgedAt)
}

// judgedAt is when support status is judged in these tests and in the
// table of docs/INVENTORY.md: a fixed day, so the results do not change
// with the calendar.
var judgedAt = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// captureExpectation is what a named device in a real capture must be
// inferred as. Empty fields are not checked.
type captureExpectation struct {
	file, mac                    string
	vendor, hostname, family, os string
	role                         Role
	minConfidence                int
	eol                          bool
}

// captureExpectations cover DHCP, NetBIOS (names and browser
// announcements), LLDP and CDP, TCP handshakes and industrial identities.
// The values were checked against tshark's dissection of each file.
var captureExpectations = []captureExpectation{
	// Rockwell lab: Windows Server 2003 VMs announcing themselves to the
	// browser, a Logix controller and a Koyo PLC taking BOOTP leases, a
	// Cisco CE500 describing itself by CDP.
	{file: "attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap", mac: "00:0c:29:e8:32:7a",
		vendor: "VMware", hostname: "WIN2K3LAB022", family: "Windows", os: "Windows Server 2003", minConfidence: 5, eol: true, role: RoleClient},
	{file: "attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap", mac: "00:00:bc:3e:eb:e4",
		vendor: "Rockwell Automation", hostname: "ConLgxEIP", family: "Embedded", role: RolePLC},
	{file: "attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap", mac: "00:e0:62:60:35:d0",
		vendor: "Host Engineering", hostname: "KoyoDL405", family: "Embedded"},
	{file: "attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap", mac: "00:1d:09:99:b2:2c",
		vendor: "Dell", hostname: "DBLICENSESERVER", family: "Windows", role: RoleDHCP},
	{file: "attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap", mac: "00:1e:f6:73:59:81",
		vendor: "Cisco", hostname: "Ns5gt", family: "Network OS", os: "Cisco IOS 12.2", minConfidence: 5, role: RoleSwitch},
	// PROFINET cell: a Windows laptop by its DHCP fingerprint, a SCALANCE
	// switch by LLDP.
	{file: "profinet/icsnpp_profinet_io_cm_mixed_1.pcap", mac: "e4:11:5b:5a:d9:73",
		vendor: "HP", hostname: "LT-US-DSWANSON", family: "Windows", os: "Windows 7 or Vista", minConfidence: 4, eol: true},
	{file: "profinet/icsnpp_profinet_io_cm_mixed_1.pcap", mac: "00:0e:8c:ef:75:c9",
		vendor: "Siemens", family: "Network OS", os: "Siemens SCALANCE firmware", role: RoleSwitch},
	{file: "profinet/icsnpp_profinet_io_cm_mixed_1.pcap", mac: "00:0e:8c:ef:75:c5",
		vendor: "Siemens", hostname: "siemens-x208-switch"},
	// An S7 PLC by its TTL-30 stack, a SCADA PC by its browser announcement.
	{file: "profinet/iti_Profinet_Failed.pcap", mac: "00:1b:1b:17:f8:82",
		vendor: "Siemens", family: "Embedded", os: "Siemens S7 firmware", role: RolePLC},
	{file: "profinet/iti_Profinet_Failed.pcap", mac: "00:10:18:cb:8c:03",
		hostname: "SCADA-PC-060839", family: "Windows", os: "Windows 7", minConfidence: 5, eol: true},
	// An Omron CP1L identifying itself over FINS.
	{file: "fins/icsnpp_omron_test.pcap", mac: "00:19:07:24:3c:ca",
		family: "Embedded", os: "OMRON CP1L-EL20DR-D firmware 01.00", minConfidence: 5, role: RolePLC},
	// MELSOFT: GX Works on a workstation programming an iQ-R.
	{file: "melsec-melsoft/iti_melsoft_129_clean.pcap", mac: "38:e0:8e:e0:4e:07",
		vendor: "Mitsubishi Electric", role: RoleEngineering},
	{file: "melsec-melsoft/iti_melsoft_129_clean.pcap", mac: "10:4b:46:28:0b:fa",
		vendor: "Mitsubishi Electric", family: "Embedded", role: RolePLC},
	// CC-Link IE Field Basic: the master broadcasts, the slave answers.
	{file: "cclink-ief-basic/nttcom_cclink_ief_basic_only.pcap", mac: "00:0c:29:5f:70:ce", role: RolePLC},
	{file: "cclink-ief-basic/nttcom_cclink_ief_basic_only.pcap", mac: "00:0c:29:aa:1d:03", role: RoleFieldIO},
	// A Windows 7 SCADA station polling thirteen Modbus devices.
	{file: "modbus/iti_ModbusTCP.pcap", mac: "78:e7:d1:e0:02:5e",
		vendor: "HP", family: "Windows", role: RoleSCADA},
	// A Moxa I/O server answering Modbus only.
	{file: "modbus/iti_modbus_test.pcap", mac: "00:90:e8:4c:83:db", vendor: "Moxa", role: RoleFieldIO},
}

func TestCaptureDevices(t *testing.T) {
	e := testEngine(t)
	invs := map[string]*Inventory{}
	for _, x := range captureExpectations {
		inv := invs[x.file]
		if inv == nil {
			inv = analyzeCapture(t, e, x.file)
			invs[x.file] = inv
		}
		d, ok := inv.Device(x.mac)
		if !ok {
			t.Errorf("%s: %s not found", x.file, x.mac)
			continue
		}
		check := func(what, got, want string) {
			if want != "" && got != want {
				t.Errorf("%s %s: %s %q, want %q", filepath.Base(x.file), x.mac, what, got, want)
			}
		}
		check("vendor", d.Vendor, x.vendor)
		check("hostname", d.Hostname, x.hostname)
		check("OS family", d.OS.Family, x.family)
		check("OS", d.OS.Name, x.os)
		check("role", string(d.Role), string(x.role))
		if d.OS.Confidence < x.minConfidence {
			t.Errorf("%s %s: OS confidence %d, want at least %d", x.file, x.mac, d.OS.Confidence, x.minConfidence)
		}
		if x.eol && !d.EOL.Vulnerable() {
			t.Errorf("%s %s: EOL %s, want out of support", x.file, x.mac, d.EOL.State)
		}
	}
}

// tableCaptures are the captures docs/INVENTORY.md tabulates.
var tableCaptures = []string{
	"attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap",
	"profinet/icsnpp_profinet_io_cm_mixed_1.pcap",
	"profinet/iti_Profinet_Failed.pcap",
	"fins/icsnpp_omron_test.pcap",
	"melsec-melsoft/iti_melsoft_129_clean.pcap",
	"cclink-ief-basic/nttcom_cclink_ief_basic_only.pcap",
	"s7comm/iti_S7-1200-Uploading-OB1-TIAV12.pcap",
	"dnp3/iti_bro_dnp3_read.pcap",
	"modbus/iti_ModbusTCP.pcap",
}

// TestCaptureTable renders what was inferred per capture as the Markdown
// table docs/INVENTORY.md quotes, and compares it with the golden copy in
// testdata (-update rewrites it).
func TestCaptureTable(t *testing.T) {
	e := testEngine(t)
	var b strings.Builder
	b.WriteString("| capture | MAC | address | vendor | host name | OS (confidence, evidence) | support | role (reasons) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, f := range tableCaptures {
		inv := analyzeCapture(t, e, f)
		for _, d := range inv.Devices {
			if d.Role == RoleUnknown && d.OS.Family == "" && d.Hostname == "" {
				continue
			}
			var sources []string
			seen := map[string]bool{}
			for _, ev := range d.OS.Evidence {
				if ev.OS.Family == d.OS.Family && !seen[ev.Source] {
					seen[ev.Source] = true
					sources = append(sources, fmt.Sprintf("%s %d", ev.Source, ev.Confidence))
				}
			}
			osText := "—"
			if d.OS.Family != "" {
				osText = fmt.Sprintf("%s (%d; %s)", d.OS.Name, d.OS.Confidence, strings.Join(sources, ", "))
			}
			var reasons []string
			for _, r := range d.RoleReasons {
				reasons = append(reasons, r.English())
			}
			ip := "—"
			if d.PrimaryIP().IsValid() {
				ip = d.PrimaryIP().String()
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s (%s) |\n", filepath.Base(f), d.MAC, ip,
				orDash(d.Vendor), orDash(d.Hostname), mdEscape(osText), d.EOL.State, d.Role, mdEscape(strings.Join(reasons, "; ")))
		}
	}
	golden := filepath.Join("testdata", "captures.md")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != b.String() {
		t.Errorf("%s differs (run with -update if the change is intended); got:\n%s", golden, b.String())
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return mdEscape(s)
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
