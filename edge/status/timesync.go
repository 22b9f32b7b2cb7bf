package status

import (
	"time"

	"golang.org/x/sys/unix"
)

// Clock is whether the system clock is synchronized. It matters because
// every batch is labelled with the minute its packets arrived in.
type Clock struct {
	Known    bool          `json:"known"`
	Synced   bool          `json:"synced"`
	MaxError time.Duration `json:"max_error"` // the kernel's bound on the error
	EstError time.Duration `json:"est_error"`
	Source   string        `json:"source"`
}

// ReadClock asks the kernel through adjtimex(2), read-only. Whatever keeps
// time (chrony, systemd-timesyncd, ntpd, even a GPS daemon) reports to the
// kernel's NTP state, so this works without knowing which one runs, and
// needs no privileges. The clock counts as synchronized when the kernel
// state is not TIME_ERROR and STA_UNSYNC is clear.
func ReadClock() Clock {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return Clock{Source: "adjtimex: " + err.Error()}
	}
	return clockFrom(state, tx.Status, int64(tx.Maxerror), int64(tx.Esterror))
}

// clockFrom interprets adjtimex's result; errors are in microseconds.
func clockFrom(state int, status int32, maxErrUS, estErrUS int64) Clock {
	c := Clock{
		Known:    true,
		Source:   "adjtimex",
		MaxError: time.Duration(maxErrUS) * time.Microsecond,
		EstError: time.Duration(estErrUS) * time.Microsecond,
	}
	c.Synced = state != unix.TIME_ERROR && status&unix.STA_UNSYNC == 0
	return c
}
