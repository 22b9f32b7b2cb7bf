package sensor

import (
	"path"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"mimamori/actors"
	"mimamori/edge/wire"
)

// rootActor supervises the sensor's children.
type rootActor struct {
	s     *Sensor
	codec *wire.Codec
	// capture child name → source index, to respawn a stopped capture.
	captures map[string]int
	// service child name → its producer, to respawn a stopped modem or
	// status actor.
	services map[string]actor.Producer
	uplink   *actor.PID
	stopping bool
	ready    func() // reports that the children exist; idempotent
}

type respawnCapture struct{ index int }

type respawnService struct{ name string }

func (r *rootActor) Receive(ctx actor.Context) {
	s := r.s
	switch m := ctx.Message().(type) {
	case *actor.Started:
		r.captures = map[string]int{}
		r.services = map[string]actor.Producer{}
		// Each is respawned under its name, and so its PID, should
		// supervision give up on it (serviceStopped).
		r.uplink = r.spawnCore(ctx, "uplink", func() actor.Actor { return &uplinkActor{u: s.uplink} })
		s.batcher = r.spawnCore(ctx, "batcher", func() actor.Actor {
			return &batcherActor{s: s, codec: r.codec, uplink: r.uplink}
		})
		r.spawnCore(ctx, "health", func() actor.Actor {
			return &healthActor{s: s, batcher: s.batcher}
		})
		if s.modem != nil {
			r.spawnService(ctx, "modem", func() actor.Actor { return &modemActor{s: s} })
		}
		if s.cfg.StatusListen != "" || s.cfg.LEDs != nil {
			r.spawnService(ctx, "status", func() actor.Actor { return &statusActor{s: s} })
		}
		// Register every source before any can report a minute, so the
		// batcher never seals a minute without waiting for a slow source.
		for _, src := range s.cfg.Sources {
			ctx.Send(s.batcher, &sourceStarted{source: src.Name})
		}
		for i := range s.cfg.Sources {
			r.spawnCapture(ctx, i)
		}
		if len(s.cfg.Sources) == 0 {
			ctx.Send(s.batcher, &sourceFinished{ended: true})
		}
		r.ready()
	case *actor.Stopping:
		r.stopping = true
	case *actor.Terminated:
		if r.serviceStopped(ctx, m.Who) {
			return
		}
		i, ok := r.captures[m.Who.Id]
		if !ok || r.stopping {
			return
		}
		delete(r.captures, m.Who.Id)
		// The capture gave up: minutes must not wait for it meanwhile.
		name := s.cfg.Sources[i].Name
		ctx.Send(s.batcher, &sourceFinished{source: name})
		s.cfg.Logger.Error("sensor: capture stopped after repeated failures; restarting later",
			"actor", m.Who.Id, "in", s.cfg.RespawnDelay)
		self := ctx.Self()
		time.AfterFunc(s.cfg.RespawnDelay, func() { s.sys.Root.Send(self, &respawnCapture{index: i}) })
	case *respawnService:
		if !r.stopping {
			r.spawnService(ctx, m.name, r.services[m.name])
		}
	case *respawnCapture:
		if r.stopping {
			return
		}
		ctx.Send(s.batcher, &sourceStarted{source: s.cfg.Sources[m.index].Name})
		r.spawnCapture(ctx, m.index)
	}
}

func (r *rootActor) childProps(p actor.Producer, _ string) *actor.Props {
	return r.s.monitor.Props(p, actor.WithSupervisor(actors.OneForOne(r.s.cfg.MaxRestarts, r.s.cfg.RestartWindow)))
}

// spawnCore starts the uplink, batcher or health child and remembers its
// producer to respawn it.
func (r *rootActor) spawnCore(ctx actor.Context, name string, p actor.Producer) *actor.PID {
	r.services[name] = p
	pid, err := ctx.SpawnNamed(r.childProps(p, name), name)
	if err != nil {
		// Names are fixed and unique, so this is a programming error.
		panic(err)
	}
	return pid
}

func (r *rootActor) spawnCapture(ctx actor.Context, i int) {
	src := r.s.cfg.Sources[i]
	name := "capture-" + src.Name
	pid, err := ctx.SpawnNamed(r.childProps(func() actor.Actor {
		return &captureActor{s: r.s, src: src, batcher: r.s.batcher}
	}, name), name)
	if err != nil {
		r.s.cfg.Logger.Error("sensor: spawn capture", "source", src.Name, "err", err)
		return
	}
	r.captures[pid.Id] = i
}

// spawnService starts the modem or status child. A name still taken (the
// old actor not yet gone) is logged and left; its Terminated respawns it.
func (r *rootActor) spawnService(ctx actor.Context, name string, p actor.Producer) {
	r.services[name] = p
	if _, err := ctx.SpawnNamed(r.childProps(p, name), name); err != nil {
		r.s.cfg.Logger.Error("sensor: spawn "+name, "err", err)
	}
}

// serviceStopped respawns a child other than a capture that supervision
// gave up on, after RespawnDelay: a dongle that keeps failing must not
// stop being retried, and never touches capture meanwhile; without its
// batcher, uplink or health a sensor would go on capturing for nothing.
// (A status port that is taken does not fail the status actor: it
// retries the port itself.)
func (r *rootActor) serviceStopped(ctx actor.Context, who *actor.PID) bool {
	name := path.Base(who.Id)
	if _, ok := r.services[name]; !ok || r.stopping {
		return ok
	}
	r.s.cfg.Logger.Error("sensor: "+name+" stopped after repeated failures; restarting later",
		"actor", who.Id, "in", r.s.cfg.RespawnDelay)
	self, sys := ctx.Self(), r.s.sys
	time.AfterFunc(r.s.cfg.RespawnDelay, func() { sys.Root.Send(self, &respawnService{name: name}) })
	return true
}
