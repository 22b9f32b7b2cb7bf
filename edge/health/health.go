package health

import (
	"context"
	"fmt"
	"time"

	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/disk"
	"github.com/shirou/gopsutil/v3/host"
	"github.com/shirou/gopsutil/v3/load"
	"github.com/shirou/gopsutil/v3/mem"

	"mimamori/edge/wire/wirepb"
)

// Sampler reads host health. DiskPath is the file system holding the spool.
type Sampler struct {
	DiskPath string
}

// Sample returns the current health. Parts the platform cannot report (no
// thermal sensors in a VM, say) stay zero and are listed in the error,
// which is informational: the returned sample is always usable.
func (s Sampler) Sample(ctx context.Context) (*wirepb.Health, error) {
	h := &wirepb.Health{}
	var missing []string
	// CPU percent over a short window: a zero interval would compare with
	// the previous call and report nonsense on the first one.
	if pct, err := cpu.PercentWithContext(ctx, 200*time.Millisecond, false); err == nil && len(pct) == 1 {
		h.CpuPercent = pct[0]
	} else {
		missing = append(missing, "cpu")
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		h.MemUsedBytes, h.MemTotalBytes = vm.Used, vm.Total
	} else {
		missing = append(missing, "memory")
	}
	path := s.DiskPath
	if path == "" {
		path = "/"
	}
	if du, err := disk.UsageWithContext(ctx, path); err == nil {
		h.DiskUsedBytes, h.DiskTotalBytes = du.Used, du.Total
	} else {
		missing = append(missing, "disk")
	}
	if temps, err := host.SensorsTemperaturesWithContext(ctx); err == nil || len(temps) > 0 {
		for _, t := range temps {
			if t.Temperature > h.TemperatureC && t.Temperature < 150 {
				h.TemperatureC = t.Temperature
			}
		}
	}
	if up, err := host.UptimeWithContext(ctx); err == nil {
		h.UptimeSeconds = up
	} else {
		missing = append(missing, "uptime")
	}
	if l, err := load.AvgWithContext(ctx); err == nil {
		h.Load1 = l.Load1
	} else {
		missing = append(missing, "load")
	}
	if len(missing) > 0 {
		return h, fmt.Errorf("health: unavailable: %v", missing)
	}
	return h, nil
}
