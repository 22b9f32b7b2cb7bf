package modem

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// executor runs one AT command; the session implements it so that every
// command gets the same timeout handling and URC routing.
type executor interface {
	exec(ctx context.Context, cmd string, timeout time.Duration) (Response, error)
}

// APN is the data-session configuration. Japanese closed-network SIMs
// usually need a user, a password and CHAP.
type APN struct {
	Name     string
	PDPType  string // "IP" (default), "IPV6" or "IPV4V6"
	User     string
	Password string
	Auth     Auth
}

// Auth is the PDP authentication protocol, numbered as in AT+CGAUTH.
type Auth int

const (
	AuthNone Auth = 0
	AuthPAP  Auth = 1
	AuthCHAP Auth = 2
)

// dialect is how one family of modems does what 3GPP leaves open: reading
// the ICCID, naming the radio technology, and bringing a data session up
// so that the host's network interface (wwan0, usb0) carries traffic.
type dialect interface {
	Name() string
	// iccidCommands are tried in order until one yields an ICCID.
	iccidCommands() []string
	// technology reads the access technology, "" if this modem cannot.
	technology(ctx context.Context, x executor) string
	// connect starts the data session and returns once it is up.
	connect(ctx context.Context, x executor, apn APN, timeout time.Duration) error
	// connected reports whether the data session is up.
	connected(ctx context.Context, x executor) (bool, error)
	// address returns the session's IP address.
	address(ctx context.Context, x executor) (string, error)
	// disconnect ends the session (best effort, before a radio reset).
	disconnect(ctx context.Context, x executor) error
}

// dialects lists every dialect; detect picks one from AT+CGMI/AT+CGMM.
var dialectNames = []string{"generic", "huawei", "quectel"}

// Dialects returns the names accepted by Config.Dialect.
func Dialects() []string { return append([]string(nil), dialectNames...) }

func dialectByName(name string) (dialect, bool) {
	switch name {
	case "generic":
		return generic{}, true
	case "huawei":
		return huawei{}, true
	case "quectel":
		return quectel{}, true
	}
	return nil, false
}

// detectDialect chooses by manufacturer (and model, for rebadged modules).
func detectDialect(manufacturer, model string) dialect {
	s := strings.ToLower(manufacturer + " " + model)
	switch {
	case strings.Contains(s, "huawei"):
		return huawei{}
	case strings.Contains(s, "quectel"):
		return quectel{}
	}
	return generic{}
}

// quoteOK reports whether s can sit inside an AT string parameter: AT has
// no escape for a double quote, and control characters end the command.
func quoteOK(s string) bool {
	for _, r := range s {
		if r == '"' || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func (a APN) pdpType() string {
	if a.PDPType == "" {
		return "IP"
	}
	return a.PDPType
}

// cgdcont defines PDP context 1, which every dialect here uses.
func cgdcont(a APN) string {
	return fmt.Sprintf(`AT+CGDCONT=1,"%s","%s"`, a.pdpType(), a.Name)
}

// cgpaddr reads context 1's address with the standard command.
func cgpaddr(ctx context.Context, x executor, timeout time.Duration) (string, error) {
	r, err := x.exec(ctx, "AT+CGPADDR=1", timeout)
	if err != nil {
		return "", err
	}
	for _, v := range r.Prefixed("+CGPADDR:") {
		if cid, ip, err := parseCGPADDR(v); err == nil && cid == 1 && ip != "" {
			return ip, nil
		}
	}
	return "", fmt.Errorf("%w: AT+CGPADDR=1: no address in %q", ErrBadResponse, r.Lines)
}
