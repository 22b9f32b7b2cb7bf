package modem

import (
	"errors"
	"testing"
)

func TestParseCSQ(t *testing.T) {
	tests := []struct {
		in      string
		rssi    int
		wantErr bool
	}{
		{"23,99", 23, false},
		{"0,0", 0, false},
		{"31,7", 31, false},
		{"99,99", 99, false},
		{"32,99", 0, true},
		{"-1,99", 0, true},
		{"23", 0, true},
		{"23,99,1", 0, true},
		{"x,99", 0, true},
		{"23,8", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		rssi, err := parseCSQ(tt.in)
		if (err != nil) != tt.wantErr || rssi != tt.rssi {
			t.Errorf("parseCSQ(%q) = %d, %v; want %d, error %v", tt.in, rssi, err, tt.rssi, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBadResponse) {
			t.Errorf("parseCSQ(%q) error %v is not ErrBadResponse", tt.in, err)
		}
	}
}

func TestParseCESQ(t *testing.T) {
	tests := []struct {
		in         string
		rsrq, rsrp int
		wantErr    bool
	}{
		{"99,99,255,255,20,43", 20, 43, false},
		{"99,99,255,255,255,255", 255, 255, false},
		{"99,99,255,255,35,43", 0, 0, true},
		{"99,99,255,255,20,98", 0, 0, true},
		{"99,99,255,255,20", 0, 0, true},
		{"a,b,c,d,e,f", 0, 0, true},
	}
	for _, tt := range tests {
		c, err := parseCESQ(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && (c.rsrq != tt.rsrq || c.rsrp != tt.rsrp)) {
			t.Errorf("parseCESQ(%q) = %+v, %v", tt.in, c, err)
		}
	}
}

func TestParseRegistration(t *testing.T) {
	tests := []struct {
		in      string
		query   bool
		stat    int
		act     int
		state   RegState
		wantErr bool
	}{
		{"0,1", true, 1, -1, RegHome, false},
		{"2,5,\"1A2B\",\"01A2B3C4\",7", true, 5, 7, RegRoaming, false},
		{"2,1,\"1A2B\",\"01A2B3C4\",7", true, 1, 7, RegHome, false},
		{"1,3", true, 3, -1, RegDenied, false},
		{"1,2", true, 2, -1, RegSearching, false},
		{"1,0", true, 0, -1, RegIdle, false},
		{"1,4", true, 4, -1, RegUnknown, false},
		{"1,6", true, 6, -1, RegHome, false},
		{"1", false, 1, -1, RegHome, false},
		{"5,\"1A2B\",\"01A2B3C4\",2", false, 5, 2, RegRoaming, false},
		{"1,\"1A2B\",\"01A2B3C4\",7", false, 1, 7, RegHome, false},
		{"3", false, 3, -1, RegDenied, false},
		{"1,\"1A2B\",\"01A2B3C4\",xx", false, 1, -1, RegHome, false},
		{"1", true, 0, 0, "", true},
		{"0,12", true, 0, 0, "", true},
		{"", false, 0, 0, "", true},
	}
	for _, tt := range tests {
		r, err := parseRegistration(tt.in, tt.query)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseRegistration(%q, %v) error %v, want error %v", tt.in, tt.query, err, tt.wantErr)
			continue
		}
		if err == nil && (r.Stat != tt.stat || r.AcT != tt.act || r.State() != tt.state) {
			t.Errorf("parseRegistration(%q, %v) = %+v (%s), want stat %d act %d %s", tt.in, tt.query, r, r.State(), tt.stat, tt.act, tt.state)
		}
	}
}

func TestParseCOPS(t *testing.T) {
	tests := []struct {
		in      string
		oper    string
		act     int
		wantErr bool
	}{
		{`0,0,"NTT DOCOMO",7`, "NTT DOCOMO", 7, false},
		{`0,2,"44020",7`, "SoftBank", 7, false},
		{`0,2,"99999",2`, "99999", 2, false},
		{`0,0,"KDDI"`, "KDDI", -1, false},
		{`0`, "", -1, false},
		{`1,0,"x",99`, "x", -1, false},
		{`9`, "", -1, true},
		{`0,7,"x"`, "", -1, true},
		{``, "", -1, true},
	}
	for _, tt := range tests {
		oper, act, err := parseCOPS(tt.in)
		if (err != nil) != tt.wantErr || oper != tt.oper || act != tt.act {
			t.Errorf("parseCOPS(%q) = %q, %d, %v", tt.in, oper, act, err)
		}
	}
}

func TestParseCPINAndErrors(t *testing.T) {
	for in, want := range map[string]SIMState{
		"READY": SIMReady, "SIM PIN": SIMPIN, "sim puk": SIMPUK, "PH-SIM PIN": SIMPIN,
		"NOT INSERTED": SIMAbsent, "SIM REMOVED": SIMAbsent, "whatever": SIMFailure,
	} {
		if got := parseCPIN(in); got != want {
			t.Errorf("parseCPIN(%q) = %s, want %s", in, got, want)
		}
	}
	for code, want := range map[string]SIMState{"10": SIMAbsent, "11": SIMPIN, "12": SIMPUK, "13": SIMFailure, "14": SIMBusy} {
		if got, ok := simFromError(parseCMEError(code, false)); !ok || got != want {
			t.Errorf("simFromError(CME %s) = %s, %v; want %s", code, got, ok, want)
		}
	}
	if _, ok := simFromError(ErrCommandFailed); ok {
		t.Error("plain ERROR was taken for a SIM state")
	}
}

func TestParseCGPADDR(t *testing.T) {
	tests := []struct {
		in      string
		cid     int
		ip      string
		wantErr bool
	}{
		{`1,"10.160.23.45"`, 1, "10.160.23.45", false},
		{`1,10.160.23.45`, 1, "10.160.23.45", false},
		{`1,"0.0.0.0"`, 1, "", false},
		{`1`, 1, "", false},
		{`1,"0.0.0.0","32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"`, 1, "2001:db8::1", false},
		{`1,"2001:db8::2"`, 1, "2001:db8::2", false},
		{`1,"not-an-ip"`, 0, "", true},
		{`x,"10.0.0.1"`, 0, "", true},
	}
	for _, tt := range tests {
		cid, ip, err := parseCGPADDR(tt.in)
		if (err != nil) != tt.wantErr || cid != tt.cid || ip != tt.ip {
			t.Errorf("parseCGPADDR(%q) = %d, %q, %v", tt.in, cid, ip, err)
		}
	}
}

func TestParseCGACT(t *testing.T) {
	up, err := parseCGACT([]string{"2,0", "1,1"}, 1)
	if err != nil || !up {
		t.Errorf("context 1 active: got %v, %v", up, err)
	}
	up, err = parseCGACT([]string{"1,0"}, 1)
	if err != nil || up {
		t.Errorf("context 1 inactive: got %v, %v", up, err)
	}
	if _, err := parseCGACT([]string{"1,7"}, 1); !errors.Is(err, ErrBadResponse) {
		t.Errorf("bad state: err %v", err)
	}
}

func TestParseICCID(t *testing.T) {
	tests := []struct {
		lines   []string
		want    string
		wantErr bool
	}{
		{[]string{"+CCID: 8981100012345678901F"}, "8981100012345678901", false},
		{[]string{"^ICCID: 8981100012345678901"}, "8981100012345678901", false},
		{[]string{"+QCCID: 89811000123456789012"}, "89811000123456789012", false},
		{[]string{"??garbage", "8981100012345678901"}, "8981100012345678901", false},
		{[]string{`+ICCID: "8981100012345678901"`}, "8981100012345678901", false},
		{[]string{"+CCID: 12345"}, "", true},
		{nil, "", true},
	}
	for _, tt := range tests {
		got, err := parseICCID(Response{Command: "AT+CCID", Lines: tt.lines})
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseICCID(%q) = %q, %v", tt.lines, got, err)
		}
	}
}

func TestParseCRSMICCID(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`144,0,"98180100214365870910"`, "89811000123456789001", false},
		{`144,0,"981801002143658709F1"`, "8981100012345678901", false},
		{`148,4,""`, "", true},
		{`144,0,"98XX"`, "", true},
		{`144,0,"9818100021436587091"`, "", true},
		{`144,0`, "", true},
	}
	for _, tt := range tests {
		got, err := parseCRSMICCID(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseCRSMICCID(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestDigitsAndTextLines(t *testing.T) {
	imei, err := digitsLine(Response{Lines: []string{"+CGSN: \"356938035643809\""}}, 14, 17)
	if err != nil || imei != "356938035643809" {
		t.Errorf("IMEI = %q, %v", imei, err)
	}
	if _, err := digitsLine(Response{Lines: []string{"35693803564380X"}}, 14, 17); !errors.Is(err, ErrBadResponse) {
		t.Errorf("non-digit IMEI accepted: %v", err)
	}
	name, err := textLine(Response{Lines: []string{"+CGMI: \"Quectel\""}}, "+CGMI:")
	if err != nil || name != "Quectel" {
		t.Errorf("manufacturer = %q, %v", name, err)
	}
	if _, err := textLine(Response{}, "+CGMI:"); !errors.Is(err, ErrBadResponse) {
		t.Errorf("empty answer: %v", err)
	}
}

func TestTechnologyNames(t *testing.T) {
	for act, want := range map[int]string{0: "GSM", 2: "WCDMA", 6: "WCDMA", 7: "LTE", 9: "LTE", 12: "5G NR", 13: "LTE+NR", -1: "", 42: ""} {
		if got := technology(act); got != want {
			t.Errorf("technology(%d) = %q, want %q", act, got, want)
		}
	}
}
