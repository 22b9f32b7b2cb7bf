package sensor

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"mimamori/edge/capture"
	"mimamori/edge/synth"
	"mimamori/edge/wire/wirepb"
)

const t0 = 1_700_000_400 // a window start for 10-minute windows (multiple of 600)

func dev(mac byte, minute int64, packets uint64, ips ...byte) *wirepb.Device {
	d := &wirepb.Device{Mac: []byte{2, 0, 0, 0, 0, mac}, Evidence: 8,
		FirstUnixNs: minute*1e9 + 1e9, LastUnixNs: minute*1e9 + 59e9,
		SentPackets: packets, SentBytes: packets * 100, RecvPackets: packets, RecvBytes: packets * 60,
		Fingerprints: []*wirepb.Fingerprint{{Kind: wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN, Ttl: 64, Count: 2}}}
	for _, ip := range ips {
		d.Ips = append(d.Ips, []byte{10, 0, 0, ip})
	}
	return d
}

func event(fn string, minute int64, count uint64) *wirepb.OTEvent {
	return &wirepb.OTEvent{Protocol: "slmp", Code: 0x0401, Function: fn,
		SrcIp: []byte{10, 0, 0, 1}, DstIp: []byte{10, 0, 0, 2}, SrcPort: 50000, DstPort: 5000,
		Count: count, Requests: count / 2, Responses: count / 2,
		FirstUnixNs: minute*1e9 + 2e9, LastUnixNs: minute*1e9 + 58e9}
}

func name(minute int64, count uint32) *wirepb.Name {
	return &wirepb.Name{Ip: []byte{10, 0, 0, 9}, Name: "hmi-1", Source: wirepb.NameSource_NAME_SOURCE_DNS,
		Count: count, FirstUnixNs: minute*1e9 + 5e9, LastUnixNs: minute*1e9 + 6e9}
}

// describe lists what a batch sends, in order.
func describe(b *wirepb.Batch) []string {
	var out []string
	for _, d := range b.Devices {
		out = append(out, fmt.Sprintf("dev %d ips=%d pk=%d fp=%d %d-%d", d.Mac[5], len(d.Ips), d.SentPackets,
			d.Fingerprints[0].Count, (d.FirstUnixNs/1e9-t0)/60, (d.LastUnixNs/1e9-t0)/60))
	}
	for _, n := range b.Names {
		out = append(out, fmt.Sprintf("name n=%d %d-%d", n.Count, (n.FirstUnixNs/1e9-t0)/60, (n.LastUnixNs/1e9-t0)/60))
	}
	for _, e := range b.OtEvents {
		out = append(out, fmt.Sprintf("ot %s n=%d rq=%d %d-%d", e.Function, e.Count, e.Requests,
			(e.FirstUnixNs/1e9-t0)/60, (e.LastUnixNs/1e9-t0)/60))
	}
	return out
}

func TestDeferral(t *testing.T) {
	m := func(i int64) int64 { return t0 + 60*i }
	type step struct {
		minute  int64
		batch   *wirepb.Batch
		release []string // Release before Apply, when overdue
		want    []string
	}
	tests := []struct {
		name  string
		every time.Duration
		steps []step
	}{{
		name: "new at once, repeats at the window's end", every: 10 * time.Minute,
		steps: []step{
			{minute: m(0), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(0), 10, 5)}, OtEvents: []*wirepb.OTEvent{event("RUN", m(0), 4)}, Names: []*wirepb.Name{name(m(0), 1)}},
				want: []string{"dev 1 ips=1 pk=10 fp=2 0-0", "name n=1 0-0", "ot RUN n=4 rq=2 0-0"}},
			{minute: m(1), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(1), 20, 5)}, OtEvents: []*wirepb.OTEvent{event("RUN", m(1), 6)}, Names: []*wirepb.Name{name(m(1), 0)}}},
			{minute: m(2), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(2), 30, 5)}, OtEvents: []*wirepb.OTEvent{event("RUN", m(2), 8)}, Names: []*wirepb.Name{name(m(2), 3)}}},
			{minute: m(9), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(9), 40, 5)}},
				want: []string{"dev 1 ips=1 pk=90 fp=6 1-9", "name n=4 1-2", "ot RUN n=14 rq=7 1-2"}},
			// The next window: known keys wait for its end.
			{minute: m(10), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(10), 1, 5)}}},
			{minute: m(19), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(19), 2, 5)}},
				want: []string{"dev 1 ips=1 pk=3 fp=4 10-19"}},
			// Not heard in the window 20..29: news again in 30.
			{minute: m(30), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(30), 7, 5)}},
				want: []string{"dev 1 ips=1 pk=7 fp=2 30-30"}},
		},
	}, {
		name: "what is new goes at once, each thing said is held apart", every: 10 * time.Minute,
		steps: []step{
			{minute: m(0), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(0), 10, 5)}, OtEvents: []*wirepb.OTEvent{event("RUN", m(0), 4)}},
				want: []string{"dev 1 ips=1 pk=10 fp=2 0-0", "ot RUN n=4 rq=2 0-0"}},
			{minute: m(1), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(1), 20, 5)}, OtEvents: []*wirepb.OTEvent{event("RUN", m(1), 6)}}},
			{minute: m(2), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(2), 30, 5, 6)}, OtEvents: []*wirepb.OTEvent{event("RUN (extras)", m(2), 2)}},
				want: []string{"dev 1 ips=2 pk=30 fp=2 2-2", "ot RUN (extras) n=2 rq=1 2-2"}},
			{minute: m(3), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(3), 5, 5, 6)}}},
			{minute: m(4), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(4), 7, 5)}}},
			{minute: m(9), batch: &wirepb.Batch{},
				want: []string{"dev 1 ips=1 pk=27 fp=4 1-4", "dev 1 ips=2 pk=5 fp=2 3-3", "ot RUN n=6 rq=3 1-1"}},
		},
	}, {
		name: "a window without its last minute is released on its own", every: 10 * time.Minute,
		steps: []step{
			{minute: m(0), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(0), 10, 5)}},
				want: []string{"dev 1 ips=1 pk=10 fp=2 0-0"}},
			{minute: m(4), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(4), 20, 5)}}},
			{minute: m(12), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(12), 30, 5)}},
				release: []string{"dev 1 ips=1 pk=20 fp=2 4-4"}},
			// A late minute of the window before passes unchanged.
			{minute: m(5), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(5), 1, 5)}},
				want: []string{"dev 1 ips=1 pk=1 fp=2 5-5"}},
			{minute: m(19), batch: &wirepb.Batch{},
				want: []string{"dev 1 ips=1 pk=30 fp=2 12-12"}},
		},
	}, {
		name: "a clock set back more than a window starts afresh", every: 10 * time.Minute,
		steps: []step{
			{minute: m(60), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(60), 10, 5)}},
				want: []string{"dev 1 ips=1 pk=10 fp=2 60-60"}},
			{minute: m(61), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(61), 20, 5)}}},
			// An hour back: what was held goes out first, and every key is
			// news again.
			{minute: m(3), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(3), 5, 5)}},
				release: []string{"dev 1 ips=1 pk=20 fp=2 61-61"},
				want:    []string{"dev 1 ips=1 pk=5 fp=2 3-3"}},
			{minute: m(4), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(4), 6, 5)}}},
			{minute: m(9), batch: &wirepb.Batch{},
				want: []string{"dev 1 ips=1 pk=6 fp=2 4-4"}},
		},
	}, {
		name: "one-minute reports hold nothing", every: time.Minute,
		steps: []step{
			{minute: m(0), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(0), 10, 5)}},
				want: []string{"dev 1 ips=1 pk=10 fp=2 0-0"}},
			{minute: m(1), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(1), 20, 5)}},
				want: []string{"dev 1 ips=1 pk=20 fp=2 1-1"}},
		},
	}, {
		name: "two records of a key in one minute add up", every: 5 * time.Minute,
		steps: []step{
			{minute: m(0), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(0), 10, 5), dev(1, m(0), 1, 5)}},
				want: []string{"dev 1 ips=1 pk=10 fp=2 0-0"}},
			{minute: m(4), batch: &wirepb.Batch{Devices: []*wirepb.Device{dev(1, m(4), 2, 5)}},
				want: []string{"dev 1 ips=1 pk=3 fp=4 0-4"}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDeferral(tt.every)
			for i, s := range tt.steps {
				s.batch.Minute = s.minute
				var released []string
				if d.Overdue(s.minute) {
					released = describe(d.Release())
				}
				if !slices.Equal(released, s.release) {
					t.Errorf("step %d: released %q, want %q", i, released, s.release)
				}
				d.Apply(s.batch)
				if got := describe(s.batch); !slices.Equal(got, s.want) {
					t.Errorf("step %d (minute %d): sends %q, want %q", i, (s.minute-t0)/60, got, s.want)
				}
			}
			if d.Holding() {
				t.Errorf("still holding at the end: %q", describe(d.Release()))
			}
		})
	}
}

func TestNewDeferralWindows(t *testing.T) {
	for _, tt := range []struct {
		every time.Duration
		want  int64
	}{{10 * time.Minute, 600}, {5 * time.Minute, 300}, {time.Hour, 3600}, {time.Minute, 0}, {0, 0},
		{7 * time.Minute, 0}, {90 * time.Second, 0}, {-time.Minute, 0}} {
		if got := NewDeferral(tt.every).window; got != tt.want {
			t.Errorf("NewDeferral(%v) window %d s, want %d", tt.every, got, tt.want)
		}
	}
}

func TestConfigReportEvery(t *testing.T) {
	for _, tt := range []struct {
		every time.Duration
		ok    bool
	}{{0, true}, {time.Minute, true}, {10 * time.Minute, true}, {time.Hour, true}, {24 * time.Hour, true},
		{7 * time.Minute, false}, {90 * time.Second, false}, {25 * time.Hour, false}} {
		c := Config{Tenant: "acme", ID: "s1", DataDir: t.TempDir(), ReportEvery: tt.every}
		if err := c.setDefaults(); (err == nil) != tt.ok {
			t.Errorf("ReportEvery %v: error %v, want ok=%v", tt.every, err, tt.ok)
		}
	}
}

// A sensor that holds back repeats sends the same totals, over a stream
// that starts mid-window and ends mid-window, as one that sends every
// minute's records: per device, name and OT event key, the same counters
// and the same first and last times.
func TestSensorDeferralTotals(t *testing.T) {
	start := time.Date(2026, 11, 24, 8, 3, 0, 0, time.UTC)
	run := func(every time.Duration) (totals map[string]string, records int) {
		src := Source{Name: "synth", Open: func() (capture.Source, error) {
			g := synth.New(synth.Config{Seed: 11, Start: start, Duration: 13 * time.Minute})
			return synth.NewSource(g, synth.AsFastAsPossible()), nil
		}}
		s := startOfflineWith(t, []Source{src}, func(c *Config) { c.ReportEvery = every })
		waitDrained(t, s)
		type sum struct{ n, a, b, first, last int64 }
		acc := map[string]*sum{}
		add := func(k string, n, a, b, first, last int64) {
			x := acc[k]
			if x == nil {
				x = &sum{first: first}
				acc[k] = x
			}
			x.n, x.a, x.b = x.n+n, x.a+a, x.b+b
			x.first, x.last = min(x.first, first), max(x.last, last)
		}
		for _, b := range spooled(t, s) {
			records += len(b.Devices) + len(b.Names) + len(b.OtEvents)
			for _, d := range b.Devices {
				add(fmt.Sprintf("dev %x %d", d.Mac, d.Vlan), int64(d.SentPackets), int64(d.RecvBytes), int64(len(d.Ips)), d.FirstUnixNs/1e9, d.LastUnixNs/1e9)
			}
			for _, n := range b.Names {
				add(fmt.Sprintf("name %x %s %d", n.Ip, n.Name, n.Source), int64(max(n.Count, 1)), 0, 0, n.FirstUnixNs/1e9, n.LastUnixNs/1e9)
			}
			for _, e := range b.OtEvents {
				add(fmt.Sprintf("ot %s %d %x %d %x %d", e.Protocol, e.Code, e.SrcIp, e.SrcPort, e.DstIp, e.DstPort),
					int64(e.Count), int64(e.Requests), int64(e.Errors), e.FirstUnixNs/1e9, e.LastUnixNs/1e9)
			}
		}
		totals = map[string]string{}
		for k, x := range acc {
			// The number of addresses sent depends on how records group,
			// not what the cloud learns; it is left out.
			totals[k] = fmt.Sprintf("n=%d a=%d %d-%d", x.n, x.a, x.first, x.last)
		}
		return totals, records
	}
	want, every := run(time.Minute)
	got, held := run(5 * time.Minute)
	if len(want) < 50 {
		t.Fatalf("only %d keys; the comparison proves little", len(want))
	}
	if held*3 > every*2 {
		t.Errorf("%d records sent with deferral, %d without; want under two thirds", held, every)
	}
	for k, w := range want {
		if g := got[k]; g != w {
			t.Errorf("%s: %s with deferral, %s without", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s only with deferral", k)
		}
	}
	t.Logf("%d keys; %d records sent every minute, %d held back", len(want), every, held)
}
