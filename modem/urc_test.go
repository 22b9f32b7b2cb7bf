package modem

import "testing"

func TestParseURC(t *testing.T) {
	tests := []struct {
		line   string
		kind   URCKind
		domain string
		stat   int
		rssi   int
		sim    SIMState
	}{
		{"+CREG: 1", URCRegistration, "CREG", 1, 99, ""},
		{`+CEREG: 5,"1A2B","01A2B3C4",7`, URCRegistration, "CEREG", 5, 99, ""},
		{"+CGREG: 3", URCRegistration, "CGREG", 3, 99, ""},
		{"+CEREG: x", URCUnknown, "", 0, 99, ""},
		{"^RSSI: 17", URCSignal, "", 0, 17, ""},
		{"^RSSI: 99", URCSignal, "", 0, 99, ""},
		{"^RSSI: 40", URCUnknown, "", 0, 99, ""},
		{`+QIND: "csq",21,99`, URCSignal, "", 0, 21, ""},
		{`+QIND: SMS DONE`, URCNoise, "", 0, 99, ""},
		{"+CPIN: READY", URCSIM, "", 0, 99, SIMReady},
		{"+CPIN: NOT READY", URCSIM, "", 0, 99, SIMAbsent},
		{"+QUSIM: 1", URCSIM, "", 0, 99, ""},
		{"+SIMCARD: NOT AVAILABLE", URCSIM, "", 0, 99, SIMAbsent},
		{"^SIMST: 255", URCSIM, "", 0, 99, SIMAbsent},
		{"^SIMST: 1", URCSIM, "", 0, 99, SIMReady},
		{"+CGEV: NW PDN DEACT 1", URCDataDown, "", 0, 99, ""},
		{"+CGEV: ME PDN ACT 1", URCNoise, "", 0, 99, ""},
		{`+QIURC: "pdpdeact",1`, URCDataDown, "", 0, 99, ""},
		{`+QIURC: "recv",0`, URCNoise, "", 0, 99, ""},
		{`^NDISSTAT: 0,,,"IPV4"`, URCDataDown, "", 0, 99, ""},
		{`^NDISSTAT: 1,,,"IPV4"`, URCDataUp, "", 0, 99, ""},
		{"RDY", URCBooted, "", 0, 99, ""},
		{"^BOOT: 20515967,0,0,0,75", URCNoise, "", 0, 99, ""},
		{"RING", URCNoise, "", 0, 99, ""},
		{"+PACSP1", URCNoise, "", 0, 99, ""},
		{"hello", URCUnknown, "", 0, 99, ""},
		{"", URCUnknown, "", 0, 99, ""},
	}
	for _, tt := range tests {
		u := ParseURC(tt.line)
		if u.Kind != tt.kind || u.Domain != tt.domain || u.Reg.Stat != tt.stat || u.RSSI != tt.rssi || u.SIM != tt.sim {
			t.Errorf("ParseURC(%q) = %+v", tt.line, u)
		}
	}
}

func TestLooksUnsolicited(t *testing.T) {
	tests := []struct {
		line, prefix string
		want         bool
	}{
		{"+CREG: 1", "", true},
		{"+CREG: 0,1", "+CREG:", false},
		{"+CEREG: 1", "+CREG:", true},
		{"^RSSI: 17", "+CSQ:", true},
		{"+CSQ: 20,99", "+CSQ:", false},
		{"+GCAP: +CGSM", "", false},
		{"356938035643809", "", false},
		{"RDY", "+CSQ:", true},
	}
	for _, tt := range tests {
		if got := looksUnsolicited(tt.line, tt.prefix); got != tt.want {
			t.Errorf("looksUnsolicited(%q, %q) = %v", tt.line, tt.prefix, got)
		}
	}
}
