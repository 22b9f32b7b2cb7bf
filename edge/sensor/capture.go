package sensor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/asynkron/protoactor-go/actor"

	"mimamori/edge/capture"
	"mimamori/edge/pipeline"
	"mimamori/edge/wire/wirepb"
)

// captureActor owns one source. Its read loop and pipeline run in a
// goroutine so that Receive never blocks; sealed minutes go straight to the
// batcher, and a failing loop reports back here so supervision restarts it.
type captureActor struct {
	s       *Sensor
	src     Source
	batcher *actor.PID

	cancel context.CancelFunc
	done   chan struct{}
}

func (c *captureActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c.start(ctx)
	case *captureFailed:
		panic(m.err) // let the supervisor restart us with a fresh source
	case *actor.Stopping, *actor.Restarting:
		c.stop()
	}
}

func (c *captureActor) start(ctx actor.Context) {
	src, err := c.src.Open()
	if err != nil {
		panic(fmt.Errorf("open source %s: %w", c.src.Name, err))
	}
	sys, self, batcher, name := ctx.ActorSystem(), ctx.Self(), c.batcher, c.src.Name
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	logger := c.s.cfg.Logger.With("actor", self.Id)
	go func() {
		defer close(c.done)
		defer src.Close()
		p := pipeline.New(pipeline.Options{
			Source: name,
			OnMinute: func(b *wirepb.Batch) {
				sys.Root.Send(batcher, &minuteSealed{source: name, batch: b})
			},
		})
		err := runGuarded(runCtx, src, p)
		// Whatever happened, seal the partial minute so nothing counted is lost.
		p.Close()
		switch {
		case runCtx.Err() != nil:
			// Stopped or restarting: the actor knows.
		case err == nil || errors.Is(err, io.EOF):
			logger.Info("capture: source ended", "source", name)
			sys.Root.Send(batcher, &sourceFinished{source: name, ended: true})
		default:
			logger.Error("capture: read loop failed", "source", name, "err", err)
			sys.Root.Send(self, &captureFailed{err: err})
		}
	}()
}

// runGuarded turns a panic in decoding or dissection into an error, so one
// hostile frame restarts a capture actor instead of killing the sensor.
func runGuarded(ctx context.Context, src capture.Source, p *pipeline.Pipeline) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in capture pipeline: %v\n%s", r, debug.Stack())
		}
	}()
	return pipeline.Run(ctx, src, p)
}

func (c *captureActor) stop() {
	if c.cancel != nil {
		c.cancel()
		<-c.done
		c.cancel = nil
	}
}
