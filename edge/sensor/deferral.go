package sensor

import (
	"math"
	"time"

	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire/wirepb"
)

// DefaultReportEvery is how long a device, name or OT event that says
// nothing new may wait before its counters reach the cloud.
const DefaultReportEvery = 10 * time.Minute

// Deferral thins the devices, names and OT events a sensor uploads. The
// same thousand devices and the same PLC polls appear minute after
// minute, and the cloud keeps their totals and first and last times
// (devices, their addresses and fingerprints, names) or their day's
// totals (OT events), not their minutes. So a record that says exactly
// what a record of the same key said in the current or the previous
// window of ReportEvery, counters and times aside, is held back: held
// records that say the same are added up (counters summed, times
// widened), and all of them go out in the batch of the window's last
// minute. Anything else goes out at once — a key not heard for a whole
// window, a device's new address, evidence, fingerprint or announcement,
// an OT event's new details — so detection is not delayed; only the
// counters and last-seen times of what the cloud already knows lag, by at
// most one window.
//
// Every batch stays complete on its own (the cloud merges what it gets as
// before, and no batch refers to another), and the cloud's tables after
// each window are the same as if every minute had been sent: it merges
// records by sums, minimums, maximums and "newest wins", and each group of
// held records keeps the times of the minutes that said it. Windows are
// aligned to the Unix epoch, so none spans two UTC days (OT events are
// kept per day, by their batch's minute). What is held lives in memory:
// the batcher releases it when its sources end or it is stopped; a crash
// loses at most one window of counters of what the cloud already has,
// never a key.
type Deferral struct {
	window  int64 // seconds; 0 holds nothing back
	cur     int64 // start of the window being accumulated
	last    int64 // newest minute that added to it
	devices deferSet[*wirepb.Device]
	names   deferSet[*wirepb.Name]
	events  deferSet[*wirepb.OTEvent]
}

// NewDeferral returns a Deferral with windows of every (ValidReportEvery);
// a single minute, or anything not valid, holds nothing back.
func NewDeferral(every time.Duration) *Deferral {
	d := &Deferral{cur: -1}
	if ValidReportEvery(every) && every > time.Minute {
		d.window = int64(every / time.Second)
	}
	d.devices = newDeferSet(stripDevice, mergeDevice)
	d.names = newDeferSet(stripName, mergeName)
	d.events = newDeferSet(stripEvent, mergeEvent)
	return d
}

// ValidReportEvery reports whether every can be a report window: a whole
// number of minutes that divides a day, so that windows aligned to the
// Unix epoch never span two UTC days.
func ValidReportEvery(every time.Duration) bool {
	return every >= time.Minute && every%time.Minute == 0 && (24*time.Hour)%every == 0
}

// Holding reports whether records are held back.
func (d *Deferral) Holding() bool {
	return len(d.devices.held) > 0 || len(d.names.held) > 0 || len(d.events.held) > 0
}

// Overdue reports whether records held back belong to a window before the
// one of minute (Unix seconds), or the clock was set back (setBack), so
// Release must send them first.
func (d *Deferral) Overdue(minute int64) bool {
	w := d.windowOf(minute)
	return d.Holding() && (w > d.cur || d.setBack(w))
}

// setBack reports whether window w lies more than a window before the one
// being accumulated: not a late source but a clock set back (a sensor
// whose clock ran ahead, corrected), after which a window starts afresh
// rather than letting every batch pass unchanged until the clock catches
// up.
func (d *Deferral) setBack(w int64) bool {
	return d.window > 0 && d.cur >= 0 && w < d.cur-d.window
}

// Release returns a batch of everything held back, for the newest minute
// that added to it, or nil when nothing is held.
func (d *Deferral) Release() *wirepb.Batch {
	if !d.Holding() {
		return nil
	}
	b := &wirepb.Batch{Minute: d.last}
	d.releaseInto(b)
	return b
}

// Apply holds back b's repeats and, in the last minute of a window, adds
// everything held to b. A batch from an earlier window than the one being
// accumulated (a late source) passes unchanged.
func (d *Deferral) Apply(b *wirepb.Batch) {
	if d.window == 0 {
		return
	}
	w := d.windowOf(b.Minute)
	if d.setBack(w) {
		// Release has emptied the sets (Overdue); every key is news again.
		d.cur, d.last = w, 0
		d.devices.forget(math.MaxInt64)
		d.names.forget(math.MaxInt64)
		d.events.forget(math.MaxInt64)
	}
	if w < d.cur {
		return
	}
	if w > d.cur {
		// Release has emptied the sets; keys last heard before the
		// previous window are news again.
		d.cur = w
		d.devices.forget(w - d.window)
		d.names.forget(w - d.window)
		d.events.forget(w - d.window)
	}
	anchor := b.Minute * 1e9
	b.Devices = d.devices.apply(d, b.Devices, w, anchor)
	b.Names = d.names.apply(d, b.Names, w, anchor)
	b.OtEvents = d.events.apply(d, b.OtEvents, w, anchor)
	d.last = max(d.last, b.Minute)
	if b.Minute+60 >= w+d.window {
		d.releaseInto(b)
	}
}

func (d *Deferral) windowOf(minute int64) int64 {
	if d.window == 0 {
		return minute
	}
	r := minute % d.window
	if r < 0 {
		r += d.window
	}
	return minute - r
}

func (d *Deferral) releaseInto(b *wirepb.Batch) {
	b.Devices = d.devices.release(b.Devices)
	b.Names = d.names.release(b.Names)
	b.OtEvents = d.events.release(b.OtEvents)
}

// deferSet is the state of one kind of record.
type deferSet[T proto.Message] struct {
	strip func(T) (restore func()) // zero counters and times
	merge func(dst, src T)         // add src's counters and times to dst

	// By what a record says, counters and times aside (its key fields
	// included): the newest window in which it was heard, and what is
	// held of it.
	sent  map[string]int64
	held  map[string]T
	order []string // held keys in the order first held, so releases are deterministic
}

func newDeferSet[T proto.Message](strip func(T) func(), merge func(dst, src T)) deferSet[T] {
	return deferSet[T]{strip: strip, merge: merge, sent: map[string]int64{}, held: map[string]T{}}
}

// forget drops keys last heard before window since.
func (s *deferSet[T]) forget(since int64) {
	for k, w := range s.sent {
		if w < since {
			delete(s.sent, k)
		}
	}
}

// apply returns the records of recs to send now.
func (s *deferSet[T]) apply(d *Deferral, recs []T, w, anchor int64) []T {
	if len(recs) == 0 {
		return recs
	}
	out := recs[:0]
	for _, r := range recs {
		restore := s.strip(r)
		raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(r)
		restore()
		if err != nil {
			out = append(out, r) // cannot tell; send it
			continue
		}
		// Records are grouped by exactly what they say, so that each
		// group's times are those of the minutes that said it: the cloud
		// dates a device's addresses and fingerprints by the record that
		// carries them.
		k := string(raw)
		prev, known := s.sent[k]
		s.sent[k] = w
		if !known || prev < w-d.window {
			out = append(out, r)
			continue
		}
		anchorTimes(r, anchor)
		if h, ok := s.held[k]; ok {
			s.merge(h, r)
		} else {
			s.held[k] = proto.Clone(r).(T)
			s.order = append(s.order, k)
		}
	}
	clear(recs[len(out):])
	return out
}

// release appends every held record to recs and empties the set.
func (s *deferSet[T]) release(recs []T) []T {
	for _, k := range s.order {
		recs = append(recs, s.held[k])
	}
	clear(s.held)
	s.order = s.order[:0]
	return recs
}

// anchorTimes gives a held record explicit times: the cloud reads an unset
// first time as its batch's minute, and a held record may travel in a
// later minute's batch.
func anchorTimes(m proto.Message, anchor int64) {
	set := func(first, last *int64) {
		if *first == 0 {
			*first = anchor
		}
		if *last < *first {
			*last = *first
		}
	}
	switch r := m.(type) {
	case *wirepb.Device:
		set(&r.FirstUnixNs, &r.LastUnixNs)
	case *wirepb.Name:
		set(&r.FirstUnixNs, &r.LastUnixNs)
		r.Count = max(r.Count, 1) // the cloud counts a binding without a count once
	case *wirepb.OTEvent:
		set(&r.FirstUnixNs, &r.LastUnixNs)
	}
}

func widen(first, last *int64, f, l int64) {
	if f < *first {
		*first = f
	}
	if l > *last {
		*last = l
	}
}

func stripDevice(x *wirepb.Device) func() {
	first, last := x.FirstUnixNs, x.LastUnixNs
	sp, sb, rp, rb := x.SentPackets, x.SentBytes, x.RecvPackets, x.RecvBytes
	counts := make([]uint32, len(x.Fingerprints))
	for i, f := range x.Fingerprints {
		counts[i], f.Count = f.Count, 0
	}
	x.FirstUnixNs, x.LastUnixNs = 0, 0
	x.SentPackets, x.SentBytes, x.RecvPackets, x.RecvBytes = 0, 0, 0, 0
	return func() {
		x.FirstUnixNs, x.LastUnixNs = first, last
		x.SentPackets, x.SentBytes, x.RecvPackets, x.RecvBytes = sp, sb, rp, rb
		for i, f := range x.Fingerprints {
			f.Count = counts[i]
		}
	}
}

// mergeDevice adds src to dst, which say the same apart from counters and
// times (their fingerprints are the same list).
func mergeDevice(dst, src *wirepb.Device) {
	widen(&dst.FirstUnixNs, &dst.LastUnixNs, src.FirstUnixNs, src.LastUnixNs)
	dst.SentPackets += src.SentPackets
	dst.SentBytes += src.SentBytes
	dst.RecvPackets += src.RecvPackets
	dst.RecvBytes += src.RecvBytes
	for i, f := range src.Fingerprints {
		if i < len(dst.Fingerprints) {
			dst.Fingerprints[i].Count += f.Count
		}
	}
}

func stripName(x *wirepb.Name) func() {
	first, last, count := x.FirstUnixNs, x.LastUnixNs, x.Count
	x.FirstUnixNs, x.LastUnixNs, x.Count = 0, 0, 0
	return func() { x.FirstUnixNs, x.LastUnixNs, x.Count = first, last, count }
}

func mergeName(dst, src *wirepb.Name) {
	widen(&dst.FirstUnixNs, &dst.LastUnixNs, src.FirstUnixNs, src.LastUnixNs)
	dst.Count += src.Count
}

func stripEvent(x *wirepb.OTEvent) func() {
	c, rq, rs, e, first, last := x.Count, x.Requests, x.Responses, x.Errors, x.FirstUnixNs, x.LastUnixNs
	x.Count, x.Requests, x.Responses, x.Errors, x.FirstUnixNs, x.LastUnixNs = 0, 0, 0, 0, 0, 0
	return func() {
		x.Count, x.Requests, x.Responses, x.Errors, x.FirstUnixNs, x.LastUnixNs = c, rq, rs, e, first, last
	}
}

func mergeEvent(dst, src *wirepb.OTEvent) {
	widen(&dst.FirstUnixNs, &dst.LastUnixNs, src.FirstUnixNs, src.LastUnixNs)
	dst.Count += src.Count
	dst.Requests += src.Requests
	dst.Responses += src.Responses
	dst.Errors += src.Errors
}
