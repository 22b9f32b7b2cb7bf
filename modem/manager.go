package modem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// maxTransitions is how many state changes Status keeps.
const maxTransitions = 32

// stuckError ends a session that cannot make progress by itself; Run
// answers it with the next escalation step, up to maxLevel.
type stuckError struct {
	reason   Reason
	detail   string
	maxLevel int
}

func (e *stuckError) Error() string { return fmt.Sprintf("modem: stuck (%s): %s", e.reason, e.detail) }

// Session endings that are not failures of the modem: the loop goes back
// to the matching step.
var (
	errDataLost       = errors.New("data session lost")
	errRegLost        = errors.New("registration lost")
	errSIMGone        = errors.New("SIM removed")
	errModemRestarted = errors.New("modem restarted")
)

// Manager drives one modem: it finds the AT port, sets the modem up,
// waits for SIM and network, brings the data session up and watches it,
// reconnecting with backoff and escalating when the modem is stuck.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu sync.Mutex
	st Status

	// Run's own state. Run is never concurrent (runMu), and it survives
	// from one Run to the next so that escalation continues after the
	// owner restarts a Run that returned ErrUnresponsive.
	runMu       sync.Mutex
	lastPort    string
	delay       time.Duration // wait before the next attempt
	backoff     time.Duration
	level       int         // last escalation step taken
	pending     *stuckError // escalate before the next attempt
	failures    int         // sessions in a row that ended in an error
	noAnswer    int         // opens in a row where ports existed but none answered
	pinRejected bool
}

// New checks cfg and returns a manager that has not started.
func New(cfg Config) (*Manager, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	now := time.Now()
	m := &Manager{cfg: cfg, log: cfg.Logger}
	m.st = Status{State: StateStarting, Reason: ReasonStarting, Since: now, DownSince: now, UpdatedAt: now, APN: cfg.APN.Name}
	m.backoff = cfg.MinBackoff
	return m, nil
}

// Status returns a snapshot. The lock is never held during serial I/O, so
// this never waits on the modem.
func (m *Manager) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.st
	st.Transitions = append([]Transition(nil), m.st.Transitions...)
	return st
}

func (m *Manager) update(f func(*Status)) {
	m.mu.Lock()
	f(&m.st)
	m.st.UpdatedAt = time.Now()
	m.mu.Unlock()
}

// setState records a state change, its reason and a detail, and logs it.
// Repeating the current state and reason only refreshes the detail.
func (m *Manager) setState(to State, reason Reason, detail string) {
	if len(detail) > 300 {
		detail = clip(detail, 300) + "…"
	}
	now := time.Now()
	m.mu.Lock()
	from := m.st.State
	changed := from != to || m.st.Reason != reason
	m.st.Detail, m.st.UpdatedAt = detail, now
	if changed {
		m.st.State, m.st.Reason, m.st.Since = to, reason, now
		if to == StateOnline {
			m.st.OnlineSince, m.st.DownSince = now, time.Time{}
		} else if from == StateOnline {
			m.st.OnlineSince, m.st.DownSince = time.Time{}, now
			m.st.IP = ""
		}
		if to != StateOnline && to != StateConnecting && to != StateSearching && to != StateDenied {
			m.st.IP = ""
		}
		m.st.Transitions = append(m.st.Transitions, Transition{At: now, From: from, To: to, Reason: reason, Detail: detail})
		if n := len(m.st.Transitions); n > maxTransitions {
			m.st.Transitions = append([]Transition(nil), m.st.Transitions[n-maxTransitions:]...)
		}
	}
	m.mu.Unlock()
	if !changed {
		return
	}
	level := slog.LevelInfo
	switch to {
	case StateNoModem, StateNoSIM, StateSIMLocked, StateDenied, StateUnresponsive, StateRecovering:
		level = slog.LevelWarn
	}
	m.log.Log(context.Background(), level, "modem: state", "from", from, "to", to, "reason", reason, "detail", detail)
}

// Run drives the modem until ctx ends (then it returns nil), or until the
// modem stops answering AT, when it closes the port and returns
// ErrUnresponsive: the owner restarts it (the sensor's supervisor does),
// and the next Run begins with the next escalation step.
func (m *Manager) Run(ctx context.Context) error {
	if !m.runMu.TryLock() {
		return fmt.Errorf("%w: Run is already running", ErrInvalidConfig)
	}
	defer m.runMu.Unlock()
	for {
		if !sleepCtx(ctx, m.delay) {
			return nil
		}
		m.delay = 0
		if st := m.pending; st != nil {
			m.pending = nil
			m.escalate(ctx, st)
			continue
		}
		conn, dev, err := m.open(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			m.noteFailure(err)
			if errors.Is(err, errNoATPort) {
				// Ports are there but nothing answers: a wedged modem.
				if m.noAnswer++; m.noAnswer >= 3 {
					m.noAnswer = 0
					m.pending = &stuckError{reason: ReasonNoAnswer, detail: err.Error(), maxLevel: 3}
				}
			}
			m.retryLater()
			continue
		}
		m.noAnswer = 0
		m.update(func(s *Status) { s.Device = dev })
		err = m.session(ctx, conn, dev)
		conn.Close()
		if ctx.Err() != nil {
			return nil
		}
		var stuck *stuckError
		switch {
		case errors.As(err, &stuck):
			m.noteFailure(err)
			m.pending = stuck
		case errors.Is(err, ErrUnresponsive):
			m.noteFailure(err)
			m.setState(StateUnresponsive, ReasonNoAnswer, err.Error())
			m.pending = &stuckError{reason: ReasonNoAnswer, detail: err.Error(), maxLevel: 3}
			m.retryLater()
			return err
		case errors.Is(err, ErrPortGone):
			m.noteFailure(err)
			m.setState(StateNoModem, ReasonPortGone, err.Error())
			m.retryLater()
		case errors.Is(err, errModemRestarted):
			m.setState(StateInitializing, ReasonModemRestarted, "the modem announced a restart")
			m.delay = m.cfg.MinBackoff
		default:
			m.noteFailure(err)
			m.retryLater()
			if m.failures >= 3 {
				m.pending = &stuckError{reason: ReasonNoAnswer, detail: err.Error(), maxLevel: 3}
			}
		}
	}
}

// noteFailure remembers the last error for the status page.
func (m *Manager) noteFailure(err error) {
	m.failures++
	m.update(func(s *Status) { s.LastError = err.Error() })
}

// retryLater schedules the next attempt after the current backoff and
// doubles it.
func (m *Manager) retryLater() {
	m.delay = m.backoff
	m.backoff = min(m.backoff*2, m.cfg.MaxBackoff)
}

// onOnline resets backoff and escalation once the link works.
func (m *Manager) onOnline() {
	m.backoff, m.failures, m.level, m.noAnswer = m.cfg.MinBackoff, 0, 0, 0
	m.update(func(s *Status) { s.Escalation, s.LastError = 0, "" })
}

// escalate takes the next recovery step for a stuck modem:
//
//  1. re-init: close the port, reopen it, set the modem up again;
//  2. radio off/on: AT+CFUN=0, pause, AT+CFUN=1, which makes the modem
//     search and attach afresh;
//  3. USB reset: the USBReset hook power-cycles the dongle on the bus,
//     the only cure for firmware that no longer answers AT.
//
// A step that cannot run (radio reset on a modem that does not answer)
// falls through to the next. After the last step the ladder starts over
// at 1, after the longest backoff.
func (m *Manager) escalate(ctx context.Context, st *stuckError) {
	next := m.level + 1
	if next > st.maxLevel {
		next = 1
		m.delay = m.cfg.MaxBackoff
		m.log.Warn("modem: every recovery step tried; starting over", "reason", st.reason, "in", m.delay)
	}
	for ; next <= 3; next++ {
		m.level = next
		m.update(func(s *Status) { s.Escalation = next; s.Recoveries++ })
		switch next {
		case 1:
			m.setState(StateRecovering, ReasonReinit, string(st.reason)+": "+st.detail)
			return
		case 2:
			m.setState(StateRecovering, ReasonRadioReset, string(st.reason)+": "+st.detail)
			err := m.radioReset(ctx)
			if err == nil || st.maxLevel < 3 {
				return
			}
			m.log.Warn("modem: radio reset failed; trying a USB reset", "err", err)
		case 3:
			m.usbReset(ctx, st)
			return
		}
	}
}

// radioReset switches the radio off and on through a fresh connection.
func (m *Manager) radioReset(ctx context.Context) error {
	conn, _, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	s := &session{m: m, c: conn}
	if _, err := s.exec(ctx, "AT+CFUN=0", m.cfg.ConnectTimeout); err != nil {
		return err
	}
	if !sleepCtx(ctx, m.cfg.RadioOffFor) {
		return ctx.Err()
	}
	_, err = s.exec(ctx, "AT+CFUN=1", m.cfg.ConnectTimeout)
	return err
}

// usbReset calls the hook; the port then disappears and comes back, which
// the normal open-with-backoff loop waits out.
func (m *Manager) usbReset(ctx context.Context, st *stuckError) {
	if m.cfg.USBReset == nil {
		m.setState(StateRecovering, ReasonUSBReset, "no USB reset available; "+string(st.reason))
		m.log.Warn("modem: would reset the dongle on USB, but no reset hook is configured")
		m.delay = m.cfg.MaxBackoff
		return
	}
	dev := m.lastPort
	if dev == "" {
		dev = m.cfg.Device
	}
	m.setState(StateRecovering, ReasonUSBReset, dev+": "+string(st.reason))
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := m.cfg.USBReset(rctx, dev); err != nil {
		m.log.Error("modem: USB reset failed", "device", dev, "err", err)
		m.update(func(s *Status) { s.LastError = "USB reset: " + err.Error() })
	}
	m.delay = m.cfg.MinBackoff
}

// pinMark is the file that remembers a rejected PIN across restarts.
func (m *Manager) pinMark() string {
	if m.cfg.StateDir == "" {
		return ""
	}
	return filepath.Join(m.cfg.StateDir, "modem-pin-rejected")
}

func pinHash(pin string) string {
	h := sha256.Sum256([]byte("mimamori-pin:" + pin))
	return hex.EncodeToString(h[:])
}

// pinBlocked reports whether the configured PIN was rejected before. A
// changed PIN may be tried once.
func (m *Manager) pinBlocked() bool {
	if m.pinRejected {
		return true
	}
	if p := m.pinMark(); p != "" {
		b, err := os.ReadFile(p)
		if err == nil && strings.TrimSpace(string(b)) == pinHash(m.cfg.PIN) {
			m.pinRejected = true
		}
	}
	return m.pinRejected
}

func (m *Manager) markPINRejected() {
	m.pinRejected = true
	if p := m.pinMark(); p != "" {
		if err := os.WriteFile(p, []byte(pinHash(m.cfg.PIN)+"\n"), 0o600); err != nil {
			m.log.Error("modem: cannot remember the rejected PIN", "err", err)
		}
	}
}

// clearPINRejected forgets the mark once the SIM is unlocked, whoever
// unlocked it.
func (m *Manager) clearPINRejected() {
	m.pinRejected = false
	if p := m.pinMark(); p != "" {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			m.log.Warn("modem: remove PIN mark", "err", err)
		}
	}
}

// sleepCtx waits d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
