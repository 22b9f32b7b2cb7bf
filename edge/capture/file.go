package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// maxSnapLen bounds the frame buffer whatever a file header claims, as
// tcpdump's MAXIMUM_SNAPLEN does: a hostile header cannot make the reader
// allocate gigabytes, and files whose writer ignored its own snap length
// still read.
const maxSnapLen = 262144

// File magic numbers, as the first four bytes read big-endian.
const (
	magicPcapNG        = 0x0a0d0d0a
	magicPcapMicroLE   = 0xd4c3b2a1
	magicPcapMicroBE   = 0xa1b2c3d4
	magicPcapNanoLE    = 0x4d3cb2a1
	magicPcapNanoBE    = 0xa1b23c4d
	magicGzipFirstTwo  = 0x1f8b
	readerBufferLength = 1 << 16
)

// fileSource reads a pcap or pcapng stream. Exactly one of pcap and ng is set.
type fileSource struct {
	name   string
	closer io.Closer // nil when the caller owns the reader
	pcap   *pcapgo.Reader
	ng     *ngReader
	link   layers.LinkType // pcap only; pcapng packets carry their own
	closed bool
}

// OpenFile opens a pcap or pcapng file (optionally gzip-compressed).
func OpenFile(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err) // the error names the path
	}
	s, err := newFileSource(path, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("capture: open %s: %w", path, err)
	}
	s.closer = f
	return s, nil
}

// OpenReader reads a pcap or pcapng stream from r, named name. Closing the
// source does not close r.
func OpenReader(name string, r io.Reader) (Source, error) {
	s, err := newFileSource(name, r)
	if err != nil {
		return nil, fmt.Errorf("capture: open %s: %w", name, err)
	}
	return s, nil
}

func newFileSource(name string, r io.Reader) (*fileSource, error) {
	br := bufio.NewReaderSize(r, readerBufferLength)
	magic, err := peekMagic(br)
	if err != nil {
		return nil, err
	}
	if magic>>16 == magicGzipFirstTwo {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		br = bufio.NewReaderSize(gz, readerBufferLength)
		if magic, err = peekMagic(br); err != nil {
			return nil, err
		}
	}
	s := &fileSource{name: name}
	switch magic {
	case magicPcapMicroLE, magicPcapMicroBE, magicPcapNanoLE, magicPcapNanoBE:
		rd, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("pcap header: %w", err)
		}
		rd.SetSnaplen(maxSnapLen)
		s.pcap, s.link = rd, rd.LinkType()
	case magicPcapNG:
		rd, err := newNgReader(br)
		if err != nil {
			return nil, fmt.Errorf("pcapng header: %w", err)
		}
		s.ng = rd
	default:
		return nil, fmt.Errorf("%w (magic %08x)", ErrFormat, magic)
	}
	return s, nil
}

func peekMagic(br *bufio.Reader) (uint32, error) {
	b, err := br.Peek(4)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("%w: file is shorter than a header", ErrFormat)
		}
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

func (s *fileSource) Name() string { return s.name }

func (s *fileSource) ReadPacket() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if s.closed {
		return nil, gopacket.CaptureInfo{}, 0, ErrClosed
	}
	var (
		data []byte
		ci   gopacket.CaptureInfo
		link layers.LinkType
		err  error
	)
	if s.pcap != nil {
		data, ci, err = s.pcap.ZeroCopyReadPacketData()
		link = s.link
	} else {
		data, ci, link, err = s.ng.next()
	}
	switch {
	case err == nil:
		return data, ci, link, nil
	case err == io.EOF:
		return nil, ci, link, io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, ci, link, fmt.Errorf("%w: %s: %w", ErrShortFile, s.name, io.EOF)
	}
	return nil, ci, link, fmt.Errorf("capture: read %s: %w", s.name, err)
}

func (s *fileSource) Drops() uint64 {
	if s.ng != nil {
		return s.ng.totalDrops()
	}
	return 0
}

func (s *fileSource) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.closer != nil {
		if err := s.closer.Close(); err != nil {
			return fmt.Errorf("capture: close %s: %w", s.name, err)
		}
	}
	return nil
}
