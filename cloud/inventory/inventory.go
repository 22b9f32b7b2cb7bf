package inventory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/intel"
	"mimamori/edge/intel/services"
)

// Defaults of Options.
const (
	// DefaultWindow is how far back conversations and industrial activity
	// are read for roles and importance: long enough to include weekly
	// jobs, short enough that a decommissioned server loses its role.
	DefaultWindow = 30 * 24 * time.Hour
	// DefaultMaxAge is how long an inventory is reused while the data is
	// unchanged: support status is judged against the clock.
	DefaultMaxAge = 10 * time.Minute
)

// Options configure a Service. Zero values take the defaults.
type Options struct {
	// Engine holds the reference data; nil loads one with intel.Options{}.
	Engine *intel.Engine
	// Now returns the current time; nil means time.Now.
	Now    func() time.Time
	Window time.Duration
	MaxAge time.Duration
}

// Service builds tenants' inventories. It is safe for concurrent use.
type Service struct {
	store  store.Store
	engine *intel.Engine
	now    func() time.Time
	window time.Duration
	maxAge time.Duration

	mu    sync.Mutex
	cache map[string]*cached
}

type cached struct {
	version string
	built   time.Time
	inv     *intel.Inventory
	names   []store.ServiceName
}

// New returns a Service over st.
func New(st store.Store, opts Options) (*Service, error) {
	if opts.Engine == nil {
		e, err := intel.New(intel.Options{})
		if err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		opts.Engine = e
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	return &Service{store: st, engine: opts.Engine, now: opts.Now, window: opts.Window, maxAge: opts.MaxAge,
		cache: map[string]*cached{}}, nil
}

// Engine is the reference data in use.
func (s *Service) Engine() *intel.Engine { return s.engine }

// Inventory returns the tenant's inventory, rebuilding it when the
// tenant's data or service names changed or it is older than MaxAge. An
// inventory is shared: callers must not modify it.
func (s *Service) Inventory(ctx context.Context, tenant string) (*intel.Inventory, error) {
	c, err := s.get(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return c.inv, nil
}

// ServiceNames returns the tenant's own service names, as last read.
func (s *Service) ServiceNames(ctx context.Context, tenant string) ([]store.ServiceName, error) {
	c, err := s.get(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return c.names, nil
}

func (s *Service) get(ctx context.Context, tenant string) (*cached, error) {
	version, err := s.store.DataVersion(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	now := s.now()
	s.mu.Lock()
	c := s.cache[tenant]
	s.mu.Unlock()
	if c != nil && c.version == version && now.Sub(c.built) < s.maxAge {
		return c, nil
	}
	// Two requests may build at once after a change; both results are
	// equal and the later simply replaces the earlier.
	names, err := s.store.ServiceNames(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	obs, err := s.store.InventoryObservations(ctx, tenant, now.Add(-s.window))
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	c = &cached{version: version, built: now, names: names,
		inv: s.engine.Build(obs, customServices(names), now)}
	s.mu.Lock()
	s.cache[tenant] = c
	s.mu.Unlock()
	return c, nil
}

// customServices converts a tenant's names for intel.
func customServices(names []store.ServiceName) []services.Service {
	out := make([]services.Service, len(names))
	for i, n := range names {
		out[i] = services.Service{Proto: n.Proto, Port: n.Port, Name: n.Name, Description: n.Description}
	}
	return out
}

// Conversations returns the tenant's conversations over the last period,
// for the rankings.
func (s *Service) Conversations(ctx context.Context, tenant string, period time.Duration) ([]intel.Conversation, error) {
	cs, err := s.store.Conversations(ctx, tenant, store.TimeRange{From: s.now().Add(-period)})
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return cs, nil
}
