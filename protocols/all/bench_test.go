package all_test

import (
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/protocols"
	"mimamori/protocols/all"
	"mimamori/protocols/protocolstest"
)

// BenchmarkDecodeFlowOT is the sensor's hot path with and without the OT
// dissectors, on five minutes of the generated default factory (almost
// all of it OT traffic), replayed as flow.BenchmarkDecodeFlowSynthetic
// replays it — in time order, each pass shifted forward, the minute's
// flushes (flow table and dissectors) timed as the sensor runs them — and
// with each pass's TCP sequence numbers shifted too, so that the
// dissectors see every pass's segments as new data.
// "ot=none" is that foundation figure (decode and flow table); "ot=all"
// adds every dissector. The difference is what the dissectors cost.
func BenchmarkDecodeFlowOT(b *testing.B) {
	frames := protocolstest.NewReplay()
	for _, tc := range []struct {
		name string
		reg  *protocols.Registry
	}{
		{"ot=all", all.Default()},
		{"ot=none", nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d := decode.New()
			tab := flow.New(flow.Options{})
			var tr *protocols.Tracker
			if tc.reg != nil {
				tr = protocols.NewTracker(tc.reg, protocols.Options{})
			}
			var p decode.Packet
			var ci gopacket.CaptureInfo
			const minuteNs = int64(time.Minute)
			curMinute := int64(-1)
			run := func(i int) {
				data, ts := frames.Frame(i)
				if m := ts - ts%minuteNs; m != curMinute {
					if curMinute >= 0 {
						tab.Flush(curMinute)
						if tr != nil {
							tr.Flush(curMinute)
						}
					}
					curMinute = m
				}
				ci.Timestamp = time.Unix(0, ts)
				ci.CaptureLength, ci.Length = len(data), len(data)
				_ = d.Decode(data, ci, layers.LinkTypeEthernet, &p)
				ref := tab.Packet(&p)
				if tr != nil && len(p.Payload) > 0 && !ref.Ignored && !tr.Packet(&p, ref) {
					tab.Ignore(ref)
				}
			}
			for i := range frames.Len() { // warm the tables
				run(i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run(frames.Len() + i)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
		})
	}
}
