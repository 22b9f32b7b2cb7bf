package modem

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"
)

// Config says which modem to drive and how patiently.
type Config struct {
	// Device is the AT port (a /dev/serial/by-id link is stabler than
	// /dev/ttyUSB2). Empty: probe every port matching Scan.
	Device string
	// Scan is the glob patterns probed when Device is empty
	// (default DefaultScan).
	Scan []string
	Baud int // default 115200; USB modems ignore it, real UARTs do not
	// SysRoot is where sysfs is (default /sys). A scan skips ports whose
	// driver is a USB-serial converter (FTDI, Prolific, CP210x...): they
	// lead to other equipment, which must never be sent AT commands.
	SysRoot string

	APN APN
	// PIN is entered once if the SIM asks for one. A rejected PIN is never
	// tried again (three wrong ones lock the SIM behind its PUK), not even
	// after a restart when StateDir is set.
	PIN string
	// Dialect forces "generic", "huawei" or "quectel"; empty detects it
	// from the manufacturer the modem reports.
	Dialect string
	// StateDir keeps small state across restarts (the rejected-PIN mark).
	StateDir string

	// CommandTimeout bounds every command (default 5 s); ConnectTimeout
	// the commands that wait for the network: data session, radio on/off
	// (default 60 s). ProbeTimeout is the AT probe of a port (default 1 s).
	CommandTimeout time.Duration
	ConnectTimeout time.Duration
	ProbeTimeout   time.Duration
	// ReadTimeout is the serial port's read timeout (default 200 ms);
	// it bounds how long a closed port's reader lingers.
	ReadTimeout time.Duration
	// WaitPoll is how often SIM and registration are re-checked while
	// waiting for them (default 3 s); PollEvery how often signal,
	// registration and the session are checked once online (default 10 s).
	WaitPoll  time.Duration
	PollEvery time.Duration
	// RegisterTimeout is how long to search for a network before the
	// modem counts as stuck and escalation begins (default 3 min).
	RegisterTimeout time.Duration
	// RadioOffFor is the pause between AT+CFUN=0 and AT+CFUN=1 (default 3 s).
	RadioOffFor time.Duration
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts, doubling from one to the other (default 1 s and 1 min).
	MinBackoff time.Duration
	MaxBackoff time.Duration

	// USBReset is the last escalation step: power-cycle the dongle on the
	// USB bus. SysfsUSBReset is the Linux implementation. Nil skips it.
	USBReset func(ctx context.Context, device string) error

	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Baud == 0 {
		c.Baud = 115200
	}
	if c.SysRoot == "" {
		c.SysRoot = "/sys"
	}
	if len(c.Scan) == 0 {
		c.Scan = DefaultScan
	}
	for _, p := range c.Scan {
		if _, err := filepath.Match(p, ""); err != nil {
			return fmt.Errorf("%w: scan pattern %q: %v", ErrInvalidConfig, p, err)
		}
	}
	def(&c.CommandTimeout, 5*time.Second)
	def(&c.ConnectTimeout, 60*time.Second)
	def(&c.ProbeTimeout, time.Second)
	def(&c.ReadTimeout, 200*time.Millisecond)
	def(&c.WaitPoll, 3*time.Second)
	def(&c.PollEvery, 10*time.Second)
	def(&c.RegisterTimeout, 3*time.Minute)
	def(&c.RadioOffFor, 3*time.Second)
	def(&c.MinBackoff, time.Second)
	def(&c.MaxBackoff, time.Minute)
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Dialect != "" {
		if _, ok := dialectByName(c.Dialect); !ok {
			return fmt.Errorf("%w: unknown dialect %q (want one of %v)", ErrInvalidConfig, c.Dialect, dialectNames)
		}
	}
	switch c.APN.pdpType() {
	case "IP", "IPV6", "IPV4V6":
	default:
		return fmt.Errorf("%w: PDP type %q (want IP, IPV6 or IPV4V6)", ErrInvalidConfig, c.APN.PDPType)
	}
	if c.APN.Auth < AuthNone || c.APN.Auth > AuthCHAP {
		return fmt.Errorf("%w: APN auth %d (want 0 none, 1 PAP, 2 CHAP)", ErrInvalidConfig, c.APN.Auth)
	}
	for name, v := range map[string]string{"APN": c.APN.Name, "APN user": c.APN.User, "APN password": c.APN.Password, "PIN": c.PIN} {
		if !quoteOK(v) || len(v) > 100 {
			return fmt.Errorf("%w: %s contains a double quote or control character, or is too long", ErrInvalidConfig, name)
		}
	}
	if c.PIN != "" && (len(c.PIN) < 4 || len(c.PIN) > 8 || !digitsOnly(c.PIN)) {
		return fmt.Errorf("%w: PIN must be 4 to 8 digits", ErrInvalidConfig)
	}
	return nil
}
