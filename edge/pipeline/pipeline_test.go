package pipeline

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/capture"
	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

var base = time.Date(2025, 4, 1, 9, 30, 0, 0, time.UTC)

// at returns base plus s seconds.
func at(s float64) time.Time { return base.Add(time.Duration(s * float64(time.Second))) }

// udpFrame serialises an Ethernet/IPv4/UDP frame.
func udpFrame(t testing.TB, src, dst string, sport, dport uint16, payload string) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// arpFrame is a gratuitous ARP from 10.0.0.1.
func arpFrame(t testing.TB) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP}
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: 1, SourceHwAddress: []byte{2, 0, 0, 0, 0, 1}, SourceProtAddress: []byte{10, 0, 0, 1},
		DstHwAddress: make([]byte, 6), DstProtAddress: []byte{10, 0, 0, 1}}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, eth, arp); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ci(ts time.Time, frame []byte) gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}
}

// fakeObserver counts frames and returns one device per flush.
type fakeObserver struct{ frames int }

func (o *fakeObserver) Observe(*decode.Packet) { o.frames++ }
func (o *fakeObserver) Flush() ([]*wirepb.Device, []*wirepb.Name) {
	d := []*wirepb.Device{{Mac: []byte{2, 0, 0, 0, 0, 1}, SentPackets: uint64(o.frames)}}
	n := []*wirepb.Name{{Name: "plc1", Ip: []byte{10, 0, 0, 2}}}
	o.frames = 0
	return d, n
}

// collect returns a pipeline whose sealed batches land in *out.
func collect(obs Observer, out *[]*wirepb.Batch) *Pipeline {
	return New(Options{Source: "test", Observer: obs, OnMinute: func(b *wirepb.Batch) { *out = append(*out, b) }})
}

func TestMinuteSealing(t *testing.T) {
	var got []*wirepb.Batch
	obs := &fakeObserver{}
	p := collect(obs, &got)
	req := udpFrame(t, "10.0.0.1", "10.0.0.2", 40000, 502, "ping")
	resp := udpFrame(t, "10.0.0.2", "10.0.0.1", 502, 40000, "pong!")
	arp := arpFrame(t)
	bad := []byte{0x02, 0, 0} // truncated Ethernet

	p.Packet(req, ci(at(10), req), layers.LinkTypeEthernet)
	p.Packet(resp, ci(at(10.5), resp), layers.LinkTypeEthernet)
	p.Packet(arp, ci(at(20), arp), layers.LinkTypeEthernet)
	if len(got) != 0 {
		t.Fatalf("sealed %d minutes before the minute ended", len(got))
	}
	p.Packet(req, ci(at(70), req), layers.LinkTypeEthernet)   // minute 1 seals minute 0
	p.Packet(resp, ci(at(59), resp), layers.LinkTypeEthernet) // late: counts in minute 1
	p.Packet(bad, ci(at(71), bad), layers.LinkTypeEthernet)
	if len(got) != 1 {
		t.Fatalf("sealed %d minutes, want 1", len(got))
	}
	p.Close()
	p.Close() // idempotent
	p.Packet(req, ci(at(200), req), layers.LinkTypeEthernet)
	if len(got) != 2 {
		t.Fatalf("sealed %d minutes, want 2", len(got))
	}

	b0, b1 := got[0], got[1]
	if b0.Minute != base.Unix() || b1.Minute != base.Unix()+60 {
		t.Errorf("minutes %d, %d", b0.Minute-base.Unix(), b1.Minute-base.Unix())
	}
	s0, s1 := b0.Captures[0], b1.Captures[0]
	wantBytes0 := uint64(len(req) + len(resp) + len(arp))
	if s0.Source != "test" || s0.Packets != 3 || s0.Bytes != wantBytes0 || s0.NonIpPackets != 1 || s0.DecodeErrors != 0 || s0.FlowsActive != 1 {
		t.Errorf("minute 0 stats %+v (want 3 packets, %d bytes, 1 non-IP, 1 flow)", s0, wantBytes0)
	}
	if s1.Packets != 3 || s1.DecodeErrors != 1 || s1.NonIpPackets != 0 {
		t.Errorf("minute 1 stats %+v (want 3 packets, 1 decode error)", s1)
	}
	if len(b0.Flows) != 1 || b0.Flows[0].SrcPackets != 1 || b0.Flows[0].DstPackets != 1 || b0.Flows[0].State != wirepb.FlowState_FLOW_STATE_NEW {
		t.Errorf("minute 0 flows %v", b0.Flows)
	}
	if len(b1.Flows) != 1 || b1.Flows[0].SrcPackets != 1 || b1.Flows[0].DstPackets != 1 || b1.Flows[0].State != wirepb.FlowState_FLOW_STATE_CONTINUED {
		t.Errorf("minute 1 flows %v", b1.Flows)
	}
	if len(b0.Devices) != 1 || b0.Devices[0].SentPackets != 3 || len(b0.Names) != 1 || b1.Devices[0].SentPackets != 3 {
		t.Errorf("observer output not carried: %v / %v", b0.Devices, b1.Devices)
	}
	if b0.Tenant != "" || b0.Sensor != "" || b0.Seq != 0 {
		t.Errorf("identity should be left to the sensor: %q %q %d", b0.Tenant, b0.Sensor, b0.Seq)
	}
}

func TestAdvance(t *testing.T) {
	var got []*wirepb.Batch
	p := collect(&fakeObserver{}, &got)
	req := udpFrame(t, "10.0.0.1", "10.0.0.2", 40000, 502, "ping")
	p.Packet(req, ci(at(10), req), layers.LinkTypeEthernet)
	p.Advance(at(61).UnixNano())
	if len(got) != 0 {
		t.Fatal("sealed within the seal delay")
	}
	p.Advance(at(62).UnixNano())
	if len(got) != 1 || got[0].Minute != base.Unix() || got[0].Captures[0].Packets != 1 {
		t.Fatalf("after the delay: %d batches", len(got))
	}
	p.Advance(at(122).UnixNano()) // an idle minute still yields a batch
	if len(got) != 2 || got[1].Minute != base.Unix()+60 || got[1].Captures[0].Packets != 0 {
		t.Fatalf("idle minute: %d batches", len(got))
	}
	p.Advance(at(3600).UnixNano()) // a stall skips the empty minutes
	if len(got) != 3 {
		t.Fatalf("after a stall: %d batches, want 3", len(got))
	}
	p.Packet(req, ci(at(3601), req), layers.LinkTypeEthernet)
	p.Close()
	// The minute in progress at the stall (3540) seals empty when the
	// frame of minute 3600 arrives.
	if len(got) != 5 || got[3].Minute != base.Unix()+3540 {
		t.Fatalf("%d batches, want 5 ending with minutes 3540 and 3600", len(got))
	}
	if last := got[4]; last.Minute != base.Unix()+3600 || last.Captures[0].Packets != 1 {
		t.Errorf("after the stall the minute is %d with %d packets", last.Minute-base.Unix(), last.Captures[0].Packets)
	}

	// A pipeline that has seen nothing starts its minute from the clock.
	got = nil
	p = collect(&fakeObserver{}, &got)
	p.Advance(at(5).UnixNano())
	p.Advance(at(63).UnixNano())
	if len(got) != 1 || got[0].Minute != base.Unix() {
		t.Errorf("idle from the start: %d batches", len(got))
	}
}

// TestClockSetBack: on a live source, a clock set back (NTP correcting a
// clock that ran an hour ahead) seals the minute in progress at once and
// counts on from the new time, for packets and for an idle source alike;
// flows last heard before it still expire by their idle timeout; a packet
// less than two minutes late still counts in the current minute, and in a
// capture file any late packet does.
func TestClockSetBack(t *testing.T) {
	var got []*wirepb.Batch
	p := collect(&fakeObserver{}, &got)
	p.opts.Live = true
	req := udpFrame(t, "10.0.0.1", "10.0.0.2", 40000, 502, "ping")
	other := udpFrame(t, "10.0.0.3", "10.0.0.2", 40001, 502, "ping")
	p.Packet(other, ci(at(3605), other), layers.LinkTypeEthernet)
	p.Packet(req, ci(at(3610), req), layers.LinkTypeEthernet)
	p.Packet(req, ci(at(3600-90), req), layers.LinkTypeEthernet) // late, not set back
	if len(got) != 0 {
		t.Fatalf("a packet 100 s late sealed %d minutes", len(got))
	}
	p.Packet(req, ci(at(10), req), layers.LinkTypeEthernet) // an hour back
	if len(got) != 1 || got[0].Minute != base.Unix()+3600 || got[0].Captures[0].Packets != 3 {
		t.Fatalf("after the clock was set back: %d batches", len(got))
	}
	for _, s := range []float64{70, 130, 190} {
		p.Packet(req, ci(at(s), req), layers.LinkTypeEthernet)
	}
	if len(got) != 4 || got[1].Minute != base.Unix() || got[1].Captures[0].Packets != 1 {
		t.Fatalf("the minutes after the jump: %d batches", len(got))
	}
	// The other flow, silent since the jump, is gone at the end of minute
	// 120 (UDP: two idle minutes), not an hour later.
	if c := got[3].Captures[0]; c.FlowsExpired != 1 || c.FlowsActive != 1 {
		t.Errorf("minute 120: %d flows expired, %d active; want 1 and 1", c.FlowsExpired, c.FlowsActive)
	}

	// From a capture file, an old packet is only late: it counts in the
	// current minute.
	got = nil
	p = collect(&fakeObserver{}, &got)
	p.Packet(req, ci(at(3610), req), layers.LinkTypeEthernet)
	p.Packet(req, ci(at(10), req), layers.LinkTypeEthernet)
	p.Close()
	if len(got) != 1 || got[0].Minute != base.Unix()+3600 || got[0].Captures[0].Packets != 2 {
		t.Fatalf("a file's old packet: %d batches", len(got))
	}

	// An idle live source: the wall clock goes back.
	got = nil
	p = collect(&fakeObserver{}, &got)
	p.Packet(req, ci(at(3610), req), layers.LinkTypeEthernet)
	p.Advance(at(20).UnixNano())
	if len(got) != 1 || got[0].Minute != base.Unix()+3600 {
		t.Fatalf("idle, clock set back: %d batches", len(got))
	}
	p.Advance(at(62).UnixNano())
	if len(got) != 2 || got[1].Minute != base.Unix() || got[1].Captures[0].Packets != 0 {
		t.Fatalf("idle, the minute after the jump: %d batches", len(got))
	}
}

func TestKernelDrops(t *testing.T) {
	var got []*wirepb.Batch
	p := collect(&fakeObserver{}, &got)
	req := udpFrame(t, "10.0.0.1", "10.0.0.2", 40000, 502, "ping")
	p.Packet(req, ci(at(1), req), layers.LinkTypeEthernet)
	p.SetKernelDrops(5)
	p.Packet(req, ci(at(61), req), layers.LinkTypeEthernet)
	p.SetKernelDrops(8)
	p.Packet(req, ci(at(121), req), layers.LinkTypeEthernet)
	p.SetKernelDrops(2) // reopened source
	p.Close()
	var drops []uint64
	for _, b := range got {
		drops = append(drops, b.Captures[0].KernelDrops)
	}
	if len(drops) != 3 || drops[0] != 5 || drops[1] != 3 || drops[2] != 2 {
		t.Errorf("drops per minute %v, want [5 3 2]", drops)
	}
}

// fakeSource replays frames, then returns err forever.
type fakeSource struct {
	frames [][]byte
	times  []time.Time
	err    error
	drops  uint64
	reads  int
}

func (s *fakeSource) Name() string { return "fake" }
func (s *fakeSource) ReadPacket() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	s.reads++
	if len(s.frames) == 0 {
		return nil, gopacket.CaptureInfo{}, 0, s.err
	}
	f, ts := s.frames[0], s.times[0]
	s.frames, s.times = s.frames[1:], s.times[1:]
	return f, ci(ts, f), layers.LinkTypeEthernet, nil
}
func (s *fakeSource) Drops() uint64 { return s.drops }
func (s *fakeSource) Close() error  { return nil }

func TestRun(t *testing.T) {
	req := udpFrame(t, "10.0.0.1", "10.0.0.2", 40000, 502, "ping")
	bad := []byte{1, 2, 3}
	shortFile := errors.Join(capture.ErrShortFile, io.EOF)
	tests := []struct {
		name    string
		err     error
		wantErr error
	}{
		{"eof", io.EOF, nil},
		{"short_file", shortFile, io.EOF},
		{"failure", errors.New("device gone"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []*wirepb.Batch
			p := collect(&fakeObserver{}, &got)
			src := &fakeSource{frames: [][]byte{req, bad, req}, times: []time.Time{at(1), at(2), at(61)}, err: tt.err, drops: 4}
			err := Run(context.Background(), src, p)
			switch {
			case tt.name == "failure":
				if err == nil || err.Error() != "device gone" {
					t.Fatalf("Run = %v, want the source's error", err)
				}
			case tt.wantErr == nil && err != nil, tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("Run = %v, want %v", err, tt.wantErr)
			}
			p.Close()
			if len(got) != 2 || got[0].Captures[0].Packets != 2 || got[0].Captures[0].DecodeErrors != 1 {
				t.Fatalf("batches %d; a decode error must not stop the run", len(got))
			}
			if d := got[0].Captures[0].KernelDrops + got[1].Captures[0].KernelDrops; d != 4 {
				t.Errorf("drops %d, want 4", d)
			}
		})
	}
}

// TestRunIdleLive checks that an idle live source lets minutes seal by the
// wall clock and that cancellation ends Run promptly.
func TestRunIdleLive(t *testing.T) {
	var got []*wirepb.Batch
	p := New(Options{Source: "live", Observer: &fakeObserver{}, SealDelay: time.Millisecond, OnMinute: func(b *wirepb.Batch) { got = append(got, b) }})
	req := udpFrame(t, "10.0.0.1", "10.0.0.2", 40000, 502, "ping")
	// A frame stamped two minutes ago, then silence.
	src := &fakeSource{frames: [][]byte{req}, times: []time.Time{time.Now().Add(-2 * time.Minute)}, err: capture.ErrTimeout}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Run(ctx, src, p)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v, want the context's error", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("Run took %v to notice cancellation", time.Since(start))
	}
	// The old minute is sealed; so is the minute in progress, empty, if
	// the wall clock crossed into the next one while Run went on.
	crossed := int(time.Now().Add(-time.Millisecond).Unix()/60 - start.Add(-time.Millisecond).Unix()/60)
	if len(got) < 1 || len(got) > 1+crossed || got[0].Captures[0].Packets != 1 {
		t.Fatalf("%d batches sealed while idle, want the old minute (and at most %d empty)", len(got), crossed)
	}
	for _, b := range got[1:] {
		if b.Captures[0].Packets != 0 {
			t.Errorf("an idle minute counted %d packets", b.Captures[0].Packets)
		}
	}
}

func TestMinuteStart(t *testing.T) {
	for _, tt := range []struct{ ts, want int64 }{
		{0, 0}, {59_999_999_999, 0}, {60_000_000_000, 60_000_000_000}, {-1, -60_000_000_000},
	} {
		if got := minuteStart(tt.ts); got != tt.want {
			t.Errorf("minuteStart(%d) = %d, want %d", tt.ts, got, tt.want)
		}
	}
}
