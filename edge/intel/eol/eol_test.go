package eol

import (
	"testing"
	"time"
)

func TestLookup(t *testing.T) {
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		os   string
		want State
		n    int // candidate products
	}{
		{"Windows XP", EOL, 1},
		{"Windows Server 2003", EOL, 1},
		{"Windows XP or Server 2003", EOL, 2},
		{"Windows 7 or 8", EOL, 2},
		{"Windows 7 or Vista", EOL, 2},
		{"Windows NT kernel 6.x", EOL, 8},
		{"Windows Server 2012 R2", EOL, 1},
		{"Windows 10 or 11", Partial, 2},
		{"Windows 8 or newer", Partial, 8},
		{"Windows Server 2016 or newer", Ending, 4}, // 2016 ends 2027-01-12
		{"Windows Server 2019", Supported, 1},
		{"Windows 11", Supported, 1},
		{"Windows CE", EOL, 3},
		{"Windows XP x64", EOL, 1},
		{"Windows", Unknown, 0},
		{"Linux 2.6.x", EOL, 1},
		{"Linux 3.x", EOL, 1},
		{"Linux 3.1-3.10", EOL, 1},
		{"Linux 3.11 and newer", Unknown, 0},
		{"Linux 4.x and newer", Unknown, 0},
		{"Siemens 6ES7 315-2EH14-0AB0 firmware V3.2.6", EOL, 1},
		{"Siemens CPU 1515-2 PN firmware V2.9", Unknown, 0},
		{"Cisco IOS 12.2", Unknown, 0},
		{"", Unknown, 0},
	} {
		st := Lookup(tt.os, now)
		if st.State != tt.want || len(st.Products) != tt.n {
			t.Errorf("%q: %s with %d products, want %s with %d", tt.os, st.State, len(st.Products), tt.want, tt.n)
		}
	}
}

func TestLookupDependsOnTime(t *testing.T) {
	for _, tt := range []struct {
		at   string
		want State
	}{
		{"2024-01-01", Supported},
		{"2024-10-14", Ending},
		{"2025-10-14", Ending}, // the last day of support
		{"2025-10-15", EOL},
	} {
		now, _ := time.Parse(time.DateOnly, tt.at)
		if st := Lookup("Windows 10", now); st.State != tt.want {
			t.Errorf("Windows 10 at %s: %s, want %s", tt.at, st.State, tt.want)
		}
	}
	if !Lookup("Windows XP", time.Now()).Vulnerable() {
		t.Error("Windows XP is not vulnerable")
	}
}

func TestProductsAreDated(t *testing.T) {
	for _, p := range Products() {
		if p.End.IsZero() && p.Name != "Windows 11" {
			t.Errorf("%s has no date", p.Name)
		}
		if p.Kind != "support" && p.Kind != "sale" {
			t.Errorf("%s: kind %q", p.Name, p.Kind)
		}
	}
}
