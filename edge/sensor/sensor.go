package sensor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"mimamori/actors"
	"mimamori/edge/capture"
	"mimamori/edge/spool"
	"mimamori/edge/status"
	"mimamori/edge/tlsconf"
	"mimamori/edge/uplink"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
	"mimamori/modem"
)

// Source is one capture input. Open is called on start and again after each
// restart, so it must yield a fresh reader every time.
type Source struct {
	Name string
	Open func() (capture.Source, error)
	// Iface is the NIC a live source captures from, whose link state the
	// status page shows; empty for files and generators.
	Iface string
}

// Config describes one sensor.
type Config struct {
	Tenant string
	ID     string
	// DataDir holds the spool; it survives restarts.
	DataDir string
	// Broker is the cloud's MQTT address, tcp://host:port.
	Broker string
	// BrokerCA is a PEM file of the CA that signed the broker's
	// certificate, for a broker URL that asks for TLS; the system's roots
	// when empty.
	BrokerCA string
	// BrokerCert and BrokerKey, PEM files, are the sensor's own
	// certificate and key, presented to a broker that takes them in place
	// of (or besides) the password.
	BrokerCert, BrokerKey string
	Username              string
	Password              string
	Sources               []Source

	// SealGrace is how long a minute waits for slower sources before it is
	// sealed without them. Default 10 s.
	SealGrace time.Duration
	// HealthEvery is the host sampling period. Default 15 s.
	HealthEvery time.Duration
	// Heartbeat seals an empty batch when no traffic produced one for a
	// minute, so the cloud can tell a quiet network from a dead sensor.
	Heartbeat bool
	// ReportEvery is the longest a device, name or OT event that says
	// nothing new waits before its counters are sent (Deferral): a
	// multiple of a minute that divides a day. Default 10 min; one minute
	// sends every minute's.
	ReportEvery time.Duration
	// MaxRestarts within RestartWindow before a child is stopped; a stopped
	// capture is started again after RespawnDelay.
	MaxRestarts   int
	RestartWindow time.Duration
	RespawnDelay  time.Duration
	Logger        *slog.Logger

	// Modem runs the LTE modem manager (E4) as the "modem" child; nil runs
	// without one. Its StateDir defaults to DataDir.
	Modem *modem.Config
	// ModemInterface is the network interface the modem's data flows
	// through, metered for the day's and month's usage (default "wwan0").
	ModemInterface string
	// UsageEvery is the data-usage sampling period (default 30 s).
	UsageEvery time.Duration
	// StatusListen is the local status page's address (E5), such as
	// 0.0.0.0:8081; empty serves none.
	StatusListen string
	// LEDs shows the status page's overall verdict; nil drives none.
	LEDs status.LEDs
	// NetRoot is where live sources' link state is read (default
	// /sys/class/net).
	NetRoot string
}

func (c *Config) setDefaults() error {
	if !wire.ValidID(c.Tenant) || !wire.ValidID(c.ID) {
		return fmt.Errorf("sensor: invalid tenant %q or sensor id %q", c.Tenant, c.ID)
	}
	if c.DataDir == "" {
		return errors.New("sensor: no data directory")
	}
	if c.ReportEvery <= 0 {
		c.ReportEvery = DefaultReportEvery
	}
	if !ValidReportEvery(c.ReportEvery) {
		return fmt.Errorf("sensor: report interval %v is not a whole number of minutes that divides a day", c.ReportEvery)
	}
	if c.SealGrace <= 0 {
		c.SealGrace = 10 * time.Second
	}
	if c.HealthEvery <= 0 {
		c.HealthEvery = 15 * time.Second
	}
	if c.MaxRestarts <= 0 {
		c.MaxRestarts = 5
	}
	if c.RestartWindow <= 0 {
		c.RestartWindow = time.Minute
	}
	if c.RespawnDelay <= 0 {
		c.RespawnDelay = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ModemInterface == "" {
		c.ModemInterface = "wwan0"
	}
	if c.UsageEvery <= 0 {
		c.UsageEvery = 30 * time.Second
	}
	if c.NetRoot == "" {
		c.NetRoot = "/sys/class/net"
	}
	seen := map[string]bool{}
	for _, s := range c.Sources {
		if !wire.ValidID(s.Name) || s.Open == nil || seen[s.Name] {
			return fmt.Errorf("sensor: source %q is unnamed, badly named, duplicated or has no opener", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

// Sensor is a running sensor.
type Sensor struct {
	cfg     Config
	sys     *actor.ActorSystem
	monitor *actors.Monitor
	root    *actor.PID
	spool   *spool.Spool
	uplink  *uplink.Uplink
	batcher *actor.PID

	drained   chan struct{}
	stopOnce  sync.Once
	statsMu   sync.Mutex
	sealed    uint64
	lastSeal  time.Time
	lastBatch uint64

	started time.Time
	modem   *modem.Manager // nil without a modem
	usage   *modem.Usage   // nil without a modem

	// What the status page shows, noted as the actors go.
	obsMu      sync.Mutex
	captures   map[string]*captureObs
	health     *wirepb.Health
	cpu        []float64 // the last few CPU samples
	statusAddr string
	spoolErr   string // why batches cannot be spooled, while they cannot
	unspooled  int    // batches held in memory meanwhile
	spoolLost  uint64 // batches lost because the spool would not take them

	certExpires time.Time // of the sensor's own certificate; zero without one
}

// Start builds the actor tree and starts capturing.
func Start(ctx context.Context, cfg Config) (*Sensor, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	// The modem's usage meter saves its first totals before the spool is
	// opened: on a new sensor the data directory must exist by then.
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("sensor: data directory: %w", err)
	}
	mgr, usage, err := openModem(&cfg)
	if err != nil {
		return nil, err
	}
	sp, err := spool.Open(filepath.Join(cfg.DataDir, "spool"), spool.Options{})
	if err != nil {
		return nil, err
	}
	codec, err := wire.NewCodec()
	if err != nil {
		return nil, err
	}
	sys, mon := actors.NewSystem(cfg.Logger)
	s := &Sensor{cfg: cfg, sys: sys, monitor: mon, spool: sp, drained: make(chan struct{}),
		started: time.Now(), modem: mgr, usage: usage, captures: map[string]*captureObs{}}
	username := cfg.Username
	if username == "" {
		username = cfg.ID
	}
	var tlsCfg *tls.Config
	switch {
	case tlsconf.Secure(cfg.Broker):
		if tlsCfg, err = tlsconf.ClientWithCertificate(cfg.BrokerCA, cfg.BrokerCert, cfg.BrokerKey); err != nil {
			return nil, fmt.Errorf("sensor: broker: %w", err)
		}
		if len(tlsCfg.Certificates) > 0 && tlsCfg.Certificates[0].Leaf != nil {
			s.certExpires = tlsCfg.Certificates[0].Leaf.NotAfter
		}
	case cfg.BrokerCert != "":
		return nil, fmt.Errorf("sensor: broker: a certificate (%s) needs a broker URL that asks for TLS (ssl:// or mqtts://), not %s", cfg.BrokerCert, cfg.Broker)
	case !tlsconf.Loopback(cfg.Broker):
		cfg.Logger.Warn("sensor: the broker URL does not ask for TLS: the password and the data cross the network in the clear; use ssl:// or mqtts://", "broker", cfg.Broker)
	}
	s.uplink = uplink.New(uplink.Config{
		TLS:      tlsCfg,
		Broker:   cfg.Broker,
		ClientID: "sensor-" + cfg.Tenant + "-" + cfg.ID,
		Username: username,
		Password: cfg.Password,
		Topic:    wire.BatchTopic(cfg.Tenant, cfg.ID),
		Logger:   cfg.Logger.With("actor", "uplink"),
	}, sp)
	ready := make(chan struct{})
	var readyOnce sync.Once
	signal := func() { readyOnce.Do(func() { close(ready) }) }
	rootProps := mon.Props(func() actor.Actor { return &rootActor{s: s, codec: codec, ready: signal} },
		actor.WithSupervisor(actors.OneForOne(cfg.MaxRestarts, cfg.RestartWindow)))
	s.root, err = sys.Root.SpawnNamed(rootProps, "sensor")
	if err != nil {
		return nil, fmt.Errorf("sensor: spawn root: %w", err)
	}
	<-ready // s.batcher is set
	go func() {
		<-ctx.Done()
		s.Stop()
	}()
	return s, nil
}

// Stop seals pending minutes into the spool and stops every actor. Spooled
// batches not yet acknowledged stay on disk for the next start.
func (s *Sensor) Stop() {
	s.stopOnce.Do(func() {
		done := make(chan struct{})
		if s.batcher != nil {
			s.sys.Root.Send(s.batcher, &flushAll{done: done})
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				s.cfg.Logger.Warn("sensor: batcher did not flush in time")
			}
		}
		if err := s.sys.Root.StopFuture(s.root).Wait(); err != nil {
			s.cfg.Logger.Warn("sensor: stop", "err", err)
		}
		s.sys.Shutdown()
	})
}

// Drained is closed once every finite source (a file, a bounded generator)
// has ended and its minutes are sealed into the spool. Sensors with a live
// source never drain.
func (s *Sensor) Drained() <-chan struct{} { return s.drained }

// Tree is the live supervision tree.
func (s *Sensor) Tree() []actors.Node { return s.monitor.Tree() }

// Monitor exposes restart counts.
func (s *Sensor) Monitor() *actors.Monitor { return s.monitor }

// Uplink returns the link status.
func (s *Sensor) Uplink() uplink.Status { return s.uplink.Status() }

// Sealed returns how many batches were sealed and when the last one was.
func (s *Sensor) Sealed() (n uint64, lastSeq uint64, at time.Time) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.sealed, s.lastBatch, s.lastSeal
}

func (s *Sensor) noteSealed(seq uint64) {
	s.statsMu.Lock()
	s.sealed++
	s.lastBatch = seq
	s.lastSeal = time.Now()
	s.statsMu.Unlock()
}
