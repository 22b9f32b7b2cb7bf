package health

import (
	"context"
	"testing"
)

func TestSampleReadsThisHost(t *testing.T) {
	h, err := Sampler{DiskPath: t.TempDir()}.Sample(context.Background())
	if err != nil {
		t.Logf("partial sample: %v", err)
	}
	if h.MemTotalBytes == 0 || h.MemUsedBytes > h.MemTotalBytes {
		t.Errorf("memory %d/%d is implausible", h.MemUsedBytes, h.MemTotalBytes)
	}
	if h.DiskTotalBytes == 0 || h.DiskUsedBytes > h.DiskTotalBytes {
		t.Errorf("disk %d/%d is implausible", h.DiskUsedBytes, h.DiskTotalBytes)
	}
	if h.CpuPercent < 0 || h.CpuPercent > 100 {
		t.Errorf("cpu %.1f%% out of range", h.CpuPercent)
	}
	if h.UptimeSeconds == 0 {
		t.Error("uptime is zero")
	}
}
