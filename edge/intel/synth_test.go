package intel

import (
	"flag"
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/intel/eol"
	"mimamori/edge/pipeline"
	"mimamori/edge/synth"
	"mimamori/edge/wire/wirepb"
)

// The synthetic factory labels every host with its true vendor, OS and
// role. TestSyntheticAccuracy runs generated traffic through the sensor's
// pipeline and this package, and reports how often each attribute is
// right. docs/INVENTORY.md quotes its output:
//
//	go test ./edge/intel -run TestSyntheticAccuracy -v -synth.minutes 60 -synth.cells 3
//	go test ./edge/intel -run TestSyntheticAccuracy -v -synth.minutes 60 -synth.plant 300
//
// The first measures the default factory; the second a generated plant
// of that many devices, with office desktops (Windows 10/11, 7 and XP,
// Linux) browsing through a proxy, in working hours.
var (
	synthMinutes = flag.Int("synth.minutes", 20, "minutes of generated traffic for TestSyntheticAccuracy")
	synthCells   = flag.Int("synth.cells", 2, "production cells of the default factory")
	synthPlant   = flag.Int("synth.plant", 0, "devices of a generated plant to measure instead of the default factory")
)

// Accuracy floors the test holds the estimation to on the default run.
const (
	minVendorAccuracy = 0.95
	minOSAccuracy     = 0.85
	minRoleAccuracy   = 0.75
	// Windows 10 and 11 look alike on the wire, so an estimate of either
	// is "possibly out of support"; see docs/INVENTORY.md.
	minEOLFlagAccuracy = 0.60
)

// truthFamily maps the generator's OS labels to osfp families.
func truthFamily(os string) string {
	switch {
	case strings.Contains(os, "Windows"):
		return "Windows"
	case strings.Contains(os, "Linux"), strings.Contains(os, "Raspberry"):
		return "Linux"
	case strings.Contains(os, "Cisco"), strings.Contains(os, "AlliedWare"), strings.Contains(os, "HiOS"):
		return "Network OS"
	}
	return "Embedded"
}

// truthRoles maps the generator's roles to the roles estimation may give.
func truthRoles(r synth.Role) []Role {
	switch r {
	case synth.RolePLC:
		return []Role{RolePLC}
	case synth.RoleRemoteIO, synth.RoleDrive, synth.RoleIO, "field-node":
		return []Role{RoleFieldIO}
	case "web-proxy":
		return []Role{RoleServer}
	case synth.RoleHMI:
		return []Role{RoleHMI}
	case synth.RoleSCADA:
		return []Role{RoleSCADA}
	case synth.RoleEngineering:
		return []Role{RoleEngineering}
	case synth.RoleHistorian:
		return []Role{RoleHistorian}
	case synth.RoleFileServer:
		return []Role{RoleFileServer}
	case synth.RoleDHCPDNS:
		return []Role{RoleDHCP, RoleDNS}
	case synth.RoleNTP:
		return []Role{RoleNTP}
	case synth.RoleSwitch:
		return []Role{RoleSwitch}
	case synth.RoleRouter:
		return []Role{RoleRouter}
	case synth.RoleWorkstation:
		return []Role{RoleClient}
	}
	return []Role{Role(r)}
}

// vendorMatches compares brand names loosely: the first word of either
// appears in the other ("Cisco" / "Cisco", "Pro-face" / "Schneider
// Electric (Pro-face)").
func vendorMatches(truth, got string) bool {
	t, g := strings.ToLower(truth), strings.ToLower(got)
	if t == "" || g == "" {
		return false
	}
	return strings.Contains(g, strings.Fields(t)[0]) || strings.Contains(t, strings.Fields(g)[0])
}

// runSynthetic generates traffic, runs it through the pipeline and builds
// the inventory.
func runSynthetic(t testing.TB, minutes, cells int) (*Inventory, []synth.Host) {
	return runSyntheticPlant(t, minutes, cells, 0)
}

// runSyntheticPlant is runSynthetic over a generated plant of devices
// devices when devices > 0. The traffic starts on a Monday at 10:00 in
// Japan, inside working hours.
func runSyntheticPlant(t testing.TB, minutes, cells, devices int) (*Inventory, []synth.Host) {
	t.Helper()
	start := time.Date(2026, 4, 6, 1, 0, 0, 0, time.UTC)
	cfg := synth.Config{Seed: 7, Start: start, Duration: time.Duration(minutes) * time.Minute, Cells: cells}
	if devices > 0 {
		f, _, err := synth.Plant{Devices: devices, Seed: 7}.Build()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Factory = f
	}
	gen := synth.New(cfg)
	acc := NewAccumulator()
	p := pipeline.New(pipeline.Options{Source: "synthetic", OnMinute: func(b *wirepb.Batch) { acc.Add(b) }})
	var ci gopacket.CaptureInfo
	for {
		data, ts, ok := gen.Next()
		if !ok {
			break
		}
		ci.Timestamp = time.Unix(0, ts)
		ci.CaptureLength, ci.Length = len(data), len(data)
		p.Packet(data, ci, layers.LinkTypeEthernet)
	}
	p.Close()
	e, err := New(Options{P0fPath: "/nonexistent"})
	if err != nil {
		t.Fatal(err)
	}
	return e.Build(acc.Observations(), nil, acc.Last()), gen.Hosts()
}

// accuracy counts right answers per attribute.
type accuracy struct {
	name  string
	right int
	total int
	wrong []string
}

func (a *accuracy) score(ok bool, what string) {
	a.total++
	if ok {
		a.right++
	} else {
		a.wrong = append(a.wrong, what)
	}
}

func (a *accuracy) ratio() float64 { return float64(a.right) / float64(max(a.total, 1)) }

func TestSyntheticAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and analyses minutes of traffic")
	}
	inv, hosts := runSyntheticPlant(t, *synthMinutes, *synthCells, *synthPlant)
	vendor := &accuracy{name: "vendor"}
	family := &accuracy{name: "OS family"}
	role := &accuracy{name: "role"}
	// Support status, over hosts whose true OS has lifecycle data, two
	// ways. "EOL": the estimate calls a host out of support exactly when
	// it is (what the vulnerable-device alert fires on); an estimate that
	// spans supported and unsupported releases ("Windows 10 or 11") does
	// not. "EOL flag": out of support or possibly so ("partial") exactly
	// when the host is out of support.
	support := &accuracy{name: "EOL"}
	flag := &accuracy{name: "EOL flag"}
	found := 0
	for _, h := range hosts {
		d, ok := inv.Device(net.HardwareAddr(h.MAC).String())
		if !ok {
			vendor.score(false, h.Name+": not seen")
			family.score(false, h.Name+": not seen")
			role.score(false, h.Name+": not seen")
			continue
		}
		found++
		vendor.score(vendorMatches(h.Vendor, d.Vendor), fmt.Sprintf("%s: %q, want %q", h.Name, d.Vendor, h.Vendor))
		family.score(d.OS.Family == truthFamily(h.OS),
			fmt.Sprintf("%s: %s (%s, %d), want %s (%s)", h.Name, d.OS.Family, d.OS.Name, d.OS.Confidence, truthFamily(h.OS), h.OS))
		want := truthRoles(h.Role)
		okRole := false
		for _, r := range want {
			okRole = okRole || d.Role == r
		}
		var reasons []string
		for _, r := range d.RoleReasons {
			reasons = append(reasons, r.English())
		}
		role.score(okRole, fmt.Sprintf("%s: %s (%s), want %v", h.Name, d.Role, strings.Join(reasons, "; "), want))
		if truth := eol.Lookup(h.OS, inv.At); truth.State != eol.Unknown {
			what := fmt.Sprintf("%s: %s (%s), true OS %s is %s", h.Name, d.EOL.State, d.OS.Name, h.OS, truth.State)
			support.score((d.EOL.State == eol.EOL) == (truth.State == eol.EOL), what)
			flagged := d.EOL.State == eol.EOL || d.EOL.State == eol.Partial
			flag.score(flagged == (truth.State == eol.EOL), what)
		}
	}
	if *synthPlant > 0 {
		t.Logf("synthetic plant: %d devices, %d minutes, %d hosts, %d seen", *synthPlant, *synthMinutes, len(hosts), found)
	} else {
		t.Logf("synthetic factory: %d cells, %d minutes, %d hosts, %d seen", *synthCells, *synthMinutes, len(hosts), found)
	}
	for _, a := range []*accuracy{vendor, family, role, support, flag} {
		sort.Strings(a.wrong)
		t.Logf("%-9s %3d/%3d = %5.1f%%", a.name, a.right, a.total, 100*a.ratio())
		if a != flag { // the same hosts as EOL
			for _, w := range a.wrong {
				t.Logf("    %s", w)
			}
		}
	}
	for _, c := range []struct {
		a   *accuracy
		min float64
	}{{vendor, minVendorAccuracy}, {family, minOSAccuracy}, {role, minRoleAccuracy}, {flag, minEOLFlagAccuracy}} {
		if c.a.ratio() < c.min {
			t.Errorf("%s accuracy %.1f%% below %.0f%%", c.a.name, 100*c.a.ratio(), 100*c.min)
		}
	}
}
