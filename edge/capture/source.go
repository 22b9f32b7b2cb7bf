package capture

import (
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Source is a stream of captured frames.
type Source interface {
	// Name identifies the source in statistics and logs: the interface or
	// file name.
	Name() string
	// ReadPacket returns the next frame. data is valid until the next call.
	// It returns io.EOF after the last frame of a file and ErrTimeout when a
	// live source saw nothing within its poll interval.
	ReadPacket() (data []byte, ci gopacket.CaptureInfo, link layers.LinkType, err error)
	// Drops is the number of frames the kernel or driver dropped since the
	// source was opened (for files: what the capturing tool recorded, if it
	// did).
	Drops() uint64
	// Close releases the source. It must not be called concurrently with
	// ReadPacket.
	Close() error
}

var (
	// ErrTimeout is returned by live sources when no frame arrived within
	// the poll interval. It is not a failure: call ReadPacket again.
	ErrTimeout = errors.New("capture: no frame within the poll interval")
	// ErrFormat means a file is neither pcap nor pcapng.
	ErrFormat = errors.New("not a pcap or pcapng file")
	// ErrClosed is returned by ReadPacket after Close.
	ErrClosed = errors.New("capture: source closed")
	// ErrShortFile means a file ends inside a record, as when the capturing
	// tool was killed. The frames before it were delivered. The error also
	// matches io.EOF, so loops that stop at the end of input stop here too.
	ErrShortFile = errors.New("capture: file ends inside a record")
)
