package decode

import (
	"testing"

	"mimamori/edge/capture/capturetest"
)

// BenchmarkDecode decodes every frame of the shared captures, held in
// memory, round robin; ns/packet is the figure to watch.
func BenchmarkDecode(b *testing.B) {
	frames := capturetest.Frames(b, capturetest.Files(b), 0)
	d := New()
	var p Packet
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fr := &frames[i%len(frames)]
		_ = d.Decode(fr.Data, fr.CI, fr.Link, &p)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}

// BenchmarkDecodeTable decodes the unit fixtures, for a corpus-free figure.
func BenchmarkDecodeTable(b *testing.B) {
	d := New()
	var p Packet
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tt := &decodeTests[i%len(decodeTests)]
		_ = d.Decode(tt.frame, captureInfo(tt.frame), tt.link, &p)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}
