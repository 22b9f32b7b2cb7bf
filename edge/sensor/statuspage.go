package sensor

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"mimamori/edge/status"
	"mimamori/edge/tlsconf"
	"mimamori/edge/wire/wirepb"
	"mimamori/firmware"
)

// captureObs is what the status page knows about one source: its latest
// sealed minute and running totals.
type captureObs struct {
	minutes    uint64
	lastMinute time.Time
	lastSealed time.Time
	packets    uint64
	bytes      uint64
	drops      uint64
	dropsTotal uint64
	seenTotal  uint64
	// openErr is why the source cannot be opened, while it cannot.
	openErr string
}

// noteOpen records whether a source could be opened (err nil) for the
// status page.
func (s *Sensor) noteOpen(source string, err error) {
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	s.captureObs(source).openErr = errText(err)
}

// noteSpool records for the status page why the spool does not take
// batches (err nil: it does), how many wait in memory, and how many were
// lost in all.
func (s *Sensor) noteSpool(err error, waiting int, lost uint64) {
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	s.spoolErr, s.unspooled, s.spoolLost = errText(err), waiting, lost
}

// errText is err's message, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// captureObs returns source's record, made on first use. The caller holds
// obsMu.
func (s *Sensor) captureObs(source string) *captureObs {
	o := s.captures[source]
	if o == nil {
		o = &captureObs{}
		s.captures[source] = o
	}
	return o
}

// noteMinute records one source's sealed minute for the status page.
func (s *Sensor) noteMinute(source string, b *wirepb.Batch) {
	var packets, bytes, drops uint64
	for _, c := range b.Captures {
		packets += c.Packets
		bytes += c.Bytes
		drops += c.KernelDrops
	}
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	o := s.captureObs(source)
	o.minutes++
	o.lastMinute, o.lastSealed = time.Unix(b.Minute, 0), time.Now()
	o.packets, o.bytes, o.drops = packets, bytes, drops
	o.dropsTotal += drops
	o.seenTotal += packets
}

// cpuWindow is how many health samples the status page's CPU figure
// averages: a minute at the default 15 s, so that one busy moment (a
// catch-up, a log rotation) does not turn the LED amber.
const cpuWindow = 4

// noteHealth keeps the latest host sample for the status page.
func (s *Sensor) noteHealth(h *wirepb.Health) {
	s.obsMu.Lock()
	s.health = h
	s.cpu = append(s.cpu, h.CpuPercent)
	if len(s.cpu) > cpuWindow {
		s.cpu = s.cpu[len(s.cpu)-cpuWindow:]
	}
	s.obsMu.Unlock()
}

// cpuAverage is the mean of the recent CPU samples. obsMu is held.
func (s *Sensor) cpuAverage() float64 {
	var sum float64
	for _, c := range s.cpu {
		sum += c
	}
	return sum / float64(max(len(s.cpu), 1))
}

// StatusAddr is the status page's listening address once it serves; "" before.
func (s *Sensor) StatusAddr() string {
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	return s.statusAddr
}

// StatusSnapshot gathers what the status page and the LEDs judge. It
// reads copies and counters only, never waiting on the modem, the uplink
// or a capture.
func (s *Sensor) StatusSnapshot() status.Snapshot {
	snap := status.Snapshot{
		Now: time.Now(), Tenant: s.cfg.Tenant, Sensor: s.cfg.ID,
		Software: firmware.Version, StartedAt: s.started,
	}
	s.obsMu.Lock()
	if h := s.health; h != nil {
		snap.Host = status.Host{Known: true, UptimeSeconds: h.UptimeSeconds, CPUPercent: s.cpuAverage(),
			MemUsed: h.MemUsedBytes, MemTotal: h.MemTotalBytes, DiskUsed: h.DiskUsedBytes, DiskTotal: h.DiskTotalBytes,
			TemperatureC: h.TemperatureC}
	}
	for _, src := range s.cfg.Sources {
		c := status.Capture{Name: src.Name, Live: src.Iface != ""}
		if o := s.captures[src.Name]; o != nil {
			c.Minutes, c.LastMinute, c.LastSealed = o.minutes, o.lastMinute, o.lastSealed
			c.Packets, c.Bytes, c.Drops, c.DropsTotal, c.PacketsSeen = o.packets, o.bytes, o.drops, o.dropsTotal, o.seenTotal
			c.OpenError = o.openErr
		}
		snap.Captures = append(snap.Captures, c)
	}
	s.obsMu.Unlock()
	for i, src := range s.cfg.Sources {
		if src.Iface != "" {
			snap.Captures[i].Link = operstate(s.cfg.NetRoot, src.Iface)
		}
	}
	if s.modem != nil {
		mi := &status.ModemInfo{Status: s.modem.Status(), QuotaBytes: status.QuotaBytes}
		if s.usage != nil {
			mi.Usage = s.usage.Totals()
			mi.UsageKnown = !mi.Usage.Updated.IsZero()
		}
		snap.Modem = mi
	}
	u := s.uplink.Status()
	snap.Cloud = status.Cloud{Connected: u.Connected, LastSent: u.LastSent, LastSeq: u.LastSeq,
		Backlog: u.Backlog, BacklogBytes: u.BacklogB, DroppedOld: u.DroppedOld, Oversize: u.Oversize, LastError: u.LastError,
		ConnectError: u.ConnectError, Refused: u.Refused, TLS: tlsconf.Secure(s.cfg.Broker), CertExpires: s.certExpires}
	s.obsMu.Lock()
	snap.Cloud.SpoolError, snap.Cloud.Unspooled, snap.Cloud.SpoolLost = s.spoolErr, s.unspooled, s.spoolLost
	s.obsMu.Unlock()
	snap.Clock = status.ReadClock()
	for _, n := range s.monitor.Tree() {
		if n.Depth == 1 {
			snap.Services = append(snap.Services, status.Service{Name: n.Name, Alive: n.Alive, Restarts: n.Restarts,
				LastFailure: n.LastFailure, LastReason: n.LastReason})
		}
	}
	return snap
}

// operstate reads a NIC's link state from sysfs ("up", "down", ...).
func operstate(root, iface string) string {
	b, err := os.ReadFile(filepath.Join(root, iface, "operstate"))
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// statusActor serves the status page and drives the LEDs.
type statusActor struct {
	s      *Sensor
	cancel context.CancelFunc
	done   chan struct{}
}

func (a *statusActor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		a.start()
	case *actor.Stopping, *actor.Restarting:
		a.stop()
	}
}

// start drives the LEDs and serves the page. A page whose port is taken
// (another program, or a sensor still shutting down) is retried every
// RespawnDelay in the background, said once in the log, and never keeps
// the LEDs dark: they are what a technician looks at first.
func (a *statusActor) start() {
	s := a.s
	logger := s.cfg.Logger.With("actor", "status")
	opts := status.ServerOptions{Logger: logger}
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel, a.done = cancel, make(chan struct{})
	var wg sync.WaitGroup
	if s.cfg.StatusListen != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.serve(runCtx, status.NewServer(s.StatusSnapshot, opts), logger)
		}()
	}
	if s.cfg.LEDs != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status.Drive(runCtx, s.cfg.LEDs, s.StatusSnapshot, opts.Options, time.Second, logger)
		}()
	}
	done := a.done
	go func() {
		wg.Wait()
		close(done)
	}()
}

// serve listens on StatusListen, retrying until it can, and serves the
// page until ctx ends.
func (a *statusActor) serve(ctx context.Context, h http.Handler, logger *slog.Logger) {
	s := a.s
	var ln net.Listener
	var lastErr string
	for {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.StatusListen); err == nil {
			break
		}
		if msg := err.Error(); msg != lastErr {
			logger.Warn("status page: cannot listen; capture goes on, the LEDs still show the status, and the page is retried",
				"addr", s.cfg.StatusListen, "every", s.cfg.RespawnDelay, "err", err)
			lastErr = msg
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.RespawnDelay):
		}
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       time.Minute,
	}
	s.obsMu.Lock()
	s.statusAddr = ln.Addr().String()
	s.obsMu.Unlock()
	logger.Info("status page", "url", "http://"+ln.Addr().String()+"/")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Error("status page stopped", "err", err)
		}
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		cancel()
		<-served
	}
}

func (a *statusActor) stop() {
	if a.cancel == nil {
		return
	}
	a.cancel()
	<-a.done
	a.cancel = nil
}
