package osfp

import (
	"strings"
	"testing"
	"unicode/utf8"

	"mimamori/edge/intel/p0f"
)

func estimator(t testing.TB) *Estimator {
	t.Helper()
	db, err := p0f.Own()
	if err != nil {
		t.Fatal(err)
	}
	return New(db)
}

func obs(t testing.TB, s string, response bool) TCPObservation {
	t.Helper()
	g, err := p0f.ParseObserved(s)
	if err != nil {
		t.Fatal(err)
	}
	return TCPObservation{Sig: g, Response: response, Count: 1}
}

func TestParseUserAgent(t *testing.T) {
	for _, tt := range []struct {
		ua, family, name string
		conf             int
	}{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", FamilyWindows, "Windows 10 or 11", 3},
		{"Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", FamilyWindows, "Windows 7", 3},
		{"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", FamilyWindows, "Windows XP", 3},
		{"Microsoft-CryptoAPI/6.1", FamilyWindows, "Windows 7", 3},
		{"Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.0", FamilyWindows, "Windows 10 or 11", 3},
		{"Microsoft NCSI", FamilyWindows, "Windows", 2},
		{"Mozilla/4.0 (compatible; MSIE 6.0; Windows CE; IEMobile 7.11)", FamilyWindows, "Windows CE", 3},
		{"Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36", FamilyAndroid, "Android 13", 3},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X) AppleWebKit/605.1.15", FamilyIOS, "iOS 16", 3},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15", FamilyMacOS, "macOS 10.15", 3},
		{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", FamilyLinux, "Linux (Ubuntu)", 3},
		{"Debian APT-HTTP/1.3 (2.6.1)", FamilyLinux, "Linux (Debian)", 3},
		{"Wget/1.21 (linux-gnu)", FamilyLinux, "Linux", 2},
		{"Linux/3.10 UPnP/1.0 Portable SDK for UPnP devices/1.6.19", FamilyLinux, "Linux 3.10", 3},
		{"curl/8.4.0", "", "", 0},
		{"", "", "", 0},
	} {
		os, conf, ok := ParseUserAgent(tt.ua)
		if ok != (tt.family != "") || os.Family != tt.family || os.Name != tt.name || conf != tt.conf {
			t.Errorf("%q: %v %d %v, want %s / %s / %d", tt.ua, os, conf, ok, tt.family, tt.name, tt.conf)
		}
	}
}

func TestParseServer(t *testing.T) {
	for _, tt := range []struct{ s, family, name string }{
		{"Microsoft-IIS/10.0", FamilyWindows, "Windows Server 2016 or newer"},
		{"Microsoft-IIS/7.5", FamilyWindows, "Windows Server 2008 R2"},
		{"Microsoft-IIS/6.0", FamilyWindows, "Windows Server 2003"},
		{"Apache/2.4.41 (Ubuntu)", FamilyLinux, "Linux (Ubuntu)"},
		{"Apache/2.4.58 (Win64) OpenSSL/3.1.3", FamilyWindows, "Windows"},
		{"Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0", FamilyWindows, "Windows 10 or 11"},
		{"Microsoft-Windows-NT/5.1 UPnP/1.0 UPnP-Device-Host/1.0", FamilyWindows, "Windows XP"},
		{"VxWorks/5.5 UPnP/1.0 Siemens", FamilyEmbedded, "VxWorks 5.5"},
		{"WindRiver-WebServer/4.7", FamilyEmbedded, "VxWorks"},
		{"GoAhead-Webs", FamilyEmbedded, "embedded web server (GoAhead)"},
		{"Boa/0.94.14rc21", FamilyEmbedded, "embedded web server (Boa)"},
		{"nginx/1.24.0", "", ""},
	} {
		os, _, ok := ParseServer(tt.s)
		if ok != (tt.family != "") || os.Family != tt.family || os.Name != tt.name {
			t.Errorf("%q: %v %v, want %s / %s", tt.s, os, ok, tt.family, tt.name)
		}
	}
}

func TestDHCPEvidence(t *testing.T) {
	for _, tt := range []struct {
		name   string
		params []byte
		vc     string
		want   []string // "family/name/conf" per evidence
	}{
		{"windows 10 with MSFT 5.0", []byte{1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252}, "MSFT 5.0",
			[]string{"Windows/Windows 8 or newer/4", "Windows/Windows/3"}},
		{"windows 7", []byte{1, 15, 3, 6, 44, 46, 47, 31, 33, 121, 249, 43}, "", []string{"Windows/Windows 7 or Vista/4"}},
		{"dhclient", []byte{1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42}, "", []string{"Linux/Linux (ISC dhclient)/4"}},
		{"unknown windows-like list", []byte{1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 249}, "", []string{"Windows/Windows/2"}},
		{"dhcpcd vendor class", nil, "dhcpcd-9.4.1:Linux-5.15.0-91-generic:x86_64:GenuineIntel", []string{"Linux/Linux 5.15/4"}},
		{"android", nil, "android-dhcp-13", []string{"Android/Android 13/4"}},
		{"busybox", nil, "udhcp 1.36.1", []string{"Linux/Linux (BusyBox)/3"}},
		{"nothing known", []byte{1, 3}, "Acme", nil},
	} {
		ev := dhcpEvidence(tt.params, tt.vc)
		var got []string
		for _, x := range ev {
			got = append(got, x.OS.Family+"/"+x.OS.Name+"/"+string(rune('0'+x.Confidence)))
		}
		if strings.Join(got, ";") != strings.Join(tt.want, ";") {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBrowserEvidence(t *testing.T) {
	for _, tt := range []struct {
		b    Browser
		name string
		conf int
	}{
		{Browser{Major: 5, Minor: 2, ServerType: 0x00829003}, "Windows Server 2003", 5},
		{Browser{Major: 5, Minor: 1, ServerType: 0x00011003}, "Windows XP", 5},
		{Browser{Major: 6, Minor: 1, ServerType: 0x00019003}, "Windows Server 2008 R2", 5},
		{Browser{Major: 6, Minor: 1, ServerType: 0x00051003}, "Windows 7", 5},
		{Browser{Major: 10, Minor: 0, ServerType: 0x00001003}, "Windows 10 or 11", 5},
		{Browser{Major: 4, Minor: 9, ServerType: 0x00809a03, Comment: "Samba 4.15.13-Ubuntu"}, "Linux/Unix (Samba)", 3},
		{Browser{Major: 7, Minor: 7}, "Windows", 3},
	} {
		x := browserEvidence(tt.b)
		if x.OS.Name != tt.name || x.Confidence != tt.conf {
			t.Errorf("%+v: %v %d, want %s %d", tt.b, x.OS, x.Confidence, tt.name, tt.conf)
		}
	}
}

func TestLinkEvidence(t *testing.T) {
	for _, tt := range []struct {
		l          Link
		family, os string
	}{
		{Link{CDP: true, Description: "Cisco IOS Software, CE500 Software (CE500-LANBASE-M), Version 12.2(25)SEG4, RELEASE SOFTWARE (fc1)", Platform: "cisco WS-CE500-24TT"},
			FamilyNetwork, "Cisco IOS 12.2"},
		{Link{Description: "Cisco Catalyst 9300-24T, Cisco IOS XE 17.6"}, FamilyNetwork, "Cisco IOS XE 17.6"},
		{Link{Description: "Allied Telesis AT-IE210L-10GP, AlliedWare Plus 5.5"}, FamilyNetwork, "AlliedWare Plus 5.5"},
		{Link{Description: "Hirschmann RSP35, HiOS 08.7"}, FamilyNetwork, "Hirschmann HiOS 08.7"},
		{Link{Description: "Siemens AG SIMATIC S7 MULTIPORT SCALANCE X 200 FAM"}, FamilyNetwork, "Siemens SCALANCE firmware"},
		{Link{Description: "Linux 5.10.0 #1 SMP armv7l"}, FamilyLinux, "Linux 5.10"},
		{Link{Capabilities: capBridge}, FamilyNetwork, "network equipment"},
		{Link{SystemName: "x"}, "", ""},
	} {
		x := linkEvidence(tt.l)
		if x.OS.Family != tt.family || x.OS.Name != tt.os {
			t.Errorf("%+v: %v, want %s / %s", tt.l, x.OS, tt.family, tt.os)
		}
	}
}

func TestIdentityEvidence(t *testing.T) {
	x, ok := identityEvidence(Identity{Protocol: "s7comm", Vendor: "Siemens", Product: "CPU 315-2 PN/DP", Model: "6ES7 315-2EH14-0AB0", Firmware: "V3.2.6"})
	if !ok || x.OS.Family != FamilyEmbedded || x.OS.Name != "Siemens 6ES7 315-2EH14-0AB0 firmware V3.2.6" || x.Confidence != ConfCertain {
		t.Errorf("s7: %+v", x)
	}
	x, ok = identityEvidence(Identity{Protocol: "opcua", Vendor: "open62541", Product: "open62541 OPC UA Server"})
	if !ok || x.OS.known() {
		t.Errorf("opcua build info named an OS: %+v", x)
	}
	if _, ok := identityEvidence(Identity{Protocol: "modbus"}); ok {
		t.Error("empty identity gave evidence")
	}
}

func TestEstimateCombines(t *testing.T) {
	e := estimator(t)
	for _, tt := range []struct {
		name   string
		in     Input
		family string
		os     string
		conf   int
	}{
		{"nothing", Input{}, "", "", 0},
		{"windows xp lab host: browser and SYN", Input{
			TCP:     []TCPObservation{obs(t, "4:128:0:1460:64240,0:mss,nop,nop,sok:df,id+:0", false)},
			Browser: &Browser{Major: 5, Minor: 2, ServerType: 0x00829003},
		}, FamilyWindows, "Windows Server 2003", 5},
		{"windows 10 desktop: SYN and DHCP agree", Input{
			TCP:             []TCPObservation{obs(t, "4:128:0:1460:64240,8:mss,nop,ws,nop,nop,sok:df,id+:0", false)},
			DHCPParams:      []byte{1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252},
			DHCPVendorClass: "MSFT 5.0",
		}, FamilyWindows, "Windows 10 or 11", 5}, // the DHCP list's "8 or newer", narrowed by the SYN
		{"linux server: SYN+ACK only", Input{
			TCP: []TCPObservation{obs(t, "4:64:0:1460:65160,7:mss,sok,ts,nop,ws:df:0", true)},
		}, FamilyLinux, "Linux 4.x and newer", 3},
		{"siemens PLC by SYN+ACK and vendor", Input{
			TCP:    []TCPObservation{obs(t, "4:30:0:1460:4096,0:mss::0", true)},
			Vendor: "Siemens",
		}, FamilyEmbedded, "Siemens S7 firmware", 4},
		{"identity names the firmware", Input{
			TCP:        []TCPObservation{obs(t, "4:30:0:1460:4096,0:mss::0", true)},
			Identities: []Identity{{Protocol: "s7comm", Vendor: "Siemens", Model: "CPU 1515-2 PN", Firmware: "V2.9"}},
		}, FamilyEmbedded, "Siemens CPU 1515-2 PN firmware V2.9", 5},
		{"cisco by CDP and SYN", Input{
			TCP:  []TCPObservation{obs(t, "4:255:0:536:4128,0:mss::0", false)},
			Link: &Link{CDP: true, Description: "Cisco IOS Software, Version 15.2(4)E10"},
		}, FamilyNetwork, "Cisco IOS 15.2", 5},
		{"forwarded SYN is ignored", Input{
			TCP: []TCPObservation{obs(t, "4:120:0:1460:64240,8:mss,nop,ws,nop,nop,sok:df,id+:0", false)},
		}, "", "", 0},
		{"unmatched SYN leaves a TTL hint", Input{
			TCP: []TCPObservation{obs(t, "4:128:0:1400:1000,0:mss,nop,nop,ts::0", false)},
		}, FamilyWindows, "Windows", 1},
		{"conflict lowers confidence", Input{
			TCP:        []TCPObservation{obs(t, "4:64:0:1460:64240,7:mss,sok,ts,nop,ws:df,id+:0", false)},
			UserAgents: []Text{{Value: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"}},
		}, FamilyLinux, "Linux 4.x and newer", 2},
	} {
		est := e.Estimate(tt.in)
		if est.Family != tt.family || est.Name != tt.os || est.Confidence != tt.conf {
			t.Errorf("%s: %s / %s / %d, want %s / %s / %d\n%+v", tt.name, est.Family, est.Name, est.Confidence,
				tt.family, tt.os, tt.conf, est.Evidence)
		}
	}
}

func FuzzParseUserAgent(f *testing.F) {
	for _, s := range []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Microsoft-CryptoAPI/6.1", "Linux/3.10 UPnP/1.0",
		"Microsoft-IIS/8.5", "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X)", "GoAhead-Webs",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		for _, parse := range []func(string) (OS, int, bool){ParseUserAgent, ParseServer} {
			os, conf, ok := parse(ua)
			if !ok {
				if os.known() || conf != 0 {
					t.Fatalf("%q: no match but %v %d", ua, os, conf)
				}
				continue
			}
			if conf < ConfHint || conf > ConfModerate || os.Name == "" || os.Family == "" {
				t.Fatalf("%q: %v confidence %d", ua, os, conf)
			}
			if utf8.ValidString(ua) && !utf8.ValidString(os.Name) {
				t.Fatalf("%q: name %q is not UTF-8", ua, os.Name)
			}
		}
	})
}
