package modem

import "testing"

func TestSignalConversions(t *testing.T) {
	for rssi, want := range map[int]int{0: -113, 1: -111, 20: -73, 31: -51} {
		if got, ok := csqToDBm(rssi); !ok || got != want {
			t.Errorf("csqToDBm(%d) = %d, %v; want %d", rssi, got, ok, want)
		}
	}
	if _, ok := csqToDBm(99); ok {
		t.Error("csqToDBm(99) claims a value")
	}
	if got, ok := rsrpToDBm(43); !ok || got != -98 {
		t.Errorf("rsrpToDBm(43) = %d, %v", got, ok)
	}
	if _, ok := rsrpToDBm(255); ok {
		t.Error("rsrpToDBm(255) claims a value")
	}
	if got, ok := rsrqToDB(20); !ok || got != -10 {
		t.Errorf("rsrqToDB(20) = %v, %v", got, ok)
	}
}

func TestBars(t *testing.T) {
	tests := []struct {
		name string
		s    Signal
		want int
	}{
		{"no signal", Signal{}, 0},
		{"rssi excellent", Signal{Valid: true, RSSIdBm: -51}, 5},
		{"rssi -65", Signal{Valid: true, RSSIdBm: -65}, 5},
		{"rssi -73", Signal{Valid: true, RSSIdBm: -73}, 4},
		{"rssi -85", Signal{Valid: true, RSSIdBm: -85}, 3},
		{"rssi -95", Signal{Valid: true, RSSIdBm: -95}, 2},
		{"rssi -113", Signal{Valid: true, RSSIdBm: -113}, 1},
		{"rsrp wins", Signal{Valid: true, RSSIdBm: -51, RSRPdBm: -110}, 2},
		{"rsrp -85", Signal{Valid: true, RSSIdBm: -60, RSRPdBm: -85}, 5},
		{"rsrp -98", Signal{Valid: true, RSSIdBm: -73, RSRPdBm: -98}, 3},
		{"rsrp -130", Signal{Valid: true, RSSIdBm: -90, RSRPdBm: -130}, 1},
	}
	for _, tt := range tests {
		if got := Bars(tt.s); got != tt.want {
			t.Errorf("%s: Bars(%+v) = %d, want %d", tt.name, tt.s, got, tt.want)
		}
	}
}
