package cloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimamori/cloud"
	"mimamori/edge/analyze"
	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/sensor"
	"mimamori/edge/synth"
	"mimamori/web/portaltest"
)

const (
	testEmail    = "ops@acme.example"
	testPassword = "correct horse battery"
	sensorSecret = "sensor-secret-123"
)

// e2eCaptures are real captures replayed beside the synthetic factory.
var e2eCaptures = []string{
	"modbus/iti_ModbusTCP.pcap",
	"bacnet/iti_bacnet_test.pcap",
	"enip-cip/iti_EthernetIP-CIP.pcap",
	"dnp3/iti_bro_dnp3.pcap",
}

func testConfig(dir string) cloud.Config {
	return cloud.Config{
		DataDir:    dir,
		MQTTListen: "127.0.0.1:0",
		HTTPListen: "127.0.0.1:0",
		Tenants: []cloud.Tenant{{
			ID: "acme", Name: "ACME 工場",
			Sensors: []cloud.Sensor{{ID: "s1", DisplayName: "第1工場", Password: sensorSecret}},
			Users:   []cloud.User{{Email: testEmail, Name: "運用", Password: testPassword, Admin: true}},
		}},
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type apiDevice struct {
	MAC string   `json:"mac"`
	IPs []string `json:"ips"`
}

type apiFlow struct {
	ProtoName  string `json:"proto_name"`
	SrcIP      string `json:"src_ip"`
	SrcPort    int    `json:"src_port"`
	DstIP      string `json:"dst_ip"`
	DstPort    int    `json:"dst_port"`
	SrcPackets uint64 `json:"src_packets"`
	DstPackets uint64 `json:"dst_packets"`
	SrcBytes   uint64 `json:"src_bytes"`
	DstBytes   uint64 `json:"dst_bytes"`
}

// flowTotals sums per-minute flow rows per conversation.
type convKey struct {
	proto, a, b string
}

func keyOf(proto, srcIP string, srcPort int, dstIP string, dstPort int) convKey {
	x, y := fmt.Sprintf("%s:%d", srcIP, srcPort), fmt.Sprintf("%s:%d", dstIP, dstPort)
	if y < x {
		x, y = y, x
	}
	return convKey{proto, x, y}
}

// offlineFlows runs `mimamori analyze` on the captures: what the cloud must
// end up serving, conversation by conversation.
func offlineFlows(t *testing.T, paths []string) map[convKey][2]uint64 {
	t.Helper()
	var sb strings.Builder
	if err := analyze.Run(context.Background(), paths, &sb, analyze.Options{}); err != nil {
		t.Fatal(err)
	}
	out := map[convKey][2]uint64{}
	for _, line := range strings.Split(strings.TrimSpace(sb.String()), "\n") {
		var rec struct {
			Type  string `json:"type"`
			Proto string `json:"proto"`
			apiFlow
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("analyze output %q: %v", line, err)
		}
		if rec.Type != "flow" {
			continue
		}
		k := keyOf(rec.Proto, rec.SrcIP, rec.SrcPort, rec.DstIP, rec.DstPort)
		v := out[k]
		out[k] = [2]uint64{v[0] + rec.SrcPackets + rec.DstPackets, v[1] + rec.SrcBytes + rec.DstBytes}
	}
	return out
}

// otKey is an OT event as the portal's list keys it: the client port is
// folded into a range there, so totals are compared without it.
type otKey struct {
	Protocol string
	Code     uint32
	SrcIP    string
	DstIP    string
	DstPort  uint32
	SrcMAC   string
	DstMAC   string
	VLAN     uint32
}

type otCounts struct{ Count, Requests, Responses, Errors uint64 }

// offlineOT sums `mimamori analyze`'s ot records over the captures.
func offlineOT(t *testing.T, paths []string) map[otKey]otCounts {
	t.Helper()
	var sb strings.Builder
	if err := analyze.Run(context.Background(), paths, &sb, analyze.Options{Logger: quiet()}); err != nil {
		t.Fatal(err)
	}
	out := map[otKey]otCounts{}
	for _, line := range strings.Split(strings.TrimSpace(sb.String()), "\n") {
		var rec struct {
			Type      string `json:"type"`
			Protocol  string `json:"protocol"`
			Code      uint32 `json:"code"`
			SrcIP     string `json:"src_ip"`
			DstIP     string `json:"dst_ip"`
			DstPort   uint32 `json:"dst_port"`
			SrcMAC    string `json:"src_mac"`
			DstMAC    string `json:"dst_mac"`
			VLAN      uint32 `json:"vlan"`
			Count     uint64 `json:"count"`
			Requests  uint64 `json:"requests"`
			Responses uint64 `json:"responses"`
			Errors    uint64 `json:"errors"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("analyze output %q: %v", line, err)
		}
		if rec.Type != "ot" {
			continue
		}
		k := otKey{rec.Protocol, rec.Code, rec.SrcIP, rec.DstIP, rec.DstPort, rec.SrcMAC, rec.DstMAC, rec.VLAN}
		v := out[k]
		out[k] = otCounts{v.Count + rec.Count, v.Requests + rec.Requests, v.Responses + rec.Responses, v.Errors + rec.Errors}
	}
	return out
}

func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	c, err := cloud.Start(ctx, testConfig(t.TempDir()), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer within(t, time.Minute, "cloud.Close", func() { c.Close() })

	start := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	gen := synth.New(synth.Config{Seed: 7, Start: start, Duration: 3 * time.Minute})
	hosts := gen.Hosts()
	sources := []sensor.Source{{Name: "factory", Open: func() (capture.Source, error) {
		return synth.NewSource(synth.New(synth.Config{Seed: 7, Start: start, Duration: 3 * time.Minute}), synth.AsFastAsPossible()), nil
	}}}
	// The same factory as a capture file, for the offline analysis.
	factoryPcap := filepath.Join(t.TempDir(), "factory.pcapng")
	pf, err := os.Create(factoryPcap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synth.WriteCapture(pf, synth.New(synth.Config{Seed: 7, Start: start, Duration: 3 * time.Minute}), synth.FormatPcapng, 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := pf.Close(); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i, rel := range e2eCaptures {
		p := capturetest.Path(t, rel)
		paths = append(paths, p)
		sources = append(sources, sensor.Source{Name: fmt.Sprintf("pcap%d", i), Open: func() (capture.Source, error) {
			return capture.OpenFile(p)
		}})
	}
	s, err := sensor.Start(ctx, sensor.Config{
		Tenant: "acme", ID: "s1", DataDir: t.TempDir(), Broker: c.MQTTURL(), Password: sensorSecret,
		Sources: sources, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer within(t, time.Minute, "sensor.Stop", s.Stop)
	waitDelivered(t, c, s, c.MQTTURL())
	sealed, _, _ := s.Sealed()
	if st := c.Ingest.Stats(); st.Ingested != sealed || st.Rejected != 0 {
		t.Fatalf("cloud ingested %+v, sensor sealed %d", st, sealed)
	}

	base := "http://" + c.HTTPAddr()
	hc := portaltest.Login(t, base, testEmail, testPassword)

	// Every synthetic host with an address must be in the inventory.
	var devs struct {
		Devices []apiDevice `json:"devices"`
	}
	portaltest.GetJSON(t, hc, base+"/api/v1/devices?limit=1000", &devs)
	byMAC := map[string]apiDevice{}
	for _, d := range devs.Devices {
		byMAC[d.MAC] = d
	}
	for _, h := range hosts {
		d, ok := byMAC[h.MAC.String()]
		if !ok {
			t.Errorf("host %s (%s, %s) missing from /api/v1/devices", h.Name, h.MAC, h.IP)
			continue
		}
		if h.IP.IsValid() && !contains(d.IPs, h.IP.String()) {
			t.Errorf("host %s: device IPs %v lack %s", h.Name, d.IPs, h.IP)
		}
	}

	// Every conversation of the real captures reaches the portal with the
	// same packet and byte totals the offline analysis finds.
	want := offlineFlows(t, paths)
	var all []apiFlow
	for offset := 0; ; offset += 1000 {
		var page struct {
			Flows []apiFlow `json:"flows"`
		}
		portaltest.GetJSON(t, hc, fmt.Sprintf("%s/api/v1/flows?from=2000-01-01T00:00:00Z&limit=1000&offset=%d", base, offset), &page)
		all = append(all, page.Flows...)
		if len(page.Flows) < 1000 {
			break
		}
	}
	got := map[convKey][2]uint64{}
	for _, f := range all {
		k := keyOf(f.ProtoName, f.SrcIP, f.SrcPort, f.DstIP, f.DstPort)
		v := got[k]
		got[k] = [2]uint64{v[0] + f.SrcPackets + f.DstPackets, v[1] + f.SrcBytes + f.DstBytes}
	}
	if len(want) == 0 {
		t.Fatal("offline analysis found no flows in the captures")
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("conversation %v: portal has %v packets/bytes, analyze has %v", k, got[k], w)
		}
	}

	// The OT protocol lists (V5-1, V5-2) through /api/v1/ot: every OT event
	// of the factory and the captures, with the counts the offline analysis
	// finds, and the factory's SLMP, FINS and Modbus among them.
	wantOT := offlineOT(t, append([]string{factoryPcap}, paths...))
	gotOT := map[otKey]otCounts{}
	var layers [2]int
	for offset := 0; ; offset += 1000 {
		var page struct {
			Events []struct {
				Layer     string `json:"layer"`
				Protocol  string `json:"protocol"`
				Code      uint32 `json:"code"`
				SrcIP     string `json:"src_ip"`
				DstIP     string `json:"dst_ip"`
				DstPort   uint32 `json:"dst_port"`
				SrcMAC    string `json:"src_mac"`
				DstMAC    string `json:"dst_mac"`
				VLAN      uint32 `json:"vlan"`
				Count     uint64 `json:"count"`
				Requests  uint64 `json:"requests"`
				Responses uint64 `json:"responses"`
				Errors    uint64 `json:"errors"`
			} `json:"events"`
		}
		portaltest.GetJSON(t, hc, fmt.Sprintf("%s/api/v1/ot?from=2000-01-01&sort=protocol&limit=1000&offset=%d", base, offset), &page)
		for _, e := range page.Events {
			k := otKey{e.Protocol, e.Code, e.SrcIP, e.DstIP, e.DstPort, e.SrcMAC, e.DstMAC, e.VLAN}
			v := gotOT[k]
			gotOT[k] = otCounts{v.Count + e.Count, v.Requests + e.Requests, v.Responses + e.Responses, v.Errors + e.Errors}
			if e.Layer == "ethernet" {
				layers[1]++
			} else {
				layers[0]++
			}
		}
		if len(page.Events) < 1000 {
			break
		}
	}
	factoryOT := offlineOT(t, []string{factoryPcap})
	for _, proto := range []string{"slmp", "fins", "modbus"} {
		n := 0
		for k := range factoryOT {
			if k.Protocol == proto {
				n++
				if gotOT[k] != factoryOT[k] && wantOT[k] == factoryOT[k] {
					t.Errorf("factory %s event %+v: portal has %+v, analyze %+v", proto, k, gotOT[k], factoryOT[k])
				}
			}
		}
		if n == 0 {
			t.Errorf("the factory has no %s events offline", proto)
		}
	}
	for k, w := range wantOT {
		if gotOT[k] != w {
			t.Errorf("OT event %+v: portal has %+v, analyze has %+v", k, gotOT[k], w)
		}
	}
	for k, g := range gotOT {
		if _, ok := wantOT[k]; !ok {
			t.Errorf("OT event %+v (%+v) in the portal, not in the offline analysis", k, g)
		}
	}
	if layers[0] == 0 {
		t.Errorf("no IP OT events in the portal (%d layer-2)", layers[1])
	}
	t.Logf("OT: %d events compared with the offline analysis (%d IP, %d layer-2 rows in the portal)", len(wantOT), layers[0], layers[1])
	var ipOnly struct {
		Events []struct {
			Layer string `json:"layer"`
		} `json:"events"`
	}
	portaltest.GetJSON(t, hc, base+"/api/v1/ot?from=2000-01-01&layer=ip&limit=1000", &ipOnly)
	if len(ipOnly.Events) != min(layers[0], 1000) {
		t.Errorf("layer=ip lists %d events, want %d", len(ipOnly.Events), layers[0])
	}

	var sensors struct {
		Sensors []struct {
			ID      string `json:"id"`
			Batches uint64 `json:"batches"`
		} `json:"sensors"`
	}
	portaltest.GetJSON(t, hc, base+"/api/v1/sensors", &sensors)
	if len(sensors.Sensors) != 1 || sensors.Sensors[0].Batches != sealed {
		t.Errorf("sensors = %+v, want s1 with %d batches", sensors.Sensors, sealed)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
