package synth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Format is a capture file format.
type Format uint8

// Capture file formats.
const (
	FormatPcap   Format = iota // classic pcap, microsecond timestamps
	FormatPcapng               // pcapng, nanosecond timestamps
)

func (f Format) String() string {
	if f == FormatPcapng {
		return "pcapng"
	}
	return "pcap"
}

// WritePcap writes the generator's frames to w as a classic pcap file
// (microsecond timestamps, Ethernet link type) until the generator ends or
// maxPackets frames are written (maxPackets <= 0: no limit). It returns the
// number of frames written. An endless generator needs a packet limit.
func WritePcap(w io.Writer, gen *Generator, maxPackets int) (int, error) {
	return WriteCapture(w, gen, FormatPcap, maxPackets, nil)
}

// WriteCapture writes the generator's frames to w in the given format, like
// WritePcap, and hands each written frame and its timestamp (Unix ns) to
// observe when it is not nil (statistics, live transmission; the frame is
// only valid during the call). An error from observe stops the writing and
// is returned.
func WriteCapture(w io.Writer, gen *Generator, format Format, maxPackets int, observe func(frame []byte, tsNs int64) error) (int, error) {
	if maxPackets <= 0 && gen.cfg.Duration <= 0 {
		return 0, errors.New("synth: writing a capture needs Config.Duration or a packet limit")
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	var write func(gopacket.CaptureInfo, []byte) error
	flush := bw.Flush
	switch format {
	case FormatPcap:
		pw := pcapgo.NewWriter(bw)
		if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			return 0, err
		}
		write = pw.WritePacket
	case FormatPcapng:
		intf := pcapgo.DefaultNgInterface
		intf.LinkType, intf.Name, intf.SnapLength = layers.LinkTypeEthernet, "mirror", 65535
		nw, err := pcapgo.NewNgWriterInterface(bw, intf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
			Application: "mimamori simulate",
			Comment:     fmt.Sprintf("synthetic factory traffic, seed %d", gen.cfg.Seed),
		}})
		if err != nil {
			return 0, err
		}
		write = nw.WritePacket
		flush = func() error {
			if err := nw.Flush(); err != nil {
				return err
			}
			return bw.Flush()
		}
	default:
		return 0, fmt.Errorf("synth: unknown capture format %d", format)
	}
	n := 0
	for maxPackets <= 0 || n < maxPackets {
		frame, ts, ok := gen.Next()
		if !ok {
			break
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(frame), Length: len(frame)}
		if err := write(ci, frame); err != nil {
			return n, err
		}
		n++
		if observe != nil {
			if err := observe(frame, ts); err != nil {
				flush()
				return n, err
			}
		}
	}
	return n, flush()
}
