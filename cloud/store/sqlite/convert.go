package sqlite

import (
	"net"
	"net/netip"
	"strings"
	"time"
)

// ipKey is the stored form of an address from the wire: 4 bytes for IPv4
// (including IPv4-mapped IPv6), 16 for IPv6, nil for anything else.
func ipKey(b []byte) []byte {
	a, ok := netip.AddrFromSlice(b)
	if !ok {
		return nil
	}
	return a.Unmap().AsSlice()
}

// addrKey is ipKey for a parsed address.
func addrKey(a netip.Addr) []byte {
	if !a.IsValid() {
		return nil
	}
	return a.Unmap().AsSlice()
}

// keyAddr reverses ipKey; a NULL or malformed blob gives the zero Addr.
func keyAddr(b []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(b)
	return a
}

// prefixRange is the first and last stored key inside p.
func prefixRange(p netip.Prefix) (lo, hi []byte) {
	p = p.Masked()
	lo = addrKey(p.Addr())
	hi = make([]byte, len(lo))
	copy(hi, lo)
	for i := p.Bits(); i < len(hi)*8; i++ {
		hi[i/8] |= 0x80 >> (i % 8)
	}
	return lo, hi
}

// parsePrefix accepts a CIDR prefix, unmapping IPv4-mapped ones (see
// unmapPrefix).
func parsePrefix(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return unmapPrefix(p)
}

// unmapPrefix turns an IPv4-mapped prefix into its IPv4 one, so that it
// matches the stored IPv4 keys; ok is false for a mapped prefix shorter
// than the mapping's 96 bits.
func unmapPrefix(p netip.Prefix) (netip.Prefix, bool) {
	if !p.Addr().Is4In6() {
		return p, true
	}
	bits := p.Bits() - 96
	if bits < 0 {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(p.Addr().Unmap(), bits), true
}

// macString formats a 6-byte MAC as aa:bb:cc:dd:ee:ff; anything else as "".
func macString(b []byte) string {
	if len(b) != 6 {
		return ""
	}
	return net.HardwareAddr(b).String()
}

// macBytes is the stored form of a flow's MAC: 6 bytes or NULL.
func macBytes(b []byte) []byte {
	if len(b) != 6 {
		return nil
	}
	return b
}

// unixUS converts t to Unix microseconds; the zero time stays 0.
func unixUS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromUS reverses unixUS, in UTC.
func fromUS(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// nsToUS converts wire nanoseconds to microseconds, with fallback for an
// unset (zero) value.
func nsToUS(ns, fallbackUS int64) int64 {
	if ns == 0 {
		return fallbackUS
	}
	return ns / 1000
}

// ceilUnix is t in Unix seconds, rounded up, so that comparing whole-second
// minute columns against a bound with a fraction stays exact.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// likePattern builds a LIKE pattern that finds s anywhere, with s's own
// wildcards escaped (ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// i64 stores a uint64 counter in an INTEGER column, bit for bit; reading it
// back with uint64() restores values above MaxInt64.
func i64(u uint64) int64 { return int64(u) }
