package flow

import (
	"mimamori/edge/decode"
)

// fragment remembers the ports of a fragmented datagram, taken from its
// first fragment, so that later fragments (which carry no transport header)
// are counted in the same flow.
type fragment struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
	sp, dp   uint16
	tsNs     int64
}

// fragmentTTL bounds how long a first fragment lends its ports: IP
// reassembly gives up after 30 to 60 seconds, and identifiers are reused.
const fragmentTTL = int64(60e9)

func fragmentSlot(p *decode.Packet, src [16]byte) int {
	h := p.FragID*2654435761 ^ uint32(src[15])<<8 ^ uint32(src[14])
	return int(h % fragSlots)
}

func (t *Table) rememberFragment(p *decode.Packet) {
	src := p.SrcIP.As16()
	t.frags[fragmentSlot(p, src)] = fragment{
		src: src, dst: p.DstIP.As16(), id: p.FragID, proto: uint8(p.IPProto),
		sp: p.SrcPort, dp: p.DstPort, tsNs: p.TimestampNs,
	}
}

// fragmentPorts returns the ports of the datagram a later fragment belongs
// to, or zeros when its first fragment was not seen (or was forgotten).
func (t *Table) fragmentPorts(p *decode.Packet) (sp, dp uint16) {
	src := p.SrcIP.As16()
	f := &t.frags[fragmentSlot(p, src)]
	if f.id != p.FragID || f.proto != uint8(p.IPProto) || f.src != src || f.dst != p.DstIP.As16() {
		return 0, 0
	}
	if d := p.TimestampNs - f.tsNs; d < 0 || d > fragmentTTL {
		return 0, 0
	}
	return f.sp, f.dp
}
