package status

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestClockFrom(t *testing.T) {
	tests := []struct {
		name   string
		state  int
		status int32
		synced bool
	}{
		{"synchronized", unix.TIME_OK, unix.STA_PLL, true},
		{"leap second pending", unix.TIME_INS, unix.STA_PLL | unix.STA_INS, true},
		{"kernel says error", unix.TIME_ERROR, 0, false},
		{"daemon says unsynchronized", unix.TIME_OK, unix.STA_UNSYNC, false},
	}
	for _, tt := range tests {
		c := clockFrom(tt.state, tt.status, 16000000, 1500)
		if c.Synced != tt.synced || !c.Known {
			t.Errorf("%s: %+v", tt.name, c)
		}
		if c.EstError != 1500*time.Microsecond || c.MaxError != 16*time.Second {
			t.Errorf("%s: errors %v %v", tt.name, c.EstError, c.MaxError)
		}
	}
}

func TestReadClock(t *testing.T) {
	c := ReadClock()
	if !c.Known || c.Source != "adjtimex" {
		t.Fatalf("ReadClock = %+v", c)
	}
	t.Logf("this machine's clock: synced=%v est=%v max=%v", c.Synced, c.EstError, c.MaxError)
}
