package synth

import (
	"bufio"
	"errors"
	"io"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// WritePcap writes the generator's frames to w as a classic pcap file
// (microsecond timestamps, Ethernet link type) until the generator ends or
// maxPackets frames are written (maxPackets <= 0: no limit). It returns the
// number of frames written. An endless generator needs a packet limit.
func WritePcap(w io.Writer, gen *Generator, maxPackets int) (int, error) {
	if maxPackets <= 0 && gen.cfg.Duration <= 0 {
		return 0, errors.New("synth: WritePcap needs Config.Duration or a packet limit")
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return 0, err
	}
	n := 0
	for maxPackets <= 0 || n < maxPackets {
		frame, ts, ok := gen.Next()
		if !ok {
			break
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(frame), Length: len(frame)}
		if err := pw.WritePacket(ci, frame); err != nil {
			return n, err
		}
		n++
	}
	return n, bw.Flush()
}
