package protocols

import (
	"mimamori/edge/decode"
)

// TCP reassembly. Each direction of a conversation keeps a small stream
// state in its conv: the next expected sequence number, whether it is at a
// PDU boundary, and at most one reassembly buffer holding a PDU that began
// in an earlier segment. Segments that contain whole PDUs (the common case
// for request/response protocols) are dissected in place, without a copy.
//
// The rules, in the order they apply to a segment:
//   - bytes before the expected sequence number were seen already
//     (retransmission) and are cut off; a segment holding only such bytes
//     is ignored;
//   - a segment beyond the expected sequence number means bytes were lost
//     or reordered: the partial PDU is dropped and the stream resyncs;
//   - a resyncing stream (also every stream's first segment, which may
//     start in the middle of a PDU) resumes only at a segment that starts
//     with a PDU the dissector recognises (see resume), judged once the
//     PDU is complete; until then segments are skipped;
//   - a PDU longer than the buffer cap is skipped by its announced length;
//   - FIN or RST releases the direction's buffer at once, and buffers not
//     touched for a minute are released at the next flush, so a
//     conversation that vanishes without closing cannot pin memory.
//
// There is no reordering queue: a segment that arrives after a later one
// is treated as a retransmission. OT traffic is request/response on a
// switched LAN, where reordering is rare; keeping no queue keeps the
// memory bound simple (buffers × cap).

// stream is one direction of a TCP conversation.
type stream struct {
	next   uint32 // next expected sequence number, valid when known
	skip   uint32 // bytes of an oversized PDU still to skip
	buf    int32  // reassembly buffer index + 1, 0 for none
	known  bool
	resync bool // not at a known PDU boundary: waiting for one
	// tentative marks a buffered PDU found while resyncing, to be judged
	// by resume once complete.
	tentative bool
}

// inStep reports whether p, a TCP segment of the stream's direction, is
// the next one at a PDU boundary with nothing buffered, skipped or
// closing: a segment that, when it is one whole PDU, may be counted as a
// repeat without reassembly.
func (s *stream) inStep(p *decode.Packet) bool {
	return s.known && !s.resync && s.buf == 0 && s.skip == 0 && p.TCPSeq == s.next &&
		p.TCPFlags&(decode.FlagFIN|decode.FlagRST) == 0
}

// buffer is one reassembly buffer of the pool.
type buffer struct {
	data    []byte
	owner   int32  // conv slot
	ownerID uint64 // conv ID at the time
	dir     uint8
	usedNs  int64 // packet time of the last append
	inUse   bool
}

// pool hands out reassembly buffers, at most max of them, each allocated
// once with capacity size and reused.
type pool struct {
	bufs []buffer
	free []int32
	max  int
	size int
}

// get returns a buffer for conv slot owner, direction dir, or 0 when
// every buffer is taken.
func (p *pool) get(owner int32, ownerID uint64, dir uint8, now int64) int32 {
	var i int32
	switch {
	case len(p.free) > 0:
		i = p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
	case len(p.bufs) < p.max:
		p.bufs = append(p.bufs, buffer{data: make([]byte, 0, p.size)})
		i = int32(len(p.bufs) - 1)
	default:
		return 0
	}
	b := &p.bufs[i]
	b.data = b.data[:0]
	b.owner, b.ownerID, b.dir, b.usedNs, b.inUse = owner, ownerID, dir, now, true
	return i + 1
}

// put returns buffer ref (index + 1) to the pool.
func (p *pool) put(ref int32) {
	b := &p.bufs[ref-1]
	if !b.inUse {
		return
	}
	b.inUse = false
	b.data = b.data[:0]
	p.free = append(p.free, ref-1)
}

// inUse counts the buffers handed out.
func (p *pool) inUse() int { return len(p.bufs) - len(p.free) }

// headerChunk is how many bytes are added at a time to a buffered PDU
// whose header is still incomplete.
const headerChunk = 64

// tcp feeds one segment to the conversation's stream in its direction.
// probed says the dissector's Probe accepted this payload a moment ago.
func (t *Tracker) tcp(probed bool) {
	c, p := t.cur.c, t.cur.p
	di := uint8(0)
	if !t.cur.ref.FromInitiator {
		di = 1
	}
	s := &c.dir[di]
	data := p.Payload
	// The common case first: in step, nothing pending, and the segment is
	// exactly one PDU.
	if s.known && !s.resync && s.buf == 0 && s.skip == 0 && p.TCPSeq == s.next && p.TCPFlags&(decode.FlagFIN|decode.FlagRST) == 0 {
		if n, err := t.cur.d.Frame(data); err == nil && n == len(data) {
			s.next += uint32(n)
			t.dissect(data, TCP)
			return
		}
	}
	switch {
	case !s.known:
		// The first segment seen may start inside a PDU.
		s.known, s.resync = true, !probed
	case int32(p.TCPSeq-s.next) < 0:
		back := -int64(int32(p.TCPSeq - s.next))
		if back >= int64(len(data)) {
			return // a retransmission of bytes already seen
		}
		data = data[back:]
	case p.TCPSeq != s.next:
		t.stats.Gaps++
		t.lose(s)
	}
	s.next = p.TCPSeq + uint32(len(p.Payload))
	if s.skip > 0 {
		k := min(uint32(len(data)), s.skip)
		s.skip -= k
		data = data[k:]
	}
	if len(data) > 0 {
		t.feed(s, di, data)
	}
	switch {
	case p.TCPFlags&decode.FlagRST != 0:
		t.release(&c.dir[0])
		t.release(&c.dir[1])
	case p.TCPFlags&decode.FlagFIN != 0:
		t.release(s)
	}
}

// feed processes in-order stream bytes: first completing a PDU waiting in
// the buffer, then whole PDUs in place, and keeping a trailing partial PDU.
// A resyncing stream resumes at a PDU that frames and that resume accepts;
// a candidate that continues in later segments is kept tentatively and
// judged once complete.
func (t *Tracker) feed(s *stream, di uint8, data []byte) {
	d := t.cur.d
	if s.buf != 0 {
		var done bool
		if data, done = t.complete(s, data); !done {
			return
		}
	}
	for len(data) > 0 {
		n, err := d.Frame(data)
		switch {
		case err != nil:
			if !s.resync {
				t.stats.Malformed++
				s.resync = true
			}
			return
		case n > 0 && n <= len(data):
			// A whole PDU, whatever its size: no copy needed.
			if s.resync {
				if !t.resume(data) {
					return
				}
				s.resync = false
			}
			t.dissect(data[:n], TCP)
			data = data[n:]
		case n > t.opts.BufferSize:
			if s.resync {
				if !t.resume(data) {
					return // an unrecognised header is no reason to skip ahead
				}
				s.resync = false
			}
			t.stats.Oversized++
			s.skip = uint32(n - len(data))
			return
		default:
			s.tentative = s.resync
			t.keep(s, di, data)
			return
		}
	}
}

// resume decides whether a resyncing stream can start again at data. On
// the protocol's own port a header that frames is enough, as for a
// dissector that trusts its port; a conversation found by the heuristic
// must pass Probe again, so that a stream which is not the protocol after
// all does not start producing events.
func (t *Tracker) resume(data []byte) bool {
	cur := &t.cur
	if cur.c.port != 0 {
		_, err := cur.d.Frame(data)
		return err == nil
	}
	return cur.d.Probe(data, Conn{Transport: TCP, SrcPort: cur.p.SrcPort, DstPort: cur.p.DstPort})
}

// complete adds data to the PDU waiting in s's buffer. When the PDU is
// complete it is dissected and complete returns the bytes after it and
// true; while it is not, it returns false.
func (t *Tracker) complete(s *stream, data []byte) ([]byte, bool) {
	d := t.cur.d
	b := &t.pool.bufs[s.buf-1]
	b.usedNs = t.cur.p.TimestampNs
	var before []byte // data as it was before the last append
	for {
		n, err := d.Frame(b.data)
		switch {
		case err != nil:
			// What was kept does not frame after all: drop it and look
			// for a PDU at the start of the new bytes.
			if !s.tentative {
				t.stats.Malformed++
			}
			t.release(s)
			s.resync, s.tentative = true, false
			return data, true
		case n > 0 && len(b.data) >= n:
			// Bytes appended past the PDU belong to what follows. Those
			// of the last append (a blind chunk while the header was
			// incomplete) are given back; more than that is possible
			// only when Frame, shown more bytes, settled on a shorter
			// PDU than it had asked for (a PDU sent in pieces that
			// breaks off), and those stay buffered for the next PDU.
			extra := len(b.data) - n
			if extra > 0 && extra <= len(before)-len(data) {
				data, extra = before[len(before)-len(data)-extra:], 0
			}
			if s.tentative {
				s.tentative = false
				if !t.resume(b.data[:n]) {
					if extra > 0 {
						s.tentative = true // what stays is a candidate too
						b.data = b.data[:copy(b.data, b.data[n:])]
						before = nil
						continue
					}
					t.release(s)
					return data, true // still resyncing
				}
				s.resync = false
			}
			t.dissect(b.data[:n], TCP)
			if extra > 0 {
				b.data = b.data[:copy(b.data, b.data[n:])]
				before = nil
				continue
			}
			t.release(s)
			return data, true
		case n > t.opts.BufferSize:
			t.stats.Oversized++
			skip := n - len(b.data)
			t.release(s)
			k := min(len(data), skip)
			s.skip = uint32(skip - k)
			return data[k:], true
		}
		if len(data) == 0 {
			return nil, false
		}
		k := min(len(data), headerChunk) // the header is still incomplete
		if n > 0 {
			k = min(len(data), n-len(b.data))
		}
		if k > cap(b.data)-len(b.data) {
			// Only a dissector that keeps asking for a header longer
			// than the buffer gets here.
			t.stats.Malformed++
			t.release(s)
			s.resync, s.tentative = true, false
			return data, true
		}
		before = data
		b.data = append(b.data, data[:k]...)
		data = data[k:]
	}
}

// keep stores a partial PDU until the next segment.
func (t *Tracker) keep(s *stream, di uint8, rest []byte) {
	ref := t.cur.ref
	if ref.Slot < 0 || len(rest) > t.opts.BufferSize {
		s.resync = true
		return
	}
	i := t.pool.get(ref.Slot, t.cur.c.id, di, t.cur.p.TimestampNs)
	if i == 0 {
		t.stats.NoBuffer++
		s.resync = true
		return
	}
	b := &t.pool.bufs[i-1]
	b.data = append(b.data, rest...)
	s.buf = i
}

// lose drops a stream's partial PDU after missing bytes.
func (t *Tracker) lose(s *stream) {
	t.release(s)
	s.skip = 0
	s.resync, s.tentative = true, false
}

// release returns a stream's buffer to the pool.
func (t *Tracker) release(s *stream) {
	if s.buf != 0 {
		t.pool.put(s.buf)
		s.buf = 0
	}
	s.tentative = false
}

// releaseConv returns every buffer of a conversation.
func (t *Tracker) releaseConv(c *conv) {
	t.release(&c.dir[0])
	t.release(&c.dir[1])
}

// sweep releases buffers not touched since before cutoff (packet time):
// their conversation went quiet or vanished without closing.
func (t *Tracker) sweep(cutoffNs int64) {
	for i := range t.pool.bufs {
		b := &t.pool.bufs[i]
		if !b.inUse || b.usedNs >= cutoffNs {
			continue
		}
		if o := int(b.owner); o < len(t.convs) && t.convs[o].id == b.ownerID {
			s := &t.convs[o].dir[b.dir]
			if s.buf == int32(i+1) {
				s.buf = 0
				s.resync, s.tentative = true, false
			}
		}
		t.pool.put(int32(i + 1))
	}
}
