package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// This is a pcapng reader of its own rather than pcapgo.NgReader because
// that reader trusts the file: a 100-byte file declaring a 4 GB capture
// length makes it allocate 4 GB, and a timestamp resolution of 10^-100 s
// makes it divide by zero. Here every length is checked against the block
// that holds it and buffers never exceed maxBlockLen.

// pcapng block types (IETF draft-ietf-opsawg-pcapng).
const (
	ngSectionHeader   = 0x0a0d0d0a
	ngInterface       = 0x00000001
	ngObsoletePacket  = 0x00000002
	ngSimplePacket    = 0x00000003
	ngInterfaceStats  = 0x00000005
	ngEnhancedPacket  = 0x00000006
	ngByteOrderMagic  = 0x1a2b3c4d
	ngOptEnd          = 0
	ngOptTSResolution = 9
	ngOptTSOffset     = 14
	ngOptISBIfDrop    = 5
)

// maxBlockLen bounds the blocks this reader buffers: a maximal frame plus
// generous room for options. Blocks it does not use are skipped unbuffered
// whatever their size.
const maxBlockLen = maxSnapLen + 64<<10

// linkTypeUnrepresentable stands for pcapng link types above 255, which
// gopacket's 8-bit LinkType cannot hold; the decoder rejects it.
const linkTypeUnrepresentable layers.LinkType = 255

var errNgFormat = errors.New("malformed pcapng")

type ngInterfaceInfo struct {
	link    layers.LinkType
	snapLen uint32
	// Timestamps count units of 10^-exp s (decimal) or 2^-exp s (binary).
	binary bool
	exp    uint8
	offset int64 // seconds added to every timestamp
}

type ngReader struct {
	r         *bufio.Reader
	bigEndian bool
	section   int
	ifaces    []ngInterfaceInfo
	buf       []byte
	lastTime  time.Time
	drops     map[[2]int]uint64 // (section, interface) → frames dropped so far
}

func newNgReader(r *bufio.Reader) (*ngReader, error) {
	ng := &ngReader{r: r, drops: map[[2]int]uint64{}}
	typ, body, err := ng.readBlock()
	if err != nil {
		return nil, err
	}
	if typ != ngSectionHeader {
		return nil, fmt.Errorf("%w: first block is %#x, not a section header", errNgFormat, typ)
	}
	if err := ng.sectionHeader(body); err != nil {
		return nil, err
	}
	return ng, nil
}

func (ng *ngReader) u16(b []byte) uint16 {
	if ng.bigEndian {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (ng *ngReader) u32(b []byte) uint32 {
	if ng.bigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (ng *ngReader) u64(b []byte) uint64 {
	if ng.bigEndian {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// readBlock returns the next block's type and body (without the type,
// length and trailing length fields). Blocks the reader has no use for come
// back with a nil body, skipped without buffering.
func (ng *ngReader) readBlock() (uint32, []byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(ng.r, hdr[:]); err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		return 0, nil, io.ErrUnexpectedEOF
	}
	// The section header type reads the same in both byte orders; its
	// byte-order magic, next, says how to read everything else.
	if binary.BigEndian.Uint32(hdr[0:4]) == ngSectionHeader {
		magic, err := ng.r.Peek(4)
		if err != nil {
			return 0, nil, io.ErrUnexpectedEOF
		}
		switch {
		case binary.BigEndian.Uint32(magic) == ngByteOrderMagic:
			ng.bigEndian = true
		case binary.LittleEndian.Uint32(magic) == ngByteOrderMagic:
			ng.bigEndian = false
		default:
			return 0, nil, fmt.Errorf("%w: bad byte-order magic", errNgFormat)
		}
	}
	typ, total := ng.u32(hdr[0:4]), ng.u32(hdr[4:8])
	if total < 12 || total%4 != 0 {
		return 0, nil, fmt.Errorf("%w: block length %d", errNgFormat, total)
	}
	bodyLen := int64(total) - 12
	switch typ {
	case ngSectionHeader, ngInterface, ngObsoletePacket, ngSimplePacket, ngInterfaceStats, ngEnhancedPacket:
	default:
		if _, err := ng.r.Discard(int(bodyLen + 4)); err != nil {
			return 0, nil, io.ErrUnexpectedEOF
		}
		return typ, nil, nil
	}
	if bodyLen > maxBlockLen {
		return 0, nil, fmt.Errorf("%w: %d-byte block exceeds %d", errNgFormat, total, maxBlockLen)
	}
	n := int(bodyLen) + 4 // the body and the trailing length
	if cap(ng.buf) < n {
		ng.buf = make([]byte, n)
	}
	b := ng.buf[:n]
	if _, err := io.ReadFull(ng.r, b); err != nil {
		return 0, nil, io.ErrUnexpectedEOF
	}
	if ng.u32(b[n-4:]) != total {
		return 0, nil, fmt.Errorf("%w: block lengths disagree", errNgFormat)
	}
	return typ, b[:n-4], nil
}

func (ng *ngReader) sectionHeader(body []byte) error {
	if len(body) < 16 {
		return fmt.Errorf("%w: short section header", errNgFormat)
	}
	if major := ng.u16(body[4:6]); major != 1 {
		return fmt.Errorf("%w: unsupported version %d", errNgFormat, major)
	}
	ng.section++
	ng.ifaces = ng.ifaces[:0]
	return nil
}

func (ng *ngReader) interfaceDescription(body []byte) error {
	if len(body) < 8 {
		return fmt.Errorf("%w: short interface block", errNgFormat)
	}
	info := ngInterfaceInfo{snapLen: ng.u32(body[4:8]), exp: 6}
	if lt := ng.u16(body[0:2]); lt <= 0xff {
		info.link = layers.LinkType(lt)
	} else {
		info.link = linkTypeUnrepresentable
	}
	err := ng.options(body[8:], func(code uint16, v []byte) error {
		switch {
		case code == ngOptTSResolution && len(v) >= 1:
			info.binary, info.exp = v[0]&0x80 != 0, v[0]&0x7f
			// 10^19 and 2^63 are the finest units a uint64 count can use.
			if (!info.binary && info.exp > 19) || (info.binary && info.exp > 63) {
				return fmt.Errorf("%w: timestamp resolution %#x", errNgFormat, v[0])
			}
		case code == ngOptTSOffset && len(v) >= 8:
			info.offset = int64(ng.u64(v))
		}
		return nil
	})
	if err != nil {
		return err
	}
	ng.ifaces = append(ng.ifaces, info)
	return nil
}

func (ng *ngReader) interfaceStatistics(body []byte) error {
	if len(body) < 12 {
		return fmt.Errorf("%w: short statistics block", errNgFormat)
	}
	iface := int(ng.u32(body[0:4]))
	return ng.options(body[12:], func(code uint16, v []byte) error {
		if code == ngOptISBIfDrop && len(v) >= 8 {
			ng.drops[[2]int{ng.section, iface}] = ng.u64(v)
		}
		return nil
	})
}

// options walks a block's options, calling fn with each code and value.
func (ng *ngReader) options(b []byte, fn func(code uint16, v []byte) error) error {
	for len(b) >= 4 {
		code, n := ng.u16(b[0:2]), int(ng.u16(b[2:4]))
		if code == ngOptEnd {
			return nil
		}
		padded := (n + 3) &^ 3
		if 4+padded > len(b) {
			return fmt.Errorf("%w: option overruns its block", errNgFormat)
		}
		if err := fn(code, b[4:4+n]); err != nil {
			return err
		}
		b = b[4+padded:]
	}
	return nil
}

// next returns the next frame, handling the other blocks on the way.
func (ng *ngReader) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	for {
		typ, body, err := ng.readBlock()
		if err != nil {
			return nil, gopacket.CaptureInfo{}, 0, err
		}
		switch typ {
		case ngSectionHeader:
			err = ng.sectionHeader(body)
		case ngInterface:
			err = ng.interfaceDescription(body)
		case ngInterfaceStats:
			err = ng.interfaceStatistics(body)
		case ngEnhancedPacket:
			return ng.enhancedPacket(body)
		case ngObsoletePacket:
			return ng.obsoletePacket(body)
		case ngSimplePacket:
			return ng.simplePacket(body)
		}
		if err != nil {
			return nil, gopacket.CaptureInfo{}, 0, err
		}
	}
}

func (ng *ngReader) enhancedPacket(body []byte) ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if len(body) < 20 {
		return nil, gopacket.CaptureInfo{}, 0, fmt.Errorf("%w: short packet block", errNgFormat)
	}
	iface := int(ng.u32(body[0:4]))
	ts := uint64(ng.u32(body[4:8]))<<32 | uint64(ng.u32(body[8:12]))
	return ng.packet(iface, ts, ng.u32(body[12:16]), ng.u32(body[16:20]), body[20:])
}

func (ng *ngReader) obsoletePacket(body []byte) ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if len(body) < 20 {
		return nil, gopacket.CaptureInfo{}, 0, fmt.Errorf("%w: short packet block", errNgFormat)
	}
	iface := int(ng.u16(body[0:2]))
	ts := uint64(ng.u32(body[4:8]))<<32 | uint64(ng.u32(body[8:12]))
	return ng.packet(iface, ts, ng.u32(body[12:16]), ng.u32(body[16:20]), body[20:])
}

// simplePacket has no interface, timestamp or capture length: interface 0
// is implied, the capture length follows from its snap length, and the
// time of the previous packet stands in so minutes keep their order.
func (ng *ngReader) simplePacket(body []byte) ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if len(body) < 4 || len(ng.ifaces) == 0 {
		return nil, gopacket.CaptureInfo{}, 0, fmt.Errorf("%w: simple packet block without interface", errNgFormat)
	}
	orig := ng.u32(body[0:4])
	capLen := min(uint64(orig), uint64(len(body)-4))
	if s := ng.ifaces[0].snapLen; s != 0 {
		capLen = min(capLen, uint64(s))
	}
	data := body[4 : 4+capLen]
	ci := gopacket.CaptureInfo{Timestamp: ng.lastTime, CaptureLength: len(data), Length: int(orig)}
	return data, ci, ng.ifaces[0].link, nil
}

func (ng *ngReader) packet(iface int, ts uint64, capLen, orig uint32, rest []byte) ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if iface < 0 || iface >= len(ng.ifaces) {
		return nil, gopacket.CaptureInfo{}, 0, fmt.Errorf("%w: packet on undeclared interface %d", errNgFormat, iface)
	}
	if uint64(capLen) > uint64(len(rest)) {
		return nil, gopacket.CaptureInfo{}, 0, fmt.Errorf("%w: capture length %d overruns its block", errNgFormat, capLen)
	}
	info := ng.ifaces[iface]
	ng.lastTime = info.time(ts)
	data := rest[:capLen]
	ci := gopacket.CaptureInfo{Timestamp: ng.lastTime, CaptureLength: len(data), Length: int(orig), InterfaceIndex: iface}
	return data, ci, info.link, nil
}

// time converts a raw timestamp in the interface's units to UTC.
func (f ngInterfaceInfo) time(ts uint64) time.Time {
	var sec, nsec uint64
	if f.binary {
		sec = ts >> f.exp
		frac := ts & (1<<f.exp - 1)
		hi, lo := bits.Mul64(frac, 1e9)
		nsec = hi<<(64-f.exp) | lo>>f.exp // (frac * 1e9) >> exp without overflow
	} else {
		unit := pow10(f.exp)
		sec, nsec = ts/unit, ts%unit
		if f.exp <= 9 {
			nsec *= pow10(9 - f.exp)
		} else {
			nsec /= pow10(f.exp - 9)
		}
	}
	return time.Unix(int64(sec)+f.offset, int64(nsec)).UTC()
}

func pow10(e uint8) uint64 {
	n := uint64(1)
	for ; e > 0; e-- {
		n *= 10
	}
	return n
}

func (ng *ngReader) totalDrops() uint64 {
	var n uint64
	for _, d := range ng.drops {
		n += d
	}
	return n
}
