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
}

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

// write numbers, completes, encodes and spools batch.
func (b *batcherActor) write(batch *wirepb.Batch) {
	s := b.s
	seq, err := s.spool.NextSeq()
	if err != nil {
		// Without a sequence number the batch cannot be delivered exactly once.
		panic(err)
	}
	batch.SchemaVersion = wire.CurrentSchema
	batch.Tenant, batch.Sensor, batch.Seq = s.cfg.Tenant, s.cfg.ID, seq
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
	payload, err := b.codec.Encode(batch)
	if err != nil {
		panic(err)
	}
	if err := s.spool.Put(seq, payload); err != nil {
		panic(err)
	}
	b.lastSeal = time.Now()
	s.noteSealed(seq)
	s.sys.Root.Send(b.uplink, &batchSpooled{seq: seq})
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
