package osfp

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// dhcpFingerprint is a parameter request list (option 55) as a client's
// DHCP stack sends it: the order is fixed by the code, so an exact list
// names the stack.
type dhcpFingerprint struct {
	params string // comma-separated, as sent
	os     OS
}

// dhcpFingerprints are well-known option 55 lists. Windows 8 and later
// share one list; 7 and Vista another.
var dhcpFingerprints = []dhcpFingerprint{
	{"1,3,6,15,31,33,43,44,46,47,119,121,249,252", OS{FamilyWindows, "Windows 8 or newer"}},
	{"1,3,6,15,31,33,43,44,46,47,121,249,252", OS{FamilyWindows, "Windows 8 or newer"}},
	{"1,15,3,6,44,46,47,31,33,121,249,43", OS{FamilyWindows, "Windows 7 or Vista"}},
	{"1,15,3,6,44,46,47,31,33,121,249,43,252", OS{FamilyWindows, "Windows 7 or Vista"}},
	{"1,15,3,6,44,46,47,31,33,249,43", OS{FamilyWindows, "Windows XP"}},
	{"1,15,3,6,44,46,47,31,33,249,43,252", OS{FamilyWindows, "Windows XP"}},
	{"1,15,3,6,44,46,47,31,33,43", OS{FamilyWindows, "Windows 2000"}},
	{"1,15,3,6,44,46,47,31,33,43,252", OS{FamilyWindows, "Windows 2000"}},
	{"1,28,2,3,15,6,119,12,44,47,26,121,42", OS{FamilyLinux, "Linux (ISC dhclient)"}},
	{"1,28,2,3,15,6,119,12,44,47,26,121,42,249,33,252", OS{FamilyLinux, "Linux (ISC dhclient)"}},
	{"1,28,2,3,15,6,12,40,41,42", OS{FamilyLinux, "Linux (ISC dhclient)"}},
	{"1,28,2,121,3,15,6,12,40,41,42,26,119", OS{FamilyLinux, "Linux (NetworkManager)"}},
	{"1,3,6,12,15,28,42,121", OS{FamilyLinux, "Linux (systemd-networkd)"}},
	{"1,3,6,12,15,28,40,41,42", OS{FamilyLinux, "Linux"}},
	{"1,3,6,12,15,28,42", OS{FamilyLinux, "Linux (BusyBox udhcpc)"}},
	{"1,121,3,6,15,119,252,95,44,46", OS{FamilyMacOS, "macOS"}},
	{"1,121,3,6,15,114,119,252,95,44,46", OS{FamilyMacOS, "macOS"}},
	{"1,121,3,6,15,119,252", OS{FamilyIOS, "iOS"}},
	{"1,121,3,6,15,114,119,252", OS{FamilyIOS, "iOS"}},
	{"1,3,6,15,26,28,51,58,59,43", OS{FamilyAndroid, "Android"}},
	{"1,3,6,15,26,28,51,58,59,43,114", OS{FamilyAndroid, "Android"}},
}

var (
	reAndroid = regexp.MustCompile(`^android-dhcp-(\d+)`)
	// dhcpcd's vendor class: "dhcpcd-9.4.1:Linux-5.15.0-91-generic:x86_64:GenuineIntel".
	reDhcpcd = regexp.MustCompile(`^dhcpcd-[\d.]+:([A-Za-z]+)-(\d+\.\d+)`)
)

// dhcpEvidence reads the client's option 55 and option 60.
func dhcpEvidence(params []byte, vendorClass string) []Evidence {
	var out []Evidence
	if len(params) > 0 {
		list := paramString(params)
		detail := "option 55 = " + list
		matched := false
		for _, f := range dhcpFingerprints {
			if f.params == list {
				out = append(out, Evidence{Source: SourceDHCP, OS: f.os, Confidence: ConfStrong, Detail: detail})
				matched = true
				break
			}
		}
		if !matched {
			if os, ok := dhcpShape(params); ok {
				out = append(out, Evidence{Source: SourceDHCP, OS: os, Confidence: ConfWeak, Detail: detail + " (similar to " + os.Name + ")"})
			}
		}
	}
	if vendorClass != "" {
		if os, conf, ok := vendorClassOS(vendorClass); ok {
			out = append(out, Evidence{Source: SourceDHCP, OS: os, Confidence: conf, Detail: "option 60 = " + vendorClass})
		}
	}
	return out
}

func paramString(params []byte) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(p)))
	}
	return b.String()
}

// dhcpShape recognises lists no table entry has by what their stacks
// always ask for: Microsoft's private options 249 and 252 with the
// Windows ordering, Apple's 95 with 121 and 252.
func dhcpShape(params []byte) (OS, bool) {
	has := map[byte]bool{}
	for _, p := range params {
		has[p] = true
	}
	switch {
	case has[249] && has[31] && has[33] && has[43] && has[46] && has[47]:
		return OS{FamilyWindows, "Windows"}, true
	case has[95] && has[121] && has[252]:
		return OS{FamilyMacOS, "macOS"}, true
	case has[28] && has[2] && has[12] && has[42]:
		return OS{FamilyLinux, "Linux"}, true
	}
	return OS{}, false
}

// vendorClassOS reads option 60.
func vendorClassOS(vc string) (OS, int, bool) {
	switch {
	case vc == "MSFT 5.0":
		return OS{FamilyWindows, "Windows"}, ConfModerate, true
	case vc == "MSFT 98":
		return OS{FamilyWindows, "Windows 98"}, ConfStrong, true
	case strings.HasPrefix(vc, "udhcp"):
		return OS{FamilyLinux, "Linux (BusyBox)"}, ConfModerate, true
	}
	if m := reAndroid.FindStringSubmatch(vc); m != nil {
		return OS{FamilyAndroid, "Android " + m[1]}, ConfStrong, true
	}
	if m := reDhcpcd.FindStringSubmatch(vc); m != nil {
		switch m[1] {
		case "Linux":
			return OS{FamilyLinux, "Linux " + m[2]}, ConfStrong, true
		case "NetBSD", "FreeBSD", "OpenBSD":
			return OS{FamilyBSD, fmt.Sprintf("%s %s", m[1], m[2])}, ConfStrong, true
		}
	}
	return OS{}, 0, false
}
