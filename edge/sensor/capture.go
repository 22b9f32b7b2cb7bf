package sensor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"mimamori/edge/capture"
	"mimamori/edge/pipeline"
	"mimamori/edge/wire/wirepb"
)

// captureActor owns one source. Its read loop and pipeline run in a
// goroutine so that Receive never blocks; sealed minutes go straight to the
// batcher, and a failing loop reports back here so supervision restarts it.
// A source that cannot be opened is not a failure to restart at once: a
// NIC may be missing or not yet up, so the goroutine retries it, backing
// off to RespawnDelay, and says why once (and on the status page); a file
// that cannot be opened ends its source.
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
	sys, self, batcher, name := ctx.ActorSystem(), ctx.Self(), c.batcher, c.src.Name
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	logger := c.s.cfg.Logger.With("actor", self.Id)
	go func() {
		defer close(c.done)
		src := c.open(runCtx, sys, logger)
		if src == nil {
			return
		}
		defer src.Close()
		p := pipeline.New(pipeline.Options{
			Source: name,
			Live:   c.src.Iface != "",
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

// open opens the source, retrying a live one until it opens or ctx ends
// (nil). While it cannot be opened the batcher does not wait for its
// minutes.
func (c *captureActor) open(ctx context.Context, sys *actor.ActorSystem, logger *slog.Logger) capture.Source {
	name, live := c.src.Name, c.src.Iface != ""
	delay, lastErr := min(time.Second, c.s.cfg.RespawnDelay), ""
	for {
		src, err := c.src.Open()
		if err == nil {
			if lastErr != "" {
				logger.Info("capture: source opened", "source", name)
				c.s.noteOpen(name, nil)
				sys.Root.Send(c.batcher, &sourceStarted{source: name})
			}
			return src
		}
		if !live {
			logger.Error("capture: cannot open the source", "source", name, "err", err)
			c.s.noteOpen(name, err)
			sys.Root.Send(c.batcher, &sourceFinished{source: name, ended: true})
			return nil
		}
		if msg := err.Error(); msg != lastErr {
			if lastErr == "" {
				sys.Root.Send(c.batcher, &sourceFinished{source: name})
			}
			logger.Error("capture: cannot open the source; retrying", "source", name, "err", err,
				"every", c.s.cfg.RespawnDelay)
			c.s.noteOpen(name, err)
			lastErr = msg
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, c.s.cfg.RespawnDelay)
	}
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
