package modem

import (
	"strconv"
	"strings"
)

// URCKind classifies an unsolicited result code.
type URCKind int

const (
	URCUnknown      URCKind = iota // a line nobody asked for and we do not know
	URCRegistration                // +CREG / +CGREG / +CEREG / +C5GREG
	URCSignal                      // ^RSSI, ^HCSQ, +QIND: "csq"
	URCSIM                         // +CPIN:, ^SIMST:, +QUSIM:, +SIMCARD:
	URCDataDown                    // the data session dropped
	URCDataUp                      // the data session came up (Huawei ^NDISSTAT: 1)
	URCBooted                      // the modem (re)started: RDY, ^SYSSTART
	URCNoise                       // known chatter with nothing to act on
)

// URC is one parsed unsolicited result code.
type URC struct {
	Kind URCKind
	Line string
	// URCRegistration: which domain and what it said.
	Domain string // "CREG", "CGREG", "CEREG", "C5GREG"
	Reg    Registration
	// URCSignal: the CSQ-scale rssi (0..31, 99 unknown).
	RSSI int
	// URCSIM: the SIM state the code implies.
	SIM SIMState
}

// urcPrefixes are the line starts that are always unsolicited, unless
// they are the answer to the command being run (AT+CREG? answers +CREG:).
var urcPrefixes = []string{
	"+CREG:", "+CGREG:", "+CEREG:", "+C5GREG:", "+CGEV:", "+CPIN:", "+CMTI:", "+CDSI:", "+CUSD:",
	"+QIND:", "+QIURC:", "+QUSIM:", "+SIMCARD:", "+PACSP",
	"^RSSI:", "^HCSQ:", "^MODE:", "^BOOT:", "^DSFLOWRPT:", "^NDISSTAT:", "^NDISEND:", "^SIMST:",
	"^SRVST:", "^SYSSTART", "^CEND:", "^STIN:", "^RFSWITCH:",
	"RING", "RDY",
}

// looksUnsolicited reports whether line is a URC rather than part of the
// response to cmdPrefix (see responsePrefix).
func looksUnsolicited(line, cmdPrefix string) bool {
	if cmdPrefix != "" && strings.HasPrefix(line, cmdPrefix) {
		return false
	}
	for _, p := range urcPrefixes {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// ParseURC reads one unsolicited line. It never fails: what it cannot read
// is URCUnknown, which the manager logs and ignores.
func ParseURC(line string) URC {
	u := URC{Kind: URCUnknown, Line: line, RSSI: 99}
	head, val, _ := strings.Cut(line, ":")
	val = strings.TrimSpace(val)
	switch head {
	case "+CREG", "+CGREG", "+CEREG", "+C5GREG":
		if r, err := parseRegistration(val, false); err == nil {
			u.Kind, u.Domain, u.Reg = URCRegistration, head[1:], r
		}
	case "^RSSI": // Huawei: "^RSSI: 17", CSQ scale
		if n, err := strconv.Atoi(val); err == nil && ((n >= 0 && n <= 31) || n == 99) {
			u.Kind, u.RSSI = URCSignal, n
		}
	case "+QIND": // Quectel: `+QIND: "csq",17,99`
		fs := fields(val)
		if len(fs) == 3 && strings.EqualFold(fs[0], "csq") {
			if n, err := intField(fs, 1, 0, 99); err == nil && (n <= 31 || n == 99) {
				u.Kind, u.RSSI = URCSignal, n
			}
		} else {
			u.Kind = URCNoise // "SMS DONE", "PB DONE", "FOTA", ...
		}
	case "+CPIN":
		u.Kind, u.SIM = URCSIM, parseCPIN(val)
	case "+QUSIM", "+SIMCARD":
		u.Kind, u.SIM = URCSIM, SIMUnknown
		if strings.Contains(strings.ToUpper(val), "NOT") {
			u.SIM = SIMAbsent
		}
	case "^SIMST": // Huawei: 1 valid, 255 absent, 0 invalid
		u.Kind = URCSIM
		switch strings.TrimSpace(strings.Split(val, ",")[0]) {
		case "1":
			u.SIM = SIMReady
		case "255":
			u.SIM = SIMAbsent
		default:
			u.SIM = SIMFailure
		}
	case "+CGEV":
		// "NW DEACT", "ME DEACT", "NW PDN DEACT", "ME PDN DEACT", "NW DETACH":
		// the session is gone. Activations are noise.
		up := strings.ToUpper(val)
		if strings.Contains(up, "DEACT") || strings.Contains(up, "DETACH") {
			u.Kind = URCDataDown
		} else {
			u.Kind = URCNoise
		}
	case "+QIURC": // `+QIURC: "pdpdeact",1`
		fs := fields(val)
		if len(fs) > 0 && strings.EqualFold(fs[0], "pdpdeact") {
			u.Kind = URCDataDown
		} else {
			u.Kind = URCNoise
		}
	case "^NDISSTAT": // Huawei: `^NDISSTAT: 1,,,"IPV4"` up, 0 down
		fs := fields(val)
		switch {
		case len(fs) > 0 && fs[0] == "1":
			u.Kind = URCDataUp
		case len(fs) > 0 && (fs[0] == "0" || fs[0] == "3"):
			u.Kind = URCDataDown
		default:
			u.Kind = URCNoise
		}
	case "^NDISEND":
		u.Kind = URCDataDown
	case "RDY", "^SYSSTART":
		u.Kind = URCBooted
	case "+CMTI", "+CDSI", "+CUSD", "^MODE", "^BOOT", "^DSFLOWRPT", "^HCSQ", "^SRVST", "^CEND", "^STIN", "^RFSWITCH", "RING":
		u.Kind = URCNoise
	default:
		if strings.HasPrefix(line, "+PACSP") {
			u.Kind = URCNoise
		}
	}
	return u
}
