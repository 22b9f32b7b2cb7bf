package modem_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mimamori/modem"
	"mimamori/modem/modemtest"
)

// fastConfig is a manager configuration with every wait shortened, so a
// whole escalation ladder plays out in a few seconds.
func fastConfig(device string) modem.Config {
	return modem.Config{
		Device:          device,
		APN:             modem.APN{Name: "internet"},
		CommandTimeout:  300 * time.Millisecond,
		ConnectTimeout:  time.Second,
		ProbeTimeout:    200 * time.Millisecond,
		ReadTimeout:     100 * time.Millisecond,
		WaitPoll:        50 * time.Millisecond,
		PollEvery:       100 * time.Millisecond,
		RegisterTimeout: 700 * time.Millisecond,
		RadioOffFor:     20 * time.Millisecond,
		MinBackoff:      20 * time.Millisecond,
		MaxBackoff:      200 * time.Millisecond,
		Logger:          testLogger(),
	}
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startSim(t *testing.T, s modemtest.Script, opts ...modemtest.Option) *modemtest.Sim {
	t.Helper()
	sim, err := modemtest.Start(s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim
}

// run starts the manager the way the sensor's supervisor does: a Run that
// returns ErrUnresponsive is started again. It returns how many times
// that happened.
func run(t *testing.T, m *modem.Manager) *atomic.Int32 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var restarts atomic.Int32
	go func() {
		defer close(done)
		for {
			err := m.Run(ctx)
			if !errors.Is(err, modem.ErrUnresponsive) {
				if err != nil {
					t.Errorf("Run: %v", err)
				}
				return
			}
			restarts.Add(1)
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return &restarts
}

// waitFor polls the manager's status until ok holds.
func waitFor(t *testing.T, m *modem.Manager, what string, ok func(modem.Status) bool) modem.Status {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := m.Status()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; status %s/%s (%s), transitions:\n%s", what, st.State, st.Reason, st.Detail, transitions(st))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func transitions(st modem.Status) string {
	var b strings.Builder
	for _, tr := range st.Transitions {
		fmt.Fprintf(&b, "  %s → %s (%s) %s\n", tr.From, tr.To, tr.Reason, tr.Detail)
	}
	return b.String()
}

func reasons(st modem.Status) []modem.Reason {
	var out []modem.Reason
	for _, tr := range st.Transitions {
		out = append(out, tr.Reason)
	}
	return out
}

func inState(s modem.State, r modem.Reason) func(modem.Status) bool {
	return func(st modem.Status) bool { return st.State == s && st.Reason == r }
}

func TestHealthyDialects(t *testing.T) {
	tests := []struct {
		dialect string
		bars    int // generic and quectel give RSRP through AT+CESQ; huawei only RSSI
	}{
		{"generic", 3},
		{"huawei", 4},
		{"quectel", 3},
	}
	for _, tt := range tests {
		t.Run(tt.dialect, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, modemtest.Healthy(tt.dialect))
			m, err := modem.New(fastConfig(sim.Path()))
			if err != nil {
				t.Fatal(err)
			}
			run(t, m)
			st := waitFor(t, m, "online", inState(modem.StateOnline, modem.ReasonOnline))
			want := modem.Status{
				Dialect: tt.dialect, SIM: modem.SIMReady, Registration: modem.RegHome,
				Operator: "NTT DOCOMO", Technology: "LTE", IP: "10.160.23.45", APN: "internet",
			}
			if st.Dialect != want.Dialect || st.SIM != want.SIM || st.Registration != want.Registration ||
				st.Operator != want.Operator || st.Technology != want.Technology || st.IP != want.IP || st.APN != want.APN {
				t.Errorf("status %+v", st)
			}
			if st.IMEI != "356938035643809" || st.IMSI != "440101234567890" || st.ICCID != "8981100012345678901" {
				t.Errorf("identity %+v", st.Identity)
			}
			if st.Signal.Bars != tt.bars || !st.Signal.Valid || st.Signal.RSSIdBm != -73 {
				t.Errorf("signal %+v, want %d bars at -73 dBm", st.Signal, tt.bars)
			}
			if st.OnlineSince.IsZero() || !st.DownSince.IsZero() {
				t.Errorf("online since %v, down since %v", st.OnlineSince, st.DownSince)
			}
			if sim.Count("ATE0") != 1 || sim.Count("AT+CMEE=1") != 1 {
				t.Errorf("initialization commands: %q", sim.Commands())
			}
		})
	}
}

// TestFaultScripts runs each fault script to the state a technician
// should see.
func TestFaultScripts(t *testing.T) {
	tests := []struct {
		name   string
		script modemtest.Script
		config func(*modem.Config)
		state  modem.State
		reason modem.Reason
		check  func(t *testing.T, sim *modemtest.Sim, st modem.Status)
	}{
		{name: "no SIM", script: modemtest.NoSIM(), state: modem.StateNoSIM, reason: modem.ReasonSIMAbsent,
			check: func(t *testing.T, _ *modemtest.Sim, st modem.Status) {
				if st.SIM != modem.SIMAbsent {
					t.Errorf("SIM = %s", st.SIM)
				}
			}},
		{name: "PIN required, none configured", script: modemtest.PINRequired(), state: modem.StateSIMLocked, reason: modem.ReasonPINRequired,
			check: func(t *testing.T, sim *modemtest.Sim, _ modem.Status) {
				if n := sim.Count("AT+CPIN="); n != 0 {
					t.Errorf("entered a PIN %d times without one configured", n)
				}
			}},
		{name: "PIN required and configured", script: modemtest.PINRequired(), config: func(c *modem.Config) { c.PIN = "1234" },
			state: modem.StateOnline, reason: modem.ReasonOnline,
			check: func(t *testing.T, sim *modemtest.Sim, _ modem.Status) {
				if n := sim.Count(`AT+CPIN="1234"`); n != 1 {
					t.Errorf("PIN entered %d times, want once", n)
				}
			}},
		{name: "no signal", script: modemtest.NoSignal(), state: modem.StateSearching, reason: modem.ReasonNoSignal,
			check: func(t *testing.T, sim *modemtest.Sim, st modem.Status) {
				if st.Signal.Valid || st.Signal.Bars != 0 {
					t.Errorf("signal %+v, want none", st.Signal)
				}
			}},
		{name: "registration denied", script: modemtest.Denied(), state: modem.StateDenied, reason: modem.ReasonDenied},
		{name: "garbage and interleaved URCs", script: modemtest.Garbage(), state: modem.StateOnline, reason: modem.ReasonOnline},
		{name: "split lines", script: modemtest.Split(), state: modem.StateOnline, reason: modem.ReasonOnline},
		{name: "slow answers", script: modemtest.Slow(150 * time.Millisecond), state: modem.StateOnline, reason: modem.ReasonOnline},
		{name: "wrong APN", script: modemtest.Script{APN: "closed.example"}, state: modem.StateConnecting, reason: modem.ReasonDataFailed},
		{name: "roaming", script: modemtest.Script{Reg: 5}, state: modem.StateOnline, reason: modem.ReasonOnline,
			check: func(t *testing.T, _ *modemtest.Sim, st modem.Status) {
				if st.Registration != modem.RegRoaming {
					t.Errorf("registration %s", st.Registration)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, tt.script)
			cfg := fastConfig(sim.Path())
			if tt.config != nil {
				tt.config(&cfg)
			}
			m, err := modem.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			run(t, m)
			st := waitFor(t, m, string(tt.state)+"/"+string(tt.reason), inState(tt.state, tt.reason))
			if tt.check != nil {
				tt.check(t, sim, st)
			}
		})
	}
}

func TestNoSignalEscalatesToRadioReset(t *testing.T) {
	sim := startSim(t, modemtest.NoSignal())
	resets := 0
	cfg := fastConfig(sim.Path())
	cfg.USBReset = func(context.Context, string) error { resets++; return nil }
	m, err := modem.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run(t, m)
	st := waitFor(t, m, "the USB reset after the radio reset", func(st modem.Status) bool {
		return slices.Contains(reasons(st), modem.ReasonUSBReset)
	})
	rs := reasons(st)
	i, j, k := slices.Index(rs, modem.ReasonReinit), slices.Index(rs, modem.ReasonRadioReset), slices.Index(rs, modem.ReasonUSBReset)
	if i < 0 || j < i || k < j {
		t.Errorf("escalation out of order: %v", rs)
	}
	if sim.Count("AT+CFUN=0") == 0 || sim.Count("AT+CFUN=1") == 0 {
		t.Errorf("radio was not switched off and on: %q", sim.Commands())
	}
	waitFor(t, m, "searching again", inState(modem.StateSearching, modem.ReasonNoSignal))
}

func TestDeniedNeverResetsUSB(t *testing.T) {
	sim := startSim(t, modemtest.Denied())
	var resets atomic.Int32
	cfg := fastConfig(sim.Path())
	cfg.USBReset = func(context.Context, string) error { resets.Add(1); return nil }
	m, err := modem.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run(t, m)
	// Two full ladders: re-init, radio reset, (start over) re-init, radio reset.
	waitFor(t, m, "a second radio reset", func(st modem.Status) bool { return st.Recoveries >= 4 })
	if n := resets.Load(); n != 0 {
		t.Errorf("USB reset %d times for a rejected SIM", n)
	}
	waitFor(t, m, "denied", inState(modem.StateDenied, modem.ReasonDenied))
}

func TestHangIsRestartedAndEscalatesToUSBReset(t *testing.T) {
	sim := startSim(t, modemtest.Hang())
	var resets atomic.Int32
	cfg := fastConfig(sim.Path())
	cfg.USBReset = func(_ context.Context, dev string) error {
		if dev != sim.Path() {
			t.Errorf("USB reset of %q, want %q", dev, sim.Path())
		}
		resets.Add(1)
		sim.Reset() // what power-cycling the dongle does to wedged firmware
		return nil
	}
	m, err := modem.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	restarts := run(t, m)
	waitFor(t, m, "unresponsive", func(st modem.Status) bool {
		return slices.Contains(reasons(st), modem.ReasonNoAnswer)
	})
	st := waitFor(t, m, "online after the USB reset", inState(modem.StateOnline, modem.ReasonOnline))
	if resets.Load() != 1 {
		t.Errorf("USB resets = %d, want 1", resets.Load())
	}
	if restarts.Load() < 1 {
		t.Error("Run never returned ErrUnresponsive for the owner to restart")
	}
	rs := reasons(st)
	for _, r := range []modem.Reason{modem.ReasonNoAnswer, modem.ReasonReinit, modem.ReasonRadioReset, modem.ReasonUSBReset, modem.ReasonOnline} {
		if !slices.Contains(rs, r) {
			t.Errorf("transitions lack %s: %v", r, rs)
		}
	}
	if st.Escalation != 0 || st.Recoveries < 3 {
		t.Errorf("escalation %d, recoveries %d", st.Escalation, st.Recoveries)
	}
}

func TestHangWithoutUSBResetStaysVisible(t *testing.T) {
	sim := startSim(t, modemtest.Hang())
	m, err := modem.New(fastConfig(sim.Path()))
	if err != nil {
		t.Fatal(err)
	}
	run(t, m)
	st := waitFor(t, m, "the USB step skipped", func(st modem.Status) bool {
		return slices.Contains(reasons(st), modem.ReasonUSBReset)
	})
	if st.State == modem.StateOnline {
		t.Fatal("a hung modem came online")
	}
	if !strings.Contains(transitions(st), "no USB reset available") {
		t.Errorf("the skipped USB reset is not explained:\n%s", transitions(st))
	}
}

func TestPortDisappearsAndComesBack(t *testing.T) {
	link := filepath.Join(t.TempDir(), "usb-modem-if02")
	sim := startSim(t, modemtest.Healthy("quectel"), modemtest.WithLink(link))
	m, err := modem.New(fastConfig(link))
	if err != nil {
		t.Fatal(err)
	}
	run(t, m)
	waitFor(t, m, "online", inState(modem.StateOnline, modem.ReasonOnline))
	sim.Disappear()
	st := waitFor(t, m, "port gone", inState(modem.StateNoModem, modem.ReasonPortGone))
	if st.DownSince.IsZero() || st.IP != "" {
		t.Errorf("after unplugging: down since %v, IP %q", st.DownSince, st.IP)
	}
	time.Sleep(300 * time.Millisecond) // a few reopen attempts against a missing port
	if st := m.Status(); st.Reason != modem.ReasonPortGone {
		t.Errorf("while unplugged the reason became %s", st.Reason)
	}
	if err := sim.Reappear(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, m, "online again", inState(modem.StateOnline, modem.ReasonOnline))
}

func TestNetworkDropsDataSession(t *testing.T) {
	for _, d := range []string{"generic", "huawei", "quectel"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, modemtest.Healthy(d))
			m, err := modem.New(fastConfig(sim.Path()))
			if err != nil {
				t.Fatal(err)
			}
			run(t, m)
			first := waitFor(t, m, "online", inState(modem.StateOnline, modem.ReasonOnline))
			sim.DropData()
			waitFor(t, m, "data lost", func(st modem.Status) bool { return slices.Contains(reasons(st), modem.ReasonDataLost) })
			st := waitFor(t, m, "online again", func(st modem.Status) bool {
				return st.State == modem.StateOnline && st.OnlineSince.After(first.OnlineSince)
			})
			if st.Recoveries != 0 {
				t.Errorf("a dropped session escalated: %d recoveries", st.Recoveries)
			}
		})
	}
}

func TestModemRebootsByItself(t *testing.T) {
	sim := startSim(t, modemtest.Healthy("quectel"))
	m, err := modem.New(fastConfig(sim.Path()))
	if err != nil {
		t.Fatal(err)
	}
	run(t, m)
	waitFor(t, m, "online", inState(modem.StateOnline, modem.ReasonOnline))
	sim.Reset()
	waitFor(t, m, "restart noticed", func(st modem.Status) bool {
		return slices.Contains(reasons(st), modem.ReasonModemRestarted)
	})
	waitFor(t, m, "online again", inState(modem.StateOnline, modem.ReasonOnline))
	if n := sim.Count("ATE0"); n < 2 {
		t.Errorf("the rebooted modem was not initialized again (ATE0 sent %d times)", n)
	}
}

func TestSIMInsertedLater(t *testing.T) {
	sim := startSim(t, modemtest.NoSIM())
	m, err := modem.New(fastConfig(sim.Path()))
	if err != nil {
		t.Fatal(err)
	}
	run(t, m)
	waitFor(t, m, "no SIM", inState(modem.StateNoSIM, modem.ReasonSIMAbsent))
	sim.Update(func(s *modemtest.Script) { s.SIM = modemtest.SIMReady })
	waitFor(t, m, "online", inState(modem.StateOnline, modem.ReasonOnline))
}

func TestRejectedPINIsNeverRetried(t *testing.T) {
	dir := t.TempDir()
	sim := startSim(t, modemtest.PINRequired())
	cfg := fastConfig(sim.Path())
	cfg.PIN, cfg.StateDir = "0000", dir
	m, err := modem.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	waitFor(t, m, "PIN rejected", inState(modem.StateSIMLocked, modem.ReasonPINRejected))
	time.Sleep(300 * time.Millisecond) // several more SIM polls
	cancel()
	<-done
	if n := sim.Count("AT+CPIN=\""); n != 1 {
		t.Fatalf("wrong PIN tried %d times, want once", n)
	}

	// A restart with the same PIN does not try it again.
	m2, err := modem.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run(t, m2)
	waitFor(t, m2, "PIN still rejected", inState(modem.StateSIMLocked, modem.ReasonPINRejected))
	time.Sleep(200 * time.Millisecond)
	if n := sim.Count("AT+CPIN=\""); n != 1 {
		t.Fatalf("after a restart the rejected PIN was tried again (%d tries)", n)
	}

	// A corrected PIN is tried, works, and the mark goes.
	cfg.PIN = "1234"
	m3, err := modem.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run(t, m3)
	waitFor(t, m3, "online with the right PIN", inState(modem.StateOnline, modem.ReasonOnline))
	if _, err := os.Stat(filepath.Join(dir, "modem-pin-rejected")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("PIN mark still there: %v", err)
	}
}

func TestScanFindsTheATPort(t *testing.T) {
	dir := t.TempDir()
	gps := startSim(t, modemtest.Script{NotAT: true})
	// ttyUSB1 is an FTDI cable to a PLC that happens to answer AT: a scan
	// must not write to it, and would pick it if it did.
	plc := startSim(t, modemtest.Healthy("generic"))
	at := startSim(t, modemtest.Healthy("huawei"))
	for name, target := range map[string]string{
		"ttyUSB0": gps.Path(), "ttyUSB1": plc.Path(), "ttyUSB2": at.Path(), "ttyUSB3": filepath.Join(dir, "missing"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	sys := t.TempDir()
	for tty, driver := range map[string]string{"ttyUSB0": "option", "ttyUSB1": "ftdi_sio", "ttyUSB2": "option"} {
		drv := filepath.Join(sys, "bus", "usb-serial", "drivers", driver)
		dev := filepath.Join(sys, "class", "tty", tty, "device")
		for _, d := range []string{drv, dev} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(drv, filepath.Join(dev, "driver")); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fastConfig("")
	cfg.SysRoot = sys
	cfg.Scan = []string{filepath.Join(dir, "ttyUSB*"), filepath.Join(dir, "ttyACM*")}
	m, err := modem.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run(t, m)
	st := waitFor(t, m, "online", inState(modem.StateOnline, modem.ReasonOnline))
	if st.Device != filepath.Join(dir, "ttyUSB2") {
		t.Errorf("device %q, want ttyUSB2", st.Device)
	}
	if n := len(plc.Commands()); n != 0 {
		t.Errorf("the serial converter was sent %d commands: %q", n, plc.Commands())
	}
}

func TestNoPortsAtAll(t *testing.T) {
	cfg := fastConfig("")
	cfg.Scan = []string{filepath.Join(t.TempDir(), "ttyUSB*")}
	m, err := modem.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run(t, m)
	st := waitFor(t, m, "no modem", inState(modem.StateNoModem, modem.ReasonNoPort))
	if !strings.Contains(st.Detail, "ttyUSB*") {
		t.Errorf("detail %q does not say where it looked", st.Detail)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  modem.Config
	}{
		{"quote in APN", modem.Config{APN: modem.APN{Name: `a"b`}}},
		{"CR in password", modem.Config{APN: modem.APN{Name: "x", Password: "a\rATZ"}}},
		{"PIN letters", modem.Config{PIN: "12ab"}},
		{"PIN short", modem.Config{PIN: "12"}},
		{"unknown dialect", modem.Config{Dialect: "nokia"}},
		{"bad PDP type", modem.Config{APN: modem.APN{PDPType: "PPP"}}},
		{"bad auth", modem.Config{APN: modem.APN{Auth: 7}}},
		{"bad glob", modem.Config{Scan: []string{"/dev/tty["}}},
	}
	for _, tt := range tests {
		if _, err := modem.New(tt.cfg); !errors.Is(err, modem.ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", tt.name, err)
		}
	}
	if _, err := modem.New(modem.Config{Dialect: "quectel", PIN: "1234", APN: modem.APN{Name: "m2m.example", Auth: modem.AuthCHAP}}); err != nil {
		t.Errorf("valid config rejected: %v", err)
	}
}

func TestRunIsNotReentrant(t *testing.T) {
	cfg := fastConfig("")
	cfg.Scan = []string{filepath.Join(t.TempDir(), "none*")}
	m, err := modem.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run(t, m)
	waitFor(t, m, "running", func(st modem.Status) bool { return st.State == modem.StateNoModem })
	if err := m.Run(context.Background()); !errors.Is(err, modem.ErrInvalidConfig) {
		t.Errorf("second Run = %v", err)
	}
}
