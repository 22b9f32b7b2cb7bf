package pipeline

import (
	"context"
	"errors"
	"io"
	"time"

	"mimamori/edge/capture"
)

// ctxCheckEvery is how many frames Run reads between looks at its context:
// often enough to stop within a millisecond under load, rare enough to cost
// nothing per frame.
const ctxCheckEvery = 256

// Run feeds src into p until the source ends or ctx is cancelled. It
// returns nil at the end of a file, ctx's error when cancelled, and the
// source's error otherwise (an ErrShortFile error also matches io.EOF).
// Frames that fail to decode are counted, not fatal. Run does not close p
// or src. When a live source reports ErrTimeout, Run lets p seal minutes by
// the wall clock.
func Run(ctx context.Context, src capture.Source, p *Pipeline) error {
	done := ctx.Done()
	lastMinute := int64(-1)
	for n := 0; ; n++ {
		if n%ctxCheckEvery == 0 {
			select {
			case <-done:
				p.SetKernelDrops(src.Drops())
				return ctx.Err()
			default:
			}
		}
		data, ci, link, err := src.ReadPacket()
		if err != nil {
			if errors.Is(err, capture.ErrTimeout) {
				p.SetKernelDrops(src.Drops())
				p.Advance(time.Now().UnixNano())
				n = -1 // look at ctx before the next read
				continue
			}
			p.SetKernelDrops(src.Drops())
			if err == io.EOF {
				return nil
			}
			return err
		}
		// Refresh the drop count as each minute begins, so the minute
		// about to be sealed carries the drops that happened in it.
		if m := ci.Timestamp.Unix() / 60; m != lastMinute {
			p.SetKernelDrops(src.Drops())
			lastMinute = m
		}
		p.Packet(data, ci, link)
	}
}
