package modem

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"mimamori/modem/modemtest"
)

// FuzzResponse feeds arbitrary modem output for a command through the
// line splitter, the response collector and every parser. Whatever the
// bytes, nothing panics, every line is bounded and printable, the
// collector ends with OK or a typed failure, and parsers either return
// values in range or ErrBadResponse. Seeds: every answer the simulator
// gives under every fault script.
func FuzzResponse(f *testing.F) {
	for _, ex := range modemtest.Corpus() {
		f.Add(ex.Command, ex.Output)
	}
	f.Add("AT+CSQ", []byte("\r\n+CSQ: 99,99\r\n\r\nOK\r\n"))
	f.Add("AT+COPS?", []byte("\r\n+COPS: 0,2,\"44010\",7\r\n\r\n+CME ERROR: 30\r\n"))
	f.Add("AT+CPIN?", []byte("\x00\xff\r\n+CPIN: SIM PIN\r\r\n\nOK"))
	f.Fuzz(func(t *testing.T, cmd string, data []byte) {
		var sp splitter
		var lines []string
		sp.feed(data, func(l string) { lines = append(lines, l) })
		col := collector{cmd: cmd, prefix: responsePrefix(cmd), urc: func(u URC) { checkURC(t, u) }}
		done := false
		var final error
		for _, l := range lines {
			if len(l) > maxLine || !utf8.ValidString(l) || strings.ContainsAny(l, "\r\n\x00\x1b") {
				t.Fatalf("line %q escaped sanitizing", l)
			}
			if done {
				checkURC(t, ParseURC(l)) // what follows a final result is unsolicited
				continue
			}
			done, final = col.feed(l)
		}
		if len(col.resp.Lines) > maxResponseLines {
			t.Fatalf("response kept %d lines", len(col.resp.Lines))
		}
		if done && final != nil && !errors.Is(final, ErrCommandFailed) && !errors.Is(final, ErrBadResponse) {
			t.Fatalf("final result error %v is untyped", final)
		}
		checkParsers(t, col.resp)
	})
}

// FuzzURC parses arbitrary lines as unsolicited codes.
func FuzzURC(f *testing.F) {
	for _, ex := range modemtest.Corpus() {
		var sp splitter
		sp.feed(ex.Output, func(l string) { f.Add(l) })
	}
	for _, l := range []string{"+CEREG: 5,\"1A2B\",\"01A2B3C4\",7", "^RSSI: 17", "+QIND: \"csq\",21,99", "^SIMST: 255", "RDY"} {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line string) {
		checkURC(t, ParseURC(line))
		looksUnsolicited(line, responsePrefix(line))
	})
}

func checkURC(t *testing.T, u URC) {
	t.Helper()
	if u.Kind < URCUnknown || u.Kind > URCNoise {
		t.Fatalf("URC kind %d out of range for %q", u.Kind, u.Line)
	}
	if u.RSSI != 99 && (u.RSSI < 0 || u.RSSI > 31) {
		t.Fatalf("URC rssi %d out of range for %q", u.RSSI, u.Line)
	}
	if u.Kind == URCRegistration && (u.Reg.Stat < 0 || u.Reg.Stat > 11 || u.Reg.AcT < -1 || u.Reg.AcT > 13) {
		t.Fatalf("URC registration %+v out of range for %q", u.Reg, u.Line)
	}
}

// checkParsers runs every parser over every line of r.
func checkParsers(t *testing.T, r Response) {
	t.Helper()
	bad := func(what string, err error) {
		if err != nil && !errors.Is(err, ErrBadResponse) {
			t.Fatalf("%s: error %v is not ErrBadResponse", what, err)
		}
	}
	for _, l := range r.Lines {
		_, v, _ := strings.Cut(l, ":")
		v = strings.TrimSpace(v)
		if rssi, err := parseCSQ(v); err == nil {
			if rssi != 99 && (rssi < 0 || rssi > 31) {
				t.Fatalf("CSQ rssi %d from %q", rssi, l)
			}
			Bars(Signal{Valid: true, RSSIdBm: -113 + 2*rssi})
		} else {
			bad("CSQ", err)
		}
		if c, err := parseCESQ(v); err == nil {
			if _, ok := rsrpToDBm(c.rsrp); !ok && c.rsrp != 255 {
				t.Fatalf("CESQ rsrp %d from %q", c.rsrp, l)
			}
		} else {
			bad("CESQ", err)
		}
		for _, q := range []bool{true, false} {
			if reg, err := parseRegistration(v, q); err == nil {
				if reg.Stat < 0 || reg.Stat > 11 || reg.AcT < -1 || reg.AcT > 13 {
					t.Fatalf("registration %+v from %q", reg, l)
				}
				_ = technology(reg.AcT) + string(reg.State())
			} else {
				bad("registration", err)
			}
		}
		if _, act, err := parseCOPS(v); err == nil {
			if act < -1 || act > 13 {
				t.Fatalf("COPS act %d from %q", act, l)
			}
		} else {
			bad("COPS", err)
		}
		_ = parseCPIN(v)
		if _, ip, err := parseCGPADDR(v); err == nil {
			if ip != "" && !strings.ContainsAny(ip, ".:") {
				t.Fatalf("CGPADDR address %q from %q", ip, l)
			}
		} else {
			bad("CGPADDR", err)
		}
		if iccid, err := parseCRSMICCID(v); err == nil && !digitsOnly(iccid) {
			t.Fatalf("CRSM ICCID %q from %q", iccid, l)
		} else {
			bad("CRSM", err)
		}
		if _, err := parseCGACT([]string{v}, 1); err != nil {
			bad("CGACT", err)
		}
	}
	if iccid, err := parseICCID(r); err == nil {
		if len(iccid) < 18 || len(iccid) > 22 || !digitsOnly(iccid) {
			t.Fatalf("ICCID %q", iccid)
		}
	} else {
		bad("ICCID", err)
	}
	if v, err := digitsLine(r, 14, 17); err == nil && !digitsOnly(v) {
		t.Fatalf("digits %q", v)
	} else {
		bad("digits", err)
	}
	if v, err := textLine(r, "+CGMI:"); err == nil && (v == "" || len(v) > 64 || !utf8.ValidString(v)) {
		t.Fatalf("text %q", v)
	} else {
		bad("text", err)
	}
}
