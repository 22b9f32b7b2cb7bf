package portal

import (
	"net/netip"
	"testing"
	"time"
)

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{0, "0"},
		{999, "999"},
		{1000, "1,000"},
		{-1234567, "-1,234,567"},
		{uint64(18446744073709551615), "18,446,744,073,709,551,615"},
		{uint32(65536), "65,536"},
		{uint16(502), "502"},
		{int64(100000), "100,000"},
	}
	for _, tt := range tests {
		if got := formatNumber(tt.in); got != tt.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "0 B"},
		{1023, "1,023 B"},
		{1024, "1.00 KB"},
		{1536, "1.50 KB"},
		{10 << 20, "10.0 MB"},
		{1_234_567, "1.18 MB"},
		{10 << 30, "10.0 GB"},
		{120 << 30, "120 GB"},
		{3 << 40, "3.00 TB"},
		{1 << 63, "8.00 EB"},
	}
	for _, tt := range tests {
		if got := formatBytes(tt.in); got != tt.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEndpoint(t *testing.T) {
	v4 := netip.MustParseAddr("192.168.0.1")
	v6 := netip.MustParseAddr("2001:db8::1")
	tests := []struct {
		ip    netip.Addr
		port  uint16
		proto uint8
		want  string
	}{
		{v4, 502, 6, "192.168.0.1:502"},
		{v6, 47808, 17, "[2001:db8::1]:47808"},
		{v4, 8 << 8, 1, "192.168.0.1"},
		{netip.Addr{}, 0, 6, "—"},
	}
	for _, tt := range tests {
		if got := endpoint(tt.ip, tt.port, tt.proto); got != tt.want {
			t.Errorf("endpoint(%v, %d, %d) = %q, want %q", tt.ip, tt.port, tt.proto, got, tt.want)
		}
	}
}

func TestTimesInJST(t *testing.T) {
	srv := &Server{loc: tokyo()}
	utc := time.Date(2026, 4, 30, 15, 4, 5, 0, time.UTC)
	if got := srv.formatTime(displayTime)(utc); got != "2026/05/01 00:04:05" {
		t.Errorf("JST = %q", got)
	}
	if got := srv.formatTime(displayTime)(time.Time{}); got != "—" {
		t.Errorf("zero time = %q", got)
	}
}

func TestFormatDuration(t *testing.T) {
	for in, want := range map[uint64]string{59: "0分", 3600: "1時間 0分", 90000: "1日 1時間"} {
		if got := formatDuration(in); got != want {
			t.Errorf("formatDuration(%d) = %q, want %q", in, got, want)
		}
	}
}
