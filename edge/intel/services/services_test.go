package services

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestReadEtcServices(t *testing.T) {
	f, err := os.Open("testdata/services")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ss, err := ReadEtcServices(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Service{
		{TCP, 1, "tcpmux", "TCP port service multiplexer", SourceIANA, false},
		{TCP, 80, "http", "WorldWideWeb HTTP", SourceIANA, false},
		{TCP, 53, "domain", "Domain Name Server", SourceIANA, false},
		{UDP, 53, "domain", "", SourceIANA, false},
		{TCP, 102, "iso-tsap", "part of ISODE", SourceIANA, false},
	}
	if len(ss) != len(want) {
		t.Fatalf("%d services, want %d: %v", len(ss), len(want), ss)
	}
	for i := range want {
		if ss[i] != want[i] {
			t.Errorf("%d: %+v, want %+v", i, ss[i], want[i])
		}
	}
}

func TestReadEtcServicesErrors(t *testing.T) {
	for _, in := range []string{"http", "http 80", "http 0/tcp", "http 70000/tcp", "http x/tcp"} {
		if _, err := ReadEtcServices(strings.NewReader(in)); !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: err = %v, want ErrSyntax", in, err)
		}
	}
}

func TestTSVRoundTrip(t *testing.T) {
	in := []Service{
		{Proto: UDP, Port: 53, Name: "domain", Source: SourceIANA},
		{Proto: TCP, Port: 80, Name: "http", Description: "WorldWideWeb HTTP", Source: SourceIANA},
		{Proto: TCP, Port: 80, Name: "www", Source: SourceIANA}, // a later name for the port loses
	}
	var buf bytes.Buffer
	if err := WriteTSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadTSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0] != in[1] || out[1] != in[0] {
		t.Errorf("round trip: %+v", out)
	}
}

func TestEmbedded(t *testing.T) {
	tbl, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		proto uint8
		port  uint16
		name  string
		ot    bool
		src   string
	}{
		{TCP, 80, "http", false, SourceIANA},
		{UDP, 53, "domain", false, SourceIANA},
		{TCP, 445, "microsoft-ds", false, SourceIANA},
		{TCP, 502, "modbus", true, SourceOT},
		{TCP, 102, "s7comm", true, SourceOT},
		{UDP, 9600, "fins", true, SourceOT},
		{UDP, 61450, "cclink-iefb", true, SourceOT},
		{TCP, 44818, "enip", true, SourceOT},
	} {
		s, ok := tbl.Lookup(tt.proto, tt.port)
		if !ok || s.Name != tt.name || s.OT != tt.ot || s.Source != tt.src {
			t.Errorf("%s/%d: %+v, want %s (OT %v, %s)", ProtoName(tt.proto), tt.port, s, tt.name, tt.ot, tt.src)
		}
	}
	if got := tbl.Name(TCP, 5001); got != "tcp/5001" {
		t.Errorf("unnamed port: %q", got)
	}
	if s, _ := tbl.Lookup(TCP, 102); s.Description == "" {
		t.Error("OT entry lost its description")
	}
}

func TestWithCustom(t *testing.T) {
	tbl, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	c := tbl.WithCustom([]Service{
		{Proto: TCP, Port: 5001, Name: "melsec-line1"},
		{Proto: TCP, Port: 502, Name: "modbus-io"},
	})
	if got := c.Name(TCP, 5001); got != "melsec-line1" {
		t.Errorf("custom name: %q", got)
	}
	if s, _ := c.Lookup(TCP, 502); s.Name != "modbus-io" || s.Source != SourceCustom || !s.OT || s.Description == "" {
		t.Errorf("override: %+v", s)
	}
	// The base table is untouched.
	if got := tbl.Name(TCP, 502); got != "modbus" {
		t.Errorf("base table changed: %q", got)
	}
	if c.Len() != tbl.Len()+1 {
		t.Errorf("custom table has %d entries, base %d", c.Len(), tbl.Len())
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"http", "ライン1 PLC", "a"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", " pad", "tab\there", "new\nline", strings.Repeat("x", MaxNameLen+1), "bad\xff"} {
		if err := CheckName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzReadEtcServices(f *testing.F) {
	b, err := os.ReadFile("testdata/services")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		ss, err := ReadEtcServices(bytes.NewReader(in))
		if err != nil {
			return
		}
		for _, s := range ss {
			if s.Port == 0 || (s.Proto != TCP && s.Proto != UDP) || s.Name == "" {
				t.Fatalf("bad service %+v", s)
			}
		}
		var buf bytes.Buffer
		if err := WriteTSV(&buf, ss); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadTSV(&buf); err != nil && !strings.ContainsAny(string(in), "\t") {
			t.Fatalf("written table does not read back: %v", err)
		}
	})
}

func FuzzReadTSV(f *testing.F) {
	f.Add([]byte("tcp/80\thttp\tWeb\nudp/53\tdomain\t\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ss, err := ReadTSV(bytes.NewReader(in))
		if err != nil {
			return
		}
		for _, s := range ss {
			if s.Port == 0 || s.Name == "" {
				t.Fatalf("bad service %+v", s)
			}
		}
	})
}
