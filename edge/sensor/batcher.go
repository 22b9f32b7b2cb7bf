package sensor

import (
	"sort"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
	"mimamori/firmware"
)

// batcherActor merges every source's minute into one batch per sensor-minute,
// numbers it, and spools it for the uplink.
type batcherActor struct {
	s      *Sensor
	codec  *wire.Codec
	uplink *actor.PID

	active   map[string]bool
	reported map[string]int64 // newest minute each source has sealed
	pending  map[int64]*pendingMinute
	health   *wirepb.Health
	lastSeal time.Time
	finished bool // a finite source has ended
	drained  bool
	stopTick chan struct{}
	ids      *IdentityRefresh
	deferral *Deferral

	// waiting are sealed batches the spool did not take (a full or
	// failing disk), oldest first, retried every RespawnDelay; beyond
	// maxWaiting the oldest are lost, and counted.
	waiting  []*wirepb.Batch
	lastTry  time.Time
	spoolErr string
	lost     uint64
}

// maxWaiting bounds the batches held in memory while the spool cannot be
// written: two hours of minutes, a few MB.
const maxWaiting = 120

type pendingMinute struct {
	batch   *wirepb.Batch
	firstAt time.Time
}

func (b *batcherActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		b.active = map[string]bool{}
		b.reported = map[string]int64{}
		b.pending = map[int64]*pendingMinute{}
		b.lastSeal = time.Now()
		b.ids = NewIdentityRefresh()
		b.deferral = NewDeferral(b.s.cfg.ReportEvery)
		b.stopTick = make(chan struct{})
		go tick(ctx.ActorSystem(), ctx.Self(), time.Second, b.stopTick)
	case *actor.Stopping, *actor.Restarting:
		close(b.stopTick)
		if len(b.waiting) > 0 {
			b.s.cfg.Logger.Error("batcher: sealed minutes the spool did not take are lost", "batches", len(b.waiting), "err", b.spoolErr)
		}
	case *sourceStarted:
		b.active[m.source] = true
	case *sourceFinished:
		delete(b.active, m.source)
		b.finished = b.finished || m.ended
		b.sealReady(false)
	case *minuteSealed:
		b.s.noteMinute(m.source, m.batch)
		b.add(m)
		b.sealReady(false)
	case *healthSampled:
		b.health = m.health
		b.s.noteHealth(m.health)
	case *sealDue:
		if len(b.waiting) > 0 && time.Since(b.lastTry) >= b.s.cfg.RespawnDelay {
			b.spoolWaiting()
		}
		b.sealReady(false)
		b.heartbeat()
	case *flushAll:
		b.sealReady(true)
		close(m.done)
	}
}

func (b *batcherActor) add(m *minuteSealed) {
	min := m.batch.Minute
	if prev, ok := b.reported[m.source]; !ok || min > prev {
		b.reported[m.source] = min
	}
	p, ok := b.pending[min]
	if !ok {
		b.pending[min] = &pendingMinute{batch: m.batch, firstAt: time.Now()}
		return
	}
	dst, src := p.batch, m.batch
	dst.Flows = append(dst.Flows, src.Flows...)
	dst.OtEvents = append(dst.OtEvents, src.OtEvents...)
	dst.Identities = append(dst.Identities, src.Identities...)
	dst.Devices = append(dst.Devices, src.Devices...)
	dst.Names = append(dst.Names, src.Names...)
	dst.Captures = append(dst.Captures, src.Captures...)
}

// sealReady seals, oldest first, every minute that all active sources have
// moved past or reached, or whose grace period has expired.
func (b *batcherActor) sealReady(all bool) {
	minutes := make([]int64, 0, len(b.pending))
	for m := range b.pending {
		minutes = append(minutes, m)
	}
	sort.Slice(minutes, func(i, j int) bool { return minutes[i] < minutes[j] })
	for _, m := range minutes {
		if !all && !b.complete(m) && time.Since(b.pending[m].firstAt) < b.s.cfg.SealGrace {
			break // keep order: later minutes wait for this one
		}
		b.seal(b.pending[m].batch)
		delete(b.pending, m)
	}
	if all || b.finished && len(b.active) == 0 && len(b.pending) == 0 {
		b.release() // nothing more will come to add to what is held
	}
	if b.finished && len(b.active) == 0 && len(b.pending) == 0 && !b.drained {
		b.drained = true
		close(b.s.drained)
	}
}

func (b *batcherActor) complete(minute int64) bool {
	for src := range b.active {
		if r, ok := b.reported[src]; !ok || r < minute {
			return false
		}
	}
	return true
}

// heartbeat seals an empty batch when nothing was sealed for over a minute.
func (b *batcherActor) heartbeat() {
	if !b.s.cfg.Heartbeat || len(b.pending) > 0 || time.Since(b.lastSeal) < 70*time.Second {
		return
	}
	b.seal(&wirepb.Batch{Minute: time.Now().Truncate(time.Minute).Add(-time.Minute).Unix()})
}

// seal sends batch, holding back what repeats (Deferral), after what was
// held back in an earlier window.
func (b *batcherActor) seal(batch *wirepb.Batch) {
	if b.deferral.Overdue(batch.Minute) {
		b.release()
	}
	b.deferral.Apply(batch)
	b.write(batch)
}

// release sends what the deferral holds, if anything, in a batch of its own.
func (b *batcherActor) release() {
	if held := b.deferral.Release(); held != nil {
		b.write(held)
	}
}

// write completes batch and spools it, after any batches still waiting
// for the spool.
func (b *batcherActor) write(batch *wirepb.Batch) {
	s := b.s
	batch.SchemaVersion = wire.CurrentSchema
	batch.Tenant, batch.Sensor = s.cfg.Tenant, s.cfg.ID
	batch.SealedUnixMs = time.Now().UnixMilli()
	batch.SoftwareVersion = firmware.Version
	if b.health != nil {
		h := proto.Clone(b.health).(*wirepb.Health)
		h.SpoolBacklog = uint64(s.spool.Stats().Batches)
		batch.Health = h
	}
	batch.Modem = s.modemReport()
	batch.Identities = b.ids.Filter(batch.Minute, batch.Identities)
	for _, r := range s.monitor.DrainRestarts() {
		batch.Restarts = append(batch.Restarts, &wirepb.SupervisorRestart{
			Actor: r.Actor, Reason: r.Reason, UnixMs: r.At.UnixMilli(), Total: r.Total,
		})
	}
	b.lastSeal = time.Now()
	b.waiting = append(b.waiting, batch)
	b.spoolWaiting()
}

// spoolWaiting numbers, encodes and spools the waiting batches in order,
// and pokes the uplink for each. When the spool fails it says so once,
// keeps the rest for the next try, and drops the oldest beyond
// maxWaiting.
func (b *batcherActor) spoolWaiting() {
	s := b.s
	for len(b.waiting) > 0 {
		seq, err := b.spool(b.waiting[0])
		if err != nil {
			b.lastTry = time.Now()
			if over := len(b.waiting) - maxWaiting; over > 0 {
				clear(b.waiting[:over])
				b.waiting = b.waiting[over:]
				b.lost += uint64(over)
			}
			if msg := err.Error(); msg != b.spoolErr {
				s.cfg.Logger.Error("batcher: cannot write to the spool; sealed minutes wait in memory and are retried",
					"err", err, "waiting", len(b.waiting), "every", s.cfg.RespawnDelay)
				b.spoolErr = msg
			}
			s.noteSpool(err, len(b.waiting), b.lost)
			return
		}
		b.waiting[0] = nil
		b.waiting = b.waiting[1:]
		s.noteSealed(seq)
		s.sys.Root.Send(b.uplink, &batchSpooled{seq: seq})
	}
	if b.spoolErr != "" {
		s.cfg.Logger.Info("batcher: the spool takes batches again", "lost", b.lost)
		b.spoolErr = ""
		s.noteSpool(nil, 0, b.lost)
	}
}

// spool numbers batch and writes it to the spool. A number taken for a
// batch the spool then refuses is skipped, never reused.
func (b *batcherActor) spool(batch *wirepb.Batch) (uint64, error) {
	seq, err := b.s.spool.NextSeq()
	if err != nil {
		return 0, err
	}
	batch.Seq = seq
	payload, err := b.codec.Encode(batch)
	if err != nil {
		// Every field was set here: a programming error.
		panic(err)
	}
	if err := b.s.spool.Put(seq, payload); err != nil {
		return 0, err
	}
	return seq, nil
}

// tick sends sealDue to pid until stop is closed.
func tick(sys *actor.ActorSystem, pid *actor.PID, every time.Duration, stop chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			sys.Root.Send(pid, &sealDue{})
		}
	}
}
