package modem

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// session is one open connection to the modem, from initialization to
// the loss of the port. Only Run's goroutine touches it.
type session struct {
	m   *Manager
	c   *Conn
	dev string
	d   dialect

	regs    map[string]Registration // per domain: CREG, CGREG, CEREG, C5GREG
	noCESQ  bool                    // the modem answered ERROR to AT+CESQ once
	rsrp    int
	rsrq    float64
	haveLTE bool // rsrp/rsrq are current

	// Set by unsolicited codes; the loops act on them.
	dataDown, booted, simGone, regChanged bool
}

// fatal reports errors that end the session: the port is gone or mute,
// or we are shutting down.
func fatal(err error) bool {
	return errors.Is(err, ErrPortGone) || errors.Is(err, ErrUnresponsive) || errors.Is(err, ErrClosed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// exec runs one command with the default timeout when timeout is 0. A
// timeout is followed by a resynchronization: if even a bare AT gets no
// answer, the modem is unresponsive.
func (s *session) exec(ctx context.Context, cmd string, timeout time.Duration) (Response, error) {
	if timeout <= 0 {
		timeout = s.m.cfg.CommandTimeout
	}
	r, err := s.c.Exec(ctx, cmd, timeout, s.onURC)
	s.m.log.Debug("modem: AT", "cmd", redactCmd(cmd), "lines", r.Lines, "err", err)
	if errors.Is(err, ErrTimeout) && ctx.Err() == nil {
		if rerr := s.resync(ctx); rerr != nil {
			if errors.Is(rerr, ErrUnresponsive) {
				return r, fmt.Errorf("%w: neither %s nor AT answered", ErrUnresponsive, redactCmd(cmd))
			}
			return r, rerr
		}
	}
	return r, err
}

// resync gets the command channel back in step after a timeout: a late
// answer to the timed-out command would otherwise be read as the answer
// to the next one.
func (s *session) resync(ctx context.Context) error {
	var last error
	for range 3 {
		_, last = s.c.Exec(ctx, "AT", s.m.cfg.ProbeTimeout, s.onURC)
		if last == nil {
			return nil
		}
		if fatal(last) {
			return last
		}
	}
	return fmt.Errorf("%w: %v", ErrUnresponsive, last)
}

// redactCmd keeps the PIN and APN password out of logs.
func redactCmd(cmd string) string {
	up := strings.ToUpper(cmd)
	if strings.HasPrefix(up, "AT+CPIN=") || strings.HasPrefix(up, "AT+CGAUTH=") ||
		strings.HasPrefix(up, "AT+QICSGP=") || strings.HasPrefix(up, "AT^NDISDUP=1,1") {
		if i := strings.IndexByte(cmd, '='); i > 0 {
			return cmd[:i+1] + "…"
		}
	}
	return cmd
}

// onURC applies an unsolicited code.
func (s *session) onURC(u URC) {
	switch u.Kind {
	case URCRegistration:
		if s.regs != nil {
			s.regs[u.Domain] = u.Reg
			s.regChanged = true
			s.publishRegistration()
		}
	case URCSignal:
		s.setSignal(u.RSSI)
	case URCSIM:
		if u.SIM == SIMAbsent {
			s.simGone = true
		}
	case URCDataDown:
		s.dataDown = true
	case URCBooted:
		s.booted = true
	case URCUnknown:
		s.m.log.Debug("modem: stray line", "line", u.Line)
	}
}

// urgent reports whether an unsolicited code needs the loop's attention.
func (s *session) urgent() bool { return s.dataDown || s.booted || s.simGone || s.regChanged }

// idle waits d, handling unsolicited codes; it returns early when one of
// them matters.
func (s *session) idle(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.c.Done():
			return s.c.Err()
		case line := <-s.c.Lines():
			s.onURC(ParseURC(line))
			if s.urgent() {
				return nil
			}
		case <-t.C:
			return nil
		}
	}
}

// session drives one connection until it fails.
func (m *Manager) session(ctx context.Context, c *Conn, dev string) error {
	s := &session{m: m, c: c, dev: dev, regs: map[string]Registration{}}
	m.setState(StateInitializing, ReasonOpened, dev)
	if err := s.init(ctx); err != nil {
		return err
	}
	for {
		s.simGone = false
		if err := s.waitSIM(ctx); err != nil {
			return err
		}
		s.readSIMIdentity(ctx)
		err := s.register(ctx)
		if err == nil {
			err = s.bringUp(ctx)
		}
		if err == nil {
			err = s.online(ctx)
		}
		switch {
		case errors.Is(err, errDataLost), errors.Is(err, errRegLost), errors.Is(err, errSIMGone):
			continue
		case err != nil:
			return err
		}
	}
}

// init sets the modem up: no echo, numeric errors, identity, dialect,
// registration URCs with location and technology, long operator names,
// radio on.
func (s *session) init(ctx context.Context) error {
	for _, cmd := range []string{"ATE0", "AT+CMEE=1"} {
		if _, err := s.exec(ctx, cmd, 0); fatal(err) {
			return err
		}
	}
	var id Identity
	for _, q := range []struct {
		cmd, prefix string
		dst         *string
	}{
		{"AT+CGMI", "+CGMI:", &id.Manufacturer},
		{"AT+CGMM", "+CGMM:", &id.Model},
		{"AT+CGMR", "+CGMR:", &id.Revision},
	} {
		r, err := s.exec(ctx, q.cmd, 0)
		if fatal(err) {
			return err
		}
		if err == nil {
			*q.dst, _ = textLine(r, q.prefix)
		}
	}
	r, err := s.exec(ctx, "AT+CGSN", 0)
	if fatal(err) {
		return err
	}
	if err == nil {
		id.IMEI, _ = digitsLine(r, 14, 17)
	}
	s.d = detectDialect(id.Manufacturer, id.Model)
	if d, ok := dialectByName(s.m.cfg.Dialect); ok {
		s.d = d
	}
	s.m.update(func(st *Status) {
		st.Manufacturer, st.Model, st.Revision, st.IMEI = id.Manufacturer, id.Model, id.Revision, id.IMEI
		st.Dialect = s.d.Name()
	})
	// Optional: an old 3G stick has no +CEREG, some firmware refuses
	// COPS format changes. None of these failing is a reason to stop.
	for _, cmd := range []string{"AT+CREG=2", "AT+CGREG=2", "AT+CEREG=2", "AT+COPS=3,0"} {
		if _, err := s.exec(ctx, cmd, 0); fatal(err) {
			return err
		}
	}
	r, err = s.exec(ctx, "AT+CFUN?", 0)
	if fatal(err) {
		return err
	}
	if err == nil {
		v, ferr := r.First("+CFUN:")
		if ferr == nil && (strings.HasPrefix(v, "0") || strings.HasPrefix(v, "4")) {
			// Left in flight mode, by us before a restart or by someone else.
			if _, err := s.exec(ctx, "AT+CFUN=1", s.m.cfg.ConnectTimeout); fatal(err) {
				return err
			}
		}
	}
	s.booted = false
	return nil
}

// simNoticeEvery is how many SIM polls pass between radio off/on cycles
// while no SIM is seen: many modems only notice a SIM inserted later
// after one.
const simNoticeEvery = 20

// waitSIM returns once the SIM is ready, entering the configured PIN at
// most once.
func (s *session) waitSIM(ctx context.Context) error {
	for polls := 1; ; polls++ {
		sim, err := s.simState(ctx)
		if err != nil {
			return err
		}
		s.m.update(func(st *Status) { st.SIM = sim })
		switch sim {
		case SIMReady:
			if s.m.pinRejected || s.m.pinMark() != "" {
				s.m.clearPINRejected()
			}
			return nil
		case SIMPIN:
			if s.m.cfg.PIN == "" {
				s.m.setState(StateSIMLocked, ReasonPINRequired, "the SIM asks for a PIN and none is configured")
				break
			}
			if s.m.pinBlocked() {
				s.m.setState(StateSIMLocked, ReasonPINRejected, "the configured PIN was rejected before; it is not tried again")
				break
			}
			_, err := s.exec(ctx, fmt.Sprintf(`AT+CPIN="%s"`, s.m.cfg.PIN), 0)
			if fatal(err) {
				return err
			}
			if err != nil {
				s.m.markPINRejected()
				s.m.setState(StateSIMLocked, ReasonPINRejected, "the SIM rejected the configured PIN")
				break
			}
			continue // unlocked: ask again at once
		case SIMPUK:
			s.m.setState(StateSIMLocked, ReasonPUKRequired, "the SIM is locked by its PUK")
		case SIMAbsent:
			s.m.setState(StateNoSIM, ReasonSIMAbsent, "no SIM card in the dongle")
			if polls%simNoticeEvery == 0 {
				s.cycleRadio(ctx)
			}
		case SIMFailure:
			s.m.setState(StateNoSIM, ReasonSIMFailure, "the SIM card cannot be read")
		}
		if err := s.idle(ctx, s.m.cfg.WaitPoll); err != nil {
			return err
		}
		if s.booted {
			return errModemRestarted
		}
	}
}

// cycleRadio is a quiet AT+CFUN=0/1, used while waiting for a SIM.
func (s *session) cycleRadio(ctx context.Context) {
	if _, err := s.exec(ctx, "AT+CFUN=0", s.m.cfg.ConnectTimeout); err == nil {
		s.exec(ctx, "AT+CFUN=1", s.m.cfg.ConnectTimeout)
	}
}

// simState asks AT+CPIN?. Only fatal errors are returned; a modem that
// answers with a SIM error says something about the SIM.
func (s *session) simState(ctx context.Context) (SIMState, error) {
	r, err := s.exec(ctx, "AT+CPIN?", 0)
	if fatal(err) {
		return SIMUnknown, err
	}
	if err != nil {
		if sim, ok := simFromError(err); ok {
			return sim, nil
		}
		return SIMUnknown, nil
	}
	v, err := r.First("+CPIN:")
	if err != nil {
		return SIMUnknown, nil
	}
	return parseCPIN(v), nil
}

// readSIMIdentity reads IMSI and ICCID, best effort.
func (s *session) readSIMIdentity(ctx context.Context) {
	var imsi, iccid string
	if r, err := s.exec(ctx, "AT+CIMI", 0); err == nil {
		imsi, _ = digitsLine(r, 6, 15)
	}
	for _, cmd := range s.d.iccidCommands() {
		r, err := s.exec(ctx, cmd, 0)
		if err != nil {
			if fatal(err) {
				return
			}
			continue
		}
		if strings.HasPrefix(cmd, "AT+CRSM") {
			if v, err := r.First("+CRSM:"); err == nil {
				iccid, _ = parseCRSMICCID(v)
			}
		} else {
			iccid, _ = parseICCID(r)
		}
		if iccid != "" {
			break
		}
	}
	s.m.update(func(st *Status) { st.IMSI, st.ICCID = imsi, iccid })
}

// pollSignal reads AT+CSQ and, where supported, AT+CESQ.
func (s *session) pollSignal(ctx context.Context) error {
	r, err := s.exec(ctx, "AT+CSQ", 0)
	if fatal(err) {
		return err
	}
	if err == nil {
		if v, ferr := r.First("+CSQ:"); ferr == nil {
			if rssi, perr := parseCSQ(v); perr == nil {
				s.setSignal(rssi)
			}
		}
	}
	if s.noCESQ {
		return nil
	}
	r, err = s.exec(ctx, "AT+CESQ", 0)
	switch {
	case fatal(err):
		return err
	case errors.Is(err, ErrCommandFailed):
		s.noCESQ = true // not supported: do not ask every time
	case err == nil:
		if v, ferr := r.First("+CESQ:"); ferr == nil {
			if c, perr := parseCESQ(v); perr == nil {
				rsrp, okP := rsrpToDBm(c.rsrp)
				rsrq, okQ := rsrqToDB(c.rsrq)
				s.rsrp, s.rsrq, s.haveLTE = rsrp, rsrq, okP
				if !okQ {
					s.rsrq = 0
				}
				s.publishSignal(-1)
			}
		}
	}
	return nil
}

// setSignal records a CSQ-scale rssi from a poll or a URC.
func (s *session) setSignal(rssi int) { s.publishSignal(rssi) }

// publishSignal updates Status.Signal; rssi < 0 keeps the previous RSSI.
func (s *session) publishSignal(rssi int) {
	s.m.update(func(st *Status) {
		sig := st.Signal
		if rssi >= 0 {
			sig.RSSIdBm, sig.Valid = csqToDBm(rssi)
			if !sig.Valid {
				sig.RSSIdBm = 0
			}
		}
		sig.RSRPdBm, sig.RSRQdB = 0, 0
		if s.haveLTE && sig.Valid {
			sig.RSRPdBm, sig.RSRQdB = s.rsrp, s.rsrq
		}
		sig.Bars = Bars(sig)
		st.Signal = sig
	})
}

// pollRegistration asks every registration domain the modem supports.
func (s *session) pollRegistration(ctx context.Context) error {
	for _, d := range []string{"CREG", "CGREG", "CEREG"} {
		r, err := s.exec(ctx, "AT+"+d+"?", 0)
		if fatal(err) {
			return err
		}
		if err != nil {
			continue
		}
		for _, v := range r.Prefixed("+" + d + ":") {
			if reg, err := parseRegistration(v, true); err == nil {
				s.regs[d] = reg
				break
			}
		}
	}
	s.publishRegistration()
	return nil
}

// combinedRegistration folds the domains into one answer. Data needs the
// packet domain (EPS on LTE, GPRS on 3G), so those decide; circuit
// switched CREG only counts when the modem reports no packet domain
// (data-only SIMs often show CREG denied while LTE works fine).
func (s *session) combinedRegistration() (RegState, int) {
	rank := map[RegState]int{RegHome: 5, RegRoaming: 5, RegDenied: 4, RegSearching: 3, RegIdle: 2, RegUnknown: 1}
	best, act, seen := RegUnknown, -1, false
	for _, d := range []string{"CEREG", "C5GREG", "CGREG"} {
		if r, ok := s.regs[d]; ok {
			seen = true
			if st := r.State(); rank[st] > rank[best] {
				best, act = st, r.AcT
			}
		}
	}
	if !seen {
		if r, ok := s.regs["CREG"]; ok {
			best, act = r.State(), r.AcT
		}
	}
	return best, act
}

func (s *session) publishRegistration() {
	reg, act := s.combinedRegistration()
	s.m.update(func(st *Status) {
		st.Registration = reg
		if t := technology(act); t != "" {
			st.Technology = t
		}
	})
}

// readOperator reads AT+COPS? and the dialect's technology report.
func (s *session) readOperator(ctx context.Context) error {
	r, err := s.exec(ctx, "AT+COPS?", 0)
	if fatal(err) {
		return err
	}
	var oper string
	act := -1
	if err == nil {
		if v, ferr := r.First("+COPS:"); ferr == nil {
			oper, act, _ = parseCOPS(v)
		}
	}
	tech := s.d.technology(ctx, s)
	if tech == "" {
		tech = technology(act)
	}
	s.m.update(func(st *Status) {
		st.Operator = oper
		if tech != "" {
			st.Technology = tech
		}
	})
	return nil
}

// register waits for the network. Searching past RegisterTimeout, or
// staying denied that long, is stuck.
func (s *session) register(ctx context.Context) error {
	start := time.Now()
	for {
		s.regChanged = false
		if err := s.pollSignal(ctx); err != nil {
			return err
		}
		if err := s.pollRegistration(ctx); err != nil {
			return err
		}
		reg, _ := s.combinedRegistration()
		sig := s.m.Status().Signal
		switch {
		case reg.Registered():
			if err := s.readOperator(ctx); err != nil {
				return err
			}
			s.m.setState(StateConnecting, ReasonRegistered, string(reg)+" "+s.m.Status().Operator)
			return nil
		case reg == RegDenied:
			s.m.setState(StateDenied, ReasonDenied, "the network rejected the SIM (check the SIM's contract and activation)")
		case !sig.Valid:
			s.m.setState(StateSearching, ReasonNoSignal, "no signal: antenna, location or coverage")
		default:
			s.m.setState(StateSearching, ReasonSearching, fmt.Sprintf("searching at %d dBm", sig.RSSIdBm))
		}
		if waited := time.Since(start); waited >= s.m.cfg.RegisterTimeout {
			st := &stuckError{reason: ReasonRegTimeout, maxLevel: 3,
				detail: fmt.Sprintf("not registered after %s (%s)", waited.Round(time.Second), reg)}
			switch {
			case reg == RegDenied:
				// Restarting the radio can clear a temporary rejection;
				// power-cycling the USB bus cannot change the network's mind.
				st.reason, st.maxLevel = ReasonDenied, 2
			case !sig.Valid:
				st.reason = ReasonNoSignal
			}
			return st
		}
		if err := s.idle(ctx, s.m.cfg.WaitPoll); err != nil {
			return err
		}
		if s.booted {
			return errModemRestarted
		}
		if s.simGone {
			return errSIMGone
		}
	}
}

// bringUp starts the data session, retrying with backoff; three failures
// in a row are stuck.
func (s *session) bringUp(ctx context.Context) error {
	cfg := s.m.cfg
	wait := cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		s.dataDown = false
		up, err := s.d.connected(ctx, s)
		if fatal(err) {
			return err
		}
		if !up {
			err = s.d.connect(ctx, s, cfg.APN, cfg.ConnectTimeout)
			if fatal(err) {
				return err
			}
		}
		if err == nil {
			ip, aerr := s.d.address(ctx, s)
			if fatal(aerr) {
				return aerr
			}
			s.m.update(func(st *Status) { st.IP = ip })
			s.m.setState(StateOnline, ReasonOnline, ip)
			s.m.onOnline()
			return nil
		}
		s.m.setState(StateConnecting, ReasonDataFailed, err.Error())
		if attempt >= 3 {
			return &stuckError{reason: ReasonDataFailed, detail: err.Error(), maxLevel: 3}
		}
		if err := s.idle(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, cfg.MaxBackoff)
		if s.booted {
			return errModemRestarted
		}
		if s.simGone {
			return errSIMGone
		}
		if err := s.pollRegistration(ctx); err != nil {
			return err
		}
		if reg, _ := s.combinedRegistration(); !reg.Registered() {
			s.m.setState(StateSearching, ReasonRegLost, string(reg))
			return errRegLost
		}
	}
}

// online watches the link: signal, registration, operator and the data
// session, every PollEvery and at once on a relevant URC.
func (s *session) online(ctx context.Context) error {
	for {
		if err := s.idle(ctx, s.m.cfg.PollEvery); err != nil {
			return err
		}
		s.regChanged = false
		switch {
		case s.booted:
			return errModemRestarted
		case s.simGone:
			s.m.setState(StateNoSIM, ReasonSIMAbsent, "the SIM was removed")
			return errSIMGone
		case s.dataDown:
			s.m.setState(StateConnecting, ReasonDataLost, "the network or modem ended the data session")
			return errDataLost
		}
		if err := s.pollSignal(ctx); err != nil {
			return err
		}
		if err := s.pollRegistration(ctx); err != nil {
			return err
		}
		if reg, _ := s.combinedRegistration(); !reg.Registered() {
			s.m.setState(StateSearching, ReasonRegLost, string(reg))
			return errRegLost
		}
		up, err := s.d.connected(ctx, s)
		if fatal(err) {
			return err
		}
		if err == nil && !up {
			s.m.setState(StateConnecting, ReasonDataLost, "the data session is no longer active")
			return errDataLost
		}
		if err := s.readOperator(ctx); err != nil {
			return err
		}
	}
}
