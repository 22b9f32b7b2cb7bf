package modem

// csqToDBm converts an AT+CSQ rssi index to dBm (TS 27.007 §8.5):
// 0 is -113 dBm or less, 31 is -51 dBm or more, 2 dB per step.
func csqToDBm(rssi int) (int, bool) {
	if rssi < 0 || rssi > 31 {
		return 0, false
	}
	return -113 + 2*rssi, true
}

// rsrpToDBm converts an AT+CESQ rsrp index: 0 is below -140 dBm, 97 is
// -44 dBm or more, 1 dB per step.
func rsrpToDBm(idx int) (int, bool) {
	if idx < 0 || idx > 97 {
		return 0, false
	}
	return -141 + idx, true
}

// rsrqToDB converts an AT+CESQ rsrq index: 0 is below -19.5 dB, 34 is
// -3 dB or more, 0.5 dB per step.
func rsrqToDB(idx int) (float64, bool) {
	if idx < 0 || idx > 34 {
		return 0, false
	}
	return -20 + float64(idx)/2, true
}

// Bars rates a signal 0..5 the way a phone would. LTE RSRP is the better
// measure of whether data will flow, so it wins when the modem gives it;
// otherwise RSSI. The steps follow the usual operator guidance:
//
//	bars  RSRP (dBm)   RSSI (dBm)   meaning
//	5     ≥ -85        ≥ -65        excellent
//	4     ≥ -95        ≥ -75        good
//	3     ≥ -105       ≥ -85        fair: uploads work
//	2     ≥ -115       ≥ -95        weak: expect retries; move the dongle
//	1     < -115       < -95        very weak
//	0     none         none         no signal
func Bars(s Signal) int {
	if !s.Valid {
		return 0
	}
	steps := func(v int, top int) int {
		for bars := 5; bars >= 2; bars-- {
			if v >= top-10*(5-bars) {
				return bars
			}
		}
		return 1
	}
	if s.RSRPdBm != 0 {
		return steps(s.RSRPdBm, -85)
	}
	return steps(s.RSSIdBm, -65)
}
