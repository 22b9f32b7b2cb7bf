package synth

import (
	"errors"
	"time"
)

// Schedule is a plant's activity level for each hour of the week, in the
// plant's local time: 1 is a full day shift, 0 nobody at work. Talks marked
// Scheduled (office traffic, engineering visits) follow it; machine polling
// does not, because controllers and panels poll whether anyone watches.
// The zero value means constant full activity.
type Schedule struct {
	// Hours[weekday][hour] with time.Sunday = 0, each in [0, 1].
	Hours [7][24]float64
}

// ShiftSchedule is a two-shift discrete-manufacturing week: office and
// engineering work from 08:00 to 18:00 on weekdays with a lunch dip, the
// production shifts around it keep a few people busy until 22:00, nights
// are nearly quiet, Saturday morning has a skeleton crew and Sunday is off.
func ShiftSchedule() Schedule {
	var s Schedule
	weekday := [24]float64{
		0.05, 0.05, 0.05, 0.05, 0.05, 0.05, // 00-06 night
		0.3, 0.6, // 06-08 early shift arrives
		1, 1, 1, 1, // 08-12
		0.6,           // 12-13 lunch
		1, 1, 1, 1, 1, // 13-18
		0.4, 0.3, 0.3, 0.3, // 18-22 late shift
		0.05, 0.05, // 22-24
	}
	for d := time.Monday; d <= time.Friday; d++ {
		s.Hours[d] = weekday
	}
	for h := range 24 {
		s.Hours[time.Saturday][h] = 0.02
		s.Hours[time.Sunday][h] = 0.02
	}
	for h := 8; h < 13; h++ {
		s.Hours[time.Saturday][h] = 0.2
	}
	return s
}

// IsZero reports whether s is the zero value (constant full activity).
func (s *Schedule) IsZero() bool { return *s == Schedule{} }

// At returns the activity at t (plant local time).
func (s *Schedule) At(t time.Time) float64 {
	if s.IsZero() {
		return 1
	}
	t = t.In(plantZone())
	return s.Hours[t.Weekday()][t.Hour()]
}

func (s *Schedule) validate() error {
	for d := range s.Hours {
		for h := range s.Hours[d] {
			if v := s.Hours[d][h]; v < 0 || v > 1 {
				return errors.New("synth: schedule activity outside [0, 1]")
			}
		}
	}
	return nil
}

// maxStretch bounds how far a quiet plant pushes a scheduled pause out.
const maxStretch = 7 * 24 * time.Hour

// stretch turns a pause drawn for full activity into the pause at
// activity a(now): pause/a, or, when nobody works at all, the wait until
// the next hour with activity plus the pause.
func (s *Schedule) stretch(nowNs, pause int64) int64 {
	if s.IsZero() {
		return pause
	}
	now := time.Unix(0, nowNs)
	if a := s.At(now); a > 0 {
		return min(int64(float64(pause)/a), int64(maxStretch))
	}
	t := now.In(plantZone()).Truncate(time.Hour)
	for i := 0; i < 7*24; i++ {
		t = t.Add(time.Hour)
		if s.At(t) > 0 {
			return t.UnixNano() - nowNs + pause
		}
	}
	return int64(maxStretch)
}
