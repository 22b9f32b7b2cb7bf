package modem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v3/host"
	psnet "github.com/shirou/gopsutil/v3/net"
)

// Counters reads an interface's received and transmitted byte counters.
type Counters func(ctx context.Context, iface string) (rx, tx uint64, err error)

// NetCounters reads them with gopsutil (/proc/net/dev on Linux).
func NetCounters(ctx context.Context, iface string) (uint64, uint64, error) {
	all, err := psnet.IOCountersWithContext(ctx, true)
	if err != nil {
		return 0, 0, err
	}
	for _, c := range all {
		if c.Name == iface {
			return c.BytesRecv, c.BytesSent, nil
		}
	}
	return 0, 0, fmt.Errorf("modem: usage: interface %s not found", iface)
}

// CounterEpoch names the life of an interface's counters: the boot and the
// interface index. Counters of a new epoch start again from zero.
func CounterEpoch(ctx context.Context, iface string) (string, error) {
	boot, err := host.BootTimeWithContext(ctx)
	if err != nil {
		return "", err
	}
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return "", err
	}
	return strconv.FormatUint(boot, 10) + ":" + strconv.Itoa(ifi.Index), nil
}

// UsageConfig says which interface to meter and where to keep the totals.
type UsageConfig struct {
	Interface string
	Path      string                                                  // JSON file; "" keeps totals in memory only
	Location  *time.Location                                          // where days and months begin (default time.Local)
	SaveEvery time.Duration                                           // default 1 min; rollovers save at once
	Counters  Counters                                                // default NetCounters
	Epoch     func(ctx context.Context, iface string) (string, error) // default CounterEpoch
}

// UsageTotals is the metered traffic of the current day and month (and
// the previous month, for the page).
type UsageTotals struct {
	Interface   string    `json:"interface"`
	Day         string    `json:"day"` // 2006-01-02
	DayRx       uint64    `json:"day_rx"`
	DayTx       uint64    `json:"day_tx"`
	Month       string    `json:"month"` // 2006-01
	MonthRx     uint64    `json:"month_rx"`
	MonthTx     uint64    `json:"month_tx"`
	PrevMonth   string    `json:"prev_month,omitempty"`
	PrevMonthRx uint64    `json:"prev_month_rx,omitempty"`
	PrevMonthTx uint64    `json:"prev_month_tx,omitempty"`
	Updated     time.Time `json:"updated,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

// usageFile is the persisted form: totals plus the counter baseline.
type usageFile struct {
	Version int `json:"version"`
	UsageTotals
	Epoch  string `json:"epoch,omitempty"`
	BaseRx uint64 `json:"base_rx"`
	BaseTx uint64 `json:"base_tx"`
}

// Usage meters the bytes the modem's interface carries, per day and per
// month, across process restarts and reboots. Call Sample periodically.
type Usage struct {
	cfg UsageConfig

	mu       sync.Mutex
	f        usageFile
	lastSave time.Time
}

// ErrUsageFile: the saved totals could not be read; metering restarted
// from zero (the file is kept aside as <path>.bad).
var ErrUsageFile = errors.New("modem: usage file unreadable")

// OpenUsage loads saved totals. A damaged file is moved aside and
// reported with ErrUsageFile, together with a working meter.
func OpenUsage(cfg UsageConfig) (*Usage, error) {
	if cfg.Interface == "" {
		return nil, fmt.Errorf("%w: usage needs an interface", ErrInvalidConfig)
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.SaveEvery <= 0 {
		cfg.SaveEvery = time.Minute
	}
	if cfg.Counters == nil {
		cfg.Counters = NetCounters
	}
	if cfg.Epoch == nil {
		cfg.Epoch = CounterEpoch
	}
	u := &Usage{cfg: cfg, f: usageFile{Version: 1}}
	u.f.Interface = cfg.Interface
	if cfg.Path == "" {
		return u, nil
	}
	b, err := os.ReadFile(cfg.Path)
	if errors.Is(err, os.ErrNotExist) {
		return u, nil
	}
	if err == nil {
		var f usageFile
		if err = json.Unmarshal(b, &f); err == nil && f.Version != 1 {
			err = fmt.Errorf("version %d", f.Version)
		}
		if err == nil {
			u.f = f
			if f.Interface != cfg.Interface {
				// Totals belong to the SIM's month, not to an interface
				// name; only the baseline is void.
				u.f.Interface, u.f.Epoch = cfg.Interface, ""
			}
			return u, nil
		}
		_ = os.Rename(cfg.Path, cfg.Path+".bad")
	}
	return u, fmt.Errorf("%w: %s: %v", ErrUsageFile, cfg.Path, err)
}

// Totals returns the current totals.
func (u *Usage) Totals() UsageTotals {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.f.UsageTotals
}

// Sample reads the counters and adds what moved since the last sample to
// today's and this month's totals. The first sample ever only sets the
// baseline; after a reboot or when the interface was re-created (a new
// epoch) or its counters went backwards, the counters are new and all of
// their value is traffic since then.
func (u *Usage) Sample(ctx context.Context, now time.Time) error {
	rx, tx, err := u.cfg.Counters(ctx, u.cfg.Interface)
	var epoch string
	if err == nil {
		epoch, err = u.cfg.Epoch(ctx, u.cfg.Interface)
	}
	u.mu.Lock()
	rolled := u.roll(now)
	if err != nil {
		// The interface is down or gone (dongle unplugged): nothing flows,
		// and when it returns it is a new epoch.
		u.f.LastError = err.Error()
	} else {
		u.f.LastError = ""
		var dRx, dTx uint64
		switch {
		case u.f.Epoch == "" && u.f.Updated.IsZero():
			// First sample ever: a baseline, not traffic.
		case u.f.Epoch != epoch || rx < u.f.BaseRx || tx < u.f.BaseTx:
			dRx, dTx = rx, tx
		default:
			dRx, dTx = rx-u.f.BaseRx, tx-u.f.BaseTx
		}
		u.f.DayRx += dRx
		u.f.DayTx += dTx
		u.f.MonthRx += dRx
		u.f.MonthTx += dTx
		u.f.Epoch, u.f.BaseRx, u.f.BaseTx = epoch, rx, tx
	}
	u.f.Updated = now
	save := rolled || now.Sub(u.lastSave) >= u.cfg.SaveEvery
	u.mu.Unlock()
	if save {
		return u.Save(now)
	}
	return nil
}

// roll starts a new day or month when now is past the current one.
func (u *Usage) roll(now time.Time) bool {
	local := now.In(u.cfg.Location)
	day, month := local.Format("2006-01-02"), local.Format("2006-01")
	rolled := false
	if u.f.Month != month {
		if u.f.Month != "" {
			u.f.PrevMonth, u.f.PrevMonthRx, u.f.PrevMonthTx = u.f.Month, u.f.MonthRx, u.f.MonthTx
		}
		u.f.Month, u.f.MonthRx, u.f.MonthTx = month, 0, 0
		rolled = true
	}
	if u.f.Day != day {
		u.f.Day, u.f.DayRx, u.f.DayTx = day, 0, 0
		rolled = true
	}
	return rolled
}

// Save writes the totals atomically (temporary file, fsync, rename), so a
// power cut leaves either the old totals or the new ones.
func (u *Usage) Save(now time.Time) error {
	if u.cfg.Path == "" {
		return nil
	}
	u.mu.Lock()
	b, err := json.MarshalIndent(u.f, "", "  ")
	u.lastSave = now
	u.mu.Unlock()
	if err != nil {
		return err
	}
	dir := filepath.Dir(u.cfg.Path)
	tmp, err := os.CreateTemp(dir, ".usage-*")
	if err != nil {
		return fmt.Errorf("modem: save usage: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("modem: save usage: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("modem: save usage: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("modem: save usage: %w", err)
	}
	if err := os.Rename(tmp.Name(), u.cfg.Path); err != nil {
		return fmt.Errorf("modem: save usage: %w", err)
	}
	return nil
}
