package p0f

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func loadSmall(t testing.TB) *DB {
	t.Helper()
	f, err := os.Open("testdata/small.fp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db, err := Parse(f, "small.fp")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func mustObs(t testing.TB, s string) Sig {
	t.Helper()
	o, err := ParseObserved(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return o
}

func TestParse(t *testing.T) {
	db := loadSmall(t)
	if db.Len() != 6 {
		t.Fatalf("%d signatures, want 6 (MTU and HTTP sections are skipped)", db.Len())
	}
	s := db.Signatures()[0]
	if s.Label.String() != "Linux 3.11 and newer" || s.Label.Class != "unix" || s.Label.Generic || s.Dir != Request {
		t.Errorf("first signature: %+v %+v", s, s.Label)
	}
	if got := s.Sig.String(); got != "*:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0" {
		t.Errorf("round trip: %s", got)
	}
	mac := db.Signatures()[4].Sig
	if mac.EOLPad != 1 || mac.Layout[len(mac.Layout)-1] != OptEOL {
		t.Errorf("eol+1 parsed as %v pad %d", mac.Layout, mac.EOLPad)
	}
	if nmap := db.Signatures()[3]; !nmap.Label.App() || !nmap.Sig.TTLMax {
		t.Errorf("NMap signature: %+v", nmap.Sig)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ name, in string }{
		{"sig before label", "[tcp:request]\nsig = *:64:0:*:*,*::df:0\n"},
		{"short sig", "[tcp:request]\nlabel = s:unix:Linux:x\nsig = *:64:0:*\n"},
		{"bad label", "[tcp:request]\nlabel = x:unix:Linux:x\n"},
		{"bad option", "[tcp:request]\nlabel = s:unix:Linux:x\nsig = *:64:0:*:*,*:mss,foo::0\n"},
		{"bad quirk", "[tcp:request]\nlabel = s:unix:Linux:x\nsig = *:64:0:*:*,*:mss:zz:0\n"},
		{"bad window", "[tcp:request]\nlabel = s:unix:Linux:x\nsig = *:64:0:*:mss*x,*:mss::0\n"},
		{"eol not last", "[tcp:request]\nlabel = s:unix:Linux:x\nsig = *:64:0:*:*,*:eol+1,mss::0\n"},
		{"ttl range", "[tcp:request]\nlabel = s:unix:Linux:x\nsig = *:300:0:*:*,*:mss::0\n"},
		{"unknown key", "[tcp:request]\nfoo = bar\n"},
		{"no equals", "[tcp:request]\nlabel\n"},
		{"open section", "[tcp:request\n"},
	} {
		if _, err := Parse(strings.NewReader(tt.in), "t"); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: err = %v, want ErrSyntax", tt.name, err)
		}
	}
}

func TestMatchSmall(t *testing.T) {
	db := loadSmall(t)
	for _, tt := range []struct {
		name, obs string
		dir       Direction
		want      string // label, "" for no match
		distance  int
		fuzzy     bool
		generic   bool
	}{
		{"linux 3.x window 29200", "4:64:0:1460:29200,10:mss,sok,ts,nop,ws:df,id+:0", Request, "Linux 3.11 and newer", 0, false, false},
		{"two hops away", "4:62:0:1460:29200,10:mss,sok,ts,nop,ws:df,id+:0", Request, "Linux 3.11 and newer", 2, false, false},
		{"windows 7", "4:128:0:1460:8192,2:mss,nop,ws,nop,nop,sok:df,id+:0", Request, "Windows 7 or 8", 0, false, false},
		{"generic NT", "4:127:0:1380:16384,0:mss,nop,nop,sok:df,id+:0", Request, "Windows NT kernel", 1, false, true},
		{"DF cleared by a middlebox", "4:128:0:1460:8192,2:mss,nop,ws,nop,nop,sok::0", Request, "Windows 7 or 8", 0, true, false},
		{"nmap", "4:48:0:1460:1024,0:mss::0", Request, "NMap SYN scan", 0, false, false},
		{"mac eol", "4:64:0:1460:65535,1:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0", Request, "Mac OS X 10.x", 0, false, false},
		{"linux response with timestamps", "4:64:0:1460:14480,7:mss,sok,ts,nop,ws:df:0", Response, "Linux 3.x", 0, false, false},
		{"direction matters", "4:64:0:1460:14480,7:mss,sok,ts,nop,ws:df:0", Request, "", 0, false, false},
		{"unknown layout", "4:64:0:1460:5840,0:mss,nop,nop,ts::0", Request, "", 0, false, false},
	} {
		m, ok := db.Match(tt.dir, mustObs(t, tt.obs))
		if tt.want == "" {
			if ok {
				t.Errorf("%s: matched %s", tt.name, m.Label)
			}
			continue
		}
		if !ok || m.Label.String() != tt.want || m.Distance != tt.distance || m.Fuzzy != tt.fuzzy || m.Label.Generic != tt.generic {
			t.Errorf("%s: got %v (ok %v, distance %d, fuzzy %v), want %s", tt.name, m.Signature, ok, m.Distance, m.Fuzzy, tt.want)
		}
	}
}

// TestOwnSignatures matches the handshakes of current systems and of
// plant-floor stacks against Mimamori's own database.
func TestOwnSignatures(t *testing.T) {
	db, err := Own()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, obs string
		dir       Direction
		want      string
	}{
		{"windows 10", "4:128:0:1460:64240,8:mss,nop,ws,nop,nop,sok:df,id+:0", Request, "Windows 10 or 11"},
		{"windows server", "4:128:0:1460:65535,8:mss,nop,ws,nop,nop,sok:df,id+:0", Request, "Windows Server 2012 R2 or newer"},
		{"windows xp", "4:128:0:1460:64240,0:mss,nop,nop,sok:df,id+:0", Request, "Windows XP or Server 2003"},
		{"linux 5", "4:64:0:1460:64240,7:mss,sok,ts,nop,ws:df,id+:0", Request, "Linux 4.x and newer"},
		{"linux 5 answer", "4:64:0:1460:65160,7:mss,sok,ts,nop,ws:df:0", Response, "Linux 4.x and newer"},
		{"cisco ios", "4:255:0:536:4128,0:mss::0", Request, "Cisco IOS"},
		{"siemens s7", "4:30:0:1460:4096,0:mss::0", Response, "Siemens S7"},
		{"logix", "4:64:0:1460:4096,0:mss,nop,ws::0", Response, "VxWorks"},
		{"melsec", "4:64:0:1460:8192,0:mss::0", Response, "Embedded RTOS"},
	} {
		m, ok := db.Match(tt.dir, mustObs(t, tt.obs))
		if !ok || m.Label.String() != tt.want {
			t.Errorf("%s: got %v (%v), want %s", tt.name, m.Signature, ok, tt.want)
		}
	}
}

// TestSystemDatabase reads Debian's p0f.fp, which the brief's deployments
// install; it is skipped where p0f is not installed.
func TestSystemDatabase(t *testing.T) {
	if _, err := os.Stat(SystemPath); err != nil {
		t.Skipf("skipping: %s not present (apt-get install p0f)", SystemPath)
	}
	db, found, err := Load("")
	if err != nil || !found {
		t.Fatalf("Load: %v (found %v)", err, found)
	}
	own, _ := Own()
	if db.Len() < own.Len()+150 {
		t.Errorf("%d signatures, want Mimamori's %d plus p0f's ~190 TCP signatures", db.Len(), own.Len())
	}
	for _, tt := range []struct {
		obs  string
		dir  Direction
		want string
	}{
		{"4:64:0:1460:29200,7:mss,sok,ts,nop,ws:df,id+:0", Request, "Linux 3.11 and newer"},
		{"4:128:0:1460:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0", Request, "Windows 7 or 8"},
		{"4:64:0:1460:65535,6:mss,nop,ws,sok,ts:df,id+:0", Request, "FreeBSD 9.x or newer"},
		// Mimamori's signature wins where both have one.
		{"4:128:0:1460:64240,8:mss,nop,ws,nop,nop,sok:df,id+:0", Request, "Windows 10 or 11"},
	} {
		m, ok := db.Match(tt.dir, mustObs(t, tt.obs))
		if !ok || m.Label.String() != tt.want {
			t.Errorf("%s: got %v (%v), want %s", tt.obs, m.Signature, ok, tt.want)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	db, found, err := Load(t.TempDir() + "/none.fp")
	if err != nil || found || db.Len() == 0 {
		t.Errorf("missing file: %v, found %v, %d signatures", err, found, db.Len())
	}
	bad := t.TempDir() + "/bad.fp"
	os.WriteFile(bad, []byte("[tcp:request]\nsig = x\n"), 0o644)
	if _, _, err := Load(bad); err == nil {
		t.Error("broken file accepted")
	}
}

func TestParseObservedRejectsWildcards(t *testing.T) {
	for _, s := range []string{"*:64:0:1460:8192,0:mss::0", "4:64:0:*:8192,0:mss::0", "4:64:0:1460:mss*4,0:mss::0", "4:64-:0:1460:8192,0:mss::0"} {
		if _, err := ParseObserved(s); err == nil {
			t.Errorf("%s accepted as an observation", s)
		}
	}
}

func TestInitialTTL(t *testing.T) {
	for obs, want := range map[int]int{1: 30, 30: 30, 31: 32, 50: 60, 63: 64, 100: 128, 128: 128, 200: 255} {
		if got := InitialTTL(obs); got != want {
			t.Errorf("InitialTTL(%d) = %d, want %d", obs, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/small.fp", "mimamori.fp"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if b, err := os.ReadFile(SystemPath); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		db, err := Parse(bytes.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		for _, s := range db.Signatures() {
			// Every signature written back reads back the same.
			g, err := parseSig(s.Sig.String())
			if err != nil || g.String() != s.Sig.String() {
				t.Fatalf("%q does not round-trip: %v", s.Sig.String(), err)
			}
		}
	})
}

func FuzzMatch(f *testing.F) {
	f.Add("4:64:0:1460:29200,10:mss,sok,ts,nop,ws:df,id+:0", false)
	f.Add("6:57:0:1440:65535,6:mss,nop,ws,sok,ts:flow:+", true)
	db := loadSmall(f)
	f.Fuzz(func(t *testing.T, s string, response bool) {
		o, err := ParseObserved(s)
		if err != nil {
			return
		}
		dir := Request
		if response {
			dir = Response
		}
		if m, ok := db.Match(dir, o); ok && (m.Distance < 0 || m.Dir != dir) {
			t.Fatalf("match %+v", m)
		}
	})
}
