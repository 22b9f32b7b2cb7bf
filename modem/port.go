package modem

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tarm/serial"
)

// DefaultScan is where USB modems' serial ports appear on Linux: usb
// serial drivers (option, qcserial, huawei) make ttyUSB*, CDC-ACM makes
// ttyACM*. /dev/serial/by-id names are stabler for a fixed Device.
var DefaultScan = []string{"/dev/ttyUSB*", "/dev/ttyACM*"}

// openSerial opens one port raw at baud, with reads that return after
// readTimeout so that closing it never waits long.
func openSerial(path string, baud int, readTimeout time.Duration) (*serial.Port, error) {
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: baud, ReadTimeout: readTimeout})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return p, nil
}

// candidates lists the ports to probe: the configured device, or every
// match of the scan patterns in natural order (ttyUSB2 before ttyUSB10),
// the port that answered last time first.
func candidates(device string, patterns []string, last string) []string {
	if device != "" {
		return []string{device}
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		matches, _ := filepath.Glob(p) // only ErrBadPattern, checked in Config
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return naturalLess(out[i], out[j]) })
	if last != "" && seen[last] {
		for i, p := range out {
			if p == last {
				copy(out[1:i+1], out[:i])
				out[0] = last
				break
			}
		}
	}
	return out
}

// naturalLess orders "ttyUSB2" before "ttyUSB10".
func naturalLess(a, b string) bool {
	ta, na := splitNumber(a)
	tb, nb := splitNumber(b)
	if ta != tb {
		return ta < tb
	}
	return na < nb
}

func splitNumber(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil {
		return s, -1
	}
	return s[:i], n
}

// converterDrivers are USB-to-serial converter drivers. A port they drive
// is a cable to some other device — in a factory, possibly a PLC or a
// drive — and never an LTE modem, so a scan does not write AT to it.
var converterDrivers = map[string]bool{
	"ftdi_sio": true, "pl2303": true, "cp210x": true, "ch341": true, "ch341-uart": true,
	"mos7840": true, "mos7720": true, "oti6858": true, "ark3116": true, "f81232": true, "f81534": true,
	"io_ti": true, "io_edgeport": true, "keyspan": true, "digi_acceleport": true, "ti_usb_3410_5052": true,
}

// ttyDriver names the kernel driver behind a tty, from sysfs; "" if
// unknown. The device node the path leads to is asked first, then the
// path's own name.
func ttyDriver(sysRoot, path string) string {
	names := []string{filepath.Base(path)}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		names = []string{filepath.Base(real), filepath.Base(path)}
	}
	for _, name := range names {
		link, err := filepath.EvalSymlinks(filepath.Join(sysRoot, "class", "tty", name, "device", "driver"))
		if err == nil {
			return filepath.Base(link)
		}
	}
	return ""
}

// errNoATPort distinguishes "ports exist, none answers" from "no ports".
var errNoATPort = errors.New("no port answered AT")

// probe opens path and checks that it answers AT. Dongles expose several
// ports (diagnostics, GPS NMEA, PPP, AT) and only some speak AT; the
// first AT after opening may also be eaten by a half-received echo or
// boot chatter, so it is tried twice.
func (m *Manager) probe(ctx context.Context, path string) (*Conn, error) {
	p, err := openSerial(path, m.cfg.Baud, m.cfg.ReadTimeout)
	if err != nil {
		return nil, err
	}
	c := NewConn(p, m.cfg.ReadTimeout)
	var last error
	for range 2 {
		_, last = c.Exec(ctx, "AT", m.cfg.ProbeTimeout, nil)
		if last == nil {
			return c, nil
		}
		if errors.Is(last, ErrPortGone) || ctx.Err() != nil {
			break
		}
	}
	c.Close()
	return nil, fmt.Errorf("%s: %w", path, last)
}

// open finds and opens the modem's AT port.
func (m *Manager) open(ctx context.Context) (*Conn, string, error) {
	paths := candidates(m.cfg.Device, m.cfg.Scan, m.lastPort)
	if len(paths) == 0 {
		detail := "no serial port matches " + strings.Join(m.cfg.Scan, " ")
		m.setState(StateNoModem, m.noPortReason(), detail)
		return nil, "", fmt.Errorf("%w: %s", ErrNoModem, detail)
	}
	var problems []string
	anyOpened := false
	for _, path := range paths {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		if m.cfg.Device == "" {
			if d := ttyDriver(m.cfg.SysRoot, path); converterDrivers[d] {
				m.log.Debug("modem: not probing a serial converter", "port", path, "driver", d)
				continue
			}
		}
		c, err := m.probe(ctx, path)
		if err == nil {
			m.lastPort = path
			return c, path, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			anyOpened = true
		}
		problems = append(problems, err.Error())
		m.log.Debug("modem: port does not answer AT", "port", path, "err", err)
	}
	detail := strings.Join(problems, "; ")
	if !anyOpened {
		m.setState(StateNoModem, m.noPortReason(), detail)
		return nil, "", fmt.Errorf("%w: %s", ErrNoModem, detail)
	}
	m.setState(StateNoModem, ReasonNoATPort, detail)
	return nil, "", fmt.Errorf("%w: %w: %s", ErrNoModem, errNoATPort, detail)
}

// noPortReason keeps saying "unplugged" while a port that went away stays
// away, rather than switching to the vaguer "no port".
func (m *Manager) noPortReason() Reason {
	if m.Status().Reason == ReasonPortGone {
		return ReasonPortGone
	}
	return ReasonNoPort
}
