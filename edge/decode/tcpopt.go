package decode

// TCP option kinds (RFC 9293, RFC 2018, RFC 7323) as they appear in
// TCPOptions.Layout. Other kinds are stored as their number.
const (
	TCPOptEOL       = 0
	TCPOptNOP       = 1
	TCPOptMSS       = 2
	TCPOptWScale    = 3
	TCPOptSACKPerm  = 4
	TCPOptSACK      = 5
	TCPOptTimestamp = 8
)

// MaxTCPOptions is the most options a TCP header can hold: 40 option bytes
// of one-byte NOPs. Layout has room for all of them, so no header is cut.
const MaxTCPOptions = 40

// TCPOptions is the TCP option area of one segment, read in place. It is
// what passive OS fingerprinting keys on (the order of options differs
// between stacks even when their values agree), so the order is kept
// exactly as sent.
type TCPOptions struct {
	// Layout lists the option kinds in order, the first N entries.
	Layout [MaxTCPOptions]uint8
	N      uint8
	// EOLPad counts the bytes after an end-of-options marker.
	EOLPad uint8
	// MSS, WScale and the timestamps are valid iff their Has flag is set.
	MSS       uint16
	WScale    uint8
	TSVal     uint32
	TSEcr     uint32
	HasMSS    bool
	HasWScale bool
	HasTS     bool
	// SACKPerm is set when the SACK-permitted option was offered.
	SACKPerm bool
}

// Quirks of the IP and TCP headers, after p0f's vocabulary, as bits of
// Packet.TCPQuirks. They are computed for SYN and SYN+ACK segments, the
// ones passive fingerprinting reads.
const (
	QuirkDF           uint32 = 1 << iota // IPv4 don't-fragment set
	QuirkIDNonZero                       // IPv4 DF set with a non-zero identification
	QuirkIDZero                          // IPv4 DF clear with a zero identification
	QuirkECN                             // ECN bits in the IP header, or ECE/CWR/NS in TCP
	QuirkMBZ                             // IPv4 reserved flag bit set
	QuirkFlow                            // IPv6 flow label non-zero
	QuirkSeqZero                         // sequence number zero
	QuirkAckNonZero                      // acknowledgement number set without the ACK flag
	QuirkAckZero                         // ACK flag with a zero acknowledgement number
	QuirkURGPtr                          // urgent pointer set without the URG flag
	QuirkURG                             // URG flag set
	QuirkPUSH                            // PSH flag set
	QuirkTS1Zero                         // own timestamp zero
	QuirkTS2NonZero                      // peer timestamp non-zero on a SYN without ACK
	QuirkOptTrailing                     // non-zero bytes after the end-of-options marker
	QuirkWScaleExcess                    // window scale above 14
	QuirkOptBad                          // malformed options
)

// readTCPOptions parses the option area b of a SYN (ack: a SYN+ACK) into o
// and returns the option quirks. It never reads past b and stops at the
// first malformed option.
func readTCPOptions(b []byte, o *TCPOptions, ack bool) uint32 {
	var q uint32
	for i := 0; i < len(b); {
		kind := b[i]
		o.Layout[o.N] = kind
		o.N++
		switch kind {
		case TCPOptEOL:
			pad := b[i+1:]
			o.EOLPad = uint8(len(pad))
			for _, c := range pad {
				if c != 0 {
					q |= QuirkOptTrailing
					break
				}
			}
			return q
		case TCPOptNOP:
			i++
			continue
		}
		if i+1 >= len(b) {
			return q | QuirkOptBad
		}
		n := int(b[i+1])
		if n < 2 || i+n > len(b) {
			return q | QuirkOptBad
		}
		v := b[i+2 : i+n]
		switch kind {
		case TCPOptMSS:
			if len(v) != 2 {
				return q | QuirkOptBad
			}
			o.MSS, o.HasMSS = be16(v), true
		case TCPOptWScale:
			if len(v) != 1 {
				return q | QuirkOptBad
			}
			o.WScale, o.HasWScale = v[0], true
			if v[0] > 14 {
				q |= QuirkWScaleExcess
			}
		case TCPOptSACKPerm:
			if len(v) != 0 {
				return q | QuirkOptBad
			}
			o.SACKPerm = true
		case TCPOptTimestamp:
			if len(v) != 8 {
				return q | QuirkOptBad
			}
			o.TSVal, o.TSEcr, o.HasTS = be32(v[0:4]), be32(v[4:8]), true
			if o.TSVal == 0 {
				q |= QuirkTS1Zero
			}
			if !ack && o.TSEcr != 0 {
				q |= QuirkTS2NonZero
			}
		}
		i += n
	}
	return q
}

// tcpQuirks computes the header quirks of a TCP segment whose fixed header
// is h (at least 20 bytes); the IP fields of p are already set.
func tcpQuirks(h []byte, p *Packet) uint32 {
	var q uint32
	if p.IPVersion == 4 {
		if p.IPDontFragment {
			q |= QuirkDF
			if p.FragID != 0 {
				q |= QuirkIDNonZero
			}
		} else if p.FragID == 0 {
			q |= QuirkIDZero
		}
		if p.IPReservedBit {
			q |= QuirkMBZ
		}
	} else if p.IPFlowLabel != 0 {
		q |= QuirkFlow
	}
	if p.IPTOS&0x03 != 0 || p.TCPFlags&(FlagECE|FlagCWR) != 0 || h[12]&0x01 != 0 {
		q |= QuirkECN
	}
	if p.TCPSeq == 0 {
		q |= QuirkSeqZero
	}
	ack := p.TCPFlags&FlagACK != 0
	if !ack && p.TCPAck != 0 {
		q |= QuirkAckNonZero
	}
	if ack && p.TCPAck == 0 {
		q |= QuirkAckZero
	}
	if p.TCPFlags&FlagURG != 0 {
		q |= QuirkURG
	} else if be16(h[18:20]) != 0 {
		q |= QuirkURGPtr
	}
	if p.TCPFlags&FlagPSH != 0 {
		q |= QuirkPUSH
	}
	return q
}
