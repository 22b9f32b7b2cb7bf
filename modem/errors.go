package modem

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors a caller can test for with errors.Is. Every error the package
// returns wraps one of these, so the state machine (and its tests) can act on
// the kind of failure rather than on text.
var (
	// ErrTimeout: the modem sent no final result code within the command's
	// timeout, or the command could not even be written.
	ErrTimeout = errors.New("modem: timeout")
	// ErrCommandFailed: the modem answered ERROR, +CME ERROR, +CMS ERROR or
	// another failing final result code.
	ErrCommandFailed = errors.New("modem: command failed")
	// ErrBadResponse: the modem answered OK, but not with what the command
	// promises (a missing or malformed information line).
	ErrBadResponse = errors.New("modem: unexpected response")
	// ErrPortGone: the serial port failed underneath us (unplugged, hung up).
	ErrPortGone = errors.New("modem: serial port went away")
	// ErrClosed: the connection was closed by us.
	ErrClosed = errors.New("modem: connection closed")
	// ErrNoModem: no candidate port answered AT.
	ErrNoModem = errors.New("modem: no AT port found")
	// ErrUnresponsive: the port is open but the modem stopped answering
	// even a bare AT. Run returns it so that the owner can restart the
	// manager; the next Run continues the escalation.
	ErrUnresponsive = errors.New("modem: no answer")
	// ErrInvalidConfig: the configuration cannot work.
	ErrInvalidConfig = errors.New("modem: invalid configuration")
)

// CMEError is a +CME ERROR (mobile equipment) or +CMS ERROR (SMS) final
// result. Modems report either a number (AT+CMEE=1) or a text (AT+CMEE=2);
// both are kept, and the missing one is filled in from 3GPP TS 27.007 §9.2
// where the code is known. It matches ErrCommandFailed with errors.Is.
type CMEError struct {
	Code int    // -1 when the modem gave only text not in the table
	Text string // "" when the modem gave only a number not in the table
	SMS  bool   // +CMS ERROR rather than +CME ERROR
}

func (e *CMEError) Error() string {
	kind := "+CME ERROR"
	if e.SMS {
		kind = "+CMS ERROR"
	}
	switch {
	case e.Code >= 0 && e.Text != "":
		return fmt.Sprintf("modem: %s %d (%s)", kind, e.Code, e.Text)
	case e.Code >= 0:
		return fmt.Sprintf("modem: %s %d", kind, e.Code)
	default:
		return fmt.Sprintf("modem: %s %q", kind, e.Text)
	}
}

// Is makes errors.Is(err, ErrCommandFailed) true for every CME error.
func (e *CMEError) Is(target error) bool { return target == ErrCommandFailed }

// The +CME ERROR codes the manager acts on.
const (
	CMENotAllowed   = 3
	CMENotSupported = 4
	CMESIMNotIn     = 10
	CMESIMPIN       = 11
	CMESIMPUK       = 12
	CMESIMFailure   = 13
	CMESIMBusy      = 14
	CMESIMWrong     = 15
	CMEBadPassword  = 16
	CMENoService    = 30
	CMEUnknown      = 100
)

// cmeText is the subset of TS 27.007 §9.2 that dongles actually send.
var cmeText = map[int]string{
	0:   "phone failure",
	3:   "operation not allowed",
	4:   "operation not supported",
	10:  "SIM not inserted",
	11:  "SIM PIN required",
	12:  "SIM PUK required",
	13:  "SIM failure",
	14:  "SIM busy",
	15:  "SIM wrong",
	16:  "incorrect password",
	17:  "SIM PIN2 required",
	18:  "SIM PUK2 required",
	20:  "memory full",
	21:  "invalid index",
	22:  "not found",
	30:  "no network service",
	31:  "network timeout",
	32:  "network not allowed - emergency calls only",
	50:  "incorrect parameters",
	100: "unknown",
	103: "illegal MS",
	106: "illegal ME",
	107: "GPRS services not allowed",
	111: "PLMN not allowed",
	112: "location area not allowed",
	113: "roaming not allowed in this location area",
	132: "service option not supported",
	133: "requested service option not subscribed",
	134: "service option temporarily out of order",
	148: "unspecified GPRS error",
	149: "PDP authentication failure",
	150: "invalid mobile class",
}

// parseCMEError reads the argument of a +CME ERROR / +CMS ERROR line.
func parseCMEError(arg string, sms bool) *CMEError {
	arg = strings.TrimSpace(arg)
	e := &CMEError{Code: -1, SMS: sms}
	if n, err := strconv.Atoi(arg); err == nil && n >= 0 {
		e.Code = n
		if !sms {
			e.Text = cmeText[n]
		}
		return e
	}
	e.Text = arg
	if !sms {
		for code, text := range cmeText {
			if strings.EqualFold(text, arg) {
				e.Code = code
				break
			}
		}
	}
	return e
}

// cmeCode returns the CME code carried by err, or -1.
func cmeCode(err error) int {
	var cme *CMEError
	if errors.As(err, &cme) && !cme.SMS {
		return cme.Code
	}
	return -1
}
