package osfp

import (
	"regexp"
	"strings"
)

// linkPattern recognises a network OS in an LLDP system description or a
// CDP software version; the first submatch, when present, is the version.
type linkPattern struct {
	re   *regexp.Regexp
	name string
	fam  string
}

var linkPatterns = []linkPattern{
	{regexp.MustCompile(`Cisco IOS[ -]XE Software.*?Version (\d+\.\d+)|Cisco IOS XE (\d+\.\d+)`), "Cisco IOS XE", FamilyNetwork},
	{regexp.MustCompile(`Cisco NX-OS.*?[Vv]ersion (\d+\.\d+)|Cisco NX-OS`), "Cisco NX-OS", FamilyNetwork},
	{regexp.MustCompile(`(?:Cisco IOS Software|Cisco Internetwork Operating System).*?Version (\d+\.\d+)|Cisco IOS (\d+\.\d+)`), "Cisco IOS", FamilyNetwork},
	{regexp.MustCompile(`AlliedWare Plus(?:.*?(\d+\.\d+))?`), "AlliedWare Plus", FamilyNetwork},
	{regexp.MustCompile(`HiOS[ -]?(\d+\.\d+)?`), "Hirschmann HiOS", FamilyNetwork},
	{regexp.MustCompile(`SCALANCE`), "Siemens SCALANCE firmware", FamilyNetwork},
	{regexp.MustCompile(`JUNOS (\d+\.\d+)|Junos`), "Junos", FamilyNetwork},
	{regexp.MustCompile(`ArubaOS|ProCurve|HPE? .*Switch`), "HPE/Aruba switch software", FamilyNetwork},
	{regexp.MustCompile(`RouterOS (\d+\.\d+)?`), "MikroTik RouterOS", FamilyNetwork},
	{regexp.MustCompile(`FortiOS|FortiGate`), "FortiOS", FamilyNetwork},
	{regexp.MustCompile(`Windows`), "Windows", FamilyWindows},
	{regexp.MustCompile(`Linux (\d+\.\d+)|Linux`), "Linux", FamilyLinux},
	{regexp.MustCompile(`VxWorks`), "VxWorks", FamilyEmbedded},
}

// LLDP capability bits, as the sensor reports them for LLDP and CDP.
const (
	capBridge  = 0x0004
	capWLANAP  = 0x0008
	capRouter  = 0x0010
	capStation = 0x0080
)

// linkEvidence reads an LLDP or CDP announcement: the device describing
// its own software. A description nothing recognises still says the
// device is network equipment when it bridges or routes.
func linkEvidence(l Link) Evidence {
	src := SourceLLDP
	if l.CDP {
		src = SourceCDP
	}
	text := strings.TrimSpace(l.Description + " " + l.Platform)
	x := Evidence{Source: src, Detail: text}
	for _, p := range linkPatterns {
		m := p.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		name := p.name
		for _, v := range m[1:] {
			if v != "" {
				name += " " + v
				break
			}
		}
		x.OS, x.Confidence = OS{p.fam, name}, ConfCertain
		return x
	}
	if l.Capabilities&(capBridge|capRouter|capWLANAP) != 0 {
		x.OS, x.Confidence = OS{FamilyNetwork, "network equipment"}, ConfWeak
	}
	if x.Detail == "" {
		x.Detail = l.SystemName
	}
	return x
}
