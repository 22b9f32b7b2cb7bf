package sensor

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/status"
	"mimamori/edge/tlsconf/tlstest"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

// flakySource fails after a few frames the first time it is opened, the way
// a NIC that vanishes or a read error would.
type flakySource struct {
	capture.Source
	failAfter int
	read      int
}

func (f *flakySource) ReadPacket() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if f.failAfter > 0 && f.read == f.failAfter {
		return nil, gopacket.CaptureInfo{}, 0, errors.New("interface went away")
	}
	f.read++
	return f.Source.ReadPacket()
}

// panickySource panics mid-read, as a dissector bug on a hostile frame would.
type panickySource struct{ capture.Source }

func (p *panickySource) ReadPacket() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	panic("hostile frame")
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// spooled decodes every batch waiting in the sensor's spool.
func spooled(t *testing.T, s *Sensor) []*wirepb.Batch {
	t.Helper()
	codec, err := wire.NewCodec()
	if err != nil {
		t.Fatal(err)
	}
	var out []*wirepb.Batch
	for {
		seq, payload, err := s.spool.Oldest()
		if err != nil {
			return out
		}
		b, err := codec.Decode(payload)
		if err != nil {
			t.Fatalf("spooled batch %d: %v", seq, err)
		}
		out = append(out, b)
		s.spool.Remove(seq)
	}
}

func startOffline(t *testing.T, sources []Source) *Sensor {
	t.Helper()
	return startOfflineWith(t, sources, nil)
}

func startOfflineWith(t *testing.T, sources []Source, adjust func(*Config)) *Sensor {
	t.Helper()
	cfg := Config{
		Tenant: "acme", ID: "s1", DataDir: t.TempDir(),
		Broker:  "tcp://127.0.0.1:1", // nothing listens: batches stay in the spool
		Sources: sources, Logger: quietLogger(),
		RestartWindow: time.Minute, MaxRestarts: 3, RespawnDelay: 50 * time.Millisecond,
	}
	if adjust != nil {
		adjust(&cfg)
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func waitDrained(t *testing.T, s *Sensor) {
	t.Helper()
	select {
	case <-s.Drained():
	case <-time.After(30 * time.Second):
		t.Fatalf("sensor did not drain; tree: %+v", s.Tree())
	}
}

func TestFailingCaptureIsRestartedAndLosesNothing(t *testing.T) {
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	var opens atomic.Int32
	src := Source{Name: "flaky", Open: func() (capture.Source, error) {
		f, err := capture.OpenFile(path)
		if err != nil {
			return nil, err
		}
		if opens.Add(1) == 1 {
			return &flakySource{Source: f, failAfter: 5}, nil
		}
		return f, nil
	}}
	s := startOffline(t, []Source{src})
	waitDrained(t, s)

	if got := s.Monitor().RestartCount("sensor/capture-flaky"); got != 1 {
		t.Fatalf("restarts of capture-flaky = %d, want 1; tree %+v", got, s.Tree())
	}
	batches := spooled(t, s)
	if len(batches) == 0 {
		t.Fatal("no batches spooled")
	}
	var restarts int
	var seq uint64
	var packets uint64
	for _, b := range batches {
		if b.Tenant != "acme" || b.Sensor != "s1" || b.Seq <= seq {
			t.Fatalf("batch identity %s/%s seq %d after %d", b.Tenant, b.Sensor, b.Seq, seq)
		}
		seq = b.Seq
		restarts += len(b.Restarts)
		for _, c := range b.Captures {
			packets += c.Packets
		}
	}
	if restarts != 1 {
		t.Errorf("batches report %d restarts, want 1", restarts)
	}
	// The five frames read before the failure were sealed, then the whole
	// file again after the restart.
	f, _ := capture.OpenFile(path)
	var total uint64
	for {
		if _, _, _, err := f.ReadPacket(); err != nil {
			break
		}
		total++
	}
	f.Close()
	if packets != total+5 {
		t.Errorf("captured packets = %d, want %d (5 before the failure + %d after)", packets, total+5, total)
	}
}

func TestPanickingCaptureIsStoppedAfterBudgetAndRespawned(t *testing.T) {
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	var opens atomic.Int32
	src := Source{Name: "hostile", Open: func() (capture.Source, error) {
		f, err := capture.OpenFile(path)
		if err != nil {
			return nil, err
		}
		if opens.Add(1) <= 4 { // the first incarnation and 3 restarts panic
			return &panickySource{Source: f}, nil
		}
		return f, nil
	}}
	s := startOffline(t, []Source{src})
	waitDrained(t, s)
	if got := opens.Load(); got != 5 {
		t.Errorf("source opened %d times, want 5 (4 panics, then a respawn)", got)
	}
	if got := s.Monitor().RestartCount("sensor/capture-hostile"); got < 3 {
		t.Errorf("restarts = %d, want at least 3", got)
	}
	if len(spooled(t, s)) == 0 {
		t.Error("the respawned capture produced no batches")
	}
}

// TestMissingPortIsRetried: a NIC that cannot be opened (not there yet,
// say) is retried by its capture actor without supervision restarts, the
// status page says why meanwhile, and capture starts once it opens.
func TestMissingPortIsRetried(t *testing.T) {
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	present := make(chan struct{})
	var opens atomic.Int32
	src := Source{Name: "eth9", Iface: "eth9", Open: func() (capture.Source, error) {
		opens.Add(1)
		select {
		case <-present:
			return capture.OpenFile(path)
		default:
			return nil, errors.New("capture: no such interface eth9")
		}
	}}
	s := startOffline(t, []Source{src})
	openError := func() string {
		for _, c := range s.StatusSnapshot().Captures {
			if c.Name == "eth9" {
				return c.OpenError
			}
		}
		t.Fatal("no status line for eth9")
		return ""
	}
	deadline := time.Now().Add(10 * time.Second)
	for opens.Load() < 4 || openError() == "" {
		if time.Now().After(deadline) {
			t.Fatalf("after %d opens the status says %q", opens.Load(), openError())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := openError(); !strings.Contains(got, "no such interface eth9") {
		t.Errorf("status page's open error = %q", got)
	}
	if n := s.Monitor().RestartCount("sensor/capture-eth9"); n != 0 {
		t.Errorf("%d supervision restarts for a port that cannot be opened, want 0 (retried in place)", n)
	}
	close(present)
	waitDrained(t, s)
	if len(spooled(t, s)) == 0 {
		t.Error("no batches once the port opened")
	}
	if got := openError(); got != "" {
		t.Errorf("status page still says %q once the port opened", got)
	}
}

// gatedFile is a source replaying path once gate is closed.
func gatedFile(path string, gate <-chan struct{}) Source {
	return Source{Name: "file", Open: func() (capture.Source, error) {
		f, err := capture.OpenFile(path)
		return &gatedSource{Source: f, gate: gate}, err
	}}
}

// aheadSource gives its first n frames times an hour ahead: a clock that
// ran ahead and was then set right.
type aheadSource struct {
	capture.Source
	n, read int
}

func (a *aheadSource) ReadPacket() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	data, ci, link, err := a.Source.ReadPacket()
	if err == nil && a.read < a.n {
		ci.Timestamp = ci.Timestamp.Add(time.Hour)
	}
	a.read++
	return data, ci, link, err
}

// TestLiveClockSetBack: on a NIC's source, frames an hour behind the
// current minute are a clock set back, and counting goes on in their own
// minutes; on a file's, they are late frames of the current minute.
func TestLiveClockSetBack(t *testing.T) {
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	for _, live := range []bool{true, false} {
		src := Source{Name: "eth9", Open: func() (capture.Source, error) {
			f, err := capture.OpenFile(path)
			return &aheadSource{Source: f, n: 10}, err
		}}
		if live {
			src.Iface = "eth9"
		}
		s := startOffline(t, []Source{src})
		waitDrained(t, s)
		var first, last int64
		for _, b := range spooled(t, s) {
			for _, c := range b.Captures {
				if c.Packets > 0 && (first == 0 || b.Minute < first) {
					first = b.Minute
				}
				if c.Packets > 0 && b.Minute > last {
					last = b.Minute
				}
			}
		}
		// The capture spans a few minutes; an hour ahead, its first frames.
		if spread := last - first; live && spread < 3000 || !live && spread >= 3000 {
			t.Errorf("live %v: minutes with packets span %d s", live, spread)
		}
	}
}

// TestSpoolFailureHoldsBatches: while the spool cannot be written (a full
// or failing disk) sealed minutes wait in memory, the status page says
// why, and nothing is lost or restarted; once the spool works again they
// are stored in order.
func TestSpoolFailureHoldsBatches(t *testing.T) {
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	gate := make(chan struct{})
	s := startOffline(t, []Source{gatedFile(path, gate)})
	// A file where the spool's directory was: every write fails.
	dir := filepath.Join(s.cfg.DataDir, "spool")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	close(gate)
	waitDrained(t, s)
	cloud := func() status.Cloud { return s.StatusSnapshot().Cloud }
	deadline := time.Now().Add(10 * time.Second)
	for c := cloud(); c.SpoolError == "" || c.Unspooled == 0; c = cloud() {
		if time.Now().After(deadline) {
			t.Fatalf("status while the spool fails: %+v", c)
		}
		time.Sleep(10 * time.Millisecond)
	}
	held := cloud().Unspooled
	// Several retries (every 50 ms here) fail meanwhile.
	time.Sleep(300 * time.Millisecond)
	if n := s.Monitor().RestartCount("sensor/batcher"); n != 0 {
		t.Errorf("the batcher was restarted %d times", n)
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for c := cloud(); c.SpoolError != "" || c.Unspooled != 0; c = cloud() {
		if time.Now().After(deadline) {
			t.Fatalf("status after the spool recovered: %+v", c)
		}
		time.Sleep(10 * time.Millisecond)
	}
	batches := spooled(t, s)
	if len(batches) != held {
		t.Errorf("%d batches stored after recovery, want the %d held", len(batches), held)
	}
	var packets, total uint64
	for i, b := range batches {
		if i > 0 && (b.Seq <= batches[i-1].Seq || b.Minute < batches[i-1].Minute) {
			t.Errorf("batch %d: seq %d minute %d after seq %d minute %d", i, b.Seq, b.Minute, batches[i-1].Seq, batches[i-1].Minute)
		}
		for _, c := range b.Captures {
			packets += c.Packets
		}
	}
	f, _ := capture.OpenFile(path)
	for {
		if _, _, _, err := f.ReadPacket(); err != nil {
			break
		}
		total++
	}
	f.Close()
	if packets != total {
		t.Errorf("stored batches count %d packets, the capture has %d", packets, total)
	}
	if c := cloud(); c.SpoolLost != 0 {
		t.Errorf("%d batches lost", c.SpoolLost)
	}
}

// TestCoreChildrenAreRespawned: a batcher, uplink or health actor that is
// gone (supervision gave up on it) comes back under its name, so the
// sensor's batches keep flowing to it.
func TestCoreChildrenAreRespawned(t *testing.T) {
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	gate := make(chan struct{})
	s := startOffline(t, []Source{gatedFile(path, gate)})
	alive := func(name string) bool {
		for _, n := range s.Tree() {
			if n.Depth == 1 && n.Name == name {
				return n.Alive
			}
		}
		return false
	}
	for _, name := range []string{"uplink", "health", "batcher"} {
		pid := actor.NewPID(s.sys.Address(), "sensor/"+name)
		if err := s.sys.Root.StopFuture(pid).Wait(); err != nil {
			t.Fatalf("stop %s: %v", name, err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !alive(name) {
			if time.Now().After(deadline) {
				t.Fatalf("%s was not respawned; tree %+v", name, s.Tree())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	close(gate)
	waitDrained(t, s)
	if len(spooled(t, s)) == 0 {
		t.Error("no batches after the batcher was respawned")
	}
}

func TestSeveralSourcesMergeIntoOneBatchPerMinute(t *testing.T) {
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	open := func() (capture.Source, error) { return capture.OpenFile(path) }
	// Every minute's records as they come (no deferral).
	s := startOfflineWith(t, []Source{{Name: "a", Open: open}, {Name: "b", Open: open}},
		func(c *Config) { c.ReportEvery = time.Minute })
	waitDrained(t, s)
	minutes := map[int64]int{}
	var events int
	for _, b := range spooled(t, s) {
		minutes[b.Minute]++
		events += len(b.OtEvents)
		// Both sources replay the same Modbus capture: every flow and OT
		// event of the minute must arrive once from each.
		seen := map[string]int{}
		for _, f := range b.Flows {
			seen[fmt.Sprintf("flow %x %d %x %d", f.SrcIp, f.SrcPort, f.DstIp, f.DstPort)]++
		}
		for _, e := range b.OtEvents {
			seen[fmt.Sprintf("ot %s %d %x %d %x %d", e.Protocol, e.Code, e.SrcIp, e.SrcPort, e.DstIp, e.DstPort)]++
		}
		for k, n := range seen {
			if n != 2 {
				t.Errorf("minute %d: %s merged %d times, want 2", b.Minute, k, n)
			}
		}
		if len(b.Captures) != 2 {
			t.Errorf("minute %d carries %d capture stats, want 2 (one per source)", b.Minute, len(b.Captures))
		}
	}
	for m, n := range minutes {
		if n != 1 {
			t.Errorf("minute %d sealed %d times, want once", m, n)
		}
	}
	if len(minutes) == 0 {
		t.Fatal("no batches")
	}
	if events == 0 {
		t.Error("no OT events in the merged batches")
	}
}

// warnings collects the messages logged at Warn.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l == slog.LevelWarn }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	w.msgs = append(w.msgs, r.Message)
	w.mu.Unlock()
	return nil
}
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnings) WithGroup(string) slog.Handler      { return w }

// TestPlainBrokerWarns: a broker URL without TLS that is not on the
// sensor's own host is warned about at the start; a TLS one or the
// loopback is not.
func TestPlainBrokerWarns(t *testing.T) {
	for _, tc := range []struct {
		broker string
		warn   bool
	}{
		{"tcp://192.0.2.10:1883", true},
		{"tcp://cloud.example:1883", true},
		{"ssl://192.0.2.10:8883", false},
		{"mqtts://cloud.example:8883", false},
		{"tcp://127.0.0.1:1", false},
	} {
		w := &warnings{}
		startOfflineWith(t, nil, func(c *Config) { c.Broker, c.Logger = tc.broker, slog.New(w) }).Stop()
		w.mu.Lock()
		warned := slices.ContainsFunc(w.msgs, func(m string) bool { return strings.Contains(m, "does not ask for TLS") })
		w.mu.Unlock()
		if warned != tc.warn {
			t.Errorf("broker %s: warned %v, want %v (%q)", tc.broker, warned, tc.warn, w.msgs)
		}
	}
}

// TestCertificateExpiryOnStatus: the status page knows when the sensor's
// own certificate expires.
func TestCertificateExpiryOnStatus(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "Mimamori test CA")
	cert := ca.Client(t, dir, "s1")
	s := startOfflineWith(t, nil, func(c *Config) {
		c.Broker, c.BrokerCA, c.BrokerCert, c.BrokerKey = "ssl://127.0.0.1:1", cert.CA, cert.Cert, cert.Key
	})
	pemBytes, _ := os.ReadFile(cert.Cert)
	block, _ := pem.Decode(pemBytes)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.StatusSnapshot().Cloud.CertExpires; !got.Equal(leaf.NotAfter) {
		t.Errorf("status says the certificate expires %s, want %s", got, leaf.NotAfter)
	}
}
