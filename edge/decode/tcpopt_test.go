package decode

import (
	"testing"

	"github.com/google/gopacket/layers"
)

// tcpOptTest is one segment (raw IPv4 or IPv6, no link header) and the
// option layout and quirks it must yield.
type tcpOptTest struct {
	name   string
	link   layers.LinkType
	frame  []byte
	layout []uint8
	eolPad uint8
	mss    uint16 // 0: no MSS option
	wscale int    // -1: no window-scale option
	sack   bool
	tsval  uint32
	quirks uint32
}

var tcpOptTests = []tcpOptTest{
	{
		// Linux 5.x: mss,sok,ts,nop,ws 7, DF with a non-zero IP ID.
		name: "linux_syn",
		link: layers.LinkTypeIPv4,
		frame: mustHexDecode("4500 003c abcd 4000 4006 0000 c0a8 0001 c0a8 0002" +
			"c350 0050 0000 0001 0000 0000 a002 faf0 0000 0000" +
			"0204 05b4 0402 080a 0000 1234 0000 0000 0103 0307"),
		layout: []uint8{TCPOptMSS, TCPOptSACKPerm, TCPOptTimestamp, TCPOptNOP, TCPOptWScale},
		mss:    1460, wscale: 7, sack: true, tsval: 0x1234,
		quirks: QuirkDF | QuirkIDNonZero,
	},
	{
		// Windows 10: mss,nop,ws 8,nop,nop,sok.
		name: "windows_syn",
		link: layers.LinkTypeIPv4,
		frame: mustHexDecode("4500 0034 1234 4000 8006 0000 c0a8 0001 c0a8 0002" +
			"c350 01bd 0000 0001 0000 0000 8002 faf0 0000 0000" +
			"0204 05b4 0103 0308 0101 0402"),
		layout: []uint8{TCPOptMSS, TCPOptNOP, TCPOptWScale, TCPOptNOP, TCPOptNOP, TCPOptSACKPerm},
		mss:    1460, wscale: 8, sack: true,
		quirks: QuirkDF | QuirkIDNonZero,
	},
	{
		// macOS style, ending in an explicit end of options and one pad byte;
		// the peer timestamp is set on a SYN (ts2+).
		name: "eol_padding_ts2",
		link: layers.LinkTypeIPv4,
		frame: mustHexDecode("4500 0040 0000 0000 4006 0000 c0a8 0001 c0a8 0002" +
			"c350 01bd 0000 0001 0000 0000 b002 ffff 0000 0000" +
			"0204 05b4 0103 0306 0101 080a 0000 0001 0000 0009 0402 0000"),
		layout: []uint8{TCPOptMSS, TCPOptNOP, TCPOptWScale, TCPOptNOP, TCPOptNOP, TCPOptTimestamp, TCPOptSACKPerm, TCPOptEOL},
		eolPad: 1,
		mss:    1460, wscale: 6, sack: true, tsval: 1,
		quirks: QuirkIDZero | QuirkTS2NonZero,
	},
	{
		// Window scale 15 and non-zero bytes after the end-of-options marker.
		name: "excessive_scale_trailing_data",
		link: layers.LinkTypeIPv4,
		frame: mustHexDecode("4500 0030 0001 0000 4006 0000 c0a8 0001 c0a8 0002" +
			"c350 01bd 0000 0000 0000 0005 7002 1000 0000 0000" +
			"0303 0f00 0700 0000"),
		layout: []uint8{TCPOptWScale, TCPOptEOL},
		eolPad: 4, wscale: 15,
		quirks: QuirkWScaleExcess | QuirkOptTrailing | QuirkSeqZero | QuirkAckNonZero,
	},
	{
		// A timestamp option with a wrong length stops the walk.
		name: "bad_option_length",
		link: layers.LinkTypeIPv4,
		frame: mustHexDecode("4500 0030 0001 4000 4006 0000 c0a8 0001 c0a8 0002" +
			"c350 01bd 0000 0001 0000 0000 7012 1000 0000 0000" +
			"0204 05b4 0803 0000"),
		layout: []uint8{TCPOptMSS, TCPOptTimestamp},
		mss:    1460, wscale: -1,
		quirks: QuirkDF | QuirkIDNonZero | QuirkAckZero | QuirkOptBad,
	},
	{
		// IPv6 with ECN bits in the traffic class and a flow label; PSH and
		// an urgent pointer without URG.
		name: "ipv6_flow_ecn",
		link: layers.LinkTypeIPv6,
		frame: mustHexDecode("6011 2345 0018 0640" + ipv6Hdr +
			"c350 01bd 0000 0001 0000 0000 600a 1000 0000 0007 0204 05a0"),
		layout: []uint8{TCPOptMSS},
		mss:    1440, wscale: -1,
		quirks: QuirkFlow | QuirkECN | QuirkPUSH | QuirkURGPtr,
	},
}

func TestTCPOptions(t *testing.T) {
	d := New()
	for _, tt := range tcpOptTests {
		t.Run(tt.name, func(t *testing.T) {
			var p Packet
			if err := d.Decode(tt.frame, captureInfo(tt.frame), tt.link, &p); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			o := &p.TCPOpts
			if got := o.Layout[:o.N]; string(got) != string(tt.layout) {
				t.Errorf("layout = %v, want %v", got, tt.layout)
			}
			if o.EOLPad != tt.eolPad {
				t.Errorf("EOLPad = %d, want %d", o.EOLPad, tt.eolPad)
			}
			if o.HasMSS != (tt.mss != 0) || o.MSS != tt.mss {
				t.Errorf("MSS = %d (%v), want %d", o.MSS, o.HasMSS, tt.mss)
			}
			if tt.wscale < 0 && o.HasWScale || tt.wscale >= 0 && (!o.HasWScale || int(o.WScale) != tt.wscale) {
				t.Errorf("WScale = %d (%v), want %d", o.WScale, o.HasWScale, tt.wscale)
			}
			if o.SACKPerm != tt.sack {
				t.Errorf("SACKPerm = %v, want %v", o.SACKPerm, tt.sack)
			}
			if o.TSVal != tt.tsval {
				t.Errorf("TSVal = %d, want %d", o.TSVal, tt.tsval)
			}
			if p.TCPQuirks != tt.quirks {
				t.Errorf("quirks = %#x, want %#x", p.TCPQuirks, tt.quirks)
			}
		})
	}
}

// TestTCPOptionsAllocs: parsing options keeps Decode allocation-free.
func TestTCPOptionsAllocs(t *testing.T) {
	d := New()
	var p Packet
	for _, tt := range tcpOptTests {
		ci := captureInfo(tt.frame)
		if n := testing.AllocsPerRun(100, func() { _ = d.Decode(tt.frame, ci, tt.link, &p) }); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tt.name, n)
		}
	}
}
