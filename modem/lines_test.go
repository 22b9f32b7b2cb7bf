package modem

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestSplitter(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"crlf framed", []string{"\r\n+CSQ: 23,99\r\n\r\nOK\r\n"}, []string{"+CSQ: 23,99", "OK"}},
		{"echo then answer", []string{"AT+CSQ\r\r\n+CSQ: 23,99\r\n\r\nOK\r\n"}, []string{"AT+CSQ", "+CSQ: 23,99", "OK"}},
		{"split anywhere", []string{"\r", "\n+C", "SQ: 2", "3,99\r", "\n\r\nO", "K", "\r\n"}, []string{"+CSQ: 23,99", "OK"}},
		{"bare LF", []string{"OK\n"}, []string{"OK"}},
		{"unterminated stays pending", []string{"\r\nOK"}, nil},
		{"control bytes become ?", []string{"\x00\xffOK\x1b[31m\r\n"}, []string{"??OK?[31m"}},
		{"blank lines dropped", []string{"\r\n \r\n\t\r\nOK\r\n"}, []string{"OK"}},
		{"utf-8 kept", []string{"+COPS: 0,0,\"ドコモ\"\r\n"}, []string{"+COPS: 0,0,\"ドコモ\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sp splitter
			var got []string
			for _, c := range tt.chunks {
				sp.feed([]byte(c), func(l string) { got = append(got, l) })
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lines = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSplitterCutsRunawayLines(t *testing.T) {
	var sp splitter
	var got []string
	sp.feed([]byte(strings.Repeat("x", 3*maxLine)+"\r\nOK\r\n"), func(l string) { got = append(got, l) })
	if len(got) != 2 || len(got[0]) != maxLine || got[1] != "OK" {
		t.Fatalf("got %d lines (first %d bytes), want the cut line and OK", len(got), len(got[0]))
	}
}

func TestFinalResult(t *testing.T) {
	tests := []struct {
		line  string
		final bool
		is    error
		code  int
	}{
		{"OK", true, nil, -1},
		{"ERROR", true, ErrCommandFailed, -1},
		{"+CME ERROR: 10", true, ErrCommandFailed, 10},
		{"+CME ERROR: SIM not inserted", true, ErrCommandFailed, 10},
		{"+CME ERROR: sim PIN REQUIRED", true, ErrCommandFailed, 11},
		{"+CME ERROR: something odd", true, ErrCommandFailed, -1},
		{"+CMS ERROR: 500", true, ErrCommandFailed, -1},
		{"NO CARRIER", true, ErrCommandFailed, -1},
		{"CONNECT 150000000", true, ErrBadResponse, -1},
		{"+CSQ: 20,99", false, nil, -1},
		{"OKAY", false, nil, -1},
		{"RING", false, nil, -1},
	}
	for _, tt := range tests {
		final, err := finalResult(tt.line)
		if final != tt.final || !errors.Is(err, tt.is) || (tt.is == nil) != (err == nil) {
			t.Errorf("finalResult(%q) = %v, %v; want %v, %v", tt.line, final, err, tt.final, tt.is)
		}
		if got := cmeCode(err); got != tt.code {
			t.Errorf("finalResult(%q) CME code = %d, want %d", tt.line, got, tt.code)
		}
	}
}

func TestCMEErrorText(t *testing.T) {
	tests := []struct {
		err  *CMEError
		want string
	}{
		{parseCMEError(" 10", false), "modem: +CME ERROR 10 (SIM not inserted)"},
		{parseCMEError("999", false), "modem: +CME ERROR 999"},
		{parseCMEError("weird", false), `modem: +CME ERROR "weird"`},
		{parseCMEError("301", true), "modem: +CMS ERROR 301"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestResponsePrefix(t *testing.T) {
	tests := map[string]string{
		"AT+CSQ":          "+CSQ:",
		"AT+CREG?":        "+CREG:",
		"at+cgpaddr=1":    "+CGPADDR:",
		"AT^NDISSTATQRY?": "^NDISSTATQRY:",
		"AT+QIACT?":       "+QIACT:",
		"ATI":             "",
		"ATE0":            "",
		"AT":              "",
		"AT+":             "",
	}
	for cmd, want := range tests {
		if got := responsePrefix(cmd); got != want {
			t.Errorf("responsePrefix(%q) = %q, want %q", cmd, got, want)
		}
	}
}

func TestCollectorSortsLines(t *testing.T) {
	var urcs []string
	c := collector{cmd: "AT+CREG?", prefix: responsePrefix("AT+CREG?"), urc: func(u URC) { urcs = append(urcs, u.Line) }}
	var done bool
	var err error
	for _, l := range []string{"AT+CREG?", "+CEREG: 1", "+CREG: 2,5", "^RSSI: 17", "OK"} {
		if done {
			t.Fatal("collector finished before OK")
		}
		done, err = c.feed(l)
	}
	if !done || err != nil {
		t.Fatalf("done %v err %v", done, err)
	}
	if want := []string{"+CREG: 2,5"}; !reflect.DeepEqual(c.resp.Lines, want) {
		t.Errorf("response lines %q, want %q (echo skipped, URCs diverted)", c.resp.Lines, want)
	}
	if want := []string{"+CEREG: 1", "^RSSI: 17"}; !reflect.DeepEqual(urcs, want) {
		t.Errorf("URCs %q, want %q", urcs, want)
	}
}

func TestFields(t *testing.T) {
	tests := map[string][]string{
		`0,0,"NTT DOCOMO",7`:                 {"0", "0", "NTT DOCOMO", "7"},
		`1,"a,b", 3`:                         {"1", "a,b", "3"},
		``:                                   {""},
		`"unterminated,still one`:            {"unterminated,still one"},
		`2,1,"1A2B","01A2B3C4",7`:            {"2", "1", "1A2B", "01A2B3C4", "7"},
		`1,,,"IPV4"`:                         {"1", "", "", "IPV4"},
		` spaced , "  quoted  " , x `:        {"spaced", "quoted", "x"},
		`"FDD LTE","44010","LTE BAND 1",100`: {"FDD LTE", "44010", "LTE BAND 1", "100"},
	}
	for in, want := range tests {
		if got := fields(in); !reflect.DeepEqual(got, want) {
			t.Errorf("fields(%q) = %q, want %q", in, got, want)
		}
	}
}
