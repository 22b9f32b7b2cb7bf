package sensor

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"mimamori/edge/wire/wirepb"
	"mimamori/modem"
)

// modemFailed is sent by the modem actor's goroutine to its actor when the
// modem stopped answering, so that supervision restarts it (and the
// manager then takes its next escalation step).
type modemFailed struct{ err error }

// modemActor runs the LTE modem manager and the data-usage meter. Neither
// runs in Receive: the manager's loop and its serial I/O live in
// goroutines of their own, so a hung modem stalls nothing but itself, and
// capture never waits on it.
type modemActor struct {
	s      *Sensor
	cancel context.CancelFunc
	done   chan struct{}
}

func (a *modemActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *modemFailed:
		panic(m.err)
	case *actor.Stopping, *actor.Restarting:
		a.stop()
	}
}

func (a *modemActor) start(ctx actor.Context) {
	s := a.s
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel, a.done = cancel, make(chan struct{})
	sys, self := ctx.ActorSystem(), ctx.Self()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.modem.Run(runCtx); err != nil && runCtx.Err() == nil {
			sys.Root.Send(self, &modemFailed{err: err})
		}
	}()
	if s.usage != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.meterUsage(runCtx)
		}()
	}
	done := a.done
	go func() {
		wg.Wait()
		close(done)
	}()
}

// stop ends the manager. Run returns promptly when cancelled (it never
// waits on the port itself); the bound only guards against a bug there.
func (a *modemActor) stop() {
	if a.cancel == nil {
		return
	}
	a.cancel()
	select {
	case <-a.done:
	case <-time.After(10 * time.Second):
		a.s.cfg.Logger.Error("modem: manager did not stop within 10 s")
	}
	a.cancel = nil
}

// meterUsage samples the modem interface's counters until ctx ends, then
// saves the totals.
func (s *Sensor) meterUsage(ctx context.Context) {
	t := time.NewTicker(s.cfg.UsageEvery)
	defer t.Stop()
	logger := s.cfg.Logger.With("actor", "modem")
	for {
		if err := s.usage.Sample(ctx, time.Now()); err != nil {
			logger.Warn("modem: data usage", "err", err)
		}
		select {
		case <-ctx.Done():
			if err := s.usage.Save(time.Now()); err != nil {
				logger.Warn("modem: save data usage", "err", err)
			}
			return
		case <-t.C:
		}
	}
}

// openModem builds the manager and the usage meter from the sensor's
// configuration; nil, nil when the sensor has no modem.
func openModem(cfg *Config) (*modem.Manager, *modem.Usage, error) {
	if cfg.Modem == nil {
		return nil, nil, nil
	}
	mc := *cfg.Modem
	if mc.StateDir == "" {
		mc.StateDir = cfg.DataDir
	}
	if mc.Logger == nil {
		mc.Logger = cfg.Logger.With("actor", "modem")
	}
	m, err := modem.New(mc)
	if err != nil {
		return nil, nil, err
	}
	u, err := modem.OpenUsage(modem.UsageConfig{
		Interface: cfg.ModemInterface,
		Path:      filepath.Join(cfg.DataDir, "modem-usage.json"),
	})
	if errors.Is(err, modem.ErrUsageFile) {
		// Metering starts over; the damaged file is kept for a look.
		cfg.Logger.Error("modem: data usage totals lost", "err", err)
	} else if err != nil {
		return nil, nil, err
	}
	// A first sample now dates the totals (day, month), so that the first
	// batch already reports them; the meter goes on from this baseline.
	if err := u.Sample(context.Background(), time.Now()); err != nil {
		cfg.Logger.Warn("modem: data usage", "err", err)
	}
	return m, u, nil
}

// Modem returns the modem manager's status; false when there is none.
func (s *Sensor) Modem() (modem.Status, bool) {
	if s.modem == nil {
		return modem.Status{}, false
	}
	return s.modem.Status(), true
}

// modemReport is the batch's view of the modem and the data usage.
func (s *Sensor) modemReport() *wirepb.Modem {
	if s.modem == nil {
		return nil
	}
	st := s.modem.Status()
	m := &wirepb.Modem{
		State:            string(st.State),
		Reason:           string(st.Reason),
		StateSinceUnixMs: st.Since.UnixMilli(),
		RssiDbm:          int32(st.Signal.RSSIdBm),
		RsrpDbm:          int32(st.Signal.RSRPdBm),
		RsrqDb:           st.Signal.RSRQdB,
		Bars:             uint32(st.Signal.Bars),
		Registration:     string(st.Registration),
		Operator:         st.Operator,
		Technology:       st.Technology,
		Ip:               st.IP,
		Iccid:            st.ICCID,
		Imei:             st.IMEI,
		Model:            strings.TrimSpace(st.Manufacturer + " " + st.Model),
		Escalation:       uint32(st.Escalation),
		Recoveries:       st.Recoveries,
	}
	if s.usage != nil {
		u := s.usage.Totals()
		m.UsageDay, m.DayRxBytes, m.DayTxBytes = u.Day, u.DayRx, u.DayTx
		m.UsageMonth, m.MonthRxBytes, m.MonthTxBytes = u.Month, u.MonthRx, u.MonthTx
	}
	return m
}
