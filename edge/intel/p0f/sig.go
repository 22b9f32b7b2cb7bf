package p0f

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

var (
	// ErrSyntax marks a line of a fingerprint file that cannot be read.
	ErrSyntax = errors.New("p0f: syntax error")
)

// Quirk bits, the same values as decode.Quirk* and wirepb.TCPQuirk.
const (
	QuirkDF           uint32 = 1 << iota // df
	QuirkIDNonZero                       // id+
	QuirkIDZero                          // id-
	QuirkECN                             // ecn
	QuirkMBZ                             // 0+
	QuirkFlow                            // flow
	QuirkSeqZero                         // seq-
	QuirkAckNonZero                      // ack+
	QuirkAckZero                         // ack-
	QuirkURGPtr                          // uptr+
	QuirkURG                             // urgf+
	QuirkPUSH                            // pushf+
	QuirkTS1Zero                         // ts1-
	QuirkTS2NonZero                      // ts2+
	QuirkOptTrailing                     // opt+
	QuirkWScaleExcess                    // exws
	QuirkOptBad                          // bad
)

// quirkNames are the quirks in bit order, as written in signatures.
var quirkNames = [...]string{
	"df", "id+", "id-", "ecn", "0+", "flow", "seq-", "ack+", "ack-",
	"uptr+", "urgf+", "pushf+", "ts1-", "ts2+", "opt+", "exws", "bad",
}

// Quirks that exist only in one IP version's header.
const (
	ipv4Quirks = QuirkDF | QuirkIDNonZero | QuirkIDZero | QuirkMBZ
	ipv6Quirks = QuirkFlow
)

// TCP option kinds, as in decode.TCPOpt*.
const (
	OptEOL  = 0
	OptNOP  = 1
	OptMSS  = 2
	OptWS   = 3
	OptSOK  = 4
	OptSACK = 5
	OptTS   = 8
)

// Any marks a wildcard ("*") in an integer field.
const Any = -1

// WindowKind says how a signature's window size is written.
type WindowKind uint8

const (
	WindowAny   WindowKind = iota // *
	WindowFixed                   // 8192
	WindowMSS                     // mss*N
	WindowMTU                     // mtu*N
	WindowMod                     // %N
)

// Window is a signature's window-size field.
type Window struct {
	Kind WindowKind
	N    int
}

// Sig is the TCP part of a signature, "ver:ittl:olen:mss:wsize,scale:
// olayout:quirks:pclass". As an observation (FormatObserved) the same
// fields hold what was seen: the TTL as captured and concrete values.
type Sig struct {
	Version int  // 4, 6 or Any
	TTL     int  // initial TTL (or the observed one)
	TTLMax  bool // "64-": tools that randomise TTLs below this value
	OptLen  int  // IPv4 options length
	MSS     int  // Any, or the MSS option's value (0: no option)
	Win     Window
	Scale   int     // Any, or the window-scale option (0 without one)
	Layout  []uint8 // option kinds in order
	EOLPad  int     // bytes after an eol option
	Quirks  uint32
	Payload int // Any, 0 (none) or 1 (some)
}

// parseSig reads the eight colon-separated fields of a TCP signature.
func parseSig(s string) (Sig, error) {
	f := strings.Split(strings.TrimSpace(s), ":")
	if len(f) != 8 {
		return Sig{}, fmt.Errorf("%w: %d fields in %q, want 8", ErrSyntax, len(f), s)
	}
	var g Sig
	var err error
	switch f[0] {
	case "*":
		g.Version = Any
	case "4", "6":
		g.Version = int(f[0][0] - '0')
	default:
		return Sig{}, fmt.Errorf("%w: version %q", ErrSyntax, f[0])
	}
	ttl := f[1]
	if t, ok := strings.CutSuffix(ttl, "-"); ok {
		ttl, g.TTLMax = t, true
	}
	// Observations write "observed+distance"; only the first part counts.
	ttl, _, _ = strings.Cut(ttl, "+")
	if g.TTL, err = intField(ttl, 1, 255, false); err != nil {
		return Sig{}, fmt.Errorf("ttl: %w", err)
	}
	if g.OptLen, err = intField(f[2], 0, 255, false); err != nil {
		return Sig{}, fmt.Errorf("olen: %w", err)
	}
	if g.MSS, err = intField(f[3], 0, 65535, true); err != nil {
		return Sig{}, fmt.Errorf("mss: %w", err)
	}
	win, scale, ok := strings.Cut(f[4], ",")
	if !ok {
		return Sig{}, fmt.Errorf("%w: window %q has no scale", ErrSyntax, f[4])
	}
	if g.Win, err = parseWindow(win); err != nil {
		return Sig{}, err
	}
	if g.Scale, err = intField(scale, 0, 255, true); err != nil {
		return Sig{}, fmt.Errorf("scale: %w", err)
	}
	if g.Layout, g.EOLPad, err = parseLayout(f[5]); err != nil {
		return Sig{}, err
	}
	if g.Quirks, err = parseQuirks(f[6]); err != nil {
		return Sig{}, err
	}
	switch f[7] {
	case "*":
		g.Payload = Any
	case "0":
		g.Payload = 0
	case "+":
		g.Payload = 1
	default:
		return Sig{}, fmt.Errorf("%w: payload class %q", ErrSyntax, f[7])
	}
	return g, nil
}

func intField(s string, lo, hi int, wildcard bool) (int, error) {
	if wildcard && s == "*" {
		return Any, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	return n, nil
}

func parseWindow(s string) (Window, error) {
	switch {
	case s == "*":
		return Window{Kind: WindowAny}, nil
	case strings.HasPrefix(s, "mss*"), strings.HasPrefix(s, "mtu*"):
		n, err := intField(s[4:], 1, 65535, false)
		if err != nil {
			return Window{}, fmt.Errorf("window: %w", err)
		}
		if s[1] == 's' {
			return Window{Kind: WindowMSS, N: n}, nil
		}
		return Window{Kind: WindowMTU, N: n}, nil
	case strings.HasPrefix(s, "%"):
		n, err := intField(s[1:], 1, 65535, false)
		if err != nil {
			return Window{}, fmt.Errorf("window: %w", err)
		}
		return Window{Kind: WindowMod, N: n}, nil
	}
	n, err := intField(s, 0, 65535, false)
	if err != nil {
		return Window{}, fmt.Errorf("window: %w", err)
	}
	return Window{Kind: WindowFixed, N: n}, nil
}

func parseLayout(s string) ([]uint8, int, error) {
	if s == "" {
		return nil, 0, nil
	}
	var out []uint8
	pad := 0
	parts := strings.Split(s, ",")
	if len(parts) > 40 {
		return nil, 0, fmt.Errorf("%w: %d options", ErrSyntax, len(parts))
	}
	for i, p := range parts {
		switch p {
		case "nop":
			out = append(out, OptNOP)
		case "mss":
			out = append(out, OptMSS)
		case "ws":
			out = append(out, OptWS)
		case "sok":
			out = append(out, OptSOK)
		case "sack":
			out = append(out, OptSACK)
		case "ts":
			out = append(out, OptTS)
		default:
			switch {
			case strings.HasPrefix(p, "eol+") && i == len(parts)-1:
				n, err := intField(p[4:], 0, 40, false)
				if err != nil {
					return nil, 0, fmt.Errorf("option %q: %w", p, err)
				}
				out, pad = append(out, OptEOL), n
			case strings.HasPrefix(p, "?"):
				n, err := intField(p[1:], 0, 255, false)
				if err != nil {
					return nil, 0, fmt.Errorf("option %q: %w", p, err)
				}
				out = append(out, uint8(n))
			default:
				return nil, 0, fmt.Errorf("%w: option %q", ErrSyntax, p)
			}
		}
	}
	return out, pad, nil
}

func parseQuirks(s string) (uint32, error) {
	if s == "" {
		return 0, nil
	}
	var q uint32
	for _, name := range strings.Split(s, ",") {
		found := false
		for i, n := range quirkNames {
			if n == name {
				q |= 1 << i
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("%w: quirk %q", ErrSyntax, name)
		}
	}
	return q, nil
}

// FormatLayout writes option kinds in signature notation.
func FormatLayout(layout []uint8, eolPad int) string {
	parts := make([]string, 0, len(layout))
	for _, k := range layout {
		switch k {
		case OptEOL:
			parts = append(parts, "eol+"+strconv.Itoa(eolPad))
		case OptNOP:
			parts = append(parts, "nop")
		case OptMSS:
			parts = append(parts, "mss")
		case OptWS:
			parts = append(parts, "ws")
		case OptSOK:
			parts = append(parts, "sok")
		case OptSACK:
			parts = append(parts, "sack")
		case OptTS:
			parts = append(parts, "ts")
		default:
			parts = append(parts, "?"+strconv.Itoa(int(k)))
		}
		if k == OptEOL {
			break
		}
	}
	return strings.Join(parts, ",")
}

// FormatQuirks writes quirk bits in signature notation.
func FormatQuirks(q uint32) string {
	var parts []string
	for i, n := range quirkNames {
		if q&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, ",")
}

// String writes g in signature notation. For an observation every field
// is concrete; the TTL is the one captured.
func (g Sig) String() string {
	var b strings.Builder
	if g.Version == Any {
		b.WriteString("*")
	} else {
		b.WriteString(strconv.Itoa(g.Version))
	}
	b.WriteString(":" + strconv.Itoa(g.TTL))
	if g.TTLMax {
		b.WriteString("-")
	}
	b.WriteString(":" + strconv.Itoa(g.OptLen) + ":")
	b.WriteString(wild(g.MSS) + ":")
	switch g.Win.Kind {
	case WindowAny:
		b.WriteString("*")
	case WindowFixed:
		b.WriteString(strconv.Itoa(g.Win.N))
	case WindowMSS:
		b.WriteString("mss*" + strconv.Itoa(g.Win.N))
	case WindowMTU:
		b.WriteString("mtu*" + strconv.Itoa(g.Win.N))
	case WindowMod:
		b.WriteString("%" + strconv.Itoa(g.Win.N))
	}
	b.WriteString("," + wild(g.Scale) + ":")
	b.WriteString(FormatLayout(g.Layout, g.EOLPad) + ":")
	b.WriteString(FormatQuirks(g.Quirks) + ":")
	switch g.Payload {
	case Any:
		b.WriteString("*")
	case 0:
		b.WriteString("0")
	default:
		b.WriteString("+")
	}
	return b.String()
}

func wild(n int) string {
	if n == Any {
		return "*"
	}
	return strconv.Itoa(n)
}

// ParseObserved reads an observation written by Sig.String: every field
// concrete, the TTL as captured.
func ParseObserved(s string) (Sig, error) {
	g, err := parseSig(s)
	if err != nil {
		return Sig{}, err
	}
	if g.Version == Any || g.MSS == Any || g.Scale == Any || g.Win.Kind != WindowFixed || g.Payload == Any || g.TTLMax {
		return Sig{}, fmt.Errorf("%w: observation %q has wildcards", ErrSyntax, s)
	}
	return g, nil
}
