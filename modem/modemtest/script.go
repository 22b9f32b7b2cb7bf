package modemtest

import "time"

// SIM is the simulated SIM card's condition.
type SIM int

const (
	SIMReady   SIM = iota // inserted, no PIN
	SIMAbsent             // no card
	SIMPIN                // asks for Script.PIN
	SIMFailure            // inserted but unreadable
)

// Script describes a simulated modem. The zero value is a healthy generic
// 3GPP modem with a ready SIM, good signal and home registration.
type Script struct {
	Dialect string // "generic" (default), "huawei" or "quectel"

	SIM SIM
	PIN string // the SIM's PIN when SIM is SIMPIN (default "1234")

	RSSI     int  // AT+CSQ rssi 1..31 (default 20, about -73 dBm)
	NoSignal bool // rssi 99 and registration stays "searching"
	// Reg is the 3GPP registration stat once the search ends: 1 home
	// (default), 5 roaming, 3 denied, 2 searching forever.
	Reg           int
	RegisterDelay time.Duration // searching this long after radio on
	Operator      string        // default "NTT DOCOMO"
	APN           string        // if set, only this APN gets a data session
	IP            string        // default "10.160.23.45"

	Garbage   bool          // noise lines and URCs in and between answers
	Split     bool          // answers written a few bytes at a time
	Delay     time.Duration // every answer this late
	HangAfter int           // answer this many commands, then nothing

	LiveSignal bool  // the signal wanders, as a real one does
	NotAT      bool  // not an AT port: a GPS port talking NMEA
	Seed       int64 // for LiveSignal and Garbage
}

func (s Script) withDefaults() Script {
	if s.Dialect == "" {
		s.Dialect = "generic"
	}
	if s.PIN == "" {
		s.PIN = "1234"
	}
	if s.RSSI <= 0 || s.RSSI > 31 {
		s.RSSI = 20
	}
	if s.Reg == 0 {
		s.Reg = 1
	}
	if s.Operator == "" {
		s.Operator = "NTT DOCOMO"
	}
	if s.IP == "" {
		s.IP = "10.160.23.45"
	}
	return s
}

// Named is a script with a name, for test tables.
type Named struct {
	Name   string
	Script Script
}

// Healthy is a working modem of the given dialect.
func Healthy(dialect string) Script { return Script{Dialect: dialect} }

// NoSIM has no SIM card.
func NoSIM() Script { return Script{SIM: SIMAbsent} }

// PINRequired has a SIM locked with PIN 1234.
func PINRequired() Script { return Script{SIM: SIMPIN, PIN: "1234"} }

// NoSignal hears no network at all.
func NoSignal() Script { return Script{NoSignal: true, Reg: 2} }

// Denied is rejected by the network (an unactivated or barred SIM).
func Denied() Script { return Script{Reg: 3} }

// Garbage mixes noise into everything, interleaving URCs with answers.
func Garbage() Script { return Script{Dialect: "huawei", Garbage: true, Seed: 7} }

// Split writes answers a few bytes at a time.
func Split() Script { return Script{Dialect: "quectel", Split: true} }

// Slow answers every command after d.
func Slow(d time.Duration) Script { return Script{Delay: d} }

// Hang answers a few commands, then nothing.
func Hang() Script { return Script{HangAfter: 8} }

// Faults lists every fault script with the healthy ones of each dialect.
func Faults(slow time.Duration) []Named {
	return []Named{
		{"healthy-generic", Healthy("generic")},
		{"healthy-huawei", Healthy("huawei")},
		{"healthy-quectel", Healthy("quectel")},
		{"no-sim", NoSIM()},
		{"pin-required", PINRequired()},
		{"no-signal", NoSignal()},
		{"denied", Denied()},
		{"garbage", Garbage()},
		{"split", Split()},
		{"slow", Slow(slow)},
		{"hang", Hang()},
	}
}
