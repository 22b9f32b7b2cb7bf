package capture_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
)

var t0 = time.Date(2025, 4, 1, 9, 30, 15, 123456789, time.UTC)

// testFrames are three distinct frames; their content does not matter here.
var testFrames = [][]byte{
	bytes.Repeat([]byte{0xaa}, 60),
	bytes.Repeat([]byte{0xbb}, 61),
	bytes.Repeat([]byte{0xcc}, 62),
}

// readAll drains a source, returning frames (copied) and their infos.
func readAll(t *testing.T, src capture.Source) ([][]byte, []gopacket.CaptureInfo, []layers.LinkType) {
	t.Helper()
	var frames [][]byte
	var cis []gopacket.CaptureInfo
	var links []layers.LinkType
	for {
		data, ci, link, err := src.ReadPacket()
		if errors.Is(err, io.EOF) {
			return frames, cis, links
		}
		if err != nil {
			t.Fatalf("ReadPacket: %v", err)
		}
		frames = append(frames, bytes.Clone(data))
		cis = append(cis, ci)
		links = append(links, link)
	}
}

func writePcap(t testing.TB, nanos bool, link layers.LinkType) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if nanos {
		w = pcapgo.NewWriterNanos(&buf)
	}
	if err := w.WriteFileHeader(65535, link); err != nil {
		t.Fatal(err)
	}
	for i, f := range testFrames {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Second), CaptureLength: len(f), Length: len(f) + 100}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestOpenPcap(t *testing.T) {
	tests := []struct {
		name   string
		nanos  bool
		link   layers.LinkType
		wantTS time.Time
		gzip   bool
	}{
		{name: "microseconds", link: layers.LinkTypeEthernet, wantTS: t0.Truncate(time.Microsecond)},
		{name: "nanoseconds", nanos: true, link: layers.LinkTypeLinuxSLL, wantTS: t0},
		{name: "gzip", link: layers.LinkTypeIPv4, wantTS: t0.Truncate(time.Microsecond), gzip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := writePcap(t, tt.nanos, tt.link)
			if tt.gzip {
				var z bytes.Buffer
				zw := gzip.NewWriter(&z)
				zw.Write(raw)
				zw.Close()
				raw = z.Bytes()
			}
			path := filepath.Join(t.TempDir(), "t.pcap")
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := capture.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if src.Name() != path {
				t.Errorf("Name = %q", src.Name())
			}
			frames, cis, links := readAll(t, src)
			if len(frames) != len(testFrames) {
				t.Fatalf("read %d frames, want %d", len(frames), len(testFrames))
			}
			for i := range frames {
				if !bytes.Equal(frames[i], testFrames[i]) {
					t.Errorf("frame %d differs", i)
				}
				if links[i] != tt.link {
					t.Errorf("frame %d link %v, want %v", i, links[i], tt.link)
				}
				if want := tt.wantTS.Add(time.Duration(i) * time.Second); !cis[i].Timestamp.Equal(want) {
					t.Errorf("frame %d time %v, want %v", i, cis[i].Timestamp, want)
				}
				if cis[i].Length != len(testFrames[i])+100 {
					t.Errorf("frame %d original length %d", i, cis[i].Length)
				}
			}
		})
	}
}

// TestOpenPcapBigEndian reads a file written on a big-endian machine,
// built by hand because pcapgo only writes little-endian.
func TestOpenPcapBigEndian(t *testing.T) {
	var b bytes.Buffer
	be := binary.BigEndian
	for _, v := range []any{uint32(0xa1b23c4d), uint16(2), uint16(4), int32(0), uint32(0), uint32(65535), uint32(1)} {
		binary.Write(&b, be, v)
	}
	for _, v := range []any{uint32(t0.Unix()), uint32(t0.Nanosecond()), uint32(60), uint32(60)} {
		binary.Write(&b, be, v)
	}
	b.Write(testFrames[0])
	src, err := capture.OpenReader("be", &b)
	if err != nil {
		t.Fatal(err)
	}
	frames, cis, links := readAll(t, src)
	if len(frames) != 1 || !bytes.Equal(frames[0], testFrames[0]) || links[0] != layers.LinkTypeEthernet || !cis[0].Timestamp.Equal(t0) {
		t.Errorf("got %d frames, link %v, time %v", len(frames), links, cis)
	}
}

// TestOpenPcapngMixedLinkTypes checks that each packet reports the link type
// of its own interface.
func TestOpenPcapngMixedLinkTypes(t *testing.T) {
	var buf bytes.Buffer
	intf := pcapgo.DefaultNgInterface
	intf.LinkType = layers.LinkTypeEthernet
	w, err := pcapgo.NewNgWriterInterface(&buf, intf, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	intf.Name, intf.LinkType = "raw0", layers.LinkTypeRaw
	if _, err := w.AddInterface(intf); err != nil {
		t.Fatal(err)
	}
	intf.Name, intf.LinkType = "sll0", layers.LinkTypeLinuxSLL
	if _, err := w.AddInterface(intf); err != nil {
		t.Fatal(err)
	}
	wantLinks := []layers.LinkType{layers.LinkTypeRaw, layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL}
	ifaceOf := []int{1, 0, 2}
	for i, f := range testFrames {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(f), Length: len(f), InterfaceIndex: ifaceOf[i]}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	stats := pcapgo.NgInterfaceStatistics{PacketsDropped: 7, PacketsReceived: pcapgo.NgNoValue64}
	if err := w.WriteInterfaceStats(1, stats); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	src, err := capture.OpenReader("mixed", &buf)
	if err != nil {
		t.Fatal(err)
	}
	frames, cis, links := readAll(t, src)
	if len(frames) != 3 {
		t.Fatalf("read %d frames", len(frames))
	}
	for i := range frames {
		if links[i] != wantLinks[i] {
			t.Errorf("frame %d link %v, want %v", i, links[i], wantLinks[i])
		}
		if !bytes.Equal(frames[i], testFrames[i]) {
			t.Errorf("frame %d differs", i)
		}
		if want := t0.Add(time.Duration(i) * time.Millisecond); !cis[i].Timestamp.Equal(want) {
			t.Errorf("frame %d time %v, want %v", i, cis[i].Timestamp, want)
		}
	}
	if d := src.Drops(); d != 7 {
		t.Errorf("Drops = %d, want 7 from the interface statistics block", d)
	}
}

// ngBlock frames a pcapng block body (little-endian).
func ngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	out := binary.LittleEndian.AppendUint32(nil, typ)
	out = binary.LittleEndian.AppendUint32(out, n)
	out = append(out, body...)
	return binary.LittleEndian.AppendUint32(out, n)
}

// hostilePcapng declares a timestamp resolution of 10^-100 s, which no
// 64-bit count can express (and which makes pcapgo divide by zero).
func hostilePcapng() []byte {
	shb := ngBlock(0x0a0d0d0a, []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	idb := ngBlock(1, []byte{1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 100, 0, 0, 0, 0, 0, 0, 0})
	epb := ngBlock(6, []byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4})
	return append(append(shb, idb...), epb...)
}

// hugeCapLenPcapng declares a 4 GB frame in a 36-byte block.
func hugeCapLenPcapng() []byte {
	shb := ngBlock(0x0a0d0d0a, []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	idb := ngBlock(1, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	epb := ngBlock(6, []byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xf0, 4, 0, 0, 0, 1, 2, 3, 4})
	return append(append(shb, idb...), epb...)
}

func TestOpenErrors(t *testing.T) {
	pcap := writePcap(t, false, layers.LinkTypeEthernet)
	tests := []struct {
		name     string
		data     []byte
		wantOpen error // nil: open succeeds and the first read must fail
		wantRead error // when set, the read error must match it and io.EOF
	}{
		{name: "empty", data: nil, wantOpen: capture.ErrFormat},
		{name: "text", data: []byte("hello, this is not a capture"), wantOpen: capture.ErrFormat},
		{name: "cut_inside_record", data: pcap[:24+16+10], wantRead: capture.ErrShortFile},
		{name: "pcapng_hostile_resolution", data: hostilePcapng()},
		{name: "pcapng_huge_capture_length", data: hugeCapLenPcapng()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := capture.OpenReader(tt.name, bytes.NewReader(tt.data))
			if tt.wantOpen != nil {
				if !errors.Is(err, tt.wantOpen) {
					t.Fatalf("open error %v, want %v", err, tt.wantOpen)
				}
				if want := "capture: open " + tt.name + ": not a pcap or pcapng file"; !strings.HasPrefix(err.Error(), want) {
					t.Errorf("open error %q, want it to start %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			_, _, _, err = src.ReadPacket()
			if err == nil || err == io.EOF {
				t.Fatalf("ReadPacket error = %v, want a read error", err)
			}
			if tt.wantRead != nil && (!errors.Is(err, tt.wantRead) || !errors.Is(err, io.EOF)) {
				t.Fatalf("ReadPacket error = %v, want %v that also matches io.EOF", err, tt.wantRead)
			}
			t.Logf("error as expected: %v", err)
		})
	}
	missing := filepath.Join(t.TempDir(), "missing.pcap")
	_, err := capture.OpenFile(missing)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
	// Said once: the operating system's error already names the path.
	if err != nil && strings.Count(err.Error(), missing) != 1 {
		t.Errorf("missing file: %q names the path other than once", err)
	}
}

func TestReadAfterClose(t *testing.T) {
	src, err := capture.OpenReader("closed", bytes.NewReader(writePcap(t, false, layers.LinkTypeEthernet)))
	if err != nil {
		t.Fatal(err)
	}
	src.Close()
	if _, _, _, err := src.ReadPacket(); !errors.Is(err, capture.ErrClosed) {
		t.Errorf("ReadPacket after Close: %v", err)
	}
}

// TestCorpus reads every shared capture to the end and cross-checks the
// frames against pcapgo used directly.
func TestCorpus(t *testing.T) {
	for _, path := range capturetest.Files(t) {
		rel, _ := filepath.Rel(capturetest.Dir(t), path)
		t.Run(rel, func(t *testing.T) {
			src, err := capture.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			frames, cis, links := readAll(t, src)
			if len(frames) == 0 {
				t.Fatal("no frames")
			}
			ref := referenceRead(t, path)
			if len(ref) != len(frames) {
				t.Fatalf("read %d frames, pcapgo directly reads %d", len(frames), len(ref))
			}
			for i := range frames {
				if !bytes.Equal(frames[i], ref[i].Data) || !cis[i].Timestamp.Equal(ref[i].CI.Timestamp) || links[i] != ref[i].Link {
					t.Fatalf("frame %d differs from pcapgo's reading", i)
				}
			}
		})
	}
}

// referenceRead reads a file with pcapgo's copying API and no sniffing.
func referenceRead(t *testing.T, path string) []capturetest.Frame {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capturetest.Frame
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint32(magic[:]) == 0x0a0d0d0a {
		r, err := pcapgo.NewNgReader(f, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			t.Fatal(err)
		}
		for {
			data, ci, err := r.ReadPacketData()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, capturetest.Frame{Data: data, CI: ci, Link: ci.AncillaryData[0].(layers.LinkType)})
		}
	}
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, capturetest.Frame{Data: data, CI: ci, Link: r.LinkType()})
	}
}

// FuzzOpenReader feeds arbitrary bytes to the file reader: it must return
// errors, never panic or hang.
func FuzzOpenReader(f *testing.F) {
	f.Add(writePcap(f, false, layers.LinkTypeEthernet))
	f.Add(writePcap(f, true, layers.LinkTypeRaw))
	f.Add(hostilePcapng())
	var ng bytes.Buffer
	w, _ := pcapgo.NewNgWriter(&ng, layers.LinkTypeEthernet)
	w.WritePacket(gopacket.CaptureInfo{Timestamp: t0, CaptureLength: 60, Length: 60}, testFrames[0])
	w.Flush()
	f.Add(ng.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := capture.OpenReader("fuzz", bytes.NewReader(data))
		if err != nil {
			return
		}
		defer src.Close()
		// Every read consumes at least a record header, so a file of n
		// bytes yields at most n reads before an error or EOF.
		for i := 0; i <= len(data); i++ {
			frame, ci, _, err := src.ReadPacket()
			if err != nil {
				return
			}
			if len(frame) != ci.CaptureLength {
				t.Fatalf("frame of %d bytes, capture length %d", len(frame), ci.CaptureLength)
			}
		}
		t.Fatalf("more reads than bytes in the file")
	})
}
