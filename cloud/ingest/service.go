package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"mimamori/actors"
	"mimamori/cloud/ratelog"
	"mimamori/cloud/store"
	"mimamori/edge/wire"
)

// ErrRejected marks a batch that can never be ingested (malformed, unknown
// sensor, wrong identity). It is acknowledged so the sensor moves on, and
// its payload is kept in the quarantine directory for inspection.
var ErrRejected = errors.New("ingest: batch rejected")

// Tenant and Sensor name the identities the cloud accepts batches from.
type Tenant struct {
	ID      string
	Name    string
	Sensors []Sensor
}

// Sensor is one registered sensor.
type Sensor struct {
	ID          string
	DisplayName string
}

// Config configures the service.
type Config struct {
	Store   store.Store
	Tenants []Tenant
	// QuarantineDir keeps rejected payloads; empty disables keeping them.
	QuarantineDir string
	// QuarantineMax bounds the payloads kept there; the oldest go first.
	// Default 1000.
	QuarantineMax int
	// Timeout bounds one batch's ingest. Default 30 s.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Stats counts what the service did.
type Stats struct {
	Received   uint64 `json:"received"`
	Ingested   uint64 `json:"ingested"`
	Duplicates uint64 `json:"duplicates"`
	Rejected   uint64 `json:"rejected"`
	Failed     uint64 `json:"failed"`
	Rows       uint64 `json:"rows"`
}

// Service runs the ingest actor tree.
type Service struct {
	cfg     Config
	sys     *actor.ActorSystem
	monitor *actors.Monitor
	root    *actor.PID
	ingest  *actor.PID
	tenants *actor.PID // the tenants actor, told of a new set of tenants

	// tenantSet is the tenants and sensors batches are taken for: the
	// configured ones, replaced by SetTenants.
	tenantMu  sync.Mutex
	tenantSet []Tenant

	received, ingested, duplicates, rejected, failed, rows atomic.Uint64

	stateMu sync.Mutex
	states  map[string]SensorState // tenant/sensor → latest

	rejectLog    *ratelog.Limiter // by topic
	quarantineMu sync.Mutex
}

// rejectLogEvery is how often rejections of one topic are logged: a
// sensor whose batches are rejected sends one a minute, forever.
const rejectLogEvery = 10 * time.Minute

// SensorState is what a sensor actor knows about its sensor since the
// cloud started: the operator's live view (the store has the durable one).
type SensorState struct {
	Tenant         string    `json:"tenant"`
	Sensor         string    `json:"sensor"`
	LastSeq        uint64    `json:"last_seq"`
	LastSeen       time.Time `json:"last_seen"`
	LastMinute     time.Time `json:"last_minute"`
	Batches        uint64    `json:"batches"`
	Duplicates     uint64    `json:"duplicates"`
	DevicesRefused uint64    `json:"devices_refused"`
	Month          string    `json:"month"`
	MonthBytes     uint64    `json:"month_bytes"`
}

func (s *Service) publishState(st SensorState) {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	s.states[st.Tenant+"/"+st.Sensor] = st
}

// SensorStates returns every sensor that sent a batch since start, sorted.
func (s *Service) SensorStates() []SensorState {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	out := make([]SensorState, 0, len(s.states))
	for _, st := range s.states {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Tenant+"/"+out[i].Sensor < out[j].Tenant+"/"+out[j].Sensor
	})
	return out
}

// Start registers the configured tenants and sensors in the store and
// starts the actors.
func Start(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("ingest: no store")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.QuarantineMax <= 0 {
		cfg.QuarantineMax = 1000
	}
	if err := register(ctx, cfg.Store, cfg.Tenants); err != nil {
		return nil, err
	}
	codec, err := wire.NewCodec()
	if err != nil {
		return nil, err
	}
	sys, mon := actors.NewSystem(cfg.Logger)
	svc := &Service{cfg: cfg, sys: sys, monitor: mon, states: map[string]SensorState{},
		rejectLog: ratelog.New(rejectLogEvery, nil), tenantSet: cfg.Tenants}
	ready := make(chan [2]*actor.PID, 1)
	svc.root, err = sys.Root.SpawnNamed(mon.Props(func() actor.Actor {
		return &rootActor{svc: svc, codec: codec, ready: ready}
	}, actor.WithSupervisor(actors.OneForOne(10, time.Minute))), "cloud")
	if err != nil {
		return nil, fmt.Errorf("ingest: spawn root: %w", err)
	}
	pids := <-ready
	svc.ingest, svc.tenants = pids[0], pids[1]
	return svc, nil
}

// register checks the tenants' and sensors' ids and registers them in st.
func register(ctx context.Context, st store.Store, tenants []Tenant) error {
	for _, t := range tenants {
		if !wire.ValidID(t.ID) {
			return fmt.Errorf("ingest: invalid tenant id %q", t.ID)
		}
		for _, s := range t.Sensors {
			if !wire.ValidID(s.ID) {
				return fmt.Errorf("ingest: invalid sensor id %q", s.ID)
			}
		}
	}
	for _, t := range tenants {
		if err := st.EnsureTenant(ctx, store.Tenant{ID: t.ID, Name: t.Name}); err != nil {
			return fmt.Errorf("ingest: register tenant %s: %w", t.ID, err)
		}
		for _, s := range t.Sensors {
			if err := st.EnsureSensor(ctx, t.ID, s.ID, s.DisplayName); err != nil {
				return fmt.Errorf("ingest: register sensor %s/%s: %w", t.ID, s.ID, err)
			}
		}
	}
	return nil
}

// SetTenants replaces the tenants and sensors whose batches are taken: new
// ones are registered in the store and get their actors, and removed ones
// lose theirs, so that their batches are refused from now on (what they
// sent before stays). A batch being stored meanwhile is stored.
func (s *Service) SetTenants(ctx context.Context, tenants []Tenant) error {
	if err := register(ctx, s.cfg.Store, tenants); err != nil {
		return err
	}
	s.tenantMu.Lock()
	s.tenantSet = tenants
	s.tenantMu.Unlock()
	if _, err := s.sys.Root.RequestFuture(s.tenants, &reconcile{}, s.cfg.Timeout).Result(); err != nil {
		return fmt.Errorf("ingest: set tenants: %w", err)
	}
	return nil
}

// currentTenants is the tenant set; its slices are never changed in place.
func (s *Service) currentTenants() []Tenant {
	s.tenantMu.Lock()
	defer s.tenantMu.Unlock()
	return s.tenantSet
}

// Ingest handles one payload from topic and returns once it is stored (nil),
// was a duplicate (nil), was rejected for good (ErrRejected), or failed in
// a way worth retrying (any other error: do not acknowledge it).
func (s *Service) Ingest(ctx context.Context, topic string, payload []byte) error {
	s.received.Add(1)
	timeout := s.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	res, err := s.sys.Root.RequestFuture(s.ingest, &ingestRequest{topic: topic, payload: payload}, timeout).Result()
	if err != nil {
		s.failed.Add(1)
		return fmt.Errorf("ingest: %s: %w", topic, err)
	}
	r := res.(*ingestResult)
	switch {
	case r.err == nil && r.duplicate:
		s.duplicates.Add(1)
		return nil
	case r.err == nil:
		s.ingested.Add(1)
		s.rows.Add(uint64(r.rows))
		return nil
	case errors.Is(r.err, ErrRejected):
		s.rejected.Add(1)
		s.quarantine(topic, payload, r.err)
		return r.err
	default:
		s.failed.Add(1)
		return r.err
	}
}

// quarantine keeps a rejected payload with the reason beside it: bad input
// is refused, but never silently thrown away. The newest QuarantineMax are
// kept, and rejections are logged once per topic every rejectLogEvery.
func (s *Service) quarantine(topic string, payload []byte, reason error) {
	if ok, suppressed := s.rejectLog.Allow(topic); ok {
		s.cfg.Logger.Warn("ingest: batch rejected", "topic", topic, "bytes", len(payload), "reason", reason,
			"rejected_since_last_logged", suppressed, "next_log_after", rejectLogEvery)
	}
	if s.cfg.QuarantineDir == "" {
		return
	}
	s.quarantineMu.Lock()
	defer s.quarantineMu.Unlock()
	if err := os.MkdirAll(s.cfg.QuarantineDir, 0o750); err != nil {
		s.cfg.Logger.Error("ingest: quarantine", "err", err)
		return
	}
	// Names sort by time: nanoseconds since 1970 keep 19 digits until 2286.
	base := filepath.Join(s.cfg.QuarantineDir, fmt.Sprintf("%019d-%d", time.Now().UnixNano(), s.rejected.Load()))
	meta := fmt.Sprintf("topic: %s\nreceived: %s\nreason: %v\n", topic, time.Now().UTC().Format(time.RFC3339Nano), reason)
	if err := os.WriteFile(base+".bin", payload, 0o640); err != nil {
		s.cfg.Logger.Error("ingest: quarantine", "err", err)
		return
	}
	if err := os.WriteFile(base+".txt", []byte(meta), 0o640); err != nil {
		s.cfg.Logger.Error("ingest: quarantine", "err", err)
	}
	s.pruneQuarantine()
}

// pruneQuarantine removes the oldest payloads (and their reasons) beyond
// QuarantineMax.
func (s *Service) pruneQuarantine() {
	ents, err := os.ReadDir(s.cfg.QuarantineDir) // sorted by name, so by time
	if err != nil {
		s.cfg.Logger.Error("ingest: quarantine", "err", err)
		return
	}
	var kept []string
	for _, e := range ents {
		if base, ok := strings.CutSuffix(e.Name(), ".bin"); ok {
			kept = append(kept, base)
		}
	}
	for _, base := range kept[:max(len(kept)-s.cfg.QuarantineMax, 0)] {
		for _, ext := range []string{".bin", ".txt"} {
			if err := os.Remove(filepath.Join(s.cfg.QuarantineDir, base+ext)); err != nil && !errors.Is(err, os.ErrNotExist) {
				s.cfg.Logger.Error("ingest: quarantine", "err", err)
			}
		}
	}
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{
		Received: s.received.Load(), Ingested: s.ingested.Load(), Duplicates: s.duplicates.Load(),
		Rejected: s.rejected.Load(), Failed: s.failed.Load(), Rows: s.rows.Load(),
	}
}

// Tree is the live supervision tree, for the operator's console.
func (s *Service) Tree() []actors.Node { return s.monitor.Tree() }

// Monitor exposes restart counts.
func (s *Service) Monitor() *actors.Monitor { return s.monitor }

// Stop stops the actors.
func (s *Service) Stop() {
	if err := s.sys.Root.StopFuture(s.root).Wait(); err != nil {
		s.cfg.Logger.Warn("ingest: stop", "err", err)
	}
	s.sys.Shutdown()
}
