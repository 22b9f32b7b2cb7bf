package osfp

import (
	"fmt"
	"strings"
)

// Server-type bits of a browser announcement ([MS-RAP] SV_TYPE_*).
const (
	svTypeDomainCtrl    = 0x00000008
	svTypeDomainBakCtrl = 0x00000010
	svTypePrintQServer  = 0x00000200
	svTypeServerUnix    = 0x00000800
	svTypeServerNT      = 0x00008000
)

// windowsVersions maps the announced OS version to the client and server
// editions that report it.
var windowsVersions = map[[2]uint8][2]string{
	{4, 0}:  {"Windows NT 4.0", "Windows NT 4.0 Server"},
	{5, 0}:  {"Windows 2000", "Windows 2000 Server"},
	{5, 1}:  {"Windows XP", "Windows XP"},
	{5, 2}:  {"Windows XP x64", "Windows Server 2003"},
	{6, 0}:  {"Windows Vista", "Windows Server 2008"},
	{6, 1}:  {"Windows 7", "Windows Server 2008 R2"},
	{6, 2}:  {"Windows 8", "Windows Server 2012"},
	{6, 3}:  {"Windows 8.1", "Windows Server 2012 R2"},
	{10, 0}: {"Windows 10 or 11", "Windows Server 2016 or newer"},
}

// browserEvidence reads a host or local-master announcement. Windows
// states its own version there, so a known version is certain; Samba
// announces a configurable version and names itself in the comment.
func browserEvidence(b Browser) Evidence {
	detail := fmt.Sprintf("OS %d.%d, server type 0x%08x", b.Major, b.Minor, b.ServerType)
	if b.Comment != "" {
		detail += ", comment " + b.Comment
	}
	x := Evidence{Source: SourceBrowser, Detail: detail}
	if strings.Contains(strings.ToLower(b.Comment), "samba") || b.ServerType&svTypeServerUnix != 0 {
		x.OS, x.Confidence = OS{FamilyLinux, "Linux/Unix (Samba)"}, ConfModerate
		return x
	}
	names, ok := windowsVersions[[2]uint8{b.Major, b.Minor}]
	if !ok {
		x.OS, x.Confidence = OS{FamilyWindows, "Windows"}, ConfModerate
		return x
	}
	name := names[0]
	if b.ServerType&(svTypeServerNT|svTypeDomainCtrl|svTypeDomainBakCtrl) != 0 {
		name = names[1]
	}
	x.OS, x.Confidence = OS{FamilyWindows, name}, ConfCertain
	return x
}

// BrowserRoles names the server roles an announcement claims, for role
// estimation: domain controller and print server.
func BrowserRoles(serverType uint32) (domainController, printServer bool) {
	return serverType&(svTypeDomainCtrl|svTypeDomainBakCtrl) != 0, serverType&svTypePrintQServer != 0
}
