package modem

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// parseCSQ reads "+CSQ: <rssi>,<ber>" (the prefix already removed).
// rssi 0..31 or 99 (unknown); ber 0..7 or 99.
func parseCSQ(v string) (rssi int, err error) {
	fs := fields(v)
	if len(fs) != 2 {
		return 0, fmt.Errorf("%w: +CSQ %q: want 2 fields", ErrBadResponse, v)
	}
	rssi, err = intField(fs, 0, 0, 99)
	if err != nil || (rssi > 31 && rssi != 99) {
		return 0, fmt.Errorf("%w: +CSQ rssi %q", ErrBadResponse, fs[0])
	}
	if ber, err := intField(fs, 1, 0, 99); err != nil || (ber > 7 && ber != 99) {
		return 0, fmt.Errorf("%w: +CSQ ber %q", ErrBadResponse, fs[1])
	}
	return rssi, nil
}

// cesq is the extended signal quality of AT+CESQ (TS 27.007 §8.69).
type cesq struct {
	rsrq, rsrp int // raw indices: rsrq 0..34, rsrp 0..97, 255 unknown
}

// parseCESQ reads "+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>".
func parseCESQ(v string) (cesq, error) {
	fs := fields(v)
	if len(fs) != 6 {
		return cesq{}, fmt.Errorf("%w: +CESQ %q: want 6 fields", ErrBadResponse, v)
	}
	var raw [6]int
	for i := range raw {
		n, err := intField(fs, i, 0, 255)
		if err != nil {
			return cesq{}, fmt.Errorf("+CESQ: %w", err)
		}
		raw[i] = n
	}
	c := cesq{rsrq: raw[4], rsrp: raw[5]}
	if (c.rsrq > 34 && c.rsrq != 255) || (c.rsrp > 97 && c.rsrp != 255) {
		return cesq{}, fmt.Errorf("%w: +CESQ rsrq/rsrp out of range in %q", ErrBadResponse, v)
	}
	return c, nil
}

// Registration is one +CREG/+CGREG/+CEREG report.
type Registration struct {
	Stat int // 3GPP <stat>
	AcT  int // 3GPP <AcT>, -1 when not reported
}

// State folds the 3GPP stat into what the manager acts on.
func (r Registration) State() RegState {
	switch r.Stat {
	case 1, 6, 9: // home; home SMS only; home CSFB not preferred
		return RegHome
	case 5, 7, 10: // roaming; roaming SMS only; roaming CSFB not preferred
		return RegRoaming
	case 2:
		return RegSearching
	case 3:
		return RegDenied
	case 0:
		return RegIdle
	default: // 4 unknown, 8 emergency only, 11 attached for emergency
		return RegUnknown
	}
}

// parseRegistration reads the value of a +CREG/+CGREG/+CEREG line. A
// query answer starts with the URC mode <n> ("<n>,<stat>[,...]"); an
// unsolicited one starts with <stat> ("<stat>[,<lac>,<ci>[,<AcT>]]").
// The location fields are quoted hex, which tells the forms apart when
// the count alone cannot ("1,5" is a query answer, `1,"1A2B","..."` a URC).
func parseRegistration(v string, query bool) (Registration, error) {
	fs := fields(v)
	statAt := 0
	if query {
		statAt = 1
	}
	if len(fs) <= statAt {
		return Registration{}, fmt.Errorf("%w: registration %q: too few fields", ErrBadResponse, v)
	}
	stat, err := intField(fs, statAt, 0, 11)
	if err != nil {
		return Registration{}, fmt.Errorf("registration %q: %w", v, err)
	}
	r := Registration{Stat: stat, AcT: -1}
	// <stat>,<lac/tac>,<ci>,<AcT>: AcT is the fourth field after stat.
	if i := statAt + 3; i < len(fs) && fs[i] != "" {
		if act, err := intField(fs, i, 0, 13); err == nil {
			r.AcT = act
		}
	}
	return r, nil
}

// technology names a 3GPP access technology number.
func technology(act int) string {
	switch act {
	case 0, 1, 3, 8:
		return "GSM"
	case 2, 4, 5, 6:
		return "WCDMA"
	case 7, 9, 10:
		return "LTE"
	case 11, 12:
		return "5G NR"
	case 13:
		return "LTE+NR"
	}
	return ""
}

// parseCOPS reads "+COPS: <mode>[,<format>,<oper>[,<AcT>]]". Without an
// operator (not registered) it returns "" and no error.
func parseCOPS(v string) (oper string, act int, err error) {
	fs := fields(v)
	if _, err := intField(fs, 0, 0, 4); err != nil {
		return "", -1, fmt.Errorf("+COPS %q: %w", v, err)
	}
	act = -1
	if len(fs) < 3 {
		return "", act, nil
	}
	format, err := intField(fs, 1, 0, 2)
	if err != nil {
		return "", -1, fmt.Errorf("+COPS %q: %w", v, err)
	}
	oper = fs[2]
	if format == 2 {
		if name, ok := plmnNames[oper]; ok {
			oper = name
		}
	}
	if len(fs) > 3 {
		if n, err := intField(fs, 3, 0, 13); err == nil {
			act = n
		}
	}
	return oper, act, nil
}

// plmnNames names the Japanese networks when a modem reports the numeric
// PLMN (format 2) despite AT+COPS=3,0.
var plmnNames = map[string]string{
	"44010": "NTT DOCOMO",
	"44011": "Rakuten Mobile",
	"44020": "SoftBank",
	"44050": "KDDI au",
	"44051": "KDDI au",
	"44052": "KDDI au",
	"44053": "KDDI au",
	"44054": "KDDI au",
}

// parseCPIN reads "+CPIN: <code>".
func parseCPIN(v string) SIMState {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "READY":
		return SIMReady
	case "SIM PIN", "PH-SIM PIN", "PH-NET PIN":
		return SIMPIN
	case "SIM PUK", "PH-SIM PUK", "PH-NET PUK":
		return SIMPUK
	case "NOT INSERTED", "NOT READY", "SIM REMOVED":
		return SIMAbsent
	}
	return SIMFailure
}

// simFromError maps the CME errors AT+CPIN? and friends return.
func simFromError(err error) (SIMState, bool) {
	switch cmeCode(err) {
	case CMESIMNotIn:
		return SIMAbsent, true
	case CMESIMPIN:
		return SIMPIN, true
	case CMESIMPUK:
		return SIMPUK, true
	case CMESIMFailure, CMESIMWrong:
		return SIMFailure, true
	case CMESIMBusy:
		return SIMBusy, true
	}
	return SIMUnknown, false
}

// parseCGPADDR reads "+CGPADDR: <cid>[,<addr>[,<addr2>]]" and returns the
// first address. Modems write IPv4 quoted or not, and IPv6 either in
// colon form or as 16 dot-separated decimal bytes.
func parseCGPADDR(v string) (cid int, ip string, err error) {
	fs := fields(v)
	cid, err = intField(fs, 0, 0, 255)
	if err != nil {
		return 0, "", fmt.Errorf("+CGPADDR %q: %w", v, err)
	}
	for _, f := range fs[1:] {
		if f == "" {
			continue
		}
		if a, ok := parseModemIP(f); ok {
			if a.IsUnspecified() {
				continue
			}
			return cid, a.String(), nil
		}
		return 0, "", fmt.Errorf("%w: +CGPADDR address %q", ErrBadResponse, f)
	}
	return cid, "", nil
}

// parseModemIP accepts dotted IPv4, textual IPv6, and the 16-byte dotted
// decimal IPv6 form ("32.1.13.184.0.0...") of TS 27.007.
func parseModemIP(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	parts := strings.Split(s, ".")
	if len(parts) != 16 {
		return netip.Addr{}, false
	}
	var b [16]byte
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom16(b), true
}

// parseCGACT reads the lines of AT+CGACT? ("+CGACT: <cid>,<state>") and
// reports whether cid is active.
func parseCGACT(values []string, cid int) (bool, error) {
	for _, v := range values {
		fs := fields(v)
		c, err := intField(fs, 0, 0, 255)
		if err != nil {
			return false, fmt.Errorf("+CGACT %q: %w", v, err)
		}
		st, err := intField(fs, 1, 0, 1)
		if err != nil {
			return false, fmt.Errorf("+CGACT %q: %w", v, err)
		}
		if c == cid {
			return st == 1, nil
		}
	}
	return false, nil
}

// parseICCID finds the SIM serial in a response: "+CCID: ...",
// "^ICCID: ...", "+QCCID: ...", "+ICCID: ..." or a bare line. ICCIDs are
// 18 to 22 digits; some modems pad with a trailing F, which is dropped.
func parseICCID(r Response) (string, error) {
	for _, l := range r.Lines {
		v := l
		if i := strings.IndexByte(l, ':'); i >= 0 && (l[0] == '+' || l[0] == '^') {
			v = l[i+1:]
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		v = strings.TrimRight(v, "Ff")
		if len(v) >= 18 && len(v) <= 22 && digitsOnly(v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("%w: %s: no ICCID in %q", ErrBadResponse, r.Command, r.Lines)
}

// parseCRSMICCID decodes the ICCID from a restricted SIM access read of
// EF_ICCID (AT+CRSM=176,12258,0,0,10): "+CRSM: 144,0,"98814..."" holds
// the digits nibble-swapped.
func parseCRSMICCID(v string) (string, error) {
	fs := fields(v)
	if len(fs) != 3 {
		return "", fmt.Errorf("%w: +CRSM %q", ErrBadResponse, v)
	}
	if sw1, err := intField(fs, 0, 0, 255); err != nil || sw1 != 144 {
		return "", fmt.Errorf("%w: +CRSM status %q (SIM refused the read)", ErrBadResponse, fs[0])
	}
	hex := fs[2]
	if len(hex)%2 != 0 || len(hex) < 18 {
		return "", fmt.Errorf("%w: +CRSM data %q", ErrBadResponse, hex)
	}
	var sb strings.Builder
	for i := 0; i+1 < len(hex); i += 2 {
		sb.WriteByte(hex[i+1])
		sb.WriteByte(hex[i])
	}
	out := strings.TrimRight(sb.String(), "Ff")
	if !digitsOnly(out) {
		return "", fmt.Errorf("%w: +CRSM ICCID %q is not decimal", ErrBadResponse, out)
	}
	return out, nil
}

// digitsLine returns the first line (with an optional "+XXX:" prefix and
// quotes removed) that is all digits with a length in [min, max]: the IMEI
// from AT+CGSN, the IMSI from AT+CIMI.
func digitsLine(r Response, min, max int) (string, error) {
	for _, l := range r.Lines {
		v := l
		if i := strings.IndexByte(l, ':'); i >= 0 && l[0] == '+' {
			v = l[i+1:]
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if len(v) >= min && len(v) <= max && digitsOnly(v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("%w: %s: no %d-%d digit line in %q", ErrBadResponse, r.Command, min, max, r.Lines)
}

// textLine returns the first line of a free-text answer (AT+CGMI, AT+CGMM,
// AT+CGMR), without an echoed "+CGMI:" style prefix.
func textLine(r Response, prefix string) (string, error) {
	for _, l := range r.Lines {
		v := strings.TrimSpace(strings.TrimPrefix(l, prefix))
		v = strings.Trim(v, `"`)
		if v != "" {
			return clip(v, 64), nil
		}
	}
	return "", fmt.Errorf("%w: %s: empty answer", ErrBadResponse, r.Command)
}
