package oui

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func mustMAC(s string) [6]byte {
	var m [6]byte
	h := normalizeHex(s)
	for i := range m {
		var b byte
		for _, c := range h[2*i : 2*i+2] {
			b <<= 4
			switch {
			case c >= 'A':
				b |= byte(c - 'A' + 10)
			default:
				b |= byte(c - '0')
			}
		}
		m[i] = b
	}
	return m
}

func readFile(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rs []Record
	if strings.HasSuffix(path, ".txt") {
		rs, err = ReadOverrides(f)
	} else {
		rs, err = ReadIEEECSV(f)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rs
}

func TestReadIEEECSV(t *testing.T) {
	rs := readFile(t, "testdata/oui.csv")
	want := []Record{
		{"001B1B", "Siemens AG", "MA-L"},
		{"002692", "Mitsubishi Electric Corporation", "MA-L"},
		{"70B3D5", "IEEE Registration Authority", "MA-L"},
		{"0026BD", "JTEC Card & Communication Co., Ltd", "MA-L"},
		{"001BCB", "PEMPEK SYSTEMS PTY LTD", "MA-L"},
	}
	if len(rs) != len(want) {
		t.Fatalf("%d records, want %d: %v", len(rs), len(want), rs)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Errorf("record %d = %v, want %v", i, rs[i], want[i])
		}
	}
}

func TestReadIEEECSVErrors(t *testing.T) {
	for _, tt := range []struct{ name, in string }{
		{"empty", ""},
		{"not a registry", "a,b,c\n1,2,3\n"},
		{"short assignment", "Registry,Assignment,Organization Name,Organization Address\nMA-L,00AA,X,Y\n"},
		{"bad hex", "Registry,Assignment,Organization Name,Organization Address\nMA-L,00ZZ11,X,Y\n"},
		{"too few fields", "Registry,Assignment,Organization Name,Organization Address\nMA-L,001122\n"},
	} {
		if _, err := ReadIEEECSV(strings.NewReader(tt.in)); !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrPrefix) {
			t.Errorf("%s: err = %v, want a syntax or prefix error", tt.name, err)
		}
	}
}

// testTable builds a table from the test CSVs and override file.
func testTable(t *testing.T) *Table {
	b := NewBuilder()
	for _, f := range []string{"testdata/oui.csv", "testdata/oui36.csv", "testdata/override.txt"} {
		if err := b.AddRecords(readFile(t, f)); err != nil {
			t.Fatal(err)
		}
	}
	return b.Table()
}

func TestLookupLongestPrefix(t *testing.T) {
	tbl := testTable(t)
	for _, tt := range []struct {
		mac, name, short, prefix, registry string
	}{
		{"00:1b:1b:12:34:56", "Siemens (plant standard)", "Siemens (plant standard)", "001B1B", "override"},
		{"00:26:92:aa:bb:cc", "Mitsubishi Electric Corporation", "Mitsubishi Electric", "002692", "MA-L"},
		{"70:b3:d5:f2:f0:01", "TELEPLATFORMS", "Teleplatforms", "70B3D5F2F", "MA-S"},
		// The 36-bit MA-S block beats the 28-bit override around it.
		{"70:b3:d5:71:90:01", "2M Technology", "2M Technology", "70B3D5719", "MA-S"},
		{"70:b3:d5:72:00:01", "Contoso Line Controllers", "Contoso Line Controllers", "70B3D57", "override"},
		{"70:b3:d5:00:00:01", "IEEE Registration Authority", "IEEE Registration Authority", "70B3D5", "MA-L"},
		{"00:26:bd:00:00:01", "JTEC Card & Communication Co., Ltd", "JTEC Card & Communication", "0026BD", "MA-L"},
		{"00:1b:cb:00:00:01", "PEMPEK SYSTEMS PTY LTD", "Pempek Systems", "001BCB", "MA-L"},
	} {
		v, ok := tbl.Lookup(mustMAC(tt.mac))
		if !ok || v.Name != tt.name || v.Short != tt.short || v.Prefix != tt.prefix || v.Registry != tt.registry {
			t.Errorf("%s: got %+v %v, want %s / %s / %s / %s", tt.mac, v, ok, tt.name, tt.short, tt.prefix, tt.registry)
		}
	}
	if _, ok := tbl.Lookup(mustMAC("00:00:00:00:00:01")); ok {
		t.Error("unregistered prefix found")
	}
}

func TestLocalAndGroupAddresses(t *testing.T) {
	tbl := testTable(t)
	for _, tt := range []struct {
		mac  string
		kind Kind
	}{
		{"00:1b:1b:00:00:01", Global},
		{"02:1b:1b:00:00:01", Local}, // a registered prefix with the U/L bit set is not that vendor's
		{"da:a1:19:00:00:01", Local}, // a randomised phone address
		{"01:00:5e:00:00:01", Group},
		{"ff:ff:ff:ff:ff:ff", Group},
	} {
		m := mustMAC(tt.mac)
		if k := KindOf(m); k != tt.kind {
			t.Errorf("%s: kind %d, want %d", tt.mac, k, tt.kind)
		}
		if _, ok := tbl.Lookup(m); ok && tt.kind != Global {
			t.Errorf("%s: a vendor for a %d address", tt.mac, tt.kind)
		}
	}
}

func TestReadOverridesErrors(t *testing.T) {
	for _, in := range []string{"001B1B", "0011 Foo", "00112233445566 Foo", "zz:zz:zz Foo"} {
		if _, err := ReadOverrides(strings.NewReader(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestShortName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Cisco Systems, Inc", "Cisco Systems"},
		{"Siemens AG", "Siemens"},
		{"Mitsubishi Electric Corporation", "Mitsubishi Electric"},
		{"Richard Hirschmann GmbH & Co. KG", "Richard Hirschmann"},
		{"Omron Tateisi Electronics Co.", "Omron Tateisi Electronics"},
		{"HEWLETT PACKARD", "Hewlett Packard"},
		{"NEC CORPORATION", "NEC"},
		{"TP-LINK TECHNOLOGIES CO.,LTD.", "Tp-Link Technologies"},
		{"Dell Inc.", "Dell"},
		{"Inc.", "Inc."},
		{"Advantech Co., Ltd.", "Advantech"},
		{"Allied Telesis K.K.", "Allied Telesis"},
		{"WAGO Kontakttechnik GmbH", "WAGO Kontakttechnik"},
	} {
		if got := ShortName(tt.in); got != tt.want {
			t.Errorf("ShortName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCompactRoundTrip(t *testing.T) {
	rs := append(readFile(t, "testdata/oui.csv"), readFile(t, "testdata/oui36.csv")...)
	var a, b bytes.Buffer
	if err := WriteCompact(&a, rs); err != nil {
		t.Fatal(err)
	}
	// Deterministic whatever the input order.
	rev := make([]Record, len(rs))
	for i, r := range rs {
		rev[len(rs)-1-i] = r
	}
	if err := WriteCompact(&b, rev); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("WriteCompact depends on the input order")
	}
	bl := NewBuilder()
	if err := bl.ReadCompact(bytes.NewReader(a.Bytes())); err != nil {
		t.Fatal(err)
	}
	if n := bl.Table().Len(); n != len(rs) {
		t.Errorf("read back %d registrations, want %d", n, len(rs))
	}
	v, ok := bl.Table().Lookup(mustMAC("70:b3:d5:f2:f0:00"))
	if !ok || v.Registry != "MA-S" {
		t.Errorf("round trip lost the registry: %+v", v)
	}
}

// TestEmbedded checks the generated table against well-known assignments.
func TestEmbedded(t *testing.T) {
	tbl, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Len() < 40000 {
		t.Errorf("embedded table has %d registrations; regenerate with make intel-data", tbl.Len())
	}
	for _, tt := range []struct{ mac, short string }{
		{"00:1b:1b:00:00:01", "Siemens"},
		{"00:26:92:00:00:01", "Mitsubishi Electric"},
		{"00:00:0a:00:00:01", "Omron"},
		{"00:00:bc:00:00:01", "Rockwell Automation"},
		{"00:30:de:00:00:01", "WAGO Kontakttechnik"},
		{"00:0c:29:00:00:01", "VMware"},
		{"00:80:f4:00:00:01", "Schneider Electric"},
		{"00:01:23:00:00:01", "Schneider Electric (Pro-face)"},
		{"00:1b:54:00:00:01", "Cisco"},
	} {
		v, ok := tbl.Lookup(mustMAC(tt.mac))
		if !ok || v.Short != tt.short {
			t.Errorf("%s: %+v, want %s", tt.mac, v, tt.short)
		}
	}
}

func FuzzReadIEEECSV(f *testing.F) {
	for _, p := range []string{"testdata/oui.csv", "testdata/oui36.csv"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rs, err := ReadIEEECSV(bytes.NewReader(in))
		if err != nil {
			return
		}
		b := NewBuilder()
		if err := b.AddRecords(rs); err != nil {
			t.Fatalf("records the reader accepted do not build: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteCompact(&buf, rs); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzReadOverrides(f *testing.F) {
	b, err := os.ReadFile("testdata/override.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("00-11-22 A\n001122334 B"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rs, err := ReadOverrides(bytes.NewReader(in))
		if err != nil {
			return
		}
		bl := NewBuilder()
		if err := bl.AddRecords(rs); err != nil {
			t.Fatalf("records the reader accepted do not build: %v", err)
		}
		for _, r := range rs {
			if r.Name == "" || strings.ContainsAny(r.Name, "\n\t") {
				t.Fatalf("name %q", r.Name)
			}
		}
	})
}

func FuzzReadCompact(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteCompact(&buf, []Record{{"001B1B", "Siemens AG", "MA-L"}}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = NewBuilder().ReadCompact(bytes.NewReader(in))
	})
}
