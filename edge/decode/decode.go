package decode

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

var (
	// ErrTruncated means the frame ended inside a header it announced.
	// Packet.Truncated is set and the fields before the cut are valid.
	ErrTruncated = errors.New("decode: truncated frame")
	// ErrMalformed means a header contradicts itself (an IPv4 header length
	// under 20 bytes, a TCP data offset under 5 words, a wrong IP version).
	ErrMalformed = errors.New("decode: malformed header")
	// ErrLinkType means the capture's link type is not one this package reads.
	ErrLinkType = errors.New("decode: unsupported link type")
)

// Link types that gopacket v1.1.19 has no constant for, with the values
// pcap files and libpcap report.
const (
	// linkTypeDLTRaw is DLT_RAW as most platforms number it; linkTypeDLTRawBSD
	// is OpenBSD's value. Both appear in pcap headers written by old tools.
	linkTypeDLTRaw    layers.LinkType = 12
	linkTypeDLTRawBSD layers.LinkType = 14
)

// gopacket v1.1.19's LinkType is 8 bits wide, so link types above 255 (Linux
// cooked v2 is 276) cannot be named here: pcapgo truncates them and such
// frames come back as ErrLinkType.

// Decoder decodes frames into Packets. Use one per goroutine: it holds no
// state today, but the type lets decoding gain scratch space (tunnels,
// reassembly) without changing its callers.
type Decoder struct{}

// New returns a Decoder.
func New() *Decoder { return &Decoder{} }

// Decode fills p from one frame. data is the captured bytes (it may be
// shorter than the frame on the wire when a snap length applied), ci gives
// the capture time and original length, and link says how the frame starts.
// p is reset first; its slices alias data. On error the fields decoded
// before the problem are still set.
func (d *Decoder) Decode(data []byte, ci gopacket.CaptureInfo, link layers.LinkType, p *Packet) error {
	*p = Packet{
		TimestampNs: ci.Timestamp.UnixNano(),
		WireLen:     ci.Length,
		Link:        link,
	}
	// Some writers leave the original length zero; the captured length is
	// then the best estimate of what crossed the wire.
	if p.WireLen < len(data) {
		p.WireLen = len(data)
	}
	switch link {
	case layers.LinkTypeEthernet:
		return decodeEthernet(data, p)
	case layers.LinkTypeLinuxSLL:
		return decodeSLL(data, p)
	case layers.LinkTypeRaw, linkTypeDLTRaw, linkTypeDLTRawBSD:
		return decodeRawIP(data, p)
	case layers.LinkTypeIPv4:
		p.EtherType = layers.EthernetTypeIPv4
		return decodeIPv4(data, p)
	case layers.LinkTypeIPv6:
		p.EtherType = layers.EthernetTypeIPv6
		return decodeIPv6(data, p)
	case layers.LinkTypeNull:
		return decodeNull(data, p, false)
	case layers.LinkTypeLoop:
		return decodeNull(data, p, true)
	case layers.LinkTypePPP, layers.LinkTypePPP_HDLC:
		return decodePPP(data, p)
	case layers.LinkTypeC_HDLC:
		return decodeCiscoHDLC(data, p)
	}
	return ErrLinkType
}

// truncated marks p and returns the matching error, so call sites stay one line.
func truncated(p *Packet) error {
	p.Truncated = true
	return ErrTruncated
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
