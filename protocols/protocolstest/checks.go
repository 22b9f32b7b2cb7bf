package protocolstest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
)

// PDU is one message of a scripted TCP exchange.
type PDU struct {
	FromClient bool
	Data       []byte
}

// Summary renders an event with everything but its times, for comparing
// the outcome of two runs.
func Summary(e *wirepb.OTEvent) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s 0x%04x %q %x:%d>%x:%d n=%d q=%d r=%d e=%d", e.Protocol, e.Code, e.Function,
		e.SrcIp, e.SrcPort, e.DstIp, e.DstPort, e.Count, e.Requests, e.Responses, e.Errors)
	for _, a := range e.Extras {
		fmt.Fprintf(&b, " %s=%s", a.Key, a.Value)
	}
	return b.String()
}

// Summaries renders a flush's events.
func Summaries(events []*wirepb.OTEvent) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, Summary(e))
	}
	return out
}

// segmenter turns a scripted exchange into the segments of one direction
// run: each run of consecutive PDUs from the same side is cut at the
// given fractions of its length.
type segmenter func(run []byte) [][]byte

// CheckSegmentation sends a scripted exchange between client and server
// over TCP in many ways — each PDU in its own segment, consecutive PDUs of
// one side coalesced into one segment, every run cut in two and in three
// (inside headers too), one byte per segment, every segment sent twice —
// and checks that each way yields the same events as the first. It then
// loses each segment of the one-PDU-per-segment run in turn and checks
// that only the lost PDU's event goes missing (when want is given, the
// first run must also produce exactly want). With firstWhole the first
// PDU is always sent in one segment of its own, as a conversation found
// by heuristic needs.
func CheckSegmentation(t *testing.T, reg *protocols.Registry, client, server string, firstWhole bool, exchange []PDU, want []string) {
	t.Helper()
	base := run(reg, client, server, exchange, nil, false, -1)
	if want != nil && !slices.Equal(base, want) {
		t.Fatalf("events\n got %q\nwant %q", base, want)
	}
	ways := []struct {
		name string
		cut  segmenter
		dup  bool
	}{
		{"coalesced", func(r []byte) [][]byte { return [][]byte{r} }, false},
		{"halves", func(r []byte) [][]byte { return Split(r, len(r)/2) }, false},
		{"thirds", func(r []byte) [][]byte { return Split(r, len(r)/3, 2*len(r)/3) }, false},
		{"header cut", func(r []byte) [][]byte { return Split(r, min(3, len(r))) }, false},
		{"bytes", Bytes, false},
		{"retransmitted", nil, true},
	}
	for _, w := range ways {
		got := run(reg, client, server, exchange, w.cut, w.dup, -1)
		if firstWhole && w.cut != nil {
			got = runAfterFirst(reg, client, server, exchange, w.cut)
		}
		if !slices.Equal(got, base) {
			t.Errorf("%s: events\n got %q\nwant %q", w.name, got, base)
		}
	}
	// Losing one PDU's segment loses that PDU only: the stream resumes at
	// the next one.
	for lost := range exchange {
		got := run(reg, client, server, exchange, nil, false, lost)
		alone := run(reg, client, server, exchange[lost:lost+1], nil, false, -1)
		if n, m := total(got), total(base)-total(alone); n != m {
			t.Errorf("losing PDU %d: %d messages counted, want %d\n%q", lost, n, m, got)
		}
	}
}

// total sums the counts in summaries made by Summary.
func total(sums []string) int {
	n := 0
	for _, s := range sums {
		var c int
		if i := bytes.Index([]byte(s), []byte(" n=")); i >= 0 {
			fmt.Sscanf(s[i+3:], "%d", &c)
		}
		n += c
	}
	return n
}

// runAfterFirst is run with the first PDU sent whole and the rest cut.
func runAfterFirst(reg *protocols.Registry, client, server string, exchange []PDU, cut segmenter) []string {
	return play(reg, client, server, exchange, cut, false, -1, true)
}

// run plays an exchange and returns the events' summaries. cut (nil: one
// segment per PDU) decides the segments of each same-side run; dup sends
// every segment twice; lost >= 0 drops that PDU's segment (with cut nil).
func run(reg *protocols.Registry, client, server string, exchange []PDU, cut segmenter, dup bool, lost int) []string {
	return play(reg, client, server, exchange, cut, dup, lost, false)
}

func play(reg *protocols.Registry, client, server string, exchange []PDU, cut segmenter, dup bool, lost int, firstWhole bool) []string {
	h := New(reg, protocols.Options{})
	c := h.TCP(client, server)
	send := func(fromClient bool, seg []byte) {
		p := c.Next(fromClient, seg)
		h.Packet(p)
		if dup {
			again := *p
			again.TimestampNs = 0
			h.Packet(&again)
		}
	}
	if firstWhole && len(exchange) > 0 {
		send(exchange[0].FromClient, exchange[0].Data)
		exchange = exchange[1:]
		lost--
	}
	if cut == nil {
		for i, m := range exchange {
			if i == lost {
				c.Next(m.FromClient, m.Data)
				continue
			}
			send(m.FromClient, m.Data)
		}
	} else {
		for i := 0; i < len(exchange); {
			j := i
			var r []byte
			for ; j < len(exchange) && exchange[j].FromClient == exchange[i].FromClient; j++ {
				r = append(r, exchange[j].Data...)
			}
			for _, seg := range cut(r) {
				if len(seg) > 0 {
					send(exchange[i].FromClient, seg)
				}
			}
			i = j
		}
	}
	h.Packet(c.Segment(true, c.ClientNext, decode.FlagFIN|decode.FlagACK, nil))
	events, _, _ := h.Flush()
	return Summaries(events)
}
