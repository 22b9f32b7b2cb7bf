package osfp

import (
	"regexp"
	"strings"
)

// User agents and server strings name their platform in a handful of
// conventional ways; these patterns read the common ones. Applications
// can claim anything, so the most a string earns is "moderate".

// ntVersions maps Windows NT kernel versions to product names.
var ntVersions = map[string]string{
	"10.0": "Windows 10 or 11",
	"6.4":  "Windows 10",
	"6.3":  "Windows 8.1",
	"6.2":  "Windows 8",
	"6.1":  "Windows 7",
	"6.0":  "Windows Vista",
	"5.2":  "Windows XP x64 or Server 2003",
	"5.1":  "Windows XP",
	"5.01": "Windows 2000",
	"5.0":  "Windows 2000",
	"4.0":  "Windows NT 4.0",
}

// iisVersions maps IIS versions to the Windows releases that ship them.
var iisVersions = map[string]string{
	"10.0": "Windows Server 2016 or newer",
	"8.5":  "Windows Server 2012 R2",
	"8.0":  "Windows Server 2012",
	"7.5":  "Windows Server 2008 R2",
	"7.0":  "Windows Server 2008",
	"6.0":  "Windows Server 2003",
	"5.1":  "Windows XP",
	"5.0":  "Windows 2000",
}

var (
	reWindowsNT  = regexp.MustCompile(`Windows NT (\d+\.\d+)`)
	reWindowsCE  = regexp.MustCompile(`Windows CE|WindowsCE|Windows Embedded Compact`)
	reAndroidUA  = regexp.MustCompile(`Android (\d+)`)
	reIOS        = regexp.MustCompile(`(?:iPhone|CPU) OS (\d+)`)
	reMacOS      = regexp.MustCompile(`Mac OS X (\d+)[._](\d+)`)
	reMSUpdate   = regexp.MustCompile(`^(?:Microsoft-CryptoAPI|Microsoft-Delivery-Optimization|Microsoft-WNS|Windows-Update-Agent)/(\d+\.\d+)`)
	reIIS        = regexp.MustCompile(`Microsoft-IIS/(\d+\.\d+)`)
	reUPnPWin    = regexp.MustCompile(`Microsoft-Windows(?:-NT)?/(\d+\.\d+)|Windows NT/(\d+\.\d+)`)
	reLinuxVer   = regexp.MustCompile(`Linux/(\d+\.\d+)`)
	reVxWorks    = regexp.MustCompile(`VxWorks(?:/(\d+\.\d+))?`)
	reDistroHTTP = regexp.MustCompile(`\((Ubuntu|Debian|CentOS|Red Hat|Fedora|Raspbian|SUSE|Amazon Linux)\)`)
)

// ParseUserAgent reads the platform from an HTTP User-Agent or an SSDP
// USER-AGENT. ok is false when the string names none.
func ParseUserAgent(ua string) (os OS, conf int, ok bool) {
	switch {
	case reWindowsCE.MatchString(ua):
		return OS{FamilyWindows, "Windows CE"}, ConfModerate, true
	case strings.Contains(ua, "Windows Phone"):
		return OS{FamilyWindows, "Windows Phone"}, ConfModerate, true
	}
	if m := reWindowsNT.FindStringSubmatch(ua); m != nil {
		if name, ok := ntVersions[m[1]]; ok {
			return OS{FamilyWindows, name}, ConfModerate, true
		}
		return OS{FamilyWindows, "Windows"}, ConfWeak, true
	}
	if m := reMSUpdate.FindStringSubmatch(ua); m != nil {
		// Windows components report the NT version they run on.
		if name, ok := ntVersions[m[1]]; ok {
			return OS{FamilyWindows, name}, ConfModerate, true
		}
		return OS{FamilyWindows, "Windows"}, ConfWeak, true
	}
	if strings.HasPrefix(ua, "Microsoft NCSI") || strings.Contains(ua, "Windows") && strings.Contains(ua, "Microsoft") {
		return OS{FamilyWindows, "Windows"}, ConfWeak, true
	}
	if m := reAndroidUA.FindStringSubmatch(ua); m != nil {
		return OS{FamilyAndroid, "Android " + m[1]}, ConfModerate, true
	}
	if m := reIOS.FindStringSubmatch(ua); m != nil && (strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad")) {
		return OS{FamilyIOS, "iOS " + m[1]}, ConfModerate, true
	}
	if m := reMacOS.FindStringSubmatch(ua); m != nil {
		return OS{FamilyMacOS, "macOS " + m[1] + "." + m[2]}, ConfModerate, true
	}
	if strings.Contains(ua, "CrOS") {
		return OS{FamilyLinux, "ChromeOS"}, ConfModerate, true
	}
	if strings.HasPrefix(ua, "Debian APT") {
		return OS{FamilyLinux, "Linux (Debian)"}, ConfModerate, true
	}
	if strings.Contains(ua, "Ubuntu") {
		return OS{FamilyLinux, "Linux (Ubuntu)"}, ConfModerate, true
	}
	if m := reLinuxVer.FindStringSubmatch(ua); m != nil {
		return OS{FamilyLinux, "Linux " + m[1]}, ConfModerate, true
	}
	if strings.Contains(ua, "Linux") || strings.Contains(ua, "linux-gnu") {
		return OS{FamilyLinux, "Linux"}, ConfWeak, true
	}
	if strings.Contains(ua, "FreeBSD") {
		return OS{FamilyBSD, "FreeBSD"}, ConfWeak, true
	}
	return ParseServer(ua)
}

// embeddedServers are web servers found almost only in devices: PLC
// modules, panels, switches, printers.
var embeddedServers = []string{
	"GoAhead", "Boa/", "RomPager", "Allegro-Software", "mini_httpd", "thttpd", "micro_httpd",
	"EmbedThis", "Mbedthis-Appweb", "lwIP", "uc-httpd", "HTTPd-WASD", "CPWS", "Indy/",
}

// ParseServer reads the platform from an HTTP Server header or an SSDP
// SERVER header ("OS/version UPnP/1.0 product/version" by the UPnP spec).
func ParseServer(s string) (os OS, conf int, ok bool) {
	if m := reIIS.FindStringSubmatch(s); m != nil {
		if name, ok := iisVersions[m[1]]; ok {
			return OS{FamilyWindows, name}, ConfModerate, true
		}
		return OS{FamilyWindows, "Windows"}, ConfWeak, true
	}
	if m := reUPnPWin.FindStringSubmatch(s); m != nil {
		v := m[1] + m[2]
		if name, ok := ntVersions[v]; ok {
			return OS{FamilyWindows, name}, ConfModerate, true
		}
		return OS{FamilyWindows, "Windows"}, ConfWeak, true
	}
	if m := reDistroHTTP.FindStringSubmatch(s); m != nil {
		return OS{FamilyLinux, "Linux (" + m[1] + ")"}, ConfModerate, true
	}
	if strings.Contains(s, "(Win64)") || strings.Contains(s, "(Win32)") {
		return OS{FamilyWindows, "Windows"}, ConfWeak, true
	}
	if m := reVxWorks.FindStringSubmatch(s); m != nil || strings.Contains(s, "WindRiver") {
		name := "VxWorks"
		if m != nil && m[1] != "" {
			name += " " + m[1]
		}
		return OS{FamilyEmbedded, name}, ConfModerate, true
	}
	if m := reLinuxVer.FindStringSubmatch(s); m != nil {
		return OS{FamilyLinux, "Linux " + m[1]}, ConfModerate, true
	}
	if strings.Contains(s, "Linux") {
		return OS{FamilyLinux, "Linux"}, ConfWeak, true
	}
	for _, e := range embeddedServers {
		if strings.Contains(s, e) {
			return OS{FamilyEmbedded, "embedded web server (" + strings.TrimSuffix(e, "/") + ")"}, ConfWeak, true
		}
	}
	return OS{}, 0, false
}
