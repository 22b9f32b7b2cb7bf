package synth

import "time"

// procWord returns a plausible value for register i of a controller at time
// now: counters that climb, analog values that wander in a band, setpoints
// that stay put, and unused registers at zero. Real register maps look like
// this, and it keeps payloads from being all zeros or all noise.
func procWord(i int, now int64, salt uint32) uint16 {
	s := uint32(now / int64(time.Second))
	k := uint32(i)*2654435761 + salt
	switch i % 4 {
	case 0:
		return uint16(s/3 + k)
	case 1:
		return uint16(500 + (s+k)%40)
	case 2:
		return uint16(k >> 20)
	default:
		return 0
	}
}
