package sensor

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"mimamori/edge/health"
	"mimamori/edge/uplink"
)

// uplinkActor runs the MQTT uplink's pump for as long as it lives.
type uplinkActor struct {
	u      *uplink.Uplink
	cancel context.CancelFunc
	done   chan struct{}
}

func (a *uplinkActor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		runCtx, cancel := context.WithCancel(context.Background())
		a.cancel, a.done = cancel, make(chan struct{})
		go func() {
			defer close(a.done)
			a.u.Run(runCtx)
		}()
	case *batchSpooled:
		a.u.Notify()
	case *actor.Stopping, *actor.Restarting:
		a.cancel()
		<-a.done
	}
}

// healthActor samples the host and hands each sample to the batcher.
type healthActor struct {
	s       *Sensor
	batcher *actor.PID
	cancel  context.CancelFunc
	done    chan struct{}
}

func (a *healthActor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		runCtx, cancel := context.WithCancel(context.Background())
		a.cancel, a.done = cancel, make(chan struct{})
		sys, batcher := ctx.ActorSystem(), a.batcher
		sampler := health.Sampler{DiskPath: a.s.cfg.DataDir}
		every, logger := a.s.cfg.HealthEvery, a.s.cfg.Logger
		go func() {
			defer close(a.done)
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				h, err := sampler.Sample(runCtx)
				if err != nil && runCtx.Err() == nil {
					logger.Debug("health: partial sample", "err", err)
				}
				sys.Root.Send(batcher, &healthSampled{health: h})
				select {
				case <-runCtx.Done():
					return
				case <-t.C:
				}
			}
		}()
	case *actor.Stopping, *actor.Restarting:
		a.cancel()
		<-a.done
	}
}
