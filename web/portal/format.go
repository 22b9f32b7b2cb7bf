package portal

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Display formats. Dates follow Japanese convention (2026/05/01 13:04:05).
const (
	displayTime   = "2006/01/02 15:04:05"
	displayMinute = "2006/01/02 15:04"
	inputMinute   = "2006-01-02T15:04" // HTML datetime-local
)

// groupDigits writes n with a comma every three digits: 1234567 → 1,234,567.
func groupDigits(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/3)
	lead := len(s) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(s[:lead])
	for i := lead; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// formatNumber is the template's "num": any integer with digit grouping.
func formatNumber(v any) string {
	switch n := v.(type) {
	case int:
		return formatSigned(int64(n))
	case int64:
		return formatSigned(n)
	case uint64:
		return groupDigits(n)
	case uint32:
		return groupDigits(uint64(n))
	case uint16:
		return groupDigits(uint64(n))
	case uint8:
		return groupDigits(uint64(n))
	default:
		return fmt.Sprint(v)
	}
}

func formatSigned(n int64) string {
	if n < 0 {
		return "-" + groupDigits(uint64(-n))
	}
	return groupDigits(uint64(n))
}

// formatBytes renders a byte count in binary units, the way the usage
// budget and disk sizes are stated: 1536 → "1.5 KB".
func formatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return groupDigits(n) + " B"
	}
	units := []string{"KB", "MB", "GB", "TB", "PB", "EB"}
	v := float64(n) / unit
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	if v >= 10 {
		return fmt.Sprintf("%.1f %s", v, units[i])
	}
	return fmt.Sprintf("%.2f %s", v, units[i])
}

// formatDuration renders an uptime in days, hours and minutes.
func formatDuration(seconds uint64) string {
	d := seconds / 86400
	h := seconds % 86400 / 3600
	m := seconds % 3600 / 60
	switch {
	case d > 0:
		return fmt.Sprintf("%d日 %d時間", d, h)
	case h > 0:
		return fmt.Sprintf("%d時間 %d分", h, m)
	default:
		return fmt.Sprintf("%d分", m)
	}
}

// protoName names an IP protocol number.
func protoName(p uint8) string {
	switch p {
	case 1:
		return "ICMP"
	case 2:
		return "IGMP"
	case 6:
		return "TCP"
	case 17:
		return "UDP"
	case 47:
		return "GRE"
	case 50:
		return "ESP"
	case 58:
		return "ICMPv6"
	case 89:
		return "OSPF"
	case 132:
		return "SCTP"
	default:
		return "IP/" + strconv.Itoa(int(p))
	}
}

// hasPorts reports whether the protocol's port fields are ports; for ICMP
// they carry type and code instead.
func hasPorts(p uint8) bool { return p == 6 || p == 17 || p == 132 }

// endpoint renders "192.0.2.1:502" or "[2001:db8::1]:502"; without ports,
// just the address.
func endpoint(ip netip.Addr, port uint16, proto uint8) string {
	if !ip.IsValid() {
		return "—"
	}
	if !hasPorts(proto) {
		return ip.String()
	}
	return netip.AddrPortFrom(ip, port).String()
}

// icmpTypeCode splits the port field of an ICMP flow (type<<8 | code).
func icmpTypeCode(port uint16) (uint8, uint8) { return uint8(port >> 8), uint8(port) }

// percent returns used/total as 0-100, or 0 when total is unknown.
func percent(used, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(used) / float64(total) * 100
}
