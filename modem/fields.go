package modem

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fields splits an information line's value at commas outside double
// quotes and trims blanks and quotes from each field:
// `0,0,"NTT DOCOMO",7` → [0 0 NTT DOCOMO 7]. An unterminated quote runs
// to the end of the line rather than failing: the field checks that follow
// decide whether the value is usable.
func fields(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}

// intField parses field i of fs as a decimal integer in [lo, hi].
func intField(fs []string, i int, lo, hi int) (int, error) {
	if i >= len(fs) {
		return 0, fmt.Errorf("%w: field %d missing", ErrBadResponse, i+1)
	}
	n, err := strconv.Atoi(fs[i])
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%w: field %d %q is not a number in %d..%d", ErrBadResponse, i+1, fs[i], lo, hi)
	}
	return n, nil
}

// digitsOnly reports whether s is non-empty and all ASCII digits.
func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip shortens s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
