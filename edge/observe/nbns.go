package observe

import (
	"net/netip"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// NetBIOS name service opcodes (RFC 1002 §4.2.1.1).
const (
	nbOpQuery        = 0
	nbOpRegistration = 5
	nbOpRefresh      = 8
	nbOpRefreshAlt   = 9 // what Windows sends for refresh
	nbOpMultiHomed   = 15
)

// NetBIOS name suffixes kept: the workstation and file-server services,
// which carry the machine's own name. The others (domain controllers,
// master browsers, messenger) name roles or users, not hosts.
const (
	nbSuffixWorkstation = 0x00
	nbSuffixServer      = 0x20
)

// nbGroupFlag marks a group name (a workgroup or domain) in NB_FLAGS.
const nbGroupFlag = 0x8000

// nbEncodedLen is the length of a first-level encoded NetBIOS name: 16
// bytes, each split into two nibbles written as 'A'..'P'.
const nbEncodedLen = 32

// netbiosName decodes the first label of a NetBIOS name at off: it strips
// the space padding and returns the 16th byte, the service suffix,
// separately. The name is appended to dst as sent, without changing case.
func netbiosName(dst, msg []byte, off int) (name []byte, suffix byte, err error) {
	r := nameReader{msg: msg, off: off}
	label, ok, err := r.next()
	if err != nil {
		return dst, 0, err
	}
	if !ok || len(label) != nbEncodedLen {
		return dst, 0, errBadName
	}
	start := len(dst)
	for i := 0; i < nbEncodedLen; i += 2 {
		hi, lo := label[i]-'A', label[i+1]-'A'
		if hi > 15 || lo > 15 {
			return dst[:start], 0, errBadName
		}
		dst = append(dst, hi<<4|lo)
	}
	suffix = dst[len(dst)-1]
	dst = dst[:len(dst)-1]
	for len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	// Scope labels after the first are ignored: scopes are practically
	// unused and a name is the same host in any of them.
	if !printableName(dst[start:]) || dst[start] == '*' {
		// '*' starts the wildcard name of node status queries.
		return dst[:start], 0, errBadName
	}
	return dst, suffix, nil
}

func hostSuffix(s byte) bool { return s == nbSuffixWorkstation || s == nbSuffixServer }

// observeNBNS reads NetBIOS name bindings (RFC 1002) from positive query
// responses and from registrations and refreshes, which a host broadcasts
// to claim its own names on the segment.
func (t *Table) observeNBNS(p *decode.Packet, msg []byte) error {
	h, err := readHeader(msg)
	if err != nil {
		return err
	}
	var want uint8 // section holding the bindings
	switch {
	case h.response && h.rcode == 0 &&
		(h.opcode == nbOpQuery || h.opcode == nbOpRegistration || h.opcode == nbOpRefresh || h.opcode == nbOpRefreshAlt):
		want = sectionAnswer
	case !h.response &&
		(h.opcode == nbOpRegistration || h.opcode == nbOpRefresh || h.opcode == nbOpRefreshAlt || h.opcode == nbOpMultiHomed):
		want = sectionAdditional
	default:
		return nil // queries, releases, negative answers, WACKs
	}
	off, _, err := skipQuestions(msg, h.qd)
	if err != nil {
		return err
	}
	n, err := t.readRecords(msg, off, h.an, h.ns, h.ar)
	ferr := err
	emitted := 0 // a message yields at most maxRecords names, as in DNS
	for _, rr := range t.rrs[:n] {
		if rr.section != want || rr.typ != typeNB || rr.class != classIN {
			continue
		}
		if (rr.end-rr.data)%6 != 0 {
			ferr = firstErr(ferr, errBadLength)
			continue
		}
		name, suffix, err := netbiosName(t.nameBuf[:0], msg, rr.name)
		if err != nil {
			ferr = firstErr(ferr, err)
			continue
		}
		if !hostSuffix(suffix) {
			continue
		}
		// RDATA is a list of (NB_FLAGS, address) pairs; multi-homed hosts
		// list several.
		for i := rr.data; i+6 <= rr.end && emitted < maxRecords; i += 6 {
			if be16(msg[i:])&nbGroupFlag != 0 {
				continue
			}
			ip := netip.AddrFrom4([4]byte(msg[i+2 : i+6]))
			t.addName(ip, name, wirepb.NameSource_NAME_SOURCE_NBNS, p.TimestampNs)
			emitted++
		}
	}
	return ferr
}

// NetBIOS datagram types that carry a source name (RFC 1002 §4.4.1).
const (
	nbdgmDirectUnique = 0x10
	nbdgmDirectGroup  = 0x11
	nbdgmBroadcast    = 0x12
)

// nbdgmHeaderLen runs to the source name: type, flags, id, source IP,
// source port, datagram length, packet offset.
const nbdgmHeaderLen = 14

// observeNBDGM reads the source name of a NetBIOS datagram: Windows hosts
// announce themselves to the browser service this way every few minutes,
// often the only sign of their name on a quiet segment. The name is a
// NetBIOS name, so it is filed with the name-service answers.
//
// The datagram's user data may be a computer-browser announcement, which
// is kept on src (the sending device) for OS estimation.
func (t *Table) observeNBDGM(p *decode.Packet, msg []byte, src *device) error {
	if len(msg) < nbdgmHeaderLen {
		return errTruncated
	}
	switch msg[0] {
	case nbdgmDirectUnique, nbdgmDirectGroup, nbdgmBroadcast:
	default:
		return nil // errors and queries name no source
	}
	name, suffix, err := netbiosName(t.nameBuf[:0], msg, nbdgmHeaderLen)
	if err != nil {
		return err
	}
	if hostSuffix(suffix) {
		// The header's source IP is the originator's even when a datagram
		// distribution server relayed the packet.
		ip := netip.AddrFrom4([4]byte(msg[4:8]))
		t.addName(ip, name, wirepb.NameSource_NAME_SOURCE_NBNS, p.TimestampNs)
	}
	if src == nil {
		return nil
	}
	off, err := skipName(msg, nbdgmHeaderLen)
	if err == nil {
		off, err = skipName(msg, off) // the destination name
	}
	if err != nil {
		return err
	}
	a, ok, err := parseAnnouncement(msg[off:])
	if ok {
		src.browser.set(&a)
	}
	return err
}
