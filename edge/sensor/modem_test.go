package sensor

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/status"
	"mimamori/modem"
	"mimamori/modem/modemtest"
)

// fastModem is a modem configuration with short waits for tests.
func fastModem(device string) *modem.Config {
	return &modem.Config{
		Device: device, APN: modem.APN{Name: "internet"},
		CommandTimeout: 300 * time.Millisecond, ConnectTimeout: time.Second, ProbeTimeout: 200 * time.Millisecond,
		ReadTimeout: 100 * time.Millisecond, WaitPoll: 50 * time.Millisecond, PollEvery: 100 * time.Millisecond,
		RegisterTimeout: time.Second, RadioOffFor: 20 * time.Millisecond,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	}
}

func startSim(t *testing.T, s modemtest.Script) *modemtest.Sim {
	t.Helper()
	sim, err := modemtest.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim
}

func startWith(t *testing.T, cfg Config) *Sensor {
	t.Helper()
	cfg.Tenant, cfg.ID, cfg.DataDir = "acme", "s1", t.TempDir()
	cfg.Broker = "tcp://127.0.0.1:1" // nothing listens: batches stay in the spool
	cfg.Logger = quietLogger()
	if cfg.MaxRestarts == 0 {
		cfg.RestartWindow, cfg.MaxRestarts, cfg.RespawnDelay = time.Minute, 3, 50*time.Millisecond
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func waitModem(t *testing.T, s *Sensor, what string, ok func(modem.Status) bool) modem.Status {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _ := s.Modem()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("modem never %s; it is %s/%s (%s); tree %+v", what, st.State, st.Reason, st.Detail, s.Tree())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHungModemDoesNotBlockCapture: the dongle stops answering from the
// start. Capture replays its whole file and seals every minute regardless;
// the modem actor fails and is restarted by supervision, alone; every
// batch reports the modem.
func TestHungModemDoesNotBlockCapture(t *testing.T) {
	sim := startSim(t, modemtest.Script{HangAfter: 1})
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	s := startWith(t, Config{
		Sources:        []Source{{Name: "file", Open: func() (capture.Source, error) { return capture.OpenFile(path) }}},
		Modem:          fastModem(sim.Path()),
		ModemInterface: "lo",
	})
	waitDrained(t, s)
	deadline := time.Now().Add(20 * time.Second)
	for s.Monitor().RestartCount("sensor/modem") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the hung modem was never restarted by supervision; tree %+v", s.Tree())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := s.Monitor().RestartCount("sensor/capture-file"); n != 0 {
		t.Errorf("capture restarted %d times because of the modem", n)
	}
	st, ok := s.Modem()
	if !ok || st.State == modem.StateOnline {
		t.Errorf("modem status %+v", st)
	}
	batches := spooled(t, s)
	if len(batches) == 0 {
		t.Fatal("no batches")
	}
	for _, b := range batches {
		if b.Modem == nil || b.Modem.State == "" || b.Modem.UsageMonth == "" {
			t.Fatalf("batch %d modem report %+v", b.Seq, b.Modem)
		}
	}
}

// TestModemOnlineInBatchesAndStatusPage: a healthy dongle comes online;
// the status page (JSON) and the LEDs show the sensor's real state.
func TestModemOnlineInBatchesAndStatusPage(t *testing.T) {
	sim := startSim(t, modemtest.Healthy("quectel"))
	path := capturetest.Path(t, "bacnet/iti_bacnet_test.pcap")
	leds := &status.Recorder{}
	// Traffic starts once the modem is online, so that every batch was
	// sealed with the modem up.
	gate := make(chan struct{})
	s := startWith(t, Config{
		Sources: []Source{{Name: "file", Open: func() (capture.Source, error) {
			f, err := capture.OpenFile(path)
			return &gatedSource{Source: f, gate: gate}, err
		}}},
		Modem:          fastModem(sim.Path()),
		ModemInterface: "lo",
		UsageEvery:     20 * time.Millisecond,
		StatusListen:   "127.0.0.1:0",
		LEDs:           leds,
		HealthEvery:    50 * time.Millisecond,
	})
	waitModem(t, s, "online", func(st modem.Status) bool { return st.State == modem.StateOnline })
	close(gate)
	waitDrained(t, s)

	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; time.Sleep(10 * time.Millisecond) {
		if addr = s.StatusAddr(); addr == "" && time.Now().After(deadline) {
			t.Fatal("the status page never listened")
		}
	}
	var got struct {
		Overall string `json:"overall"`
		LED     status.Pattern
		Facts   status.Snapshot `json:"facts"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/status.json?lang=en")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		f := got.Facts
		if f.Host.Known && f.Modem != nil && f.Modem.UsageKnown && len(f.Captures) == 1 && f.Captures[0].Minutes > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status facts never complete: %+v", f)
		}
	}
	f := got.Facts
	if f.Sensor != "s1" || f.Captures[0].Name != "file" || f.Captures[0].Live || f.Captures[0].PacketsSeen == 0 {
		t.Errorf("captures %+v", f.Captures)
	}
	if f.Modem.State != modem.StateOnline || f.Modem.Dialect != "quectel" || f.Modem.Usage.Interface != "lo" {
		t.Errorf("modem %+v", f.Modem)
	}
	if !f.Clock.Known || len(f.Services) < 5 {
		t.Errorf("clock %+v services %+v", f.Clock, f.Services)
	}
	// The cloud is unreachable in this test, but the sensor is young:
	// connecting, blinking green, on the page and on the LED.
	want := status.Evaluate(s.StatusSnapshot(), status.Options{}).LED
	for deadline := time.Now().Add(10 * time.Second); leds.Current() != want; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("LED %+v, want %+v (history %+v)", leds.Current(), want, leds.History())
		}
	}
	if got.LED != want {
		t.Errorf("page LED %+v, want %+v", got.LED, want)
	}

	batches := spooled(t, s)
	if len(batches) == 0 {
		t.Fatal("no batches")
	}
	for _, b := range batches {
		m := b.Modem
		if m == nil || m.State != "online" || m.Operator != "NTT DOCOMO" || m.Iccid != "8981100012345678901" ||
			m.Imei != "356938035643809" || m.Bars == 0 || m.Ip != "10.160.23.45" || m.UsageMonth == "" {
			t.Errorf("batch %d modem report %+v", b.Seq, m)
		}
	}
}

// TestNewSensorSavesFirstUsage: on a sensor's first start its data
// directory does not exist yet. The usage meter's first sample, which
// dates the month's totals, is saved all the same, before capture begins.
func TestNewSensorSavesFirstUsage(t *testing.T) {
	sim := startSim(t, modemtest.Healthy("quectel"))
	dir := filepath.Join(t.TempDir(), "new", "sensor")
	s, err := Start(context.Background(), Config{
		Tenant: "acme", ID: "s1", DataDir: dir, Broker: "tcp://127.0.0.1:1", Logger: quietLogger(),
		RestartWindow: time.Minute, MaxRestarts: 3, RespawnDelay: 50 * time.Millisecond,
		Modem: fastModem(sim.Path()), ModemInterface: "lo", UsageEvery: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	b, err := os.ReadFile(filepath.Join(dir, "modem-usage.json"))
	if err != nil {
		t.Fatalf("the first usage totals were not saved: %v", err)
	}
	var f struct{ Month string }
	if err := json.Unmarshal(b, &f); err != nil || f.Month == "" {
		t.Errorf("usage file %q: month %q, %v", b, f.Month, err)
	}
}

// gatedSource holds its first frame back until gate is closed.
type gatedSource struct {
	capture.Source
	gate <-chan struct{}
}

func (g *gatedSource) ReadPacket() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	<-g.gate
	return g.Source.ReadPacket()
}

// TestStatusPortTakenDoesNotStopTheSensor: the page's port is in use.
// Capture goes on, the LEDs show the status all the same, the status
// actor does not fail over and over, and the page comes up once the port
// is free.
func TestStatusPortTakenDoesNotStopTheSensor(t *testing.T) {
	first := startWith(t, Config{StatusListen: "127.0.0.1:0"})
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; time.Sleep(10 * time.Millisecond) {
		if addr = first.StatusAddr(); addr == "" && time.Now().After(deadline) {
			t.Fatal("no status address")
		}
	}
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	leds := &status.Recorder{}
	s := startWith(t, Config{
		StatusListen: addr,
		LEDs:         leds,
		Sources:      []Source{{Name: "file", Open: func() (capture.Source, error) { return capture.OpenFile(path) }}},
	})
	waitDrained(t, s)
	if len(spooled(t, s)) == 0 {
		t.Error("no batches")
	}
	for deadline := time.Now().Add(10 * time.Second); leds.Current().Color == status.Off; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the LEDs stayed dark while the page's port was taken")
		}
	}
	// Several retry periods (50 ms here) with the port still taken.
	time.Sleep(300 * time.Millisecond)
	if got := s.StatusAddr(); got != "" {
		t.Errorf("status address %q while the port is taken", got)
	}
	if n := s.Monitor().RestartCount("sensor/status"); n != 0 {
		t.Errorf("the status actor was restarted %d times; a taken port is retried without failing", n)
	}

	first.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for s.StatusAddr() != addr {
		if time.Now().After(deadline) {
			t.Fatalf("the page did not come up once the port was free (address %q)", s.StatusAddr())
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, err := http.Get("http://" + addr + "/status.json")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /status.json = %d", res.StatusCode)
	}
}
