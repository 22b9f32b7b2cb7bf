package all_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/protocols"
	"mimamori/protocols/all"
)

func TestZZInstr(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ZZN"))
	ot := os.Getenv("ZZOT") == "1"
	frames := generated()
	d := decode.New()
	tab := flow.New(flow.Options{})
	var tr *protocols.Tracker
	if ot {
		tr = protocols.NewTracker(all.Default(), protocols.Options{})
	}
	var p decode.Packet
	var ci gopacket.CaptureInfo
	cur := int64(-1)
	run := func(i int) {
		fr, ts := replay(frames, i)
		if m := ts - ts%60e9; m != cur {
			if cur >= 0 {
				tab.Flush(cur)
				if tr != nil {
					tr.Flush(cur)
				}
			}
			cur = m
		}
		ci.Timestamp = time.Unix(0, ts)
		ci.CaptureLength, ci.Length = len(fr.data), len(fr.data)
		_ = d.Decode(fr.data, ci, layers.LinkTypeEthernet, &p)
		ref := tab.Packet(&p)
		if tr != nil && len(p.Payload) > 0 && !ref.Ignored && !tr.Packet(&p, ref) {
			tab.Ignore(ref)
		}
	}
	for i := 0; i < len(frames)+n; i++ {
		run(i)
	}
}
