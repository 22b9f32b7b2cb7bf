package actors

import (
	"fmt"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// NewSystem returns an actor system that logs through logger and a Monitor
// subscribed to its supervision events.
func NewSystem(logger *slog.Logger) (*actor.ActorSystem, *Monitor) {
	if logger == nil {
		logger = slog.Default()
	}
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		// protoactor logs dead letters and lifecycle noise at Info; keep
		// them out of the operator's way unless debugging.
		return logger.With("lib", "protoactor")
	}))
	m := &Monitor{sys: sys, logger: logger, stats: map[string]*actorStats{}, now: time.Now}
	sys.EventStream.Subscribe(func(evt any) {
		if e, ok := evt.(*actor.SupervisorEvent); ok {
			m.onSupervisorEvent(e)
		}
	})
	return sys, m
}

// OneForOne restarts a failing child on its own, at most maxRestarts times
// within the window; past that the child is stopped and its parent receives
// *actor.Terminated, so a crash loop cannot spin forever.
func OneForOne(maxRestarts int, within time.Duration) actor.SupervisorStrategy {
	return actor.NewOneForOneStrategy(maxRestarts, within, func(any) actor.Directive {
		return actor.RestartDirective
	})
}

// Monitor records what supervision did to each actor and how many messages
// each one handled. It is safe for concurrent use.
type Monitor struct {
	sys    *actor.ActorSystem
	logger *slog.Logger
	now    func() time.Time

	mu       sync.Mutex
	stats    map[string]*actorStats
	restarts []Restart // not yet drained
}

type actorStats struct {
	received    atomic.Uint64
	restarts    uint32
	stopped     bool
	lastReason  string
	lastFailure time.Time
}

// Restart is one supervision decision about a failing actor.
type Restart struct {
	Actor     string
	Reason    string
	Directive string
	At        time.Time
	Total     uint32 // restarts of this actor so far
}

// Node is one actor in a snapshot of the tree.
type Node struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Parent      string    `json:"parent,omitempty"`
	Depth       int       `json:"depth"`
	Alive       bool      `json:"alive"`
	Received    uint64    `json:"received"`
	Restarts    uint32    `json:"restarts"`
	LastReason  string    `json:"last_reason,omitempty"`
	LastFailure time.Time `json:"last_failure,omitzero"`
}

// Props builds actor props whose messages are counted by the Monitor.
func (m *Monitor) Props(producer actor.Producer, opts ...actor.PropsOption) *actor.Props {
	opts = append(opts, actor.WithReceiverMiddleware(m.countMiddleware))
	return actor.PropsFromProducer(producer, opts...)
}

func (m *Monitor) countMiddleware(next actor.ReceiverFunc) actor.ReceiverFunc {
	return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
		m.statsFor(ctx.Self().Id).received.Add(1)
		next(ctx, env)
	}
}

func (m *Monitor) statsFor(id string) *actorStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.stats[id]
	if !ok {
		s = &actorStats{}
		m.stats[id] = s
	}
	return s
}

func (m *Monitor) onSupervisorEvent(e *actor.SupervisorEvent) {
	reason := fmt.Sprint(e.Reason)
	if len(reason) > 512 {
		reason = reason[:512]
	}
	s := m.statsFor(e.Child.Id)
	m.mu.Lock()
	switch e.Directive {
	case actor.RestartDirective:
		s.restarts++
	case actor.StopDirective:
		s.stopped = true
	}
	s.lastReason = reason
	s.lastFailure = m.now()
	r := Restart{Actor: e.Child.Id, Reason: reason, Directive: e.Directive.String(), At: s.lastFailure, Total: s.restarts}
	if len(m.restarts) < 1000 {
		m.restarts = append(m.restarts, r)
	}
	m.mu.Unlock()
	m.logger.Warn("actor failed", "actor", e.Child.Id, "directive", r.Directive, "restarts", r.Total, "reason", reason)
}

// DrainRestarts returns the supervision decisions since the previous call.
func (m *Monitor) DrainRestarts() []Restart {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.restarts
	m.restarts = nil
	return out
}

// RestartCount returns how often the actor with this id was restarted.
func (m *Monitor) RestartCount(id string) uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.stats[id]; ok {
		return s.restarts
	}
	return 0
}

// Tree returns every actor the system knows, live ones from the process
// registry and stopped ones that once failed, ordered so that children
// follow their parent. System processes (dead letters, event stream) and
// futures are left out.
func (m *Monitor) Tree() []Node {
	live := map[string]bool{}
	for _, bucket := range m.sys.ProcessRegistry.LocalPIDs.LocalPIDs {
		for _, id := range bucket.Keys() {
			if id == "deadletter" || id == "eventstream" || strings.HasPrefix(id, "future") || strings.HasPrefix(id, "$") {
				continue
			}
			live[id] = true
		}
	}
	m.mu.Lock()
	ids := make([]string, 0, len(live)+len(m.stats))
	for id := range live {
		ids = append(ids, id)
	}
	for id, s := range m.stats {
		if !live[id] && (s.restarts > 0 || s.stopped) {
			ids = append(ids, id)
		}
	}
	nodes := make([]Node, 0, len(ids))
	for _, id := range ids {
		n := Node{ID: id, Name: path.Base(id), Depth: strings.Count(id, "/"), Alive: live[id]}
		if i := strings.LastIndexByte(id, '/'); i > 0 {
			n.Parent = id[:i]
		}
		if s, ok := m.stats[id]; ok {
			n.Received = s.received.Load()
			n.Restarts = s.restarts
			n.LastReason = s.lastReason
			n.LastFailure = s.lastFailure
		}
		nodes = append(nodes, n)
	}
	m.mu.Unlock()
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	return nodes
}
