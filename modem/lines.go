package modem

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxLine bounds one response line. Real lines are under 200 bytes; a
// longer run without a line end is noise (a wrong baud rate, a binary
// diagnostic port) and is cut rather than buffered without limit.
const maxLine = 512

// splitter turns the serial byte stream into lines. Modems end lines with
// CR LF, echo commands ending in CR alone, and may split a line across
// reads, so any CR or LF ends a line and empty lines are dropped.
type splitter struct {
	buf  []byte
	skip bool // the current line overflowed: drop bytes until its end
}

// feed consumes p and calls emit for every complete, non-empty line.
func (s *splitter) feed(p []byte, emit func(string)) {
	for _, c := range p {
		if c == '\r' || c == '\n' {
			if len(s.buf) > 0 && !s.skip {
				if line := sanitize(s.buf); line != "" {
					emit(line)
				}
			}
			s.buf, s.skip = s.buf[:0], false
			continue
		}
		if s.skip {
			continue
		}
		if len(s.buf) == maxLine {
			// Keep what we have as one line, then drop the rest of it.
			if line := sanitize(s.buf); line != "" {
				emit(line)
			}
			s.buf, s.skip = s.buf[:0], true
			continue
		}
		s.buf = append(s.buf, c)
	}
}

// sanitize keeps a line printable: control bytes and invalid UTF-8 become
// '?', surrounding blanks go. Garbage therefore reaches the parsers (which
// ignore it) and the logs as readable text, never as terminal escapes.
func sanitize(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n <= 1:
			sb.WriteByte('?')
		case r < 0x20 && r != '\t', r == 0x7f, r >= 0x80 && r < 0xa0:
			sb.WriteByte('?')
		default:
			sb.WriteRune(r)
		}
		b = b[n:]
	}
	return strings.TrimSpace(sb.String())
}

// finalResult reports whether line ends a command, and the error it
// carries if the command failed.
func finalResult(line string) (bool, error) {
	switch line {
	case "OK":
		return true, nil
	case "ERROR":
		return true, ErrCommandFailed
	case "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "ABORTED":
		return true, fmt.Errorf("%w: %s", ErrCommandFailed, line)
	}
	if arg, ok := strings.CutPrefix(line, "+CME ERROR:"); ok {
		return true, parseCMEError(arg, false)
	}
	if arg, ok := strings.CutPrefix(line, "+CMS ERROR:"); ok {
		return true, parseCMEError(arg, true)
	}
	if strings.HasPrefix(line, "CONNECT") {
		// Only ATD or ATO switch to data mode, and the manager sends
		// neither; the port is no longer in command mode.
		return true, fmt.Errorf("%w: unexpected %q (port switched to data mode)", ErrBadResponse, line)
	}
	return false, nil
}

// Response is the information lines a command returned before OK.
type Response struct {
	Command string
	Lines   []string
}

// Prefixed returns the values of the lines that start with prefix (such as
// "+CSQ:"), without the prefix and trimmed.
func (r Response) Prefixed(prefix string) []string {
	var out []string
	for _, l := range r.Lines {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

// First returns the first value for prefix, or ErrBadResponse.
func (r Response) First(prefix string) (string, error) {
	if v := r.Prefixed(prefix); len(v) > 0 {
		return v[0], nil
	}
	return "", fmt.Errorf("%w: %s: no %q line in %q", ErrBadResponse, r.Command, prefix, r.Lines)
}

// responsePrefix is the information-line prefix a command answers with:
// "AT+CSQ" → "+CSQ:", "AT^NDISSTATQRY?" → "^NDISSTATQRY:". Lines with that
// prefix belong to the response even when they also look like a URC
// (+CREG: is both). Commands without one (ATI, AT+CGSN) return "".
func responsePrefix(cmd string) string {
	up := strings.ToUpper(cmd)
	rest, ok := strings.CutPrefix(up, "AT")
	if !ok || len(rest) < 2 || (rest[0] != '+' && rest[0] != '^' && rest[0] != '$' && rest[0] != '%') {
		return ""
	}
	end := strings.IndexAny(rest, "=?")
	if end < 0 {
		end = len(rest)
	}
	return rest[:end] + ":"
}
