package protocols_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
)

// pair runs the same packets through a Tracker that counts repeated
// messages without dissecting them (as the sensor does) and one that
// dissects every message, and checks that every minute they flush is the
// same.
type pair struct {
	t             *testing.T
	cached, plain *protocolstest.Harness
	flushes       int
	repeats       int    // messages counted as repeats
	templated     uint64 // of them, told by a template, up to the last flush
	counted       uint64 // repeats counted by the cached side since its flush
}

func newPair(t *testing.T, reg *protocols.Registry, maxFlows int) *pair {
	mk := func(tr *protocols.Tracker) *protocolstest.Harness {
		return &protocolstest.Harness{Flows: flow.New(flow.Options{MaxFlows: maxFlows}), Tracker: tr, Now: protocolstest.Base}
	}
	return &pair{t: t, cached: mk(protocols.NewTracker(reg, protocols.Options{})),
		plain: mk(protocols.NewTracker(reg, protocols.Options{DissectRepeats: true}))}
}

// send offers a copy of p to each harness.
func (pr *pair) send(p *decode.Packet) {
	a, b := *p, *p
	pr.cached.Packet(&a)
	pr.plain.Packet(&b)
	pr.noteRepeats()
}

// noteRepeats notes whether the last message was counted as a repeat.
func (pr *pair) noteRepeats() {
	n := protocols.RepeatsCounted(pr.cached.Tracker)
	if n > pr.counted {
		pr.repeats++
	}
	pr.counted = n
}

// sendRaw offers a copy of p to each side's flow table and Tracker as
// it is, time included (the harness would replace a zero time).
func (pr *pair) sendRaw(p *decode.Packet) {
	for _, h := range []*protocolstest.Harness{pr.cached, pr.plain} {
		q := *p
		ref := h.Flows.Packet(&q)
		if !ref.Ignored && !h.Tracker.Packet(&q, ref) {
			h.Flows.Ignore(ref)
		}
	}
	pr.noteRepeats()
}

// flush flushes both and compares what they return.
func (pr *pair) flush() {
	pr.t.Helper()
	pr.templated += protocols.TemplatedCounted(pr.cached.Tracker)
	ce, ci, cs := pr.cached.Flush()
	pr.counted = 0
	pe, pi, ps := pr.plain.Flush()
	pr.flushes++
	compareMinute(pr.t, fmt.Sprintf("flush %d", pr.flushes), ce, pe, ci, pi, cs, ps)
}

// compareMinute fails t unless two flushed minutes are the same.
func compareMinute(t *testing.T, what string, ce, pe []*wirepb.OTEvent, ci, pi []*wirepb.Identity, cs, ps protocols.Stats) {
	t.Helper()
	if !slices.EqualFunc(ce, pe, func(x, y *wirepb.OTEvent) bool { return proto.Equal(x, y) }) {
		t.Errorf("%s: events differ:\n%s", what, lineDiff(detailed(ce), detailed(pe)))
	}
	if !slices.EqualFunc(ci, pi, func(x, y *wirepb.Identity) bool { return proto.Equal(x, y) }) {
		t.Errorf("%s: identities differ:\nrepeats %v\n dissected %v", what, ci, pi)
	}
	if ps.Repeats != 0 {
		t.Errorf("%s: %d repeats counted by the Tracker told to dissect them", what, ps.Repeats)
	}
	cs.Repeats, cs.Templated = 0, 0
	if cs != ps {
		t.Errorf("%s: stats %+v, dissecting each message %+v", what, cs, ps)
	}
}

// lineDiff lists the lines only one of two lists has.
func lineDiff(got, want []string) string {
	var b strings.Builder
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "with repeats only: %s\n", l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "dissected only:    %s\n", l)
		}
	}
	if b.Len() == 0 {
		return "the same lines in another order"
	}
	return b.String()
}

// detailed is summaries with MAC addresses and times.
func detailed(events []*wirepb.OTEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, fmt.Sprintf("%s macs=%x>%x t=%d..%d", summary(e), e.SrcMac, e.DstMac, e.FirstUnixNs, e.LastUnixNs))
	}
	return out
}

// conn builds a TCP conversation's packets without sending them: its
// handshake goes to both sides of a pair.
func (pr *pair) conn(client, server string) *protocolstest.TCPConn {
	c := &protocolstest.TCPConn{Client: client, Server: server, ClientNext: 1000, ServerNext: 5000}
	pr.send(c.Segment(true, c.ClientNext-1, decode.FlagSYN, nil))
	pr.send(c.Segment(false, c.ServerNext-1, decode.FlagSYN|decode.FlagACK, nil))
	pr.send(c.Segment(true, c.ClientNext, decode.FlagACK, nil))
	return c
}

// exchange sends a request and its response n times.
func (pr *pair) exchange(c *protocolstest.TCPConn, n int, req, resp []byte) {
	for range n {
		pr.send(c.Next(true, req))
		pr.send(c.Next(false, resp))
	}
}

func TestRepeatsMatchDissectingEach(t *testing.T) {
	write := func(addr uint16) []byte { return pdu('Q', 0x10, byte(addr>>8), byte(addr)) }
	for _, tc := range []struct {
		name string
		run  func(pr *pair)
	}{
		{"repeats", func(pr *pair) {
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			pr.exchange(c, 50, pdu('Q', 1, 0, 0, 0, 0), pdu('R', 1, 1, 2, 3, 4, 5, 6))
			for range 50 {
				pr.send(protocolstest.Datagram("10.0.0.3:50000", "10.0.0.2:7000", pdu('A', 2)))
			}
			pr.flush()
		}},
		{"details change mid-run", func(pr *pair) {
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			for _, addr := range []uint16{100, 100, 100, 200, 200, 100, 100, 300, 100, 100} {
				pr.send(c.Next(true, write(addr)))
				pr.send(c.Next(false, pdu('S', 0, byte(addr))))
			}
			pr.flush()
		}},
		{"minute flush mid-run", func(pr *pair) {
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			pr.exchange(c, 20, pdu('Q', 1), pdu('R', 1, 9))
			pr.flush()
			pr.exchange(c, 20, pdu('Q', 1), pdu('R', 1, 9))
			pr.send(c.Next(true, pdu('Q', 1)))
			pr.flush() // between a request and its response
			pr.send(c.Next(false, pdu('R', 1, 9)))
			pr.exchange(c, 5, pdu('Q', 1), pdu('R', 1, 9))
			pr.flush()
			pr.flush() // an empty minute
		}},
		{"expiry and slot reuse", func(pr *pair) {
			// Two flow slots: every third conversation takes the slot of
			// the longest idle one, whose entries must be counted first.
			for round := range 3 {
				for i := range 3 {
					c := pr.conn(fmt.Sprintf("10.0.0.%d:40000", 1+i), "10.0.0.9:7000")
					pr.exchange(c, 5+round, pdu('Q', byte(1+i)), pdu('R', byte(1+i), byte(round)))
				}
			}
			// The same message from clients behind one router: a flow
			// taking over a slot must not count its messages as repeats
			// of the entries of the flow that had it.
			router := [6]byte{2, 0, 0, 0, 0, 0xfe}
			for round := range 4 {
				for i := range 3 {
					client := fmt.Sprintf("10.0.1.%d:5000%d", 1+i, round)
					for range 3 {
						p := protocolstest.Datagram(client, "10.0.0.9:7000", pdu('Q', 1))
						p.SrcMAC = router
						pr.send(p)
					}
				}
			}
			pr.flush()
		}},
		{"closed and reopened", func(pr *pair) {
			// The same ports again after a close: a new flow whose events
			// are the old one's, the old one's entries still pending; the
			// client's MAC has changed in between.
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			pr.exchange(c, 10, pdu('Q', 1), pdu('R', 1))
			pr.send(c.Segment(true, c.ClientNext, decode.FlagFIN|decode.FlagACK, nil))
			pr.send(c.Segment(false, c.ServerNext, decode.FlagFIN|decode.FlagACK, nil))
			d := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			for range 10 {
				p := d.Next(true, pdu('Q', 1))
				p.SrcMAC[0] = 0x0a
				pr.send(p)
				q := d.Next(false, pdu('R', 1))
				q.DstMAC[0] = 0x0a
				pr.send(q)
			}
			pr.exchange(c, 3, pdu('Q', 1), pdu('R', 1)) // the old flow's segments, late
			pr.flush()
		}},
		{"many conversations", func(pr *pair) {
			for round := range 6 {
				for i := range 300 {
					client := fmt.Sprintf("10.0.%d.%d:50000", i/200, 1+i%200)
					for range 3 {
						pr.send(protocolstest.Datagram(client, "10.0.9.9:7000", pdu('Q', byte(round%2+1), byte(i))))
						pr.send(protocolstest.Datagram("10.0.9.9:7000", client, pdu('R', byte(round%2+1))))
					}
				}
				if round == 3 {
					pr.flush()
				}
			}
			pr.flush()
		}},
		{"MAC addresses change", func(pr *pair) {
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			for i := range 50 {
				p := c.Next(true, pdu('Q', 1))
				q := c.Next(false, pdu('R', 1))
				switch i / 10 {
				case 4: // every other request from another MAC, without a destination one
					if i%2 == 0 {
						p.HasDstMAC, p.SrcMAC[5] = false, 0xee
					}
				case 1: // another router towards the server
					p.DstMAC[5] = 0xfe
					q.SrcMAC[5] = 0xfe
				case 2: // frames without a destination MAC
					p.HasDstMAC = false
				case 3: // no Ethernet header
					p.HasEthernet, q.HasEthernet = false, false
				}
				pr.send(p)
				pr.send(q)
			}
			pr.exchange(c, 3, pdu('Q', 1), pdu('R', 1))
			// Requests only, one of them from another MAC and without a
			// destination MAC: another entry, whose address must not be
			// left in place by the first entry's later repeats.
			for i := range 8 {
				p := protocolstest.Datagram("10.0.0.5:50000", "10.0.0.2:7000", pdu('Q', 2))
				if i == 3 {
					p.HasDstMAC, p.SrcMAC[5] = false, 0xee
				}
				pr.send(p)
			}
			pr.flush()
		}},
		{"routed", func(pr *pair) {
			// Requests in the client's VLAN, responses in the server's:
			// two flows, one conversation, one event.
			router := [6]byte{2, 0, 0, 0, 0, 0xfe}
			for range 20 {
				p := protocolstest.Datagram("10.1.0.1:50000", "10.2.0.1:7000", pdu('Q', 3, 1))
				p.VLAN, p.DstMAC = 10, router
				pr.send(p)
				q := protocolstest.Datagram("10.2.0.1:7000", "10.1.0.1:50000", pdu('R', 3, 1, 2))
				q.VLAN, q.DstMAC = 20, router
				pr.send(q)
			}
			pr.flush()
		}},
		{"times", func(pr *pair) {
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			now := protocolstest.Base + int64(10*time.Second)
			for i, d := range []int64{0, 5, 3, 3, 9, -50, 9, 20, 1, 30} {
				p := c.Next(true, pdu('Q', 1))
				p.TimestampNs = now + d*int64(time.Millisecond)
				if i == 5 {
					p.TimestampNs = -1 // before the epoch
				}
				pr.send(p)
			}
			for range 3 {
				p := c.Next(true, pdu('Q', 1))
				p.TimestampNs = 0 // no time at all
				pr.sendRaw(p)
				pr.send(c.Next(true, pdu('Q', 1)))
			}
			pr.flush()
		}},
		{"kinds, errors and identities", func(pr *pair) {
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			for i := range 30 {
				// Each pair a few times over, then the next: two entries
				// cannot hold the seven messages of a round.
				for range 3 {
					pr.send(c.Next(true, pdu('Q', 0xe0)))
					pr.send(c.Next(false, pdu('R', 0xe0)))
				}
				for range 3 {
					pr.send(c.Next(false, pdu('O', 6)))
					pr.send(c.Next(true, pdu('O', 6)))
				}
				for range 3 {
					pr.send(c.Next(false, pdu('R', 0xee, 'P', 'L', 'C', byte('0'+i%2))))
				}
				for range 3 {
					pr.send(c.Next(true, pdu('A', 7)))
					pr.send(c.Next(false, pdu('A', 7, 1)))
				}
			}
			pr.flush()
		}},
		{"identities from two conversations", func(pr *pair) {
			// The server tells each client its model in every response;
			// it changes its story for one client only. The latest
			// report wins, so a repeat in the other conversation must
			// write its report again.
			a := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			b := pr.conn("10.0.0.3:40000", "10.0.0.2:7000")
			for i := range 40 {
				pr.send(a.Next(true, pdu('Q', 0xee)))
				pr.send(a.Next(false, pdu('R', 0xee, 'P', 'L', 'C', '0')))
				model := byte('0')
				if i%5 >= 2 {
					model = '1'
				}
				pr.send(b.Next(true, pdu('Q', 0xee)))
				pr.send(b.Next(false, pdu('R', 0xee, 'P', 'L', 'C', model)))
				if i%7 == 6 {
					p := a.Next(false, pdu('R', 0xee, 'P', 'L', 'C', '0'))
					p.SrcMAC[5] = 0x77 // the same report through another router
					pr.send(p)
				}
				if i == 25 {
					pr.flush()
				}
			}
			pr.flush()
		}},
		{"layer 2 cyclic", func(pr *pair) {
			// Stations sending two kinds of frame each to one master and
			// to the broadcast address, on two VLANs; one reports its
			// model now and then; a minute ends mid-cycle.
			master, bcast := protocolstest.MAC("10.0.0.1"), [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
			for cycle := range 30 {
				for st := range 4 {
					mac := protocolstest.MAC(fmt.Sprintf("10.0.0.%d", 10+st))
					for _, f := range []*decode.Packet{
						protocolstest.Frame(mac, master, demoEtherType, pdu('O', 1, byte(cycle))),
						protocolstest.Frame(mac, bcast, demoEtherType, pdu('O', 2, byte(cycle), 0)),
						protocolstest.Frame(master, mac, demoEtherType, pdu('Q', 0x10, 0, byte(st))),
						protocolstest.Frame(mac, master, demoEtherType, pdu('S', 0x10, 0, byte(st))),
					} {
						f.VLAN = uint16(st % 2 * 10)
						pr.send(f)
					}
					if cycle%7 == 3 {
						pr.send(protocolstest.Frame(mac, master, demoEtherType, pdu('R', 0xee, 'P', byte('0'+st))))
					}
				}
				if cycle == 12 {
					pr.flush()
				}
			}
			pr.flush()
		}},
		{"layer 2 beside", func(pr *pair) {
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			a, b := protocolstest.MAC("10.0.0.1"), protocolstest.MAC("10.0.0.2")
			for range 20 {
				pr.send(c.Next(true, pdu('Q', 1)))
				pr.send(protocolstest.Frame(a, b, demoEtherType, pdu('O', 1)))
				pr.send(c.Next(false, pdu('R', 1)))
			}
			pr.flush()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr := newPair(t, demoRegistry(), 2)
			if tc.name == "many conversations" {
				pr = newPair(t, demoRegistry(), 256)
			}
			tc.run(pr)
			if pr.repeats == 0 {
				t.Error("no message was counted as a repeat")
			}
		})
	}
}

// TestRepeatsInTurn polls several requests in turn, as HMIs read one
// block after another: after the first round every message is a repeat of
// one before its previous one, which only the repeat table remembers.
func TestRepeatsInTurn(t *testing.T) {
	for _, turn := range []int{2, 3, 6} {
		t.Run(fmt.Sprint(turn), func(t *testing.T) {
			pr := newPair(t, demoRegistry(), 16)
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			d := pr.conn("10.0.0.3:40000", "10.0.0.2:7000")
			const rounds = 20
			for range rounds {
				for k := range turn {
					for _, conn := range []*protocolstest.TCPConn{c, d} {
						pr.send(conn.Next(true, pdu('Q', byte(1+k), byte(k))))
						pr.send(conn.Next(false, pdu('R', byte(1+k), byte(k), 7)))
					}
				}
			}
			pr.flush()
			// All but the first request and response of each kind, in each
			// conversation, and the first request of the second round: a
			// request leaves its code in the State, so the first request
			// after the last one of a round was dissected with another
			// State than in the first round. Two messages, of the 8 to 24
			// remembered, may meet a third in a set of the table, which
			// then evicts one: a few misses, each a dissection.
			want := 2*2*turn*(rounds-1) - 2
			if pr.repeats > want || pr.repeats < want-turn {
				t.Errorf("%d repeats, want %d (%d at least)", pr.repeats, want, want-turn)
			}
		})
	}
}

// TestTemplatedRepeats checks that a direction's recent messages,
// repeated, are told by their templates: values and sequence numbers
// change, the template's bytes do not. Two messages in turn have a
// template each; a write of another address, one byte in the template
// away, is no repeat at all.
func TestTemplatedRepeats(t *testing.T) {
	const rounds = 10
	t.Run("steady", func(t *testing.T) {
		pr := newPair(t, demoRegistry(), 16)
		c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
		for i := range rounds {
			pr.send(c.Next(true, pdu('Q', 3, 0, 8, byte(i))))       // a read of 8 from 0, a sequence number
			pr.send(c.Next(false, pdu('R', 3, byte(i), byte(2*i)))) // the values read
		}
		pr.flush()
		// The second request was made with the first one's code in the
		// State, and is dissected; every later message is told by its
		// direction's template.
		checkTemplated(t, pr, 2*(rounds-1)-1, 2*(rounds-1)-1)
	})
	t.Run("in turn", func(t *testing.T) {
		pr := newPair(t, demoRegistry(), 16)
		c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
		for i := range rounds {
			for _, code := range []byte{3, 4} {
				pr.send(c.Next(true, pdu('Q', code, 0, 8, byte(i))))
				pr.send(c.Next(false, pdu('R', code, byte(i), 0)))
			}
		}
		pr.flush()
		// A request leaves its code in the State, so the first request
		// of the second round, made with code 4's State, is dissected;
		// every later message is told by one of its direction's two
		// templates.
		checkTemplated(t, pr, 4*(rounds-1)-1, 4*(rounds-1)-1)
	})
	t.Run("three in turn", func(t *testing.T) {
		pr := newPair(t, demoRegistry(), 16)
		c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
		for i := range rounds {
			for _, code := range []byte{3, 4, 6} {
				pr.send(c.Next(true, pdu('Q', code, 0, 8, byte(i))))
				pr.send(c.Next(false, pdu('R', code, byte(i), 0)))
			}
		}
		pr.flush()
		// As two in turn: the first request of the second round is
		// dissected, and its template replaces the first round's, made
		// with State zero; every later message is told by one of its
		// direction's three templates.
		checkTemplated(t, pr, 6*(rounds-1)-1, 6*(rounds-1)-1)
	})
	t.Run("across minutes", func(t *testing.T) {
		pr := newPair(t, demoRegistry(), 16)
		c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
		for range 3 {
			for i := range rounds {
				pr.send(c.Next(true, pdu('Q', 3, 0, 8, byte(i))))
				pr.send(c.Next(false, pdu('R', 3, byte(i), byte(2*i))))
			}
			pr.flush()
		}
		// The first minute as steady; in the next two every message is
		// told by a template of the minute before, which starts the
		// event again from what its message reported (the event's
		// details, the request's size and the response's, are those of
		// neither message alone).
		checkTemplated(t, pr, 2*(rounds-1)-1+2*2*rounds, 2*(rounds-1)-1+2*2*rounds)
	})
	t.Run("writes", func(t *testing.T) {
		pr := newPair(t, demoRegistry(), 16)
		c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
		for i := range rounds {
			pr.send(c.Next(true, pdu('Q', 0x10, 0, byte(i), 1, 2))) // a write of address i
			pr.send(c.Next(false, pdu('R', 0x10, 0, 0)))
		}
		pr.flush()
		// Only the responses repeat, each told by the template.
		checkTemplated(t, pr, rounds-1, rounds-1)
	})
}

// checkTemplated fails t unless pr's Tracker counted repeats and
// templated of them by a template since pr was made.
func checkTemplated(t *testing.T, pr *pair, repeats, templated int) {
	t.Helper()
	if pr.repeats != repeats || pr.templated != uint64(templated) {
		t.Errorf("%d repeats, %d told by a template; want %d and %d", pr.repeats, pr.templated, repeats, templated)
	}
}

// TestRepeatsRandom compares the two ways of counting on random mixes of
// repeated, changed, late, routed and unaddressed messages over a few
// conversations, a table of few flows and flushes at random points.
func TestRepeatsRandom(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			pr := newPair(t, demoRegistry(), 2+int(seed%4))
			var conns []*protocolstest.TCPConn
			for i := range 4 {
				conns = append(conns, pr.conn(fmt.Sprintf("10.0.0.%d:40000", 1+i), "10.0.0.9:7000"))
			}
			kinds := []byte{'Q', 'R', 'O', 'A', 'S'}
			codes := []byte{1, 2, 0x10, 0xe0, 0xee}
			for range 3000 {
				var p *decode.Packet
				fromClient := rng.IntN(2) == 0
				msg := pdu(kinds[rng.IntN(len(kinds))], codes[rng.IntN(len(codes))], byte(rng.IntN(3)), byte(rng.IntN(2)))
				if rng.IntN(4) == 0 {
					msg = pdu('Q', 1) // the steady poll, most of the time
				}
				switch rng.IntN(6) {
				case 0:
					client := fmt.Sprintf("10.0.1.%d:5000%d", 1+rng.IntN(3), rng.IntN(2))
					if fromClient {
						p = protocolstest.Datagram(client, "10.0.1.9:7000", msg)
					} else {
						p = protocolstest.Datagram("10.0.1.9:7000", client, msg)
					}
					p.VLAN = uint16(rng.IntN(2) * 10)
				default:
					p = conns[rng.IntN(len(conns))].Next(fromClient, msg)
				}
				switch rng.IntN(20) {
				case 0:
					p.SrcMAC[4] = byte(rng.IntN(2))
				case 1:
					p.DstMAC[4] = byte(rng.IntN(2))
				case 2:
					p.HasDstMAC = false
				case 3:
					p.HasEthernet = false
				case 4:
					p.TimestampNs = pr.cached.Now - int64(rng.IntN(5))*int64(time.Millisecond)
				}
				if rng.IntN(200) == 0 {
					p.TimestampNs = 0
					pr.sendRaw(p)
				} else {
					pr.send(p)
				}
				if rng.IntN(500) == 0 {
					pr.flush()
				}
			}
			pr.flush()
			if pr.repeats == 0 {
				t.Error("no message was counted as a repeat")
			}
		})
	}
}

// TestRepeatsAllocs pins counting repeats at zero allocations.
func TestRepeatsAllocs(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	req, resp := c.Next(true, pdu('Q', 0x10, 0, 100)), c.Next(false, pdu('R', 0x10))
	dgram := protocolstest.Datagram("10.0.0.3:50000", "10.0.0.2:7000", pdu('A', 2, 1))
	send := func(p *decode.Packet, next *uint32) {
		p.TCPSeq = *next
		*next += uint32(len(p.Payload))
		p.TimestampNs = 0 // the harness's clock
		h.Packet(p)
	}
	run := func() {
		send(req, &c.ClientNext)
		send(resp, &c.ServerNext)
		dgram.TimestampNs = 0
		h.Packet(dgram)
	}
	for range 5 {
		run()
	}
	if n := testing.AllocsPerRun(200, run); n != 0 {
		t.Errorf("%.1f allocations per round, want 0", n)
	}
	events, _, _ := h.Flush()
	checkEvents(t, summaries(events), []string{
		"0x10 10.0.0.1:40000>10.0.0.2:7000 n=412 q=206 r=206 e=0 size=0,2 write_range=D:100-101",
		"0x02 10.0.0.3:50000>10.0.0.2:7000 n=206 q=206 r=0 e=0 size=1",
	})
}

// forgetful is the demo dissector with a Repeater that leaves out the
// written address: it breaks the contract.
type forgetful struct{ demo }

func (forgetful) Repeat(b []byte, _ bool, key *protocols.RepeatKey) int {
	if len(b) < 6 || b[5] == 0xee {
		return 0
	}
	return copy(key[:], b[:6])
}

// TestRepeatContract checks the demo dissector's Repeater on messages of
// every kind, and that the check finds a Repeater that leaves out a byte
// the outcome depends on.
func TestRepeatContract(t *testing.T) {
	msgs := [][]byte{pdu('Q', 1), pdu('R', 1, 9, 9), pdu('Q', 0x10, 1, 2, 3), pdu('S', 0, 1, 2),
		pdu('R', 0xe0), pdu('O', 6, 1), pdu('A', 7), pdu('R', 0xee, 'P', 'L', 'C'), {'D', 'M', 0}}
	for _, m := range msgs {
		protocolstest.CheckRepeat(t, demo{}, m)
	}
	if err := protocolstest.RepeatViolation(forgetful{}, pdu('Q', 0x10, 1, 2, 3)); err == nil {
		t.Error("a key without the written address passed")
	} else {
		t.Log(err)
	}
	if err := protocolstest.RepeatViolation(lengthless{}, pdu('Q', 1, 1, 2, 3)); err == nil {
		t.Error("a key without the length passed") // a changed length makes the message malformed
	}
}

// lengthless is the demo dissector with a Repeater that leaves out the
// length field.
type lengthless struct{ demo }

func (lengthless) Repeat(b []byte, _ bool, key *protocols.RepeatKey) int {
	if len(b) < 6 || b[5] == 0xee || b[5] == 0x10 || b[4] == 'S' {
		return 0
	}
	return copy(key[:], b[4:6])
}

// TestHeldRepeatsKeepOrder checks that repeats held in a template are
// folded into their event before anything else counts in it: a message
// from another MAC address, found by its key or dissected, then leaves
// the event's addresses as counting every message in turn does, and a
// message without a time leaves the first time to the next one.
func TestHeldRepeatsKeepOrder(t *testing.T) {
	read := func(from, seq byte) []byte { return pdu('Q', 3, from, 8, seq) }
	for _, tc := range []struct {
		name string
		last func(pr *pair, c *protocolstest.TCPConn)
	}{
		{"found by key", func(pr *pair, c *protocolstest.TCPConn) {
			p := c.Next(true, read(0, 9))
			p.SrcMAC[5] ^= 0x40
			pr.send(p)
		}},
		{"dissected", func(pr *pair, c *protocolstest.TCPConn) {
			p := c.Next(true, read(2, 9)) // another block: no repeat
			p.SrcMAC[5] ^= 0x40
			pr.send(p)
		}},
		{"without a time", func(pr *pair, c *protocolstest.TCPConn) {
			p := c.Next(true, read(0, 9))
			p.TimestampNs = 0
			pr.sendRaw(p)
			for i := range 3 {
				pr.send(c.Next(true, read(0, byte(20+i))))
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr := newPair(t, demoRegistry(), 16)
			c := pr.conn("10.0.0.1:40000", "10.0.0.2:7000")
			for i := range 4 {
				pr.send(c.Next(true, read(0, byte(i))))
			}
			held := protocols.TemplatedCounted(pr.cached.Tracker)
			tc.last(pr, c)
			pr.flush()
			if held < 2 {
				t.Errorf("%d repeats held before the last message, want 2 or more", held)
			}
		})
	}
}

// TestHeldFrames checks layer-2 templates against dissecting every frame:
// a station's cyclic frames of three kinds in turn are held, a frame
// without a time leaves the first time to the next one, and a fourth
// kind between the same stations takes the place of the oldest template.
func TestHeldFrames(t *testing.T) {
	pr := newPair(t, demoRegistry(), 16)
	station, master := protocolstest.MAC("10.0.0.10"), protocolstest.MAC("10.0.0.1")
	for cycle := range 40 {
		for _, code := range []byte{1, 2, 3} {
			pr.send(protocolstest.Frame(station, master, demoEtherType, pdu('O', code, byte(cycle), 0, 0)))
		}
		switch cycle {
		case 20:
			f := protocolstest.Frame(station, master, demoEtherType, pdu('O', 1, 0xff, 0, 0))
			f.TimestampNs = 0
			pr.sendRaw(f)
		case 30:
			pr.send(protocolstest.Frame(station, master, demoEtherType, pdu('O', 4, 0, 0, 0)))
		}
	}
	held := protocols.TemplatedCounted(pr.cached.Tracker)
	pr.flush()
	if held < 60 {
		t.Errorf("%d frames held in templates, want 60 or more of 120", held)
	}
}

// TestTemplateTakenBack checks that a message found by its key takes back
// a template from a rare message that has gone unused for templateIdle:
// a station's fourth kind of frame takes the oldest of the three cyclic
// kinds' templates, which that kind gets back a second later.
func TestTemplateTakenBack(t *testing.T) {
	pr := newPair(t, demoRegistry(), 16)
	station, master := protocolstest.MAC("10.0.0.10"), protocolstest.MAC("10.0.0.1")
	send := func(code, cycle byte) {
		pr.send(protocolstest.Frame(station, master, demoEtherType, pdu('O', code, cycle, 0, 0)))
	}
	cycles := func(from, to int) uint64 {
		before := protocols.TemplatedCounted(pr.cached.Tracker)
		for cycle := from; cycle < to; cycle++ {
			for _, code := range []byte{1, 2, 3} {
				send(code, byte(cycle))
			}
		}
		return protocols.TemplatedCounted(pr.cached.Tracker) - before
	}
	if got := cycles(0, 10); got != 9*3 {
		t.Errorf("%d frames held in the first ten cycles, want %d", got, 9*3)
	}
	send(4, 0) // dissected: it takes the template of kind 1, sent longest ago
	// Within the second, kind 1 is found by its key every cycle.
	if got := cycles(10, 15); got != 5*2 {
		t.Errorf("%d frames held in the five cycles after the fourth kind, want %d", got, 5*2)
	}
	for _, h := range []*protocolstest.Harness{pr.cached, pr.plain} {
		h.Now += int64(2 * time.Second)
	}
	// A second later kind 1's first frame found by its key takes the
	// fourth kind's template back; every later frame is held.
	if got := cycles(15, 20); got != 5*3-1 {
		t.Errorf("%d frames held in five cycles a second later, want %d", got, 5*3-1)
	}
	pr.flush()
}
