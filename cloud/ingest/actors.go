package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"mimamori/actors"
	"mimamori/cloud/store"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

type ingestRequest struct {
	topic   string
	payload []byte
}

// routedBatch travels from the ingest actor down to a sensor actor.
type routedBatch struct {
	tenant, sensor string
	batch          *wirepb.Batch
	payloadBytes   int
}

type ingestResult struct {
	err       error
	duplicate bool
	rows      int
}

type rootActor struct {
	svc   *Service
	codec *wire.Codec
	ready chan [2]*actor.PID // the ingest and tenants actors, once
}

// reconcile tells the tenants actor, and it each tenant actor, to bring
// its children in line with the Service's tenant set.
type reconcile struct{}

func (r *rootActor) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); !ok {
		return
	}
	sup := actor.WithSupervisor(actors.OneForOne(10, time.Minute))
	tenants, err := ctx.SpawnNamed(r.svc.monitor.Props(func() actor.Actor {
		return &tenantsActor{svc: r.svc}
	}, sup), "tenants")
	if err != nil {
		panic(err)
	}
	ingest, err := ctx.SpawnNamed(r.svc.monitor.Props(func() actor.Actor {
		return &ingestActor{codec: r.codec, tenants: tenants}
	}, sup), "ingest")
	if err != nil {
		panic(err)
	}
	if r.ready != nil {
		r.ready <- [2]*actor.PID{ingest, tenants}
		r.ready = nil
	}
}

// ingestActor decodes and verifies payloads and routes them by tenant.
type ingestActor struct {
	codec   *wire.Codec
	tenants *actor.PID
}

func (a *ingestActor) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*ingestRequest)
	if !ok {
		return
	}
	tenant, sensor, err := wire.ParseBatchTopic(m.topic)
	if err != nil {
		ctx.Respond(&ingestResult{err: fmt.Errorf("%w: %v", ErrRejected, err)})
		return
	}
	b, err := a.codec.Decode(m.payload)
	if err == nil {
		err = wire.Verify(b, tenant, sensor)
	}
	if err != nil {
		ctx.Respond(&ingestResult{err: fmt.Errorf("%w: %v", ErrRejected, err)})
		return
	}
	ctx.RequestWithCustomSender(a.tenants, &routedBatch{tenant: tenant, sensor: sensor, batch: b, payloadBytes: len(m.payload)}, ctx.Sender())
}

// tenantsActor owns one child per configured tenant.
type tenantsActor struct {
	svc      *Service
	children map[string]*actor.PID
}

func (a *tenantsActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.children = map[string]*actor.PID{}
		a.reconcile(ctx)
	case *reconcile:
		a.reconcile(ctx)
		if ctx.Sender() != nil {
			ctx.Respond(m)
		}
	case *routedBatch:
		pid, ok := a.children[m.tenant]
		if !ok {
			ctx.Respond(&ingestResult{err: fmt.Errorf("%w: unknown tenant %q", ErrRejected, m.tenant)})
			return
		}
		ctx.Forward(pid)
	}
}

// reconcile spawns an actor for each tenant of the set that has none and
// stops those of tenants no longer in it; the others reconcile their
// sensors. Messages between two actors keep their order, so a batch
// routed after this finds the new set.
func (a *tenantsActor) reconcile(ctx actor.Context) {
	var ids []string
	for _, t := range a.svc.currentTenants() {
		ids = append(ids, t.ID)
	}
	reconcileChildren(ctx, a.children, ids, func(id string) *actor.Props {
		return a.svc.monitor.Props(func() actor.Actor {
			return &tenantActor{svc: a.svc, tenant: id}
		}, actor.WithSupervisor(actors.OneForOne(10, time.Minute)))
	}, func(pid *actor.PID) { ctx.Send(pid, &reconcile{}) })
}

// reconcileChildren makes children (by name) the actors named ids: it
// spawns one with props(id) for each id without one, calls kept with
// those that have one, and stops those not among ids.
func reconcileChildren(ctx actor.Context, children map[string]*actor.PID, ids []string,
	props func(id string) *actor.Props, kept func(*actor.PID)) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
		if pid, ok := children[id]; ok {
			if kept != nil {
				kept(pid)
			}
			continue
		}
		pid, err := ctx.SpawnNamed(props(id), id)
		if err != nil {
			panic(err)
		}
		children[id] = pid
	}
	for id, pid := range children {
		if !want[id] {
			// Waited for, so that the name is free should it come back.
			ctx.StopFuture(pid).Wait()
			delete(children, id)
		}
	}
}

// tenantActor owns one child per sensor of its tenant.
type tenantActor struct {
	svc      *Service
	tenant   string
	children map[string]*actor.PID
}

func (a *tenantActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.children = map[string]*actor.PID{}
		a.reconcile(ctx)
	case *reconcile:
		a.reconcile(ctx)
	case *routedBatch:
		pid, ok := a.children[m.sensor]
		if !ok {
			ctx.Respond(&ingestResult{err: fmt.Errorf("%w: unknown sensor %q of tenant %q", ErrRejected, m.sensor, m.tenant)})
			return
		}
		ctx.Forward(pid)
	}
}

// reconcile brings the sensor actors in line with the tenant's sensors in
// the Service's set.
func (a *tenantActor) reconcile(ctx actor.Context) {
	var ids []string
	for _, t := range a.svc.currentTenants() {
		if t.ID == a.tenant {
			for _, s := range t.Sensors {
				ids = append(ids, s.ID)
			}
		}
	}
	reconcileChildren(ctx, a.children, ids, func(id string) *actor.Props {
		return a.svc.monitor.Props(func() actor.Actor {
			return &sensorActor{svc: a.svc, tenant: a.tenant, sensor: id}
		})
	}, nil)
}

// sensorActor writes one sensor's batches and keeps its live counters.
type sensorActor struct {
	svc            *Service
	tenant, sensor string
	state          SensorState
}

func (a *sensorActor) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*routedBatch)
	if !ok {
		return
	}
	dbctx, cancel := context.WithTimeout(context.Background(), a.svc.cfg.Timeout)
	defer cancel()
	res, err := a.svc.cfg.Store.IngestBatch(dbctx, a.tenant, m.batch, m.payloadBytes)
	switch {
	case errors.Is(err, store.ErrDuplicate):
		a.state.Duplicates++
		a.svc.publishState(a.state)
		ctx.Respond(&ingestResult{duplicate: true})
		return
	case err != nil:
		a.svc.cfg.Logger.Error("ingest: store batch", "tenant", a.tenant, "sensor", a.sensor, "seq", m.batch.Seq, "err", err)
		ctx.Respond(&ingestResult{err: fmt.Errorf("ingest: store batch %d: %w", m.batch.Seq, err)})
		return
	}
	now := time.Now().UTC()
	st := &a.state
	st.Tenant, st.Sensor = a.tenant, a.sensor
	if key := now.Format("2006-01"); key != st.Month {
		st.Month, st.MonthBytes = key, 0
	}
	st.MonthBytes += uint64(m.payloadBytes)
	if m.batch.Seq > st.LastSeq {
		// The batch sealed last, as the store keeps it.
		st.LastSeq, st.LastMinute = m.batch.Seq, time.Unix(m.batch.Minute, 0).UTC()
	}
	st.LastSeen = now
	st.Batches++
	st.DevicesRefused += uint64(res.DevicesRefused)
	a.svc.publishState(*st)
	ctx.Respond(&ingestResult{rows: res.Flows + res.Devices + res.Names})
}
