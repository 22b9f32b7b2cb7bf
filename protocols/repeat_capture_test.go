package protocols_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/capture/capturetest"
	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/edge/synth"
	"mimamori/protocols"
	"mimamori/protocols/all"
)

// minutePair runs frames through a decoder, flow table and Tracker twice
// over — once counting repeated messages without dissecting them, once
// dissecting every message — sealing minutes as the pipeline does, and
// compares every minute.
type minutePair struct {
	t       *testing.T
	dec     *decode.Decoder
	pkt     decode.Packet
	sides   [2]minuteSide
	minute  int64
	started bool
	minutes int
	events  int
	repeats uint64 // messages counted as repeats, all minutes
	// templated counts the repeats told by a template.
	templated uint64
	messages  uint64 // messages counted, all minutes
}

type minuteSide struct {
	flows   *flow.Table
	tracker *protocols.Tracker
}

func newMinutePair(t *testing.T, maxFlows int) *minutePair {
	reg := all.Default()
	mp := &minutePair{t: t, dec: decode.New()}
	mp.sides[0] = minuteSide{flow.New(flow.Options{MaxFlows: maxFlows}), protocols.NewTracker(reg, protocols.Options{})}
	mp.sides[1] = minuteSide{flow.New(flow.Options{MaxFlows: maxFlows}), protocols.NewTracker(reg, protocols.Options{DissectRepeats: true})}
	return mp
}

func (mp *minutePair) frame(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
	err := mp.dec.Decode(data, ci, link, &mp.pkt)
	m := mp.pkt.TimestampNs - mp.pkt.TimestampNs%int64(time.Minute)
	switch {
	case !mp.started:
		mp.started, mp.minute = true, m
	case m > mp.minute:
		mp.seal()
		mp.minute = m
	}
	if err != nil {
		return
	}
	for i := range mp.sides {
		s := &mp.sides[i]
		p := mp.pkt
		ref := s.flows.Packet(&p)
		if len(p.Payload) > 0 && !ref.Ignored && !s.tracker.Packet(&p, ref) {
			s.flows.Ignore(ref)
		}
	}
}

func (mp *minutePair) seal() {
	mp.t.Helper()
	mp.repeats += protocols.RepeatsCounted(mp.sides[0].tracker)
	mp.templated += protocols.TemplatedCounted(mp.sides[0].tracker)
	for i := range mp.sides {
		mp.sides[i].flows.Flush(mp.minute)
	}
	ce, ci, cs := mp.sides[0].tracker.Flush(mp.minute)
	pe, pi, ps := mp.sides[1].tracker.Flush(mp.minute)
	mp.minutes++
	mp.events += len(pe)
	for _, e := range pe {
		mp.messages += e.Count
	}
	compareMinute(mp.t, fmt.Sprintf("minute %d", mp.minutes), ce, pe, ci, pi, cs, ps)
}

// TestRepeatsMatchDissectingEachOnCaptures compares the two ways of
// counting on every capture of the shared corpus.
func TestRepeatsMatchDissectingEachOnCaptures(t *testing.T) {
	dir := capturetest.Dir(t)
	for _, path := range capturetest.Files(t) {
		rel, _ := filepath.Rel(dir, path)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			mp := newMinutePair(t, 0)
			for _, f := range capturetest.Frames(t, []string{path}, 0) {
				mp.frame(f.Data, f.CI, f.Link)
			}
			mp.seal()
		})
	}
}

// TestRepeatsMatchDissectingEachOnPlant compares them on three minutes of
// the plant the overhead benchmark generates (1000 devices, OT-heavy),
// with a flow table small enough that slots are taken over by new flows
// all the time, and with the default one.
func TestRepeatsMatchDissectingEachOnPlant(t *testing.T) {
	if testing.Short() {
		t.Skip("generates three minutes of a 1000-device plant")
	}
	f, _, err := synth.Plant{Devices: 1000, ConnsPerMin: 2000, MeanFrame: 150, Flat: true, Seed: 1}.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, maxFlows := range []int{0, 500} {
		t.Run(fmt.Sprintf("flows=%d", maxFlows), func(t *testing.T) {
			g, err := synth.NewChecked(synth.Config{Seed: 1, Factory: f, Skip: 2 * time.Minute, Duration: 5 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			mp := newMinutePair(t, maxFlows)
			for {
				data, ts, ok := g.Next()
				if !ok {
					break
				}
				mp.frame(data, gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(data), Length: len(data)}, layers.LinkTypeEthernet)
			}
			mp.seal()
			t.Logf("%d of %d messages (%.1f %%) counted as repeats, %d of them told by a template", mp.repeats, mp.messages, 100*float64(mp.repeats)/float64(max(mp.messages, 1)), mp.templated)
			if mp.minutes < 3 || mp.events == 0 || mp.repeats == 0 {
				t.Errorf("%d minutes, %d events, %d repeats: the plant's polling was not counted as repeats", mp.minutes, mp.events, mp.repeats)
			}
		})
	}
}
