package observe

import (
	"net/netip"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// DNS message limits. They bound the work one hostile packet can cause.
const (
	// maxRecords is how many resource records are read from one message.
	// Real answers hold a handful; 64 covers large mDNS announcements.
	maxRecords = 64
	// maxPointerHops bounds compression pointers followed in one name. A
	// pointer loop would otherwise never end; honest names need a few.
	maxPointerHops = 16
	// maxCNAMEChain bounds the aliases followed from the queried name.
	// Resolvers give up after a handful too.
	maxCNAMEChain = 8
)

// Record types and classes read here.
const (
	typeA     = 1
	typeCNAME = 5
	typeAAAA  = 28
	typeNB    = 32 // NetBIOS general name service record
	classIN   = 1
	// mDNS uses the top bit of the class as the cache-flush flag (RFC 6762
	// §10.2); it says nothing about the record's meaning.
	classMask = 0x7fff
)

const dnsHeaderLen = 12

// resourceRecord locates one record inside its message by offsets, so
// reading it copies nothing.
type resourceRecord struct {
	name    int // offset of the owner name
	typ     uint16
	class   uint16
	data    int // rdata is msg[data:end]
	end     int
	section uint8
}

// Message sections, as resourceRecord.section.
const (
	sectionAnswer = iota
	sectionAuthority
	sectionAdditional
)

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }

// skipName returns the offset just past the name written at off, without
// following compression pointers (the name's bytes end at a pointer).
func skipName(msg []byte, off int) (int, error) {
	for {
		if off >= len(msg) {
			return 0, errTruncated
		}
		c := msg[off]
		switch c & 0xc0 {
		case 0x00:
			if c == 0 {
				return off + 1, nil
			}
			off += 1 + int(c)
		case 0xc0:
			if off+2 > len(msg) {
				return 0, errTruncated
			}
			return off + 2, nil
		default:
			// 0x40 and 0x80 are the retired extended label types.
			return 0, errBadLabel
		}
	}
}

// nameReader yields the labels of a possibly compressed name one by one.
// It lives on the caller's stack; labels alias the message.
type nameReader struct {
	msg    []byte
	off    int
	hops   int
	length int // presentation length so far, for the 255-byte limit
}

// next returns the next label, or ok=false at the root label.
func (r *nameReader) next() (label []byte, ok bool, err error) {
	for {
		if r.off >= len(r.msg) {
			return nil, false, errTruncated
		}
		c := r.msg[r.off]
		switch c & 0xc0 {
		case 0x00:
			if c == 0 {
				return nil, false, nil
			}
			start := r.off + 1
			end := start + int(c)
			if end > len(r.msg) {
				return nil, false, errTruncated
			}
			r.length += int(c) + 1
			if r.length > maxNameLen+1 {
				return nil, false, errNameTooLong
			}
			r.off = end
			return r.msg[start:end], true, nil
		case 0xc0:
			if r.off+2 > len(r.msg) {
				return nil, false, errTruncated
			}
			r.hops++
			if r.hops > maxPointerHops {
				return nil, false, errPointerLoop
			}
			r.off = int(c&0x3f)<<8 | int(r.msg[r.off+1])
		default:
			return nil, false, errBadLabel
		}
	}
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// namesEqual compares the names at offsets a and b case-insensitively, as
// DNS does (RFC 4343), following compression pointers in both.
func namesEqual(msg []byte, a, b int) (bool, error) {
	if a == b {
		return true, nil
	}
	ra := nameReader{msg: msg, off: a}
	rb := nameReader{msg: msg, off: b}
	for {
		la, oka, err := ra.next()
		if err != nil {
			return false, err
		}
		lb, okb, err := rb.next()
		if err != nil {
			return false, err
		}
		if !oka || !okb {
			return oka == okb, nil
		}
		if len(la) != len(lb) {
			return false, nil
		}
		for i := range la {
			if lowerASCII(la[i]) != lowerASCII(lb[i]) {
				return false, nil
			}
		}
	}
}

// appendName appends the dotted, lower-cased form of the name at off, with
// no trailing dot. Labels holding a dot, a space or a control byte are
// rejected: such a name cannot be written back unambiguously.
func appendName(dst, msg []byte, off int) ([]byte, error) {
	start := len(dst)
	r := nameReader{msg: msg, off: off}
	for {
		label, ok, err := r.next()
		if err != nil {
			return dst[:start], err
		}
		if !ok {
			break
		}
		if len(dst) > start {
			dst = append(dst, '.')
		}
		for _, c := range label {
			if c <= ' ' || c == '.' || c == 0x7f {
				return dst[:start], errBadName
			}
			dst = append(dst, lowerASCII(c))
		}
	}
	if !printableName(dst[start:]) {
		return dst[:start], errBadName
	}
	return dst, nil
}

// readRecord parses the resource record at off.
func readRecord(msg []byte, off int) (resourceRecord, int, error) {
	var rr resourceRecord
	rr.name = off
	off, err := skipName(msg, off)
	if err != nil {
		return rr, 0, err
	}
	if off+10 > len(msg) {
		return rr, 0, errTruncated
	}
	rr.typ = be16(msg[off:])
	rr.class = be16(msg[off+2:])
	// msg[off+4:off+8] is the TTL, which a binding does not need.
	rr.data = off + 10
	rr.end = rr.data + int(be16(msg[off+8:]))
	if rr.end > len(msg) {
		return rr, 0, errBadLength
	}
	return rr, rr.end, nil
}

// recordAddr returns the address an A or AAAA record holds.
func recordAddr(msg []byte, rr resourceRecord) (netip.Addr, bool) {
	if rr.class&classMask != classIN {
		return netip.Addr{}, false
	}
	switch {
	case rr.typ == typeA && rr.end-rr.data == 4:
		return netip.AddrFrom4([4]byte(msg[rr.data:rr.end])), true
	case rr.typ == typeAAAA && rr.end-rr.data == 16:
		return netip.AddrFrom16([16]byte(msg[rr.data:rr.end])), true
	}
	return netip.Addr{}, false
}

// dnsHeader is the part of a DNS (or NBNS) header the parsers use.
type dnsHeader struct {
	response       bool
	opcode, rcode  uint8
	qd, an, ns, ar int
}

func readHeader(msg []byte) (dnsHeader, error) {
	if len(msg) < dnsHeaderLen {
		return dnsHeader{}, errTruncated
	}
	flags := be16(msg[2:])
	return dnsHeader{
		response: flags&0x8000 != 0,
		opcode:   uint8(flags>>11) & 0x0f,
		rcode:    uint8(flags & 0x0f),
		qd:       int(be16(msg[4:])),
		an:       int(be16(msg[6:])),
		ns:       int(be16(msg[8:])),
		ar:       int(be16(msg[10:])),
	}, nil
}

// skipQuestions returns the offset of the first record after qd questions,
// and the offset of the first question's name (-1 when there is none).
func skipQuestions(msg []byte, qd int) (off, first int, err error) {
	off, first = dnsHeaderLen, -1
	for i := 0; i < qd; i++ {
		if i == 0 {
			first = off
		}
		if off, err = skipName(msg, off); err != nil {
			return 0, first, err
		}
		off += 4 // type and class
		if off > len(msg) {
			return 0, first, errTruncated
		}
	}
	return off, first, nil
}

// readRecords fills t.rrs with up to maxRecords records from off onwards:
// an answers, then ns authority and ar additional records. It returns how
// many it read; on a fault, the records before it are still usable.
func (t *Table) readRecords(msg []byte, off, an, ns, ar int) (int, error) {
	n := 0
	counts := [3]int{an, ns, ar}
	for section, count := range counts {
		for i := 0; i < count; i++ {
			if n == len(t.rrs) {
				return n, nil
			}
			rr, next, err := readRecord(msg, off)
			if err != nil {
				return n, err
			}
			rr.section = uint8(section)
			t.rrs[n] = rr
			n++
			off = next
		}
	}
	return n, nil
}

// observeDNS reads names from a DNS, mDNS or LLMNR response. Queries are
// skipped: a name someone asks for says nothing about who has it.
func (t *Table) observeDNS(p *decode.Packet, msg []byte, src wirepb.NameSource) error {
	h, err := readHeader(msg)
	if err != nil {
		return err
	}
	if !h.response || h.opcode != 0 || h.rcode != 0 {
		return nil
	}
	off, qname, err := skipQuestions(msg, h.qd)
	if err != nil {
		return err
	}
	if src == wirepb.NameSource_NAME_SOURCE_MDNS {
		// mDNS responders announce their own records, in the answer and
		// additional sections alike, usually without a question.
		n, err := t.readRecords(msg, off, h.an, h.ns, h.ar)
		return firstErr(err, t.ownerAddrs(p, msg, n, src))
	}
	if qname < 0 {
		return nil
	}
	n, err := t.readRecords(msg, off, h.an, 0, 0)
	return firstErr(err, t.chainAddrs(p, msg, n, qname, src))
}

// ownerAddrs binds every A/AAAA record's owner name to its address.
func (t *Table) ownerAddrs(p *decode.Packet, msg []byte, n int, src wirepb.NameSource) error {
	var ferr error
	for _, rr := range t.rrs[:n] {
		if rr.section == sectionAuthority {
			continue
		}
		ip, ok := recordAddr(msg, rr)
		if !ok {
			continue
		}
		name, err := appendName(t.nameBuf[:0], msg, rr.name)
		if err != nil {
			ferr = firstErr(ferr, err)
			continue
		}
		t.addName(ip, name, src, p.TimestampNs)
	}
	return ferr
}

// chainAddrs binds the queried name to the addresses at the end of its
// CNAME chain, so "plc.example → edge.example → 10.0.0.5" yields
// plc.example = 10.0.0.5: what the asker will connect to under that name.
// Records that do not hang off the question (glue for name servers, say)
// are ignored.
func (t *Table) chainAddrs(p *decode.Packet, msg []byte, n, qname int, src wirepb.NameSource) error {
	rrs := t.rrs[:n]
	var chain [maxCNAMEChain + 1]int
	chain[0] = qname
	depth := 1
	var ferr error
	for depth < len(chain) {
		found := false
		for _, rr := range rrs {
			if rr.typ != typeCNAME || rr.class&classMask != classIN {
				continue
			}
			eq, err := namesEqual(msg, rr.name, chain[depth-1])
			if err != nil {
				ferr = firstErr(ferr, err)
				continue
			}
			if eq {
				chain[depth] = rr.data
				depth++
				found = true
				break
			}
		}
		if !found {
			break
		}
	}

	var name []byte
	for _, rr := range rrs {
		ip, ok := recordAddr(msg, rr)
		if !ok {
			continue
		}
		for _, owner := range chain[:depth] {
			eq, err := namesEqual(msg, rr.name, owner)
			if err != nil {
				ferr = firstErr(ferr, err)
				continue
			}
			if !eq {
				continue
			}
			if name == nil {
				if name, err = appendName(t.nameBuf[:0], msg, qname); err != nil {
					return firstErr(ferr, err)
				}
			}
			t.addName(ip, name, src, p.TimestampNs)
			break
		}
	}
	return ferr
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
