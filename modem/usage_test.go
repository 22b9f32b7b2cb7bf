package modem

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fakeCounters is an interface whose counters and epoch the test sets.
type fakeCounters struct {
	rx, tx uint64
	epoch  string
	err    error
}

func (f *fakeCounters) read(context.Context, string) (uint64, uint64, error) {
	return f.rx, f.tx, f.err
}
func (f *fakeCounters) ep(context.Context, string) (string, error) { return f.epoch, f.err }

func openTestUsage(t *testing.T, path string, fc *fakeCounters) *Usage {
	t.Helper()
	u, err := OpenUsage(UsageConfig{
		Interface: "wwan0", Path: path, Location: jst, Counters: fc.read, Epoch: fc.ep,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var jst = time.FixedZone("JST", 9*3600)

func TestUsageAccumulatesAndRolls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.json")
	fc := &fakeCounters{rx: 5000, tx: 1000, epoch: "boot1:5"}
	u := openTestUsage(t, path, fc)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, jst)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	steps := []struct {
		when                       string
		rx, tx                     uint64
		epoch                      string
		dayRx, dayTx, monRx, monTx uint64
		day, month                 string
	}{
		// The first sample is a baseline: bytes from before are not ours to count.
		{"2026-05-30 10:00", 5000, 1000, "boot1:5", 0, 0, 0, 0, "2026-05-30", "2026-05"},
		{"2026-05-30 10:01", 8000, 1500, "boot1:5", 3000, 500, 3000, 500, "2026-05-30", "2026-05"},
		// Midnight in Japan: a new day, same month.
		{"2026-05-31 00:00", 9000, 1600, "boot1:5", 1000, 100, 4000, 600, "2026-05-31", "2026-05"},
		// Reboot: new counters; everything on them is new traffic.
		{"2026-05-31 08:00", 700, 300, "boot2:5", 1700, 400, 4700, 900, "2026-05-31", "2026-05"},
		// Dongle replugged without a reboot: new interface index.
		{"2026-05-31 09:00", 200, 100, "boot2:7", 1900, 500, 4900, 1000, "2026-05-31", "2026-05"},
		// Counters went backwards in the same epoch (a driver reset).
		{"2026-05-31 10:00", 50, 10, "boot2:7", 1950, 510, 4950, 1010, "2026-05-31", "2026-05"},
		// New month (UTC is still in May: JST decides).
		{"2026-06-01 00:30", 150, 60, "boot2:7", 100, 50, 100, 50, "2026-06-01", "2026-06"},
	}
	for _, s := range steps {
		fc.rx, fc.tx, fc.epoch = s.rx, s.tx, s.epoch
		if err := u.Sample(context.Background(), at(s.when)); err != nil {
			t.Fatalf("%s: %v", s.when, err)
		}
		got := u.Totals()
		if got.DayRx != s.dayRx || got.DayTx != s.dayTx || got.MonthRx != s.monRx || got.MonthTx != s.monTx || got.Day != s.day || got.Month != s.month {
			t.Fatalf("%s: totals %+v, want day %s %d/%d month %s %d/%d", s.when, got, s.day, s.dayRx, s.dayTx, s.month, s.monRx, s.monTx)
		}
	}
	if got := u.Totals(); got.PrevMonth != "2026-05" || got.PrevMonthRx != 4950 || got.PrevMonthTx != 1010 {
		t.Errorf("previous month %s %d/%d", got.PrevMonth, got.PrevMonthRx, got.PrevMonthTx)
	}

	// A restart of the process resumes from the file: traffic while the
	// sensor was down (same epoch) is counted, nothing twice.
	fc.rx, fc.tx = 1150, 560
	u2 := openTestUsage(t, path, fc)
	if err := u2.Sample(context.Background(), at("2026-06-01 01:00")); err != nil {
		t.Fatal(err)
	}
	if got := u2.Totals(); got.MonthRx != 1100 || got.MonthTx != 550 {
		t.Errorf("after restart month %d/%d, want 1100/550", got.MonthRx, got.MonthTx)
	}
}

func TestUsageInterfaceMissing(t *testing.T) {
	fc := &fakeCounters{rx: 100, tx: 100, epoch: "b:1"}
	u := openTestUsage(t, "", fc)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, jst)
	u.Sample(context.Background(), now)
	fc.err = errors.New("interface wwan0 not found")
	u.Sample(context.Background(), now.Add(time.Minute))
	if got := u.Totals(); got.LastError == "" || got.MonthRx != 0 {
		t.Errorf("while missing: %+v", got)
	}
	fc.err, fc.rx, fc.tx, fc.epoch = nil, 40, 20, "b:2"
	u.Sample(context.Background(), now.Add(2*time.Minute))
	if got := u.Totals(); got.LastError != "" || got.MonthRx != 40 || got.MonthTx != 20 {
		t.Errorf("after it came back: %+v", got)
	}
}

func TestUsageDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	fc := &fakeCounters{epoch: "b:1"}
	u, err := OpenUsage(UsageConfig{Interface: "wwan0", Path: path, Counters: fc.read, Epoch: fc.ep})
	if !errors.Is(err, ErrUsageFile) || u == nil {
		t.Fatalf("OpenUsage = %v, %v; want a meter and ErrUsageFile", u, err)
	}
	if _, err := os.Stat(path + ".bad"); err != nil {
		t.Errorf("damaged file not kept aside: %v", err)
	}
	if err := u.Sample(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenUsage(UsageConfig{Interface: "wwan0", Path: path}); err != nil {
		t.Errorf("the rewritten file does not load: %v", err)
	}
	if _, err := OpenUsage(UsageConfig{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("no interface: %v", err)
	}
}

func TestNetCountersReadsLoopback(t *testing.T) {
	rx, tx, err := NetCounters(context.Background(), "lo")
	if err != nil {
		t.Skipf("no loopback counters here: %v", err)
	}
	_ = rx + tx
	if _, _, err := NetCounters(context.Background(), "no-such-if0"); err == nil {
		t.Error("a missing interface has counters")
	}
	if ep, err := CounterEpoch(context.Background(), "lo"); err != nil || ep == "" {
		t.Errorf("epoch of lo = %q, %v", ep, err)
	}
}
