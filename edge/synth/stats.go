package synth

import (
	"encoding/binary"
	"time"
)

// TrafficStats summarises a stretch of frames the way the plant's scale
// knobs are stated: rate, frame size, OT share and new connections.
type TrafficStats struct {
	Frames, Bytes int64
	// OTFrames counts frames of industrial protocols: TCP/UDP to or from
	// an OT service port of the factory, CC-Link IE Field Basic, and
	// CC-Link IE Field (EtherType 0x890F).
	OTFrames int64
	// NewConns counts TCP connections opened (SYNs without ACK) and UDP
	// flows started (a 5-tuple not seen for two minutes). UDP flows are
	// only counted from two minutes into the stream on: before that, a new
	// flow cannot be told from one that was running before the stream
	// began.
	NewConns int64
	// UDPFrom is when UDP flows started being counted, Unix ns.
	UDPFrom int64
	// First and Last are the timestamps of the first and last frame, Unix ns.
	First, Last int64

	newUDP int64 // the UDP part of NewConns
}

// Span is the time from the first to the last frame.
func (s TrafficStats) Span() time.Duration { return time.Duration(s.Last - s.First) }

func (s TrafficStats) per(v int64) float64 {
	if s.Last <= s.First {
		return 0
	}
	return float64(v) / s.Span().Seconds()
}

// FramesPerSec is the mean frame rate.
func (s TrafficStats) FramesPerSec() float64 { return s.per(s.Frames) }

// BitsPerSec is the mean rate in captured bits per second.
func (s TrafficStats) BitsPerSec() float64 { return 8 * s.per(s.Bytes) }

// ConnsPerMin is the mean rate of new connections per minute: TCP over
// the whole stream, UDP from UDPFrom on.
func (s TrafficStats) ConnsPerMin() float64 {
	tcp := 60 * s.per(s.NewConns-s.newUDP)
	if s.Last <= s.UDPFrom {
		return tcp
	}
	return tcp + 60*float64(s.newUDP)/(float64(s.Last-s.UDPFrom)/1e9)
}

// MeanFrame is the mean frame size in bytes.
func (s TrafficStats) MeanFrame() float64 {
	if s.Frames == 0 {
		return 0
	}
	return float64(s.Bytes) / float64(s.Frames)
}

// OTShare is the fraction of frames that are OT.
func (s TrafficStats) OTShare() float64 {
	if s.Frames == 0 {
		return 0
	}
	return float64(s.OTFrames) / float64(s.Frames)
}

// udpIdle is how long a UDP 5-tuple must be quiet before it counts as a
// new flow again: the sensor's flow table default.
const udpIdle = int64(2 * time.Minute)

type udpKey struct {
	a, b   [4]byte
	pa, pb uint16
}

// TrafficCounter accumulates TrafficStats over frames. OT ports come from
// the factory's industrial Talks.
type TrafficCounter struct {
	otTCP, otUDP map[uint16]bool
	udp          map[udpKey]int64
	lastSweep    int64
	s            TrafficStats
}

// NewTrafficCounter returns a counter for the traffic of f.
func NewTrafficCounter(f *Factory) *TrafficCounter {
	c := &TrafficCounter{otTCP: map[uint16]bool{}, otUDP: map[uint16]bool{ccPort: true}, udp: map[udpKey]int64{}}
	for _, t := range f.Talks {
		if !t.Proto.OT() {
			continue
		}
		port := t.Port
		if port == 0 {
			port = t.Proto.Port()
		}
		if t.Proto.UDP() {
			c.otUDP[port] = true
		} else {
			c.otTCP[port] = true
		}
	}
	return c
}

// Stats returns what was counted so far.
func (c *TrafficCounter) Stats() TrafficStats { return c.s }

// Add counts one frame captured at ts (Unix ns).
func (c *TrafficCounter) Add(frame []byte, ts int64) {
	s := &c.s
	if s.Frames == 0 {
		s.First = ts
		if s.UDPFrom == 0 {
			s.UDPFrom = ts + udpIdle
		}
	}
	s.Last = ts
	s.Frames++
	s.Bytes += int64(len(frame))
	if len(frame) < 14 {
		return
	}
	off := 12
	etype := binary.BigEndian.Uint16(frame[off:])
	if etype == etherVLAN && len(frame) >= 18 {
		off += 4
		etype = binary.BigEndian.Uint16(frame[off:])
	}
	ip := frame[off+2:]
	if etype == etherCCIE {
		s.OTFrames++
		return
	}
	if etype != etherIPv4 || len(ip) < 20 {
		return
	}
	hl := int(ip[0]&0x0f) * 4
	if len(ip) < hl+8 {
		return
	}
	l4 := ip[hl:]
	sp, dp := binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	switch ip[9] {
	case protoTCP:
		if c.otTCP[sp] || c.otTCP[dp] {
			s.OTFrames++
		}
		if len(l4) >= 14 && l4[13]&(tcpSYN|tcpACK) == tcpSYN {
			s.NewConns++
		}
	case protoUDP:
		if c.otUDP[sp] || c.otUDP[dp] {
			s.OTFrames++
		}
		// One key for both directions: the lower endpoint first.
		a, b := [4]byte(ip[12:16]), [4]byte(ip[16:20])
		k := udpKey{a, b, sp, dp}
		if string(b[:]) < string(a[:]) || (a == b && dp < sp) {
			k = udpKey{b, a, dp, sp}
		}
		if last, ok := c.udp[k]; (!ok || ts-last > udpIdle) && ts >= s.UDPFrom {
			s.NewConns++
			s.newUDP++
		}
		c.udp[k] = ts
		if ts-c.lastSweep > int64(time.Minute) {
			for k, last := range c.udp {
				if ts-last > udpIdle {
					delete(c.udp, k)
				}
			}
			c.lastSweep = ts
		}
	}
}

// Measure runs a generator on f from Start for warm+span and counts the
// frames of the last span: the plant's steady-state traffic.
func Measure(f *Factory, seed int64, warm, span time.Duration) TrafficStats {
	g := New(Config{Seed: seed, Factory: f, Duration: warm + span})
	c := NewTrafficCounter(f)
	from := g.Start().Add(warm).UnixNano()
	for {
		fr, ts, ok := g.Next()
		if !ok {
			break
		}
		if ts < from {
			c.learn(fr, ts)
			continue
		}
		if c.s.Frames == 0 {
			// UDP flows were learnt during the warm-up: count them at once.
			c.s.UDPFrom = ts
		}
		c.Add(fr, ts)
	}
	return c.Stats()
}

// learn notes UDP flows during a warm-up without counting anything, so
// flows that started earlier are not counted as new.
func (c *TrafficCounter) learn(frame []byte, ts int64) {
	saved := c.s
	c.s.Frames, c.s.UDPFrom = 1, 0 // count nothing as a first frame
	c.Add(frame, ts)
	c.s = saved
}
